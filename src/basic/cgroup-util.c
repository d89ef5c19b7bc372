/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include "cgroup-util.h"
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
