/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nyxctl attach, and the terminal session of run -t and start -a: Container.Attach gives us the pty
 * master of the container's terminal (nyxd keeps it in systemd's fd store), Container.Wait its exit
 * status. We hold the master ourselves, so a session goes on while nyxd restarts; the calls that were
 * pending then (Attach, Wait) are made again, which starts nyxd again. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "bus-util.h"
#include "detach-keys.h"
#include "fd-util.h"
#include "journal-logs.h"
#include "log.h"
#include "nyx-errors.h"
#include "nyxctl-attach.h"
#include "nyxctl-tty.h"
#include "nyxctl.h"
#include "parse-util.h"
#include "string-util.h"

#define EXIT_NYX_FAILED 125
/* How often a call is made again after nyxd went away in the middle of it. */
#define RETRIES_MAX 10U

typedef struct Session {
        sd_bus *bus;
        sd_event *event;
        const char *path;
        const char *name;
        const AttachOptions *options;

        TTYRelay tty;
        int lifeline_r;            /* what nyxd watches: it hangs up when we go */
        int lifeline_w;

        bool attached;             /* we hold the master */
        bool exited;               /* Wait answered */
        bool failed;
        int exit_code;
        unsigned attach_tries;
        unsigned wait_tries;
        bool start_done;
        char *start_error;
        sd_event_source *start_timeout;
} Session;

void attach_options_default_keys(AttachOptions *o) {
        o->detach_keys[0] = 0x10;   /* ctrl-p */
        o->detach_keys[1] = 0x11;   /* ctrl-q */
        o->n_detach_keys = 2;
}

static bool error_is_nyxd_gone(const sd_bus_error *e) {
        /* nyxd died during the call (NoReply, or the bus saw it go). */
        return sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_DISCONNECTED,
                                      SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
}

static void session_finish(Session *s) {
        (void) sd_event_exit(s->event, 0);
}

/* The command could not be run (126/127): the runtime said why on the unit's output stream, which
 * is in the journal, not on the terminal. */
static void print_start_failure(const LogSource *src, uint64_t since_usec) {
        LogOptions log = { .tail = UINT64_MAX, .since_usec = since_usec };
        sd_journal *j = NULL;

        if (container_journal_open(src, &log, false, &j) < 0)
                return;
        (void) container_journal_print_available(j, src, &log, stderr);
        sd_journal_close(j);
}

static int call_attach(Session *s);
static int call_wait(Session *s, bool next_exit);

static int on_attach_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Session *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int fd, r;

        if (s->attached)
                return 0;
        if (e) {
                if (error_is_nyxd_gone(e) && ++s->attach_tries < RETRIES_MAX && call_attach(s) >= 0)
                        return 0;
                if (s->exited)
                        return 0;   /* ended before it had a terminal: its status says enough */
                log_error("%s", bus_error_human(e, sd_bus_message_get_errno(reply)));
                s->failed = true;
                session_finish(s);
                return 0;
        }
        r = sd_bus_message_read(reply, "h", &fd);
        if (r >= 0) {
                fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                r = fd < 0 ? -errno : tty_relay_start(&s->tty, s->event, fd);
        }
        if (r < 0) {
                log_error_errno(r, "Cannot take the terminal of %s: %m", s->name);
                s->failed = true;
                session_finish(s);
                return 0;
        }
        s->attached = true;
        return 0;
}

static int call_attach(Session *s) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(s->bus, &m, NYX_BUS_NAME, s->path, NYX_BUS_IFACE_CONTAINER, "Attach");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "ha{sv}", s->lifeline_r, 1, "Wait", "b", (int) s->options->start);
        if (r < 0)
                return r;
        /* No timeout: with Wait the reply comes when the container's terminal does. */
        return sd_bus_call_async(s->bus, NULL, m, on_attach_reply, s, UINT64_MAX);
}

static int on_wait_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Session *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int32_t code;

        if (e) {
                /* This run has started by now: wait for its end, not the next one's. */
                if (error_is_nyxd_gone(e) && ++s->wait_tries < RETRIES_MAX && call_wait(s, false) >= 0)
                        return 0;
                log_error("%s", bus_error_human(e, sd_bus_message_get_errno(reply)));
                s->failed = true;
        } else if (sd_bus_message_read(reply, "i", &code) < 0) {
                log_error("Bad reply from nyxd");
                s->failed = true;
        } else {
                s->exited = true;
                s->exit_code = code < 0 ? EXIT_NYX_FAILED : code;
        }
        session_finish(s);
        return 0;
}

static int call_wait(Session *s, bool next_exit) {
        /* No timeout: the reply comes when the container exited. */
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(s->bus, &m, NYX_BUS_NAME, s->path, NYX_BUS_IFACE_CONTAINER, "Wait");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "a{sv}", 1, "NextExit", "b", (int) next_exit);
        if (r < 0)
                return r;
        return sd_bus_call_async(s->bus, NULL, m, on_wait_reply, s, UINT64_MAX);
}

static int on_start_timeout(sd_event_source *es, uint64_t usec, void *userdata) {
        Session *s = userdata;

        /* The start failed and no exit status came: say why it failed. */
        log_error("%s", s->start_error);
        s->failed = true;
        session_finish(s);
        return 0;
}

static int on_start_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Session *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        s->start_done = true;
        if (!e)
                return 0;
        /* A command that cannot run still ends with an exit status (126/127), which the pending Wait
         * receives; wait a little for it. */
        s->start_error = strdup(bus_error_human(e, sd_bus_message_get_errno(reply)));
        if (!s->start_error ||
            sd_event_add_time_relative(s->event, &s->start_timeout, CLOCK_MONOTONIC, 5 * 1000000, 0,
                                       on_start_timeout, s) < 0) {
                log_error("%s", s->start_error ?: "Cannot start the container");
                s->failed = true;
                session_finish(s);
        }
        return 0;
}

static void on_master_end(TTYRelay *t, void *userdata) {
        /* The container's side of the terminal is gone: its exit status follows from Wait. */
}

static void on_detach(TTYRelay *t, void *userdata) {
        session_finish(userdata);
}

static int on_signal(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata) {
        Session *s = userdata;

        if (s->options->sig_proxy) {
                /* The container gets it; we stay until it exits. */
                (void) sd_bus_call_method_async(s->bus, NULL, NYX_BUS_NAME, s->path, NYX_BUS_IFACE_CONTAINER,
                                                "Kill", NULL, NULL, "ia{sv}", (int32_t) si->ssi_signo, 0);
                return 0;
        }
        /* Not ours to pass on: we go, the container stays (and our terminal gets its mode back). */
        s->exit_code = 128 + (int) si->ssi_signo;
        s->failed = true;
        session_finish(s);
        return 0;
}

int container_attach_terminal(sd_bus *bus, const char *path, const char *name, const AttachOptions *o) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        Session s = {
                .bus = bus,
                .path = path,
                .name = name,
                .options = o,
                .tty = TTY_RELAY_INIT,
                .lifeline_r = -EBADF,
                .lifeline_w = -EBADF,
                .exit_code = EXIT_NYX_FAILED,
        };
        static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
        _cleanup_free_ char *log_id = NULL, *log_ident = NULL;
        LogSource log_src = {};
        struct timespec now;
        uint64_t since_usec = 0;
        sigset_t mask;
        int p[2], r, ret;

        if (o->start) {
                _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
                int tty = 0;

                /* Before starting it: a container without a terminal has nothing to attach to. */
                r = sd_bus_get_property_trivial(bus, NYX_BUS_NAME, path, NYX_BUS_IFACE_CONTAINER, "Terminal",
                                                &error, 'b', &tty);
                if (r < 0)
                        return nyxctl_log_bus_error(&error, r, NULL), EXIT_NYX_FAILED;
                if (!tty) {
                        log_error("container %s was created without -t: there is no terminal to attach to (nyxctl start %s; nyxctl logs -f %s)",
                                  name, name, name);
                        return EXIT_NYX_FAILED;
                }
                /* Now: a --rm container is gone when we would need it. */
                if (container_log_source(bus, path, &log_src, &log_id, &log_ident) < 0)
                        return EXIT_NYX_FAILED;
        }

        if (pipe2(p, O_CLOEXEC) < 0)
                return log_error_errno(errno, "Cannot make a pipe: %m"), EXIT_NYX_FAILED;
        s.lifeline_r = p[0];
        s.lifeline_w = p[1];

        r = sd_event_new(&event);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, 0);
        if (r < 0) {
                log_error_errno(r, "Cannot set up an event loop: %m");
                goto finish;
        }
        s.event = event;
        s.tty.forward_stdin = o->forward_stdin;
        s.tty.on_master_end = on_master_end;
        s.tty.on_detach = on_detach;
        s.tty.userdata = &s;
        memcpy(s.tty.detach_keys, o->detach_keys, MIN(o->n_detach_keys, sizeof(s.tty.detach_keys)));
        s.tty.n_detach_keys = MIN(o->n_detach_keys, sizeof(s.tty.detach_keys));

        sigemptyset(&mask);
        for (size_t i = 0; i < ELEMENTSOF(signals); i++)
                sigaddset(&mask, signals[i]);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        for (size_t i = 0; i < ELEMENTSOF(signals); i++)
                (void) sd_event_add_signal(event, NULL, signals[i], on_signal, &s);

        clock_gettime(CLOCK_REALTIME, &now);
        since_usec = (uint64_t) now.tv_sec * 1000000 + (uint64_t) now.tv_nsec / 1000;

        /* Attach and Wait first: the terminal of the run about to start, and its end. */
        r = call_attach(&s);
        if (r >= 0)
                r = call_wait(&s, o->start);
        if (r >= 0 && o->start)
                r = sd_bus_call_method_async(bus, NULL, NYX_BUS_NAME, path, NYX_BUS_IFACE_CONTAINER, "Start",
                                             on_start_reply, &s, "a{sv}", 0);
        if (r < 0) {
                log_error_errno(r, "Cannot call nyxd: %m");
                goto finish;
        }

        r = sd_event_loop(event);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");

finish:
        if (s.exited)
                tty_relay_drain(&s.tty);   /* what the container wrote last */
        tty_relay_done(&s.tty);
        safe_close(s.lifeline_w);
        safe_close(s.lifeline_r);
        sd_event_source_disable_unref(s.start_timeout);
        free(s.start_error);
        if (event)
                (void) sd_bus_detach_event(bus);
        if (o->start && s.exited && IN_SET(s.exit_code, 126, 127))
                print_start_failure(&log_src, since_usec);

        if (s.tty.detached)
                ret = 0;
        else if (s.exited || (s.failed && s.exit_code != EXIT_NYX_FAILED))
                ret = s.exit_code;
        else
                ret = EXIT_NYX_FAILED;
        return ret;
}

/* ---- nyxctl attach ----------------------------------------------------------------------------------- */

static void attach_help(void) {
        printf("nyxctl attach [OPTIONS] CONTAINER\n\n"
               "Attach to the terminal of a running container created with -t.\n\n"
               "     --detach-keys KEYS       Detach with this sequence (default ctrl-p,ctrl-q; \"\": never)\n"
               "     --no-stdin               Only show the output; do not send our input\n"
               "     --sig-proxy[=BOOL]       Pass SIGINT, SIGTERM, SIGHUP, SIGQUIT to the container\n"
               "                              (default true)\n"
               "     --help                   Show this help\n\n"
               "Exit status: the container's when it exits; 0 after detaching; 125 when nyx failed.\n");
}

int verb_attach(int argc, char *argv[], void *userdata) {
        enum { ARG_DETACH_KEYS = 0x100, ARG_NO_STDIN, ARG_SIG_PROXY, ARG_HELP };
        static const struct option options[] = {
                { "detach-keys", required_argument, NULL, ARG_DETACH_KEYS },
                { "no-stdin",    no_argument,       NULL, ARG_NO_STDIN    },
                { "sig-proxy",   optional_argument, NULL, ARG_SIG_PROXY   },
                { "help",        no_argument,       NULL, ARG_HELP        },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *path = NULL, *reason = NULL;
        AttachOptions o = { .forward_stdin = true, .sig_proxy = true };
        int c, r;

        attach_options_default_keys(&o);
        verb_getopt_reset();
        while ((c = verb_getopt("attach", argc, argv, ":", options)) >= 0)
                switch (c) {
                case ARG_HELP:
                        attach_help();
                        return 0;
                case ARG_DETACH_KEYS:
                        r = detach_keys_parse(optarg, o.detach_keys, sizeof(o.detach_keys), &o.n_detach_keys,
                                                  &reason);
                        if (r < 0) {
                                log_error("attach: %s", reason ?: "invalid --detach-keys");
                                return EXIT_NYX_FAILED;
                        }
                        break;
                case ARG_NO_STDIN:
                        o.forward_stdin = false;
                        break;
                case ARG_SIG_PROXY:
                        r = optarg ? parse_boolean(optarg) : 1;
                        if (r < 0) {
                                log_error("attach: --sig-proxy=%s: expected true or false", optarg);
                                return EXIT_NYX_FAILED;
                        }
                        o.sig_proxy = r;
                        break;
                default:
                        return EXIT_NYX_FAILED;
                }
        if (verb_check_args("nyxctl", "attach", argc - optind, argv + optind, 1, 1) < 0)
                return EXIT_NYX_FAILED;

        r = nyxctl_bus(&bus);
        if (r < 0)
                return EXIT_NYX_FAILED;
        r = container_lookup(bus, argv[optind], &path);
        if (r < 0)
                return EXIT_NYX_FAILED;
        return container_attach_terminal(bus, path, argv[optind], &o);
}
