/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fileio.h"
#include "network-config.h"
#include "output.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

static int reason(char **ret_reason, const char *fmt, ...) _printf_(2, 3);
static int reason(char **ret_reason, const char *fmt, ...) {
        va_list ap;

        if (ret_reason) {
                va_start(ap, fmt);
                if (vasprintf(ret_reason, fmt, ap) < 0)
                        *ret_reason = NULL;
                va_end(ap);
        }
        return -EINVAL;
}

int ipv4_parse(const char *s, struct in_addr *ret) {
        struct in_addr a;

        /* inet_pton() takes exactly four decimal parts, no leading zeros' octal, no trailing junk. */
        if (!s || strlen(s) > 15 || inet_pton(AF_INET, s, &a) != 1)
                return -EINVAL;
        *ret = a;
        return 0;
}

const char *ipv4_format(struct in_addr a, char buf[static INET_ADDRSTRLEN]) {
        if (!inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN))
                buf[0] = 0;
        return buf;
}

static uint32_t netmask(unsigned prefix) {
        return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

int cidr_parse(const char *s, Cidr *ret, char **ret_reason) {
        _cleanup_free_ char *addr = NULL;
        const char *slash;
        struct in_addr a;
        char *end;
        unsigned long prefix;
        uint32_t host;

        if (isempty(s))
                return reason(ret_reason, "subnet must not be empty: expected CIDR notation such as 10.90.0.0/24");
        slash = strchr(s, '/');
        if (!slash)
                return reason(ret_reason, "invalid subnet '%s': expected CIDR notation such as 10.90.0.0/24", s);
        addr = strndup(s, slash - s);
        if (!addr)
                return -ENOMEM;
        if (ipv4_parse(addr, &a) < 0)
                return reason(ret_reason, "invalid subnet '%s': '%s' is not an IPv4 address", s, addr);
        if (!(slash[1] >= '0' && slash[1] <= '9') || strlen(slash + 1) > 2)
                return reason(ret_reason, "invalid subnet '%s': the prefix length must be a number", s);
        errno = 0;
        prefix = strtoul(slash + 1, &end, 10);
        if (errno != 0 || *end != 0)
                return reason(ret_reason, "invalid subnet '%s': the prefix length must be a number", s);
        if (prefix < 8 || prefix > 30)
                return reason(ret_reason, "invalid subnet '%s': the prefix length must be between 8 and 30", s);
        host = ntohl(a.s_addr);
        if (host & ~netmask(prefix)) {
                struct in_addr n = { htonl(host & netmask(prefix)) };
                char buf[INET_ADDRSTRLEN];
                return reason(ret_reason, "invalid subnet '%s': it has host bits set, did you mean %s/%lu?", s,
                              ipv4_format(n, buf), prefix);
        }
        *ret = (Cidr) { a, (unsigned) prefix };
        return 0;
}

int cidr_format(const Cidr *c, char **ret) {
        char buf[INET_ADDRSTRLEN];

        return asprintf(ret, "%s/%u", ipv4_format(c->address, buf), c->prefix) < 0 ? -ENOMEM : 0;
}

bool cidr_contains(const Cidr *c, struct in_addr a) {
        return (ntohl(a.s_addr) & netmask(c->prefix)) == ntohl(c->address.s_addr);
}

bool cidr_overlaps(const Cidr *a, const Cidr *b) {
        unsigned p = MIN(a->prefix, b->prefix);
        return (ntohl(a->address.s_addr) & netmask(p)) == (ntohl(b->address.s_addr) & netmask(p));
}

struct in_addr cidr_broadcast(const Cidr *c) {
        return (struct in_addr) { htonl(ntohl(c->address.s_addr) | ~netmask(c->prefix)) };
}

struct in_addr cidr_nth(const Cidr *c, uint32_t n) {
        return (struct in_addr) { htonl(ntohl(c->address.s_addr) + n) };
}

NetworkConfig *network_config_free(NetworkConfig *c) {
        if (!c)
                return NULL;
        free(c->name);
        free(c->id);
        free(c->bridge);
        strv_free(c->labels);
        return mfree(c);
}

int network_name_validate(const char *name, char **ret_reason) {
        if (isempty(name))
                return reason(ret_reason, "network name must not be empty");
        if (strlen(name) > NETWORK_NAME_MAX)
                return reason(ret_reason, "invalid network name '%.64s...': longer than %u characters", name,
                              NETWORK_NAME_MAX);
        for (const char *p = name; *p; p++) {
                bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
                if (!alnum && (p == name || !strchr("_.-", *p)))
                        return reason(ret_reason,
                                      "invalid network name '%s': only letters, digits, '_', '.' and '-' are "
                                      "allowed, starting with a letter or digit", name);
        }
        return 0;
}

static const NetworkConfig *find_overlap(const Cidr *subnet, NetworkConfig * const *existing, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (cidr_overlaps(subnet, &existing[i]->subnet))
                        return existing[i];
        return NULL;
}

static int pick_subnet(NetworkConfig * const *existing, size_t n, Cidr *ret) {
        Cidr c;

        if (cidr_parse(NETWORK_POOL_FIRST, &c, NULL) < 0)
                return -EINVAL;
        /* 10.90.0.0/24 ... 10.99.255.0/24 */
        for (uint32_t i = 0; i < 10 * 256; i++) {
                Cidr t = { cidr_nth(&c, i << 8), 24 };
                if (!find_overlap(&t, existing, n)) {
                        *ret = t;
                        return 0;
                }
        }
        return -ENOSPC;
}

static uint64_t now_realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int network_config_new(const char *name,
                       const char *id,
                       const char *subnet,
                       const char *gateway,
                       bool internal,
                       char * const *labels,
                       NetworkConfig * const *existing,
                       size_t n_existing,
                       NetworkConfig **ret,
                       char **ret_reason) {
        _cleanup_(network_config_freep) NetworkConfig *c = NULL;
        const NetworkConfig *other;
        char buf[INET_ADDRSTRLEN];
        int r;

        r = network_name_validate(name, ret_reason);
        if (r < 0)
                return r;
        if (!id || strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64)
                return -EINVAL;
        for (size_t i = 0; i < n_existing; i++)
                if (streq(existing[i]->name, name))
                        return reason(ret_reason, "network %s exists already", name);
        STRV_FOREACH(l, (char **) labels)
                if (!strchr(*l, '=') || **l == '=')
                        return reason(ret_reason, "invalid label '%s': expected KEY=VALUE", *l);
        if (gateway && !subnet)
                return reason(ret_reason, "--gateway %s needs --subnet", gateway);

        c = calloc(1, sizeof(NetworkConfig));
        if (!c)
                return -ENOMEM;
        c->name = strdup(name);
        c->id = strdup(id);
        c->labels = strv_copy(labels);
        if (!c->name || !c->id || (labels && !c->labels))
                return -ENOMEM;
        if (streq(name, NETWORK_DEFAULT_NAME))
                c->bridge = strdup(NETWORK_DEFAULT_BRIDGE);
        else
                if (asprintf(&c->bridge, "nyx-%.10s", id) < 0)
                        c->bridge = NULL;
        if (!c->bridge)
                return -ENOMEM;

        if (subnet) {
                r = cidr_parse(subnet, &c->subnet, ret_reason);
                if (r < 0)
                        return r;
                other = find_overlap(&c->subnet, existing, n_existing);
                if (other) {
                        _cleanup_free_ char *o = NULL;
                        (void) cidr_format(&other->subnet, &o);
                        return reason(ret_reason, "subnet %s overlaps with network %s (%s)", subnet, other->name,
                                      strna(o));
                }
        } else {
                r = pick_subnet(existing, n_existing, &c->subnet);
                if (r < 0)
                        return reason(ret_reason, "no free subnet is left in 10.90.0.0-10.99.255.255: pass --subnet");
        }

        if (gateway) {
                if (ipv4_parse(gateway, &c->gateway) < 0)
                        return reason(ret_reason, "invalid gateway '%s': not an IPv4 address", gateway);
                if (!cidr_contains(&c->subnet, c->gateway) || c->gateway.s_addr == c->subnet.address.s_addr ||
                    c->gateway.s_addr == cidr_broadcast(&c->subnet).s_addr)
                        return reason(ret_reason, "gateway %s is not a host address of subnet %s/%u", gateway,
                                      ipv4_format(c->subnet.address, buf), c->subnet.prefix);
        } else
                c->gateway = cidr_nth(&c->subnet, 1);

        c->mtu = NETWORK_DEFAULT_MTU;
        c->internal = internal;
        c->created_usec = now_realtime_usec();
        *ret = TAKE_PTR(c);
        return 0;
}

int network_config_to_json(const NetworkConfig *c, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        _cleanup_free_ char *subnet = NULL;
        json_object *labels = json_object_new_object();
        char buf[INET_ADDRSTRLEN];

        if (!o || !labels || cidr_format(&c->subnet, &subnet) < 0) {
                json_object_put(labels);
                return -ENOMEM;
        }
        json_object_object_add(o, "Name", json_object_new_string(c->name));
        json_object_object_add(o, "Id", json_object_new_string(c->id));
        json_object_object_add(o, "Driver", json_object_new_string("bridge"));
        json_object_object_add(o, "Bridge", json_object_new_string(c->bridge));
        json_object_object_add(o, "Subnet", json_object_new_string(subnet));
        json_object_object_add(o, "Gateway", json_object_new_string(ipv4_format(c->gateway, buf)));
        json_object_object_add(o, "Mtu", json_object_new_int64(c->mtu));
        json_object_object_add(o, "Internal", json_object_new_boolean(c->internal));
        STRV_FOREACH(l, c->labels) {
                _cleanup_free_ char *k = strndup(*l, strcspn(*l, "="));
                if (!k)
                        return -ENOMEM;
                json_object_object_add(labels, k, json_object_new_string(strchr(*l, '=') + 1));
        }
        json_object_object_add(o, "Labels", labels);
        json_object_object_add(o, "Created", json_object_new_int64((int64_t) c->created_usec));
        *ret = TAKE_PTR(o);
        return 0;
}

static const char *get_str(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

int network_config_from_json(json_object *o, NetworkConfig **ret) {
        _cleanup_(network_config_freep) NetworkConfig *c = NULL;
        const char *name, *id, *bridge, *subnet, *gateway;
        json_object *v;

        if (!json_object_is_type(o, json_type_object))
                return -EBADMSG;
        name = get_str(o, "Name");
        id = get_str(o, "Id");
        bridge = get_str(o, "Bridge");
        subnet = get_str(o, "Subnet");
        gateway = get_str(o, "Gateway");
        if (!name || !id || !bridge || !subnet || !gateway || network_name_validate(name, NULL) < 0 ||
            strlen(bridge) == 0 || strlen(bridge) > 15 || strpbrk(bridge, "/ \t\n:"))
                return -EBADMSG;

        c = calloc(1, sizeof(NetworkConfig));
        if (!c)
                return -ENOMEM;
        c->name = strdup(name);
        c->id = strdup(id);
        c->bridge = strdup(bridge);
        if (!c->name || !c->id || !c->bridge)
                return -ENOMEM;
        if (cidr_parse(subnet, &c->subnet, NULL) < 0 || ipv4_parse(gateway, &c->gateway) < 0 ||
            !cidr_contains(&c->subnet, c->gateway))
                return -EBADMSG;
        c->mtu = NETWORK_DEFAULT_MTU;
        if (json_object_object_get_ex(o, "Mtu", &v) && json_object_is_type(v, json_type_int)) {
                int64_t mtu = json_object_get_int64(v);
                if (mtu < 68 || mtu > 65535)
                        return -EBADMSG;
                c->mtu = (uint32_t) mtu;
        }
        if (json_object_object_get_ex(o, "Internal", &v))
                c->internal = json_object_get_boolean(v);
        if (json_object_object_get_ex(o, "Created", &v))
                c->created_usec = (uint64_t) json_object_get_int64(v);
        if (json_object_object_get_ex(o, "Labels", &v) && json_object_is_type(v, json_type_object)) {
                json_object_object_foreach(v, key, val) {
                        _cleanup_free_ char *kv = strjoin(key, "=", json_object_get_string(val));
                        if (!kv || strv_consume(&c->labels, TAKE_PTR(kv)) < 0)
                                return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(c);
        return 0;
}

int network_config_load(const char *dir, NetworkConfig **ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_free_ char *path = NULL, *text = NULL;
        int r;

        path = path_join(dir, NETWORK_CONFIG_FILE);
        if (!path)
                return -ENOMEM;
        r = read_full_file(path, 1024 * 1024, &text, NULL);
        if (r < 0)
                return r;
        o = json_tokener_parse(text);
        if (!o)
                return -EBADMSG;
        return network_config_from_json(o, ret);
}

int network_config_save(const NetworkConfig *c, const char *dir) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_free_ char *path = NULL;
        const char *s;
        int r;

        r = network_config_to_json(c, &o);
        if (r < 0)
                return r;
        path = path_join(dir, NETWORK_CONFIG_FILE);
        if (!path)
                return -ENOMEM;
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        return write_file_atomic(path, s, strlen(s), 0644);
}
