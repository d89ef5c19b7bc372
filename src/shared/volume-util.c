/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/loop.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fd-util.h"
#include "parse-util.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "volume-util.h"

static int reason_set(char **ret_reason, const char *fmt, ...) _printf_(2, 3);
static int reason_set(char **ret_reason, const char *fmt, ...) {
        va_list ap;

        if (ret_reason) {
                va_start(ap, fmt);
                if (vasprintf(ret_reason, fmt, ap) < 0)
                        *ret_reason = NULL;
                va_end(ap);
        }
        return -EINVAL;
}

static bool char_is_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int volume_name_validate(const char *name, char **ret_reason) {
        if (isempty(name))
                return reason_set(ret_reason, "a volume name must not be empty");
        if (strlen(name) > 255)
                return reason_set(ret_reason, "invalid volume name '%.32s...': at most 255 characters are allowed",
                                  name);
        for (const char *p = name; *p; p++)
                if (!char_is_alnum(*p) && (p == name || !strchr("_.-", *p)))
                        return reason_set(ret_reason,
                                          "invalid volume name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                                          name);
        if (strlen(name) < 2)
                return reason_set(ret_reason,
                                  "invalid volume name '%s': a volume name needs at least two characters", name);
        return 0;
}

int volume_options_parse(char * const *options, uint64_t *ret_size, char **ret_reason) {
        bool have_size = false;
        uint64_t size = 0;

        STRV_FOREACH(o, (char **) options) {
                const char *eq = strchr(*o, '=');
                _cleanup_free_ char *key = NULL;

                if (!eq || eq == *o)
                        return reason_set(ret_reason, "invalid volume option '%s': expected KEY=VALUE, e.g. size=1G", *o);
                key = strndup(*o, eq - *o);
                if (!key)
                        return -ENOMEM;
                if (!streq(key, "size"))
                        return reason_set(ret_reason,
                                          "unknown volume option '%s': the local driver of nyx takes only size=SIZE",
                                          key);
                if (have_size)
                        return reason_set(ret_reason, "volume option size is given twice");
                if (parse_size(eq + 1, &size) < 0)
                        return reason_set(ret_reason,
                                          "invalid volume option size=%s: expected a size such as 512M or 1G", eq + 1);
                if (size < VOLUME_SIZE_MIN)
                        return reason_set(ret_reason, "invalid volume option size=%s: a volume needs at least %" PRIu64 "M",
                                          eq + 1, VOLUME_SIZE_MIN >> 20);
                if (size > VOLUME_SIZE_MAX)
                        return reason_set(ret_reason, "invalid volume option size=%s: at most 1P is allowed", eq + 1);
                have_size = true;
        }
        *ret_size = size;
        return 0;
}

int volume_labels_normalize(char * const *labels, char ***ret, char **ret_reason) {
        _cleanup_strv_free_ char **l = NULL;

        STRV_FOREACH(s, (char **) labels) {
                const char *eq = strchr(*s, '=');
                size_t klen = eq ? (size_t) (eq - *s) : strlen(*s);
                _cleanup_free_ char *entry = NULL;
                bool replaced = false;

                if (klen == 0)
                        return reason_set(ret_reason, "invalid label '%s': expected KEY=VALUE or KEY", *s);
                entry = eq ? strdup(*s) : strjoin(*s, "=");
                if (!entry)
                        return -ENOMEM;
                STRV_FOREACH(e, l)
                        if (strncmp(*e, entry, klen + 1) == 0) {
                                free(*e);
                                *e = TAKE_PTR(entry);
                                replaced = true;
                                break;
                        }
                if (!replaced && strv_consume(&l, TAKE_PTR(entry)) < 0)
                        return -ENOMEM;
        }
        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int volume_lock(const char *volume_dir) {
        _cleanup_close_ int fd = -EBADF;

        fd = open(volume_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return -errno;
        return TAKE_FD(fd);
}

int path_is_mount_root(const char *path) {
        struct statx sx;
        struct stat a, b;
        _cleanup_free_ char *parent = NULL;

        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) < 0)
                return -errno;
        if (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
                return !!(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);

        /* Older kernels: a different device than the parent's (misses binds of the same fs). */
        parent = path_join(path, "..");
        if (!parent)
                return -ENOMEM;
        if (lstat(path, &a) < 0 || stat(parent, &b) < 0)
                return -errno;
        return a.st_dev != b.st_dev;
}

static int run_quiet(char *const argv[]) {
        int status;
        pid_t pid;

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        (void) dup2(null, STDIN_FILENO);
                        (void) dup2(null, STDOUT_FILENO);
                }
                execv(argv[0], argv);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return -ENOENT;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int volume_image_create(const char *image_path, uint64_t size) {
        _cleanup_free_ char *mkfs = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = find_executable("mkfs.ext4", &mkfs);
        if (r < 0)
                return -ENOPKG;

        fd = open(image_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (ftruncate(fd, (off_t) size) < 0) {
                r = -errno;
                (void) unlink(image_path);
                return r;
        }
        fd = safe_close(fd);

        char *argv[] = { mkfs, (char *) "-q", (char *) "-F", (char *) "-m", (char *) "0",
                         (char *) "-E", (char *) "root_owner=0:0", (char *) image_path, NULL };
        r = run_quiet(argv);
        if (r < 0) {
                (void) unlink(image_path);
                return r == -ENOENT ? -ENOPKG : r;
        }
        return 0;
}

static int loop_attach(int backing_fd, const char *backing_path, int *ret_fd, char **ret_path) {
        _cleanup_close_ int ctl = -EBADF;

        ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        if (ctl < 0)
                return -errno;

        for (unsigned attempt = 0; attempt < 64; attempt++) {
                _cleanup_close_ int lfd = -EBADF;
                _cleanup_free_ char *dev = NULL;
                struct loop_config config = {
                        .fd = (uint32_t) backing_fd,
                        .info.lo_flags = LO_FLAGS_AUTOCLEAR,
                };
                int n;

                n = ioctl(ctl, LOOP_CTL_GET_FREE);
                if (n < 0)
                        return -errno;
                if (asprintf(&dev, "/dev/loop%d", n) < 0)
                        return -ENOMEM;
                lfd = open(dev, O_RDWR | O_CLOEXEC);
                if (lfd < 0 && errno == ENOENT) {
                        /* No udev (a container, a sandbox): make the node as it would. */
                        if (mknod(dev, S_IFBLK | 0660, makedev(7, n)) < 0 && errno != EEXIST)
                                return -errno;
                        lfd = open(dev, O_RDWR | O_CLOEXEC);
                }
                if (lfd < 0)
                        return -errno;
                strncpy((char *) config.info.lo_file_name, backing_path, LO_NAME_SIZE - 1);
                if (ioctl(lfd, LOOP_CONFIGURE, &config) < 0) {
                        if (errno == EBUSY)
                                continue;        /* someone else took it first */
                        return -errno;
                }
                *ret_fd = TAKE_FD(lfd);
                *ret_path = TAKE_PTR(dev);
                return 0;
        }
        return -EBUSY;
}

int volume_image_mount(const char *image_path, const char *where) {
        _cleanup_close_ int backing = -EBADF, lfd = -EBADF;
        _cleanup_free_ char *dev = NULL;
        int r;

        r = path_is_mount_root(where);
        if (r != 0)
                return r < 0 ? r : 0;

        backing = open(image_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (backing < 0)
                return -errno;
        r = loop_attach(backing, image_path, &lfd, &dev);
        if (r < 0)
                return r;
        if (mount(dev, where, "ext4", 0, NULL) < 0) {
                r = -errno;
                (void) ioctl(lfd, LOOP_CLR_FD);
                return r;
        }
        /* The mount holds the device now; with AUTOCLEAR it goes with the last unmount. */
        return 1;
}

/* ---- copy-up ------------------------------------------------------------------------------------- */

typedef struct HardLink {
        dev_t dev;
        ino_t ino;
        char *path;             /* relative to the destination root */
} HardLink;

typedef struct CopyState {
        int dst_root;
        HardLink *links;
        size_t n_links;
} CopyState;

static void copy_state_done(CopyState *s) {
        for (size_t i = 0; i < s->n_links; i++)
                free(s->links[i].path);
        free(s->links);
}

static bool xattr_error_ignorable(int err, const char *name) {
        /* File systems without xattrs, and namespaces only the kernel or LSMs may write. */
        return IN_SET(err, EOPNOTSUPP, ENOTSUP) ||
               (err == EPERM && (startswith(name, "security.") || startswith(name, "trusted.")));
}

/* From src to dst: fd-based when fds are given, else by path (symlinks, device nodes). */
static int copy_xattrs(int src_fd, const char *src_path, int dst_fd, const char *dst_path) {
        _cleanup_free_ char *names = NULL;
        ssize_t n;

        n = src_fd >= 0 ? flistxattr(src_fd, NULL, 0) : llistxattr(src_path, NULL, 0);
        if (n < 0)
                return IN_SET(errno, EOPNOTSUPP, ENOTSUP) ? 0 : -errno;
        if (n == 0)
                return 0;
        names = malloc(n);
        if (!names)
                return -ENOMEM;
        n = src_fd >= 0 ? flistxattr(src_fd, names, n) : llistxattr(src_path, names, n);
        if (n < 0)
                return -errno;

        for (const char *k = names; k < names + n; k += strlen(k) + 1) {
                _cleanup_free_ char *value = NULL;
                ssize_t l;

                l = src_fd >= 0 ? fgetxattr(src_fd, k, NULL, 0) : lgetxattr(src_path, k, NULL, 0);
                if (l < 0) {
                        if (errno == ENODATA)
                                continue;
                        return -errno;
                }
                value = malloc(l + 1);
                if (!value)
                        return -ENOMEM;
                l = src_fd >= 0 ? fgetxattr(src_fd, k, value, l) : lgetxattr(src_path, k, value, l);
                if (l < 0)
                        return -errno;
                if ((dst_fd >= 0 ? fsetxattr(dst_fd, k, value, l, 0) : lsetxattr(dst_path, k, value, l, 0)) < 0 &&
                    !xattr_error_ignorable(errno, k))
                        return -errno;
        }
        return 0;
}

static int fd_path(int dfd, const char *name, char **ret) {
        return asprintf(ret, "/proc/self/fd/%d/%s", dfd, name) < 0 ? -ENOMEM : 0;
}

/* Owner, then mode (chown clears set-id bits), then xattrs (chown drops security.capability), times. */
static int copy_attributes_fd(int src_fd, int dst_fd, const struct stat *st) {
        int r;

        if (fchown(dst_fd, st->st_uid, st->st_gid) < 0)
                return -errno;
        if (fchmod(dst_fd, st->st_mode & 07777) < 0)
                return -errno;
        r = copy_xattrs(src_fd, NULL, dst_fd, NULL);
        if (r < 0)
                return r;
        if (futimens(dst_fd, (const struct timespec[]) { st->st_atim, st->st_mtim }) < 0)
                return -errno;
        return 0;
}

static int copy_attributes_at(int src_dfd, int dst_dfd, const char *name, const struct stat *st) {
        _cleanup_free_ char *sp = NULL, *dp = NULL;
        int r;

        if (fchownat(dst_dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISLNK(st->st_mode) && fchmodat(dst_dfd, name, st->st_mode & 07777, 0) < 0)
                return -errno;
        if (fd_path(src_dfd, name, &sp) < 0 || fd_path(dst_dfd, name, &dp) < 0)
                return -ENOMEM;
        r = copy_xattrs(-EBADF, sp, -EBADF, dp);
        if (r < 0)
                return r;
        if (utimensat(dst_dfd, name, (const struct timespec[]) { st->st_atim, st->st_mtim }, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return 0;
}

static int copy_bytes(int src, int dst) {
        char buf[64 * 1024];

        for (;;) {
                ssize_t n = copy_file_range(src, NULL, dst, NULL, SIZE_MAX >> 2, 0);
                if (n == 0)
                        return 0;
                if (n > 0)
                        continue;
                if (!IN_SET(errno, EXDEV, EINVAL, EOPNOTSUPP, ENOSYS))
                        return -errno;
                break;
        }
        for (;;) {
                ssize_t n = read(src, buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return 0;
                for (ssize_t w = 0; w < n;) {
                        ssize_t k = write(dst, buf + w, n - w);
                        if (k < 0) {
                                if (errno == EINTR)
                                        continue;
                                return -errno;
                        }
                        w += k;
                }
        }
}

static int remember_link(CopyState *s, const struct stat *st, const char *rel) {
        HardLink *n;

        n = realloc(s->links, (s->n_links + 1) * sizeof(HardLink));
        if (!n)
                return -ENOMEM;
        s->links = n;
        s->links[s->n_links] = (HardLink) { st->st_dev, st->st_ino, strdup(rel) };
        if (!s->links[s->n_links].path)
                return -ENOMEM;
        s->n_links++;
        return 0;
}

static const char *find_link(const CopyState *s, const struct stat *st) {
        for (size_t i = 0; i < s->n_links; i++)
                if (s->links[i].dev == st->st_dev && s->links[i].ino == st->st_ino)
                        return s->links[i].path;
        return NULL;
}

static int copy_tree_at(CopyState *s, int src_dfd, int dst_dfd, const char *rel, unsigned depth) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd, r;

        if (depth > 256)
                return -ELOOP;
        fd = dup(src_dfd);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -errno;
        }

        while ((errno = 0, de = readdir(d))) {
                _cleanup_free_ char *child_rel = NULL;
                const char *name = de->d_name;
                struct stat st;

                if (streq(name, ".") || streq(name, ".."))
                        continue;
                if (fstatat(src_dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                child_rel = rel ? path_join(rel, name) : strdup(name);
                if (!child_rel)
                        return -ENOMEM;

                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sfd = -EBADF, dfd = -EBADF;

                        if (mkdirat(dst_dfd, name, 0700) < 0)
                                return -errno;
                        sfd = openat(src_dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        dfd = openat(dst_dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sfd < 0 || dfd < 0)
                                return -errno;
                        r = copy_tree_at(s, sfd, dfd, child_rel, depth + 1);
                        if (r < 0)
                                return r;
                        r = copy_attributes_fd(sfd, dfd, &st);
                        if (r < 0)
                                return r;
                } else if (S_ISREG(st.st_mode)) {
                        _cleanup_close_ int sfd = -EBADF, dfd = -EBADF;
                        const char *first = st.st_nlink > 1 ? find_link(s, &st) : NULL;

                        if (first) {
                                if (linkat(s->dst_root, first, dst_dfd, name, 0) < 0)
                                        return -errno;
                                continue;
                        }
                        sfd = openat(src_dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                        if (sfd < 0)
                                return -errno;
                        dfd = openat(dst_dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                        if (dfd < 0)
                                return -errno;
                        r = copy_bytes(sfd, dfd);
                        if (r < 0)
                                return r;
                        r = copy_attributes_fd(sfd, dfd, &st);
                        if (r < 0)
                                return r;
                        if (st.st_nlink > 1) {
                                r = remember_link(s, &st, child_rel);
                                if (r < 0)
                                        return r;
                        }
                } else if (S_ISLNK(st.st_mode)) {
                        _cleanup_free_ char *target = NULL;
                        ssize_t n;

                        target = malloc(st.st_size + 1 > 1 ? (size_t) st.st_size + 1 : 4096);
                        if (!target)
                                return -ENOMEM;
                        n = readlinkat(src_dfd, name, target, st.st_size + 1 > 1 ? (size_t) st.st_size + 1 : 4096);
                        if (n < 0)
                                return -errno;
                        target[n] = 0;
                        if (symlinkat(target, dst_dfd, name) < 0)
                                return -errno;
                        r = copy_attributes_at(src_dfd, dst_dfd, name, &st);
                        if (r < 0)
                                return r;
                } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode) ||
                           S_ISSOCK(st.st_mode)) {
                        if (mknodat(dst_dfd, name, st.st_mode & (S_IFMT | 0600), st.st_rdev) < 0)
                                return -errno;
                        r = copy_attributes_at(src_dfd, dst_dfd, name, &st);
                        if (r < 0)
                                return r;
                }
        }
        return errno > 0 ? -errno : 0;
}

static int clear_dir(int dfd) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        char self[64];
        int fd;

        fd = dup(dfd);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -errno;
        }
        snprintf(self, sizeof(self), "/proc/self/fd/%d", dfd);
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                p = path_join(self, de->d_name);
                if (!p)
                        return -ENOMEM;
                (void) rm_rf(p);
        }
        return 0;
}

int volume_copy_up(const char *rootfs, const char *destination, const char *data_dir) {
        _cleanup_close_ int root = -EBADF, src = -EBADF, dst = -EBADF;
        _cleanup_(copy_state_done) CopyState s = {};
        struct open_how how = {
                .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        const char *rel;
        struct stat st;
        int r;

        root = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return -errno;
        rel = destination;
        while (*rel == '/')
                rel++;
        if (isempty(rel))
                return -EINVAL;

        /* The image decides what is at the destination; its symlinks resolve inside the rootfs. */
        src = (int) syscall(SYS_openat2, root, rel, &how, sizeof(how));
        if (src < 0)
                return IN_SET(errno, ENOENT, ENOTDIR, EXDEV) ? 0 : -errno;
        if (fstat(src, &st) < 0)
                return -errno;

        dst = open(data_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dst < 0)
                return -errno;
        s.dst_root = dst;

        r = copy_tree_at(&s, src, dst, NULL, 0);
        if (r >= 0)
                r = fchown(dst, st.st_uid, st.st_gid) < 0 || fchmod(dst, st.st_mode & 07777) < 0 ? -errno : 0;
        if (r < 0) {
                (void) clear_dir(dst);
                return r;
        }
        return 1;
}

int dir_is_empty(const char *path) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        d = opendir(path);
        if (!d)
                return -errno;
        while ((errno = 0, de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        return 0;
        return errno > 0 ? -errno : 1;
}

static int usage_at(int dfd, dev_t dev, uint64_t *total, unsigned depth) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        if (depth > 256)
                return 0;
        fd = dup(dfd);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
                        continue;
                *total += (uint64_t) st.st_blocks * 512;
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub >= 0)
                                (void) usage_at(sub, dev, total, depth + 1);
                }
        }
        return 0;
}

int disk_usage(const char *path, uint64_t *ret) {
        _cleanup_close_ int fd = -EBADF;
        uint64_t total = 0;
        struct stat st;
        int r;

        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        r = usage_at(fd, st.st_dev, &total, 0);
        if (r < 0)
                return r;
        *ret = total;
        return 0;
}
