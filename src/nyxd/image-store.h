/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* The image store under STATE/images, an OCI image layout:
 *   oci-layout, index.json          names -> manifest digests
 *   blobs/sha256/<hex>              manifests, configs, compressed layers
 * and STATE/layers/<diff-id hex>/   each layer extracted once, shared.
 * Writers stage under STATE/tmp and rename into place, so nothing is
 * visible before it is complete and verified; index.json is rewritten
 * atomically under an exclusive lock on STATE/locks/index. Layer locks
 * (STATE/locks/layer-<hex>) exist only while somebody holds them. */

typedef struct ImageName {
        char *name;              /* "docker.io/library/busybox:latest" */
        char *manifest_digest;   /* "sha256:..." */
        char *media_type;
        uint64_t size;
} ImageName;

typedef struct ImageIndex {
        ImageName *names;
        size_t n_names;
} ImageIndex;

void image_index_done(ImageIndex *idx);

int image_store_init(const char *state_dir);

int image_store_read_index(const char *state_dir, ImageIndex *ret);

/* Point name at a manifest (replacing an earlier one), or drop it. They take
 * the index lock; the _locked variants expect the caller to hold it. */
int image_store_set_name(const char *state_dir, const char *name, const char *manifest_digest,
                         const char *media_type, uint64_t size);
int image_store_set_name_locked(const char *state_dir, const char *name, const char *manifest_digest,
                                const char *media_type, uint64_t size);
int image_store_remove_name(const char *state_dir, const char *name);

int image_store_blob_path(const char *state_dir, const char *digest, char **ret);
int image_store_layer_path(const char *state_dir, const char *diff_id, char **ret);
bool image_store_has_blob(const char *state_dir, const char *digest);
bool image_store_has_layer(const char *state_dir, const char *diff_id);

/* Read a blob, checking that its content still has its digest. */
int image_store_read_blob(const char *state_dir, const char *digest, size_t max_size, char **ret, size_t *ret_size);
/* Write a small blob (manifest, config) after checking its digest. */
int image_store_write_blob(const char *state_dir, const char *digest, const void *data, size_t size);

/* A fresh staging directory under STATE/tmp. */
int image_store_make_staging(const char *state_dir, const char *prefix, char **ret);
/* The same in dir (below STATE/tmp, on the store's file system). */
int image_store_make_staging_in(const char *dir, const char *prefix, char **ret);

/* Remove leftovers of interrupted writers (after a crash or kill -9). */
int image_store_clean_staging(const char *state_dir);

/* An exclusive lock on the store's index (what = "index") or on a layer
 * being pulled ("layer-<hex>"). Blocks. Release it with image_store_unlock(),
 * which removes the lock file of a layer again (a process that dies just
 * drops the lock; the file is reused or removed by the next holder). */
typedef struct StoreLock {
        int fd;
        char *path;
        bool remove;
} StoreLock;

#define STORE_LOCK_NULL ((StoreLock) { .fd = -EBADF })

int image_store_lock(const char *state_dir, const char *what, StoreLock *ret);
/* Like image_store_lock() but -EBUSY instead of waiting. */
int image_store_try_lock(const char *state_dir, const char *what, StoreLock *ret);
void image_store_unlock(StoreLock *l);

/* Remove every blob and layer no name in index.json refers to, except
 * layers somebody holds a lock on (a pull in progress). Takes the index lock. */
int image_store_collect_garbage(const char *state_dir);
