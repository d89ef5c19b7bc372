/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "prepare-config.h"

/* The unit's ExecStart= (Type=notify): creates the container with crun, makes its PID 1 the unit's
 * main process and starts it. Returns crun's exit status when it fails (> 0), or < 0. */
int prepare_launch(const PrepareConfig *c, const char *console_socket);
