/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "macro.h"

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

static inline bool isempty(const char *s) {
        return !s || !*s;
}

static inline const char *strempty(const char *s) {
        return s ?: "";
}

static inline const char *strna(const char *s) {
        return s ?: "n/a";
}

/* Returns a pointer behind the prefix, or NULL. */
char *startswith(const char *s, const char *prefix) _pure_;
char *endswith(const char *s, const char *suffix) _pure_;

char *strjoin_real(const char *x, ...) _sentinel_;
#define strjoin(a, ...) strjoin_real((a), __VA_ARGS__, NULL)

char *strdup_or_null(const char *s);

/* Replace *p with a copy of s (or NULL). Returns 0 or -ENOMEM. */
int free_and_strdup(char **p, const char *s);

char *ascii_strlower(char *s);

/* Edit distance, for "did you mean" suggestions. */
size_t levenshtein(const char *a, const char *b);

/* Characters allowed in names that become unit names, paths and bus paths. */
bool string_is_safe_name(const char *s);

char *hexmem(const void *p, size_t l);
