/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <systemd/sd-bus.h>

#include "container-spec.h"
#include "oci-manifest.h"

typedef struct Manager Manager;
typedef struct Container Container;

/* At create: -P adds the image's exposed ports (those -p does not publish already), every host port
 * still to be picked gets a free one (from the -p range, else the kernel's ephemeral range), and a host
 * port (or --listen's) that another container publishes already is refused, naming that container.
 * Changes spec->ports only on success; errors go into error. */
int ports_resolve(Manager *m, ContainerSpec *spec, const OciImageConfig *image_config, sd_bus_error *error);

/* The Container's "Ports" property, a(sqqs): (host address or "0.0.0.0", host port, container port,
 * "tcp"|"udp"|"sctp") for each -p/-P mapping, then --listen's. */
int property_get_ports(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error);

/* docker's NetworkSettings.Ports: {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}. */
json_object *ports_json(const Container *c);

/* Remove the container's port rules, should its stop step not have run (rm). Logs. */
void ports_remove_rules(Container *c);
/* At nyxd's start: the port rules of containers that are gone or not running (a crash, a stop step
 * that never ran) are removed. Logs. */
void manager_remove_stale_port_rules(Manager *m);

/* The container publishing host port p (same protocol, overlapping address), other than self. */
Container *manager_find_port_owner(Manager *m, const PortMapping *p, const Container *self);
