/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "macro.h"
#include "oci-manifest.h"

typedef struct Manager Manager;

/* An image in the store: a config, under one or more names. Its ID is the
 * config's digest, as with docker; each name points at a manifest (the same
 * config may come in several manifests: OCI and Docker media types, gzip or
 * zstd layers). manifest/manifest_digest are those of the first name. */
typedef struct Image {
        char *id;                  /* "sha256:..." */
        char *manifest_digest;
        char *manifest_media_type;
        uint64_t manifest_size;
        char **names;              /* canonical references */
        char **digests;            /* digests[k]: the manifest names[k] points at */
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

/* The manifest digest name_or_id stands for in i: that name's, else the first. */
const char *image_manifest_for(const Image *i, const char *name_or_id);

/* Layer directories, topmost first, for overlayfs' lowerdir=. */
int image_layer_dirs(Manager *m, const Image *i, char ***ret);
