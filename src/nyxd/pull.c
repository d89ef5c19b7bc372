/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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
        int progress_fd;
        bool have_blob;               /* already in the store */
        bool have_layer;
        bool duplicate;               /* the same layer appears earlier in the image */
        char *blob_staging;           /* downloaded, verified, not yet renamed */
        char *layer_staging;          /* extracted, verified, not yet renamed */
        StoreLock lock;
        uint64_t last_report_usec;
        int r;
        char *reason;
} LayerJob;

static void layer_job_done(LayerJob *j) {
        if (j->blob_staging) {
                (void) unlink(j->blob_staging);
                free(j->blob_staging);
        }
        if (j->layer_staging) {
                (void) rm_rf(j->layer_staging);
                free(j->layer_staging);
        }
        registry_client_free(j->client);
        image_store_unlock(&j->lock);
        free(j->reason);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void report(int fd, const char *digest, const char *state, uint64_t done, uint64_t total) {
        char line[256];
        int n;

        if (fd < 0)
                return;
        n = snprintf(line, sizeof(line), "layer %s %s %" PRIu64 " %" PRIu64 "\n", digest, state, done, total);
        if (n > 0 && (size_t) n < sizeof(line))
                (void) write(fd, line, n);   /* progress is best effort */
}

static int on_download_progress(uint64_t done, uint64_t total, void *userdata) {
        LayerJob *j = userdata;
        uint64_t t = now_usec();

        /* A few updates a second are plenty for a human. */
        if (t - j->last_report_usec < 200 * 1000)
                return 0;
        j->last_report_usec = t;
        report(j->progress_fd, j->desc->digest, "downloading", done, total == UINT64_MAX ? j->desc->size : total);
        return 0;
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

        report(j->progress_fd, j->desc->digest, "downloading", 0, j->desc->size);
        r = registry_fetch_blob(j->client, j->repo, j->desc->digest, j->desc->size, fd, on_download_progress, j,
                                &j->reason);
        if (r < 0)
                j->r = r;
        else
                report(j->progress_fd, j->desc->digest, j->have_layer || j->duplicate ? "done" : "downloaded",
                       j->desc->size, j->desc->size);
        return NULL;
}

static void *unpack_layer(void *userdata) {
        LayerJob *j = userdata;
        _cleanup_free_ char *blob_path = NULL, *reason = NULL;
        _cleanup_close_ int in = -EBADF, dir = -EBADF;
        UnpackOptions opts = {
                .max_uncompressed_bytes = j->max_bytes,
                .allow_devices = false,
                .preserve_ownership = geteuid() == 0,
        };
        UnpackResult result;
        int r;

        if (j->r < 0 || j->have_layer || j->duplicate)
                return NULL;

        report(j->progress_fd, j->desc->digest, "extracting", j->desc->size, j->desc->size);
        r = image_store_blob_path(j->state_dir, j->desc->digest, &blob_path);
        if (r < 0)
                goto fail;
        in = open(j->blob_staging ?: blob_path, O_RDONLY | O_CLOEXEC);
        if (in < 0) {
                r = -errno;
                goto fail;
        }
        r = image_store_make_staging(j->state_dir, "layer", &j->layer_staging);
        if (r < 0)
                goto fail;
        dir = open(j->layer_staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
        report(j->progress_fd, j->desc->digest, "done", j->desc->size, j->desc->size);
        return NULL;

fail:
        j->r = r;
        return NULL;
}

typedef struct Pool {
        LayerJob *jobs;
        size_t n;
        size_t next;                  /* taken with an atomic add */
        void *(*fn)(void *);
} Pool;

static void *pool_thread(void *userdata) {
        Pool *p = userdata;

        for (;;) {
                size_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
                if (i >= p->n)
                        return NULL;
                p->fn(&p->jobs[i]);
        }
}

/* fn for every job, PARALLEL_LAYERS at a time: a thread that finishes one
 * layer takes the next, so one slow layer does not hold up the others. */
static int run_parallel(LayerJob *jobs, size_t n, void *(*fn)(void *)) {
        Pool pool = { .jobs = jobs, .n = n, .fn = fn };
        pthread_t threads[PARALLEL_LAYERS];
        size_t started = 0;

        for (size_t t = 0; t < MIN((size_t) PARALLEL_LAYERS, n); t++) {
                if (pthread_create(&threads[t], NULL, pool_thread, &pool) != 0)
                        break;
                started++;
        }
        if (started == 0)
                (void) pool_thread(&pool);   /* no thread at all: do it here */
        for (size_t t = 0; t < started; t++)
                pthread_join(threads[t], NULL);

        for (size_t i = 0; i < n; i++)
                if (jobs[i].r < 0)
                        return jobs[i].r;
        return 0;
}

static int compare_jobs_by_diff_id(const void *a, const void *b) {
        const LayerJob *x = *(LayerJob * const *) a, *y = *(LayerJob * const *) b;
        return strcmp(x->diff_id, y->diff_id);
}

/* One puller per layer at a time, so a layer is fetched and extracted once;
 * the second finds it done. Locks are taken in diff_id order, so that two
 * pulls sharing layers cannot deadlock; a layer listed twice is locked once. */
static int lock_layers(const char *state_dir, LayerJob *jobs, size_t n) {
        _cleanup_free_ LayerJob **order = NULL;
        int r;

        order = calloc(n + 1, sizeof(LayerJob *));
        if (!order)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                order[i] = &jobs[i];
        qsort(order, n, sizeof(LayerJob *), compare_jobs_by_diff_id);

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *what = NULL;

                if (i > 0 && streq(order[i]->diff_id, order[i - 1]->diff_id))
                        continue;
                what = strjoin("layer-", order[i]->diff_id + strlen("sha256:"));
                if (!what)
                        return -ENOMEM;
                r = image_store_lock(state_dir, what, &order[i]->lock);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Under the index lock: everything this pull relies on must still be in the
 * store (an image removed meanwhile may have taken it along), then blobs and
 * layers become visible, and the name last. */
static int commit(const char *state_dir, LayerJob *jobs, size_t n, const OciManifest *manifest,
                  const char *config_data, size_t config_size, const char *digest, const char *body, size_t size,
                  const char *media_type, const char *name, char **ret_reason) {
        _cleanup_(image_store_unlock) StoreLock lock = STORE_LOCK_NULL;
        int r;

        r = image_store_lock(state_dir, "index", &lock);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++)
                if ((jobs[i].have_blob && !image_store_has_blob(state_dir, jobs[i].desc->digest)) ||
                    (jobs[i].have_layer && !image_store_has_layer(state_dir, jobs[i].diff_id))) {
                        (void) asprintf(ret_reason, "layer %s was removed from the store during the pull; pull again",
                                        jobs[i].desc->digest);
                        return -ESTALE;
                }

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (!jobs[i].layer_staging)
                        continue;
                r = image_store_layer_path(state_dir, jobs[i].diff_id, &path);
                if (r < 0)
                        return r;
                if (rename(jobs[i].layer_staging, path) < 0)
                        return -errno;
                jobs[i].layer_staging = mfree(jobs[i].layer_staging);
        }
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (!jobs[i].blob_staging)
                        continue;
                r = image_store_blob_path(state_dir, jobs[i].desc->digest, &path);
                if (r < 0)
                        return r;
                if (rename(jobs[i].blob_staging, path) < 0)
                        return -errno;
                jobs[i].blob_staging = mfree(jobs[i].blob_staging);
        }
        r = image_store_write_blob(state_dir, manifest->config.digest, config_data, config_size);
        if (r < 0)
                return r;
        r = image_store_write_blob(state_dir, digest, body, size);
        if (r < 0)
                return r;
        return image_store_set_name_locked(state_dir, name, digest, media_type, size);
}

int pull_image(const char *state_dir, const PullOptions *o, char **ret_image_id, char **ret_name, char **ret_reason) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        _cleanup_(registry_client_freep) RegistryClient *client = NULL;
        _cleanup_(oci_manifest_freep) OciManifest *manifest = NULL;
        _cleanup_(oci_image_config_freep) OciImageConfig *config = NULL;
        _cleanup_free_ char *body = NULL, *media_type = NULL, *config_data = NULL, *name = NULL,
                *repo_ref = NULL, *user = NULL, *pass = NULL, *auth_file = NULL;
        char digest[SHA256_DIGEST_STRING_MAX];
        _cleanup_(image_store_unlock) StoreLock image_lock = STORE_LOCK_NULL;
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

        /* A second pull of the same image waits for the first, then finds
         * everything in the store: each blob is downloaded once. */
        {
                _cleanup_free_ char *what = strjoin("image-", digest + strlen("sha256:"));
                if (!what)
                        return -ENOMEM;
                r = image_store_lock(state_dir, what, &image_lock);
                if (r < 0)
                        return r;
        }

        if (image_store_read_blob(state_dir, manifest->config.digest, 16 * 1024 * 1024, &config_data,
                                  &config_size) < 0) {
                r = registry_get_blob(client, ref->path, manifest->config.digest, 16 * 1024 * 1024, &config_data,
                                      &config_size, ret_reason);
                if (r < 0)
                        return r;
        }
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

                *j = (LayerJob) {
                        .state_dir = state_dir,
                        .repo = ref->path,
                        .desc = &manifest->layers[i],
                        .diff_id = config->diff_ids[i],
                        .max_bytes = o->max_layer_bytes,
                        .progress_fd = o->progress_fd,
                        .lock = STORE_LOCK_NULL,
                };
                if (manifest->layers[i].foreign) {
                        (void) asprintf(ret_reason, "layer %s is a foreign layer, which nyx does not fetch",
                                        manifest->layers[i].digest);
                        r = -EOPNOTSUPP;
                        goto finish;
                }
                if (!image_ref_is_digest(j->diff_id)) {
                        (void) asprintf(ret_reason, "%s: the config's diff_id '%s' is not a sha256 digest", name,
                                        j->diff_id);
                        r = -EBADMSG;
                        goto finish;
                }
        }
        r = lock_layers(state_dir, jobs, n_jobs);
        if (r < 0)
                goto finish;
        for (size_t i = 0; i < n_jobs; i++) {
                LayerJob *j = &jobs[i];

                for (size_t k = 0; k < i; k++)
                        if (streq(jobs[k].diff_id, j->diff_id)) {
                                j->duplicate = true;   /* extracted once, by the first */
                                if (streq(jobs[k].desc->digest, j->desc->digest))
                                        j->have_blob = true;   /* and downloaded once */
                        }
                if (!j->have_blob)
                        j->have_blob = image_store_has_blob(state_dir, j->desc->digest);
                j->have_layer = image_store_has_layer(state_dir, j->diff_id);
                if (j->have_blob && (j->have_layer || j->duplicate))
                        report(o->progress_fd, j->desc->digest, "exists", j->desc->size, j->desc->size);
                else
                        report(o->progress_fd, j->desc->digest, "waiting", 0, j->desc->size);
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

        r = commit(state_dir, jobs, n_jobs, manifest, config_data, config_size, digest, body, size, media_type, name,
                   ret_reason);
        if (r < 0) {
                if (!*ret_reason)
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
