/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive-dl.h"
#include "fd-util.h"
#include "macro.h"
#include "string-util.h"
#include "tar-tree.h"

#define TAR_TREE_DEPTH_MAX 256U

static int reason_errno(char **ret_reason, int r, const char *what, const char *path) {
        if (ret_reason && !*ret_reason)
                (void) asprintf(ret_reason, "%s %s: %s", what, path, strerror(-r));
        return r;
}

static int archive_error(struct archive *a, char **ret_reason, const char *path) {
        int e = sym_archive_errno(a);

        if (ret_reason && !*ret_reason)
                (void) asprintf(ret_reason, "cannot archive %s: %s", path, sym_archive_error_string(a) ?: "error");
        return e > 0 ? -e : -EIO;
}

static int write_file_data(struct archive *a, int fd, const char *path, char **ret_reason) {
        char buf[64 * 1024];

        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return reason_errno(ret_reason, -errno, "cannot read", path);
                if (n == 0)
                        return 0;
                if (sym_archive_write_data(a, buf, n) != n)
                        return archive_error(a, ret_reason, path);
        }
}

static int write_tree(struct archive *a, int dir_fd, const char *name, const char *archive_name, unsigned depth,
                      char **ret_reason) {
        _cleanup_(sym_archive_entry_freep) struct archive_entry *e = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        if (depth > TAR_TREE_DEPTH_MAX)
                return reason_errno(ret_reason, -ELOOP, "too deep:", archive_name);
        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return reason_errno(ret_reason, -errno, "cannot stat", archive_name);
        if (S_ISSOCK(st.st_mode))
                return 0;

        if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
                fd = openat(dir_fd, name,
                            (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0) | O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
                if (fd < 0)
                        return reason_errno(ret_reason, -errno, "cannot open", archive_name);
                /* What we opened is what we describe, even if the name moved. */
                if (fstat(fd, &st) < 0)
                        return reason_errno(ret_reason, -errno, "cannot stat", archive_name);
        }

        e = sym_archive_entry_new();
        if (!e)
                return -ENOMEM;
        sym_archive_entry_copy_stat(e, &st);
        sym_archive_entry_set_pathname(e, archive_name);
        if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX + 1];
                ssize_t n = readlinkat(dir_fd, name, target, sizeof(target) - 1);

                if (n < 0)
                        return reason_errno(ret_reason, -errno, "cannot read the symlink", archive_name);
                target[n] = 0;
                sym_archive_entry_set_symlink(e, target);
        }
        if (!S_ISREG(st.st_mode))
                sym_archive_entry_set_size(e, 0);

        if (sym_archive_write_header(a, e) != ARCHIVE_OK)
                return archive_error(a, ret_reason, archive_name);

        if (S_ISREG(st.st_mode))
                return write_file_data(a, fd, archive_name, ret_reason);

        if (S_ISDIR(st.st_mode)) {
                _cleanup_closedir_ DIR *d = NULL;
                struct dirent *de;
                int dfd;

                dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                if (dfd < 0)
                        return reason_errno(ret_reason, -errno, "cannot open", archive_name);
                d = fdopendir(dfd);
                if (!d) {
                        safe_close(dfd);
                        return reason_errno(ret_reason, -errno, "cannot read", archive_name);
                }
                while ((errno = 0, de = readdir(d))) {
                        _cleanup_free_ char *child = NULL;

                        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                                continue;
                        child = streq(archive_name, ".") ? strjoin("./", de->d_name) :
                                                           strjoin(archive_name, "/", de->d_name);
                        if (!child)
                                return -ENOMEM;
                        r = write_tree(a, fd, de->d_name, child, depth + 1, ret_reason);
                        if (r < 0)
                                return r;
                }
                if (errno != 0)
                        return reason_errno(ret_reason, -errno, "cannot read", archive_name);
        }
        return 0;
}

int tar_write_tree(struct archive *a, int dir_fd, const char *name, const char *archive_name, char **ret_reason) {
        const char *e = NULL;
        int r;

        r = dlopen_libarchive(&e);
        if (r < 0) {
                if (ret_reason)
                        *ret_reason = strdup(e ?: "cannot load libarchive");
                return r;
        }
        return write_tree(a, dir_fd, name, archive_name, 0, ret_reason);
}
