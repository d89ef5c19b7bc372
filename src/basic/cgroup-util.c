/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-util.h"
#include "fileio.h"
#include "macro.h"
#include "string-util.h"
#include "path-util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

int cgroup_detect_mode(const char *root, CGroupMode *ret) {
        _cleanup_free_ char *unified = NULL;
        struct statfs fs;

        if (statfs(root, &fs) < 0)
                return -errno;
        if (fs.f_type == CGROUP2_SUPER_MAGIC) {
                *ret = CGROUP_MODE_UNIFIED;
                return 0;
        }
        if (fs.f_type != TMPFS_MAGIC)
                return -ENOMEDIUM;

        unified = path_join(root, "unified");
        if (!unified)
                return -ENOMEM;
        if (statfs(unified, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
                *ret = CGROUP_MODE_HYBRID;
        else
                *ret = CGROUP_MODE_LEGACY;
        return 0;
}

const char *cgroup_mode_to_string(CGroupMode m) {
        switch (m) {
        case CGROUP_MODE_LEGACY:
                return "legacy";
        case CGROUP_MODE_HYBRID:
                return "hybrid";
        case CGROUP_MODE_UNIFIED:
                return "unified";
        default:
                return "unknown";
        }
}

int cgroup_pid_get_path(pid_t pid, CGroupMode mode, char **ret) {
        _cleanup_free_ char *s = NULL;
        char path[64];
        const char *key;
        char *p;
        int r;

        if (pid == 0)
                strcpy(path, "/proc/self/cgroup");
        else
                snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        r = read_full_file(path, 0, &s, NULL);
        if (r < 0)
                return r;

        key = mode == CGROUP_MODE_UNIFIED ? "0::" : ":name=systemd:";
        p = startswith(s, key) ? s : strstr(s, key);
        if (p && p != s && mode == CGROUP_MODE_UNIFIED && p[-1] != '\n')
                p = strstr(s, "\n0::");
        if (!p)
                return -ENOMEDIUM;
        p = strstr(p, key) + strlen(key);
        p[strcspn(p, "\n")] = 0;
        p = strdup(p);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}
