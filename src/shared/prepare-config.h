/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "port-mapping.h"

/* What nyx-prepare needs to set a container up and tear it down, written by
 * nyxd into the container's directory as prepare.json. */
/* A volume the container mounts: nyx-prepare mounts a size-limited one's file system when it is not
 * mounted (after a reboot) and copies the image's content into a new one (see volume-util.h). */
typedef struct PrepareVolume {
        char *name;
        char *dir;          /* STATE/volumes/NAME */
        char *destination;  /* in the container */
        bool populate;      /* copy the image's content at destination into it while it is new */
        bool image;         /* size-limited: dir/disk.img is loop-mounted at dir/_data */
} PrepareVolume;

/* A network the container is on (bridge mode or a user network): nyx-prepare makes the bridge when it
 * is missing (after a reboot), a veth pair with the container's side as interface inside netns, and
 * rewrites the members' /etc/hosts when dns is set (see src/network/hosts.h). */
typedef struct PrepareNetwork {
        char *name;
        char *dir;          /* STATE/networks/NAME: network.json, leases.json, lock */
        char *bridge;
        char *subnet;       /* "10.89.0.0/16" */
        char *address;      /* the container's, "10.89.0.2" */
        unsigned prefix;
        char *gateway;
        uint32_t mtu;
        bool internal;      /* no default route */
        bool dns;           /* members resolve each other by name (user networks) */
        char *interface;    /* "eth0" inside */
        char *host_veth;    /* the host side, <= 15 characters */
        char **aliases;     /* --network-alias */
} PrepareNetwork;

typedef struct PrepareConfig {
        char *id;
        char *dir;          /* the container's directory */
        char *rootfs;       /* mount point */
        char *bundle;       /* holds config.json */
        char *upper;
        char *work;
        char **lower;       /* layer directories, topmost first */
        size_t n_lower;
        bool read_only;
        bool has_init;      /* --init: the command runs under an init, not checked up front */
        char *runtime;      /* crun */
        PrepareVolume *volumes;
        size_t n_volumes;
        char *network_mode;         /* "bridge", "network", "none", "host", "container"; NULL: none */
        char *netns;                /* the netns file to make/join; NULL for none and host */
        PrepareNetwork *networks;   /* networks[0] is the primary: its address is the container's IP */
        size_t n_networks;
        PortMapping *ports;         /* published ports, every host port resolved ("Ports": -p syntax) */
        size_t n_ports;
} PrepareConfig;

PrepareConfig *prepare_config_free(PrepareConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(PrepareConfig *, prepare_config_free);

int prepare_config_load(const char *path, PrepareConfig **ret);
int prepare_config_save(const PrepareConfig *c, const char *path);

/* "a:b:c" for overlayfs' lowerdir=, refusing paths overlayfs cannot take. */
int prepare_config_lowerdir_option(const PrepareConfig *c, char **ret);
