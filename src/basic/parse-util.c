/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse-util.h"
#include "string-util.h"

static int parse_u64_prefix(const char *s, uint64_t *ret, const char **ret_end) {
        char *end;
        unsigned long long v;

        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        *ret = v;
        *ret_end = end;
        return 0;
}

int parse_size(const char *s, uint64_t *ret) {
        static const struct { const char *suffix; uint64_t factor; } table[] = {
                { "",   1ULL },
                { "b",  1ULL },
                { "k",  1ULL << 10 }, { "kb", 1ULL << 10 }, { "kib", 1ULL << 10 },
                { "m",  1ULL << 20 }, { "mb", 1ULL << 20 }, { "mib", 1ULL << 20 },
                { "g",  1ULL << 30 }, { "gb", 1ULL << 30 }, { "gib", 1ULL << 30 },
                { "t",  1ULL << 40 }, { "tb", 1ULL << 40 }, { "tib", 1ULL << 40 },
        };
        const char *end;
        uint64_t v;
        int r;

        r = parse_u64_prefix(s, &v, &end);
        if (r < 0)
                return r;
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
                if (strcasecmp(end, table[i].suffix) == 0) {
                        if (v > UINT64_MAX / table[i].factor)
                                return -ERANGE;
                        *ret = v * table[i].factor;
                        return 0;
                }
        return -EINVAL;
}

int parse_sec(const char *s, uint64_t *ret_usec) {
        static const struct { const char *suffix; uint64_t usec; } table[] = {
                { "",    1000000ULL },
                { "us",  1ULL },
                { "ms",  1000ULL },
                { "s",   1000000ULL },
                { "m",   60000000ULL }, { "min", 60000000ULL },
                { "h",   3600000000ULL },
        };
        const char *end;
        uint64_t v;
        int r;

        r = parse_u64_prefix(s, &v, &end);
        if (r < 0)
                return r;
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
                if (streq(end, table[i].suffix)) {
                        if (v > UINT64_MAX / table[i].usec)
                                return -ERANGE;
                        *ret_usec = v * table[i].usec;
                        return 0;
                }
        return -EINVAL;
}

int parse_boolean(const char *s) {
        if (!s)
                return -EINVAL;
        if (streq(s, "1") || strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 || strcasecmp(s, "on") == 0)
                return 1;
        if (streq(s, "0") || strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0)
                return 0;
        return -EINVAL;
}

int parse_uint64_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret) {
        const char *end;
        uint64_t v;
        int r;

        r = parse_u64_prefix(s, &v, &end);
        if (r < 0)
                return r;
        if (*end)
                return -EINVAL;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}
