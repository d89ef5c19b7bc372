/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* IPv4 address management of one network: the leases (which container holds which address) in
 * NETWORK-DIR/leases.json, read-modify-written under an flock on NETWORK-DIR/lock, so that nyxd
 * creating containers and the units' nyx-prepare steps (which mark members running, for name
 * resolution) never lose each other's writes. Addresses are handed out lowest first, skipping the
 * network address, the gateway and the broadcast address. */

#include <netinet/in.h>
#include <stdbool.h>

#include "macro.h"
#include "network-config.h"

#define IPAM_LEASES_FILE "leases.json"
#define IPAM_LOCK_FILE   "lock"

typedef struct Lease {
        char *id;                       /* the container's id */
        char *name;                     /* its name: what the other members resolve */
        char *dir;                      /* its directory: DIR/hosts is its /etc/hosts */
        char **aliases;                 /* --network-alias */
        struct in_addr address;
        bool running;                   /* set by its unit's start, cleared by its stop */
} Lease;

typedef struct Leases {
        Lease *leases;
        size_t n;
} Leases;

void leases_done(Leases *l);

/* An exclusive lock on the network's leases: a file descriptor to close. -ENOENT when the network
 * directory is gone. */
int ipam_lock(const char *network_dir);

/* Read/write the leases; the caller holds the lock. A missing file is no leases. */
int leases_load(const char *network_dir, Leases *ret);
int leases_save(const Leases *l, const char *network_dir);
int leases_from_json(const char *text, Leases *ret);
int leases_to_json(const Leases *l, char **ret);
Lease *leases_find(Leases *l, const char *id);
Lease *leases_find_address(Leases *l, struct in_addr a);

/* Pure: the lowest free host address, -ENOSPC when the subnet is full. */
int ipam_pick(const Leases *l, const NetworkConfig *c, struct in_addr *ret);
/* Pure: may a container ask for this address (--ip)? -EINVAL with a reason if not. */
int ipam_check_request(Leases *l, const NetworkConfig *c, const char *address, struct in_addr *ret,
                       char **ret_reason);

/* Under the lock: the container's lease on the network, made unless it has one. requested: --ip or
 * NULL. -EINVAL with a reason for a bad request or a full subnet. */
int ipam_allocate(const char *network_dir,
                  const NetworkConfig *c,
                  const char *id,
                  const char *name,
                  char * const *aliases,
                  const char *container_dir,
                  const char *requested,
                  struct in_addr *ret,
                  char **ret_reason);

/* Under the lock: drop the container's lease. 1 if it had one, 0 if not. */
int ipam_release(const char *network_dir, const char *id);
/* Under the lock: the name the other members resolve the container by. 1 if it had a lease, 0 if not. */
int ipam_rename(const char *network_dir, const char *id, const char *name);
