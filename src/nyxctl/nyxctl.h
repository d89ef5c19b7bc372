/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include <systemd/sd-bus.h>

#include "macro.h"

/* Connect to nyxd's bus ($DBUS_SYSTEM_BUS_ADDRESS overrides the default). */
int nyxctl_bus(sd_bus **ret);

/* Report a failed bus call as one line, "nyxctl: <what went wrong>". */
int nyxctl_log_bus_error(const sd_bus_error *error, int r, const char *what);

/* getopt_long() for a verb: prints "nyxctl VERB: unknown option '--x'" and
 * similar itself. Returns the option, -1 at the end, or '?' after an error.
 * The optstring given must start with ':'. */
int verb_getopt(const char *verb, int argc, char *argv[], const char *optstring, const struct option *options);

/* Start each verb's option loop with this. */
static inline void verb_getopt_reset(void) {
        optind = 0;
}

int verb_info(int argc, char *argv[], void *userdata);
int verb_version(int argc, char *argv[], void *userdata);
