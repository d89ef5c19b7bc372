/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <systemd/sd-journal.h>

/* A container's output as journald stored it: entries carrying
 * CONTAINER_ID_FULL=<id> (set through LogExtraFields= on the unit). */

/* journald attributes stream lines to the PID that wrote them; a process
 * that exits before journald reads its line leaves an entry without the
 * unit's fields (no _SYSTEMD_UNIT, no CONTAINER_*) but with the stream's
 * SYSLOG_IDENTIFIER. So entries are matched by CONTAINER_ID_FULL, or by the
 * identifier when they carry no container ID, from the container's creation
 * on. */
typedef struct LogSource {
        const char *id_full;
        const char *identifier;       /* the unit's SyslogIdentifier= */
        uint64_t created_usec;
} LogSource;

typedef struct LogOptions {
        bool follow;
        bool timestamps;
        uint64_t tail;            /* UINT64_MAX: all */
        uint64_t since_usec;      /* realtime; 0: from the start */
        uint64_t until_usec;      /* realtime; 0: no end */
} LogOptions;

/* Open the journal with a match on the container, positioned per options.
 * Entries before the current end are skipped when from_now is set. */
int container_journal_open(const LogSource *src, const LogOptions *o, bool from_now, sd_journal **ret);

/* Print everything available now (MESSAGE only, or with a timestamp).
 * Returns the number of entries printed. */
/* A stamp of the local journal directories (their mtimes): it changes when journald adds a file
 * (rotation), which a journal opened without sd_journal_get_fd() (inotify) does not notice. */
uint64_t journal_files_stamp(void);

int container_journal_print_available(sd_journal *j, const LogSource *src, const LogOptions *o, FILE *f);

/* "2024-01-01T10:00:00", "10m" (ago), a unix timestamp: -> realtime usec */
int parse_log_time(const char *s, uint64_t now_usec, uint64_t *ret);
