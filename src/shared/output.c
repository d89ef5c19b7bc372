/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "string-util.h"
#include "strv.h"

struct Table {
        char **columns;
        size_t n_columns;
        char **cells;      /* row-major */
        size_t n_rows;
};

Table *table_new(const char *first_column, ...) {
        _cleanup_(table_freep) Table *t = NULL;
        va_list ap;
        int r = 0;

        t = calloc(1, sizeof(Table));
        if (!t)
                return NULL;

        va_start(ap, first_column);
        for (const char *c = first_column; c && r >= 0; c = va_arg(ap, const char *))
                r = strv_extend(&t->columns, c);
        va_end(ap);
        if (r < 0)
                return NULL;

        t->n_columns = strv_length(t->columns);
        return TAKE_PTR(t);
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
                free(t->cells[i]);
        free(t->cells);
        strv_free(t->columns);
        return mfree(t);
}

int table_add_row(Table *t, const char *first_cell, ...) {
        char **n;
        va_list ap;
        size_t base = t->n_rows * t->n_columns;
        const char *c = first_cell;

        n = realloc(t->cells, (base + t->n_columns) * sizeof(char *));
        if (!n)
                return -ENOMEM;
        t->cells = n;

        va_start(ap, first_cell);
        for (size_t i = 0; i < t->n_columns; i++) {
                if (i > 0)
                        c = va_arg(ap, const char *);
                t->cells[base + i] = strdup(strempty(c));
                if (!t->cells[base + i]) {
                        for (size_t j = 0; j < i; j++)
                                free(t->cells[base + j]);
                        va_end(ap);
                        return -ENOMEM;
                }
        }
        va_end(ap);
        t->n_rows++;
        return 0;
}

size_t table_get_rows(const Table *t) {
        return t->n_rows;
}

int table_print(const Table *t, FILE *f, bool header) {
        _cleanup_free_ size_t *width = NULL;

        width = calloc(t->n_columns, sizeof(size_t));
        if (!width)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_columns; i++) {
                width[i] = header ? strlen(t->columns[i]) : 0;
                for (size_t r = 0; r < t->n_rows; r++)
                        width[i] = MAX(width[i], strlen(t->cells[r * t->n_columns + i]));
        }

        for (size_t r = header ? 0 : 1; r <= t->n_rows; r++) {
                for (size_t i = 0; i < t->n_columns; i++) {
                        const char *s = r == 0 ? t->columns[i] : t->cells[(r - 1) * t->n_columns + i];
                        bool last = i + 1 == t->n_columns;

                        if (last)
                                fputs(s, f);
                        else
                                fprintf(f, "%-*s   ", (int) width[i], s);
                }
                fputc('\n', f);
        }
        return ferror(f) ? -EIO : 0;
}

int table_print_json(const Table *t, FILE *f) {
        _cleanup_(json_object_putp) json_object *a = NULL;

        a = json_object_new_array();
        if (!a)
                return -ENOMEM;
        for (size_t r = 0; r < t->n_rows; r++) {
                json_object *o = json_object_new_object();

                if (!o || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < t->n_columns; i++)
                        json_object_object_add(o, t->columns[i],
                                               json_object_new_string(t->cells[r * t->n_columns + i]));
        }
        fprintf(f, "%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        return ferror(f) ? -EIO : 0;
}

static void print_pairs(json_object *o, FILE *f, int indent) {
        size_t width = 0;

        json_object_object_foreach(o, k0, v0) {
                (void) v0;
                width = MAX(width, strlen(k0));
        }
        json_object_object_foreach(o, k, v) {
                if (json_object_is_type(v, json_type_object)) {
                        fprintf(f, "%*s%s:\n", indent, "", k);
                        print_pairs(v, f, indent + 2);
                } else if (json_object_is_type(v, json_type_array)) {
                        fprintf(f, "%*s%s:\n", indent, "", k);
                        for (size_t i = 0; i < json_object_array_length(v); i++)
                                fprintf(f, "%*s- %s\n", indent + 2, "",
                                        json_object_get_string(json_object_array_get_idx(v, i)));
                } else
                        fprintf(f, "%*s%s:%*s %s\n", indent, "", k, (int) (width - strlen(k)), "",
                                json_object_get_string(v));
        }
}

int json_print_pairs(json_object *o, FILE *f) {
        if (!json_object_is_type(o, json_type_object))
                return -EINVAL;
        print_pairs(o, f, 0);
        return ferror(f) ? -EIO : 0;
}
