/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "layer-unpack.h"

/* Confines the calling process for unpacking into dest_dir_fd: chroot() into it (with CAP_SYS_CHROOT:
 * every path, also of chmod()/chown()/setxattr(), which Landlock does not cover, resolves beneath it;
 * the working directory is it), seccomp_lock_down_unpacker() and a filter that lets it make no
 * device node but the 0:0 character device of a whiteout (so unpack_in_worker() with allow_devices
 * fails on device entries with EPERM), no metadata change (chmod, chown, xattrs, ioctl, times) of the
 * file behind input_fd (< 0: none), then, where the kernel has Landlock
 * (ABI >= 2), no file system access outside dest_dir_fd (already open file descriptors keep working),
 * no TCP, no signals or abstract sockets outside. Irreversible: call it in a child. Returns 0 (also
 * when Landlock or chroot() is unavailable) or a negative errno. */
int unpack_worker_lock_down(int dest_dir_fd, int input_fd);

/* Like layer_unpack(), but in a forked child that closes every other fd and calls
 * unpack_worker_lock_down() first, so a libarchive bug exploited by a hostile layer is contained.
 * Waits for the child (blocking; a child that dies never leaves us hanging). A child killed by a
 * signal gives -EPROTO and the reason "unpack worker died with signal N (SIGNAME)". Call it from a
 * thread that may fork; other threads must not hold OpenSSL or libarchive locks meanwhile (glibc makes
 * malloc safe across fork). Same contract as layer_unpack() otherwise. */
int unpack_in_worker(int input_fd, int dest_dir_fd, const UnpackOptions *opts, UnpackResult *ret, char **ret_reason);
