/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char * const *l);
char **strv_copy(char * const *l);
bool strv_contains(char * const *l, const char *s);

/* Append a copy of value. Returns 0 or -ENOMEM. */
int strv_extend(char ***l, const char *value);
/* Append value itself, taking ownership (freed on failure too). */
int strv_consume(char ***l, char *value);
