/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fd-util.h"
#include "fileio.h"
#include "image-archive.h"
#include "image-ref.h"
#include "image-store.h"
#include "oci-manifest.h"
#include "output.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "unpack-worker.h"

#define ARCHIVE_ENTRIES_MAX   100000U
#define ARCHIVE_META_MAX      (UINT64_C(4) * 1024 * 1024)   /* manifest.json, index.json */
#define ANNOTATION_REF_NAME   "org.opencontainers.image.ref.name"
#define ANNOTATION_FULL_NAME  "io.containerd.image.name"

static inline void archive_write_freep(struct archive **a) {
        if (*a)
                archive_write_free(*a);
}
static inline void archive_read_freep(struct archive **a) {
        if (*a)
                archive_read_free(*a);
}
static inline void rm_rf_and_freep(char **p) {
        if (*p) {
                (void) rm_rf(*p);
                free(*p);
        }
}
static inline void archive_entry_freep_(struct archive_entry **e) {
        if (*e)
                archive_entry_free(*e);
}
static inline void evp_md_ctx_freep(EVP_MD_CTX **c) {
        if (*c)
                EVP_MD_CTX_free(*c);
}

static int hex_of(const char *digest, const char **ret) {
        const char *hex = startswith(digest, "sha256:");

        if (!hex || !image_ref_is_digest(digest))
                return -EINVAL;
        *ret = hex;
        return 0;
}

/* ---- save ---- */

static int write_entry_data(struct archive *a, const char *path, const void *data, size_t size) {
        _cleanup_(archive_entry_freep_) struct archive_entry *e = archive_entry_new();

        if (!e)
                return -ENOMEM;
        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, size);
        archive_entry_set_mtime(e, 0, 0);
        if (archive_write_header(a, e) != ARCHIVE_OK)
                return -EIO;
        if (size > 0 && archive_write_data(a, data, size) != (la_ssize_t) size)
                return -EIO;
        return 0;
}

static int write_entry_blob(struct archive *a, const char *state_dir, const char *digest, char ***written) {
        _cleanup_(archive_entry_freep_) struct archive_entry *e = NULL;
        _cleanup_free_ char *src = NULL, *path = NULL, *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *hex;
        struct stat st;
        uint64_t left;
        int r;

        if (strv_contains(*written, digest))
                return 0;
        r = hex_of(digest, &hex);
        if (r < 0)
                return r;
        r = image_store_blob_path(state_dir, digest, &src);
        if (r < 0)
                return r;
        fd = open(src, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        path = strjoin("blobs/sha256/", hex);
        buf = malloc(1024 * 1024);
        e = archive_entry_new();
        if (!path || !buf || !e)
                return -ENOMEM;
        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, st.st_size);
        archive_entry_set_mtime(e, 0, 0);
        if (archive_write_header(a, e) != ARCHIVE_OK)
                return -EIO;
        for (left = st.st_size; left > 0;) {
                ssize_t n = read(fd, buf, MIN(left, (uint64_t) 1024 * 1024));
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO;   /* shrank under us */
                if (archive_write_data(a, buf, n) != n)
                        return -EIO;
                left -= n;
        }
        return strv_extend(written, digest);
}

int save_images(const char *state_dir, const SaveEntry *entries, size_t n, int out_fd, char **ret_reason) {
        _cleanup_(archive_write_freep) struct archive *a = NULL;
        _cleanup_(json_object_putp) json_object *index = json_object_new_object(), *docker = json_object_new_array();
        _cleanup_strv_free_ char **written = NULL;
        json_object *manifests = json_object_new_array();
        const char *s;
        int r;

        if (!index || !docker || !manifests) {
                json_object_put(manifests);
                return -ENOMEM;
        }
        json_object_object_add(index, "schemaVersion", json_object_new_int(2));
        json_object_object_add(index, "mediaType", json_object_new_string(OCI_MEDIA_TYPE_INDEX));
        json_object_object_add(index, "manifests", manifests);

        a = archive_write_new();
        if (!a)
                return -ENOMEM;
        if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
            archive_write_open_fd(a, out_fd) != ARCHIVE_OK) {
                (void) asprintf(ret_reason, "cannot write the archive: %s", archive_error_string(a) ?: "unknown error");
                return -EIO;
        }

        for (size_t k = 0; k < n; k++) {
                _cleanup_(oci_manifest_freep) OciManifest *m = NULL;
                _cleanup_free_ char *body = NULL, *cfg_path = NULL;
                json_object *d, *annotations, *entry, *layers, *tags;
                const char *hex;
                size_t size;

                r = image_store_read_blob(state_dir, entries[k].manifest_digest, OCI_MANIFEST_SIZE_MAX, &body, &size);
                if (r < 0) {
                        (void) asprintf(ret_reason, "cannot read manifest %s: %s", entries[k].manifest_digest,
                                        strerror(-r));
                        return r;
                }
                r = oci_manifest_parse(body, size, entries[k].media_type, &m, ret_reason);
                if (r < 0)
                        return r;

                r = write_entry_blob(a, state_dir, entries[k].manifest_digest, &written);
                if (r >= 0)
                        r = write_entry_blob(a, state_dir, m->config.digest, &written);
                for (size_t l = 0; r >= 0 && l < m->n_layers; l++)
                        r = write_entry_blob(a, state_dir, m->layers[l].digest, &written);
                if (r < 0) {
                        (void) asprintf(ret_reason, "cannot write %s: %s", entries[k].name ?: entries[k].manifest_digest,
                                        r == -EIO ? archive_error_string(a) ?: "write error" : strerror(-r));
                        return r;
                }

                d = json_object_new_object();
                json_object_object_add(d, "mediaType", json_object_new_string(m->media_type));
                json_object_object_add(d, "digest", json_object_new_string(entries[k].manifest_digest));
                json_object_object_add(d, "size", json_object_new_uint64(size));
                if (entries[k].name) {
                        _cleanup_(image_ref_freep) ImageRef *ref = NULL;

                        annotations = json_object_new_object();
                        json_object_object_add(annotations, ANNOTATION_FULL_NAME, json_object_new_string(entries[k].name));
                        if (image_ref_parse(entries[k].name, &ref, NULL) >= 0 && ref->tag)
                                json_object_object_add(annotations, ANNOTATION_REF_NAME, json_object_new_string(ref->tag));
                        json_object_object_add(d, "annotations", annotations);
                }
                json_object_array_add(manifests, d);

                /* docker's manifest.json: one entry per name. */
                r = hex_of(m->config.digest, &hex);
                if (r < 0)
                        return r;
                cfg_path = strjoin("blobs/sha256/", hex);
                if (!cfg_path)
                        return -ENOMEM;
                entry = json_object_new_object();
                json_object_object_add(entry, "Config", json_object_new_string(cfg_path));
                tags = json_object_new_array();
                if (entries[k].name) {
                        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
                        _cleanup_free_ char *familiar = NULL;

                        if (image_ref_parse(entries[k].name, &ref, NULL) >= 0 && image_ref_to_familiar(ref, &familiar) >= 0)
                                json_object_array_add(tags, json_object_new_string(familiar));
                }
                json_object_object_add(entry, "RepoTags", tags);
                layers = json_object_new_array();
                for (size_t l = 0; l < m->n_layers; l++) {
                        _cleanup_free_ char *lp = NULL;

                        r = hex_of(m->layers[l].digest, &hex);
                        if (r < 0)
                                return r;
                        lp = strjoin("blobs/sha256/", hex);
                        if (!lp)
                                return -ENOMEM;
                        json_object_array_add(layers, json_object_new_string(lp));
                }
                json_object_object_add(entry, "Layers", layers);
                json_object_array_add(docker, entry);
        }

        s = "{\"imageLayoutVersion\":\"1.0.0\"}";
        r = write_entry_data(a, "oci-layout", s, strlen(s));
        if (r >= 0) {
                s = json_object_to_json_string_ext(index, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
                r = write_entry_data(a, "index.json", s, strlen(s));
        }
        if (r >= 0) {
                s = json_object_to_json_string_ext(docker, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
                r = write_entry_data(a, "manifest.json", s, strlen(s));
        }
        if (r >= 0 && archive_write_close(a) != ARCHIVE_OK)
                r = -EIO;
        if (r < 0) {
                (void) asprintf(ret_reason, "cannot write the archive: %s",
                                r == -EIO ? archive_error_string(a) ?: "write error" : strerror(-r));
                return r;
        }
        return 0;
}

/* ---- what load and import have in common: staged blobs and layers, one commit ---- */

typedef struct StagedLayer {
        char *diff_id;
        char *blob_digest;         /* the blob it is extracted from */
        char *staging;             /* extracted, verified; NULL when the store has it */
        StoreLock lock;
} StagedLayer;

typedef struct StagedImage {
        char *name;
        char *manifest_digest;
        char *media_type;
        uint64_t manifest_size;
        char *config_digest;
} StagedImage;

typedef struct Stage {
        const char *state_dir;
        char *dir;                 /* STATE/tmp/load-XXXXXX: blobs by hex */
        StagedLayer *layers;
        size_t n_layers;
        StagedImage *images;
        size_t n_images;
        uint64_t max_layer_bytes;
} Stage;

static void stage_done(Stage *s) {
        for (size_t i = 0; i < s->n_layers; i++) {
                free(s->layers[i].diff_id);
                free(s->layers[i].blob_digest);
                if (s->layers[i].staging) {
                        (void) rm_rf(s->layers[i].staging);
                        free(s->layers[i].staging);
                }
                image_store_unlock(&s->layers[i].lock);
        }
        free(s->layers);
        for (size_t i = 0; i < s->n_images; i++) {
                free(s->images[i].name);
                free(s->images[i].manifest_digest);
                free(s->images[i].media_type);
                free(s->images[i].config_digest);
        }
        free(s->images);
        if (s->dir) {
                (void) rm_rf(s->dir);
                free(s->dir);
        }
}

static int stage_blob_path(Stage *s, const char *digest, char **ret) {
        const char *hex;
        int r;

        r = hex_of(digest, &hex);
        if (r < 0)
                return r;
        *ret = path_join(s->dir, hex);
        return *ret ? 0 : -ENOMEM;
}

static bool stage_has_blob(Stage *s, const char *digest) {
        _cleanup_free_ char *p = NULL;

        return stage_blob_path(s, digest, &p) >= 0 && access(p, F_OK) == 0;
}

/* The blob from the stage or from the store, verified, into memory. */
static int stage_read_blob(Stage *s, const char *digest, size_t max, char **ret, size_t *ret_size) {
        _cleanup_free_ char *p = NULL, *data = NULL;
        char actual[SHA256_DIGEST_STRING_MAX];
        size_t size;
        int r;

        if (!stage_has_blob(s, digest))
                return image_store_read_blob(s->state_dir, digest, max, ret, ret_size);
        r = stage_blob_path(s, digest, &p);
        if (r < 0)
                return r;
        r = read_full_file(p, max, &data, &size);
        if (r < 0)
                return r;
        r = sha256_digest_of(data, size, actual);
        if (r < 0)
                return r;
        if (!streq(actual, digest))
                return -EBADMSG;
        *ret = TAKE_PTR(data);
        *ret_size = size;
        return 0;
}

/* Copy fd (or an archive entry when a is set) into a new stage file named by
 * its sha256. */
static int stage_stream(Stage *s, struct archive *a, int fd, uint64_t max, char ret_digest[static SHA256_DIGEST_STRING_MAX],
                        uint64_t *ret_size) {
        _cleanup_(evp_md_ctx_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        _cleanup_free_ char *tmp = NULL, *final = NULL, *buf = NULL;
        _cleanup_close_ int out = -EBADF;
        unsigned char md[32];
        uint64_t total = 0;
        char *hex;
        int r;

        if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
                return -ENOMEM;
        buf = malloc(1024 * 1024);
        tmp = path_join(s->dir, ".incoming-XXXXXX");
        if (!buf || !tmp)
                return -ENOMEM;
        out = mkostemp(tmp, O_CLOEXEC);
        if (out < 0)
                return -errno;

        for (;;) {
                ssize_t n = a ? archive_read_data(a, buf, 1024 * 1024) : read(fd, buf, 1024 * 1024);

                if (n < 0) {
                        r = a ? -EBADMSG : -errno;
                        goto fail;
                }
                if (n == 0)
                        break;
                total += n;
                if (total > max) {
                        r = -EFBIG;
                        goto fail;
                }
                if (EVP_DigestUpdate(ctx, buf, n) != 1) {
                        r = -EIO;
                        goto fail;
                }
                for (char *p = buf; n > 0;) {
                        ssize_t w = write(out, p, n);
                        if (w < 0) {
                                r = -errno;
                                goto fail;
                        }
                        p += w;
                        n -= w;
                }
        }
        if (EVP_DigestFinal_ex(ctx, md, NULL) != 1) {
                r = -EIO;
                goto fail;
        }
        hex = hexmem(md, sizeof(md));
        if (!hex) {
                r = -ENOMEM;
                goto fail;
        }
        snprintf(ret_digest, SHA256_DIGEST_STRING_MAX, "sha256:%s", hex);
        final = path_join(s->dir, hex);
        free(hex);
        if (!final) {
                r = -ENOMEM;
                goto fail;
        }
        if (rename(tmp, final) < 0) {
                r = -errno;
                goto fail;
        }
        *ret_size = total;
        return 0;

fail:
        (void) unlink(tmp);
        return r;
}

static int detect_compression(Stage *s, const char *digest, const char **ret_media_type) {
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        unsigned char magic[4] = {};
        int r;

        r = stage_blob_path(s, digest, &p);
        if (r < 0)
                return r;
        fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (read(fd, magic, sizeof(magic)) < 0)
                return -errno;
        if (magic[0] == 0x1f && magic[1] == 0x8b)
                *ret_media_type = OCI_MEDIA_TYPE_LAYER_GZIP;
        else if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
                *ret_media_type = OCI_MEDIA_TYPE_LAYER_ZSTD;
        else
                *ret_media_type = OCI_MEDIA_TYPE_LAYER;
        return 0;
}

static int stage_add_layer(Stage *s, const char *diff_id, const char *blob_digest) {
        StagedLayer *t;

        for (size_t i = 0; i < s->n_layers; i++)
                if (streq(s->layers[i].diff_id, diff_id))
                        return 0;
        t = reallocarray(s->layers, s->n_layers + 1, sizeof(StagedLayer));
        if (!t)
                return -ENOMEM;
        s->layers = t;
        t = &s->layers[s->n_layers];
        *t = (StagedLayer) { .lock = STORE_LOCK_NULL };
        t->diff_id = strdup(diff_id);
        t->blob_digest = strdup(blob_digest);
        s->n_layers++;
        return t->diff_id && t->blob_digest ? 0 : -ENOMEM;
}

static int stage_add_image(Stage *s, const char *name, const char *manifest_digest, const char *media_type,
                           uint64_t manifest_size, const char *config_digest) {
        StagedImage *t;

        t = reallocarray(s->images, s->n_images + 1, sizeof(StagedImage));
        if (!t)
                return -ENOMEM;
        s->images = t;
        t = &s->images[s->n_images++];
        *t = (StagedImage) {
                .name = strdup(name),
                .manifest_digest = strdup(manifest_digest),
                .media_type = strdup(media_type),
                .manifest_size = manifest_size,
                .config_digest = strdup(config_digest),
        };
        return t->name && t->manifest_digest && t->media_type && t->config_digest ? 0 : -ENOMEM;
}

static int compare_layers(const void *a, const void *b) {
        return strcmp(((const StagedLayer *) a)->diff_id, ((const StagedLayer *) b)->diff_id);
}

/* Lock every layer (in diff_id order, as pulls do), extract those the store
 * lacks, and check each against its diff_id. */
static int stage_extract_layers(Stage *s, char **ret_reason) {
        int r;

        qsort(s->layers, s->n_layers, sizeof(StagedLayer), compare_layers);
        for (size_t i = 0; i < s->n_layers; i++) {
                _cleanup_free_ char *what = strjoin("layer-", s->layers[i].diff_id + strlen("sha256:"));
                if (!what)
                        return -ENOMEM;
                r = image_store_lock(s->state_dir, what, &s->layers[i].lock);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < s->n_layers; i++) {
                StagedLayer *l = &s->layers[i];
                _cleanup_free_ char *blob = NULL, *reason = NULL;
                _cleanup_close_ int in = -EBADF, dir = -EBADF;
                UnpackOptions opts = {
                        .max_uncompressed_bytes = s->max_layer_bytes,
                        .preserve_ownership = geteuid() == 0,
                };
                UnpackResult result;

                if (image_store_has_layer(s->state_dir, l->diff_id)) {
                        if (l->staging) {
                                (void) rm_rf(l->staging);
                                l->staging = mfree(l->staging);
                        }
                        continue;
                }
                if (l->staging)
                        continue;   /* extracted and checked already (import) */
                r = stage_has_blob(s, l->blob_digest) ? stage_blob_path(s, l->blob_digest, &blob) :
                                                         image_store_blob_path(s->state_dir, l->blob_digest, &blob);
                if (r < 0)
                        return r;
                in = open(blob, O_RDONLY | O_CLOEXEC);
                if (in < 0) {
                        r = -errno;
                        (void) asprintf(ret_reason, "layer %s is not in the archive", l->blob_digest);
                        return r;
                }
                r = image_store_make_staging(s->state_dir, "layer", &l->staging);
                if (r < 0)
                        return r;
                dir = open(l->staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dir < 0)
                        return -errno;
                r = unpack_in_worker(in, dir, &opts, &result, &reason);
                if (r < 0) {
                        (void) asprintf(ret_reason, "layer %s: %s", l->blob_digest, reason ?: strerror(-r));
                        return r;
                }
                if (!streq(result.diff_id, l->diff_id)) {
                        (void) asprintf(ret_reason, "layer %s has diff_id %s, but the image config says %s",
                                        l->blob_digest, result.diff_id, l->diff_id);
                        return -EBADMSG;
                }
        }
        return 0;
}

/* Under the index lock: layers, then blobs the images use, then names. */
static int stage_commit(Stage *s, char **ret_reason) {
        _cleanup_(image_store_unlock) StoreLock lock = STORE_LOCK_NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        r = image_store_lock(s->state_dir, "index", &lock);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_layers; i++) {
                _cleanup_free_ char *p = NULL;

                if (!s->layers[i].staging)
                        continue;
                r = image_store_layer_path(s->state_dir, s->layers[i].diff_id, &p);
                if (r < 0)
                        return r;
                if (rename(s->layers[i].staging, p) < 0)
                        return -errno;   /* we hold the layer's lock: nobody else made it meanwhile */
                s->layers[i].staging = mfree(s->layers[i].staging);
        }
        /* Every staged file is named by its digest; unreferenced ones are
         * collected with the stage (and by the next garbage collection). */
        d = opendir(s->dir);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *digest = NULL, *from = NULL, *to = NULL;

                if (de->d_name[0] == '.')
                        continue;
                digest = strjoin("sha256:", de->d_name);
                if (!digest)
                        return -ENOMEM;
                if (!image_ref_is_digest(digest) || image_store_has_blob(s->state_dir, digest))
                        continue;
                from = path_join(s->dir, de->d_name);
                r = image_store_blob_path(s->state_dir, digest, &to);
                if (r < 0 || !from)
                        return r < 0 ? r : -ENOMEM;
                if (rename(from, to) < 0)
                        return -errno;
        }
        for (size_t i = 0; i < s->n_images; i++) {
                r = image_store_set_name_locked(s->state_dir, s->images[i].name, s->images[i].manifest_digest,
                                                s->images[i].media_type, s->images[i].manifest_size);
                if (r < 0) {
                        (void) asprintf(ret_reason, "cannot name %s: %s", s->images[i].name, strerror(-r));
                        return r;
                }
        }
        return 0;
}

/* A staged manifest blob written by us (import, docker-archive load). */
static int stage_write_manifest(Stage *s, const char *config_digest, uint64_t config_size, char * const *layer_digests,
                                char * const *layer_types, const uint64_t *layer_sizes,
                                char ret_digest[static SHA256_DIGEST_STRING_MAX], uint64_t *ret_size) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        _cleanup_free_ char *p = NULL;
        json_object *cfg = json_object_new_object(), *layers = json_object_new_array();
        const char *text;
        int r;

        if (!o || !cfg || !layers) {
                json_object_put(cfg);
                json_object_put(layers);
                return -ENOMEM;
        }
        json_object_object_add(o, "schemaVersion", json_object_new_int(2));
        json_object_object_add(o, "mediaType", json_object_new_string(OCI_MEDIA_TYPE_MANIFEST));
        json_object_object_add(cfg, "mediaType", json_object_new_string(OCI_MEDIA_TYPE_CONFIG));
        json_object_object_add(cfg, "digest", json_object_new_string(config_digest));
        json_object_object_add(cfg, "size", json_object_new_uint64(config_size));
        json_object_object_add(o, "config", cfg);
        for (size_t i = 0; layer_digests[i]; i++) {
                json_object *l = json_object_new_object();
                json_object_object_add(l, "mediaType", json_object_new_string(layer_types[i]));
                json_object_object_add(l, "digest", json_object_new_string(layer_digests[i]));
                json_object_object_add(l, "size", json_object_new_uint64(layer_sizes[i]));
                json_object_array_add(layers, l);
        }
        json_object_object_add(o, "layers", layers);

        text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        r = sha256_digest_of(text, strlen(text), ret_digest);
        if (r < 0)
                return r;
        r = stage_blob_path(s, ret_digest, &p);
        if (r < 0)
                return r;
        r = write_file_atomic(p, text, strlen(text), 0600);
        if (r < 0)
                return r;
        *ret_size = strlen(text);
        return 0;
}

static int stage_new(const char *state_dir, uint64_t max_layer_bytes, Stage *ret) {
        *ret = (Stage) { .state_dir = state_dir, .max_layer_bytes = max_layer_bytes };
        return image_store_make_staging(state_dir, "load", &ret->dir);
}

/* ---- load ---- */

typedef struct ArchiveFile {
        char *path;                /* normalized entry name */
        char *link;                /* symlink target, normalized relative to the archive root */
        char digest[SHA256_DIGEST_STRING_MAX];
        uint64_t size;
} ArchiveFile;

typedef struct ArchiveFiles {
        ArchiveFile *files;
        size_t n;
        char *manifest_json, *index_json;   /* in memory, when present */
} ArchiveFiles;

static void archive_files_done(ArchiveFiles *f) {
        for (size_t i = 0; i < f->n; i++) {
                free(f->files[i].path);
                free(f->files[i].link);
        }
        free(f->files);
        free(f->manifest_json);
        free(f->index_json);
}

/* "./a//b/" -> "a/b"; NULL for anything with "..", or empty. Names are
 * only ever used as keys. */
static char *normalize_name(const char *dir, const char *name) {
        _cleanup_strv_free_ char **parts = NULL;
        _cleanup_free_ char *joined = NULL;
        char *out, *save = NULL;

        if (isempty(name) || name[0] == '/')
                return NULL;
        joined = dir ? strjoin(dir, "/", name) : strdup(name);
        if (!joined)
                return NULL;
        for (char *t = strtok_r(joined, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
                if (streq(t, "."))
                        continue;
                if (streq(t, "..")) {
                        size_t n = strv_length(parts);
                        if (n == 0)
                                return NULL;
                        free(parts[n - 1]);
                        parts[n - 1] = NULL;
                        continue;
                }
                if (strv_extend(&parts, t) < 0)
                        return NULL;
        }
        if (!parts)
                return NULL;
        out = strdup(parts[0]);
        for (size_t i = 1; out && parts[i]; i++) {
                char *t = strjoin(out, "/", parts[i]);
                free(out);
                out = t;
        }
        return out;
}

static const ArchiveFile *archive_find(const ArchiveFiles *f, const char *path) {
        for (unsigned hops = 0; path && hops < 16; hops++) {
                const ArchiveFile *found = NULL;

                for (size_t i = 0; i < f->n; i++)
                        if (streq(f->files[i].path, path))
                                found = &f->files[i];
                if (!found)
                        return NULL;
                if (!found->link)
                        return found;
                path = found->link;
        }
        return NULL;
}

static int read_archive(Stage *s, int fd, ArchiveFiles *f, char **ret_reason) {
        _cleanup_(archive_read_freep) struct archive *a = archive_read_new();
        struct archive_entry *e;
        int r;

        if (!a)
                return -ENOMEM;
        archive_read_support_format_tar(a);
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_filter_xz(a);
        if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
                (void) asprintf(ret_reason, "not a tar archive: %s", archive_error_string(a) ?: "unknown format");
                return -EBADMSG;
        }
        for (;;) {
                _cleanup_free_ char *path = NULL;
                ArchiveFile *file, *t;
                mode_t type;

                r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF)
                        break;
                if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
                        (void) asprintf(ret_reason, "the archive is damaged: %s", archive_error_string(a) ?: "bad header");
                        return -EBADMSG;
                }
                if (f->n >= ARCHIVE_ENTRIES_MAX) {
                        (void) asprintf(ret_reason, "the archive has more than %u entries", ARCHIVE_ENTRIES_MAX);
                        return -EFBIG;
                }
                type = archive_entry_filetype(e);
                if (type != AE_IFREG && type != AE_IFLNK)
                        continue;   /* directories say nothing; devices and the like have no place here */
                path = normalize_name(NULL, archive_entry_pathname(e));
                if (!path)
                        continue;   /* "../x", "/x": never ours to follow */

                t = reallocarray(f->files, f->n + 1, sizeof(ArchiveFile));
                if (!t)
                        return -ENOMEM;
                f->files = t;
                file = &f->files[f->n];
                *file = (ArchiveFile) { .path = TAKE_PTR(path) };
                f->n++;

                if (type == AE_IFLNK) {
                        _cleanup_free_ char *dir = strdup(file->path);
                        char *slash;

                        if (!dir)
                                return -ENOMEM;
                        slash = strrchr(dir, '/');
                        if (slash)
                                *slash = 0;
                        file->link = normalize_name(slash ? dir : NULL, strempty(archive_entry_symlink(e)));
                        continue;   /* a dangling or escaping link resolves to nothing */
                }

                r = stage_stream(s, a, -EBADF, OCI_BLOB_SIZE_MAX, file->digest, &file->size);
                if (r < 0) {
                        (void) asprintf(ret_reason, "cannot read '%s' from the archive: %s", file->path,
                                        r == -EBADMSG ? archive_error_string(a) ?: "truncated" : strerror(-r));
                        return r;
                }
                if ((streq(file->path, "manifest.json") || streq(file->path, "index.json")) && file->size <= ARCHIVE_META_MAX) {
                        size_t n;
                        r = stage_read_blob(s, file->digest, ARCHIVE_META_MAX, streq(file->path, "manifest.json") ?
                                            &f->manifest_json : &f->index_json, &n);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int load_oci(Stage *s, const ArchiveFiles *f, char **ret_reason) {
        _cleanup_(json_object_putp) json_object *o = json_tokener_parse(f->index_json);
        json_object *manifests;
        int r;

        if (!o || !json_object_object_get_ex(o, "manifests", &manifests) ||
            !json_object_is_type(manifests, json_type_array)) {
                (void) asprintf(ret_reason, "index.json in the archive is not an OCI index");
                return -EBADMSG;
        }
        for (size_t k = 0; k < json_object_array_length(manifests); k++) {
                json_object *d = json_object_array_get_idx(manifests, k), *v, *ann;
                _cleanup_(oci_manifest_freep) OciManifest *m = NULL;
                _cleanup_(oci_image_config_freep) OciImageConfig *cfg = NULL;
                _cleanup_(image_ref_freep) ImageRef *ref = NULL;
                _cleanup_free_ char *body = NULL, *cdata = NULL, *name = NULL;
                const char *digest = NULL, *mt = NULL, *full = NULL, *short_name = NULL;
                size_t size, csize;

                if (json_object_object_get_ex(d, "digest", &v))
                        digest = json_object_get_string(v);
                if (json_object_object_get_ex(d, "mediaType", &v))
                        mt = json_object_get_string(v);
                if (json_object_object_get_ex(d, "annotations", &ann)) {
                        if (json_object_object_get_ex(ann, ANNOTATION_FULL_NAME, &v))
                                full = json_object_get_string(v);
                        if (json_object_object_get_ex(ann, ANNOTATION_REF_NAME, &v))
                                short_name = json_object_get_string(v);
                }
                if (!digest || !image_ref_is_digest(digest) || !stage_has_blob(s, digest)) {
                        (void) asprintf(ret_reason, "index.json names manifest %s, which is not in the archive",
                                        strna(digest));
                        return -EBADMSG;
                }
                if (mt && oci_media_type_is_index(mt)) {
                        (void) asprintf(ret_reason, "index.json entry %s is an index of several platforms; "
                                        "load a single-platform archive", digest);
                        return -EMEDIUMTYPE;
                }
                r = stage_read_blob(s, digest, OCI_MANIFEST_SIZE_MAX, &body, &size);
                if (r >= 0)
                        r = oci_manifest_parse(body, size, mt, &m, ret_reason);
                if (r < 0)
                        return r;
                r = stage_read_blob(s, m->config.digest, OCI_CONFIG_SIZE_MAX, &cdata, &csize);
                if (r < 0) {
                        (void) asprintf(ret_reason, "the config %s of manifest %s is not in the archive",
                                        m->config.digest, digest);
                        return r;
                }
                r = oci_image_config_parse(cdata, csize, &cfg, ret_reason);
                if (r < 0)
                        return r;
                if (cfg->n_diff_ids != m->n_layers) {
                        (void) asprintf(ret_reason, "manifest %s has %zu layers but its config lists %zu diff_ids",
                                        digest, m->n_layers, cfg->n_diff_ids);
                        return -EBADMSG;
                }
                for (size_t l = 0; l < m->n_layers; l++) {
                        if (!stage_has_blob(s, m->layers[l].digest) &&
                            !image_store_has_blob(s->state_dir, m->layers[l].digest)) {
                                (void) asprintf(ret_reason, "layer %s of manifest %s is not in the archive",
                                                m->layers[l].digest, digest);
                                return -EBADMSG;
                        }
                        r = stage_add_layer(s, cfg->diff_ids[l], m->layers[l].digest);
                        if (r < 0)
                                return r;
                }

                /* The name: the full one, or ref.name if that is a reference by itself. */
                if (full && image_ref_parse(full, &ref, NULL) >= 0)
                        r = image_ref_to_string(ref, &name);
                else if (short_name && strchr(short_name, '/') && image_ref_parse(short_name, &ref, NULL) >= 0)
                        r = image_ref_to_string(ref, &name);
                else {
                        (void) asprintf(ret_reason, "image %s in the archive has no name (annotation %s, or %s "
                                        "with a repository)", m->config.digest, ANNOTATION_FULL_NAME, ANNOTATION_REF_NAME);
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
                r = stage_add_image(s, name, digest, m->media_type, size, m->config.digest);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int load_docker(Stage *s, const ArchiveFiles *f, char **ret_reason) {
        _cleanup_(json_object_putp) json_object *o = json_tokener_parse(f->manifest_json);
        int r;

        if (!o || !json_object_is_type(o, json_type_array)) {
                (void) asprintf(ret_reason, "manifest.json in the archive is not a docker-archive manifest");
                return -EBADMSG;
        }
        for (size_t k = 0; k < json_object_array_length(o); k++) {
                json_object *e = json_object_array_get_idx(o, k), *v, *tags = NULL, *layers;
                _cleanup_(oci_image_config_freep) OciImageConfig *cfg = NULL;
                _cleanup_strv_free_ char **digests = NULL, **types = NULL;
                _cleanup_free_ char *cdata = NULL;
                _cleanup_free_ uint64_t *sizes = NULL;
                char mdigest[SHA256_DIGEST_STRING_MAX];
                const ArchiveFile *cf;
                uint64_t msize;
                size_t csize, n;

                if (!json_object_object_get_ex(e, "Config", &v) || !(cf = archive_find(f, json_object_get_string(v)))) {
                        (void) asprintf(ret_reason, "manifest.json entry %zu names a config that is not in the archive", k);
                        return -EBADMSG;
                }
                r = stage_read_blob(s, cf->digest, OCI_CONFIG_SIZE_MAX, &cdata, &csize);
                if (r >= 0)
                        r = oci_image_config_parse(cdata, csize, &cfg, ret_reason);
                if (r < 0)
                        return r;
                if (!json_object_object_get_ex(e, "Layers", &layers) || !json_object_is_type(layers, json_type_array) ||
                    json_object_array_length(layers) != cfg->n_diff_ids) {
                        (void) asprintf(ret_reason, "manifest.json entry %zu does not list one layer per diff_id of "
                                        "its config (%zu)", k, cfg->n_diff_ids);
                        return -EBADMSG;
                }
                n = cfg->n_diff_ids;
                sizes = calloc(n + 1, sizeof(uint64_t));
                if (!sizes)
                        return -ENOMEM;
                for (size_t l = 0; l < n; l++) {
                        const char *p = json_object_get_string(json_object_array_get_idx(layers, l)), *mt;
                        const ArchiveFile *lf = archive_find(f, p);

                        if (!lf) {
                                (void) asprintf(ret_reason, "layer '%s' named in manifest.json is not in the archive",
                                                strna(p));
                                return -EBADMSG;
                        }
                        r = detect_compression(s, lf->digest, &mt);
                        if (r < 0)
                                return r;
                        r = strv_extend(&digests, lf->digest);
                        if (r >= 0)
                                r = strv_extend(&types, mt);
                        if (r < 0)
                                return r;
                        sizes[l] = lf->size;
                        r = stage_add_layer(s, cfg->diff_ids[l], lf->digest);
                        if (r < 0)
                                return r;
                }
                if (n == 0) {
                        (void) asprintf(ret_reason, "manifest.json entry %zu has no layers", k);
                        return -EBADMSG;
                }
                r = stage_write_manifest(s, cf->digest, cf->size, digests, types, sizes, mdigest, &msize);
                if (r < 0)
                        return r;

                if (json_object_object_get_ex(e, "RepoTags", &tags) && json_object_is_type(tags, json_type_array) &&
                    json_object_array_length(tags) > 0)
                        for (size_t t = 0; t < json_object_array_length(tags); t++) {
                                _cleanup_(image_ref_freep) ImageRef *ref = NULL;
                                _cleanup_free_ char *name = NULL;
                                const char *tag = json_object_get_string(json_object_array_get_idx(tags, t)), *why = NULL;

                                if (!tag || image_ref_parse(tag, &ref, &why) < 0) {
                                        (void) asprintf(ret_reason, "manifest.json names an image '%s': %s", strna(tag),
                                                        why ?: "not a reference");
                                        return -EINVAL;
                                }
                                r = image_ref_to_string(ref, &name);
                                if (r >= 0)
                                        r = stage_add_image(s, name, mdigest, OCI_MEDIA_TYPE_MANIFEST, msize, cf->digest);
                                if (r < 0)
                                        return r;
                        }
                else {
                        (void) asprintf(ret_reason, "image %s in the archive has no RepoTags: nyx keeps only named images",
                                        cf->digest);
                        return -EINVAL;
                }
        }
        return 0;
}

int load_images(const char *state_dir, int in_fd, uint64_t max_layer_bytes, char **ret_result, char **ret_reason) {
        _cleanup_(stage_done) Stage s = {};
        _cleanup_(archive_files_done) ArchiveFiles f = {};
        _cleanup_free_ char *result = NULL;
        int r;

        r = stage_new(state_dir, max_layer_bytes, &s);
        if (r < 0)
                return r;
        r = read_archive(&s, in_fd, &f, ret_reason);
        if (r < 0)
                return r;

        /* index.json keeps the manifests byte for byte (the same digests);
         * manifest.json alone means a classic docker-archive. */
        if (f.index_json)
                r = load_oci(&s, &f, ret_reason);
        else if (f.manifest_json)
                r = load_docker(&s, &f, ret_reason);
        else {
                (void) asprintf(ret_reason, "the archive has neither index.json (oci-archive) nor manifest.json "
                                "(docker-archive)");
                r = -EBADMSG;
        }
        if (r < 0)
                return r;
        if (s.n_images == 0) {
                (void) asprintf(ret_reason, "the archive holds no image");
                return -EBADMSG;
        }

        r = stage_extract_layers(&s, ret_reason);
        if (r < 0)
                return r;
        r = stage_commit(&s, ret_reason);
        if (r < 0)
                return r;

        for (size_t i = 0; i < s.n_images; i++) {
                char *t = NULL;
                if (asprintf(&t, "%s%s %s\n", strempty(result), s.images[i].config_digest, s.images[i].name) < 0)
                        return -ENOMEM;
                free(result);
                result = t;
        }
        *ret_result = TAKE_PTR(result);
        return 0;
}

/* ---- import ---- */

static int format_now(char *buf, size_t size) {
        struct timespec ts;
        struct tm tm;

        clock_gettime(CLOCK_REALTIME, &ts);
        if (!gmtime_r(&ts.tv_sec, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;
        return 0;
}

int import_image(const char *state_dir, int in_fd, const char *name, const char *message, uint64_t max_layer_bytes,
                 char **ret_id, char **ret_reason) {
        _cleanup_(stage_done) Stage s = {};
        _cleanup_(oci_platform_done) OciPlatform host = {};
        _cleanup_(json_object_putp) json_object *cfg = json_object_new_object();
        _cleanup_free_ char *blob = NULL, *reason = NULL, *cfg_path = NULL;
        _cleanup_(rm_rf_and_freep) char *staging = NULL;
        _cleanup_close_ int in = -EBADF, dir = -EBADF;
        char layer_digest[SHA256_DIGEST_STRING_MAX], cfg_digest[SHA256_DIGEST_STRING_MAX],
                mdigest[SHA256_DIGEST_STRING_MAX], created[64];
        const char *mt, *text;
        uint64_t layer_size, msize;
        UnpackOptions opts = {
                .max_uncompressed_bytes = max_layer_bytes,
                .preserve_ownership = geteuid() == 0,
        };
        UnpackResult result;
        json_object *rootfs, *diff_ids, *history, *h;
        int r;

        if (!cfg)
                return -ENOMEM;
        r = stage_new(state_dir, max_layer_bytes, &s);
        if (r < 0)
                return r;
        r = stage_stream(&s, NULL, in_fd, OCI_BLOB_SIZE_MAX, layer_digest, &layer_size);
        if (r < 0) {
                (void) asprintf(ret_reason, "cannot read the tarball: %s", strerror(-r));
                return r;
        }
        r = detect_compression(&s, layer_digest, &mt);
        if (r < 0)
                return r;

        /* Extract it now: that checks it and gives the diff_id. */
        r = stage_blob_path(&s, layer_digest, &blob);
        if (r < 0)
                return r;
        in = open(blob, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return -errno;
        r = image_store_make_staging(state_dir, "layer", &staging);
        if (r < 0)
                return r;
        dir = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        r = unpack_in_worker(in, dir, &opts, &result, &reason);
        if (r < 0) {
                (void) asprintf(ret_reason, "the tarball: %s", reason ?: strerror(-r));
                return r;
        }

        r = oci_platform_host(&host);
        if (r < 0 || format_now(created, sizeof(created)) < 0)
                return r < 0 ? r : -EINVAL;
        json_object_object_add(cfg, "created", json_object_new_string(created));
        json_object_object_add(cfg, "architecture", json_object_new_string(host.architecture));
        if (host.variant)
                json_object_object_add(cfg, "variant", json_object_new_string(host.variant));
        json_object_object_add(cfg, "os", json_object_new_string(host.os));
        json_object_object_add(cfg, "config", json_object_new_object());
        rootfs = json_object_new_object();
        diff_ids = json_object_new_array();
        json_object_object_add(rootfs, "type", json_object_new_string("layers"));
        json_object_array_add(diff_ids, json_object_new_string(result.diff_id));
        json_object_object_add(rootfs, "diff_ids", diff_ids);
        json_object_object_add(cfg, "rootfs", rootfs);
        history = json_object_new_array();
        h = json_object_new_object();
        json_object_object_add(h, "created", json_object_new_string(created));
        json_object_object_add(h, "created_by", json_object_new_string("nyxctl import"));
        if (!isempty(message))
                json_object_object_add(h, "comment", json_object_new_string(message));
        json_object_array_add(history, h);
        json_object_object_add(cfg, "history", history);

        text = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        r = sha256_digest_of(text, strlen(text), cfg_digest);
        if (r >= 0)
                r = stage_blob_path(&s, cfg_digest, &cfg_path);
        if (r >= 0)
                r = write_file_atomic(cfg_path, text, strlen(text), 0600);
        if (r >= 0) {
                char *digests[] = { layer_digest, NULL }, *types[] = { (char *) mt, NULL };
                r = stage_write_manifest(&s, cfg_digest, strlen(text), digests, types, &layer_size, mdigest, &msize);
        }
        if (r >= 0)
                r = stage_add_layer(&s, result.diff_id, layer_digest);
        if (r >= 0)
                r = stage_add_image(&s, name, mdigest, OCI_MEDIA_TYPE_MANIFEST, msize, cfg_digest);
        if (r < 0)
                return r;
        /* The extraction above is the layer's staging: checked, not extracted again. */
        s.layers[0].staging = TAKE_PTR(staging);

        r = stage_extract_layers(&s, ret_reason);
        if (r < 0)
                return r;
        r = stage_commit(&s, ret_reason);
        if (r < 0)
                return r;
        *ret_id = strdup(cfg_digest);
        return *ret_id ? 0 : -ENOMEM;
}
