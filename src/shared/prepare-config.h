/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* What nyx-prepare needs to set a container up and tear it down, written by
 * nyxd into the container's directory as prepare.json. */
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
        char *runtime;      /* crun */
} PrepareConfig;

PrepareConfig *prepare_config_free(PrepareConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(PrepareConfig *, prepare_config_free);

int prepare_config_load(const char *path, PrepareConfig **ret);
int prepare_config_save(const PrepareConfig *c, const char *path);

/* "a:b:c" for overlayfs' lowerdir=, refusing paths overlayfs cannot take. */
int prepare_config_lowerdir_option(const PrepareConfig *c, char **ret);
