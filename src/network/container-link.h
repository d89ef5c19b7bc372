/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One network of a container, on the host: what a unit's start does per network (nyx-prepare) and
 * what `network connect`/`disconnect` of a running container does (nyxd). Errors come back as a
 * negative errno and a sentence in *ret_reason (malloc'ed; may be NULL); nothing logs. */

#include <stdbool.h>

#include "prepare-config.h"

/* The network's bridge (made when missing, with its address, a fixed MAC and its firewall rules), the
 * veth pair with n->interface inside the namespace at netns, its address and MAC, lo up, and the
 * default route via the gateway when default_route and not internal. A stale pair of the same name
 * goes first. On failure the pair goes again. */
int container_link_up(const char *netns, const PrepareNetwork *n, bool default_route, char **ret_reason);

/* Delete the host side of the pair (the peer goes with it); none there is fine. */
int container_link_down(const PrepareNetwork *n);

/* Under the network's lock: mark the container running (or not) in its lease and rewrite the
 * /etc/hosts block of the network in every running member's file (and drop it from the container's
 * own when it stops). Only for networks with name resolution (n->dns). */
int container_link_members(const char *id, const char *container_dir, const PrepareNetwork *n, bool running);
