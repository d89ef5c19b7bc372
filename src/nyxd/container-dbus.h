/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "container.h"

extern const sd_bus_vtable container_vtable[];

int container_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                          void **found, sd_bus_error *error);
int container_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                              sd_bus_error *error);

void container_dbus_send_changed(Container *c);
int container_dbus_send_added(Container *c);
int container_dbus_send_removed(Container *c);

/* docker-inspect-like JSON of a container. */
int container_inspect_json(Container *c, char **ret);
