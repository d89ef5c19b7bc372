/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bus-util.h"
#include "log.h"
#include "nyx-errors.h"
#include "nyxctl.h"
#include "output.h"
#include "string-util.h"

int nyxctl_bus(sd_bus **ret) {
        int r;

        r = sd_bus_open_system(ret);
        if (r < 0)
                return log_error_errno(r, "%s", bus_error_human(NULL, r));
        return 0;
}

int nyxctl_log_bus_error(const sd_bus_error *error, int r, const char *what) {
        if (what)
                return log_error_errno(r, "%s: %s", what, bus_error_human(error, r));
        return log_error_errno(r, "%s", bus_error_human(error, r));
}

int verb_getopt(const char *verb, int argc, char *argv[], const char *optstring, const struct option *options) {
        int c;

        opterr = 0;
        c = getopt_long(argc, argv, optstring, options, NULL);
        if (c == '?') {
                if (optopt)
                        log_error("%s: unknown option '-%c'. See 'nyxctl %s --help'.", verb, optopt, verb);
                else
                        log_error("%s: unknown option '%s'. See 'nyxctl %s --help'.", verb, argv[optind - 1], verb);
                return '?';
        }
        if (c == ':') {
                if (optopt && optopt < 0x100)
                        log_error("%s: option '-%c' needs a value. See 'nyxctl %s --help'.", verb, optopt, verb);
                else
                        log_error("%s: option '%s' needs a value. See 'nyxctl %s --help'.", verb, argv[optind - 1], verb);
                return '?';
        }
        return c;
}

int parse_help_only(const char *verb, int argc, char *argv[], const char *usage, int min, int max) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        verb_getopt_reset();
        while ((c = verb_getopt(verb, argc, argv, ":h", options)) >= 0)
                switch (c) {
                case 'h':
                        fputs(usage, stdout);
                        return 0;
                default:
                        return -EINVAL;
                }
        return verb_check_args("nyxctl", verb, argc - optind, argv + optind, min, max) < 0 ? -EINVAL : 1;
}

int container_lookup(sd_bus *bus, const char *name_or_id, char **ret_path) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "GetContainer",
                               &error, &reply, "s", name_or_id);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        *ret_path = strdup(path);
        return *ret_path ? 0 : log_oom();
}

int container_get_string(sd_bus *bus, const char *path, const char *property, char **ret) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_get_property_string(bus, NYX_BUS_NAME, path, NYX_BUS_IFACE_CONTAINER, property, &error, ret);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        return 0;
}

int container_log_source(sd_bus *bus, const char *path, LogSource *src, char **ret_id, char **ret_ident) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *id = NULL, *ident = NULL;
        uint64_t created = 0;
        const char *key;
        int r;

        /* One round trip for the three of them. */
        r = sd_bus_call_method(bus, NYX_BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll", &error, &reply,
                               "s", NYX_BUS_IFACE_CONTAINER);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                goto bad;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *s;

                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        goto bad;
                if (streq(key, "Id") || streq(key, "SyslogIdentifier")) {
                        r = sd_bus_message_read(reply, "v", "s", &s);
                        if (r < 0)
                                goto bad;
                        if (free_and_strdup(streq(key, "Id") ? &id : &ident, s) < 0)
                                return log_oom();
                } else if (streq(key, "Created"))
                        r = sd_bus_message_read(reply, "v", "t", &created);
                else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        goto bad;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto bad;
        }
        if (r < 0)
                goto bad;
        if (!id || !ident) {
                r = -EBADMSG;
                goto bad;
        }

        *src = (LogSource) { .id_full = id, .identifier = ident, .created_usec = created };
        *ret_id = TAKE_PTR(id);
        *ret_ident = TAKE_PTR(ident);
        return 0;
bad:
        return log_error_errno(r, "Cannot read the properties of %s: %m", path);
}

/* Call method on the container named name; no bus timeout of our own (stops
 * may take as long as the stop timeout; the callee decides). */
static int container_callv(sd_bus *bus, const char *name, const char *method, sd_bus_message **ret_reply,
                           const char *types, va_list ap) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        r = container_lookup(bus, name, &path);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, path, NYX_BUS_IFACE_CONTAINER, method);
        if (r < 0)
                return log_oom();
        r = sd_bus_message_appendv(call, types, ap);
        if (r < 0)
                return log_oom();
        r = sd_bus_call(bus, call, UINT64_MAX - 1, &error, ret_reply);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        return 0;
}

int container_call(sd_bus *bus, const char *name, const char *method, sd_bus_message **ret_reply,
                          const char *types, ...) {
        va_list ap;
        int r;

        va_start(ap, types);
        r = container_callv(bus, name, method, ret_reply, types, ap);
        va_end(ap);
        return r;
}

int container_call_each(sd_bus *bus, char **names, size_t n_names, const char *method, const char *types, ...) {
        va_list ap;
        int r, ret = 0;

        va_start(ap, types);
        for (size_t i = 0; i < n_names; i++) {
                va_list aq;

                va_copy(aq, ap);
                r = container_callv(bus, names[i], method, NULL, types, aq);
                va_end(aq);
                if (r < 0)
                        ret = r;
                else
                        printf("%s\n", names[i]);
        }
        va_end(ap);
        return ret;
}


int parse_creds(const char *verb, const char *arg, char **ret_user, const char **ret_pass) {
        const char *colon = strchr(arg, ':');
        char *user;

        if (!colon || colon == arg) {
                log_error("%s: --creds expects USER:PASSWORD", verb);
                return -EINVAL;
        }
        user = strndup(arg, colon - arg);
        if (!user)
                return log_oom();
        free(*ret_user);
        *ret_user = user;
        *ret_pass = colon + 1;
        return 0;
}

int print_inspected(sd_bus *bus, const char *verb, char **names, size_t n_names, const char *format,
                    inspect_one_t inspect_one) {
        _cleanup_(json_object_putp) json_object *all = json_object_new_array();
        int r, ret = 0;

        if (!all)
                return log_oom();
        for (size_t i = 0; i < n_names; i++) {
                json_object *o = NULL;

                r = inspect_one(bus, names[i], &o);
                if (r < 0) {
                        ret = r;
                        continue;
                }
                if (format) {
                        _cleanup_free_ char *out = NULL;

                        r = format_template(format, o, &out);
                        json_object_put(o);
                        if (r < 0)
                                return log_error_errno(r, "%s: bad --format '%s'", verb, format);
                        printf("%s\n", out);
                } else
                        json_object_array_add(all, o);
        }
        if (!format)
                printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        return ret;
}

bool confirm_prune(const char *what) {
        char answer[16] = "";

        /* On stdout, as docker asks. */
        printf("WARNING! %s\nAre you sure you want to continue? [y/N] ", what);
        fflush(stdout);
        if (!fgets(answer, sizeof(answer), stdin) || !IN_SET(answer[0], 'y', 'Y')) {
                if (!answer[0])
                        putchar('\n');
                return false;
        }
        return true;
}

int inspect_object(sd_bus *bus, const char *get_method, const char *interface, const char *name, json_object **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *inspect = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path, *json;
        json_object *o;
        int r;

        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, get_method, &error, &reply,
                               "s", name);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0)
                r = sd_bus_call_method(bus, NYX_BUS_NAME, path, interface, "Inspect", &error, &inspect, "");
        if (r >= 0)
                r = sd_bus_message_read(inspect, "s", &json);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        o = json_tokener_parse(json);
        if (!o)
                return log_error_errno(EBADMSG, "Bad reply from nyxd: not JSON");
        *ret = o;
        return 0;
}
