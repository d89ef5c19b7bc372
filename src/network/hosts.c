/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd-util.h"
#include "fileio.h"
#include "hosts.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

#define HOSTS_FILE_MAX (4U * 1024 * 1024)

int hosts_replace_block(const char *text, const char *network, const char *block, char **ret) {
        _cleanup_free_ char *begin = NULL, *end = NULL, *out = NULL;
        const char *b, *e, *tail;
        size_t head_len;

        begin = strjoin("# nyx network ", network, "\n");
        end = strjoin("# end nyx network ", network, "\n");
        if (!begin || !end)
                return -ENOMEM;
        text = text ?: "";

        /* Only whole lines match. */
        b = text;
        while ((b = strstr(b, begin)) && b != text && b[-1] != '\n')
                b++;
        if (b) {
                e = strstr(b, end);
                head_len = b - text;
                tail = e ? e + strlen(end) : b + strlen(b);
        } else {
                head_len = strlen(text);
                tail = "";
        }

        out = malloc(head_len + strlen(begin) + strlen(block ?: "") + strlen(end) + strlen(tail) + 2);
        if (!out)
                return -ENOMEM;
        memcpy(out, text, head_len);
        out[head_len] = 0;
        if (head_len > 0 && out[head_len - 1] != '\n')
                strcat(out, "\n");
        if (!isempty(block)) {
                strcat(out, begin);
                strcat(out, block);
                if (!endswith(block, "\n"))
                        strcat(out, "\n");
                strcat(out, end);
        }
        strcat(out, tail);
        *ret = TAKE_PTR(out);
        return 0;
}

/* Truncate and write: the container has this very inode bind-mounted. */
static int rewrite_in_place(const char *path, const char *network, const char *block) {
        _cleanup_free_ char *text = NULL, *out = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t left;
        const char *p;
        int r;

        fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        r = read_full_file(path, HOSTS_FILE_MAX, &text, NULL);
        if (r < 0)
                return r;
        r = hosts_replace_block(text, network, block, &out);
        if (r < 0)
                return r;
        if (streq(text, out))
                return 0;
        if (ftruncate(fd, 0) < 0)
                return -errno;
        for (p = out, left = strlen(out); left > 0; ) {
                ssize_t n = pwrite(fd, p, left, p - out);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                left -= n;
        }
        return 0;
}

int hosts_refresh_network(const char *network, const Leases *l) {
        int ret = 0;

        for (size_t i = 0; i < l->n; i++) {
                _cleanup_free_ char *block = NULL, *path = NULL;
                size_t len = 0;
                FILE *f;
                int r;

                if (!l->leases[i].running)
                        continue;
                f = open_memstream(&block, &len);
                if (!f)
                        return -ENOMEM;
                for (size_t j = 0; j < l->n; j++) {
                        char buf[INET_ADDRSTRLEN];

                        if (!l->leases[j].running)
                                continue;
                        fprintf(f, "%s\t%s", inet_ntop(AF_INET, &l->leases[j].address, buf, sizeof(buf)) ?: "",
                                l->leases[j].name);
                        STRV_FOREACH(a, l->leases[j].aliases)
                                fprintf(f, " %s", *a);
                        fputc('\n', f);
                }
                if (fclose(f) != 0)
                        return -ENOMEM;
                path = path_join(l->leases[i].dir, "hosts");
                if (!path)
                        return -ENOMEM;
                r = rewrite_in_place(path, network, block);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

int hosts_drop_network(const char *hosts_path, const char *network) {
        return rewrite_in_place(hosts_path, network, NULL);
}
