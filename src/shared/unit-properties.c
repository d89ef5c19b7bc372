/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "string-util.h"
#include "strv.h"
#include "unit-properties.h"

int unit_property_string(sd_bus_message *m, const char *name, const char *value) {
        return sd_bus_message_append(m, "(sv)", name, "s", value);
}

int unit_property_bool(sd_bus_message *m, const char *name, bool value) {
        return sd_bus_message_append(m, "(sv)", name, "b", (int) value);
}

int unit_property_uint64(sd_bus_message *m, const char *name, uint64_t value) {
        return sd_bus_message_append(m, "(sv)", name, "t", value);
}

int unit_property_uint32(sd_bus_message *m, const char *name, uint32_t value) {
        return sd_bus_message_append(m, "(sv)", name, "u", value);
}

int unit_property_int32(sd_bus_message *m, const char *name, int32_t value) {
        return sd_bus_message_append(m, "(sv)", name, "i", value);
}

static int open_property(sd_bus_message *m, const char *name, const char *signature) {
        int r;

        r = sd_bus_message_open_container(m, 'r', "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", name);
        if (r < 0)
                return r;
        return sd_bus_message_open_container(m, 'v', signature);
}

static int close_property(sd_bus_message *m) {
        int r;

        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

int unit_property_strv(sd_bus_message *m, const char *name, char * const *values) {
        int r;

        r = open_property(m, name, "as");
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(m, (char **) values);
        if (r < 0)
                return r;
        return close_property(m);
}

int unit_property_exec(sd_bus_message *m, const char *name, char * const *argv, bool ignore_failure) {
        int r;

        if (strv_length(argv) == 0)
                return -EINVAL;

        r = open_property(m, name, "a(sasb)");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "(sasb)");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'r', "sasb");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", argv[0]);
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(m, (char **) argv);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "b", (int) ignore_failure);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return close_property(m);
}

int unit_property_log_extra_fields(sd_bus_message *m, char * const *fields) {
        int r;

        r = open_property(m, "LogExtraFields", "aay");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "ay");
        if (r < 0)
                return r;
        for (size_t i = 0; fields && fields[i]; i++) {
                r = sd_bus_message_append_array(m, 'y', fields[i], strlen(fields[i]));
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return close_property(m);
}

int unit_property_device_allow(sd_bus_message *m, char * const *nodes_and_modes) {
        int r;

        r = open_property(m, "DeviceAllow", "a(ss)");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "(ss)");
        if (r < 0)
                return r;
        for (size_t i = 0; nodes_and_modes && nodes_and_modes[i] && nodes_and_modes[i + 1]; i += 2) {
                r = sd_bus_message_append(m, "(ss)", nodes_and_modes[i], nodes_and_modes[i + 1]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return close_property(m);
}

int unit_properties_restart(sd_bus_message *m, const char *policy, unsigned max_retries) {
        int r;

        if (isempty(policy) || streq(policy, "no"))
                return unit_property_string(m, "Restart", "no");

        if (streq(policy, "always") || streq(policy, "unless-stopped"))
                r = unit_property_string(m, "Restart", "always");
        else if (streq(policy, "on-failure"))
                r = unit_property_string(m, "Restart", "on-failure");
        else
                return -EINVAL;
        if (r < 0)
                return r;

        r = unit_property_uint64(m, "RestartUSec", 100 * 1000);
        if (r < 0)
                return r;

        /* docker's on-failure:N allows N restarts: N+1 starts in all. Without
         * N, restarts are unlimited, as with docker. */
        if (streq(policy, "on-failure") && max_retries > 0) {
                r = unit_property_uint32(m, "StartLimitBurst", max_retries + 1);
                if (r < 0)
                        return r;
                return unit_property_uint64(m, "StartLimitIntervalUSec", UINT64_C(365) * 24 * 3600 * 1000000);
        }
        return unit_property_uint64(m, "StartLimitIntervalUSec", 0);
}
