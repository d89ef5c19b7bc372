/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>

#include "container-spec.h"
#include "output.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

/* Expect r == -EINVAL and a reason that contains every one of the given fragments. */
static void check_refused(const char *what, int r, char **reasonp, const char *frag1, const char *frag2) {
        _cleanup_free_ char *rs = *reasonp;

        *reasonp = NULL;

        if (r != -EINVAL)
                test_fail("%s: expected -EINVAL, got %d", what, r);
        if (!rs)
                test_fail("%s: expected a reason, got none", what);
        if (frag1 && !strstr(rs, frag1))
                test_fail("%s: expected the reason to contain \"%s\", got \"%s\"", what, frag1, rs);
        if (frag2 && !strstr(rs, frag2))
                test_fail("%s: expected the reason to contain \"%s\", got \"%s\"", what, frag2, rs);
}

static bool strv_equal(char * const *a, char * const *b) {
        size_t n = strv_length(a);

        if (n != strv_length(b))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!streq(a[i], b[i]))
                        return false;
        return true;
}

static char *strv_join_test(char * const *l) {
        size_t n = 3;
        char *s;

        STRV_FOREACH(x, (char **) l)
                n += strlen(*x) + 3;
        s = calloc(1, n);
        if (!s)
                abort();
        strcat(s, "[");
        STRV_FOREACH(x, (char **) l) {
                if (x != l)
                        strcat(s, ",");
                strcat(s, *x);
        }
        strcat(s, "]");
        return s;
}

#define ASSERT_STRV(l, ...)                                                             \
        do {                                                                            \
                char *_e_[] = { __VA_ARGS__, NULL };                                    \
                if (!strv_equal((l), _e_)) {                                            \
                        _cleanup_free_ char *_g_ = strv_join_test(l), *_w_ = strv_join_test(_e_); \
                        test_fail("%s: expected %s, got %s", #l, _w_, _g_);             \
                }                                                                       \
        } while (0)

/* ---- restart policy ---- */

TEST(restart_policy_parses_docker_names) {
        RestartPolicy p;

        ASSERT_OK(parse_restart_policy("no", &p, NULL));
        ASSERT_EQ(p.type, RESTART_POLICY_NO);
        ASSERT_OK(parse_restart_policy("always", &p, NULL));
        ASSERT_EQ(p.type, RESTART_POLICY_ALWAYS);
        ASSERT_OK(parse_restart_policy("unless-stopped", &p, NULL));
        ASSERT_EQ(p.type, RESTART_POLICY_UNLESS_STOPPED);
        ASSERT_OK(parse_restart_policy("on-failure", &p, NULL));
        ASSERT_EQ(p.type, RESTART_POLICY_ON_FAILURE);
        ASSERT_EQ(p.max_retries, 0);
        ASSERT_OK(parse_restart_policy("on-failure:5", &p, NULL));
        ASSERT_EQ(p.type, RESTART_POLICY_ON_FAILURE);
        ASSERT_EQ(p.max_retries, 5);
}

TEST(restart_policy_empty_means_no) {
        RestartPolicy p = { RESTART_POLICY_ALWAYS, 3 };

        ASSERT_OK(parse_restart_policy("", &p, NULL));
        ASSERT_EQ(p.type, RESTART_POLICY_NO);
}

TEST(restart_policy_rejects_unknown_names_with_flag_and_value) {
        RestartPolicy p;
        char *reason = NULL;

        check_refused("sometimes", parse_restart_policy("sometimes", &p, &reason), &reason, "--restart sometimes", "invalid restart policy");
}

TEST(restart_policy_rejects_retry_count_except_for_on_failure) {
        RestartPolicy p;
        char *reason = NULL;

        check_refused("always:3", parse_restart_policy("always:3", &p, &reason), &reason, "--restart always:3",
                      "cannot be used with restart policy 'always'");
}

TEST(restart_policy_rejects_bad_retry_counts) {
        RestartPolicy p;
        char *reason = NULL;

        check_refused("on-failure:-1", parse_restart_policy("on-failure:-1", &p, &reason), &reason, "on-failure:-1", "negative");
        reason = NULL;
        check_refused("on-failure:x", parse_restart_policy("on-failure:x", &p, &reason), &reason, "on-failure:x", "must be a number");
        reason = NULL;
        check_refused("on-failure:", parse_restart_policy("on-failure:", &p, &reason), &reason, "--restart on-failure:", NULL);
}

TEST(restart_policy_formats_back_to_flag_syntax) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        ASSERT_OK(restart_policy_to_string(&(RestartPolicy) { RESTART_POLICY_ON_FAILURE, 3 }, &a));
        ASSERT_STREQ(a, "on-failure:3");
        ASSERT_OK(restart_policy_to_string(&(RestartPolicy) { RESTART_POLICY_ON_FAILURE, 0 }, &b));
        ASSERT_STREQ(b, "on-failure");
        ASSERT_OK(restart_policy_to_string(&(RestartPolicy) { RESTART_POLICY_UNLESS_STOPPED, 0 }, &c));
        ASSERT_STREQ(c, "unless-stopped");
}

/* ---- ulimits ---- */

TEST(ulimit_parses_soft_and_hard) {
        Ulimit u;

        ASSERT_OK(parse_ulimit("nofile=1024:2048", &u, NULL));
        ASSERT_EQ(u.resource, RLIMIT_NOFILE);
        ASSERT_EQ(u.soft, 1024);
        ASSERT_EQ(u.hard, 2048);
}

TEST(ulimit_with_only_soft_sets_hard_to_the_same) {
        Ulimit u;

        ASSERT_OK(parse_ulimit("nproc=512", &u, NULL));
        ASSERT_EQ(u.resource, RLIMIT_NPROC);
        ASSERT_EQ(u.soft, 512);
        ASSERT_EQ(u.hard, 512);
}

TEST(ulimit_accepts_minus_one_and_unlimited_as_infinity) {
        Ulimit u;

        ASSERT_OK(parse_ulimit("core=-1", &u, NULL));
        ASSERT_TRUE(u.soft == RLIM_INFINITY && u.hard == RLIM_INFINITY);
        ASSERT_OK(parse_ulimit("memlock=65536:unlimited", &u, NULL));
        ASSERT_EQ(u.soft, 65536);
        ASSERT_TRUE(u.hard == RLIM_INFINITY);
}

TEST(ulimit_knows_every_docker_name) {
        static const char * const names[] = { "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice",
                                               "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *s = strjoin(names[i], "=1"), *back = NULL;
                Ulimit u;

                ASSERT_OK(parse_ulimit(s, &u, NULL));
                ASSERT_STREQ(rlimit_to_ulimit_name(u.resource), names[i]);
                ASSERT_OK(ulimit_to_string(&u, &back));
        }
}

TEST(ulimit_rejects_unknown_names) {
        Ulimit u;
        char *reason = NULL;

        check_refused("as=1", parse_ulimit("as=1", &u, &reason), &reason, "--ulimit as=1", "invalid ulimit type 'as'");
        reason = NULL;
        check_refused("openfiles", parse_ulimit("openfiles=1", &u, &reason), &reason, "openfiles=1", "invalid ulimit type");
}

TEST(ulimit_rejects_malformed_values) {
        Ulimit u;
        char *reason = NULL;

        check_refused("nofile", parse_ulimit("nofile", &u, &reason), &reason, "--ulimit nofile", "NAME=SOFT[:HARD]");
        reason = NULL;
        check_refused("nofile=abc", parse_ulimit("nofile=abc", &u, &reason), &reason, "--ulimit nofile=abc", "soft limit 'abc'");
        reason = NULL;
        check_refused("nofile=1:x", parse_ulimit("nofile=1:x", &u, &reason), &reason, "nofile=1:x", "hard limit 'x'");
        reason = NULL;
        check_refused("nofile=-5", parse_ulimit("nofile=-5", &u, &reason), &reason, "nofile=-5", NULL);
}

TEST(ulimit_rejects_soft_above_hard) {
        Ulimit u;
        char *reason = NULL;

        check_refused("10:5", parse_ulimit("nofile=10:5", &u, &reason), &reason, "--ulimit nofile=10:5",
                      "soft limit must be less than or equal to hard limit");
}

TEST(ulimit_formats_canonically) {
        _cleanup_free_ char *a = NULL, *b = NULL;

        ASSERT_OK(ulimit_to_string(&(Ulimit) { RLIMIT_NOFILE, 1024, 2048 }, &a));
        ASSERT_STREQ(a, "nofile=1024:2048");
        ASSERT_OK(ulimit_to_string(&(Ulimit) { RLIMIT_CORE, RLIM_INFINITY, RLIM_INFINITY }, &b));
        ASSERT_STREQ(b, "core=unlimited:unlimited");
}

/* ---- -v ---- */

TEST(volume_flag_absolute_source_is_a_bind_that_creates_the_source) {
        _cleanup_(mount_spec_done) MountSpec m = {};

        ASSERT_OK(parse_volume_flag("/srv/data:/data", &m, NULL));
        ASSERT_EQ(m.type, MOUNT_TYPE_BIND);
        ASSERT_STREQ(m.source, "/srv/data");
        ASSERT_STREQ(m.destination, "/data");
        ASSERT_FALSE(m.read_only);
        ASSERT_TRUE(m.create_source);
        ASSERT_EQ(m.propagation, MOUNT_PROPAGATION_DEFAULT);
}

TEST(volume_flag_ro_and_propagation_are_taken) {
        _cleanup_(mount_spec_done) MountSpec m = {};

        ASSERT_OK(parse_volume_flag("/srv:/srv:ro,rshared,Z", &m, NULL));
        ASSERT_TRUE(m.read_only);
        ASSERT_EQ(m.propagation, MOUNT_PROPAGATION_RSHARED);
}

TEST(volume_flag_relabel_options_are_accepted_and_ignored) {
        _cleanup_(mount_spec_done) MountSpec a = {}, b = {};

        ASSERT_OK(parse_volume_flag("/a:/b:z", &a, NULL));
        ASSERT_FALSE(a.read_only);
        ASSERT_OK(parse_volume_flag("/a:/b:Z,rw", &b, NULL));
        ASSERT_FALSE(b.read_only);
}

TEST(volume_flag_name_is_a_named_volume) {
        _cleanup_(mount_spec_done) MountSpec m = {};

        ASSERT_OK(parse_volume_flag("pgdata:/var/lib/postgresql:nocopy", &m, NULL));
        ASSERT_EQ(m.type, MOUNT_TYPE_VOLUME);
        ASSERT_STREQ(m.source, "pgdata");
        ASSERT_TRUE(m.no_copy);
        ASSERT_FALSE(m.create_source);
}

TEST(volume_flag_destination_alone_is_an_anonymous_volume) {
        _cleanup_(mount_spec_done) MountSpec m = {};

        ASSERT_OK(parse_volume_flag("/cache", &m, NULL));
        ASSERT_EQ(m.type, MOUNT_TYPE_VOLUME);
        ASSERT_NULL(m.source);
        ASSERT_STREQ(m.destination, "/cache");
}

TEST(volume_flag_paths_are_cleaned) {
        _cleanup_(mount_spec_done) MountSpec m = {};

        ASSERT_OK(parse_volume_flag("/srv//a/./b/:/c/d/../e/", &m, NULL));
        ASSERT_STREQ(m.source, "/srv/a/b");
        ASSERT_STREQ(m.destination, "/c/e");
}

TEST(volume_flag_rejects_malformed_specs) {
        static const char * const bad[] = { "a:b:c:d", "/a::/b", ":/b", "/a:", "/foo:rw" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(mount_spec_done) MountSpec m = {};
                char *reason = NULL;

                check_refused(bad[i], parse_volume_flag(bad[i], &m, &reason), &reason, bad[i], "invalid volume specification");
        }
}

TEST(volume_flag_rejects_relative_destinations) {
        _cleanup_(mount_spec_done) MountSpec m = {};
        char *reason = NULL;

        check_refused("relative", parse_volume_flag("/a:data", &m, &reason), &reason, "-v /a:data", "must be absolute");
}

TEST(volume_flag_rejects_the_root_as_destination) {
        _cleanup_(mount_spec_done) MountSpec m = {};
        char *reason = NULL;

        check_refused("root", parse_volume_flag("/a:/", &m, &reason), &reason, "-v /a:/", "destination can't be '/'");
}

TEST(volume_flag_rejects_bad_volume_names_and_relative_sources) {
        _cleanup_(mount_spec_done) MountSpec a = {}, b = {};
        char *reason = NULL;

        check_refused("x", parse_volume_flag("x:/d", &a, &reason), &reason, "-v x:/d", "invalid characters for a local volume name");
        reason = NULL;
        check_refused("./rel", parse_volume_flag("./rel:/d", &b, &reason), &reason, "./rel:/d", "use absolute path");
}

TEST(volume_flag_rejects_unknown_and_conflicting_modes) {
        static const char * const bad[] = { "/a:/b:bogus", "/a:/b:ro,rw", "/a:/b:shared,slave", "/a:/b:z,Z" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(mount_spec_done) MountSpec m = {};
                char *reason = NULL;

                check_refused(bad[i], parse_volume_flag(bad[i], &m, &reason), &reason, bad[i], "invalid mode");
        }
}

TEST(volume_flag_rejects_propagation_on_volumes_and_nocopy_on_binds) {
        _cleanup_(mount_spec_done) MountSpec a = {}, b = {};
        char *reason = NULL;

        check_refused("vol+rshared", parse_volume_flag("v1:/d:rshared", &a, &reason), &reason, "v1:/d:rshared", "only valid for bind mounts");
        reason = NULL;
        check_refused("bind+nocopy", parse_volume_flag("/a:/d:nocopy", &b, &reason), &reason, "/a:/d:nocopy", "only valid for volumes");
}

/* ---- --mount ---- */

TEST(mount_flag_parses_a_read_only_bind) {
        _cleanup_(mount_spec_done) MountSpec m = {};

        ASSERT_OK(parse_mount_flag("type=bind,source=/etc/app,target=/etc/app,readonly", &m, NULL));
        ASSERT_EQ(m.type, MOUNT_TYPE_BIND);
        ASSERT_STREQ(m.source, "/etc/app");
        ASSERT_STREQ(m.destination, "/etc/app");
        ASSERT_TRUE(m.read_only);
        ASSERT_FALSE(m.create_source);     /* unlike -v */
}

TEST(mount_flag_accepts_aliases_and_boolean_values) {
        _cleanup_(mount_spec_done) MountSpec m = {};

        ASSERT_OK(parse_mount_flag("type=bind,src=/a,dst=/b,ro=false,bind-propagation=rslave,bind-recursive=disabled", &m, NULL));
        ASSERT_FALSE(m.read_only);
        ASSERT_EQ(m.propagation, MOUNT_PROPAGATION_RSLAVE);
        ASSERT_EQ(m.recursive, BIND_RECURSIVE_DISABLED);
}

TEST(mount_flag_defaults_to_a_volume) {
        _cleanup_(mount_spec_done) MountSpec a = {}, b = {};

        ASSERT_OK(parse_mount_flag("target=/x", &a, NULL));
        ASSERT_EQ(a.type, MOUNT_TYPE_VOLUME);
        ASSERT_NULL(a.source);
        ASSERT_OK(parse_mount_flag("source=cache,destination=/cache,volume-nocopy", &b, NULL));
        ASSERT_EQ(b.type, MOUNT_TYPE_VOLUME);
        ASSERT_STREQ(b.source, "cache");
        ASSERT_TRUE(b.no_copy);
}

TEST(mount_flag_tmpfs_size_and_mode_become_options) {
        _cleanup_(mount_spec_done) MountSpec m = {};

        ASSERT_OK(parse_mount_flag("type=tmpfs,target=/run,tmpfs-size=64m,tmpfs-mode=1770", &m, NULL));
        ASSERT_EQ(m.type, MOUNT_TYPE_TMPFS);
        ASSERT_STRV(m.tmpfs_options, "size=67108864", "mode=1770");
}

TEST(mount_flag_honours_csv_quoting) {
        _cleanup_(mount_spec_done) MountSpec m = {};

        ASSERT_OK(parse_mount_flag("type=bind,\"source=/srv/a,b\",target=/c", &m, NULL));
        ASSERT_STREQ(m.source, "/srv/a,b");
}

TEST(mount_flag_rejects_missing_target) {
        _cleanup_(mount_spec_done) MountSpec m = {};
        char *reason = NULL;

        check_refused("no target", parse_mount_flag("type=bind,source=/a", &m, &reason), &reason,
                      "--mount type=bind,source=/a", "target is required");
}

TEST(mount_flag_rejects_unknown_keys_and_bare_fields) {
        _cleanup_(mount_spec_done) MountSpec a = {}, b = {};
        char *reason = NULL;

        check_refused("unknown key", parse_mount_flag("type=bind,source=/a,target=/b,colour=red", &a, &reason), &reason,
                      "colour=red", "unexpected key 'colour'");
        reason = NULL;
        check_refused("bare", parse_mount_flag("type=bind,source=/a,target=/b,sparkly", &b, &reason), &reason,
                      "sparkly", "must be a key=value pair");
}

TEST(mount_flag_rejects_options_of_another_type) {
        _cleanup_(mount_spec_done) MountSpec a = {}, b = {}, c = {};
        char *reason = NULL;

        check_refused("bind-* on volume", parse_mount_flag("type=volume,target=/b,bind-propagation=shared", &a, &reason),
                      &reason, "--mount", "cannot mix 'bind-*' options with mount type 'volume'");
        reason = NULL;
        check_refused("volume-* on bind", parse_mount_flag("type=bind,source=/a,target=/b,volume-nocopy", &b, &reason),
                      &reason, "--mount", "cannot mix 'volume-*' options with mount type 'bind'");
        reason = NULL;
        check_refused("tmpfs-* on bind", parse_mount_flag("type=bind,source=/a,target=/b,tmpfs-size=1m", &c, &reason),
                      &reason, "--mount", "cannot mix 'tmpfs-*' options");
}

TEST(mount_flag_rejects_bad_types_sources_and_values) {
        static const struct {
                const char *in, *frag;
        } bad[] = {
                { "type=nfs,target=/b", "invalid mount type 'nfs'" },
                { "type=bind,target=/b", "source is required" },
                { "type=bind,source=rel,target=/b", "must be an absolute path" },
                { "type=tmpfs,source=/x,target=/b", "Source must not be specified" },
                { "type=volume,source=/host,target=/b", "use type=bind" },
                { "type=bind,source=/a,target=/b,readonly=maybe", "invalid value for readonly" },
                { "type=bind,source=/a,target=/b,bind-propagation=sideways", "invalid value for bind-propagation" },
                { "type=tmpfs,target=/b,tmpfs-size=lots", "invalid value for tmpfs-size" },
                { "type=tmpfs,target=/b,tmpfs-mode=999", "invalid value for tmpfs-mode" },
                { "type=volume,source=v1,target=/b,volume-label=a=b", "not supported" },
                { "type=volume,source=v1,target=/b,volume-driver=nfs", "not supported" },
                { "type=bind,\"source=/a,target=/b", "invalid quoting" },
                { "type=bind,source=/a,target=relative", "must be absolute" },
                { "", "must not be empty" },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(mount_spec_done) MountSpec m = {};
                char *reason = NULL;

                check_refused(bad[i].in, parse_mount_flag(bad[i].in, &m, &reason), &reason, "--mount", bad[i].frag);
        }
}

TEST(mount_spec_string_form_parses_back_to_the_same_mount) {
        static const char * const in[] = {
                "type=bind,source=/a,target=/b",
                "type=bind,source=/a,target=/b,readonly,bind-propagation=rshared,bind-recursive=writable,bind-create-src",
                "type=volume,source=data,target=/d,readonly,volume-nocopy",
                "type=volume,target=/anon",
                "type=bind,\"source=/odd,path\",\"target=/with \"\"quotes\"\"\"",
        };

        for (size_t i = 0; i < ELEMENTSOF(in); i++) {
                _cleanup_(mount_spec_done) MountSpec a = {}, b = {};
                _cleanup_free_ char *s = NULL, *t = NULL;

                ASSERT_OK(parse_mount_flag(in[i], &a, NULL));
                ASSERT_OK(mount_spec_to_string(&a, &s));
                ASSERT_OK(parse_mount_flag(s, &b, NULL));
                ASSERT_OK(mount_spec_to_string(&b, &t));
                ASSERT_STREQ(t, s);
                ASSERT_STREQ(b.destination, a.destination);
                ASSERT_TRUE(streq_ptr(a.source, b.source));
                ASSERT_EQ(b.read_only, a.read_only);
                ASSERT_EQ(b.propagation, a.propagation);
                ASSERT_EQ(b.recursive, a.recursive);
                ASSERT_EQ(b.create_source, a.create_source);
                ASSERT_EQ(b.no_copy, a.no_copy);
        }
}

TEST(mount_spec_string_form_of_a_v_bind_keeps_create_source) {
        _cleanup_(mount_spec_done) MountSpec a = {}, b = {};
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(parse_volume_flag("/srv:/srv:ro", &a, NULL));
        ASSERT_OK(mount_spec_to_string(&a, &s));
        ASSERT_STREQ(s, "type=bind,source=/srv,target=/srv,readonly,bind-create-src");
        ASSERT_OK(parse_mount_flag(s, &b, NULL));
        ASSERT_TRUE(b.create_source);
}

/* ---- --tmpfs ---- */

TEST(tmpfs_flag_parses_destination_and_options) {
        _cleanup_(mount_spec_done) MountSpec a = {}, b = {};

        ASSERT_OK(parse_tmpfs_flag("/run", &a, NULL));
        ASSERT_EQ(a.type, MOUNT_TYPE_TMPFS);
        ASSERT_STREQ(a.destination, "/run");
        ASSERT_NULL(a.tmpfs_options);

        ASSERT_OK(parse_tmpfs_flag("/run:rw,size=64m,mode=1777,uid=1000,exec", &b, NULL));
        ASSERT_STRV(b.tmpfs_options, "rw", "size=64m", "mode=1777", "uid=1000", "exec");
}

TEST(tmpfs_flag_later_options_replace_earlier_ones) {
        _cleanup_(mount_spec_done) MountSpec m = {};

        ASSERT_OK(parse_tmpfs_flag("/t:noexec,size=1m,exec,size=2m", &m, NULL));
        ASSERT_STRV(m.tmpfs_options, "exec", "size=2m");
}

TEST(tmpfs_flag_rejects_unknown_options_and_bad_values) {
        static const char * const bad[] = { "/t:bogus", "/t:size=lots", "/t:size=1x", "/t:mode=999", "/t:uid=-1",
                                             "/t:huge=sometimes", "/t:bind", "/t:rw,,exec" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(mount_spec_done) MountSpec m = {};
                char *reason = NULL;

                check_refused(bad[i], parse_tmpfs_flag(bad[i], &m, &reason), &reason, bad[i], "invalid tmpfs option");
        }
}

TEST(tmpfs_flag_rejects_relative_and_root_destinations) {
        _cleanup_(mount_spec_done) MountSpec a = {}, b = {};
        char *reason = NULL;

        check_refused("relative", parse_tmpfs_flag("run:size=1m", &a, &reason), &reason, "--tmpfs run:size=1m", "must be absolute");
        reason = NULL;
        check_refused("root", parse_tmpfs_flag("/", &b, &reason), &reason, "--tmpfs /", "can't be '/'");
}

TEST(tmpfs_options_get_docker_defaults_merged_under_the_users) {
        _cleanup_(mount_spec_done) MountSpec a = {}, b = {}, c = {};
        _cleanup_strv_free_ char **oa = NULL, **ob = NULL, **oc = NULL;

        ASSERT_OK(parse_tmpfs_flag("/a", &a, NULL));
        ASSERT_OK(mount_spec_tmpfs_options(&a, &oa));
        ASSERT_STRV(oa, "noexec", "nosuid", "nodev", "rprivate");

        ASSERT_OK(parse_tmpfs_flag("/b:exec,size=1m", &b, NULL));
        ASSERT_OK(mount_spec_tmpfs_options(&b, &ob));
        ASSERT_STRV(ob, "nosuid", "nodev", "exec", "size=1m", "rprivate");

        ASSERT_OK(parse_tmpfs_flag("/c:rshared", &c, NULL));
        ASSERT_OK(mount_spec_tmpfs_options(&c, &oc));
        ASSERT_STRV(oc, "noexec", "nosuid", "nodev", "rshared");
}

TEST(tmpfs_string_form_parses_back) {
        _cleanup_(mount_spec_done) MountSpec a = {}, b = {};
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(parse_tmpfs_flag("/run:size=64m,exec", &a, NULL));
        ASSERT_OK(mount_spec_to_string(&a, &s));
        ASSERT_STREQ(s, "/run:size=64m,exec");
        ASSERT_OK(parse_tmpfs_flag(s, &b, NULL));
        ASSERT_STRV(b.tmpfs_options, "size=64m", "exec");
}

/* ---- --sysctl ---- */

TEST(sysctl_accepts_namespaced_keys) {
        static const char * const good[] = { "net.ipv4.ip_forward=1", "net.core.somaxconn=1024", "kernel.shmmax=1000000",
                                             "kernel.shm_rmid_forced=1", "kernel.msgmax=65536", "kernel.sem=250 32000 32 128",
                                             "fs.mqueue.msg_max=100" };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_free_ char *k = NULL, *v = NULL;

                ASSERT_OK(parse_sysctl(good[i], &k, &v, NULL));
                ASSERT_TRUE(strncmp(good[i], k, strlen(k)) == 0 && good[i][strlen(k)] == '=');
                ASSERT_STREQ(v, strchr(good[i], '=') + 1);
        }
}

TEST(sysctl_refuses_host_wide_keys_with_a_reason) {
        static const char * const bad[] = { "kernel.panic=1", "vm.swappiness=10", "fs.file-max=100", "kernel.hostname=x",
                                             "kernel.semx=1" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *k = NULL, *v = NULL;
                char *reason = NULL;

                check_refused(bad[i], parse_sysctl(bad[i], &k, &v, &reason), &reason, bad[i], "only namespaced sysctls");
        }
}

TEST(sysctl_refuses_malformed_keys_and_values) {
        static const struct {
                const char *in, *frag;
        } bad[] = {
                { "net.ipv4.ip_forward", "expected KEY=VALUE" },
                { "net..x=1", "invalid sysctl name" },
                { "net/ipv4/ip_forward=1", "invalid sysctl name" },
                { ".net.x=1", "invalid sysctl name" },
                { "net.x.=1", "invalid sysctl name" },
                { "=1", "invalid sysctl name" },
                { "net.ipv4.ip_forward=", "must not be empty" },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *k = NULL, *v = NULL;
                char *reason = NULL;

                check_refused(bad[i].in, parse_sysctl(bad[i].in, &k, &v, &reason), &reason, "--sysctl", bad[i].frag);
        }
}

/* ---- --cpus ---- */

TEST(cpus_become_cpu_time_per_second) {
        uint64_t q;

        ASSERT_OK(parse_cpus("1.5", &q, NULL));
        ASSERT_EQ(q, 1500000);
        ASSERT_OK(parse_cpus("0.25", &q, NULL));
        ASSERT_EQ(q, 250000);
        ASSERT_OK(parse_cpus("2", &q, NULL));
        ASSERT_EQ(q, 2000000);
        ASSERT_OK(parse_cpus(".5", &q, NULL));
        ASSERT_EQ(q, 500000);
        ASSERT_OK(parse_cpus("0.000001", &q, NULL));
        ASSERT_EQ(q, 1);
        ASSERT_OK(parse_cpus("1.50000000", &q, NULL));
        ASSERT_EQ(q, 1500000);
        ASSERT_OK(parse_cpus("0", &q, NULL));
        ASSERT_EQ(q, 0);
}

TEST(cpus_rejects_non_numbers_and_too_much_precision) {
        static const struct {
                const char *in, *frag;
        } bad[] = {
                { "abc", "invalid number of CPUs" },
                { "-1", "invalid number of CPUs" },
                { "", "invalid number of CPUs" },
                { ".", "invalid number of CPUs" },
                { "1.5x", "invalid number of CPUs" },
                { "1.0000001", "too precise" },
                { "99999999", "too large" },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint64_t q;
                char *reason = NULL;

                check_refused(bad[i].in, parse_cpus(bad[i].in, &q, &reason), &reason, "--cpus", bad[i].frag);
        }
}

/* ---- signals ---- */

TEST(signal_parses_names_with_and_without_sig_and_numbers) {
        int s;

        ASSERT_OK(parse_signal("--stop-signal", "SIGTERM", &s, NULL));
        ASSERT_EQ(s, SIGTERM);
        ASSERT_OK(parse_signal("--stop-signal", "TERM", &s, NULL));
        ASSERT_EQ(s, SIGTERM);
        ASSERT_OK(parse_signal("--stop-signal", "term", &s, NULL));
        ASSERT_EQ(s, SIGTERM);
        ASSERT_OK(parse_signal("--stop-signal", "15", &s, NULL));
        ASSERT_EQ(s, 15);
        ASSERT_OK(parse_signal("--stop-signal", "SIGQUIT", &s, NULL));
        ASSERT_EQ(s, SIGQUIT);
        ASSERT_OK(parse_signal("--stop-signal", "RTMIN+3", &s, NULL));
        ASSERT_EQ(s, SIGRTMIN + 3);
        ASSERT_OK(parse_signal("--stop-signal", "SIGRTMAX-1", &s, NULL));
        ASSERT_EQ(s, SIGRTMAX - 1);
        ASSERT_OK(parse_signal("--stop-signal", "SIGRTMIN", &s, NULL));
        ASSERT_EQ(s, SIGRTMIN);
}

TEST(signal_rejects_unknown_names_and_numbers) {
        static const char * const bad[] = { "SIGFOO", "0", "999", "RTMIN+99", "RTMIN-1", "", "SIG" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *reason = NULL;
                int s;

                check_refused(bad[i], parse_signal("--stop-signal", bad[i], &s, &reason), &reason, "--stop-signal", "signal");
        }
}

TEST(signal_formats_as_sig_names) {
        _cleanup_free_ char *a = signal_to_string(SIGTERM), *b = signal_to_string(SIGRTMIN + 3), *c = signal_to_string(SIGKILL);

        ASSERT_STREQ(a, "SIGTERM");
        ASSERT_STREQ(b, "SIGRTMIN+3");
        ASSERT_STREQ(c, "SIGKILL");
        ASSERT_NULL(signal_to_string(0));
}

TEST(signal_string_form_parses_back_for_every_signal) {
        for (int sig = 1; sig <= SIGRTMAX; sig++) {
                _cleanup_free_ char *s = signal_to_string(sig);
                int back;

                if (!s)
                        test_fail("signal %d has no name", sig);
                ASSERT_OK(parse_signal("--stop-signal", s, &back, NULL));
                ASSERT_EQ(back, sig);
        }
}

/* ---- capabilities ---- */

TEST(capability_names_are_normalized) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

        ASSERT_OK(parse_capability("--cap-add", "net_admin", &a, NULL));
        ASSERT_STREQ(a, "CAP_NET_ADMIN");
        ASSERT_OK(parse_capability("--cap-add", "CAP_SYS_ADMIN", &b, NULL));
        ASSERT_STREQ(b, "CAP_SYS_ADMIN");
        ASSERT_OK(parse_capability("--cap-drop", "all", &c, NULL));
        ASSERT_STREQ(c, "ALL");
        ASSERT_OK(parse_capability("--cap-add", "cap_bpf", &d, NULL));
        ASSERT_STREQ(d, "CAP_BPF");
}

TEST(capability_unknown_names_are_refused) {
        _cleanup_free_ char *n = NULL;
        char *reason = NULL;

        check_refused("foo", parse_capability("--cap-add", "foo", &n, &reason), &reason, "--cap-add foo", "unknown capability: 'CAP_FOO'");
        reason = NULL;
        check_refused("empty", parse_capability("--cap-drop", "", &n, &reason), &reason, "--cap-drop", "must not be empty");
}

TEST(capability_table_round_trips) {
        for (int c = 0; c <= capability_last(); c++)
                ASSERT_EQ(capability_from_name(capability_to_name(c)), c);
        ASSERT_EQ(capability_last(), 40);
        ASSERT_NULL(capability_to_name(41));
        ASSERT_ERROR(capability_from_name("CAP_NOPE"), EINVAL);
}

TEST(capabilities_default_to_dockers_fourteen) {
        _cleanup_(container_spec_freep) ContainerSpec *s = NULL;
        uint64_t caps;

        ASSERT_OK(container_spec_new(&s));
        ASSERT_OK(container_spec_capabilities(s, 0, &caps, NULL));
        ASSERT_EQ(caps, UINT64_C(0xa80425fb));         /* docker's CapBnd */
        ASSERT_EQ(__builtin_popcountll(caps), 14);
        ASSERT_EQ(caps, capability_default_set());
}

TEST(capabilities_add_and_drop_adjust_the_default) {
        _cleanup_(container_spec_freep) ContainerSpec *s = NULL;
        uint64_t caps;

        ASSERT_OK(container_spec_new(&s));
        ASSERT_OK(strv_extend(&s->cap_add, "CAP_NET_ADMIN"));
        ASSERT_OK(strv_extend(&s->cap_drop, "CAP_CHOWN"));
        ASSERT_OK(container_spec_capabilities(s, 0, &caps, NULL));
        ASSERT_TRUE(caps & (UINT64_C(1) << capability_from_name("CAP_NET_ADMIN")));
        ASSERT_FALSE(caps & (UINT64_C(1) << capability_from_name("CAP_CHOWN")));
        ASSERT_EQ(__builtin_popcountll(caps), 14);
}

TEST(capabilities_add_all_gives_everything_available_minus_drops) {
        _cleanup_(container_spec_freep) ContainerSpec *s = NULL;
        uint64_t caps, avail = UINT64_C(0x1fffeffffff);        /* all but CAP_SYS_RESOURCE, like this host */

        ASSERT_OK(container_spec_new(&s));
        ASSERT_OK(strv_extend(&s->cap_add, "ALL"));
        ASSERT_OK(strv_extend(&s->cap_drop, "CAP_NET_RAW"));
        ASSERT_OK(container_spec_capabilities(s, avail, &caps, NULL));
        ASSERT_EQ(caps, avail & ~(UINT64_C(1) << 13));
}

TEST(capabilities_drop_all_keeps_only_the_added_ones) {
        _cleanup_(container_spec_freep) ContainerSpec *s = NULL;
        uint64_t caps;

        ASSERT_OK(container_spec_new(&s));
        ASSERT_OK(strv_extend(&s->cap_drop, "ALL"));
        ASSERT_OK(strv_extend(&s->cap_add, "CAP_NET_BIND_SERVICE"));
        ASSERT_OK(container_spec_capabilities(s, 0, &caps, NULL));
        ASSERT_EQ(caps, UINT64_C(1) << 10);
}

TEST(capabilities_privileged_gets_the_whole_available_set) {
        _cleanup_(container_spec_freep) ContainerSpec *s = NULL;
        uint64_t caps;

        ASSERT_OK(container_spec_new(&s));
        s->privileged = true;
        ASSERT_OK(strv_extend(&s->cap_drop, "CAP_CHOWN"));      /* ignored, as docker */
        ASSERT_OK(container_spec_capabilities(s, UINT64_C(0x1fffeffffff), &caps, NULL));
        ASSERT_EQ(caps, UINT64_C(0x1fffeffffff));
        ASSERT_OK(container_spec_capabilities(s, 0, &caps, NULL));
        ASSERT_EQ(caps, (UINT64_C(1) << 41) - 1);
}

TEST(capabilities_adding_one_the_host_lacks_is_refused) {
        _cleanup_(container_spec_freep) ContainerSpec *s = NULL;
        char *reason = NULL;
        uint64_t caps;

        ASSERT_OK(container_spec_new(&s));
        ASSERT_OK(strv_extend(&s->cap_add, "CAP_SYS_RESOURCE"));
        check_refused("sys_resource", container_spec_capabilities(s, UINT64_C(0x1fffeffffff), &caps, &reason), &reason,
                      "--cap-add CAP_SYS_RESOURCE", "not available");
}

TEST(capabilities_defaults_the_host_lacks_are_dropped_silently) {
        _cleanup_(container_spec_freep) ContainerSpec *s = NULL;
        uint64_t caps;

        ASSERT_OK(container_spec_new(&s));
        ASSERT_OK(container_spec_capabilities(s, ~(UINT64_C(1) << 27) /* no CAP_MKNOD */, &caps, NULL));
        ASSERT_EQ(caps, UINT64_C(0xa80425fb) & ~(UINT64_C(1) << 27));
}

/* ---- network mode ---- */

TEST(network_mode_parses_every_form) {
        NetworkMode n = {};
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(parse_network_mode("bridge", &n, NULL));
        ASSERT_EQ(n.type, NETWORK_MODE_BRIDGE);
        ASSERT_OK(parse_network_mode("default", &n, NULL));
        ASSERT_EQ(n.type, NETWORK_MODE_BRIDGE);
        ASSERT_OK(parse_network_mode("none", &n, NULL));
        ASSERT_EQ(n.type, NETWORK_MODE_NONE);
        ASSERT_OK(parse_network_mode("host", &n, NULL));
        ASSERT_EQ(n.type, NETWORK_MODE_HOST);
        ASSERT_OK(parse_network_mode("container:web", &n, NULL));
        ASSERT_EQ(n.type, NETWORK_MODE_CONTAINER);
        ASSERT_STREQ(n.name, "web");
        ASSERT_OK(network_mode_to_string(&n, &s));
        ASSERT_STREQ(s, "container:web");
        network_mode_done(&n);
        ASSERT_OK(parse_network_mode("backend_net", &n, NULL));
        ASSERT_EQ(n.type, NETWORK_MODE_NETWORK);
        ASSERT_STREQ(n.name, "backend_net");
        network_mode_done(&n);
}

TEST(network_mode_rejects_bad_names) {
        NetworkMode n = {};
        char *reason = NULL;

        check_refused("container:", parse_network_mode("container:", &n, &reason), &reason, "--network container:", "container:NAME");
        reason = NULL;
        check_refused("bad!", parse_network_mode("bad name!", &n, &reason), &reason, "--network 'bad name!'", "invalid network");
        reason = NULL;
        check_refused("empty", parse_network_mode("", &n, &reason), &reason, "--network ''", NULL);
}

/* ---- sizes and numbers ---- */

TEST(byte_sizes_take_binary_suffixes) {
        uint64_t v;
        int64_t i;

        ASSERT_OK(parse_bytes_flag("--memory", "64m", &v, NULL));
        ASSERT_EQ(v, 64 << 20);
        ASSERT_OK(parse_bytes_flag("--shm-size", "1g", &v, NULL));
        ASSERT_EQ(v, 1 << 30);
        ASSERT_OK(parse_memory_swap("-1", &i, NULL));
        ASSERT_EQ(i, -1);
        ASSERT_OK(parse_memory_swap("128m", &i, NULL));
        ASSERT_EQ(i, 128 << 20);
}

TEST(byte_sizes_reject_garbage_naming_the_flag) {
        uint64_t v;
        int64_t i;
        char *reason = NULL;

        check_refused("12x", parse_bytes_flag("--memory", "12x", &v, &reason), &reason, "--memory 12x", "invalid size");
        reason = NULL;
        check_refused("huge", parse_bytes_flag("--memory", "99999999999t", &v, &reason), &reason, "--memory 99999999999t", "too large");
        reason = NULL;
        check_refused("-2", parse_memory_swap("-2", &i, &reason), &reason, "--memory-swap -2", NULL);
}

TEST(pids_limit_maps_zero_and_negatives_to_unlimited) {
        int64_t v;
        char *reason = NULL;

        ASSERT_OK(parse_pids_limit("100", &v, NULL));
        ASSERT_EQ(v, 100);
        ASSERT_OK(parse_pids_limit("0", &v, NULL));
        ASSERT_EQ(v, -1);
        ASSERT_OK(parse_pids_limit("-1", &v, NULL));
        ASSERT_EQ(v, -1);
        check_refused("lots", parse_pids_limit("lots", &v, &reason), &reason, "--pids-limit lots", NULL);
}

TEST(cpu_shares_must_be_in_the_kernels_range) {
        uint64_t v;
        char *reason = NULL;

        ASSERT_OK(parse_cpu_shares("512", &v, NULL));
        ASSERT_EQ(v, 512);
        check_refused("1", parse_cpu_shares("1", &v, &reason), &reason, "--cpu-shares 1", "between 2 and 262144");
        reason = NULL;
        check_refused("big", parse_cpu_shares("262145", &v, &reason), &reason, "--cpu-shares 262145", NULL);
}

TEST(stop_timeout_takes_seconds_spans_and_minus_one) {
        uint64_t v;
        char *reason = NULL;

        ASSERT_OK(parse_stop_timeout("10", &v, NULL));
        ASSERT_EQ(v, 10000000);
        ASSERT_OK(parse_stop_timeout("500ms", &v, NULL));
        ASSERT_EQ(v, 500000);
        ASSERT_OK(parse_stop_timeout("-1", &v, NULL));
        ASSERT_TRUE(v == STOP_TIMEOUT_INFINITY);
        check_refused("soon", parse_stop_timeout("soon", &v, &reason), &reason, "--stop-timeout soon", NULL);
}

TEST(oom_score_adj_is_bounded) {
        int v;
        char *reason = NULL;

        ASSERT_OK(parse_oom_score_adj("-500", &v, NULL));
        ASSERT_EQ(v, -500);
        check_refused("1001", parse_oom_score_adj("1001", &v, &reason), &reason, "--oom-score-adj 1001", "-1000 and 1000");
}

/* ---- validators ---- */

TEST(container_names_follow_the_documented_rule) {
        char *reason = NULL;

        ASSERT_OK(container_name_validate("web", NULL));
        ASSERT_OK(container_name_validate("my_app.v2-1", NULL));
        ASSERT_OK(container_name_validate("a", NULL));
        check_refused("-web", container_name_validate("-web", &reason), &reason, "--name -web", "invalid container name");
        reason = NULL;
        check_refused("_a", container_name_validate("_a", &reason), &reason, "--name _a", NULL);
        reason = NULL;
        check_refused("a/b", container_name_validate("a/b", &reason), &reason, "--name a/b", NULL);
}

TEST(hostnames_must_be_rfc1123) {
        char *reason = NULL;
        _cleanup_free_ char *long_label = calloc(1, 70);

        ASSERT_OK(hostname_validate("web", NULL));
        ASSERT_OK(hostname_validate("web-1.example.com", NULL));
        check_refused("-x", hostname_validate("-x", &reason), &reason, "--hostname -x", "invalid hostname");
        reason = NULL;
        check_refused("a..b", hostname_validate("a..b", &reason), &reason, "--hostname a..b", NULL);
        reason = NULL;
        check_refused("x-", hostname_validate("x-", &reason), &reason, "--hostname x-", NULL);
        reason = NULL;
        check_refused("under_score", hostname_validate("under_score", &reason), &reason, "under_score", NULL);
        reason = NULL;
        memset(long_label, 'a', 65);
        check_refused("65", hostname_validate(long_label, &reason), &reason, "longer than 64", NULL);
}

TEST(working_dir_must_be_absolute) {
        char *reason = NULL;

        ASSERT_OK(working_dir_validate("/app", NULL));
        check_refused("app", working_dir_validate("app", &reason), &reason, "--workdir app", "absolute path");
}

TEST(env_entries_need_a_name) {
        char *reason = NULL;

        ASSERT_OK(env_entry_validate("A=b", NULL));
        ASSERT_OK(env_entry_validate("A", NULL));
        ASSERT_OK(env_entry_validate("A=", NULL));
        check_refused("=b", env_entry_validate("=b", &reason), &reason, "--env =b", "name must not be empty");
}

TEST(container_ids_are_64_lowercase_hex) {
        ASSERT_TRUE(container_id_is_valid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
        ASSERT_FALSE(container_id_is_valid("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
        ASSERT_FALSE(container_id_is_valid("0123"));
        ASSERT_FALSE(container_id_is_valid(NULL));
}

/* ---- cross-field validation ---- */

static ContainerSpec *new_spec(void) {
        ContainerSpec *s;

        if (container_spec_new(&s) < 0)
                abort();
        return s;
}

TEST(validate_memory_swap_needs_memory_and_must_not_be_smaller) {
        _cleanup_(container_spec_freep) ContainerSpec *s = new_spec();
        char *reason = NULL;

        s->memory_swap = 128 << 20;
        check_refused("no memory", container_spec_validate(s, &reason), &reason, "--memory-swap", "set the memory limit");
        reason = NULL;
        s->memory = 256 << 20;
        check_refused("smaller", container_spec_validate(s, &reason), &reason, "--memory-swap", "larger than the memory limit");
        s->memory_swap = -1;
        ASSERT_OK(container_spec_validate(s, NULL));
}

TEST(validate_memory_below_6mb_is_refused) {
        _cleanup_(container_spec_freep) ContainerSpec *s = new_spec();
        char *reason = NULL;

        s->memory = 4 << 20;
        check_refused("4m", container_spec_validate(s, &reason), &reason, "--memory 4194304", "6MB");
}

TEST(validate_restart_and_rm_conflict) {
        _cleanup_(container_spec_freep) ContainerSpec *s = new_spec();
        char *reason = NULL;

        s->restart.type = RESTART_POLICY_ALWAYS;
        s->auto_remove = true;
        check_refused("restart+rm", container_spec_validate(s, &reason), &reason, "--restart and --rm", NULL);
}

TEST(validate_hostname_conflicts_with_container_network) {
        _cleanup_(container_spec_freep) ContainerSpec *s = new_spec();
        char *reason = NULL;

        s->hostname = strdup("x1");
        ASSERT_OK(parse_network_mode("container:db", &s->network, NULL));
        check_refused("hostname", container_spec_validate(s, &reason), &reason, "--hostname", "container:db");
}

TEST(validate_net_sysctls_are_refused_with_host_network) {
        _cleanup_(container_spec_freep) ContainerSpec *s = new_spec();
        char *reason = NULL;

        ASSERT_OK(container_spec_set_sysctl(s, "net.ipv4.ip_forward", "1"));
        ASSERT_OK(container_spec_validate(s, NULL));
        s->network.type = NETWORK_MODE_HOST;
        check_refused("host", container_spec_validate(s, &reason), &reason, "--sysctl net.ipv4.ip_forward=1", "--network host");
}

TEST(validate_seccomp_profile_must_be_unconfined_or_absolute) {
        _cleanup_(container_spec_freep) ContainerSpec *s = new_spec();
        char *reason = NULL;

        s->seccomp_profile = strdup("profile.json");
        check_refused("relative", container_spec_validate(s, &reason), &reason, "seccomp profile.json", "absolute path");
}

/* ---- argv and env ---- */

static void check_argv(char **entrypoint, bool entrypoint_given, char **cmd, char **image_ep, char **image_cmd, const char *want) {
        _cleanup_(container_spec_freep) ContainerSpec *s = new_spec();
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *got = NULL;

        if (entrypoint_given)
                s->entrypoint = entrypoint ? strv_copy(entrypoint) : calloc(1, sizeof(char *));
        s->cmd = strv_copy(cmd);
        ASSERT_OK(container_spec_resolve_argv(s, image_ep, image_cmd, &argv, NULL));
        got = strv_join_test(argv);
        ASSERT_STREQ(got, want);
}

TEST(argv_without_flags_is_image_entrypoint_plus_image_cmd) {
        char *ep[] = { "/docker-entrypoint.sh", NULL }, *cmd[] = { "nginx", "-g", "daemon off;", NULL };

        check_argv(NULL, false, NULL, ep, cmd, "[/docker-entrypoint.sh,nginx,-g,daemon off;]");
}

TEST(argv_arguments_replace_the_image_cmd) {
        char *ep[] = { "/entry", NULL }, *cmd[] = { "default", NULL }, *args[] = { "sh", "-c", "true", NULL };

        check_argv(NULL, false, args, ep, cmd, "[/entry,sh,-c,true]");
}

TEST(argv_entrypoint_flag_drops_the_image_cmd) {
        char *ep[] = { "/entry", NULL }, *cmd[] = { "default", NULL }, *mine[] = { "/bin/sh", NULL };

        check_argv(mine, true, NULL, ep, cmd, "[/bin/sh]");
}

TEST(argv_entrypoint_flag_keeps_the_given_arguments) {
        char *ep[] = { "/entry", NULL }, *cmd[] = { "default", NULL }, *mine[] = { "/bin/sh", NULL }, *args[] = { "-c", "id", NULL };

        check_argv(mine, true, args, ep, cmd, "[/bin/sh,-c,id]");
}

TEST(argv_empty_entrypoint_flag_runs_the_cmd_alone) {
        char *ep[] = { "/entry", NULL }, *cmd[] = { "default", "x", NULL }, *args[] = { "ls", NULL };

        check_argv(NULL, true, NULL, ep, cmd, "[default,x]");
        check_argv(NULL, true, args, ep, cmd, "[ls]");
}

TEST(argv_nothing_to_run_is_refused) {
        _cleanup_(container_spec_freep) ContainerSpec *s = new_spec();
        _cleanup_strv_free_ char **argv = NULL;
        char *reason = NULL;

        check_refused("empty", container_spec_resolve_argv(s, NULL, NULL, &argv, &reason), &reason, "no command specified", NULL);
        ASSERT_NULL(argv);
}

TEST(env_image_values_are_overridden_in_order_and_bare_keys_unset) {
        _cleanup_(container_spec_freep) ContainerSpec *s = new_spec();
        _cleanup_strv_free_ char **env = NULL;
        char *image_env[] = { "PATH=/usr/bin", "LANG=C", "DEBUG=1", NULL };

        ASSERT_OK(strv_extend(&s->env, "LANG=C.UTF-8"));
        ASSERT_OK(strv_extend(&s->env, "DEBUG"));
        ASSERT_OK(strv_extend(&s->env, "NEW=a"));
        ASSERT_OK(strv_extend(&s->env, "NEW=b"));
        ASSERT_OK(strv_extend(&s->env, "EMPTY="));
        ASSERT_OK(container_spec_resolve_env(s, image_env, &env));
        ASSERT_STRV(env, "PATH=/usr/bin", "LANG=C.UTF-8", "NEW=b", "EMPTY=");
}

TEST(env_replace_or_append_matches_whole_keys_only) {
        _cleanup_strv_free_ char **env = NULL;
        char *over[] = { "FOO=2", "FO", NULL };

        ASSERT_OK(strv_extend(&env, "FOO=1"));
        ASSERT_OK(strv_extend(&env, "FOOBAR=1"));
        ASSERT_OK(strv_extend(&env, "FO=x"));
        ASSERT_OK(env_replace_or_append(&env, over));
        ASSERT_STRV(env, "FOO=2", "FOOBAR=1");
}

TEST(effective_user_prefers_the_flag_then_the_image) {
        _cleanup_(container_spec_freep) ContainerSpec *s = new_spec();

        ASSERT_STREQ(container_spec_effective_user(s, NULL), "");
        ASSERT_STREQ(container_spec_effective_user(s, "nginx"), "nginx");
        s->user = strdup("1000:1000");
        ASSERT_STREQ(container_spec_effective_user(s, "nginx"), "1000:1000");
}

/* ---- adders ---- */

TEST(duplicate_mount_points_are_refused) {
        _cleanup_(container_spec_freep) ContainerSpec *s = new_spec();
        _cleanup_(mount_spec_done) MountSpec a = {}, b = {};
        char *reason = NULL;

        ASSERT_OK(parse_volume_flag("/a:/data", &a, NULL));
        ASSERT_OK(container_spec_add_mount(s, &a, NULL));
        ASSERT_NULL(a.destination);     /* moved */
        ASSERT_OK(parse_tmpfs_flag("/data/", &b, NULL));
        check_refused("dup", container_spec_add_mount(s, &b, &reason), &reason, "duplicate mount point: /data", NULL);
        ASSERT_EQ(s->n_mounts, 1);
}

TEST(later_ulimits_labels_and_sysctls_replace_earlier_ones) {
        _cleanup_(container_spec_freep) ContainerSpec *s = new_spec();

        ASSERT_OK(container_spec_add_ulimit(s, &(Ulimit) { RLIMIT_NOFILE, 1, 2 }));
        ASSERT_OK(container_spec_add_ulimit(s, &(Ulimit) { RLIMIT_NPROC, 5, 5 }));
        ASSERT_OK(container_spec_add_ulimit(s, &(Ulimit) { RLIMIT_NOFILE, 3, 4 }));
        ASSERT_EQ(s->n_ulimits, 2);
        ASSERT_EQ(s->ulimits[0].soft, 3);

        ASSERT_OK(container_spec_set_label(s, "a", "1"));
        ASSERT_OK(container_spec_set_label(s, "ab", "2"));
        ASSERT_OK(container_spec_set_label(s, "a", "3"));
        ASSERT_STRV(s->labels, "a=3", "ab=2");
        ASSERT_ERROR(container_spec_set_label(s, "", "x"), EINVAL);

        ASSERT_OK(container_spec_set_sysctl(s, "net.core.somaxconn", "1"));
        ASSERT_OK(container_spec_set_sysctl(s, "net.core.somaxconn", "2"));
        ASSERT_STRV(s->sysctls, "net.core.somaxconn=2");
}

/* ---- JSON ---- */

static ContainerSpec *full_spec(void) {
        ContainerSpec *s = new_spec();
        MountSpec m = {};

        s->name = strdup("web");
        s->id = strdup("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        s->image = strdup("nginx:1.25");
        s->image_id = strdup("sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
        s->entrypoint = calloc(1, sizeof(char *));
        (void) strv_extend(&s->cmd, "nginx");
        (void) strv_extend(&s->cmd, "-g");
        (void) strv_extend(&s->cmd, "daemon off;");
        (void) strv_extend(&s->env, "A=1");
        (void) strv_extend(&s->env, "UNSET");
        s->working_dir = strdup("/srv");
        s->user = strdup("nginx:www");
        s->hostname = strdup("web-1");
        (void) container_spec_set_label(s, "com.example.tier", "front");
        (void) container_spec_set_label(s, "empty", "");
        s->restart = (RestartPolicy) { RESTART_POLICY_ON_FAILURE, 4 };
        s->stop_signal = SIGQUIT;
        s->stop_timeout_set = true;
        s->stop_timeout_usec = 30000000;
        s->memory = 256 << 20;
        s->memory_swap = -1;
        s->cpu_quota_per_sec_usec = 1500000;
        s->cpu_shares = 512;
        s->pids_limit = 100;
        (void) container_spec_add_ulimit(s, &(Ulimit) { RLIMIT_NOFILE, 1024, 2048 });
        (void) container_spec_add_ulimit(s, &(Ulimit) { RLIMIT_CORE, RLIM_INFINITY, RLIM_INFINITY });
        s->shm_size = 128 << 20;
        (void) strv_extend(&s->cap_add, "CAP_NET_ADMIN");
        (void) strv_extend(&s->cap_drop, "ALL");
        s->no_new_privileges = true;
        s->read_only = true;
        s->seccomp_profile = strdup("/etc/nyx/seccomp.json");
        s->oom_score_adj_set = true;
        s->oom_score_adj = -100;
        if (parse_volume_flag("/srv/www:/usr/share/nginx/html:ro", &m, NULL) >= 0)
                (void) container_spec_add_mount(s, &m, NULL);
        if (parse_mount_flag("type=volume,source=cache,target=/var/cache/nginx,volume-nocopy", &m, NULL) >= 0)
                (void) container_spec_add_mount(s, &m, NULL);
        if (parse_tmpfs_flag("/run:size=1m,exec", &m, NULL) >= 0)
                (void) container_spec_add_mount(s, &m, NULL);
        s->init = true;
        (void) container_spec_set_sysctl(s, "net.core.somaxconn", "1024");
        s->tty = true;
        s->interactive = true;
        (void) parse_network_mode("backend", &s->network, NULL);
        s->log_tag = strdup("web");
        return s;
}

TEST(json_round_trip_keeps_every_field) {
        _cleanup_(container_spec_freep) ContainerSpec *s = full_spec(), *t = NULL;
        _cleanup_(json_object_putp) json_object *a = NULL, *b = NULL, *parsed = NULL;
        char *reason = NULL;
        _cleanup_free_ char *text = NULL;

        ASSERT_OK(container_spec_to_json(s, &a));
        /* through text, as the record file is */
        text = strdup(json_object_to_json_string(a));
        parsed = json_tokener_parse(text);
        ASSERT_NOT_NULL(parsed);
        if (container_spec_from_json(parsed, &t, &reason) < 0)
                test_fail("from_json: %s", strna(reason));
        ASSERT_OK(container_spec_to_json(t, &b));
        ASSERT_STREQ(json_object_to_json_string(b), json_object_to_json_string(a));

        ASSERT_STREQ(t->name, "web");
        ASSERT_STREQ(t->user, "nginx:www");
        ASSERT_NOT_NULL(t->entrypoint);
        ASSERT_EQ(strv_length(t->entrypoint), 0);
        ASSERT_STRV(t->cmd, "nginx", "-g", "daemon off;");
        ASSERT_STRV(t->env, "A=1", "UNSET");
        ASSERT_STRV(t->labels, "com.example.tier=front", "empty=");
        ASSERT_EQ(t->restart.type, RESTART_POLICY_ON_FAILURE);
        ASSERT_EQ(t->restart.max_retries, 4);
        ASSERT_EQ(t->stop_signal, SIGQUIT);
        ASSERT_TRUE(t->stop_timeout_set);
        ASSERT_EQ(t->stop_timeout_usec, 30000000);
        ASSERT_EQ(t->memory, 256 << 20);
        ASSERT_EQ(t->memory_swap, -1);
        ASSERT_EQ(t->cpu_quota_per_sec_usec, 1500000);
        ASSERT_EQ(t->cpu_shares, 512);
        ASSERT_EQ(t->pids_limit, 100);
        ASSERT_EQ(t->n_ulimits, 2);
        ASSERT_TRUE(t->ulimits[1].hard == RLIM_INFINITY);
        ASSERT_EQ(t->shm_size, 128 << 20);
        ASSERT_STRV(t->cap_add, "CAP_NET_ADMIN");
        ASSERT_STRV(t->cap_drop, "ALL");
        ASSERT_TRUE(t->no_new_privileges && t->read_only && t->init && t->tty && t->interactive);
        ASSERT_FALSE(t->privileged);
        ASSERT_STREQ(t->seccomp_profile, "/etc/nyx/seccomp.json");
        ASSERT_TRUE(t->oom_score_adj_set);
        ASSERT_EQ(t->oom_score_adj, -100);
        ASSERT_EQ(t->n_mounts, 3);
        ASSERT_EQ(t->mounts[0].type, MOUNT_TYPE_BIND);
        ASSERT_TRUE(t->mounts[0].read_only && t->mounts[0].create_source);
        ASSERT_EQ(t->mounts[1].type, MOUNT_TYPE_VOLUME);
        ASSERT_TRUE(t->mounts[1].no_copy);
        ASSERT_EQ(t->mounts[2].type, MOUNT_TYPE_TMPFS);
        ASSERT_STRV(t->mounts[2].tmpfs_options, "size=1m", "exec");
        ASSERT_STRV(t->sysctls, "net.core.somaxconn=1024");
        ASSERT_EQ(t->network.type, NETWORK_MODE_NETWORK);
        ASSERT_STREQ(t->network.name, "backend");
        ASSERT_STREQ(t->log_tag, "web");
}

TEST(json_of_an_empty_spec_is_an_empty_object_and_parses_to_defaults) {
        _cleanup_(container_spec_freep) ContainerSpec *s = new_spec(), *t = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;

        ASSERT_OK(container_spec_to_json(s, &o));
        ASSERT_STREQ(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), "{}");
        ASSERT_OK(container_spec_from_json(o, &t, NULL));
        ASSERT_EQ(t->network.type, NETWORK_MODE_BRIDGE);
        ASSERT_EQ(t->restart.type, RESTART_POLICY_NO);
        ASSERT_NULL(t->entrypoint);
        ASSERT_EQ(t->stop_signal, 0);
}

TEST(json_uses_flag_syntax_for_structured_lists) {
        _cleanup_(container_spec_freep) ContainerSpec *s = full_spec();
        _cleanup_(json_object_putp) json_object *o = NULL;
        json_object *v;

        ASSERT_OK(container_spec_to_json(s, &o));
        ASSERT_TRUE(json_object_object_get_ex(o, "ulimits", &v));
        ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(v, 0)), "nofile=1024:2048");
        ASSERT_TRUE(json_object_object_get_ex(o, "mounts", &v));
        ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(v, 0)),
                     "type=bind,source=/srv/www,target=/usr/share/nginx/html,readonly,bind-create-src");
        ASSERT_TRUE(json_object_object_get_ex(o, "tmpfs", &v));
        ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(v, 0)), "/run:size=1m,exec");
        ASSERT_TRUE(json_object_object_get_ex(o, "restart", &v));
        ASSERT_STREQ(json_object_get_string(v), "on-failure:4");
        ASSERT_TRUE(json_object_object_get_ex(o, "stopSignal", &v));
        ASSERT_STREQ(json_object_get_string(v), "SIGQUIT");
        ASSERT_TRUE(json_object_object_get_ex(o, "network", &v));
        ASSERT_STREQ(json_object_get_string(v), "backend");
}

static void check_json_refused(const char *text, const char *frag) {
        _cleanup_(json_object_putp) json_object *o = json_tokener_parse(text);
        _cleanup_(container_spec_freep) ContainerSpec *s = NULL;
        char *reason = NULL;

        if (!o)
                test_fail("test JSON does not parse: %s", text);
        check_refused(text, container_spec_from_json(o, &s, &reason), &reason, frag, NULL);
        ASSERT_NULL(s);
}

TEST(json_refuses_unknown_options) {
        check_json_refused("{\"memroy\": 1}", "unknown container option 'memroy'");
}

TEST(json_refuses_wrong_types) {
        check_json_refused("{\"memory\": \"64m\"}", "option 'memory' must be an integer");
        check_json_refused("{\"tty\": 1}", "option 'tty' must be a boolean");
        check_json_refused("{\"env\": \"A=1\"}", "option 'env' must be an array of strings");
        check_json_refused("{\"env\": [1]}", "option 'env' must be an array of strings");
        check_json_refused("{\"labels\": {\"a\": 1}}", "option 'labels' must be an object of strings");
        check_json_refused("{\"name\": 5}", "option 'name' must be a string");
        check_json_refused("[]", "must be a JSON object");
}

TEST(json_refuses_out_of_range_numbers) {
        check_json_refused("{\"memory\": -5}", "option 'memory' is out of range");
        check_json_refused("{\"oomScoreAdj\": 2000}", "option 'oomScoreAdj' is out of range");
        check_json_refused("{\"cpuShares\": 300000}", "option 'cpuShares' is out of range");
}

TEST(json_validates_values_with_the_flag_parsers) {
        check_json_refused("{\"ulimits\": [\"nofile=x\"]}", "--ulimit nofile=x");
        check_json_refused("{\"mounts\": [\"type=bind,target=/x\"]}", "source is required");
        check_json_refused("{\"mounts\": [\"type=tmpfs,target=/x\"]}", "belong in option 'tmpfs'");
        check_json_refused("{\"tmpfs\": [\"/x:bogus\"]}", "invalid tmpfs option");
        check_json_refused("{\"sysctls\": {\"kernel.panic\": \"1\"}}", "sysctl 'kernel.panic' is not allowed");
        check_json_refused("{\"capAdd\": [\"CAP_FLY\"]}", "unknown capability");
        check_json_refused("{\"restart\": \"sometimes\"}", "--restart sometimes");
        check_json_refused("{\"stopSignal\": \"SIGNOPE\"}", "--stop-signal SIGNOPE");
        check_json_refused("{\"network\": \"container:\"}", "--network");
        check_json_refused("{\"workingDir\": \"rel\"}", "absolute path");
        check_json_refused("{\"hostname\": \"-bad\"}", "invalid hostname");
        check_json_refused("{\"name\": \"/web\"}", "invalid container name");
        check_json_refused("{\"id\": \"abc\"}", "invalid container id");
        check_json_refused("{\"env\": [\"=x\"]}", "name must not be empty");
        check_json_refused("{\"mounts\": [\"type=bind,source=/a,target=/x\"], \"tmpfs\": [\"/x\"]}", "duplicate mount point");
}

TEST(json_runs_the_cross_field_checks) {
        check_json_refused("{\"memorySwap\": 100000000}", "set the memory limit");
        check_json_refused("{\"restart\": \"always\", \"autoRemove\": true}", "--restart and --rm");
        check_json_refused("{\"network\": \"host\", \"sysctls\": {\"net.core.somaxconn\": \"1\"}}", "--network host");
}

TEST(json_entrypoint_with_one_empty_string_means_none) {
        _cleanup_(json_object_putp) json_object *o = json_tokener_parse("{\"entrypoint\": [\"\"]}");
        _cleanup_(container_spec_freep) ContainerSpec *s = NULL;

        ASSERT_OK(container_spec_from_json(o, &s, NULL));
        ASSERT_NOT_NULL(s->entrypoint);
        ASSERT_EQ(strv_length(s->entrypoint), 0);
}

TEST(json_stop_timeout_minus_one_is_infinity) {
        _cleanup_(json_object_putp) json_object *o = json_tokener_parse("{\"stopTimeoutUSec\": -1}"), *back = NULL;
        _cleanup_(container_spec_freep) ContainerSpec *s = NULL;
        json_object *v;

        ASSERT_OK(container_spec_from_json(o, &s, NULL));
        ASSERT_TRUE(s->stop_timeout_set && s->stop_timeout_usec == STOP_TIMEOUT_INFINITY);
        ASSERT_OK(container_spec_to_json(s, &back));
        ASSERT_TRUE(json_object_object_get_ex(back, "stopTimeoutUSec", &v));
        ASSERT_EQ(json_object_get_int64(v), -1);
}
