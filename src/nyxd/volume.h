/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

#include "container-spec.h"
#include "macro.h"

typedef struct Manager Manager;
typedef struct Container Container;

/* A volume of the local driver: STATE/volumes/NAME (see volume-util.h for the layout). Which containers
 * use it is not stored with it: it is computed from the containers' specs. */
typedef struct Volume {
        Manager *manager;

        char *name;
        char *dir;                 /* STATE/volumes/NAME */
        char *data_dir;            /* dir/_data: what containers mount */
        char *image_path;          /* dir/disk.img for a size-limited volume, else NULL */
        char *object_path;
        char **labels;             /* "key=value" */
        char **options;            /* driver options as given, "size=1G" */
        uint64_t size;             /* the size limit in bytes, 0 = none */
        uint64_t created_usec;
        bool anonymous;            /* made for a container's `-v /dst`; `rm -v` removes it */
} Volume;

Volume *volume_free(Volume *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(Volume *, volume_free);

/* Make a volume: name NULL for a generated one. Existing names are returned as they are (docker's
 * `volume create` is idempotent) unless options differ. Errors go to *error. */
int volume_create(Manager *m, const char *name, char * const *labels, char * const *options, bool anonymous,
                  sd_bus_error *error, Volume **ret);

/* Remove it with its data. Refused while a container uses it (any container, or with force only a
 * running one). */
int volume_remove(Volume *v, bool force, sd_bus_error *error);

/* The containers (names) whose specs mount the volume; only the active ones when running_only. */
int volume_users(Volume *v, bool running_only, char ***ret);

int volume_inspect_json(Volume *v, char **ret);

/* Mount a size-limited volume's file system unless it is mounted (a no-op for other volumes). */
int volume_mount(Volume *v);

Volume *manager_find_volume(Manager *m, const char *name);

/* Read STATE/volumes, drop what interrupted creates left, mount the images of size-limited volumes
 * (after a reboot nothing is mounted). */
int manager_load_volumes(Manager *m);

/* For a container being created: the host directory of each volume mount, creating named volumes on
 * first use and anonymous ones (whose generated names are written into the spec's mounts). The
 * volumes it created are listed in *ret_created so that a failed create can remove them again. */
int manager_resolve_volumes(Manager *m, ContainerSpec *spec, char ***ret_created, sd_bus_error *error);

/* The anonymous volumes a container's spec mounts (collect them before the container goes). */
int volume_anonymous_names(Manager *m, const ContainerSpec *spec, char ***ret);

/* Remove these volumes where no container uses them (any more). */
void manager_remove_volumes(Manager *m, char * const *names);
