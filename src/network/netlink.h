/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* rtnetlink through libmnl, in the calling process's network namespace (run it inside a container's
 * with netns_run()). Each call opens its own socket and waits for the kernel's answer; errors are the
 * kernel's negative errno (-EEXIST, -ENODEV ...). */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* The interface's index, -ENODEV when there is none of that name. */
int nl_link_index(const char *name);

/* A bridge device, with mac unless NULL (a bridge without one of its own takes its ports' lowest, which
 * changes as containers come and go, and the containers' ARP caches go stale): 1 when made, 0 when it
 * was there. */
int nl_bridge_create(const char *name, uint32_t mtu, const uint8_t mac[6]);

/* A veth pair: host_name here, peer_name created directly inside the namespace open at
 * peer_netns_fd (so it never clashes with a name here), with peer_mac unless NULL. */
int nl_veth_create(const char *host_name, const char *peer_name, int peer_netns_fd, uint32_t mtu,
                   const uint8_t peer_mac[6]);

/* The MAC address a container's interface gets: derived from its address (02:6e:a:b:c:d, locally
 * administered), so that a restarted container keeps it and its neighbours' ARP caches stay right. */
void nl_mac_from_ipv4(struct in_addr a, uint8_t ret[6]);

/* Set the link up (and its bridge master, when master_ifindex > 0). */
int nl_link_up(int ifindex, int master_ifindex);

/* address/prefix on the link; an address that is there already is fine (0). */
int nl_addr_add(int ifindex, struct in_addr address, unsigned prefix);

/* The default route via gateway (replaced when there is one). */
int nl_route_add_default(struct in_addr gateway);

/* Delete a link by name: 0, or -ENODEV when there was none. */
int nl_link_delete(const char *name);

/* The names of all links whose name starts with prefix. */
int nl_link_list(const char *prefix, char ***ret);
