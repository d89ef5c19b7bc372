/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

typedef struct Manager Manager;

/* Talking to systemd: starting transient units, stopping, killing, reading
 * their state, and following their jobs. Units are named by their full unit
 * name ("nyx-web.service"). */

typedef int (*unit_append_properties_t)(sd_bus_message *m, void *userdata);

/* Called when a job finished; result is systemd's ("done", "failed", ...). */
typedef void (*unit_job_done_t)(Manager *m, const char *result, void *userdata);

int unit_start_transient(Manager *m, const char *name, unit_append_properties_t append, void *userdata,
                         unit_job_done_t done, void *done_userdata, sd_bus_error *error);
int unit_stop(Manager *m, const char *name, unit_job_done_t done, void *done_userdata, sd_bus_error *error);
int unit_kill(Manager *m, const char *name, const char *whom, int signo, sd_bus_error *error);
int unit_reset_failed(Manager *m, const char *name);
int unit_set_properties(Manager *m, const char *name, unit_append_properties_t append, void *userdata,
                        sd_bus_error *error);

/* Forget the done callbacks of jobs whose userdata is going away. */
void unit_forget_jobs(Manager *m, void *done_userdata);

typedef struct UnitState {
        char active_state[32];    /* active, inactive, failed, activating, deactivating, "" when not loaded */
        char sub_state[32];
        uint32_t main_pid;
        char *control_group;
        uint64_t memory_current;  /* UINT64_MAX when unknown */
        uint64_t cpu_usage_nsec;
        uint64_t tasks_current;
        int32_t exec_main_code;   /* CLD_EXITED, CLD_KILLED ... */
        int32_t exec_main_status;
        uint64_t active_enter_usec;   /* realtime */
        uint32_t n_restarts;
} UnitState;

void unit_state_done(UnitState *s);

/* -ENOENT (-> empty active_state) when systemd does not know the unit. */
int unit_get_state(Manager *m, const char *name, UnitState *ret);

/* Update s from a PropertiesChanged signal's a{sv} of interface
 * (org.freedesktop.systemd1.Unit or .Service). */
int unit_state_apply_changes(UnitState *s, const char *interface, sd_bus_message *changed);

int unit_get_control_group(Manager *m, const char *name, char **ret);

/* Subscribe to systemd's signals: JobRemoved (our jobs) and unit property
 * changes (containers stopping behind our back). */
int manager_subscribe_systemd(Manager *m);

/* An escaped object path for a unit name, as systemd builds them. */
int unit_bus_path(const char *name, char **ret);
