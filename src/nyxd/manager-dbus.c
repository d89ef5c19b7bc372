/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bus-util.h"
#include "fileio.h"
#include "manager-dbus.h"
#include "nyx-errors.h"
#include "string-util.h"

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
        SD_BUS_VTABLE_END
};

int manager_dbus_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, manager_vtable, m);
        if (r < 0)
                return r;

        return sd_bus_add_object_manager(m->bus, NULL, NYX_BUS_PATH);
}
