/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "path-util.h"
#include "string-util.h"

char *path_join_real(const char *first, ...) {
        va_list ap;
        size_t l = 0;
        char *r, *p;

        va_start(ap, first);
        for (const char *t = first; t; t = va_arg(ap, const char *))
                l += strlen(t) + 1;
        va_end(ap);

        r = malloc(l + 1);
        if (!r)
                return NULL;
        p = r;
        *p = 0;

        va_start(ap, first);
        for (const char *t = first; t; t = va_arg(ap, const char *)) {
                if (p != r && p[-1] != '/' && *t != '/')
                        *p++ = '/';
                else if (p != r && p[-1] == '/' && *t == '/')
                        t++;
                size_t n = strlen(t);
                memcpy(p, t, n);
                p += n;
        }
        va_end(ap);
        *p = 0;
        return r;
}

int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *t = NULL;

        t = strdup(path);
        if (!t)
                return -ENOMEM;
        for (char *p = t + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = 0;
                if (mkdir(t, mode) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(t, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int rm_rf_children(int dfd, dev_t dev) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r = 0;

        d = fdopendir(dfd);
        if (!d) {
                safe_close(dfd);
                return -errno;
        }
        while ((de = readdir(d))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno != ENOENT)
                                r = -errno;
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        int cfd;

                        if (st.st_dev != dev) /* a mount point: never descend */
                                return -EBUSY;
                        cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd < 0) {
                                r = -errno;
                                continue;
                        }
                        int k = rm_rf_children(cfd, dev);
                        if (k < 0)
                                return k;
                        if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                                r = -errno;
                } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
                        r = -errno;
        }
        return r;
}

int rm_rf(const char *path) {
        struct stat st;
        int fd, r;

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return RET_NERRNO(unlink(path));

        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = rm_rf_children(fd, st.st_dev);
        if (r < 0)
                return r;
        if (rmdir(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int find_executable(const char *name, char **ret) {
        const char *path = getenv("PATH");

        if (strchr(name, '/')) {
                if (access(name, X_OK) < 0)
                        return -errno;
                *ret = strdup(name);
                return *ret ? 0 : -ENOMEM;
        }
        if (!path)
                path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

        for (const char *p = path; *p;) {
                size_t n = strcspn(p, ":");
                _cleanup_free_ char *dir = strndup(p, n), *full = NULL;

                if (!dir)
                        return -ENOMEM;
                full = path_join(dir, name);
                if (!full)
                        return -ENOMEM;
                if (n > 0 && access(full, X_OK) == 0) {
                        *ret = TAKE_PTR(full);
                        return 0;
                }
                p += n;
                if (*p == ':')
                        p++;
        }
        return -ENOENT;
}
