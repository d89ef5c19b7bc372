/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#include "string-util.h"

char *startswith(const char *s, const char *prefix) {
        size_t l = strlen(prefix);

        if (strncmp(s, prefix, l) != 0)
                return NULL;
        return (char *) s + l;
}

char *endswith(const char *s, const char *suffix) {
        size_t sl = strlen(s), xl = strlen(suffix);

        if (xl > sl)
                return NULL;
        if (memcmp(s + sl - xl, suffix, xl) != 0)
                return NULL;
        return (char *) s + sl - xl;
}

char *strjoin_real(const char *x, ...) {
        va_list ap;
        size_t l = 0;
        char *r, *p;

        va_start(ap, x);
        for (const char *t = x; t; t = va_arg(ap, const char *))
                l += strlen(t);
        va_end(ap);

        r = malloc(l + 1);
        if (!r)
                return NULL;

        p = r;
        va_start(ap, x);
        for (const char *t = x; t; t = va_arg(ap, const char *)) {
                size_t n = strlen(t);
                memcpy(p, t, n);
                p += n;
        }
        va_end(ap);
        *p = 0;
        return r;
}

char *strdup_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

int free_and_strdup(char **p, const char *s) {
        char *t = NULL;

        if (s) {
                t = strdup(s);
                if (!t)
                        return -ENOMEM;
        }
        free(*p);
        *p = t;
        return 0;
}

char *ascii_strlower(char *s) {
        for (char *p = s; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        *p = *p - 'A' + 'a';
        return s;
}

size_t levenshtein(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        size_t *row, result;

        row = malloc((lb + 1) * sizeof(size_t));
        if (!row)
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                row[j] = j;
        for (size_t i = 1; i <= la; i++) {
                size_t diag = row[0];
                row[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t up = row[j];
                        size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
                        row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
                        diag = up;
                }
        }
        result = row[lb];
        free(row);
        return result;
}

bool string_is_safe_name(const char *s) {
        /* docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
        if (isempty(s) || strlen(s) > 128)
                return false;
        for (const char *p = s; *p; p++) {
                bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
                if (p == s ? !alnum : !(alnum || *p == '_' || *p == '.' || *p == '-'))
                        return false;
        }
        return true;
}

char *hexmem(const void *p, size_t l) {
        static const char table[] = "0123456789abcdef";
        const uint8_t *x = p;
        char *r;

        r = malloc(l * 2 + 1);
        if (!r)
                return NULL;
        for (size_t i = 0; i < l; i++) {
                r[i * 2] = table[x[i] >> 4];
                r[i * 2 + 1] = table[x[i] & 15];
        }
        r[l * 2] = 0;
        return r;
}
