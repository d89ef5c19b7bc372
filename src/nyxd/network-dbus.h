/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "manager.h"

int method_create_network(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_list_networks(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_get_network(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_remove_network(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_prune_networks(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_connect_network(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_disconnect_network(sd_bus_message *msg, void *userdata, sd_bus_error *error);

/* CreateNetwork options: Subnet (s, CIDR), Gateway (s), Internal (b), Labels (as, "K=V").
 * ListNetworks entries: name, id, driver, subnet, gateway, bridge, internal, created (µs), object.
 * RemoveNetwork refuses (InUse) while containers are on it; PruneNetworks removes the unused user
 * networks and returns their names. ConnectNetwork options: IP (s), Aliases (as); a running container
 * gets the interface at once, a stopped one at its next start. */
#define MANAGER_NETWORK_METHODS                                                 \
        SD_BUS_METHOD_WITH_ARGS("CreateNetwork",                                \
                                SD_BUS_ARGS("s", name, "a{sv}", options),       \
                                SD_BUS_RESULT("o", network),                    \
                                method_create_network,                          \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("ListNetworks",                                 \
                                SD_BUS_ARGS("a{sv}", options),                  \
                                SD_BUS_RESULT("a(ssssssbto)", networks),        \
                                method_list_networks,                           \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("GetNetwork",                                   \
                                SD_BUS_ARGS("s", name),                         \
                                SD_BUS_RESULT("o", network),                    \
                                method_get_network,                             \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("RemoveNetwork",                                \
                                SD_BUS_ARGS("s", name, "a{sv}", options),       \
                                SD_BUS_NO_RESULT,                               \
                                method_remove_network,                          \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("PruneNetworks",                                \
                                SD_BUS_ARGS("a{sv}", options),                  \
                                SD_BUS_RESULT("as", removed),                   \
                                method_prune_networks,                          \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("ConnectNetwork",                               \
                                SD_BUS_ARGS("s", network, "s", container, "a{sv}", options), \
                                SD_BUS_NO_RESULT,                               \
                                method_connect_network,                         \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("DisconnectNetwork",                            \
                                SD_BUS_ARGS("s", network, "s", container, "a{sv}", options), \
                                SD_BUS_NO_RESULT,                               \
                                method_disconnect_network,                      \
                                SD_BUS_VTABLE_UNPRIVILEGED)

/* Network objects under /org/nyx/engine1/network/<escaped name>. */
int network_dbus_register(Manager *m);
