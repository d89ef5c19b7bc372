/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "container-link.h"
#include "fileio.h"
#include "log.h"
#include "netns.h"
#include "prepare-network.h"
#include "string-util.h"

static bool has_own_netns(const PrepareConfig *c) {
        return c->network_mode && (streq(c->network_mode, "bridge") || streq(c->network_mode, "network")) &&
                c->netns;
}

void prepare_network_stop(const PrepareConfig *c) {
        if (!has_own_netns(c))
                return;
        for (size_t i = 0; i < c->n_networks; i++) {
                const PrepareNetwork *n = &c->networks[i];
                int r;

                r = container_link_down(n);
                if (r < 0)
                        log_warning_errno(r, "Cannot delete interface %s: %m", n->host_veth);
                r = container_link_members(c->id, c->dir, n, false);
                if (r < 0)
                        log_warning_errno(r, "Cannot update the members of network %s: %m", n->name);
        }
}

int prepare_network_start(const PrepareConfig *c) {
        bool default_route = true;
        int r;

        if (c->network_mode && streq(c->network_mode, "container")) {
                if (!c->netns || !netns_is_mounted(c->netns))
                        return log_error_errno(ENOENT, "The network namespace %s to join is gone: start the "
                                               "container whose network this one shares first.",
                                               strna(c->netns));
                return 0;
        }
        if (!has_own_netns(c))
                return 0;

        r = netns_create(c->netns);
        if (r < 0)
                return log_error_errno(r, "Cannot create the network namespace %s: %m", c->netns);
        if (c->n_networks > 0) {
                r = write_string_file("/proc/sys/net/ipv4/ip_forward", "1");
                if (r < 0)
                        log_warning_errno(r, "Cannot enable IPv4 forwarding: %m");
        }

        for (size_t i = 0; i < c->n_networks; i++) {
                _cleanup_free_ char *reason = NULL;
                const PrepareNetwork *n = &c->networks[i];

                r = container_link_up(c->netns, n, default_route, &reason);
                if (r < 0) {
                        log_error_errno(r, "Network %s: %s", n->name, reason ?: strerror(-r));
                        goto fail;
                }
                if (!n->internal)
                        default_route = false;     /* the first network with a way out has the route */
        }
        for (size_t i = 0; i < c->n_networks; i++) {
                r = container_link_members(c->id, c->dir, &c->networks[i], true);
                if (r < 0)
                        log_warning_errno(r, "Cannot update the members' /etc/hosts on network %s: %m",
                                          c->networks[i].name);
        }
        return 0;

fail:
        prepare_network_stop(c);
        return r;
}
