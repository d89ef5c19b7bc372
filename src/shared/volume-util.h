/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What nyxd and nyx-prepare share about volumes: names and options (pure), the size-limited volume's
 * loop-mounted ext4 image, the lock that serializes everything done to one volume, and the copy of an
 * image's content into a new volume.
 *
 * On disk, STATE/volumes/NAME/ holds volume.json (the record, written atomically and last: a directory
 * without it is an interrupted create), _data/ (what containers see) and, for size-limited volumes,
 * disk.img: a sparse file with an ext4 file system that is loop-mounted at _data for as long as the
 * volume exists. Mounting once and keeping it is what survives reboots and crashes without reference
 * counts that could go stale: nyxd mounts it at create, again at start (nyxd.service runs once per
 * boot, before it re-creates the units of --restart containers), and `volume rm` unmounts it. When a
 * container's start (nyx-prepare) finds it unmounted anyway, it asks nyxd over the bus (MountVolume,
 * activating nyxd if need be): the unit's DevicePolicy= keeps its own processes from opening a loop
 * device. So nyxd must run in the host's mount namespace. The loop device is attached with
 * LO_FLAGS_AUTOCLEAR: the last unmount (volume rm, the mount namespace's end at shutdown) detaches
 * it, and nothing else ever holds it. "populated" marks a volume that received the image's content
 * once. */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

#define VOLUME_RECORD "volume.json"
#define VOLUME_DATA "_data"
#define VOLUME_IMAGE "disk.img"
#define VOLUME_POPULATED "populated"
#define VOLUME_SIZE_MIN (UINT64_C(8) << 20)     /* ext4 with a journal needs a few MiB */
#define VOLUME_SIZE_MAX (UINT64_C(1) << 50)     /* 1 PiB: beyond it a typo, not a plan */
#define VOLUME_LABEL_ANONYMOUS "com.docker.volume.anonymous"

/* [a-zA-Z0-9][a-zA-Z0-9_.-]+ (docker's rule for local volumes), at most 255 characters. 0, or -EINVAL
 * with *ret_reason. */
int volume_name_validate(const char *name, char **ret_reason);

/* The driver options of `volume create --opt K=V`: only size=SIZE (512M, 1G, bytes; at least
 * VOLUME_SIZE_MIN) is known. *ret_size = 0 when none is given. -EINVAL with *ret_reason for an unknown
 * key, a missing '=', a bad or repeated value. */
int volume_options_parse(char * const *options, uint64_t *ret_size, char **ret_reason);

/* `--label K[=V]` entries: K non-empty, no '=' in it; a later K replaces an earlier one. *ret is a new
 * strv of "K=V". */
int volume_labels_normalize(char * const *labels, char ***ret, char **ret_reason);

/* flock() the volume's directory exclusively; returns the fd that holds the lock. */
int volume_lock(const char *volume_dir);

/* Is path the root of a mount? 1 yes, 0 no, negative errno. */
int path_is_mount_root(const char *path);

/* Create the sparse image file of size bytes and put an ext4 file system on it (mkfs.ext4, no
 * reserved blocks: the volume's size is what containers may write). */
int volume_image_create(const char *image_path, uint64_t size);

/* Attach the image to a free loop device (LO_FLAGS_AUTOCLEAR) and mount it at where, unless something
 * is mounted there already. 1 when it mounted, 0 when it was mounted. */
int volume_image_mount(const char *image_path, const char *where);

/* Copy the directory destination (resolved inside rootfs, symlinks staying in it) into data_dir,
 * keeping ownership, modes, times, symlinks, hard links, device nodes and extended attributes, then
 * give data_dir the source directory's owner and mode, as docker does for a new volume. 1 when copied,
 * 0 when the image has no directory there (nothing to do). On failure the copied part is removed
 * again. */
int volume_copy_up(const char *rootfs, const char *destination, const char *data_dir);

/* Is the directory empty? 1, 0, negative errno. */
int dir_is_empty(const char *path);

/* Bytes allocated below path (st_blocks), not crossing into other file systems except at path. */
int disk_usage(const char *path, uint64_t *ret);
