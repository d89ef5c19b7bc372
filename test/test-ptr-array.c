/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ptr-array.h"
#include "tests.h"

TEST(ptr_array_appends_and_removes_keeping_the_order) {
        int a, b, c;
        void **l = NULL;
        size_t n = 0;

        ASSERT_OK(ptr_array_append(&l, &n, &a));
        ASSERT_OK(ptr_array_append(&l, &n, &b));
        ASSERT_OK(ptr_array_append(&l, &n, &c));
        ASSERT_EQ(n, 3);
        ASSERT_TRUE(ptr_array_remove(l, &n, &b));
        ASSERT_EQ(n, 2);
        ASSERT_TRUE(l[0] == &a && l[1] == &c);
        ASSERT_FALSE(ptr_array_remove(l, &n, &b));
        ASSERT_EQ(n, 2);
        free(l);
}
