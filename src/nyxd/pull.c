/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "image-ref.h"
#include "image-store.h"
#include "oci-manifest.h"
#include "path-util.h"
#include "pull.h"
#include "registry-client.h"
#include "string-util.h"
#include "strv.h"
#include "unpack-worker.h"

#define PARALLEL_LAYERS 4

void pull_options_done(PullOptions *o) {
        free(o->reference);
        free(o->platform);
        free(o->cert_dir);
        free(o->username);
        free(o->password);
}

typedef struct LayerJob {
        const char *state_dir;
        RegistryClient *client;       /* one per job: curl handles are not shared */
        const char *repo;
        const OciDescriptor *desc;
        const char *diff_id;
        uint64_t max_bytes;
        bool have_blob;               /* already in the store */
        bool have_layer;
        char *blob_staging;           /* downloaded, verified, not yet renamed */
        int lock_fd;
        int r;
        char *reason;
} LayerJob;

static void layer_job_done(LayerJob *j) {
        if (j->blob_staging) {
                (void) unlink(j->blob_staging);
                free(j->blob_staging);
        }
        registry_client_free(j->client);
        safe_close(j->lock_fd);
        free(j->reason);
}

static void set_reason(char **reason, const char *digest, const char *what, const char *detail) {
        free(*reason);
        if (asprintf(reason, "layer %s: %s%s", digest, what, strempty(detail)) < 0)
                *reason = NULL;
}

static void *download_layer(void *userdata) {
        LayerJob *j = userdata;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *name = NULL;
        int r;

        if (j->have_blob)
                return NULL;

        name = strjoin("blob-", j->desc->digest + strlen("sha256:"), "-XXXXXX");
        if (!name) {
                j->r = -ENOMEM;
                return NULL;
        }
        if (asprintf(&j->blob_staging, "%s/tmp/%s", j->state_dir, name) < 0) {
                j->blob_staging = NULL;
                j->r = -ENOMEM;
                return NULL;
        }
        fd = mkostemp(j->blob_staging, O_CLOEXEC);
        if (fd < 0) {
                j->r = -errno;
                j->blob_staging = mfree(j->blob_staging);
                return NULL;
        }

        r = registry_fetch_blob(j->client, j->repo, j->desc->digest, j->desc->size, fd, NULL, NULL, &j->reason);
        if (r < 0)
                j->r = r;
        return NULL;
}

static void *unpack_layer(void *userdata) {
        LayerJob *j = userdata;
        _cleanup_free_ char *staging = NULL, *final = NULL, *blob_path = NULL, *reason = NULL;
        _cleanup_close_ int in = -EBADF, dir = -EBADF;
        UnpackOptions opts = {
                .max_uncompressed_bytes = j->max_bytes,
                .allow_devices = false,
                .preserve_ownership = geteuid() == 0,
        };
        UnpackResult result;
        int r;

        if (j->r < 0 || j->have_layer)
                return NULL;

        r = image_store_blob_path(j->state_dir, j->desc->digest, &blob_path);
        if (r < 0)
                goto fail;
        in = open(j->blob_staging ?: blob_path, O_RDONLY | O_CLOEXEC);
        if (in < 0) {
                r = -errno;
                goto fail;
        }
        r = image_store_make_staging(j->state_dir, "layer", &staging);
        if (r < 0)
                goto fail;
        dir = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) {
                r = -errno;
                goto fail;
        }

        r = unpack_in_worker(in, dir, &opts, &result, &reason);
        if (r < 0) {
                set_reason(&j->reason, j->desc->digest, reason ?: strerror(-r), NULL);
                goto fail;
        }
        if (!streq(result.diff_id, j->diff_id)) {
                r = -EBADMSG;
                set_reason(&j->reason, j->desc->digest, "its content does not have the diff_id of the image config, ",
                           j->diff_id);
                goto fail;
        }

        r = image_store_layer_path(j->state_dir, j->diff_id, &final);
        if (r < 0)
                goto fail;
        if (rename(staging, final) < 0) {
                r = -errno;
                if (r == -EEXIST || r == -ENOTEMPTY)
                        r = 0;   /* somebody else finished the same layer first */
                else
                        goto fail;
        } else
                staging = mfree(staging);
        if (staging)
                (void) rm_rf(staging);
        return NULL;

fail:
        if (staging)
                (void) rm_rf(staging);
        j->r = r;
        return NULL;
}

static int run_parallel(LayerJob *jobs, size_t n, void *(*fn)(void *)) {
        for (size_t i = 0; i < n; i += PARALLEL_LAYERS) {
                pthread_t threads[PARALLEL_LAYERS];
                size_t k = MIN((size_t) PARALLEL_LAYERS, n - i);
                size_t started = 0;

                for (size_t t = 0; t < k; t++) {
                        if (pthread_create(&threads[t], NULL, fn, &jobs[i + t]) != 0) {
                                fn(&jobs[i + t]);   /* no thread: do it here */
                                threads[t] = 0;
                                continue;
                        }
                        started++;
                }
                for (size_t t = 0; t < k; t++)
                        if (threads[t])
                                pthread_join(threads[t], NULL);
                (void) started;
        }
        for (size_t i = 0; i < n; i++)
                if (jobs[i].r < 0)
                        return jobs[i].r;
        return 0;
}

int pull_image(const char *state_dir, const PullOptions *o, char **ret_image_id, char **ret_name, char **ret_reason) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        _cleanup_(registry_client_freep) RegistryClient *client = NULL;
        _cleanup_(oci_manifest_freep) OciManifest *manifest = NULL;
        _cleanup_(oci_image_config_freep) OciImageConfig *config = NULL;
        _cleanup_free_ char *body = NULL, *media_type = NULL, *config_data = NULL, *name = NULL,
                *repo_ref = NULL, *user = NULL, *pass = NULL, *auth_file = NULL;
        char digest[SHA256_DIGEST_STRING_MAX];
        const char *why = NULL;
        LayerJob *jobs = NULL;
        size_t size, config_size, n_jobs = 0;
        RegistryClientOptions copts = {
                .insecure = !o->tls_verify,
                .ca_dir = o->cert_dir,
                .low_speed_time_sec = o->low_speed_time_sec,
        };
        int r;

        r = image_ref_parse(o->reference, &ref, &why);
        if (r < 0) {
                (void) asprintf(ret_reason, "invalid reference '%s': %s", o->reference, why ?: "invalid format");
                return r;
        }
        r = image_ref_to_string(ref, &name);
        if (r < 0)
                return r;

        auth_file = path_join(state_dir, "auth.json");
        if (!auth_file)
                return -ENOMEM;
        if (o->username) {
                copts.username = o->username;
                copts.password = o->password;
        } else if (registry_auth_lookup(auth_file, ref->domain, &user, &pass) >= 0) {
                copts.username = user;
                copts.password = pass;
        }

        r = registry_client_new(ref->domain, &copts, &client);
        if (r < 0) {
                (void) asprintf(ret_reason, "cannot talk to registry %s: %s", ref->domain, strerror(-r));
                return r;
        }

        r = registry_get_manifest(client, ref->path, ref->digest ?: ref->tag, &body, &size, &media_type, digest,
                                  ret_reason);
        if (r < 0)
                return r;

        if (streq(media_type, OCI_MEDIA_TYPE_INDEX) || streq(media_type, DOCKER_MEDIA_TYPE_MANIFEST_LIST)) {
                _cleanup_(oci_index_freep) OciIndex *idx = NULL;
                _cleanup_(oci_platform_done) OciPlatform want = {};
                const OciDescriptor *d;

                r = oci_index_parse(body, size, media_type, &idx, ret_reason);
                if (r < 0)
                        return r;
                r = o->platform ? oci_platform_parse(o->platform, &want) : oci_platform_host(&want);
                if (r < 0) {
                        (void) asprintf(ret_reason, "invalid --platform '%s' (expected os/arch[/variant])",
                                        strempty(o->platform));
                        return -EINVAL;
                }
                r = oci_index_select_platform(idx, want.os, want.architecture, want.variant, &d);
                if (r < 0) {
                        _cleanup_free_ char *have = NULL;
                        (void) oci_index_platforms_to_string(idx, &have);
                        (void) asprintf(ret_reason, "%s has no image for %s/%s%s%s (it has: %s)", name, want.os,
                                        want.architecture, want.variant ? "/" : "", strempty(want.variant),
                                        strempty(have));
                        return -ENOENT;
                }
                repo_ref = strdup(d->digest);
                if (!repo_ref)
                        return -ENOMEM;
                body = mfree(body);
                media_type = mfree(media_type);
                r = registry_get_manifest(client, ref->path, repo_ref, &body, &size, &media_type, digest, ret_reason);
                if (r < 0)
                        return r;
        }

        r = oci_manifest_parse(body, size, media_type, &manifest, ret_reason);
        if (r < 0)
                return r;

        r = registry_get_blob(client, ref->path, manifest->config.digest, 16 * 1024 * 1024, &config_data,
                              &config_size, ret_reason);
        if (r < 0)
                return r;
        r = oci_image_config_parse(config_data, config_size, &config, ret_reason);
        if (r < 0)
                return r;
        if (config->n_diff_ids != manifest->n_layers) {
                (void) asprintf(ret_reason, "%s: the manifest has %zu layers but the config lists %zu diff_ids",
                                name, manifest->n_layers, config->n_diff_ids);
                return -EBADMSG;
        }

        jobs = calloc(manifest->n_layers + 1, sizeof(LayerJob));
        if (!jobs)
                return -ENOMEM;
        for (size_t i = 0; i < manifest->n_layers; i++) {
                LayerJob *j = &jobs[n_jobs++];
                _cleanup_free_ char *lock = NULL;

                *j = (LayerJob) {
                        .state_dir = state_dir,
                        .repo = ref->path,
                        .desc = &manifest->layers[i],
                        .diff_id = config->diff_ids[i],
                        .max_bytes = o->max_layer_bytes,
                        .lock_fd = -EBADF,
                };
                if (manifest->layers[i].foreign) {
                        (void) asprintf(ret_reason, "layer %s is a foreign layer, which nyx does not fetch",
                                        manifest->layers[i].digest);
                        r = -EOPNOTSUPP;
                        goto finish;
                }
                /* One puller per layer at a time; the second finds it done. */
                lock = strjoin("layer-", config->diff_ids[i] + strlen("sha256:"));
                if (!lock) {
                        r = -ENOMEM;
                        goto finish;
                }
                r = image_store_lock(state_dir, lock, &j->lock_fd);
                if (r < 0)
                        goto finish;
                j->have_blob = image_store_has_blob(state_dir, j->desc->digest);
                j->have_layer = image_store_has_layer(state_dir, j->diff_id);
                if (!j->have_blob) {
                        r = registry_client_new(ref->domain, &copts, &j->client);
                        if (r < 0)
                                goto finish;
                }
        }

        r = run_parallel(jobs, n_jobs, download_layer);
        if (r >= 0)
                r = run_parallel(jobs, n_jobs, unpack_layer);
        if (r < 0) {
                for (size_t i = 0; i < n_jobs; i++)
                        if (jobs[i].r < 0) {
                                free(*ret_reason);
                                *ret_reason = TAKE_PTR(jobs[i].reason);
                                break;
                        }
                goto finish;
        }

        /* Everything verified: make it visible, layers and blobs first, the name last. */
        for (size_t i = 0; i < n_jobs; i++) {
                _cleanup_free_ char *path = NULL;

                if (!jobs[i].blob_staging)
                        continue;
                r = image_store_blob_path(state_dir, jobs[i].desc->digest, &path);
                if (r < 0)
                        goto finish;
                if (rename(jobs[i].blob_staging, path) < 0) {
                        r = -errno;
                        goto finish;
                }
                jobs[i].blob_staging = mfree(jobs[i].blob_staging);
        }
        r = image_store_write_blob(state_dir, manifest->config.digest, config_data, config_size);
        if (r >= 0)
                r = image_store_write_blob(state_dir, digest, body, size);
        if (r >= 0)
                r = image_store_set_name(state_dir, name, digest, media_type, size);
        if (r < 0) {
                (void) asprintf(ret_reason, "cannot write %s to the store: %s", name, strerror(-r));
                goto finish;
        }

        *ret_image_id = strdup(manifest->config.digest);
        *ret_name = TAKE_PTR(name);
        r = *ret_image_id ? 0 : -ENOMEM;

finish:
        for (size_t i = 0; i < n_jobs; i++)
                layer_job_done(&jobs[i]);
        free(jobs);
        return r;
}
