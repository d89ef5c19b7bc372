/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Extraction of untrusted OCI/Docker layer tarballs into a layer directory that overlayfs will use as
 * a lower (or upper) dir. See layer-unpack.c for the rules that are enforced. */

#include <stdbool.h>
#include <stdint.h>

typedef struct UnpackOptions {
        /* 0 = no limit. Bounds the decompressed stream and, separately, the sum of the apparent
         * sizes of sparse files (which carry less data than they claim); exceeding either → -EFBIG. */
        uint64_t max_uncompressed_bytes;
        /* false: character/block device entries are refused (-EPERM); true: they are mknod'ed.
         * Whiteouts (0:0 character devices made from .wh. entries) are created either way. */
        bool allow_devices;
        /* true: chown every entry to the uid/gid recorded in the tar (needs CAP_CHOWN; pass
         * geteuid() == 0). false: entries are owned by the caller. */
        bool preserve_ownership;
        /* true: mark opaque directories with user.overlay.opaque (overlayfs mounted with
         * "userxattr", i.e. rootless) instead of trusted.overlay.opaque. */
        bool overlay_userxattr;
} UnpackOptions;

typedef struct UnpackResult {
        char diff_id[7 + 64 + 1];         /* "sha256:<hex>" of the whole uncompressed tar stream */
        uint64_t uncompressed_size;       /* bytes in that stream */
        uint64_t n_entries;               /* tar entries processed (including whiteouts) */
} UnpackResult;

/* Reads a gzip, zstd or uncompressed tar stream from input_fd until EOF (it may be a pipe or socket;
 * a regular file is mapped window by window rather than copied out, up to the size fstat() gives)
 * and extracts it beneath dest_dir_fd, which should be an empty staging directory. opts may be NULL
 * (all defaults). Returns 0 and fills *ret (if non-NULL), or a negative errno:
 *   -EPERM    an entry breaks a safety rule (escapes the directory, is a device, ...)
 *   -EFBIG    max_uncompressed_bytes exceeded
 *   -EBADMSG  the stream is not a valid (compressed) tar, or is truncated
 *   others    a file system operation failed
 * On failure *ret_reason (if ret_reason is non-NULL) receives a malloc'ed sentence naming the
 * offending entry, e.g. "entry '../../escape' leaves the layer directory" (NULL only on OOM); it is
 * left untouched on success. On failure whatever was extracted so far is left in place: the caller
 * must remove the staging directory. */
int layer_unpack(int input_fd, int dest_dir_fd, const UnpackOptions *opts, UnpackResult *ret, char **ret_reason);

/* The same for a regular file that another process is still appending to (a download): where
 * input_fd ends, waits for a byte on more_fd (the writer sends one after every append) and takes
 * the end of the file for the end of the stream only after EOF on more_fd (the writer closed it:
 * complete, or it gave up, which the writer reports itself). more_fd may be -EBADF (the file is
 * complete), and may be non-blocking. -EINVAL if more_fd is given and input_fd is no regular file. */
int layer_unpack_growing(int input_fd, int more_fd, int dest_dir_fd, const UnpackOptions *opts, UnpackResult *ret,
                         char **ret_reason);
