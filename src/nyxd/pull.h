/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct PullOptions {
        char *reference;
        char *platform;            /* "os/arch[/variant]"; NULL: this host's */
        bool tls_verify;
        char *cert_dir;
        char *username;            /* explicit credentials; NULL: the stored ones */
        char *password;
        uint64_t max_layer_bytes;  /* uncompressed; refuses gzip bombs */
        unsigned low_speed_time_sec;
        int progress_fd;           /* -1, or where progress lines go (see below) */
        char *staging_dir;         /* this pull's own directory below STATE/tmp (nyxd removes it when the
                                    * pull is over, also when it was killed); NULL: STATE/tmp */
} PullOptions;

/* A layer larger than this once uncompressed is refused unless the caller
 * asks for more: bigger than any real layer, small enough to stop a bomb
 * before it fills the disk. */
#define PULL_MAX_LAYER_BYTES_DEFAULT (UINT64_C(32) * 1024 * 1024 * 1024)

/* Progress lines, each written with one write() (atomic on a pipe):
 *   "layer DIGEST STATE DONE TOTAL\n"
 * STATE: "exists" (in the store already), "waiting", "downloading",
 * "downloaded", "extracting", "done". DONE/TOTAL are bytes of the
 * compressed blob. */

void pull_options_done(PullOptions *o);

/* Pull into the store under state_dir: manifest (an index is resolved to
 * the platform), config, and each layer not yet there, extracted in a
 * confined worker. Blobs and layers become visible only when complete and
 * verified. Blocking; run it in an operation worker. ret_image_id:
 * "sha256:..." of the config; ret_name: the canonical reference. */
int pull_image(const char *state_dir, const PullOptions *o, char **ret_image_id, char **ret_name, char **ret_reason);
