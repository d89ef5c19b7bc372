/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bus-util.h"
#include "log.h"
#include "nyxctl.h"

int nyxctl_bus(sd_bus **ret) {
        int r;

        r = sd_bus_open_system(ret);
        if (r < 0)
                return log_error_errno(r, "%s", bus_error_human(NULL, r));
        return 0;
}

int nyxctl_log_bus_error(const sd_bus_error *error, int r, const char *what) {
        if (what)
                return log_error_errno(r, "%s: %s", what, bus_error_human(error, r));
        return log_error_errno(r, "%s", bus_error_human(error, r));
}

int verb_getopt(const char *verb, int argc, char *argv[], const char *optstring, const struct option *options) {
        int c;

        opterr = 0;
        c = getopt_long(argc, argv, optstring, options, NULL);
        if (c == '?') {
                if (optopt)
                        log_error("%s: unknown option '-%c'. See 'nyxctl %s --help'.", verb, optopt, verb);
                else
                        log_error("%s: unknown option '%s'. See 'nyxctl %s --help'.", verb, argv[optind - 1], verb);
                return '?';
        }
        if (c == ':') {
                if (optopt && optopt < 0x100)
                        log_error("%s: option '-%c' needs a value. See 'nyxctl %s --help'.", verb, optopt, verb);
                else
                        log_error("%s: option '%s' needs a value. See 'nyxctl %s --help'.", verb, argv[optind - 1], verb);
                return '?';
        }
        return c;
}
