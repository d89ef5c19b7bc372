/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "bus-json.h"
#include "bus-util.h"
#include "container-dbus.h"
#include "network.h"
#include "container-exec.h"
#include "container-ops.h"
#include "container-tty.h"
#include "image.h"
#include "manager.h"
#include "nyx-errors.h"
#include "output.h"
#include "ports.h"
#include "string-util.h"
#include "strv.h"

#define CONTAINER_IFACE "org.nyx.engine1.Container"
#define CONTAINER_PREFIX "/org/nyx/engine1/container"

static int property_get_status(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        return sd_bus_message_append(reply, "s", container_status_to_string(c->status));
}

static int property_get_command(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        _cleanup_strv_free_ char **argv = NULL;
        Image *i = c->image_id ? manager_find_image(c->manager, c->image_id) : NULL;

        (void) container_spec_resolve_argv(c->spec, i ? i->config->entrypoint : NULL, i ? i->config->cmd : NULL,
                                           &argv, NULL);
        return sd_bus_message_append_strv(reply, argv);
}

static int property_get_labels(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{ss}");
        if (r < 0)
                return r;
        STRV_FOREACH(l, c->spec->labels) {
                _cleanup_free_ char *k = strndup(*l, strcspn(*l, "="));
                const char *eq = strchr(*l, '=');
                if (!k)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "{ss}", k, eq ? eq + 1 : "");
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_restart_policy(sd_bus *bus, const char *path, const char *interface,
                                       const char *property, sd_bus_message *reply, void *userdata,
                                       sd_bus_error *error) {
        Container *c = userdata;
        _cleanup_free_ char *s = NULL;
        int r;

        r = restart_policy_to_string(&c->spec->restart, &s);
        if (r < 0)
                return r;
        return sd_bus_message_append(reply, "s", s);
}

static int property_get_auto_remove(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        return sd_bus_message_append(reply, "b", (int) c->spec->auto_remove);
}

static int property_get_syslog_identifier(sd_bus *bus, const char *path, const char *interface,
                                          const char *property, sd_bus_message *reply, void *userdata,
                                          sd_bus_error *error) {
        Container *c = userdata;
        return sd_bus_message_append(reply, "s", c->spec->log_tag ?: c->name);
}

static int method_start(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        int stdin_fd = -EBADF, r;

        /* StandardInputFileDescriptor (h): the unit's stdin (run -i); other options are ignored. */
        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "StandardInputFileDescriptor")) {
                        r = sd_bus_message_read(msg, "v", "h", &stdin_fd);
                        if (r < 0)
                                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                                         "Start option StandardInputFileDescriptor must be a file descriptor");
                } else if ((r = sd_bus_message_skip(msg, "v")) < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        /* The fd belongs to msg; systemd gets its own copy with the unit's properties. */
        return container_start_with_stdin(c, stdin_fd, msg, error);
}

static int method_stop(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        uint64_t timeout;
        int r;

        r = sd_bus_message_read(msg, "t", &timeout);
        if (r < 0)
                return r;
        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;
        return container_stop(c, timeout, msg, error);
}

static int method_kill(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        int32_t signo;
        int r;

        r = sd_bus_message_read(msg, "i", &signo);
        if (r < 0)
                return r;
        if (signo <= 0 || signo >= _NSIG)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "invalid signal number %d", signo);
        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;
        r = container_kill(c, signo, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_wait(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        bool next_exit = false;
        int r;

        /* NextExit: wait for the end of the run that is about to start (a
         * client that starts a container registers this first). */
        r = bus_read_bool_option(msg, "NextExit", &next_exit);
        if (r < 0)
                return r;
        return container_wait(c, msg, next_exit);
}

static int method_remove(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        Container *c = userdata;
        json_object *v;
        bool force;
        int r;

        r = bus_message_read_dict_json(msg, &o);
        if (r < 0)
                return r;
        force = json_object_object_get_ex(o, "Force", &v) && json_object_get_boolean(v);
        /* Volumes: rm -v also removes the container's anonymous volumes. */
        c->volumes_on_remove = json_object_object_get_ex(o, "Volumes", &v) && json_object_get_boolean(v) ? 1 : -1;

        r = container_remove(c, force, error);
        if (r == -EAGAIN) {
                /* Killed: it goes once its unit is gone; the caller waits for that. */
                c->spec->auto_remove = true;
                return container_wait(c, msg, false);
        }
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "i", 0);
}

static int method_inspect(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        _cleanup_free_ char *json = NULL;
        int r;

        (void) container_refresh(c);
        r = container_inspect_json(c, &json);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "s", json);
}

const sd_bus_vtable container_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "s", NULL, offsetof(Container, id), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", NULL, offsetof(Container, name), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Unit", "s", NULL, offsetof(Container, unit), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Image", "s", NULL, offsetof(Container, image_name), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ImageId", "s", NULL, offsetof(Container, image_id), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Command", "as", property_get_command, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Labels", "a{ss}", property_get_labels, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("RestartPolicy", "s", property_get_restart_policy, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("AutoRemove", "b", property_get_auto_remove, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("SyslogIdentifier", "s", property_get_syslog_identifier, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Status", "s", property_get_status, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ExitCode", "i", NULL, offsetof(Container, exit_code), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Created", "t", NULL, offsetof(Container, created_usec), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("StartedAt", "t", NULL, offsetof(Container, started_usec), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("FinishedAt", "t", NULL, offsetof(Container, finished_usec), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MainPID", "u", NULL, offsetof(Container, main_pid), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RestartCount", "u", NULL, offsetof(Container, n_restarts), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Ports", "a(sqqs)", property_get_ports, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD_WITH_ARGS("Start", SD_BUS_ARGS("a{sv}", options), SD_BUS_NO_RESULT,
                                method_start, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_ARGS("t", timeout_usec, "a{sv}", options), SD_BUS_NO_RESULT,
                                method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Kill", SD_BUS_ARGS("i", signal, "a{sv}", options), SD_BUS_NO_RESULT,
                                method_kill, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Wait", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("i", exit_code),
                                method_wait, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Remove", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("i", exit_code),
                                method_remove, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Inspect", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", json),
                                method_inspect, SD_BUS_VTABLE_UNPRIVILEGED),
        CONTAINER_OPS_METHODS,
        CONTAINER_EXEC_METHODS,
        CONTAINER_TTY_METHODS,
        SD_BUS_VTABLE_END
};

int container_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                          void **found, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *id = NULL;
        Container *c;
        int r;

        r = sd_bus_path_decode(path, CONTAINER_PREFIX, &id);
        if (r <= 0)
                return 0;
        c = manager_find_container(m, id);
        if (!c || !streq(c->id, id))
                return 0;
        *found = c;
        return 1;
}

int container_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                              sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = BUS_OBJECT_PATHS(m->containers, m->n_containers, nodes);
        return r < 0 ? r : 1;
}

void container_dbus_send_changed(Container *c) {
        if (!c->manager->bus)
                return;
        (void) sd_bus_emit_properties_changed(c->manager->bus, c->object_path, CONTAINER_IFACE,
                                              "Status", "ExitCode", "StartedAt", "FinishedAt", "MainPID",
                                              "RestartCount", NULL);
}

int container_dbus_send_added(Container *c) {
        if (!c->manager->bus)
                return 0;
        return sd_bus_emit_interfaces_added(c->manager->bus, c->object_path, CONTAINER_IFACE, NULL);
}

int container_dbus_send_removed(Container *c) {
        if (!c->manager->bus)
                return 0;
        return sd_bus_emit_interfaces_removed(c->manager->bus, c->object_path, CONTAINER_IFACE, NULL);
}

static json_object *json_time(uint64_t usec) {
        char buf[64];
        struct tm tm;
        time_t t = (time_t) (usec / 1000000);

        if (usec == 0)
                return json_object_new_string("0001-01-01T00:00:00Z");
        gmtime_r(&t, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%06uZ", (unsigned) (usec % 1000000));
        return json_object_new_string(buf);
}

int container_inspect_json(Container *c, char **ret) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        _cleanup_strv_free_ char **argv = NULL;
        json_object *state, *spec = NULL, *args, *settings;
        Image *i = c->image_id ? manager_find_image(c->manager, c->image_id) : NULL;
        _cleanup_free_ char *name = strjoin("/", c->name);
        int r;

        if (!o || !name)
                return -ENOMEM;
        r = container_spec_to_json(c->spec, &spec);
        if (r < 0)
                return r;
        (void) container_spec_resolve_argv(c->spec, i ? i->config->entrypoint : NULL, i ? i->config->cmd : NULL,
                                           &argv, NULL);

        json_object_object_add(o, "Id", json_object_new_string(c->id));
        json_object_object_add(o, "Created", json_time(c->created_usec));
        json_object_object_add(o, "Path", json_object_new_string(argv && argv[0] ? argv[0] : ""));
        args = json_object_new_array();
        for (size_t k = 1; argv && argv[0] && argv[k]; k++)
                json_object_array_add(args, json_object_new_string(argv[k]));
        json_object_object_add(o, "Args", args);

        state = json_object_new_object();
        json_object_object_add(state, "Status", json_object_new_string(container_status_to_string(c->status)));
        json_object_object_add(state, "Running", json_object_new_boolean(c->status == CONTAINER_RUNNING));
        json_object_object_add(state, "Paused", json_object_new_boolean(c->status == CONTAINER_PAUSED));
        json_object_object_add(state, "Restarting", json_object_new_boolean(false));
        json_object_object_add(state, "Pid", json_object_new_int64(container_is_active(c) ? c->main_pid : 0));
        json_object_object_add(state, "ExitCode", json_object_new_int(c->exit_code < 0 ? 0 : c->exit_code));
        json_object_object_add(state, "StartedAt", json_time(c->started_usec));
        json_object_object_add(state, "FinishedAt", json_time(c->finished_usec));
        json_object_object_add(o, "State", state);

        json_object_object_add(o, "Image", json_object_new_string(strempty(c->image_id)));
        json_object_object_add(o, "ImageName", json_object_new_string(strempty(c->image_name)));
        json_object_object_add(o, "Name", json_object_new_string(name));
        json_object_object_add(o, "RestartCount", json_object_new_int64(c->n_restarts));
        json_object_object_add(o, "Unit", json_object_new_string(c->unit));
        json_object_object_add(o, "ObjectPath", json_object_new_string(c->object_path));
        json_object_object_add(o, "Config", spec);
        if (network_settings_json(c, &settings) >= 0) {
                json_object_object_add(settings, "Ports", ports_json(c));
                json_object_object_add(o, "NetworkSettings", settings);
        }

        *ret = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        return *ret ? 0 : -ENOMEM;
}
