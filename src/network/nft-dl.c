/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>

#include "nft-dl.h"

static void *libnftables_dl = NULL;

DLSYM_DEFINE(nft_ctx_buffer_error);
DLSYM_DEFINE(nft_ctx_buffer_output);
DLSYM_DEFINE(nft_ctx_free);
DLSYM_DEFINE(nft_ctx_get_error_buffer);
DLSYM_DEFINE(nft_ctx_get_output_buffer);
DLSYM_DEFINE(nft_ctx_new);
DLSYM_DEFINE(nft_ctx_output_set_flags);
DLSYM_DEFINE(nft_run_cmd_from_buffer);

int dlopen_libnftables(const char **ret_error) {
        return dlopen_many_sym(&libnftables_dl, "libnftables.so.1", ret_error,
                               DLSYM_ARG(nft_ctx_buffer_error),
                               DLSYM_ARG(nft_ctx_buffer_output),
                               DLSYM_ARG(nft_ctx_free),
                               DLSYM_ARG(nft_ctx_get_error_buffer),
                               DLSYM_ARG(nft_ctx_get_output_buffer),
                               DLSYM_ARG(nft_ctx_new),
                               DLSYM_ARG(nft_ctx_output_set_flags),
                               DLSYM_ARG(nft_run_cmd_from_buffer),
                               NULL);
}
