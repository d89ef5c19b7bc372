/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Socket-activated containers (--listen [IP:]HOSTPORT:PORT): three transient units made in one
 * StartTransientUnit() call, of which only the first is started:
 *
 *   nyx-NAME@listen.socket    owns the host port (ListenStream=)
 *   nyx-NAME@listen.service   the proxy it activates: `nyx-prepare proxy DIR PORT [IDLE]` joins the
 *                             container's network namespace, waits until PORT accepts there, and becomes
 *                             systemd-socket-proxyd (--exit-idle-time= for --idle-timeout); Requires= and
 *                             After= nyx-NAME.service
 *   nyx-NAME.service          the container unit as `run` makes it, plus StopWhenUnneeded=yes: it starts
 *                             with the first connection and stops when the idle proxy exits
 *
 * ('@' cannot be in a container name, so these names never clash with another container's unit.) While
 * the socket waits and the container is down, the container's status is "listening". */

#include <stdbool.h>

#include <systemd/sd-bus.h>

typedef struct Container Container;
typedef struct Manager Manager;

bool container_listens(const Container *c);

/* Whether the container's socket unit is listening (a call to systemd). */
bool listen_socket_is_active(Container *c);

/* Make the three units and start the socket; message (may be NULL) is answered once it listens.
 * Nothing to do when the socket listens already. */
int listen_start(Container *c, sd_bus_message *message, sd_bus_error *error);

/* Stop the socket and the proxy (the container unit then stops as unneeded; the caller stops it too). */
void listen_stop(Container *c);

/* Whether unit is one of a listening container's own (socket, proxy), not a container unit. */
bool listen_unit_name_is_ours(const char *unit);

/* At nyxd's start: make the sockets of --listen containers again (after a reboot nothing listens),
 * except those a user stopped. */
void manager_restore_listeners(Manager *m);
