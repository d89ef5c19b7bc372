/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Persistent network namespaces: a container's netns is bind-mounted onto /run/nyx/netns/ID (as
 * `ip netns add` does), so it outlives the container's processes: `systemctl restart` joins the same
 * one again and keeps the address. It goes at rm (or at nyxd's start, when its container is gone). */

#include <stdbool.h>

#define NETNS_DIR "/run/nyx/netns"

/* NETNS_DIR/ID */
int netns_path(const char *id, char **ret);

/* Whether path is a mounted network namespace. */
bool netns_is_mounted(const char *path);

/* Make a new namespace at path unless one is mounted there: 1 when made, 0 when it was there. */
int netns_create(const char *path);

/* Unmount and unlink; a missing one is fine. */
int netns_remove(const char *path);

/* Run func in a forked child that joined the namespace at path; its negative errno comes back. */
int netns_run(const char *path, int (*func)(void *userdata), void *userdata);
