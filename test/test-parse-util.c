/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "parse-util.h"
#include "tests.h"

TEST(parse_size_accepts_docker_suffixes) {
        uint64_t v;
        ASSERT_OK(parse_size("64m", &v));
        ASSERT_EQ(v, 64ULL << 20);
        ASSERT_OK(parse_size("1G", &v));
        ASSERT_EQ(v, 1ULL << 30);
        ASSERT_OK(parse_size("512k", &v));
        ASSERT_EQ(v, 512ULL << 10);
        ASSERT_OK(parse_size("100", &v));
        ASSERT_EQ(v, 100);
}

TEST(parse_size_rejects_garbage_and_overflow) {
        uint64_t v;
        ASSERT_ERROR(parse_size("", &v), EINVAL);
        ASSERT_ERROR(parse_size("-1m", &v), EINVAL);
        ASSERT_ERROR(parse_size("12q", &v), EINVAL);
        ASSERT_ERROR(parse_size("m", &v), EINVAL);
        ASSERT_ERROR(parse_size("99999999999999999999", &v), ERANGE);
        ASSERT_ERROR(parse_size("17179869184t", &v), ERANGE);
}

TEST(parse_sec_defaults_to_seconds) {
        uint64_t v;
        ASSERT_OK(parse_sec("10", &v));
        ASSERT_EQ(v, 10000000);
        ASSERT_OK(parse_sec("500ms", &v));
        ASSERT_EQ(v, 500000);
        ASSERT_OK(parse_sec("2m", &v));
        ASSERT_EQ(v, 120000000);
        ASSERT_ERROR(parse_sec("2 m", &v), EINVAL);
        ASSERT_ERROR(parse_sec("x", &v), EINVAL);
}

TEST(parse_uint64_range_checks_bounds) {
        uint64_t v;
        ASSERT_OK(parse_uint64_range("80", 1, 65535, &v));
        ASSERT_EQ(v, 80);
        ASSERT_ERROR(parse_uint64_range("99999", 1, 65535, &v), ERANGE);
        ASSERT_ERROR(parse_uint64_range("0", 1, 65535, &v), ERANGE);
        ASSERT_ERROR(parse_uint64_range("80x", 1, 65535, &v), EINVAL);
}

TEST(parse_boolean_knows_yes_and_no) {
        ASSERT_EQ(parse_boolean("yes"), 1);
        ASSERT_EQ(parse_boolean("off"), 0);
        ASSERT_ERROR(parse_boolean("maybe"), EINVAL);
}
