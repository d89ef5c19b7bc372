/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "port-mapping.h"
#include "string-util.h"

/* The rules follow docker's github.com/docker/go-connections/nat ParsePortSpec(), splitParts(),
 * SplitProtoPort() and ParsePortRange(), with two differences: a value docker would silently take apart
 * differently ("80/tcp/x", a port with a sign or blanks) is refused, and so is an IPv6 host address
 * (nyx publishes IPv4 only). */

static const char *const protocol_table[_PORT_PROTOCOL_MAX] = {
        [PORT_PROTOCOL_TCP] = "tcp",
        [PORT_PROTOCOL_UDP] = "udp",
        [PORT_PROTOCOL_SCTP] = "sctp",
};

const char *port_protocol_to_string(PortProtocol p) {
        return p >= 0 && p < _PORT_PROTOCOL_MAX ? protocol_table[p] : NULL;
}

int port_protocol_from_string(const char *s) {
        for (size_t i = 0; i < _PORT_PROTOCOL_MAX; i++)
                if (strcasecmp(s, protocol_table[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

static int reason_flag(char **ret_reason, const char *flag, const char *value, const char *fmt, ...) _printf_(4, 5);
static int reason_flag(char **ret_reason, const char *flag, const char *value, const char *fmt, ...) {
        char *msg = NULL, *s = NULL;
        va_list ap;
        int r;

        if (!ret_reason)
                return -EINVAL;
        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        r = asprintf(&s, "%s '%s': %s", flag, value, msg);
        free(msg);
        if (r < 0)
                return -ENOMEM;
        free(*ret_reason);
        *ret_reason = s;
        return -EINVAL;
}

/* A decimal port, 0 ... 65535, digits only. */
static int parse_port_number(const char *s, size_t n, uint16_t *ret) {
        unsigned v = 0;

        if (n == 0 || n > 5)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned) (s[i] - '0');
        }
        if (v > 65535)
                return -ERANGE;
        *ret = (uint16_t) v;
        return 0;
}

/* "80" or "80-90" (end >= start). */
static int parse_port_range(const char *s, uint16_t *ret_start, uint16_t *ret_end) {
        const char *dash = strchr(s, '-');
        uint16_t a, b;
        int r;

        if (!dash) {
                r = parse_port_number(s, strlen(s), &a);
                if (r < 0)
                        return r;
                *ret_start = *ret_end = a;
                return 0;
        }
        r = parse_port_number(s, (size_t) (dash - s), &a);
        if (r < 0)
                return r;
        r = parse_port_number(dash + 1, strlen(dash + 1), &b);
        if (r < 0)
                return r;
        if (b < a)
                return -EDOM;
        *ret_start = a;
        *ret_end = b;
        return 0;
}

static int range_error(char **ret_reason, const char *flag, const char *value, const char *what,
                       const char *piece, int r) {
        if (r == -ERANGE)
                return reason_flag(ret_reason, flag, value, "invalid %s '%s': ports are 1-65535", what, piece);
        if (r == -EDOM)
                return reason_flag(ret_reason, flag, value, "invalid %s range '%s': the end is below the start",
                                   what, piece);
        if (isempty(piece))
                return reason_flag(ret_reason, flag, value, "no %s specified", what);
        return reason_flag(ret_reason, flag, value, "invalid %s '%s': expected a number or a range N-M",
                           what, piece);
}

static int parse_host_ip(const char *flag, const char *value, const char *ip, char ret[static 16],
                         char **ret_reason) {
        struct in_addr a;
        struct in6_addr a6;
        char buf[INET_ADDRSTRLEN];

        if (isempty(ip)) {
                ret[0] = 0;
                return 0;
        }
        if (ip[0] == '[' || inet_pton(AF_INET6, ip, &a6) == 1)
                return reason_flag(ret_reason, flag, value, "IPv6 host address '%s' is not supported: publish on "
                                   "an IPv4 address or on all addresses", ip);
        if (inet_pton(AF_INET, ip, &a) != 1)
                return reason_flag(ret_reason, flag, value, "invalid IP address '%s'", ip);
        if (a.s_addr == INADDR_ANY) {
                ret[0] = 0;     /* 0.0.0.0 is "every address" */
                return 0;
        }
        if (!inet_ntop(AF_INET, &a, buf, sizeof(buf)))
                return -errno;
        memcpy(ret, buf, strlen(buf) + 1);
        return 0;
}

int parse_port_flag(const char *s, PortMapping **mappings, size_t *n_mappings, char **ret_reason) {
        _cleanup_free_ char *copy = NULL;
        const char *ip = NULL, *host = NULL, *container, *proto = "tcp";
        char host_ip[16] = {};
        uint16_t cs, ce, hs = 0, he = 0;
        PortMapping *a;
        size_t n;
        char *p, *slash;
        int r, protocol;

        if (!s || isempty(s))
                return reason_flag(ret_reason, "-p", strempty(s), "no port specified");
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;

        /* [ip:][host:]container: the last ':' ends the host port, the one before it the address. */
        p = strrchr(copy, ':');
        if (p) {
                *p = 0;
                container = p + 1;
                p = strrchr(copy, ':');
                if (p) {
                        *p = 0;
                        ip = copy;
                        host = p + 1;
                } else
                        host = copy;
        } else
                container = copy;

        slash = strchr(container, '/');
        if (slash) {
                *slash = 0;
                proto = slash + 1;
                if (strchr(proto, '/'))
                        return reason_flag(ret_reason, "-p", s, "invalid protocol '%s': expected tcp, udp or sctp", proto);
                if (isempty(proto))
                        proto = "tcp";
        }
        protocol = port_protocol_from_string(proto);
        if (protocol < 0)
                return reason_flag(ret_reason, "-p", s, "invalid protocol '%s': expected tcp, udp or sctp", proto);

        r = parse_host_ip("-p", s, ip, host_ip, ret_reason);
        if (r < 0)
                return r;

        r = parse_port_range(container, &cs, &ce);
        if (r < 0)
                return range_error(ret_reason, "-p", s, "container port", container, r);
        if (cs == 0)
                return reason_flag(ret_reason, "-p", s, "invalid container port '%s': ports are 1-65535", container);

        if (host && !isempty(host)) {
                r = parse_port_range(host, &hs, &he);
                if (r < 0)
                        return range_error(ret_reason, "-p", s, "host port", host, r);
                if (hs == 0 && he != 0)
                        return reason_flag(ret_reason, "-p", s, "invalid host port range '%s': ports are 1-65535", host);
                if (he - hs != ce - cs && ce != cs)
                        return reason_flag(ret_reason, "-p", s,
                                           "invalid ranges: host ports %s and container ports %s differ in length",
                                           host, container);
        } else if (ip && host)
                /* "ip::80": a free port on that address, as docker takes it */
                hs = he = 0;

        n = (size_t) (ce - cs) + 1;
        a = reallocarray(*mappings, *n_mappings + n, sizeof(PortMapping));
        if (!a)
                return -ENOMEM;
        *mappings = a;
        for (size_t i = 0; i < n; i++) {
                PortMapping *m = &a[*n_mappings + i];

                *m = (PortMapping) {
                        .container_port = (uint16_t) (cs + i),
                        .protocol = (PortProtocol) protocol,
                };
                memcpy(m->host_ip, host_ip, sizeof(host_ip));
                if (cs == ce) {
                        m->host_port = hs;
                        m->host_port_end = he;
                } else
                        m->host_port = m->host_port_end = (uint16_t) (hs == 0 ? 0 : hs + i);
        }
        *n_mappings += n;
        return 0;
}

int parse_listen_flag(const char *s, PortMapping *ret, char **ret_reason) {
        PortMapping *l = NULL;
        size_t n = 0;
        int r;

        if (!s || isempty(s))
                return reason_flag(ret_reason, "--listen", strempty(s), "expected [IP:]HOSTPORT:CONTAINERPORT");
        if (!strchr(s, ':'))
                return reason_flag(ret_reason, "--listen", s, "expected [IP:]HOSTPORT:CONTAINERPORT: the host port is missing");
        if (strchr(s, '/') && !endswith(s, "/tcp"))
                return reason_flag(ret_reason, "--listen", s, "only tcp ports can be socket-activated");
        r = parse_port_flag(s, &l, &n, ret_reason);
        if (r < 0) {
                /* the message says "-p": say which flag it was */
                if (ret_reason && *ret_reason && startswith(*ret_reason, "-p ")) {
                        char *m = NULL;
                        if (asprintf(&m, "--listen%s", *ret_reason + 2) >= 0) {
                                free(*ret_reason);
                                *ret_reason = m;
                        }
                }
                return r;
        }
        if (n != 1 || l[0].host_port == 0 || l[0].host_port_end != l[0].host_port) {
                free(l);
                return reason_flag(ret_reason, "--listen", s, "expected one host port and one container port, no ranges");
        }
        *ret = l[0];
        free(l);
        return 0;
}

int port_mapping_to_string(const PortMapping *p, char **ret) {
        char *s = NULL;
        int r;

        if (p->host_port_end > p->host_port)
                r = asprintf(&s, "%s%s%u-%u:%u/%s", p->host_ip, p->host_ip[0] ? ":" : "", p->host_port,
                             p->host_port_end, p->container_port, port_protocol_to_string(p->protocol));
        else
                r = asprintf(&s, "%s%s%u:%u/%s", p->host_ip, p->host_ip[0] ? ":" : "", p->host_port,
                             p->container_port, port_protocol_to_string(p->protocol));
        if (r < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int port_mapping_to_docker_line(const PortMapping *p, char **ret) {
        char *s = NULL;

        if (asprintf(&s, "%u/%s -> %s:%u", p->container_port, port_protocol_to_string(p->protocol),
                     p->host_ip[0] ? p->host_ip : "0.0.0.0", p->host_port) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

bool port_mapping_is_resolved(const PortMapping *p) {
        return p->host_port > 0 && p->host_port_end <= p->host_port;
}

bool port_mapping_conflicts(const PortMapping *a, const PortMapping *b) {
        unsigned ae = MAX(a->host_port, a->host_port_end), be = MAX(b->host_port, b->host_port_end);

        if (a->protocol != b->protocol)
                return false;
        if (a->host_ip[0] && b->host_ip[0] && !streq(a->host_ip, b->host_ip))
                return false;
        if (a->host_port == 0 || b->host_port == 0)
                return false;
        return a->host_port <= be && b->host_port <= ae;
}

int port_mappings_add_exposed(const char *key, PortMapping **mappings, size_t *n_mappings, char **ret_reason) {
        size_t n = *n_mappings;
        int r;

        if (!key || isempty(key) || strchr(key, ':'))
                return reason_flag(ret_reason, "ExposedPorts", strempty(key), "expected PORT[-END][/PROTOCOL]");
        r = parse_port_flag(key, mappings, n_mappings, ret_reason);
        if (r < 0)
                return r;
        for (size_t i = n; i < *n_mappings; i++)
                (*mappings)[i].host_port = (*mappings)[i].host_port_end = 0;
        return 0;
}
