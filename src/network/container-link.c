/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container-link.h"
#include "fd-util.h"
#include "hosts.h"
#include "ipam.h"
#include "netlink.h"
#include "netns.h"
#include "network-config.h"
#include "nft.h"
#include "path-util.h"
#include "string-util.h"

static int reason(char **ret_reason, int r, const char *fmt, ...) _printf_(3, 4);
static int reason(char **ret_reason, int r, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        if (ret_reason) {
                va_start(ap, fmt);
                if (vasprintf(&msg, fmt, ap) < 0)
                        msg = NULL;
                va_end(ap);
                if (msg && asprintf(ret_reason, "%s: %s", msg, strerror(-r)) < 0)
                        *ret_reason = NULL;
        }
        return r;
}

typedef struct Inside {
        const PrepareNetwork *net;
        struct in_addr address;
        struct in_addr gateway;
        bool default_route;
} Inside;

/* In the container's namespace: lo and the interface up, the address, the default route. */
static int configure_inside(void *userdata) {
        const Inside *in = userdata;
        int lo, ifindex, r;

        lo = nl_link_index("lo");
        if (lo < 0)
                return lo;
        r = nl_link_up(lo, 0);
        if (r < 0)
                return r;
        ifindex = nl_link_index(in->net->interface);
        if (ifindex < 0)
                return ifindex;
        r = nl_addr_add(ifindex, in->address, in->net->prefix);
        if (r < 0)
                return r;
        r = nl_link_up(ifindex, 0);
        if (r < 0)
                return r;
        if (in->default_route)
                return nl_route_add_default(in->gateway);
        return 0;
}

static int ensure_bridge(const PrepareNetwork *n, struct in_addr gateway, char **ret_reason) {
        _cleanup_free_ char *nft_reason = NULL;
        uint8_t mac[6];
        int br, r;

        br = nl_link_index(n->bridge);
        if (br == -ENODEV) {
                nl_mac_from_ipv4(gateway, mac);
                r = nl_bridge_create(n->bridge, n->mtu, mac);
                if (r < 0)
                        return reason(ret_reason, r, "cannot create bridge %s of network %s", n->bridge, n->name);
                br = nl_link_index(n->bridge);
        }
        if (br < 0)
                return reason(ret_reason, br, "cannot find bridge %s of network %s", n->bridge, n->name);
        r = nl_addr_add(br, gateway, n->prefix);
        if (r < 0)
                return reason(ret_reason, r, "cannot give bridge %s its address %s/%u", n->bridge, n->gateway,
                              n->prefix);
        r = nl_link_up(br, 0);
        if (r < 0)
                return reason(ret_reason, r, "cannot set bridge %s up", n->bridge);
        /* After a reboot nyx's table is gone, and nyxd need not be running: every start makes sure. */
        r = nft_network_setup(n->bridge, n->subnet, n->internal, &nft_reason);
        if (r < 0) {
                if (ret_reason)
                        (void) asprintf(ret_reason, "cannot set up the firewall rules of network %s: %s", n->name,
                                        nft_reason ?: strerror(-r));
                return r;
        }
        return br;
}

int container_link_up(const char *netns, const PrepareNetwork *n, bool default_route, char **ret_reason) {
        _cleanup_close_ int ns_fd = -EBADF;
        Inside in = { .net = n, .default_route = default_route && !n->internal };
        uint8_t mac[6];
        int br, veth, r;

        if (ipv4_parse(n->address, &in.address) < 0 || ipv4_parse(n->gateway, &in.gateway) < 0)
                return reason(ret_reason, -EBADMSG, "bad address %s or gateway %s for network %s", n->address,
                              n->gateway, n->name);

        br = ensure_bridge(n, in.gateway, ret_reason);
        if (br < 0)
                return br;

        /* A start that died before its stop leaves the pair: the peer goes with it. */
        r = nl_link_delete(n->host_veth);
        if (r < 0 && r != -ENODEV)
                return reason(ret_reason, r, "cannot delete the stale interface %s", n->host_veth);

        ns_fd = open(netns, O_RDONLY | O_CLOEXEC);
        if (ns_fd < 0)
                return reason(ret_reason, -errno, "cannot open the network namespace %s", netns);
        nl_mac_from_ipv4(in.address, mac);
        r = nl_veth_create(n->host_veth, n->interface, ns_fd, n->mtu, mac);
        if (r < 0)
                return reason(ret_reason, r, "cannot create the veth pair %s/%s for network %s", n->host_veth,
                              n->interface, n->name);
        veth = nl_link_index(n->host_veth);
        if (veth < 0)
                r = reason(ret_reason, veth, "cannot find the new interface %s", n->host_veth);
        else {
                r = nl_link_up(veth, br);
                if (r < 0)
                        (void) reason(ret_reason, r, "cannot attach %s to bridge %s", n->host_veth, n->bridge);
        }
        if (r >= 0) {
                r = netns_run(netns, configure_inside, &in);
                if (r < 0)
                        (void) reason(ret_reason, r, "cannot configure %s (%s/%u) in the container", n->interface,
                                      n->address, n->prefix);
        }
        if (r < 0)
                (void) nl_link_delete(n->host_veth);
        return r;
}

int container_link_down(const PrepareNetwork *n) {
        int r = nl_link_delete(n->host_veth);
        return r == -ENODEV ? 0 : r;
}

int container_link_members(const char *id, const char *container_dir, const PrepareNetwork *n, bool running) {
        _cleanup_(leases_done) Leases l = {};
        _cleanup_close_ int lock = -EBADF;
        Lease *own;
        int r;

        if (!n->dns)
                return 0;
        lock = ipam_lock(n->dir);
        if (lock < 0)
                return lock;
        r = leases_load(n->dir, &l);
        if (r < 0)
                return r;
        own = leases_find(&l, id);
        if (own && own->running != running) {
                own->running = running;
                r = leases_save(&l, n->dir);
                if (r < 0)
                        return r;
        }
        r = hosts_refresh_network(n->name, &l);
        if (!running) {
                _cleanup_free_ char *hosts = path_join(container_dir, "hosts");
                if (hosts)
                        (void) hosts_drop_network(hosts, n->name);
        }
        return r;
}
