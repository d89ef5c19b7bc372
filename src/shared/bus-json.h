/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <systemd/sd-bus.h>

/* Read an a{sv} (strings, integers, booleans, string arrays, nested a{sv})
 * from m into a new JSON object, keeping the order of the keys. */
int bus_message_read_dict_json(sd_bus_message *m, json_object **ret);

/* Append a JSON object as a{sv}: strings (s), integers (x), booleans (b),
 * arrays of strings (as) and objects (a{sv}, recursively). */
int bus_message_append_dict_json(sd_bus_message *m, json_object *o);
