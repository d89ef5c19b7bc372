/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "journal-sync.h"

#define JOURNAL_VARLINK "/run/systemd/journal/io.systemd.journal"

int journal_sync(uint64_t timeout_usec) {
        static const char call[] = "{\"method\":\"io.systemd.Journal.Synchronize\",\"parameters\":{}}";
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_VARLINK };
        _cleanup_close_ int fd = -EBADF;
        char buf[512];
        size_t n = 0;

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        /* The message ends with its NUL byte, as varlink wants. */
        if (write(fd, call, sizeof(call)) != (ssize_t) sizeof(call))
                return -EIO;

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t k;
                int r;

                r = poll(&p, 1, (int) (timeout_usec / 1000));
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0)
                        return -ETIMEDOUT;
                k = read(fd, buf + n, sizeof(buf) - n - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -ECONNRESET;
                n += k;
                if (memchr(buf, 0, n))
                        break;
                if (n >= sizeof(buf) - 1)
                        return -EBADMSG;
        }
        buf[n] = 0;
        return strstr(buf, "\"error\"") ? -EIO : 0;
}
