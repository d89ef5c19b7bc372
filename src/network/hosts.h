/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Name resolution on user networks, without a DNS server: each running member's /etc/hosts (the
 * file nyx keeps in the container's directory and crun bind-mounts) has one block per network it is
 * on, listing the running members (itself too) by name and --network-alias:
 *
 *   # nyx network net1
 *   10.90.0.3	web web-alias
 *   # end nyx network net1
 *
 * A unit's start and stop rewrite the blocks of every running member under the network's lock, so
 * they stay current as containers come and go, with or without nyxd. Files are rewritten in place
 * (truncate and write): a rename would leave the container with the old inode. */

#include "ipam.h"

/* Pure: text with the block of network replaced by block (NULL or "" removes it). */
int hosts_replace_block(const char *text, const char *network, const char *block, char **ret);

/* Under the network's lock (the caller holds it): rewrite the block of network in the hosts file
 * of every running lease holder. Files that cannot be written are skipped; the first error is
 * returned after all were tried. */
int hosts_refresh_network(const char *network, const Leases *l);

/* Remove the block of network from one hosts file (a container leaving it). */
int hosts_drop_network(const char *hosts_path, const char *network);
