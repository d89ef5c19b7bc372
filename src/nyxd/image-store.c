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
        static const char *const dirs[] = { "images/blobs/sha256", "layers", "tmp" };
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

int image_store_lock(const char *state_dir, const char *what, int *ret_fd) {
        _cleanup_free_ char *p = NULL, *name = NULL;
        _cleanup_close_ int fd = -EBADF;

        name = strjoin(".lock-", what);
        if (!name)
                return -ENOMEM;
        p = path_join(state_dir, "tmp", name);
        if (!p)
                return -ENOMEM;
        fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
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
        _cleanup_close_ int lock = -EBADF;
        ImageName *n = NULL;
        int r;

        r = image_store_lock(state_dir, "index", &lock);
        if (r < 0)
                return r;
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

int image_store_set_name(const char *state_dir, const char *name, const char *manifest_digest,
                         const char *media_type, uint64_t size) {
        return update_name(state_dir, name, manifest_digest, media_type, size);
}

int image_store_remove_name(const char *state_dir, const char *name) {
        return update_name(state_dir, name, NULL, NULL, 0);
}

int image_store_make_staging(const char *state_dir, const char *prefix, char **ret) {
        _cleanup_free_ char *p = NULL;

        if (asprintf(&p, "%s/tmp/%s-XXXXXX", state_dir, prefix) < 0)
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

                if (de->d_name[0] == '.')
                        continue;   /* lock files stay */
                p = path_join(tmp, de->d_name);
                if (!p)
                        return -ENOMEM;
                int k = rm_rf(p);
                if (k < 0)
                        r = k;
        }
        return r;
}
