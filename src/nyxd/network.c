/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <json-c/json.h>

#include "container-link.h"
#include "container.h"
#include "fd-util.h"
#include "fileio.h"
#include "hosts.h"
#include "ipam.h"
#include "log.h"
#include "manager.h"
#include "netlink.h"
#include "netns.h"
#include "network.h"
#include "nft.h"
#include "nyx-errors.h"
#include "output.h"
#include "path-util.h"
#include "ptr-array.h"
#include "string-util.h"
#include "strv.h"

#define NETWORK_PREFIX "/org/nyx/engine1/network"
#define HOST_VETH_PREFIX "vnyx"

Network *network_free(Network *n) {
        if (!n)
                return NULL;
        network_config_free(n->config);
        free(n->dir);
        free(n->object_path);
        return mfree(n);
}

static int network_new(Manager *m, NetworkConfig *config, Network **ret) {
        _cleanup_(network_freep) Network *n = NULL;
        int r;

        n = calloc(1, sizeof(Network));
        if (!n)
                return -ENOMEM;
        n->manager = m;
        n->dir = path_join(m->state_dir, "networks", config->name);
        if (!n->dir)
                return -ENOMEM;
        r = sd_bus_path_encode(NETWORK_PREFIX, config->name, &n->object_path);
        if (r < 0)
                return r;
        n->config = config;
        *ret = TAKE_PTR(n);
        return 0;
}

Network *manager_find_network(Manager *m, const char *name_or_id) {
        size_t l = strlen(name_or_id);
        Network *found = NULL;

        for (size_t i = 0; i < m->n_networks; i++)
                if (streq(m->networks[i]->config->name, name_or_id) || streq(m->networks[i]->config->id, name_or_id))
                        return m->networks[i];
        if (l < 3 || strspn(name_or_id, "0123456789abcdef") != l)
                return NULL;
        for (size_t i = 0; i < m->n_networks; i++)
                if (strncmp(m->networks[i]->config->id, name_or_id, l) == 0) {
                        if (found)
                                return NULL;
                        found = m->networks[i];
                }
        return found;
}

bool network_is_predefined(const char *name) {
        return streq(name, NETWORK_DEFAULT_NAME) || streq(name, "host") || streq(name, "none") ||
                streq(name, "default");
}

static int generate_id(char **ret) {
        uint8_t buf[32];

        if (getrandom(buf, sizeof(buf), 0) != (ssize_t) sizeof(buf))
                return -errno;
        *ret = hexmem(buf, sizeof(buf));
        return *ret ? 0 : -ENOMEM;
}

static int existing_configs(Manager *m, NetworkConfig ***ret) {
        NetworkConfig **l = calloc(m->n_networks + 1, sizeof(NetworkConfig *));

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_networks; i++)
                l[i] = m->networks[i]->config;
        *ret = l;
        return 0;
}

static int network_create_internal(Manager *m, const char *name, const char *subnet, const char *gateway,
                                   bool internal, char * const *labels, sd_bus_error *error, Network **ret) {
        _cleanup_(network_config_freep) NetworkConfig *config = NULL;
        _cleanup_(network_freep) Network *n = NULL;
        _cleanup_free_ NetworkConfig **existing = NULL;
        _cleanup_free_ char *id = NULL, *reason = NULL;
        int r;

        r = generate_id(&id);
        if (r < 0)
                return r;
        r = existing_configs(m, &existing);
        if (r < 0)
                return r;
        r = network_config_new(name, id, subnet, gateway, internal, labels, existing, m->n_networks, &config,
                               &reason);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "%s", reason ?: "invalid network options");
        if (r < 0)
                return r;
        r = network_new(m, config, &n);
        if (r < 0)
                return r;
        TAKE_PTR(config);

        r = mkdir_p(n->dir, 0755);
        if (r >= 0)
                r = network_config_save(n->config, n->dir);
        if (r < 0) {
                (void) rm_rf(n->dir);
                return sd_bus_error_set_errnof(error, r, "cannot write network %s: %s", name, strerror(-r));
        }
        r = ptr_array_append((void ***) &m->networks, &m->n_networks, n);
        if (r < 0) {
                (void) rm_rf(n->dir);
                return r;
        }
        *ret = TAKE_PTR(n);
        return 0;
}

int network_create(Manager *m, const char *name, const char *subnet, const char *gateway, bool internal,
                   char * const *labels, sd_bus_error *error, Network **ret) {
        if (name && network_is_predefined(name))
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                         "%s is a pre-defined network and cannot be created", name);
        if (name && manager_find_network(m, name) && streq(manager_find_network(m, name)->config->name, name))
                return sd_bus_error_setf(error, NYX_ERROR_NAME_IN_USE, "network %s exists already", name);
        return network_create_internal(m, name, subnet, gateway, internal, labels, error, ret);
}

/* The containers with a lease on it: from create (or connect) to rm (or disconnect). */
int network_users(Network *n, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_(leases_done) Leases leases = {};
        _cleanup_close_ int lock = -EBADF;
        Manager *m = n->manager;
        int r;

        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        lock = ipam_lock(n->dir);
        if (lock < 0)
                return lock;
        r = leases_load(n->dir, &leases);
        if (r < 0)
                return r;
        lock = safe_close(lock);
        for (size_t i = 0; i < m->n_containers; i++) {
                Container *c = m->containers[i];

                if (leases_find(&leases, c->id) && strv_extend(&l, c->name) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int network_remove(Network *n, sd_bus_error *error) {
        _cleanup_strv_free_ char **users = NULL;
        _cleanup_free_ char *joined = NULL, *reason = NULL;
        Manager *m = n->manager;
        int r;

        if (streq(n->config->name, NETWORK_DEFAULT_NAME))
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                         "%s is a pre-defined network and cannot be removed", n->config->name);
        r = network_users(n, &users);
        if (r < 0)
                return r;
        if (users[0]) {
                size_t len = 1;
                STRV_FOREACH(u, users)
                        len += strlen(*u) + 2;
                joined = calloc(1, len);
                if (!joined)
                        return -ENOMEM;
                STRV_FOREACH(u, users) {
                        if (u != users)
                                strcat(joined, ", ");
                        strcat(joined, *u);
                }
                return sd_bus_error_setf(error, NYX_ERROR_IN_USE,
                                         "network %s is in use by container%s %s: remove %s first", n->config->name,
                                         users[1] ? "s" : "", joined, users[1] ? "them" : "it");
        }

        r = nl_link_delete(n->config->bridge);
        if (r < 0 && r != -ENODEV)
                log_warning_errno(r, "Cannot delete bridge %s of network %s: %m", n->config->bridge, n->config->name);
        r = nft_network_teardown(n->config->bridge, &reason);
        if (r < 0)
                log_warning_errno(r, "Cannot remove the firewall rules of network %s: %s", n->config->name,
                                  reason ?: strerror(-r));
        r = rm_rf(n->dir);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot remove %s: %s", n->dir, strerror(-r));
        (void) ptr_array_remove((void **) m->networks, &m->n_networks, n);
        network_free(n);
        return 0;
}

int network_inspect_json(Network *n, char **ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_(leases_done) Leases l = {};
        _cleanup_close_ int lock = -EBADF;
        json_object *containers;
        int r;

        r = network_config_to_json(n->config, &o);
        if (r < 0)
                return r;
        json_object_object_add(o, "Scope", json_object_new_string("local"));
        lock = ipam_lock(n->dir);
        if (lock >= 0 && leases_load(n->dir, &l) < 0)
                l = (Leases) {};
        lock = safe_close(lock);
        containers = json_object_new_object();
        for (size_t i = 0; i < l.n; i++) {
                json_object *e = json_object_new_object();
                char buf[INET_ADDRSTRLEN], *cidr = NULL;

                json_object_object_add(e, "Name", json_object_new_string(l.leases[i].name));
                if (asprintf(&cidr, "%s/%u", ipv4_format(l.leases[i].address, buf), n->config->subnet.prefix) >= 0)
                        json_object_object_add(e, "IPv4Address", json_object_new_string(cidr));
                free(cidr);
                json_object_object_add(e, "Running", json_object_new_boolean(l.leases[i].running));
                json_object_object_add(containers, l.leases[i].id, e);
        }
        json_object_object_add(o, "Containers", containers);
        *ret = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        return *ret ? 0 : -ENOMEM;
}

int manager_load_networks(Manager *m) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ char *dir = NULL;
        struct dirent *de;
        Network *n;
        int r;

        dir = path_join(m->state_dir, "networks");
        if (!dir)
                return -ENOMEM;
        d = opendir(dir);
        if (!d && errno != ENOENT)
                return -errno;
        while (d && (de = readdir(d))) {
                _cleanup_(network_config_freep) NetworkConfig *config = NULL;
                _cleanup_free_ char *p = NULL;

                if (de->d_name[0] == '.' || network_name_validate(de->d_name, NULL) < 0)
                        continue;
                p = path_join(dir, de->d_name);
                if (!p)
                        return -ENOMEM;
                r = network_config_load(p, &config);
                if (r == -ENOENT) {
                        (void) rm_rf(p);        /* an interrupted create */
                        continue;
                }
                if (r < 0 || !streq(config->name, de->d_name)) {
                        log_warning_errno(r < 0 ? r : EBADMSG, "Ignoring network %s with an unreadable record: %m",
                                          de->d_name);
                        continue;
                }
                r = network_new(m, config, &n);
                if (r < 0)
                        return r;
                TAKE_PTR(config);
                r = ptr_array_append((void ***) &m->networks, &m->n_networks, n);
                if (r < 0) {
                        network_free(n);
                        return r;
                }
        }

        if (!manager_find_network(m, NETWORK_DEFAULT_NAME)) {
                r = network_create_internal(m, NETWORK_DEFAULT_NAME, NETWORK_DEFAULT_SUBNET, NULL, false, NULL,
                                            &error, &n);
                if (r < 0)      /* the first container on it tries again */
                        log_warning_errno(r, "Cannot create the default network: %s", error.message ?: strerror(-r));
        }
        return 0;
}

void container_networking_done(ContainerNetworking *cn) {
        free(cn->mode);
        free(cn->netns);
        for (size_t i = 0; i < cn->n_networks; i++) {
                PrepareNetwork *n = &cn->networks[i];
                free(n->name);
                free(n->dir);
                free(n->bridge);
                free(n->subnet);
                free(n->address);
                free(n->gateway);
                free(n->interface);
                free(n->host_veth);
                strv_free(n->aliases);
        }
        free(cn->networks);
        free(cn->address);
        *cn = (ContainerNetworking) {};
}

static int fill_prepare_network(Container *c, Network *n, size_t index, struct in_addr address, char **aliases,
                                PrepareNetwork *ret) {
        char buf[INET_ADDRSTRLEN];
        PrepareNetwork pn = {
                .prefix = n->config->subnet.prefix,
                .mtu = n->config->mtu,
                .internal = n->config->internal,
                .dns = !streq(n->config->name, NETWORK_DEFAULT_NAME),
        };

        pn.name = strdup(n->config->name);
        pn.dir = strdup(n->dir);
        pn.bridge = strdup(n->config->bridge);
        pn.address = strdup(ipv4_format(address, buf));
        pn.gateway = strdup(ipv4_format(n->config->gateway, buf));
        (void) cidr_format(&n->config->subnet, &pn.subnet);
        (void) asprintf(&pn.interface, "eth%zu", index);
        (void) asprintf(&pn.host_veth, HOST_VETH_PREFIX "%.9s%02zx", c->id, index);
        if (pn.dns && aliases)
                pn.aliases = strv_copy(aliases);
        *ret = pn;
        if (!pn.name || !pn.dir || !pn.bridge || !pn.address || !pn.gateway || !pn.subnet || !pn.interface ||
            !pn.host_veth || (pn.dns && aliases && !pn.aliases))
                return -ENOMEM;
        return 0;
}

int network_attach_container(Container *c, ContainerNetworking *ret, char **ret_reason) {
        _cleanup_(container_networking_done) ContainerNetworking cn = {};
        const NetworkMode *nm = &c->spec->network;
        Manager *m = c->manager;
        struct in_addr address;
        char buf[INET_ADDRSTRLEN];
        Network *n;
        int r;

        switch (nm->type) {
        case NETWORK_MODE_NONE:
        case NETWORK_MODE_HOST:
                cn.mode = strdup(nm->type == NETWORK_MODE_NONE ? "none" : "host");
                if (!cn.mode)
                        return -ENOMEM;
                *ret = cn;
                cn = (ContainerNetworking) {};
                return 0;
        case NETWORK_MODE_CONTAINER: {
                Container *other = manager_find_container(m, nm->name);

                if (!other) {
                        if (ret_reason)
                                (void) asprintf(ret_reason, "--network container:%s: no such container", nm->name);
                        return -EINVAL;
                }
                if (!IN_SET(other->spec->network.type, NETWORK_MODE_BRIDGE, NETWORK_MODE_NETWORK)) {
                        if (ret_reason)
                                (void) asprintf(ret_reason, "--network container:%s: that container has no network "
                                                "namespace of its own to share (it uses --network none, host or "
                                                "container:...)", nm->name);
                        return -EINVAL;
                }
                cn.mode = strdup("container");
                if (!cn.mode)
                        return -ENOMEM;
                r = netns_path(other->id, &cn.netns);
                if (r < 0)
                        return r;
                *ret = cn;
                cn = (ContainerNetworking) {};
                return 0;
        }
        case NETWORK_MODE_BRIDGE: {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

                n = manager_find_network(m, NETWORK_DEFAULT_NAME);
                if (!n) {
                        r = network_create_internal(m, NETWORK_DEFAULT_NAME, NETWORK_DEFAULT_SUBNET, NULL, false,
                                                    NULL, &error, &n);
                        if (r < 0) {
                                if (ret_reason)
                                        (void) asprintf(ret_reason, "cannot create the default network: %s",
                                                        error.message ?: strerror(-r));
                                return -EINVAL;
                        }
                }
                break;
        }
        case NETWORK_MODE_NETWORK:
                n = manager_find_network(m, nm->name);
                if (!n) {
                        if (ret_reason)
                                (void) asprintf(ret_reason, "--network %s: no such network (create it with: nyxctl "
                                                "network create %s)", nm->name, nm->name);
                        return -EINVAL;
                }
                break;
        default:
                return -EINVAL;
        }
        if (!n)
                return -ENOENT;

        cn.mode = strdup(nm->type == NETWORK_MODE_BRIDGE ? "bridge" : "network");
        if (!cn.mode)
                return -ENOMEM;
        r = netns_path(c->id, &cn.netns);
        if (r < 0)
                return r;

        r = ipam_allocate(n->dir, n->config, c->id, c->name, c->spec->network_aliases, c->dir, c->spec->ip,
                          &address, ret_reason);
        if (r < 0)
                return r;
        cn.networks = calloc(1, sizeof(PrepareNetwork));
        if (!cn.networks) {
                (void) ipam_release(n->dir, c->id);
                return -ENOMEM;
        }
        cn.n_networks = 1;
        r = fill_prepare_network(c, n, 0, address, c->spec->network_aliases, &cn.networks[0]);
        if (r >= 0) {
                cn.address = strdup(ipv4_format(address, buf));
                if (!cn.address)
                        r = -ENOMEM;
        }
        if (r < 0) {
                (void) ipam_release(n->dir, c->id);
                return r;
        }
        *ret = cn;
        cn = (ContainerNetworking) {};
        return 0;
}

void network_detach_container(Manager *m, const char *id) {
        _cleanup_free_ char *ns = NULL;
        int r;

        for (size_t i = 0; i < m->n_networks; i++) {
                r = ipam_release(m->networks[i]->dir, id);
                if (r < 0)
                        log_warning_errno(r, "Cannot release the address of container %s on network %s: %m", id,
                                          m->networks[i]->config->name);
        }
        if (netns_path(id, &ns) >= 0 && (r = netns_remove(ns)) < 0)
                log_warning_errno(r, "Cannot remove the network namespace %s: %m", ns);
}

void network_rename_container(Manager *m, const char *id, const char *name) {
        for (size_t i = 0; i < m->n_networks; i++) {
                int r = ipam_rename(m->networks[i]->dir, id, name);
                if (r < 0)
                        log_warning_errno(r, "Cannot record the new name of container %s on network %s: %m", id,
                                          m->networks[i]->config->name);
        }
}

int network_settings_json(Container *c, json_object **ret) {
        _cleanup_(prepare_config_freep) PrepareConfig *pc = NULL;
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        _cleanup_free_ char *path = path_join(c->dir, "prepare.json");
        json_object *nets;
        int r;

        if (!o || !path)
                return -ENOMEM;
        r = prepare_config_load(path, &pc);
        if (r < 0)
                return r;
        json_object_object_add(o, "Mode", json_object_new_string(pc->network_mode ?: "none"));
        json_object_object_add(o, "SandboxKey", pc->netns ? json_object_new_string(pc->netns) : NULL);
        json_object_object_add(o, "IPAddress", json_object_new_string(pc->n_networks > 0 ? pc->networks[0].address : ""));
        json_object_object_add(o, "IPPrefixLen", json_object_new_int(pc->n_networks > 0 ? (int) pc->networks[0].prefix : 0));
        json_object_object_add(o, "Gateway", json_object_new_string(pc->n_networks > 0 && !pc->networks[0].internal ?
                                                                    pc->networks[0].gateway : ""));
        nets = json_object_new_object();
        for (size_t i = 0; i < pc->n_networks; i++) {
                const PrepareNetwork *pn = &pc->networks[i];
                json_object *e = json_object_new_object(), *aliases = json_object_new_array();
                Network *n = manager_find_network(c->manager, pn->name);

                json_object_object_add(e, "NetworkID", json_object_new_string(n ? n->config->id : ""));
                json_object_object_add(e, "IPAddress", json_object_new_string(pn->address));
                json_object_object_add(e, "IPPrefixLen", json_object_new_int((int) pn->prefix));
                json_object_object_add(e, "Gateway", json_object_new_string(pn->gateway));
                json_object_object_add(e, "Interface", json_object_new_string(pn->interface));
                json_object_object_add(e, "HostInterface", json_object_new_string(pn->host_veth));
                STRV_FOREACH(a, pn->aliases)
                        json_object_array_add(aliases, json_object_new_string(*a));
                json_object_object_add(e, "Aliases", aliases);
                json_object_object_add(nets, pn->name, e);
        }
        json_object_object_add(o, "Networks", nets);
        *ret = TAKE_PTR(o);
        return 0;
}

static Container *find_container_by_id_prefix(Manager *m, const char *prefix, size_t l) {
        for (size_t i = 0; i < m->n_containers; i++)
                if (strncmp(m->containers[i]->id, prefix, l) == 0)
                        return m->containers[i];
        return NULL;
}

void manager_clean_up_networks(Manager *m) {
        _cleanup_strv_free_ char **links = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        /* Leases of containers that are gone; members marked running whose unit is not. */
        for (size_t i = 0; i < m->n_networks; i++) {
                Network *n = m->networks[i];
                _cleanup_(leases_done) Leases l = {};
                _cleanup_close_ int lock = ipam_lock(n->dir);
                bool changed = false;

                if (lock < 0 || leases_load(n->dir, &l) < 0)
                        continue;
                for (size_t j = 0; j < l.n; ) {
                        Container *c = manager_find_container(m, l.leases[j].id);

                        if (!c || !streq(c->id, l.leases[j].id)) {
                                log_info("Releasing the address of gone container %s on network %s.",
                                         l.leases[j].name, n->config->name);
                                free(l.leases[j].id);
                                free(l.leases[j].name);
                                free(l.leases[j].dir);
                                strv_free(l.leases[j].aliases);
                                memmove(&l.leases[j], &l.leases[j + 1], (l.n - j - 1) * sizeof(Lease));
                                l.n--;
                                changed = true;
                                continue;
                        }
                        if (l.leases[j].running && !container_is_active(c)) {
                                l.leases[j].running = false;
                                changed = true;
                        }
                        j++;
                }
                if (changed) {
                        r = leases_save(&l, n->dir);
                        if (r < 0)
                                log_warning_errno(r, "Cannot write the leases of network %s: %m", n->config->name);
                        if (!streq(n->config->name, NETWORK_DEFAULT_NAME))
                                (void) hosts_refresh_network(n->config->name, &l);
                }
        }

        /* Namespace files of containers that are gone. */
        d = opendir(NETNS_DIR);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                Container *c;

                if (de->d_name[0] == '.')
                        continue;
                c = manager_find_container(m, de->d_name);
                if (c && streq(c->id, de->d_name))
                        continue;
                p = path_join(NETNS_DIR, de->d_name);
                if (!p)
                        continue;
                log_info("Removing the network namespace %s of a container that is gone.", p);
                (void) netns_remove(p);
        }

        /* Bridges of user networks that are gone (a crash during network rm). */
        if (nl_link_list("nyx-", &links) >= 0)
                STRV_FOREACH(l, links) {
                        bool known = false;

                        for (size_t i = 0; i < m->n_networks; i++)
                                if (streq(m->networks[i]->config->bridge, *l))
                                        known = true;
                        if (known || strlen(*l) != 14 || strspn(*l + 4, "0123456789abcdef") != 10)
                                continue;
                        log_info("Deleting the bridge %s of a network that is gone.", *l);
                        (void) nl_link_delete(*l);
                        (void) nft_network_teardown(*l, NULL);
                }
        links = strv_free(links);

        /* Host veths of containers that are gone or not running (their stop step did not run). */
        if (nl_link_list(HOST_VETH_PREFIX, &links) < 0)
                return;
        STRV_FOREACH(l, links) {
                const char *id = *l + strlen(HOST_VETH_PREFIX);
                size_t len = strlen(id);
                Container *c;

                if (len != 11 || strspn(id, "0123456789abcdef") != len)
                        continue;
                c = find_container_by_id_prefix(m, id, 9);
                if (c && container_is_active(c))
                        continue;
                log_info("Deleting the stale interface %s.", *l);
                (void) nl_link_delete(*l);
        }
}

static bool has_own_netns(const Container *c) {
        return IN_SET(c->spec->network.type, NETWORK_MODE_BRIDGE, NETWORK_MODE_NETWORK);
}

static int load_prepare(Container *c, PrepareConfig **ret) {
        _cleanup_free_ char *path = path_join(c->dir, "prepare.json");

        if (!path)
                return -ENOMEM;
        return prepare_config_load(path, ret);
}

static int save_prepare(Container *c, const PrepareConfig *pc) {
        _cleanup_free_ char *path = path_join(c->dir, "prepare.json");

        if (!path)
                return -ENOMEM;
        return prepare_config_save(pc, path);
}

static void prepare_network_done(PrepareNetwork *n) {
        free(n->name);
        free(n->dir);
        free(n->bridge);
        free(n->subnet);
        free(n->address);
        free(n->gateway);
        free(n->interface);
        free(n->host_veth);
        strv_free(n->aliases);
        *n = (PrepareNetwork) {};
}

static ssize_t find_prepare_network(const PrepareConfig *pc, const char *name) {
        for (size_t i = 0; i < pc->n_networks; i++)
                if (streq(pc->networks[i].name, name))
                        return (ssize_t) i;
        return -1;
}

/* The lowest interface number no network of the container uses (eth0, eth1 ...). */
static size_t free_interface_index(const PrepareConfig *pc) {
        for (size_t k = 0; ; k++) {
                char name[32];
                bool used = false;

                snprintf(name, sizeof(name), "eth%zu", k);
                for (size_t i = 0; i < pc->n_networks; i++)
                        if (streq(pc->networks[i].interface, name))
                                used = true;
                if (!used)
                        return k;
        }
}

int network_connect(Network *n, Container *c, const char *ip, char * const *aliases, sd_bus_error *error) {
        _cleanup_(prepare_config_freep) PrepareConfig *pc = NULL;
        _cleanup_free_ char *reason = NULL;
        PrepareNetwork *t, pn = {};
        struct in_addr address;
        bool default_route = true;
        int r;

        if (!has_own_netns(c))
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                         "container %s has no network namespace of its own (--network none, host or "
                                         "container:...): it cannot be connected to a network", c->name);
        if (aliases && aliases[0] && streq(n->config->name, NETWORK_DEFAULT_NAME))
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                         "--alias is only supported on user-defined networks");
        r = load_prepare(c, &pc);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot read the network settings of %s: %s", c->name,
                                               strerror(-r));
        if (find_prepare_network(pc, n->config->name) >= 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                         "container %s is already connected to network %s", c->name, n->config->name);

        r = ipam_allocate(n->dir, n->config, c->id, c->name, (char **) aliases, c->dir, ip, &address, &reason);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "%s", reason ?: "invalid address");
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot allocate an address on network %s: %s",
                                               n->config->name, strerror(-r));

        r = fill_prepare_network(c, n, free_interface_index(pc), address, (char **) aliases, &pn);
        if (r >= 0) {
                t = realloc(pc->networks, (pc->n_networks + 1) * sizeof(PrepareNetwork));
                if (!t)
                        r = -ENOMEM;
                else {
                        pc->networks = t;
                        for (size_t i = 0; i < pc->n_networks; i++)
                                if (!pc->networks[i].internal)
                                        default_route = false;
                        pc->networks[pc->n_networks++] = pn;
                        pn = (PrepareNetwork) {};
                }
        }
        if (r >= 0)
                r = save_prepare(c, pc);
        if (r < 0) {
                prepare_network_done(&pn);
                (void) ipam_release(n->dir, c->id);
                return sd_bus_error_set_errnof(error, r, "cannot connect %s to network %s: %s", c->name,
                                               n->config->name, strerror(-r));
        }

        /* Running: the interface appears now; else at the next start. */
        if (container_is_active(c) && pc->netns && netns_is_mounted(pc->netns)) {
                const PrepareNetwork *added = &pc->networks[pc->n_networks - 1];

                r = container_link_up(pc->netns, added, default_route, &reason);
                if (r < 0) {
                        pc->n_networks--;
                        prepare_network_done(&pc->networks[pc->n_networks]);
                        (void) save_prepare(c, pc);
                        (void) ipam_release(n->dir, c->id);
                        return sd_bus_error_set_errnof(error, r, "cannot connect %s to network %s: %s", c->name,
                                                       n->config->name, reason ?: strerror(-r));
                }
                r = container_link_members(c->id, c->dir, added, true);
                if (r < 0)
                        log_warning_errno(r, "Cannot update the members of network %s: %m", n->config->name);
        }
        return 0;
}

int network_disconnect(Network *n, Container *c, sd_bus_error *error) {
        _cleanup_(prepare_config_freep) PrepareConfig *pc = NULL;
        PrepareNetwork gone;
        ssize_t i;
        int r;

        r = load_prepare(c, &pc);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot read the network settings of %s: %s", c->name,
                                               strerror(-r));
        i = find_prepare_network(pc, n->config->name);
        if (i < 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                         "container %s is not connected to network %s", c->name, n->config->name);
        /* Published ports lead to the address on the first network: without it they would lead
         * nowhere, and the container would have no default route. */
        if (i == 0 && pc->n_ports > 0 && container_is_active(c))
                return sd_bus_error_setf(error, NYX_ERROR_IN_USE,
                                         "container %s publishes ports to its address on network %s: stop it before "
                                         "disconnecting it from that network", c->name, n->config->name);
        gone = pc->networks[i];
        memmove(&pc->networks[i], &pc->networks[i + 1], (pc->n_networks - i - 1) * sizeof(PrepareNetwork));
        pc->n_networks--;
        r = save_prepare(c, pc);
        if (r < 0) {
                prepare_network_done(&gone);
                return sd_bus_error_set_errnof(error, r, "cannot write the network settings of %s: %s", c->name,
                                               strerror(-r));
        }
        if (container_is_active(c)) {
                r = container_link_down(&gone);
                if (r < 0)
                        log_warning_errno(r, "Cannot delete interface %s: %m", gone.host_veth);
                r = container_link_members(c->id, c->dir, &gone, false);
                if (r < 0)
                        log_warning_errno(r, "Cannot update the members of network %s: %m", n->config->name);
        }
        prepare_network_done(&gone);
        r = ipam_release(n->dir, c->id);
        if (r < 0)
                log_warning_errno(r, "Cannot release the address of %s on network %s: %m", c->name, n->config->name);
        return 0;
}
