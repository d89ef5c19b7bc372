/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "prepare-config.h"

/* A unit's start: the container's netns file (kept until rm, so a restart keeps the address), the
 * bridge of each network (made again after a reboot, without nyxd), a veth pair per network with the
 * container's side addressed inside, lo up, the default route unless internal, the members' /etc/hosts
 * on user networks. Nothing for --network none and host. Logs; on failure what it made goes again. */
int prepare_network_start(const PrepareConfig *c);

/* A unit's stop: the host side of each veth (the peer goes with it) and the container's name from the
 * other members' /etc/hosts. The netns file stays. Safe after a failed or missing start. */
void prepare_network_stop(const PrepareConfig *c);
