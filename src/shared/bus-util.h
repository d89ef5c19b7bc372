/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-bus.h>

#include "macro.h"

/* sd-bus.h brings sd_bus_flush_close_unrefp, sd_bus_message_unrefp ... */

#define _cleanup_bus_error_ _cleanup_(sd_bus_error_free)

/* A one-line, human explanation of a failed call: the error's own message for
 * nyx's named errors, a rewording for the bus daemon's generic ones. */
const char *bus_error_human(const sd_bus_error *e, int r);

/* Append a "sv" dict entry to an open a{sv} container. */
int bus_append_sv_string(sd_bus_message *m, const char *key, const char *value);
int bus_append_sv_uint64(sd_bus_message *m, const char *key, uint64_t value);
int bus_append_sv_uint32(sd_bus_message *m, const char *key, uint32_t value);
int bus_append_sv_bool(sd_bus_message *m, const char *key, int value);
int bus_append_sv_strv(sd_bus_message *m, const char *key, char **l);

/* Read an a{sv} of options, taking the boolean name (if present) and
 * skipping the rest. */
int bus_read_bool_option(sd_bus_message *m, const char *name, bool *ret);

/* For a node enumerator: a new strv of the object paths of the n objects, the
 * string each holds at path_offset (NULL when n is 0). Use BUS_OBJECT_PATHS()
 * on an array of pointers to structs with a char *object_path field. */
int bus_object_paths(void * const *objects, size_t n, size_t path_offset, char ***ret);
#define BUS_OBJECT_PATHS(objects, n, ret)                                                         \
        bus_object_paths((void * const *) (objects), (n), offsetof(typeof(**(objects)), object_path), (ret))
