/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Streaming, defensive extraction of untrusted layer tarballs for overlayfs.
 *
 * Pipeline: input_fd (read, or mapped if it is a regular file) → outer libarchive (gzip/zstd filters, "raw" format) → decompressed bytes, hashed
 * (diff_id) and counted (bomb limit) → read callback → inner libarchive (tar formats only) → entries.
 * No temporary tarball is written; the outer stream is drained to EOF after the tar end marker so the
 * diff_id covers the whole stream, padding included (as docker and containers/storage do).
 *
 * Rules, after OCI image-spec layer.md and containers/storage's overlay driver:
 *  - Member names are cleaned lexically ("./a//b/" → "a/b", "a/../b" → "b"). Absolute names and names
 *    whose ".." climbs above the root are refused.
 *  - Every parent directory is opened with openat2(RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS|
 *    RESOLVE_NO_XDEV) relative to the layer directory; missing parents are created (0755). A parent
 *    path that passes through a symlink leading outside (EXDEV — this includes absolute symlinks) is
 *    refused. Symlinks themselves are created verbatim: they are data.
 *  - The last component is always created by *at() calls on the parent fd, never followed: an
 *    existing non-directory (or a directory, if the new entry is not one) is removed first, so a later
 *    entry replaces an earlier one of the same name; regular files are opened
 *    O_CREAT|O_EXCL|O_NOFOLLOW.
 *  - Hard link targets are cleaned like names, must resolve beneath the layer directory and are
 *    linked with linkat() from their parent fd (no AT_SYMLINK_FOLLOW).
 *  - ".wh.NAME" becomes a 0:0 character device NAME (overlayfs whiteout), unless NAME already exists in
 *    this layer: whiteouts only apply to lower layers (layer.md). ".wh..wh..opq" in D sets
 *    trusted.overlay.opaque=y (or user.overlay.opaque) on D. Other ".wh..wh." names (AUFS metadata)
 *    and everything beneath them are skipped.
 *  - Device nodes only with allow_devices. Ownership only with preserve_ownership. Modes (including
 *    setuid/setgid/sticky) are applied after chown and after xattrs; directory modes and times are
 *    applied at the very end, deepest first, so that their content can still be written.
 *  - Only user.* (except user.overlay.* and user.fuseoverlayfs.*) and security.capability xattrs are
 *    applied; everything else (trusted.*, security.selinux, system.*) is silently dropped, so a layer
 *    cannot smuggle overlayfs metadata. Failures with EPERM/ENOTSUP are ignored, like docker does.
 *
 * On failure, what was extracted so far stays where it is; the caller removes the staging dir. */

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fd-util.h"
#include "layer-unpack.h"
#include "macro.h"
#include "string-util.h"

/* openat2() has no glibc wrapper (yet); keep our own copy of the ABI so that a future glibc
 * definition of struct open_how does not clash with <linux/openat2.h>. */
#ifndef __NR_openat2
#  define __NR_openat2 437
#endif
#ifndef RESOLVE_NO_XDEV
#  define RESOLVE_NO_XDEV 0x01
#endif
#ifndef RESOLVE_NO_MAGICLINKS
#  define RESOLVE_NO_MAGICLINKS 0x02
#endif
#ifndef RESOLVE_NO_SYMLINKS
#  define RESOLVE_NO_SYMLINKS 0x04
#endif
#ifndef RESOLVE_BENEATH
#  define RESOLVE_BENEATH 0x08
#endif

struct unpack_open_how {
        uint64_t flags;
        uint64_t mode;
        uint64_t resolve;
};

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

#define INPUT_BUFFER_SIZE (128U * 1024U)
/* A regular file is read through a window mapped from it, instead of copied out with read(). */
#define INPUT_MAP_WINDOW (2U * 1024U * 1024U)
#define NAME_DISPLAY_MAX 256U
#define MESSAGE_DISPLAY_MAX 512U

typedef struct DirFixup {
        char *path;             /* cleaned, relative to the root; "" is the root itself */
        size_t depth;
        size_t index;
        mode_t mode;
        struct timespec ts[2];
} DirFixup;

typedef struct Unpacker {
        UnpackOptions opts;
        int root_fd;
        int input_fd;
        uint8_t *input_buffer;
        bool input_is_file;     /* input_fd is a regular file: mapped window by window */
        int more_fd;            /* a byte here: the file grew; EOF: it is complete (-EBADF: it is) */
        uint64_t input_offset;  /* where the next window starts */
        void *input_map;        /* the current window, valid until the next input_read() */
        size_t input_map_size;

        struct archive *outer;  /* compressed input → decompressed bytes */
        struct archive *inner;  /* decompressed bytes → tar entries */
        bool outer_eof;
        EVP_MD_CTX *md;

        uint64_t n_bytes;
        uint64_t n_file_bytes;
        uint64_t n_entries;

        char *entry_name;       /* copy of the raw name of the entry being processed, for reasons */
        int error;              /* set by the read callback; wins over what libarchive says */
        char *reason;

        DirFixup *fixups;
        size_t n_fixups;
        size_t n_fixups_allocated;
} Unpacker;

static void unpacker_done(Unpacker *u) {
        if (u->inner)
                archive_read_free(u->inner);
        if (u->outer)
                archive_read_free(u->outer);
        EVP_MD_CTX_free(u->md);
        for (size_t i = 0; i < u->n_fixups; i++)
                free(u->fixups[i].path);
        free(u->fixups);
        free(u->entry_name);
        free(u->reason);
        free(u->input_buffer);
        if (u->input_map)
                (void) munmap(u->input_map, u->input_map_size);
}

static int openat2_beneath(int dir_fd, const char *path, int flags, uint64_t extra_resolve) {
        struct unpack_open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV | extra_resolve,
        };

        /* EAGAIN means a rename or mount somewhere raced with a ".." in a symlink: just retry. */
        for (unsigned attempt = 0;; attempt++) {
                int fd = (int) syscall(__NR_openat2, dir_fd, path, &how, sizeof(how));
                if (fd >= 0)
                        return fd;
                if (errno != EAGAIN || attempt >= 32)
                        return -errno;
        }
}

/* Names and messages in reasons come from a hostile archive: make them safe for a terminal. */
static char *string_escape(const char *s, size_t max) {
        size_t n = strlen(strempty(s));
        bool truncated = n > max;
        char *buf, *p;

        if (truncated)
                n = max;
        buf = malloc(n * 4 + 4);
        if (!buf)
                return NULL;
        p = buf;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];

                if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'')
                        p += sprintf(p, "\\x%02x", c);
                else
                        *p++ = (char) c;
        }
        if (truncated)
                p = stpcpy(p, "...");
        *p = 0;
        return buf;
}

/* Records the first reason only: it is the most specific one. %m prints -r. */
_printf_(3, 4)
static int unpack_fail(Unpacker *u, int r, const char *format, ...) {
        va_list ap;

        if (u->reason)
                return r;
        errno = -r;
        va_start(ap, format);
        if (vasprintf(&u->reason, format, ap) < 0)
                u->reason = NULL;
        va_end(ap);
        return r;
}

/* r is evaluated first, so "entry_fail(u, -errno, ...)" is fine. */
#define entry_fail(u, r, format, ...)                                                   \
        ({                                                                              \
                int _r_ = (r);                                                          \
                _cleanup_free_ char *_name_ = string_escape((u)->entry_name, NAME_DISPLAY_MAX); \
                unpack_fail((u), _r_, "entry '%s' " format, strna(_name_), ##__VA_ARGS__); \
        })

static int archive_error_to_errno(struct archive *a) {
        int e = archive_errno(a);

        /* libarchive reports format problems as ARCHIVE_ERRNO_MISC (-1), EILSEQ/EFTYPE or EINVAL;
         * anything else is a real error from read() or malloc(). */
        if (e == ENOMEM)
                return -ENOMEM;
        if (e <= 0 || e == EILSEQ || e == EINVAL)
                return -EBADMSG;
        return -e;
}

static int unpack_archive_fail(Unpacker *u, struct archive *a, const char *what) {
        _cleanup_free_ char *msg = NULL;

        if (u->error < 0)
                return u->error; /* the read callback already said what happened */

        msg = string_escape(archive_error_string(a) ?: "unknown error", MESSAGE_DISPLAY_MAX);
        if (u->entry_name)
                return entry_fail(u, archive_error_to_errno(a), "%s: %s", what, strna(msg));
        return unpack_fail(u, archive_error_to_errno(a), "layer %s: %s", what, strna(msg));
}

static int unpack_account(Unpacker *u, const void *buf, size_t size) {
        u->n_bytes += size;
        if (u->opts.max_uncompressed_bytes > 0 && u->n_bytes > u->opts.max_uncompressed_bytes)
                return (u->error = unpack_fail(u, -EFBIG, "layer expands beyond %" PRIu64 " bytes (gzip bomb?)",
                                               u->opts.max_uncompressed_bytes));
        if (EVP_DigestUpdate(u->md, buf, size) != 1)
                return (u->error = unpack_fail(u, -EIO, "SHA-256 of the layer stream failed"));
        return 0;
}

/* Blocks until the writer of the input file says it appended something (1) or that it is done (0). */
static int input_wait_more(Unpacker *u) {
        for (;;) {
                uint8_t buf[4096];
                ssize_t n = read(u->more_fd, buf, sizeof(buf));

                if (n > 0)
                        return 1;
                if (n == 0) {
                        u->more_fd = -EBADF;   /* not ours to close */
                        return 0;
                }
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN) {
                        struct pollfd p = { .fd = u->more_fd, .events = POLLIN };

                        if (poll(&p, 1, -1) >= 0 || errno == EINTR)
                                continue;
                }
                return -errno;
        }
}

/* The next window of a regular file, mapped read-only; 0 at its end (once the writer, if any, is
 * done). The file only ever grows: what is below its size stays as it is. */
static la_ssize_t input_read_file(struct archive *a, Unpacker *u, const void **ret_buf) {
        if (u->input_map) {
                (void) munmap(u->input_map, u->input_map_size);
                u->input_map = NULL;
        }

        for (;;) {
                struct stat st;
                int r;

                if (fstat(u->input_fd, &st) < 0) {
                        archive_set_error(a, errno, "%s", strerror(errno));
                        return -1;
                }
                if (st.st_size > 0 && (uint64_t) st.st_size > u->input_offset) {
                        uint64_t start = u->input_offset & ~((uint64_t) sysconf(_SC_PAGESIZE) - 1);
                        size_t skip = (size_t) (u->input_offset - start);
                        size_t len = (size_t) MIN((uint64_t) st.st_size - start, (uint64_t) INPUT_MAP_WINDOW);
                        void *p = u->input_buffer ? MAP_FAILED :
                                mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, u->input_fd, (off_t) start);

                        if (p == MAP_FAILED && (u->input_buffer || errno == ENODEV)) {
                                /* A file system that cannot map files: copy out with pread(). */
                                ssize_t n;

                                if (!u->input_buffer) {
                                        u->input_buffer = malloc(INPUT_BUFFER_SIZE);
                                        if (!u->input_buffer) {
                                                archive_set_error(a, ENOMEM, "%s", strerror(ENOMEM));
                                                return -1;
                                        }
                                }
                                n = pread(u->input_fd, u->input_buffer, INPUT_BUFFER_SIZE, (off_t) u->input_offset);
                                if (n < 0 && errno == EINTR)
                                        continue;
                                if (n < 0) {
                                        archive_set_error(a, errno, "%s", strerror(errno));
                                        return -1;
                                }
                                if (n > 0) {
                                        u->input_offset += (uint64_t) n;
                                        *ret_buf = u->input_buffer;
                                        return n;
                                }
                                /* n == 0: the file is shorter than its size says; wait as at its end */
                        } else {
                                if (p == MAP_FAILED) {
                                        archive_set_error(a, errno, "%s", strerror(errno));
                                        return -1;
                                }
                                u->input_map = p;
                                u->input_map_size = len;
                                u->input_offset = start + len;
                                *ret_buf = (const uint8_t *) p + skip;
                                return (la_ssize_t) (len - skip);
                        }
                }
                if (u->more_fd < 0)
                        return 0;
                r = input_wait_more(u);
                if (r < 0) {
                        archive_set_error(a, -r, "%s", strerror(-r));
                        return -1;
                }
                /* r == 0: complete; one more look at its size, then the end. */
        }
}

/* Feeds the outer archive. Our own instead of archive_read_open_fd(): the fd may be a non-blocking
 * pipe or socket handed over by an event loop, or a file that is still being written. */
static la_ssize_t input_read(struct archive *a, void *userdata, const void **ret_buf) {
        Unpacker *u = userdata;

        if (u->input_is_file)
                return input_read_file(a, u, ret_buf);

        for (;;) {
                ssize_t n = read(u->input_fd, u->input_buffer, INPUT_BUFFER_SIZE);

                if (n >= 0) {
                        *ret_buf = u->input_buffer;
                        return n;
                }
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN) {
                        struct pollfd p = { .fd = u->input_fd, .events = POLLIN };

                        if (poll(&p, 1, -1) >= 0 || errno == EINTR)
                                continue;
                }
                archive_set_error(a, errno, "%s", strerror(errno));
                return -1;
        }
}

/* Returns 1 and the next block of the decompressed stream, 0 at its end, or a negative errno. */
static int outer_next_block(Unpacker *u, const void **ret_buf, size_t *ret_size) {
        for (;;) {
                const void *buf;
                size_t size;
                la_int64_t offset;
                int r;

                if (u->outer_eof)
                        return 0;

                r = archive_read_data_block(u->outer, &buf, &size, &offset);
                if (r == ARCHIVE_EOF) {
                        u->outer_eof = true;
                        continue;
                }
                if (r < ARCHIVE_WARN) {
                        _cleanup_free_ char *msg = string_escape(archive_error_string(u->outer) ?: "unknown error",
                                                                 MESSAGE_DISPLAY_MAX);
                        return (u->error = unpack_fail(u, archive_error_to_errno(u->outer),
                                                       "layer stream could not be read or decompressed: %s",
                                                       strna(msg)));
                }
                if (size == 0)
                        continue;

                r = unpack_account(u, buf, size);
                if (r < 0)
                        return r;

                *ret_buf = buf;
                *ret_size = size;
                return 1;
        }
}

static la_ssize_t inner_read(struct archive *a, void *userdata, const void **ret_buf) {
        Unpacker *u = userdata;
        size_t size = 0;
        int r;

        r = outer_next_block(u, ret_buf, &size);
        if (r < 0) {
                archive_set_error(a, -r, "%s", strna(u->reason));
                return -1;
        }
        return r == 0 ? 0 : (la_ssize_t) size;
}

/* Lexically cleans a member name into a relative path ("" for the root): drops empty and "."
 * components, resolves ".." against what precedes it. -EINVAL for absolute names, -EPERM if ".."
 * climbs above the root. */
static int member_path_clean(const char *name, char **ret) {
        _cleanup_free_ char *out = NULL;
        size_t len = 0;

        if (name[0] == '/')
                return -EINVAL;

        out = malloc(strlen(name) + 1);
        if (!out)
                return -ENOMEM;

        for (const char *p = name;;) {
                size_t l;

                p += strspn(p, "/");
                l = strcspn(p, "/");
                if (l == 0)
                        break;

                if (l == 1 && p[0] == '.')
                        ;
                else if (l == 2 && p[0] == '.' && p[1] == '.') {
                        char *slash;

                        if (len == 0)
                                return -EPERM;
                        slash = memrchr(out, '/', len);
                        len = slash ? (size_t) (slash - out) : 0;
                } else {
                        if (len > 0)
                                out[len++] = '/';
                        memcpy(out + len, p, l);
                        len += l;
                }
                p += l;
        }
        out[len] = 0;

        *ret = TAKE_PTR(out);
        return 0;
}

static size_t path_depth(const char *path) {
        size_t n = 0;

        if (isempty(path))
                return 0;
        for (const char *p = path; *p; p++)
                if (*p == '/')
                        n++;
        return n + 1;
}

/* True for AUFS metadata (".wh..wh.plnk/...", ".wh..wh.aufs", ...) that overlayfs has no use for. */
static bool path_is_aufs_metadata(const char *path) {
        for (const char *p = path; *p;) {
                size_t l = strcspn(p, "/");

                if (l >= strlen(WHITEOUT_META_PREFIX) && strncmp(p, WHITEOUT_META_PREFIX, strlen(WHITEOUT_META_PREFIX)) == 0 &&
                    !(p[l] == 0 && streq(p, WHITEOUT_OPAQUE)))
                        return true;
                p += l;
                p += strspn(p, "/");
        }
        return false;
}

/* Opens the directory at the cleaned relative path dir ("" = root) beneath the root. With create,
 * missing components are made (0755, owned by the caller), like docker's MkdirAll. Returns a bare
 * negative errno; callers phrase the reason. */
static int resolve_dir(Unpacker *u, const char *dir, bool create, int *ret_fd) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int cur = -EBADF;
        int fd;

        fd = openat2_beneath(u->root_fd, isempty(dir) ? "." : dir, O_RDONLY | O_DIRECTORY, 0);
        if (fd >= 0) {
                *ret_fd = fd;
                return 0;
        }
        if (fd != -ENOENT || !create)
                return fd;

        /* Slow path: walk down and create what is missing. */
        buf = strdup(dir);
        if (!buf)
                return -ENOMEM;
        cur = openat2_beneath(u->root_fd, ".", O_RDONLY | O_DIRECTORY, 0);
        if (cur < 0)
                return cur;

        for (char *p = buf;;) {
                char *slash = strchr(p, '/');

                if (slash)
                        *slash = 0;

                /* Always resolve the whole prefix from the root, so that "..", whether in symlinks
                 * or not, is judged against the layer directory and not against cur. */
                fd = openat2_beneath(u->root_fd, buf, O_RDONLY | O_DIRECTORY, 0);
                if (fd == -ENOENT) {
                        bool made = mkdirat(cur, p, 0755) >= 0;

                        if (!made && errno != EEXIST)
                                return -errno;
                        fd = openat2_beneath(u->root_fd, buf, O_RDONLY | O_DIRECTORY, 0);
                        if (fd >= 0 && made && fchmod(fd, 0755) < 0) {
                                int r = -errno;
                                safe_close(fd);
                                return r;
                        }
                }
                if (fd < 0)
                        return fd;

                safe_close(cur);
                cur = fd;

                if (!slash)
                        break;
                *slash = '/';
                p = slash + 1;
        }

        *ret_fd = TAKE_FD(cur);
        return 0;
}

static int resolve_fail(Unpacker *u, int r, const char *what) {
        switch (r) {
        case -EXDEV:
                return entry_fail(u, -EPERM, "would be written through a symlink leaving the layer directory");
        case -ENOTDIR:
                return entry_fail(u, r, "has a parent that is not a directory");
        case -ELOOP:
                return entry_fail(u, r, "has a parent path with a symlink loop");
        default:
                return entry_fail(u, r, "%s: %s", what, strerror(-r));
        }
}

static void split_path(char *path, const char **ret_dir, const char **ret_base) {
        char *slash = strrchr(path, '/');

        if (slash) {
                *slash = 0;
                *ret_dir = path;
                *ret_base = slash + 1;
        } else {
                *ret_dir = "";
                *ret_base = path;
        }
}

/* Removes a directory tree beneath dir_fd without following symlinks. */
static int remove_tree_at(int dir_fd, const char *name) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        if (unlinkat(dir_fd, name, AT_REMOVEDIR) >= 0)
                return 0;
        if (errno != ENOTEMPTY && errno != EEXIST)
                return -errno;

        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                int r = -errno;
                safe_close(fd);
                return r;
        }

        for (;;) {
                bool is_dir;
                int r;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return -errno;
                        break;
                }
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;

                if (de->d_type == DT_UNKNOWN) {
                        struct stat st;

                        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                return -errno;
                        is_dir = S_ISDIR(st.st_mode);
                } else
                        is_dir = de->d_type == DT_DIR;

                r = is_dir ? remove_tree_at(dirfd(d), de->d_name) : RET_NERRNO(unlinkat(dirfd(d), de->d_name, 0));
                if (r < 0)
                        return r;
        }

        return RET_NERRNO(unlinkat(dir_fd, name, AT_REMOVEDIR));
}

/* Makes room for a new entry called name in parent_fd: later entries replace earlier ones
 * (layer.md, "Changeset over existing files"). An existing directory is kept if keep_dir. */
static int prepare_slot(Unpacker *u, int parent_fd, const char *name, bool keep_dir, bool *ret_is_dir) {
        struct stat st;
        int r;

        if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT)
                        return entry_fail(u, -errno, "could not be inspected: %m");
                *ret_is_dir = false;
                return 0;
        }

        if (S_ISDIR(st.st_mode)) {
                if (keep_dir) {
                        *ret_is_dir = true;
                        return 0;
                }
                r = remove_tree_at(parent_fd, name);
        } else
                r = RET_NERRNO(unlinkat(parent_fd, name, 0));
        if (r < 0)
                return entry_fail(u, r, "could not replace an existing file of the same name: %s", strerror(-r));

        *ret_is_dir = false;
        return 0;
}

static int entry_owner(Unpacker *u, struct archive_entry *e, uid_t *ret_uid, gid_t *ret_gid) {
        la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);

        /* (uid_t) -1 means "leave unchanged" to chown(), so it is not a valid owner either. */
        if (uid < 0 || uid >= (la_int64_t) UINT32_MAX || gid < 0 || gid >= (la_int64_t) UINT32_MAX)
                return entry_fail(u, -EBADMSG, "has an invalid owner %" PRId64 ":%" PRId64,
                                  (int64_t) uid, (int64_t) gid);
        *ret_uid = (uid_t) uid;
        *ret_gid = (gid_t) gid;
        return 0;
}

static int apply_owner(Unpacker *u, struct archive_entry *e, int fd, int parent_fd, const char *name) {
        uid_t uid = 0;
        gid_t gid = 0;
        int r;

        if (!u->opts.preserve_ownership)
                return 0;

        r = entry_owner(u, e, &uid, &gid);
        if (r < 0)
                return r;

        if (fd >= 0)
                r = RET_NERRNO(fchown(fd, uid, gid));
        else
                r = RET_NERRNO(fchownat(parent_fd, name, uid, gid, AT_SYMLINK_NOFOLLOW));
        if (r < 0)
                return entry_fail(u, r, "could not be chowned to %u:%u: %s", (unsigned) uid, (unsigned) gid, strerror(-r));
        return 0;
}

static bool xattr_is_applied(const char *name) {
        if (startswith(name, "user."))
                /* overlayfs with "userxattr" and fuse-overlayfs read their metadata from these */
                return !startswith(name, "user.overlay.") && !startswith(name, "user.fuseoverlayfs.");
        return streq(name, "security.capability");
}

static int apply_xattrs(Unpacker *u, struct archive_entry *e, int fd) {
        const char *name;
        const void *value;
        size_t size;

        if (archive_entry_xattr_reset(e) <= 0)
                return 0;

        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                if (!name || !xattr_is_applied(name))
                        continue;

                if (fsetxattr(fd, name, value, size, 0) < 0) {
                        _cleanup_free_ char *n = NULL;
                        int r = -errno;

                        /* As docker: file systems without xattrs, or no CAP_SETFCAP, are not fatal. */
                        if (IN_SET(r, -EPERM, -ENOTSUP, -EOPNOTSUPP))
                                continue;
                        n = string_escape(name, NAME_DISPLAY_MAX);
                        return entry_fail(u, r, "could not be given extended attribute '%s': %m", strna(n));
                }
        }
        return 0;
}

static struct timespec timespec_make(time_t sec, long nsec) {
        return (struct timespec) {
                .tv_sec = sec,
                .tv_nsec = nsec >= 0 && nsec < 1000000000L ? nsec : 0,
        };
}

/* atime, mtime for utimensat(); no mtime: leave it; no atime: the mtime. */
static void entry_times(struct archive_entry *e, struct timespec ts[static 2]) {
        if (archive_entry_mtime_is_set(e))
                ts[1] = timespec_make(archive_entry_mtime(e), archive_entry_mtime_nsec(e));
        else
                ts[1] = (struct timespec) { .tv_nsec = UTIME_OMIT };

        if (archive_entry_atime_is_set(e))
                ts[0] = timespec_make(archive_entry_atime(e), archive_entry_atime_nsec(e));
        else
                ts[0] = ts[1];
}

static int add_dir_fixup(Unpacker *u, const char *path, struct archive_entry *e) {
        DirFixup *f;

        if (u->n_fixups >= u->n_fixups_allocated) {
                size_t n = MAX(u->n_fixups_allocated * 2, (size_t) 64);
                DirFixup *a = reallocarray(u->fixups, n, sizeof(DirFixup));

                if (!a)
                        return -ENOMEM;
                u->fixups = a;
                u->n_fixups_allocated = n;
        }

        f = u->fixups + u->n_fixups;
        *f = (DirFixup) {
                .path = strdup(path),
                .depth = path_depth(path),
                .index = u->n_fixups,
                .mode = archive_entry_perm(e) & 07777,
        };
        if (!f->path)
                return -ENOMEM;
        entry_times(e, f->ts);
        u->n_fixups++;
        return 0;
}

static int fixup_compare(const void *a, const void *b) {
        const DirFixup *x = a, *y = b;
        int c;

        /* Deepest first (a parent's mode may take away our access to its children), then by path so
         * that repeated entries for one directory are adjacent, in archive order. */
        if (x->depth != y->depth)
                return x->depth > y->depth ? -1 : 1;
        c = strcmp(x->path, y->path);
        if (c != 0)
                return c;
        return x->index < y->index ? -1 : x->index > y->index;
}

static int apply_dir_fixups(Unpacker *u) {
        int r;

        if (u->n_fixups == 0)
                return 0;

        qsort(u->fixups, u->n_fixups, sizeof(DirFixup), fixup_compare);

        for (size_t i = 0; i < u->n_fixups; i++) {
                const DirFixup *f = u->fixups + i;
                _cleanup_close_ int fd = -EBADF;

                /* The last entry for a directory wins. */
                if (i + 1 < u->n_fixups && streq(f->path, f[1].path))
                        continue;

                /* No symlinks at all: this must still be the very directory we made. If a later
                 * entry replaced it with something else, there is nothing to fix up. */
                fd = openat2_beneath(u->root_fd, isempty(f->path) ? "." : f->path,
                                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW, RESOLVE_NO_SYMLINKS);
                if (IN_SET(fd, -ENOENT, -ENOTDIR, -ELOOP))
                        continue;
                r = fd < 0 ? fd : 0;
                if (r >= 0 && fchmod(fd, f->mode) < 0)
                        r = -errno;
                if (r >= 0 && futimens(fd, f->ts) < 0)
                        r = -errno;
                if (r < 0) {
                        _cleanup_free_ char *n = string_escape(f->path, NAME_DISPLAY_MAX);
                        return unpack_fail(u, r, "directory '%s' could not be given its mode and times: %m", strna(n));
                }
        }
        return 0;
}

static int write_entry_data(Unpacker *u, int fd, la_int64_t size) {
        uint64_t end = 0;

        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t offset;
                int r;

                r = archive_read_data_block(u->inner, &buf, &len, &offset);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return unpack_archive_fail(u, u->inner, "could not be read");
                if (offset < 0)
                        return entry_fail(u, -EBADMSG, "has data at a negative offset");

                /* pwrite() at the block's offset keeps the holes of sparse entries sparse. */
                for (size_t done = 0; done < len;) {
                        ssize_t n = pwrite(fd, (const uint8_t *) buf + done, len - done, (off_t) offset + (off_t) done);
                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                return entry_fail(u, -errno, "could not be written: %m");
                        }
                        done += (size_t) n;
                }
                end = MAX(end, (uint64_t) offset + len);
        }

        if (size > 0 && (uint64_t) size > end && ftruncate(fd, (off_t) size) < 0)
                return entry_fail(u, -errno, "could not be extended to %" PRId64 " bytes: %m", (int64_t) size);
        return 0;
}

static int unpack_regular(Unpacker *u, struct archive_entry *e, int parent_fd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        struct timespec ts[2];
        la_int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
        bool is_dir;
        int r;

        if (size < 0)
                return entry_fail(u, -EBADMSG, "has a negative size");
        /* The data of ordinary files is counted as it streams by; sparse ones can claim far more than
         * they carry, so their apparent size counts too (a copy-up, a cp, a docker export would
         * expand them). */
        if (archive_entry_sparse_count(e) > 0)
                u->n_file_bytes += (uint64_t) size;
        if (u->opts.max_uncompressed_bytes > 0 && u->n_file_bytes > u->opts.max_uncompressed_bytes)
                return entry_fail(u, -EFBIG, "makes the layer expand beyond %" PRIu64 " bytes (sparse file bomb?)",
                                  u->opts.max_uncompressed_bytes);

        r = prepare_slot(u, parent_fd, name, false, &is_dir);
        if (r < 0)
                return r;

        fd = openat(parent_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return entry_fail(u, -errno, "could not be created: %m");

        r = write_entry_data(u, fd, size);
        if (r < 0)
                return r;

        /* chown() clears setuid/setgid and security.capability, writes clear them too: so data,
         * then owner, then xattrs, then the mode, then the times. */
        r = apply_owner(u, e, fd, -EBADF, NULL);
        if (r < 0)
                return r;
        r = apply_xattrs(u, e, fd);
        if (r < 0)
                return r;
        if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
                return entry_fail(u, -errno, "could not be given its mode: %m");
        entry_times(e, ts);
        if (futimens(fd, ts) < 0)
                return entry_fail(u, -errno, "could not be given its times: %m");
        return 0;
}

static int unpack_directory(Unpacker *u, struct archive_entry *e, int parent_fd, const char *name, const char *path) {
        _cleanup_close_ int fd = -EBADF;
        bool is_dir = false;
        int r;

        if (parent_fd < 0) /* the root itself */
                fd = openat2_beneath(u->root_fd, ".", O_RDONLY | O_DIRECTORY, 0);
        else {
                r = prepare_slot(u, parent_fd, name, true, &is_dir);
                if (r < 0)
                        return r;
                /* 0700 for now, so that we can fill it even when not root; the real mode comes
                 * at the end. */
                if (!is_dir && mkdirat(parent_fd, name, 0700) < 0)
                        return entry_fail(u, -errno, "could not be created: %m");
                fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        fd = -errno;
        }
        if (fd < 0)
                return entry_fail(u, fd, "could not be opened: %s", strerror(-fd));

        r = apply_owner(u, e, fd, -EBADF, NULL);
        if (r < 0)
                return r;
        r = apply_xattrs(u, e, fd);
        if (r < 0)
                return r;

        r = add_dir_fixup(u, path, e);
        if (r < 0)
                return entry_fail(u, r, "could not be recorded: %s", strerror(-r));
        return 0;
}

static int finish_special(Unpacker *u, struct archive_entry *e, int parent_fd, const char *name, bool set_mode) {
        struct timespec ts[2];
        int r;

        r = apply_owner(u, e, -EBADF, parent_fd, name);
        if (r < 0)
                return r;
        /* We just made name ourselves and nobody else writes here: it is not a symlink, following
         * is safe (fchmodat() cannot not follow without /proc). */
        if (set_mode && fchmodat(parent_fd, name, archive_entry_perm(e) & 07777, 0) < 0)
                return entry_fail(u, -errno, "could not be given its mode: %m");
        entry_times(e, ts);
        if (utimensat(parent_fd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return entry_fail(u, -errno, "could not be given its times: %m");
        return 0;
}

static int unpack_symlink(Unpacker *u, struct archive_entry *e, int parent_fd, const char *name) {
        const char *target = archive_entry_symlink(e);
        bool is_dir;
        int r;

        if (isempty(target))
                return entry_fail(u, -EBADMSG, "is a symlink without a target");

        r = prepare_slot(u, parent_fd, name, false, &is_dir);
        if (r < 0)
                return r;
        /* The target is stored verbatim, wherever it points: it is only ever followed inside the
         * container, and never by us (see resolve_dir()). */
        if (symlinkat(target, parent_fd, name) < 0)
                return entry_fail(u, -errno, "could not be created as a symlink: %m");
        return finish_special(u, e, parent_fd, name, false);
}

static int unpack_node(Unpacker *u, struct archive_entry *e, int parent_fd, const char *name, mode_t type) {
        bool is_dir;
        dev_t dev = 0;
        int r;

        if (type != S_IFIFO) {
                if (!u->opts.allow_devices)
                        return entry_fail(u, -EPERM, "is a %s device node, which is not allowed here",
                                          type == S_IFCHR ? "character" : "block");
                dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
        }

        r = prepare_slot(u, parent_fd, name, false, &is_dir);
        if (r < 0)
                return r;
        if (mknodat(parent_fd, name, type | 0600, dev) < 0)
                return entry_fail(u, -errno, "could not be created: %m");
        return finish_special(u, e, parent_fd, name, true);
}

static int unpack_hardlink(Unpacker *u, struct archive_entry *e, const char *target, int parent_fd, const char *name) {
        _cleanup_free_ char *clean = NULL, *shown = NULL;
        _cleanup_close_ int target_parent_fd = -EBADF;
        const char *target_dir, *target_base;
        struct stat st, existing;
        bool is_dir;
        int r;

        shown = string_escape(target, NAME_DISPLAY_MAX);

        r = member_path_clean(target, &clean);
        if (r == -EINVAL)
                return entry_fail(u, -EPERM, "is a hard link to absolute path '%s'", strna(shown));
        if (r == -EPERM)
                return entry_fail(u, -EPERM, "is a hard link to '%s', which is outside the layer directory", strna(shown));
        if (r < 0)
                return entry_fail(u, r, "could not be parsed: %s", strerror(-r));
        if (isempty(clean))
                return entry_fail(u, -EPERM, "is a hard link to the layer directory itself");

        split_path(clean, &target_dir, &target_base);
        r = resolve_dir(u, target_dir, false, &target_parent_fd);
        if (r == -EXDEV)
                return entry_fail(u, -EPERM, "is a hard link to '%s', which resolves outside the layer directory", strna(shown));
        if (r < 0)
                return entry_fail(u, r == -ENOTDIR ? -ENOENT : r, "is a hard link to '%s', which does not exist", strna(shown));

        if (fstatat(target_parent_fd, target_base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return entry_fail(u, -errno, "is a hard link to '%s', which does not exist", strna(shown));
        if (S_ISDIR(st.st_mode))
                return entry_fail(u, -EPERM, "is a hard link to directory '%s'", strna(shown));

        /* Already linked (a repeated entry)? */
        if (fstatat(parent_fd, name, &existing, AT_SYMLINK_NOFOLLOW) >= 0 &&
            existing.st_dev == st.st_dev && existing.st_ino == st.st_ino)
                return 0;

        r = prepare_slot(u, parent_fd, name, false, &is_dir);
        if (r < 0)
                return r;
        /* No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink. */
        if (linkat(target_parent_fd, target_base, parent_fd, name, 0) < 0)
                return entry_fail(u, -errno, "could not be linked to '%s': %m", strna(shown));
        return 0;
}

static int unpack_whiteout(Unpacker *u, struct archive_entry *e, const char *dir, const char *victim) {
        _cleanup_close_ int parent_fd = -EBADF;
        struct stat st;
        int r;

        if (isempty(victim) || streq(victim, ".") || streq(victim, "..") || strchr(victim, '/'))
                return entry_fail(u, -EPERM, "is not a valid whiteout");

        r = resolve_dir(u, dir, true, &parent_fd);
        if (r == -ENOTDIR)
                /* ".wh.foo" then "foo/.wh.bar" ("rm -rf foo/bar" by some tools): foo is already
                 * whited out, nothing to do (as containers/storage). */
                return 0;
        if (r < 0)
                return resolve_fail(u, r, "could not open its directory");

        if (fstatat(parent_fd, victim, &st, AT_SYMLINK_NOFOLLOW) >= 0)
                /* Either already whited out, or the file is part of this very layer: "Files that are
                 * present in the same layer as a whiteout file can only be hidden by whiteout files
                 * in subsequent layers." Keep it. */
                return 0;
        if (errno != ENOENT)
                return entry_fail(u, -errno, "could not inspect what it whites out: %m");

        if (mknodat(parent_fd, victim, S_IFCHR | 0000, makedev(0, 0)) < 0)
                return entry_fail(u, -errno, "could not be turned into an overlayfs whiteout: %m");
        return apply_owner(u, e, -EBADF, parent_fd, victim);
}

static int unpack_opaque(Unpacker *u, const char *dir) {
        _cleanup_close_ int fd = -EBADF;
        const char *xattr = u->opts.overlay_userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
        int r;

        r = resolve_dir(u, dir, true, &fd);
        if (r == -ENOTDIR)
                return 0; /* the directory itself was whited out */
        if (r < 0)
                return resolve_fail(u, r, "could not open its directory");

        if (fsetxattr(fd, xattr, "y", 1, 0) < 0)
                return entry_fail(u, -errno, "could not mark its directory opaque (%s): %m", xattr);
        return 0;
}

static int unpack_entry(Unpacker *u, struct archive_entry *e) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int parent_fd = -EBADF;
        const char *name, *hardlink, *dir, *base;
        mode_t type;
        int r;

        name = archive_entry_pathname(e);
        if (!name)
                name = archive_entry_pathname_utf8(e);
        if (isempty(name))
                return unpack_fail(u, -EBADMSG, "layer has an entry without a name after %" PRIu64 " entries", u->n_entries - 1);
        r = free_and_strdup(&u->entry_name, name);
        if (r < 0)
                return r;

        r = member_path_clean(name, &path);
        if (r == -EINVAL)
                return entry_fail(u, -EPERM, "has an absolute path");
        if (r == -EPERM)
                return entry_fail(u, -EPERM, "leaves the layer directory");
        if (r < 0)
                return entry_fail(u, r, "could not be parsed: %s", strerror(-r));
        if (strlen(path) >= PATH_MAX)
                return entry_fail(u, -ENAMETOOLONG, "has a path that is too long");

        if (path_is_aufs_metadata(path))
                return 0;

        type = archive_entry_filetype(e);
        hardlink = archive_entry_hardlink(e);

        if (isempty(path)) {
                if (type != AE_IFDIR || hardlink)
                        return entry_fail(u, -EPERM, "would replace the layer directory");
                return unpack_directory(u, e, -EBADF, NULL, "");
        }

        split_path(path, &dir, &base);

        if (streq(base, WHITEOUT_OPAQUE))
                return unpack_opaque(u, dir);
        if (startswith(base, WHITEOUT_PREFIX))
                return unpack_whiteout(u, e, dir, base + strlen(WHITEOUT_PREFIX));

        r = resolve_dir(u, dir, true, &parent_fd);
        if (r < 0)
                return resolve_fail(u, r, "could not open its directory");

        if (hardlink)
                return unpack_hardlink(u, e, hardlink, parent_fd, base);

        switch (type) {
        case AE_IFREG:
                return unpack_regular(u, e, parent_fd, base);
        case AE_IFDIR: {
                /* split_path() cut path in two; the fixup wants it whole */
                _cleanup_free_ char *full = strjoin(dir, isempty(dir) ? "" : "/", base);
                if (!full)
                        return -ENOMEM;
                return unpack_directory(u, e, parent_fd, base, full);
        }
        case AE_IFLNK:
                return unpack_symlink(u, e, parent_fd, base);
        case AE_IFIFO:
        case AE_IFCHR:
        case AE_IFBLK:
                return unpack_node(u, e, parent_fd, base, type);
        default:
                return entry_fail(u, -EBADMSG, "has an unsupported file type 0%o", (unsigned) type);
        }
}

static int unpack_run(Unpacker *u, int input_fd) {
        struct archive_entry *e;
        struct stat st;
        const void *buf;
        size_t size;
        int r;

        u->md = EVP_MD_CTX_new();
        if (!u->md)
                return -ENOMEM;
        if (EVP_DigestInit_ex(u->md, EVP_sha256(), NULL) != 1)
                return unpack_fail(u, -EIO, "SHA-256 is not available");

        /* Only in-process decompressors: filter_all would also register external programs
         * (lrzip, lzop, ...) that would run on hostile input. */
        u->outer = archive_read_new();
        if (!u->outer)
                return -ENOMEM;
        if (archive_read_support_filter_gzip(u->outer) != ARCHIVE_OK ||
            archive_read_support_filter_zstd(u->outer) != ARCHIVE_OK)
                return unpack_fail(u, -EOPNOTSUPP, "libarchive was built without zlib or libzstd");
        /* "empty" too: "raw" needs at least one byte, and an empty stream is an empty layer (as in
         * Go's archive/tar) */
        if (archive_read_support_format_raw(u->outer) != ARCHIVE_OK ||
            archive_read_support_format_empty(u->outer) != ARCHIVE_OK)
                return unpack_archive_fail(u, u->outer, "could not be set up");
        u->input_fd = input_fd;
        if (fstat(input_fd, &st) < 0)
                return unpack_fail(u, -errno, "layer could not be read: %m");
        u->input_is_file = S_ISREG(st.st_mode);
        if (!u->input_is_file && u->more_fd >= 0)
                return unpack_fail(u, -EINVAL, "layer could not be read: a growing input must be a regular file");
        if (!u->input_is_file) {
                u->input_buffer = malloc(INPUT_BUFFER_SIZE);
                if (!u->input_buffer)
                        return -ENOMEM;
        }
        if (archive_read_open(u->outer, u, NULL, input_read, NULL) != ARCHIVE_OK)
                return unpack_archive_fail(u, u->outer, "could not be read");
        r = archive_read_next_header(u->outer, &e);
        if (r < ARCHIVE_WARN)
                return unpack_archive_fail(u, u->outer, "could not be read");
        /* Filters stack up: the base "none" reader plus one decompressor at most. */
        if (archive_filter_count(u->outer) > 2)
                return unpack_fail(u, -EBADMSG, "layer is compressed more than once");
        if (r == ARCHIVE_EOF) /* nothing at all after decompression */
                return apply_dir_fixups(u);

        u->inner = archive_read_new();
        if (!u->inner)
                return -ENOMEM;
        if (archive_read_support_format_tar(u->inner) != ARCHIVE_OK) /* ustar, pax, GNU, v7 */
                return unpack_archive_fail(u, u->inner, "could not be set up");
        if (archive_read_open(u->inner, u, NULL, inner_read, NULL) != ARCHIVE_OK)
                return unpack_archive_fail(u, u->inner, "is not a tar stream");

        for (;;) {
                r = archive_read_next_header(u->inner, &e);
                if (r == ARCHIVE_EOF)
                        break;
                /* ARCHIVE_WARN: e.g. a UTF-8 name in a non-UTF-8 locale; the raw name is kept. */
                if (r < ARCHIVE_WARN)
                        return unpack_archive_fail(u, u->inner,
                                                   u->entry_name ? "is followed by an invalid tar header"
                                                                 : "is not a valid tar stream");

                u->n_entries++;
                r = unpack_entry(u, e);
                if (r < 0)
                        return r;
        }
        u->entry_name = mfree(u->entry_name);

        /* Drain: the diff_id is over the whole stream, tar padding and all. */
        for (;;) {
                r = outer_next_block(u, &buf, &size);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
        }

        return apply_dir_fixups(u);
}

int layer_unpack(int input_fd, int dest_dir_fd, const UnpackOptions *opts, UnpackResult *ret, char **ret_reason) {
        return layer_unpack_growing(input_fd, -EBADF, dest_dir_fd, opts, ret, ret_reason);
}

int layer_unpack_growing(int input_fd, int more_fd, int dest_dir_fd, const UnpackOptions *opts, UnpackResult *ret,
                         char **ret_reason) {
        _cleanup_(unpacker_done) Unpacker u = {
                .root_fd = dest_dir_fd,
                .more_fd = more_fd,
        };
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned digest_size = 0;
        int r;

        if (opts)
                u.opts = *opts;

        if (input_fd < 0 || dest_dir_fd < 0)
                r = unpack_fail(&u, -EBADF, "layer could not be unpacked: invalid file descriptor");
        else
                r = unpack_run(&u, input_fd);
        if (r >= 0 && (EVP_DigestFinal_ex(u.md, digest, &digest_size) != 1 || digest_size != 32))
                r = unpack_fail(&u, -EIO, "SHA-256 of the layer stream failed");
        if (r < 0) {
                if (ret_reason) {
                        if (!u.reason && asprintf(&u.reason, "layer could not be unpacked: %s", strerror(-r)) < 0)
                                u.reason = NULL;
                        *ret_reason = TAKE_PTR(u.reason);
                }
                return r;
        }

        if (ret) {
                UnpackResult result = {
                        .uncompressed_size = u.n_bytes,
                        .n_entries = u.n_entries,
                };
                char *p = stpcpy(result.diff_id, "sha256:");

                for (unsigned i = 0; i < digest_size; i++)
                        p += sprintf(p, "%02x", digest[i]);
                *ret = result;
        }
        return 0;
}
