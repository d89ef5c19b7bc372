/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "cgroup-util.h"
#include "macro.h"
#include "oci-runtime.h"

typedef struct Container Container;
typedef struct Image Image;
typedef struct PendingJob PendingJob;
typedef struct Volume Volume;
typedef struct Network Network;

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;

        char *state_dir;           /* /var/lib/nyx */
        char *run_dir;             /* /run/nyx */

        char *runtime_path;        /* crun */
        char *runtime_version;     /* filled on first use: running crun costs a fork */
        CGroupMode cgroup_mode;

        Container **containers;
        size_t n_containers;
        Image **images;
        size_t n_images;
        Volume **volumes;
        size_t n_volumes;
        Network **networks;
        size_t n_networks;
        PendingJob *jobs;            /* systemd jobs we wait for */

        char *prepare_path;          /* nyx-prepare */
        OciHostFacts host_facts;     /* probed on first use */
        bool host_facts_probed;

        uint64_t idle_timeout_usec;  /* 0: never exit when idle */
        sd_event_source *idle_source;
        bool exiting;
        uint64_t n_busy;             /* operations that keep nyxd from exiting when idle */
} Manager;

int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Set up the state directories and connect to the system bus. */
int manager_startup(Manager *m);

/* Run the event loop until SIGTERM, or until idle for idle_timeout_usec. */
int manager_run(Manager *m);

/* "crun version 1.8.1" -> "1.8.1"; cached. */
int manager_get_runtime_version(Manager *m, const char **ret);
