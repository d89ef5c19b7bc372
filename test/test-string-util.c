/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "string-util.h"
#include "strv.h"
#include "tests.h"

TEST(startswith_returns_the_rest_after_the_prefix) {
        ASSERT_STREQ(startswith("nyx-web.service", "nyx-"), "web.service");
        ASSERT_NULL(startswith("web", "nyx-"));
}

TEST(endswith_finds_the_suffix_only_at_the_end) {
        ASSERT_NOT_NULL(endswith("nyx-web.service", ".service"));
        ASSERT_NULL(endswith(".service.x", ".service"));
        ASSERT_NULL(endswith("a", "abc"));
}

TEST(strjoin_concatenates_all_arguments) {
        _cleanup_free_ char *s = strjoin("a", "bc", "", "d");
        ASSERT_STREQ(s, "abcd");
}

TEST(safe_names_follow_dockers_rule) {
        ASSERT_TRUE(string_is_safe_name("web"));
        ASSERT_TRUE(string_is_safe_name("Web_1.a-b"));
        ASSERT_FALSE(string_is_safe_name(""));
        ASSERT_FALSE(string_is_safe_name("-web"));
        ASSERT_FALSE(string_is_safe_name("_web"));
        ASSERT_FALSE(string_is_safe_name("we/b"));
        ASSERT_FALSE(string_is_safe_name("we b"));
        ASSERT_FALSE(string_is_safe_name("../x"));
}

TEST(levenshtein_counts_edits) {
        ASSERT_EQ(levenshtein("info", "info"), 0);
        ASSERT_EQ(levenshtein("inof", "info"), 2);
        ASSERT_EQ(levenshtein("ifo", "info"), 1);
        ASSERT_EQ(levenshtein("", "ps"), 2);
}

TEST(hexmem_formats_lowercase_pairs) {
        _cleanup_free_ char *s = hexmem("\x00\xab\x10", 3);
        ASSERT_STREQ(s, "00ab10");
}

TEST(strv_extend_and_contains) {
        _cleanup_strv_free_ char **l = NULL;
        ASSERT_OK(strv_extend(&l, "a"));
        ASSERT_OK(strv_extend(&l, "b"));
        ASSERT_EQ(strv_length(l), 2);
        ASSERT_TRUE(strv_contains(l, "b"));
        ASSERT_FALSE(strv_contains(l, "c"));
}
