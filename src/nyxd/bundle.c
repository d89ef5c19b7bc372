/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bundle.h"
#include "fd-util.h"
#include "fileio.h"
#include "log.h"
#include "manager.h"
#include "network.h"
#include "nyx-errors.h"
#include "oci-runtime.h"
#include "output.h"
#include "path-util.h"
#include "prepare-config.h"
#include "seccomp-bpf.h"
#include "string-util.h"
#include "strv.h"
#include "user-resolve.h"
#include "volume.h"

/* A file of the image as the container will see it: from the topmost layer
 * that has it; a whiteout (or anything not a regular file) hides it. */
static int read_image_file(char * const *layers, const char *path, char **ret) {
        STRV_FOREACH(l, (char **) layers) {
                _cleanup_close_ int fd = open(*l, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                int r;

                if (fd < 0)
                        return -errno;
                r = read_file_in_root(fd, path, USER_DB_SIZE_MAX, ret, NULL);
                if (r == -ENOENT)
                        continue;
                if (r == -EBADFD) {
                        *ret = NULL;
                        return 0;
                }
                return r;
        }
        *ret = NULL;
        return 0;
}

/* /etc/hosts: localhost, the container's own name (on its address when it has one), --add-host. */
static int hosts_text(const ContainerSpec *s, const char *hostname, const char *address, char **ret) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n",
                address ?: "127.0.1.1", hostname);
        STRV_FOREACH(h, s->extra_hosts) {
                const char *colon = strchr(*h, ':');
                if (colon)
                        fprintf(f, "%s\t%.*s\n", colon + 1, (int) (colon - *h), *h);
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(text);
        return 0;
}

static int write_etc_files(Container *c, const char *hostname, const char *address) {
        _cleanup_free_ char *hosts = NULL, *hostname_file = NULL, *resolv = NULL, *resolv_src = NULL,
                *text = NULL;
        int r;

        hosts = path_join(c->dir, "hosts");
        hostname_file = path_join(c->dir, "hostname");
        resolv = path_join(c->dir, "resolv.conf");
        if (!hosts || !hostname_file || !resolv)
                return -ENOMEM;

        r = hosts_text(c->spec, hostname, address, &text);
        if (r < 0)
                return r;
        r = write_file_atomic(hosts, text, strlen(text), 0644);
        if (r < 0)
                return r;
        text = mfree(text);

        text = strjoin(hostname, "\n");
        if (!text)
                return -ENOMEM;
        r = write_file_atomic(hostname_file, text, strlen(text), 0644);
        if (r < 0)
                return r;

        /* --dns, else the host's resolvers, unless they are on loopback (useless in another netns). */
        if (c->spec->dns) {
                text = mfree(text);
                STRV_FOREACH(d, c->spec->dns) {
                        char *t = strjoin(strempty(text), "nameserver ", *d, "\n");
                        if (!t)
                                return -ENOMEM;
                        free(text);
                        text = t;
                }
                return write_file_atomic(resolv, text, strlen(text), 0644);
        }
        if (read_full_file("/etc/resolv.conf", 64 * 1024, &resolv_src, NULL) < 0 || strstr(resolv_src, "127.0.0."))
                resolv_src = mfree(resolv_src);
        return write_file_atomic(resolv, resolv_src ?: "", resolv_src ? strlen(resolv_src) : 0, 0644);
}

/* The volumes' host directories for config.json and what nyx-prepare does with them; the strings
 * point into the spec and the volumes, which outlive the bundle's writing. */
static int bundle_volumes(Container *c, OciVolumePath **ret_paths, PrepareVolume **ret_prepare, size_t *ret_n) {
        _cleanup_free_ OciVolumePath *paths = NULL;
        _cleanup_free_ PrepareVolume *prep = NULL;
        size_t n = 0;

        paths = calloc(c->spec->n_mounts + 1, sizeof(OciVolumePath));
        prep = calloc(c->spec->n_mounts + 1, sizeof(PrepareVolume));
        if (!paths || !prep)
                return -ENOMEM;
        for (size_t i = 0; i < c->spec->n_mounts; i++) {
                const MountSpec *ms = &c->spec->mounts[i];
                Volume *v;

                if (ms->type != MOUNT_TYPE_VOLUME)
                        continue;
                v = ms->source ? manager_find_volume(c->manager, ms->source) : NULL;
                if (!v)
                        return -ENOENT;
                paths[n] = (OciVolumePath) { ms->destination, v->data_dir };
                prep[n] = (PrepareVolume) {
                        .name = v->name,
                        .dir = v->dir,
                        .destination = ms->destination,
                        .populate = !ms->no_copy,
                        .image = v->image_path != NULL,
                };
                n++;
        }
        *ret_paths = TAKE_PTR(paths);
        *ret_prepare = TAKE_PTR(prep);
        *ret_n = n;
        return 0;
}

/* -v /host:/ctr: a missing host directory is created, as docker does. */
static int create_bind_sources(const ContainerSpec *s, char **ret_reason) {
        for (size_t i = 0; i < s->n_mounts; i++) {
                const MountSpec *ms = &s->mounts[i];
                int r;

                if (ms->type != MOUNT_TYPE_BIND || !ms->create_source || access(ms->source, F_OK) >= 0)
                        continue;
                r = mkdir_p(ms->source, 0755);
                if (r < 0) {
                        if (ret_reason)
                                (void) asprintf(ret_reason, "-v %s:%s: cannot create %s on the host: %s", ms->source,
                                                ms->destination, ms->source, strerror(-r));
                        return -EINVAL;
                }
        }
        return 0;
}

static int bundle_write_files(Container *c, const Image *image, char **ret_reason);

/* Volumes first (named ones are created on first use, anonymous ones get their names); when the rest
 * fails, the volumes this created go again. */
int bundle_write(Container *c, const Image *image, char **ret_reason) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **created = NULL;
        int r;

        r = manager_resolve_volumes(c->manager, c->spec, &created, &error);
        if (r < 0) {
                if (ret_reason && error.message)
                        *ret_reason = strdup(error.message);
                return sd_bus_error_has_name(&error, NYX_ERROR_INVALID_ARGUMENT) ? -EINVAL : r;
        }
        r = create_bind_sources(c->spec, ret_reason);
        if (r >= 0)
                r = bundle_write_files(c, image, ret_reason);
        if (r < 0) {
                manager_remove_volumes(c->manager, created);
                network_detach_container(c->manager, c->id);
        }
        return r;
}

/* crun compiles linux.seccomp with libseccomp at every start; hand it the program compiled once (and
 * cached under the state dir) as run.oci.seccomp_bpf_data. When that fails, config.json keeps only
 * linux.seccomp and crun compiles it as before: it costs time, never the filter. */
static void bundle_precompile_seccomp(Container *c, json_object *config) {
        _cleanup_free_ char *cache = NULL, *reason = NULL;
        int r;

        cache = path_join(c->manager->state_dir, "seccomp-cache");
        r = cache ? oci_config_add_seccomp_bpf(config, cache, &reason) : -ENOMEM;
        if (r < 0)
                log_warning_errno(r, "Container %s: cannot precompile its seccomp filter, crun will compile it at "
                                  "every start: %s", c->name ?: c->id, reason ?: strerror(-r));
}

static int bundle_write_files(Container *c, const Image *image, char **ret_reason) {
        Manager *m = c->manager;
        _cleanup_(resolved_user_freep) ResolvedUser *user = NULL;
        _cleanup_(json_object_putp) json_object *config = NULL;
        _cleanup_strv_free_ char **layers = NULL;
        _cleanup_free_ char *passwd = NULL, *group = NULL, *bundle = NULL, *config_path = NULL,
                *rootfs = NULL, *upper = NULL, *work = NULL, *prepare = NULL, *profile = NULL,
                *hostname = NULL, *init = NULL;
        _cleanup_free_ OciVolumePath *volume_paths = NULL;
        _cleanup_free_ PrepareVolume *prepare_volumes = NULL;
        _cleanup_(container_networking_done) ContainerNetworking net = {};
        size_t n_volumes = 0;
        const char *effective_user;
        PrepareConfig pc;
        const char *s;
        int r;

        r = image_layer_dirs(m, image, &layers);
        if (r < 0)
                return r;
        r = bundle_volumes(c, &volume_paths, &prepare_volumes, &n_volumes);
        if (r < 0)
                return r;

        effective_user = container_spec_effective_user(c->spec, image->config->user);
        r = read_image_file(layers, "/etc/passwd", &passwd);
        if (r >= 0)
                r = read_image_file(layers, "/etc/group", &group);
        if (r < 0)
                return r;
        r = user_resolve_from_data(passwd, group, effective_user, &user, ret_reason);
        if (r < 0)
                return r;

        hostname = c->spec->hostname ? strdup(c->spec->hostname) : strndup(c->id, 12);
        if (!hostname)
                return -ENOMEM;
        r = network_attach_container(c, &net, ret_reason);
        if (r < 0)
                return r;
        r = write_etc_files(c, hostname, net.address);
        if (r < 0)
                return r;

        if (c->spec->seccomp_profile && c->spec->seccomp_profile[0] == '/') {
                r = read_full_file(c->spec->seccomp_profile, 4 * 1024 * 1024, &profile, NULL);
                if (r < 0) {
                        if (ret_reason)
                                (void) asprintf(ret_reason, "--security-opt seccomp=%s: cannot read it: %s",
                                                c->spec->seccomp_profile, strerror(-r));
                        return -EINVAL;
                }
        }

        if (c->spec->init && find_executable("catatonit", &init) < 0 && find_executable("tini", &init) < 0) {
                if (ret_reason)
                        *ret_reason = strdup("--init: neither catatonit nor tini is installed on the host");
                return -EINVAL;
        }

        if (!m->host_facts_probed) {
                r = oci_host_facts_probe(&m->host_facts);
                if (r < 0)
                        return r;
                m->host_facts_probed = true;
        }

        bundle = path_join(c->dir, "bundle");
        rootfs = path_join(c->dir, "rootfs");
        upper = path_join(c->dir, "upper");
        work = path_join(c->dir, "work");
        config_path = path_join(c->dir, "bundle/config.json");
        prepare = path_join(c->dir, "prepare.json");
        if (!bundle || !rootfs || !upper || !work || !config_path || !prepare)
                return -ENOMEM;
        r = mkdir_p(bundle, 0700);
        if (r < 0)
                return r;

        _cleanup_free_ char *cgroups_path = strjoin("/nyx.slice/", c->unit, "/payload");
        if (!cgroups_path)
                return -ENOMEM;
        OciRuntimeContext ctx = {
                .rootfs = rootfs,
                .run_dir = c->dir,
                .init_path = init,
                .user = user,
                .image_env = image->config->env,
                .image_entrypoint = image->config->entrypoint,
                .image_cmd = image->config->cmd,
                .image_working_dir = image->config->working_dir,
                .image_user = image->config->user,
                .seccomp_profile_json = profile,
                .volume_paths = volume_paths,
                .n_volume_paths = n_volumes,
                .host = &m->host_facts,
                .netns_path = net.netns,
                /* Where the unit's cgroup will be (nyx-prepare checks it against its own cgroup at
                 * every start and rewrites it only when it differs, e.g. after a rename). */
                .cgroups_path = cgroups_path,
        };
        r = oci_runtime_config_build(c->spec, &ctx, &config, ret_reason);
        if (r < 0)
                return r;
        bundle_precompile_seccomp(c, config);

        s = json_object_to_json_string_ext(config, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        r = write_file_atomic(config_path, s, strlen(s), 0600);
        if (r < 0)
                return r;

        pc = (PrepareConfig) {
                .id = c->id,
                .dir = c->dir,
                .rootfs = rootfs,
                .bundle = bundle,
                .upper = upper,
                .work = work,
                .lower = layers,
                .n_lower = strv_length(layers),
                .read_only = c->spec->read_only,
                .has_init = c->spec->init,
                .runtime = m->runtime_path,
                .volumes = prepare_volumes,
                .n_volumes = n_volumes,
                .network_mode = net.mode,
                .netns = net.netns,
                .networks = net.networks,
                .n_networks = net.n_networks,
                .ports = c->spec->ports,
                .n_ports = c->spec->n_ports,
        };
        return prepare_config_save(&pc, prepare);
}
