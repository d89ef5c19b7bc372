/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>

#include "bus-json.h"
#include "bus-util.h"
#include "log.h"
#include "nyx-errors.h"
#include "nyxctl.h"
#include "output.h"
#include "verbs.h"

static int get_info(json_object **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;

        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER,
                               "GetInfo", &error, &reply, "a{sv}", 0);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);

        r = bus_message_read_dict_json(reply, ret);
        if (r < 0)
                return log_error_errno(r, "Cannot parse nyxd's reply: %m");
        return 0;
}

int verb_info(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, 'j' },
                {}
        };
        _cleanup_(json_object_putp) json_object *info = NULL;
        bool json = false;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("info", argc, argv, ":h", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl info [--json]\n\n"
                               "Show what nyxd runs on: versions, runtime, cgroup mode, storage.\n\n"
                               "  -h --help    Show this help\n"
                               "     --json    Print one JSON object\n");
                        return 0;
                case 'j':
                        json = true;
                        break;
                default:
                        return -EINVAL;
                }
        r = verb_check_args("nyxctl", "info", argc - optind, argv + optind, 0, 0);
        if (r < 0)
                return r;

        r = get_info(&info);
        if (r < 0)
                return r;

        if (json) {
                printf("%s\n", json_object_to_json_string_ext(info, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                return 0;
        }
        return json_print_pairs(info, stdout);
}

int verb_version(int argc, char *argv[], void *userdata) {
        _cleanup_(json_object_putp) json_object *info = NULL;
        json_object *v;
        int r;

        r = parse_help_only("version", argc, argv, "nyxctl version\n\nShow the versions of nyxctl, nyxd and the runtime.\n",
                            0, 0);
        if (r <= 0)
                return r;

        printf("Client:  nyxctl %s\n", NYX_VERSION);
        r = get_info(&info);
        if (r < 0)
                return r;
        if (json_object_object_get_ex(info, "Version", &v))
                printf("Server:  nyxd %s\n", json_object_get_string(v));
        if (json_object_object_get_ex(info, "RuntimeVersion", &v))
                printf("Runtime: crun %s\n", json_object_get_string(v));
        return 0;
}
