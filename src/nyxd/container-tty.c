/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Containers' terminals: the console socket crun sends the pty master to, the master kept in
 * systemd's fd store, its output in the journal while nobody is attached, and Attach. See
 * container-tty.h. */

#define SD_JOURNAL_SUPPRESS_LOCATION 1

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>

#include "bus-util.h"
#include "container-tty.h"
#include "container.h"
#include "fd-util.h"
#include "socket-util.h"
#include "log.h"
#include "manager.h"
#include "nyx-errors.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

/* A longer line goes to the journal in pieces of this size. */
#define CONSOLE_LINE_MAX 2048U

#define FDNAME_LISTEN "console-listen-"
#define FDNAME_MASTER "console-master-"
#define FDNAME_ATTACH "console-attach-"

static const char *const fdname_kinds[] = { FDNAME_LISTEN, FDNAME_MASTER, FDNAME_ATTACH };

typedef struct Console Console;
struct Console {
        Manager *manager;
        char *id;                  /* the container's */
        char *path;                /* the socket crun run --console-socket connects to */

        int listen_fd;
        int conn_fd;               /* crun's connection, until the master came */
        int master_fd;
        int lifeline_fd;           /* the attached (or waiting) client's */
        sd_event_source *listen_source;
        sd_event_source *conn_source;
        sd_event_source *master_source;
        sd_event_source *lifeline_source;
        sd_bus_message *pending_attach;    /* Attach with Wait, until a master comes */
        bool busy;                 /* counted in manager->n_busy */

        char line[CONSOLE_LINE_MAX];
        size_t n_line;

        Console *prev, *next;
};

static Console *consoles = NULL;
static sd_event_source *exit_source = NULL;

/* ---- the fd store -------------------------------------------------------------------------------- */

static void fdstore_add(const char *kind, const char *id, int fd) {
        _cleanup_free_ char *state = strjoin("FDSTORE=1\nFDNAME=", kind, id);

        /* Without systemd (or FileDescriptorStoreMax=0) this does nothing: a restart of nyxd then
         * hangs up the terminal, which is all that is lost. */
        if (state)
                (void) sd_pid_notify_with_fds(0, false, state, &fd, 1);
}

static void fdstore_remove(const char *kind, const char *id) {
        _cleanup_free_ char *state = strjoin("FDSTOREREMOVE=1\nFDNAME=", kind, id);

        if (state)
                (void) sd_pid_notify(0, false, state);
}

/* ---- the console object -------------------------------------------------------------------------- */

static Console *console_find(const char *id) {
        for (Console *con = consoles; con; con = con->next)
                if (streq(con->id, id))
                        return con;
        return NULL;
}

/* systemd may start the container again on its own (Restart=): crun then connects to the console
 * socket, which must still listen. */
static bool console_restart_expected(Console *con) {
        Container *c = manager_find_container(con->manager, con->id);

        if (!c || con->listen_fd < 0 || c->spec->restart.type == RESTART_POLICY_NO || !c->unit_state_known)
                return false;
        return !isempty(c->unit_state.active_state) && !streq(c->unit_state.active_state, "inactive") &&
                !streq(c->unit_state.active_state, "failed");
}

static void console_update_busy(Console *con) {
        bool busy = con->master_fd >= 0 || con->lifeline_fd >= 0 || con->pending_attach ||
                console_restart_expected(con);

        /* A master nobody reads would block the container: nyxd stays while it holds one, and while a
         * restart may come (an exit empties the fd store before systemd 254). */
        if (busy && !con->busy)
                con->manager->n_busy++;
        else if (!busy && con->busy)
                con->manager->n_busy--;
        con->busy = busy;
}

static void console_flush_line(Console *con) {
        Container *c;
        size_t n = con->n_line;

        if (n == 0)
                return;
        con->n_line = 0;
        c = manager_find_container(con->manager, con->id);
        if (!c)
                return;
        while (n > 0 && IN_SET(con->line[n - 1], '\r', '\n'))
                n--;
        (void) sd_journal_send("MESSAGE=%.*s", (int) n, con->line,
                               "PRIORITY=6",
                               "CONTAINER_NAME=%s", c->name,
                               "CONTAINER_ID=%.12s", c->id,
                               "CONTAINER_ID_FULL=%s", c->id,
                               "SYSLOG_IDENTIFIER=%s", c->spec->log_tag ?: c->name,
                               "OBJECT_SYSTEMD_UNIT=%s", c->unit,
                               NULL);
}

static void console_log(Console *con, const char *p, size_t n) {
        for (size_t i = 0; i < n; i++) {
                con->line[con->n_line++] = p[i];
                if (p[i] == '\n' || con->n_line >= sizeof(con->line))
                        console_flush_line(con);
        }
}

static void console_drop_master(Console *con) {
        console_flush_line(con);
        con->master_source = sd_event_source_disable_unref(con->master_source);
        if (con->master_fd >= 0) {
                con->master_fd = safe_close(con->master_fd);
                fdstore_remove(FDNAME_MASTER, con->id);
        }
        console_update_busy(con);
}

/* Read what the master has into the journal: > 0 when there was something, 0 when there is nothing
 * now, < 0 when the container's side is gone (the master is dropped then). */
static int console_read_master(Console *con) {
        char buf[8192];
        ssize_t n;

        n = read(con->master_fd, buf, sizeof(buf));
        if (n < 0 && IN_SET(errno, EAGAIN, EINTR))
                return 0;
        if (n <= 0) {
                console_drop_master(con);
                return -EIO;
        }
        console_log(con, buf, n);
        return 1;
}

static int on_master(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void) console_read_master(userdata);
        return 0;
}

/* What is left in the master, when nobody else reads it. */
static void console_drain_master(Console *con) {
        if (con->lifeline_fd >= 0 || con->pending_attach)
                return;
        while (con->master_fd >= 0 && console_read_master(con) > 0)
                ;
}

static int console_watch_master(Console *con) {
        if (con->master_fd < 0)
                return 0;
        if (con->master_source)
                return sd_event_source_set_enabled(con->master_source, SD_EVENT_ON);
        return sd_event_add_io(con->manager->event, &con->master_source, con->master_fd, EPOLLIN, on_master, con);
}

static void console_drop_lifeline(Console *con) {
        con->lifeline_source = sd_event_source_disable_unref(con->lifeline_source);
        if (con->lifeline_fd >= 0) {
                con->lifeline_fd = safe_close(con->lifeline_fd);
                fdstore_remove(FDNAME_ATTACH, con->id);
        }
        if (con->pending_attach) {
                (void) sd_bus_reply_method_errorf(con->pending_attach, SD_BUS_ERROR_FAILED,
                                                  "the attach was abandoned");
                con->pending_attach = sd_bus_message_unref(con->pending_attach);
        }
        /* Nobody reads the terminal now: nyxd does. */
        if (console_watch_master(con) < 0)
                console_drop_master(con);
        console_update_busy(con);
}

static int on_lifeline(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Console *con = userdata;
        char buf[64];

        /* Bytes from the client mean nothing; its end closing means it went. */
        if (!(revents & (EPOLLHUP | EPOLLERR)) && read(fd, buf, sizeof(buf)) != 0)
                return 0;
        console_drop_lifeline(con);
        return 0;
}

static bool fd_hung_up(int fd) {
        struct pollfd p = { .fd = fd, .events = POLLIN };

        return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR));
}

static Console *console_free(Console *con, bool forget) {
        if (!con)
                return NULL;
        if (con->prev)
                con->prev->next = con->next;
        else if (consoles == con)
                consoles = con->next;
        if (con->next)
                con->next->prev = con->prev;

        if (con->pending_attach) {
                (void) sd_bus_reply_method_errorf(con->pending_attach, NYX_ERROR_NOT_RUNNING,
                                                  forget ? "the container was removed" : "nyxd is shutting down");
                con->pending_attach = sd_bus_message_unref(con->pending_attach);
        }
        if (forget)
                console_flush_line(con);
        sd_event_source_disable_unref(con->listen_source);
        sd_event_source_disable_unref(con->conn_source);
        sd_event_source_disable_unref(con->master_source);
        sd_event_source_disable_unref(con->lifeline_source);
        safe_close(con->conn_fd);
        if (forget) {
                /* What is left in the store is systemd's copy; it goes too. */
                if (con->listen_fd >= 0)
                        fdstore_remove(FDNAME_LISTEN, con->id);
                if (con->master_fd >= 0)
                        fdstore_remove(FDNAME_MASTER, con->id);
                if (con->lifeline_fd >= 0)
                        fdstore_remove(FDNAME_ATTACH, con->id);
                if (con->path)
                        (void) unlink(con->path);
        }
        safe_close(con->listen_fd);
        safe_close(con->master_fd);
        safe_close(con->lifeline_fd);
        if (con->busy)
                con->manager->n_busy--;
        free(con->id);
        free(con->path);
        return mfree(con);
}

static int on_event_exit(sd_event_source *s, void *userdata) {
        /* nyxd stops: systemd's store keeps the terminals for the next one. */
        while (consoles)
                console_free(consoles, false);
        exit_source = sd_event_source_disable_unref(exit_source);
        return 0;
}

static int console_path(Manager *m, const char *id, char **ret) {
        _cleanup_free_ char *dir = path_join(m->run_dir, "console");
        char *p;

        if (!dir)
                return -ENOMEM;
        p = path_join(dir, id);
        if (!p)
                return -ENOMEM;
        if (strlen(p) >= sizeof(((struct sockaddr_un) {}).sun_path)) {
                free(p);
                return -ENAMETOOLONG;
        }
        *ret = p;
        return 0;
}

static int console_get(Manager *m, const char *id, Console **ret) {
        Console *con = console_find(id);
        int r;

        if (con) {
                *ret = con;
                return 0;
        }
        con = calloc(1, sizeof(Console));
        if (!con)
                return -ENOMEM;
        con->manager = m;
        con->listen_fd = con->conn_fd = con->master_fd = con->lifeline_fd = -EBADF;
        con->id = strdup(id);
        if (!con->id) {
                free(con);
                return -ENOMEM;
        }
        r = console_path(m, id, &con->path);
        if (r < 0) {
                free(con->id);
                free(con);
                return r;
        }
        if (!exit_source) {
                r = sd_event_add_exit(m->event, &exit_source, on_event_exit, NULL);
                if (r >= 0)
                        (void) sd_event_source_set_priority(exit_source, SD_EVENT_PRIORITY_IMPORTANT);
        }
        con->next = consoles;
        if (consoles)
                consoles->prev = con;
        consoles = con;
        *ret = con;
        return 0;
}

/* ---- crun's connection ----------------------------------------------------------------------------- */

static void console_set_master(Console *con, int fd) {
        /* A new run of the container: the last one's terminal is over. */
        console_drain_master(con);
        if (con->master_fd >= 0)
                console_drop_master(con);
        con->master_fd = fd;
        (void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        fdstore_add(FDNAME_MASTER, con->id, fd);

        if (con->pending_attach) {
                (void) sd_bus_reply_method_return(con->pending_attach, "h", fd);
                con->pending_attach = sd_bus_message_unref(con->pending_attach);
        } else if (con->lifeline_fd < 0 && console_watch_master(con) < 0)
                log_warning("Cannot read the terminal of container %s: its output is lost.", con->id);
        console_update_busy(con);
}

static int on_conn(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Console *con = userdata;
        int master;

        master = receive_one_fd(fd);
        if (master == -EAGAIN)
                return 0;
        con->conn_source = sd_event_source_disable_unref(con->conn_source);
        con->conn_fd = safe_close(con->conn_fd);
        if (master < 0) {
                log_warning_errno(master, "crun connected to the console socket of %s but sent no terminal: %m",
                                  con->id);
                return 0;
        }
        console_set_master(con, master);
        return 0;
}

static int on_listen(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Console *con = userdata;
        int conn, r;

        conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (conn < 0)
                return 0;
        con->conn_source = sd_event_source_disable_unref(con->conn_source);
        safe_close(con->conn_fd);
        con->conn_fd = conn;
        r = sd_event_add_io(con->manager->event, &con->conn_source, conn, EPOLLIN, on_conn, con);
        if (r < 0) {
                log_warning_errno(r, "Cannot watch the console connection of %s: %m", con->id);
                con->conn_fd = safe_close(con->conn_fd);
        }
        return 0;
}

static int console_listen(Console *con) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int r;

        dir = path_join(con->manager->run_dir, "console");
        if (!dir)
                return -ENOMEM;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        strncpy(sa.sun_path, con->path, sizeof(sa.sun_path) - 1);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void) unlink(con->path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)
                return -errno;
        r = sd_event_add_io(con->manager->event, &con->listen_source, fd, EPOLLIN, on_listen, con);
        if (r < 0)
                return r;
        con->listen_fd = TAKE_FD(fd);
        /* A unit that systemd restarts while nyxd is gone connects to it; the store keeps it. */
        fdstore_add(FDNAME_LISTEN, con->id, con->listen_fd);
        return 0;
}

/* ---- what container.c calls -------------------------------------------------------------------------- */

int container_console_prepare(Container *c) {
        Console *con;
        int r;

        r = console_get(c->manager, c->id, &con);
        if (r < 0)
                return r;
        if (con->listen_fd >= 0)
                return 0;
        return console_listen(con);
}

const char *container_console_socket(const Container *c) {
        Console *con = console_find(c->id);

        return con && con->listen_fd >= 0 ? con->path : NULL;
}

int container_console_run_argv(const Container *c, char * const *run, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *path;
        size_t n = strv_length((char **) run);

        if (!c->spec->tty) {
                *ret = NULL;
                return 0;
        }
        path = container_console_socket(c);
        if (!path || n == 0)
                return -ENOTCONN;
        l = strv_copy((char **) run);
        if (!l)
                return -ENOMEM;
        free(l[n - 1]);
        l[n - 1] = strjoin("--console-socket=", path);
        if (!l[n - 1] || strv_extend(&l, run[n - 1]) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

void container_console_refresh(Container *c) {
        Console *con = console_find(c->id);

        if (!con)
                return;
        if (con->master_fd >= 0 && !container_is_active(c) && fd_hung_up(con->master_fd)) {
                /* The container is gone and so is its side of the terminal: take its last words, then
                 * let go. An attached client still reads its own copy. */
                console_drain_master(con);
                if (con->master_fd >= 0)
                        console_drop_master(con);
        }
        console_update_busy(con);
}

void container_console_forget(Container *c) {
        console_free(console_find(c->id), true);
}

int manager_restore_consoles(Manager *m) {
        _cleanup_strv_free_ char **names = NULL;
        int n;

        n = sd_listen_fds_with_names(true, &names);
        if (n <= 0)
                return n;

        for (int i = 0; i < n; i++) {
                int fd = SD_LISTEN_FDS_START + i;
                const char *name = names ? names[i] : NULL, *id = NULL, *kind = NULL;
                Container *c;
                Console *con;
                int r;

                for (size_t k = 0; name && !kind && k < ELEMENTSOF(fdname_kinds); k++)
                        if ((id = startswith(name, fdname_kinds[k])))
                                kind = fdname_kinds[k];
                if (!kind)
                        continue;   /* not ours */

                c = manager_find_container(m, id);
                if (!c || !streq(c->id, id) || !c->spec->tty || console_get(m, id, &con) < 0) {
                        safe_close(fd);
                        fdstore_remove(kind, id);
                        continue;
                }
                (void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

                if (streq(kind, FDNAME_LISTEN) && con->listen_fd < 0) {
                        r = sd_event_add_io(m->event, &con->listen_source, fd, EPOLLIN, on_listen, con);
                        if (r < 0) {
                                safe_close(fd);
                                fdstore_remove(kind, id);
                                continue;
                        }
                        con->listen_fd = fd;
                } else if (streq(kind, FDNAME_MASTER) && con->master_fd < 0)
                        con->master_fd = fd;
                else if (streq(kind, FDNAME_ATTACH) && con->lifeline_fd < 0) {
                        r = sd_event_add_io(m->event, &con->lifeline_source, fd, EPOLLIN, on_lifeline, con);
                        if (r < 0) {
                                safe_close(fd);
                                fdstore_remove(kind, id);
                                continue;
                        }
                        con->lifeline_fd = fd;
                } else
                        safe_close(fd);   /* a duplicate */
        }

        for (Console *con = consoles; con; con = con->next) {
                if (con->master_fd >= 0 && con->lifeline_fd < 0 && console_watch_master(con) < 0)
                        console_drop_master(con);
                console_update_busy(con);
                log_info("Took back the terminal of container %.12s from the fd store%s.", con->id,
                         con->lifeline_fd >= 0 ? " (a client is attached)" : "");
        }
        for (size_t i = 0; i < m->n_containers; i++)
                container_console_refresh(m->containers[i]);
        return 0;
}

int property_container_terminal(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        return sd_bus_message_append(reply, "b", (int) c->spec->tty);
}

/* ---- Attach -------------------------------------------------------------------------------------------- */

int method_container_attach(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        _cleanup_close_ int lifeline = -EBADF;
        bool wait = false;
        Console *con;
        int fd, r;

        r = sd_bus_message_read(msg, "h", &fd);
        if (r < 0)
                return r;
        r = bus_read_bool_option(msg, "Wait", &wait);
        if (r < 0)
                return r;
        if (!c->spec->tty)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                         "container %s has no terminal to attach to (it was created without -t); its output: nyxctl logs -f %s",
                                         c->name, c->name);

        (void) container_refresh(c);
        con = console_find(c->id);
        if (con && con->lifeline_fd >= 0 && fd_hung_up(con->lifeline_fd))
                console_drop_lifeline(con);   /* the last client went and we did not notice yet */
        if (con && con->lifeline_fd >= 0)
                return sd_bus_error_setf(error, NYX_ERROR_IN_USE,
                                         "another session is attached to %s's terminal: detach it first (ctrl-p ctrl-q)",
                                         c->name);
        if (!wait && !container_is_active(c))
                return sd_bus_error_setf(error, NYX_ERROR_NOT_RUNNING,
                                         "container %s is not running (start it attached: nyxctl start -a -i %s)",
                                         c->name, c->name);
        if (!con || con->master_fd < 0 || !container_is_active(c)) {
                if (!wait && !con)
                        return sd_bus_error_setf(error, NYX_ERROR_NOT_RUNNING,
                                                 "container %s has no terminal (restart it to get one)", c->name);
                /* Starting: the terminal comes once crun runs. */
                if (!con) {
                        r = console_get(c->manager, c->id, &con);
                        if (r < 0)
                                return r;
                }
        }

        lifeline = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (lifeline < 0)
                return -errno;
        r = sd_event_add_io(c->manager->event, &con->lifeline_source, lifeline, EPOLLIN, on_lifeline, con);
        if (r < 0)
                return r;
        con->lifeline_fd = TAKE_FD(lifeline);
        fdstore_add(FDNAME_ATTACH, con->id, con->lifeline_fd);

        if (con->master_fd >= 0 && container_is_active(c) && !fd_hung_up(con->master_fd)) {
                /* The client reads from now on; what nyxd had of a line goes to the journal. */
                console_flush_line(con);
                if (con->master_source)
                        (void) sd_event_source_set_enabled(con->master_source, SD_EVENT_OFF);
                console_update_busy(con);
                return sd_bus_reply_method_return(msg, "h", con->master_fd);
        }
        con->pending_attach = sd_bus_message_ref(msg);
        console_update_busy(con);
        return 1;
}
