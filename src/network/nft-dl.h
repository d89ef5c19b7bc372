/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <nftables/libnftables.h>

#include "dlopen-util.h"

/* libnftables is loaded when a container's ports or network need rules: linking it costs each run
 * of nyx-prepare (twice per container start) the loading of it, libnftnl, libxtables, jansson and
 * gmp, also for containers without a network. */

DLSYM_PROTOTYPE(nft_ctx_buffer_error);
DLSYM_PROTOTYPE(nft_ctx_buffer_output);
DLSYM_PROTOTYPE(nft_ctx_free);
DLSYM_PROTOTYPE(nft_ctx_get_error_buffer);
DLSYM_PROTOTYPE(nft_ctx_get_output_buffer);
DLSYM_PROTOTYPE(nft_ctx_new);
DLSYM_PROTOTYPE(nft_ctx_output_set_flags);
DLSYM_PROTOTYPE(nft_run_cmd_from_buffer);

/* 0, or -EOPNOTSUPP with the loader's message in *ret_error. */
int dlopen_libnftables(const char **ret_error);
