/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "macro.h"

/* One printer for every listing: a table of string cells, printed aligned
 * with a header for humans, or as a JSON array of objects (keys are the
 * column names) for --json. */

typedef struct Table Table;

Table *table_new(const char *first_column, ...) _sentinel_;
Table *table_free(Table *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Table *, table_free);

/* Add one row; exactly as many cells as columns (NULL prints as empty). */
int table_add_row(Table *t, const char *first_cell, ...);
size_t table_get_rows(const Table *t);

int table_print(const Table *t, FILE *f, bool header);
int table_print_json(const Table *t, FILE *f);

/* Print "Key: value" lines, aligned, from a JSON object (nested objects are
 * indented), for `info`/`inspect`-style human output. */
int json_print_pairs(json_object *o, FILE *f);

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

/* A docker-style --format template: "{{.Name}} {{.State.Status}}" with each
 * {{.Path}} replaced by that member of o ("" when absent); "{{json .X}}"
 * prints the member as JSON. Anything else in braces is an error. */
int format_template(const char *template, json_object *o, char **ret);

/* "5 seconds", "3 minutes", "2 hours" ... as docker prints durations. */
char *format_duration_human(uint64_t usec);
