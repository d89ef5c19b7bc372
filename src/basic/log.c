/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

static int max_level = LOG_INFO;
static const char *log_prefix = NULL;
static int stderr_is_journal = -1;

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_prefix(const char *prefix) {
        log_prefix = prefix;
}

void log_parse_environment(void) {
        const char *e = getenv("NYX_LOG_LEVEL");

        if (!e)
                e = getenv("SYSTEMD_LOG_LEVEL");
        if (!e)
                return;
        if (strcmp(e, "debug") == 0)
                max_level = LOG_DEBUG;
        else if (strcmp(e, "info") == 0)
                max_level = LOG_INFO;
        else if (strcmp(e, "notice") == 0)
                max_level = LOG_NOTICE;
        else if (strcmp(e, "warning") == 0)
                max_level = LOG_WARNING;
        else if (strcmp(e, "err") == 0 || strcmp(e, "error") == 0)
                max_level = LOG_ERR;
}

/* $JOURNAL_STREAM is "dev:ino" of the stream systemd connected to stderr. */
static int detect_journal_stream(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return 0;
        if (fstat(STDERR_FILENO, &st) < 0)
                return 0;
        return st.st_dev == dev && st.st_ino == ino;
}

int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...) {
        int saved = errno;
        char buf[2048];
        va_list ap;

        (void) file;
        (void) line;
        (void) func;

        if (error < 0)
                error = -error;

        if (level <= max_level) {
                if (stderr_is_journal < 0)
                        stderr_is_journal = detect_journal_stream();

                /* Let %m print the error we were handed, not a stale errno. */
                errno = error;
                va_start(ap, format);
                vsnprintf(buf, sizeof(buf), format, ap);
                va_end(ap);

                if (stderr_is_journal)
                        fprintf(stderr, "<%d>%s\n", level, buf);
                else if (log_prefix)
                        fprintf(stderr, "%s: %s\n", log_prefix, buf);
                else
                        fprintf(stderr, "%s\n", buf);
        }

        errno = saved;
        return error > 0 ? -error : -EIO;
}
