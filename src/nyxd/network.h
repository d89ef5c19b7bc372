/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <systemd/sd-bus.h>

#include "macro.h"
#include "network-config.h"
#include "prepare-config.h"

typedef struct Manager Manager;
typedef struct Container Container;

/* A bridge network: STATE/networks/NAME/{network.json,leases.json,lock}. Its bridge device appears at
 * the first container start (nyx-prepare makes it), and goes with `network rm`. Which containers are on
 * it is computed from their specs. */
typedef struct Network {
        Manager *manager;
        NetworkConfig *config;
        char *dir;
        char *object_path;
} Network;

Network *network_free(Network *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(Network *, network_free);

Network *manager_find_network(Manager *m, const char *name_or_id);

/* Read STATE/networks; make the default network "bridge" when it is not there. */
int manager_load_networks(Manager *m);

/* `network create`: errors (bad or overlapping subnet, existing name) go to *error. */
int network_create(Manager *m, const char *name, const char *subnet, const char *gateway, bool internal,
                   char * const *labels, sd_bus_error *error, Network **ret);
/* `network rm`: refused while a container is on it, naming them. */
int network_remove(Network *n, sd_bus_error *error);
/* The names of the containers on it. */
int network_users(Network *n, char ***ret);
int network_inspect_json(Network *n, char **ret);
bool network_is_predefined(const char *name);

/* What a container's create puts into prepare.json for its network, and its own address (for its
 * /etc/hosts). */
typedef struct ContainerNetworking {
        char *mode;
        char *netns;
        PrepareNetwork *networks;
        size_t n_networks;
        char *address;          /* the primary network's, NULL without one */
} ContainerNetworking;

void container_networking_done(ContainerNetworking *n);

/* At create: the container's leases (--ip honoured) and netns path. -EINVAL with *ret_reason for an
 * unknown network, a bad or taken --ip; nothing stays allocated on failure. */
int network_attach_container(Container *c, ContainerNetworking *ret, char **ret_reason);
/* At rm (and after a failed create): its leases go, and its netns file. */
void network_detach_container(Manager *m, const char *id);
/* After a rename: what the other members of its networks resolve it by (from its next start). */
void network_rename_container(Manager *m, const char *id, const char *name);

/* `network connect`: a lease (--ip, --alias), the network in its prepare.json, and when it runs the
 * interface at once. `disconnect`: the reverse. Errors go to *error. */
int network_connect(Network *n, Container *c, const char *ip, char * const *aliases, sd_bus_error *error);
int network_disconnect(Network *n, Container *c, sd_bus_error *error);

/* The container's network settings as `inspect` shows them (from its prepare.json). */
int network_settings_json(Container *c, json_object **ret);

/* At nyxd's start: leases, netns files and host veths of containers that are gone; members that are
 * not running are marked so. */
void manager_clean_up_networks(Manager *m);
