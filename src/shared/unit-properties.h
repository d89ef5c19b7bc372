/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

/* Append entries to the a(sv) property array of a StartTransientUnit() or
 * SetUnitProperties() call, with the types systemd expects for each. */

int unit_property_string(sd_bus_message *m, const char *name, const char *value);
int unit_property_bool(sd_bus_message *m, const char *name, bool value);
int unit_property_uint64(sd_bus_message *m, const char *name, uint64_t value);
int unit_property_uint32(sd_bus_message *m, const char *name, uint32_t value);
int unit_property_int32(sd_bus_message *m, const char *name, int32_t value);
int unit_property_strv(sd_bus_message *m, const char *name, char * const *values);

/* ExecStart= and friends: a(sasb) with one command (path, argv, ignore-failure). */
int unit_property_exec(sd_bus_message *m, const char *name, char * const *argv, bool ignore_failure);

/* LogExtraFields=: aay of "KEY=value" byte arrays. */
int unit_property_log_extra_fields(sd_bus_message *m, char * const *fields);

/* DeviceAllow=: a(ss) of (node, "rwm"). */
int unit_property_device_allow(sd_bus_message *m, char * const *nodes_and_modes);

/* Map a docker restart policy onto Restart= and the start limit:
 * "no", "on-failure[:N]", "always", "unless-stopped". */
int unit_properties_restart(sd_bus_message *m, const char *policy, unsigned max_retries);
