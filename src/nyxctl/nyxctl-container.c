/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus-util.h"
#include "detach-keys.h"
#include "container-spec.h"
#include "journal-logs.h"
#include "log.h"
#include "nyx-errors.h"
#include "nyxctl-attach.h"
#include "nyxctl.h"
#include "output.h"
#include "parse-util.h"
#include "string-util.h"
#include "strv.h"

int verb_start(int argc, char *argv[], void *userdata) {
        enum { ARG_DETACH_KEYS = 0x100 };
        static const struct option options[] = {
                { "help",        no_argument,       NULL, 'h'             },
                { "attach",      no_argument,       NULL, 'a'             },
                { "interactive", no_argument,       NULL, 'i'             },
                { "detach-keys", required_argument, NULL, ARG_DETACH_KEYS },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *path = NULL, *reason = NULL;
        AttachOptions o = { .start = true, .sig_proxy = true };
        bool attach = false;
        int c, r;

        attach_options_default_keys(&o);
        verb_getopt_reset();
        while ((c = verb_getopt("start", argc, argv, ":hai", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl start [-a] [-i] CONTAINER...\n\nStart stopped containers (their units).\n\n"
                               "  -a --attach              Attach to its terminal (created with -t) until it exits\n"
                               "  -i --interactive         With -a: our input goes to it\n"
                               "     --detach-keys KEYS    Detach with this sequence (default ctrl-p,ctrl-q)\n");
                        return 0;
                case 'a':
                        attach = true;
                        break;
                case 'i':
                        attach = o.forward_stdin = true;
                        break;
                case ARG_DETACH_KEYS:
                        r = detach_keys_parse(optarg, o.detach_keys, sizeof(o.detach_keys), &o.n_detach_keys,
                                                  &reason);
                        if (r < 0) {
                                log_error("start: %s", reason ?: "invalid --detach-keys");
                                return -EINVAL;
                        }
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "start", argc - optind, argv + optind, 1, attach ? 1 : -1) < 0)
                return -EINVAL;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        if (!attach)
                return container_call_each(bus, argv + optind, argc - optind, "Start", "a{sv}", 0);

        r = container_lookup(bus, argv[optind], &path);
        if (r < 0)
                return r;
        return container_attach_terminal(bus, path, argv[optind], &o);
}

static int parse_stop_like(const char *verb, int argc, char *argv[], uint64_t *ret_timeout) {
        static const struct option options[] = {
                { "help", no_argument,       NULL, 'h' },
                { "time", required_argument, NULL, 't' },
                { "timeout", required_argument, NULL, 't' },
                {}
        };
        _cleanup_free_ char *reason = NULL;
        int c, r;

        *ret_timeout = UINT64_MAX;
        verb_getopt_reset();
        while ((c = verb_getopt(verb, argc, argv, ":ht:", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl %s [-t SECONDS] CONTAINER...\n\n"
                               "%s containers: their units get the stop signal, then SIGKILL after the timeout.\n\n"
                               "  -t --time SECONDS   Wait this long before SIGKILL (default: the container's stop timeout)\n",
                               verb, streq(verb, "stop") ? "Stop" : "Restart");
                        return 0;
                case 't':
                        r = parse_stop_timeout(optarg, ret_timeout, &reason);
                        if (r < 0) {
                                log_error("%s: %s", verb, reason ?: "invalid --time");
                                return -EINVAL;
                        }
                        break;
                default:
                        return -EINVAL;
                }
        return verb_check_args("nyxctl", verb, argc - optind, argv + optind, 1, -1) < 0 ? -EINVAL : 1;
}

int verb_stop(int argc, char *argv[], void *userdata) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        uint64_t timeout;
        int r;

        r = parse_stop_like("stop", argc, argv, &timeout);
        if (r <= 0)
                return r;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        return container_call_each(bus, argv + optind, argc - optind, "Stop", "ta{sv}", timeout, 0);
}

int verb_restart(int argc, char *argv[], void *userdata) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        uint64_t timeout;
        int r, ret = 0;

        r = parse_stop_like("restart", argc, argv, &timeout);
        if (r <= 0)
                return r;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        for (int i = optind; i < argc; i++) {
                r = container_call(bus, argv[i], "Stop", NULL, "ta{sv}", timeout, 0);
                if (r >= 0)
                        r = container_call(bus, argv[i], "Start", NULL, "a{sv}", 0);
                if (r < 0)
                        ret = r;
                else
                        printf("%s\n", argv[i]);
        }
        return ret;
}

int verb_kill(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",   no_argument,       NULL, 'h' },
                { "signal", required_argument, NULL, 's' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *reason = NULL;
        int c, r, signo = SIGKILL;

        verb_getopt_reset();
        while ((c = verb_getopt("kill", argc, argv, ":hs:", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl kill [-s SIGNAL] CONTAINER...\n\n"
                               "Send a signal (default SIGKILL) to containers' main processes.\n");
                        return 0;
                case 's':
                        r = parse_signal("--signal", optarg, &signo, &reason);
                        if (r < 0) {
                                log_error("kill: %s", reason ?: "invalid signal");
                                return -EINVAL;
                        }
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "kill", argc - optind, argv + optind, 1, -1) < 0)
                return -EINVAL;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        return container_call_each(bus, argv + optind, argc - optind, "Kill", "ia{sv}", (int32_t) signo, 0);
}

int verb_rm(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",    no_argument, NULL, 'h' },
                { "force",   no_argument, NULL, 'f' },
                { "volumes", no_argument, NULL, 'v' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool force = false, volumes = false;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("rm", argc, argv, ":hfv", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl rm [-f] CONTAINER...\n\n"
                               "Remove containers.\n\n"
                               "  -f --force     Kill running containers first\n"
                               "  -v --volumes   Also remove the containers' anonymous volumes\n");
                        return 0;
                case 'f':
                        force = true;
                        break;
                case 'v':
                        volumes = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "rm", argc - optind, argv + optind, 1, -1) < 0)
                return -EINVAL;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        return container_call_each(bus, argv + optind, argc - optind, "Remove", "a{sv}", 2, "Force", "b", (int) force,
                                   "Volumes", "b", (int) volumes);
}

int verb_wait(int argc, char *argv[], void *userdata) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r, ret = 0;

        r = parse_help_only("wait", argc, argv,
                            "nyxctl wait CONTAINER...\n\nWait for containers to exit and print their exit codes.\n", 1, -1);
        if (r <= 0)
                return r;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        for (int i = optind; i < argc; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                int32_t code;

                r = container_call(bus, argv[i], "Wait", &reply, "a{sv}", 0);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "i", &code);
                if (r < 0) {
                        ret = r;
                        continue;
                }
                printf("%" PRIi32 "\n", code);
        }
        return ret;
}

static int container_inspect_one(sd_bus *bus, const char *name, json_object **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        json_object *o;
        const char *s;
        int r;

        r = container_call(bus, name, "Inspect", &reply, "");
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "s", &s);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        o = json_tokener_parse(s);
        if (!o)
                return log_error_errno(EBADMSG, "nyxd sent unreadable JSON");
        *ret = o;
        return 0;
}

int verb_inspect(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",   no_argument,       NULL, 'h' },
                { "format", required_argument, NULL, 'f' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *format = NULL;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("inspect", argc, argv, ":hf:", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl inspect [--format TEMPLATE] CONTAINER...\n\n"
                               "Show containers' configuration and state as JSON.\n\n"
                               "  -f --format T   Print T with {{.Path.To.Field}} replaced, per container\n");
                        return 0;
                case 'f':
                        format = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "inspect", argc - optind, argv + optind, 1, -1) < 0)
                return -EINVAL;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;

        return print_inspected(bus, "inspect", argv + optind, argc - optind, format, container_inspect_one);
}

int verb_logs(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",       no_argument,       NULL, 'h' },
                { "follow",     no_argument,       NULL, 'f' },
                { "timestamps", no_argument,       NULL, 't' },
                { "tail",       required_argument, NULL, 'n' },
                { "since",      required_argument, NULL, 'S' },
                { "until",      required_argument, NULL, 'U' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *path = NULL, *id = NULL, *ident = NULL;
        LogOptions o = { .tail = UINT64_MAX };
        LogSource src;
        struct timespec ts;
        uint64_t now;
        sd_journal *j = NULL;
        int c, r;

        clock_gettime(CLOCK_REALTIME, &ts);
        now = (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;

        verb_getopt_reset();
        while ((c = verb_getopt("logs", argc, argv, ":hftn:", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl logs [OPTIONS] CONTAINER\n\n"
                               "Show a container's output, as journald keeps it (CONTAINER_ID_FULL=...).\n\n"
                               "  -f --follow        Keep printing new output until the container stops\n"
                               "  -t --timestamps    Prefix each line with its time\n"
                               "  -n --tail N        Only the last N lines\n"
                               "     --since TIME    From TIME (2024-01-02T03:04:05, 10m, or a unix time)\n"
                               "     --until TIME    Up to TIME\n");
                        return 0;
                case 'f':
                        o.follow = true;
                        break;
                case 't':
                        o.timestamps = true;
                        break;
                case 'n':
                        if (streq(optarg, "all"))
                                o.tail = UINT64_MAX;
                        else if (parse_uint64_range(optarg, 0, UINT64_MAX - 1, &o.tail) < 0) {
                                log_error("logs: --tail expects a number or 'all', got '%s'", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'S':
                case 'U':
                        if (parse_log_time(optarg, now, c == 'S' ? &o.since_usec : &o.until_usec) < 0) {
                                log_error("logs: --%s expects a time (2024-01-02T03:04:05, 10m, unix time), got '%s'",
                                          c == 'S' ? "since" : "until", optarg);
                                return -EINVAL;
                        }
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "logs", argc - optind, argv + optind, 1, 1) < 0)
                return -EINVAL;

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = container_lookup(bus, argv[optind], &path);
        if (r < 0)
                return r;
        r = container_log_source(bus, path, &src, &id, &ident);
        if (r < 0)
                return r;

        r = container_journal_open(&src, &o, false, &j);
        if (r < 0)
                return log_error_errno(r, "Cannot open the journal: %m");
        r = container_journal_print_available(j, &src, &o, stdout);
        while (r >= 0 && o.follow) {
                _cleanup_free_ char *status = NULL;

                r = sd_journal_wait(j, 500 * 1000);
                if (r < 0)
                        break;
                r = container_journal_print_available(j, &src, &o, stdout);
                if (r < 0)
                        break;
                if (container_get_string(bus, path, "Status", &status) < 0)
                        break;   /* removed */
                if (!streq(status, "running") && !streq(status, "starting")) {
                        r = container_journal_print_available(j, &src, &o, stdout);
                        break;
                }
        }
        sd_journal_close(j);
        return r < 0 ? log_error_errno(r, "Cannot read the journal: %m") : 0;
}
