/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "image-dbus.h"
#include "image.h"
#include "nyx-errors.h"
#include "string-util.h"
#include "strv.h"

#define IMAGE_PREFIX "/org/nyx/engine1/image"

int method_list_images(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(sasttso)");
        if (r < 0)
                return r;
        for (size_t k = 0; k < m->n_images; k++) {
                Image *i = m->images[k];

                r = sd_bus_message_open_container(reply, 'r', "sasttso");
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "s", i->id);
                if (r < 0)
                        return r;
                r = sd_bus_message_append_strv(reply, i->names);
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "ttso", i->size, i->config->created_usec, i->manifest_digest,
                                          i->object_path);
                if (r < 0)
                        return r;
                r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int method_get_image(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        Image *i;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        i = manager_find_image(m, name);
        if (!i)
                return sd_bus_error_setf(error, NYX_ERROR_NO_SUCH_IMAGE, "no such image: %s", name);
        return sd_bus_reply_method_return(msg, "o", i->object_path);
}

static int property_get_names(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Image *i = userdata;
        return sd_bus_message_append_strv(reply, i->names);
}

static int property_get_created(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Image *i = userdata;
        return sd_bus_message_append(reply, "t", i->config->created_usec);
}

static int property_get_platform(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Image *i = userdata;
        _cleanup_free_ char *s = NULL;

        s = strjoin(strempty(i->config->os), "/", strempty(i->config->architecture),
                    i->config->variant ? "/" : "", strempty(i->config->variant));
        if (!s)
                return -ENOMEM;
        return sd_bus_message_append(reply, "s", s);
}

static int method_inspect(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Image *i = userdata;
        return sd_bus_reply_method_return(msg, "s", i->config->json);
}

static const sd_bus_vtable image_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "s", NULL, offsetof(Image, id), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Digest", "s", NULL, offsetof(Image, manifest_digest), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("MediaType", "s", NULL, offsetof(Image, manifest_media_type), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Names", "as", property_get_names, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Size", "t", NULL, offsetof(Image, size), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Created", "t", property_get_created, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Platform", "s", property_get_platform, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD_WITH_ARGS("InspectConfig", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", json),
                                method_inspect, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static int image_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                             void **found, sd_bus_error *error) {
        Manager *m = userdata;

        for (size_t k = 0; k < m->n_images; k++)
                if (streq(m->images[k]->object_path, path)) {
                        *found = m->images[k];
                        return 1;
                }
        return 0;
}

static int image_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                                 sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **l = NULL;
        int r;

        for (size_t k = 0; k < m->n_images; k++) {
                r = strv_extend(&l, m->images[k]->object_path);
                if (r < 0)
                        return r;
        }
        *nodes = TAKE_PTR(l);
        return 1;
}

int image_dbus_register(Manager *m) {
        int r;

        r = sd_bus_add_fallback_vtable(m->bus, NULL, IMAGE_PREFIX, "org.nyx.engine1.Image", image_vtable,
                                       image_object_find, m);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(m->bus, NULL, IMAGE_PREFIX, image_node_enumerator, m);
}
