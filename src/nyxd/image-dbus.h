/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "manager.h"

int method_list_images(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_get_image(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_pull_image(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_remove_image(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_tag_image(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_push_image(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_save_images(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_load_images(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_import_image(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_prune_images(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_login(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_logout(sd_bus_message *msg, void *userdata, sd_bus_error *error);

#define MANAGER_IMAGE_METHODS                                                   \
        SD_BUS_METHOD_WITH_ARGS("ListImages",                                   \
                                SD_BUS_ARGS("a{sv}", options),                  \
                                SD_BUS_RESULT("a(sasasttso)", images),            \
                                method_list_images,                             \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("GetImage",                                     \
                                SD_BUS_ARGS("s", name_or_id),                   \
                                SD_BUS_RESULT("o", image),                      \
                                method_get_image,                               \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("PullImage",                                    \
                                SD_BUS_ARGS("s", reference, "a{sv}", options),  \
                                SD_BUS_RESULT("s", id, "o", image),             \
                                method_pull_image,                              \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("RemoveImage",                                  \
                                SD_BUS_ARGS("s", name_or_id, "a{sv}", options), \
                                SD_BUS_RESULT("as", untagged, "s", deleted),    \
                                method_remove_image,                            \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("TagImage",                                     \
                                SD_BUS_ARGS("s", source, "s", target),          \
                                SD_BUS_NO_RESULT,                               \
                                method_tag_image,                               \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("PushImage",                                    \
                                SD_BUS_ARGS("s", name_or_id, "s", destination,  \
                                            "a{sv}", options),                  \
                                SD_BUS_RESULT("s", digest, "u", uploaded,       \
                                              "u", mounted, "u", existing),     \
                                method_push_image,                              \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("SaveImages",                                   \
                                SD_BUS_ARGS("as", names_or_ids, "h", fd,        \
                                            "a{sv}", options),                  \
                                SD_BUS_NO_RESULT,                               \
                                method_save_images,                             \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("LoadImages",                                   \
                                SD_BUS_ARGS("h", fd, "a{sv}", options),         \
                                SD_BUS_RESULT("a(ss)", loaded),                 \
                                method_load_images,                             \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("ImportImage",                                  \
                                SD_BUS_ARGS("h", fd, "s", name,                 \
                                            "a{sv}", options),                  \
                                SD_BUS_RESULT("s", id, "o", image),             \
                                method_import_image,                            \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("PruneImages",                                  \
                                SD_BUS_ARGS("a{sv}", options),                  \
                                SD_BUS_RESULT("as", deleted),                   \
                                method_prune_images,                            \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("Login",                                        \
                                SD_BUS_ARGS("s", registry, "s", username,       \
                                            "s", password, "a{sv}", options),   \
                                SD_BUS_RESULT("s", registry_key),               \
                                method_login,                                   \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_METHOD_WITH_ARGS("Logout",                                       \
                                SD_BUS_ARGS("s", registry, "a{sv}", options),   \
                                SD_BUS_RESULT("s", registry_key),               \
                                method_logout,                                  \
                                SD_BUS_VTABLE_UNPRIVILEGED),                    \
        SD_BUS_SIGNAL_WITH_ARGS("PullProgress",                                 \
                                SD_BUS_ARGS("s", reference, "s", layer,         \
                                            "s", state, "t", done, "t", total,  \
                                            "o", job),                          \
                                0)

/* Image objects under /org/nyx/engine1/image/<hex>. */
int image_dbus_register(Manager *m);
