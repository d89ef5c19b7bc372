/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "macro.h"
#include "oci-manifest.h"

typedef struct Manager Manager;

/* An image in the store: a manifest and its config, under one or more names.
 * Its ID is the config's digest, as with docker. */
typedef struct Image {
        char *id;                  /* "sha256:..." */
        char *manifest_digest;
        char *manifest_media_type;
        char **names;              /* canonical references */
        OciManifest *manifest;
        OciImageConfig *config;
        uint64_t size;             /* compressed layers + config */
        char *object_path;
} Image;

Image *image_free(Image *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(Image *, image_free);

/* Rebuild the manager's image list from the store. */
int manager_load_images(Manager *m);

/* By name ("busybox", "127.0.0.1:5000/x:tag"), full ID, or a unique ID
 * prefix of at least 3 hex digits. NULL when unknown or ambiguous. */
Image *manager_find_image(Manager *m, const char *ref_or_id);

/* Layer directories, topmost first, for overlayfs' lowerdir=. */
int image_layer_dirs(Manager *m, const Image *i, char ***ret);
