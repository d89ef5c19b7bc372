/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

typedef enum VerbFlags {
        VERB_DEFAULT = 1 << 0,   /* run when no verb is given */
        VERB_HIDDEN  = 1 << 1,   /* not listed in --help */
} VerbFlags;

typedef struct Verb {
        const char *name;
        VerbFlags flags;
        int (*dispatch)(int argc, char *argv[], void *userdata);
        const char *summary;
} Verb;

/* Find the verb named by argv[optind] (aliases are separate table rows) and
 * run it with argc/argv starting at the verb. Unknown verbs are reported
 * here, with a suggestion. Each verb parses its own flags and checks its
 * positional arguments (verb_check_args()). */
int dispatch_verb(const char *program, int argc, char *argv[], const Verb verbs[], void *userdata);

const Verb *verbs_find(const Verb verbs[], const char *name);

/* After a verb parsed its flags: are there between min and max (-1: any)
 * positional arguments args[0..n) left? Logs and returns -EINVAL if not. */
int verb_check_args(const char *program, const char *verb, int n, char **args, int min, int max);
