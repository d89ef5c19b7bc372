/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "output.h"
#include "tests.h"

static char *print_to_string(const Table *t, int json) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        if (json)
                (void) table_print_json(t, f);
        else
                (void) table_print(t, f, true);
        fclose(f);
        return buf;
}

TEST(table_aligns_columns_to_the_widest_cell) {
        _cleanup_(table_freep) Table *t = table_new("NAME", "STATUS", NULL);
        _cleanup_free_ char *s = NULL;

        ASSERT_NOT_NULL(t);
        ASSERT_OK(table_add_row(t, "web", "running"));
        ASSERT_OK(table_add_row(t, "database", NULL));
        s = print_to_string(t, 0);
        ASSERT_STREQ(s, "NAME       STATUS\n"
                        "web        running\n"
                        "database   \n");
}

TEST(table_prints_json_objects_keyed_by_column) {
        _cleanup_(table_freep) Table *t = table_new("Name", "Id", NULL);
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(table_add_row(t, "web", "abc"));
        s = print_to_string(t, 1);
        o = json_tokener_parse(s);
        ASSERT_NOT_NULL(o);
        ASSERT_EQ(json_object_array_length(o), 1);
        ASSERT_STREQ(json_object_get_string(json_object_object_get(json_object_array_get_idx(o, 0), "Id")), "abc");
}

TEST(json_print_pairs_aligns_values) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        json_object_object_add(o, "Version", json_object_new_string("0.1"));
        json_object_object_add(o, "CgroupMode", json_object_new_string("hybrid"));
        f = open_memstream(&buf, &size);
        ASSERT_OK(json_print_pairs(o, f));
        fclose(f);
        ASSERT_STREQ(buf, "Version:    0.1\nCgroupMode: hybrid\n");
        free(buf);
}
