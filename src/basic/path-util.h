/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "macro.h"

char *path_join_real(const char *first, ...) _sentinel_;
#define path_join(...) path_join_real(__VA_ARGS__, NULL)

/* Create a directory and its parents; existing ones are fine. */
int mkdir_p(const char *path, mode_t mode);

/* Remove a tree without crossing into other file systems or following symlinks. */
int rm_rf(const char *path);

/* Search $PATH; returns a malloc'ed absolute path or -ENOENT. */
int find_executable(const char *name, char **ret);
