/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>

#include "tests.h"
#include "verbs.h"

static int called = 0;

static int verb_one(int argc, char *argv[], void *userdata) {
        called = argc;
        return 0;
}

static const Verb verbs[] = {
        { "info", VERB_DEFAULT, verb_one, "info" },
        { "ps",   0,            verb_one, "ps"   },
        {}
};

TEST(dispatch_runs_the_named_verb_with_its_arguments) {
        char *argv[] = { (char *) "nyxctl", (char *) "ps", (char *) "-a", NULL };

        called = 0;
        optind = 1;
        ASSERT_OK(dispatch_verb("nyxctl", 3, argv, verbs, NULL));
        ASSERT_EQ(called, 2);
}

TEST(dispatch_refuses_an_unknown_verb) {
        char *argv[] = { (char *) "nyxctl", (char *) "inof", NULL };

        optind = 1;
        ASSERT_ERROR(dispatch_verb("nyxctl", 2, argv, verbs, NULL), EINVAL);
}

TEST(dispatch_runs_the_default_verb_without_arguments) {
        char *argv[] = { (char *) "nyxctl", NULL };

        called = 0;
        optind = 1;
        ASSERT_OK(dispatch_verb("nyxctl", 1, argv, verbs, NULL));
        ASSERT_EQ(called, 1);
}

TEST(check_args_counts_positional_arguments) {
        char *args[] = { (char *) "a", (char *) "b", NULL };

        ASSERT_OK(verb_check_args("nyxctl", "rm", 2, args, 1, -1));
        ASSERT_ERROR(verb_check_args("nyxctl", "rm", 0, args, 1, -1), EINVAL);
        ASSERT_ERROR(verb_check_args("nyxctl", "info", 2, args, 0, 0), EINVAL);
}
