/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <systemd/sd-bus.h>

#include "bus-util.h"
#include "job.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "nyx-errors.h"
#include "string-util.h"
#include "strv.h"

#define JOB_PREFIX NYX_BUS_PATH "/job"

typedef struct JobPart {
        char *name;
        char *state;
        uint64_t done, total;
} JobPart;

struct Job {
        Manager *manager;
        uint32_t id;
        char *object_path;
        char *type;
        char *target;
        const char *state;      /* "running", "cancelling" */
        pid_t worker;
        JobPart *parts;
        size_t n_parts;
        Job *next;
};

/* nyxd has one Manager: the jobs live here, as the execs do in container-exec.c. */
static Job *jobs = NULL;
static uint32_t last_id = 0;

static Job *job_free(Job *j) {
        if (!j)
                return NULL;
        for (size_t i = 0; i < j->n_parts; i++) {
                free(j->parts[i].name);
                free(j->parts[i].state);
        }
        free(j->parts);
        free(j->object_path);
        free(j->type);
        free(j->target);
        return mfree(j);
}

int job_new(Manager *m, const char *type, const char *target, Job **ret) {
        Job *j;
        char id[16];

        j = calloc(1, sizeof(Job));
        if (!j)
                return -ENOMEM;
        j->manager = m;
        j->id = ++last_id;
        j->state = "running";
        snprintf(id, sizeof(id), "%u", j->id);
        j->object_path = strjoin(JOB_PREFIX "/", id);
        j->type = strdup(type);
        j->target = strdup(target);
        if (!j->object_path || !j->type || !j->target) {
                job_free(j);
                return -ENOMEM;
        }
        j->next = jobs;
        jobs = j;
        (void) sd_bus_emit_interfaces_added(m->bus, j->object_path, NYX_BUS_IFACE_JOB, NULL);
        *ret = j;
        return 0;
}

const char *job_object_path(const Job *j) {
        return j->object_path;
}

void job_set_worker(Job *j, pid_t pid) {
        j->worker = pid;
}

bool job_cancelled(const Job *j) {
        return streq(j->state, "cancelling");
}

void job_update_part(Job *j, const char *name, const char *state, uint64_t done, uint64_t total) {
        JobPart *p = NULL;

        for (size_t i = 0; i < j->n_parts; i++)
                if (streq(j->parts[i].name, name))
                        p = &j->parts[i];
        if (!p) {
                JobPart *t = reallocarray(j->parts, j->n_parts + 1, sizeof(JobPart));
                if (!t)
                        return;
                j->parts = t;
                p = &j->parts[j->n_parts];
                *p = (JobPart) { .name = strdup(name) };
                if (!p->name)
                        return;
                j->n_parts++;
        }
        if (free_and_strdup(&p->state, state) < 0)
                return;
        p->done = done;
        p->total = total;
        (void) sd_bus_emit_properties_changed(j->manager->bus, j->object_path, NYX_BUS_IFACE_JOB,
                                              "BytesDone", "BytesTotal", "Parts", NULL);
}

void job_finish(Job *j) {
        for (Job **p = &jobs; *p; p = &(*p)->next)
                if (*p == j) {
                        *p = j->next;
                        break;
                }
        (void) sd_bus_emit_interfaces_removed(j->manager->bus, j->object_path, NYX_BUS_IFACE_JOB, NULL);
        job_free(j);
}

/* ---- on the bus ----------------------------------------------------------------------------------- */

static int property_get_bytes(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Job *j = userdata;
        uint64_t sum = 0;

        for (size_t i = 0; i < j->n_parts; i++)
                sum += streq(property, "BytesDone") ? j->parts[i].done : j->parts[i].total;
        return sd_bus_message_append(reply, "t", sum);
}

static int property_get_parts(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Job *j = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sstt)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < j->n_parts; i++) {
                r = sd_bus_message_append(reply, "(sstt)", j->parts[i].name, strempty(j->parts[i].state),
                                          j->parts[i].done, j->parts[i].total);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Job *j = userdata;
        return sd_bus_message_append(reply, "s", j->state);
}

static int method_cancel(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Job *j = userdata;

        if (j->worker <= 0)
                return sd_bus_error_setf(error, NYX_ERROR_IN_USE, "job %u cannot be cancelled yet", j->id);
        /* The pull is safe to kill at any moment (staging + rename): nothing half-written stays. */
        if (!job_cancelled(j)) {
                if (kill(j->worker, SIGKILL) < 0 && errno != ESRCH)
                        return sd_bus_error_set_errnof(error, errno, "cannot cancel job %u: %m", j->id);
                j->state = "cancelling";
                (void) sd_bus_emit_properties_changed(j->manager->bus, j->object_path, NYX_BUS_IFACE_JOB, "State",
                                                      NULL);
                log_info("Cancelled %s %s (job %u).", j->type, j->target, j->id);
        }
        return sd_bus_reply_method_return(msg, NULL);
}

static const sd_bus_vtable job_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "u", NULL, offsetof(Job, id), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Type", "s", NULL, offsetof(Job, type), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Target", "s", NULL, offsetof(Job, target), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", property_get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("BytesDone", "t", property_get_bytes, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("BytesTotal", "t", property_get_bytes, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Parts", "a(sstt)", property_get_parts, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("Cancel", NULL, NULL, method_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static int job_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                           sd_bus_error *error) {
        for (Job *j = jobs; j; j = j->next)
                if (streq(j->object_path, path)) {
                        *found = j;
                        return 1;
                }
        return 0;
}

static int job_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        size_t n = 0;
        char **l;

        for (Job *j = jobs; j; j = j->next)
                n++;
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        n = 0;
        for (Job *j = jobs; j; j = j->next) {
                l[n] = strdup(j->object_path);
                if (!l[n]) {
                        strv_free(l);
                        return -ENOMEM;
                }
                n++;
        }
        *nodes = l;
        return 1;
}

int job_dbus_register(Manager *m) {
        int r;

        r = sd_bus_add_fallback_vtable(m->bus, NULL, JOB_PREFIX, NYX_BUS_IFACE_JOB, job_vtable, job_object_find, m);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(m->bus, NULL, JOB_PREFIX, job_node_enumerator, m);
}
