/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* What nyx-prepare needs to set a container up and tear it down, written by
 * nyxd into the container's directory as prepare.json. */
/* A volume the container mounts: nyx-prepare mounts a size-limited one's file system when it is not
 * mounted (after a reboot) and copies the image's content into a new one (see volume-util.h). */
typedef struct PrepareVolume {
        char *name;
        char *dir;          /* STATE/volumes/NAME */
        char *destination;  /* in the container */
        bool populate;      /* copy the image's content at destination into it while it is new */
        bool image;         /* size-limited: dir/disk.img is loop-mounted at dir/_data */
} PrepareVolume;

typedef struct PrepareConfig {
        char *id;
        char *dir;          /* the container's directory */
        char *rootfs;       /* mount point */
        char *bundle;       /* holds config.json */
        char *upper;
        char *work;
        char **lower;       /* layer directories, topmost first */
        size_t n_lower;
        bool read_only;
        bool has_init;      /* --init: the command runs under an init, not checked up front */
        char *runtime;      /* crun */
        PrepareVolume *volumes;
        size_t n_volumes;
} PrepareConfig;

PrepareConfig *prepare_config_free(PrepareConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(PrepareConfig *, prepare_config_free);

int prepare_config_load(const char *path, PrepareConfig **ret);
int prepare_config_save(const PrepareConfig *c, const char *path);

/* "a:b:c" for overlayfs' lowerdir=, refusing paths overlayfs cannot take. */
int prepare_config_lowerdir_option(const PrepareConfig *c, char **ret);
