/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <systemd/sd-bus.h>

typedef struct Container Container;
typedef struct Manager Manager;

/* The container verbs beyond the life cycle: stats, processes, live limit
 * updates, pause/unpause, rename, cp, and (on the Manager) prune. Their
 * methods are added to the Container and Manager vtables with the macros
 * below. */

int method_container_get_stats(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_container_list_processes(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_container_update(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_container_pause(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_container_unpause(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_container_rename(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_container_copy_to(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_container_copy_from(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_manager_prune_containers(sd_bus_message *msg, void *userdata, sd_bus_error *error);

#define CONTAINER_OPS_METHODS                                                                   \
        SD_BUS_METHOD_WITH_ARGS("GetStats", SD_BUS_ARGS("a{sv}", options),                      \
                                SD_BUS_RESULT("a{sv}", stats),                                  \
                                method_container_get_stats, SD_BUS_VTABLE_UNPRIVILEGED),        \
        SD_BUS_METHOD_WITH_ARGS("ListProcesses", SD_BUS_ARGS("a{sv}", options),                 \
                                SD_BUS_RESULT("au", pids),                                      \
                                method_container_list_processes, SD_BUS_VTABLE_UNPRIVILEGED),   \
        SD_BUS_METHOD_WITH_ARGS("Update", SD_BUS_ARGS("a{sv}", changes),                        \
                                SD_BUS_NO_RESULT,                                               \
                                method_container_update, SD_BUS_VTABLE_UNPRIVILEGED),           \
        SD_BUS_METHOD_WITH_ARGS("Pause", SD_BUS_ARGS("a{sv}", options),                         \
                                SD_BUS_NO_RESULT,                                               \
                                method_container_pause, SD_BUS_VTABLE_UNPRIVILEGED),            \
        SD_BUS_METHOD_WITH_ARGS("Unpause", SD_BUS_ARGS("a{sv}", options),                       \
                                SD_BUS_NO_RESULT,                                               \
                                method_container_unpause, SD_BUS_VTABLE_UNPRIVILEGED),          \
        SD_BUS_METHOD_WITH_ARGS("Rename", SD_BUS_ARGS("s", new_name, "a{sv}", options),         \
                                SD_BUS_NO_RESULT,                                               \
                                method_container_rename, SD_BUS_VTABLE_UNPRIVILEGED),           \
        SD_BUS_METHOD_WITH_ARGS("CopyTo", SD_BUS_ARGS("s", path, "h", tar, "a{sv}", options),   \
                                SD_BUS_NO_RESULT,                                               \
                                method_container_copy_to, SD_BUS_VTABLE_UNPRIVILEGED),          \
        SD_BUS_METHOD_WITH_ARGS("CopyFrom", SD_BUS_ARGS("s", path, "h", tar, "a{sv}", options), \
                                SD_BUS_NO_RESULT,                                               \
                                method_container_copy_from, SD_BUS_VTABLE_UNPRIVILEGED)

#define MANAGER_CONTAINER_OPS_METHODS                                                           \
        SD_BUS_METHOD_WITH_ARGS("PruneContainers", SD_BUS_ARGS("a{sv}", options),               \
                                SD_BUS_RESULT("as", removed, "t", reclaimed_bytes),             \
                                method_manager_prune_containers, SD_BUS_VTABLE_UNPRIVILEGED)

/* Is the container's payload frozen (paused)? control_group is the unit's
 * ControlGroup property. Used by container_refresh(). */
bool container_payload_is_frozen(Manager *m, const char *control_group);

/* Thaw a paused container's payload (before stopping it: frozen processes
 * cannot act on the stop signal, and v1 frozen ones not even on SIGKILL). */
int container_thaw(Container *c);
