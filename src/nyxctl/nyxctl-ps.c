/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus-util.h"
#include "log.h"
#include "nyx-errors.h"
#include "nyxctl.h"
#include "output.h"
#include "string-util.h"
#include "strv.h"

typedef struct PsRow {
        const char *id, *name, *image, *status, *command, *path;
        uint64_t created, started, finished;
        int32_t exit_code;
        uint32_t restarts;
} PsRow;

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static char *ago(uint64_t now, uint64_t t) {
        _cleanup_free_ char *d = format_duration_human(now > t ? now - t : 0);
        return d ? strjoin(d, " ago") : NULL;
}

/* docker's STATUS column: "Up 5 seconds", "Up 5 seconds (Paused)", "Exited (0) 3 seconds ago", "Created". */
static char *status_human(const PsRow *r, uint64_t now) {
        _cleanup_free_ char *d = NULL;
        char *s = NULL;

        if (streq(r->status, "running") || streq(r->status, "paused")) {
                d = format_duration_human(now > r->started && r->started ? now - r->started : 0);
                if (!d)
                        return NULL;
                return streq(r->status, "paused") ? strjoin("Up ", d, " (Paused)") : strjoin("Up ", d);
        }
        if (streq(r->status, "exited")) {
                _cleanup_free_ char *a = ago(now, r->finished ?: r->created);
                (void) asprintf(&s, "Exited (%d) %s", r->exit_code < 0 ? 0 : r->exit_code, strempty(a));
                return s;
        }
        if (streq(r->status, "created"))
                return strdup("Created");
        if (streq(r->status, "listening"))
                return strdup("Listening");   /* --listen: the first connection starts it */
        return strdup(r->status);
}

/* docker's PORTS column: "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp". */
static char *ports_human(sd_bus *bus, const PsRow *r) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *ip, *proto;
        uint16_t hp, cp;
        char *s = strdup("");

        if (!s || sd_bus_get_property(bus, NYX_BUS_NAME, r->path, NYX_BUS_IFACE_CONTAINER, "Ports", NULL, &reply,
                                      "a(sqqs)") < 0 ||
            sd_bus_message_enter_container(reply, 'a', "(sqqs)") < 0)
                return s;
        while (sd_bus_message_read(reply, "(sqqs)", &ip, &hp, &cp, &proto) > 0) {
                char *n = NULL;

                if (asprintf(&n, "%s%s%s:%u->%u/%s", s, isempty(s) ? "" : ", ", ip, hp, cp, proto) < 0)
                        break;
                free(s);
                s = n;
        }
        return s;
}

/* label=KEY or label=KEY=VALUE, against the container's Labels property. */
static bool label_match(sd_bus *bus, const PsRow *r, const char *want) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *eq = strchr(want, '='), *k, *v;
        size_t klen = eq ? (size_t) (eq - want) : strlen(want);

        if (sd_bus_get_property(bus, NYX_BUS_NAME, r->path, NYX_BUS_IFACE_CONTAINER, "Labels", NULL, &reply,
                                "a{ss}") < 0)
                return false;
        if (sd_bus_message_enter_container(reply, 'a', "{ss}") < 0)
                return false;
        while (sd_bus_message_read(reply, "{ss}", &k, &v) > 0)
                if (strlen(k) == klen && strncmp(k, want, klen) == 0 && (!eq || streq(v, eq + 1)))
                        return true;
        return false;
}

static bool filter_match(sd_bus *bus, const PsRow *r, char **filters) {
        STRV_FOREACH(f, filters) {
                const char *v;

                if ((v = startswith(*f, "name="))) {
                        if (!strstr(r->name, v))
                                return false;
                } else if ((v = startswith(*f, "status="))) {
                        if (!streq(r->status, v))
                                return false;
                } else if ((v = startswith(*f, "id="))) {
                        if (!startswith(r->id, v))
                                return false;
                } else if ((v = startswith(*f, "ancestor="))) {
                        if (!streq(r->image, v) && !strstr(r->image, v))
                                return false;
                } else if ((v = startswith(*f, "label="))) {
                        if (!label_match(bus, r, v))
                                return false;
                }
        }
        return true;
}

static int validate_filters(char **filters) {
        STRV_FOREACH(f, filters)
                if (!startswith(*f, "name=") && !startswith(*f, "status=") && !startswith(*f, "id=") &&
                    !startswith(*f, "ancestor=") && !startswith(*f, "label=")) {
                        log_error("ps: unknown filter '%s' (name=, status=, id=, ancestor=, label=)", *f);
                        return -EINVAL;
                }
        return 0;
}

int verb_ps(int argc, char *argv[], void *userdata) {
        enum { ARG_JSON = 0x100, ARG_NO_TRUNC };
        static const struct option options[] = {
                { "help",     no_argument,       NULL, 'h'         },
                { "all",      no_argument,       NULL, 'a'         },
                { "quiet",    no_argument,       NULL, 'q'         },
                { "json",     no_argument,       NULL, ARG_JSON    },
                { "format",   required_argument, NULL, 'F'         },
                { "filter",   required_argument, NULL, 'f'         },
                { "no-trunc", no_argument,       NULL, ARG_NO_TRUNC },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_(json_object_putp) json_object *rows = json_object_new_array();
        _cleanup_strv_free_ char **filters = NULL;
        bool all = false, quiet = false, json = false, no_trunc = false;
        const char *format = NULL;
        uint64_t now = now_usec();
        PsRow row;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("ps", argc, argv, ":haqf:", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl ps [OPTIONS]\n\n"
                               "List containers (running ones unless -a).\n\n"
                               "  -a --all              Also stopped and created ones\n"
                               "  -q --quiet            Only IDs\n"
                               "     --json             JSON array\n"
                               "     --format T         Go-template-like: {{.Names}} {{.Status}} ...\n"
                               "  -f --filter K=V       name=, status=, id=, ancestor=, label=KEY[=VALUE]\n"
                               "     --no-trunc         Full IDs and commands\n");
                        return 0;
                case 'a':
                        all = true;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case ARG_JSON:
                        json = true;
                        break;
                case 'F':
                        format = optarg;
                        break;
                case 'f':
                        if (strv_extend(&filters, optarg) < 0)
                                return log_oom();
                        break;
                case ARG_NO_TRUNC:
                        no_trunc = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "ps", argc - optind, argv + optind, 0, 0) < 0)
                return -EINVAL;
        r = validate_filters(filters);
        if (r < 0)
                return r;

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "ListContainers",
                               &error, &reply, "a{sv}", 0);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);

        t = table_new("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES", NULL);
        if (!t)
                return log_oom();

        r = sd_bus_message_enter_container(reply, 'a', "(ssssstttiuo)");
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        while ((r = sd_bus_message_read(reply, "(ssssstttiuo)", &row.id, &row.name, &row.image, &row.status,
                                        &row.command, &row.created, &row.started, &row.finished,
                                        &row.exit_code, &row.restarts, &row.path)) > 0) {
                _cleanup_free_ char *status = NULL, *created = NULL, *command = NULL, *ports = NULL;
                char id12[13];

                if (!all && !streq(row.status, "running") && !streq(row.status, "starting") &&
                    !streq(row.status, "stopping") && !streq(row.status, "paused") &&
                    !streq(row.status, "listening"))
                        continue;
                if (!filter_match(bus, &row, filters))
                        continue;

                status = status_human(&row, now);
                created = ago(now, row.created);
                if (!status || !created)
                        return log_oom();
                snprintf(id12, sizeof(id12), "%.12s", row.id);

                if (quiet) {
                        printf("%s\n", no_trunc ? row.id : id12);
                        continue;
                }

                if (json || format) {
                        json_object *o = json_object_new_object();
                        json_object_object_add(o, "Id", json_object_new_string(row.id));
                        json_object_object_add(o, "ID", json_object_new_string(no_trunc ? row.id : id12));
                        json_object_object_add(o, "Names", json_object_new_string(row.name));
                        json_object_object_add(o, "Image", json_object_new_string(row.image));
                        json_object_object_add(o, "Command", json_object_new_string(row.command));
                        json_object_object_add(o, "State", json_object_new_string(row.status));
                        json_object_object_add(o, "Status", json_object_new_string(status));
                        json_object_object_add(o, "CreatedAt", json_object_new_uint64(row.created / 1000000));
                        json_object_object_add(o, "RunningFor", json_object_new_string(created));
                        json_object_object_add(o, "ExitCode", json_object_new_int(row.exit_code < 0 ? 0 : row.exit_code));
                        json_object_object_add(o, "Restarts", json_object_new_int64(row.restarts));
                        ports = ports_human(bus, &row);
                        json_object_object_add(o, "Ports", json_object_new_string(strempty(ports)));
                        json_object_array_add(rows, o);
                        continue;
                }

                if (!no_trunc && strlen(row.command) > 20) {
                        _cleanup_free_ char *head = strndup(row.command, 19);
                        command = head ? strjoin("\"", head, "…\"") : NULL;
                } else
                        command = strjoin("\"", row.command, "\"");
                if (!command)
                        return log_oom();

                ports = ports_human(bus, &row);
                r = table_add_row(t, no_trunc ? row.id : id12, row.image, command, created, status, strempty(ports),
                                  row.name);
                if (r < 0)
                        return log_oom();
        }
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");

        if (quiet)
                return 0;
        if (format) {
                for (size_t i = 0; i < json_object_array_length(rows); i++) {
                        _cleanup_free_ char *out = NULL;
                        r = format_template(format, json_object_array_get_idx(rows, i), &out);
                        if (r < 0)
                                return log_error_errno(r, "ps: bad --format '%s'", format);
                        printf("%s\n", out);
                }
                return 0;
        }
        if (json) {
                printf("%s\n", json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                return 0;
        }
        return table_print(t, stdout, true);
}
