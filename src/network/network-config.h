/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A network's definition: name, bridge device, IPv4 subnet and gateway, stored as
 * STATE/networks/NAME/network.json. The parsers (CIDR, addresses, names) are pure and never log;
 * on bad input they return -EINVAL and a sentence naming the bad value in *ret_reason (malloc'ed,
 * may be NULL). */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "macro.h"

#define NETWORK_DEFAULT_NAME    "bridge"        /* docker's name for the default network */
#define NETWORK_DEFAULT_BRIDGE  "nyx0"
/* The default network's subnet: 10.89.0.0/16 stays clear of docker's 172.17/16, podman's 10.88/16,
 * and the 192.168 ranges of home routers. Networks created without --subnet get the first free /24
 * of 10.90.0.0/16 (then 10.91/16 ... 10.99/16). */
#define NETWORK_DEFAULT_SUBNET  "10.89.0.0/16"
#define NETWORK_POOL_FIRST      "10.90.0.0/24"
#define NETWORK_DEFAULT_MTU     1500U
#define NETWORK_CONFIG_FILE     "network.json"
#define NETWORK_NAME_MAX        64U

typedef struct Cidr {
        struct in_addr address;         /* the network address (host bits zero) */
        unsigned prefix;                /* 8..30 */
} Cidr;

/* "a.b.c.d": strict dotted quad. */
int ipv4_parse(const char *s, struct in_addr *ret);
/* Formats into buf and returns it. */
const char *ipv4_format(struct in_addr a, char buf[static INET_ADDRSTRLEN]);

/* "10.90.0.0/24". Host bits set, a prefix outside 8..30 and anything not CIDR are refused. */
int cidr_parse(const char *s, Cidr *ret, char **ret_reason);
int cidr_format(const Cidr *c, char **ret);
bool cidr_contains(const Cidr *c, struct in_addr a);
bool cidr_overlaps(const Cidr *a, const Cidr *b);
struct in_addr cidr_broadcast(const Cidr *c);
/* The n-th address of the subnet (0 is the network address). */
struct in_addr cidr_nth(const Cidr *c, uint32_t n);

typedef struct NetworkConfig {
        char *name;
        char *id;                       /* 64 hex */
        char *bridge;                   /* "nyx0" or "nyx-" + 10 hex of the id: fits IFNAMSIZ */
        Cidr subnet;
        struct in_addr gateway;         /* the bridge's address */
        uint32_t mtu;
        bool internal;                  /* no route out, no masquerade */
        char **labels;                  /* "key=value" */
        uint64_t created_usec;
} NetworkConfig;

NetworkConfig *network_config_free(NetworkConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(NetworkConfig *, network_config_free);

/* Letters, digits, '_', '.', '-', starting with a letter or digit, at most 64 characters. */
int network_name_validate(const char *name, char **ret_reason);

/* A new network's definition from what `network create` was given (subnet and gateway may be
 * NULL), checked against the existing networks: an overlapping subnet is refused naming the
 * other network; without --subnet the first free one of the pool is taken. */
int network_config_new(const char *name,
                       const char *id,
                       const char *subnet,
                       const char *gateway,
                       bool internal,
                       char * const *labels,
                       NetworkConfig * const *existing,
                       size_t n_existing,
                       NetworkConfig **ret,
                       char **ret_reason);

int network_config_to_json(const NetworkConfig *c, json_object **ret);
int network_config_from_json(json_object *o, NetworkConfig **ret);

/* DIR/network.json, written atomically. */
int network_config_load(const char *dir, NetworkConfig **ret);
int network_config_save(const NetworkConfig *c, const char *dir);
