/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image-ref.h"
#include "image-store.h"
#include "image.h"
#include "manager.h"
#include "string-util.h"
#include "strv.h"

Image *image_free(Image *i) {
        if (!i)
                return NULL;
        free(i->id);
        free(i->manifest_digest);
        free(i->manifest_media_type);
        strv_free(i->names);
        strv_free(i->digests);
        oci_manifest_free(i->manifest);
        oci_image_config_free(i->config);
        free(i->object_path);
        return mfree(i);
}

static int image_load(Manager *m, const ImageName *n, Image **ret) {
        _cleanup_(image_freep) Image *i = NULL;
        _cleanup_free_ char *manifest = NULL, *config = NULL, *reason = NULL;
        size_t manifest_size, config_size;
        int r;

        r = image_store_read_blob(m->state_dir, n->manifest_digest, 4 * 1024 * 1024, &manifest, &manifest_size);
        if (r < 0)
                return r;

        i = calloc(1, sizeof(Image));
        if (!i)
                return -ENOMEM;
        r = oci_manifest_parse(manifest, manifest_size, n->media_type, &i->manifest, &reason);
        if (r < 0)
                return r;
        r = image_store_read_blob(m->state_dir, i->manifest->config.digest, 16 * 1024 * 1024, &config, &config_size);
        if (r < 0)
                return r;
        r = oci_image_config_parse(config, config_size, &i->config, &reason);
        if (r < 0)
                return r;

        i->id = strdup(i->manifest->config.digest);
        i->manifest_digest = strdup(n->manifest_digest);
        i->manifest_media_type = strdup(i->manifest->media_type);
        if (!i->id || !i->manifest_digest || !i->manifest_media_type)
                return -ENOMEM;
        i->manifest_size = manifest_size;
        i->size = config_size;
        for (size_t k = 0; k < i->manifest->n_layers; k++)
                i->size += i->manifest->layers[k].size;
        r = sd_bus_path_encode("/org/nyx/engine1/image", i->id + strlen("sha256:"), &i->object_path);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(i);
        return 0;
}

int manager_load_images(Manager *m) {
        _cleanup_(image_index_done) ImageIndex idx = {};
        Image **images = NULL;
        size_t n = 0;
        int r;

        r = image_store_read_index(m->state_dir, &idx);
        if (r < 0)
                return r;

        images = calloc(idx.n_names + 1, sizeof(Image *));
        if (!images)
                return -ENOMEM;

        for (size_t k = 0; k < idx.n_names; k++) {
                _cleanup_(image_freep) Image *loaded = NULL;
                Image *i = NULL;

                r = image_load(m, &idx.names[k], &loaded);
                if (r < 0)
                        continue;   /* a damaged entry must not hide the others */

                /* Several names may point at one manifest, or at manifests with one config. */
                for (size_t j = 0; j < n; j++)
                        if (streq(images[j]->id, loaded->id))
                                i = images[j];
                if (!i)
                        i = images[n++] = TAKE_PTR(loaded);
                r = strv_extend(&i->names, idx.names[k].name);
                if (r >= 0)
                        r = strv_extend(&i->digests, idx.names[k].manifest_digest);
                if (r < 0)
                        goto fail;
        }

        for (size_t k = 0; k < m->n_images; k++)
                image_free(m->images[k]);
        free(m->images);
        m->images = images;
        m->n_images = n;
        return 0;

fail:
        for (size_t k = 0; k < n; k++)
                image_free(images[k]);
        free(images);
        return r;
}

static bool is_hex(const char *s) {
        return *s && strspn(s, "0123456789abcdef") == strlen(s);
}

Image *manager_find_image(Manager *m, const char *ref_or_id) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        _cleanup_free_ char *canonical = NULL;
        const char *hex = startswith(ref_or_id, "sha256:") ?: ref_or_id;
        Image *found = NULL;

        /* An ID or a prefix of one, as docker accepts them. */
        if (is_hex(hex) && strlen(hex) >= 3 && strlen(hex) <= 64) {
                for (size_t k = 0; k < m->n_images; k++)
                        if (startswith(m->images[k]->id + strlen("sha256:"), hex)) {
                                if (found && found != m->images[k])
                                        return NULL;
                                found = m->images[k];
                        }
                if (found)
                        return found;
        }

        if (image_ref_parse(ref_or_id, &ref, NULL) < 0)
                return NULL;
        if (image_ref_to_string(ref, &canonical) < 0)
                return NULL;

        for (size_t k = 0; k < m->n_images; k++) {
                if (strv_contains(m->images[k]->names, canonical))
                        return m->images[k];
                /* name@digest: the digest names the manifest. */
                if (ref->digest && strv_contains(m->images[k]->digests, ref->digest))
                        return m->images[k];
        }
        return NULL;
}

int image_layer_dirs(Manager *m, const Image *i, char ***ret) {
        _cleanup_strv_free_ char **dirs = NULL;
        int r;

        for (size_t k = i->config->n_diff_ids; k > 0; k--) {
                char *p = NULL;

                r = image_store_layer_path(m->state_dir, i->config->diff_ids[k - 1], &p);
                if (r < 0)
                        return r;
                r = strv_consume(&dirs, p);
                if (r < 0)
                        return r;
        }
        if (!dirs)
                return -ENODATA;
        *ret = TAKE_PTR(dirs);
        return 0;
}

const char *image_manifest_for(const Image *i, const char *name_or_id) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        _cleanup_free_ char *canonical = NULL;

        if (image_ref_parse(name_or_id, &ref, NULL) >= 0 && image_ref_to_string(ref, &canonical) >= 0)
                for (size_t k = 0; i->names && i->names[k]; k++) {
                        if (streq(i->names[k], canonical))
                                return i->digests[k];
                        if (ref->digest && streq(ref->digest, i->digests[k]))
                                return i->digests[k];
                }
        return i->manifest_digest;
}
