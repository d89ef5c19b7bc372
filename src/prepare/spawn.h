/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Runs argv[0] with argv and waits: its exit status, 128 + the signal that killed it, or < 0. It
 * does not get this process's NOTIFY_SOCKET (with it, crun would proxy a notify socket into the
 * container and `crun start` would wait for READY=1 from it); quiet: stdout goes to /dev/null. */
int spawn_wait(char *const argv[], bool quiet);
