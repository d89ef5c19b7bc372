/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "fileio.h"
#include "path-util.h"
#include "string-util.h"
#include "tests.h"

static int count_entries(const char *dir) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;

        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        return n;
}

TEST(write_file_atomic_replaces_content_and_leaves_no_temporary) {
        char tmpl[] = "/tmp/test-fileio-XXXXXX";
        _cleanup_free_ char *p = NULL, *s = NULL;
        struct stat st;
        size_t size;

        ASSERT_NOT_NULL(mkdtemp(tmpl));
        p = path_join(tmpl, "record.json");
        ASSERT_OK(write_file_atomic(p, "old", 3, 0600));
        ASSERT_OK(write_file_atomic(p, "new content", 11, 0640));
        ASSERT_OK(read_full_file(p, 0, &s, &size));
        ASSERT_STREQ(s, "new content");
        ASSERT_EQ(size, 11);
        ASSERT_EQ(stat(p, &st), 0);
        ASSERT_EQ(st.st_mode & 07777, 0640);
        ASSERT_EQ(count_entries(tmpl), 1);
        ASSERT_OK(rm_rf(tmpl));
}

TEST(write_file_atomic_fails_cleanly_in_a_missing_directory) {
        ASSERT_ERROR(write_file_atomic("/tmp/no-such-dir-nyx/x", "a", 1, 0600), ENOENT);
}

TEST(read_full_file_enforces_the_size_limit) {
        char tmpl[] = "/tmp/test-fileio-XXXXXX";
        _cleanup_free_ char *p = NULL, *s = NULL, *big = NULL;

        ASSERT_NOT_NULL(mkdtemp(tmpl));
        p = path_join(tmpl, "big");
        big = calloc(1, 100000);
        ASSERT_NOT_NULL(big);
        ASSERT_OK(write_file_atomic(p, big, 100000, 0600));
        ASSERT_ERROR(read_full_file(p, 1000, &s, NULL), EFBIG);
        ASSERT_NULL(s);
        ASSERT_OK(rm_rf(tmpl));
}

TEST(read_one_line_file_strips_the_newline) {
        char tmpl[] = "/tmp/test-fileio-XXXXXX";
        _cleanup_free_ char *p = NULL, *s = NULL;

        ASSERT_NOT_NULL(mkdtemp(tmpl));
        p = path_join(tmpl, "f");
        ASSERT_OK(write_file_atomic(p, "line one\nline two\n", 18, 0600));
        ASSERT_OK(read_one_line_file(p, &s));
        ASSERT_STREQ(s, "line one");
        ASSERT_OK(rm_rf(tmpl));
}
