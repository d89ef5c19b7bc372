/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-util.h"
#include "log.h"
#include "nyx-errors.h"
#include "nyxctl.h"
#include "output.h"
#include "parse-util.h"
#include "string-util.h"
#include "strv.h"

static int verb_volume_create(int argc, char *argv[], void *userdata) {
        enum { ARG_NAME = 0x100, ARG_LABEL, ARG_OPT };
        static const struct option options[] = {
                { "help",   no_argument,       NULL, 'h'       },
                { "name",   required_argument, NULL, ARG_NAME  },
                { "label",  required_argument, NULL, ARG_LABEL },
                { "opt",    required_argument, NULL, 'o'       },
                { "driver", required_argument, NULL, 'd'       },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **labels = NULL, **opts = NULL;
        const char *name = NULL, *created, *path;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("volume create", argc, argv, ":ho:d:", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl volume create [OPTIONS] [NAME]\n\n"
                               "Create a volume (a generated name when none is given).\n\n"
                               "     --name NAME      The volume's name, as the argument\n"
                               "     --label K[=V]    Set a label\n"
                               "  -o --opt size=SIZE  Limit the volume to SIZE (e.g. 1G): an ext4 file system\n"
                               "                      in a sparse image file, loop-mounted\n"
                               "  -d --driver local   The only driver there is\n");
                        return 0;
                case ARG_NAME:
                        name = optarg;
                        break;
                case ARG_LABEL:
                        if (strv_extend(&labels, optarg) < 0)
                                return log_oom();
                        break;
                case 'o':
                        if (strv_extend(&opts, optarg) < 0)
                                return log_oom();
                        break;
                case 'd':
                        if (!streq(optarg, "local")) {
                                log_error("volume create: driver '%s' is not supported, only 'local' is", optarg);
                                return -EINVAL;
                        }
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "volume create", argc - optind, argv + optind, 0, 1) < 0)
                return -EINVAL;
        if (optind < argc) {
                if (name && !streq(name, argv[optind])) {
                        log_error("volume create: conflicting names '%s' (--name) and '%s'", name, argv[optind]);
                        return -EINVAL;
                }
                name = argv[optind];
        }

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER,
                                           "CreateVolume");
        if (r >= 0)
                r = sd_bus_message_append(call, "s", strempty(name));
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0 && labels)
                r = bus_append_sv_strv(call, "Labels", labels);
        if (r >= 0 && opts)
                r = bus_append_sv_strv(call, "DriverOptions", opts);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r < 0)
                return log_oom();

        r = sd_bus_call(bus, call, 0, &error, &reply);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_read(reply, "so", &created, &path);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        printf("%s\n", created);
        return 0;
}

static int volume_inspect_one(sd_bus *bus, const char *name, json_object **ret) {
        return inspect_object(bus, "GetVolume", NYX_BUS_IFACE_VOLUME, name, ret);
}

/* docker's `volume ls --filter`: dangling=true|false, name=SUBSTRING, label=KEY[=VALUE], driver=local;
 * the same key twice matches either value, different keys all must match. */
static int filter_validate(char **filters) {
        STRV_FOREACH(f, filters) {
                const char *eq = strchr(*f, '=');

                if (!eq || !(startswith(*f, "dangling=") || startswith(*f, "name=") || startswith(*f, "label=") ||
                             startswith(*f, "driver="))) {
                        log_error("volume ls: invalid filter '%s': expected dangling=BOOL, name=NAME, label=KEY[=VALUE] "
                                  "or driver=local", *f);
                        return -EINVAL;
                }
                if (startswith(*f, "dangling=") && parse_boolean(eq + 1) < 0) {
                        log_error("volume ls: invalid filter '%s': dangling takes true or false", *f);
                        return -EINVAL;
                }
        }
        return 0;
}

static bool filter_one(const char *f, json_object *o) {
        const char *value = strchr(f, '=') + 1;
        json_object *v;

        if (startswith(f, "dangling=")) {
                bool dangling = json_object_object_get_ex(o, "UsedBy", &v) && json_object_array_length(v) == 0;
                return dangling == (parse_boolean(value) > 0);
        }
        if (startswith(f, "name="))
                return json_object_object_get_ex(o, "Name", &v) && strstr(json_object_get_string(v), value);
        if (startswith(f, "driver="))
                return streq(value, "local");
        /* label=KEY or label=KEY=VALUE */
        {
                _cleanup_free_ char *key = strndup(value, strcspn(value, "="));
                const char *want = strchr(value, '=');
                json_object *labels, *l;

                if (!key || !json_object_object_get_ex(o, "Labels", &labels) ||
                    !json_object_object_get_ex(labels, key, &l))
                        return false;
                return !want || streq(json_object_get_string(l), want + 1);
        }
}

static bool filters_match(char **filters, json_object *o) {
        STRV_FOREACH(f, filters) {
                size_t klen = strcspn(*f, "=");
                bool any = false;

                /* Each key once: the first of its kind decides for all of them. */
                for (char **g = filters; g < f; g++)
                        if (strncmp(*g, *f, klen + 1) == 0)
                                goto next;
                for (char **g = f; *g; g++)
                        if (strncmp(*g, *f, klen + 1) == 0 && filter_one(*g, o))
                                any = true;
                if (!any)
                        return false;
        next:;
        }
        return true;
}

static int cmp_string(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

static int verb_volume_ls(int argc, char *argv[], void *userdata) {
        enum { ARG_JSON = 0x100, ARG_FORMAT };
        static const struct option options[] = {
                { "help",   no_argument,       NULL, 'h'        },
                { "quiet",  no_argument,       NULL, 'q'        },
                { "json",   no_argument,       NULL, ARG_JSON   },
                { "filter", required_argument, NULL, 'f'        },
                { "format", required_argument, NULL, ARG_FORMAT },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_object_putp) json_object *all = json_object_new_array();
        _cleanup_(table_freep) Table *t = table_new("DRIVER", "VOLUME NAME", NULL);
        _cleanup_strv_free_ char **names = NULL, **filters = NULL;
        bool quiet = false, json = false;
        const char *name, *mountpoint, *path, *format = NULL;
        uint64_t created, size;
        int anonymous, c, r;

        if (!all || !t)
                return log_oom();
        verb_getopt_reset();
        while ((c = verb_getopt("volume ls", argc, argv, ":hqf:", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl volume ls [OPTIONS]\n\n"
                               "List volumes, by name.\n\n"
                               "  -q --quiet          Only names\n"
                               "  -f --filter K=V     dangling=true|false, name=NAME, label=KEY[=VALUE], driver=local\n"
                               "     --format TMPL    A Go-style template per volume, e.g. '{{.Name}} {{.Mountpoint}}'\n"
                               "     --json           A JSON array of what 'volume inspect' shows\n");
                        return 0;
                case 'q':
                        quiet = true;
                        break;
                case 'f':
                        if (strv_extend(&filters, optarg) < 0)
                                return log_oom();
                        break;
                case ARG_FORMAT:
                        format = optarg;
                        break;
                case ARG_JSON:
                        json = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "volume ls", argc - optind, argv + optind, 0, 0) < 0)
                return -EINVAL;
        if (filter_validate(filters) < 0)
                return -EINVAL;

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "ListVolumes", &error, &reply,
                               "a{sv}", 0);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_enter_container(reply, 'a', "(ssbtto)");
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        while ((r = sd_bus_message_read(reply, "(ssbtto)", &name, &mountpoint, &anonymous, &created, &size, &path)) > 0)
                if (strv_extend(&names, name) < 0)
                        return log_oom();
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        if (names)
                qsort(names, strv_length(names), sizeof(char *), cmp_string);

        STRV_FOREACH(n, names) {
                _cleanup_(json_object_putp) json_object *o = NULL;

                if (filters || format || json) {
                        if (volume_inspect_one(bus, *n, &o) < 0)
                                continue;       /* removed meanwhile: reported, not listed */
                        if (!filters_match(filters, o))
                                continue;
                }
                if (quiet)
                        printf("%s\n", *n);
                else if (format) {
                        _cleanup_free_ char *out = NULL;

                        r = format_template(format, o, &out);
                        if (r < 0)
                                return log_error_errno(r, "volume ls: bad --format '%s'", format);
                        printf("%s\n", out);
                } else if (json)
                        json_object_array_add(all, TAKE_PTR(o));
                else if (table_add_row(t, "local", *n) < 0)
                        return log_oom();
        }
        if (quiet || format)
                return 0;
        if (json) {
                printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                return 0;
        }
        return table_print(t, stdout, true);
}

static int verb_volume_inspect(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",   no_argument,       NULL, 'h' },
                { "format", required_argument, NULL, 'f' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *format = NULL;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("volume inspect", argc, argv, ":hf:", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl volume inspect [-f TEMPLATE] VOLUME...\n\n"
                               "Show volumes as JSON.\n\n"
                               "  -f --format TMPL   A Go-style template per volume, e.g. '{{.Mountpoint}}'\n");
                        return 0;
                case 'f':
                        format = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "volume inspect", argc - optind, argv + optind, 1, -1) < 0)
                return -EINVAL;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        return print_inspected(bus, "volume inspect", argv + optind, argc - optind, format, volume_inspect_one);
}

static int verb_volume_rm(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",  no_argument, NULL, 'h' },
                { "force", no_argument, NULL, 'f' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool force = false;
        int c, r, ret = 0;

        verb_getopt_reset();
        while ((c = verb_getopt("volume rm", argc, argv, ":hf", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl volume rm [-f] VOLUME...\n\n"
                               "Remove volumes and their data. A volume a container uses is refused.\n\n"
                               "  -f --force   Also when only stopped containers use it; no error for\n"
                               "               volumes that do not exist\n");
                        return 0;
                case 'f':
                        force = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "volume rm", argc - optind, argv + optind, 1, -1) < 0)
                return -EINVAL;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        for (int i = optind; i < argc; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
                _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;

                r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER,
                                                   "RemoveVolume");
                if (r >= 0)
                        r = sd_bus_message_append(call, "sa{sv}", argv[i], 1, "Force", "b", (int) force);
                if (r < 0)
                        return log_oom();
                r = sd_bus_call(bus, call, 0, &error, NULL);
                if (r < 0) {
                        if (force && sd_bus_error_has_name(&error, NYX_ERROR_NO_SUCH_VOLUME))
                                continue;
                        ret = nyxctl_log_bus_error(&error, r, NULL);
                        continue;
                }
                printf("%s\n", argv[i]);
        }
        return ret;
}

static char *size_human(uint64_t size) {
        char *s = NULL;

        if (size < 1000)
                (void) asprintf(&s, "%" PRIu64 "B", size);
        else if (size < 1000 * 1000)
                (void) asprintf(&s, "%.3gkB", size / 1000.0);
        else if (size < UINT64_C(1000) * 1000 * 1000)
                (void) asprintf(&s, "%.3gMB", size / 1000000.0);
        else
                (void) asprintf(&s, "%.3gGB", size / 1e9);
        return s;
}

static int verb_volume_prune(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",  no_argument, NULL, 'h' },
                { "force", no_argument, NULL, 'f' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **removed = NULL;
        _cleanup_free_ char *size = NULL;
        uint64_t reclaimed = 0;
        bool force = false;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("volume prune", argc, argv, ":hf", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl volume prune [-f]\n\n"
                               "Remove all volumes no container uses, with their data.\n\n"
                               "  -f --force   Do not ask for confirmation\n");
                        return 0;
                case 'f':
                        force = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "volume prune", argc - optind, argv + optind, 0, 0) < 0)
                return -EINVAL;

        if (!force && !confirm_prune("This will remove all volumes not used by at least one container."))
                return 0;

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "PruneVolumes", &error,
                               &reply, "a{sv}", 0);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_read_strv(reply, &removed);
        if (r >= 0)
                r = sd_bus_message_read(reply, "t", &reclaimed);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");

        if (removed && removed[0]) {
                printf("Deleted Volumes:\n");
                STRV_FOREACH(n, removed)
                        printf("%s\n", *n);
                printf("\n");
        }
        size = size_human(reclaimed);
        if (!size)
                return log_oom();
        printf("Total reclaimed space: %s\n", size);
        return 0;
}

/* "nyxctl volume create|ls|inspect|rm|prune ..." */
int verb_volume(int argc, char *argv[], void *userdata) {
        static const struct { const char *name; int (*fn)(int, char **, void *); } sub[] = {
                { "create", verb_volume_create }, { "ls", verb_volume_ls }, { "list", verb_volume_ls },
                { "inspect", verb_volume_inspect }, { "rm", verb_volume_rm }, { "remove", verb_volume_rm },
                { "prune", verb_volume_prune },
        };

        if (argc < 2) {
                log_error("volume: a command is needed: create, ls, inspect, rm or prune. See 'nyxctl volume --help'.");
                return -EINVAL;
        }
        if (streq(argv[1], "--help") || streq(argv[1], "-h")) {
                printf("nyxctl volume COMMAND\n\n"
                       "Manage volumes.\n\n"
                       "Commands:\n"
                       "  create   Create a volume\n"
                       "  ls       List volumes\n"
                       "  inspect  Show volumes as JSON\n"
                       "  rm       Remove volumes\n"
                       "  prune    Remove volumes no container uses\n");
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(sub); i++)
                if (streq(argv[1], sub[i].name))
                        return sub[i].fn(argc - 1, argv + 1, userdata);
        log_error("volume: unknown command '%s'. See 'nyxctl volume --help'.", argv[1]);
        return -EINVAL;
}
