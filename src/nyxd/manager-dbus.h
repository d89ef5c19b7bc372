/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

/* The Manager object at /org/nyx/engine1 and the ObjectManager on the root. */
int manager_dbus_register(Manager *m);
