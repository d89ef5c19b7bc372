/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The terminal of a container created with -t (config.json "terminal": true).
 *
 * crun allocates the pty and sends its master over the console socket (--console-socket) to nyxd:
 * one listening AF_UNIX socket per container, RUN_DIR/console/ID, made before the unit starts and
 * kept until the container is removed (a unit that systemd restarts connects to it again). nyxd keeps
 * the master and puts it, the listening socket and the attached client's lifeline into systemd's file
 * descriptor store (nyxd.service FileDescriptorStoreMax=), named console-master-ID,
 * console-listen-ID and console-attach-ID, and takes them back when it starts again: a `kill -9` of
 * nyxd does not hang up a container's terminal, and a session that is attached goes on.
 *
 * While nobody is attached nyxd reads the master and writes each line to the journal with the
 * container's fields (CONTAINER_NAME, CONTAINER_ID, CONTAINER_ID_FULL, SYSLOG_IDENTIFIER and
 * OBJECT_SYSTEMD_UNIT=nyx-NAME.service: `nyxctl logs` and `journalctl -u nyx-NAME.service` show it),
 * so the container never blocks on a full terminal. nyxd does not exit when idle while it holds a
 * master.
 *
 *   Attach(h lifeline, a{sv} options) -> (h master)
 *
 * Hands the caller a duplicate of the master: the caller relays it (and sets the window size with
 * TIOCSWINSZ on it). From then on nyxd leaves the master alone until lifeline (the read end of a pipe
 * whose write end the caller keeps) hangs up: when the caller detaches or exits. One session at a
 * time (InUse otherwise). Options:
 *
 *   Wait b   when the container has no terminal yet (it is not running, or starting), wait for the
 *            next one instead of failing with NotRunning: a client that starts the container
 *            (run -it, start -a) calls Attach first, then Start, and misses no output. */

#include <systemd/sd-bus.h>

typedef struct Container Container;
typedef struct Manager Manager;

/* Before its unit starts: make sure the container's console socket listens. */
int container_console_prepare(Container *c);
/* The path for crun run --console-socket; NULL when there is none. */
const char *container_console_socket(const Container *c);
/* For a container with a terminal: argv (the unit's ExecStart, whose last argument names the
 * container) with --console-socket=PATH inserted before its last argument; *ret = NULL without one. */
int container_console_run_argv(const Container *c, char * const *run, char ***ret);
/* After the container's state changed: let go of a terminal whose container side is gone. */
void container_console_refresh(Container *c);
/* The container is removed: close everything and drop it from the fd store. */
void container_console_forget(Container *c);

/* At start, after the containers are loaded: take the terminals back from the fd store. */
int manager_restore_consoles(Manager *m);

int method_container_attach(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int property_container_terminal(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error);

/* Terminal b: created with -t. */
#define CONTAINER_TTY_METHODS                                                                           \
        SD_BUS_PROPERTY("Terminal", "b", property_container_terminal, 0, SD_BUS_VTABLE_PROPERTY_CONST),  \
        SD_BUS_METHOD_WITH_ARGS("Attach",                                                               \
                                SD_BUS_ARGS("h", lifeline, "a{sv}", options),                           \
                                SD_BUS_RESULT("h", master),                                             \
                                method_container_attach, SD_BUS_VTABLE_UNPRIVILEGED)
