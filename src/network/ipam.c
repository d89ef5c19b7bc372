/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fd-util.h"
#include "fileio.h"
#include "ipam.h"
#include "output.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

#define LEASES_FILE_MAX (16U * 1024 * 1024)

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

static void lease_done(Lease *l) {
        free(l->id);
        free(l->name);
        free(l->dir);
        strv_free(l->aliases);
}

void leases_done(Leases *l) {
        for (size_t i = 0; i < l->n; i++)
                lease_done(&l->leases[i]);
        l->leases = mfree(l->leases);
        l->n = 0;
}

int ipam_lock(const char *network_dir) {
        _cleanup_free_ char *path = path_join(network_dir, IPAM_LOCK_FILE);
        _cleanup_close_ int fd = -EBADF;

        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return -errno;
        return TAKE_FD(fd);
}

static const char *get_str(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

int leases_from_json(const char *text, Leases *ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        Leases l = {};
        json_object *a;
        size_t n;
        int r = 0;

        o = json_tokener_parse(text);
        if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "Leases", &a) ||
            !json_object_is_type(a, json_type_array))
                return -EBADMSG;
        n = json_object_array_length(a);
        if (n > 0) {
                l.leases = calloc(n, sizeof(Lease));
                if (!l.leases)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i), *v;
                const char *id, *name, *dir, *addr;
                Lease *lease = &l.leases[l.n];

                if (!json_object_is_type(e, json_type_object)) {
                        r = -EBADMSG;
                        break;
                }
                id = get_str(e, "Id");
                name = get_str(e, "Name");
                dir = get_str(e, "Dir");
                addr = get_str(e, "Address");
                if (!id || !name || !dir || dir[0] != '/' || !addr) {
                        r = -EBADMSG;
                        break;
                }
                l.n++;
                lease->id = strdup(id);
                lease->name = strdup(name);
                lease->dir = strdup(dir);
                if (!lease->id || !lease->name || !lease->dir) {
                        r = -ENOMEM;
                        break;
                }
                if (ipv4_parse(addr, &lease->address) < 0) {
                        r = -EBADMSG;
                        break;
                }
                if (json_object_object_get_ex(e, "Running", &v))
                        lease->running = json_object_get_boolean(v);
                if (json_object_object_get_ex(e, "Aliases", &v) && json_object_is_type(v, json_type_array))
                        for (size_t j = 0; r >= 0 && j < json_object_array_length(v); j++) {
                                json_object *s = json_object_array_get_idx(v, j);
                                if (json_object_is_type(s, json_type_string))
                                        r = strv_extend(&lease->aliases, json_object_get_string(s));
                        }
                if (r < 0)
                        break;
        }
        if (r < 0) {
                leases_done(&l);
                return r;
        }
        *ret = l;
        return 0;
}

int leases_to_json(const Leases *l, char **ret) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        json_object *a = json_object_new_array();
        char buf[INET_ADDRSTRLEN];

        if (!o || !a) {
                json_object_put(a);
                return -ENOMEM;
        }
        json_object_object_add(o, "Leases", a);
        for (size_t i = 0; i < l->n; i++) {
                const Lease *lease = &l->leases[i];
                json_object *e = json_object_new_object(), *aliases = json_object_new_array();

                if (!e || !aliases) {
                        json_object_put(e);
                        json_object_put(aliases);
                        return -ENOMEM;
                }
                json_object_object_add(e, "Id", json_object_new_string(lease->id));
                json_object_object_add(e, "Name", json_object_new_string(lease->name));
                json_object_object_add(e, "Address", json_object_new_string(ipv4_format(lease->address, buf)));
                json_object_object_add(e, "Dir", json_object_new_string(lease->dir));
                STRV_FOREACH(s, lease->aliases)
                        json_object_array_add(aliases, json_object_new_string(*s));
                json_object_object_add(e, "Aliases", aliases);
                json_object_object_add(e, "Running", json_object_new_boolean(lease->running));
                json_object_array_add(a, e);
        }
        *ret = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        return *ret ? 0 : -ENOMEM;
}

int leases_load(const char *network_dir, Leases *ret) {
        _cleanup_free_ char *path = path_join(network_dir, IPAM_LEASES_FILE), *text = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_full_file(path, LEASES_FILE_MAX, &text, NULL);
        if (r == -ENOENT) {
                *ret = (Leases) {};
                return 0;
        }
        if (r < 0)
                return r;
        return leases_from_json(text, ret);
}

int leases_save(const Leases *l, const char *network_dir) {
        _cleanup_free_ char *path = path_join(network_dir, IPAM_LEASES_FILE), *text = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = leases_to_json(l, &text);
        if (r < 0)
                return r;
        return write_file_atomic(path, text, strlen(text), 0644);
}

Lease *leases_find(Leases *l, const char *id) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->leases[i].id, id))
                        return &l->leases[i];
        return NULL;
}

Lease *leases_find_address(Leases *l, struct in_addr a) {
        for (size_t i = 0; i < l->n; i++)
                if (l->leases[i].address.s_addr == a.s_addr)
                        return &l->leases[i];
        return NULL;
}

static bool address_reserved(const NetworkConfig *c, struct in_addr a) {
        return a.s_addr == c->subnet.address.s_addr || a.s_addr == c->gateway.s_addr ||
                a.s_addr == cidr_broadcast(&c->subnet).s_addr;
}

int ipam_pick(const Leases *l, const NetworkConfig *c, struct in_addr *ret) {
        uint32_t size = UINT32_C(1) << (32 - c->subnet.prefix);

        for (uint32_t i = 1; i + 1 < size; i++) {
                struct in_addr a = cidr_nth(&c->subnet, i);

                if (address_reserved(c, a) || leases_find_address((Leases *) l, a))
                        continue;
                *ret = a;
                return 0;
        }
        return -ENOSPC;
}

int ipam_check_request(Leases *l, const NetworkConfig *c, const char *address, struct in_addr *ret,
                       char **ret_reason) {
        _cleanup_free_ char *subnet = NULL;
        struct in_addr a;
        Lease *holder;

        if (ipv4_parse(address, &a) < 0)
                return reason(ret_reason, "--ip %s: not an IPv4 address", address);
        if (cidr_format(&c->subnet, &subnet) < 0)
                return -ENOMEM;
        if (!cidr_contains(&c->subnet, a))
                return reason(ret_reason, "--ip %s: not in subnet %s of network %s", address, subnet,
                                              c->name);
        if (address_reserved(c, a))
                return reason(ret_reason, "--ip %s: the %s of network %s", address,
                                              a.s_addr == c->gateway.s_addr ? "gateway" : "network or broadcast address",
                                              c->name);
        holder = leases_find_address(l, a);
        if (holder)
                return reason(ret_reason, "--ip %s: already in use by container %s on network %s",
                                              address, holder->name, c->name);
        *ret = a;
        return 0;
}

int ipam_allocate(const char *network_dir,
                  const NetworkConfig *c,
                  const char *id,
                  const char *name,
                  char * const *aliases,
                  const char *container_dir,
                  const char *requested,
                  struct in_addr *ret,
                  char **ret_reason) {
        _cleanup_(leases_done) Leases l = {};
        _cleanup_close_ int lock = -EBADF;
        struct in_addr a;
        Lease *lease, *t;
        int r;

        lock = ipam_lock(network_dir);
        if (lock < 0)
                return lock;
        r = leases_load(network_dir, &l);
        if (r < 0)
                return r;

        lease = leases_find(&l, id);
        if (lease) {
                *ret = lease->address;
                return 0;
        }
        if (requested)
                r = ipam_check_request(&l, c, requested, &a, ret_reason);
        else {
                r = ipam_pick(&l, c, &a);
                if (r == -ENOSPC) {
                        if (ret_reason)
                                (void) asprintf(ret_reason, "network %s has no free address left", c->name);
                        r = -EINVAL;
                }
        }
        if (r < 0)
                return r;

        t = realloc(l.leases, (l.n + 1) * sizeof(Lease));
        if (!t)
                return -ENOMEM;
        l.leases = t;
        lease = &l.leases[l.n++];
        *lease = (Lease) {
                .id = strdup(id),
                .name = strdup(name),
                .dir = strdup(container_dir),
                .aliases = strv_copy(aliases),
                .address = a,
        };
        if (!lease->id || !lease->name || !lease->dir || (aliases && !lease->aliases))
                return -ENOMEM;
        r = leases_save(&l, network_dir);
        if (r < 0)
                return r;
        *ret = a;
        return 0;
}

int ipam_release(const char *network_dir, const char *id) {
        _cleanup_(leases_done) Leases l = {};
        _cleanup_close_ int lock = -EBADF;
        Lease *lease;
        int r;

        lock = ipam_lock(network_dir);
        if (lock < 0)
                return lock;
        r = leases_load(network_dir, &l);
        if (r < 0)
                return r;
        lease = leases_find(&l, id);
        if (!lease)
                return 0;
        lease_done(lease);
        memmove(lease, lease + 1, (l.n - (lease - l.leases) - 1) * sizeof(Lease));
        l.n--;
        r = leases_save(&l, network_dir);
        return r < 0 ? r : 1;
}

int ipam_rename(const char *network_dir, const char *id, const char *name) {
        _cleanup_(leases_done) Leases l = {};
        _cleanup_close_ int lock = -EBADF;
        Lease *lease;
        int r;

        lock = ipam_lock(network_dir);
        if (lock < 0)
                return lock;
        r = leases_load(network_dir, &l);
        if (r < 0)
                return r;
        lease = leases_find(&l, id);
        if (!lease)
                return 0;
        r = free_and_strdup(&lease->name, name);
        if (r < 0)
                return r;
        r = leases_save(&l, network_dir);
        return r < 0 ? r : 1;
}
