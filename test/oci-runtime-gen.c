/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A tiny driver for the bundle generator, for tests that run the result with the real crun:
 *
 *   oci-runtime-gen --rootfs DIR [--out FILE] [docker-like flags...] [--] [COMMAND ARGS...]
 *
 * It parses the flags with the parsers nyxctl uses, resolves --user against DIR/etc/passwd and
 * DIR/etc/group, probes the host (rlimits, capability bounding set, kernel), builds config.json with
 * oci_runtime_config_build() and writes it. On bad input it prints the reason and exits 2. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container-spec.h"
#include "fd-util.h"
#include "fileio.h"
#include "oci-runtime.h"
#include "output.h"
#include "string-util.h"
#include "strv.h"
#include "user-resolve.h"

static int fail(int r, char *reason, const char *what) {
        if (reason)
                fprintf(stderr, "oci-runtime-gen: %s\n", reason);
        else
                fprintf(stderr, "oci-runtime-gen: %s: %s\n", what, strerror(-r));
        free(reason);
        return r == -EINVAL ? 2 : 1;
}

static void usage(void) {
        printf("oci-runtime-gen --rootfs DIR [--out FILE] [--run-dir DIR] [--cgroups-path PATH]\n"
               "        [--network MODE] [--netns PATH] [--user U] [-e K=V] [--workdir DIR] [--hostname H]\n"
               "        [--name N] [--id ID] [--cap-add C] [--cap-drop C] [--privileged] [--read-only]\n"
               "        [--tmpfs DST[:OPTS]] [-v SPEC] [--mount SPEC] [--volume-path DST=HOSTDIR]\n"
               "        [--ulimit U] [--sysctl K=V] [--security-opt seccomp=X|no-new-privileges]\n"
               "        [--init --init-path P] [-t] [--shm-size S] [--memory M] [--pids-limit N]\n"
               "        [--cpus C] [--resources-in-config] [--entrypoint E] [--image-env K=V]\n"
               "        [--image-cmd ARG]... [--] [COMMAND ARGS...]\n");
}

int main(int argc, char **argv) {
        enum {
                ARG_ROOTFS = 0x100, ARG_OUT, ARG_RUN_DIR, ARG_CGROUPS_PATH, ARG_NETWORK, ARG_NETNS, ARG_WORKDIR,
                ARG_HOSTNAME, ARG_NAME, ARG_ID, ARG_CAP_ADD, ARG_CAP_DROP, ARG_PRIVILEGED, ARG_READ_ONLY,
                ARG_TMPFS, ARG_MOUNT, ARG_VOLUME_PATH, ARG_ULIMIT, ARG_SYSCTL, ARG_SECURITY_OPT, ARG_INIT,
                ARG_INIT_PATH, ARG_SHM_SIZE, ARG_MEMORY, ARG_PIDS_LIMIT, ARG_CPUS, ARG_RESOURCES,
                ARG_ENTRYPOINT, ARG_IMAGE_ENV, ARG_IMAGE_CMD,
        };
        static const struct option options[] = {
                { "help",                no_argument,       NULL, 'h' },
                { "rootfs",              required_argument, NULL, ARG_ROOTFS },
                { "out",                 required_argument, NULL, ARG_OUT },
                { "run-dir",             required_argument, NULL, ARG_RUN_DIR },
                { "cgroups-path",        required_argument, NULL, ARG_CGROUPS_PATH },
                { "network",             required_argument, NULL, ARG_NETWORK },
                { "netns",               required_argument, NULL, ARG_NETNS },
                { "user",                required_argument, NULL, 'u' },
                { "env",                 required_argument, NULL, 'e' },
                { "workdir",             required_argument, NULL, ARG_WORKDIR },
                { "hostname",            required_argument, NULL, ARG_HOSTNAME },
                { "name",                required_argument, NULL, ARG_NAME },
                { "id",                  required_argument, NULL, ARG_ID },
                { "cap-add",             required_argument, NULL, ARG_CAP_ADD },
                { "cap-drop",            required_argument, NULL, ARG_CAP_DROP },
                { "privileged",          no_argument,       NULL, ARG_PRIVILEGED },
                { "read-only",           no_argument,       NULL, ARG_READ_ONLY },
                { "tmpfs",               required_argument, NULL, ARG_TMPFS },
                { "volume",              required_argument, NULL, 'v' },
                { "mount",               required_argument, NULL, ARG_MOUNT },
                { "volume-path",         required_argument, NULL, ARG_VOLUME_PATH },
                { "ulimit",              required_argument, NULL, ARG_ULIMIT },
                { "sysctl",              required_argument, NULL, ARG_SYSCTL },
                { "security-opt",        required_argument, NULL, ARG_SECURITY_OPT },
                { "init",                no_argument,       NULL, ARG_INIT },
                { "init-path",           required_argument, NULL, ARG_INIT_PATH },
                { "tty",                 no_argument,       NULL, 't' },
                { "shm-size",            required_argument, NULL, ARG_SHM_SIZE },
                { "memory",              required_argument, NULL, ARG_MEMORY },
                { "pids-limit",          required_argument, NULL, ARG_PIDS_LIMIT },
                { "cpus",                required_argument, NULL, ARG_CPUS },
                { "resources-in-config", no_argument,       NULL, ARG_RESOURCES },
                { "entrypoint",          required_argument, NULL, ARG_ENTRYPOINT },
                { "image-env",           required_argument, NULL, ARG_IMAGE_ENV },
                { "image-cmd",           required_argument, NULL, ARG_IMAGE_CMD },
                {}
        };
        _cleanup_(container_spec_freep) ContainerSpec *spec = NULL;
        _cleanup_(resolved_user_freep) ResolvedUser *user = NULL;
        _cleanup_(json_object_putp) json_object *config = NULL;
        _cleanup_(oci_host_facts_done) OciHostFacts host = {};
        _cleanup_strv_free_ char **image_env = NULL, **image_cmd = NULL, **volume_args = NULL;
        _cleanup_free_ char *seccomp_json = NULL;
        _cleanup_free_ OciVolumePath *volume_paths = NULL;
        _cleanup_close_ int rootfs_fd = -EBADF;
        OciRuntimeContext ctx = {};
        const char *out = NULL;
        char *reason = NULL;
        int c, r;

        r = container_spec_new(&spec);
        if (r < 0)
                return fail(r, NULL, "allocating");
        spec->network.type = NETWORK_MODE_NONE;

        while ((c = getopt_long(argc, argv, "+hu:e:v:t", options, NULL)) >= 0) {
                _cleanup_(mount_spec_done) MountSpec m = {};
                char *s = NULL, *k = NULL, *val = NULL;
                Ulimit u;

                switch (c) {
                case 'h':
                        usage();
                        return 0;
                case ARG_ROOTFS:
                        ctx.rootfs = optarg;
                        break;
                case ARG_OUT:
                        out = optarg;
                        break;
                case ARG_RUN_DIR:
                        ctx.run_dir = optarg;
                        break;
                case ARG_CGROUPS_PATH:
                        ctx.cgroups_path = optarg;
                        break;
                case ARG_NETWORK:
                        network_mode_done(&spec->network);
                        r = parse_network_mode(optarg, &spec->network, &reason);
                        break;
                case ARG_NETNS:
                        ctx.netns_path = optarg;
                        break;
                case 'u':
                        r = free_and_strdup(&spec->user, optarg);
                        break;
                case 'e':
                        r = env_entry_validate(optarg, &reason);
                        if (r >= 0)
                                r = strv_extend(&spec->env, optarg);
                        break;
                case ARG_WORKDIR:
                        r = working_dir_validate(optarg, &reason);
                        if (r >= 0)
                                r = free_and_strdup(&spec->working_dir, optarg);
                        break;
                case ARG_HOSTNAME:
                        r = hostname_validate(optarg, &reason);
                        if (r >= 0)
                                r = free_and_strdup(&spec->hostname, optarg);
                        break;
                case ARG_NAME:
                        r = container_name_validate(optarg, &reason);
                        if (r >= 0)
                                r = free_and_strdup(&spec->name, optarg);
                        break;
                case ARG_ID:
                        r = free_and_strdup(&spec->id, optarg);
                        break;
                case ARG_CAP_ADD:
                case ARG_CAP_DROP:
                        r = parse_capability(c == ARG_CAP_ADD ? "--cap-add" : "--cap-drop", optarg, &s, &reason);
                        if (r >= 0)
                                r = strv_consume(c == ARG_CAP_ADD ? &spec->cap_add : &spec->cap_drop, s);
                        break;
                case ARG_PRIVILEGED:
                        spec->privileged = true;
                        break;
                case ARG_READ_ONLY:
                        spec->read_only = true;
                        break;
                case ARG_TMPFS:
                case 'v':
                case ARG_MOUNT:
                        r = c == ARG_TMPFS ? parse_tmpfs_flag(optarg, &m, &reason) :
                            c == 'v' ? parse_volume_flag(optarg, &m, &reason) : parse_mount_flag(optarg, &m, &reason);
                        if (r >= 0)
                                r = container_spec_add_mount(spec, &m, &reason);
                        break;
                case ARG_VOLUME_PATH:
                        r = strv_extend(&volume_args, optarg);
                        break;
                case ARG_ULIMIT:
                        r = parse_ulimit(optarg, &u, &reason);
                        if (r >= 0)
                                r = container_spec_add_ulimit(spec, &u);
                        break;
                case ARG_SYSCTL:
                        r = parse_sysctl(optarg, &k, &val, &reason);
                        if (r >= 0)
                                r = container_spec_set_sysctl(spec, k, val);
                        free(k);
                        free(val);
                        break;
                case ARG_SECURITY_OPT:
                        if (streq(optarg, "no-new-privileges") || streq(optarg, "no-new-privileges=true"))
                                spec->no_new_privileges = true;
                        else if (startswith(optarg, "seccomp=")) {
                                r = free_and_strdup(&spec->seccomp_profile, optarg + 8);
                                if (r >= 0 && !streq(spec->seccomp_profile, "unconfined")) {
                                        r = read_full_file(spec->seccomp_profile, 0, &seccomp_json, NULL);
                                        if (r < 0)
                                                return fail(r, NULL, spec->seccomp_profile);
                                }
                        } else {
                                fprintf(stderr, "oci-runtime-gen: --security-opt %s: not supported\n", optarg);
                                return 2;
                        }
                        break;
                case ARG_INIT:
                        spec->init = true;
                        break;
                case ARG_INIT_PATH:
                        ctx.init_path = optarg;
                        break;
                case 't':
                        spec->tty = true;
                        break;
                case ARG_SHM_SIZE:
                        r = parse_bytes_flag("--shm-size", optarg, &spec->shm_size, &reason);
                        break;
                case ARG_MEMORY:
                        r = parse_bytes_flag("--memory", optarg, &spec->memory, &reason);
                        break;
                case ARG_PIDS_LIMIT:
                        r = parse_pids_limit(optarg, &spec->pids_limit, &reason);
                        break;
                case ARG_CPUS:
                        r = parse_cpus(optarg, &spec->cpu_quota_per_sec_usec, &reason);
                        break;
                case ARG_RESOURCES:
                        ctx.resources_in_config = true;
                        break;
                case ARG_ENTRYPOINT:
                        spec->entrypoint = strv_free(spec->entrypoint);
                        spec->entrypoint = calloc(1, sizeof(char *));
                        r = !spec->entrypoint ? -ENOMEM : isempty(optarg) ? 0 : strv_extend(&spec->entrypoint, optarg);
                        break;
                case ARG_IMAGE_ENV:
                        r = strv_extend(&image_env, optarg);
                        break;
                case ARG_IMAGE_CMD:
                        r = strv_extend(&image_cmd, optarg);
                        break;
                default:
                        usage();
                        return 2;
                }
                if (r < 0)
                        return fail(r, reason, "parsing arguments");
        }

        for (int i = optind; i < argc; i++) {
                r = strv_extend(&spec->cmd, argv[i]);
                if (r < 0)
                        return fail(r, NULL, "parsing arguments");
        }

        if (!ctx.rootfs) {
                fprintf(stderr, "oci-runtime-gen: --rootfs is required\n");
                return 2;
        }

        r = container_spec_validate(spec, &reason);
        if (r < 0)
                return fail(r, reason, "validating");

        rootfs_fd = open(ctx.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfs_fd < 0)
                return fail(-errno, NULL, ctx.rootfs);
        r = user_resolve(rootfs_fd, container_spec_effective_user(spec, NULL), &user, &reason);
        if (r < 0)
                return fail(r, reason, "resolving the user");
        ctx.user = user;

        r = oci_host_facts_probe(&host);
        if (r < 0)
                return fail(r, NULL, "probing the host");
        ctx.host = &host;

        if (volume_args) {
                size_t n = strv_length(volume_args), i = 0;

                volume_paths = calloc(n, sizeof(OciVolumePath));
                if (!volume_paths)
                        return fail(-ENOMEM, NULL, "allocating");
                STRV_FOREACH(a, volume_args) {
                        char *eq = strchr(*a, '=');

                        if (!eq) {
                                fprintf(stderr, "oci-runtime-gen: --volume-path %s: expected DST=HOSTDIR\n", *a);
                                return 2;
                        }
                        *eq = 0;
                        volume_paths[i++] = (OciVolumePath) { *a, eq + 1 };
                }
                ctx.volume_paths = volume_paths;
                ctx.n_volume_paths = n;
        }

        ctx.image_env = image_env;
        ctx.image_cmd = image_cmd;
        ctx.seccomp_profile_json = seccomp_json;

        r = oci_runtime_config_build(spec, &ctx, &config, &reason);
        if (r < 0)
                return fail(r, reason, "building config.json");

        if (out) {
                const char *s = json_object_to_json_string_ext(config, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

                r = write_file_atomic(out, s, strlen(s), 0644);
                if (r < 0)
                        return fail(r, NULL, out);
        } else
                puts(json_object_to_json_string_ext(config, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));

        return 0;
}
