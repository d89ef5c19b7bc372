/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tests.h"

int test_failures = 0;

static TestCase cases[512];
static size_t n_cases = 0;

void test_register(const char *name, void (*func)(void)) {
        if (n_cases >= sizeof(cases) / sizeof(cases[0]))
                abort();
        cases[n_cases++] = (TestCase) { name, func };
}

static int selected(const char *name, int argc, char **argv) {
        if (argc <= 1)
                return 1;
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], name) == 0)
                        return 1;
        return 0;
}

int main(int argc, char **argv) {
        int failed = 0, ran = 0;

        for (size_t i = 0; i < n_cases; i++) {
                int before = test_failures;

                if (!selected(cases[i].name, argc, argv))
                        continue;
                cases[i].func();
                ran++;
                if (test_failures != before) {
                        failed++;
                        printf("FAIL %s\n", cases[i].name);
                } else
                        printf("ok   %s\n", cases[i].name);
        }
        printf("%d passed, %d failed\n", ran - failed, failed);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
