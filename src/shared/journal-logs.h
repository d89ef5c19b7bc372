/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <systemd/sd-journal.h>

/* A container's output as journald stored it: entries carrying
 * CONTAINER_ID_FULL=<id> (set through LogExtraFields= on the unit). */

typedef struct LogOptions {
        bool follow;
        bool timestamps;
        uint64_t tail;            /* UINT64_MAX: all */
        uint64_t since_usec;      /* realtime; 0: from the start */
        uint64_t until_usec;      /* realtime; 0: no end */
} LogOptions;

/* Open the journal with a match on the container, positioned per options.
 * Entries before the current end are skipped when from_now is set. */
int container_journal_open(const char *id_full, const LogOptions *o, bool from_now, sd_journal **ret);

/* Print everything available now (MESSAGE only, or with a timestamp).
 * Returns the number of entries printed. */
int container_journal_print_available(sd_journal *j, const LogOptions *o, FILE *f);

/* "2024-01-01T10:00:00", "10m" (ago), a unix timestamp: -> realtime usec */
int parse_log_time(const char *s, uint64_t now_usec, uint64_t *ret);
