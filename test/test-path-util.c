/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "path-util.h"
#include "tests.h"

TEST(path_join_inserts_exactly_one_slash) {
        _cleanup_free_ char *a = path_join("/var/lib", "nyx", "containers");
        _cleanup_free_ char *b = path_join("/var/lib/", "/nyx/");
        _cleanup_free_ char *c = path_join("a", "b");
        ASSERT_STREQ(a, "/var/lib/nyx/containers");
        ASSERT_STREQ(b, "/var/lib/nyx/");
        ASSERT_STREQ(c, "a/b");
}

TEST(mkdir_p_creates_parents_and_accepts_existing) {
        char tmpl[] = "/tmp/test-path-util-XXXXXX";
        _cleanup_free_ char *deep = NULL;
        struct stat st;

        ASSERT_NOT_NULL(mkdtemp(tmpl));
        deep = path_join(tmpl, "a/b/c");
        ASSERT_OK(mkdir_p(deep, 0755));
        ASSERT_OK(mkdir_p(deep, 0755));
        ASSERT_EQ(stat(deep, &st), 0);
        ASSERT_TRUE(S_ISDIR(st.st_mode));
        ASSERT_OK(rm_rf(tmpl));
        ASSERT_EQ(access(tmpl, F_OK), -1);
}

TEST(rm_rf_removes_trees_but_never_follows_symlinks) {
        char tmpl[] = "/tmp/test-path-util-XXXXXX", outside[] = "/tmp/test-path-util-out-XXXXXX";
        _cleanup_free_ char *link = NULL, *keep = NULL, *sub = NULL;

        ASSERT_NOT_NULL(mkdtemp(tmpl));
        ASSERT_NOT_NULL(mkdtemp(outside));
        keep = path_join(outside, "keep");
        ASSERT_EQ(close(open(keep, O_CREAT | O_WRONLY, 0644)), 0);
        link = path_join(tmpl, "link");
        ASSERT_EQ(symlink(outside, link), 0);
        sub = path_join(tmpl, "sub/dir");
        ASSERT_OK(mkdir_p(sub, 0755));

        ASSERT_OK(rm_rf(tmpl));
        ASSERT_EQ(access(tmpl, F_OK), -1);
        ASSERT_EQ(access(keep, F_OK), 0);
        ASSERT_OK(rm_rf(outside));
}

TEST(find_executable_searches_path) {
        _cleanup_free_ char *p = NULL;
        ASSERT_OK(find_executable("sh", &p));
        ASSERT_EQ(p[0], '/');
        ASSERT_ERROR(find_executable("no-such-program-nyx", &p), ENOENT);
}
