/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "bus-util.h"
#include "container-spec.h"
#include "container.h"
#include "network-dbus.h"
#include "network.h"
#include "nyx-errors.h"
#include "string-util.h"
#include "strv.h"

#define NETWORK_PREFIX "/org/nyx/engine1/network"

typedef struct CreateOptions {
        char *subnet;
        char *gateway;
        bool internal;
        char **labels;
} CreateOptions;

static void create_options_done(CreateOptions *o) {
        free(o->subnet);
        free(o->gateway);
        strv_free(o->labels);
}

static int read_string_variant(sd_bus_message *msg, const char *key, char **dest, sd_bus_error *error) {
        const char *s;
        int r;

        r = sd_bus_message_enter_container(msg, 'v', "s");
        if (r < 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "network option %s must be a string", key);
        r = sd_bus_message_read(msg, "s", &s);
        if (r < 0)
                return r;
        if (free_and_strdup(dest, s) < 0)
                return -ENOMEM;
        return sd_bus_message_exit_container(msg);
}

static int read_create_options(sd_bus_message *msg, CreateOptions *o, sd_bus_error *error) {
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "Subnet"))
                        r = read_string_variant(msg, key, &o->subnet, error);
                else if (streq(key, "Gateway"))
                        r = read_string_variant(msg, key, &o->gateway, error);
                else if (streq(key, "Internal")) {
                        int b;

                        r = sd_bus_message_enter_container(msg, 'v', "b");
                        if (r < 0)
                                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                                         "network option Internal must be a boolean");
                        r = sd_bus_message_read(msg, "b", &b);
                        if (r < 0)
                                return r;
                        o->internal = b;
                        r = sd_bus_message_exit_container(msg);
                } else if (streq(key, "Labels")) {
                        r = sd_bus_message_enter_container(msg, 'v', "as");
                        if (r < 0)
                                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                                         "network option Labels must be a string array");
                        o->labels = strv_free(o->labels);
                        r = sd_bus_message_read_strv(msg, &o->labels);
                        if (r < 0)
                                return r;
                        r = sd_bus_message_exit_container(msg);
                } else
                        return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "unknown network option '%s'", key);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

int method_create_network(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(create_options_done) CreateOptions o = {};
        Manager *m = userdata;
        const char *name;
        Network *n = NULL;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = read_create_options(msg, &o, error);
        if (r < 0)
                return r;
        r = network_create(m, name, o.subnet, o.gateway, o.internal, o.labels, error, &n);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", n->object_path);
}

int method_list_networks(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssssssbto)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_networks; i++) {
                const NetworkConfig *c = m->networks[i]->config;
                _cleanup_free_ char *subnet = NULL;
                char buf[INET_ADDRSTRLEN];

                r = cidr_format(&c->subnet, &subnet);
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "(ssssssbto)", c->name, c->id, "bridge", subnet,
                                          ipv4_format(c->gateway, buf), c->bridge, (int) c->internal,
                                          c->created_usec, m->networks[i]->object_path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static Network *find_or_error(Manager *m, const char *name, sd_bus_error *error) {
        Network *n = manager_find_network(m, name);

        if (!n)
                sd_bus_error_setf(error, NYX_ERROR_NO_SUCH_NETWORK, "no such network: %s", name);
        return n;
}

int method_get_network(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        Network *n = NULL;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        n = find_or_error(m, name, error);
        if (!n)
                return -ENOENT;
        return sd_bus_reply_method_return(msg, "o", n->object_path);
}

int method_remove_network(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        Network *n = NULL;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;
        n = find_or_error(m, name, error);
        if (!n)
                return -ENOENT;
        r = network_remove(n, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

int method_prune_networks(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **removed = NULL, **candidates = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_networks; i++) {
                _cleanup_strv_free_ char **users = NULL;

                if (network_is_predefined(m->networks[i]->config->name))
                        continue;
                r = network_users(m->networks[i], &users);
                if (r < 0)
                        return r;
                if (!users[0] && strv_extend(&candidates, m->networks[i]->config->name) < 0)
                        return -ENOMEM;
        }
        STRV_FOREACH(c, candidates) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                Network *n = manager_find_network(m, *c);

                if (!n || network_remove(n, &e) < 0)
                        continue;
                if (strv_extend(&removed, *c) < 0)
                        return -ENOMEM;
        }
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(reply, removed);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

typedef struct ConnectOptions {
        char *ip;
        char **aliases;
} ConnectOptions;

static void connect_options_done(ConnectOptions *o) {
        free(o->ip);
        strv_free(o->aliases);
}

static int read_connect_options(sd_bus_message *msg, ConnectOptions *o, sd_bus_error *error) {
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "IP"))
                        r = read_string_variant(msg, key, &o->ip, error);
                else if (streq(key, "Aliases")) {
                        r = sd_bus_message_enter_container(msg, 'v', "as");
                        if (r < 0)
                                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                                         "connect option Aliases must be a string array");
                        o->aliases = strv_free(o->aliases);
                        r = sd_bus_message_read_strv(msg, &o->aliases);
                        if (r < 0)
                                return r;
                        STRV_FOREACH(a, o->aliases)
                                if (hostname_validate(*a, NULL) < 0)
                                        return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                                                 "--alias %s: invalid name: letters, digits, '-' and '.'",
                                                                 *a);
                        r = sd_bus_message_exit_container(msg);
                } else
                        return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "unknown connect option '%s'", key);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

static int read_network_and_container(sd_bus_message *msg, Manager *m, Network **ret_n, Container **ret_c,
                                      sd_bus_error *error) {
        const char *network, *container;
        Container *c = NULL;
        Network *n = NULL;
        int r;

        r = sd_bus_message_read(msg, "ss", &network, &container);
        if (r < 0)
                return r;
        n = find_or_error(m, network, error);
        if (!n)
                return -ENOENT;
        c = manager_find_container(m, container);
        if (!c)
                return sd_bus_error_setf(error, NYX_ERROR_NO_SUCH_CONTAINER, "no such container: %s", container);
        *ret_n = n;
        *ret_c = c;
        return 0;
}

int method_connect_network(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(connect_options_done) ConnectOptions o = {};
        Manager *m = userdata;
        Container *c = NULL;
        Network *n = NULL;
        int r;

        r = read_network_and_container(msg, m, &n, &c, error);
        if (r < 0)
                return r;
        r = read_connect_options(msg, &o, error);
        if (r < 0)
                return r;
        if (o.ip && parse_ip_flag(o.ip, NULL) < 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "--ip %s: not an IPv4 address", o.ip);
        r = network_connect(n, c, o.ip, o.aliases, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

int method_disconnect_network(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        Container *c = NULL;
        Network *n = NULL;
        int r;

        r = read_network_and_container(msg, m, &n, &c, error);
        if (r < 0)
                return r;
        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;
        r = network_disconnect(n, c, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

static int property_get_labels(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Network *n = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{ss}");
        if (r < 0)
                return r;
        STRV_FOREACH(s, n->config->labels) {
                _cleanup_free_ char *k = strndup(*s, strcspn(*s, "="));
                const char *eq = strchr(*s, '=');

                if (!k)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "{ss}", k, eq ? eq + 1 : "");
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Network *n = userdata;
        _cleanup_free_ char *subnet = NULL;
        char buf[INET_ADDRSTRLEN];
        const char *v;

        if (streq(property, "Name"))
                v = n->config->name;
        else if (streq(property, "Id"))
                v = n->config->id;
        else if (streq(property, "Driver"))
                v = "bridge";
        else if (streq(property, "Bridge"))
                v = n->config->bridge;
        else if (streq(property, "Gateway"))
                v = ipv4_format(n->config->gateway, buf);
        else {
                if (cidr_format(&n->config->subnet, &subnet) < 0)
                        return -ENOMEM;
                v = subnet;
        }
        return sd_bus_message_append(reply, "s", v);
}

static int property_get_internal(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Network *n = userdata;
        return sd_bus_message_append(reply, "b", (int) n->config->internal);
}

static int property_get_created(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Network *n = userdata;
        return sd_bus_message_append(reply, "t", n->config->created_usec);
}

static int property_get_containers(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **users = NULL;
        Network *n = userdata;
        int r;

        r = network_users(n, &users);
        if (r < 0)
                return r;
        return sd_bus_message_append_strv(reply, users);
}

static int method_inspect(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *json = NULL;
        Network *n = userdata;
        int r;

        r = network_inspect_json(n, &json);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "s", json);
}

static const sd_bus_vtable network_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Id", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Driver", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Subnet", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Gateway", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Bridge", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Internal", "b", property_get_internal, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Labels", "a{ss}", property_get_labels, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Created", "t", property_get_created, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Containers", "as", property_get_containers, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("Inspect", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", json),
                                method_inspect, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static int network_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                               void **found, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        Manager *m = userdata;
        Network *n = NULL;
        int r;

        r = sd_bus_path_decode(path, NETWORK_PREFIX, &name);
        if (r <= 0)
                return 0;
        n = manager_find_network(m, name);
        if (!n || !streq(n->config->name, name))
                return 0;
        *found = n;
        return 1;
}

static int network_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                                   sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = BUS_OBJECT_PATHS(m->networks, m->n_networks, nodes);
        return r < 0 ? r : 1;
}

int network_dbus_register(Manager *m) {
        int r;

        r = sd_bus_add_fallback_vtable(m->bus, NULL, NETWORK_PREFIX, NYX_BUS_IFACE_NETWORK, network_vtable,
                                       network_object_find, m);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(m->bus, NULL, NETWORK_PREFIX, network_node_enumerator, m);
}
