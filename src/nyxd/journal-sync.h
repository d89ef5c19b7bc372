/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Ask journald to process everything it has been sent, so that a client
 * reading a container's output after it exited sees its last lines
 * (journalctl --sync does the same, over varlink). Bounded by timeout. */
int journal_sync(uint64_t timeout_usec);
