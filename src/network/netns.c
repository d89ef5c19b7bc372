/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "netns.h"
#include "path-util.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int netns_path(const char *id, char **ret) {
        char *p;

        if (!id || !*id || strchr(id, '/') || id[0] == '.')
                return -EINVAL;
        p = path_join(NETNS_DIR, id);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

bool netns_is_mounted(const char *path) {
        struct statfs sfs;

        return statfs(path, &sfs) >= 0 && (unsigned long) sfs.f_type == (unsigned long) NSFS_MAGIC;
}

static int wait_child(pid_t pid) {
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (WIFEXITED(status))
                return -WEXITSTATUS(status);
        return -EPROTO;
}

int netns_create(const char *path) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *slash;
        pid_t pid;
        int r;

        if (netns_is_mounted(path))
                return 0;

        slash = strrchr(path, '/');
        if (!slash || slash == path)
                return -EINVAL;
        dir = strndup(path, slash - path);
        if (!dir)
                return -ENOMEM;
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0444);
        if (fd < 0)
                return -errno;
        fd = safe_close(fd);

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (unshare(CLONE_NEWNET) < 0)
                        _exit(errno);
                if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
                        _exit(errno);
                _exit(0);
        }
        r = wait_child(pid);
        if (r < 0) {
                (void) unlink(path);
                return r;
        }
        return 1;
}

int netns_remove(const char *path) {
        /* Unmount every layer: a file mounted over twice still holds a namespace. */
        for (unsigned i = 0; i < 8 && umount2(path, MNT_DETACH) >= 0; i++)
                ;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int netns_run(const char *path, int (*func)(void *userdata), void *userdata) {
        _cleanup_close_ int fd = -EBADF;
        pid_t pid;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (!netns_is_mounted(path))
                return -ENOENT;

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int r;

                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (setns(fd, CLONE_NEWNET) < 0)
                        _exit(errno);
                r = func(userdata);
                _exit(r < 0 ? MIN(-r, 255) : 0);
        }
        return wait_child(pid);
}
