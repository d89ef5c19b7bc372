/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fileio.h"
#include "macro.h"
#include "oci-runtime.h"
#include "output.h"
#include "path-util.h"
#include "seccomp-bpf.h"
#include "string-util.h"
#include "tests.h"

#define CAP(n) (UINT64_C(1) << (n))
/* docker's 14 default capabilities */
#define DOCKER_CAPS                                                                                      \
        (CAP(0) | CAP(1) | CAP(3) | CAP(4) | CAP(5) | CAP(6) | CAP(7) | CAP(8) | CAP(10) | CAP(13) |      \
         CAP(18) | CAP(27) | CAP(29) | CAP(31))
#define CAP_SYS_ADMIN_BIT CAP(21)

/* docker's default profile in OCI form, for a container with caps. */
static json_object *default_profile(uint64_t caps) {
        _cleanup_(json_object_putp) json_object *docker = json_tokener_parse(seccomp_default_profile_json);
        _cleanup_free_ char *reason = NULL;
        json_object *oci = NULL;

        if (!docker || oci_seccomp_from_docker_profile(docker, caps, 0, 0, &oci, &reason) < 0) {
                fprintf(stderr, "cannot convert docker's default profile: %s\n", reason ?: "?");
                abort();
        }
        return oci;
}

static json_object *parse(const char *s) {
        json_object *o = json_tokener_parse(s);
        if (!o)
                abort();
        return o;
}

static int compile(json_object *o, void **ret, size_t *ret_size) {
        _cleanup_free_ char *reason = NULL;
        return seccomp_compile_oci(o, ret, ret_size, &reason);
}

static bool same_program(const void *a, size_t na, const void *b, size_t nb) {
        return na == nb && memcmp(a, b, na) == 0;
}

TEST(default_profile_compiles_to_a_nonempty_whole_program) {
        _cleanup_(json_object_putp) json_object *p = default_profile(DOCKER_CAPS);
        _cleanup_free_ void *bpf = NULL;
        size_t size = 0;

        ASSERT_OK(compile(p, &bpf, &size));
        ASSERT_TRUE(size > 100 * sizeof(struct sock_filter));
        ASSERT_EQ(size % sizeof(struct sock_filter), 0);
        ASSERT_TRUE(size <= BPF_MAXINSNS * sizeof(struct sock_filter));
}

TEST(compiling_twice_gives_the_same_bytes) {
        _cleanup_(json_object_putp) json_object *p = default_profile(DOCKER_CAPS);
        _cleanup_free_ void *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;

        ASSERT_OK(compile(p, &a, &na));
        ASSERT_OK(compile(p, &b, &nb));
        ASSERT_TRUE(same_program(a, na, b, nb));
}

TEST(cap_sys_admin_profile_gives_another_program_and_key) {
        _cleanup_(json_object_putp) json_object *p = default_profile(DOCKER_CAPS),
                *q = default_profile(DOCKER_CAPS | CAP_SYS_ADMIN_BIT);
        _cleanup_free_ void *a = NULL, *b = NULL;
        char ka[SECCOMP_BPF_KEY_MAX], kb[SECCOMP_BPF_KEY_MAX];
        size_t na = 0, nb = 0;

        ASSERT_OK(compile(p, &a, &na));
        ASSERT_OK(compile(q, &b, &nb));
        ASSERT_FALSE(same_program(a, na, b, nb));
        ASSERT_OK(seccomp_bpf_cache_key(p, ka));
        ASSERT_OK(seccomp_bpf_cache_key(q, kb));
        ASSERT_EQ(strlen(ka), 64);
        ASSERT_FALSE(streq(ka, kb));
}

TEST(a_changed_errno_or_argument_changes_the_program) {
        _cleanup_(json_object_putp) json_object *a = parse(
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}"),
                *b = parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
                           "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13}]}"),
                *c = parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
                           "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":1,\"value\":448,\"op\":\"SCMP_CMP_EQ\"}]}]}");
        _cleanup_free_ void *pa = NULL, *pb = NULL, *pc = NULL;
        size_t na = 0, nb = 0, nc = 0;

        ASSERT_OK(compile(a, &pa, &na));
        ASSERT_OK(compile(b, &pb, &nb));
        ASSERT_OK(compile(c, &pc, &nc));
        ASSERT_FALSE(same_program(pa, na, pb, nb));
        ASSERT_FALSE(same_program(pa, na, pc, nc));
}

TEST(key_ignores_the_order_of_object_keys) {
        _cleanup_(json_object_putp) json_object *a = parse(
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
                "\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}]}"),
                *b = parse("{\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\",\"names\":[\"read\",\"write\"]}],"
                           "\"architectures\":[\"SCMP_ARCH_X86_64\"],\"defaultAction\":\"SCMP_ACT_ERRNO\"}"),
                *c = parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
                           "\"syscalls\":[{\"names\":[\"write\",\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
        char ka[SECCOMP_BPF_KEY_MAX], kb[SECCOMP_BPF_KEY_MAX], kc[SECCOMP_BPF_KEY_MAX];

        ASSERT_OK(seccomp_bpf_cache_key(a, ka));
        ASSERT_OK(seccomp_bpf_cache_key(b, kb));
        ASSERT_OK(seccomp_bpf_cache_key(c, kc));
        ASSERT_STREQ(ka, kb);
        /* array order is content: it is the order rules are added in */
        ASSERT_FALSE(streq(ka, kc));
}

TEST(unknown_syscalls_and_default_action_rules_are_skipped_as_crun_does) {
        _cleanup_(json_object_putp) json_object *plain = parse(
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}"),
                *extra = parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                               "{\"names\":[\"no_such_syscall_at_all\",\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},"
                               "{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}");
        _cleanup_free_ void *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;

        ASSERT_OK(compile(plain, &a, &na));
        ASSERT_OK(compile(extra, &b, &nb));
        ASSERT_TRUE(same_program(a, na, b, nb));
}

TEST(what_crun_refuses_is_refused_with_a_reason) {
        static const char * const bad[] = {
                "{}",
                "{\"defaultAction\":\"SCMP_ACT_NOPE\"}",
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}",
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]}",
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_KILL\","
                "\"errnoRet\":1}]}",
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
                "\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
                "\"args\":[{\"index\":0,\"value\":1,\"op\":\"EQ\"}]}]}",
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
                "\"args\":[{\"index\":0,\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(json_object_putp) json_object *o = parse(bad[i]);
                _cleanup_free_ char *reason = NULL;
                _cleanup_free_ void *bpf = NULL;
                size_t size = 0;

                ASSERT_ERROR(seccomp_compile_oci(o, &bpf, &size, &reason), EINVAL);
                ASSERT_TRUE(startswith(reason ?: "", "seccomp"));
                ASSERT_NULL(bpf);
        }
}

/* Run fn in a child under the program; the child's exit status is fn's result. */
static int run_filtered(const void *bpf, size_t size, int (*fn)(void)) {
        pid_t pid = fork();
        int status;

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                struct sock_fprog prog = {
                        .len = (unsigned short) (size / sizeof(struct sock_filter)),
                        .filter = (struct sock_filter *) bpf,
                };
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                        _exit(200);
                _exit(fn());
        }
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* 0 when unshare() is refused with EPERM and getpid() still works; else something else */
static int unshare_is_denied(void) {
        if (syscall(SYS_getpid) != getpid())
                return 1;
        if (unshare(CLONE_NEWUTS) >= 0)
                return 2;
        return errno == EPERM ? 0 : 3;
}

/* 0 when clone3() gets ENOSYS (docker's profile says so, for libc to fall back to clone()) */
static int clone3_is_enosys(void) {
        long r = syscall(435 /* clone3 */, NULL, 0);
        return r < 0 && errno == ENOSYS ? 0 : 1;
}

TEST(the_default_program_denies_unshare_with_eperm_and_clone3_with_enosys) {
        _cleanup_(json_object_putp) json_object *p = default_profile(DOCKER_CAPS);
        _cleanup_free_ void *bpf = NULL;
        size_t size = 0;

        ASSERT_OK(compile(p, &bpf, &size));
        ASSERT_EQ(run_filtered(bpf, size, unshare_is_denied), 0);
        ASSERT_EQ(run_filtered(bpf, size, clone3_is_enosys), 0);
}

TEST(the_cache_stores_programs_on_disk_and_reads_them_back) {
        _cleanup_(json_object_putp) json_object *p = default_profile(DOCKER_CAPS);
        _cleanup_free_ void *a = NULL, *b = NULL, *c = NULL, *direct = NULL;
        _cleanup_free_ char *dir = NULL, *file = NULL, *name = NULL, *data = NULL;
        char template[] = "/tmp/test-seccomp-bpf-XXXXXX", key[SECCOMP_BPF_KEY_MAX];
        size_t na = 0, nb = 0, nc = 0, nd = 0, ndata = 0;

        ASSERT_NOT_NULL(mkdtemp(template));
        dir = path_join(template, "seccomp-cache");
        ASSERT_OK(seccomp_bpf_cache_key(p, key));
        name = strjoin(key, ".bpf");
        file = path_join(dir, name);

        seccomp_bpf_cache_flush();
        ASSERT_EQ(seccomp_bpf_cache_get(dir, p, &a, &na, NULL), 0);             /* compiled */
        ASSERT_OK(read_full_file(file, 0, &data, &ndata));
        ASSERT_TRUE(same_program(a, na, data, ndata));
        ASSERT_OK(compile(p, &direct, &nd));
        ASSERT_TRUE(same_program(a, na, direct, nd));

        ASSERT_EQ(seccomp_bpf_cache_get(dir, p, &b, &nb, NULL), 1);             /* memory */
        ASSERT_TRUE(same_program(a, na, b, nb));

        seccomp_bpf_cache_flush();
        ASSERT_EQ(seccomp_bpf_cache_get(dir, p, &c, &nc, NULL), 1);             /* disk */
        ASSERT_TRUE(same_program(a, na, c, nc));

        /* a file that is no whole program is replaced by a fresh compile */
        seccomp_bpf_cache_flush();
        ASSERT_OK(write_file_atomic(file, "12345", 5, 0600));
        c = mfree(c);
        ASSERT_EQ(seccomp_bpf_cache_get(dir, p, &c, &nc, NULL), 0);
        ASSERT_TRUE(same_program(a, na, c, nc));
        data = mfree(data);
        ASSERT_OK(read_full_file(file, 0, &data, &ndata));
        ASSERT_TRUE(same_program(a, na, data, ndata));

        seccomp_bpf_cache_flush();
        ASSERT_OK(rm_rf(template));
}

static json_object *config_with(json_object *seccomp, const char *annotations) {
        json_object *config = parse("{\"ociVersion\":\"1.0.2\",\"linux\":{}}");

        if (seccomp)
                json_object_object_add(json_object_object_get(config, "linux"), "seccomp", json_object_get(seccomp));
        if (annotations)
                json_object_object_add(config, "annotations", parse(annotations));
        return config;
}

TEST(the_annotation_is_the_base64_of_the_program_and_seccomp_stays) {
        _cleanup_(json_object_putp) json_object *p = default_profile(DOCKER_CAPS), *config = NULL;
        _cleanup_free_ unsigned char *decoded = NULL;
        _cleanup_free_ void *bpf = NULL;
        _cleanup_free_ char *reason = NULL;
        json_object *annotations, *v, *linux_;
        const char *b64;
        size_t size = 0, len;
        int n;

        config = config_with(p, "{\"io.container.manager\":\"nyx\"}");
        seccomp_bpf_cache_flush();
        ASSERT_EQ(oci_config_add_seccomp_bpf(config, NULL, &reason), 1);
        ASSERT_TRUE(json_object_object_get_ex(config, "annotations", &annotations));
        ASSERT_TRUE(json_object_object_get_ex(annotations, SECCOMP_BPF_ANNOTATION, &v));
        ASSERT_TRUE(json_object_object_get_ex(annotations, "io.container.manager", NULL));
        ASSERT_TRUE(json_object_object_get_ex(config, "linux", &linux_));
        ASSERT_TRUE(json_object_object_get_ex(linux_, "seccomp", NULL));

        b64 = json_object_get_string(v);
        len = strlen(b64);
        ASSERT_EQ(len % 4, 0);
        decoded = malloc(len);
        n = EVP_DecodeBlock(decoded, (const unsigned char *) b64, (int) len);
        ASSERT_TRUE(n > 0);
        /* EVP_DecodeBlock counts the padding as zero bytes */
        n -= (len > 0 && b64[len - 1] == '=') + (len > 1 && b64[len - 2] == '=');
        ASSERT_OK(compile(p, &bpf, &size));
        ASSERT_TRUE(same_program(decoded, (size_t) n, bpf, size));
        seccomp_bpf_cache_flush();
}

TEST(nothing_is_added_without_seccomp_or_when_crun_must_check_names) {
        _cleanup_(json_object_putp) json_object *p = default_profile(DOCKER_CAPS), *none = NULL, *strict = NULL,
                *bad = NULL, *bogus = parse("{\"defaultAction\":\"SCMP_ACT_BOGUS\"}");
        _cleanup_free_ char *reason = NULL;
        json_object *annotations;

        none = config_with(NULL, NULL);
        ASSERT_EQ(oci_config_add_seccomp_bpf(none, NULL, &reason), 0);
        ASSERT_FALSE(json_object_object_get_ex(none, "annotations", NULL));

        strict = config_with(p, "{\"run.oci.seccomp_fail_unknown_syscall\":\"1\"}");
        ASSERT_EQ(oci_config_add_seccomp_bpf(strict, NULL, &reason), 0);
        ASSERT_TRUE(json_object_object_get_ex(strict, "annotations", &annotations));
        ASSERT_FALSE(json_object_object_get_ex(annotations, SECCOMP_BPF_ANNOTATION, NULL));

        /* a profile that does not compile leaves the config as it was */
        bad = config_with(bogus, NULL);
        ASSERT_ERROR(oci_config_add_seccomp_bpf(bad, NULL, &reason), EINVAL);
        ASSERT_NOT_NULL(reason);
        ASSERT_FALSE(json_object_object_get_ex(bad, "annotations", NULL));
}

TEST(a_repeated_argument_index_becomes_one_rule_per_comparison) {
        _cleanup_(json_object_putp) json_object *together = parse(
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"personality\"],"
                "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"},"
                "{\"index\":0,\"value\":131072,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
                *apart = parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                               "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\","
                               "\"args\":[{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"}]},"
                               "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\","
                               "\"args\":[{\"index\":0,\"value\":131072,\"op\":\"SCMP_CMP_EQ\"}]}]}");
        _cleanup_free_ void *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;

        ASSERT_OK(compile(together, &a, &na));
        ASSERT_OK(compile(apart, &b, &nb));
        ASSERT_TRUE(same_program(a, na, b, nb));
}
