/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fd-util.h"
#include "fileio.h"
#include "macro.h"
#include "oci-manifest.h"
#include "output.h"
#include "path-util.h"
#include "seccomp-bpf.h"
#include "string-util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release);

#define BPF_INSN_SIZE sizeof(struct sock_filter)
#define SECCOMP_ARGS_MAX 6
#define CACHE_FORMAT "nyx-seccomp-bpf 1"
#define MEMORY_CACHE_SIZE 16

static int reason_set(char **ret_reason, const char *fmt, ...) _printf_(2, 3);
static int reason_set(char **ret_reason, const char *fmt, ...) {
        va_list ap;
        char *s;
        int r;

        if (!ret_reason)
                return -EINVAL;
        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        free(*ret_reason);
        *ret_reason = s;
        return -EINVAL;
}

/* ---- compiling ----------------------------------------------------------------------------------- */

static bool action_takes_errno(const char *name) {
        return streq(name, "SCMP_ACT_ERRNO") || streq(name, "SCMP_ACT_TRACE");
}

/* name + errno value -> libseccomp action; the names crun 1.8 knows. */
static int action_parse(const char *name, uint32_t errno_ret, uint32_t *ret) {
        const char *p = startswith(name, "SCMP_ACT_");

        if (!p)
                return -EINVAL;
        if (streq(p, "ALLOW"))
                *ret = SCMP_ACT_ALLOW;
        else if (streq(p, "ERRNO"))
                *ret = SCMP_ACT_ERRNO(errno_ret);
        else if (streq(p, "KILL"))
                *ret = SCMP_ACT_KILL;
        else if (streq(p, "LOG"))
                *ret = SCMP_ACT_LOG;
        else if (streq(p, "TRAP"))
                *ret = SCMP_ACT_TRAP;
        else if (streq(p, "TRACE"))
                *ret = SCMP_ACT_TRACE(errno_ret);
        else if (streq(p, "KILL_PROCESS"))
                *ret = SCMP_ACT_KILL_PROCESS;
        else if (streq(p, "KILL_THREAD"))
                *ret = SCMP_ACT_KILL_THREAD;
        else if (streq(p, "NOTIFY"))
                *ret = SCMP_ACT_NOTIFY;
        else
                return -EINVAL;
        return 0;
}

static int operator_parse(const char *name, enum scmp_compare *ret) {
        static const struct {
                const char *name;
                enum scmp_compare op;
        } table[] = {
                { "SCMP_CMP_NE", SCMP_CMP_NE },
                { "SCMP_CMP_LT", SCMP_CMP_LT },
                { "SCMP_CMP_LE", SCMP_CMP_LE },
                { "SCMP_CMP_EQ", SCMP_CMP_EQ },
                { "SCMP_CMP_GE", SCMP_CMP_GE },
                { "SCMP_CMP_GT", SCMP_CMP_GT },
                { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(name, table[i].name)) {
                        *ret = table[i].op;
                        return 0;
                }
        return -EINVAL;
}

/* An optional member: NULL when absent or null. */
static json_object *member(json_object *o, const char *key) {
        json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v))
                return NULL;
        return v;
}

/* A non-negative JSON integer no larger than max. */
static int get_uint(json_object *o, uint64_t max, uint64_t *ret) {
        uint64_t v;

        if (!json_object_is_type(o, json_type_int) || json_object_get_int64(o) < 0)
                return -EINVAL;
        v = json_object_get_uint64(o);
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* The action of a profile entry with its errno value ("errnoRet" / "defaultErrnoRet", EPERM when
 * absent). */
static int entry_action(json_object *o, const char *action_key, const char *errno_key, const char *what,
                        uint32_t *ret, char **ret_reason) {
        json_object *a = member(o, action_key), *e = member(o, errno_key);
        uint64_t errno_ret = EPERM;
        const char *name;

        if (!a || !json_object_is_type(a, json_type_string))
                return reason_set(ret_reason, "%s: '%s' is missing or not a string", what, action_key);
        name = json_object_get_string(a);
        if (e) {
                if (!action_takes_errno(name))
                        return reason_set(ret_reason, "%s: '%s' given for action %s, which takes none", what,
                                          errno_key, name);
                /* the kernel returns 16 bits of it */
                if (get_uint(e, UINT16_MAX, &errno_ret) < 0)
                        return reason_set(ret_reason, "%s: '%s' must be an integer from 0 to 65535", what, errno_key);
        }
        if (action_parse(name, (uint32_t) errno_ret, ret) < 0)
                return reason_set(ret_reason, "%s: unknown action '%s'", what, name);
        return 0;
}

static int add_architectures(scmp_filter_ctx ctx, json_object *archs, char **ret_reason) {
        if (!archs)
                return 0;
        if (!json_object_is_type(archs, json_type_array))
                return reason_set(ret_reason, "seccomp: 'architectures' must be an array");

        for (size_t i = 0; i < json_object_array_length(archs); i++) {
                json_object *a = json_object_array_get_idx(archs, i);
                const char *name, *p;
                char lower[32];
                uint32_t token;
                size_t n;
                int r;

                if (!a || !json_object_is_type(a, json_type_string))
                        return reason_set(ret_reason, "seccomp: architectures[%zu] must be a string", i);
                name = json_object_get_string(a);
                p = startswith(name, "SCMP_ARCH_") ?: name;
                n = strlen(p);
                if (n >= sizeof(lower))
                        return reason_set(ret_reason, "seccomp: unknown architecture '%s'", name);
                for (size_t j = 0; j <= n; j++)
                        lower[j] = (char) tolower((unsigned char) p[j]);

                token = seccomp_arch_resolve_name(lower);
                if (token == 0)
                        return reason_set(ret_reason, "seccomp: unknown architecture '%s'", name);
                r = seccomp_arch_add(ctx, token);
                if (r < 0 && r != -EEXIST)
                        return reason_set(ret_reason, "seccomp: cannot add architecture '%s': %s", name, strerror(-r));
        }
        return 0;
}

/* The comparisons of one syscalls[] entry; *ret_split when an argument index occurs twice (then each
 * comparison becomes a rule of its own, as crun does). */
static int parse_args(json_object *args, size_t entry, struct scmp_arg_cmp cmp[static SECCOMP_ARGS_MAX],
                      unsigned *ret_n, bool *ret_split, char **ret_reason) {
        unsigned seen[SECCOMP_ARGS_MAX] = {};
        bool split = false;
        size_t n;

        if (!json_object_is_type(args, json_type_array))
                return reason_set(ret_reason, "seccomp: syscalls[%zu].args must be an array", entry);
        n = json_object_array_length(args);
        if (n > SECCOMP_ARGS_MAX)
                return reason_set(ret_reason, "seccomp: syscalls[%zu] has more than %d args", entry, SECCOMP_ARGS_MAX);

        for (size_t k = 0; k < n; k++) {
                json_object *a = json_object_array_get_idx(args, k), *op, *v;
                uint64_t index = 0, value = 0, value_two = 0;
                enum scmp_compare cmp_op;

                if (!a || !json_object_is_type(a, json_type_object))
                        return reason_set(ret_reason, "seccomp: syscalls[%zu].args[%zu] must be an object", entry, k);
                v = member(a, "index");
                if (!v || get_uint(v, SECCOMP_ARGS_MAX - 1, &index) < 0)
                        return reason_set(ret_reason, "seccomp: syscalls[%zu].args[%zu].index must be 0 to 5", entry, k);
                if ((v = member(a, "value")) && get_uint(v, UINT64_MAX, &value) < 0)
                        return reason_set(ret_reason, "seccomp: syscalls[%zu].args[%zu].value must be an unsigned integer",
                                          entry, k);
                if ((v = member(a, "valueTwo")) && get_uint(v, UINT64_MAX, &value_two) < 0)
                        return reason_set(ret_reason,
                                          "seccomp: syscalls[%zu].args[%zu].valueTwo must be an unsigned integer", entry, k);
                op = member(a, "op");
                if (!op || !json_object_is_type(op, json_type_string) ||
                    operator_parse(json_object_get_string(op), &cmp_op) < 0)
                        return reason_set(ret_reason, "seccomp: syscalls[%zu].args[%zu].op is not an SCMP_CMP_ operator",
                                          entry, k);

                if (++seen[index] > 1)
                        split = true;
                cmp[k] = (struct scmp_arg_cmp) {
                        .arg = (unsigned) index,
                        .op = cmp_op,
                        .datum_a = value,
                        .datum_b = value_two,
                };
        }
        *ret_n = (unsigned) n;
        *ret_split = split;
        return 0;
}

static int add_rules(scmp_filter_ctx ctx, uint32_t default_action, json_object *syscalls, char **ret_reason) {
        if (!syscalls)
                return 0;
        if (!json_object_is_type(syscalls, json_type_array))
                return reason_set(ret_reason, "seccomp: 'syscalls' must be an array");

        for (size_t i = 0; i < json_object_array_length(syscalls); i++) {
                json_object *e = json_object_array_get_idx(syscalls, i), *names, *args;
                struct scmp_arg_cmp cmp[SECCOMP_ARGS_MAX];
                _cleanup_free_ char *what = NULL;
                bool split = false;
                uint32_t action;
                unsigned n_cmp = 0;
                int r;

                if (!e || !json_object_is_type(e, json_type_object))
                        return reason_set(ret_reason, "seccomp: syscalls[%zu] must be an object", i);
                if (asprintf(&what, "seccomp: syscalls[%zu]", i) < 0)
                        return -ENOMEM;
                r = entry_action(e, "action", "errnoRet", what, &action, ret_reason);
                if (r < 0)
                        return r;
                /* The same as the default: nothing to add (libseccomp would refuse it). */
                if (action == default_action)
                        continue;

                args = member(e, "args");
                if (args) {
                        r = parse_args(args, i, cmp, &n_cmp, &split, ret_reason);
                        if (r < 0)
                                return r;
                }

                names = member(e, "names");
                if (!names)
                        continue;
                if (!json_object_is_type(names, json_type_array))
                        return reason_set(ret_reason, "seccomp: syscalls[%zu].names must be an array", i);
                for (size_t j = 0; j < json_object_array_length(names); j++) {
                        json_object *nm = json_object_array_get_idx(names, j);
                        const char *name;
                        int nr;

                        if (!nm || !json_object_is_type(nm, json_type_string))
                                return reason_set(ret_reason, "seccomp: syscalls[%zu].names[%zu] must be a string", i, j);
                        name = json_object_get_string(nm);
                        nr = seccomp_syscall_resolve_name(name);
                        if (nr == __NR_SCMP_ERROR)
                                continue;       /* unknown to this libseccomp: crun skips it too */

                        if (!split)
                                r = seccomp_rule_add_array(ctx, action, nr, n_cmp, n_cmp > 0 ? cmp : NULL);
                        else {
                                r = 0;
                                for (unsigned k = 0; k < n_cmp && r >= 0; k++)
                                        r = seccomp_rule_add_array(ctx, action, nr, 1, &cmp[k]);
                        }
                        if (r < 0)
                                return reason_set(ret_reason, "seccomp: cannot add the rule for %s (syscalls[%zu]): %s",
                                                  name, i, strerror(-r));
                }
        }
        return 0;
}

static int export_bpf(scmp_filter_ctx ctx, void **ret_bpf, size_t *ret_size, char **ret_reason) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ void *buf = NULL;
        struct stat st;
        size_t done = 0;
        int r;

        fd = memfd_create("nyx-seccomp-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return reason_set(ret_reason, "seccomp: cannot export the filter: %s", strerror(-r));
        if (fstat(fd, &st) < 0)
                return -errno;
        /* What the kernel would refuse is left to crun, which fails the same way. */
        if (st.st_size <= 0 || st.st_size % BPF_INSN_SIZE != 0 || st.st_size > (off_t) (BPF_MAXINSNS * BPF_INSN_SIZE))
                return reason_set(ret_reason, "seccomp: the filter has %jd bytes, not 1 to %d instructions",
                                  (intmax_t) st.st_size, BPF_MAXINSNS);

        buf = malloc(st.st_size);
        if (!buf)
                return -ENOMEM;
        while (done < (size_t) st.st_size) {
                ssize_t k = pread(fd, (uint8_t *) buf + done, st.st_size - done, done);
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -EIO;
                done += k;
        }
        *ret_bpf = TAKE_PTR(buf);
        *ret_size = done;
        return 0;
}

int seccomp_compile_oci(json_object *linux_seccomp, void **ret_bpf, size_t *ret_size, char **ret_reason) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        uint32_t default_action;
        int r;

        if (!linux_seccomp || !json_object_is_type(linux_seccomp, json_type_object))
                return reason_set(ret_reason, "seccomp: linux.seccomp must be an object");

        r = entry_action(linux_seccomp, "defaultAction", "defaultErrnoRet", "seccomp", &default_action, ret_reason);
        if (r < 0)
                return r;
        ctx = seccomp_init(default_action);
        if (!ctx)
                return reason_set(ret_reason, "seccomp: libseccomp refused the default action");

        r = add_architectures(ctx, member(linux_seccomp, "architectures"), ret_reason);
        if (r < 0)
                return r;
        r = add_rules(ctx, default_action, member(linux_seccomp, "syscalls"), ret_reason);
        if (r < 0)
                return r;
        return export_bpf(ctx, ret_bpf, ret_size, ret_reason);
}

/* ---- the cache ----------------------------------------------------------------------------------- */

static int key_compare(const void *a, const void *b) {
        return strcmp(*(const char * const *) a, *(const char * const *) b);
}

/* A copy of o with every object's keys in byte order, so that equal profiles hash alike. */
static int json_sorted_copy(json_object *o, json_object **ret) {
        _cleanup_(json_object_putp) json_object *copy = NULL;

        switch (json_object_get_type(o)) {

        case json_type_object: {
                _cleanup_free_ const char **keys = NULL;
                size_t n = 0, i = 0;

                n = (size_t) json_object_object_length(o);
                keys = calloc(n + 1, sizeof(char *));
                copy = json_object_new_object();
                if (!keys || !copy)
                        return -ENOMEM;
                json_object_object_foreach(o, k, v) {
                        (void) v;
                        keys[i++] = k;
                }
                qsort(keys, i, sizeof(char *), key_compare);
                for (size_t j = 0; j < i; j++) {
                        json_object *child;
                        int r;

                        r = json_sorted_copy(json_object_object_get(o, keys[j]), &child);
                        if (r < 0)
                                return r;
                        if (json_object_object_add(copy, keys[j], child) < 0) {
                                json_object_put(child);
                                return -ENOMEM;
                        }
                }
                break;
        }

        case json_type_array:
                copy = json_object_new_array();
                if (!copy)
                        return -ENOMEM;
                for (size_t j = 0; j < json_object_array_length(o); j++) {
                        json_object *child;
                        int r;

                        r = json_sorted_copy(json_object_array_get_idx(o, j), &child);
                        if (r < 0)
                                return r;
                        if (json_object_array_add(copy, child) < 0) {
                                json_object_put(child);
                                return -ENOMEM;
                        }
                }
                break;

        default:
                /* scalars (and null) are immutable: share them */
                copy = json_object_get(o);
        }
        *ret = TAKE_PTR(copy);
        return 0;
}

int seccomp_bpf_cache_key(json_object *linux_seccomp, char ret[static SECCOMP_BPF_KEY_MAX]) {
        _cleanup_(json_object_putp) json_object *sorted = NULL;
        _cleanup_free_ char *text = NULL;
        const struct scmp_version *v = seccomp_version();
        char digest[SHA256_DIGEST_STRING_MAX];
        struct utsname u;
        const char *s;
        int r;

        r = json_sorted_copy(linux_seccomp, &sorted);
        if (r < 0)
                return r;
        s = json_object_to_json_string_ext(sorted, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                return -ENOMEM;
        if (uname(&u) < 0)
                return -errno;
        /* What else decides the program: libseccomp's code and syscall tables, the architecture, and the
         * kernel libseccomp probes for what it supports. */
        if (asprintf(&text, CACHE_FORMAT "\nlibseccomp %u.%u.%u\narch %u\nkernel %s %s\n%s", v ? v->major : 0,
                     v ? v->minor : 0, v ? v->micro : 0, seccomp_arch_native(), u.release, u.machine, s) < 0)
                return -ENOMEM;
        r = sha256_digest_of(text, strlen(text), digest);
        if (r < 0)
                return r;
        memcpy(ret, digest + strlen("sha256:"), SECCOMP_BPF_KEY_MAX);
        return 0;
}

typedef struct CachedProgram {
        char key[SECCOMP_BPF_KEY_MAX];
        void *bpf;
        size_t size;
} CachedProgram;

/* nyxd is single-threaded; a handful of profiles (default, per --cap-add set, custom) is typical. */
static CachedProgram memory_cache[MEMORY_CACHE_SIZE];
static size_t memory_cache_next;

void seccomp_bpf_cache_flush(void) {
        for (size_t i = 0; i < MEMORY_CACHE_SIZE; i++) {
                free(memory_cache[i].bpf);
                memory_cache[i] = (CachedProgram) {};
        }
        memory_cache_next = 0;
}

static int memory_cache_copy(const CachedProgram *p, void **ret_bpf, size_t *ret_size) {
        void *copy = malloc(p->size);

        if (!copy)
                return -ENOMEM;
        memcpy(copy, p->bpf, p->size);
        *ret_bpf = copy;
        *ret_size = p->size;
        return 0;
}

static const CachedProgram *memory_cache_find(const char *key) {
        for (size_t i = 0; i < MEMORY_CACHE_SIZE; i++)
                if (memory_cache[i].bpf && streq(memory_cache[i].key, key))
                        return &memory_cache[i];
        return NULL;
}

static int memory_cache_put(const char *key, const void *bpf, size_t size) {
        CachedProgram *p = &memory_cache[memory_cache_next];
        void *copy = malloc(size);

        if (!copy)
                return -ENOMEM;
        memcpy(copy, bpf, size);
        free(p->bpf);
        *p = (CachedProgram) { .bpf = copy, .size = size };
        memcpy(p->key, key, SECCOMP_BPF_KEY_MAX);
        memory_cache_next = (memory_cache_next + 1) % MEMORY_CACHE_SIZE;
        return 0;
}

static bool program_size_ok(size_t size) {
        return size > 0 && size % BPF_INSN_SIZE == 0 && size <= BPF_MAXINSNS * BPF_INSN_SIZE;
}

int seccomp_bpf_cache_get(
                const char *cache_dir,
                json_object *linux_seccomp,
                void **ret_bpf,
                size_t *ret_size,
                char **ret_reason) {

        _cleanup_free_ char *path = NULL, *name = NULL, *data = NULL;
        _cleanup_free_ void *bpf = NULL;
        char key[SECCOMP_BPF_KEY_MAX];
        const CachedProgram *p;
        size_t size = 0;
        int r;

        r = seccomp_bpf_cache_key(linux_seccomp, key);
        if (r < 0)
                return r;

        p = memory_cache_find(key);
        if (p) {
                r = memory_cache_copy(p, ret_bpf, ret_size);
                return r < 0 ? r : 1;
        }

        if (cache_dir) {
                name = strjoin(key, ".bpf");
                if (!name)
                        return -ENOMEM;
                path = path_join(cache_dir, name);
                if (!path)
                        return -ENOMEM;
                /* A file that is not a whole program is ignored and replaced. */
                if (read_full_file(path, BPF_MAXINSNS * BPF_INSN_SIZE, &data, &size) >= 0 && program_size_ok(size)) {
                        r = memory_cache_put(key, data, size);
                        if (r < 0)
                                return r;
                        *ret_bpf = TAKE_PTR(data);
                        *ret_size = size;
                        return 1;
                }
        }

        r = seccomp_compile_oci(linux_seccomp, &bpf, &size, ret_reason);
        if (r < 0)
                return r;
        r = memory_cache_put(key, bpf, size);
        if (r < 0)
                return r;
        if (path && mkdir_p(cache_dir, 0700) >= 0)
                (void) write_file_atomic(path, bpf, size, 0600);

        *ret_bpf = TAKE_PTR(bpf);
        *ret_size = size;
        return 0;
}

int oci_config_add_seccomp_bpf(json_object *config, const char *cache_dir, char **ret_reason) {
        _cleanup_(json_object_putp) json_object *new_annotations = NULL;
        json_object *linux_ = NULL, *seccomp = NULL, *annotations = NULL, *v;
        _cleanup_free_ unsigned char *b64 = NULL;
        _cleanup_free_ void *bpf = NULL;
        size_t size;
        int r, n;

        linux_ = member(config, "linux");
        if (linux_)
                seccomp = member(linux_, "seccomp");
        if (!seccomp)
                return 0;

        annotations = member(config, "annotations");
        if (annotations && !json_object_is_type(annotations, json_type_object))
                return reason_set(ret_reason, "config.json: 'annotations' is not an object");
        /* crun only checks for unknown names while it compiles: leave that to it. */
        if (annotations && (v = member(annotations, "run.oci.seccomp_fail_unknown_syscall")) &&
            !streq_ptr(json_object_get_string(v), "0"))
                return 0;

        r = seccomp_bpf_cache_get(cache_dir, seccomp, &bpf, &size, ret_reason);
        if (r < 0)
                return r;

        b64 = malloc(4 * ((size + 2) / 3) + 1);
        if (!b64)
                return -ENOMEM;
        n = EVP_EncodeBlock(b64, bpf, (int) size);
        if (n <= 0)
                return -ENOMEM;

        if (!annotations) {
                annotations = new_annotations = json_object_new_object();
                if (!annotations)
                        return -ENOMEM;
        }
        v = json_object_new_string_len((const char *) b64, n);
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(annotations, SECCOMP_BPF_ANNOTATION, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        if (new_annotations) {
                if (json_object_object_add(config, "annotations", new_annotations) < 0)
                        return -ENOMEM;
                TAKE_PTR(new_annotations);
        }
        return 1;
}
