/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "path-util.h"
#include "string-util.h"
#include "tar-tree.h"
#include "tests.h"

/* A tree with a file, a directory, a symlink out of the tree and a FIFO. */
static char *make_tree(void) {
        char tmpl[] = "/tmp/test-tar-tree-XXXXXX";
        char *d = mkdtemp(tmpl);
        _cleanup_free_ char *p = NULL;
        int fd;

        if (!d)
                return NULL;
        d = strdup(d);
        p = path_join(d, "top");
        if (!p || mkdir(p, 0750) < 0)
                return NULL;
        free(p);
        p = path_join(d, "top", "file");
        fd = p ? open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0640) : -1;
        if (fd < 0 || write(fd, "hello\n", 6) != 6)
                return NULL;
        safe_close(fd);
        free(p);
        p = path_join(d, "top", "sub");
        if (!p || mkdir(p, 0755) < 0)
                return NULL;
        free(p);
        p = path_join(d, "top", "sub", "escape");
        if (!p || symlink("/etc", p) < 0)
                return NULL;
        free(p);
        p = path_join(d, "top", "fifo");
        if (!p || mkfifo(p, 0600) < 0)
                return NULL;
        return d;
}

typedef struct Listing {
        char names[16][64];
        char targets[16][64];
        mode_t types[16];
        int64_t sizes[16];
        size_t n;
} Listing;

static int list_archive(const void *buf, size_t size, Listing *l) {
        _cleanup_(archive_read_freep) struct archive *a = archive_read_new();
        struct archive_entry *e;

        archive_read_support_format_tar(a);
        if (archive_read_open_memory(a, buf, size) != ARCHIVE_OK)
                return -EIO;
        while (archive_read_next_header(a, &e) == ARCHIVE_OK && l->n < 16) {
                size_t k;

                /* libarchive writes directories as "name/"; compare without the slash. */
                snprintf(l->names[l->n], 64, "%s", archive_entry_pathname(e));
                k = strlen(l->names[l->n]);
                if (k > 1 && l->names[l->n][k - 1] == '/')
                        l->names[l->n][k - 1] = 0;
                snprintf(l->targets[l->n], 64, "%s", strempty(archive_entry_symlink(e)));
                l->types[l->n] = archive_entry_filetype(e);
                l->sizes[l->n] = archive_entry_size(e);
                l->n++;
        }
        return 0;
}

static ssize_t find(const Listing *l, const char *name) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->names[i], name))
                        return (ssize_t) i;
        return -1;
}

static int archive_tree(const char *dir, const char *name, const char *archive_name, Listing *l) {
        _cleanup_(archive_write_freep) struct archive *a = archive_write_new();
        _cleanup_free_ char *reason = NULL;
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        static char buf[1 << 20];
        size_t used = 0;
        int r;

        if (fd < 0)
                return -errno;
        archive_write_set_format_pax_restricted(a);
        archive_write_set_bytes_in_last_block(a, 1);
        if (archive_write_open_memory(a, buf, sizeof(buf), &used) != ARCHIVE_OK)
                return -EIO;
        r = tar_write_tree(a, fd, name, archive_name, &reason);
        if (r < 0)
                return r;
        if (archive_write_close(a) != ARCHIVE_OK)
                return -EIO;
        return list_archive(buf, used, l);
}

TEST(tar_tree_stores_a_tree_under_its_name) {
        _cleanup_free_ char *d = make_tree();
        Listing l = {};
        ssize_t i;

        ASSERT_NOT_NULL(d);
        ASSERT_OK(archive_tree(d, "top", "top", &l));
        ASSERT_EQ(find(&l, "top"), 0);   /* the top first: the reader learns what it is */
        ASSERT_EQ(l.types[0], AE_IFDIR);
        i = find(&l, "top/file");
        ASSERT_TRUE(i > 0);
        ASSERT_EQ(l.types[i], AE_IFREG);
        ASSERT_EQ(l.sizes[i], 6);
        ASSERT_TRUE(find(&l, "top/sub") > 0);
        ASSERT_TRUE(find(&l, "top/fifo") > 0);
        ASSERT_EQ(l.n, 5);
        (void) rm_rf(d);
}

TEST(tar_tree_keeps_symlinks_and_never_follows_them) {
        _cleanup_free_ char *d = make_tree(), *sub = NULL;
        Listing l = {};
        ssize_t i;

        ASSERT_NOT_NULL(d);
        ASSERT_OK(archive_tree(d, "top", "top", &l));
        i = find(&l, "top/sub/escape");
        ASSERT_TRUE(i > 0);
        ASSERT_EQ(l.types[i], AE_IFLNK);
        ASSERT_STREQ(l.targets[i], "/etc");
        ASSERT_EQ(find(&l, "top/sub/escape/passwd"), -1);

        /* A symlink as the thing to archive is stored as the symlink. */
        sub = path_join(d, "top", "sub");
        ASSERT_NOT_NULL(sub);
        memset(&l, 0, sizeof(l));
        ASSERT_OK(archive_tree(sub, "escape", "escape", &l));
        ASSERT_EQ(l.n, 1);
        ASSERT_EQ(l.types[0], AE_IFLNK);
        (void) rm_rf(d);
}

TEST(tar_tree_stores_a_directory_s_contents_as_dot) {
        _cleanup_free_ char *d = make_tree(), *top = NULL;
        Listing l = {};

        ASSERT_NOT_NULL(d);
        top = path_join(d, "top");
        ASSERT_NOT_NULL(top);
        ASSERT_OK(archive_tree(top, ".", ".", &l));
        ASSERT_EQ(find(&l, "."), 0);
        ASSERT_TRUE(find(&l, "./file") > 0);
        ASSERT_TRUE(find(&l, "./sub/escape") > 0);
        (void) rm_rf(d);
}

TEST(tar_tree_reports_a_missing_name) {
        _cleanup_free_ char *d = make_tree();
        Listing l = {};

        ASSERT_NOT_NULL(d);
        ASSERT_ERROR(archive_tree(d, "no-such", "no-such", &l), ENOENT);
        (void) rm_rf(d);
}
