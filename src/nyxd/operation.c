/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "manager.h"
#include "operation.h"
#include "string-util.h"

typedef struct Operation {
        Manager *manager;
        sd_bus_message *message;
        operation_done_t done;
        void *userdata;
        int result_fd;
        sd_event_source *child_source;
} Operation;

static void operation_free(Operation *o) {
        sd_event_source_disable_unref(o->child_source);
        sd_bus_message_unref(o->message);
        safe_close(o->result_fd);
        free(o);
}

static int on_worker_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Operation *o = userdata;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;
        int r;

        for (;;) {
                ssize_t n;

                if (size + 4096 > allocated) {
                        char *t = realloc(buf, allocated + 65536);
                        if (!t)
                                break;
                        buf = t;
                        allocated += 65536;
                }
                n = read(o->result_fd, buf + size, allocated - size - 1);
                if (n <= 0)
                        break;
                size += n;
        }
        if (buf)
                buf[size] = 0;

        /* "0 RESULT" or "-ERRNO REASON" */
        if (si->si_code == CLD_EXITED && si->si_status == 0 && buf && buf[0] == '0' && buf[1] == ' ')
                o->done(o->manager, o->message, 0, buf + 2, o->userdata);
        else if (si->si_code == CLD_EXITED && buf && buf[0] == '-') {
                char *end;
                long e = strtol(buf, &end, 10);
                r = e < 0 && e > -4096 ? (int) e : -EIO;
                o->done(o->manager, o->message, r, *end == ' ' ? end + 1 : "the operation failed", o->userdata);
        } else {
                char reason[128];
                snprintf(reason, sizeof(reason), "the worker process %s %d",
                         si->si_code == CLD_EXITED ? "exited with status" : "was killed by signal",
                         si->si_status);
                o->done(o->manager, o->message, -EPROTO, reason, o->userdata);
        }

        o->manager->n_busy--;
        operation_free(o);
        return 0;
}

static void write_all(int fd, const char *s) {
        size_t l = strlen(s);

        while (l > 0) {
                ssize_t n = write(fd, s, l);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return;
                s += n;
                l -= n;
        }
}

int operation_start(Manager *m, sd_bus_message *message, operation_work_t work, operation_done_t done,
                    void *userdata) {
        return operation_start_full(m, message, work, done, userdata, NULL);
}

int operation_start_full(Manager *m, sd_bus_message *message, operation_work_t work, operation_done_t done,
                         void *userdata, pid_t *ret_pid) {
        Operation *o;
        int pfd[2], r;
        pid_t pid;

        o = calloc(1, sizeof(Operation));
        if (!o)
                return -ENOMEM;
        o->manager = m;
        o->done = done;
        o->userdata = userdata;
        o->result_fd = -EBADF;

        if (pipe2(pfd, O_CLOEXEC) < 0) {
                free(o);
                return -errno;
        }

        pid = fork();
        if (pid < 0) {
                r = -errno;
                safe_close(pfd[0]);
                safe_close(pfd[1]);
                free(o);
                return r;
        }
        if (pid == 0) {
                _cleanup_free_ char *result = NULL, *reason = NULL, *line = NULL;
                sigset_t all;

                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                sigemptyset(&all);
                (void) sigprocmask(SIG_SETMASK, &all, NULL);
                safe_close(pfd[0]);

                r = work(m, userdata, &result, &reason);
                if (r < 0)
                        (void) asprintf(&line, "%d %s", r, reason ?: strerror(-r));
                else
                        (void) asprintf(&line, "0 %s", strempty(result));
                if (line)
                        write_all(pfd[1], line);
                _exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
        }

        safe_close(pfd[1]);
        o->result_fd = pfd[0];
        r = sd_event_add_child(m->event, &o->child_source, pid, WEXITED, on_worker_exit, o);
        if (r < 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                operation_free(o);
                return r;
        }
        o->message = sd_bus_message_ref(message);
        m->n_busy++;
        if (ret_pid)
                *ret_pid = pid;
        return 0;
}
