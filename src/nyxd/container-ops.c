/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>

#include "bus-json.h"
#include "bus-util.h"
#include "container-dbus.h"
#include "container-ops.h"
#include "network.h"
#include "container.h"
#include "fd-util.h"
#include "fileio.h"
#include "log.h"
#include "manager.h"
#include "nyx-errors.h"
#include "operation.h"
#include "output.h"
#include "path-util.h"
#include "prepare-config.h"
#include "string-util.h"
#include "strv.h"
#include "tar-tree.h"
#include "unit-properties.h"
#include "unit.h"

#define SD_BUS_SYSTEMD "org.freedesktop.systemd1"

static uint64_t now_monotonic_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Is the unit there and not merely a leftover? A unit that is loaded and
 * neither inactive nor failed has processes, or is about to (auto-restart). */
static int unit_is_live(Manager *m, const char *unit, bool *ret) {
        _cleanup_(unit_state_done) UnitState s = {};
        int r;

        r = unit_get_state(m, unit, &s);
        if (r == -ENOENT) {
                *ret = false;
                return 0;
        }
        if (r < 0)
                return r;
        *ret = !isempty(s.active_state) && !streq(s.active_state, "inactive") && !streq(s.active_state, "failed");
        return 0;
}

/* The payload cgroup (crun's, below the unit's own) in the hierarchy that
 * holds what we look for: a v1 controller ("freezer"), "systemd" for the
 * process list, or the unified tree where that is what is mounted. */
static char *payload_cgroup_path(Manager *m, const char *v1_hierarchy, const char *control_group) {
        if (isempty(control_group))
                return NULL;
        if (m->cgroup_mode == CGROUP_MODE_UNIFIED)
                return strjoin("/sys/fs/cgroup", control_group, "/payload");
        return strjoin("/sys/fs/cgroup/", v1_hierarchy, control_group, "/payload");
}

bool container_payload_is_frozen(Manager *m, const char *control_group) {
        _cleanup_free_ char *dir = NULL, *file = NULL, *s = NULL;

        dir = payload_cgroup_path(m, "freezer", control_group);
        if (!dir)
                return false;
        file = path_join(dir, m->cgroup_mode == CGROUP_MODE_UNIFIED ? "cgroup.freeze" : "freezer.state");
        if (!file || read_one_line_file(file, &s) < 0)
                return false;
        return m->cgroup_mode == CGROUP_MODE_UNIFIED ? streq(s, "1") : (streq(s, "FROZEN") || streq(s, "FREEZING"));
}

int container_thaw(Container *c) {
        _cleanup_(unit_state_done) UnitState s = {};
        _cleanup_free_ char *dir = NULL, *file = NULL;
        Manager *m = c->manager;
        int r;

        r = unit_get_state(m, c->unit, &s);
        if (r < 0)
                return r;
        dir = payload_cgroup_path(m, "freezer", s.control_group);
        if (!dir)
                return -ENOENT;
        file = path_join(dir, m->cgroup_mode == CGROUP_MODE_UNIFIED ? "cgroup.freeze" : "freezer.state");
        if (!file)
                return -ENOMEM;
        return write_string_file(file, m->cgroup_mode == CGROUP_MODE_UNIFIED ? "0" : "THAWED");
}

/* ---- stats ---- */

typedef struct ServiceStats {
        uint64_t memory_current, memory_max, cpu_usage_nsec, tasks_current, tasks_max;
} ServiceStats;

static int read_service_stats(Manager *m, const char *unit, ServiceStats *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *path = NULL;
        ServiceStats st = {
                .memory_current = UINT64_MAX, .memory_max = UINT64_MAX, .cpu_usage_nsec = UINT64_MAX,
                .tasks_current = UINT64_MAX, .tasks_max = UINT64_MAX,
        };
        int r;

        r = unit_bus_path(unit, &path);
        if (r < 0)
                return r;
        r = sd_bus_call_method(m->bus, SD_BUS_SYSTEMD, path, "org.freedesktop.DBus.Properties", "GetAll", NULL,
                               &reply, "s", "org.freedesktop.systemd1.Service");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                static const struct {
                        const char *name;
                        size_t offset;
                } wanted[] = {
                        { "MemoryCurrent", offsetof(ServiceStats, memory_current) },
                        { "MemoryMax",     offsetof(ServiceStats, memory_max)     },
                        { "CPUUsageNSec",  offsetof(ServiceStats, cpu_usage_nsec) },
                        { "TasksCurrent",  offsetof(ServiceStats, tasks_current)  },
                        { "TasksMax",      offsetof(ServiceStats, tasks_max)      },
                };
                const char *key;
                size_t i;

                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        return r;
                for (i = 0; i < ELEMENTSOF(wanted); i++)
                        if (streq(key, wanted[i].name))
                                break;
                if (i < ELEMENTSOF(wanted))
                        r = sd_bus_message_read(reply, "v", "t", (uint64_t *) ((uint8_t *) &st + wanted[i].offset));
                else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret = st;
        return 0;
}

static uint64_t host_memory_total(void) {
        _cleanup_free_ char *s = NULL;
        unsigned long long kb;
        const char *p;

        if (read_full_file("/proc/meminfo", 0, &s, NULL) < 0)
                return UINT64_MAX;
        p = strstr(s, "MemTotal:");
        if (!p || sscanf(p, "MemTotal: %llu kB", &kb) != 1)
                return UINT64_MAX;
        return (uint64_t) kb * 1024;
}

int method_container_get_stats(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Container *c = userdata;
        ServiceStats st = {
                .memory_current = UINT64_MAX, .memory_max = UINT64_MAX, .cpu_usage_nsec = UINT64_MAX,
                .tasks_current = UINT64_MAX, .tasks_max = UINT64_MAX,
        };
        uint64_t limit, total;
        int r;

        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;

        (void) container_refresh(c);
        if (container_is_active(c)) {
                r = read_service_stats(c->manager, c->unit, &st);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "cannot read the statistics of %s from systemd: %m",
                                                       c->unit);
        }

        /* Unlimited: the host's memory is the limit, as docker shows it. */
        total = host_memory_total();
        limit = st.memory_max == UINT64_MAX || st.memory_max > total ? total : st.memory_max;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        if ((r = bus_append_sv_string(reply, "Status", container_status_to_string(c->status))) < 0 ||
            (r = bus_append_sv_uint64(reply, "Timestamp", now_monotonic_usec())) < 0 ||
            (r = bus_append_sv_uint64(reply, "MemoryCurrent", st.memory_current)) < 0 ||
            (r = bus_append_sv_uint64(reply, "MemoryMax", st.memory_max)) < 0 ||
            (r = bus_append_sv_uint64(reply, "MemoryLimit", limit)) < 0 ||
            (r = bus_append_sv_uint64(reply, "CPUUsageNSec", st.cpu_usage_nsec)) < 0 ||
            (r = bus_append_sv_uint64(reply, "TasksCurrent", st.tasks_current)) < 0 ||
            (r = bus_append_sv_uint64(reply, "TasksMax", st.tasks_max)) < 0)
                return r;
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* ---- processes ---- */

static int collect_pids(int dir_fd, unsigned depth, uint32_t **pids, size_t *n) {
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        struct dirent *de;
        unsigned long pid;
        int fd;

        if (depth > 32)
                return -ELOOP;

        fd = openat(dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "r");
        if (!f) {
                safe_close(fd);
                return -errno;
        }
        while (fscanf(f, "%lu", &pid) == 1) {
                uint32_t *t = realloc(*pids, (*n + 1) * sizeof(uint32_t));
                if (!t)
                        return -ENOMEM;
                *pids = t;
                (*pids)[(*n)++] = (uint32_t) pid;
        }

        fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                _cleanup_close_ int sub = -EBADF;
                int r;

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0)
                        continue;   /* gone meanwhile */
                r = collect_pids(sub, depth + 1, pids, n);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

int method_container_list_processes(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(unit_state_done) UnitState s = {};
        _cleanup_free_ char *dir = NULL;
        _cleanup_free_ uint32_t *pids = NULL;
        _cleanup_close_ int fd = -EBADF;
        Container *c = userdata;
        size_t n = 0;
        int r;

        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;

        (void) container_refresh(c);
        if (!container_is_active(c))
                return sd_bus_error_setf(error, NYX_ERROR_NOT_RUNNING, "container %s is not running", c->name);
        r = unit_get_state(c->manager, c->unit, &s);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot read the state of %s: %m", c->unit);

        dir = payload_cgroup_path(c->manager, "systemd", s.control_group);
        if (!dir)
                return sd_bus_error_setf(error, NYX_ERROR_NOT_RUNNING, "container %s has no processes yet", c->name);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0)
                r = collect_pids(fd, 0, &pids, &n);
        else
                r = errno == ENOENT ? 0 : -errno;   /* still in nyx-prepare: nothing runs yet */
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot read the processes of %s: %m", c->name);

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_array(reply, 'u', pids, n * sizeof(uint32_t));
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* ---- update ---- */

static const char *const updatable_keys[] = {
        "memory", "memorySwap", "cpuQuotaPerSecUSec", "cpuShares", "pidsLimit", "restart", NULL,
};

typedef struct UpdateContext {
        const ContainerSpec *spec;
        json_object *changes;
} UpdateContext;

static bool changed(const UpdateContext *u, const char *key) {
        return json_object_object_get_ex(u->changes, key, NULL);
}

/* The limits as unit properties; "not set" becomes systemd's infinity (or, for
 * CPUWeight, its "unset" value), so that a removed limit goes away live. */
static int append_update_properties(sd_bus_message *m, void *userdata) {
        const UpdateContext *u = userdata;
        const ContainerSpec *s = u->spec;
        int r;

        if (changed(u, "memory") &&
            (r = unit_property_uint64(m, "MemoryMax", s->memory > 0 ? s->memory : UINT64_MAX)) < 0)
                return r;
        if ((changed(u, "memory") || changed(u, "memorySwap")) &&
            (r = unit_property_uint64(m, "MemorySwapMax",
                                      s->memory_swap > 0 && s->memory > 0 ? (uint64_t) s->memory_swap - s->memory
                                                                           : UINT64_MAX)) < 0)
                return r;
        if (changed(u, "cpuQuotaPerSecUSec") &&
            (r = unit_property_uint64(m, "CPUQuotaPerSecUSec",
                                      s->cpu_quota_per_sec_usec > 0 ? s->cpu_quota_per_sec_usec : UINT64_MAX)) < 0)
                return r;
        if (changed(u, "cpuShares")) {
                /* crun's and systemd's conversion of shares to a weight, as at start */
                uint64_t w = s->cpu_shares > 0 ? 1 + ((s->cpu_shares - 2) * 9999) / 262142 : UINT64_MAX;
                r = unit_property_uint64(m, "CPUWeight", w);
                if (r < 0)
                        return r;
        }
        if (changed(u, "pidsLimit") &&
            (r = unit_property_uint64(m, "TasksMax", s->pids_limit > 0 ? (uint64_t) s->pids_limit : UINT64_MAX)) < 0)
                return r;
        return 0;
}

static bool has_unit_changes(json_object *changes) {
        json_object_object_foreach(changes, key, v) {
                (void) v;
                if (!streq(key, "restart"))
                        return true;
        }
        return false;
}

int method_container_update(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(json_object_putp) json_object *changes = NULL, *merged = NULL;
        _cleanup_(container_spec_freep) ContainerSpec *spec = NULL;
        _cleanup_free_ char *reason = NULL;
        Container *c = userdata;
        bool live = false;
        int r;

        r = bus_message_read_dict_json(msg, &changes);
        if (r < 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                         "cannot read the changes: values must be strings or integers");
        if (json_object_object_length(changes) == 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                         "nothing to update: give at least one of memory, memorySwap, "
                                         "cpuQuotaPerSecUSec, cpuShares, pidsLimit, restart");
        json_object_object_foreach(changes, key, val) {
                (void) val;
                if (!strv_contains((char **) updatable_keys, key))
                        return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                                 "%s cannot be updated; these can: memory, memorySwap, "
                                                 "cpuQuotaPerSecUSec, cpuShares, pidsLimit, restart", key);
        }

        /* The new spec is the old one with the changes on top, parsed and
         * checked as a create would be. */
        r = container_spec_to_json(c->spec, &merged);
        if (r < 0)
                return r;
        json_object_object_foreach(changes, k, v)
                json_object_object_add(merged, k, json_object_get(v));
        r = container_spec_from_json(merged, &spec, &reason);
        if (r >= 0)
                r = container_spec_validate(spec, &reason);
        if (r < 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "%s", reason ?: "invalid update");

        (void) container_refresh(c);
        if (has_unit_changes(changes)) {
                r = unit_is_live(c->manager, c->unit, &live);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "cannot read the state of %s: %m", c->unit);
        }
        if (live) {
                UpdateContext u = { .spec = spec, .changes = changes };

                r = unit_set_properties(c->manager, c->unit, append_update_properties, &u, error);
                if (r < 0) {
                        if (!sd_bus_error_is_set(error))
                                return sd_bus_error_set_errnof(error, r, "cannot change the limits of %s: %m",
                                                               c->unit);
                        return r;
                }
        }

        container_spec_free(c->spec);
        c->spec = TAKE_PTR(spec);
        r = container_save(c);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot save the record of %s: %m", c->name);

        if (json_object_object_get_ex(changes, "restart", NULL))
                (void) sd_bus_emit_properties_changed(sd_bus_message_get_bus(msg), c->object_path,
                                                      NYX_BUS_IFACE_CONTAINER, "RestartPolicy", NULL);
        log_info("Updated %s%s.", c->name, live ? " (live)" : "");
        return sd_bus_reply_method_return(msg, NULL);
}

/* ---- pause/unpause: crun pause|resume, in a worker ---- */

typedef struct FreezeOp {
        char *id;
        bool pause;
} FreezeOp;

static void freeze_op_free(FreezeOp *f) {
        if (!f)
                return;
        free(f->id);
        free(f);
}

/* Run argv and wait; its stdout in *ret_out (if asked for); on failure the
 * first line of its stderr is the reason. */
static int run_capture(char *const argv[], char **ret_out, char **ret_reason) {
        _cleanup_free_ char *out = NULL;
        size_t out_len = 0, err_len = 0;
        char err[512] = "";
        int opipe[2], epipe[2], status;
        pid_t pid;

        if (pipe2(opipe, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(epipe, O_CLOEXEC) < 0) {
                safe_close(opipe[0]);
                safe_close(opipe[1]);
                return -errno;
        }
        pid = fork();
        if (pid < 0) {
                int r = -errno;
                safe_close(opipe[0]);
                safe_close(opipe[1]);
                safe_close(epipe[0]);
                safe_close(epipe[1]);
                return r;
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0)
                        (void) dup2(null, STDIN_FILENO);
                (void) dup2(opipe[1], STDOUT_FILENO);
                (void) dup2(epipe[1], STDERR_FILENO);
                execv(argv[0], argv);
                _exit(127);
        }
        safe_close(opipe[1]);
        safe_close(epipe[1]);
        /* Small outputs (crun's): stdout first, then stderr, is fine. */
        for (;;) {
                char buf[4096];
                ssize_t k = read(opipe[0], buf, sizeof(buf));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                if (ret_out) {
                        char *t = realloc(out, out_len + k + 1);
                        if (!t)
                                break;
                        out = t;
                        memcpy(out + out_len, buf, k);
                        out_len += k;
                        out[out_len] = 0;
                }
        }
        for (;;) {
                ssize_t k = read(epipe[0], err + err_len, sizeof(err) - 1 - err_len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                err_len += k;
                if (err_len >= sizeof(err) - 1)
                        break;
        }
        safe_close(opipe[0]);
        safe_close(epipe[0]);
        err[err_len] = 0;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                err[strcspn(err, "\n")] = 0;
                if (ret_reason)
                        *ret_reason = strdup(err[0] ? err : "the runtime failed");
                return -EIO;
        }
        if (ret_out)
                *ret_out = out ? TAKE_PTR(out) : strdup("");
        return 0;
}

/* crun's state exists once the unit is active (nyx-prepare launch reports ready after crun create);
 * a unit that is still starting gets up to 3 s. */
static void wait_for_runtime_state(const char *id) {
        _cleanup_free_ char *status = path_join("/run/crun", id, "status");
        struct timespec ts = { 0, 10 * 1000 * 1000 };

        for (unsigned i = 0; status && i < 300; i++) {
                if (access(status, F_OK) == 0 || errno != ENOENT)
                        return;
                (void) nanosleep(&ts, NULL);
        }
}

static int freeze_work(Manager *m, void *userdata, char **ret_result, char **ret_reason) {
        FreezeOp *f = userdata;
        char *argv[] = { m->runtime_path, (char *) (f->pause ? "pause" : "resume"), f->id, NULL };

        wait_for_runtime_state(f->id);
        return run_capture(argv, NULL, ret_reason);
}

static void freeze_done(Manager *m, sd_bus_message *message, int r, const char *result_or_reason, void *userdata) {
        FreezeOp *f = userdata;
        Container *c = manager_find_container(m, f->id);

        if (c && streq(c->id, f->id))
                (void) container_refresh(c);
        if (r < 0)
                (void) sd_bus_reply_method_errorf(message, NYX_ERROR_NOT_RUNNING, "cannot %s %s: %s",
                                                  f->pause ? "pause" : "unpause", c ? c->name : f->id,
                                                  result_or_reason);
        else
                (void) sd_bus_reply_method_return(message, NULL);
        freeze_op_free(f);
}

static int pause_or_unpause(sd_bus_message *msg, Container *c, bool pause, sd_bus_error *error) {
        FreezeOp *f;
        int r;

        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;

        (void) container_refresh(c);
        if (pause && c->status == CONTAINER_PAUSED)
                return sd_bus_error_setf(error, NYX_ERROR_IN_USE, "container %s is already paused", c->name);
        if (!pause && c->status != CONTAINER_PAUSED)
                return sd_bus_error_setf(error, NYX_ERROR_NOT_RUNNING, "container %s is not paused", c->name);
        if (pause && c->status != CONTAINER_RUNNING)
                return sd_bus_error_setf(error, NYX_ERROR_NOT_RUNNING, "container %s is not running", c->name);

        f = calloc(1, sizeof(FreezeOp));
        if (!f)
                return -ENOMEM;
        f->pause = pause;
        f->id = strdup(c->id);
        if (!f->id) {
                free(f);
                return -ENOMEM;
        }
        r = operation_start(c->manager, msg, freeze_work, freeze_done, f);
        if (r < 0) {
                freeze_op_free(f);
                return sd_bus_error_set_errnof(error, r, "cannot start %s: %m", c->manager->runtime_path);
        }
        return 1;
}

int method_container_pause(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return pause_or_unpause(msg, userdata, true, error);
}

int method_container_unpause(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return pause_or_unpause(msg, userdata, false, error);
}

/* ---- rename ---- */

/* The bundle carries the name as an annotation (crun state shows it). */
static int bundle_set_name(Container *c, const char *name) {
        _cleanup_free_ char *path = path_join(c->dir, "bundle", "config.json");
        _cleanup_(json_object_putp) json_object *o = NULL;
        json_object *annotations;
        const char *s;

        if (!path)
                return -ENOMEM;
        o = json_object_from_file(path);
        if (!o)
                return -EBADMSG;
        if (!json_object_object_get_ex(o, "annotations", &annotations)) {
                annotations = json_object_new_object();
                json_object_object_add(o, "annotations", annotations);
        }
        json_object_object_add(annotations, "org.nyx.name", json_object_new_string(name));
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        return write_file_atomic(path, s, strlen(s), 0600);
}

int method_container_rename(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *reason = NULL, *old = NULL;
        Container *c = userdata;
        Manager *m = c->manager;
        const char *name;
        bool live;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;

        r = container_name_validate(name, &reason);
        if (r < 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "%s", reason ?: "invalid container name");
        if (streq(name, c->name))
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "container %s is already named %s",
                                         c->id, name);
        for (size_t i = 0; i < m->n_containers; i++)
                if (streq(m->containers[i]->name, name))
                        return sd_bus_error_setf(error, NYX_ERROR_NAME_IN_USE,
                                                 "name %s is already in use by container %s", name,
                                                 m->containers[i]->id);

        /* The unit is named after the container and a unit cannot be renamed:
         * while it exists, the container keeps its name. */
        (void) container_refresh(c);
        r = unit_is_live(m, c->unit, &live);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot read the state of %s: %m", c->unit);
        if (live || c->pending_start || container_is_active(c))
                return sd_bus_error_setf(error, NYX_ERROR_IN_USE,
                                         "container %s is running: stop it before renaming it "
                                         "(its unit %s cannot change its name while it exists)",
                                         c->name, c->unit);

        old = strdup(c->name);
        if (!old)
                return -ENOMEM;
        /* A failed unit of the old name would otherwise stay loaded, with nobody to reset it. */
        (void) unit_reset_failed(m, c->unit);
        r = container_set_name(c, name);
        if (r >= 0)
                r = free_and_strdup(&c->spec->name, name);
        if (r >= 0)
                r = container_save(c);
        if (r < 0) {
                (void) container_set_name(c, old);
                (void) free_and_strdup(&c->spec->name, old);
                return sd_bus_error_set_errnof(error, r, "cannot rename %s: %m", old);
        }
        r = bundle_set_name(c, name);
        if (r < 0)
                log_warning_errno(r, "Cannot record the new name of %s in its bundle: %m", name);
        network_rename_container(m, c->id, name);

        (void) sd_bus_emit_properties_changed(sd_bus_message_get_bus(msg), c->object_path,
                                              NYX_BUS_IFACE_CONTAINER, "Name", "Unit", "SyslogIdentifier", NULL);
        log_info("Renamed container %s to %s.", old, name);
        return sd_bus_reply_method_return(msg, NULL);
}

/* ---- prune ---- */

/* Disk space of a directory tree, not crossing into other file systems. */
static uint64_t tree_size(int dir_fd, dev_t dev, unsigned depth) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        uint64_t sum = 0;
        int fd;

        if (depth > 256)
                return 0;
        fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return 0;
        }
        while ((de = readdir(d))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
                        continue;
                sum += (uint64_t) st.st_blocks * 512;
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(dirfd(d), de->d_name,
                                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub >= 0)
                                sum += tree_size(sub, dev, depth + 1);
                }
        }
        return sum;
}

static uint64_t container_disk_usage(Container *c) {
        _cleanup_close_ int fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0)
                return 0;
        return tree_size(fd, st.st_dev, 0);
}

int method_manager_prune_containers(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **candidates = NULL, **removed = NULL;
        Manager *m = userdata;
        uint64_t reclaimed = 0;
        int r;

        r = sd_bus_message_skip(msg, "a{sv}");
        if (r < 0)
                return r;

        for (size_t i = 0; i < m->n_containers; i++) {
                Container *c = m->containers[i];
                bool live;

                (void) container_refresh(c);
                if (!IN_SET(c->status, CONTAINER_EXITED, CONTAINER_CREATED) || c->pending_start || c->removing)
                        continue;
                /* Between two runs of a restart policy the status says exited, but the unit is still there. */
                if (unit_is_live(m, c->unit, &live) < 0 || live)
                        continue;
                r = strv_extend(&candidates, c->id);
                if (r < 0)
                        return r;
        }

        STRV_FOREACH(id, candidates) {
                _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
                Container *c = manager_find_container(m, *id);
                uint64_t size;

                if (!c)
                        continue;
                size = container_disk_usage(c);
                r = container_remove(c, false, &e);
                if (r < 0) {
                        log_warning("Cannot remove container %s: %s", *id, bus_error_human(&e, r));
                        continue;
                }
                reclaimed += size;
                r = strv_extend(&removed, *id);
                if (r < 0)
                        return r;
        }

        if (removed)
                log_info("Pruned %zu containers.", strv_length(removed));

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

/* ---- cp: a tar stream over the caller's fd; nyxd handles only the container side ---- */

/* openat2() has no glibc wrapper; our own copy of the ABI (as layer-unpack.c). */
#ifndef __NR_openat2
#  define __NR_openat2 437
#endif
#define CP_RESOLVE_NO_MAGICLINKS 0x02
#define CP_RESOLVE_IN_ROOT 0x10

struct cp_open_how {
        uint64_t flags;
        uint64_t mode;
        uint64_t resolve;
};

/* path inside the container whose root is root_fd: symlinks (absolute ones
 * too) resolve inside it, ".." stops at it, /proc magic links are refused. */
static int open_in_root(int root_fd, const char *path, int flags) {
        struct cp_open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .resolve = CP_RESOLVE_IN_ROOT | CP_RESOLVE_NO_MAGICLINKS,
        };

        path += strspn(path, "/");
        for (;;) {
                int fd = (int) syscall(__NR_openat2, root_fd, isempty(path) ? "." : path, &how, sizeof(how));
                if (fd >= 0)
                        return fd;
                if (errno != EAGAIN && errno != EINTR)
                        return -errno;
        }
}

typedef struct CopyOp {
        char *id;
        char *name;
        char *dir;          /* the container's directory */
        char *path;         /* in the container */
        int fd;             /* the caller's end of the tar stream (owned by the bus message) */
        bool to;            /* CopyTo, else CopyFrom */
        bool raw;           /* CopyTo: a tar of the caller's own, extracted as is into a directory */
        bool running;
} CopyOp;

static void copy_op_free(CopyOp *op) {
        if (!op)
                return;
        free(op->id);
        free(op->name);
        free(op->dir);
        free(op->path);
        free(op);
}

static int set_reason(char **ret_reason, int r, const char *fmt, ...) _printf_(3, 4);
static int set_reason(char **ret_reason, int r, const char *fmt, ...) {
        va_list ap;

        if (ret_reason && !*ret_reason) {
                va_start(ap, fmt);
                if (vasprintf(ret_reason, fmt, ap) < 0)
                        *ret_reason = NULL;
                va_end(ap);
        }
        return r;
}

/* The container's root as its processes see it (mounts included) while it
 * runs; otherwise its rootfs, mounted in a mount namespace of this worker's
 * own that goes away with it. */
static int open_container_root(Manager *m, const CopyOp *op, char **ret_reason) {
        _cleanup_(prepare_config_freep) PrepareConfig *cfg = NULL;
        _cleanup_free_ char *prepare = NULL, *lower = NULL, *options = NULL;
        int r, fd;

        if (op->running) {
                _cleanup_(json_object_putp) json_object *o = NULL;
                _cleanup_free_ char *out = NULL, *err = NULL, *root = NULL;
                char *argv[] = { m->runtime_path, (char *) "state", op->id, NULL };
                json_object *v;

                wait_for_runtime_state(op->id);
                r = run_capture(argv, &out, &err);
                if (r < 0)
                        return set_reason(ret_reason, -ESRCH, "container %s is not running any more (%s)", op->name,
                                          strna(err));
                o = json_tokener_parse(out);
                if (!o || !json_object_object_get_ex(o, "pid", &v) || json_object_get_int(v) <= 0)
                        return set_reason(ret_reason, -ESRCH, "cannot find the processes of container %s", op->name);
                if (asprintf(&root, "/proc/%d/root", json_object_get_int(v)) < 0)
                        return -ENOMEM;
                fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return set_reason(ret_reason, -errno, "cannot open the root of container %s: %m", op->name);
                return fd;
        }

        prepare = path_join(op->dir, "prepare.json");
        if (!prepare)
                return -ENOMEM;
        r = prepare_config_load(prepare, &cfg);
        if (r < 0)
                return set_reason(ret_reason, r, "cannot read the rootfs configuration of %s: %s", op->name, strerror(-r));
        r = prepare_config_lowerdir_option(cfg, &lower);
        if (r < 0)
                return r;

        if (unshare(CLONE_NEWNS) < 0)
                return set_reason(ret_reason, -errno, "cannot make a mount namespace: %m");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return set_reason(ret_reason, -errno, "cannot make the mount namespace private: %m");
        r = mkdir_p(cfg->rootfs, 0755);
        if (r < 0)
                return set_reason(ret_reason, r, "cannot create %s: %s", cfg->rootfs, strerror(-r));

        if (cfg->read_only && cfg->n_lower == 1) {
                if (mount(cfg->lower[0], cfg->rootfs, NULL, MS_BIND, NULL) < 0 ||
                    mount(NULL, cfg->rootfs, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
                        return set_reason(ret_reason, -errno, "cannot mount the rootfs of %s: %m", op->name);
        } else {
                if (cfg->read_only)
                        r = asprintf(&options, "lowerdir=%s", lower);
                else {
                        r = mkdir_p(cfg->upper, 0755);
                        if (r >= 0)
                                r = mkdir_p(cfg->work, 0700);
                        if (r < 0)
                                return set_reason(ret_reason, r, "cannot create %s: %s", cfg->upper, strerror(-r));
                        r = asprintf(&options, "lowerdir=%s,upperdir=%s,workdir=%s", lower, cfg->upper, cfg->work);
                }
                if (r < 0)
                        return -ENOMEM;
                /* Read-only when only reading: the upper dir stays as the container left it. */
                if (mount("overlay", cfg->rootfs, "overlay", cfg->read_only || !op->to ? MS_RDONLY : 0, options) < 0)
                        return set_reason(ret_reason, -errno, "cannot mount the rootfs of %s: %m", op->name);
        }
        fd = open(cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return set_reason(ret_reason, -errno, "cannot open the rootfs of %s: %m", op->name);
        return fd;
}

/* "/a/b/" -> "/a", "b"; "/a/." -> contents of "/a"; "/" -> contents of "/". */
static int split_container_path(const char *path, char **ret_parent, char **ret_base, bool *ret_contents) {
        _cleanup_free_ char *p = NULL;
        bool contents = false;
        char *slash;
        size_t l;

        p = strjoin("/", path + strspn(path, "/"));
        if (!p)
                return -ENOMEM;
        for (;;) {
                l = strlen(p);
                if (l > 1 && p[l - 1] == '/')
                        p[l - 1] = 0;
                else if (l >= 2 && streq(p + l - 2, "/.")) {
                        contents = true;
                        p[l - 2] = 0;
                        if (!p[0])
                                strcpy(p, "/");
                } else
                        break;
        }
        if (streq(p, "/")) {
                *ret_parent = TAKE_PTR(p);
                *ret_base = NULL;
                *ret_contents = true;
                return 0;
        }
        slash = strrchr(p, '/');
        *ret_base = strdup(slash + 1);
        if (!*ret_base)
                return -ENOMEM;
        if (streq(*ret_base, "..") || streq(*ret_base, ".")) {
                *ret_base = mfree(*ret_base);
                return -EINVAL;
        }
        *slash = 0;
        *ret_parent = strdup(isempty(p) ? "/" : p);
        if (!*ret_parent)
                return -ENOMEM;
        *ret_contents = contents;
        return 0;
}

static int copy_from_work(Manager *m, void *userdata, char **ret_result, char **ret_reason) {
        CopyOp *op = userdata;
        _cleanup_(archive_write_freep) struct archive *a = NULL;
        _cleanup_free_ char *parent = NULL, *base = NULL;
        _cleanup_close_ int root_fd = -EBADF, dir_fd = -EBADF;
        bool contents;
        struct stat st;
        int r;

        r = split_container_path(op->path, &parent, &base, &contents);
        if (r < 0)
                return set_reason(ret_reason, r, "invalid path in the container: %s", op->path);

        root_fd = open_container_root(m, op, ret_reason);
        if (root_fd < 0)
                return root_fd;

        dir_fd = open_in_root(root_fd, contents && base ? op->path : parent, O_PATH | O_DIRECTORY);
        if (dir_fd < 0)
                return set_reason(ret_reason, dir_fd, "%s: %s in container %s",
                                  contents && base ? op->path : parent, strerror(-dir_fd), op->name);
        if (contents && base) {
                /* "/a/." names a's contents: a itself, followed if it is a symlink, as ".". */
                base = mfree(base);
        }
        if (base && fstatat(dir_fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return set_reason(ret_reason, -errno, "%s: %m in container %s", op->path, op->name);

        a = archive_write_new();
        if (!a)
                return -ENOMEM;
        if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
            archive_write_open_fd(a, op->fd) != ARCHIVE_OK)
                return set_reason(ret_reason, -EIO, "cannot start the archive: %s", strna(archive_error_string(a)));

        r = tar_write_tree(a, dir_fd, base ?: ".", base ?: ".", ret_reason);
        if (r < 0)
                return r;
        if (archive_write_close(a) != ARCHIVE_OK)
                return set_reason(ret_reason, -EIO, "cannot finish the archive: %s", strna(archive_error_string(a)));
        return 0;
}

/* An archive member's name as clean components: no empty ones, no "." but
 * a leading one (the top of a "dir/." copy), no ".." at all. */
static int entry_components(const char *name, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *p = name;
        bool first = true;

        for (;;) {
                size_t n;

                p += strspn(p, "/");
                if (!*p)
                        break;
                n = strcspn(p, "/");
                if (n == 2 && strncmp(p, "..", 2) == 0)
                        return -EINVAL;
                if (!(n == 1 && p[0] == '.' && !first)) {
                        char *c = strndup(p, n);
                        if (!c || strv_consume(&l, c) < 0)
                                return -ENOMEM;
                }
                first = false;
                p += n;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static char *join_components(const char *base, char * const *l, size_t n) {
        char *s = strdup(base);

        for (size_t i = 0; s && i < n; i++) {
                char *t = strjoin(s, streq(s, "/") ? "" : "/", l[i]);
                free(s);
                s = t;
        }
        return s;
}

/* The directory path (in the container) where an entry goes, made if missing. */
static int open_parent_dir(int root_fd, const char *path, char **ret_reason) {
        _cleanup_strv_free_ char **l = NULL;
        int fd, r;

        fd = open_in_root(root_fd, path, O_PATH | O_DIRECTORY);
        if (fd != -ENOENT)
                return fd;

        /* Archives need not list every directory: make the missing ones, as tar does. */
        r = entry_components(path, &l);
        if (r < 0)
                return r;
        for (size_t i = 1; i <= strv_length(l); i++) {
                _cleanup_free_ char *prefix = join_components("/", l, i), *up = join_components("/", l, i - 1);
                _cleanup_close_ int up_fd = -EBADF;

                if (!prefix || !up)
                        return -ENOMEM;
                fd = open_in_root(root_fd, prefix, O_PATH | O_DIRECTORY);
                if (fd >= 0) {
                        if (i < strv_length(l))
                                safe_close(fd);
                        continue;
                }
                if (fd != -ENOENT)
                        return set_reason(ret_reason, fd, "%s: %s", prefix, strerror(-fd));
                up_fd = open_in_root(root_fd, up, O_PATH | O_DIRECTORY);
                if (up_fd < 0)
                        return set_reason(ret_reason, up_fd, "%s: %s", up, strerror(-up_fd));
                if (mkdirat(up_fd, l[i - 1], 0755) < 0 && errno != EEXIST)
                        return set_reason(ret_reason, -errno, "cannot create %s: %m", prefix);
                fd = open_in_root(root_fd, prefix, O_PATH | O_DIRECTORY);
                if (fd < 0)
                        return set_reason(ret_reason, fd, "%s: %s", prefix, strerror(-fd));
                if (i < strv_length(l))
                        safe_close(fd);
        }
        return fd;
}

/* Make room for a non-directory named leaf: an existing non-directory goes,
 * a directory stays and is an error. */
static int remove_non_dir(int dir_fd, const char *leaf, const char *path, char **ret_reason) {
        struct stat st;

        if (fstatat(dir_fd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : set_reason(ret_reason, -errno, "%s: %m", path);
        if (S_ISDIR(st.st_mode))
                return set_reason(ret_reason, -EISDIR, "cannot overwrite the directory %s with a non-directory", path);
        if (unlinkat(dir_fd, leaf, 0) < 0)
                return set_reason(ret_reason, -errno, "cannot replace %s: %m", path);
        return 0;
}

static int extract_entry(struct archive *a, struct archive_entry *e, int root_fd, const char *path,
                         const char *hardlink_path, char **ret_reason) {
        _cleanup_free_ char *parent = NULL, *leaf = NULL;
        _cleanup_close_ int dir_fd = -EBADF, fd = -EBADF;
        mode_t type = archive_entry_filetype(e), mode = archive_entry_perm(e) & 07777;
        struct timespec ts[2] = {
                { .tv_sec = archive_entry_mtime(e), .tv_nsec = archive_entry_mtime_nsec(e) },
                { .tv_sec = archive_entry_mtime(e), .tv_nsec = archive_entry_mtime_nsec(e) },
        };
        bool contents;
        int r;

        r = split_container_path(path, &parent, &leaf, &contents);
        if (r < 0 || !leaf)
                return set_reason(ret_reason, -EINVAL, "invalid destination %s", path);
        dir_fd = open_parent_dir(root_fd, parent, ret_reason);
        if (dir_fd < 0)
                return dir_fd;

        if (hardlink_path) {
                _cleanup_close_ int target = open_in_root(root_fd, hardlink_path, O_PATH | O_NOFOLLOW);

                if (target < 0)
                        return set_reason(ret_reason, target, "hard link %s to %s: %s", path, hardlink_path,
                                          strerror(-target));
                r = remove_non_dir(dir_fd, leaf, path, ret_reason);
                if (r < 0)
                        return r;
                if (linkat(target, "", dir_fd, leaf, AT_EMPTY_PATH) < 0)
                        return set_reason(ret_reason, -errno, "cannot link %s to %s: %m", path, hardlink_path);
                return 0;
        }

        switch (type) {
        case AE_IFDIR:
                if (mkdirat(dir_fd, leaf, 0700) < 0 && errno != EEXIST)
                        return set_reason(ret_reason, -errno, "cannot create %s: %m", path);
                fd = openat(dir_fd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && IN_SET(errno, ENOTDIR, ELOOP))
                        return set_reason(ret_reason, -ENOTDIR, "cannot copy a directory to %s: it exists and is not a directory", path);
                if (fd < 0)
                        return set_reason(ret_reason, -errno, "cannot open %s: %m", path);
                if (fchmod(fd, mode) < 0)
                        return set_reason(ret_reason, -errno, "cannot set the mode of %s: %m", path);
                return 0;

        case AE_IFREG: {
                const void *buf;
                size_t size;
                la_int64_t offset;

                r = remove_non_dir(dir_fd, leaf, path, ret_reason);
                if (r < 0)
                        return r;
                fd = openat(dir_fd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0)
                        return set_reason(ret_reason, -errno, "cannot create %s: %m", path);
                while ((r = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
                        const uint8_t *p = buf;

                        while (size > 0) {
                                ssize_t n = pwrite(fd, p, size, offset);
                                if (n < 0 && errno == EINTR)
                                        continue;
                                if (n < 0)
                                        return set_reason(ret_reason, -errno, "cannot write %s: %m", path);
                                p += n;
                                size -= n;
                                offset += n;
                        }
                }
                if (r != ARCHIVE_EOF)
                        return set_reason(ret_reason, -EIO, "cannot read the archive at %s: %s", path,
                                          strna(archive_error_string(a)));
                if (ftruncate(fd, archive_entry_size(e)) < 0 || fchmod(fd, mode) < 0)
                        return set_reason(ret_reason, -errno, "cannot write %s: %m", path);
                (void) futimens(fd, ts);
                return 0;
        }

        case AE_IFLNK:
                r = remove_non_dir(dir_fd, leaf, path, ret_reason);
                if (r < 0)
                        return r;
                if (symlinkat(strempty(archive_entry_symlink(e)), dir_fd, leaf) < 0)
                        return set_reason(ret_reason, -errno, "cannot create the symlink %s: %m", path);
                (void) utimensat(dir_fd, leaf, ts, AT_SYMLINK_NOFOLLOW);
                return 0;

        case AE_IFIFO:
                r = remove_non_dir(dir_fd, leaf, path, ret_reason);
                if (r < 0)
                        return r;
                if (mknodat(dir_fd, leaf, S_IFIFO | mode, 0) < 0)
                        return set_reason(ret_reason, -errno, "cannot create the FIFO %s: %m", path);
                return 0;

        default:
                return set_reason(ret_reason, -EOPNOTSUPP,
                                  "%s is a device node or socket: cp copies files, directories, symlinks and FIFOs only",
                                  path);
        }
}

static int copy_to_work(Manager *m, void *userdata, char **ret_result, char **ret_reason) {
        CopyOp *op = userdata;
        _cleanup_(archive_read_freep) struct archive *a = NULL;
        _cleanup_free_ char *dst = NULL, *parent = NULL, *leaf = NULL, *base = NULL;
        _cleanup_close_ int root_fd = -EBADF, dst_fd = -EBADF;
        const char *newtop = NULL;
        struct archive_entry *e;
        bool contents, first = true, dst_is_dir = false, dst_exists;
        struct stat st;
        int r;

        r = split_container_path(op->path, &parent, &leaf, &contents);
        if (r < 0)
                return set_reason(ret_reason, r, "invalid path in the container: %s", op->path);
        dst = leaf ? join_components(parent, &leaf, 1) : strdup(parent);
        if (!dst)
                return -ENOMEM;

        root_fd = open_container_root(m, op, ret_reason);
        if (root_fd < 0)
                return root_fd;

        dst_fd = open_in_root(root_fd, dst, O_PATH);
        dst_exists = dst_fd >= 0;
        if (dst_fd < 0 && dst_fd != -ENOENT)
                return set_reason(ret_reason, dst_fd, "%s: %s in container %s", dst, strerror(-dst_fd), op->name);
        if (dst_exists) {
                if (fstat(dst_fd, &st) < 0)
                        return -errno;
                dst_is_dir = S_ISDIR(st.st_mode);
        }

        /* docker's rules: into an existing directory the copy keeps its name;
         * otherwise it becomes DST (whose parent must exist). */
        /* "DIR/" names a directory: it must exist, as docker has it. */
        if (endswith(op->path, "/") && !dst_is_dir)
                return set_reason(ret_reason, dst_exists ? -ENOTDIR : -ENOENT, "%s: %s in container %s", op->path,
                                  dst_exists ? "Not a directory" : "No such directory", op->name);
        if (op->raw && !dst_is_dir)
                return set_reason(ret_reason, -ENOTDIR, "%s is not a directory in container %s: a tar stream is "
                                  "extracted into a directory", dst, op->name);
        if (dst_is_dir)
                base = strdup(dst);
        else {
                _cleanup_close_ int pfd = open_in_root(root_fd, parent, O_PATH | O_DIRECTORY);

                if (pfd < 0)
                        return set_reason(ret_reason, pfd, "%s: %s in container %s", parent, strerror(-pfd), op->name);
                if (!leaf)
                        return set_reason(ret_reason, -EINVAL, "invalid destination %s", op->path);
                base = strdup(parent);
                newtop = leaf;
        }
        if (!base)
                return -ENOMEM;

        a = archive_read_new();
        if (!a)
                return -ENOMEM;
        if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
            archive_read_support_filter_all(a) != ARCHIVE_OK ||
            archive_read_open_fd(a, op->fd, 64 * 1024) != ARCHIVE_OK)
                return set_reason(ret_reason, -EBADMSG, "cannot read the tar stream: %s", strna(archive_error_string(a)));

        while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
                _cleanup_strv_free_ char **l = NULL, **hl = NULL;
                _cleanup_free_ char *path = NULL, *hpath = NULL;
                const char *name = archive_entry_pathname(e), *hardlink = archive_entry_hardlink(e);

                if (!name || entry_components(name, &l) < 0 || (hardlink && entry_components(hardlink, &hl) < 0))
                        return set_reason(ret_reason, -EINVAL, "the archive member %s leaves its directory", strna(name));
                if (first && dst_exists && !dst_is_dir && archive_entry_filetype(e) == AE_IFDIR)
                        return set_reason(ret_reason, -ENOTDIR, "cannot copy a directory to %s: it is a file", dst);
                first = false;

                /* The top component is renamed to DST's name, or a leading "." dropped. */
                if (newtop) {
                        if (!l)
                                continue;
                        if (free_and_strdup(&l[0], newtop) < 0 || (hl && free_and_strdup(&hl[0], newtop) < 0))
                                return -ENOMEM;
                } else {
                        if (l && streq(l[0], ".")) {
                                free(l[0]);
                                memmove(l, l + 1, strv_length(l) * sizeof(char *));
                        }
                        if (hl && streq(hl[0], ".")) {
                                free(hl[0]);
                                memmove(hl, hl + 1, strv_length(hl) * sizeof(char *));
                        }
                }
                if (strv_length(l) == 0)
                        continue;   /* the destination directory itself */

                path = join_components(base, l, strv_length(l));
                hpath = hardlink ? join_components(base, hl, strv_length(hl)) : NULL;
                if (!path || (hardlink && !hpath))
                        return -ENOMEM;
                r = extract_entry(a, e, root_fd, path, hpath, ret_reason);
                if (r == -EROFS)
                        return set_reason(ret_reason, r, "the root file system of container %s is read-only", op->name);
                if (r < 0)
                        return r;
        }
        if (r != ARCHIVE_EOF)
                return set_reason(ret_reason, -EBADMSG, "cannot read the tar stream: %s", strna(archive_error_string(a)));
        /* The writer may still be sending the padding of the last record: take it, or it fails with EPIPE. */
        for (char buf[4096]; read(op->fd, buf, sizeof(buf)) > 0;)
                ;
        return 0;
}

static void copy_done(Manager *m, sd_bus_message *message, int r, const char *result_or_reason, void *userdata) {
        CopyOp *op = userdata;

        if (r >= 0)
                (void) sd_bus_reply_method_return(message, NULL);
        else if (IN_SET(r, -ENOENT, -ENOTDIR, -EISDIR, -EINVAL, -ELOOP, -EXDEV, -EOPNOTSUPP, -EROFS, -EBADMSG))
                (void) sd_bus_reply_method_errorf(message, NYX_ERROR_INVALID_ARGUMENT, "%s", result_or_reason);
        else if (r == -ESRCH)
                (void) sd_bus_reply_method_errorf(message, NYX_ERROR_NOT_RUNNING, "%s", result_or_reason);
        else
                (void) sd_bus_reply_method_errnof(message, r, "cannot copy %s %s: %s", op->to ? "into" : "out of",
                                                  op->name, result_or_reason);
        copy_op_free(op);
}

static int copy_method(sd_bus_message *msg, Container *c, bool to, sd_bus_error *error) {
        const char *path;
        CopyOp *op;
        bool raw = false;
        int fd, r;

        r = sd_bus_message_read(msg, "sh", &path, &fd);
        if (r < 0)
                return r;
        r = bus_read_bool_option(msg, "Raw", &raw);
        if (r < 0)
                return r;
        if (isempty(path) || strlen(path) > 4096)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "invalid path in the container: '%s'", path);

        (void) container_refresh(c);
        if (to && c->spec->read_only)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                         "the root file system of container %s is read-only (--read-only)", c->name);
        if (IN_SET(c->status, CONTAINER_STARTING, CONTAINER_STOPPING) || c->pending_start)
                return sd_bus_error_setf(error, NYX_ERROR_IN_USE, "container %s is %s: try again in a moment", c->name,
                                         container_status_to_string(c->status));

        op = calloc(1, sizeof(CopyOp));
        if (!op)
                return -ENOMEM;
        *op = (CopyOp) {
                .id = strdup(c->id), .name = strdup(c->name), .dir = strdup(c->dir), .path = strdup(path),
                .fd = fd, .to = to, .raw = raw, .running = container_is_active(c),
        };
        if (!op->id || !op->name || !op->dir || !op->path) {
                copy_op_free(op);
                return -ENOMEM;
        }
        r = operation_start(c->manager, msg, to ? copy_to_work : copy_from_work, copy_done, op);
        if (r < 0) {
                copy_op_free(op);
                return sd_bus_error_set_errnof(error, r, "cannot start the copy: %m");
        }
        return 1;
}

int method_container_copy_to(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return copy_method(msg, userdata, true, error);
}

int method_container_copy_from(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return copy_method(msg, userdata, false, error);
}
