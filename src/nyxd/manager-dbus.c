/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bus-json.h"
#include "bus-util.h"
#include "container-dbus.h"
#include "container-ops.h"
#include "container.h"
#include "image-dbus.h"
#include "image.h"
#include "fileio.h"
#include "job.h"
#include "manager-dbus.h"
#include "output.h"
#include "nyx-errors.h"
#include "string-util.h"
#include "strv.h"
#include "network-dbus.h"
#include "volume-dbus.h"

static int property_get_runtime(
                sd_bus *bus, const char *path, const char *interface, const char *property,
                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *version = NULL;
        int r;

        r = manager_get_runtime_version(m, &version);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot run %s --version: %m", m->runtime_path);

        return sd_bus_message_append(reply, "(ss)", m->runtime_path, version);
}

static int property_get_cgroup_mode(
                sd_bus *bus, const char *path, const char *interface, const char *property,
                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", cgroup_mode_to_string(m->cgroup_mode));
}

/* PRETTY_NAME from os-release, unquoted. */
static int read_os_pretty_name(char **ret) {
        static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };
        int r = -ENOENT;

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_free_ char *s = NULL;
                char *p, *e;

                r = read_full_file(paths[i], 64 * 1024, &s, NULL);
                if (r < 0)
                        continue;
                p = strstr(s, "\nPRETTY_NAME=");
                if (p)
                        p += strlen("\nPRETTY_NAME=");
                else if ((p = startswith(s, "PRETTY_NAME=")) == NULL)
                        return -ENOENT;
                p[strcspn(p, "\n")] = 0;
                if (*p == '"' || *p == '\'') {
                        p++;
                        e = strchr(p, p[-1]);
                        if (e)
                                *e = 0;
                }
                *ret = strdup(p);
                return *ret ? 0 : -ENOMEM;
        }
        return r;
}

static int read_mem_total(uint64_t *ret) {
        _cleanup_free_ char *s = NULL;
        unsigned long long kb;
        char *p;
        int r;

        r = read_full_file("/proc/meminfo", 0, &s, NULL);
        if (r < 0)
                return r;
        p = strstr(s, "MemTotal:");
        if (!p || sscanf(p, "MemTotal: %llu kB", &kb) != 1)
                return -EBADMSG;
        *ret = kb * 1024;
        return 0;
}

static int method_get_info(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *os = NULL;
        Manager *m = userdata;
        const char *version = NULL;
        struct utsname u;
        uint64_t mem = 0;
        int r;

        /* Options are reserved for later (e.g. which sections to include). */
        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;

        r = manager_get_runtime_version(m, &version);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot run %s --version: %m", m->runtime_path);

        (void) uname(&u);
        (void) read_os_pretty_name(&os);
        (void) read_mem_total(&mem);

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;

        if ((r = bus_append_sv_string(reply, "Version", NYX_VERSION)) < 0 ||
            (r = bus_append_sv_string(reply, "RuntimePath", m->runtime_path)) < 0 ||
            (r = bus_append_sv_string(reply, "RuntimeVersion", version)) < 0 ||
            (r = bus_append_sv_string(reply, "CgroupMode", cgroup_mode_to_string(m->cgroup_mode))) < 0 ||
            (r = bus_append_sv_string(reply, "StorageRoot", m->state_dir)) < 0 ||
            (r = bus_append_sv_string(reply, "RunRoot", m->run_dir)) < 0 ||
            (r = bus_append_sv_string(reply, "OperatingSystem", os ?: "unknown")) < 0 ||
            (r = bus_append_sv_string(reply, "Kernel", u.release)) < 0 ||
            (r = bus_append_sv_string(reply, "Architecture", u.machine)) < 0 ||
            (r = bus_append_sv_string(reply, "Hostname", u.nodename)) < 0 ||
            (r = bus_append_sv_uint32(reply, "NCPU", (uint32_t) sysconf(_SC_NPROCESSORS_ONLN))) < 0 ||
            (r = bus_append_sv_uint64(reply, "MemTotal", mem)) < 0 ||
            (r = bus_append_sv_uint32(reply, "DaemonPID", (uint32_t) getpid())) < 0)
                return r;

        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;

        return sd_bus_send(NULL, reply, NULL);
}


static int method_create_container(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_free_ char *reason = NULL;
        ContainerSpec *spec = NULL;
        Manager *m = userdata;
        Container *c;
        int r;

        r = bus_message_read_dict_json(msg, &o);
        if (r < 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                         "cannot read the container spec: values must be strings, integers, booleans or string arrays");

        r = container_spec_from_json(o, &spec, &reason);
        if (r < 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "%s", reason ?: "invalid container spec");
        r = container_spec_validate(spec, &reason);
        if (r < 0) {
                container_spec_free(spec);
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "%s", reason ?: "invalid container spec");
        }
        if (!spec->image) {
                container_spec_free(spec);
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "no image given");
        }

        /* container_create() takes the spec over, image name included. */
        _cleanup_free_ char *image = strdup(spec->image);
        if (!image) {
                container_spec_free(spec);
                return -ENOMEM;
        }
        r = container_create(m, spec, image, error, &c);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", c->object_path);
}

static int method_get_container(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        Container *c;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        c = manager_find_container(m, name);
        if (!c)
                return sd_bus_error_setf(error, NYX_ERROR_NO_SUCH_CONTAINER, "no such container: %s", name);
        return sd_bus_reply_method_return(msg, "o", c->object_path);
}

static int method_list_containers(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssssstttiuo)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_containers; i++) {
                Container *c = m->containers[i];
                _cleanup_strv_free_ char **argv = NULL;
                _cleanup_free_ char *command = NULL;
                Image *img = c->image_id ? manager_find_image(m, c->image_id) : NULL;

                (void) container_refresh(c);
                (void) container_spec_resolve_argv(c->spec, img ? img->config->entrypoint : NULL,
                                                   img ? img->config->cmd : NULL, &argv, NULL);
                for (size_t k = 0; argv && argv[k]; k++) {
                        char *t = command ? strjoin(command, " ", argv[k]) : strdup(argv[k]);
                        if (!t)
                                return -ENOMEM;
                        free(command);
                        command = t;
                }
                r = sd_bus_message_append(reply, "(ssssstttiuo)", c->id, c->name, strempty(c->image_name),
                                          container_status_to_string(c->status), strempty(command),
                                          c->created_usec, c->started_usec, c->finished_usec, c->exit_code,
                                          c->n_restarts, c->object_path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int property_get_version(
                sd_bus *bus, const char *path, const char *interface, const char *property,
                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", NYX_VERSION);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Runtime", "(ss)", property_get_runtime, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("CgroupMode", "s", property_get_cgroup_mode, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("StorageRoot", "s", NULL, offsetof(Manager, state_dir), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD_WITH_ARGS("GetInfo",
                                SD_BUS_ARGS("a{sv}", options),
                                SD_BUS_RESULT("a{sv}", info),
                                method_get_info,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CreateContainer",
                                SD_BUS_ARGS("a{sv}", spec),
                                SD_BUS_RESULT("o", container),
                                method_create_container,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetContainer",
                                SD_BUS_ARGS("s", name_or_id),
                                SD_BUS_RESULT("o", container),
                                method_get_container,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListContainers",
                                SD_BUS_ARGS("a{sv}", options),
                                SD_BUS_RESULT("a(ssssstttiuo)", containers),
                                method_list_containers,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        MANAGER_IMAGE_METHODS,
        MANAGER_VOLUME_METHODS,
        MANAGER_NETWORK_METHODS,
        MANAGER_CONTAINER_OPS_METHODS,
        SD_BUS_VTABLE_END
};

int manager_dbus_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, manager_vtable, m);
        if (r < 0)
                return r;

        r = sd_bus_add_fallback_vtable(m->bus, NULL, "/org/nyx/engine1/container", "org.nyx.engine1.Container",
                                       container_vtable, container_object_find, m);
        if (r < 0)
                return r;
        r = sd_bus_add_node_enumerator(m->bus, NULL, "/org/nyx/engine1/container", container_node_enumerator, m);
        if (r < 0)
                return r;

        r = image_dbus_register(m);
        if (r < 0)
                return r;
        r = volume_dbus_register(m);
        if (r < 0)
                return r;
        r = network_dbus_register(m);
        if (r < 0)
                return r;
        r = job_dbus_register(m);
        if (r < 0)
                return r;

        return sd_bus_add_object_manager(m->bus, NULL, NYX_BUS_PATH);
}
