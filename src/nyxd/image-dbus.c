/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <string.h>

#include "bus-util.h"
#include "fd-util.h"
#include "image-archive.h"
#include "image-auth.h"
#include "image-dbus.h"
#include "job.h"
#include "image-push.h"
#include "image-ref.h"
#include "image-store.h"
#include "operation.h"
#include "path-util.h"
#include "pull.h"
#include "container.h"
#include "image.h"
#include "log.h"
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
        r = sd_bus_message_open_container(reply, 'a', "(sasasttso)");
        if (r < 0)
                return r;
        for (size_t k = 0; k < m->n_images; k++) {
                Image *i = m->images[k];

                r = sd_bus_message_open_container(reply, 'r', "sasasttso");
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "s", i->id);
                if (r < 0)
                        return r;
                r = sd_bus_message_append_strv(reply, i->names);
                if (r < 0)
                        return r;
                r = sd_bus_message_append_strv(reply, i->digests);
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

static int property_get_digests(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Image *i = userdata;
        return sd_bus_message_append_strv(reply, i->digests);
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
        SD_BUS_PROPERTY("RepoDigests", "as", property_get_digests, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
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
        int r;

        r = BUS_OBJECT_PATHS(m->images, m->n_images, nodes);
        return r < 0 ? r : 1;
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
        Manager *manager;
        Job *job;                      /* /org/nyx/engine1/job/N while it runs */
        PullOptions options;
        char *sender;                  /* progress signals go to the caller only */
        int progress_fd;               /* read end of the worker's progress pipe */
        sd_event_source *progress_source;
        char buf[4096];
        size_t n_buf;
} PullRequest;

static void pull_request_free(PullRequest *p) {
        if (!p)
                return;
        if (p->job)
                job_finish(p->job);
        /* What a killed (cancelled) worker could not clean up itself. */
        if (p->options.staging_dir)
                (void) rm_rf(p->options.staging_dir);
        sd_event_source_disable_unref(p->progress_source);
        safe_close(p->progress_fd);
        safe_close(p->options.progress_fd);
        pull_options_done(&p->options);
        free(p->sender);
        free(p);
}

static void emit_progress_line(PullRequest *p, char *line) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *sig = NULL;
        char digest[80], state[16];
        uint64_t done, total;

        if (sscanf(line, "layer %79s %15s %" SCNu64 " %" SCNu64, digest, state, &done, &total) != 4)
                return;
        if (p->job)
                job_update_part(p->job, digest, state, done, total);
        if (sd_bus_message_new_signal(p->manager->bus, &sig, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "PullProgress") < 0)
                return;
        if (p->sender && sd_bus_message_set_destination(sig, p->sender) < 0)
                return;
        /* The job's path last: a client that wants to cancel learns it here. */
        if (sd_bus_message_append(sig, "ssstto", p->options.reference, digest, state, done, total,
                                  p->job ? job_object_path(p->job) : "/") < 0)
                return;
        (void) sd_bus_send(p->manager->bus, sig, NULL);
}

static void drain_progress(PullRequest *p) {
        for (;;) {
                ssize_t n;
                char *nl;

                if (p->n_buf == sizeof(p->buf))
                        p->n_buf = 0;   /* a line longer than the buffer is not ours */
                n = read(p->progress_fd, p->buf + p->n_buf, sizeof(p->buf) - p->n_buf - 1);
                if (n <= 0)
                        return;
                p->n_buf += n;
                p->buf[p->n_buf] = 0;
                char *start = p->buf;
                while ((nl = strchr(start, '\n'))) {
                        *nl = 0;
                        emit_progress_line(p, start);
                        start = nl + 1;
                }
                memmove(p->buf, start, p->n_buf - (start - p->buf));
                p->n_buf -= start - p->buf;
        }
}

static int on_progress(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        PullRequest *p = userdata;

        drain_progress(p);
        if (revents & (EPOLLHUP | EPOLLERR))
                p->progress_source = sd_event_source_disable_unref(p->progress_source);
        return 0;
}

static int pull_work(Manager *m, void *userdata, char **ret_result, char **ret_reason) {
        PullRequest *p = userdata;
        _cleanup_free_ char *id = NULL, *name = NULL;
        int r;

        p->progress_fd = safe_close(p->progress_fd);
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

        /* The last lines may still be in the pipe: signals first, then the reply. */
        if (p->progress_fd >= 0)
                drain_progress(p);

        if (r < 0 && p->job && job_cancelled(p->job)) {
                (void) sd_bus_reply_method_errorf(message, NYX_ERROR_CANCELLED, "pull %s was cancelled",
                                                  p->options.reference);
                goto finish;
        }
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
        pull_request_free(p);
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
        p->manager = m;
        p->progress_fd = -EBADF;
        p->options.progress_fd = -EBADF;
        p->options.tls_verify = true;
        p->options.max_layer_bytes = PULL_MAX_LAYER_BYTES_DEFAULT;
        p->options.reference = strdup(reference);
        p->sender = strdup_or_null(sd_bus_message_get_sender(msg));
        if (!p->options.reference) {
                pull_request_free(p);
                return -ENOMEM;
        }
        r = read_pull_options(msg, &p->options, error);
        if (r >= 0 && sd_bus_error_is_set(error))
                r = -EINVAL;
        if (r >= 0) {
                int pfd[2];

                if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0)
                        r = -errno;
                else {
                        p->progress_fd = pfd[0];
                        p->options.progress_fd = pfd[1];
                        r = sd_event_add_io(m->event, &p->progress_source, p->progress_fd, EPOLLIN, on_progress, p);
                }
        }
        if (r >= 0)
                r = image_store_make_staging(m->state_dir, "pull", &p->options.staging_dir);
        if (r >= 0)
                r = job_new(m, "pull", reference, &p->job);
        if (r >= 0) {
                pid_t worker;

                r = operation_start_full(m, msg, pull_work, pull_done, p, &worker);
                if (r >= 0)
                        job_set_worker(p->job, worker);
        }
        if (r < 0) {
                pull_request_free(p);
                return r;
        }
        /* Only the worker writes progress: at its exit we see EOF. */
        p->options.progress_fd = safe_close(p->options.progress_fd);
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
        if (deleted) {
                r = image_store_collect_garbage(m->state_dir);
                if (r < 0)
                        log_warning_errno(r, "Cannot remove all unused blobs and layers of %s: %m", deleted);
        }

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
        r = image_store_set_name(m->state_dir, canonical, image_manifest_for(i, source), i->manifest_media_type,
                                 i->manifest_size);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot tag %s: %m", source);
        r = manager_load_images(m);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

static int login_work(Manager *m, void *userdata, char **ret_result, char **ret_reason) {
        LoginOptions *o = userdata;
        int r;

        r = registry_login(m->state_dir, o, ret_reason);
        if (r < 0)
                return r;
        *ret_result = strdup(o->registry);
        return *ret_result ? 0 : -ENOMEM;
}

static void login_done(Manager *m, sd_bus_message *message, int r, const char *text, void *userdata) {
        LoginOptions *o = userdata;

        if (r < 0)
                (void) sd_bus_reply_method_errorf(message, r == -EACCES ? NYX_ERROR_AUTH_REQUIRED : NYX_ERROR_REGISTRY,
                                                  "login to %s failed: %s", o->registry, text);
        else
                (void) sd_bus_reply_method_return(message, "s", o->registry);
        login_options_done(o);
        free(o);
}

int method_login(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(login_options_done) LoginOptions o = { .tls_verify = true };
        Manager *m = userdata;
        const char *registry, *user, *pass;
        LoginOptions *copy;
        int r;

        r = sd_bus_message_read(msg, "sss", &registry, &user, &pass);
        if (r < 0)
                return r;
        r = registry_key_normalize(registry, &o.registry);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                         "'%s' is not a registry (expected HOST[:PORT])", registry);
        if (r < 0)
                return r;
        if (isempty(user) || strchr(user, ':'))
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                         "login needs a user name without ':'");
        if (isempty(pass))
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "login needs a password");
        o.username = strdup(user);
        o.password = strdup(pass);
        if (!o.username || !o.password)
                return -ENOMEM;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *key, *s;
                int b;

                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "TlsVerify")) {
                        r = sd_bus_message_read(msg, "v", "b", &b);
                        if (r < 0)
                                return r;
                        o.tls_verify = b;
                } else if (streq(key, "CertDir")) {
                        r = sd_bus_message_read(msg, "v", "s", &s);
                        if (r < 0)
                                return r;
                        if (free_and_strdup(&o.cert_dir, s) < 0)
                                return -ENOMEM;
                } else
                        return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "unknown login option '%s'", key);
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;

        copy = malloc(sizeof(LoginOptions));
        if (!copy)
                return -ENOMEM;
        *copy = o;
        o = (LoginOptions) {};
        r = operation_start(m, msg, login_work, login_done, copy);
        if (r < 0) {
                login_options_done(copy);
                free(copy);
                return r;
        }
        return 1;
}

int method_logout(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *key = NULL;
        Manager *m = userdata;
        const char *registry;
        int r;

        r = sd_bus_message_read(msg, "s", &registry);
        if (r < 0)
                return r;
        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;
        r = registry_key_normalize(registry, &key);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                         "'%s' is not a registry (expected HOST[:PORT])", registry);
        if (r < 0)
                return r;
        r = registry_logout(m->state_dir, key);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "not logged in to %s", key);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot remove the credentials of %s: %m", key);
        return sd_bus_reply_method_return(msg, "s", key);
}

static int push_work(Manager *m, void *userdata, char **ret_result, char **ret_reason) {
        return push_image(m->state_dir, userdata, ret_result, ret_reason);
}

static void push_done(Manager *m, sd_bus_message *message, int r, const char *text, void *userdata) {
        PushOptions *o = userdata;
        char digest[SHA256_DIGEST_STRING_MAX];
        unsigned up = 0, mounted = 0, existing = 0;

        if (r < 0)
                (void) sd_bus_reply_method_errorf(message, r == -EACCES ? NYX_ERROR_AUTH_REQUIRED : NYX_ERROR_REGISTRY,
                                                  "push to %s/%s:%s failed: %s", o->domain, o->repo, o->tag, text);
        else if (sscanf(text, "%71s %u %u %u", digest, &up, &mounted, &existing) != 4)
                (void) sd_bus_reply_method_errorf(message, NYX_ERROR_REGISTRY, "push: bad result from the worker");
        else
                (void) sd_bus_reply_method_return(message, "suuu", digest, up, mounted, existing);
        push_options_done(o);
        free(o);
}

int method_push_image(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(push_options_done) PushOptions o = { .tls_verify = true };
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        Manager *m = userdata;
        const char *source, *dest, *why = NULL;
        PushOptions *copy;
        Image *i;
        int r;

        r = sd_bus_message_read(msg, "ss", &source, &dest);
        if (r < 0)
                return r;
        i = manager_find_image(m, source);
        if (!i)
                return sd_bus_error_setf(error, NYX_ERROR_NO_SUCH_IMAGE, "no such image: %s", source);
        if (isempty(dest))
                dest = source;
        if (image_ref_parse(dest, &ref, &why) < 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_REFERENCE, "invalid reference '%s': %s", dest,
                                         why ?: "invalid format");
        if (ref->digest || !ref->tag)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_REFERENCE,
                                         "push needs a tag to push to, not a digest ('%s')", dest);

        o.manifest_digest = strdup(image_manifest_for(i, source));
        o.domain = strdup(ref->domain);
        o.repo = strdup(ref->path);
        o.tag = strdup(ref->tag);
        if (!o.manifest_digest || !o.domain || !o.repo || !o.tag)
                return -ENOMEM;
        /* Another manifest of the same config says its own media type. */
        if (streq(o.manifest_digest, i->manifest_digest) && free_and_strdup(&o.media_type, i->manifest_media_type) < 0)
                return -ENOMEM;
        /* Other repositories of the same registry that have this image: blobs can be mounted from there. */
        STRV_FOREACH(n, i->names) {
                _cleanup_(image_ref_freep) ImageRef *nr = NULL;

                if (image_ref_parse(*n, &nr, NULL) < 0 || !streq(nr->domain, ref->domain) ||
                    streq(nr->path, ref->path) || strv_contains(o.mount_from, nr->path))
                        continue;
                r = strv_extend(&o.mount_from, nr->path);
                if (r < 0)
                        return r;
        }

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *key, *s;
                int b;

                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "TlsVerify")) {
                        r = sd_bus_message_read(msg, "v", "b", &b);
                        if (r < 0)
                                return r;
                        o.tls_verify = b;
                } else if (streq(key, "CertDir") || streq(key, "Username") || streq(key, "Password")) {
                        r = sd_bus_message_read(msg, "v", "s", &s);
                        if (r < 0)
                                return r;
                        if (free_and_strdup(streq(key, "CertDir") ? &o.cert_dir :
                                            streq(key, "Username") ? &o.username : &o.password, s) < 0)
                                return -ENOMEM;
                } else
                        return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "unknown push option '%s'", key);
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;

        copy = malloc(sizeof(PushOptions));
        if (!copy)
                return -ENOMEM;
        *copy = o;
        o = (PushOptions) {};
        r = operation_start(m, msg, push_work, push_done, copy);
        if (r < 0) {
                push_options_done(copy);
                free(copy);
                return r;
        }
        return 1;
}

/* ---- save, load, import ---- */

typedef struct ArchiveRequest {
        int fd;
        SaveEntry *entries;
        size_t n_entries;
        char *name;                /* import */
        char *message;
        uint64_t max_layer_bytes;
} ArchiveRequest;

static void archive_request_free(ArchiveRequest *a) {
        if (!a)
                return;
        safe_close(a->fd);
        for (size_t i = 0; i < a->n_entries; i++) {
                free(a->entries[i].name);
                free(a->entries[i].manifest_digest);
                free(a->entries[i].media_type);
        }
        free(a->entries);
        free(a->name);
        free(a->message);
        free(a);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(ArchiveRequest *, archive_request_free);

static int archive_request_new(sd_bus_message *msg, ArchiveRequest **ret) {
        _cleanup_(archive_request_freep) ArchiveRequest *a = calloc(1, sizeof(ArchiveRequest));
        int fd, r;

        if (!a)
                return -ENOMEM;
        a->max_layer_bytes = PULL_MAX_LAYER_BYTES_DEFAULT;
        r = sd_bus_message_read(msg, "h", &fd);
        if (r < 0)
                return r;
        a->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (a->fd < 0)
                return -errno;
        *ret = TAKE_PTR(a);
        return 0;
}

static int save_work(Manager *m, void *userdata, char **ret_result, char **ret_reason) {
        ArchiveRequest *a = userdata;
        return save_images(m->state_dir, a->entries, a->n_entries, a->fd, ret_reason);
}

static void save_done(Manager *m, sd_bus_message *message, int r, const char *text, void *userdata) {
        if (r < 0)
                (void) sd_bus_reply_method_errorf(message, NYX_ERROR_INVALID_ARGUMENT, "save failed: %s", text);
        else
                (void) sd_bus_reply_method_return(message, NULL);
        archive_request_free(userdata);
}

int method_save_images(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(archive_request_freep) ArchiveRequest *a = NULL;
        _cleanup_strv_free_ char **names = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_read_strv(msg, &names);
        if (r < 0)
                return r;
        r = archive_request_new(msg, &a);
        if (r < 0)
                return r;
        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;
        if (strv_length(names) == 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "save needs at least one image");

        STRV_FOREACH(n, names) {
                _cleanup_(image_ref_freep) ImageRef *ref = NULL;
                _cleanup_free_ char *canonical = NULL;
                Image *i = manager_find_image(m, *n);
                bool by_name;

                if (!i)
                        return sd_bus_error_setf(error, NYX_ERROR_NO_SUCH_IMAGE, "no such image: %s", *n);
                by_name = image_ref_parse(*n, &ref, NULL) >= 0 && image_ref_to_string(ref, &canonical) >= 0 &&
                          strv_contains(i->names, canonical);
                /* By name: that name; by ID: every name the image has. */
                for (size_t k = 0; i->names[k]; k++) {
                        SaveEntry *t;

                        if (by_name && !streq(i->names[k], canonical))
                                continue;
                        t = reallocarray(a->entries, a->n_entries + 1, sizeof(SaveEntry));
                        if (!t)
                                return -ENOMEM;
                        a->entries = t;
                        t = &a->entries[a->n_entries++];
                        *t = (SaveEntry) {
                                .name = strdup(i->names[k]),
                                .manifest_digest = strdup(i->digests[k]),
                                .media_type = streq(i->digests[k], i->manifest_digest) ?
                                              strdup(i->manifest_media_type) : NULL,
                        };
                        if (!t->name || !t->manifest_digest)
                                return -ENOMEM;
                }
        }

        r = operation_start(m, msg, save_work, save_done, a);
        if (r < 0)
                return r;
        TAKE_PTR(a);
        return 1;
}

static int load_work(Manager *m, void *userdata, char **ret_result, char **ret_reason) {
        ArchiveRequest *a = userdata;
        return load_images(m->state_dir, a->fd, a->max_layer_bytes, ret_result, ret_reason);
}

static void load_done(Manager *m, sd_bus_message *message, int r, const char *text, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;

        if (r < 0) {
                (void) sd_bus_reply_method_errorf(message, NYX_ERROR_INVALID_ARGUMENT, "load failed: %s", text);
                goto finish;
        }
        (void) manager_load_images(m);
        if (sd_bus_message_new_method_return(message, &reply) < 0 ||
            sd_bus_message_open_container(reply, 'a', "(ss)") < 0)
                goto finish;
        for (const char *p = text; *p;) {
                size_t l = strcspn(p, "\n"), sp = strcspn(p, " ");
                _cleanup_free_ char *id = NULL, *name = NULL;

                if (sp < l) {
                        id = strndup(p, sp);
                        name = strndup(p + sp + 1, l - sp - 1);
                        if (id && name)
                                (void) sd_bus_message_append(reply, "(ss)", id, name);
                }
                p += l;
                if (*p == '\n')
                        p++;
        }
        if (sd_bus_message_close_container(reply) >= 0)
                (void) sd_bus_send(NULL, reply, NULL);
        for (size_t k = 0; k < m->n_images; k++)
                (void) sd_bus_emit_interfaces_added(m->bus, m->images[k]->object_path, NYX_BUS_IFACE_IMAGE, NULL);
finish:
        archive_request_free(userdata);
}

static int read_layer_limit_option(sd_bus_message *msg, ArchiveRequest *a, bool import, sd_bus_error *error) {
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *key, *str;

                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "MaxLayerBytes"))
                        r = sd_bus_message_read(msg, "v", "t", &a->max_layer_bytes);
                else if (import && streq(key, "Message")) {
                        r = sd_bus_message_read(msg, "v", "s", &str);
                        if (r >= 0 && free_and_strdup(&a->message, str) < 0)
                                return -ENOMEM;
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

int method_load_images(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(archive_request_freep) ArchiveRequest *a = NULL;
        Manager *m = userdata;
        int r;

        r = archive_request_new(msg, &a);
        if (r < 0)
                return r;
        r = read_layer_limit_option(msg, a, false, error);
        if (r < 0 || sd_bus_error_is_set(error))
                return r < 0 ? r : -EINVAL;
        r = operation_start(m, msg, load_work, load_done, a);
        if (r < 0)
                return r;
        TAKE_PTR(a);
        return 1;
}

static int import_work(Manager *m, void *userdata, char **ret_result, char **ret_reason) {
        ArchiveRequest *a = userdata;
        return import_image(m->state_dir, a->fd, a->name, a->message, a->max_layer_bytes, ret_result, ret_reason);
}

static void import_done(Manager *m, sd_bus_message *message, int r, const char *text, void *userdata) {
        ArchiveRequest *a = userdata;
        Image *i;

        if (r < 0) {
                (void) sd_bus_reply_method_errorf(message, NYX_ERROR_INVALID_ARGUMENT, "import failed: %s", text);
                goto finish;
        }
        (void) manager_load_images(m);
        i = manager_find_image(m, text);
        if (!i) {
                (void) sd_bus_reply_method_errorf(message, NYX_ERROR_INVALID_ARGUMENT,
                                                  "import: the image is not in the store afterwards");
                goto finish;
        }
        (void) sd_bus_emit_interfaces_added(m->bus, i->object_path, NYX_BUS_IFACE_IMAGE, NULL);
        (void) sd_bus_reply_method_return(message, "so", i->id, i->object_path);
finish:
        archive_request_free(a);
}

int method_import_image(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(archive_request_freep) ArchiveRequest *a = NULL;
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        Manager *m = userdata;
        const char *name, *why = NULL;
        int r;

        r = archive_request_new(msg, &a);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        if (image_ref_parse(name, &ref, &why) < 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_REFERENCE, "invalid reference '%s': %s", name,
                                         why ?: "invalid format");
        if (ref->digest)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_REFERENCE,
                                         "cannot name an imported image by digest ('%s')", name);
        r = image_ref_to_string(ref, &a->name);
        if (r < 0)
                return r;
        r = read_layer_limit_option(msg, a, true, error);
        if (r < 0 || sd_bus_error_is_set(error))
                return r < 0 ? r : -EINVAL;
        r = operation_start(m, msg, import_work, import_done, a);
        if (r < 0)
                return r;
        TAKE_PTR(a);
        return 1;
}

/* ---- prune ---- */

int method_prune_images(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **deleted = NULL, **ids = NULL;
        Manager *m = userdata;
        bool all = false;
        int r;

        r = bus_read_bool_option(msg, "All", &all);
        if (r < 0)
                return r;

        /* Every image has a name in nyx (the last rmi deletes), so there are
         * no dangling images: without All only unreferenced blobs and layers
         * go; with All every image no container uses. */
        if (all)
                for (size_t k = 0; k < m->n_images; k++) {
                        const char *user;

                        if (image_in_use(m, m->images[k], &user))
                                continue;
                        r = strv_extend(&ids, m->images[k]->id);
                        if (r < 0)
                                return r;
                }
        STRV_FOREACH(id, ids) {
                Image *i = manager_find_image(m, *id);

                if (!i)
                        continue;
                STRV_FOREACH(n, i->names) {
                        r = image_store_remove_name(m->state_dir, *n);
                        if (r < 0 && r != -ENOENT)
                                return sd_bus_error_set_errnof(error, r, "cannot untag %s: %m", *n);
                }
                (void) sd_bus_emit_interfaces_removed(m->bus, i->object_path, NYX_BUS_IFACE_IMAGE, NULL);
                r = strv_extend(&deleted, *id);
                if (r < 0)
                        return r;
        }
        r = manager_load_images(m);
        if (r < 0)
                return r;
        r = image_store_collect_garbage(m->state_dir);
        if (r < 0)
                log_warning_errno(r, "Cannot remove all unused blobs and layers: %m");

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(reply, deleted);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
