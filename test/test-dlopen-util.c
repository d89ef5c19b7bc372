/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "archive-dl.h"
#include "dlopen-util.h"
#include "tests.h"

static size_t (*sym_strlen_test)(const char *) = NULL;
static int (*sym_missing_test)(void) = NULL;

TEST(dlopen_many_sym_fills_in_symbols_once) {
        void *dl = NULL;
        const char *e = NULL;

        ASSERT_OK(dlopen_many_sym(&dl, "libc.so.6", &e, (void **) &sym_strlen_test, "strlen", NULL));
        ASSERT_NOT_NULL(dl);
        ASSERT_EQ(sym_strlen_test("nyx"), 3);
        /* already loaded: nothing changes */
        ASSERT_OK(dlopen_many_sym(&dl, "libc.so.6", &e, (void **) &sym_missing_test, "no_such_symbol_here", NULL));
        ASSERT_NULL(sym_missing_test);
}

TEST(dlopen_many_sym_names_a_missing_library_or_symbol) {
        void *dl = NULL;
        const char *e = NULL;

        ASSERT_ERROR(dlopen_many_sym(&dl, "libno-such-library.so.0", &e, (void **) &sym_strlen_test, "strlen", NULL),
                     EOPNOTSUPP);
        ASSERT_NULL(dl);
        ASSERT_TRUE(e && strstr(e, "libno-such-library.so.0"));

        e = NULL;
        ASSERT_ERROR(dlopen_many_sym(&dl, "libc.so.6", &e, (void **) &sym_missing_test, "no_such_symbol_here", NULL),
                     EOPNOTSUPP);
        ASSERT_NULL(dl);
        ASSERT_TRUE(e && strstr(e, "no_such_symbol_here"));
}

TEST(libarchive_loads_with_every_symbol_nyxctl_uses) {
        const char *e = NULL;

        ASSERT_OK(dlopen_libarchive(&e));
        ASSERT_NOT_NULL(sym_archive_write_new);
        ASSERT_NOT_NULL(sym_archive_read_next_header);
        struct archive *a = sym_archive_write_new();
        ASSERT_NOT_NULL(a);
        sym_archive_write_free(a);
        ASSERT_OK(dlopen_libarchive(&e));
}
