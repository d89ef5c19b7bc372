/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "container.h"
#include "fd-util.h"
#include "fileio.h"
#include "log.h"
#include "manager.h"
#include "nft.h"
#include "nyx-errors.h"
#include "ports.h"
#include "string-util.h"
#include "strv.h"

static bool spec_publishes(const ContainerSpec *s, const PortMapping *p) {
        for (size_t i = 0; i < s->n_ports; i++)
                if (port_mapping_conflicts(&s->ports[i], p))
                        return true;
        return s->listen && port_mapping_conflicts(s->listen, p);
}

Container *manager_find_port_owner(Manager *m, const PortMapping *p, const Container *self) {
        for (size_t i = 0; i < m->n_containers; i++) {
                Container *c = m->containers[i];

                if (c != self && c->spec && spec_publishes(c->spec, p))
                        return c;
        }
        return NULL;
}

/* Whether the host could give us the port now (nothing else bound to it). */
static bool host_port_bindable(const PortMapping *p, uint16_t port) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
        _cleanup_close_ int fd = -EBADF;
        int one = 1;

        if (p->host_ip[0] && inet_pton(AF_INET, p->host_ip, &sa.sin_addr) != 1)
                return false;
        fd = socket(AF_INET, (p->protocol == PORT_PROTOCOL_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC,
                    p->protocol == PORT_PROTOCOL_SCTP ? IPPROTO_SCTP : 0);
        if (fd < 0)
                return p->protocol == PORT_PROTOCOL_SCTP;
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        return bind(fd, (struct sockaddr *) &sa, sizeof(sa)) >= 0;
}

static void ephemeral_range(unsigned *ret_lo, unsigned *ret_hi) {
        _cleanup_free_ char *s = NULL;
        unsigned lo, hi;

        *ret_lo = 32768;
        *ret_hi = 60999;
        if (read_one_line_file("/proc/sys/net/ipv4/ip_local_port_range", &s) < 0)
                return;
        if (sscanf(s, "%u %u", &lo, &hi) == 2 && lo >= 1 && lo <= hi && hi <= 65535) {
                *ret_lo = lo;
                *ret_hi = hi;
        }
}

static int pick_port(Manager *m, const PortMapping *ports, size_t n, size_t k, uint16_t *ret) {
        const PortMapping *p = &ports[k];
        unsigned lo, hi, start;
        uint32_t rnd = 0;

        if (p->host_port > 0) {
                lo = p->host_port;
                hi = p->host_port_end;
        } else
                ephemeral_range(&lo, &hi);
        (void) getrandom(&rnd, sizeof(rnd), 0);
        start = lo + (p->host_port > 0 ? 0 : rnd % (hi - lo + 1));   /* a range of the user's: from its start */

        for (unsigned i = 0; i <= hi - lo; i++) {
                PortMapping cand = *p;
                bool taken = false;

                cand.host_port = cand.host_port_end = (uint16_t) (lo + (start - lo + i) % (hi - lo + 1));
                for (size_t j = 0; j < n && !taken; j++)
                        taken = j != k && port_mapping_conflicts(&ports[j], &cand);
                if (taken || manager_find_port_owner(m, &cand, NULL) || !host_port_bindable(&cand, cand.host_port))
                        continue;
                *ret = cand.host_port;
                return 0;
        }
        return -EADDRNOTAVAIL;
}

static bool publishes_container_port(const PortMapping *ports, size_t n, const PortMapping *e) {
        for (size_t i = 0; i < n; i++)
                if (ports[i].container_port == e->container_port && ports[i].protocol == e->protocol)
                        return true;
        return false;
}

int ports_resolve(Manager *m, ContainerSpec *spec, const OciImageConfig *image_config, sd_bus_error *error) {
        _cleanup_free_ PortMapping *ports = NULL;
        size_t n = spec->n_ports;
        int r;

        if (n > 0) {
                ports = malloc(n * sizeof(PortMapping));
                if (!ports)
                        return -ENOMEM;
                memcpy(ports, spec->ports, n * sizeof(PortMapping));
        }

        if (spec->publish_all && image_config)
                STRV_FOREACH(key, image_config->exposed_ports) {
                        _cleanup_free_ PortMapping *l = NULL;
                        _cleanup_free_ char *reason = NULL;
                        size_t nl = 0;

                        if (port_mappings_add_exposed(*key, &l, &nl, &reason) < 0)
                                continue;       /* a key docker would not take either: not published */
                        for (size_t i = 0; i < nl; i++) {
                                PortMapping *a;

                                if (publishes_container_port(ports, n, &l[i]))
                                        continue;       /* -p decides where that one goes */
                                a = reallocarray(ports, n + 1, sizeof(PortMapping));
                                if (!a)
                                        return -ENOMEM;
                                ports = a;
                                ports[n++] = l[i];
                        }
                }

        /* Fixed ports first, so that a picked one never takes a port asked for by number. */
        for (size_t i = 0; i < n; i++) {
                Container *other;

                if (!port_mapping_is_resolved(&ports[i]))
                        continue;
                other = manager_find_port_owner(m, &ports[i], NULL);
                if (other)
                        return sd_bus_error_setf(error, NYX_ERROR_IN_USE,
                                                 "host port %u/%s is already published by container %s",
                                                 ports[i].host_port, port_protocol_to_string(ports[i].protocol),
                                                 other->name);
        }
        if (spec->listen) {
                Container *other = manager_find_port_owner(m, spec->listen, NULL);
                if (other)
                        return sd_bus_error_setf(error, NYX_ERROR_IN_USE,
                                                 "--listen: host port %u/tcp is already published by container %s",
                                                 spec->listen->host_port, other->name);
        }
        for (size_t i = 0; i < n; i++) {
                uint16_t port;

                if (port_mapping_is_resolved(&ports[i]))
                        continue;
                r = pick_port(m, ports, n, i, &port);
                if (r < 0)
                        return sd_bus_error_setf(error, NYX_ERROR_IN_USE,
                                                 "no free host port for container port %u/%s%s",
                                                 ports[i].container_port, port_protocol_to_string(ports[i].protocol),
                                                 ports[i].host_port > 0 ? " in the range given" : "");
                ports[i].host_port = ports[i].host_port_end = port;
        }

        free(spec->ports);
        spec->ports = TAKE_PTR(ports);
        spec->n_ports = n;
        return 0;
}

int property_get_ports(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sqqs)");
        if (r < 0)
                return r;
        for (size_t i = 0; i <= c->spec->n_ports; i++) {
                const PortMapping *p = i < c->spec->n_ports ? &c->spec->ports[i] : c->spec->listen;

                if (!p)
                        break;
                r = sd_bus_message_append(reply, "(sqqs)", p->host_ip[0] ? p->host_ip : "0.0.0.0", p->host_port,
                                          p->container_port, port_protocol_to_string(p->protocol));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

json_object *ports_json(const Container *c) {
        json_object *o = json_object_new_object();

        for (size_t i = 0; o && i <= c->spec->n_ports; i++) {
                const PortMapping *p = i < c->spec->n_ports ? &c->spec->ports[i] : c->spec->listen;
                json_object *a, *b;
                char key[16], port[8];

                if (!p)
                        break;
                snprintf(key, sizeof(key), "%u/%s", p->container_port, port_protocol_to_string(p->protocol));
                snprintf(port, sizeof(port), "%u", p->host_port);
                if (!json_object_object_get_ex(o, key, &a)) {
                        a = json_object_new_array();
                        json_object_object_add(o, key, a);
                }
                b = json_object_new_object();
                json_object_object_add(b, "HostIp", json_object_new_string(p->host_ip[0] ? p->host_ip : "0.0.0.0"));
                json_object_object_add(b, "HostPort", json_object_new_string(port));
                json_object_array_add(a, b);
        }
        return o;
}

void ports_remove_rules(Container *c) {
        _cleanup_free_ char *reason = NULL;
        int r;

        if (c->spec->n_ports == 0)
                return;
        r = nft_ports_remove(c->id, &reason);
        if (r < 0)
                log_warning_errno(r, "Cannot remove the port rules of %s: %s", c->name, reason ?: strerror(-r));
}

void manager_remove_stale_port_rules(Manager *m) {
        _cleanup_strv_free_ char **ids = NULL;
        _cleanup_free_ char *reason = NULL;
        int r;

        r = nft_ports_list_containers(&ids, &reason);
        if (r < 0) {
                log_warning_errno(r, "Cannot list nyx's port rules: %s", reason ?: strerror(-r));
                return;
        }
        STRV_FOREACH(id, ids) {
                Container *c = NULL;

                for (size_t i = 0; i < m->n_containers; i++)
                        if (streq(m->containers[i]->id, *id))
                                c = m->containers[i];
                /* only a unit that is down for good: not one between two runs (auto-restart) */
                if (c && !(c->unit_state_known && (isempty(c->unit_state.active_state) ||
                                                   streq(c->unit_state.active_state, "inactive") ||
                                                   streq(c->unit_state.active_state, "failed"))))
                        continue;
                reason = mfree(reason);
                r = nft_ports_remove(*id, &reason);
                if (r < 0)
                        log_warning_errno(r, "Cannot remove stale port rules of %s: %s", *id, reason ?: strerror(-r));
                else
                        log_info("Removed stale port rules of container %.12s.", *id);
        }
}
