/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd-util.h"
#include "string-util.h"
#include "user-resolve.h"

#define ID_MAX INT32_MAX        /* moby/sys/user: ids must be in 0 ... 2^31-1 */

static int reason_set(char **ret_reason, const char *fmt, ...) _printf_(2, 3);
static int reason_set(char **ret_reason, const char *fmt, ...) {
        va_list ap;
        char *s;
        int r;

        if (!ret_reason)
                return -EINVAL;
        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        free(*ret_reason);
        *ret_reason = s;
        return -EINVAL;
}

ResolvedUser *resolved_user_free(ResolvedUser *u) {
        if (!u)
                return NULL;
        free(u->additional_gids);
        free(u->name);
        free(u->home);
        return mfree(u);
}

/* As strconv.Atoi() followed by moby's range check: 1 = numeric (*ret set), 0 = not a number (a name),
 * -ERANGE = a number outside 0 ... 2^31-1. */
static int parse_id(const char *s, size_t n, uint32_t *ret) {
        size_t i = 0;
        bool neg = false;
        uint64_t v = 0;

        if (n == 0)
                return 0;
        if (s[0] == '+' || s[0] == '-') {
                neg = s[0] == '-';
                i = 1;
                if (n == 1)
                        return 0;
        }
        for (; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return 0;
                if (v <= ID_MAX)
                        v = v * 10 + (uint64_t) (s[i] - '0');
        }
        if ((neg && v != 0) || v > ID_MAX)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 1;
}

/* A line split at ':' into at most max fields (pointers into the line, with lengths). */
typedef struct Field {
        const char *p;
        size_t n;
} Field;

static size_t split_fields(const char *line, size_t len, Field *f, size_t max) {
        size_t k = 0;
        const char *p = line, *end = line + len;

        while (k < max) {
                const char *c = memchr(p, ':', (size_t) (end - p));

                f[k].p = p;
                f[k].n = c ? (size_t) (c - p) : (size_t) (end - p);
                k++;
                if (!c)
                        break;
                p = c + 1;
        }
        return k;
}

static bool field_eq(const Field *f, const char *s) {
        return strlen(s) == f->n && memcmp(f->p, s, f->n) == 0;
}

/* Iterate over the non-empty, non-comment lines of data, trimmed of surrounding whitespace. */
static bool next_line(const char **cursor, const char **ret_line, size_t *ret_len) {
        const char *p = *cursor;

        while (p && *p) {
                const char *e = strchrnul(p, '\n'), *b = p, *t = e;

                p = *e ? e + 1 : e;
                while (b < t && strchr(" \t\r\v\f", *b))
                        b++;
                while (t > b && strchr(" \t\r\v\f", t[-1]))
                        t--;
                if (b == t || *b == '#')
                        continue;
                *cursor = p;
                *ret_line = b;
                *ret_len = (size_t) (t - b);
                return true;
        }
        *cursor = p;
        return false;
}

static bool gid_list_contains(const gid_t *l, size_t n, gid_t g) {
        for (size_t i = 0; i < n; i++)
                if (l[i] == g)
                        return true;
        return false;
}

static int gid_list_add(gid_t **l, size_t *n, gid_t g) {
        gid_t *t;

        if (gid_list_contains(*l, *n, g))
                return 0;
        t = reallocarray(*l, *n + 1, sizeof(gid_t));
        if (!t)
                return -ENOMEM;
        t[(*n)++] = g;
        *l = t;
        return 0;
}

/* Does the comma-separated member list f contain name? */
static bool member_list_contains(const Field *f, const char *name) {
        size_t nl = strlen(name);
        const char *p = f->p, *end = f->p + f->n;

        while (p < end) {
                const char *c = memchr(p, ',', (size_t) (end - p));
                size_t l = c ? (size_t) (c - p) : (size_t) (end - p);

                if (l == nl && memcmp(p, name, nl) == 0)
                        return true;
                if (!c)
                        break;
                p = c + 1;
        }
        return false;
}

int user_resolve_from_data(const char *passwd, const char *group, const char *spec, ResolvedUser **ret, char **ret_reason) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;
        _cleanup_free_ char *user_arg = NULL, *group_arg = NULL;
        _cleanup_free_ gid_t *sgids = NULL;
        size_t n_sgids = 0;
        const char *colon, *cursor, *line;
        uint32_t uid_arg = 0, gid_arg = 0;
        bool matched = false;
        int is_uid, is_gid, r;
        size_t len;

        spec = strempty(spec);
        if (strpbrk(spec, " \t\n"))
                return reason_set(ret_reason, "--user %s: invalid user", spec);

        /* "user:group[:ignored]" */
        colon = strchr(spec, ':');
        user_arg = colon ? strndup(spec, (size_t) (colon - spec)) : strdup(spec);
        if (!user_arg)
                return -ENOMEM;
        if (colon) {
                const char *c2 = strchr(colon + 1, ':');

                group_arg = c2 ? strndup(colon + 1, (size_t) (c2 - colon - 1)) : strdup(colon + 1);
                if (!group_arg)
                        return -ENOMEM;
        }

        is_uid = parse_id(user_arg, strlen(user_arg), &uid_arg);
        if (is_uid < 0)
                return reason_set(ret_reason, "--user %s: uids and gids must be in range 0-%d", spec, ID_MAX);
        is_gid = parse_id(strempty(group_arg), strlen(strempty(group_arg)), &gid_arg);
        if (is_gid < 0)
                return reason_set(ret_reason, "--user %s: uids and gids must be in range 0-%d", spec, ID_MAX);

        u = calloc(1, sizeof(ResolvedUser));
        if (!u)
                return -ENOMEM;

        /* Find the user: by uid when numeric (an empty user means uid 0), else by name. First match wins. */
        cursor = passwd;
        while (next_line(&cursor, &line, &len)) {
                Field f[7] = {};
                uint32_t uid, gid;

                if (split_fields(line, len, f, 7) < 4)
                        continue;
                if (parse_id(f[2].p, f[2].n, &uid) <= 0 || parse_id(f[3].p, f[3].n, &gid) <= 0)
                        continue;       /* malformed line */

                if (isempty(user_arg) ? uid != 0 : is_uid ? uid != uid_arg : !field_eq(&f[0], user_arg))
                        continue;

                u->uid = uid;
                u->gid = gid;
                u->name = strndup(f[0].p, f[0].n);
                if (!u->name)
                        return -ENOMEM;
                if (f[5].p && f[5].n > 0) {
                        u->home = strndup(f[5].p, f[5].n);
                        if (!u->home)
                                return -ENOMEM;
                }
                matched = true;
                break;
        }

        if (!matched) {
                if (!isempty(user_arg) && !is_uid)
                        return reason_set(ret_reason, "unable to find user %s: no matching entries in passwd file", user_arg);
                u->uid = uid_arg;       /* numeric (or root) without an entry */
                u->gid = 0;
        }

        /* The groups: the explicit one, or the supplementary groups of the matched user name. */
        if (!isempty(group_arg) || matched) {
                bool found_group = false;

                cursor = group;
                while (next_line(&cursor, &line, &len)) {
                        Field f[4] = {};
                        uint32_t gid;
                        size_t n;

                        n = split_fields(line, len, f, 4);
                        if (n < 3 || parse_id(f[2].p, f[2].n, &gid) <= 0)
                                continue;

                        if (!isempty(group_arg)) {
                                if (is_gid ? gid != gid_arg : !field_eq(&f[0], group_arg))
                                        continue;
                                u->gid = gid;
                                found_group = true;
                                break;
                        }

                        if (n >= 4 && member_list_contains(&f[3], u->name)) {
                                r = gid_list_add(&sgids, &n_sgids, gid);
                                if (r < 0)
                                        return r;
                        }
                }

                if (!isempty(group_arg) && !found_group) {
                        if (!is_gid)
                                return reason_set(ret_reason, "unable to find group %s: no matching entries in group file", group_arg);
                        u->gid = gid_arg;
                }
        }

        /* additionalGids: primary first, as docker's getUser() does. */
        r = gid_list_add(&u->additional_gids, &u->n_additional_gids, u->gid);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_sgids; i++) {
                r = gid_list_add(&u->additional_gids, &u->n_additional_gids, sgids[i]);
                if (r < 0)
                        return r;
        }

        if (!u->home) {
                u->home = strdup("/");
                if (!u->home)
                        return -ENOMEM;
        }

        *ret = TAKE_PTR(u);
        return 0;
}

#define SYMLINK_MAX_FOLLOW 40
#define WALK_DEPTH_MAX 256

/* The portable walk, for kernels (or sandboxes, valgrind) without openat2(): one component at a time
 * with O_PATH|O_NOFOLLOW relative to the directory fd before it, symlinks read and resolved by hand
 * with "/" meaning rootfs_fd and ".." never going above it, as RESOLVE_IN_ROOT does. Holding the fds
 * makes it immune to directories being renamed meanwhile. */
static int open_in_root_walk(int rootfs_fd, const char *path, int *ret_fd) {
        _cleanup_free_ char *todo = NULL;
        int stack[WALK_DEPTH_MAX];
        size_t depth = 0;
        unsigned follows = 0;
        int r = 0;

        todo = strdup(path);
        if (!todo)
                return -ENOMEM;

        for (;;) {
                _cleanup_close_ int fd = -EBADF;
                _cleanup_free_ char *c = NULL;
                int dir = depth > 0 ? stack[depth - 1] : rootfs_fd;
                struct stat st;
                char *p = todo, *e;
                bool last;

                while (*p == '/')
                        p++;
                if (!*p) {
                        /* the path named a directory (or the root itself) */
                        r = -EISDIR;
                        break;
                }
                e = strchrnul(p, '/');
                c = strndup(p, (size_t) (e - p));
                if (!c) {
                        r = -ENOMEM;
                        break;
                }
                while (*e == '/')
                        e++;
                last = !*e;
                memmove(todo, e, strlen(e) + 1);

                if (streq(c, "."))
                        continue;
                if (streq(c, "..")) {
                        if (depth > 0)
                                safe_close(stack[--depth]);
                        continue;
                }

                fd = openat(dir, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                        r = -errno;
                        break;
                }
                if (fstat(fd, &st) < 0) {
                        r = -errno;
                        break;
                }

                if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t n;
                        char *t;

                        if (++follows > SYMLINK_MAX_FOLLOW) {
                                r = -ELOOP;
                                break;
                        }
                        n = readlinkat(fd, "", target, sizeof(target) - 1);
                        if (n < 0) {
                                r = -errno;
                                break;
                        }
                        target[n] = 0;
                        if (target[0] == '/')
                                while (depth > 0)
                                        safe_close(stack[--depth]);
                        t = strjoin(target, "/", todo);
                        if (!t) {
                                r = -ENOMEM;
                                break;
                        }
                        free(todo);
                        todo = t;
                        /* a symlink at the end: its target is what is opened */
                        if (last) {
                                size_t l = strlen(todo);

                                while (l > 0 && todo[l - 1] == '/')
                                        todo[--l] = 0;
                        }
                        continue;
                }

                if (last) {
                        /* Reopen for reading; O_NOFOLLOW: if it was swapped for a symlink meanwhile, fail. */
                        int f = openat(dir, c, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);

                        if (f < 0) {
                                r = -errno;
                                break;
                        }
                        *ret_fd = f;
                        r = 0;
                        break;
                }

                if (!S_ISDIR(st.st_mode)) {
                        r = -ENOTDIR;
                        break;
                }
                if (depth >= WALK_DEPTH_MAX) {
                        r = -ENAMETOOLONG;
                        break;
                }
                stack[depth++] = TAKE_FD(fd);
        }

        while (depth > 0)
                safe_close(stack[--depth]);
        return r;
}

int open_file_in_root(int rootfs_fd, const char *path, bool use_openat2) {
        /* Symlinks (also a symlinked /etc/passwd) resolve as if rootfs_fd were "/", so they cannot lead
         * out of the image; magic links (/proc/self/...) are refused. O_NONBLOCK: a FIFO planted as
         * /etc/passwd must not block the open. */
        struct open_how how = {
                .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd, r;

        if (rootfs_fd < 0 || !path)
                return -EBADF;

        if (use_openat2) {
                fd = (int) syscall(SYS_openat2, rootfs_fd, path, &how, sizeof(how));
                if (fd >= 0)
                        return fd;
                if (!(errno == ENOSYS || errno == EPERM))
                        return -errno;
        }

        r = open_in_root_walk(rootfs_fd, path, &fd);
        if (r < 0)
                return r;
        return fd;
}

int read_file_in_root(int rootfs_fd, const char *path, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n = 0;

        fd = open_file_in_root(rootfs_fd, path, true);
        if (fd < 0)
                return fd;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t) st.st_size > max_size)
                return -EFBIG;

        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k;

                k = read(fd, buf + n, (size_t) st.st_size + 1 - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > (size_t) st.st_size)
                        return -EFBIG;  /* it grew while we read it */
        }
        buf[n] = 0;

        if (ret_size)
                *ret_size = n;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int read_user_db(int rootfs_fd, const char *path, char **ret, char **ret_reason) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        r = read_file_in_root(rootfs_fd, path, USER_DB_SIZE_MAX, &data, &size);
        if (r == -ENOENT || r == -ENOTDIR) {
                *ret = NULL;
                return 0;
        }
        if (r == -EFBIG) {
                (void) reason_set(ret_reason, "%s of the image is larger than %u bytes", path, USER_DB_SIZE_MAX);
                return r;
        }
        if (r == -EBADFD) {
                (void) reason_set(ret_reason, "%s of the image is not a regular file", path);
                return r;
        }
        if (r < 0) {
                (void) reason_set(ret_reason, "cannot read %s of the image: %s", path, strerror(-r));
                return r;
        }
        if (memchr(data, 0, size)) {
                (void) reason_set(ret_reason, "%s of the image contains NUL bytes", path);
                return -EBADMSG;
        }
        *ret = TAKE_PTR(data);
        return 0;
}

int user_resolve(int rootfs_fd, const char *spec, ResolvedUser **ret, char **ret_reason) {
        _cleanup_free_ char *passwd = NULL, *group = NULL;
        int r;

        r = read_user_db(rootfs_fd, "/etc/passwd", &passwd, ret_reason);
        if (r < 0)
                return r;
        r = read_user_db(rootfs_fd, "/etc/group", &group, ret_reason);
        if (r < 0)
                return r;

        return user_resolve_from_data(passwd, group, spec, ret, ret_reason);
}
