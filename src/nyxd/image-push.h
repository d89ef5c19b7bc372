/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

typedef struct PushOptions {
        char *manifest_digest;     /* what to push, from the store */
        char *media_type;
        char *domain;              /* where to: registry, repository and tag */
        char *repo;
        char *tag;
        char **mount_from;         /* repositories on that registry that may have the blobs */
        bool tls_verify;
        char *cert_dir;
        char *username;            /* NULL: the stored credentials */
        char *password;
} PushOptions;

void push_options_done(PushOptions *o);

/* Upload the manifest's config and layer blobs that the registry lacks
 * (mounting them from mount_from where it has them in another repository),
 * then the manifest, unchanged, under tag. Blocking: run it in an operation
 * worker. *ret_summary: "DIGEST UPLOADED MOUNTED EXISTING". */
int push_image(const char *state_dir, const PushOptions *o, char **ret_summary, char **ret_reason);
