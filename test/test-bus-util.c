/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-util.h"
#include "strv.h"
#include "tests.h"

typedef struct Thing {
        char *name;
        unsigned n;
        char *object_path;
} Thing;

TEST(bus_object_paths_lists_each_objects_path_in_order) {
        Thing a = { .name = (char *) "a", .object_path = (char *) "/org/nyx/engine1/thing/a" };
        Thing b = { .name = (char *) "b", .object_path = (char *) "/org/nyx/engine1/thing/b" };
        Thing *things[] = { &a, &b };
        _cleanup_strv_free_ char **l = NULL;

        ASSERT_OK(BUS_OBJECT_PATHS(things, 2, &l));
        ASSERT_EQ(strv_length(l), 2);
        ASSERT_STREQ(l[0], "/org/nyx/engine1/thing/a");
        ASSERT_STREQ(l[1], "/org/nyx/engine1/thing/b");
        ASSERT_TRUE(l[0] != a.object_path);
}

TEST(bus_object_paths_of_no_objects_is_null) {
        Thing **none = NULL;
        char *untouched[] = { NULL };
        char **l = untouched;

        ASSERT_OK(BUS_OBJECT_PATHS(none, 0, &l));
        ASSERT_NULL(l);
}
