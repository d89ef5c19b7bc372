/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "string-util.h"
#include "verbs.h"

const Verb *verbs_find(const Verb verbs[], const char *name) {
        for (const Verb *v = verbs; v->dispatch; v++) {
                if (!name && (v->flags & VERB_DEFAULT))
                        return v;
                if (name && streq(v->name, name))
                        return v;
        }
        return NULL;
}

static const char *verbs_suggest(const Verb verbs[], const char *name) {
        const char *best = NULL;
        size_t best_d = SIZE_MAX;

        for (const Verb *v = verbs; v->dispatch; v++) {
                size_t d;

                if (v->flags & VERB_HIDDEN)
                        continue;
                d = levenshtein(name, v->name);
                if (d < best_d) {
                        best_d = d;
                        best = v->name;
                }
        }
        return best_d <= 2 ? best : NULL;
}

int dispatch_verb(const char *program, int argc, char *argv[], const Verb verbs[], void *userdata) {
        const char *name = optind < argc ? argv[optind] : NULL;
        unsigned left = optind < argc ? (unsigned) (argc - optind) : 1;
        const Verb *v;

        v = verbs_find(verbs, name);
        if (!v) {
                const char *s;

                if (!name) {
                        log_error("no command given. See '%s --help'.", program);
                        return -EINVAL;
                }
                s = verbs_suggest(verbs, name);
                if (s)
                        log_error("unknown command '%s'. Did you mean '%s'? See '%s --help'.", name, s, program);
                else
                        log_error("unknown command '%s'. See '%s --help'.", name, program);
                return -EINVAL;
        }

        if (!name) {
                char *fake[] = { (char *) v->name, NULL };
                return v->dispatch(1, fake, userdata);
        }
        return v->dispatch(left, argv + optind, userdata);
}

int verb_check_args(const char *program, const char *verb, int n, char **args, int min, int max) {
        if (n < min) {
                log_error("%s: expected %s%d argument%s, got %d. See '%s %s --help'.",
                          verb, max != min ? "at least " : "", min, min == 1 ? "" : "s", n, program, verb);
                return -EINVAL;
        }
        if (max >= 0 && n > max) {
                log_error("%s: unexpected argument '%s'. See '%s %s --help'.",
                          verb, args[max], program, verb);
                return -EINVAL;
        }
        return 0;
}
