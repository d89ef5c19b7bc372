/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "container.h"
#include "fd-util.h"
#include "fileio.h"
#include "log.h"
#include "manager.h"
#include "nyx-errors.h"
#include "output.h"
#include "path-util.h"
#include "ptr-array.h"
#include "string-util.h"
#include "strv.h"
#include "volume-dbus.h"
#include "volume-util.h"
#include "volume.h"

#define VOLUME_PREFIX "/org/nyx/engine1/volume"
#define VOLUME_STAGING ".creating"

static uint64_t now_realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

Volume *volume_free(Volume *v) {
        if (!v)
                return NULL;
        free(v->name);
        free(v->dir);
        free(v->data_dir);
        free(v->image_path);
        free(v->object_path);
        strv_free(v->labels);
        strv_free(v->options);
        return mfree(v);
}

static int volume_new(Manager *m, const char *name, Volume **ret) {
        _cleanup_(volume_freep) Volume *v = NULL;
        int r;

        v = calloc(1, sizeof(Volume));
        if (!v)
                return -ENOMEM;
        v->manager = m;
        v->name = strdup(name);
        v->dir = path_join(m->state_dir, "volumes", name);
        if (!v->name || !v->dir)
                return -ENOMEM;
        v->data_dir = path_join(v->dir, VOLUME_DATA);
        if (!v->data_dir)
                return -ENOMEM;
        r = sd_bus_path_encode(VOLUME_PREFIX, name, &v->object_path);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        return 0;
}

static json_object *strv_to_json_map(char **l) {
        json_object *o = json_object_new_object();

        STRV_FOREACH(s, l) {
                _cleanup_free_ char *k = strndup(*s, strcspn(*s, "="));
                const char *eq = strchr(*s, '=');

                if (k)
                        json_object_object_add(o, k, json_object_new_string(eq ? eq + 1 : ""));
        }
        return o;
}

static int json_map_to_strv(json_object *o, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;

        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        if (o && json_object_is_type(o, json_type_object)) {
                json_object_object_foreach(o, k, val) {
                        char *e = strjoin(k, "=", json_object_get_string(val) ?: "");
                        if (strv_consume(&l, e) < 0)
                                return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int volume_save(Volume *v, const char *dir) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        _cleanup_free_ char *path = path_join(dir, VOLUME_RECORD);
        const char *s;

        if (!o || !path)
                return -ENOMEM;
        json_object_object_add(o, "Name", json_object_new_string(v->name));
        json_object_object_add(o, "Created", json_object_new_uint64(v->created_usec));
        json_object_object_add(o, "Labels", strv_to_json_map(v->labels));
        json_object_object_add(o, "Options", strv_to_json_map(v->options));
        json_object_object_add(o, "Size", json_object_new_uint64(v->size));
        json_object_object_add(o, "Anonymous", json_object_new_boolean(v->anonymous));
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        return write_file_atomic(path, s, strlen(s), 0600);
}

static int volume_load(Manager *m, const char *name, Volume **ret) {
        _cleanup_(volume_freep) Volume *v = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_free_ char *path = NULL, *text = NULL;
        json_object *x;
        int r;

        r = volume_new(m, name, &v);
        if (r < 0)
                return r;
        path = path_join(v->dir, VOLUME_RECORD);
        if (!path)
                return -ENOMEM;
        r = read_full_file(path, 1024 * 1024, &text, NULL);
        if (r < 0)
                return r;
        o = json_tokener_parse(text);
        if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "Name", &x) ||
            !streq_ptr(json_object_get_string(x), name))
                return -EBADMSG;
        if (json_object_object_get_ex(o, "Created", &x))
                v->created_usec = json_object_get_uint64(x);
        if (json_object_object_get_ex(o, "Size", &x))
                v->size = json_object_get_uint64(x);
        if (json_object_object_get_ex(o, "Anonymous", &x))
                v->anonymous = json_object_get_boolean(x);
        r = json_map_to_strv(json_object_object_get_ex(o, "Labels", &x) ? x : NULL, &v->labels);
        if (r >= 0)
                r = json_map_to_strv(json_object_object_get_ex(o, "Options", &x) ? x : NULL, &v->options);
        if (r < 0)
                return r;
        if (v->size > 0) {
                v->image_path = path_join(v->dir, VOLUME_IMAGE);
                if (!v->image_path)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

Volume *manager_find_volume(Manager *m, const char *name) {
        for (size_t i = 0; i < m->n_volumes; i++)
                if (streq(m->volumes[i]->name, name))
                        return m->volumes[i];
        return NULL;
}

static int manager_add_volume(Manager *m, Volume *v) {
        return ptr_array_append((void ***) &m->volumes, &m->n_volumes, v);
}

static void manager_drop_volume(Manager *m, Volume *v) {
        (void) ptr_array_remove((void **) m->volumes, &m->n_volumes, v);
}

/* Unmount a size-limited volume's file system (its loop device goes with it) and remove the directory. */
static int volume_dir_destroy(const char *dir) {
        _cleanup_free_ char *data = path_join(dir, VOLUME_DATA);

        if (!data)
                return -ENOMEM;
        if (path_is_mount_root(data) > 0 && umount2(data, 0) < 0) {
                if (errno != EBUSY)
                        return -errno;
                /* Someone still has a file open in it: it goes (and the loop device) when they let go. */
                if (umount2(data, MNT_DETACH) < 0)
                        return -errno;
        }
        return rm_rf(dir);
}

static int generate_name(char **ret) {
        uint8_t buf[32];

        if (getrandom(buf, sizeof(buf), 0) != (ssize_t) sizeof(buf))
                return -EIO;
        *ret = hexmem(buf, sizeof(buf));
        return *ret ? 0 : -ENOMEM;
}

/* Everything a volume has, in the staging directory dir: the record comes last, so that a directory
 * under volumes/ is always a complete volume once it is renamed there. */
static int volume_make_dirs(Volume *v, const char *dir, char **ret_what) {
        _cleanup_free_ char *data = NULL, *image = NULL, *lost = NULL;
        int r;

        data = path_join(dir, VOLUME_DATA);
        image = path_join(dir, VOLUME_IMAGE);
        lost = path_join(dir, VOLUME_DATA, "lost+found");
        if (!data || !image || !lost)
                return -ENOMEM;
        if (mkdir(dir, 0700) < 0 || mkdir(data, 0755) < 0)
                return -errno;

        if (v->size > 0) {
                r = volume_image_create(image, v->size);
                if (r == -ENOPKG)
                        *ret_what = strdup("size-limited volumes need mkfs.ext4 (e2fsprogs) on the host");
                else if (r < 0)
                        (void) asprintf(ret_what, "cannot make its ext4 file system: %s", strerror(-r));
                if (r < 0)
                        return r;
                r = volume_image_mount(image, data);
                if (r < 0) {
                        (void) asprintf(ret_what, "cannot loop-mount its ext4 file system: %s%s", strerror(-r),
                                        IN_SET(r, -ENOENT, -ENXIO, -ENODEV) ? " (no loop device support?)" :
                                        IN_SET(r, -ENOSPC, -EBUSY) ? " (no free loop device)" : "");
                        return r;
                }
                /* A new volume is empty, so that the image's content is copied into it. */
                (void) rmdir(lost);
                if (chmod(data, 0755) < 0)
                        return -errno;
        }
        return volume_save(v, dir);
}

int volume_create(Manager *m, const char *name, char * const *labels, char * const *options, bool anonymous,
                  sd_bus_error *error, Volume **ret) {
        _cleanup_(volume_freep) Volume *v = NULL;
        _cleanup_strv_free_ char **norm_labels = NULL, **opts = NULL;
        _cleanup_free_ char *generated = NULL, *reason = NULL, *what = NULL, *staging = NULL;
        uint64_t size = 0;
        bool renamed = false;
        Volume *existing;
        int r;

        if (!name) {
                r = generate_name(&generated);
                if (r < 0)
                        return r;
                name = generated;
        }
        r = volume_name_validate(name, &reason);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "%s", reason ?: "invalid volume name");
        if (r < 0)
                return r;
        r = volume_labels_normalize(labels, &norm_labels, &reason);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "%s", reason ?: "invalid label");
        if (r < 0)
                return r;
        r = volume_options_parse(options, &size, &reason);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "%s", reason ?: "invalid volume option");
        if (r < 0)
                return r;
        opts = strv_copy(options);
        if (!opts)
                return -ENOMEM;
        if (anonymous && strv_extend(&norm_labels, VOLUME_LABEL_ANONYMOUS "=") < 0)
                return -ENOMEM;

        existing = manager_find_volume(m, name);
        if (existing) {
                if (existing->size != size)
                        return sd_bus_error_setf(error, NYX_ERROR_NAME_IN_USE,
                                                 "volume %s already exists with other options", name);
                *ret = existing;
                return 0;
        }

        r = volume_new(m, name, &v);
        if (r < 0)
                return r;
        v->labels = TAKE_PTR(norm_labels);
        v->options = TAKE_PTR(opts);
        v->size = size;
        v->anonymous = anonymous;
        v->created_usec = now_realtime_usec();

        if (v->size > 0) {
                v->image_path = path_join(v->dir, VOLUME_IMAGE);
                if (!v->image_path)
                        return -ENOMEM;
        }
        if (access(v->dir, F_OK) >= 0)
                /* Not loaded at start: its record is unreadable. Its data is not ours to replace. */
                return sd_bus_error_setf(error, NYX_ERROR_NAME_IN_USE,
                                         "cannot create volume %s: %s exists, but has no readable record", name, v->dir);

        /* Built beside its place and renamed into it (with its mount, if any), complete. */
        staging = path_join(m->state_dir, "volumes", VOLUME_STAGING);   /* creates run one at a time */
        if (!staging)
                return -ENOMEM;
        (void) volume_dir_destroy(staging);
        r = volume_make_dirs(v, staging, &what);
        if (r >= 0 && rename(staging, v->dir) < 0)
                r = -errno;
        else if (r >= 0) {
                renamed = true;
                r = manager_add_volume(m, v);
        }
        if (r < 0) {
                (void) volume_dir_destroy(renamed ? v->dir : staging);
                return sd_bus_error_set_errnof(error, r, "cannot create volume %s: %s", name, what ?: strerror(-r));
        }
        if (m->bus)
                (void) sd_bus_emit_interfaces_added(m->bus, v->object_path, NYX_BUS_IFACE_VOLUME, NULL);

        *ret = TAKE_PTR(v);
        return 0;
}

int volume_users(Volume *v, bool running_only, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        Manager *m = v->manager;

        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_containers; i++) {
                Container *c = m->containers[i];

                for (size_t k = 0; k < c->spec->n_mounts; k++) {
                        const MountSpec *ms = &c->spec->mounts[k];

                        if (ms->type != MOUNT_TYPE_VOLUME || !streq_ptr(ms->source, v->name))
                                continue;
                        if (running_only) {
                                (void) container_refresh(c);
                                if (!container_is_active(c))
                                        break;
                        }
                        if (strv_extend(&l, c->name) < 0)
                                return -ENOMEM;
                        break;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int volume_remove(Volume *v, bool force, sd_bus_error *error) {
        _cleanup_strv_free_ char **users = NULL;
        _cleanup_close_ int lock = -EBADF;
        Manager *m = v->manager;
        int r;

        r = volume_users(v, force, &users);
        if (r < 0)
                return r;
        if (users[0])
                return sd_bus_error_setf(error, NYX_ERROR_IN_USE,
                                         force ? "volume %s is in use by running container %s: stop it first" :
                                                 "volume %s is in use by container %s: remove the container first, or use -f if it is not running",
                                         v->name, users[0]);

        /* nyx-prepare of a starting container takes the same lock to mount it. */
        lock = volume_lock(v->dir);
        r = volume_dir_destroy(v->dir);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot remove volume %s: %s", v->name, strerror(-r));

        if (m->bus)
                (void) sd_bus_emit_interfaces_removed(m->bus, v->object_path, NYX_BUS_IFACE_VOLUME, NULL);
        manager_drop_volume(m, v);
        volume_free(v);
        return 0;
}

static json_object *json_time(uint64_t usec) {
        char buf[64];
        struct tm tm;
        time_t t = (time_t) (usec / 1000000);

        gmtime_r(&t, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
        return json_object_new_string(buf);
}

int volume_inspect_json(Volume *v, char **ret) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        _cleanup_strv_free_ char **users = NULL;
        json_object *a;
        int r;

        if (!o)
                return -ENOMEM;
        r = volume_users(v, false, &users);
        if (r < 0)
                return r;
        json_object_object_add(o, "CreatedAt", json_time(v->created_usec));
        json_object_object_add(o, "Driver", json_object_new_string("local"));
        json_object_object_add(o, "Labels", strv_to_json_map(v->labels));
        json_object_object_add(o, "Mountpoint", json_object_new_string(v->data_dir));
        json_object_object_add(o, "Name", json_object_new_string(v->name));
        json_object_object_add(o, "Options", strv_to_json_map(v->options));
        json_object_object_add(o, "Scope", json_object_new_string("local"));
        json_object_object_add(o, "Size", json_object_new_uint64(v->size));
        json_object_object_add(o, "Anonymous", json_object_new_boolean(v->anonymous));
        a = json_object_new_array();
        STRV_FOREACH(u, users)
                json_object_array_add(a, json_object_new_string(*u));
        json_object_object_add(o, "UsedBy", a);

        *ret = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        return *ret ? 0 : -ENOMEM;
}

int volume_mount(Volume *v) {
        _cleanup_close_ int lock = -EBADF;
        int r;

        if (!v->image_path)
                return 0;
        lock = volume_lock(v->dir);
        if (lock < 0)
                return lock;
        r = volume_image_mount(v->image_path, v->data_dir);
        return r < 0 ? r : 0;
}

int manager_load_volumes(Manager *m) {
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ char *dir = NULL;
        struct dirent *de;

        dir = path_join(m->state_dir, "volumes");
        if (!dir)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;

        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                Volume *v = NULL;
                int r;

                path = path_join(dir, de->d_name);
                if (!path)
                        return -ENOMEM;
                if (streq(de->d_name, VOLUME_STAGING)) {
                        /* An interrupted create. */
                        (void) volume_dir_destroy(path);
                        continue;
                }
                if (de->d_name[0] == '.' || volume_name_validate(de->d_name, NULL) < 0)
                        continue;
                r = volume_load(m, de->d_name, &v);
                if (r < 0) {
                        log_warning_errno(r, "Ignoring volume %s with an unreadable record: %m", de->d_name);
                        continue;
                }
                r = manager_add_volume(m, v);
                if (r < 0) {
                        volume_free(v);
                        return r;
                }
                /* After a reboot nothing is mounted: mount it before any container wants it. */
                r = volume_mount(v);
                if (r < 0)
                        log_warning_errno(r, "Cannot mount the file system of volume %s: %m", v->name);
        }
        return 0;
}

void manager_remove_volumes(Manager *m, char * const *names) {
        STRV_FOREACH(n, (char **) names) {
                Volume *v = manager_find_volume(m, *n);

                if (v)
                        (void) volume_remove(v, false, NULL);
        }
}

int manager_resolve_volumes(Manager *m, ContainerSpec *spec, char ***ret_created, sd_bus_error *error) {
        _cleanup_strv_free_ char **created = NULL;
        int r;

        created = calloc(1, sizeof(char *));
        if (!created)
                return -ENOMEM;
        for (size_t i = 0; i < spec->n_mounts; i++) {
                MountSpec *ms = &spec->mounts[i];
                Volume *v;

                if (ms->type != MOUNT_TYPE_VOLUME)
                        continue;
                if (ms->source && manager_find_volume(m, ms->source))
                        continue;
                r = volume_create(m, ms->source, NULL, NULL, !ms->source, error, &v);
                if (r >= 0 && !ms->source && !(ms->source = strdup(v->name)))
                        r = -ENOMEM;
                if (r >= 0)
                        r = strv_extend(&created, v->name);
                if (r < 0) {
                        manager_remove_volumes(m, created);
                        return r;
                }
        }
        *ret_created = TAKE_PTR(created);
        return 0;
}

int volume_anonymous_names(Manager *m, const ContainerSpec *spec, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;

        for (size_t i = 0; i < spec->n_mounts; i++) {
                const MountSpec *ms = &spec->mounts[i];
                Volume *v;

                if (ms->type != MOUNT_TYPE_VOLUME || !ms->source)
                        continue;
                v = manager_find_volume(m, ms->source);
                if (v && v->anonymous && strv_extend(&l, v->name) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}
