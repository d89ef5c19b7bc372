/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <systemd/sd-id128.h>

#include "journal-logs.h"
#include "macro.h"
#include "parse-util.h"
#include "path-util.h"
#include "string-util.h"

int container_journal_open(const LogSource *src, const LogOptions *o, bool from_now, sd_journal **ret) {
        sd_journal *j = NULL;
        _cleanup_free_ char *match = NULL, *ident = NULL;
        int r;

        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        if (r < 0)
                return r;

        match = strjoin("CONTAINER_ID_FULL=", src->id_full);
        ident = src->identifier ? strjoin("SYSLOG_IDENTIFIER=", src->identifier) : NULL;
        if (!match || (src->identifier && !ident)) {
                sd_journal_close(j);
                return -ENOMEM;
        }
        r = sd_journal_add_match(j, match, 0);
        if (r >= 0 && ident) {
                r = sd_journal_add_disjunction(j);
                if (r >= 0)
                        r = sd_journal_add_match(j, ident, 0);
        }
        if (r < 0)
                goto fail;

        if (from_now) {
                r = sd_journal_seek_tail(j);
                if (r >= 0)
                        r = sd_journal_previous(j);   /* stand on the last entry: the next one is new */
                if (r < 0)
                        goto fail;
                /* An empty match set leaves us before everything: fine. */
        } else if (o->tail != UINT64_MAX) {
                r = sd_journal_seek_tail(j);
                if (r < 0)
                        goto fail;
                r = sd_journal_previous_skip(j, o->tail + 1);
                if (r < 0)
                        goto fail;
                if ((uint64_t) r <= o->tail)
                        r = sd_journal_seek_head(j);  /* fewer entries than asked for: all */
                if (r < 0)
                        goto fail;
        } else if (o->since_usec > 0) {
                r = sd_journal_seek_realtime_usec(j, o->since_usec);
                if (r < 0)
                        goto fail;
        } else {
                r = sd_journal_seek_head(j);
                if (r < 0)
                        goto fail;
        }

        *ret = j;
        return 0;
fail:
        sd_journal_close(j);
        return r;
}

static void print_entry(sd_journal *j, const LogOptions *o, FILE *f, const void *data, size_t size) {
        const char *msg = data;

        msg += strlen("MESSAGE=");
        size -= strlen("MESSAGE=");

        if (o->timestamps) {
                uint64_t usec = 0;
                struct tm tm;
                time_t t;
                char buf[64];

                (void) sd_journal_get_realtime_usec(j, &usec);
                t = (time_t) (usec / 1000000);
                gmtime_r(&t, &tm);
                strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
                fprintf(f, "%s.%06uZ ", buf, (unsigned) (usec % 1000000));
        }
        fwrite(msg, 1, size, f);
        fputc('\n', f);
}

/* An entry matched by identifier only belongs to this container when it has
 * no other container's ID and is not older than the container. */
static bool entry_is_ours(sd_journal *j, const LogSource *src) {
        const void *data;
        size_t size, l = strlen("CONTAINER_ID_FULL=");
        uint64_t usec;

        if (sd_journal_get_data(j, "CONTAINER_ID_FULL", &data, &size) >= 0)
                return size - l == strlen(src->id_full) && memcmp((const char *) data + l, src->id_full, size - l) == 0;
        if (sd_journal_get_data(j, "_SYSTEMD_UNIT", &data, &size) >= 0)
                return false;   /* attributed to some other unit with the same identifier */
        return sd_journal_get_realtime_usec(j, &usec) >= 0 && usec >= src->created_usec;
}

int container_journal_print_available(sd_journal *j, const LogSource *src, const LogOptions *o, FILE *f) {
        int n = 0, r;

        for (;;) {
                const void *data;
                size_t size;
                uint64_t usec;

                r = sd_journal_next(j);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (!entry_is_ours(j, src))
                        continue;

                if (o->since_usec > 0 || o->until_usec > 0) {
                        if (sd_journal_get_realtime_usec(j, &usec) < 0)
                                continue;
                        if (o->since_usec > 0 && usec < o->since_usec)
                                continue;
                        if (o->until_usec > 0 && usec > o->until_usec)
                                continue;
                }

                r = sd_journal_get_data(j, "MESSAGE", &data, &size);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                print_entry(j, o, f, data, size);
                n++;
        }
        fflush(f);
        return n;
}

int parse_log_time(const char *s, uint64_t now_usec, uint64_t *ret) {
        struct tm tm = {};
        uint64_t usec;
        const char *end;
        char *e;

        if (isempty(s))
                return -EINVAL;

        /* A duration: that long ago. */
        if (parse_sec(s, &usec) >= 0 && strpbrk(s, "smhu")) {
                *ret = usec > now_usec ? 0 : now_usec - usec;
                return 0;
        }

        /* A unix timestamp, possibly with a fraction. */
        errno = 0;
        double d = strtod(s, &e);
        if (errno == 0 && *e == 0 && d >= 0) {
                *ret = (uint64_t) (d * 1000000.0);
                return 0;
        }

        end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end)
                end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
        if (!end) {
                memset(&tm, 0, sizeof(tm));
                end = strptime(s, "%Y-%m-%d", &tm);
        }
        if (!end || (*end && !streq(end, "Z")))
                return -EINVAL;
        *ret = (uint64_t) timegm(&tm) * 1000000;
        return 0;
}

uint64_t journal_files_stamp(void) {
        static const char *const roots[] = { "/run/log/journal", "/var/log/journal" };
        char mid[SD_ID128_STRING_MAX];
        sd_id128_t id;
        uint64_t stamp = 0;

        if (sd_id128_get_machine(&id) < 0)
                return 0;
        sd_id128_to_string(id, mid);
        for (size_t i = 0; i < ELEMENTSOF(roots); i++) {
                _cleanup_free_ char *dir = path_join(roots[i], mid);
                struct stat st;

                if (dir && stat(dir, &st) >= 0)
                        stamp = stamp * 31 + (uint64_t) st.st_mtim.tv_sec * 1000000000ULL + st.st_mtim.tv_nsec;
        }
        return stamp;
}
