/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

#include "container-spec.h"
#include "macro.h"
#include "unit.h"

typedef struct Manager Manager;

typedef enum ContainerStatus {
        CONTAINER_CREATED,
        CONTAINER_STARTING,
        CONTAINER_RUNNING,
        CONTAINER_STOPPING,
        CONTAINER_EXITED,
        CONTAINER_PAUSED,
        CONTAINER_LISTENING,       /* --listen: down, its socket waiting for the first connection */
        _CONTAINER_STATUS_MAX,
} ContainerStatus;

typedef struct Container {
        Manager *manager;

        char *id;                  /* 64 hex */
        char *name;
        char *unit;                /* nyx-NAME.service */
        char *dir;                 /* STATE/containers/ID */
        char *object_path;
        ContainerSpec *spec;
        char *image_id;
        char *image_name;
        uint64_t created_usec;

        /* Live state: from systemd and from state.json that nyx-prepare writes. */
        ContainerStatus status;
        int exit_code;             /* -1: none yet */
        uint64_t started_usec;
        uint64_t finished_usec;
        uint32_t main_pid;
        uint32_t n_restarts;
        bool user_stopped;         /* stopped through nyx: unless-stopped stays down */

        /* The unit as systemd last told us: read once (GetAll), then kept
         * current from its PropertiesChanged signals. */
        UnitState unit_state;
        bool unit_state_known;

        sd_bus_message **waiters;  /* Wait() calls, answered when it exits */
        size_t n_waiters;
        sd_bus_message *pending_start;
        bool removing;
        int volumes_on_remove;     /* > 0 rm -v, < 0 rm: keep them, 0: as --rm (its anonymous volumes go) */
} Container;

int container_new(Manager *m, const char *id, Container **ret);
Container *container_free(Container *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Container *, container_free);

/* Read STATE/containers/ID/record.json. */
int container_load(Manager *m, const char *id, Container **ret);
int container_save(Container *c);
/* Set name and unit name (nyx-NAME.service) together. */
int container_set_name(Container *c, const char *name);

/* Make the container's directory, bundle and record from a validated spec
 * (taken over) and the image it runs. */
int container_create(Manager *m, ContainerSpec *spec, const char *image_name, sd_bus_error *error, Container **ret);

/* Start its unit; the reply is sent when systemd's job finished. */
int container_start(Container *c, sd_bus_message *message, sd_bus_error *error);
/* The properties of its unit, as a start makes it (without stdin), for listen.c's aux unit. */
int container_append_unit_properties(sd_bus_message *m, Container *c);
/* The same with stdin_fd (>= 0) as the unit's standard input (run -i); systemd keeps it for restarts. */
int container_start_with_stdin(Container *c, int stdin_fd, sd_bus_message *message, sd_bus_error *error);
int container_stop(Container *c, uint64_t timeout_usec, sd_bus_message *message, sd_bus_error *error);
int container_kill(Container *c, int signo, sd_bus_error *error);
/* Remove: the unit must be gone (or is stopped first when force). */
int container_remove(Container *c, bool force, sd_bus_error *error);
int container_wait(Container *c, sd_bus_message *message, bool next_exit);

/* Ask systemd and state.json how the container is, and tell waiters and
 * bus clients what changed. */
int container_refresh(Container *c);

const char *container_status_to_string(ContainerStatus s);
bool container_is_active(const Container *c);

Container *manager_find_container(Manager *m, const char *name_or_id);
Container *manager_find_container_by_unit(Manager *m, const char *unit);
/* A PropertiesChanged signal of unit (message positioned at the a{sv}). */
void manager_unit_changed(Manager *m, const char *unit, const char *interface, sd_bus_message *changed);

int manager_load_containers(Manager *m);

/* At start: stop units without records, clean up after crashes, remove
 * exited --rm containers, and (once per boot) start containers whose
 * restart policy asks for it. */
void manager_clean_up_and_restart(Manager *m);
