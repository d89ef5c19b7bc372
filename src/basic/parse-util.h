/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* "64m", "1G", "512k", "1024" (bytes; binary multipliers, as docker). */
int parse_size(const char *s, uint64_t *ret);

/* "10", "10s", "500ms", "2m", "1h" -> microseconds. A bare number is seconds. */
int parse_sec(const char *s, uint64_t *ret_usec);

int parse_boolean(const char *s);

/* A decimal in [min, max]. */
int parse_uint64_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret);
