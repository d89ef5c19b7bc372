/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Running an extra process in a running container: `crun exec`, with the caller's file descriptors
 * as its stdio (as machined's OpenMachineShell takes them), in the container's namespaces, cgroup
 * (so inside the unit: systemctl status nyx-NAME shows it), capabilities, seccomp filter and
 * rlimits: the process object of the container's config.json with args, env, cwd and user replaced.
 *
 *   Exec(as argv, a{sv} options, h stdin, h stdout, h stderr) -> (i exit_code)
 *
 * The reply comes when the command exited: its exit status (128+N when killed by signal N), 127 when
 * the command does not exist and 126 when it cannot be executed (docker's codes; crun's own message
 * about it goes to the caller's stderr). Options:
 *
 *   Id s          a name the caller picks for this exec, for KillExec (unique per caller)
 *   Env as        KEY=VALUE replacing or adding to the container's environment; KEY unsets
 *   WorkingDir s  absolute; default the container's
 *   User s        user[:group] or uid[:gid], resolved against the container's /etc/passwd and
 *                 /etc/group; default the container's user
 *   Privileged b  every capability the host allows (seccomp stays the container's, as docker's)
 *   Detach b      reply once the command started (0, or 126/127); its stdout and stderr go to the
 *                 container's own journal stream (the unit's, so it carries CONTAINER_NAME= and
 *                 shows in `nyxctl logs`), the stdout and stderr passed are not used
 *
 *   ExecTTY(as argv, a{sv} options, h console) -> (i exit_code)
 *
 * The same with a pseudo-terminal allocated inside the container (its /dev/pts): console must be a
 * connected AF_UNIX socket; nyxd sends the pty master over it (one byte, SCM_RIGHTS, as the OCI
 * console socket protocol) once the process started, and replies with the exit code when it exited.
 * The caller holds the master: it relays the terminal and sets the size (TIOCSWINSZ) itself.
 * Extra option: Rows u, Columns u (the initial size).
 *
 *   KillExec(s id, i signal)
 *
 * Sends a signal to an exec the same caller started with that Id.
 *
 * Nothing is persisted: an exec lives as long as its crun process; nyxd can restart between two. When
 * nyxd stops during an exec it answers the call with NotRunning (when it dies, the bus answers NoReply);
 * crun exec goes with nyxd's cgroup, the command itself lives on in the container's. */

#include <systemd/sd-bus.h>

int method_container_exec(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_container_exec_tty(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_container_kill_exec(sd_bus_message *msg, void *userdata, sd_bus_error *error);

#define CONTAINER_EXEC_METHODS                                                                          \
        SD_BUS_METHOD_WITH_ARGS("Exec",                                                                 \
                                SD_BUS_ARGS("as", argv, "a{sv}", options, "h", stdin_fd, "h", stdout_fd, \
                                            "h", stderr_fd),                                            \
                                SD_BUS_RESULT("i", exit_code),                                          \
                                method_container_exec, SD_BUS_VTABLE_UNPRIVILEGED),                     \
        SD_BUS_METHOD_WITH_ARGS("ExecTTY",                                                              \
                                SD_BUS_ARGS("as", argv, "a{sv}", options, "h", console),                \
                                SD_BUS_RESULT("i", exit_code),                                          \
                                method_container_exec_tty, SD_BUS_VTABLE_UNPRIVILEGED),                 \
        SD_BUS_METHOD_WITH_ARGS("KillExec",                                                             \
                                SD_BUS_ARGS("s", id, "i", signal),                                      \
                                SD_BUS_NO_RESULT,                                                       \
                                method_container_kill_exec, SD_BUS_VTABLE_UNPRIVILEGED)
