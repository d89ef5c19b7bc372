/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detach-keys.h"
#include "tests.h"

TEST(detach_keys_docker_default_and_others) {
        char k[16];
        size_t n;
        char *reason = NULL;

        ASSERT_OK(detach_keys_parse("ctrl-p,ctrl-q", k, sizeof(k), &n, &reason));
        ASSERT_EQ(n, 2);
        ASSERT_EQ(k[0], 0x10);
        ASSERT_EQ(k[1], 0x11);

        ASSERT_OK(detach_keys_parse("ctrl-a,d", k, sizeof(k), &n, &reason));
        ASSERT_EQ(n, 2);
        ASSERT_EQ(k[0], 0x01);
        ASSERT_EQ(k[1], 'd');

        ASSERT_OK(detach_keys_parse("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_,ctrl-Z", k, sizeof(k), &n, &reason));
        ASSERT_EQ(n, 7);
        ASSERT_EQ(k[0], 0);
        ASSERT_EQ(k[1], 27);
        ASSERT_EQ(k[2], 28);
        ASSERT_EQ(k[3], 29);
        ASSERT_EQ(k[4], 30);
        ASSERT_EQ(k[5], 31);
        ASSERT_EQ(k[6], 26);

        /* "" turns detaching off. */
        ASSERT_OK(detach_keys_parse("", k, sizeof(k), &n, &reason));
        ASSERT_EQ(n, 0);
        ASSERT_NULL(reason);
}

TEST(detach_keys_rejects_what_is_not_a_key) {
        static const char *const bad[] = { "ctrl-1", "ctrl-", "ctrl-pq", "pq", "ctrl-p,", ",ctrl-p", "ctrl-p,,x" };
        char k[16];
        size_t n = 99;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char *reason = NULL;
                ASSERT_ERROR(detach_keys_parse(bad[i], k, sizeof(k), &n, &reason), EINVAL);
                ASSERT_NOT_NULL(reason);
                ASSERT_TRUE(strstr(reason, "--detach-keys") != NULL);
                free(reason);
        }
        ASSERT_EQ(n, 99);   /* not written on failure */
}

TEST(detach_keys_has_a_limit) {
        char k[2];
        size_t n;
        char *reason = NULL;

        ASSERT_OK(detach_keys_parse("a,b", k, sizeof(k), &n, &reason));
        ASSERT_EQ(n, 2);
        ASSERT_ERROR(detach_keys_parse("a,b,c", k, sizeof(k), &n, &reason), EINVAL);
        ASSERT_NOT_NULL(reason);
        free(reason);
}
