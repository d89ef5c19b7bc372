/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nyxctl exec: run a command in a running container through nyxd's Container.Exec (our own stdio
 * fds go to the command) or Container.ExecTTY (-t: nyxd hands us the master of a pty allocated in the
 * container, which we relay to our terminal: nyxctl-tty.c). Exit status: the command's; 126/127 when
 * it cannot be run; 125 when nyx itself failed. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "bus-util.h"
#include "container-spec.h"
#include "fd-util.h"
#include "fileio.h"
#include "log.h"
#include "nyx-errors.h"
#include "nyxctl.h"
#include "nyxctl-tty.h"
#include "string-util.h"
#include "strv.h"

#define EXIT_NYX_FAILED 125

typedef struct ExecArgs {
        bool interactive;
        bool tty;
        bool detach;
        bool privileged;
        char **env;
        char *working_dir;
        char *user;
} ExecArgs;

static void exec_args_done(ExecArgs *a) {
        strv_free(a->env);
        free(a->working_dir);
        free(a->user);
}

static void exec_help(void) {
        printf("nyxctl exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\n"
               "Run a command in a running container (crun exec: its namespaces, cgroup, capabilities).\n\n"
               "  -i --interactive            Connect stdin (otherwise the command reads /dev/null)\n"
               "  -t --tty                    Allocate a pseudo-terminal in the container\n"
               "  -d --detach                 Start it in the background; its output goes to the\n"
               "                              container's log (nyxctl logs)\n"
               "  -e --env KEY[=VALUE]        Set an environment variable (KEY alone: the caller's)\n"
               "     --env-file FILE          Read variables from FILE\n"
               "  -w --workdir DIR            Working directory (default: the container's)\n"
               "  -u --user USER[:GROUP]      User to run as (names from the container's /etc/passwd)\n"
               "     --privileged             Give the command every capability\n"
               "     --help                   Show this help\n\n"
               "Exit status: the command's; 126 when it cannot be executed, 127 when it does not exist,\n"
               "125 when nyx failed.\n");
}

static int add_env(ExecArgs *a, const char *e) {
        _cleanup_free_ char *entry = NULL, *reason = NULL;
        int r;

        if (!strchr(e, '=')) {
                const char *v = getenv(e);
                entry = v ? strjoin(e, "=", v) : strdup(e);
        } else
                entry = strdup(e);
        if (!entry)
                return log_oom();
        r = env_entry_validate(entry, &reason);
        if (r < 0) {
                log_error("exec: %s", reason ?: "invalid --env");
                return -EINVAL;
        }
        return strv_consume(&a->env, TAKE_PTR(entry)) < 0 ? log_oom() : 0;
}

static int add_env_file(ExecArgs *a, const char *path) {
        _cleanup_free_ char *text = NULL;
        char *line, *save = NULL;
        int r;

        r = read_full_file(path, 16 * 1024 * 1024, &text, NULL);
        if (r < 0)
                return log_error_errno(r, "exec: cannot read --env-file %s: %m", path);
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                line += strspn(line, " \t");
                if (*line == 0 || *line == '#')
                        continue;
                line[strcspn(line, "\r")] = 0;
                r = add_env(a, line);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_exec_argv(int argc, char *argv[], ExecArgs *a) {
        enum { ARG_ENV_FILE = 0x100, ARG_PRIVILEGED, ARG_HELP };
        static const struct option options[] = {
                { "interactive", no_argument,       NULL, 'i'            },
                { "tty",         no_argument,       NULL, 't'            },
                { "detach",      no_argument,       NULL, 'd'            },
                { "env",         required_argument, NULL, 'e'            },
                { "env-file",    required_argument, NULL, ARG_ENV_FILE   },
                { "workdir",     required_argument, NULL, 'w'            },
                { "user",        required_argument, NULL, 'u'            },
                { "privileged",  no_argument,       NULL, ARG_PRIVILEGED },
                { "help",        no_argument,       NULL, ARG_HELP       },
                {}
        };
        _cleanup_free_ char *reason = NULL;
        int c, r;

        verb_getopt_reset();
        /* "+": options end at the container's name; what follows is the command's. */
        while ((c = verb_getopt("exec", argc, argv, "+:itde:w:u:", options)) >= 0)
                switch (c) {
                case ARG_HELP:
                        exec_help();
                        return 0;
                case 'i':
                        a->interactive = true;
                        break;
                case 't':
                        a->tty = true;
                        break;
                case 'd':
                        a->detach = true;
                        break;
                case 'e':
                        r = add_env(a, optarg);
                        if (r < 0)
                                return r;
                        break;
                case ARG_ENV_FILE:
                        r = add_env_file(a, optarg);
                        if (r < 0)
                                return r;
                        break;
                case 'w':
                        r = working_dir_validate(optarg, &reason);
                        if (r < 0) {
                                log_error("exec: --workdir %s: %s", optarg, reason ?: "invalid directory");
                                return -EINVAL;
                        }
                        if (free_and_strdup(&a->working_dir, optarg) < 0)
                                return log_oom();
                        break;
                case 'u':
                        if (isempty(optarg)) {
                                log_error("exec: --user needs a user name or ID");
                                return -EINVAL;
                        }
                        if (free_and_strdup(&a->user, optarg) < 0)
                                return log_oom();
                        break;
                case ARG_PRIVILEGED:
                        a->privileged = true;
                        break;
                default:
                        return -EINVAL;
                }

        if (argc - optind < 2) {
                log_error("exec: %s. See 'nyxctl exec --help'.",
                          argc - optind < 1 ? "no container given" : "no command given");
                return -EINVAL;
        }
        if (a->detach && a->tty) {
                log_error("exec: -d and -t exclude each other (a detached command has no terminal to attach to)");
                return -EINVAL;
        }
        return 1;
}

static int append_options(sd_bus_message *m, const ExecArgs *a, const char *id, const struct winsize *ws) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        if ((r = bus_append_sv_string(m, "Id", id)) < 0)
                return r;
        if (a->env && (r = bus_append_sv_strv(m, "Env", a->env)) < 0)
                return r;
        if (a->working_dir && (r = bus_append_sv_string(m, "WorkingDir", a->working_dir)) < 0)
                return r;
        if (a->user && (r = bus_append_sv_string(m, "User", a->user)) < 0)
                return r;
        if (a->privileged && (r = bus_append_sv_bool(m, "Privileged", true)) < 0)
                return r;
        if (a->detach && (r = bus_append_sv_bool(m, "Detach", true)) < 0)
                return r;
        if (ws && ws->ws_row > 0 && ws->ws_col > 0 &&
            ((r = bus_append_sv_uint32(m, "Rows", ws->ws_row)) < 0 ||
             (r = bus_append_sv_uint32(m, "Columns", ws->ws_col)) < 0))
                return r;
        return sd_bus_message_close_container(m);
}

typedef struct ExecSession {
        sd_bus *bus;
        sd_event *event;
        const char *path;
        const char *id;
        int exit_code;

        /* -t */
        int console_fd;            /* our end of the console socket */
        sd_event_source *console_source;
        TTYRelay tty;
        char *late_error;          /* nyxd died or stopped: relay until the terminal ends, then say this */
} ExecSession;

static int on_exec_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ExecSession *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int32_t code;

        if (e) {
                const char *msg = sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY) ?
                        "nyxd went away while the command ran; its exit status is unknown" :
                        bus_error_human(e, sd_bus_message_get_errno(reply));

                s->exit_code = EXIT_NYX_FAILED;
                if (s->tty.master_source && !s->late_error) {
                        /* The command lives on in the container and we hold its terminal: stay with it. */
                        s->late_error = strdup(msg);
                        if (s->late_error)
                                return 0;
                }
                log_error("%s", msg);
        } else if (sd_bus_message_read(reply, "i", &code) < 0) {
                log_error("Bad reply from nyxd");
                s->exit_code = EXIT_NYX_FAILED;
        } else
                s->exit_code = code;
        return sd_event_exit(s->event, 0);
}

static int on_signal(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata) {
        ExecSession *s = userdata;

        /* The command gets the signal; we keep waiting for it to exit. */
        (void) sd_bus_call_method_async(s->bus, NULL, NYX_BUS_NAME, s->path, NYX_BUS_IFACE_CONTAINER, "KillExec",
                                        NULL, NULL, "si", s->id, (int32_t) si->ssi_signo);
        return 0;
}

static void on_master_end(TTYRelay *t, void *userdata) {
        ExecSession *s = userdata;

        /* nyxd is gone and the terminal ended: that is all we will learn. */
        if (s->late_error)
                (void) sd_event_exit(s->event, 0);
}

static int start_relay(ExecSession *s) {
        int fd;

        fd = tty_receive_fd(s->console_fd);
        if (fd == -EAGAIN)
                return 0;
        s->console_source = sd_event_source_disable_unref(s->console_source);
        if (fd < 0)
                return fd;
        return tty_relay_start(&s->tty, s->event, fd);
}

static int on_console(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        ExecSession *s = userdata;
        int r;

        r = start_relay(s);
        /* Closed without a terminal: nyxd refused or the command could not start; its reply says why. */
        if (r < 0 && r != -ECONNRESET)
                log_error_errno(r, "Cannot receive the container's terminal: %m");
        return 0;
}

static void exec_session_done(ExecSession *s) {
        sd_event_source_disable_unref(s->console_source);
        tty_relay_done(&s->tty);
        safe_close(s->console_fd);
        sd_event_unref(s->event);
        free(s->late_error);
}

static int open_null(int flags) {
        int fd = open("/dev/null", flags | O_CLOEXEC);
        return fd < 0 ? log_error_errno(errno, "Cannot open /dev/null: %m") : fd;
}

int verb_exec(int argc, char *argv[], void *userdata) {
        _cleanup_(exec_args_done) ExecArgs a = {};
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_(exec_session_done) ExecSession s = { .console_fd = -EBADF, .tty = TTY_RELAY_INIT,
                                                       .exit_code = EXIT_NYX_FAILED };
        _cleanup_close_ int null_in = -EBADF, null_out = -EBADF, peer = -EBADF;
        _cleanup_free_ char *path = NULL, *id = NULL;
        struct winsize ws = {};
        uint8_t rnd[8];
        sigset_t mask;
        int r;

        r = parse_exec_argv(argc, argv, &a);
        if (r <= 0)
                return r < 0 ? EXIT_NYX_FAILED : 0;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return EXIT_NYX_FAILED;
        r = container_lookup(bus, argv[optind], &path);
        if (r < 0)
                return EXIT_NYX_FAILED;

        /* Names this exec for KillExec. */
        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t) sizeof(rnd))
                return log_error_errno(EIO, "Cannot get random bytes: %m"), EXIT_NYX_FAILED;
        id = hexmem(rnd, sizeof(rnd));
        if (!id)
                return log_oom(), EXIT_NYX_FAILED;

        r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, path, NYX_BUS_IFACE_CONTAINER,
                                           a.tty ? "ExecTTY" : "Exec");
        if (r < 0)
                return log_oom(), EXIT_NYX_FAILED;
        r = sd_bus_message_append_strv(call, argv + optind + 1);
        if (r >= 0 && a.tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
                (void) ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
        if (r >= 0)
                r = append_options(call, &a, id, a.tty ? &ws : NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot build the request: %m"), EXIT_NYX_FAILED;

        if (a.tty) {
                int sv[2];

                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                        return log_error_errno(errno, "Cannot make a console socket: %m"), EXIT_NYX_FAILED;
                s.console_fd = sv[0];
                peer = sv[1];
                r = sd_bus_message_append(call, "h", peer);
        } else {
                int in = STDIN_FILENO, out = STDOUT_FILENO, err = STDERR_FILENO;

                if (!a.interactive) {
                        null_in = open_null(O_RDONLY);
                        if (null_in < 0)
                                return EXIT_NYX_FAILED;
                        in = null_in;
                }
                if (a.detach) {
                        /* nyxd puts a detached command's output into the container's log. */
                        null_out = open_null(O_WRONLY);
                        if (null_out < 0)
                                return EXIT_NYX_FAILED;
                        out = err = null_out;
                }
                r = sd_bus_message_append(call, "hhh", in, out, err);
        }
        if (r < 0)
                return log_error_errno(r, "Cannot pass file descriptors to nyxd: %m"), EXIT_NYX_FAILED;
        /* The message holds its own duplicates. */
        null_in = safe_close(null_in);
        null_out = safe_close(null_out);
        peer = safe_close(peer);

        r = sd_event_new(&s.event);
        if (r >= 0)
                r = sd_bus_attach_event(bus, s.event, 0);
        if (r < 0)
                return log_error_errno(r, "Cannot set up an event loop: %m"), EXIT_NYX_FAILED;
        s.bus = bus;
        s.path = path;
        s.id = id;
        s.tty.forward_stdin = a.interactive;
        s.tty.on_master_end = on_master_end;
        s.tty.userdata = &s;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGQUIT);
        sigaddset(&mask, SIGWINCH);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if (!a.detach) {
                (void) sd_event_add_signal(s.event, NULL, SIGINT, on_signal, &s);
                (void) sd_event_add_signal(s.event, NULL, SIGTERM, on_signal, &s);
                (void) sd_event_add_signal(s.event, NULL, SIGHUP, on_signal, &s);
                (void) sd_event_add_signal(s.event, NULL, SIGQUIT, on_signal, &s);
        }
        if (a.tty) {
                r = sd_event_add_io(s.event, &s.console_source, s.console_fd, EPOLLIN, on_console, &s);
                if (r < 0)
                        return log_error_errno(r, "Cannot set up an event loop: %m"), EXIT_NYX_FAILED;
        }

        /* No bus timeout: the reply comes when the command exited. */
        r = sd_bus_call_async(bus, NULL, call, on_exec_reply, &s, UINT64_MAX);
        if (r < 0)
                return log_error_errno(r, "Cannot call nyxd: %m"), EXIT_NYX_FAILED;
        r = sd_bus_flush(bus);
        if (r < 0)
                return log_error_errno(r, "Cannot call nyxd: %m"), EXIT_NYX_FAILED;
        /* Drop our copies of the fds we passed: the command must be their only other user. */
        call = sd_bus_message_unref(call);

        r = sd_event_loop(s.event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m"), EXIT_NYX_FAILED;

        if (a.tty) {
                /* nyxd sent the terminal before its reply; take what the command wrote last. */
                if (s.tty.master_fd < 0 && s.console_source)
                        (void) start_relay(&s);
                tty_relay_drain(&s.tty);
                tty_relay_restore(&s.tty);
                if (s.late_error)
                        log_error("%s", s.late_error);
        }
        return s.exit_code;
}
