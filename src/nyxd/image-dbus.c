/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "bus-util.h"
#include "fd-util.h"
#include "image-dbus.h"
#include "image-ref.h"
#include "image-store.h"
#include "operation.h"
#include "path-util.h"
#include "pull.h"
#include "container.h"
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

typedef struct PullRequest {
        PullOptions options;
} PullRequest;

static int pull_work(Manager *m, void *userdata, char **ret_result, char **ret_reason) {
        PullRequest *p = userdata;
        _cleanup_free_ char *id = NULL, *name = NULL;
        int r;

        r = pull_image(m->state_dir, &p->options, &id, &name, ret_reason);
        if (r < 0)
                return r;
        *ret_result = strjoin(id, " ", name);
        return *ret_result ? 0 : -ENOMEM;
}

static void pull_done(Manager *m, sd_bus_message *message, int r, const char *text, void *userdata) {
        PullRequest *p = userdata;
        _cleanup_free_ char *id = NULL;
        Image *i;

        if (r < 0) {
                const char *name = r == -EACCES ? NYX_ERROR_AUTH_REQUIRED :
                                   r == -EINVAL ? NYX_ERROR_INVALID_REFERENCE : NYX_ERROR_REGISTRY;
                (void) sd_bus_reply_method_errorf(message, name, "pull %s failed: %s", p->options.reference, text);
                goto finish;
        }

        id = strndup(text, strcspn(text, " "));
        (void) manager_load_images(m);
        i = id ? manager_find_image(m, id) : NULL;
        if (!i) {
                (void) sd_bus_reply_method_errorf(message, NYX_ERROR_REGISTRY,
                                                  "pull %s: the image is not in the store afterwards", p->options.reference);
                goto finish;
        }
        (void) sd_bus_emit_interfaces_added(m->bus, i->object_path, NYX_BUS_IFACE_IMAGE, NULL);
        (void) sd_bus_reply_method_return(message, "so", i->id, i->object_path);

finish:
        pull_options_done(&p->options);
        free(p);
}

static int read_pull_options(sd_bus_message *msg, PullOptions *o, sd_bus_error *error) {
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *key, *s;
                int b;
                uint32_t u;

                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "Platform") || streq(key, "CertDir") || streq(key, "Username") ||
                    streq(key, "Password")) {
                        r = sd_bus_message_read(msg, "v", "s", &s);
                        if (r < 0)
                                return r;
                        char **dest = streq(key, "Platform") ? &o->platform : streq(key, "CertDir") ? &o->cert_dir :
                                      streq(key, "Username") ? &o->username : &o->password;
                        if (free_and_strdup(dest, s) < 0)
                                return -ENOMEM;
                } else if (streq(key, "TlsVerify")) {
                        r = sd_bus_message_read(msg, "v", "b", &b);
                        if (r < 0)
                                return r;
                        o->tls_verify = b;
                } else if (streq(key, "LowSpeedTimeSec")) {
                        r = sd_bus_message_read(msg, "v", "u", &u);
                        if (r < 0)
                                return r;
                        o->low_speed_time_sec = u;
                } else if (streq(key, "MaxLayerBytes")) {
                        uint64_t t;
                        r = sd_bus_message_read(msg, "v", "t", &t);
                        if (r < 0)
                                return r;
                        o->max_layer_bytes = t;
                } else
                        return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "unknown pull option '%s'", key);
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

int method_pull_image(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *reference, *why = NULL;
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        PullRequest *p;
        int r;

        r = sd_bus_message_read(msg, "s", &reference);
        if (r < 0)
                return r;
        if (image_ref_parse(reference, &ref, &why) < 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_REFERENCE, "invalid reference '%s': %s",
                                         reference, why ?: "invalid format");

        p = calloc(1, sizeof(PullRequest));
        if (!p)
                return -ENOMEM;
        p->options.tls_verify = true;
        p->options.max_layer_bytes = UINT64_C(1) << 40;   /* a layer beyond 1 TiB is a bomb, not an image */
        p->options.reference = strdup(reference);
        if (!p->options.reference) {
                free(p);
                return -ENOMEM;
        }
        r = read_pull_options(msg, &p->options, error);
        if (r >= 0 && sd_bus_error_is_set(error))
                r = -EINVAL;
        if (r >= 0)
                r = operation_start(m, msg, pull_work, pull_done, p);
        if (r < 0) {
                pull_options_done(&p->options);
                free(p);
                return r;
        }
        return 1;
}

static bool image_in_use(Manager *m, const Image *i, const char **ret_container) {
        for (size_t k = 0; k < m->n_containers; k++)
                if (streq_ptr(m->containers[k]->image_id, i->id)) {
                        *ret_container = m->containers[k]->name;
                        return true;
                }
        return false;
}

/* Blobs and layers no image refers to any more. */
static void store_collect_garbage(Manager *m) {
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ char *blobs = path_join(m->state_dir, "images/blobs/sha256");
        _cleanup_free_ char *layers = path_join(m->state_dir, "layers");
        struct dirent *de;

        if (!blobs || !layers)
                return;
        d = opendir(blobs);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *digest = NULL, *p = NULL;
                bool used = false;

                if (de->d_name[0] == '.')
                        continue;
                digest = strjoin("sha256:", de->d_name);
                if (!digest)
                        return;
                for (size_t k = 0; k < m->n_images && !used; k++) {
                        const Image *i = m->images[k];
                        used = streq(i->manifest_digest, digest) || streq(i->id, digest);
                        for (size_t l = 0; l < i->manifest->n_layers && !used; l++)
                                used = streq(i->manifest->layers[l].digest, digest);
                }
                if (!used && (p = path_join(blobs, de->d_name)))
                        (void) unlink(p);
        }
        d = d ? (closedir(d), NULL) : NULL;
        d = opendir(layers);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *diff_id = NULL, *p = NULL;
                bool used = false;

                if (de->d_name[0] == '.')
                        continue;
                diff_id = strjoin("sha256:", de->d_name);
                if (!diff_id)
                        return;
                for (size_t k = 0; k < m->n_images && !used; k++)
                        used = strv_contains(m->images[k]->config->diff_ids, diff_id);
                if (!used && (p = path_join(layers, de->d_name)))
                        (void) rm_rf(p);
        }
}

int method_remove_image(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **untagged = NULL;
        _cleanup_free_ char *canonical = NULL, *deleted = NULL;
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        Manager *m = userdata;
        const char *name, *user = NULL;
        bool force = false, by_name;
        Image *i;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_read_bool_option(msg, "Force", &force);
        if (r < 0)
                return r;

        i = manager_find_image(m, name);
        if (!i)
                return sd_bus_error_setf(error, NYX_ERROR_NO_SUCH_IMAGE, "no such image: %s", name);

        /* docker: a name removes that name; the image goes with its last one.
         * An ID removes the image (with -f even when it has several names). */
        by_name = image_ref_parse(name, &ref, NULL) >= 0 && image_ref_to_string(ref, &canonical) >= 0 &&
                  strv_contains(i->names, canonical);
        if (!by_name && strv_length(i->names) > 1 && !force)
                return sd_bus_error_setf(error, NYX_ERROR_IN_USE,
                                         "image %.19s has several names (%s, ...): remove them one by one, or use -f",
                                         i->id, i->names[0]);

        if (!by_name || strv_length(i->names) <= 1) {
                if (image_in_use(m, i, &user) && !force)
                        return sd_bus_error_setf(error, NYX_ERROR_IN_USE,
                                                 "image %s is used by container %s: remove the container first, or use -f",
                                                 name, user);
                deleted = strdup(i->id);
                if (!deleted)
                        return -ENOMEM;
        }

        STRV_FOREACH(n, i->names)
                if (!by_name || streq(*n, canonical) || deleted) {
                        r = image_store_remove_name(m->state_dir, *n);
                        if (r < 0 && r != -ENOENT)
                                return sd_bus_error_set_errnof(error, r, "cannot untag %s: %m", *n);
                        r = strv_extend(&untagged, *n);
                        if (r < 0)
                                return r;
                }

        if (deleted)
                (void) sd_bus_emit_interfaces_removed(m->bus, i->object_path, NYX_BUS_IFACE_IMAGE, NULL);
        r = manager_load_images(m);
        if (r < 0)
                return r;
        if (deleted)
                store_collect_garbage(m);

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(reply, untagged);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "s", strempty(deleted));
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int method_tag_image(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        _cleanup_free_ char *canonical = NULL;
        Manager *m = userdata;
        const char *source, *target, *why = NULL;
        Image *i;
        int r;

        r = sd_bus_message_read(msg, "ss", &source, &target);
        if (r < 0)
                return r;
        i = manager_find_image(m, source);
        if (!i)
                return sd_bus_error_setf(error, NYX_ERROR_NO_SUCH_IMAGE, "no such image: %s", source);
        if (image_ref_parse(target, &ref, &why) < 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_REFERENCE, "invalid reference '%s': %s", target,
                                         why ?: "invalid format");
        if (ref->digest)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_REFERENCE,
                                         "cannot tag with a digest ('%s'): a digest names content, not a tag", target);
        r = image_ref_to_string(ref, &canonical);
        if (r < 0)
                return r;
        r = image_store_set_name(m->state_dir, canonical, i->manifest_digest, i->manifest_media_type,
                                 i->manifest->config.size);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot tag %s: %m", source);
        r = manager_load_images(m);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}
