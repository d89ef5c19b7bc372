/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "log.h"
#include "nyx-errors.h"
#include "nyxctl.h"
#include "output.h"
#include "string-util.h"
#include "strv.h"

static int verb_network_create(int argc, char *argv[], void *userdata) {
        enum { ARG_SUBNET = 0x100, ARG_GATEWAY, ARG_INTERNAL, ARG_LABEL, ARG_DRIVER };
        static const struct option options[] = {
                { "help",     no_argument,       NULL, 'h'          },
                { "subnet",   required_argument, NULL, ARG_SUBNET   },
                { "gateway",  required_argument, NULL, ARG_GATEWAY  },
                { "internal", no_argument,       NULL, ARG_INTERNAL },
                { "label",    required_argument, NULL, ARG_LABEL    },
                { "driver",   required_argument, NULL, 'd'          },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **labels = NULL;
        const char *subnet = NULL, *gateway = NULL, *path;
        bool internal = false;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("network create", argc, argv, ":hd:", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl network create [OPTIONS] NAME\n\n"
                               "Create a bridge network. Containers on it (run --network NAME) reach each other\n"
                               "by name and --network-alias.\n\n"
                               "     --subnet CIDR    IPv4 subnet, e.g. 10.90.5.0/24 (default: the next free /24\n"
                               "                      of 10.90.0.0/16)\n"
                               "     --gateway IP     The bridge's address (default: the subnet's first)\n"
                               "     --internal       No route out of the network\n"
                               "     --label K=V      Set a label\n"
                               "  -d --driver bridge  The only driver there is\n");
                        return 0;
                case ARG_SUBNET:
                        subnet = optarg;
                        break;
                case ARG_GATEWAY:
                        gateway = optarg;
                        break;
                case ARG_INTERNAL:
                        internal = true;
                        break;
                case ARG_LABEL:
                        if (!strchr(optarg, '=') || optarg[0] == '=') {
                                log_error("network create: --label %s: expected KEY=VALUE", optarg);
                                return -EINVAL;
                        }
                        if (strv_extend(&labels, optarg) < 0)
                                return log_oom();
                        break;
                case 'd':
                        if (!streq(optarg, "bridge")) {
                                log_error("network create: driver '%s' is not supported, only 'bridge' is", optarg);
                                return -EINVAL;
                        }
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "network create", argc - optind, argv + optind, 1, 1) < 0)
                return -EINVAL;

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER,
                                           "CreateNetwork");
        if (r >= 0)
                r = sd_bus_message_append(call, "s", argv[optind]);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0 && subnet)
                r = bus_append_sv_string(call, "Subnet", subnet);
        if (r >= 0 && gateway)
                r = bus_append_sv_string(call, "Gateway", gateway);
        if (r >= 0 && internal)
                r = bus_append_sv_bool(call, "Internal", true);
        if (r >= 0 && labels)
                r = bus_append_sv_strv(call, "Labels", labels);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r < 0)
                return log_oom();

        r = sd_bus_call(bus, call, 0, &error, &reply);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *id_reply = NULL;
                const char *id;

                r = sd_bus_get_property(bus, NYX_BUS_NAME, path, NYX_BUS_IFACE_NETWORK, "Id", &error, &id_reply, "s");
                if (r >= 0 && sd_bus_message_read(id_reply, "s", &id) >= 0)
                        printf("%s\n", id);
                else
                        printf("%s\n", argv[optind]);
        }
        return 0;
}

static int network_inspect_one(sd_bus *bus, const char *name, json_object **ret) {
        return inspect_object(bus, "GetNetwork", NYX_BUS_IFACE_NETWORK, name, ret);
}

static int verb_network_ls(int argc, char *argv[], void *userdata) {
        enum { ARG_JSON = 0x100 };
        static const struct option options[] = {
                { "help",  no_argument, NULL, 'h'      },
                { "quiet", no_argument, NULL, 'q'      },
                { "json",  no_argument, NULL, ARG_JSON },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_object_putp) json_object *all = json_object_new_array();
        _cleanup_(table_freep) Table *t = table_new("NETWORK ID", "NAME", "DRIVER", "SUBNET", "GATEWAY", "BRIDGE",
                                                    "INTERNAL", NULL);
        const char *name, *id, *driver, *subnet, *gateway, *bridge, *path;
        bool quiet = false, json = false;
        uint64_t created;
        int internal, c, r;

        if (!all || !t)
                return log_oom();
        verb_getopt_reset();
        while ((c = verb_getopt("network ls", argc, argv, ":hq", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl network ls [OPTIONS]\n\n"
                               "List networks.\n\n"
                               "  -q --quiet   Only IDs\n"
                               "     --json    A JSON array of what 'network inspect' shows\n");
                        return 0;
                case 'q':
                        quiet = true;
                        break;
                case ARG_JSON:
                        json = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "network ls", argc - optind, argv + optind, 0, 0) < 0)
                return -EINVAL;

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "ListNetworks", &error,
                               &reply, "a{sv}", 0);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_enter_container(reply, 'a', "(ssssssbto)");
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        while ((r = sd_bus_message_read(reply, "(ssssssbto)", &name, &id, &driver, &subnet, &gateway, &bridge,
                                        &internal, &created, &path)) > 0) {
                char id12[13];

                snprintf(id12, sizeof(id12), "%.12s", id);
                if (quiet)
                        printf("%s\n", id12);
                else if (json) {
                        json_object *o = NULL;
                        if (network_inspect_one(bus, name, &o) >= 0)
                                json_object_array_add(all, o);
                } else if (table_add_row(t, id12, name, driver, subnet, gateway, bridge, internal ? "yes" : "no") < 0)
                        return log_oom();
        }
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        if (quiet)
                return 0;
        if (json) {
                printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                return 0;
        }
        return table_print(t, stdout, true);
}

static int verb_network_inspect(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",   no_argument,       NULL, 'h' },
                { "format", required_argument, NULL, 'f' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *format = NULL;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("network inspect", argc, argv, ":hf:", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl network inspect [-f TEMPLATE] NETWORK...\n\n"
                               "Show networks as JSON, with the containers on them.\n\n"
                               "  -f --format TMPL   A Go-style template per network, e.g. '{{.Subnet}}'\n");
                        return 0;
                case 'f':
                        format = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "network inspect", argc - optind, argv + optind, 1, -1) < 0)
                return -EINVAL;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        return print_inspected(bus, "network inspect", argv + optind, argc - optind, format, network_inspect_one);
}

static int verb_network_rm(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int c, r, ret = 0;

        verb_getopt_reset();
        while ((c = verb_getopt("network rm", argc, argv, ":h", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl network rm NETWORK...\n\n"
                               "Remove networks and their bridges. A network a container is on is refused.\n");
                        return 0;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "network rm", argc - optind, argv + optind, 1, -1) < 0)
                return -EINVAL;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        for (int i = optind; i < argc; i++) {
                _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;

                r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "RemoveNetwork", &error,
                                       NULL, "sa{sv}", argv[i], 0);
                if (r < 0) {
                        ret = nyxctl_log_bus_error(&error, r, NULL);
                        continue;
                }
                printf("%s\n", argv[i]);
        }
        return ret;
}

static int verb_network_prune(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",  no_argument, NULL, 'h' },
                { "force", no_argument, NULL, 'f' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **removed = NULL;
        bool force = false;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("network prune", argc, argv, ":hf", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl network prune [-f]\n\n"
                               "Remove all user networks no container is on.\n\n"
                               "  -f --force   Do not ask for confirmation\n");
                        return 0;
                case 'f':
                        force = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "network prune", argc - optind, argv + optind, 0, 0) < 0)
                return -EINVAL;
        if (!force && !confirm_prune("This will remove all networks not used by at least one container."))
                return 0;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "PruneNetworks", &error,
                               &reply, "a{sv}", 0);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_read_strv(reply, &removed);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        if (removed && removed[0]) {
                printf("Deleted Networks:\n");
                STRV_FOREACH(n, removed)
                        printf("%s\n", *n);
        }
        return 0;
}

static int verb_network_connect(int argc, char *argv[], void *userdata) {
        enum { ARG_IP = 0x100, ARG_ALIAS };
        static const struct option options[] = {
                { "help",  no_argument,       NULL, 'h'       },
                { "ip",    required_argument, NULL, ARG_IP    },
                { "alias", required_argument, NULL, ARG_ALIAS },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **aliases = NULL;
        const char *ip = NULL;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("network connect", argc, argv, ":h", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl network connect [OPTIONS] NETWORK CONTAINER\n\n"
                               "Connect a container to a network: a running one gets the interface at once,\n"
                               "a stopped one at its next start.\n\n"
                               "     --ip ADDRESS   IPv4 address on the network (default: the next free one)\n"
                               "     --alias NAME   Another name it is known by on the network\n");
                        return 0;
                case ARG_IP:
                        ip = optarg;
                        break;
                case ARG_ALIAS:
                        if (strv_extend(&aliases, optarg) < 0)
                                return log_oom();
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "network connect", argc - optind, argv + optind, 2, 2) < 0)
                return -EINVAL;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER,
                                           "ConnectNetwork");
        if (r >= 0)
                r = sd_bus_message_append(call, "ss", argv[optind], argv[optind + 1]);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0 && ip)
                r = bus_append_sv_string(call, "IP", ip);
        if (r >= 0 && aliases)
                r = bus_append_sv_strv(call, "Aliases", aliases);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r < 0)
                return log_oom();
        r = sd_bus_call(bus, call, 0, &error, NULL);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        return 0;
}

static int verb_network_disconnect(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("network disconnect", argc, argv, ":h", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl network disconnect NETWORK CONTAINER\n\n"
                               "Disconnect a container from a network (a running one loses the interface at once).\n");
                        return 0;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "network disconnect", argc - optind, argv + optind, 2, 2) < 0)
                return -EINVAL;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "DisconnectNetwork", &error,
                               NULL, "ssa{sv}", argv[optind], argv[optind + 1], 0);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        return 0;
}

/* "nyxctl network create|ls|inspect|rm|prune|connect|disconnect ..." */
int verb_network(int argc, char *argv[], void *userdata) {
        static const struct { const char *name; int (*fn)(int, char **, void *); } sub[] = {
                { "create", verb_network_create }, { "ls", verb_network_ls }, { "list", verb_network_ls },
                { "inspect", verb_network_inspect }, { "rm", verb_network_rm }, { "remove", verb_network_rm },
                { "prune", verb_network_prune }, { "connect", verb_network_connect },
                { "disconnect", verb_network_disconnect },
        };

        if (argc < 2) {
                log_error("network: a command is needed: create, ls, inspect, rm, prune, connect or disconnect. "
                          "See 'nyxctl network --help'.");
                return -EINVAL;
        }
        if (streq(argv[1], "--help") || streq(argv[1], "-h")) {
                printf("nyxctl network COMMAND\n\n"
                       "Manage networks.\n\n"
                       "Commands:\n"
                       "  create   Create a network\n"
                       "  ls       List networks\n"
                       "  inspect  Show networks as JSON\n"
                       "  rm       Remove networks\n"
                       "  prune    Remove networks no container is on\n"
                       "  connect  Connect a container to a network\n"
                       "  disconnect  Disconnect a container from a network\n");
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(sub); i++)
                if (streq(argv[1], sub[i].name))
                        return sub[i].fn(argc - 1, argv + 1, userdata);
        log_error("network: unknown command '%s'. See 'nyxctl network --help'.", argv[1]);
        return -EINVAL;
}
