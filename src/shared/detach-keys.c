/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detach-keys.h"
#include "macro.h"
#include "string-util.h"

int detach_keys_parse(const char *s, char *ret_keys, size_t size, size_t *ret_n, char **ret_reason) {
        char keys[16];
        size_t n = 0;

        if (isempty(s)) {
                *ret_n = 0;
                return 0;
        }
        for (const char *p = s;;) {
                size_t l = strcspn(p, ",");
                const char *x;
                char k;

                if (l == 1)
                        k = p[0];
                else if (l == 6 && (x = startswith(p, "ctrl-"))) {
                        char c = x[0];
                        if (c >= 'a' && c <= 'z')
                                k = (char) (c - 'a' + 1);
                        else if (c >= 'A' && c <= 'Z')
                                k = (char) (c - 'A' + 1);
                        else if (strchr("@[\\]^_", c) && c != 0)
                                k = (char) (c == '@' ? 0 : c - '[' + 27);
                        else
                                goto bad;
                } else
                        goto bad;

                if (n >= sizeof(keys) || n >= size)
                        return asprintf(ret_reason, "--detach-keys '%s': at most %zu keys", s,
                                        MIN(sizeof(keys), size)) < 0 ? -ENOMEM : -EINVAL;
                keys[n++] = k;
                p += l;
                if (*p == 0)
                        break;
                p++;
                continue;
        bad:
                return asprintf(ret_reason,
                                "--detach-keys '%s': '%.*s' is not a key (use a character or ctrl-a ... ctrl-z, ctrl-@, ctrl-[, ctrl-\\, ctrl-], ctrl-^, ctrl-_, separated by commas)",
                                s, (int) l, p) < 0 ? -ENOMEM : -EINVAL;
        }
        memcpy(ret_keys, keys, n);
        *ret_n = n;
        return 0;
}
