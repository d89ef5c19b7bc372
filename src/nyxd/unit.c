/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "container.h"
#include "log.h"
#include "manager.h"
#include "string-util.h"
#include "unit.h"

#define SD_BUS_SYSTEMD "org.freedesktop.systemd1"
#define SD_PATH_SYSTEMD "/org/freedesktop/systemd1"
#define SD_IFACE_MANAGER "org.freedesktop.systemd1.Manager"

typedef struct PendingJob {
        char *path;
        unit_job_done_t done;
        void *userdata;
        struct PendingJob *next;
} PendingJob;

static int track_job(Manager *m, sd_bus_message *reply, unit_job_done_t done, void *userdata) {
        PendingJob *j;
        const char *path;
        int r;

        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        if (!done)
                return 0;

        j = calloc(1, sizeof(PendingJob));
        if (!j)
                return -ENOMEM;
        j->path = strdup(path);
        if (!j->path) {
                free(j);
                return -ENOMEM;
        }
        j->done = done;
        j->userdata = userdata;
        j->next = m->jobs;
        m->jobs = j;
        m->n_busy++;
        return 0;
}

void unit_forget_jobs(Manager *m, void *done_userdata) {
        for (PendingJob *j = m->jobs; j; j = j->next)
                if (j->userdata == done_userdata)
                        j->done = NULL;
}

static int on_job_removed(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *path, *unit, *result;
        uint32_t id;
        int r;

        r = sd_bus_message_read(msg, "uoss", &id, &path, &unit, &result);
        if (r < 0)
                return 0;

        for (PendingJob **p = &m->jobs; *p; p = &(*p)->next) {
                PendingJob *j = *p;

                if (!streq(j->path, path))
                        continue;
                *p = j->next;
                m->n_busy--;
                if (j->done)
                        j->done(m, result, j->userdata);
                free(j->path);
                free(j);
                break;
        }
        return 0;
}

static int on_unit_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *path = sd_bus_message_get_path(msg);
        _cleanup_free_ char *name = NULL;
        const char *iface;
        int r;

        /* Only our units: "nyx-" is escaped as "nyx_2d". */
        if (!path || !startswith(path, SD_PATH_SYSTEMD "/unit/nyx_2d"))
                return 0;
        r = sd_bus_message_read(msg, "s", &iface);
        if (r < 0 || (!streq(iface, "org.freedesktop.systemd1.Unit") && !streq(iface, "org.freedesktop.systemd1.Service")))
                return 0;

        r = sd_bus_path_decode(path, SD_PATH_SYSTEMD "/unit", &name);
        if (r <= 0)
                return 0;

        manager_unit_changed(m, name, iface, msg);
        return 0;
}

int manager_subscribe_systemd(Manager *m) {
        int r;

        r = sd_bus_match_signal_async(m->bus, NULL, SD_BUS_SYSTEMD, SD_PATH_SYSTEMD, SD_IFACE_MANAGER,
                                      "JobRemoved", on_job_removed, NULL, m);
        if (r < 0)
                return r;

        r = sd_bus_add_match_async(m->bus, NULL,
                                   "type='signal',sender='" SD_BUS_SYSTEMD "',"
                                   "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                                   "path_namespace='" SD_PATH_SYSTEMD "/unit'",
                                   on_unit_properties_changed, NULL, m);
        if (r < 0)
                return r;

        /* Without a subscriber, systemd sends no unit signals. */
        return sd_bus_call_method_async(m->bus, NULL, SD_BUS_SYSTEMD, SD_PATH_SYSTEMD, SD_IFACE_MANAGER,
                                        "Subscribe", NULL, NULL, NULL);
}

int unit_start_transient(Manager *m, const char *name, unit_append_properties_t append, void *userdata,
                         unit_job_done_t done, void *done_userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        int r;

        r = sd_bus_message_new_method_call(m->bus, &call, SD_BUS_SYSTEMD, SD_PATH_SYSTEMD, SD_IFACE_MANAGER,
                                           "StartTransientUnit");
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "ss", name, "fail");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(call, 'a', "(sv)");
        if (r < 0)
                return r;
        r = append(call, userdata);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(call);
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "a(sa(sv))", 0);
        if (r < 0)
                return r;

        r = sd_bus_call(m->bus, call, 0, error, &reply);
        if (r < 0)
                return r;
        return track_job(m, reply, done, done_userdata);
}

int unit_stop(Manager *m, const char *name, unit_job_done_t done, void *done_userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(m->bus, SD_BUS_SYSTEMD, SD_PATH_SYSTEMD, SD_IFACE_MANAGER, "StopUnit",
                               error, &reply, "ss", name, "replace");
        if (r < 0)
                return r;
        return track_job(m, reply, done, done_userdata);
}

int unit_kill(Manager *m, const char *name, const char *whom, int signo, sd_bus_error *error) {
        return sd_bus_call_method(m->bus, SD_BUS_SYSTEMD, SD_PATH_SYSTEMD, SD_IFACE_MANAGER, "KillUnit",
                                  error, NULL, "ssi", name, whom, signo);
}

int unit_reset_failed(Manager *m, const char *name) {
        return sd_bus_call_method(m->bus, SD_BUS_SYSTEMD, SD_PATH_SYSTEMD, SD_IFACE_MANAGER, "ResetFailedUnit",
                                  NULL, NULL, "s", name);
}

int unit_set_properties(Manager *m, const char *name, unit_append_properties_t append, void *userdata,
                        sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = sd_bus_message_new_method_call(m->bus, &call, SD_BUS_SYSTEMD, SD_PATH_SYSTEMD, SD_IFACE_MANAGER,
                                           "SetUnitProperties");
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "sb", name, 1);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(call, 'a', "(sv)");
        if (r < 0)
                return r;
        r = append(call, userdata);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(call);
        if (r < 0)
                return r;
        return sd_bus_call(m->bus, call, 0, error, NULL);
}

int unit_bus_path(const char *name, char **ret) {
        return sd_bus_path_encode(SD_PATH_SYSTEMD "/unit", name, ret);
}

void unit_state_done(UnitState *s) {
        s->control_group = mfree(s->control_group);
}

static int read_property_string(sd_bus_message *reply, char *buf, size_t size) {
        const char *s;
        int r;

        r = sd_bus_message_read(reply, "v", "s", &s);
        if (r < 0)
                return r;
        snprintf(buf, size, "%s", s);
        return 0;
}

int unit_get_state(Manager *m, const char *name, UnitState *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *path = NULL;
        UnitState s = {
                .memory_current = UINT64_MAX,
                .cpu_usage_nsec = UINT64_MAX,
                .tasks_current = UINT64_MAX,
        };
        char load_state[32] = "";
        int r;

        r = unit_bus_path(name, &path);
        if (r < 0)
                return r;

        /* One GetAll of the Service interface carries everything we need
         * (it includes the Unit properties? no: ask both, Service first). */
        r = sd_bus_call_method(m->bus, SD_BUS_SYSTEMD, path, "org.freedesktop.DBus.Properties", "GetAll",
                               NULL, &reply, "s", "");
        if (r < 0)
                return r;

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        return r;

                if (streq(key, "LoadState"))
                        r = read_property_string(reply, load_state, sizeof(load_state));
                else if (streq(key, "ActiveState"))
                        r = read_property_string(reply, s.active_state, sizeof(s.active_state));
                else if (streq(key, "SubState"))
                        r = read_property_string(reply, s.sub_state, sizeof(s.sub_state));
                else if (streq(key, "MainPID"))
                        r = sd_bus_message_read(reply, "v", "u", &s.main_pid);
                else if (streq(key, "ControlGroup")) {
                        const char *cg;
                        r = sd_bus_message_read(reply, "v", "s", &cg);
                        if (r >= 0 && !isempty(cg) && !(s.control_group = strdup(cg)))
                                r = -ENOMEM;
                } else if (streq(key, "MemoryCurrent"))
                        r = sd_bus_message_read(reply, "v", "t", &s.memory_current);
                else if (streq(key, "CPUUsageNSec"))
                        r = sd_bus_message_read(reply, "v", "t", &s.cpu_usage_nsec);
                else if (streq(key, "TasksCurrent"))
                        r = sd_bus_message_read(reply, "v", "t", &s.tasks_current);
                else if (streq(key, "ExecMainCode"))
                        r = sd_bus_message_read(reply, "v", "i", &s.exec_main_code);
                else if (streq(key, "ExecMainStatus"))
                        r = sd_bus_message_read(reply, "v", "i", &s.exec_main_status);
                else if (streq(key, "ActiveEnterTimestamp"))
                        r = sd_bus_message_read(reply, "v", "t", &s.active_enter_usec);
                else if (streq(key, "NRestarts"))
                        r = sd_bus_message_read(reply, "v", "u", &s.n_restarts);
                else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0) {
                        unit_state_done(&s);
                        return r;
                }
                r = sd_bus_message_exit_container(reply);
                if (r < 0) {
                        unit_state_done(&s);
                        return r;
                }
        }
        if (r < 0) {
                unit_state_done(&s);
                return r;
        }

        if (streq(load_state, "not-found") || isempty(load_state)) {
                unit_state_done(&s);
                s.active_state[0] = 0;
                *ret = s;
                return -ENOENT;
        }
        *ret = s;
        return 0;
}

int unit_state_apply_changes(UnitState *s, const char *interface, sd_bus_message *changed) {
        bool service = streq(interface, "org.freedesktop.systemd1.Service");
        int r;

        r = sd_bus_message_enter_container(changed, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(changed, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(changed, "s", &key);
                if (r < 0)
                        return r;
                if (!service && streq(key, "ActiveState"))
                        r = read_property_string(changed, s->active_state, sizeof(s->active_state));
                else if (!service && streq(key, "SubState"))
                        r = read_property_string(changed, s->sub_state, sizeof(s->sub_state));
                else if (service && streq(key, "MainPID"))
                        r = sd_bus_message_read(changed, "v", "u", &s->main_pid);
                else if (service && streq(key, "NRestarts"))
                        r = sd_bus_message_read(changed, "v", "u", &s->n_restarts);
                else if (service && streq(key, "ExecMainCode"))
                        r = sd_bus_message_read(changed, "v", "i", &s->exec_main_code);
                else if (service && streq(key, "ExecMainStatus"))
                        r = sd_bus_message_read(changed, "v", "i", &s->exec_main_status);
                else
                        r = sd_bus_message_skip(changed, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(changed);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(changed);
}

int unit_get_control_group(Manager *m, const char *name, char **ret) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = unit_bus_path(name, &path);
        if (r < 0)
                return r;
        return sd_bus_get_property_string(m->bus, SD_BUS_SYSTEMD, path, "org.freedesktop.systemd1.Service",
                                          "ControlGroup", NULL, ret);
}
