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

static json_object *lookup_path(json_object *o, const char *path, size_t len) {
        while (len > 0 && o) {
                size_t n = 0;
                char key[256];

                while (n < len && path[n] != '.')
                        n++;
                if (n == 0 || n >= sizeof(key))
                        return NULL;
                memcpy(key, path, n);
                key[n] = 0;
                if (!json_object_object_get_ex(o, key, &o))
                        return NULL;
                path += n;
                len -= n;
                if (len > 0) {   /* skip the dot */
                        path++;
                        len--;
                }
        }
        return o;
}

int format_template(const char *template, json_object *o, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f;
        const char *p = template;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        while (*p) {
                const char *start = strstr(p, "{{"), *end, *expr;
                bool json = false;
                size_t len;
                json_object *v;

                if (!start) {
                        fputs(p, f);
                        break;
                }
                fwrite(p, 1, start - p, f);
                end = strstr(start, "}}");
                if (!end) {
                        fclose(f);
                        free(buf);
                        return -EINVAL;
                }
                expr = start + 2;
                while (*expr == ' ')
                        expr++;
                if (startswith(expr, "json ")) {
                        json = true;
                        expr += 5;
                        while (*expr == ' ')
                                expr++;
                }
                len = end - expr;
                while (len > 0 && expr[len - 1] == ' ')
                        len--;
                if (len == 0 || expr[0] != '.') {
                        fclose(f);
                        free(buf);
                        return -EINVAL;
                }
                v = len == 1 ? o : lookup_path(o, expr + 1, len - 1);
                if (json)
                        fputs(v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "null", f);
                else if (v && !json_object_is_type(v, json_type_null))
                        fputs(json_object_is_type(v, json_type_string) ? json_object_get_string(v) :
                              json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), f);
                p = end + 2;
        }
        /* \t and \n as users type them in shell strings */
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        for (char *s = buf, *d = buf; ; s++, d++) {
                if (s[0] == '\\' && (s[1] == 't' || s[1] == 'n')) {
                        *d = s[1] == 't' ? '\t' : '\n';
                        s++;
                } else
                        *d = *s;
                if (!*s)
                        break;
        }
        *ret = buf;
        return 0;
}

char *format_duration_human(uint64_t usec) {
        uint64_t s = usec / 1000000;
        char *r = NULL;

        if (s < 1)
                r = strdup("Less than a second");
        else if (s == 1)
                r = strdup("1 second");
        else if (s < 60)
                (void) asprintf(&r, "%u seconds", (unsigned) s);
        else if (s < 120)
                r = strdup("About a minute");
        else if (s < 3600)
                (void) asprintf(&r, "%u minutes", (unsigned) (s / 60));
        else if (s < 7200)
                r = strdup("About an hour");
        else if (s < 48 * 3600)
                (void) asprintf(&r, "%u hours", (unsigned) (s / 3600));
        else if (s < 14 * 86400)
                (void) asprintf(&r, "%u days", (unsigned) (s / 86400));
        else if (s < 60 * 86400)
                (void) asprintf(&r, "%u weeks", (unsigned) (s / (7 * 86400)));
        else if (s < 730 * 86400)
                (void) asprintf(&r, "%u months", (unsigned) (s / (30 * 86400)));
        else
                (void) asprintf(&r, "%u years", (unsigned) (s / (365 * 86400)));
        return r;
}
