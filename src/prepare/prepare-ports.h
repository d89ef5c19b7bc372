/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "prepare-config.h"

/* A unit's start, after its networks are up: each published host port must be free on the host (nothing
 * else bound to it), then the DNAT rules to the container's address on its first network go in, in one
 * nft transaction. Nothing without published ports. Logs. */
int prepare_ports_start(const PrepareConfig *c);

/* A unit's stop: every rule of the container goes, however far its start got. Logs. */
void prepare_ports_stop(const PrepareConfig *c);

/* `nyx-prepare proxy DIR PORT [IDLE-SEC]`, the ExecStart= of a --listen container's proxy service: join
 * the container's network namespace, wait until PORT accepts there, then become systemd-socket-proxyd
 * relaying the socket unit's connections to 127.0.0.1:PORT. Returns only on failure. */
int prepare_proxy(const PrepareConfig *c, const char *port, const char *idle);
