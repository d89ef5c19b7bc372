/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Resolve a container's --user ("user", "user:group", "uid", "uid:gid", or empty for root) against the
 * IMAGE's /etc/passwd and /etc/group, the way docker and runc do (github.com/moby/sys/user
 * GetExecUser()), never against the host's user database (no getpwnam()):
 *
 *  - a name must have a passwd entry ("unable to find user NAME: no matching entries in passwd file");
 *    a number works without one (then gid 0 and HOME "/" unless ":group" says otherwise);
 *  - ":group" is looked up by name in the group file, a number works without an entry;
 *  - without ":group" the supplementary groups are the groups that list the user's name as a member;
 *  - additional_gids is what goes into the OCI process.user.additionalGids: the primary gid first, then
 *    the supplementary ones, as docker does;
 *  - home is the passwd entry's directory, "/" when there is none.
 *
 * The files are opened below the rootfs with openat2(RESOLVE_IN_ROOT) (or an equivalent walk where the
 * kernel lacks it), so symlinks in a hostile image resolve inside the image and cannot reach the host's
 * files; files that are not regular files are
 * refused, and files larger than USER_DB_SIZE_MAX are refused. A missing file counts as empty. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "macro.h"

#define USER_DB_SIZE_MAX (16U * 1024U * 1024U)

typedef struct ResolvedUser {
        uid_t uid;
        gid_t gid;
        gid_t *additional_gids;         /* primary gid first, then supplementary groups, no duplicates */
        size_t n_additional_gids;
        char *name;                     /* the passwd entry's name, NULL when none matched */
        char *home;                     /* never NULL */
} ResolvedUser;

ResolvedUser *resolved_user_free(ResolvedUser *u);
DEFINE_TRIVIAL_CLEANUP_FUNC(ResolvedUser *, resolved_user_free);

/* rootfs_fd: an O_PATH or O_DIRECTORY fd of the container's root file system. spec may be NULL or ""
 * (root). Returns 0; -EINVAL with *ret_reason (malloc'ed) when the user or group does not exist or the
 * spec is malformed; another negative errno (with a reason) when a file cannot be read. */
int user_resolve(int rootfs_fd, const char *spec, ResolvedUser **ret, char **ret_reason);

/* The same on file contents already in memory (NULL = the file does not exist). Pure. */
int user_resolve_from_data(const char *passwd, const char *group, const char *spec, ResolvedUser **ret, char **ret_reason);

/* Open path below rootfs_fd for reading, resolving it as if rootfs_fd were "/": with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), or where that is unavailable (ENOSYS, or EPERM from
 * a seccomp filter) with an equivalent walk one component at a time. use_openat2 = false forces the walk
 * (for tests). Returns an fd or a negative errno. */
int open_file_in_root(int rootfs_fd, const char *path, bool use_openat2);

/* Read a file below rootfs_fd with open_file_in_root() (path is relative to the rootfs, a leading '/' is
 * fine). -ENOENT when it does not exist, -EFBIG when larger than max_size, -EBADFD when not a regular
 * file. */
int read_file_in_root(int rootfs_fd, const char *path, size_t max_size, char **ret, size_t *ret_size);
