/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "bus-util.h"
#include "nyx-errors.h"
#include "string-util.h"
#include "strv.h"
#include "volume-dbus.h"
#include "volume-util.h"
#include "volume.h"

#define VOLUME_PREFIX "/org/nyx/engine1/volume"

static int read_create_options(sd_bus_message *msg, char ***labels, char ***options, sd_bus_error *error) {
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "Labels") || streq(key, "DriverOptions")) {
                        char ***dest = streq(key, "Labels") ? labels : options;

                        r = sd_bus_message_enter_container(msg, 'v', "as");
                        if (r < 0)
                                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                                         "volume option %s must be a string array", key);
                        strv_free(*dest);
                        *dest = NULL;
                        r = sd_bus_message_read_strv(msg, dest);
                        if (r < 0)
                                return r;
                        r = sd_bus_message_exit_container(msg);
                } else
                        return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "unknown option '%s'", key);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

int method_create_volume(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **labels = NULL, **options = NULL;
        Manager *m = userdata;
        const char *name;
        Volume *v;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = read_create_options(msg, &labels, &options, error);
        if (r < 0)
                return r;
        r = volume_create(m, isempty(name) ? NULL : name, labels, options, false, error, &v);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "so", v->name, v->object_path);
}

int method_list_volumes(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssbtto)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_volumes; i++) {
                Volume *v = m->volumes[i];

                r = sd_bus_message_append(reply, "(ssbtto)", v->name, v->data_dir, (int) v->anonymous,
                                          v->created_usec, v->size, v->object_path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int method_get_volume(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        Volume *v;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        v = manager_find_volume(m, name);
        if (!v)
                return sd_bus_error_setf(error, NYX_ERROR_NO_SUCH_VOLUME, "no such volume: %s", name);
        return sd_bus_reply_method_return(msg, "o", v->object_path);
}

int method_remove_volume(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        bool force = false;
        Volume *v;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_read_bool_option(msg, "Force", &force);
        if (r < 0)
                return r;
        v = manager_find_volume(m, name);
        if (!v)
                return sd_bus_error_setf(error, NYX_ERROR_NO_SUCH_VOLUME, "no such volume: %s", name);
        r = volume_remove(v, force, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

int method_prune_volumes(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **removed = NULL, **candidates = NULL;
        Manager *m = userdata;
        uint64_t reclaimed = 0;
        int r;

        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;

        for (size_t i = 0; i < m->n_volumes; i++) {
                _cleanup_strv_free_ char **users = NULL;

                r = volume_users(m->volumes[i], false, &users);
                if (r < 0)
                        return r;
                if (!users[0] && strv_extend(&candidates, m->volumes[i]->name) < 0)
                        return -ENOMEM;
        }
        STRV_FOREACH(n, candidates) {
                _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
                Volume *v = manager_find_volume(m, *n);
                uint64_t size = 0;

                if (!v)
                        continue;
                (void) disk_usage(v->dir, &size);
                if (volume_remove(v, false, &e) < 0)
                        continue;        /* a container took it meanwhile: not unused any more */
                reclaimed += size;
                if (strv_extend(&removed, *n) < 0)
                        return -ENOMEM;
        }

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(reply, removed);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "t", reclaimed);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int method_mount_volume(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        Volume *v;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        v = manager_find_volume(m, name);
        if (!v)
                return sd_bus_error_setf(error, NYX_ERROR_NO_SUCH_VOLUME, "no such volume: %s", name);
        r = volume_mount(v);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot mount the file system of volume %s: %s", name,
                                               strerror(-r));
        return sd_bus_reply_method_return(msg, NULL);
}

static int property_get_map(sd_bus_message *reply, char **l) {
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{ss}");
        if (r < 0)
                return r;
        STRV_FOREACH(s, l) {
                _cleanup_free_ char *k = strndup(*s, strcspn(*s, "="));
                const char *eq = strchr(*s, '=');

                if (!k)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "{ss}", k, eq ? eq + 1 : "");
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_labels(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Volume *v = userdata;
        return property_get_map(reply, v->labels);
}

static int property_get_options(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Volume *v = userdata;
        return property_get_map(reply, v->options);
}

static int property_get_driver(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", "local");
}

static int property_get_used_by(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **users = NULL;
        Volume *v = userdata;
        int r;

        r = volume_users(v, false, &users);
        if (r < 0)
                return r;
        return sd_bus_message_append_strv(reply, users);
}

static int property_get_anonymous(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Volume *v = userdata;
        return sd_bus_message_append(reply, "b", (int) v->anonymous);
}

static int method_inspect(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *json = NULL;
        Volume *v = userdata;
        int r;

        r = volume_inspect_json(v, &json);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "s", json);
}

static const sd_bus_vtable volume_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", NULL, offsetof(Volume, name), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Driver", "s", property_get_driver, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Mountpoint", "s", NULL, offsetof(Volume, data_dir), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Labels", "a{ss}", property_get_labels, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Options", "a{ss}", property_get_options, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Size", "t", NULL, offsetof(Volume, size), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Created", "t", NULL, offsetof(Volume, created_usec), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Anonymous", "b", property_get_anonymous, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("UsedBy", "as", property_get_used_by, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("Inspect", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", json),
                                method_inspect, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static int volume_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                              void **found, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *name = NULL;
        Volume *v;
        int r;

        r = sd_bus_path_decode(path, VOLUME_PREFIX, &name);
        if (r <= 0)
                return 0;
        v = manager_find_volume(m, name);
        if (!v)
                return 0;
        *found = v;
        return 1;
}

static int volume_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                                  sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = BUS_OBJECT_PATHS(m->volumes, m->n_volumes, nodes);
        return r < 0 ? r : 1;
}

int volume_dbus_register(Manager *m) {
        int r;

        r = sd_bus_add_fallback_vtable(m->bus, NULL, VOLUME_PREFIX, NYX_BUS_IFACE_VOLUME, volume_vtable,
                                       volume_object_find, m);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(m->bus, NULL, VOLUME_PREFIX, volume_node_enumerator, m);
}
