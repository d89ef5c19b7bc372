/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fileio.h"
#include "oci-runtime.h"
#include "output.h"
#include "parse-util.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

/* moby daemon/pkg/oci/defaults.go, defaultLinuxMaskedPaths() (plus the thermal_throttle directories
 * of each possible CPU, which oci_host_facts_probe() finds) and DefaultLinuxSpec().ReadonlyPaths. */
const char * const oci_default_masked_paths[] = {
        "/proc/acpi",
        "/proc/asound",
        "/proc/interrupts",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/sched_debug",
        "/proc/scsi",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/sys/devices/virtual/powercap",
        "/sys/firmware",
        NULL,
};

const char * const oci_default_readonly_paths[] = {
        "/proc/bus",
        "/proc/fs",
        "/proc/irq",
        "/proc/sys",
        "/proc/sysrq-trigger",
        NULL,
};

/* This machine's architecture: the name moby's profile filters use ("amd64", from GOARCH), and the
 * libseccomp name its archMap is keyed by. */
#if defined(__x86_64__)
#  define NATIVE_ARCH "amd64"
#  define NATIVE_SCMP_ARCH "SCMP_ARCH_X86_64"
#elif defined(__aarch64__)
#  define NATIVE_ARCH "arm64"
#  define NATIVE_SCMP_ARCH "SCMP_ARCH_AARCH64"
#elif defined(__i386__)
#  define NATIVE_ARCH "x86"
#  define NATIVE_SCMP_ARCH "SCMP_ARCH_X86"
#elif defined(__s390x__)
#  define NATIVE_ARCH "s390x"
#  define NATIVE_SCMP_ARCH "SCMP_ARCH_S390X"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#  define NATIVE_ARCH "ppc64le"
#  define NATIVE_SCMP_ARCH "SCMP_ARCH_PPC64LE"
#elif defined(__riscv) && __riscv_xlen == 64
#  define NATIVE_ARCH "riscv64"
#  define NATIVE_SCMP_ARCH "SCMP_ARCH_RISCV64"
#elif defined(__loongarch64)
#  define NATIVE_ARCH "loong64"
#  define NATIVE_SCMP_ARCH "SCMP_ARCH_LOONGARCH64"
#else
#  error "unknown architecture: add it to the seccomp arch table"
#endif

/* ---- helpers ------------------------------------------------------------------------------------- */

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

static int json_add(json_object *o, const char *key, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int json_append(json_object *a, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_array_add(a, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int json_add_string(json_object *o, const char *key, const char *v) {
        return json_add(o, key, json_object_new_string(v));
}

static json_object *json_strv(char * const *l) {
        _cleanup_(json_object_putp) json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        STRV_FOREACH(s, (char **) l)
                if (json_append(a, json_object_new_string(*s)) < 0)
                        return NULL;
        return TAKE_PTR(a);
}

static bool kernel_at_least(const OciHostFacts *h, unsigned major, unsigned minor) {
        if (!h || (h->kernel_major == 0 && h->kernel_minor == 0))
                return true;    /* unknown: assume recent */
        return h->kernel_major > major || (h->kernel_major == major && h->kernel_minor >= minor);
}

static size_t path_depth(const char *p) {
        size_t n = 0;

        for (; *p; p++)
                if (*p == '/' && p[1] && p[1] != '/')
                        n++;
        return n;
}

/* ---- host facts ---------------------------------------------------------------------------------- */

void oci_host_facts_done(OciHostFacts *f) {
        if (!f)
                return;
        f->extra_masked_paths = strv_free(f->extra_masked_paths);
}

/* "0-3,5,7-8" (/sys/devices/system/cpu/possible) */
static int parse_cpu_list(const char *s, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *p = s;

        while (*p && *p != '\n') {
                unsigned long a, b;
                char *e;

                errno = 0;
                a = strtoul(p, &e, 10);
                if (e == p || errno != 0)
                        return -EINVAL;
                b = a;
                if (*e == '-') {
                        p = e + 1;
                        b = strtoul(p, &e, 10);
                        if (e == p || errno != 0 || b < a || b - a > 65536)
                                return -EINVAL;
                }
                for (unsigned long c = a; c <= b; c++) {
                        char *path;
                        struct stat st;

                        if (asprintf(&path, "/sys/devices/system/cpu/cpu%lu/thermal_throttle", c) < 0)
                                return -ENOMEM;
                        if (stat(path, &st) < 0) {
                                free(path);
                                continue;
                        }
                        if (strv_consume(&l, path) < 0)
                                return -ENOMEM;
                }
                p = e;
                if (*p == ',')
                        p++;
                else if (*p && *p != '\n')
                        return -EINVAL;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int oci_host_facts_probe(OciHostFacts *ret) {
        _cleanup_(oci_host_facts_done) OciHostFacts f = {};
        _cleanup_free_ char *possible = NULL, *nr_open = NULL;
        struct utsname u;
        bool sys_resource;
        int r;

        for (int c = 0; c <= capability_last(); c++)
                if (prctl(PR_CAPBSET_READ, (unsigned long) c, 0, 0, 0) > 0)
                        f.capabilities |= UINT64_C(1) << c;

        /* Without CAP_SYS_RESOURCE in the bounding set nobody below us (crun included) can raise a hard
         * limit above the current one; with it, nofile is still capped by fs.nr_open. */
        sys_resource = f.capabilities & (UINT64_C(1) << 24 /* CAP_SYS_RESOURCE */);
        for (int i = 0; i < RLIMIT_NLIMITS; i++) {
                struct rlimit rl;

                if (getrlimit(i, &rl) < 0)
                        return -errno;
                f.rlimit_max[i] = sys_resource ? RLIM_INFINITY : (uint64_t) rl.rlim_max;
        }
        if (sys_resource && read_one_line_file("/proc/sys/fs/nr_open", &nr_open) >= 0) {
                uint64_t v;

                if (parse_uint64_range(nr_open, 1, UINT64_MAX, &v) >= 0)
                        f.rlimit_max[RLIMIT_NOFILE] = v;
        }
        f.rlimits_known = true;

        if (uname(&u) >= 0)
                (void) sscanf(u.release, "%u.%u", &f.kernel_major, &f.kernel_minor);

        r = read_one_line_file("/sys/devices/system/cpu/possible", &possible);
        if (r >= 0)
                (void) parse_cpu_list(possible, &f.extra_masked_paths);

        *ret = f;
        f = (OciHostFacts) {};
        return 0;
}

/* ---- seccomp ------------------------------------------------------------------------------------- */

static bool json_strings_contain(json_object *a, const char *s) {
        size_t n;

        if (!json_object_is_type(a, json_type_array))
                return false;
        n = json_object_array_length(a);
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i);

                if (json_object_is_type(e, json_type_string) && streq(json_object_get_string(e), s))
                        return true;
        }
        return false;
}

/* Exactly as moby's slices.Contains(Bounding, name): "CAP_SYS_ADMIN" matches, "sys_admin" does not. */
static bool caps_contain_name(uint64_t caps, const char *name) {
        for (int c = 0; c <= capability_last(); c++)
                if ((caps & (UINT64_C(1) << c)) && streq(capability_to_name(c), name))
                        return true;
        return false;
}

/* "4.8" -> 1 if the kernel is at least that, 0 if not; -EINVAL when malformed. */
static int min_kernel_holds(json_object *v, unsigned kmaj, unsigned kmin) {
        unsigned a, b;
        char tail;

        if (!json_object_is_type(v, json_type_string))
                return -EINVAL;
        if (isempty(json_object_get_string(v)))
                return 1;
        if (sscanf(json_object_get_string(v), "%u.%u%c", &a, &b, &tail) != 2 || (a == 0 && b == 0))
                return -EINVAL;
        if (kmaj == 0 && kmin == 0)
                return 1;
        return kmaj > a || (kmaj == a && kmin >= b);
}

/* Does the rule apply? moby profiles/seccomp/seccomp_linux.go setupSeccomp(). */
static int seccomp_rule_applies(json_object *rule, uint64_t caps, unsigned kmaj, unsigned kmin, char **ret_reason) {
        json_object *ex, *in, *v;
        int k;

        if (json_object_object_get_ex(rule, "excludes", &ex) && json_object_is_type(ex, json_type_object)) {
                if (json_object_object_get_ex(ex, "arches", &v) && json_strings_contain(v, NATIVE_ARCH))
                        return false;
                if (json_object_object_get_ex(ex, "caps", &v) && json_object_is_type(v, json_type_array))
                        for (size_t i = 0; i < json_object_array_length(v); i++) {
                                json_object *c = json_object_array_get_idx(v, i);

                                if (json_object_is_type(c, json_type_string) &&
                                    caps_contain_name(caps, json_object_get_string(c)))
                                        return false;
                        }
                if (json_object_object_get_ex(ex, "minKernel", &v) && !json_object_is_type(v, json_type_null)) {
                        k = min_kernel_holds(v, kmaj, kmin);
                        if (k < 0)
                                return reason_set(ret_reason, "seccomp profile: invalid minKernel, expected \"<kernel>.<major>\"");
                        if (k > 0)
                                return false;
                }
        }

        if (json_object_object_get_ex(rule, "includes", &in) && json_object_is_type(in, json_type_object)) {
                if (json_object_object_get_ex(in, "arches", &v) && json_object_is_type(v, json_type_array) &&
                    json_object_array_length(v) > 0 && !json_strings_contain(v, NATIVE_ARCH))
                        return false;
                if (json_object_object_get_ex(in, "caps", &v) && json_object_is_type(v, json_type_array))
                        for (size_t i = 0; i < json_object_array_length(v); i++) {
                                json_object *c = json_object_array_get_idx(v, i);

                                if (!json_object_is_type(c, json_type_string) ||
                                    !caps_contain_name(caps, json_object_get_string(c)))
                                        return false;
                        }
                if (json_object_object_get_ex(in, "minKernel", &v) && !json_object_is_type(v, json_type_null)) {
                        k = min_kernel_holds(v, kmaj, kmin);
                        if (k < 0)
                                return reason_set(ret_reason, "seccomp profile: invalid minKernel, expected \"<kernel>.<major>\"");
                        if (k == 0)
                                return false;
                }
        }
        return true;
}

static int seccomp_copy_key(json_object *from, json_object *to, const char *key, json_type type, char **ret_reason) {
        json_object *v;

        if (!json_object_object_get_ex(from, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, type))
                return reason_set(ret_reason, "seccomp profile: '%s' has the wrong type", key);
        return json_add(to, key, json_object_get(v));
}

int oci_seccomp_from_docker_profile(
                json_object *profile,
                uint64_t caps,
                unsigned kernel_major,
                unsigned kernel_minor,
                json_object **ret,
                char **ret_reason) {

        _cleanup_(json_object_putp) json_object *out = NULL, *syscalls = NULL;
        json_object *v, *archmap, *arches, *rules;
        int r;

        if (!json_object_is_type(profile, json_type_object))
                return reason_set(ret_reason, "seccomp profile: must be a JSON object");

        if (!json_object_object_get_ex(profile, "defaultAction", &v) || !json_object_is_type(v, json_type_string) ||
            isempty(json_object_get_string(v)))
                return reason_set(ret_reason, "seccomp profile: 'defaultAction' is missing");

        json_object_object_get_ex(profile, "archMap", &archmap);
        json_object_object_get_ex(profile, "architectures", &arches);
        if (archmap && !json_object_is_type(archmap, json_type_null) &&
            arches && !json_object_is_type(arches, json_type_null) &&
            json_object_array_length(archmap) > 0 && json_object_array_length(arches) > 0)
                return reason_set(ret_reason, "seccomp profile: both 'architectures' and 'archMap' are specified, use either");

        out = json_object_new_object();
        if (!out)
                return -ENOMEM;

        if ((r = seccomp_copy_key(profile, out, "defaultAction", json_type_string, ret_reason)) < 0 ||
            (r = seccomp_copy_key(profile, out, "defaultErrnoRet", json_type_int, ret_reason)) < 0)
                return r;

        if (archmap && json_object_is_type(archmap, json_type_array)) {
                _cleanup_(json_object_putp) json_object *a = json_object_new_array();

                if (!a)
                        return -ENOMEM;
                for (size_t i = 0; i < json_object_array_length(archmap); i++) {
                        json_object *m = json_object_array_get_idx(archmap, i), *arch, *subs;

                        if (!json_object_object_get_ex(m, "architecture", &arch) ||
                            !json_object_is_type(arch, json_type_string))
                                return reason_set(ret_reason, "seccomp profile: archMap entries need an 'architecture'");
                        if (!streq(json_object_get_string(arch), NATIVE_SCMP_ARCH))
                                continue;
                        r = json_append(a, json_object_new_string(NATIVE_SCMP_ARCH));
                        if (r < 0)
                                return r;
                        if (json_object_object_get_ex(m, "subArchitectures", &subs) &&
                            json_object_is_type(subs, json_type_array))
                                for (size_t j = 0; j < json_object_array_length(subs); j++) {
                                        json_object *s = json_object_array_get_idx(subs, j);

                                        if (!json_object_is_type(s, json_type_string))
                                                return reason_set(ret_reason, "seccomp profile: subArchitectures must be strings");
                                        r = json_append(a, json_object_new_string(json_object_get_string(s)));
                                        if (r < 0)
                                                return r;
                                }
                        break;
                }
                if (json_object_array_length(a) > 0) {
                        r = json_add(out, "architectures", TAKE_PTR(a));
                        if (r < 0)
                                return r;
                }
        } else if ((r = seccomp_copy_key(profile, out, "architectures", json_type_array, ret_reason)) < 0)
                return r;

        if ((r = seccomp_copy_key(profile, out, "flags", json_type_array, ret_reason)) < 0 ||
            (r = seccomp_copy_key(profile, out, "listenerPath", json_type_string, ret_reason)) < 0 ||
            (r = seccomp_copy_key(profile, out, "listenerMetadata", json_type_string, ret_reason)) < 0)
                return r;

        syscalls = json_object_new_array();
        if (!syscalls)
                return -ENOMEM;

        if (json_object_object_get_ex(profile, "syscalls", &rules) && !json_object_is_type(rules, json_type_null)) {
                if (!json_object_is_type(rules, json_type_array))
                        return reason_set(ret_reason, "seccomp profile: 'syscalls' must be an array");

                for (size_t i = 0; i < json_object_array_length(rules); i++) {
                        _cleanup_(json_object_putp) json_object *o = NULL;
                        json_object *rule = json_object_array_get_idx(rules, i), *names, *name, *action;
                        bool has_names, has_name;

                        if (!json_object_is_type(rule, json_type_object))
                                return reason_set(ret_reason, "seccomp profile: syscalls[%zu] must be an object", i);

                        has_names = json_object_object_get_ex(rule, "names", &names) &&
                                !json_object_is_type(names, json_type_null) && json_object_array_length(names) > 0;
                        has_name = json_object_object_get_ex(rule, "name", &name) &&
                                json_object_is_type(name, json_type_string) && !isempty(json_object_get_string(name));
                        if (has_names && has_name)
                                return reason_set(ret_reason, "seccomp profile: syscalls[%zu]: both 'name' and 'names' "
                                                  "are specified, use either", i);
                        if (has_names) {
                                if (!json_object_is_type(names, json_type_array))
                                        return reason_set(ret_reason, "seccomp profile: syscalls[%zu]: 'names' must be an array", i);
                                for (size_t j = 0; j < json_object_array_length(names); j++)
                                        if (!json_object_is_type(json_object_array_get_idx(names, j), json_type_string))
                                                return reason_set(ret_reason, "seccomp profile: syscalls[%zu]: "
                                                                  "'names' must be strings", i);
                        }
                        if (!json_object_object_get_ex(rule, "action", &action) ||
                            !json_object_is_type(action, json_type_string))
                                return reason_set(ret_reason, "seccomp profile: syscalls[%zu]: 'action' is missing", i);

                        r = seccomp_rule_applies(rule, caps, kernel_major, kernel_minor, ret_reason);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                continue;

                        o = json_object_new_object();
                        if (!o)
                                return -ENOMEM;
                        if (has_names)
                                r = json_add(o, "names", json_object_get(names));
                        else if (has_name) {
                                _cleanup_(json_object_putp) json_object *a = json_object_new_array();

                                if (!a)
                                        return -ENOMEM;
                                r = json_append(a, json_object_new_string(json_object_get_string(name)));
                                if (r >= 0)
                                        r = json_add(o, "names", TAKE_PTR(a));
                        } else
                                return reason_set(ret_reason, "seccomp profile: syscalls[%zu] names no system call", i);
                        if (r < 0)
                                return r;
                        if ((r = seccomp_copy_key(rule, o, "action", json_type_string, ret_reason)) < 0 ||
                            (r = seccomp_copy_key(rule, o, "errnoRet", json_type_int, ret_reason)) < 0 ||
                            (r = seccomp_copy_key(rule, o, "args", json_type_array, ret_reason)) < 0)
                                return r;

                        r = json_append(syscalls, TAKE_PTR(o));
                        if (r < 0)
                                return r;
                }
        }

        r = json_add(out, "syscalls", TAKE_PTR(syscalls));
        if (r < 0)
                return r;

        *ret = TAKE_PTR(out);
        return 0;
}

static int build_seccomp(const ContainerSpec *s, const OciRuntimeContext *ctx, uint64_t caps,
                         json_object **ret, char **ret_reason) {
        _cleanup_(json_object_putp) json_object *profile = NULL;
        const OciHostFacts *h = ctx->host;
        bool custom;
        int r;

        custom = s->seccomp_profile && !streq(s->seccomp_profile, "unconfined");

        /* As moby's WithSeccomp(): unconfined, or privileged without an explicit profile: no filter. */
        if ((s->seccomp_profile && streq(s->seccomp_profile, "unconfined")) || (s->privileged && !custom)) {
                *ret = NULL;
                return 0;
        }

        if (custom) {
                enum json_tokener_error e;

                if (!ctx->seccomp_profile_json)
                        return reason_set(ret_reason, "--security-opt seccomp=%s: the profile's content was not loaded",
                                          s->seccomp_profile);
                profile = json_tokener_parse_verbose(ctx->seccomp_profile_json, &e);
                if (!profile)
                        return reason_set(ret_reason, "--security-opt seccomp=%s: the profile is not valid JSON (%s)",
                                          s->seccomp_profile, json_tokener_error_desc(e));
        } else {
                profile = json_tokener_parse(seccomp_default_profile_json);
                if (!profile)
                        return -ENOMEM;
        }

        r = oci_seccomp_from_docker_profile(profile, caps, h ? h->kernel_major : 0, h ? h->kernel_minor : 0,
                                            ret, ret_reason);
        if (r == -EINVAL && custom && ret_reason && *ret_reason) {
                char *t = strjoin("--security-opt seccomp=", s->seccomp_profile, ": ", *ret_reason);

                if (t) {
                        free(*ret_reason);
                        *ret_reason = t;
                }
        }
        return r;
}

/* ---- mounts -------------------------------------------------------------------------------------- */

typedef struct OciMount {
        char *destination;
        char *type;
        char *source;
        char **options;
        bool user;              /* from the user (docker's userMounts): not touched by --read-only */
} OciMount;

typedef struct OciMountList {
        OciMount *mounts;
        size_t n;
} OciMountList;

static void oci_mount_list_done(OciMountList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->mounts[i].destination);
                free(l->mounts[i].type);
                free(l->mounts[i].source);
                strv_free(l->mounts[i].options);
        }
        l->mounts = mfree(l->mounts);
        l->n = 0;
}

/* Add a mount; options is a NULL-terminated list of const strings. */
static int oci_mount_add(OciMountList *l, const char *destination, const char *type, const char *source,
                         bool user, const char * const *options) {
        OciMount m = { .user = user }, *t;

        m.destination = strdup(destination);
        m.type = strdup(type);
        m.source = strdup(source);
        if (!m.destination || !m.type || !m.source)
                goto fail;
        for (const char * const *o = options; o && *o; o++)
                if (strv_extend(&m.options, *o) < 0)
                        goto fail;

        t = reallocarray(l->mounts, l->n + 1, sizeof(OciMount));
        if (!t)
                goto fail;
        l->mounts = t;
        l->mounts[l->n++] = m;
        return 0;

fail:
        free(m.destination);
        free(m.type);
        free(m.source);
        strv_free(m.options);
        return -ENOMEM;
}

static OciMount *oci_mount_last(OciMountList *l) {
        return &l->mounts[l->n - 1];
}

static bool user_mounts_have(const ContainerSpec *s, const char *destination) {
        for (size_t i = 0; i < s->n_mounts; i++)
                if (streq(s->mounts[i].destination, destination))
                        return true;
        return false;
}

static void strv_remove_string(char **l, const char *s) {
        size_t n = 0;

        for (size_t i = 0; l && l[i]; i++) {
                if (streq(l[i], s)) {
                        free(l[i]);
                        continue;
                }
                l[n++] = l[i];
        }
        if (l)
                l[n] = NULL;
}

static const char *volume_host_path(const OciRuntimeContext *ctx, const char *destination) {
        for (size_t i = 0; i < ctx->n_volume_paths; i++)
                if (streq_ptr(ctx->volume_paths[i].destination, destination))
                        return ctx->volume_paths[i].host_path;
        return NULL;
}

/* "rro" (mount_setattr(AT_RECURSIVE)) needs Linux 5.12; crun knows it since 1.4. */
static bool rro_supported(const OciRuntimeContext *ctx) {
        return kernel_at_least(ctx->host, 5, 12);
}

static const char * const propagation_option[_MOUNT_PROPAGATION_MAX] = {
        [MOUNT_PROPAGATION_DEFAULT] = "rprivate",       /* docker's DefaultPropagationMode */
        [MOUNT_PROPAGATION_PRIVATE] = "private",
        [MOUNT_PROPAGATION_RPRIVATE] = "rprivate",
        [MOUNT_PROPAGATION_SHARED] = "shared",
        [MOUNT_PROPAGATION_RSHARED] = "rshared",
        [MOUNT_PROPAGATION_SLAVE] = "slave",
        [MOUNT_PROPAGATION_RSLAVE] = "rslave",
};

static int user_mount_add(OciMountList *l, const MountSpec *m, const OciRuntimeContext *ctx, char **ret_reason) {
        _cleanup_strv_free_ char **opts = NULL;
        const char *source, *ro = NULL;
        int r;

        if (m->type == MOUNT_TYPE_TMPFS) {
                r = mount_spec_tmpfs_options(m, &opts);
                if (r < 0)
                        return r;
                r = oci_mount_add(l, m->destination, "tmpfs", "tmpfs", true, NULL);
                if (r < 0)
                        return r;
                oci_mount_last(l)->options = TAKE_PTR(opts);
                return 0;
        }

        if (m->type == MOUNT_TYPE_VOLUME) {
                source = volume_host_path(ctx, m->destination);
                if (!source)
                        return reason_set(ret_reason, "the volume %s%sfor %s was not resolved to a host directory",
                                          strempty(m->source), m->source ? " " : "", m->destination);
        } else
                source = m->source;
        if (isempty(source))
                return reason_set(ret_reason, "the bind mount for %s has no source", m->destination);

        if (m->read_only) {
                switch (m->recursive) {
                case BIND_RECURSIVE_ENABLED:
                        ro = rro_supported(ctx) ? "rro" : "ro";
                        break;
                case BIND_RECURSIVE_READONLY:
                        if (!rro_supported(ctx))
                                return reason_set(ret_reason, "--mount target=%s,bind-recursive=readonly: recursive "
                                                  "read-only mounts need Linux 5.12 or newer", m->destination);
                        ro = "rro";
                        break;
                default:
                        ro = "ro";
                }
        }

        r = oci_mount_add(l, m->destination, "bind", source, true,
                          (const char * const[]) {
                                  m->recursive == BIND_RECURSIVE_DISABLED ? "bind" : "rbind",
                                  propagation_option[m->propagation],
                                  ro,
                                  NULL });
        return r;
}

static int cmp_depth(const void *a, const void *b) {
        const OciMount *x = a, *y = b;
        size_t dx = path_depth(x->destination), dy = path_depth(y->destination);

        if (dx != dy)
                return dx < dy ? -1 : 1;
        return 0;
}

/* Stable sort by depth (insertion sort: lists are short), as docker's sortMounts(). */
static void sort_by_depth(OciMount *m, size_t n) {
        for (size_t i = 1; i < n; i++) {
                OciMount t = m[i];
                size_t j = i;

                while (j > 0 && cmp_depth(&m[j - 1], &t) > 0) {
                        m[j] = m[j - 1];
                        j--;
                }
                m[j] = t;
        }
}

static int build_mounts(const ContainerSpec *s, const OciRuntimeContext *ctx, OciMountList *ret,
                        const char **ret_rootfs_propagation, char **ret_reason) {
        _cleanup_(oci_mount_list_done) OciMountList defaults = {}, extra = {}, all = {};
        _cleanup_free_ char *shm_size = NULL;
        const char *rootfs_propagation = NULL;
        bool user_dev;
        int r;

        /* docker's DefaultLinuxSpec() mounts, in its order. */
        if (asprintf(&shm_size, "size=%" PRIu64, s->shm_size > 0 ? s->shm_size : CONTAINER_SHM_SIZE_DEFAULT) < 0)
                return -ENOMEM;

        if ((r = oci_mount_add(&defaults, "/proc", "proc", "proc", false,
                               (const char * const[]) { "nosuid", "noexec", "nodev", NULL })) < 0 ||
            (r = oci_mount_add(&defaults, "/dev", "tmpfs", "tmpfs", false,
                               (const char * const[]) { "nosuid", "strictatime", "mode=755", "size=65536k", NULL })) < 0 ||
            (r = oci_mount_add(&defaults, "/dev/pts", "devpts", "devpts", false,
                               (const char * const[]) { "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                                        "mode=0620", "gid=5", NULL })) < 0 ||
            (r = oci_mount_add(&defaults, "/sys", "sysfs", "sysfs", false,
                               (const char * const[]) { "nosuid", "noexec", "nodev", "ro", NULL })) < 0 ||
            (r = oci_mount_add(&defaults, "/sys/fs/cgroup", "cgroup", "cgroup", false,
                               (const char * const[]) { "ro", "nosuid", "noexec", "nodev", NULL })) < 0 ||
            (r = oci_mount_add(&defaults, "/dev/mqueue", "mqueue", "mqueue", false,
                               (const char * const[]) { "nosuid", "noexec", "nodev", NULL })) < 0 ||
            (r = oci_mount_add(&defaults, "/dev/shm", "tmpfs", "shm", false,
                               (const char * const[]) { "nosuid", "noexec", "nodev", "mode=1777", shm_size, NULL })) < 0)
                return r;

        /* The network files from the run dir, unless the user mounts something there; writable unless
         * the root is read-only (docker's NetworkMounts()). */
        if (ctx->run_dir) {
                static const struct {
                        const char *file;
                        const char *destination;
                } files[] = {
                        { "hosts", "/etc/hosts" },
                        { "resolv.conf", "/etc/resolv.conf" },
                        { "hostname", "/etc/hostname" },
                };

                for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                        _cleanup_free_ char *src = NULL;

                        if (user_mounts_have(s, files[i].destination))
                                continue;
                        src = path_join(ctx->run_dir, files[i].file);
                        if (!src)
                                return -ENOMEM;
                        r = oci_mount_add(&extra, files[i].destination, "bind", src, true,
                                          (const char * const[]) { "rbind", "rprivate", s->read_only ? "ro" : NULL, NULL });
                        if (r < 0)
                                return r;
                }
        }

        for (size_t i = 0; i < s->n_mounts; i++) {
                const MountSpec *m = &s->mounts[i];

                r = user_mount_add(&extra, m, ctx, ret_reason);
                if (r < 0)
                        return r;

                if (m->type == MOUNT_TYPE_BIND)
                        switch (m->propagation) {
                        case MOUNT_PROPAGATION_SHARED:
                        case MOUNT_PROPAGATION_RSHARED:
                                rootfs_propagation = "shared";
                                break;
                        case MOUNT_PROPAGATION_SLAVE:
                        case MOUNT_PROPAGATION_RSLAVE:
                                if (!rootfs_propagation)
                                        rootfs_propagation = "rslave";
                                break;
                        default:
                                ;
                        }
        }

        if (s->init) {
                if (!ctx->init_path)
                        return reason_set(ret_reason, "--init: no init binary is configured (tini or catatonit)");
                if (!user_mounts_have(s, OCI_INIT_PATH)) {
                        r = oci_mount_add(&extra, OCI_INIT_PATH, "bind", ctx->init_path, true,
                                          (const char * const[]) { "bind", "ro", NULL });
                        if (r < 0)
                                return r;
                }
        }

        sort_by_depth(extra.mounts, extra.n);

        /* Defaults, minus those a user mount replaces (all of /dev's if the user mounts /dev). */
        user_dev = user_mounts_have(s, "/dev");
        for (size_t i = 0; i < defaults.n; i++) {
                OciMount *d = &defaults.mounts[i];
                OciMount *t;

                if (user_mounts_have(s, d->destination) || (user_dev && startswith(d->destination, "/dev/")))
                        continue;

                if (s->read_only && !streq(d->destination, "/proc") && !streq(d->destination, "/dev/pts") &&
                    !streq(d->destination, "/dev/shm") && !streq(d->destination, "/dev/mqueue") &&
                    !streq(d->destination, "/dev") && !strv_contains(d->options, "ro")) {
                        r = strv_extend(&d->options, "ro");
                        if (r < 0)
                                return r;
                }
                if (s->privileged && (streq(d->type, "sysfs") || streq(d->type, "cgroup")))
                        strv_remove_string(d->options, "ro");

                t = reallocarray(all.mounts, all.n + 1, sizeof(OciMount));
                if (!t)
                        return -ENOMEM;
                all.mounts = t;
                all.mounts[all.n++] = *d;
                *d = (OciMount) {};
        }
        for (size_t i = 0; i < extra.n; i++) {
                OciMount *t = reallocarray(all.mounts, all.n + 1, sizeof(OciMount));

                if (!t)
                        return -ENOMEM;
                all.mounts = t;
                all.mounts[all.n++] = extra.mounts[i];
                extra.mounts[i] = (OciMount) {};
        }

        *ret = all;
        all = (OciMountList) {};
        *ret_rootfs_propagation = rootfs_propagation;
        return 0;
}

static int mounts_to_json(const OciMountList *l, json_object **ret) {
        _cleanup_(json_object_putp) json_object *a = json_object_new_array();
        int r;

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++) {
                _cleanup_(json_object_putp) json_object *m = json_object_new_object();
                const OciMount *x = &l->mounts[i];

                if (!m)
                        return -ENOMEM;
                if ((r = json_add_string(m, "destination", x->destination)) < 0 ||
                    (r = json_add_string(m, "type", x->type)) < 0 ||
                    (r = json_add_string(m, "source", x->source)) < 0 ||
                    (r = json_add(m, "options", json_strv(x->options))) < 0 ||
                    (r = json_append(a, TAKE_PTR(m))) < 0)
                        return r;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

/* ---- process ------------------------------------------------------------------------------------- */

static bool user_is_root(const char *u) {
        return isempty(u) || streq(u, "0") || streq(u, "root") || streq(u, "0:0") || streq(u, "root:root") ||
                streq(u, "root:0") || streq(u, "0:root");
}

static int build_env(const ContainerSpec *s, const OciRuntimeContext *ctx, const char *hostname, char ***ret) {
        _cleanup_strv_free_ char **env = NULL, **config_env = NULL;
        bool home = false;
        int r;

        /* docker's CreateDaemonEnvironment(): defaults, replaced or extended by the container's Env (the
         * image's Env overridden by -e); podman's container=podman as container=nyx. */
        if ((r = strv_extend(&env, "PATH=" OCI_DEFAULT_PATH)) < 0 ||
            (r = strv_consume(&env, strjoin("HOSTNAME=", strempty(hostname)))) < 0 ||
            (s->tty && (r = strv_extend(&env, "TERM=xterm")) < 0) ||
            (r = strv_extend(&env, "container=nyx")) < 0)
                return r;

        r = container_spec_resolve_env(s, ctx->image_env, &config_env);
        if (r < 0)
                return r;
        r = env_replace_or_append(&env, config_env);
        if (r < 0)
                return r;

        STRV_FOREACH(e, env)
                if (startswith(*e, "HOME="))
                        home = true;
        if (!home && ctx->user && ctx->user->home) {
                r = strv_consume(&env, strjoin("HOME=", ctx->user->home));
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(env);
        return 0;
}

static json_object *caps_to_json(uint64_t caps) {
        _cleanup_(json_object_putp) json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (int c = 0; c <= capability_last(); c++)
                if (caps & (UINT64_C(1) << c))
                        if (json_append(a, json_object_new_string(capability_to_name(c))) < 0)
                                return NULL;
        return TAKE_PTR(a);
}

static int build_rlimits(const ContainerSpec *s, const OciRuntimeContext *ctx, json_object **ret, char **ret_reason) {
        _cleanup_(json_object_putp) json_object *a = NULL;
        int r;

        if (s->n_ulimits == 0) {
                *ret = NULL;
                return 0;
        }

        a = json_object_new_array();
        if (!a)
                return -ENOMEM;

        for (size_t i = 0; i < s->n_ulimits; i++) {
                const Ulimit *u = &s->ulimits[i];
                _cleanup_(json_object_putp) json_object *o = NULL;
                _cleanup_free_ char *type = NULL;
                const char *name = rlimit_to_ulimit_name(u->resource);

                if (!name)
                        return -EINVAL;

                if (ctx->host && ctx->host->rlimits_known && u->resource >= 0 && u->resource < RLIMIT_NLIMITS &&
                    u->hard > ctx->host->rlimit_max[u->resource]) {
                        _cleanup_free_ char *str = NULL;

                        r = ulimit_to_string(u, &str);
                        if (r < 0)
                                return r;
                        return reason_set(ret_reason, "--ulimit %s: exceeds the hard limit %" PRIu64 " this process may set",
                                          str, ctx->host->rlimit_max[u->resource]);
                }

                type = strdup(name);
                if (!type)
                        return -ENOMEM;
                for (char *p = type; *p; p++)
                        if (*p >= 'a' && *p <= 'z')
                                *p = (char) (*p - 'a' + 'A');

                o = json_object_new_object();
                if (!o)
                        return -ENOMEM;
                {
                        _cleanup_free_ char *t = strjoin("RLIMIT_", type);

                        if (!t)
                                return -ENOMEM;
                        if ((r = json_add_string(o, "type", t)) < 0)
                                return r;
                }
                if ((r = json_add(o, "hard", json_object_new_uint64(u->hard))) < 0 ||
                    (r = json_add(o, "soft", json_object_new_uint64(u->soft))) < 0 ||
                    (r = json_append(a, TAKE_PTR(o))) < 0)
                        return r;
        }

        *ret = TAKE_PTR(a);
        return 0;
}

static int build_process(const ContainerSpec *s, const OciRuntimeContext *ctx, uint64_t caps, const char *hostname,
                         json_object **ret, char **ret_reason) {
        _cleanup_(json_object_putp) json_object *p = NULL, *user = NULL, *c = NULL, *rlimits = NULL;
        _cleanup_strv_free_ char **argv = NULL, **env = NULL;
        const char *cwd, *eff_user;
        int r;

        eff_user = container_spec_effective_user(s, ctx->image_user);
        if (!ctx->user && !user_is_root(eff_user))
                return reason_set(ret_reason, "--user %s: the user was not resolved against the image", eff_user);

        r = container_spec_resolve_argv(s, ctx->image_entrypoint, ctx->image_cmd, &argv, ret_reason);
        if (r < 0)
                return r;
        if (s->init) {
                _cleanup_strv_free_ char **n = NULL;

                if ((r = strv_extend(&n, OCI_INIT_PATH)) < 0 || (r = strv_extend(&n, "--")) < 0)
                        return r;
                STRV_FOREACH(a, argv)
                        if ((r = strv_extend(&n, *a)) < 0)
                                return r;
                strv_free(argv);
                argv = TAKE_PTR(n);
        }

        r = build_env(s, ctx, hostname, &env);
        if (r < 0)
                return r;

        if (s->working_dir)
                cwd = s->working_dir;
        else if (!isempty(ctx->image_working_dir)) {
                cwd = ctx->image_working_dir;
                if (cwd[0] != '/')
                        return reason_set(ret_reason, "the image's WorkingDir '%s' is not an absolute path", cwd);
        } else
                cwd = "/";

        r = build_rlimits(s, ctx, &rlimits, ret_reason);
        if (r < 0)
                return r;

        user = json_object_new_object();
        if (!user)
                return -ENOMEM;
        if ((r = json_add(user, "uid", json_object_new_int64(ctx->user ? ctx->user->uid : 0))) < 0 ||
            (r = json_add(user, "gid", json_object_new_int64(ctx->user ? ctx->user->gid : 0))) < 0)
                return r;
        if (ctx->user && ctx->user->n_additional_gids > 0) {
                _cleanup_(json_object_putp) json_object *g = json_object_new_array();

                if (!g)
                        return -ENOMEM;
                for (size_t i = 0; i < ctx->user->n_additional_gids; i++)
                        if ((r = json_append(g, json_object_new_int64(ctx->user->additional_gids[i]))) < 0)
                                return r;
                if ((r = json_add(user, "additionalGids", TAKE_PTR(g))) < 0)
                        return r;
        }

        /* Bounding, effective and permitted; no inheritable or ambient set (moby/containerd today). */
        c = json_object_new_object();
        if (!c)
                return -ENOMEM;
        if ((r = json_add(c, "bounding", caps_to_json(caps))) < 0 ||
            (r = json_add(c, "effective", caps_to_json(caps))) < 0 ||
            (r = json_add(c, "permitted", caps_to_json(caps))) < 0)
                return r;

        p = json_object_new_object();
        if (!p)
                return -ENOMEM;
        if ((r = json_add(p, "terminal", json_object_new_boolean(s->tty))) < 0 ||
            (r = json_add(p, "user", TAKE_PTR(user))) < 0 ||
            (r = json_add(p, "args", json_strv(argv))) < 0 ||
            (r = json_add(p, "env", json_strv(env))) < 0 ||
            (r = json_add_string(p, "cwd", cwd)) < 0 ||
            (r = json_add(p, "capabilities", TAKE_PTR(c))) < 0 ||
            (r = json_add(p, "noNewPrivileges", json_object_new_boolean(s->no_new_privileges))) < 0)
                return r;
        if (rlimits && (r = json_add(p, "rlimits", TAKE_PTR(rlimits))) < 0)
                return r;
        if (s->oom_score_adj_set && (r = json_add(p, "oomScoreAdj", json_object_new_int(s->oom_score_adj))) < 0)
                return r;

        *ret = TAKE_PTR(p);
        return 0;
}

/* ---- linux --------------------------------------------------------------------------------------- */

static int namespace_add(json_object *a, const char *type, const char *path) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        if ((r = json_add_string(o, "type", type)) < 0)
                return r;
        if (path && (r = json_add_string(o, "path", path)) < 0)
                return r;
        return json_append(a, TAKE_PTR(o));
}

static int build_namespaces(const ContainerSpec *s, const OciRuntimeContext *ctx, json_object **ret, char **ret_reason) {
        _cleanup_(json_object_putp) json_object *a = json_object_new_array();
        _cleanup_free_ char *mode = NULL;
        int r;

        if (!a)
                return -ENOMEM;

        if ((r = namespace_add(a, "pid", NULL)) < 0)
                return r;

        switch (s->network.type) {
        case NETWORK_MODE_HOST:
                break;
        case NETWORK_MODE_NONE:
                r = namespace_add(a, "network", NULL);
                break;
        default:
                if (!ctx->netns_path) {
                        r = network_mode_to_string(&s->network, &mode);
                        if (r < 0)
                                return r;
                        return reason_set(ret_reason, "--network %s: no network namespace was set up for the container", mode);
                }
                r = namespace_add(a, "network", ctx->netns_path);
        }
        if (r < 0)
                return r;

        if ((r = namespace_add(a, "ipc", NULL)) < 0 ||
            (r = namespace_add(a, "uts", NULL)) < 0 ||
            (r = namespace_add(a, "mount", NULL)) < 0 ||
            (r = namespace_add(a, "cgroup", NULL)) < 0)
                return r;

        *ret = TAKE_PTR(a);
        return 0;
}

static int build_resources(const ContainerSpec *s, json_object **ret) {
        _cleanup_(json_object_putp) json_object *res = json_object_new_object();
        int r;

        if (!res)
                return -ENOMEM;

        if (s->memory > 0 || s->memory_swap != 0) {
                _cleanup_(json_object_putp) json_object *m = json_object_new_object();

                if (!m)
                        return -ENOMEM;
                if (s->memory > 0 && (r = json_add(m, "limit", json_object_new_int64((int64_t) s->memory))) < 0)
                        return r;
                if (s->memory_swap != 0 && (r = json_add(m, "swap", json_object_new_int64(s->memory_swap))) < 0)
                        return r;
                if ((r = json_add(res, "memory", TAKE_PTR(m))) < 0)
                        return r;
        }
        if (s->cpu_shares > 0 || s->cpu_quota_per_sec_usec > 0) {
                _cleanup_(json_object_putp) json_object *c = json_object_new_object();

                if (!c)
                        return -ENOMEM;
                if (s->cpu_shares > 0 && (r = json_add(c, "shares", json_object_new_uint64(s->cpu_shares))) < 0)
                        return r;
                if (s->cpu_quota_per_sec_usec > 0 &&
                    ((r = json_add(c, "quota", json_object_new_int64(
                                           (int64_t) (s->cpu_quota_per_sec_usec * OCI_CPU_PERIOD_USEC / 1000000)))) < 0 ||
                     (r = json_add(c, "period", json_object_new_uint64(OCI_CPU_PERIOD_USEC))) < 0))
                        return r;
                if ((r = json_add(res, "cpu", TAKE_PTR(c))) < 0)
                        return r;
        }
        if (s->pids_limit != 0) {
                _cleanup_(json_object_putp) json_object *p = json_object_new_object();

                if (!p)
                        return -ENOMEM;
                if ((r = json_add(p, "limit", json_object_new_int64(s->pids_limit))) < 0 ||
                    (r = json_add(res, "pids", TAKE_PTR(p))) < 0)
                        return r;
        }

        if (json_object_object_length(res) == 0) {
                *ret = NULL;
                return 0;
        }
        *ret = TAKE_PTR(res);
        return 0;
}

static int build_sysctl(const ContainerSpec *s, const OciRuntimeContext *ctx, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;

        /* docker's withCommonOptions(): for a network namespace of the container's own, let unprivileged
         * processes ping and bind ports below 1024 (root in a container may anyway). */
        if (s->network.type == NETWORK_MODE_BRIDGE || s->network.type == NETWORK_MODE_NONE ||
            s->network.type == NETWORK_MODE_NETWORK) {
                if ((r = json_add_string(o, "net.ipv4.ping_group_range", "0 2147483647")) < 0)
                        return r;
                if (kernel_at_least(ctx->host, 4, 11) &&
                    (r = json_add_string(o, "net.ipv4.ip_unprivileged_port_start", "0")) < 0)
                        return r;
        }

        STRV_FOREACH(kv, s->sysctls) {
                _cleanup_free_ char *k = NULL;
                const char *eq = strchr(*kv, '=');

                if (!eq)
                        return -EINVAL;
                k = strndup(*kv, (size_t) (eq - *kv));
                if (!k)
                        return -ENOMEM;
                if ((r = json_add_string(o, k, eq + 1)) < 0)
                        return r;
        }

        if (json_object_object_length(o) == 0) {
                *ret = NULL;
                return 0;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

static int build_devices(const OciRuntimeContext *ctx, json_object **ret) {
        _cleanup_(json_object_putp) json_object *a = NULL;
        int r;

        if (ctx->n_devices == 0) {
                *ret = NULL;
                return 0;
        }
        a = json_object_new_array();
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < ctx->n_devices; i++) {
                const OciDevice *d = &ctx->devices[i];
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                char type[2] = { d->type, 0 };

                if (!o)
                        return -ENOMEM;
                if (!d->path || d->path[0] != '/' || !strchr("cbup", d->type) || d->type == 0)
                        return -EINVAL;
                if ((r = json_add_string(o, "path", d->path)) < 0 ||
                    (r = json_add_string(o, "type", type)) < 0 ||
                    (r = json_add(o, "major", json_object_new_int64(d->major))) < 0 ||
                    (r = json_add(o, "minor", json_object_new_int64(d->minor))) < 0 ||
                    (r = json_add(o, "fileMode", json_object_new_int64(d->file_mode ? (d->file_mode & 07777) : 0666))) < 0 ||
                    (r = json_add(o, "uid", json_object_new_int64(d->uid))) < 0 ||
                    (r = json_add(o, "gid", json_object_new_int64(d->gid))) < 0 ||
                    (r = json_append(a, TAKE_PTR(o))) < 0)
                        return r;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

static int build_linux(const ContainerSpec *s, const OciRuntimeContext *ctx, uint64_t caps, const char *rootfs_propagation,
                       json_object **ret, char **ret_reason) {
        _cleanup_(json_object_putp) json_object *l = NULL, *ns = NULL, *sysctl = NULL, *res = NULL, *seccomp = NULL,
                *devices = NULL;
        int r;

        r = build_namespaces(s, ctx, &ns, ret_reason);
        if (r < 0)
                return r;
        r = build_sysctl(s, ctx, &sysctl);
        if (r < 0)
                return r;
        if (ctx->resources_in_config) {
                r = build_resources(s, &res);
                if (r < 0)
                        return r;
        }
        r = build_seccomp(s, ctx, caps, &seccomp, ret_reason);
        if (r < 0)
                return r;
        r = build_devices(ctx, &devices);
        if (r < 0)
                return r;

        l = json_object_new_object();
        if (!l)
                return -ENOMEM;

        if ((r = json_add(l, "namespaces", TAKE_PTR(ns))) < 0)
                return r;

        if (!s->privileged) {
                _cleanup_strv_free_ char **masked = NULL;

                for (const char * const *p = oci_default_masked_paths; *p; p++)
                        if ((r = strv_extend(&masked, *p)) < 0)
                                return r;
                if (ctx->host)
                        STRV_FOREACH(p, ctx->host->extra_masked_paths)
                                if ((r = strv_extend(&masked, *p)) < 0)
                                        return r;
                if ((r = json_add(l, "maskedPaths", json_strv(masked))) < 0 ||
                    (r = json_add(l, "readonlyPaths", json_strv((char **) oci_default_readonly_paths))) < 0)
                        return r;
        }

        if (sysctl && (r = json_add(l, "sysctl", TAKE_PTR(sysctl))) < 0)
                return r;
        if (ctx->cgroups_path && (r = json_add_string(l, "cgroupsPath", ctx->cgroups_path)) < 0)
                return r;
        if (res && (r = json_add(l, "resources", TAKE_PTR(res))) < 0)
                return r;
        if (devices && (r = json_add(l, "devices", TAKE_PTR(devices))) < 0)
                return r;
        if (rootfs_propagation && (r = json_add_string(l, "rootfsPropagation", rootfs_propagation)) < 0)
                return r;
        if (seccomp && (r = json_add(l, "seccomp", TAKE_PTR(seccomp))) < 0)
                return r;

        *ret = TAKE_PTR(l);
        return 0;
}

/* ---- the config ---------------------------------------------------------------------------------- */

int oci_runtime_config_build(
                const ContainerSpec *s,
                const OciRuntimeContext *ctx,
                json_object **ret,
                char **ret_reason) {

        _cleanup_(oci_mount_list_done) OciMountList mounts = {};
        _cleanup_(json_object_putp) json_object *c = NULL, *process = NULL, *root = NULL, *jmounts = NULL,
                *linux_ = NULL, *annotations = NULL;
        _cleanup_free_ char *hostname = NULL;
        const char *rootfs_propagation = NULL;
        uint64_t caps;
        int r;

        if (!s || !ctx)
                return -EINVAL;
        if (isempty(ctx->rootfs) || ctx->rootfs[0] != '/')
                return reason_set(ret_reason, "the container's root file system is not an absolute path");

        r = container_spec_validate(s, ret_reason);
        if (r < 0)
                return r;

        r = container_spec_capabilities(s, ctx->host ? ctx->host->capabilities : 0, &caps, ret_reason);
        if (r < 0)
                return r;

        if (s->hostname)
                hostname = strdup(s->hostname);
        else if (s->id)
                hostname = strndup(s->id, 12);
        if ((s->hostname || s->id) && !hostname)
                return -ENOMEM;

        r = build_process(s, ctx, caps, hostname, &process, ret_reason);
        if (r < 0)
                return r;

        r = build_mounts(s, ctx, &mounts, &rootfs_propagation, ret_reason);
        if (r < 0)
                return r;
        r = mounts_to_json(&mounts, &jmounts);
        if (r < 0)
                return r;

        r = build_linux(s, ctx, caps, rootfs_propagation, &linux_, ret_reason);
        if (r < 0)
                return r;

        root = json_object_new_object();
        annotations = json_object_new_object();
        c = json_object_new_object();
        if (!root || !annotations || !c)
                return -ENOMEM;
        if ((r = json_add_string(root, "path", ctx->rootfs)) < 0 ||
            (r = json_add(root, "readonly", json_object_new_boolean(s->read_only))) < 0)
                return r;
        if ((r = json_add_string(annotations, "io.container.manager", "nyx")) < 0 ||
            (s->name && (r = json_add_string(annotations, "org.nyx.name", s->name)) < 0))
                return r;

        if ((r = json_add_string(c, "ociVersion", OCI_VERSION)) < 0 ||
            (r = json_add(c, "process", TAKE_PTR(process))) < 0 ||
            (r = json_add(c, "root", TAKE_PTR(root))) < 0 ||
            (hostname && (r = json_add_string(c, "hostname", hostname)) < 0) ||
            (r = json_add(c, "mounts", TAKE_PTR(jmounts))) < 0 ||
            (r = json_add(c, "linux", TAKE_PTR(linux_))) < 0 ||
            (r = json_add(c, "annotations", TAKE_PTR(annotations))) < 0)
                return r;

        *ret = TAKE_PTR(c);
        return 0;
}
