/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* nyx's firewall rules, in its own nftables table `ip nyx` (libnftables). Nothing here touches another
 * table: the table and its base chains are created with `add` (idempotent), and nyx's rules are found
 * again by their comments ("nyx-n-BRIDGE ..." for a network, "nyx-c-CONTAINERID" for a container's
 * published ports) and removed by handle. Every change is one nft transaction (all or nothing), made
 * under a lock file so that units starting together take turns.
 *
 * Every function returns 0 or a negative errno; when nft refused a command, -EPROTO and its error text
 * in *ret_reason (malloc'ed; may be NULL). */

#include <stdbool.h>
#include <stddef.h>

#include "port-mapping.h"

#define NFT_TABLE_FAMILY "ip"
#define NFT_TABLE_NAME "nyx"
#define NFT_LOCK_PATH "/run/nyx/nft.lock"

/* A bridge network's rules: masquerade of the subnet's traffic out of anything but the bridge (not for
 * internal networks), masquerade of published-port traffic from 127.0.0.0/8 and of hairpin traffic (a
 * container reaching another through a host port) into the bridge, and forward accept (internal: drop
 * between the bridge and anything else). Also sets net.ipv4.conf.BRIDGE.route_localnet=1, so the bridge
 * must exist. Traffic from the bridge to another nyx bridge (nyx0, nyx-*) is dropped, unless it goes to a
 * published port (DNAT). Cheap when the rules are in place already: one listing, no change. */
int nft_network_setup(const char *bridge, const char *subnet_cidr, bool internal, char **ret_reason);
/* Remove that network's rules (none there: fine). */
int nft_network_teardown(const char *bridge, char **ret_reason);

/* DNAT of each mapping's host port (fib daddr type local, or the mapping's host address) to
 * container_ip:container_port, in prerouting (other hosts, containers) and output (the host itself). The
 * container's earlier rules, if a crash left any, are replaced in the same transaction. Every mapping
 * must be resolved (port_mapping_is_resolved()). */
int nft_ports_add(const char *container_id, const char *container_ip, const PortMapping *ports, size_t n_ports,
                  char **ret_reason);
/* Remove every rule of that container, however many there are; none: fine. */
int nft_ports_remove(const char *container_id, char **ret_reason);

/* The containers (ids) that have port rules in the table; NULL-terminated, the caller frees it. */
int nft_ports_list_containers(char ***ret_ids, char **ret_reason);

/* How many rules of that container's ports the table holds (for tests and `nyxctl inspect`). */
int nft_ports_count(const char *container_id, char **ret_reason);
