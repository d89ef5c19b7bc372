/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/resource.h>

#include "container-spec.h"
#include "output.h"
#include "parse-util.h"
#include "string-util.h"
#include "strv.h"

/* The rules follow docker: github.com/docker/cli opts/ (mount.go, ulimit via go-units, ParseRestartPolicy,
 * ValidateSysctl), moby's volume/mounts/linux_parser.go (-v), daemon/pkg/oci/caps (capabilities) and
 * daemon/container/env.go (ReplaceOrAppendEnvValues). Messages keep docker's wording where docker has a
 * good one, and always start with the flag and the value that was refused. */

/* ---- reasons ------------------------------------------------------------------------------------- */

static int reason_setv(char **ret_reason, const char *fmt, va_list ap) _printf_(2, 0);
static int reason_setv(char **ret_reason, const char *fmt, va_list ap) {
        char *s;

        if (!ret_reason)
                return -EINVAL;
        if (vasprintf(&s, fmt, ap) < 0)
                return -ENOMEM;
        free(*ret_reason);
        *ret_reason = s;
        return -EINVAL;
}

static int reason_set(char **ret_reason, const char *fmt, ...) _printf_(2, 3);
static int reason_set(char **ret_reason, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = reason_setv(ret_reason, fmt, ap);
        va_end(ap);
        return r;
}

static bool value_needs_quotes(const char *v) {
        if (isempty(v))
                return true;
        for (const char *p = v; *p; p++)
                if (*p == ' ' || *p == '\t' || *p == '\n')
                        return true;
        return false;
}

/* "FLAG VALUE: message" (VALUE quoted when it is empty or has blanks). */
static int reason_flag(char **ret_reason, const char *flag, const char *value, const char *fmt, ...) _printf_(4, 5);
static int reason_flag(char **ret_reason, const char *flag, const char *value, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        if (!ret_reason)
                return -EINVAL;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;

        if (value_needs_quotes(value))
                return reason_set(ret_reason, "%s '%s': %s", flag, strempty(value), msg);
        return reason_set(ret_reason, "%s %s: %s", flag, value, msg);
}

/* ---- small helpers ------------------------------------------------------------------------------- */

static bool char_is_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool char_is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* [a-zA-Z0-9][a-zA-Z0-9_.-]{min_rest,} : docker's names for containers (min_rest 1), volumes (1) and
 * networks (0). */
static bool name_is_valid(const char *s, size_t min_rest) {
        size_t n = 0;

        if (!s || !char_is_alnum(s[0]))
                return false;
        for (const char *p = s + 1; *p; p++, n++)
                if (!char_is_alnum(*p) && !strchr("_.-", *p))
                        return false;
        return n >= min_rest;
}

/* Lexically clean an absolute path, as Go's filepath.Clean() does: "//a/./b/../c/" -> "/a/c". */
static int path_normalize(const char *p, char **ret) {
        const char *s = p;
        size_t n = 0;
        char *r;

        if (!p || p[0] != '/')
                return -EINVAL;

        r = malloc(strlen(p) + 2);
        if (!r)
                return -ENOMEM;

        while (*s) {
                const char *e;
                size_t l;

                while (*s == '/')
                        s++;
                if (!*s)
                        break;
                e = strchrnul(s, '/');
                l = (size_t) (e - s);
                if (l == 1 && s[0] == '.')
                        ;
                else if (l == 2 && s[0] == '.' && s[1] == '.') {
                        while (n > 0 && r[n - 1] != '/')
                                n--;
                        if (n > 0)
                                n--;
                } else {
                        r[n++] = '/';
                        memcpy(r + n, s, l);
                        n += l;
                }
                s = e;
        }
        if (n == 0)
                r[n++] = '/';
        r[n] = 0;
        *ret = r;
        return 0;
}

/* Split s at every sep; empty fields are kept. */
static int split(const char *s, char sep, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *p = s;
        int r;

        for (;;) {
                const char *e = strchrnul(p, sep);

                r = strv_consume(&l, strndup(p, (size_t) (e - p)));
                if (r < 0)
                        return r;
                if (!*e)
                        break;
                p = e + 1;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* One CSV record as Go's encoding/csv reads it (what docker uses for --mount): fields separated by ',',
 * a field may be enclosed in double quotes, in which ',' is literal and '""' is one quote. Returns
 * -EBADMSG on a stray quote. */
static int csv_split(const char *s, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *p = s;
        int r;

        for (;;) {
                _cleanup_free_ char *f = malloc(strlen(p) + 1);
                size_t n = 0;

                if (!f)
                        return -ENOMEM;

                if (*p == '"') {
                        p++;
                        for (;;) {
                                if (!*p)
                                        return -EBADMSG;        /* unterminated */
                                if (*p == '"') {
                                        if (p[1] == '"') {
                                                f[n++] = '"';
                                                p += 2;
                                                continue;
                                        }
                                        p++;
                                        break;
                                }
                                f[n++] = *p++;
                        }
                        if (*p && *p != ',')
                                return -EBADMSG;                /* text after the closing quote */
                } else
                        while (*p && *p != ',') {
                                if (*p == '"')
                                        return -EBADMSG;        /* bare quote in an unquoted field */
                                f[n++] = *p++;
                        }
                f[n] = 0;

                r = strv_consume(&l, TAKE_PTR(f));
                if (r < 0)
                        return r;
                if (!*p)
                        break;
                p++;    /* the ',' */
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* Append field to *buf (a malloc'ed string or NULL) with a ',' in between, quoted as CSV if needed. */
static int csv_append(char **buf, const char *field) {
        _cleanup_free_ char *q = NULL;
        const char *f = field;
        char *n;

        if (strpbrk(field, ",\"\n\r") || field[0] == ' ') {
                size_t k = 0;

                q = malloc(strlen(field) * 2 + 3);
                if (!q)
                        return -ENOMEM;
                q[k++] = '"';
                for (const char *p = field; *p; p++) {
                        if (*p == '"')
                                q[k++] = '"';
                        q[k++] = *p;
                }
                q[k++] = '"';
                q[k] = 0;
                f = q;
        }

        n = *buf ? strjoin(*buf, ",", f) : strdup(f);
        if (!n)
                return -ENOMEM;
        free(*buf);
        *buf = n;
        return 0;
}

static int strv_extendf(char ***l, const char *fmt, ...) _printf_(2, 3);
static int strv_extendf(char ***l, const char *fmt, ...) {
        va_list ap;
        char *s;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return strv_consume(l, s);
}

static void strv_remove_at(char **l, size_t i) {
        free(l[i]);
        memmove(l + i, l + i + 1, (strv_length(l) - i) * sizeof(char *));
}

/* Set "key=value" in a strv of such entries, replacing an entry with the same key. */
static int strv_set_pair(char ***l, const char *key, const char *value) {
        size_t kl = strlen(key);
        char *e;

        e = strjoin(key, "=", value);
        if (!e)
                return -ENOMEM;

        for (size_t i = 0; *l && (*l)[i]; i++)
                if (strncmp((*l)[i], key, kl) == 0 && (*l)[i][kl] == '=') {
                        free((*l)[i]);
                        (*l)[i] = e;
                        return 0;
                }
        return strv_consume(l, e);
}

/* A decimal without sign, fitting in uint64. */
static int parse_u64(const char *s, uint64_t *ret) {
        return parse_uint64_range(s, 0, UINT64_MAX, ret);
}

static int parse_i64(const char *s, int64_t *ret) {
        uint64_t u;
        int r;

        if (!s)
                return -EINVAL;
        if (s[0] == '-') {
                r = parse_uint64_range(s + 1, 0, (uint64_t) INT64_MAX + 1, &u);
                if (r < 0)
                        return r;
                *ret = u == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) u;
                return 0;
        }
        r = parse_uint64_range(s, 0, INT64_MAX, &u);
        if (r < 0)
                return r;
        *ret = (int64_t) u;
        return 0;
}

/* ---- capabilities -------------------------------------------------------------------------------- */

static const char * const capability_names[] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

/* moby daemon/pkg/oci/caps/defaults.go */
static const char * const capability_defaults[] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
};

const char *capability_to_name(int cap) {
        if (cap < 0 || (size_t) cap >= ELEMENTSOF(capability_names))
                return NULL;
        return capability_names[cap];
}

int capability_from_name(const char *name) {
        const char *n;

        if (!name)
                return -EINVAL;
        n = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
        for (size_t i = 0; i < ELEMENTSOF(capability_names); i++)
                if (strcasecmp(n, capability_names[i] + 4) == 0)
                        return (int) i;
        return -EINVAL;
}

int capability_last(void) {
        return (int) ELEMENTSOF(capability_names) - 1;
}

static uint64_t capability_all_known(void) {
        return (UINT64_C(1) << ELEMENTSOF(capability_names)) - 1;
}

uint64_t capability_default_set(void) {
        uint64_t m = 0;

        for (size_t i = 0; i < ELEMENTSOF(capability_defaults); i++)
                m |= UINT64_C(1) << capability_from_name(capability_defaults[i]);
        return m;
}

int parse_capability(const char *flag, const char *s, char **ret, char **ret_reason) {
        int cap;
        char *n;

        if (isempty(s))
                return reason_flag(ret_reason, flag, s, "capability name must not be empty");

        if (strcasecmp(s, "ALL") == 0)
                n = strdup("ALL");
        else {
                cap = capability_from_name(s);
                if (cap < 0) {
                        _cleanup_free_ char *u = NULL;

                        u = strncasecmp(s, "CAP_", 4) == 0 ? strdup(s) : strjoin("CAP_", s);
                        if (!u)
                                return -ENOMEM;
                        for (char *p = u; *p; p++)
                                if (*p >= 'a' && *p <= 'z')
                                        *p = (char) (*p - 'a' + 'A');
                        return reason_flag(ret_reason, flag, s, "unknown capability: '%s'", u);
                }
                n = strdup(capability_names[cap]);
        }
        if (!n)
                return -ENOMEM;
        *ret = n;
        return 0;
}

int container_spec_capabilities(const ContainerSpec *s, uint64_t available, uint64_t *ret, char **ret_reason) {
        uint64_t adds = 0, drops = 0, caps;
        bool add_all = false, drop_all = false;

        if (available == 0)
                available = capability_all_known();
        available &= capability_all_known();

        if (s->privileged) {
                *ret = available;
                return 0;
        }

        STRV_FOREACH(c, s->cap_add) {
                int cap;

                if (strcasecmp(*c, "ALL") == 0) {
                        add_all = true;
                        continue;
                }
                cap = capability_from_name(*c);
                if (cap < 0)
                        return reason_flag(ret_reason, "--cap-add", *c, "unknown capability");
                if (!(available & (UINT64_C(1) << cap)))
                        return reason_flag(ret_reason, "--cap-add", *c,
                                           "capability %s is not available in this environment (not in the bounding set)",
                                           capability_names[cap]);
                adds |= UINT64_C(1) << cap;
        }
        STRV_FOREACH(c, s->cap_drop) {
                int cap;

                if (strcasecmp(*c, "ALL") == 0) {
                        drop_all = true;
                        continue;
                }
                cap = capability_from_name(*c);
                if (cap < 0)
                        return reason_flag(ret_reason, "--cap-drop", *c, "unknown capability");
                drops |= UINT64_C(1) << cap;
        }

        if (add_all)
                caps = available & ~drops;
        else if (drop_all)
                caps = adds;
        else
                caps = ((capability_default_set() & available) & ~drops) | adds;

        *ret = caps;
        return 0;
}

/* ---- restart policy ------------------------------------------------------------------------------ */

static const char * const restart_policy_names[_RESTART_POLICY_TYPE_MAX] = {
        [RESTART_POLICY_NO] = "no",
        [RESTART_POLICY_ON_FAILURE] = "on-failure",
        [RESTART_POLICY_ALWAYS] = "always",
        [RESTART_POLICY_UNLESS_STOPPED] = "unless-stopped",
};

int parse_restart_policy(const char *s, RestartPolicy *ret, char **ret_reason) {
        _cleanup_free_ char *name = NULL;
        const char *colon;
        uint64_t n = 0;
        int type = -1;

        if (!s)
                return -EINVAL;
        if (isempty(s)) {
                *ret = (RestartPolicy) { RESTART_POLICY_NO, 0 };
                return 0;
        }

        colon = strchr(s, ':');
        name = colon ? strndup(s, (size_t) (colon - s)) : strdup(s);
        if (!name)
                return -ENOMEM;

        for (size_t i = 0; i < _RESTART_POLICY_TYPE_MAX; i++)
                if (streq(name, restart_policy_names[i]))
                        type = (int) i;
        if (type < 0)
                return reason_flag(ret_reason, "--restart", s,
                                   "invalid restart policy '%s': must be no, on-failure[:max-retries], always or unless-stopped",
                                   name);

        if (colon) {
                if (type != RESTART_POLICY_ON_FAILURE)
                        return reason_flag(ret_reason, "--restart", s,
                                           "maximum retry count cannot be used with restart policy '%s'", name);
                if (colon[1] == '-')
                        return reason_flag(ret_reason, "--restart", s, "maximum retry count cannot be negative");
                if (parse_uint64_range(colon + 1, 0, UINT32_MAX, &n) < 0)
                        return reason_flag(ret_reason, "--restart", s,
                                           "maximum retry count must be a number, got '%s'", colon + 1);
        }

        *ret = (RestartPolicy) { (RestartPolicyType) type, (unsigned) n };
        return 0;
}

int restart_policy_to_string(const RestartPolicy *p, char **ret) {
        char *s;

        if (p->type < 0 || p->type >= _RESTART_POLICY_TYPE_MAX)
                return -EINVAL;
        if (p->type == RESTART_POLICY_ON_FAILURE && p->max_retries > 0) {
                if (asprintf(&s, "on-failure:%u", p->max_retries) < 0)
                        return -ENOMEM;
        } else {
                s = strdup(restart_policy_names[p->type]);
                if (!s)
                        return -ENOMEM;
        }
        *ret = s;
        return 0;
}

/* ---- ulimits ------------------------------------------------------------------------------------- */

static const struct {
        const char *name;
        int resource;
} ulimit_table[] = {
        { "core",       RLIMIT_CORE },
        { "cpu",        RLIMIT_CPU },
        { "data",       RLIMIT_DATA },
        { "fsize",      RLIMIT_FSIZE },
        { "locks",      RLIMIT_LOCKS },
        { "memlock",    RLIMIT_MEMLOCK },
        { "msgqueue",   RLIMIT_MSGQUEUE },
        { "nice",       RLIMIT_NICE },
        { "nofile",     RLIMIT_NOFILE },
        { "nproc",      RLIMIT_NPROC },
        { "rss",        RLIMIT_RSS },
        { "rtprio",     RLIMIT_RTPRIO },
        { "rttime",     RLIMIT_RTTIME },
        { "sigpending", RLIMIT_SIGPENDING },
        { "stack",      RLIMIT_STACK },
};

const char *rlimit_to_ulimit_name(int resource) {
        for (size_t i = 0; i < ELEMENTSOF(ulimit_table); i++)
                if (ulimit_table[i].resource == resource)
                        return ulimit_table[i].name;
        return NULL;
}

int rlimit_from_ulimit_name(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(ulimit_table); i++)
                if (streq(ulimit_table[i].name, name))
                        return ulimit_table[i].resource;
        return -EINVAL;
}

static int parse_rlim_value(const char *s, uint64_t *ret) {
        if (streq(s, "-1") || streq(s, "unlimited") || streq(s, "infinity")) {
                *ret = RLIM_INFINITY;
                return 0;
        }
        return parse_uint64_range(s, 0, RLIM_INFINITY - 1, ret);
}

int parse_ulimit(const char *s, Ulimit *ret, char **ret_reason) {
        _cleanup_free_ char *name = NULL, *soft_s = NULL;
        const char *eq, *colon, *hard_s = NULL;
        uint64_t soft, hard;
        int resource;

        if (!s)
                return -EINVAL;

        eq = strchr(s, '=');
        if (!eq)
                return reason_flag(ret_reason, "--ulimit", s, "invalid ulimit argument: expected NAME=SOFT[:HARD]");

        name = strndup(s, (size_t) (eq - s));
        if (!name)
                return -ENOMEM;
        resource = rlimit_from_ulimit_name(name);
        if (resource < 0)
                return reason_flag(ret_reason, "--ulimit", s,
                                   "invalid ulimit type '%s': must be one of core, cpu, data, fsize, locks, memlock, "
                                   "msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack", name);

        colon = strchr(eq + 1, ':');
        soft_s = colon ? strndup(eq + 1, (size_t) (colon - eq - 1)) : strdup(eq + 1);
        if (!soft_s)
                return -ENOMEM;
        if (colon)
                hard_s = colon + 1;

        if (parse_rlim_value(soft_s, &soft) < 0)
                return reason_flag(ret_reason, "--ulimit", s, "soft limit '%s' is not a number", soft_s);
        if (hard_s) {
                if (parse_rlim_value(hard_s, &hard) < 0)
                        return reason_flag(ret_reason, "--ulimit", s, "hard limit '%s' is not a number", hard_s);
        } else
                hard = soft;

        if (soft > hard)
                return reason_flag(ret_reason, "--ulimit", s,
                                   "ulimit soft limit must be less than or equal to hard limit");

        *ret = (Ulimit) { resource, soft, hard };
        return 0;
}

static void format_rlim(char buf[static 24], uint64_t v) {
        if (v == RLIM_INFINITY)
                strcpy(buf, "unlimited");
        else
                snprintf(buf, 24, "%" PRIu64, v);
}

int ulimit_to_string(const Ulimit *u, char **ret) {
        char soft[24], hard[24];
        const char *name;
        char *s;

        name = rlimit_to_ulimit_name(u->resource);
        if (!name)
                return -EINVAL;
        format_rlim(soft, u->soft);
        format_rlim(hard, u->hard);
        if (asprintf(&s, "%s=%s:%s", name, soft, hard) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* ---- mounts -------------------------------------------------------------------------------------- */

void mount_spec_done(MountSpec *m) {
        if (!m)
                return;
        m->source = mfree(m->source);
        m->destination = mfree(m->destination);
        m->tmpfs_options = strv_free(m->tmpfs_options);
}

static const char * const propagation_names[_MOUNT_PROPAGATION_MAX] = {
        [MOUNT_PROPAGATION_DEFAULT] = NULL,
        [MOUNT_PROPAGATION_PRIVATE] = "private",
        [MOUNT_PROPAGATION_RPRIVATE] = "rprivate",
        [MOUNT_PROPAGATION_SHARED] = "shared",
        [MOUNT_PROPAGATION_RSHARED] = "rshared",
        [MOUNT_PROPAGATION_SLAVE] = "slave",
        [MOUNT_PROPAGATION_RSLAVE] = "rslave",
};

static int propagation_from_string(const char *s) {
        for (int i = 1; i < _MOUNT_PROPAGATION_MAX; i++)
                if (streq(s, propagation_names[i]))
                        return i;
        return -EINVAL;
}

static const char * const bind_recursive_names[_BIND_RECURSIVE_MAX] = {
        [BIND_RECURSIVE_ENABLED] = "enabled",
        [BIND_RECURSIVE_DISABLED] = "disabled",
        [BIND_RECURSIVE_WRITABLE] = "writable",
        [BIND_RECURSIVE_READONLY] = "readonly",
};

/* The destination of any mount: absolute, cleaned, not "/". */
static int mount_destination(const char *flag, const char *value, const char *dst, char **ret, char **ret_reason) {
        _cleanup_free_ char *d = NULL;
        int r;

        if (isempty(dst))
                return reason_flag(ret_reason, flag, value, "destination must not be empty");
        if (dst[0] != '/')
                return reason_flag(ret_reason, flag, value, "invalid mount path: '%s' mount path must be absolute", dst);
        r = path_normalize(dst, &d);
        if (r < 0)
                return r;
        if (streq(d, "/"))
                return reason_flag(ret_reason, flag, value, "invalid mount config: destination can't be '/'");
        *ret = TAKE_PTR(d);
        return 0;
}

/* Named volume or absolute host path. */
static int mount_source(const char *flag, const char *value, const char *src, MountSpec *m, char **ret_reason) {
        if (src[0] == '/') {
                m->type = MOUNT_TYPE_BIND;
                return path_normalize(src, &m->source);
        }
        if (!name_is_valid(src, 1))
                return reason_flag(ret_reason, flag, value,
                                   "'%s' includes invalid characters for a local volume name, only "
                                   "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
                                   "directory, use absolute path", src);
        m->type = MOUNT_TYPE_VOLUME;
        m->source = strdup(src);
        return m->source ? 0 : -ENOMEM;
}

typedef struct VolumeMode {
        bool rw_set, read_only, label_set, nocopy, consistency_set;
        MountPropagation propagation;
} VolumeMode;

static int volume_mode_parse(const char *mode, VolumeMode *ret) {
        _cleanup_strv_free_ char **opts = NULL;
        VolumeMode vm = {};
        int r;

        if (isempty(mode)) {
                *ret = vm;
                return 0;
        }
        r = split(mode, ',', &opts);
        if (r < 0)
                return r;

        STRV_FOREACH(o, opts) {
                int p;

                if (streq(*o, "ro") || streq(*o, "rw")) {
                        if (vm.rw_set)
                                return -EINVAL;
                        vm.rw_set = true;
                        vm.read_only = streq(*o, "ro");
                } else if (streq(*o, "z") || streq(*o, "Z")) {
                        if (vm.label_set)
                                return -EINVAL;
                        vm.label_set = true;
                } else if (streq(*o, "nocopy")) {
                        if (vm.nocopy)
                                return -EINVAL;
                        vm.nocopy = true;
                } else if (streq(*o, "consistent") || streq(*o, "cached") || streq(*o, "delegated")) {
                        if (vm.consistency_set)
                                return -EINVAL;
                        vm.consistency_set = true;
                } else if ((p = propagation_from_string(*o)) >= 0) {
                        if (vm.propagation != MOUNT_PROPAGATION_DEFAULT)
                                return -EINVAL;
                        vm.propagation = (MountPropagation) p;
                } else
                        return -EINVAL;
        }
        *ret = vm;
        return 0;
}

int parse_volume_flag(const char *s, MountSpec *ret, char **ret_reason) {
        _cleanup_(mount_spec_done) MountSpec m = {};
        _cleanup_strv_free_ char **parts = NULL;
        const char *src = NULL, *dst, *mode = NULL;
        VolumeMode vm;
        size_t n;
        int r;

        if (!s)
                return -EINVAL;
        if (isempty(s))
                return reason_flag(ret_reason, "-v", s, "invalid volume specification: must not be empty");

        r = split(s, ':', &parts);
        if (r < 0)
                return r;
        n = strv_length(parts);
        STRV_FOREACH(p, parts)
                if (isempty(*p))
                        return reason_flag(ret_reason, "-v", s, "invalid volume specification: '%s'", s);

        switch (n) {
        case 1:
                dst = parts[0];
                break;
        case 2:
                if (volume_mode_parse(parts[1], &vm) >= 0 && parts[1][0] != '/')
                        /* "/foo:rw": a destination with a mode but no source */
                        return reason_flag(ret_reason, "-v", s, "invalid volume specification: '%s'", s);
                src = parts[0];
                dst = parts[1];
                break;
        case 3:
                src = parts[0];
                dst = parts[1];
                mode = parts[2];
                break;
        default:
                return reason_flag(ret_reason, "-v", s, "invalid volume specification: '%s'", s);
        }

        r = volume_mode_parse(mode, &vm);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return reason_flag(ret_reason, "-v", s, "invalid mode: %s", mode);

        r = mount_destination("-v", s, dst, &m.destination, ret_reason);
        if (r < 0)
                return r;

        if (src) {
                r = mount_source("-v", s, src, &m, ret_reason);
                if (r < 0)
                        return r;
        } else
                m.type = MOUNT_TYPE_VOLUME;

        if (m.type == MOUNT_TYPE_BIND) {
                if (vm.nocopy)
                        return reason_flag(ret_reason, "-v", s, "invalid mode: nocopy is only valid for volumes");
                m.create_source = true;         /* as docker's -v: a missing host directory is created */
                m.propagation = vm.propagation;
        } else {
                if (vm.propagation != MOUNT_PROPAGATION_DEFAULT)
                        return reason_flag(ret_reason, "-v", s,
                                           "invalid mode: propagation %s is only valid for bind mounts",
                                           propagation_names[vm.propagation]);
                m.no_copy = vm.nocopy;
        }
        m.read_only = vm.read_only;

        *ret = m;
        m = (MountSpec) {};
        return 0;
}

/* tmpfs options: flags that replace their opposite (same group), and data options (key=value) that
 * replace the same key. */
static const struct {
        const char *name;
        const char *group;
} tmpfs_flags[] = {
        { "ro", "rw" },               { "rw", "rw" },
        { "exec", "exec" },           { "noexec", "exec" },
        { "suid", "suid" },           { "nosuid", "suid" },
        { "dev", "dev" },             { "nodev", "dev" },
        { "sync", "sync" },           { "async", "sync" },
        { "dirsync", "dirsync" },
        { "atime", "atime" },         { "noatime", "atime" },
        { "diratime", "diratime" },   { "nodiratime", "diratime" },
        { "relatime", "relatime" },   { "norelatime", "relatime" },
        { "strictatime", "strictatime" }, { "nostrictatime", "strictatime" },
        { "mand", "mand" },           { "nomand", "mand" },
        { "private", "propagation" }, { "rprivate", "propagation" },
        { "shared", "propagation" },  { "rshared", "propagation" },
        { "slave", "propagation" },   { "rslave", "propagation" },
        { "unbindable", "propagation" }, { "runbindable", "propagation" },
};

static const char *tmpfs_flag_group(const char *o) {
        for (size_t i = 0; i < ELEMENTSOF(tmpfs_flags); i++)
                if (streq(tmpfs_flags[i].name, o))
                        return tmpfs_flags[i].group;
        return NULL;
}

/* number[kKmMgGtTpPeE%]? */
static bool tmpfs_size_is_valid(const char *v, bool percent) {
        const char *p = v;

        if (!char_is_digit(*p))
                return false;
        while (char_is_digit(*p))
                p++;
        if (!*p)
                return true;
        if (p[1])
                return false;
        return strchr("kKmMgGtTpPeE", *p) || (percent && *p == '%');
}

static bool tmpfs_mode_is_valid(const char *v) {
        size_t n = 0;

        for (const char *p = v; *p; p++, n++)
                if (*p < '0' || *p > '7')
                        return false;
        return n >= 1 && n <= 4;
}

static bool tmpfs_option_is_valid(const char *o) {
        const char *eq = strchr(o, '=');
        const char *v;

        if (!eq)
                return tmpfs_flag_group(o);
        v = eq + 1;
        if (startswith(o, "size="))
                return tmpfs_size_is_valid(v, true);
        if (startswith(o, "nr_blocks=") || startswith(o, "nr_inodes="))
                return tmpfs_size_is_valid(v, false);
        if (startswith(o, "mode="))
                return tmpfs_mode_is_valid(v);
        if (startswith(o, "uid=") || startswith(o, "gid="))
                return parse_uint64_range(v, 0, UINT32_MAX - 1, &(uint64_t) { 0 }) >= 0;
        if (startswith(o, "huge="))
                return streq(v, "never") || streq(v, "always") || streq(v, "within_size") ||
                        streq(v, "advise") || streq(v, "deny") || streq(v, "force");
        if (startswith(o, "mpol="))
                return !isempty(v) && !strpbrk(v, " \t");
        return false;
}

/* Add option o to *opts, removing what it replaces. */
static int tmpfs_option_merge(char ***opts, const char *o) {
        const char *eq = strchr(o, '='), *group = NULL;
        size_t kl = eq ? (size_t) (eq - o) : 0;

        if (!eq)
                group = tmpfs_flag_group(o);

        for (size_t i = 0; *opts && (*opts)[i]; ) {
                const char *e = (*opts)[i];
                bool same;

                if (eq)
                        same = strncmp(e, o, kl + 1) == 0;
                else
                        same = !strchr(e, '=') && streq_ptr(tmpfs_flag_group(e), group);
                if (same)
                        strv_remove_at(*opts, i);
                else
                        i++;
        }
        return strv_extend(opts, o);
}

int mount_spec_tmpfs_options(const MountSpec *m, char ***ret) {
        _cleanup_strv_free_ char **opts = NULL;
        bool propagation = false;
        int r;

        if (m->type != MOUNT_TYPE_TMPFS)
                return -EINVAL;

        static const char * const defaults[] = { "noexec", "nosuid", "nodev" };

        for (size_t i = 0; i < ELEMENTSOF(defaults); i++) {
                r = strv_extend(&opts, defaults[i]);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(o, m->tmpfs_options) {
                r = tmpfs_option_merge(&opts, *o);
                if (r < 0)
                        return r;
                if (streq_ptr(tmpfs_flag_group(*o), "propagation"))
                        propagation = true;
        }
        if (!propagation) {
                r = strv_extend(&opts, "rprivate");
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(opts);
        return 0;
}

int parse_tmpfs_flag(const char *s, MountSpec *ret, char **ret_reason) {
        _cleanup_(mount_spec_done) MountSpec m = { .type = MOUNT_TYPE_TMPFS };
        _cleanup_free_ char *dst = NULL;
        const char *colon;
        int r;

        if (!s)
                return -EINVAL;

        colon = strchr(s, ':');
        dst = colon ? strndup(s, (size_t) (colon - s)) : strdup(s);
        if (!dst)
                return -ENOMEM;

        r = mount_destination("--tmpfs", s, dst, &m.destination, ret_reason);
        if (r < 0)
                return r;

        if (colon && colon[1]) {
                _cleanup_strv_free_ char **opts = NULL;

                r = split(colon + 1, ',', &opts);
                if (r < 0)
                        return r;
                STRV_FOREACH(o, opts) {
                        if (!tmpfs_option_is_valid(*o))
                                return reason_flag(ret_reason, "--tmpfs", s, "invalid tmpfs option '%s'", *o);
                        r = tmpfs_option_merge(&m.tmpfs_options, *o);
                        if (r < 0)
                                return r;
                }
        }

        *ret = m;
        m = (MountSpec) {};
        return 0;
}

static int parse_mount_bool(const char *s, const char *field, const char *value, bool *ret, char **ret_reason) {
        int b;

        if (!value) {
                *ret = true;
                return 0;
        }
        b = parse_boolean(value);
        if (b < 0)
                return reason_flag(ret_reason, "--mount", s, "invalid value for %s: %s", field, value);
        *ret = b;
        return 0;
}

int parse_mount_flag(const char *s, MountSpec *ret, char **ret_reason) {
        _cleanup_(mount_spec_done) MountSpec m = {};
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_free_ char *type = NULL, *source = NULL, *target = NULL;
        bool bind_opts = false, volume_opts = false, tmpfs_opts = false, b = false;
        bool have_size = false, have_mode = false;
        uint64_t tmpfs_size = 0, tmpfs_mode = 0;
        int r;

        if (!s)
                return -EINVAL;
        if (isempty(s))
                return reason_flag(ret_reason, "--mount", s, "must not be empty");

        r = csv_split(s, &fields);
        if (r == -EBADMSG)
                return reason_flag(ret_reason, "--mount", s, "invalid quoting");
        if (r < 0)
                return r;

        STRV_FOREACH(f, fields) {
                _cleanup_free_ char *key = NULL;
                const char *eq = strchr(*f, '='), *val = eq ? eq + 1 : NULL;

                key = eq ? strndup(*f, (size_t) (eq - *f)) : strdup(*f);
                if (!key)
                        return -ENOMEM;
                ascii_strlower(key);

                if (!eq && !(streq(key, "readonly") || streq(key, "ro") || streq(key, "volume-nocopy") ||
                             streq(key, "bind-nonrecursive") || streq(key, "bind-create-src")))
                        return reason_flag(ret_reason, "--mount", s, "invalid field '%s' must be a key=value pair", *f);

                if (streq(key, "type")) {
                        r = free_and_strdup(&type, val);
                        if (r < 0)
                                return r;
                        ascii_strlower(type);
                } else if (streq(key, "source") || streq(key, "src")) {
                        r = free_and_strdup(&source, val);
                        if (r < 0)
                                return r;
                } else if (streq(key, "target") || streq(key, "destination") || streq(key, "dst")) {
                        r = free_and_strdup(&target, val);
                        if (r < 0)
                                return r;
                } else if (streq(key, "readonly") || streq(key, "ro")) {
                        r = parse_mount_bool(s, key, val, &m.read_only, ret_reason);
                        if (r < 0)
                                return r;
                } else if (streq(key, "consistency")) {
                        if (!val || !(streq(val, "default") || streq(val, "consistent") ||
                                      streq(val, "cached") || streq(val, "delegated")))
                                return reason_flag(ret_reason, "--mount", s, "invalid value for consistency: %s", strna(val));
                } else if (streq(key, "bind-propagation")) {
                        int p = propagation_from_string(val);

                        if (p < 0)
                                return reason_flag(ret_reason, "--mount", s, "invalid value for bind-propagation: %s", val);
                        m.propagation = (MountPropagation) p;
                        bind_opts = true;
                } else if (streq(key, "bind-recursive")) {
                        int k = -1;

                        for (int i = 0; i < _BIND_RECURSIVE_MAX; i++)
                                if (streq(val, bind_recursive_names[i]))
                                        k = i;
                        if (k < 0)
                                return reason_flag(ret_reason, "--mount", s,
                                                   "invalid value for bind-recursive: %s (must be enabled, disabled, writable or readonly)", val);
                        m.recursive = (BindRecursive) k;
                        bind_opts = true;
                } else if (streq(key, "bind-nonrecursive")) {
                        r = parse_mount_bool(s, key, val, &b, ret_reason);
                        if (r < 0)
                                return r;
                        if (b)
                                m.recursive = BIND_RECURSIVE_DISABLED;
                        bind_opts = true;
                } else if (streq(key, "bind-create-src")) {
                        r = parse_mount_bool(s, key, val, &m.create_source, ret_reason);
                        if (r < 0)
                                return r;
                        bind_opts = true;
                } else if (streq(key, "volume-nocopy")) {
                        r = parse_mount_bool(s, key, val, &m.no_copy, ret_reason);
                        if (r < 0)
                                return r;
                        volume_opts = true;
                } else if (streq(key, "volume-driver")) {
                        if (!streq(val, "local"))
                                return reason_flag(ret_reason, "--mount", s, "volume driver '%s' is not supported, only 'local' is", val);
                        volume_opts = true;
                } else if (streq(key, "volume-label") || streq(key, "volume-opt") || streq(key, "volume-subpath")) {
                        return reason_flag(ret_reason, "--mount", s,
                                           "%s is not supported; create the volume with 'nyxctl volume create' first", key);
                } else if (streq(key, "tmpfs-size")) {
                        if (parse_size(val, &tmpfs_size) < 0 || tmpfs_size == 0)
                                return reason_flag(ret_reason, "--mount", s, "invalid value for tmpfs-size: %s", val);
                        have_size = true;
                        tmpfs_opts = true;
                } else if (streq(key, "tmpfs-mode")) {
                        char *end;

                        errno = 0;
                        tmpfs_mode = strtoull(val, &end, 8);
                        if (isempty(val) || *end || errno != 0 || !char_is_digit(val[0]) || tmpfs_mode > 07777)
                                return reason_flag(ret_reason, "--mount", s, "invalid value for tmpfs-mode: %s", val);
                        have_mode = true;
                        tmpfs_opts = true;
                } else
                        return reason_flag(ret_reason, "--mount", s, "unexpected key '%s' in '%s'", key, *f);
        }

        if (!type) {
                type = strdup("volume");        /* docker's default */
                if (!type)
                        return -ENOMEM;
        }
        if (streq(type, "bind"))
                m.type = MOUNT_TYPE_BIND;
        else if (streq(type, "volume"))
                m.type = MOUNT_TYPE_VOLUME;
        else if (streq(type, "tmpfs"))
                m.type = MOUNT_TYPE_TMPFS;
        else
                return reason_flag(ret_reason, "--mount", s, "invalid mount type '%s': must be bind, volume or tmpfs", type);

        if (!target)
                return reason_flag(ret_reason, "--mount", s, "target is required");
        if (volume_opts && m.type != MOUNT_TYPE_VOLUME)
                return reason_flag(ret_reason, "--mount", s, "cannot mix 'volume-*' options with mount type '%s'", type);
        if (bind_opts && m.type != MOUNT_TYPE_BIND)
                return reason_flag(ret_reason, "--mount", s, "cannot mix 'bind-*' options with mount type '%s'", type);
        if (tmpfs_opts && m.type != MOUNT_TYPE_TMPFS)
                return reason_flag(ret_reason, "--mount", s, "cannot mix 'tmpfs-*' options with mount type '%s'", type);

        r = mount_destination("--mount", s, target, &m.destination, ret_reason);
        if (r < 0)
                return r;

        switch (m.type) {

        case MOUNT_TYPE_BIND:
                if (isempty(source))
                        return reason_flag(ret_reason, "--mount", s, "source is required for bind mounts");
                if (source[0] != '/')
                        return reason_flag(ret_reason, "--mount", s, "invalid mount config for type \"bind\": "
                                           "source '%s' must be an absolute path", source);
                r = path_normalize(source, &m.source);
                if (r < 0)
                        return r;
                break;

        case MOUNT_TYPE_VOLUME:
                if (!isempty(source)) {
                        r = mount_source("--mount", s, source, &m, ret_reason);
                        if (r < 0)
                                return r;
                        if (m.type != MOUNT_TYPE_VOLUME)
                                return reason_flag(ret_reason, "--mount", s,
                                                   "invalid mount config for type \"volume\": source '%s' is a path; "
                                                   "use type=bind for host paths", source);
                }
                break;

        case MOUNT_TYPE_TMPFS:
                if (!isempty(source))
                        return reason_flag(ret_reason, "--mount", s,
                                           "invalid mount config for type \"tmpfs\": field Source must not be specified");
                if (m.read_only) {
                        r = tmpfs_option_merge(&m.tmpfs_options, "ro");
                        if (r < 0)
                                return r;
                        m.read_only = false;
                }
                if (have_size) {
                        r = strv_extendf(&m.tmpfs_options, "size=%" PRIu64, tmpfs_size);
                        if (r < 0)
                                return r;
                }
                if (have_mode) {
                        r = strv_extendf(&m.tmpfs_options, "mode=%04" PRIo64, tmpfs_mode);
                        if (r < 0)
                                return r;
                }
                break;

        default:
                return -EINVAL;
        }

        *ret = m;
        m = (MountSpec) {};
        return 0;
}

int mount_spec_to_string(const MountSpec *m, char **ret) {
        _cleanup_free_ char *s = NULL;
        int r;

        if (!m->destination)
                return -EINVAL;

        if (m->type == MOUNT_TYPE_TMPFS) {
                _cleanup_free_ char *opts = NULL;

                STRV_FOREACH(o, m->tmpfs_options) {
                        char *n = opts ? strjoin(opts, ",", *o) : strdup(*o);

                        if (!n)
                                return -ENOMEM;
                        free(opts);
                        opts = n;
                }
                s = opts ? strjoin(m->destination, ":", opts) : strdup(m->destination);
                if (!s)
                        return -ENOMEM;
                *ret = TAKE_PTR(s);
                return 0;
        }

        r = csv_append(&s, m->type == MOUNT_TYPE_BIND ? "type=bind" : "type=volume");
        if (r < 0)
                return r;
        if (m->source) {
                _cleanup_free_ char *f = strjoin("source=", m->source);

                if (!f)
                        return -ENOMEM;
                r = csv_append(&s, f);
                if (r < 0)
                        return r;
        }
        {
                _cleanup_free_ char *f = strjoin("target=", m->destination);

                if (!f)
                        return -ENOMEM;
                r = csv_append(&s, f);
                if (r < 0)
                        return r;
        }
        if (m->read_only) {
                r = csv_append(&s, "readonly");
                if (r < 0)
                        return r;
        }
        if (m->type == MOUNT_TYPE_BIND) {
                if (m->propagation != MOUNT_PROPAGATION_DEFAULT) {
                        _cleanup_free_ char *f = strjoin("bind-propagation=", propagation_names[m->propagation]);

                        if (!f)
                                return -ENOMEM;
                        r = csv_append(&s, f);
                        if (r < 0)
                                return r;
                }
                if (m->recursive != BIND_RECURSIVE_ENABLED) {
                        _cleanup_free_ char *f = strjoin("bind-recursive=", bind_recursive_names[m->recursive]);

                        if (!f)
                                return -ENOMEM;
                        r = csv_append(&s, f);
                        if (r < 0)
                                return r;
                }
                if (m->create_source) {
                        r = csv_append(&s, "bind-create-src");
                        if (r < 0)
                                return r;
                }
        } else if (m->no_copy) {
                r = csv_append(&s, "volume-nocopy");
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(s);
        return 0;
}

/* ---- sysctls ------------------------------------------------------------------------------------- */

bool sysctl_is_network(const char *key) {
        return startswith(key, "net.");
}

static bool sysctl_is_namespaced(const char *key) {
        return startswith(key, "kernel.msg") || startswith(key, "kernel.shm") || streq(key, "kernel.sem") ||
                startswith(key, "fs.mqueue.") || startswith(key, "net.");
}

static bool sysctl_key_is_valid(const char *key) {
        bool empty = true;

        /* Components separated by '.', none empty; no '/' (the runtime maps '.' to '/' under
         * /proc/sys), no blanks. */
        for (const char *p = key; ; p++) {
                if (*p == '.' || !*p) {
                        if (empty)
                                return false;
                        if (!*p)
                                return true;
                        empty = true;
                        continue;
                }
                if (*p == '/' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '=' || (unsigned char) *p < 0x20)
                        return false;
                empty = false;
        }
}

int parse_sysctl(const char *s, char **ret_key, char **ret_value, char **ret_reason) {
        _cleanup_free_ char *key = NULL, *value = NULL;
        const char *eq;

        if (!s)
                return -EINVAL;

        eq = strchr(s, '=');
        if (!eq)
                return reason_flag(ret_reason, "--sysctl", s, "expected KEY=VALUE");
        key = strndup(s, (size_t) (eq - s));
        value = strdup(eq + 1);
        if (!key || !value)
                return -ENOMEM;

        if (!sysctl_key_is_valid(key))
                return reason_flag(ret_reason, "--sysctl", s, "invalid sysctl name '%s'", key);
        if (isempty(value))
                return reason_flag(ret_reason, "--sysctl", s, "value must not be empty");
        if (strchr(value, '\n'))
                return reason_flag(ret_reason, "--sysctl", s, "value must not contain a newline");
        if (!sysctl_is_namespaced(key))
                return reason_flag(ret_reason, "--sysctl", s,
                                   "sysctl '%s' is not allowed: only namespaced sysctls (kernel.msg*, kernel.sem, "
                                   "kernel.shm*, fs.mqueue.*, net.*) can be set for a container", key);

        *ret_key = TAKE_PTR(key);
        *ret_value = TAKE_PTR(value);
        return 0;
}

/* ---- cpus, sizes, numbers ------------------------------------------------------------------------ */

int parse_cpus(const char *s, uint64_t *ret_quota_per_sec_usec, char **ret_reason) {
        uint64_t whole = 0, frac = 0;
        size_t nfrac = 0;
        const char *p = s;
        bool digits = false;

        if (!s)
                return -EINVAL;

        while (char_is_digit(*p)) {
                if (whole > 1000000)
                        return reason_flag(ret_reason, "--cpus", s, "value is too large");
                whole = whole * 10 + (uint64_t) (*p - '0');
                digits = true;
                p++;
        }
        if (*p == '.') {
                p++;
                while (char_is_digit(*p)) {
                        if (nfrac < 6) {
                                frac = frac * 10 + (uint64_t) (*p - '0');
                                nfrac++;
                        } else if (*p != '0')
                                return reason_flag(ret_reason, "--cpus", s,
                                                   "value is too precise, at most 6 decimal places are supported");
                        digits = true;
                        p++;
                }
        }
        if (!digits || *p)
                return reason_flag(ret_reason, "--cpus", s, "invalid number of CPUs, expected a decimal like 1.5");
        if (whole > 1000000)
                return reason_flag(ret_reason, "--cpus", s, "value is too large");

        while (nfrac < 6) {
                frac *= 10;
                nfrac++;
        }
        *ret_quota_per_sec_usec = whole * 1000000 + frac;
        return 0;
}

int parse_bytes_flag(const char *flag, const char *s, uint64_t *ret, char **ret_reason) {
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        r = parse_size(s, &v);
        if (r == -ERANGE || (r >= 0 && v > INT64_MAX))
                return reason_flag(ret_reason, flag, s, "size is too large");
        if (r < 0)
                return reason_flag(ret_reason, flag, s, "invalid size, expected a number with an optional unit (b, k, m, g, t)");
        *ret = v;
        return 0;
}

int parse_memory_swap(const char *s, int64_t *ret, char **ret_reason) {
        uint64_t v = 0;
        int r;

        if (!s)
                return -EINVAL;
        if (streq(s, "-1")) {
                *ret = -1;
                return 0;
        }
        r = parse_bytes_flag("--memory-swap", s, &v, ret_reason);
        if (r < 0)
                return r;
        *ret = (int64_t) v;
        return 0;
}

int parse_pids_limit(const char *s, int64_t *ret, char **ret_reason) {
        int64_t v;

        if (!s)
                return -EINVAL;
        if (parse_i64(s, &v) < 0)
                return reason_flag(ret_reason, "--pids-limit", s, "expected a number (-1 for unlimited)");
        *ret = v <= 0 ? -1 : v;
        return 0;
}

int parse_cpu_shares(const char *s, uint64_t *ret, char **ret_reason) {
        uint64_t v;

        if (!s)
                return -EINVAL;
        if (parse_u64(s, &v) < 0)
                return reason_flag(ret_reason, "--cpu-shares", s, "expected a number");
        if (v != 0 && (v < 2 || v > CONTAINER_CPU_SHARES_MAX))
                return reason_flag(ret_reason, "--cpu-shares", s, "must be between 2 and %" PRIu64, CONTAINER_CPU_SHARES_MAX);
        *ret = v;
        return 0;
}

int parse_stop_timeout(const char *s, uint64_t *ret_usec, char **ret_reason) {
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        if (streq(s, "-1") || streq(s, "infinity")) {
                *ret_usec = STOP_TIMEOUT_INFINITY;
                return 0;
        }
        r = parse_sec(s, &v);
        if (r < 0 || v == STOP_TIMEOUT_INFINITY)
                return reason_flag(ret_reason, "--stop-timeout", s,
                                   "expected seconds, a time span such as 500ms or 2m, or -1 to wait forever");
        *ret_usec = v;
        return 0;
}

int parse_oom_score_adj(const char *s, int *ret, char **ret_reason) {
        int64_t v;

        if (!s)
                return -EINVAL;
        if (parse_i64(s, &v) < 0 || v < -1000 || v > 1000)
                return reason_flag(ret_reason, "--oom-score-adj", s, "must be a number between -1000 and 1000");
        *ret = (int) v;
        return 0;
}

/* ---- signals ------------------------------------------------------------------------------------- */

static const struct {
        const char *name;
        int sig;
} signal_table[] = {
        { "HUP", SIGHUP },      { "INT", SIGINT },      { "QUIT", SIGQUIT },    { "ILL", SIGILL },
        { "TRAP", SIGTRAP },    { "ABRT", SIGABRT },    { "IOT", SIGIOT },      { "BUS", SIGBUS },
        { "FPE", SIGFPE },      { "KILL", SIGKILL },    { "USR1", SIGUSR1 },    { "SEGV", SIGSEGV },
        { "USR2", SIGUSR2 },    { "PIPE", SIGPIPE },    { "ALRM", SIGALRM },    { "TERM", SIGTERM },
#ifdef SIGSTKFLT
        { "STKFLT", SIGSTKFLT },
#endif
        { "CHLD", SIGCHLD },    { "CONT", SIGCONT },    { "STOP", SIGSTOP },    { "TSTP", SIGTSTP },
        { "TTIN", SIGTTIN },    { "TTOU", SIGTTOU },    { "URG", SIGURG },      { "XCPU", SIGXCPU },
        { "XFSZ", SIGXFSZ },    { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },   { "WINCH", SIGWINCH },
        { "IO", SIGIO },        { "POLL", SIGPOLL },
#ifdef SIGPWR
        { "PWR", SIGPWR },
#endif
        { "SYS", SIGSYS },
};

int parse_signal(const char *flag, const char *s, int *ret, char **ret_reason) {
        const char *n;
        uint64_t v;

        if (!s)
                return -EINVAL;
        if (!flag)
                flag = "--signal";

        if (char_is_digit(s[0])) {
                if (parse_uint64_range(s, 1, (uint64_t) SIGRTMAX, &v) < 0)
                        return reason_flag(ret_reason, flag, s, "invalid signal number, must be 1 to %d", SIGRTMAX);
                *ret = (int) v;
                return 0;
        }

        n = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
        for (size_t i = 0; i < ELEMENTSOF(signal_table); i++)
                if (strcasecmp(n, signal_table[i].name) == 0) {
                        *ret = signal_table[i].sig;
                        return 0;
                }

        if (strncasecmp(n, "RTMIN", 5) == 0 || strncasecmp(n, "RTMAX", 5) == 0) {
                bool min = strncasecmp(n, "RTMIN", 5) == 0;
                const char *t = n + 5;
                int sig = min ? SIGRTMIN : SIGRTMAX;

                if (*t) {
                        if (*t != (min ? '+' : '-') ||
                            parse_uint64_range(t + 1, 0, (uint64_t) (SIGRTMAX - SIGRTMIN), &v) < 0)
                                return reason_flag(ret_reason, flag, s, "invalid real-time signal");
                        sig = min ? sig + (int) v : sig - (int) v;
                }
                *ret = sig;
                return 0;
        }

        return reason_flag(ret_reason, flag, s, "invalid signal");
}

char *signal_to_string(int sig) {
        char *s;

        for (size_t i = 0; i < ELEMENTSOF(signal_table); i++)
                if (signal_table[i].sig == sig)
                        return strjoin("SIG", signal_table[i].name);
        if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
                if (sig == SIGRTMIN)
                        return strdup("SIGRTMIN");
                if (asprintf(&s, "SIGRTMIN+%d", sig - SIGRTMIN) < 0)
                        return NULL;
                return s;
        }
        if (sig > 0 && sig <= SIGRTMAX) {
                /* 32 and 33: real-time signals the C library keeps for itself, nameless */
                if (asprintf(&s, "%d", sig) < 0)
                        return NULL;
                return s;
        }
        return NULL;
}

/* ---- network mode -------------------------------------------------------------------------------- */

void network_mode_done(NetworkMode *n) {
        if (!n)
                return;
        n->name = mfree(n->name);
}

int parse_network_mode(const char *s, NetworkMode *ret, char **ret_reason) {
        const char *c;
        char *name;

        if (!s)
                return -EINVAL;
        if (streq(s, "bridge") || streq(s, "default")) {
                *ret = (NetworkMode) { NETWORK_MODE_BRIDGE, NULL };
                return 0;
        }
        if (streq(s, "none")) {
                *ret = (NetworkMode) { NETWORK_MODE_NONE, NULL };
                return 0;
        }
        if (streq(s, "host")) {
                *ret = (NetworkMode) { NETWORK_MODE_HOST, NULL };
                return 0;
        }
        c = startswith(s, "container:");
        if (c) {
                if (!name_is_valid(c, 0))
                        return reason_flag(ret_reason, "--network", s,
                                           "expected container:NAME with the name or id of a container");
                name = strdup(c);
                if (!name)
                        return -ENOMEM;
                *ret = (NetworkMode) { NETWORK_MODE_CONTAINER, name };
                return 0;
        }
        if (!name_is_valid(s, 0))
                return reason_flag(ret_reason, "--network", s,
                                   "invalid network: expected bridge, none, host, container:NAME or the name of a network");
        name = strdup(s);
        if (!name)
                return -ENOMEM;
        *ret = (NetworkMode) { NETWORK_MODE_NETWORK, name };
        return 0;
}

int network_mode_to_string(const NetworkMode *n, char **ret) {
        char *s;

        switch (n->type) {
        case NETWORK_MODE_BRIDGE:
                s = strdup("bridge");
                break;
        case NETWORK_MODE_NONE:
                s = strdup("none");
                break;
        case NETWORK_MODE_HOST:
                s = strdup("host");
                break;
        case NETWORK_MODE_NETWORK:
                if (!n->name)
                        return -EINVAL;
                s = strdup(n->name);
                break;
        case NETWORK_MODE_CONTAINER:
                if (!n->name)
                        return -EINVAL;
                s = strjoin("container:", n->name);
                break;
        default:
                return -EINVAL;
        }
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int parse_ip_flag(const char *s, char **ret_reason) {
        struct in_addr a;

        if (!s || inet_pton(AF_INET, s, &a) != 1)
                return reason_flag(ret_reason, "--ip", s, "not an IPv4 address");
        return 0;
}

int parse_dns_flag(const char *s, char **ret_reason) {
        unsigned char buf[sizeof(struct in6_addr)];

        if (!s || (inet_pton(AF_INET, s, buf) != 1 && inet_pton(AF_INET6, s, buf) != 1))
                return reason_flag(ret_reason, "--dns", s, "not an IP address");
        return 0;
}

int parse_add_host_flag(const char *s, char **ret_reason) {
        _cleanup_free_ char *host = NULL;
        unsigned char buf[sizeof(struct in6_addr)];
        const char *colon, *ip;

        colon = s ? strchr(s, ':') : NULL;
        if (!colon)
                return reason_flag(ret_reason, "--add-host", s, "expected HOST:IP");
        host = strndup(s, colon - s);
        if (!host)
                return -ENOMEM;
        ip = colon + 1;
        if (hostname_validate(host, NULL) < 0)
                return reason_flag(ret_reason, "--add-host", s, "invalid host name '%s'", host);
        if (inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1)
                return reason_flag(ret_reason, "--add-host", s, "'%s' is not an IP address", ip);
        return 0;
}

int parse_network_alias_flag(const char *s, char **ret_reason) {
        if (!s || hostname_validate(s, NULL) < 0)
                return reason_flag(ret_reason, "--network-alias", s, "invalid name: letters, digits, '-' and '.'");
        return 0;
}

/* ---- validators ---------------------------------------------------------------------------------- */

bool container_id_is_valid(const char *id) {
        size_t n = 0;

        if (!id)
                return false;
        for (const char *p = id; *p; p++, n++)
                if (!char_is_digit(*p) && !(*p >= 'a' && *p <= 'f'))
                        return false;
        return n == CONTAINER_ID_LENGTH;
}

int container_name_validate(const char *name, char **ret_reason) {
        /* The rule nyx documents: [a-zA-Z0-9][a-zA-Z0-9_.-]* (docker wants two
         * characters; a one-letter name is a fine unit name, so nyx takes it). */
        if (!name_is_valid(name, 0))
                return reason_flag(ret_reason, "--name", name,
                                   "invalid container name, only [a-zA-Z0-9][a-zA-Z0-9_.-]* is allowed");
        if (strlen(name) > 253)
                return reason_flag(ret_reason, "--name", name, "container name is too long (at most 253 characters)");
        return 0;
}

int hostname_validate(const char *hostname, char **ret_reason) {
        size_t label = 0;

        if (isempty(hostname))
                return reason_flag(ret_reason, "--hostname", hostname, "hostname must not be empty");
        if (strlen(hostname) > 64)
                return reason_flag(ret_reason, "--hostname", hostname, "hostname is longer than 64 characters");

        for (const char *p = hostname; ; p++) {
                if (*p == '.' || !*p) {
                        if (label == 0 || p[-1] == '-')
                                return reason_flag(ret_reason, "--hostname", hostname, "invalid hostname format");
                        if (!*p)
                                return 0;
                        label = 0;
                        continue;
                }
                if (!char_is_alnum(*p) && !(*p == '-' && label > 0))
                        return reason_flag(ret_reason, "--hostname", hostname, "invalid hostname format");
                label++;
                if (label > 63)
                        return reason_flag(ret_reason, "--hostname", hostname, "hostname label is longer than 63 characters");
        }
}

int working_dir_validate(const char *dir, char **ret_reason) {
        if (isempty(dir) || dir[0] != '/')
                return reason_flag(ret_reason, "--workdir", dir,
                                   "the working directory is invalid, it needs to be an absolute path");
        return 0;
}

int env_entry_validate(const char *entry, char **ret_reason) {
        if (isempty(entry) || entry[0] == '=')
                return reason_flag(ret_reason, "--env", entry, "invalid environment variable: the name must not be empty");
        return 0;
}

/* ---- the spec ------------------------------------------------------------------------------------ */

int container_spec_new(ContainerSpec **ret) {
        ContainerSpec *s;

        s = calloc(1, sizeof(ContainerSpec));
        if (!s)
                return -ENOMEM;
        s->network.type = NETWORK_MODE_BRIDGE;
        s->restart.type = RESTART_POLICY_NO;
        *ret = s;
        return 0;
}

ContainerSpec *container_spec_free(ContainerSpec *s) {
        if (!s)
                return NULL;

        free(s->name);
        free(s->id);
        free(s->image);
        free(s->image_id);
        strv_free(s->entrypoint);
        strv_free(s->cmd);
        strv_free(s->env);
        free(s->working_dir);
        free(s->user);
        free(s->hostname);
        strv_free(s->labels);
        free(s->ulimits);
        strv_free(s->cap_add);
        strv_free(s->cap_drop);
        free(s->seccomp_profile);
        for (size_t i = 0; i < s->n_mounts; i++)
                mount_spec_done(&s->mounts[i]);
        free(s->mounts);
        strv_free(s->sysctls);
        network_mode_done(&s->network);
        free(s->ip);
        strv_free(s->dns);
        strv_free(s->extra_hosts);
        strv_free(s->network_aliases);
        free(s->log_tag);
        free(s->ports);
        free(s->listen);
        return mfree(s);
}

int container_spec_add_mount(ContainerSpec *s, MountSpec *m, char **ret_reason) {
        MountSpec *n;

        if (!m->destination)
                return -EINVAL;
        for (size_t i = 0; i < s->n_mounts; i++)
                if (streq(s->mounts[i].destination, m->destination))
                        return reason_set(ret_reason, "duplicate mount point: %s", m->destination);

        n = reallocarray(s->mounts, s->n_mounts + 1, sizeof(MountSpec));
        if (!n)
                return -ENOMEM;
        s->mounts = n;
        s->mounts[s->n_mounts++] = *m;
        *m = (MountSpec) {};
        return 0;
}

int container_spec_add_ulimit(ContainerSpec *s, const Ulimit *u) {
        Ulimit *n;

        for (size_t i = 0; i < s->n_ulimits; i++)
                if (s->ulimits[i].resource == u->resource) {
                        s->ulimits[i] = *u;
                        return 0;
                }
        n = reallocarray(s->ulimits, s->n_ulimits + 1, sizeof(Ulimit));
        if (!n)
                return -ENOMEM;
        s->ulimits = n;
        s->ulimits[s->n_ulimits++] = *u;
        return 0;
}

int container_spec_set_label(ContainerSpec *s, const char *key, const char *value) {
        if (isempty(key) || strchr(key, '='))
                return -EINVAL;
        return strv_set_pair(&s->labels, key, strempty(value));
}

int container_spec_set_sysctl(ContainerSpec *s, const char *key, const char *value) {
        if (isempty(key) || strchr(key, '='))
                return -EINVAL;
        return strv_set_pair(&s->sysctls, key, value);
}

const char *container_spec_effective_user(const ContainerSpec *s, const char *image_user) {
        if (!isempty(s->user))
                return s->user;
        return strempty(image_user);
}

int container_spec_validate(const ContainerSpec *s, char **ret_reason) {
        if (s->memory > 0 && s->memory < CONTAINER_MEMORY_MIN)
                return reason_set(ret_reason, "--memory %" PRIu64 ": minimum memory limit allowed is 6MB", s->memory);
        if (s->memory_swap > 0 && s->memory == 0)
                return reason_set(ret_reason, "--memory-swap %" PRIi64 ": you should always set the memory limit "
                                  "when using the memory-swap limit", s->memory_swap);
        if (s->memory_swap > 0 && (uint64_t) s->memory_swap < s->memory)
                return reason_set(ret_reason, "--memory-swap %" PRIi64 ": minimum memory-swap limit should be "
                                  "larger than the memory limit (%" PRIu64 ")", s->memory_swap, s->memory);
        if (s->memory_swap < -1)
                return reason_set(ret_reason, "--memory-swap %" PRIi64 ": must be a size or -1", s->memory_swap);
        if (s->pids_limit < -1)
                return reason_set(ret_reason, "--pids-limit %" PRIi64 ": must be positive or -1", s->pids_limit);
        if (s->cpu_shares != 0 && (s->cpu_shares < 2 || s->cpu_shares > CONTAINER_CPU_SHARES_MAX))
                return reason_set(ret_reason, "--cpu-shares %" PRIu64 ": must be between 2 and %" PRIu64,
                                  s->cpu_shares, CONTAINER_CPU_SHARES_MAX);
        if (s->oom_score_adj_set && (s->oom_score_adj < -1000 || s->oom_score_adj > 1000))
                return reason_set(ret_reason, "--oom-score-adj %d: must be between -1000 and 1000", s->oom_score_adj);
        if (s->restart.type != RESTART_POLICY_NO && s->auto_remove)
                return reason_set(ret_reason, "conflicting options: cannot specify both --restart and --rm");
        if (s->ip && !IN_SET(s->network.type, NETWORK_MODE_BRIDGE, NETWORK_MODE_NETWORK))
                return reason_set(ret_reason, "--ip needs a bridge network (--network bridge or a network's name)");
        if (s->network_aliases && s->network.type != NETWORK_MODE_NETWORK)
                return reason_set(ret_reason, "--network-alias is only supported on user-defined networks "
                                  "(nyxctl network create NAME, then --network NAME)");
        if ((s->dns || s->extra_hosts) && s->network.type == NETWORK_MODE_CONTAINER)
                return reason_set(ret_reason, "conflicting options: --dns/--add-host and --network container:%s",
                                  strna(s->network.name));
        if (s->hostname && s->network.type == NETWORK_MODE_CONTAINER)
                return reason_set(ret_reason, "conflicting options: --hostname and --network container:%s",
                                  strna(s->network.name));
        if (s->network.type == NETWORK_MODE_HOST)
                STRV_FOREACH(kv, s->sysctls)
                        if (sysctl_is_network(*kv))
                                return reason_flag(ret_reason, "--sysctl", *kv,
                                                   "net.* sysctls are not allowed with --network host: "
                                                   "they would change the host's network namespace");
        if ((s->n_ports > 0 || s->publish_all) &&
            IN_SET(s->network.type, NETWORK_MODE_NONE, NETWORK_MODE_HOST, NETWORK_MODE_CONTAINER))
                return reason_set(ret_reason, "conflicting options: port publishing (-p, -P) and --network %s: "
                                  "published ports need a bridge network", s->network.type == NETWORK_MODE_NONE ? "none" :
                                  s->network.type == NETWORK_MODE_HOST ? "host" : "container:...");
        if (s->listen && s->network.type == NETWORK_MODE_HOST)
                return reason_set(ret_reason, "conflicting options: --listen and --network host: the container "
                                  "would listen on the host's port itself");
        if (s->idle_timeout_usec > 0 && !s->listen)
                return reason_set(ret_reason, "--idle-timeout needs --listen: only a socket-activated container "
                                  "is stopped when idle");
        if (s->listen && (s->auto_remove || s->restart.type != RESTART_POLICY_NO))
                return reason_set(ret_reason, "conflicting options: --listen with %s: the socket starts the "
                                  "container on demand", s->auto_remove ? "--rm" : "--restart");
        for (size_t i = 0; i < s->n_ports; i++)
                for (size_t j = i + 1; j < s->n_ports; j++)
                        if (port_mapping_conflicts(&s->ports[i], &s->ports[j]))
                                return reason_set(ret_reason, "-p: host port %u/%s is published twice",
                                                  s->ports[j].host_port, port_protocol_to_string(s->ports[j].protocol));
        for (size_t i = 0; s->listen && i < s->n_ports; i++)
                if (port_mapping_conflicts(s->listen, &s->ports[i]))
                        return reason_set(ret_reason, "conflicting options: --listen and -p both publish host port %u",
                                          s->listen->host_port);
        if (s->seccomp_profile && !streq(s->seccomp_profile, "unconfined") && s->seccomp_profile[0] != '/')
                return reason_flag(ret_reason, "--security-opt seccomp", s->seccomp_profile,
                                   "expected 'unconfined' or the absolute path of a profile");
        if (s->stop_signal < 0 || s->stop_signal > SIGRTMAX)
                return reason_set(ret_reason, "--stop-signal %d: invalid signal", s->stop_signal);
        if (s->working_dir && working_dir_validate(s->working_dir, NULL) < 0)
                return working_dir_validate(s->working_dir, ret_reason);
        if (s->hostname && hostname_validate(s->hostname, NULL) < 0)
                return hostname_validate(s->hostname, ret_reason);
        if (s->name && container_name_validate(s->name, NULL) < 0)
                return container_name_validate(s->name, ret_reason);
        if (s->id && !container_id_is_valid(s->id))
                return reason_set(ret_reason, "invalid container id '%s': expected 64 lowercase hex digits", s->id);
        return 0;
}

int env_replace_or_append(char ***env, char * const *overrides) {
        int r;

        STRV_FOREACH(o, (char **) overrides) {
                const char *eq = strchr(*o, '=');
                size_t kl = eq ? (size_t) (eq - *o) : strlen(*o);
                bool found = false;

                for (size_t i = 0; *env && (*env)[i]; ) {
                        const char *e = (*env)[i];

                        if (strncmp(e, *o, kl) == 0 && (e[kl] == '=' || e[kl] == 0)) {
                                if (!eq || found) {
                                        strv_remove_at(*env, i);
                                        continue;
                                }
                                r = free_and_strdup(&(*env)[i], *o);
                                if (r < 0)
                                        return r;
                                found = true;
                        }
                        i++;
                }
                if (eq && !found) {
                        r = strv_extend(env, *o);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int container_spec_resolve_env(const ContainerSpec *s, char * const *image_env, char ***ret) {
        _cleanup_strv_free_ char **env = NULL;
        int r;

        /* The image's entries that are not KEY=VALUE are not meaningful; keep only proper ones. */
        STRV_FOREACH(e, (char **) image_env)
                if (strchr(*e, '=') && (*e)[0] != '=') {
                        r = strv_extend(&env, *e);
                        if (r < 0)
                                return r;
                }
        if (!env) {
                env = calloc(1, sizeof(char *));
                if (!env)
                        return -ENOMEM;
        }
        r = env_replace_or_append(&env, s->env);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(env);
        return 0;
}

int container_spec_resolve_argv(
                const ContainerSpec *s,
                char * const *image_entrypoint,
                char * const *image_cmd,
                char ***ret,
                char **ret_reason) {

        _cleanup_strv_free_ char **argv = NULL;
        char * const *ep, *const *cmd;
        int r;

        if (s->entrypoint && strv_length(s->entrypoint) > 0 &&
            !(strv_length(s->entrypoint) == 1 && isempty(s->entrypoint[0]))) {
                ep = s->entrypoint;
                cmd = s->cmd;
        } else {
                ep = s->entrypoint ? NULL : image_entrypoint;
                cmd = strv_length(s->cmd) > 0 ? s->cmd : image_cmd;
        }

        STRV_FOREACH(a, (char **) ep) {
                r = strv_extend(&argv, *a);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(a, (char **) cmd) {
                r = strv_extend(&argv, *a);
                if (r < 0)
                        return r;
        }

        if (strv_length(argv) == 0)
                return reason_set(ret_reason, "no command specified: the image has no Entrypoint or Cmd, "
                                  "give a command after the image");
        if (isempty(argv[0]))
                return reason_set(ret_reason, "the command to run must not be empty");

        *ret = TAKE_PTR(argv);
        return 0;
}

/* ---- JSON ---------------------------------------------------------------------------------------- */

static int json_add(json_object *o, const char *key, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int json_add_string(json_object *o, const char *key, const char *v) {
        return v ? json_add(o, key, json_object_new_string(v)) : 0;
}

static int json_add_strv(json_object *o, const char *key, char * const *l, bool always) {
        _cleanup_(json_object_putp) json_object *a = NULL;

        if (!l && !always)
                return 0;
        a = json_object_new_array();
        if (!a)
                return -ENOMEM;
        STRV_FOREACH(s, (char **) l) {
                json_object *e = json_object_new_string(*s);

                if (!e || json_object_array_add(a, e) < 0) {
                        json_object_put(e);
                        return -ENOMEM;
                }
        }
        return json_add(o, key, TAKE_PTR(a));
}

static int json_add_pairs(json_object *o, const char *key, char * const *l) {
        _cleanup_(json_object_putp) json_object *m = NULL;
        int r;

        if (!l)
                return 0;
        m = json_object_new_object();
        if (!m)
                return -ENOMEM;
        STRV_FOREACH(kv, (char **) l) {
                _cleanup_free_ char *k = NULL;
                const char *eq = strchr(*kv, '=');

                if (!eq)
                        return -EINVAL;
                k = strndup(*kv, (size_t) (eq - *kv));
                if (!k)
                        return -ENOMEM;
                r = json_add(m, k, json_object_new_string(eq + 1));
                if (r < 0)
                        return r;
        }
        return json_add(o, key, TAKE_PTR(m));
}

static int json_add_bool(json_object *o, const char *key, bool b) {
        return b ? json_add(o, key, json_object_new_boolean(true)) : 0;
}

static int json_add_int(json_object *o, const char *key, int64_t v) {
        return json_add(o, key, json_object_new_int64(v));
}

int container_spec_to_json(const ContainerSpec *s, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        int r;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;

        if ((r = json_add_string(o, "name", s->name)) < 0 ||
            (r = json_add_string(o, "id", s->id)) < 0 ||
            (r = json_add_string(o, "image", s->image)) < 0 ||
            (r = json_add_string(o, "imageId", s->image_id)) < 0 ||
            (r = json_add_strv(o, "entrypoint", s->entrypoint, false)) < 0 ||
            (r = json_add_strv(o, "cmd", s->cmd, false)) < 0 ||
            (r = json_add_strv(o, "env", s->env, false)) < 0 ||
            (r = json_add_string(o, "workingDir", s->working_dir)) < 0 ||
            (r = json_add_string(o, "user", s->user)) < 0 ||
            (r = json_add_string(o, "hostname", s->hostname)) < 0 ||
            (r = json_add_pairs(o, "labels", s->labels)) < 0)
                return r;

        if (s->restart.type != RESTART_POLICY_NO) {
                _cleanup_free_ char *p = NULL;

                r = restart_policy_to_string(&s->restart, &p);
                if (r < 0)
                        return r;
                r = json_add_string(o, "restart", p);
                if (r < 0)
                        return r;
        }
        r = json_add_bool(o, "autoRemove", s->auto_remove);
        if (r < 0)
                return r;
        if (s->stop_signal > 0) {
                _cleanup_free_ char *sig = signal_to_string(s->stop_signal);

                if (!sig)
                        return -EINVAL;
                r = json_add_string(o, "stopSignal", sig);
                if (r < 0)
                        return r;
        }
        if (s->stop_timeout_set) {
                r = json_add_int(o, "stopTimeoutUSec",
                                 s->stop_timeout_usec == STOP_TIMEOUT_INFINITY ? -1 :
                                 s->stop_timeout_usec > INT64_MAX ? INT64_MAX : (int64_t) s->stop_timeout_usec);
                if (r < 0)
                        return r;
        }

        if ((s->memory > 0 && (r = json_add_int(o, "memory", (int64_t) s->memory)) < 0) ||
            (s->memory_swap != 0 && (r = json_add_int(o, "memorySwap", s->memory_swap)) < 0) ||
            (s->cpu_quota_per_sec_usec > 0 &&
             (r = json_add_int(o, "cpuQuotaPerSecUSec", (int64_t) s->cpu_quota_per_sec_usec)) < 0) ||
            (s->cpu_shares > 0 && (r = json_add_int(o, "cpuShares", (int64_t) s->cpu_shares)) < 0) ||
            (s->pids_limit != 0 && (r = json_add_int(o, "pidsLimit", s->pids_limit)) < 0) ||
            (s->shm_size > 0 && (r = json_add_int(o, "shmSize", (int64_t) s->shm_size)) < 0))
                return r;

        if (s->n_ulimits > 0) {
                _cleanup_strv_free_ char **l = NULL;

                for (size_t i = 0; i < s->n_ulimits; i++) {
                        char *u;

                        r = ulimit_to_string(&s->ulimits[i], &u);
                        if (r < 0)
                                return r;
                        r = strv_consume(&l, u);
                        if (r < 0)
                                return r;
                }
                r = json_add_strv(o, "ulimits", l, true);
                if (r < 0)
                        return r;
        }

        if ((r = json_add_strv(o, "capAdd", s->cap_add, false)) < 0 ||
            (r = json_add_strv(o, "capDrop", s->cap_drop, false)) < 0 ||
            (r = json_add_bool(o, "privileged", s->privileged)) < 0 ||
            (r = json_add_bool(o, "noNewPrivileges", s->no_new_privileges)) < 0 ||
            (r = json_add_bool(o, "readOnly", s->read_only)) < 0 ||
            (r = json_add_string(o, "seccompProfile", s->seccomp_profile)) < 0 ||
            (s->oom_score_adj_set && (r = json_add_int(o, "oomScoreAdj", s->oom_score_adj)) < 0))
                return r;

        if (s->n_mounts > 0) {
                _cleanup_strv_free_ char **mounts = NULL, **tmpfs = NULL;

                for (size_t i = 0; i < s->n_mounts; i++) {
                        char *m;

                        r = mount_spec_to_string(&s->mounts[i], &m);
                        if (r < 0)
                                return r;
                        r = strv_consume(s->mounts[i].type == MOUNT_TYPE_TMPFS ? &tmpfs : &mounts, m);
                        if (r < 0)
                                return r;
                }
                if ((r = json_add_strv(o, "mounts", mounts, false)) < 0 ||
                    (r = json_add_strv(o, "tmpfs", tmpfs, false)) < 0)
                        return r;
        }

        if ((r = json_add_bool(o, "init", s->init)) < 0 ||
            (r = json_add_pairs(o, "sysctls", s->sysctls)) < 0 ||
            (r = json_add_bool(o, "tty", s->tty)) < 0 ||
            (r = json_add_bool(o, "interactive", s->interactive)) < 0)
                return r;

        if (s->network.type != NETWORK_MODE_BRIDGE) {
                _cleanup_free_ char *n = NULL;

                r = network_mode_to_string(&s->network, &n);
                if (r < 0)
                        return r;
                r = json_add_string(o, "network", n);
                if (r < 0)
                        return r;
        }
        if (s->n_ports > 0) {
                _cleanup_strv_free_ char **l = NULL;

                for (size_t i = 0; i < s->n_ports; i++) {
                        char *p;

                        r = port_mapping_to_string(&s->ports[i], &p);
                        if (r < 0)
                                return r;
                        r = strv_consume(&l, p);
                        if (r < 0)
                                return r;
                }
                r = json_add_strv(o, "ports", l, false);
                if (r < 0)
                        return r;
        }
        if (s->publish_all && (r = json_add_bool(o, "publishAll", true)) < 0)
                return r;
        if (s->listen) {
                _cleanup_free_ char *l = NULL;

                r = port_mapping_to_string(s->listen, &l);
                if (r < 0)
                        return r;
                r = json_add_string(o, "listen", l);
                if (r < 0)
                        return r;
        }
        if (s->idle_timeout_usec > 0 &&
            (r = json_add_int(o, "idleTimeoutUSec", (int64_t) MIN(s->idle_timeout_usec, (uint64_t) INT64_MAX))) < 0)
                return r;
        if ((r = json_add_string(o, "ip", s->ip)) < 0 ||
            (r = json_add_strv(o, "dns", s->dns, false)) < 0 ||
            (r = json_add_strv(o, "extraHosts", s->extra_hosts, false)) < 0 ||
            (r = json_add_strv(o, "networkAliases", s->network_aliases, false)) < 0)
                return r;
        r = json_add_string(o, "logTag", s->log_tag);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(o);
        return 0;
}

static int json_want(json_object *v, json_type t, const char *key, const char *what, char **ret_reason) {
        if (json_object_is_type(v, t))
                return 0;
        return reason_set(ret_reason, "option '%s' must be %s", key, what);
}

static int json_get_string(json_object *v, const char *key, char **ret, char **ret_reason) {
        int r;

        r = json_want(v, json_type_string, key, "a string", ret_reason);
        if (r < 0)
                return r;
        if (strlen(json_object_get_string(v)) != (size_t) json_object_get_string_len(v))
                return reason_set(ret_reason, "option '%s' must not contain NUL characters", key);
        return free_and_strdup(ret, json_object_get_string(v));
}

static int json_get_strv(json_object *v, const char *key, char ***ret, char **ret_reason) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n;
        int r;

        r = json_want(v, json_type_array, key, "an array of strings", ret_reason);
        if (r < 0)
                return r;
        n = json_object_array_length(v);
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(v, i);

                if (!json_object_is_type(e, json_type_string) ||
                    strlen(json_object_get_string(e)) != (size_t) json_object_get_string_len(e))
                        return reason_set(ret_reason, "option '%s' must be an array of strings", key);
                l[i] = strdup(json_object_get_string(e));
                if (!l[i])
                        return -ENOMEM;
        }
        strv_free(*ret);
        *ret = TAKE_PTR(l);
        return 0;
}

static int json_get_bool(json_object *v, const char *key, bool *ret, char **ret_reason) {
        int r;

        r = json_want(v, json_type_boolean, key, "a boolean", ret_reason);
        if (r < 0)
                return r;
        *ret = json_object_get_boolean(v);
        return 0;
}

static int json_get_int(json_object *v, const char *key, int64_t min, int64_t max, int64_t *ret, char **ret_reason) {
        int64_t i;
        int r;

        r = json_want(v, json_type_int, key, "an integer", ret_reason);
        if (r < 0)
                return r;
        errno = 0;
        i = json_object_get_int64(v);
        if (errno != 0 || i < min || i > max)
                return reason_set(ret_reason, "option '%s' is out of range (%" PRIi64 " ... %" PRIi64 ")", key, min, max);
        *ret = i;
        return 0;
}

/* For each string value of the object v call f(s, key, value). */
static int json_get_pairs(
                json_object *v,
                const char *key,
                ContainerSpec *s,
                int (*f)(ContainerSpec *s, const char *k, const char *value, char **ret_reason),
                char **ret_reason) {
        int r;

        r = json_want(v, json_type_object, key, "an object of strings", ret_reason);
        if (r < 0)
                return r;
        json_object_object_foreach(v, k, e) {
                if (!json_object_is_type(e, json_type_string))
                        return reason_set(ret_reason, "option '%s' must be an object of strings", key);
                r = f(s, k, json_object_get_string(e), ret_reason);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int set_label_checked(ContainerSpec *s, const char *k, const char *value, char **ret_reason) {
        if (isempty(k) || strchr(k, '='))
                return reason_flag(ret_reason, "--label", k, "invalid label name");
        return container_spec_set_label(s, k, value);
}

static int set_sysctl_checked(ContainerSpec *s, const char *k, const char *value, char **ret_reason) {
        _cleanup_free_ char *kv = NULL, *key = NULL, *val = NULL;
        int r;

        kv = strjoin(k, "=", value);
        if (!kv)
                return -ENOMEM;
        r = parse_sysctl(kv, &key, &val, ret_reason);
        if (r < 0)
                return r;
        return container_spec_set_sysctl(s, key, val);
}

int container_spec_from_json(json_object *o, ContainerSpec **ret, char **ret_reason) {
        _cleanup_(container_spec_freep) ContainerSpec *s = NULL;
        int64_t i = 0;
        int r;

        if (!json_object_is_type(o, json_type_object))
                return reason_set(ret_reason, "container options must be a JSON object");

        r = container_spec_new(&s);
        if (r < 0)
                return r;

        json_object_object_foreach(o, key, v) {
                if (streq(key, "name")) {
                        r = json_get_string(v, key, &s->name, ret_reason);
                        if (r >= 0)
                                r = container_name_validate(s->name, ret_reason);
                } else if (streq(key, "id")) {
                        r = json_get_string(v, key, &s->id, ret_reason);
                        if (r >= 0 && !container_id_is_valid(s->id))
                                r = reason_set(ret_reason, "invalid container id '%s': expected 64 lowercase hex digits", s->id);
                } else if (streq(key, "image"))
                        r = json_get_string(v, key, &s->image, ret_reason);
                else if (streq(key, "imageId"))
                        r = json_get_string(v, key, &s->image_id, ret_reason);
                else if (streq(key, "entrypoint")) {
                        r = json_get_strv(v, key, &s->entrypoint, ret_reason);
                        if (r >= 0 && strv_length(s->entrypoint) == 1 && isempty(s->entrypoint[0]))
                                s->entrypoint[0] = mfree(s->entrypoint[0]);     /* [""] means "none" */
                } else if (streq(key, "cmd"))
                        r = json_get_strv(v, key, &s->cmd, ret_reason);
                else if (streq(key, "env")) {
                        r = json_get_strv(v, key, &s->env, ret_reason);
                        STRV_FOREACH(e, s->env) {
                                if (r < 0)
                                        break;
                                r = env_entry_validate(*e, ret_reason);
                        }
                } else if (streq(key, "workingDir")) {
                        r = json_get_string(v, key, &s->working_dir, ret_reason);
                        if (r >= 0)
                                r = working_dir_validate(s->working_dir, ret_reason);
                } else if (streq(key, "user")) {
                        r = json_get_string(v, key, &s->user, ret_reason);
                        if (r >= 0 && strpbrk(s->user, " \t\n"))
                                r = reason_flag(ret_reason, "--user", s->user, "invalid user");
                } else if (streq(key, "hostname")) {
                        r = json_get_string(v, key, &s->hostname, ret_reason);
                        if (r >= 0)
                                r = hostname_validate(s->hostname, ret_reason);
                } else if (streq(key, "labels"))
                        r = json_get_pairs(v, key, s, set_label_checked, ret_reason);
                else if (streq(key, "restart")) {
                        _cleanup_free_ char *p = NULL;

                        r = json_get_string(v, key, &p, ret_reason);
                        if (r >= 0)
                                r = parse_restart_policy(p, &s->restart, ret_reason);
                } else if (streq(key, "autoRemove"))
                        r = json_get_bool(v, key, &s->auto_remove, ret_reason);
                else if (streq(key, "stopSignal")) {
                        _cleanup_free_ char *p = NULL;

                        r = json_get_string(v, key, &p, ret_reason);
                        if (r >= 0)
                                r = parse_signal("--stop-signal", p, &s->stop_signal, ret_reason);
                } else if (streq(key, "stopTimeoutUSec")) {
                        r = json_get_int(v, key, -1, INT64_MAX, &i, ret_reason);
                        if (r >= 0) {
                                s->stop_timeout_set = true;
                                s->stop_timeout_usec = i < 0 ? STOP_TIMEOUT_INFINITY : (uint64_t) i;
                        }
                } else if (streq(key, "memory")) {
                        r = json_get_int(v, key, 0, INT64_MAX, &i, ret_reason);
                        s->memory = (uint64_t) i;
                } else if (streq(key, "memorySwap")) {
                        r = json_get_int(v, key, -1, INT64_MAX, &i, ret_reason);
                        s->memory_swap = i;
                } else if (streq(key, "cpuQuotaPerSecUSec")) {
                        r = json_get_int(v, key, 0, INT64_MAX, &i, ret_reason);
                        s->cpu_quota_per_sec_usec = (uint64_t) i;
                } else if (streq(key, "cpuShares")) {
                        r = json_get_int(v, key, 0, (int64_t) CONTAINER_CPU_SHARES_MAX, &i, ret_reason);
                        s->cpu_shares = (uint64_t) i;
                } else if (streq(key, "pidsLimit")) {
                        r = json_get_int(v, key, -1, INT64_MAX, &i, ret_reason);
                        s->pids_limit = i;
                } else if (streq(key, "shmSize")) {
                        r = json_get_int(v, key, 0, INT64_MAX, &i, ret_reason);
                        s->shm_size = (uint64_t) i;
                } else if (streq(key, "ulimits")) {
                        _cleanup_strv_free_ char **l = NULL;

                        r = json_get_strv(v, key, &l, ret_reason);
                        STRV_FOREACH(u, l) {
                                Ulimit ul;

                                if (r < 0)
                                        break;
                                r = parse_ulimit(*u, &ul, ret_reason);
                                if (r >= 0)
                                        r = container_spec_add_ulimit(s, &ul);
                        }
                } else if (streq(key, "capAdd") || streq(key, "capDrop")) {
                        _cleanup_strv_free_ char **l = NULL;
                        char ***dst = streq(key, "capAdd") ? &s->cap_add : &s->cap_drop;

                        r = json_get_strv(v, key, &l, ret_reason);
                        *dst = strv_free(*dst);
                        STRV_FOREACH(c, l) {
                                char *n;

                                if (r < 0)
                                        break;
                                r = parse_capability(streq(key, "capAdd") ? "--cap-add" : "--cap-drop", *c, &n, ret_reason);
                                if (r >= 0)
                                        r = strv_consume(dst, n);
                        }
                        if (r >= 0 && !*dst)
                                *dst = calloc(1, sizeof(char *));
                } else if (streq(key, "privileged"))
                        r = json_get_bool(v, key, &s->privileged, ret_reason);
                else if (streq(key, "noNewPrivileges"))
                        r = json_get_bool(v, key, &s->no_new_privileges, ret_reason);
                else if (streq(key, "readOnly"))
                        r = json_get_bool(v, key, &s->read_only, ret_reason);
                else if (streq(key, "seccompProfile"))
                        r = json_get_string(v, key, &s->seccomp_profile, ret_reason);
                else if (streq(key, "oomScoreAdj")) {
                        r = json_get_int(v, key, -1000, 1000, &i, ret_reason);
                        s->oom_score_adj_set = true;
                        s->oom_score_adj = (int) i;
                } else if (streq(key, "mounts") || streq(key, "tmpfs")) {
                        _cleanup_strv_free_ char **l = NULL;
                        bool tmpfs = streq(key, "tmpfs");

                        r = json_get_strv(v, key, &l, ret_reason);
                        STRV_FOREACH(m, l) {
                                _cleanup_(mount_spec_done) MountSpec ms = {};

                                if (r < 0)
                                        break;
                                r = tmpfs ? parse_tmpfs_flag(*m, &ms, ret_reason) : parse_mount_flag(*m, &ms, ret_reason);
                                if (r >= 0 && !tmpfs && ms.type == MOUNT_TYPE_TMPFS)
                                        r = reason_set(ret_reason, "option 'mounts': tmpfs mounts belong in option 'tmpfs'");
                                if (r >= 0)
                                        r = container_spec_add_mount(s, &ms, ret_reason);
                        }
                } else if (streq(key, "init"))
                        r = json_get_bool(v, key, &s->init, ret_reason);
                else if (streq(key, "sysctls"))
                        r = json_get_pairs(v, key, s, set_sysctl_checked, ret_reason);
                else if (streq(key, "tty"))
                        r = json_get_bool(v, key, &s->tty, ret_reason);
                else if (streq(key, "interactive"))
                        r = json_get_bool(v, key, &s->interactive, ret_reason);
                else if (streq(key, "network")) {
                        _cleanup_free_ char *n = NULL;

                        r = json_get_string(v, key, &n, ret_reason);
                        if (r >= 0) {
                                network_mode_done(&s->network);
                                r = parse_network_mode(n, &s->network, ret_reason);
                        }
                } else if (streq(key, "ports")) {
                        _cleanup_strv_free_ char **l = NULL;

                        r = json_get_strv(v, key, &l, ret_reason);
                        s->ports = mfree(s->ports);
                        s->n_ports = 0;
                        STRV_FOREACH(p, l) {
                                if (r < 0)
                                        break;
                                r = parse_port_flag(*p, &s->ports, &s->n_ports, ret_reason);
                        }
                } else if (streq(key, "publishAll"))
                        r = json_get_bool(v, key, &s->publish_all, ret_reason);
                else if (streq(key, "listen")) {
                        _cleanup_free_ char *l = NULL;

                        r = json_get_string(v, key, &l, ret_reason);
                        if (r >= 0) {
                                s->listen = mfree(s->listen);
                                s->listen = malloc(sizeof(PortMapping));
                                r = s->listen ? parse_listen_flag(l, s->listen, ret_reason) : -ENOMEM;
                                if (r < 0)
                                        s->listen = mfree(s->listen);
                        }
                } else if (streq(key, "idleTimeoutUSec")) {
                        r = json_get_int(v, key, 0, INT64_MAX, &i, ret_reason);
                        s->idle_timeout_usec = (uint64_t) i;
                } else if (streq(key, "ip")) {
                        r = json_get_string(v, key, &s->ip, ret_reason);
                        if (r >= 0)
                                r = parse_ip_flag(s->ip, ret_reason);
                } else if (streq(key, "dns") || streq(key, "extraHosts") || streq(key, "networkAliases")) {
                        char ***dest = streq(key, "dns") ? &s->dns : streq(key, "extraHosts") ? &s->extra_hosts :
                                &s->network_aliases;
                        int (*check)(const char *, char **) = streq(key, "dns") ? parse_dns_flag :
                                streq(key, "extraHosts") ? parse_add_host_flag : parse_network_alias_flag;

                        *dest = strv_free(*dest);
                        r = json_get_strv(v, key, dest, ret_reason);
                        STRV_FOREACH(e, *dest)
                                if (r >= 0)
                                        r = check(*e, ret_reason);
                } else if (streq(key, "logTag"))
                        r = json_get_string(v, key, &s->log_tag, ret_reason);
                else
                        r = reason_set(ret_reason, "unknown container option '%s'", key);
                if (r < 0)
                        return r;
        }

        r = container_spec_validate(s, ret_reason);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}
