/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

typedef struct Manager Manager;

/* A long operation (pull, load) runs in a forked worker, as machined's
 * operations do: nyxd's loop stays free, a crash of the worker cannot take
 * nyxd down, and kill -9 of nyxd takes the worker with it (same cgroup).
 * The worker writes one result line; the bus reply is sent when it exited. */

/* Runs in the child. Returns 0 and a result string, or a negative errno and
 * a human reason. */
typedef int (*operation_work_t)(Manager *m, void *userdata, char **ret_result, char **ret_reason);

/* Called in nyxd when the worker is gone: r < 0 with a reason, or 0 with
 * the worker's result. It sends the reply to message. */
typedef void (*operation_done_t)(Manager *m, sd_bus_message *message, int r, const char *result_or_reason,
                                 void *userdata);

int operation_start(Manager *m, sd_bus_message *message, operation_work_t work, operation_done_t done,
                    void *userdata);
/* The same, with the worker's PID (a Job's Cancel kills it: work must be safe to kill at any moment). */
int operation_start_full(Manager *m, sd_bus_message *message, operation_work_t work, operation_done_t done,
                         void *userdata, pid_t *ret_pid);
