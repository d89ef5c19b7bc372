/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Every layer here is built in the test with libarchive's writer; they are unpacked into a fresh
 * directory <base>/layer, and <base> is checked for anything that got out. Set TEST_TMPDIR to run
 * them elsewhere than /var/tmp (e.g. on a tmpfs). */

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fd-util.h"
#include "fileio.h"
#include "layer-unpack.h"
#include "path-util.h"
#include "seccomp-util.h"
#include "string-util.h"
#include "tests.h"
#include "unpack-worker.h"

typedef struct TestEntry {
        const char *path;
        unsigned type;                  /* AE_IF*; 0 = regular file */
        unsigned perm;                  /* 0 = 0644 (files) or 0755 (directories) */
        const char *data;               /* content of a regular file */
        uint64_t zeros;                 /* ... or this many zero bytes */
        uint64_t sparse_size;           /* ... or a sparse file this big with data at 4096 */
        const char *link;               /* symlink or hard link target */
        bool hardlink;
        unsigned uid, gid;
        unsigned major, minor;
        time_t mtime;
        const char *xattr_name;
        const void *xattr_value;
        size_t xattr_size;              /* 0 = strlen(xattr_value) */
} TestEntry;

typedef struct Buffer {
        uint8_t *data;
        size_t size, allocated;
} Buffer;

static void buffer_done(Buffer *b) {
        free(b->data);
}

static bool buffer_append(Buffer *b, const void *p, size_t n) {
        if (b->size + n > b->allocated) {
                size_t a = MAX(b->allocated * 2, b->size + n + 65536);
                uint8_t *d = realloc(b->data, a);
                if (!d)
                        return false;
                b->data = d;
                b->allocated = a;
        }
        memcpy(b->data + b->size, p, n);
        b->size += n;
        return true;
}

static la_ssize_t buffer_write_cb(struct archive *a, void *userdata, const void *p, size_t n) {
        return buffer_append(userdata, p, n) ? (la_ssize_t) n : -1;
}

static void archive_write_freep(struct archive **a) {
        if (*a)
                archive_write_free(*a);
}

static void archive_entry_freep(struct archive_entry **e) {
        if (*e)
                archive_entry_free(*e);
}

/* The uncompressed tar, default 10240-byte blocking: the padding exercises the drain. */
static int tar_build(const TestEntry *entries, size_t n, Buffer *out) {
        _cleanup_(archive_write_freep) struct archive *a = archive_write_new();
        static const uint8_t zeros[65536];

        if (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
            archive_write_open(a, out, NULL, buffer_write_cb, NULL) != ARCHIVE_OK)
                return -EIO;

        for (size_t i = 0; i < n; i++) {
                _cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();
                const TestEntry *t = entries + i;
                unsigned type = t->hardlink ? AE_IFREG : (t->type ?: AE_IFREG);

                if (!e)
                        return -ENOMEM;
                archive_entry_copy_pathname(e, t->path);
                archive_entry_set_filetype(e, type);
                archive_entry_set_perm(e, t->perm ?: (type == AE_IFDIR ? 0755 : 0644));
                archive_entry_set_uid(e, t->uid);
                archive_entry_set_gid(e, t->gid);
                archive_entry_set_mtime(e, t->mtime ?: 1700000000, 0);
                if (t->hardlink)
                        archive_entry_copy_hardlink(e, t->link);
                else if (type == AE_IFLNK)
                        archive_entry_copy_symlink(e, t->link);
                if (type == AE_IFCHR || type == AE_IFBLK) {
                        archive_entry_set_rdevmajor(e, t->major);
                        archive_entry_set_rdevminor(e, t->minor);
                }
                if (t->xattr_name)
                        archive_entry_xattr_add_entry(e, t->xattr_name, t->xattr_value,
                                                      t->xattr_size ?: strlen(t->xattr_value));
                if (type == AE_IFREG && !t->hardlink) {
                        if (t->sparse_size > 0) {
                                archive_entry_set_size(e, (la_int64_t) t->sparse_size);
                                archive_entry_sparse_add_entry(e, 4096, 5);
                        } else
                                archive_entry_set_size(e, t->data ? (la_int64_t) strlen(t->data) : (la_int64_t) t->zeros);
                }

                if (archive_write_header(a, e) < ARCHIVE_WARN)
                        return -EIO;

                if (type == AE_IFREG && !t->hardlink) {
                        if (t->sparse_size > 0) {
                                /* the writer takes the logical content and drops the holes */
                                if (archive_write_data(a, zeros, 4096) != 4096 ||
                                    archive_write_data(a, "hello", 5) != 5)
                                        return -EIO;
                        } else if (t->data) {
                                if (archive_write_data(a, t->data, strlen(t->data)) != (la_ssize_t) strlen(t->data))
                                        return -EIO;
                        } else
                                for (uint64_t left = t->zeros; left > 0;) {
                                        size_t k = MIN(left, (uint64_t) sizeof(zeros));
                                        if (archive_write_data(a, zeros, k) != (la_ssize_t) k)
                                                return -EIO;
                                        left -= k;
                                }
                }
        }
        return archive_write_close(a) == ARCHIVE_OK ? 0 : -EIO;
}

/* Compresses with libarchive's "raw" writer and one filter. */
static int compress_buffer(const Buffer *in, int filter, Buffer *out) {
        _cleanup_(archive_write_freep) struct archive *a = archive_write_new();
        _cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();

        if (!a || !e || archive_write_set_format_raw(a) != ARCHIVE_OK ||
            archive_write_add_filter(a, filter) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
            archive_write_open(a, out, NULL, buffer_write_cb, NULL) != ARCHIVE_OK)
                return -EIO;
        archive_entry_set_pathname(e, "layer");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, (la_int64_t) in->size);
        if (archive_write_header(a, e) != ARCHIVE_OK)
                return -EIO;
        for (size_t done = 0; done < in->size;) {
                la_ssize_t k = archive_write_data(a, in->data + done, MIN(in->size - done, (size_t) (1 << 20)));
                if (k <= 0)
                        return -EIO;
                done += (size_t) k;
        }
        return archive_write_close(a) == ARCHIVE_OK ? 0 : -EIO;
}

static int memfd_with(const void *p, size_t n) {
        _cleanup_close_ int fd = memfd_create("layer", MFD_CLOEXEC);

        if (fd < 0)
                return -errno;
        for (size_t done = 0; done < n;) {
                ssize_t k = write(fd, (const uint8_t *) p + done, n - done);
                if (k < 0)
                        return -errno;
                done += (size_t) k;
        }
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        return TAKE_FD(fd);
}

static void sha256_diff_id(const void *p, size_t n, char ret[static 7 + 64 + 1]) {
        unsigned char md[32];
        unsigned len = 0;

        EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
        strcpy(ret, "sha256:");
        for (unsigned i = 0; i < len; i++)
                sprintf(ret + 7 + 2 * i, "%02x", md[i]);
}

/* A layer: the tar (raw) and the bytes to feed (compressed with filter). */
typedef struct Layer {
        Buffer raw, blob;
        char diff_id[7 + 64 + 1];
} Layer;

static void layer_done(Layer *l) {
        buffer_done(&l->raw);
        buffer_done(&l->blob);
}

static int layer_build(const TestEntry *entries, size_t n, int filter, Layer *ret) {
        int r;

        r = tar_build(entries, n, &ret->raw);
        if (r < 0)
                return r;
        sha256_diff_id(ret->raw.data, ret->raw.size, ret->diff_id);
        if (filter == ARCHIVE_FILTER_NONE)
                return buffer_append(&ret->blob, ret->raw.data, ret->raw.size) ? 0 : -ENOMEM;
        return compress_buffer(&ret->raw, filter, &ret->blob);
}

typedef struct TestDir {
        char *base;
        char *layer;
        int layer_fd;
} TestDir;

static void test_dir_done(TestDir *t) {
        safe_close(t->layer_fd);
        if (t->base)
                (void) rm_rf(t->base);
        free(t->base);
        free(t->layer);
}

static int test_dir_new(TestDir *t) {
        const char *tmp = getenv("TEST_TMPDIR") ?: "/var/tmp";

        *t = (TestDir) { .layer_fd = -EBADF };
        t->base = path_join(tmp, "test-layer-unpack-XXXXXX");
        if (!t->base || !mkdtemp(t->base))
                return -errno;
        t->layer = path_join(t->base, "layer");
        if (!t->layer)
                return -ENOMEM;
        if (mkdir(t->layer, 0755) < 0)
                return -errno;
        t->layer_fd = open(t->layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return t->layer_fd < 0 ? -errno : 0;
}

/* Names in base besides "layer" (anything that escaped, plus what the test put there). */
static int count_outside(const TestDir *t) {
        _cleanup_closedir_ DIR *d = opendir(t->base);
        struct dirent *de;
        int n = 0;

        if (!d)
                return -errno;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") && !streq(de->d_name, "layer"))
                        n++;
        return n;
}

static int unpack_blob(const TestDir *t, const Buffer *blob, const UnpackOptions *opts, UnpackResult *ret, char **ret_reason) {
        _cleanup_close_ int fd = memfd_with(blob->data, blob->size);

        if (fd < 0)
                return fd;
        return layer_unpack(fd, t->layer_fd, opts, ret, ret_reason);
}

static int unpack_entries(const TestDir *t, const TestEntry *entries, size_t n, int filter,
                          const UnpackOptions *opts, UnpackResult *ret, char **ret_reason) {
        _cleanup_(layer_done) Layer l = {};
        int r;

        r = layer_build(entries, n, filter, &l);
        if (r < 0)
                return r;
        return unpack_blob(t, &l.blob, opts, ret, ret_reason);
}

static const UnpackOptions root_options = {
        .max_uncompressed_bytes = UINT64_C(1) << 30,
        .preserve_ownership = true,
};

#define ASSERT_CONTAINS(haystack, needle)                                               \
        do {                                                                            \
                const char *_h = (haystack), *_n = (needle);                            \
                if (!_h || !strstr(_h, _n))                                             \
                        test_fail("%s: expected to contain \"%s\", got \"%s\"", #haystack, _n, \
                                  _h ? _h : "(null)");                                  \
        } while (0)

static char *layer_read(const TestDir *t, const char *path) {
        _cleanup_free_ char *p = path_join(t->layer, path);
        char *s = NULL;

        if (!p || read_full_file(p, 0, &s, NULL) < 0)
                return NULL;
        return s;
}

static int layer_lstat(const TestDir *t, const char *path, struct stat *st) {
        return RET_NERRNO(fstatat(t->layer_fd, path, st, AT_SYMLINK_NOFOLLOW));
}

/* trusted.* needs CAP_SYS_ADMIN and a file system that has it. */
static bool xattr_supported(const TestDir *t, const char *name) {
        if (fsetxattr(t->layer_fd, name, "x", 1, 0) < 0)
                return false;
        (void) fremovexattr(t->layer_fd, name);
        return true;
}

TEST(unpack_creates_files_and_directories_with_their_modes_owners_and_times) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_free_ char *passwd = NULL;
        struct stat st;
        static const TestEntry entries[] = {
                { .path = "./", .type = AE_IFDIR, .perm = 0751 },
                { .path = "etc/", .type = AE_IFDIR },
                { .path = "etc/passwd", .data = "root:x:0:0::/root:/bin/sh\n" },
                { .path = "usr/bin/su", .data = "ELF", .perm = 04755, .uid = 0, .gid = 0 },
                { .path = "usr/bin/mine", .data = "x", .perm = 02750, .uid = 1234, .gid = 5678 },
                { .path = "home/user/", .type = AE_IFDIR, .perm = 0700, .uid = 1000, .gid = 1000, .mtime = 1000000 },
                { .path = "home/user/key", .data = "secret", .perm = 0600, .uid = 1000, .gid = 1000, .mtime = 2000000 },
                { .path = "ro/", .type = AE_IFDIR, .perm = 0555 },
                { .path = "ro/file", .data = "inside a read-only dir" },
                { .path = "tmp/", .type = AE_IFDIR, .perm = 01777 },
                { .path = "fifo", .type = AE_IFIFO, .perm = 0640, .uid = 7, .gid = 8 },
        };
        UnpackResult res;

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(unpack_entries(&t, entries, ELEMENTSOF(entries), ARCHIVE_FILTER_GZIP, &root_options, &res, NULL));
        ASSERT_EQ(res.n_entries, ELEMENTSOF(entries));

        passwd = layer_read(&t, "etc/passwd");
        ASSERT_STREQ(passwd, "root:x:0:0::/root:/bin/sh\n");

        ASSERT_OK(fstat(t.layer_fd, &st));
        ASSERT_EQ(st.st_mode & 07777, 0751);

        /* setuid/setgid survive the chown() that precedes them */
        ASSERT_OK(layer_lstat(&t, "usr/bin/su", &st));
        ASSERT_EQ(st.st_mode & 07777, 04755);
        ASSERT_OK(layer_lstat(&t, "usr/bin/mine", &st));
        ASSERT_EQ(st.st_mode & 07777, 02750);
        ASSERT_EQ(st.st_uid, 1234);
        ASSERT_EQ(st.st_gid, 5678);

        /* parents without an entry are made 0755 */
        ASSERT_OK(layer_lstat(&t, "usr/bin", &st));
        ASSERT_TRUE(S_ISDIR(st.st_mode));
        ASSERT_EQ(st.st_mode & 07777, 0755);

        /* a directory's time is set after its content was written */
        ASSERT_OK(layer_lstat(&t, "home/user", &st));
        ASSERT_EQ(st.st_mode & 07777, 0700);
        ASSERT_EQ(st.st_uid, 1000);
        ASSERT_EQ(st.st_mtime, 1000000);
        ASSERT_OK(layer_lstat(&t, "home/user/key", &st));
        ASSERT_EQ(st.st_mtime, 2000000);
        ASSERT_EQ(st.st_uid, 1000);

        ASSERT_OK(layer_lstat(&t, "ro", &st));
        ASSERT_EQ(st.st_mode & 07777, 0555);
        ASSERT_OK(layer_lstat(&t, "ro/file", &st));
        ASSERT_TRUE(S_ISREG(st.st_mode));
        ASSERT_OK(layer_lstat(&t, "tmp", &st));
        ASSERT_EQ(st.st_mode & 07777, 01777);

        ASSERT_OK(layer_lstat(&t, "fifo", &st));
        ASSERT_TRUE(S_ISFIFO(st.st_mode));
        ASSERT_EQ(st.st_mode & 07777, 0640);
        ASSERT_EQ(st.st_uid, 7);
        ASSERT_EQ(st.st_gid, 8);

        ASSERT_EQ(count_outside(&t), 0);
}

TEST(unpack_leaves_ownership_alone_unless_asked_to_preserve_it) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        static const TestEntry entries[] = {
                { .path = "file", .data = "x", .uid = 1234, .gid = 5678 },
        };
        UnpackOptions opts = { .preserve_ownership = false };
        struct stat st;

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(unpack_entries(&t, entries, ELEMENTSOF(entries), ARCHIVE_FILTER_NONE, &opts, NULL, NULL));
        ASSERT_OK(layer_lstat(&t, "file", &st));
        ASSERT_EQ(st.st_uid, geteuid());
}

TEST(unpack_creates_symlinks_verbatim_relative_and_absolute) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        static const TestEntry entries[] = {
                { .path = "lib", .type = AE_IFLNK, .link = "usr/lib" },
                { .path = "etc/mtab", .type = AE_IFLNK, .link = "/proc/self/mounts" },
                { .path = "up", .type = AE_IFLNK, .link = "../../../../../outside", .uid = 3, .gid = 4 },
        };
        char target[PATH_MAX];
        struct stat st;
        ssize_t n;

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(unpack_entries(&t, entries, ELEMENTSOF(entries), ARCHIVE_FILTER_GZIP, &root_options, NULL, NULL));

        for (size_t i = 0; i < ELEMENTSOF(entries); i++) {
                n = readlinkat(t.layer_fd, entries[i].path, target, sizeof(target) - 1);
                ASSERT_TRUE(n > 0);
                target[n] = 0;
                ASSERT_STREQ(target, entries[i].link);
        }
        ASSERT_OK(layer_lstat(&t, "up", &st));
        ASSERT_EQ(st.st_uid, 3);
        ASSERT_EQ(st.st_gid, 4);
        ASSERT_EQ(count_outside(&t), 0);
}

TEST(unpack_links_hard_links_inside_the_layer) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        static const TestEntry entries[] = {
                { .path = "bin/busybox", .data = "multi-call", .perm = 0755 },
                { .path = "bin/sh", .link = "bin/busybox", .hardlink = true },
                { .path = "usr/bin/ls", .link = "./bin//busybox", .hardlink = true },
                { .path = "s", .type = AE_IFLNK, .link = "bin" },
                { .path = "via-symlink", .link = "s/busybox", .hardlink = true },
                { .path = "bin/sh", .link = "bin/busybox", .hardlink = true }, /* repeated: a no-op */
        };
        struct stat a, b, c, d;

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(unpack_entries(&t, entries, ELEMENTSOF(entries), ARCHIVE_FILTER_GZIP, &root_options, NULL, NULL));
        ASSERT_OK(layer_lstat(&t, "bin/busybox", &a));
        ASSERT_OK(layer_lstat(&t, "bin/sh", &b));
        ASSERT_OK(layer_lstat(&t, "usr/bin/ls", &c));
        ASSERT_OK(layer_lstat(&t, "via-symlink", &d));
        ASSERT_EQ(a.st_ino, b.st_ino);
        ASSERT_EQ(a.st_ino, c.st_ino);
        ASSERT_EQ(a.st_ino, d.st_ino);
        ASSERT_EQ(a.st_nlink, 4);
}

TEST(unpack_turns_whiteouts_into_overlay_character_devices) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        static const TestEntry entries[] = {
                { .path = "etc/", .type = AE_IFDIR },
                { .path = "etc/.wh.gone", .uid = 5, .gid = 6 },
                { .path = ".wh.toplevel" },
                { .path = "new/dir/.wh.x" },                    /* parents are made */
                { .path = ".wh.tree" },
                { .path = "tree/.wh.leaf" },                    /* beneath a whiteout: nothing to do */
                { .path = ".wh..wh.plnk/123.456", .data = "aufs hard link store" },
                { .path = ".wh..wh.aufs" },
        };
        const char *whiteouts[] = { "etc/gone", "toplevel", "new/dir/x", "tree" };
        struct stat st;

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(unpack_entries(&t, entries, ELEMENTSOF(entries), ARCHIVE_FILTER_GZIP, &root_options, NULL, NULL));

        for (size_t i = 0; i < ELEMENTSOF(whiteouts); i++) {
                ASSERT_OK(layer_lstat(&t, whiteouts[i], &st));
                ASSERT_TRUE(S_ISCHR(st.st_mode));
                ASSERT_EQ(major(st.st_rdev), 0);
                ASSERT_EQ(minor(st.st_rdev), 0);
        }
        ASSERT_OK(layer_lstat(&t, "etc/gone", &st));
        ASSERT_EQ(st.st_uid, 5);
        ASSERT_EQ(st.st_gid, 6);

        ASSERT_ERROR(layer_lstat(&t, "etc/.wh.gone", &st), ENOENT);
        ASSERT_ERROR(layer_lstat(&t, ".wh.toplevel", &st), ENOENT);
        ASSERT_ERROR(layer_lstat(&t, ".wh..wh.plnk", &st), ENOENT);
        ASSERT_ERROR(layer_lstat(&t, ".wh..wh.aufs", &st), ENOENT);
}

TEST(unpack_keeps_files_of_the_same_layer_over_their_whiteouts) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        static const TestEntry entries[] = {
                { .path = "a", .data = "kept" },
                { .path = ".wh.a" },
                { .path = ".wh.b" },
                { .path = "b", .data = "recreated" },           /* replaces the whiteout device */
        };
        _cleanup_free_ char *a = NULL, *b = NULL;

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(unpack_entries(&t, entries, ELEMENTSOF(entries), ARCHIVE_FILTER_NONE, &root_options, NULL, NULL));
        a = layer_read(&t, "a");
        b = layer_read(&t, "b");
        ASSERT_STREQ(a, "kept");
        ASSERT_STREQ(b, "recreated");
}

TEST(unpack_refuses_invalid_whiteouts) {
        static const char *names[] = { "dir/.wh..", "dir/.wh...", "dir/.wh." };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
                _cleanup_free_ char *reason = NULL;
                TestEntry e = { .path = names[i] };

                ASSERT_OK(test_dir_new(&t));
                ASSERT_ERROR(unpack_entries(&t, &e, 1, ARCHIVE_FILTER_NONE, &root_options, NULL, &reason), EPERM);
                ASSERT_CONTAINS(reason, "is not a valid whiteout");
        }
}

TEST(unpack_marks_opaque_directories_with_the_overlay_xattr) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        static const TestEntry entries[] = {
                { .path = "a/", .type = AE_IFDIR },
                { .path = "a/.wh..wh..opq" },
                { .path = "a/b/c/foo", .data = "foo" },
                { .path = "late/b/c/foo", .data = "foo" },
                { .path = "late/.wh..wh..opq" },                /* after its siblings: same meaning */
                { .path = "implicit/.wh..wh..opq" },
        };
        const char *dirs[] = { "a", "late", "implicit" };
        char value[8];
        struct stat st;

        ASSERT_OK(test_dir_new(&t));
        if (!xattr_supported(&t, "trusted.nyx-test")) {
                printf("  (skipped: %s has no trusted.* xattrs here)\n", t.base);
                return;
        }
        ASSERT_OK(unpack_entries(&t, entries, ELEMENTSOF(entries), ARCHIVE_FILTER_GZIP, &root_options, NULL, NULL));

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = path_join(t.layer, dirs[i]);
                ssize_t n = lgetxattr(p, "trusted.overlay.opaque", value, sizeof(value));

                ASSERT_EQ(n, 1);
                ASSERT_EQ(value[0], 'y');
        }
        ASSERT_ERROR(layer_lstat(&t, "a/.wh..wh..opq", &st), ENOENT);
        ASSERT_OK(layer_lstat(&t, "a/b/c/foo", &st));
}

TEST(unpack_marks_opaque_directories_with_user_xattrs_for_rootless_overlay) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        static const TestEntry entries[] = {
                { .path = "d/.wh..wh..opq" },
        };
        UnpackOptions opts = root_options;
        _cleanup_free_ char *p = NULL;
        char value[8];

        ASSERT_OK(test_dir_new(&t));
        if (!xattr_supported(&t, "user.nyx-test")) {
                printf("  (skipped: %s has no user.* xattrs here)\n", t.base);
                return;
        }
        opts.overlay_userxattr = true;
        ASSERT_OK(unpack_entries(&t, entries, ELEMENTSOF(entries), ARCHIVE_FILTER_NONE, &opts, NULL, NULL));
        p = path_join(t.layer, "d");
        ASSERT_EQ(lgetxattr(p, "user.overlay.opaque", value, sizeof(value)), 1);
        ASSERT_EQ(lgetxattr(p, "trusted.overlay.opaque", value, sizeof(value)), -1);
}

TEST(unpack_applies_user_and_capability_xattrs_but_drops_overlay_ones) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        /* struct vfs_cap_data, revision 2: cap_net_bind_service, effective */
        static const uint32_t cap[5] = { 0x02000001, 1U << 10, 0, 0, 0 };
        static const TestEntry entries[] = {
                { .path = "user", .data = "x", .xattr_name = "user.mime_type", .xattr_value = "text/plain" },
                { .path = "ping", .data = "x", .perm = 0755,
                  .xattr_name = "security.capability", .xattr_value = cap, .xattr_size = sizeof(cap) },
                { .path = "trusted", .data = "x", .xattr_name = "trusted.overlay.redirect", .xattr_value = "/etc" },
                { .path = "opaque/", .type = AE_IFDIR, .xattr_name = "trusted.overlay.opaque", .xattr_value = "y" },
                { .path = "useropaque/", .type = AE_IFDIR, .xattr_name = "user.overlay.opaque", .xattr_value = "y" },
                { .path = "selinux", .data = "x",
                  .xattr_name = "security.selinux", .xattr_value = "system_u:object_r:shadow_t:s0" },
        };
        char value[64];
        ssize_t n;

        ASSERT_OK(test_dir_new(&t));
        if (!xattr_supported(&t, "user.nyx-test")) {
                printf("  (skipped: %s has no user.* xattrs here)\n", t.base);
                return;
        }
        ASSERT_OK(unpack_entries(&t, entries, ELEMENTSOF(entries), ARCHIVE_FILTER_GZIP, &root_options, NULL, NULL));

#define GETX(path, name) ({                                                     \
                        _cleanup_free_ char *_p = path_join(t.layer, path);     \
                        lgetxattr(_p, name, value, sizeof(value));              \
                })
        n = GETX("user", "user.mime_type");
        ASSERT_EQ(n, 10);
        ASSERT_TRUE(memcmp(value, "text/plain", 10) == 0);
        n = GETX("ping", "security.capability");
        ASSERT_EQ(n, sizeof(cap));
        ASSERT_TRUE(memcmp(value, cap, sizeof(cap)) == 0);
        ASSERT_EQ(GETX("trusted", "trusted.overlay.redirect"), -1);
        ASSERT_EQ(GETX("opaque", "trusted.overlay.opaque"), -1);
        ASSERT_EQ(GETX("useropaque", "user.overlay.opaque"), -1);
        /* with SELinux on, the file has a label, just not the one from the layer */
        n = GETX("selinux", "security.selinux");
        ASSERT_FALSE(n == (ssize_t) strlen("system_u:object_r:shadow_t:s0") &&
                     memcmp(value, "system_u:object_r:shadow_t:s0", (size_t) n) == 0);
#undef GETX
}

TEST(unpack_lets_later_entries_replace_earlier_ones) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_free_ char *outside = NULL, *a = NULL, *d = NULL, *s = NULL, *o = NULL;
        _cleanup_free_ char *target = NULL;
        struct stat st;
        int r;

        ASSERT_OK(test_dir_new(&t));
        outside = path_join(t.base, "outside");
        ASSERT_OK(write_file_atomic(outside, "untouched", 9, 0644));
        target = path_join(t.base, "outside");

        TestEntry entries[] = {
                { .path = "a", .data = "one" },
                { .path = "a", .data = "two" },
                { .path = "d/", .type = AE_IFDIR },
                { .path = "d/child/grandchild", .data = "x" },
                { .path = "d", .data = "now a file" },
                { .path = "f", .data = "file" },
                { .path = "f/", .type = AE_IFDIR, .perm = 0700 },
                { .path = "s", .type = AE_IFLNK, .link = target },      /* a symlink to outside... */
                { .path = "s", .data = "replaced" },            /* ...is replaced, not written through */
                { .path = "dir/", .type = AE_IFDIR, .perm = 0711 },
                { .path = "dir/", .type = AE_IFDIR, .perm = 0750 },             /* existing dir: new mode */
        };

        r = unpack_entries(&t, entries, ELEMENTSOF(entries), ARCHIVE_FILTER_GZIP, &root_options, NULL, NULL);
        ASSERT_OK(r);
        a = layer_read(&t, "a");
        ASSERT_STREQ(a, "two");
        d = layer_read(&t, "d");
        ASSERT_STREQ(d, "now a file");
        ASSERT_OK(layer_lstat(&t, "f", &st));
        ASSERT_TRUE(S_ISDIR(st.st_mode));
        ASSERT_EQ(st.st_mode & 07777, 0700);
        ASSERT_OK(layer_lstat(&t, "s", &st));
        ASSERT_TRUE(S_ISREG(st.st_mode));
        s = layer_read(&t, "s");
        ASSERT_STREQ(s, "replaced");
        ASSERT_OK(read_full_file(outside, 0, &o, NULL));
        ASSERT_STREQ(o, "untouched");
        ASSERT_OK(layer_lstat(&t, "dir", &st));
        ASSERT_EQ(st.st_mode & 07777, 0750);
}

TEST(unpack_cleans_names_like_docker) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        static const TestEntry entries[] = {
                { .path = "./a//b/./c", .data = "c" },
                { .path = "x/../y", .data = "y" },              /* ".." that stays inside is resolved lexically */
                { .path = "caf\xc3\xa9/na\xc3\xafve.txt", .data = "utf-8" },
        };
        _cleanup_free_ char *c = NULL, *y = NULL, *u = NULL;
        struct stat st;

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(unpack_entries(&t, entries, ELEMENTSOF(entries), ARCHIVE_FILTER_NONE, &root_options, NULL, NULL));
        c = layer_read(&t, "a/b/c");
        ASSERT_STREQ(c, "c");
        y = layer_read(&t, "y");
        ASSERT_STREQ(y, "y");
        ASSERT_ERROR(layer_lstat(&t, "x", &st), ENOENT);
        u = layer_read(&t, "caf\xc3\xa9/na\xc3\xafve.txt");
        ASSERT_STREQ(u, "utf-8");
}

TEST(unpack_refuses_dotdot_entries_and_names_them) {
        static const char *names[] = { "../escape", "a/../../escape", "./../escape", "../../../../../../../../tmp/escape" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
                _cleanup_free_ char *reason = NULL, *expected = NULL;
                TestEntry e = { .path = names[i], .data = "pwned" };

                ASSERT_OK(test_dir_new(&t));
                ASSERT_ERROR(unpack_entries(&t, &e, 1, ARCHIVE_FILTER_GZIP, &root_options, NULL, &reason), EPERM);
                expected = strjoin("entry '", names[i], "' leaves the layer directory");
                ASSERT_STREQ(reason, expected);
                ASSERT_EQ(count_outside(&t), 0);
        }
        ASSERT_TRUE(access("/tmp/escape", F_OK) < 0);
}

TEST(unpack_refuses_absolute_entries) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_free_ char *reason = NULL, *abs = NULL, *expected = NULL;

        ASSERT_OK(test_dir_new(&t));
        abs = path_join(t.base, "absolute");
        TestEntry e = { .path = abs, .data = "pwned" };

        ASSERT_ERROR(unpack_entries(&t, &e, 1, ARCHIVE_FILTER_GZIP, &root_options, NULL, &reason), EPERM);
        expected = strjoin("entry '", abs, "' has an absolute path");
        ASSERT_STREQ(reason, expected);
        ASSERT_EQ(count_outside(&t), 0);
}

TEST(unpack_refuses_names_that_would_replace_the_layer_directory) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_free_ char *reason = NULL;
        static const TestEntry e = { .path = "./", .type = AE_IFLNK, .link = "/" };

        ASSERT_OK(test_dir_new(&t));
        ASSERT_ERROR(unpack_entries(&t, &e, 1, ARCHIVE_FILTER_NONE, &root_options, NULL, &reason), EPERM);
        ASSERT_CONTAINS(reason, "would replace the layer directory");
}

TEST(unpack_refuses_writing_through_a_symlink_that_leaves_the_layer) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        ASSERT_OK(test_dir_new(&t));
        const char *targets[] = { "..", t.base, "sub/../../..", "/" };

        for (size_t i = 0; i < ELEMENTSOF(targets); i++) {
                _cleanup_(test_dir_done) TestDir u = { .layer_fd = -EBADF };
                _cleanup_free_ char *reason = NULL;
                TestEntry entries[] = {
                        { .path = "sub/", .type = AE_IFDIR },
                        { .path = "link", .type = AE_IFLNK, .link = targets[i] },
                        { .path = "link/escape", .data = "pwned" },
                };

                ASSERT_OK(test_dir_new(&u));
                ASSERT_ERROR(unpack_entries(&u, entries, ELEMENTSOF(entries), ARCHIVE_FILTER_GZIP,
                                            &root_options, NULL, &reason), EPERM);
                ASSERT_STREQ(reason, "entry 'link/escape' would be written through a symlink leaving the layer directory");
                ASSERT_EQ(count_outside(&u), 0);
        }

        /* ...also for directories, whiteouts and opaque markers */
        static const TestEntry more[][2] = {
                { { .path = "l", .type = AE_IFLNK, .link = ".." }, { .path = "l/d/", .type = AE_IFDIR } },
                { { .path = "l", .type = AE_IFLNK, .link = ".." }, { .path = "l/.wh.layer" } },
                { { .path = "l", .type = AE_IFLNK, .link = ".." }, { .path = "l/.wh..wh..opq" } },
        };
        for (size_t i = 0; i < ELEMENTSOF(more); i++) {
                _cleanup_(test_dir_done) TestDir u = { .layer_fd = -EBADF };
                _cleanup_free_ char *reason = NULL;

                ASSERT_OK(test_dir_new(&u));
                ASSERT_ERROR(unpack_entries(&u, more[i], 2, ARCHIVE_FILTER_NONE, &root_options, NULL, &reason), EPERM);
                ASSERT_CONTAINS(reason, "would be written through a symlink leaving the layer directory");
                ASSERT_EQ(count_outside(&u), 0);
        }
}

TEST(unpack_follows_symlinks_that_stay_inside_the_layer) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        static const TestEntry entries[] = {
                { .path = "usr/lib/", .type = AE_IFDIR },
                { .path = "lib", .type = AE_IFLNK, .link = "usr/lib" },
                { .path = "lib/libc.so", .data = "libc" },
        };
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(unpack_entries(&t, entries, ELEMENTSOF(entries), ARCHIVE_FILTER_NONE, &root_options, NULL, NULL));
        s = layer_read(&t, "usr/lib/libc.so");
        ASSERT_STREQ(s, "libc");
}

TEST(unpack_refuses_hard_links_to_outside) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_free_ char *outside = NULL;
        struct stat st;

        ASSERT_OK(test_dir_new(&t));
        outside = path_join(t.base, "outside");
        ASSERT_OK(write_file_atomic(outside, "secret", 6, 0600));

        struct {
                TestEntry entries[2];
                size_t n;
                const char *reason;
        } cases[] = {
                { { { .path = "h", .link = "../outside", .hardlink = true } }, 1,
                  "entry 'h' is a hard link to '../outside', which is outside the layer directory" },
                { { { .path = "h", .link = outside, .hardlink = true } }, 1, "is a hard link to absolute path" },
                { { { .path = "s", .type = AE_IFLNK, .link = ".." }, { .path = "h", .link = "s/outside", .hardlink = true } }, 2,
                  "entry 'h' is a hard link to 's/outside', which resolves outside the layer directory" },
                { { { .path = "s", .type = AE_IFLNK, .link = outside }, { .path = "h", .link = "s", .hardlink = true } }, 2, NULL }, /* links the symlink */
                { { { .path = "h", .link = "missing", .hardlink = true } }, 1, "entry 'h' is a hard link to 'missing', which does not exist" },
                { { { .path = "d/", .type = AE_IFDIR }, { .path = "h", .link = "d", .hardlink = true } }, 2, "entry 'h' is a hard link to directory 'd'" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *reason = NULL;
                int r;

                /* a fresh layer dir each time, beside the same "outside" */
                t.layer_fd = safe_close(t.layer_fd);
                ASSERT_OK(rm_rf(t.layer));
                ASSERT_OK(mkdir(t.layer, 0755));
                t.layer_fd = open(t.layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                ASSERT_TRUE(t.layer_fd >= 0);

                r = unpack_entries(&t, cases[i].entries, cases[i].n, ARCHIVE_FILTER_NONE, &root_options, NULL, &reason);
                if (cases[i].reason) {
                        ASSERT_TRUE(r < 0);
                        ASSERT_CONTAINS(reason, cases[i].reason);
                } else {
                        ASSERT_OK(r);
                        ASSERT_OK(layer_lstat(&t, "h", &st));
                        ASSERT_TRUE(S_ISLNK(st.st_mode));
                }
                ASSERT_OK(lstat(outside, &st));
                ASSERT_EQ(st.st_nlink, 1);
                ASSERT_EQ(count_outside(&t), 1);
        }
}

TEST(unpack_refuses_device_nodes_unless_allowed) {
        static const TestEntry entries[] = {
                { .path = "dev/sda", .type = AE_IFBLK, .perm = 0660, .major = 8, .minor = 0 },
        };
        static const TestEntry chr[] = {
                { .path = "dev/null", .type = AE_IFCHR, .perm = 0666, .major = 1, .minor = 3 },
        };
        struct stat st;

        {
                _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
                _cleanup_free_ char *reason = NULL;

                ASSERT_OK(test_dir_new(&t));
                ASSERT_ERROR(unpack_entries(&t, entries, 1, ARCHIVE_FILTER_GZIP, &root_options, NULL, &reason), EPERM);
                ASSERT_STREQ(reason, "entry 'dev/sda' is a block device node, which is not allowed here");
                ASSERT_ERROR(layer_lstat(&t, "dev/sda", &st), ENOENT);
        }
        {
                _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
                _cleanup_free_ char *reason = NULL;

                ASSERT_OK(test_dir_new(&t));
                ASSERT_ERROR(unpack_entries(&t, chr, 1, ARCHIVE_FILTER_GZIP, &root_options, NULL, &reason), EPERM);
                ASSERT_STREQ(reason, "entry 'dev/null' is a character device node, which is not allowed here");
        }
        {
                _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
                UnpackOptions opts = root_options;

                opts.allow_devices = true;
                ASSERT_OK(test_dir_new(&t));
                ASSERT_OK(unpack_entries(&t, chr, 1, ARCHIVE_FILTER_GZIP, &opts, NULL, NULL));
                ASSERT_OK(layer_lstat(&t, "dev/null", &st));
                ASSERT_TRUE(S_ISCHR(st.st_mode));
                ASSERT_EQ(major(st.st_rdev), 1);
                ASSERT_EQ(minor(st.st_rdev), 3);
                ASSERT_EQ(st.st_mode & 07777, 0666);
        }
}

TEST(unpack_refuses_gzip_bombs) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_(layer_done) Layer l = {};
        _cleanup_free_ char *reason = NULL;
        static const TestEntry entries[] = {
                { .path = "zeros", .zeros = UINT64_C(64) << 20 },
        };
        UnpackOptions opts = root_options;

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(layer_build(entries, 1, ARCHIVE_FILTER_GZIP, &l));
        ASSERT_TRUE(l.blob.size < (1 << 20));
        opts.max_uncompressed_bytes = UINT64_C(16) << 20;
        ASSERT_ERROR(unpack_blob(&t, &l.blob, &opts, NULL, &reason), EFBIG);
        ASSERT_STREQ(reason, "layer expands beyond 16777216 bytes (gzip bomb?)");
}

TEST(unpack_refuses_sparse_file_bombs_but_keeps_sparse_files_sparse) {
        static const TestEntry entries[] = {
                { .path = "huge", .sparse_size = UINT64_C(1) << 30 },
        };
        struct stat st;

        {
                _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
                _cleanup_free_ char *reason = NULL;
                UnpackOptions opts = root_options;

                opts.max_uncompressed_bytes = UINT64_C(16) << 20;
                ASSERT_OK(test_dir_new(&t));
                ASSERT_ERROR(unpack_entries(&t, entries, 1, ARCHIVE_FILTER_GZIP, &opts, NULL, &reason), EFBIG);
                ASSERT_CONTAINS(reason, "sparse file bomb");
        }
        {
                _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
                char buf[5];
                int fd;

                ASSERT_OK(test_dir_new(&t));
                ASSERT_OK(unpack_entries(&t, entries, 1, ARCHIVE_FILTER_GZIP, &root_options, NULL, NULL));
                ASSERT_OK(layer_lstat(&t, "huge", &st));
                ASSERT_EQ(st.st_size, UINT64_C(1) << 30);
                ASSERT_TRUE(st.st_blocks * 512 < (1 << 20));
                fd = openat(t.layer_fd, "huge", O_RDONLY | O_CLOEXEC);
                ASSERT_TRUE(fd >= 0);
                ASSERT_EQ(pread(fd, buf, 5, 4096), 5);
                safe_close(fd);
                ASSERT_TRUE(memcmp(buf, "hello", 5) == 0);
        }
}

TEST(unpack_refuses_truncated_layers) {
        static const int filters[] = { ARCHIVE_FILTER_GZIP, ARCHIVE_FILTER_ZSTD, ARCHIVE_FILTER_NONE };
        uint8_t noise[200000];
        uint32_t x = 42;

        /* incompressible, so that half the blob is half the data */
        for (size_t i = 0; i < sizeof(noise); i++) {
                x = x * 1103515245 + 12345;
                noise[i] = (uint8_t) (x >> 24);
        }
        noise[sizeof(noise) - 1] = 0;
        for (size_t i = 0; i < sizeof(noise) - 1; i++)
                if (noise[i] == 0)
                        noise[i] = 1;
        TestEntry entries[] = {
                { .path = "noise", .data = (const char *) noise },
                { .path = "after", .data = "x" },
        };

        for (size_t i = 0; i < ELEMENTSOF(filters); i++) {
                _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
                _cleanup_(layer_done) Layer l = {};
                _cleanup_free_ char *reason = NULL;

                ASSERT_OK(test_dir_new(&t));
                ASSERT_OK(layer_build(entries, ELEMENTSOF(entries), filters[i], &l));
                l.blob.size /= 2;
                ASSERT_ERROR(unpack_blob(&t, &l.blob, &root_options, NULL, &reason), EBADMSG);
                ASSERT_NOT_NULL(reason);
        }
}

TEST(unpack_refuses_garbage) {
        static const char garbage[] = "this is certainly not a tar archive, nor gzip, nor zstd. "
                "it is long enough to fill a tar header block though, so the tar reader gets to look at it "
                "and say that it is not one. xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
        static const uint8_t gzip_garbage[] = { 0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 'n', 'o', 'p', 'e', 1, 2, 3 };
        const Buffer inputs[] = {
                { .data = (uint8_t *) garbage, .size = sizeof(garbage) },
                { .data = (uint8_t *) gzip_garbage, .size = sizeof(gzip_garbage) },
        };

        for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
                _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
                _cleanup_free_ char *reason = NULL;

                ASSERT_OK(test_dir_new(&t));
                ASSERT_ERROR(unpack_blob(&t, &inputs[i], &root_options, NULL, &reason), EBADMSG);
                ASSERT_NOT_NULL(reason);
        }
}

TEST(unpack_refuses_layers_compressed_twice) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_(layer_done) Layer l = {};
        _cleanup_(buffer_done) Buffer twice = {};
        _cleanup_free_ char *reason = NULL;
        static const TestEntry e = { .path = "a", .data = "a" };

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(layer_build(&e, 1, ARCHIVE_FILTER_GZIP, &l));
        ASSERT_OK(compress_buffer(&l.blob, ARCHIVE_FILTER_GZIP, &twice));
        ASSERT_ERROR(unpack_blob(&t, &twice, &root_options, NULL, &reason), EBADMSG);
        ASSERT_STREQ(reason, "layer is compressed more than once");
}

TEST(unpack_accepts_empty_streams_as_empty_layers) {
        static const int filters[] = { ARCHIVE_FILTER_GZIP, ARCHIVE_FILTER_ZSTD, ARCHIVE_FILTER_NONE };

        /* as Go's archive/tar (docker, containers/storage): no bytes, no entries */
        for (size_t i = 0; i < ELEMENTSOF(filters); i++) {
                _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
                _cleanup_(buffer_done) Buffer blob = {};
                Buffer empty = {};
                UnpackResult res;

                ASSERT_OK(test_dir_new(&t));
                if (filters[i] != ARCHIVE_FILTER_NONE)
                        ASSERT_OK(compress_buffer(&empty, filters[i], &blob));
                ASSERT_OK(unpack_blob(&t, &blob, &root_options, &res, NULL));
                ASSERT_EQ(res.n_entries, 0);
                ASSERT_EQ(res.uncompressed_size, 0);
                ASSERT_STREQ(res.diff_id, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        }
}

TEST(unpack_reports_the_diff_id_of_the_uncompressed_stream) {
        static const int filters[] = { ARCHIVE_FILTER_GZIP, ARCHIVE_FILTER_ZSTD, ARCHIVE_FILTER_NONE };
        static const TestEntry entries[] = {
                { .path = "etc/", .type = AE_IFDIR },
                { .path = "etc/os-release", .data = "ID=nyx\n" },
                { .path = "bin/sh", .zeros = 100000 },
        };

        for (size_t i = 0; i < ELEMENTSOF(filters); i++) {
                _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
                _cleanup_(layer_done) Layer l = {};
                UnpackResult res;

                ASSERT_OK(test_dir_new(&t));
                ASSERT_OK(layer_build(entries, ELEMENTSOF(entries), filters[i], &l));
                ASSERT_OK(unpack_blob(&t, &l.blob, &root_options, &res, NULL));
                ASSERT_STREQ(res.diff_id, l.diff_id);
                ASSERT_EQ(res.uncompressed_size, l.raw.size);
                ASSERT_EQ(res.n_entries, ELEMENTSOF(entries));
                ASSERT_EQ(l.raw.size % 10240, 0); /* so the padding was hashed too */
        }
}

TEST(unpack_reads_zstd_layers) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_(layer_done) Layer l = {};
        _cleanup_free_ char *s = NULL;
        static const TestEntry entries[] = {
                { .path = "hello", .data = "zstd" },
        };

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(layer_build(entries, 1, ARCHIVE_FILTER_ZSTD, &l));
        ASSERT_TRUE(l.blob.size >= 4 && memcmp(l.blob.data, "\x28\xb5\x2f\xfd", 4) == 0);
        ASSERT_OK(unpack_blob(&t, &l.blob, &root_options, NULL, NULL));
        s = layer_read(&t, "hello");
        ASSERT_STREQ(s, "zstd");
}

TEST(unpack_streams_from_a_non_blocking_pipe) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_(layer_done) Layer l = {};
        static const TestEntry entries[] = {
                { .path = "big", .zeros = 5 << 20 },
                { .path = "small", .data = "s" },
        };
        UnpackResult res;
        int fds[2], status;
        pid_t pid;

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(layer_build(entries, ELEMENTSOF(entries), ARCHIVE_FILTER_GZIP, &l));
        ASSERT_OK(pipe2(fds, O_CLOEXEC | O_NONBLOCK)); /* as an event loop would hand it over */
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                safe_close(fds[0]);
                for (size_t done = 0; done < l.blob.size;) {
                        /* dribble, to cross many reads and make the reader wait */
                        ssize_t k = write(fds[1], l.blob.data + done, MIN(l.blob.size - done, (size_t) 777));
                        if (k < 0 && errno != EAGAIN)
                                _exit(EXIT_FAILURE);
                        if (k > 0)
                                done += (size_t) k;
                        if (done % 7 == 0)
                                usleep(100);
                }
                _exit(EXIT_SUCCESS);
        }
        safe_close(fds[1]);
        ASSERT_OK(layer_unpack(fds[0], t.layer_fd, &root_options, &res, NULL));
        ASSERT_TRUE(fcntl(fds[0], F_GETFD) >= 0); /* still ours */
        safe_close(fds[0]);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_STREQ(res.diff_id, l.diff_id);
}

/* A child appends blob[0..stop) to fd in dribbles, a byte into bell after each, then closes bell. */
static pid_t start_growing_writer(int fd, int bell, const Buffer *blob, size_t stop) {
        pid_t pid = fork();

        if (pid != 0)
                return pid;
        for (size_t done = 0; done < stop;) {
                ssize_t k = write(fd, blob->data + done, MIN(stop - done, (size_t) 4099));
                if (k <= 0)
                        _exit(EXIT_FAILURE);
                done += (size_t) k;
                if (write(bell, "", 1) < 0 && errno != EAGAIN)
                        _exit(EXIT_FAILURE);
                if (done % 3 == 0)
                        usleep(50);
        }
        _exit(EXIT_SUCCESS);
}

TEST(unpack_follows_a_file_that_is_still_being_written) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_(layer_done) Layer l = {};
        static const TestEntry entries[] = {
                { .path = "big", .zeros = 5 << 20 },
                { .path = "small", .data = "s" },
        };
        _cleanup_close_ int wfd = -EBADF, rfd = -EBADF;
        UnpackResult res;
        struct stat st;
        int bell[2], status;
        pid_t pid;

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(layer_build(entries, ELEMENTSOF(entries), ARCHIVE_FILTER_GZIP, &l));
        wfd = memfd_create("growing", MFD_CLOEXEC);
        ASSERT_TRUE(wfd >= 0);
        rfd = fcntl(wfd, F_DUPFD_CLOEXEC, 3);
        ASSERT_TRUE(rfd >= 0);
        ASSERT_OK(pipe2(bell, O_CLOEXEC | O_NONBLOCK));
        pid = start_growing_writer(wfd, bell[1], &l.blob, l.blob.size);
        ASSERT_TRUE(pid >= 0);
        safe_close(bell[1]);
        ASSERT_OK(layer_unpack_growing(rfd, bell[0], t.layer_fd, &root_options, &res, NULL));
        safe_close(bell[0]);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        ASSERT_STREQ(res.diff_id, l.diff_id);
        ASSERT_EQ(res.uncompressed_size, l.raw.size);
        ASSERT_OK(fstatat(t.layer_fd, "big", &st, AT_SYMLINK_NOFOLLOW));
        ASSERT_EQ(st.st_size, 5 << 20);
        ASSERT_OK(fstatat(t.layer_fd, "small", &st, AT_SYMLINK_NOFOLLOW));
        ASSERT_EQ(st.st_size, 1);
}

TEST(unpack_of_a_growing_file_fails_when_the_writer_stops_short) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_(layer_done) Layer l = {};
        _cleanup_free_ char *reason = NULL;
        static const TestEntry entries[] = {
                { .path = "big", .zeros = 1 << 20 },
        };
        _cleanup_close_ int wfd = -EBADF, rfd = -EBADF;
        int bell[2], status;
        pid_t pid;

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(layer_build(entries, ELEMENTSOF(entries), ARCHIVE_FILTER_NONE, &l));
        wfd = memfd_create("growing", MFD_CLOEXEC);
        ASSERT_TRUE(wfd >= 0);
        rfd = fcntl(wfd, F_DUPFD_CLOEXEC, 3);
        ASSERT_TRUE(rfd >= 0);
        ASSERT_OK(pipe2(bell, O_CLOEXEC));
        pid = start_growing_writer(wfd, bell[1], &l.blob, l.blob.size / 2);
        ASSERT_TRUE(pid >= 0);
        safe_close(bell[1]);
        ASSERT_ERROR(layer_unpack_growing(rfd, bell[0], t.layer_fd, &root_options, NULL, &reason), EBADMSG);
        ASSERT_NOT_NULL(reason);
        safe_close(bell[0]);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
}

TEST(unpack_of_a_growing_input_needs_a_regular_file) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_free_ char *reason = NULL;
        int p[2], bell[2];

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(pipe2(p, O_CLOEXEC));
        ASSERT_OK(pipe2(bell, O_CLOEXEC));
        ASSERT_ERROR(layer_unpack_growing(p[0], bell[0], t.layer_fd, &root_options, NULL, &reason), EINVAL);
        ASSERT_CONTAINS(reason, "regular file");
        safe_close(p[0]);
        safe_close(p[1]);
        safe_close(bell[0]);
        safe_close(bell[1]);
}

TEST(unpack_reads_regular_files_that_cannot_be_mapped) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_free_ char *reason = NULL;
        _cleanup_close_ int fd = -EBADF;

        /* A sysfs attribute: a regular file of size 4096 that mmap() refuses with ENODEV, holding
         * a few digits. They must be read (and found not to be a tar), not mapped or waited for. */
        fd = open("/sys/kernel/uevent_seqnum", O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                printf("  (skipped: /sys/kernel/uevent_seqnum: %s)\n", strerror(errno));
                return;
        }
        ASSERT_OK(test_dir_new(&t));
        ASSERT_ERROR(layer_unpack(fd, t.layer_fd, &root_options, NULL, &reason), EBADMSG);
        ASSERT_NOT_NULL(reason);
        ASSERT_TRUE(!strstr(reason, strerror(ENODEV)));
}

TEST(unpack_escapes_hostile_names_in_reasons) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_free_ char *reason = NULL;
        static const TestEntry e = { .path = "../\x1b]0;pwned\x07\n'", .data = "x" };

        ASSERT_OK(test_dir_new(&t));
        ASSERT_ERROR(unpack_entries(&t, &e, 1, ARCHIVE_FILTER_NONE, &root_options, NULL, &reason), EPERM);
        ASSERT_STREQ(reason, "entry '../\\x1b]0;pwned\\x07\\x0a\\x27' leaves the layer directory");
}

TEST(unpack_in_worker_returns_what_layer_unpack_returns) {
        static const TestEntry good[] = {
                { .path = "etc/", .type = AE_IFDIR, .perm = 0755, .mtime = 12345 },
                { .path = "etc/hostname", .data = "nyx\n", .uid = 1, .gid = 2 },
                { .path = "etc/.wh.old" },
                { .path = "lib", .type = AE_IFLNK, .link = "usr/lib" },
                { .path = "caf\xc3\xa9", .data = "utf-8" },
                { .path = "bin/sh", .link = "etc/hostname", .hardlink = true },
        };
        static const TestEntry bad[] = {
                { .path = "ok", .data = "x" },
                { .path = "../escape", .data = "x" },
        };
        _cleanup_(layer_done) Layer lg = {}, lb = {};
        struct stat st;

        ASSERT_OK(layer_build(good, ELEMENTSOF(good), ARCHIVE_FILTER_GZIP, &lg));
        ASSERT_OK(layer_build(bad, ELEMENTSOF(bad), ARCHIVE_FILTER_GZIP, &lb));

        {
                _cleanup_(test_dir_done) TestDir a = { .layer_fd = -EBADF }, b = { .layer_fd = -EBADF };
                _cleanup_close_ int fa = -EBADF, fb = -EBADF;
                _cleanup_free_ char *s = NULL;
                UnpackResult ra, rb;

                ASSERT_OK(test_dir_new(&a));
                ASSERT_OK(test_dir_new(&b));
                fa = memfd_with(lg.blob.data, lg.blob.size);
                fb = memfd_with(lg.blob.data, lg.blob.size);
                ASSERT_OK(layer_unpack(fa, a.layer_fd, &root_options, &ra, NULL));
                ASSERT_OK(unpack_in_worker(fb, b.layer_fd, &root_options, &rb, NULL));
                ASSERT_STREQ(rb.diff_id, ra.diff_id);
                ASSERT_STREQ(rb.diff_id, lg.diff_id);
                ASSERT_EQ(rb.uncompressed_size, ra.uncompressed_size);
                ASSERT_EQ(rb.n_entries, ra.n_entries);
                s = layer_read(&b, "etc/hostname");
                ASSERT_STREQ(s, "nyx\n");
                ASSERT_OK(layer_lstat(&b, "etc/old", &st));
                ASSERT_TRUE(S_ISCHR(st.st_mode));
                ASSERT_OK(layer_lstat(&b, "etc", &st));
                ASSERT_EQ(st.st_mtime, 12345);
                ASSERT_OK(layer_lstat(&b, "bin/sh", &st));
                ASSERT_EQ(st.st_nlink, 2);
                ASSERT_OK(layer_lstat(&b, "caf\xc3\xa9", &st));
        }
        {
                _cleanup_(test_dir_done) TestDir a = { .layer_fd = -EBADF }, b = { .layer_fd = -EBADF };
                _cleanup_close_ int fa = -EBADF, fb = -EBADF;
                _cleanup_free_ char *ra = NULL, *rb = NULL;

                ASSERT_OK(test_dir_new(&a));
                ASSERT_OK(test_dir_new(&b));
                fa = memfd_with(lb.blob.data, lb.blob.size);
                fb = memfd_with(lb.blob.data, lb.blob.size);
                ASSERT_ERROR(layer_unpack(fa, a.layer_fd, &root_options, NULL, &ra), EPERM);
                ASSERT_ERROR(unpack_in_worker(fb, b.layer_fd, &root_options, NULL, &rb), EPERM);
                ASSERT_STREQ(rb, ra);
                ASSERT_STREQ(rb, "entry '../escape' leaves the layer directory");
                ASSERT_EQ(count_outside(&b), 0);
        }
}

TEST(unpack_in_worker_does_not_leak_file_descriptors) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_(layer_done) Layer l = {};
        _cleanup_close_ int fd = -EBADF;
        static const TestEntry e = { .path = "a", .data = "a" };
        int before;

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(layer_build(&e, 1, ARCHIVE_FILTER_GZIP, &l));
        fd = memfd_with(l.blob.data, l.blob.size);
        before = fd_count_open();
        ASSERT_OK(unpack_in_worker(fd, t.layer_fd, &root_options, NULL, NULL));
        ASSERT_EQ(fd_count_open(), before);
}

static pid_t find_child_of(pid_t parent) {
        _cleanup_closedir_ DIR *d = opendir("/proc");
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *stat = NULL;
                const char *p;
                int ppid;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                path = path_join("/proc", de->d_name, "stat");
                if (!path || read_one_line_file(path, &stat) < 0)
                        continue;
                p = strrchr(stat, ')');
                if (p && sscanf(p, ") %*c %d", &ppid) == 1 && ppid == parent)
                        return atoi(de->d_name);
        }
        return 0;
}

static void *kill_worker_thread(void *userdata) {
        pid_t parent = *(pid_t *) userdata;

        for (unsigned i = 0; i < 10000; i++) {
                pid_t child = find_child_of(parent);
                if (child > 0) {
                        usleep(20000); /* let it get to its read() */
                        (void) kill(child, SIGKILL);
                        return NULL;
                }
                usleep(1000);
        }
        return NULL;
}

TEST(unpack_in_worker_reports_a_killed_worker) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_free_ char *reason = NULL;
        pid_t self = getpid();
        pthread_t thread;
        int fds[2];

        ASSERT_OK(test_dir_new(&t));
        ASSERT_OK(pipe2(fds, O_CLOEXEC)); /* nothing is ever written: the worker waits forever */
        ASSERT_EQ(pthread_create(&thread, NULL, kill_worker_thread, &self), 0);
        ASSERT_ERROR(unpack_in_worker(fds[0], t.layer_fd, &root_options, NULL, &reason), EPROTO);
        ASSERT_EQ(pthread_join(thread, NULL), 0);
        safe_close(fds[0]);
        safe_close(fds[1]);
        ASSERT_STREQ(reason, "unpack worker died with signal 9 (SIGKILL)");
}

/* Runs f in a child; returns its exit status. */
static int run_in_child(int (*f)(void *), void *userdata) {
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0)
                _exit(f(userdata));
        if (waitpid(pid, &status, 0) != pid)
                return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int seccomp_child(void *userdata) {
        char *argv[] = { (char *) "true", NULL };
        pid_t pid;
        int status;

        if (seccomp_lock_down_unpacker() < 0)
                return 10;
        if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
                return 11;
        if (socket(AF_UNIX, SOCK_STREAM, 0) >= 0 || errno != EPERM)
                return 12;
        if (socket(AF_INET, SOCK_DGRAM, 0) >= 0 || errno != EPERM)
                return 13;
        execv("/bin/true", argv);
        if (errno != EPERM)
                return 14;
        if (unshare(CLONE_NEWNS) >= 0 || errno != EPERM)
                return 15;
        if (syscall(SYS_clone, (unsigned long) (CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, 0) >= 0 || errno != EPERM)
                return 16;
        if (mount("none", "/mnt", "tmpfs", 0, NULL) >= 0 || errno != EPERM)
                return 17;
        if (syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0) >= 0 || errno != EPERM)
                return 18;
        if (syscall(SYS_io_uring_setup, 1, NULL) >= 0 || errno != EPERM)
                return 19;
        if (syscall(SYS_clone3, NULL, 0) >= 0 || errno != ENOSYS)
                return 20;
        /* what an unpacker does keeps working, fork() and pipes included */
        pid = fork();
        if (pid < 0)
                return 21;
        if (pid == 0)
                _exit(0);
        if (waitpid(pid, &status, 0) != pid || status != 0)
                return 22;
        if (write(STDERR_FILENO, "", 0) < 0)
                return 23;
        return 0;
}

TEST(seccomp_lock_down_denies_sockets_exec_namespaces_and_mounts) {
        ASSERT_EQ(run_in_child(seccomp_child, NULL), 0);
}

typedef struct LockDownArgs {
        const TestDir *t;
} LockDownArgs;

static int lock_down_child(void *userdata) {
        const LockDownArgs *a = userdata;
        _cleanup_free_ char *outside = path_join(a->t->base, "outside-new");
        int fd;

        if (unpack_worker_lock_down(a->t->layer_fd, -EBADF) < 0)
                return 10;
        fd = openat(a->t->layer_fd, "inside", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return 11;
        close(fd);
        if (mkdirat(a->t->layer_fd, "dir", 0755) < 0 || linkat(a->t->layer_fd, "inside", a->t->layer_fd, "dir/link", 0) < 0)
                return 12;
        /* EACCES from Landlock, or ENOENT: inside the chroot, there is no such path */
        fd = open(outside, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0 || !IN_SET(errno, EACCES, ENOENT))
                return 13;
        if (open("/etc/passwd", O_RDONLY | O_CLOEXEC) >= 0 || !IN_SET(errno, EACCES, ENOENT))
                return 14;
        return 0;
}

/* Landlock leaves metadata alone: chmod()/chown() by path must not reach outside the layer either. */
static int lock_down_metadata_child(void *userdata) {
        const LockDownArgs *a = userdata;
        _cleanup_free_ char *victim = path_join(a->t->base, "victim");
        _cleanup_free_ char *up = strjoin("../../../../../../../..", victim);

        if (!victim || !up)
                return 9;
        if (unpack_worker_lock_down(a->t->layer_fd, -EBADF) < 0)
                return 10;
        (void) chmod(victim, 04777);
        (void) chown(victim, 4242, 4242);
        (void) fchmodat(a->t->layer_fd, up, 04777, 0);
        (void) fchownat(a->t->layer_fd, up, 4242, 4242, 0);
        (void) lsetxattr(victim, "user.nyx-test", "x", 1, 0);
        return 0;
}

/* The worker may make a whiteout (0:0 character device) and fifos, but no device a subverted worker
 * could open: not /dev/mem's 1:1, not /dev/loop0's block device 7:0. */
static int lock_down_devices_child(void *userdata) {
        const LockDownArgs *a = userdata;

        if (unpack_worker_lock_down(a->t->layer_fd, -EBADF) < 0)
                return 10;
        if (mknodat(a->t->layer_fd, "whiteout", S_IFCHR | 0, makedev(0, 0)) < 0)
                return 11;
        if (mknodat(a->t->layer_fd, "fifo", S_IFIFO | 0600, 0) < 0)
                return 12;
        if (mknodat(a->t->layer_fd, "mem", S_IFCHR | 0600, makedev(1, 1)) >= 0 || errno != EPERM)
                return 13;
        if (mknodat(a->t->layer_fd, "loop", S_IFBLK | 0600, makedev(7, 0)) >= 0 || errno != EPERM)
                return 14;
        if (syscall(SYS_mknodat, a->t->layer_fd, "mem2", S_IFCHR | 0600, (1UL << 32) | makedev(1, 1)) >= 0 ||
            errno != EPERM)
                return 15;
        return 0;
}

TEST(unpack_worker_lock_down_lets_the_worker_make_whiteouts_but_no_devices) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        LockDownArgs a = { &t };
        struct stat st;

        if (geteuid() != 0) {
                printf("  (skipped: mknod() of devices needs root)\n");
                return;
        }
        ASSERT_OK(test_dir_new(&t));
        ASSERT_EQ(run_in_child(lock_down_devices_child, &a), 0);
        ASSERT_OK(fstatat(t.layer_fd, "whiteout", &st, AT_SYMLINK_NOFOLLOW));
        ASSERT_TRUE(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
        ASSERT_TRUE(faccessat(t.layer_fd, "mem", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
        ASSERT_TRUE(faccessat(t.layer_fd, "loop", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
}

TEST(unpack_worker_lock_down_keeps_owner_and_mode_of_files_outside_the_layer) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_free_ char *victim = NULL;
        LockDownArgs a = { &t };
        struct stat st;
        char v[8];

        if (geteuid() != 0) {
                printf("  (skipped: chroot() needs root)\n");
                return;
        }
        ASSERT_OK(test_dir_new(&t));
        victim = path_join(t.base, "victim");
        ASSERT_NOT_NULL(victim);
        ASSERT_OK(write_file_atomic(victim, "v", 1, 0600));
        ASSERT_EQ(run_in_child(lock_down_metadata_child, &a), 0);
        ASSERT_OK(lstat(victim, &st));
        ASSERT_EQ(st.st_mode & 07777, 0600U);
        ASSERT_EQ(st.st_uid, 0U);
        ASSERT_EQ(st.st_gid, 0U);
        ASSERT_TRUE(lgetxattr(victim, "user.nyx-test", v, sizeof(v)) < 0);
}

TEST(unpack_worker_lock_down_confines_file_access_to_the_layer) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        LockDownArgs a = { &t };
        long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U);

        if (abi < 2) {
                printf("  (skipped: Landlock ABI %ld, need 2)\n", abi);
                return;
        }
        ASSERT_OK(test_dir_new(&t));
        ASSERT_EQ(run_in_child(lock_down_child, &a), 0);
        ASSERT_EQ(count_outside(&t), 0);
        ASSERT_EQ(faccessat(t.layer_fd, "dir/link", F_OK, AT_SYMLINK_NOFOLLOW), 0);
}

/* The input fd is on a file of the store: through it, a subverted worker must not change that
 * file's mode, owner, xattrs, flags or times; reading it still works. */
typedef struct InputArgs {
        const TestDir *t;
        int input_fd;
} InputArgs;

static int lock_down_input_child(void *userdata) {
        const InputArgs *a = userdata;
        struct timespec ts[2] = { { 0, 0 }, { 0, 0 } };
        char c;
        int flags = 0;

        if (unpack_worker_lock_down(a->t->layer_fd, a->input_fd) < 0)
                return 10;
        if (fchmod(a->input_fd, 04777) >= 0 || errno != EPERM)
                return 11;
        if (fchown(a->input_fd, 4242, 4242) >= 0 || errno != EPERM)
                return 12;
        if (fchownat(a->input_fd, "", 4242, 4242, AT_EMPTY_PATH) >= 0 || errno != EPERM)
                return 13;
        if (fsetxattr(a->input_fd, "user.nyx-test", "x", 1, 0) >= 0 || errno != EPERM)
                return 14;
        if (futimens(a->input_fd, ts) >= 0 || errno != EPERM)
                return 15;
        if (ioctl(a->input_fd, FS_IOC_GETFLAGS, &flags) >= 0 || errno != EPERM)
                return 16;
        if (pread(a->input_fd, &c, 1, 0) != 1 || c != 'b')
                return 17;
        return 0;
}

TEST(unpack_worker_lock_down_protects_the_input_file) {
        _cleanup_(test_dir_done) TestDir t = { .layer_fd = -EBADF };
        _cleanup_free_ char *blob = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st0, st;
        char v[8];

        if (geteuid() != 0) {
                printf("  (skipped: chroot() and fchown() need root)\n");
                return;
        }
        ASSERT_OK(test_dir_new(&t));
        blob = path_join(t.base, "blob");
        ASSERT_NOT_NULL(blob);
        ASSERT_OK(write_file_atomic(blob, "blob", 4, 0444));
        ASSERT_OK(stat(blob, &st0));
        fd = open(blob, O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        InputArgs a = { &t, fd };
        ASSERT_EQ(run_in_child(lock_down_input_child, &a), 0);
        ASSERT_OK(stat(blob, &st));
        ASSERT_EQ(st.st_mode & 07777, 0444U);
        ASSERT_EQ(st.st_uid, 0U);
        ASSERT_EQ(st.st_gid, 0U);
        ASSERT_EQ(st.st_mtim.tv_sec, st0.st_mtim.tv_sec);
        ASSERT_TRUE(fgetxattr(fd, "user.nyx-test", v, sizeof(v)) < 0);
}
