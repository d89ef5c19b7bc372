/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fd-util.h"
#include "fileio.h"
#include "image-ref.h"
#include "image-store.h"
#include "oci-manifest.h"
#include "output.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

#define REF_NAME_ANNOTATION "org.opencontainers.image.ref.name"

void image_index_done(ImageIndex *idx) {
        for (size_t i = 0; i < idx->n_names; i++) {
                free(idx->names[i].name);
                free(idx->names[i].manifest_digest);
                free(idx->names[i].media_type);
        }
        idx->names = mfree(idx->names);
        idx->n_names = 0;
}

static int store_path(const char *state_dir, const char *rel, char **ret) {
        *ret = path_join(state_dir, rel);
        return *ret ? 0 : -ENOMEM;
}

int image_store_init(const char *state_dir) {
        static const char *const dirs[] = { "images/blobs/sha256", "layers", "tmp", "locks" };
        _cleanup_free_ char *layout = NULL;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = path_join(state_dir, dirs[i]);
                if (!p)
                        return -ENOMEM;
                r = mkdir_p(p, 0700);
                if (r < 0)
                        return r;
        }

        r = store_path(state_dir, "images/oci-layout", &layout);
        if (r < 0)
                return r;
        if (access(layout, F_OK) < 0) {
                static const char text[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
                r = write_file_atomic(layout, text, strlen(text), 0600);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int digest_hex(const char *digest, const char **ret) {
        const char *hex = startswith(digest, "sha256:");

        if (!hex || !image_ref_is_digest(digest))
                return -EINVAL;
        *ret = hex;
        return 0;
}

int image_store_blob_path(const char *state_dir, const char *digest, char **ret) {
        const char *hex;
        int r;

        r = digest_hex(digest, &hex);
        if (r < 0)
                return r;
        *ret = path_join(state_dir, "images/blobs/sha256", hex);
        return *ret ? 0 : -ENOMEM;
}

int image_store_layer_path(const char *state_dir, const char *diff_id, char **ret) {
        const char *hex;
        int r;

        r = digest_hex(diff_id, &hex);
        if (r < 0)
                return r;
        *ret = path_join(state_dir, "layers", hex);
        return *ret ? 0 : -ENOMEM;
}

bool image_store_has_blob(const char *state_dir, const char *digest) {
        _cleanup_free_ char *p = NULL;

        return image_store_blob_path(state_dir, digest, &p) >= 0 && access(p, F_OK) == 0;
}

bool image_store_has_layer(const char *state_dir, const char *diff_id) {
        _cleanup_free_ char *p = NULL;

        return image_store_layer_path(state_dir, diff_id, &p) >= 0 && access(p, F_OK) == 0;
}

int image_store_read_blob(const char *state_dir, const char *digest, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_free_ char *p = NULL, *data = NULL;
        char actual[SHA256_DIGEST_STRING_MAX];
        size_t size;
        int r;

        r = image_store_blob_path(state_dir, digest, &p);
        if (r < 0)
                return r;
        r = read_full_file(p, max_size, &data, &size);
        if (r < 0)
                return r;
        r = sha256_digest_of(data, size, actual);
        if (r < 0)
                return r;
        if (!streq(actual, digest))
                return -EBADMSG;
        *ret = TAKE_PTR(data);
        if (ret_size)
                *ret_size = size;
        return 0;
}

int image_store_write_blob(const char *state_dir, const char *digest, const void *data, size_t size) {
        _cleanup_free_ char *p = NULL;
        char actual[SHA256_DIGEST_STRING_MAX];
        int r;

        r = sha256_digest_of(data, size, actual);
        if (r < 0)
                return r;
        if (!streq(actual, digest))
                return -EBADMSG;
        r = image_store_blob_path(state_dir, digest, &p);
        if (r < 0)
                return r;
        if (access(p, F_OK) == 0)
                return 0;
        return write_file_atomic(p, data, size, 0600);
}

static int lock_open(const char *state_dir, const char *what, bool wait, StoreLock *ret) {
        _cleanup_free_ char *p = NULL;

        if (!string_is_safe_name(what))
                return -EINVAL;
        p = path_join(state_dir, "locks", what);
        if (!p)
                return -ENOMEM;

        for (;;) {
                _cleanup_close_ int fd = -EBADF;
                struct stat a, b;

                fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return -errno;
                while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
                        if (errno == EWOULDBLOCK && !wait)
                                return -EBUSY;
                        if (errno != EINTR)
                                return -errno;
                }
                /* The previous holder may have removed the file after we opened it:
                 * then our lock is on an orphan, and we start over. */
                if (fstat(fd, &a) < 0)
                        return -errno;
                if (stat(p, &b) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return -errno;
                }
                if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
                        continue;

                *ret = (StoreLock) {
                        .fd = TAKE_FD(fd),
                        .path = TAKE_PTR(p),
                        .remove = !streq(what, "index"),
                };
                return 0;
        }
}

int image_store_lock(const char *state_dir, const char *what, StoreLock *ret) {
        return lock_open(state_dir, what, true, ret);
}

int image_store_try_lock(const char *state_dir, const char *what, StoreLock *ret) {
        return lock_open(state_dir, what, false, ret);
}

void image_store_unlock(StoreLock *l) {
        if (l->fd >= 0 && l->path && l->remove)
                (void) unlink(l->path);   /* while still holding it: see lock_open() */
        l->fd = safe_close(l->fd);
        l->path = mfree(l->path);
}

int image_store_read_index(const char *state_dir, ImageIndex *ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_free_ char *p = NULL, *text = NULL;
        ImageIndex idx = {};
        json_object *manifests;
        int r;

        r = store_path(state_dir, "images/index.json", &p);
        if (r < 0)
                return r;
        r = read_full_file(p, 16 * 1024 * 1024, &text, NULL);
        if (r == -ENOENT) {
                /* Callers may append one name without reallocating. */
                idx.names = calloc(1, sizeof(ImageName));
                if (!idx.names)
                        return -ENOMEM;
                *ret = idx;
                return 0;
        }
        if (r < 0)
                return r;

        o = json_tokener_parse(text);
        if (!o || !json_object_object_get_ex(o, "manifests", &manifests) ||
            !json_object_is_type(manifests, json_type_array))
                return -EBADMSG;

        idx.names = calloc(json_object_array_length(manifests) + 1, sizeof(ImageName));
        if (!idx.names)
                return -ENOMEM;

        for (size_t i = 0; i < json_object_array_length(manifests); i++) {
                json_object *e = json_object_array_get_idx(manifests, i), *annotations, *v;
                const char *name = NULL, *digest = NULL, *mt = NULL;
                ImageName *n = &idx.names[idx.n_names];

                if (json_object_object_get_ex(e, "annotations", &annotations) &&
                    json_object_object_get_ex(annotations, REF_NAME_ANNOTATION, &v))
                        name = json_object_get_string(v);
                if (json_object_object_get_ex(e, "digest", &v))
                        digest = json_object_get_string(v);
                if (json_object_object_get_ex(e, "mediaType", &v))
                        mt = json_object_get_string(v);
                if (!name || !digest || !image_ref_is_digest(digest))
                        continue;   /* not ours to interpret */

                n->name = strdup(name);
                n->manifest_digest = strdup(digest);
                n->media_type = strdup(mt ?: "");
                if (json_object_object_get_ex(e, "size", &v))
                        n->size = json_object_get_uint64(v);
                idx.n_names++;
                if (!n->name || !n->manifest_digest || !n->media_type) {
                        image_index_done(&idx);
                        return -ENOMEM;
                }
        }

        *ret = idx;
        return 0;
}

static int write_index(const char *state_dir, const ImageIndex *idx) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        _cleanup_free_ char *p = NULL;
        json_object *manifests = json_object_new_array();
        const char *s;
        int r;

        if (!o || !manifests) {
                json_object_put(manifests);
                return -ENOMEM;
        }
        json_object_object_add(o, "schemaVersion", json_object_new_int(2));
        json_object_object_add(o, "mediaType", json_object_new_string("application/vnd.oci.image.index.v1+json"));
        json_object_object_add(o, "manifests", manifests);
        for (size_t i = 0; i < idx->n_names; i++) {
                json_object *e = json_object_new_object(), *a = json_object_new_object();

                json_object_object_add(e, "mediaType", json_object_new_string(idx->names[i].media_type));
                json_object_object_add(e, "digest", json_object_new_string(idx->names[i].manifest_digest));
                json_object_object_add(e, "size", json_object_new_uint64(idx->names[i].size));
                json_object_object_add(a, REF_NAME_ANNOTATION, json_object_new_string(idx->names[i].name));
                json_object_object_add(e, "annotations", a);
                json_object_array_add(manifests, e);
        }

        r = store_path(state_dir, "images/index.json", &p);
        if (r < 0)
                return r;
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        return write_file_atomic(p, s, strlen(s), 0600);
}

static int update_name(const char *state_dir, const char *name, const char *manifest_digest,
                       const char *media_type, uint64_t size) {
        _cleanup_(image_index_done) ImageIndex idx = {};
        ImageName *n = NULL;
        int r;

        r = image_store_read_index(state_dir, &idx);
        if (r < 0)
                return r;

        for (size_t i = 0; i < idx.n_names; i++)
                if (streq(idx.names[i].name, name)) {
                        n = &idx.names[i];
                        break;
                }

        if (!manifest_digest) {
                if (!n)
                        return -ENOENT;
                free(n->name);
                free(n->manifest_digest);
                free(n->media_type);
                memmove(n, n + 1, (idx.n_names - (n - idx.names) - 1) * sizeof(ImageName));
                idx.n_names--;
                return write_index(state_dir, &idx);
        }

        if (!n) {
                n = &idx.names[idx.n_names];   /* read_index left room for one more */
                *n = (ImageName) {};
                idx.n_names++;
        }
        if (free_and_strdup(&n->name, name) < 0 ||
            free_and_strdup(&n->manifest_digest, manifest_digest) < 0 ||
            free_and_strdup(&n->media_type, media_type) < 0)
                return -ENOMEM;
        n->size = size;
        return write_index(state_dir, &idx);
}

int image_store_set_name_locked(const char *state_dir, const char *name, const char *manifest_digest,
                                const char *media_type, uint64_t size) {
        return update_name(state_dir, name, manifest_digest, media_type, size);
}

int image_store_set_name(const char *state_dir, const char *name, const char *manifest_digest,
                         const char *media_type, uint64_t size) {
        _cleanup_(image_store_unlock) StoreLock lock = STORE_LOCK_NULL;
        int r;

        r = image_store_lock(state_dir, "index", &lock);
        if (r < 0)
                return r;
        return update_name(state_dir, name, manifest_digest, media_type, size);
}

int image_store_remove_name(const char *state_dir, const char *name) {
        _cleanup_(image_store_unlock) StoreLock lock = STORE_LOCK_NULL;
        int r;

        r = image_store_lock(state_dir, "index", &lock);
        if (r < 0)
                return r;
        return update_name(state_dir, name, NULL, NULL, 0);
}

int image_store_make_staging(const char *state_dir, const char *prefix, char **ret) {
        _cleanup_free_ char *tmp = path_join(state_dir, "tmp");

        if (!tmp)
                return -ENOMEM;
        return image_store_make_staging_in(tmp, prefix, ret);
}

int image_store_make_staging_in(const char *dir, const char *prefix, char **ret) {
        _cleanup_free_ char *p = NULL;

        if (asprintf(&p, "%s/%s-XXXXXX", dir, prefix) < 0)
                return -ENOMEM;
        if (!mkdtemp(p))
                return -errno;
        *ret = TAKE_PTR(p);
        return 0;
}

int image_store_clean_staging(const char *state_dir) {
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ char *tmp = NULL;
        struct dirent *de;
        int r = 0;

        tmp = path_join(state_dir, "tmp");
        if (!tmp)
                return -ENOMEM;
        d = opendir(tmp);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                p = path_join(tmp, de->d_name);
                if (!p)
                        return -ENOMEM;
                int k = rm_rf(p);
                if (k < 0)
                        r = k;
        }

        /* Layer and image locks of pullers that died: nobody holds them, so they go. */
        closedir(TAKE_PTR(d));
        tmp = mfree(tmp);
        tmp = path_join(state_dir, "locks");
        if (!tmp)
                return -ENOMEM;
        d = opendir(tmp);
        if (!d)
                return errno == ENOENT ? r : -errno;
        while ((de = readdir(d))) {
                StoreLock l = STORE_LOCK_NULL;

                if (de->d_name[0] == '.' || streq(de->d_name, "index"))
                        continue;
                if (image_store_try_lock(state_dir, de->d_name, &l) >= 0)
                        image_store_unlock(&l);
        }
        return r;
}

/* What the names in the index keep alive: manifests, configs and layer blobs
 * (as "sha256:..." in blobs), extracted layers (diff_ids in layers). */
static int collect_used(const char *state_dir, char ***ret_blobs, char ***ret_layers) {
        _cleanup_(image_index_done) ImageIndex idx = {};
        _cleanup_strv_free_ char **blobs = NULL, **layers = NULL;
        int r;

        r = image_store_read_index(state_dir, &idx);
        if (r < 0)
                return r;
        for (size_t k = 0; k < idx.n_names; k++) {
                _cleanup_(oci_manifest_freep) OciManifest *manifest = NULL;
                _cleanup_(oci_image_config_freep) OciImageConfig *config = NULL;
                _cleanup_free_ char *mdata = NULL, *cdata = NULL, *reason = NULL;
                size_t msize, csize;

                if (strv_contains(blobs, idx.names[k].manifest_digest))
                        continue;
                r = strv_extend(&blobs, idx.names[k].manifest_digest);
                if (r < 0)
                        return r;
                /* A name whose manifest cannot be read keeps nothing else alive:
                 * it is broken already, and image removal must still work. */
                if (image_store_read_blob(state_dir, idx.names[k].manifest_digest, OCI_MANIFEST_SIZE_MAX, &mdata,
                                          &msize) < 0 ||
                    oci_manifest_parse(mdata, msize, idx.names[k].media_type, &manifest, &reason) < 0)
                        continue;
                r = strv_extend(&blobs, manifest->config.digest);
                if (r < 0)
                        return r;
                for (size_t l = 0; l < manifest->n_layers; l++) {
                        r = strv_extend(&blobs, manifest->layers[l].digest);
                        if (r < 0)
                                return r;
                }
                if (image_store_read_blob(state_dir, manifest->config.digest, 16 * 1024 * 1024, &cdata, &csize) < 0 ||
                    oci_image_config_parse(cdata, csize, &config, &reason) < 0)
                        continue;
                for (size_t l = 0; l < config->n_diff_ids; l++) {
                        r = strv_extend(&layers, config->diff_ids[l]);
                        if (r < 0)
                                return r;
                }
        }
        *ret_blobs = TAKE_PTR(blobs);
        *ret_layers = TAKE_PTR(layers);
        return 0;
}

int image_store_collect_garbage(const char *state_dir) {
        _cleanup_(image_store_unlock) StoreLock lock = STORE_LOCK_NULL;
        _cleanup_strv_free_ char **blobs = NULL, **layers = NULL;
        static const char *const kinds[] = { "images/blobs/sha256", "layers" };
        int r, ret = 0;

        r = image_store_lock(state_dir, "index", &lock);
        if (r < 0)
                return r;
        r = collect_used(state_dir, &blobs, &layers);
        if (r < 0)
                return r;

        for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                _cleanup_closedir_ DIR *d = NULL;
                _cleanup_free_ char *dir = path_join(state_dir, kinds[k]);
                struct dirent *de;

                if (!dir)
                        return -ENOMEM;
                d = opendir(dir);
                if (!d)
                        return -errno;
                while ((de = readdir(d))) {
                        _cleanup_(image_store_unlock) StoreLock layer_lock = STORE_LOCK_NULL;
                        _cleanup_free_ char *digest = NULL, *p = NULL, *what = NULL;

                        if (de->d_name[0] == '.')
                                continue;
                        digest = strjoin("sha256:", de->d_name);
                        p = path_join(dir, de->d_name);
                        if (!digest || !p)
                                return -ENOMEM;
                        if (strv_contains(k == 0 ? blobs : layers, digest))
                                continue;
                        if (k == 1) {
                                /* A pull that found this layer already here relies on it. */
                                what = strjoin("layer-", de->d_name);
                                if (!what)
                                        return -ENOMEM;
                                if (image_store_try_lock(state_dir, what, &layer_lock) < 0)
                                        continue;
                        }
                        r = k == 0 ? (unlink(p) < 0 ? -errno : 0) : rm_rf(p);
                        if (r < 0 && r != -ENOENT)
                                ret = r;
                }
        }
        return ret;
}
