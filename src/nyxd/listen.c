/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "listen.h"
#include "log.h"
#include "manager.h"
#include "nyx-errors.h"
#include "string-util.h"
#include "unit-properties.h"
#include "unit.h"

#define SD_BUS_SYSTEMD "org.freedesktop.systemd1"
#define SD_PATH_SYSTEMD "/org/freedesktop/systemd1"
#define SD_IFACE_MANAGER "org.freedesktop.systemd1.Manager"

bool container_listens(const Container *c) {
        return c->spec && c->spec->listen;
}

static int listen_unit_name(const Container *c, const char *suffix, char **ret) {
        char *s = strjoin("nyx-", c->name, "@listen", suffix);

        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

bool listen_unit_name_is_ours(const char *unit) {
        return startswith(unit, "nyx-") && (endswith(unit, "@listen.socket") || endswith(unit, "@listen.service"));
}

static int unit_active_state(Manager *m, const char *unit, char **ret) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = unit_bus_path(unit, &path);
        if (r < 0)
                return r;
        return sd_bus_get_property_string(m->bus, SD_BUS_SYSTEMD, path, "org.freedesktop.systemd1.Unit",
                                          "ActiveState", NULL, ret);
}

bool listen_socket_is_active(Container *c) {
        _cleanup_free_ char *socket = NULL, *state = NULL;

        if (!container_listens(c) || listen_unit_name(c, ".socket", &socket) < 0)
                return false;
        if (unit_active_state(c->manager, socket, &state) < 0)
                return false;
        return streq(state, "active");
}

static int append_socket(sd_bus_message *m, Container *c) {
        const PortMapping *l = c->spec->listen;
        _cleanup_free_ char *description = NULL;
        char address[32];
        int r;

        if (l->host_ip[0])
                snprintf(address, sizeof(address), "%s:%u", l->host_ip, l->host_port);
        else
                snprintf(address, sizeof(address), "%u", l->host_port);
        description = strjoin("nyx container ", c->name, ": listening for its first connection");
        if (!description)
                return -ENOMEM;

        if ((r = unit_property_string(m, "Description", description)) < 0 ||
            (r = sd_bus_message_append(m, "(sv)", "Listen", "a(ss)", 1, "Stream", address)) < 0 ||
            (r = unit_property_string(m, "CollectMode", "inactive-or-failed")) < 0)
                return r;
        return 0;
}

static int append_proxy(sd_bus_message *m, Container *c) {
        Manager *mgr = c->manager;
        _cleanup_free_ char *description = NULL;
        char port[8], idle[32];
        char *argv[] = { mgr->prepare_path, (char *) "proxy", c->dir, port, NULL, NULL };
        char *deps[] = { c->unit, NULL };
        int r;

        snprintf(port, sizeof(port), "%u", c->spec->listen->container_port);
        if (c->spec->idle_timeout_usec > 0) {
                snprintf(idle, sizeof(idle), "%llu",
                         (unsigned long long) ((c->spec->idle_timeout_usec + 999999) / 1000000));
                argv[4] = idle;
        }
        description = strjoin("nyx container ", c->name, ": relay of its socket");
        if (!description)
                return -ENOMEM;

        if ((r = unit_property_string(m, "Description", description)) < 0 ||
            (r = unit_property_string(m, "Slice", "nyx.slice")) < 0 ||
            (r = unit_property_exec(m, "ExecStart", argv, false)) < 0 ||
            (r = unit_property_strv(m, "Requires", deps)) < 0 ||
            (r = unit_property_strv(m, "After", deps)) < 0 ||
            (r = unit_property_string(m, "StandardOutput", "journal")) < 0 ||
            (r = unit_property_string(m, "CollectMode", "inactive-or-failed")) < 0)
                return r;
        return 0;
}

static int append_aux(sd_bus_message *m, const char *name, int (*f)(sd_bus_message *, Container *), Container *c) {
        int r;

        r = sd_bus_message_open_container(m, 'r', "sa(sv)");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", name);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r < 0)
                return r;
        r = f(m, c);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

static int append_container(sd_bus_message *m, Container *c) {
        int r;

        r = container_append_unit_properties(m, c);
        if (r < 0)
                return r;
        /* Stopped for being idle is how such a container ends: a success, whatever the stop signal
         * did to it (crun passes 128+N on). */
        r = sd_bus_message_append(m, "(sv)", "SuccessExitStatus", "(aiai)", 2, 128 + SIGTERM, 128 + SIGKILL,
                                  2, SIGTERM, SIGKILL);
        if (r < 0)
                return r;
        return unit_property_bool(m, "StopWhenUnneeded", true);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int start_units(Container *c, const char *socket, const char *proxy, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        Manager *m = c->manager;
        int r;

        r = sd_bus_message_new_method_call(m->bus, &call, SD_BUS_SYSTEMD, SD_PATH_SYSTEMD, SD_IFACE_MANAGER,
                                           "StartTransientUnit");
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "ss", socket, "fail");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(call, 'a', "(sv)");
        if (r < 0)
                return r;
        r = append_socket(call, c);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(call);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(call, 'a', "(sa(sv))");
        if (r < 0)
                return r;
        if ((r = append_aux(call, proxy, append_proxy, c)) < 0 ||
            (r = append_aux(call, c->unit, append_container, c)) < 0)
                return r;
        r = sd_bus_message_close_container(call);
        if (r < 0)
                return r;
        return sd_bus_call(m->bus, call, 0, error, &reply);
}

int listen_start(Container *c, sd_bus_message *message, sd_bus_error *error) {
        _cleanup_free_ char *socket = NULL, *proxy = NULL, *state = NULL;
        Manager *m = c->manager;
        uint64_t deadline;
        int r;

        r = listen_unit_name(c, ".socket", &socket);
        if (r >= 0)
                r = listen_unit_name(c, ".service", &proxy);
        if (r < 0)
                return r;

        if (listen_socket_is_active(c))
                return message ? sd_bus_reply_method_return(message, NULL) : 0;

        if (c->user_stopped) {
                c->user_stopped = false;
                (void) container_save(c);
        }
        (void) unit_reset_failed(m, socket);
        (void) unit_reset_failed(m, proxy);
        (void) unit_reset_failed(m, c->unit);

        /* Units of the last time the socket listened go once nothing references them; systemd collects
         * them right after they stop, but give it a moment. */
        deadline = now_usec() + 2 * 1000000;
        for (;;) {
                sd_bus_error_free(error);
                r = start_units(c, socket, proxy, error);
                if (r >= 0 || !sd_bus_error_has_name(error, "org.freedesktop.systemd1.UnitExists") ||
                    now_usec() > deadline)
                        break;
                (void) usleep(20 * 1000);
        }
        if (r < 0)
                return r;

        /* The socket binds the port right away, or fails (the port is taken). */
        deadline = now_usec() + 5 * 1000000;
        for (;;) {
                state = mfree(state);
                r = unit_active_state(m, socket, &state);
                if (r >= 0 && streq(state, "active"))
                        break;
                if ((r >= 0 && streq(state, "failed")) || now_usec() > deadline)
                        return sd_bus_error_setf(error, NYX_ERROR_IN_USE,
                                                 "the socket of container %s cannot listen on host port %u "
                                                 "(in use?); see: journalctl -u %s",
                                                 c->name, c->spec->listen->host_port, socket);
                (void) usleep(5 * 1000);
        }
        (void) container_refresh(c);
        return message ? sd_bus_reply_method_return(message, NULL) : 1;
}

void listen_stop(Container *c) {
        _cleanup_free_ char *socket = NULL, *proxy = NULL;

        if (listen_unit_name(c, ".socket", &socket) < 0 || listen_unit_name(c, ".service", &proxy) < 0)
                return;
        (void) unit_stop(c->manager, socket, NULL, NULL, NULL);
        (void) unit_stop(c->manager, proxy, NULL, NULL, NULL);
}

void manager_restore_listeners(Manager *m) {
        for (size_t i = 0; i < m->n_containers; i++) {
                Container *c = m->containers[i];
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                int r;

                if (!container_listens(c) || c->user_stopped || container_is_active(c) ||
                    listen_socket_is_active(c))
                        continue;
                r = listen_start(c, NULL, &error);
                if (r < 0)
                        log_warning_errno(r, "Cannot make the socket of %s listen again: %s", c->name,
                                          error.message ?: strerror(-r));
                else
                        log_info("%s listens on host port %u again.", c->name, c->spec->listen->host_port);
        }
}
