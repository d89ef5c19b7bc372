/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* docker's --detach-keys: comma-separated keys, each "ctrl-X" (X a letter or one of @[\]^_) or a
 * single character, e.g. "ctrl-p,ctrl-q" -> 0x10 0x11. "" turns detaching off (*ret_n = 0). At most
 * size keys. Returns -EINVAL with a reason on bad input, -ENOMEM. */
int detach_keys_parse(const char *s, char *ret_keys, size_t size, size_t *ret_n, char **ret_reason);
