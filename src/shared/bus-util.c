/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "bus-util.h"
#include "string-util.h"
#include "strv.h"

const char *bus_error_human(const sd_bus_error *e, int r) {
        if (e && sd_bus_error_is_set(e)) {
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_ACCESS_DENIED, "org.freedesktop.DBus.Error.AccessDenied"))
                        return "access denied: only root and members of the group 'nyx' may use nyx";
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        return "nyxd is not available on the system bus (is nyx installed, and is org.nyx.engine1 activatable?)";
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_METHOD))
                        return "nyxd does not know this call: is nyxctl newer than the running nyxd?";
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY))
                        return "nyxd did not answer in time";
                if (e->message)
                        return e->message;
                return e->name;
        }
        if (r == -ENOENT || r == -ECONNREFUSED)
                return "cannot connect to the system bus (is dbus running?)";
        if (r == -EACCES || r == -EPERM)
                return "access denied: only root and members of the group 'nyx' may use nyx";
        return strerror(r < 0 ? -r : r);
}

static int append_sv(sd_bus_message *m, const char *key, char type, const void *value) {
        char sig[2] = { type, 0 };
        int r;

        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append_basic(m, 's', key);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'v', sig);
        if (r < 0)
                return r;
        r = sd_bus_message_append_basic(m, type, value);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

int bus_append_sv_string(sd_bus_message *m, const char *key, const char *value) {
        return append_sv(m, key, 's', strempty(value));
}

int bus_append_sv_uint64(sd_bus_message *m, const char *key, uint64_t value) {
        return append_sv(m, key, 't', &value);
}

int bus_append_sv_uint32(sd_bus_message *m, const char *key, uint32_t value) {
        return append_sv(m, key, 'u', &value);
}

int bus_append_sv_bool(sd_bus_message *m, const char *key, int value) {
        int b = !!value;
        return append_sv(m, key, 'b', &b);
}

int bus_append_sv_strv(sd_bus_message *m, const char *key, char **l) {
        int r;

        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append_basic(m, 's', key);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'v', "as");
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(m, l);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

int bus_read_bool_option(sd_bus_message *msg, const char *name, bool *ret) {
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *key;
                int b;

                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, name)) {
                        r = sd_bus_message_read(msg, "v", "b", &b);
                        if (r < 0)
                                return r;
                        *ret = b;
                } else {
                        r = sd_bus_message_skip(msg, "v");
                        if (r < 0)
                                return r;
                }
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

int bus_object_paths(void * const *objects, size_t n, size_t path_offset, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        for (size_t i = 0; i < n; i++) {
                r = strv_extend(&l, *(char * const *) ((const char *) objects[i] + path_offset));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}
