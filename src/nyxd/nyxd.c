/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "manager.h"
#include "parse-util.h"

static uint64_t arg_idle_timeout_usec = 0;

static void help(void) {
        printf("nyxd [OPTIONS...]\n\n"
               "The nyx container engine daemon, on the system bus as org.nyx.engine1.\n"
               "Normally started by D-Bus activation through nyxd.service.\n\n"
               "  -h --help                 Show this help\n"
               "     --version              Show the version\n"
               "     --idle-timeout=TIME    Exit after TIME without activity (0: never)\n");
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_IDLE_TIMEOUT };
        static const struct option options[] = {
                { "help",         no_argument,       NULL, 'h'              },
                { "version",      no_argument,       NULL, ARG_VERSION      },
                { "idle-timeout", required_argument, NULL, ARG_IDLE_TIMEOUT },
                {}
        };
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("nyxd %s\n", NYX_VERSION);
                        return 0;
                case ARG_IDLE_TIMEOUT:
                        r = parse_sec(optarg, &arg_idle_timeout_usec);
                        if (r < 0)
                                return log_error_errno(r, "nyxd: invalid --idle-timeout '%s' (expected e.g. 30s, 2min)", optarg);
                        break;
                default:
                        return -EINVAL;
                }

        if (optind < argc)
                return log_error_errno(EINVAL, "nyxd: takes no arguments, got '%s'", argv[optind]);
        return 1;
}

static int run(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        sigset_t mask;
        int r;

        log_parse_environment();

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r;

        /* sd-event takes these over as event sources. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD);   /* workers are event sources too */
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);

        r = manager_new(&m);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the manager: %m");
        m->idle_timeout_usec = arg_idle_timeout_usec;

        r = sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to handle SIGTERM: %m");
        r = sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to handle SIGINT: %m");

        /* Pings the service manager when WatchdogSec= is set, from the loop itself. */
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                return log_error_errno(r, "Failed to enable the watchdog: %m");

        r = manager_startup(m);
        if (r < 0)
                return r;

        log_info("nyxd %s running (runtime %s, cgroup mode %s, storage %s).",
                 NYX_VERSION, m->runtime_path, cgroup_mode_to_string(m->cgroup_mode), m->state_dir);
        (void) sd_notify(false, "READY=1\nSTATUS=Processing requests...");

        r = manager_run(m);
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Shutting down...");
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");

        log_info("nyxd exiting.");
        return 0;
}

int main(int argc, char *argv[]) {
        return run(argc, argv) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
