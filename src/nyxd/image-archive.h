/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Images to and from tar archives: save, load, import. Blocking: run them
 * in an operation worker.
 *
 * save writes what `docker save` (25+) writes, which docker, podman and
 * skopeo load both as docker-archive and as oci-archive: an OCI image
 * layout (oci-layout, index.json naming each image by its full reference in
 * io.containerd.image.name and its tag in org.opencontainers.image.ref.name,
 * blobs/sha256/...) plus docker's manifest.json (Config, RepoTags, Layers
 * pointing at the same blobs). The manifests are the store's, unchanged, so
 * a load of the archive gives the same image IDs and manifest digests.
 *
 * load reads such archives, plain OCI archives (index.json), and the older
 * docker-archive format (manifest.json with <id>/layer.tar, symlinked
 * duplicates, uncompressed or compressed layers); the archive itself may be
 * gzip, zstd or xz compressed. The archive is untrusted: its entry names are
 * only keys (nothing is created under them), every regular file is stored
 * under its own sha256, sizes are bounded, and layers are extracted in the
 * confined unpack worker and checked against the config's diff_ids. */

#include <stdint.h>

typedef struct SaveEntry {
        char *name;                /* canonical reference, or NULL (saved by ID) */
        char *manifest_digest;
        char *media_type;          /* of that manifest; NULL: from the document */
} SaveEntry;

int save_images(const char *state_dir, const SaveEntry *entries, size_t n, int out_fd, char **ret_reason);

/* *ret_result: one "ID NAME" line per loaded name. */
int load_images(const char *state_dir, int in_fd, uint64_t max_layer_bytes, char **ret_result, char **ret_reason);

/* A root file system tarball (maybe compressed) into a one-layer image
 * named name (canonical). *ret_id: the new image's ID. */
int import_image(const char *state_dir, int in_fd, const char *name, const char *message, uint64_t max_layer_bytes,
                 char **ret_id, char **ret_reason);
