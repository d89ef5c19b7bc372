/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>

#include "container-spec.h"
#include "oci-runtime.h"
#include "output.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"
#include "user-resolve.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HOST_CAPS UINT64_C(0x1fffeffffff)       /* every capability but CAP_SYS_RESOURCE, like the CI machine */

static const char * const docker_caps[] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE",
};

/* ---- fixtures ---- */

typedef struct Fixture {
        ContainerSpec *spec;
        OciRuntimeContext ctx;
        OciHostFacts host;
        ResolvedUser *user;
        json_object *config;
        char *reason;
} Fixture;

static void fixture_done(Fixture *f) {
        container_spec_free(f->spec);
        resolved_user_free(f->user);
        json_object_put(f->config);
        free(f->reason);
        strv_free(f->host.extra_masked_paths);
}

static void fixture_init(Fixture *f) {
        *f = (Fixture) {};
        if (container_spec_new(&f->spec) < 0)
                abort();
        f->spec->name = strdup("web");
        f->spec->id = strdup(ID);
        f->spec->network.type = NETWORK_MODE_NONE;
        if (strv_extend(&f->spec->cmd, "sh") < 0)
                abort();

        f->host.capabilities = HOST_CAPS;
        f->host.rlimits_known = true;
        for (int i = 0; i < RLIMIT_NLIMITS; i++)
                f->host.rlimit_max[i] = 20000;
        f->host.kernel_major = 6;
        f->host.kernel_minor = 1;

        f->ctx.rootfs = "/var/lib/nyx/containers/" ID "/rootfs";
        f->ctx.run_dir = "/run/nyx/containers/" ID;
        f->ctx.host = &f->host;
}

/* Build; on failure the reason stays in f->reason. */
static int fixture_build(Fixture *f) {
        json_object_put(f->config);
        f->config = NULL;
        f->reason = mfree(f->reason);
        return oci_runtime_config_build(f->spec, &f->ctx, &f->config, &f->reason);
}

#define BUILD_OK(f)                                                                             \
        do {                                                                                    \
                int _r = fixture_build(f);                                                      \
                if (_r < 0)                                                                     \
                        test_fail("building config.json failed: %s (%s)", strerror(-_r), strna((f)->reason)); \
        } while (0)

#define BUILD_REFUSED(f, frag)                                                                  \
        do {                                                                                    \
                int _r = fixture_build(f);                                                      \
                if (_r != -EINVAL)                                                              \
                        test_fail("expected the build to be refused, got %d", _r);              \
                if (!(f)->reason || !strstr((f)->reason, (frag)))                               \
                        test_fail("expected a reason containing \"%s\", got \"%s\"", (frag), strna((f)->reason)); \
        } while (0)

/* "process.user.uid", "mounts.0.destination" */
static json_object *jget(json_object *o, const char *path) {
        _cleanup_free_ char *p = strdup(path);
        char *save = NULL;

        for (char *k = strtok_r(p, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
                if (json_object_is_type(o, json_type_array)) {
                        char *end;
                        long i = strtol(k, &end, 10);

                        o = *end ? NULL : json_object_array_get_idx(o, (size_t) i);
                } else if (!json_object_object_get_ex(o, k, &o))
                        o = NULL;
        }
        return o;
}

static const char *jstr(json_object *o, const char *path) {
        json_object *v = jget(o, path);

        return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool jarray_has_string(json_object *a, const char *s) {
        for (size_t i = 0; json_object_is_type(a, json_type_array) && i < json_object_array_length(a); i++)
                if (streq(json_object_get_string(json_object_array_get_idx(a, i)), s))
                        return true;
        return false;
}

static json_object *find_mount(json_object *config, const char *destination) {
        json_object *m = jget(config, "mounts");

        for (size_t i = 0; m && i < json_object_array_length(m); i++) {
                json_object *e = json_object_array_get_idx(m, i);

                if (streq_ptr(jstr(e, "destination"), destination))
                        return e;
        }
        return NULL;
}

static size_t mount_index(json_object *config, const char *destination) {
        json_object *m = jget(config, "mounts");

        for (size_t i = 0; m && i < json_object_array_length(m); i++)
                if (streq_ptr(jstr(json_object_array_get_idx(m, i), "destination"), destination))
                        return i;
        return SIZE_MAX;
}

static bool mount_has_option(json_object *config, const char *destination, const char *option) {
        return jarray_has_string(jget(find_mount(config, destination), "options"), option);
}

static bool env_has(json_object *config, const char *entry) {
        return jarray_has_string(jget(config, "process.env"), entry);
}

static bool env_has_key(json_object *config, const char *key) {
        json_object *e = jget(config, "process.env");
        size_t kl = strlen(key);

        for (size_t i = 0; e && i < json_object_array_length(e); i++) {
                const char *s = json_object_get_string(json_object_array_get_idx(e, i));

                if (strncmp(s, key, kl) == 0 && s[kl] == '=')
                        return true;
        }
        return false;
}

/* Is there a rule allowing syscall name unconditionally (no args)? */
static bool seccomp_allows(json_object *config, const char *name, bool with_args) {
        json_object *rules = jget(config, "linux.seccomp.syscalls");

        for (size_t i = 0; rules && i < json_object_array_length(rules); i++) {
                json_object *r = json_object_array_get_idx(rules, i);

                if (!streq_ptr(jstr(r, "action"), "SCMP_ACT_ALLOW"))
                        continue;
                if (!with_args && jget(r, "args"))
                        continue;
                if (jarray_has_string(jget(r, "names"), name))
                        return true;
        }
        return false;
}

static json_object *seccomp_rule_for(json_object *config, const char *name, const char *action) {
        json_object *rules = jget(config, "linux.seccomp.syscalls");

        for (size_t i = 0; rules && i < json_object_array_length(rules); i++) {
                json_object *r = json_object_array_get_idx(rules, i);

                if (streq_ptr(jstr(r, "action"), action) && jarray_has_string(jget(r, "names"), name))
                        return r;
        }
        return NULL;
}

static void add_flag_mount(ContainerSpec *s, int (*parse)(const char *, MountSpec *, char **), const char *v) {
        _cleanup_(mount_spec_done) MountSpec m = {};
        char *reason = NULL;

        if (parse(v, &m, &reason) < 0 || container_spec_add_mount(s, &m, &reason) < 0) {
                fprintf(stderr, "bad test mount %s: %s\n", v, strna(reason));
                abort();
        }
}

/* ---- the basics ---- */

TEST(config_has_oci_version_root_hostname_and_annotations) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(f.config, "ociVersion"), "1.0.2");
        ASSERT_STREQ(jstr(f.config, "root.path"), f.ctx.rootfs);
        ASSERT_FALSE(json_object_get_boolean(jget(f.config, "root.readonly")));
        ASSERT_STREQ(jstr(f.config, "hostname"), "0123456789ab");
        ASSERT_TRUE(json_object_object_get_ex(jget(f.config, "annotations"), "io.container.manager", NULL));
        {
                json_object *a = jget(f.config, "annotations"), *v;

                ASSERT_TRUE(json_object_object_get_ex(a, "io.container.manager", &v));
                ASSERT_STREQ(json_object_get_string(v), "nyx");
                ASSERT_TRUE(json_object_object_get_ex(a, "org.nyx.name", &v));
                ASSERT_STREQ(json_object_get_string(v), "web");
        }
}

TEST(process_defaults_follow_docker) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        BUILD_OK(&f);
        ASSERT_FALSE(json_object_get_boolean(jget(f.config, "process.terminal")));
        ASSERT_EQ(json_object_get_int(jget(f.config, "process.user.uid")), 0);
        ASSERT_EQ(json_object_get_int(jget(f.config, "process.user.gid")), 0);
        ASSERT_STREQ(jstr(f.config, "process.cwd"), "/");
        ASSERT_STREQ(jstr(f.config, "process.args.0"), "sh");
        ASSERT_FALSE(json_object_get_boolean(jget(f.config, "process.noNewPrivileges")));
        ASSERT_NULL(jget(f.config, "process.rlimits"));          /* never raise (or set) limits by default */
        ASSERT_NULL(jget(f.config, "process.oomScoreAdj"));
        ASSERT_TRUE(env_has(f.config, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
        ASSERT_TRUE(env_has(f.config, "HOSTNAME=0123456789ab"));
        ASSERT_TRUE(env_has(f.config, "container=nyx"));
        ASSERT_FALSE(env_has_key(f.config, "TERM"));
}

TEST(default_capabilities_are_dockers_fourteen_in_bounding_effective_and_permitted) {
        _cleanup_(fixture_done) Fixture f;
        static const char * const sets[] = { "bounding", "effective", "permitted" };

        fixture_init(&f);
        BUILD_OK(&f);
        for (size_t s = 0; s < ELEMENTSOF(sets); s++) {
                _cleanup_free_ char *path = strjoin("process.capabilities.", sets[s]);
                json_object *a = jget(f.config, path);

                ASSERT_NOT_NULL(a);
                ASSERT_EQ(json_object_array_length(a), ELEMENTSOF(docker_caps));
                for (size_t i = 0; i < ELEMENTSOF(docker_caps); i++)
                        if (!jarray_has_string(a, docker_caps[i]))
                                test_fail("%s lacks %s", sets[s], docker_caps[i]);
        }
        /* moby sets neither inheritable nor ambient capabilities */
        ASSERT_NULL(jget(f.config, "process.capabilities.inheritable"));
        ASSERT_NULL(jget(f.config, "process.capabilities.ambient"));
}

TEST(cap_add_and_cap_drop_change_all_three_sets) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        ASSERT_OK(strv_extend(&f.spec->cap_add, "CAP_NET_ADMIN"));
        ASSERT_OK(strv_extend(&f.spec->cap_drop, "CAP_NET_RAW"));
        BUILD_OK(&f);
        ASSERT_TRUE(jarray_has_string(jget(f.config, "process.capabilities.bounding"), "CAP_NET_ADMIN"));
        ASSERT_TRUE(jarray_has_string(jget(f.config, "process.capabilities.effective"), "CAP_NET_ADMIN"));
        ASSERT_FALSE(jarray_has_string(jget(f.config, "process.capabilities.permitted"), "CAP_NET_RAW"));
}

TEST(cap_add_of_a_capability_the_host_lacks_is_refused) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        ASSERT_OK(strv_extend(&f.spec->cap_add, "CAP_SYS_RESOURCE"));
        BUILD_REFUSED(&f, "--cap-add CAP_SYS_RESOURCE: capability CAP_SYS_RESOURCE is not available");
}

TEST(user_comes_from_the_resolved_image_user) {
        _cleanup_(fixture_done) Fixture f;
        json_object *g;

        fixture_init(&f);
        f.spec->user = strdup("app");
        ASSERT_OK(user_resolve_from_data("app:x:1000:1000::/home/app:\n", "extra:x:2000:app\n", "app", &f.user, NULL));
        f.ctx.user = f.user;
        BUILD_OK(&f);
        ASSERT_EQ(json_object_get_int(jget(f.config, "process.user.uid")), 1000);
        ASSERT_EQ(json_object_get_int(jget(f.config, "process.user.gid")), 1000);
        g = jget(f.config, "process.user.additionalGids");
        ASSERT_EQ(json_object_array_length(g), 2);
        ASSERT_EQ(json_object_get_int(json_object_array_get_idx(g, 0)), 1000);
        ASSERT_EQ(json_object_get_int(json_object_array_get_idx(g, 1)), 2000);
        ASSERT_TRUE(env_has(f.config, "HOME=/home/app"));
}

TEST(a_non_root_user_that_was_not_resolved_is_refused) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.ctx.image_user = "nginx";
        BUILD_REFUSED(&f, "--user nginx: the user was not resolved");
        f.ctx.image_user = "0:0";
        BUILD_OK(&f);
}

TEST(argv_follows_the_image_and_the_flags) {
        _cleanup_(fixture_done) Fixture f;
        char *ep[] = { "/entrypoint.sh", NULL }, *cmd[] = { "serve", NULL };

        fixture_init(&f);
        f.spec->cmd = strv_free(f.spec->cmd);
        f.ctx.image_entrypoint = ep;
        f.ctx.image_cmd = cmd;
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(f.config, "process.args.0"), "/entrypoint.sh");
        ASSERT_STREQ(jstr(f.config, "process.args.1"), "serve");
        ASSERT_NULL(jget(f.config, "process.args.2"));
}

TEST(nothing_to_run_is_refused) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.spec->cmd = strv_free(f.spec->cmd);
        BUILD_REFUSED(&f, "no command specified");
}

TEST(init_runs_the_command_below_the_bound_init_binary) {
        _cleanup_(fixture_done) Fixture f;
        json_object *m;

        fixture_init(&f);
        f.spec->init = true;
        f.ctx.init_path = "/usr/bin/catatonit";
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(f.config, "process.args.0"), OCI_INIT_PATH);
        ASSERT_STREQ(jstr(f.config, "process.args.1"), "--");
        ASSERT_STREQ(jstr(f.config, "process.args.2"), "sh");
        m = find_mount(f.config, OCI_INIT_PATH);
        ASSERT_NOT_NULL(m);
        ASSERT_STREQ(jstr(m, "source"), "/usr/bin/catatonit");
        ASSERT_TRUE(mount_has_option(f.config, OCI_INIT_PATH, "ro"));
}

TEST(init_without_an_init_binary_is_refused) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.spec->init = true;
        BUILD_REFUSED(&f, "--init: no init binary is configured");
}

TEST(cwd_comes_from_workdir_then_the_image) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.ctx.image_working_dir = "/app";
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(f.config, "process.cwd"), "/app");
        f.spec->working_dir = strdup("/srv");
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(f.config, "process.cwd"), "/srv");
}

TEST(a_relative_image_working_dir_is_refused) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.ctx.image_working_dir = "app";
        BUILD_REFUSED(&f, "WorkingDir 'app' is not an absolute path");
}

TEST(hostname_flag_wins_over_the_id) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.spec->hostname = strdup("box");
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(f.config, "hostname"), "box");
        ASSERT_TRUE(env_has(f.config, "HOSTNAME=box"));
}

TEST(root_must_be_an_absolute_path) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.ctx.rootfs = "rootfs";
        BUILD_REFUSED(&f, "root file system is not an absolute path");
}

TEST(spec_validation_runs_before_building) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.spec->memory_swap = 100 << 20;
        BUILD_REFUSED(&f, "--memory-swap");
}

/* ---- environment ---- */

TEST(env_merges_defaults_image_env_and_flags_as_docker) {
        _cleanup_(fixture_done) Fixture f;
        char *image_env[] = { "PATH=/opt/bin:/usr/bin", "LANG=C", "DEBUG=1", "container=oci", NULL };
        json_object *e;

        fixture_init(&f);
        f.spec->tty = true;
        f.ctx.image_env = image_env;
        ASSERT_OK(strv_extend(&f.spec->env, "LANG=C.UTF-8"));
        ASSERT_OK(strv_extend(&f.spec->env, "DEBUG"));
        ASSERT_OK(strv_extend(&f.spec->env, "EXTRA=x"));
        BUILD_OK(&f);
        e = jget(f.config, "process.env");
        ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(e, 0)), "PATH=/opt/bin:/usr/bin");
        ASSERT_TRUE(env_has(f.config, "TERM=xterm"));
        ASSERT_TRUE(env_has(f.config, "LANG=C.UTF-8"));
        ASSERT_TRUE(env_has(f.config, "EXTRA=x"));
        ASSERT_TRUE(env_has(f.config, "container=oci"));        /* the image may override it */
        ASSERT_FALSE(env_has_key(f.config, "DEBUG"));
}

TEST(env_home_is_not_replaced_when_set) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        ASSERT_OK(user_resolve_from_data("root:x:0:0::/root:\n", NULL, "", &f.user, NULL));
        f.ctx.user = f.user;
        ASSERT_OK(strv_extend(&f.spec->env, "HOME=/data"));
        BUILD_OK(&f);
        ASSERT_TRUE(env_has(f.config, "HOME=/data"));
        ASSERT_FALSE(env_has(f.config, "HOME=/root"));
}

/* ---- rlimits ---- */

TEST(ulimits_become_rlimits) {
        _cleanup_(fixture_done) Fixture f;
        json_object *r;

        fixture_init(&f);
        ASSERT_OK(container_spec_add_ulimit(f.spec, &(Ulimit) { RLIMIT_NOFILE, 1024, 2048 }));
        BUILD_OK(&f);
        r = jget(f.config, "process.rlimits.0");
        ASSERT_STREQ(jstr(r, "type"), "RLIMIT_NOFILE");
        ASSERT_EQ(json_object_get_int64(jget(r, "soft")), 1024);
        ASSERT_EQ(json_object_get_int64(jget(r, "hard")), 2048);
        ASSERT_NULL(jget(f.config, "process.rlimits.1"));
}

TEST(ulimit_above_the_hard_limit_is_refused_naming_the_limit) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        ASSERT_OK(container_spec_add_ulimit(f.spec, &(Ulimit) { RLIMIT_NOFILE, 1024, 30000 }));
        BUILD_REFUSED(&f, "--ulimit nofile=1024:30000: exceeds the hard limit 20000 this process may set");
}

TEST(ulimit_unlimited_is_refused_when_the_host_is_limited) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        ASSERT_OK(container_spec_add_ulimit(f.spec, &(Ulimit) { RLIMIT_CORE, RLIM_INFINITY, RLIM_INFINITY }));
        BUILD_REFUSED(&f, "--ulimit core=unlimited:unlimited: exceeds the hard limit 20000");
        f.host.rlimit_max[RLIMIT_CORE] = RLIM_INFINITY;
        BUILD_OK(&f);
        ASSERT_TRUE(json_object_get_uint64(jget(f.config, "process.rlimits.0.hard")) == UINT64_MAX);
}

TEST(ulimits_are_not_checked_when_the_host_is_unknown) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.ctx.host = NULL;
        ASSERT_OK(container_spec_add_ulimit(f.spec, &(Ulimit) { RLIMIT_NOFILE, 1, 1 << 30 }));
        BUILD_OK(&f);
}

TEST(host_facts_probe_reads_this_process) {
        _cleanup_(oci_host_facts_done) OciHostFacts h = {};
        struct rlimit rl;

        ASSERT_OK(oci_host_facts_probe(&h));
        ASSERT_TRUE(h.rlimits_known);
        ASSERT_TRUE(h.capabilities != 0 || getuid() != 0);
        ASSERT_TRUE(h.kernel_major >= 3);
        ASSERT_OK(RET_NERRNO(getrlimit(RLIMIT_NOFILE, &rl)));
        if (!(h.capabilities & (UINT64_C(1) << 24)))
                ASSERT_EQ(h.rlimit_max[RLIMIT_NOFILE], rl.rlim_max);
        else
                ASSERT_TRUE(h.rlimit_max[RLIMIT_NOFILE] >= rl.rlim_max);
}

TEST(no_new_privileges_and_oom_score_adj_are_passed) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.spec->no_new_privileges = true;
        f.spec->oom_score_adj_set = true;
        f.spec->oom_score_adj = 500;
        BUILD_OK(&f);
        ASSERT_TRUE(json_object_get_boolean(jget(f.config, "process.noNewPrivileges")));
        ASSERT_EQ(json_object_get_int(jget(f.config, "process.oomScoreAdj")), 500);
}

/* ---- mounts ---- */

TEST(default_mounts_are_dockers_in_dockers_order) {
        _cleanup_(fixture_done) Fixture f;
        static const struct {
                const char *dst, *type, *src, *opts;
        } want[] = {
                { "/proc", "proc", "proc", "nosuid,noexec,nodev" },
                { "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k" },
                { "/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5" },
                { "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro" },
                { "/sys/fs/cgroup", "cgroup", "cgroup", "ro,nosuid,noexec,nodev" },
                { "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev" },
                { "/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=67108864" },
        };

        fixture_init(&f);
        f.ctx.run_dir = NULL;
        BUILD_OK(&f);
        ASSERT_EQ(json_object_array_length(jget(f.config, "mounts")), ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                json_object *m = json_object_array_get_idx(jget(f.config, "mounts"), i), *o = jget(m, "options");
                char buf[256] = "";

                for (size_t k = 0; k < json_object_array_length(o); k++) {
                        if (k > 0)
                                strcat(buf, ",");
                        strcat(buf, json_object_get_string(json_object_array_get_idx(o, k)));
                }
                ASSERT_STREQ(jstr(m, "destination"), want[i].dst);
                ASSERT_STREQ(jstr(m, "type"), want[i].type);
                ASSERT_STREQ(jstr(m, "source"), want[i].src);
                ASSERT_STREQ(buf, want[i].opts);
        }
}

TEST(shm_size_sets_the_dev_shm_size) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.spec->shm_size = 128 << 20;
        BUILD_OK(&f);
        ASSERT_TRUE(mount_has_option(f.config, "/dev/shm", "size=134217728"));
}

TEST(etc_files_are_bound_from_the_run_dir) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(find_mount(f.config, "/etc/hosts"), "source"), "/run/nyx/containers/" ID "/hosts");
        ASSERT_STREQ(jstr(find_mount(f.config, "/etc/resolv.conf"), "source"), "/run/nyx/containers/" ID "/resolv.conf");
        ASSERT_STREQ(jstr(find_mount(f.config, "/etc/hostname"), "source"), "/run/nyx/containers/" ID "/hostname");
        ASSERT_STREQ(jstr(find_mount(f.config, "/etc/hosts"), "type"), "bind");
        ASSERT_TRUE(mount_has_option(f.config, "/etc/hosts", "rbind"));
        ASSERT_TRUE(mount_has_option(f.config, "/etc/hosts", "rprivate"));
        ASSERT_FALSE(mount_has_option(f.config, "/etc/hosts", "ro"));
}

TEST(a_user_mount_replaces_the_etc_file_at_the_same_place) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        add_flag_mount(f.spec, parse_volume_flag, "/srv/resolv.conf:/etc/resolv.conf:ro");
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(find_mount(f.config, "/etc/resolv.conf"), "source"), "/srv/resolv.conf");
        ASSERT_NOT_NULL(find_mount(f.config, "/etc/hosts"));
}

TEST(user_mounts_replace_defaults_and_a_dev_mount_replaces_all_below_dev) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        add_flag_mount(f.spec, parse_tmpfs_flag, "/dev/shm:size=1g");
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(find_mount(f.config, "/dev/shm"), "source"), "tmpfs");
        ASSERT_TRUE(mount_has_option(f.config, "/dev/shm", "size=1g"));

        fixture_done(&f);
        fixture_init(&f);
        add_flag_mount(f.spec, parse_volume_flag, "/dev:/dev");
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(find_mount(f.config, "/dev"), "type"), "bind");
        ASSERT_NULL(find_mount(f.config, "/dev/pts"));
        ASSERT_NULL(find_mount(f.config, "/dev/shm"));
        ASSERT_NULL(find_mount(f.config, "/dev/mqueue"));
        ASSERT_NOT_NULL(find_mount(f.config, "/proc"));
}

TEST(user_mounts_come_after_the_defaults_parents_before_children) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        add_flag_mount(f.spec, parse_tmpfs_flag, "/srv/app/cache");
        add_flag_mount(f.spec, parse_volume_flag, "/data/app:/srv/app");
        add_flag_mount(f.spec, parse_volume_flag, "/data/srv:/srv");
        BUILD_OK(&f);
        ASSERT_TRUE(mount_index(f.config, "/dev/shm") < mount_index(f.config, "/srv"));
        ASSERT_TRUE(mount_index(f.config, "/srv") < mount_index(f.config, "/srv/app"));
        ASSERT_TRUE(mount_index(f.config, "/srv/app") < mount_index(f.config, "/srv/app/cache"));
        ASSERT_TRUE(mount_index(f.config, "/srv") < mount_index(f.config, "/etc/hosts"));
}

TEST(bind_mounts_are_rbind_rprivate_and_rro_when_read_only) {
        _cleanup_(fixture_done) Fixture f;
        json_object *m;

        fixture_init(&f);
        add_flag_mount(f.spec, parse_volume_flag, "/srv/a:/a:ro");
        add_flag_mount(f.spec, parse_volume_flag, "/srv/b:/b");
        BUILD_OK(&f);
        m = find_mount(f.config, "/a");
        ASSERT_STREQ(jstr(m, "type"), "bind");
        ASSERT_STREQ(jstr(m, "source"), "/srv/a");
        ASSERT_TRUE(mount_has_option(f.config, "/a", "rbind"));
        ASSERT_TRUE(mount_has_option(f.config, "/a", "rprivate"));
        ASSERT_TRUE(mount_has_option(f.config, "/a", "rro"));
        ASSERT_FALSE(mount_has_option(f.config, "/b", "rro"));
        ASSERT_FALSE(mount_has_option(f.config, "/b", "ro"));
}

TEST(read_only_binds_fall_back_to_ro_on_old_kernels) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.host.kernel_major = 5;
        f.host.kernel_minor = 10;
        add_flag_mount(f.spec, parse_volume_flag, "/srv/a:/a:ro");
        BUILD_OK(&f);
        ASSERT_TRUE(mount_has_option(f.config, "/a", "ro"));
        ASSERT_FALSE(mount_has_option(f.config, "/a", "rro"));
}

TEST(bind_recursive_modes_choose_bind_and_ro_flavours) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        add_flag_mount(f.spec, parse_mount_flag, "type=bind,source=/x,target=/nonrec,readonly,bind-recursive=disabled");
        add_flag_mount(f.spec, parse_mount_flag, "type=bind,source=/x,target=/writable,readonly,bind-recursive=writable");
        add_flag_mount(f.spec, parse_mount_flag, "type=bind,source=/x,target=/rro,readonly,bind-recursive=readonly");
        BUILD_OK(&f);
        ASSERT_TRUE(mount_has_option(f.config, "/nonrec", "bind"));
        ASSERT_FALSE(mount_has_option(f.config, "/nonrec", "rbind"));
        ASSERT_TRUE(mount_has_option(f.config, "/nonrec", "ro"));
        ASSERT_TRUE(mount_has_option(f.config, "/writable", "rbind"));
        ASSERT_TRUE(mount_has_option(f.config, "/writable", "ro"));
        ASSERT_TRUE(mount_has_option(f.config, "/rro", "rro"));
        f.host.kernel_major = 4;
        BUILD_REFUSED(&f, "bind-recursive=readonly: recursive read-only mounts need Linux 5.12");
}

TEST(shared_and_slave_binds_set_the_root_propagation) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        BUILD_OK(&f);
        ASSERT_NULL(jget(f.config, "linux.rootfsPropagation"));
        add_flag_mount(f.spec, parse_volume_flag, "/a:/a:rslave");
        BUILD_OK(&f);
        ASSERT_TRUE(mount_has_option(f.config, "/a", "rslave"));
        ASSERT_STREQ(jstr(f.config, "linux.rootfsPropagation"), "rslave");
        add_flag_mount(f.spec, parse_volume_flag, "/b:/b:rshared");
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(f.config, "linux.rootfsPropagation"), "shared");
}

TEST(volumes_are_bound_from_the_directory_the_caller_resolved) {
        _cleanup_(fixture_done) Fixture f;
        OciVolumePath v[] = { { "/data", "/var/lib/nyx/volumes/pg/_data" } };

        fixture_init(&f);
        add_flag_mount(f.spec, parse_volume_flag, "pg:/data:ro");
        BUILD_REFUSED(&f, "the volume pg for /data was not resolved");
        f.ctx.volume_paths = v;
        f.ctx.n_volume_paths = 1;
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(find_mount(f.config, "/data"), "source"), "/var/lib/nyx/volumes/pg/_data");
        ASSERT_TRUE(mount_has_option(f.config, "/data", "rbind"));
        ASSERT_TRUE(mount_has_option(f.config, "/data", "rro"));
}

TEST(tmpfs_mounts_get_docker_options_merged_with_the_users) {
        _cleanup_(fixture_done) Fixture f;
        json_object *m;

        fixture_init(&f);
        add_flag_mount(f.spec, parse_tmpfs_flag, "/run:exec,size=64m");
        BUILD_OK(&f);
        m = find_mount(f.config, "/run");
        ASSERT_STREQ(jstr(m, "type"), "tmpfs");
        ASSERT_STREQ(jstr(m, "source"), "tmpfs");
        ASSERT_STREQ(jstr(m, "options.0"), "nosuid");
        ASSERT_STREQ(jstr(m, "options.1"), "nodev");
        ASSERT_STREQ(jstr(m, "options.2"), "exec");
        ASSERT_STREQ(jstr(m, "options.3"), "size=64m");
        ASSERT_STREQ(jstr(m, "options.4"), "rprivate");
        ASSERT_NULL(jget(m, "options.5"));
}

TEST(read_only_root_makes_defaults_and_etc_files_read_only_but_not_dev_proc_or_user_tmpfs) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.spec->read_only = true;
        add_flag_mount(f.spec, parse_tmpfs_flag, "/tmp");
        BUILD_OK(&f);
        ASSERT_TRUE(json_object_get_boolean(jget(f.config, "root.readonly")));
        ASSERT_TRUE(mount_has_option(f.config, "/sys", "ro"));
        ASSERT_TRUE(mount_has_option(f.config, "/sys/fs/cgroup", "ro"));
        ASSERT_TRUE(mount_has_option(f.config, "/etc/hosts", "ro"));
        ASSERT_TRUE(mount_has_option(f.config, "/etc/resolv.conf", "ro"));
        ASSERT_TRUE(mount_has_option(f.config, "/etc/hostname", "ro"));
        ASSERT_FALSE(mount_has_option(f.config, "/proc", "ro"));
        ASSERT_FALSE(mount_has_option(f.config, "/dev", "ro"));
        ASSERT_FALSE(mount_has_option(f.config, "/dev/pts", "ro"));
        ASSERT_FALSE(mount_has_option(f.config, "/dev/shm", "ro"));
        ASSERT_FALSE(mount_has_option(f.config, "/dev/mqueue", "ro"));
        ASSERT_FALSE(mount_has_option(f.config, "/tmp", "ro"));
}

/* ---- linux: namespaces, paths, sysctls ---- */

static bool has_namespace(json_object *config, const char *type, const char **ret_path) {
        json_object *a = jget(config, "linux.namespaces");

        for (size_t i = 0; a && i < json_object_array_length(a); i++) {
                json_object *n = json_object_array_get_idx(a, i);

                if (streq_ptr(jstr(n, "type"), type)) {
                        if (ret_path)
                                *ret_path = jstr(n, "path");
                        return true;
                }
        }
        return false;
}

TEST(namespaces_are_pid_ipc_uts_mount_cgroup_and_a_new_network_for_none) {
        _cleanup_(fixture_done) Fixture f;
        const char *path = "unset";

        fixture_init(&f);
        BUILD_OK(&f);
        ASSERT_TRUE(has_namespace(f.config, "pid", NULL));
        ASSERT_TRUE(has_namespace(f.config, "ipc", NULL));
        ASSERT_TRUE(has_namespace(f.config, "uts", NULL));
        ASSERT_TRUE(has_namespace(f.config, "mount", NULL));
        ASSERT_TRUE(has_namespace(f.config, "cgroup", NULL));
        ASSERT_TRUE(has_namespace(f.config, "network", &path));
        ASSERT_NULL(path);
        ASSERT_FALSE(has_namespace(f.config, "user", NULL));
        ASSERT_EQ(json_object_array_length(jget(f.config, "linux.namespaces")), 6);
}

TEST(bridge_joins_the_netns_the_caller_made) {
        _cleanup_(fixture_done) Fixture f;
        const char *path = NULL;

        fixture_init(&f);
        f.spec->network.type = NETWORK_MODE_BRIDGE;
        BUILD_REFUSED(&f, "--network bridge: no network namespace was set up");
        f.ctx.netns_path = "/run/nyx/netns/web";
        BUILD_OK(&f);
        ASSERT_TRUE(has_namespace(f.config, "network", &path));
        ASSERT_STREQ(path, "/run/nyx/netns/web");
}

TEST(host_network_has_no_network_namespace_and_no_net_sysctls) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.spec->network.type = NETWORK_MODE_HOST;
        f.ctx.netns_path = "/ignored";
        BUILD_OK(&f);
        ASSERT_FALSE(has_namespace(f.config, "network", NULL));
        ASSERT_NULL(jget(f.config, "linux.sysctl"));
}

TEST(container_network_joins_the_other_namespace_without_default_sysctls) {
        _cleanup_(fixture_done) Fixture f;
        const char *path = NULL;

        fixture_init(&f);
        ASSERT_OK(parse_network_mode("container:db", &f.spec->network, NULL));
        f.ctx.netns_path = "/proc/4242/ns/net";
        BUILD_OK(&f);
        ASSERT_TRUE(has_namespace(f.config, "network", &path));
        ASSERT_STREQ(path, "/proc/4242/ns/net");
        ASSERT_NULL(jget(f.config, "linux.sysctl"));
}

TEST(default_sysctls_allow_ping_and_low_ports_and_user_sysctls_win) {
        _cleanup_(fixture_done) Fixture f;
        json_object *s, *v;

        fixture_init(&f);
        ASSERT_OK(container_spec_set_sysctl(f.spec, "net.ipv4.ip_unprivileged_port_start", "1024"));
        ASSERT_OK(container_spec_set_sysctl(f.spec, "kernel.shmmax", "1000"));
        BUILD_OK(&f);
        s = jget(f.config, "linux.sysctl");
        ASSERT_TRUE(json_object_object_get_ex(s, "net.ipv4.ping_group_range", &v));
        ASSERT_STREQ(json_object_get_string(v), "0 2147483647");
        ASSERT_TRUE(json_object_object_get_ex(s, "net.ipv4.ip_unprivileged_port_start", &v));
        ASSERT_STREQ(json_object_get_string(v), "1024");
        ASSERT_TRUE(json_object_object_get_ex(s, "kernel.shmmax", &v));
        ASSERT_STREQ(json_object_get_string(v), "1000");
}

TEST(unprivileged_port_sysctl_needs_linux_4_11) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.host.kernel_major = 4;
        f.host.kernel_minor = 9;
        BUILD_OK(&f);
        ASSERT_FALSE(json_object_object_get_ex(jget(f.config, "linux.sysctl"), "net.ipv4.ip_unprivileged_port_start", NULL));
        ASSERT_TRUE(json_object_object_get_ex(jget(f.config, "linux.sysctl"), "net.ipv4.ping_group_range", NULL));
}

TEST(masked_and_readonly_paths_are_exactly_dockers) {
        _cleanup_(fixture_done) Fixture f;
        static const char * const masked[] = {
                "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats",
                "/sys/devices/virtual/powercap", "/sys/firmware",
        };
        static const char * const ro[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" };
        json_object *m, *r;

        fixture_init(&f);
        BUILD_OK(&f);
        m = jget(f.config, "linux.maskedPaths");
        r = jget(f.config, "linux.readonlyPaths");
        ASSERT_EQ(json_object_array_length(m), ELEMENTSOF(masked));
        for (size_t i = 0; i < ELEMENTSOF(masked); i++)
                ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(m, i)), masked[i]);
        ASSERT_EQ(json_object_array_length(r), ELEMENTSOF(ro));
        for (size_t i = 0; i < ELEMENTSOF(ro); i++)
                ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(r, i)), ro[i]);
}

TEST(thermal_throttle_directories_the_host_has_are_masked_too) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        ASSERT_OK(strv_extend(&f.host.extra_masked_paths, "/sys/devices/system/cpu/cpu0/thermal_throttle"));
        BUILD_OK(&f);
        ASSERT_TRUE(jarray_has_string(jget(f.config, "linux.maskedPaths"), "/sys/devices/system/cpu/cpu0/thermal_throttle"));
}

TEST(cgroups_path_is_passed_when_given) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        BUILD_OK(&f);
        ASSERT_NULL(jget(f.config, "linux.cgroupsPath"));
        f.ctx.cgroups_path = "/nyx.slice/nyx-web.service/payload";
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(f.config, "linux.cgroupsPath"), "/nyx.slice/nyx-web.service/payload");
}

/* ---- resources and devices ---- */

static void set_limits(ContainerSpec *s) {
        s->memory = 64 << 20;
        s->memory_swap = 128 << 20;
        s->cpu_quota_per_sec_usec = 1500000;
        s->cpu_shares = 512;
        s->pids_limit = 100;
}

TEST(resources_stay_out_of_the_config_unless_asked) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        set_limits(f.spec);
        BUILD_OK(&f);
        ASSERT_NULL(jget(f.config, "linux.resources"));
}

TEST(resources_when_asked_carry_memory_cpu_and_pids_but_never_device_rules) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        set_limits(f.spec);
        f.ctx.resources_in_config = true;
        BUILD_OK(&f);
        ASSERT_EQ(json_object_get_int64(jget(f.config, "linux.resources.memory.limit")), 64 << 20);
        ASSERT_EQ(json_object_get_int64(jget(f.config, "linux.resources.memory.swap")), 128 << 20);
        ASSERT_EQ(json_object_get_int64(jget(f.config, "linux.resources.cpu.shares")), 512);
        ASSERT_EQ(json_object_get_int64(jget(f.config, "linux.resources.cpu.quota")), 150000);
        ASSERT_EQ(json_object_get_int64(jget(f.config, "linux.resources.cpu.period")), 100000);
        ASSERT_EQ(json_object_get_int64(jget(f.config, "linux.resources.pids.limit")), 100);
        ASSERT_NULL(jget(f.config, "linux.resources.devices"));
}

TEST(resources_with_nothing_to_limit_are_omitted) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.ctx.resources_in_config = true;
        BUILD_OK(&f);
        ASSERT_NULL(jget(f.config, "linux.resources"));
}

TEST(devices_are_left_to_crun_unless_the_caller_lists_some) {
        _cleanup_(fixture_done) Fixture f;
        OciDevice d[] = { { .path = "/dev/fuse", .type = 'c', .major = 10, .minor = 229 } };

        fixture_init(&f);
        BUILD_OK(&f);
        ASSERT_NULL(jget(f.config, "linux.devices"));
        f.ctx.devices = d;
        f.ctx.n_devices = 1;
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(f.config, "linux.devices.0.path"), "/dev/fuse");
        ASSERT_STREQ(jstr(f.config, "linux.devices.0.type"), "c");
        ASSERT_EQ(json_object_get_int(jget(f.config, "linux.devices.0.major")), 10);
        ASSERT_EQ(json_object_get_int(jget(f.config, "linux.devices.0.fileMode")), 0666);
}

/* ---- privileged ---- */

TEST(privileged_gets_every_host_capability_no_seccomp_no_masks_and_writable_sys) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.spec->privileged = true;
        BUILD_OK(&f);
        ASSERT_EQ(json_object_array_length(jget(f.config, "process.capabilities.bounding")), 40);
        ASSERT_TRUE(jarray_has_string(jget(f.config, "process.capabilities.effective"), "CAP_SYS_ADMIN"));
        ASSERT_FALSE(jarray_has_string(jget(f.config, "process.capabilities.bounding"), "CAP_SYS_RESOURCE"));
        ASSERT_NULL(jget(f.config, "linux.seccomp"));
        ASSERT_NULL(jget(f.config, "linux.maskedPaths"));
        ASSERT_NULL(jget(f.config, "linux.readonlyPaths"));
        ASSERT_FALSE(mount_has_option(f.config, "/sys", "ro"));
        ASSERT_FALSE(mount_has_option(f.config, "/sys/fs/cgroup", "ro"));
}

/* ---- seccomp ---- */

TEST(embedded_default_profile_is_valid_docker_format) {
        _cleanup_(json_object_putp) json_object *p = json_tokener_parse(seccomp_default_profile_json);

        ASSERT_NOT_NULL(p);
        ASSERT_STREQ(jstr(p, "defaultAction"), "SCMP_ACT_ERRNO");
        ASSERT_NOT_NULL(jget(p, "archMap"));
        ASSERT_TRUE(json_object_array_length(jget(p, "syscalls")) > 30);
        ASSERT_TRUE(jarray_has_string(jget(p, "syscalls.0.names"), "read"));
}

TEST(seccomp_default_profile_is_applied_in_oci_form_for_x86_64) {
        _cleanup_(fixture_done) Fixture f;
        json_object *rules;

        fixture_init(&f);
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(f.config, "linux.seccomp.defaultAction"), "SCMP_ACT_ERRNO");
        ASSERT_EQ(json_object_get_int(jget(f.config, "linux.seccomp.defaultErrnoRet")), 1);
#if defined(__x86_64__)
        ASSERT_EQ(json_object_array_length(jget(f.config, "linux.seccomp.architectures")), 3);
        ASSERT_STREQ(jstr(f.config, "linux.seccomp.architectures.0"), "SCMP_ARCH_X86_64");
        ASSERT_STREQ(jstr(f.config, "linux.seccomp.architectures.1"), "SCMP_ARCH_X86");
        ASSERT_STREQ(jstr(f.config, "linux.seccomp.architectures.2"), "SCMP_ARCH_X32");
        ASSERT_TRUE(seccomp_allows(f.config, "arch_prctl", false));
        ASSERT_TRUE(seccomp_allows(f.config, "modify_ldt", false));
        ASSERT_FALSE(seccomp_allows(f.config, "s390_runtime_instr", false));
        ASSERT_FALSE(seccomp_allows(f.config, "riscv_flush_icache", false));
#endif
        /* docker-only keys are gone */
        ASSERT_NULL(jget(f.config, "linux.seccomp.archMap"));
        rules = jget(f.config, "linux.seccomp.syscalls");
        for (size_t i = 0; i < json_object_array_length(rules); i++) {
                json_object *r = json_object_array_get_idx(rules, i);

                ASSERT_NULL(jget(r, "includes"));
                ASSERT_NULL(jget(r, "excludes"));
                ASSERT_NULL(jget(r, "comment"));
                ASSERT_NOT_NULL(jget(r, "names"));
        }
        ASSERT_TRUE(seccomp_allows(f.config, "read", false));
        ASSERT_TRUE(seccomp_allows(f.config, "chroot", false));         /* CAP_SYS_CHROOT is a default */
        ASSERT_TRUE(seccomp_allows(f.config, "ptrace", false));         /* minKernel 4.8 holds */
}

TEST(seccomp_without_sys_admin_refuses_mount_and_namespace_clones) {
        _cleanup_(fixture_done) Fixture f;
        json_object *clone3;

        fixture_init(&f);
        BUILD_OK(&f);
        ASSERT_FALSE(seccomp_allows(f.config, "mount", true));
        ASSERT_FALSE(seccomp_allows(f.config, "unshare", true));
        ASSERT_FALSE(seccomp_allows(f.config, "setns", true));
        ASSERT_FALSE(seccomp_allows(f.config, "clone", false));         /* only with the CLONE_NEW* mask check */
        ASSERT_TRUE(seccomp_allows(f.config, "clone", true));
        clone3 = seccomp_rule_for(f.config, "clone3", "SCMP_ACT_ERRNO");
        ASSERT_NOT_NULL(clone3);
        ASSERT_EQ(json_object_get_int(jget(clone3, "errnoRet")), 38);   /* ENOSYS, so libc falls back to clone */
        ASSERT_FALSE(seccomp_allows(f.config, "bpf", true));
        ASSERT_FALSE(seccomp_allows(f.config, "reboot", true));
}

TEST(seccomp_with_cap_sys_admin_allows_mount_unshare_and_plain_clone) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        ASSERT_OK(strv_extend(&f.spec->cap_add, "CAP_SYS_ADMIN"));
        BUILD_OK(&f);
        ASSERT_TRUE(seccomp_allows(f.config, "mount", false));
        ASSERT_TRUE(seccomp_allows(f.config, "umount2", false));
        ASSERT_TRUE(seccomp_allows(f.config, "unshare", false));
        ASSERT_TRUE(seccomp_allows(f.config, "setns", false));
        ASSERT_TRUE(seccomp_allows(f.config, "clone", false));
        ASSERT_TRUE(seccomp_allows(f.config, "clone3", false));
        ASSERT_NULL(seccomp_rule_for(f.config, "clone3", "SCMP_ACT_ERRNO"));    /* excluded by CAP_SYS_ADMIN */
}

TEST(seccomp_includes_follow_each_added_capability) {
        static const struct {
                const char *cap, *syscall;
        } pairs[] = {
                { "CAP_SYS_PTRACE", "pidfd_getfd" },       { "CAP_SYS_PTRACE", "kcmp" },
                { "CAP_SYS_TIME", "settimeofday" },        { "CAP_SYS_MODULE", "init_module" },
                { "CAP_SYS_BOOT", "reboot" },              { "CAP_SYS_PACCT", "acct" },
                { "CAP_SYS_RAWIO", "iopl" },               { "CAP_SYS_NICE", "mbind" },
                { "CAP_SYSLOG", "syslog" },                { "CAP_BPF", "bpf" },
                { "CAP_PERFMON", "perf_event_open" },      { "CAP_DAC_READ_SEARCH", "open_by_handle_at" },
                { "CAP_SYS_TTY_CONFIG", "vhangup" },
        };

        for (size_t i = 0; i < ELEMENTSOF(pairs); i++) {
                _cleanup_(fixture_done) Fixture f;

                fixture_init(&f);
                BUILD_OK(&f);
                if (seccomp_allows(f.config, pairs[i].syscall, true))
                        test_fail("%s is allowed without %s", pairs[i].syscall, pairs[i].cap);
                ASSERT_OK(strv_extend(&f.spec->cap_add, pairs[i].cap));
                BUILD_OK(&f);
                if (!seccomp_allows(f.config, pairs[i].syscall, false))
                        test_fail("%s is not allowed with %s", pairs[i].syscall, pairs[i].cap);
        }
}

TEST(seccomp_drops_chroot_when_cap_sys_chroot_is_dropped) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        ASSERT_OK(strv_extend(&f.spec->cap_drop, "CAP_SYS_CHROOT"));
        BUILD_OK(&f);
        ASSERT_FALSE(seccomp_allows(f.config, "chroot", true));
}

TEST(seccomp_min_kernel_rules_are_left_out_on_old_kernels) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.host.kernel_major = 4;
        f.host.kernel_minor = 4;
        BUILD_OK(&f);
        ASSERT_FALSE(seccomp_allows(f.config, "ptrace", true));
        ASSERT_TRUE(seccomp_allows(f.config, "read", false));
}

TEST(seccomp_unconfined_means_no_filter) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.spec->seccomp_profile = strdup("unconfined");
        BUILD_OK(&f);
        ASSERT_NULL(jget(f.config, "linux.seccomp"));
}

static const char custom_profile[] =
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\","
        " \"archMap\":[{\"architecture\":\"SCMP_ARCH_AARCH64\",\"subArchitectures\":[\"SCMP_ARCH_ARM\"]},"
        "              {\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\"]}],"
        " \"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
        " \"syscalls\":["
        "   {\"name\":\"mkdir\",\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,\"comment\":\"legacy name\"},"
        "   {\"names\":[\"swapon\"],\"action\":\"SCMP_ACT_KILL\",\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
        "   {\"names\":[\"ioperm\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"caps\":[\"CAP_SYS_RAWIO\",\"CAP_CHOWN\"]}},"
        "   {\"names\":[\"uselib\"],\"action\":\"SCMP_ACT_ERRNO\",\"excludes\":{\"arches\":[\"amd64\"]}},"
        "   {\"names\":[\"kexec_load\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"minKernel\":\"99.0\"}},"
        "   {\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"}]}"
        " ]}";

TEST(custom_docker_format_profile_is_converted_like_the_default) {
        _cleanup_(fixture_done) Fixture f;
        json_object *mkdir_rule;

        fixture_init(&f);
        f.spec->seccomp_profile = strdup("/etc/nyx/custom.json");
        f.ctx.seccomp_profile_json = custom_profile;
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(f.config, "linux.seccomp.defaultAction"), "SCMP_ACT_ALLOW");
        ASSERT_STREQ(jstr(f.config, "linux.seccomp.flags.0"), "SECCOMP_FILTER_FLAG_LOG");
#if defined(__x86_64__)
        ASSERT_STREQ(jstr(f.config, "linux.seccomp.architectures.0"), "SCMP_ARCH_X86_64");
        ASSERT_STREQ(jstr(f.config, "linux.seccomp.architectures.1"), "SCMP_ARCH_X86");
        ASSERT_NULL(jget(f.config, "linux.seccomp.architectures.2"));
        ASSERT_NULL(seccomp_rule_for(f.config, "uselib", "SCMP_ACT_ERRNO"));
#endif
        mkdir_rule = seccomp_rule_for(f.config, "mkdir", "SCMP_ACT_ERRNO");
        ASSERT_NOT_NULL(mkdir_rule);
        ASSERT_EQ(json_object_get_int(jget(mkdir_rule, "errnoRet")), 13);
        ASSERT_NULL(jget(mkdir_rule, "name"));
        ASSERT_NULL(jget(mkdir_rule, "comment"));
        ASSERT_NOT_NULL(seccomp_rule_for(f.config, "swapon", "SCMP_ACT_KILL"));
        ASSERT_NULL(seccomp_rule_for(f.config, "ioperm", "SCMP_ACT_ERRNO"));   /* needs both caps */
        ASSERT_NULL(seccomp_rule_for(f.config, "kexec_load", "SCMP_ACT_ERRNO"));
        ASSERT_NOT_NULL(jget(seccomp_rule_for(f.config, "personality", "SCMP_ACT_ERRNO"), "args.0"));

        ASSERT_OK(strv_extend(&f.spec->cap_add, "CAP_SYS_ADMIN"));
        ASSERT_OK(strv_extend(&f.spec->cap_add, "CAP_SYS_RAWIO"));
        BUILD_OK(&f);
        ASSERT_NULL(seccomp_rule_for(f.config, "swapon", "SCMP_ACT_KILL"));
        ASSERT_NOT_NULL(seccomp_rule_for(f.config, "ioperm", "SCMP_ACT_ERRNO"));
}

TEST(custom_profile_applies_to_privileged_containers_too) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.spec->privileged = true;
        f.spec->seccomp_profile = strdup("/etc/nyx/custom.json");
        f.ctx.seccomp_profile_json = custom_profile;
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(f.config, "linux.seccomp.defaultAction"), "SCMP_ACT_ALLOW");
}

TEST(oci_form_profile_passes_through) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.spec->seccomp_profile = strdup("/p.json");
        f.ctx.seccomp_profile_json =
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
                "\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}]}";
        BUILD_OK(&f);
        ASSERT_STREQ(jstr(f.config, "linux.seccomp.architectures.0"), "SCMP_ARCH_X86_64");
        ASSERT_TRUE(seccomp_allows(f.config, "write", false));
}

TEST(bad_custom_profiles_are_refused_naming_the_file) {
        static const struct {
                const char *json, *frag;
        } bad[] = {
                { "{not json", "the profile is not valid JSON" },
                { "[]", "must be a JSON object" },
                { "{\"syscalls\":[]}", "'defaultAction' is missing" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
                  "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\"}]}", "both 'architectures' and 'archMap'" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"name\":\"a\",\"names\":[\"b\"],"
                  "\"action\":\"SCMP_ACT_ERRNO\"}]}", "both 'name' and 'names'" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"b\"]}]}", "'action' is missing" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_ERRNO\"}]}", "names no system call" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"b\"],\"action\":\"SCMP_ACT_ERRNO\","
                  "\"includes\":{\"minKernel\":\"four\"}}]}", "invalid minKernel" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}", "'syscalls' must be an array" },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(fixture_done) Fixture f;

                fixture_init(&f);
                f.spec->seccomp_profile = strdup("/etc/nyx/p.json");
                f.ctx.seccomp_profile_json = bad[i].json;
                BUILD_REFUSED(&f, bad[i].frag);
                if (!strstr(f.reason, "--security-opt seccomp=/etc/nyx/p.json"))
                        test_fail("reason does not name the profile: %s", f.reason);
        }
}

TEST(a_custom_profile_whose_content_was_not_loaded_is_refused) {
        _cleanup_(fixture_done) Fixture f;

        fixture_init(&f);
        f.spec->seccomp_profile = strdup("/etc/nyx/p.json");
        BUILD_REFUSED(&f, "--security-opt seccomp=/etc/nyx/p.json: the profile's content was not loaded");
}

TEST(seccomp_conversion_is_usable_on_its_own) {
        _cleanup_(json_object_putp) json_object *p = json_tokener_parse(seccomp_default_profile_json), *out = NULL;

        ASSERT_OK(oci_seccomp_from_docker_profile(p, capability_default_set(), 0, 0, &out, NULL));
        ASSERT_STREQ(jstr(out, "defaultAction"), "SCMP_ACT_ERRNO");
        ASSERT_NOT_NULL(jget(out, "syscalls.0.names"));
}

/* ---- the whole thing serializes ---- */

TEST(config_serializes_and_parses_back) {
        _cleanup_(fixture_done) Fixture f;
        _cleanup_(json_object_putp) json_object *back = NULL;

        fixture_init(&f);
        set_limits(f.spec);
        f.ctx.resources_in_config = true;
        ASSERT_OK(container_spec_add_ulimit(f.spec, &(Ulimit) { RLIMIT_NOFILE, 1024, 2048 }));
        add_flag_mount(f.spec, parse_tmpfs_flag, "/tmp");
        BUILD_OK(&f);
        back = json_tokener_parse(json_object_to_json_string(f.config));
        ASSERT_NOT_NULL(back);
        ASSERT_TRUE(json_object_equal(back, f.config));
}
