/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

typedef enum CGroupMode {
        CGROUP_MODE_UNKNOWN,
        CGROUP_MODE_LEGACY,   /* v1 only */
        CGROUP_MODE_HYBRID,   /* v1 controllers, cgroup2 at /sys/fs/cgroup/unified */
        CGROUP_MODE_UNIFIED,  /* cgroup2 at /sys/fs/cgroup */
} CGroupMode;

/* Look at what is mounted at root (normally /sys/fs/cgroup). */
int cgroup_detect_mode(const char *root, CGroupMode *ret);
const char *cgroup_mode_to_string(CGroupMode m);

#include <sys/types.h>

/* The cgroup of pid (0: this process) in the hierarchy systemd keeps its tree in (name=systemd on
 * v1 and hybrid, the unified one otherwise), as /proc/PID/cgroup shows it. */
int cgroup_pid_get_path(pid_t pid, CGroupMode mode, char **ret);
