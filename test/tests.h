/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A tiny test harness: TEST(name) { ... } registers a test; the shared main()
 * runs them all (or those named on the command line) and prints one line per
 * test. Assertions print what was expected and what came instead. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct TestCase {
        const char *name;
        void (*func)(void);
} TestCase;

void test_register(const char *name, void (*func)(void));
extern int test_failures;

#define TEST(n)                                                         \
        static void test_##n(void);                                     \
        __attribute__((constructor)) static void test_register_##n(void) { \
                test_register(#n, test_##n);                            \
        }                                                               \
        static void test_##n(void)

#define test_fail(...)                                                  \
        do {                                                            \
                fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);       \
                fprintf(stderr, __VA_ARGS__);                           \
                fputc('\n', stderr);                                    \
                test_failures++;                                        \
                return;                                                 \
        } while (0)

#define ASSERT_TRUE(expr)                                               \
        do {                                                            \
                if (!(expr))                                            \
                        test_fail("expected %s to be true", #expr);     \
        } while (0)

#define ASSERT_FALSE(expr)                                              \
        do {                                                            \
                if (expr)                                               \
                        test_fail("expected %s to be false", #expr);    \
        } while (0)

#define ASSERT_EQ(a, b)                                                 \
        do {                                                            \
                intmax_t _a = (intmax_t) (a), _b = (intmax_t) (b);      \
                if (_a != _b)                                           \
                        test_fail("%s: expected %jd, got %jd", #a, _b, _a); \
        } while (0)

#define ASSERT_OK(expr)                                                 \
        do {                                                            \
                intmax_t _r = (intmax_t) (expr);                        \
                if (_r < 0)                                             \
                        test_fail("%s failed: %s", #expr, strerror((int) -_r)); \
        } while (0)

#define ASSERT_ERROR(expr, err)                                         \
        do {                                                            \
                intmax_t _r = (intmax_t) (expr);                        \
                if (_r != -(err))                                       \
                        test_fail("%s: expected -%s, got %jd (%s)", #expr, #err, _r, \
                                  _r < 0 ? strerror((int) -_r) : "success"); \
        } while (0)

#define ASSERT_STREQ(a, b)                                              \
        do {                                                            \
                const char *_a = (a), *_b = (b);                        \
                if (!_a || !_b || strcmp(_a, _b) != 0)                  \
                        test_fail("%s: expected \"%s\", got \"%s\"", #a, \
                                  _b ? _b : "(null)", _a ? _a : "(null)"); \
        } while (0)

#define ASSERT_NULL(p)                                                  \
        do {                                                            \
                if ((p) != NULL)                                        \
                        test_fail("expected %s to be NULL", #p);        \
        } while (0)

#define ASSERT_NOT_NULL(p)                                              \
        do {                                                            \
                if ((p) == NULL)                                        \
                        test_fail("expected %s to be non-NULL", #p);    \
        } while (0)
