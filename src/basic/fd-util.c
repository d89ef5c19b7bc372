/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "fd-util.h"

int safe_close(int fd) {
        int saved = errno;

        if (fd >= 0)
                (void) close(fd);
        errno = saved;
        return -EBADF;
}

int fd_count_open(void) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int n = 0;

        d = opendir("/proc/self/fd");
        if (!d)
                return negative_errno();
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        return n - 1; /* the directory's own fd */
}
