/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "manager.h"

int method_create_volume(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_list_volumes(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_get_volume(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_remove_volume(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_prune_volumes(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_mount_volume(sd_bus_message *msg, void *userdata, sd_bus_error *error);

/* CreateVolume options: Labels (as, "K=V"), DriverOptions (as, "size=1G"). RemoveVolume: Force (b).
 * ListVolumes entries: name, mountpoint, anonymous, created (µs), size limit (0 = none), object.
 * MountVolume: mount a size-limited volume's file system if it is not (nyx-prepare asks for it: a
 * container unit's device policy keeps its own processes from opening loop devices). */
#define MANAGER_VOLUME_METHODS                                                  \
        SD_BUS_METHOD_WITH_ARGS("CreateVolume",                                 \
                                SD_BUS_ARGS("s", name, "a{sv}", options),       \
                                SD_BUS_RESULT("s", name, "o", volume),          \
                                method_create_volume,                           \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("ListVolumes",                                  \
                                SD_BUS_ARGS("a{sv}", options),                  \
                                SD_BUS_RESULT("a(ssbtto)", volumes),            \
                                method_list_volumes,                            \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("GetVolume",                                    \
                                SD_BUS_ARGS("s", name),                         \
                                SD_BUS_RESULT("o", volume),                     \
                                method_get_volume,                              \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("RemoveVolume",                                 \
                                SD_BUS_ARGS("s", name, "a{sv}", options),       \
                                SD_BUS_NO_RESULT,                               \
                                method_remove_volume,                           \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("PruneVolumes",                                 \
                                SD_BUS_ARGS("a{sv}", options),                  \
                                SD_BUS_RESULT("as", removed, "t", reclaimed_bytes), \
                                method_prune_volumes,                           \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("MountVolume",                                  \
                                SD_BUS_ARGS("s", name),                         \
                                SD_BUS_NO_RESULT,                               \
                                method_mount_volume,                            \
                                SD_BUS_VTABLE_UNPRIVILEGED)

/* Volume objects under /org/nyx/engine1/volume/<escaped name>. */
int volume_dbus_register(Manager *m);
