/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `nyx-prepare launch`: the container unit's main process only until the container runs.
 *
 * `crun run` would stay as the unit's main process, waiting on the container: a monitor per container.
 * `crun run --detach` with Type=forking and PIDFile= races: a container that exits before systemd
 * reads the PID file fails the unit with "protocol" and its exit status is lost. Instead:
 *   1. `crun create`: the container's PID 1 exists, blocked on crun's exec fifo, and crun exits, so
 *      systemd (PID 1 here, or the nearest subreaper) becomes its parent;
 *   2. MAINPID=<it> and READY=1 to systemd, and a barrier: systemd has taken it as the main process
 *      before it can exit, so systemd reaps it and records its exit status (Restart=, $EXIT_STATUS);
 *   3. start it as `crun start` does: write a byte into the container's exec fifo, which its PID 1
 *      waits on, and remove the fifo (crun then reports it running); its command runs, this process
 *      exits and nothing of nyx stays behind. Without the fifo where crun keeps it, `crun start`. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "fd-util.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"
#include "path-util.h"
#include "prepare-launch.h"
#include "spawn.h"
#include "string-util.h"

/* crun's state directory as root (crun's default --root). */
#define CRUN_STATE_ROOT "/run/crun"
/* How long systemd may take to process MAINPID=: it is busy, not gone. */
#define NOTIFY_BARRIER_USEC (30ULL * 1000000ULL)

static int read_pid_file(const char *path, pid_t *ret) {
        _cleanup_free_ char *s = NULL;
        uint64_t u;
        int r;

        r = read_one_line_file(path, &s);
        if (r < 0)
                return r;
        r = parse_uint64_range(s, 2, INT32_MAX, &u);
        if (r < 0)
                return r;
        *ret = (pid_t) u;
        return 0;
}

/* What `crun start` does for a container without poststart hooks (nyx never sets any), without the
 * cost of another crun. -ENOENT: no fifo there, let crun do it. */
static int start_via_exec_fifo(const char *id) {
        _cleanup_free_ char *fifo = path_join(CRUN_STATE_ROOT, id, "exec.fifo");
        _cleanup_close_ int fd = -EBADF;
        static const char zero = 0;

        if (!fifo)
                return -ENOMEM;
        /* O_NONBLOCK: ENXIO rather than waiting forever when the container's PID 1 is gone. */
        fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (unlink(fifo) < 0)
                return -errno;
        if (write(fd, &zero, 1) != 1)
                return errno > 0 ? -errno : -EIO;
        return 0;
}

int prepare_launch(const PrepareConfig *c, const char *console_socket) {
        _cleanup_free_ char *pid_file = path_join(c->dir, "pid");
        pid_t pid;
        int r;

        if (!pid_file)
                return log_oom();
        (void) unlink(pid_file);

        char *create[] = { c->runtime, (char *) "create", (char *) "--pid-file", pid_file,
                           (char *) "--bundle", c->bundle, NULL, NULL, c->id, NULL };
        if (console_socket) {
                create[6] = (char *) "--console-socket";
                create[7] = (char *) console_socket;
        } else
                create[6] = c->id, create[7] = NULL;

        r = spawn_wait(create, false);
        if (r < 0)
                return log_error_errno(r, "Cannot run %s create: %m", c->runtime);
        if (r > 0) {
                log_error("%s create %s failed with status %d.", c->runtime, c->id, r);
                return r;
        }

        r = read_pid_file(pid_file, &pid);
        if (r < 0) {
                log_error_errno(r, "Cannot read the container's PID from %s: %m", pid_file);
                goto fail;
        }

        r = sd_notifyf(false, "MAINPID=%d\nREADY=1", (int) pid);
        if (r <= 0) {
                log_error_errno(r < 0 ? r : -ENOTCONN, "Cannot tell systemd the container's PID: %m");
                r = r < 0 ? r : -ENOTCONN;
                goto fail;
        }
        r = sd_notify_barrier(false, NOTIFY_BARRIER_USEC);
        if (r < 0) {
                log_error_errno(r, "systemd did not take the container's PID: %m");
                goto fail;
        }

        r = start_via_exec_fifo(c->id);
        if (r == 0)
                return 0;
        if (r != -ENOENT) {
                log_error_errno(r, "Cannot start the container through crun's exec fifo: %m");
                goto fail;
        }
        char *start[] = { c->runtime, (char *) "start", c->id, NULL };
        r = spawn_wait(start, false);
        if (r == 0)
                return 0;
        if (r < 0)
                log_error_errno(r, "Cannot run %s start: %m", c->runtime);
        else
                log_error("%s start %s failed with status %d.", c->runtime, c->id, r);

fail:
        /* Never leave a created container waiting on its fifo: the unit would look running. */
        {
                char *del[] = { c->runtime, (char *) "delete", (char *) "--force", c->id, NULL };
                (void) spawn_wait(del, true);
        }
        return r > 0 ? r : (r < 0 ? r : -EIO);
}
