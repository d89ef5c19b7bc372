/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bundle.h"
#include "bus-util.h"
#include "container-dbus.h"
#include "container-ops.h"
#include "container-tty.h"
#include "cgroup-util.h"
#include "container.h"
#include "fd-util.h"
#include "fileio.h"
#include "image.h"
#include "journal-sync.h"
#include "listen.h"
#include "log.h"
#include "manager.h"
#include "network.h"
#include "nyx-errors.h"
#include "output.h"
#include "path-util.h"
#include "ports.h"
#include "ptr-array.h"
#include "string-util.h"
#include "strv.h"
#include "unit-properties.h"
#include "unit.h"
#include "volume.h"

static void container_clean_up_orphaned(Container *c);

static const char *const status_table[_CONTAINER_STATUS_MAX] = {
        [CONTAINER_CREATED] = "created",
        [CONTAINER_STARTING] = "starting",
        [CONTAINER_RUNNING] = "running",
        [CONTAINER_STOPPING] = "stopping",
        [CONTAINER_EXITED] = "exited",
        [CONTAINER_PAUSED] = "paused",
        [CONTAINER_LISTENING] = "listening",
};

const char *container_status_to_string(ContainerStatus s) {
        return s >= 0 && s < _CONTAINER_STATUS_MAX ? status_table[s] : "unknown";
}

bool container_is_active(const Container *c) {
        return IN_SET(c->status, CONTAINER_STARTING, CONTAINER_RUNNING, CONTAINER_STOPPING, CONTAINER_PAUSED);
}

/* An --rm container (or one rm -f is waiting for) that exited is removed right away
 * (manager_unit_changed): its waiters are answered then, not before. */
static bool container_goes_on_exit(const Container *c) {
        return c->spec->auto_remove && !c->pending_start;
}

/* Its unit is there and not down: also between two runs of a restart policy (auto-restart), when the
 * container counts as exited but systemd is about to start it again. */
static bool container_unit_is_up(const Container *c) {
        const char *a = c->unit_state.active_state;

        return c->unit_state_known && !isempty(a) && !streq(a, "inactive") && !streq(a, "failed");
}

static uint64_t now_realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int container_new(Manager *m, const char *id, Container **ret) {
        _cleanup_(container_freep) Container *c = NULL;
        int r;

        c = calloc(1, sizeof(Container));
        if (!c)
                return -ENOMEM;
        c->manager = m;
        c->exit_code = -1;
        c->id = strdup(id);
        c->dir = path_join(m->state_dir, "containers", id);
        if (!c->id || !c->dir)
                return -ENOMEM;
        r = sd_bus_path_encode("/org/nyx/engine1/container", id, &c->object_path);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(c);
        return 0;
}

static void answer_waiters(Container *c) {
        /* Let journald take in the container's last lines before the caller reads them. */
        (void) journal_sync(500 * 1000);

        for (size_t i = 0; i < c->n_waiters; i++) {
                (void) sd_bus_reply_method_return(c->waiters[i], "i", c->exit_code);
                sd_bus_message_unref(c->waiters[i]);
        }
        c->waiters = mfree(c->waiters);
        c->manager->n_busy -= c->n_waiters;
        c->n_waiters = 0;
}

Container *container_free(Container *c) {
        if (!c)
                return NULL;
        if (c->manager)
                unit_forget_jobs(c->manager, c);
        for (size_t i = 0; i < c->n_waiters; i++) {
                (void) sd_bus_reply_method_errorf(c->waiters[i], NYX_ERROR_NO_SUCH_CONTAINER,
                                                  "container %s was removed", strna(c->name));
                sd_bus_message_unref(c->waiters[i]);
                c->manager->n_busy--;
        }
        free(c->waiters);
        sd_bus_message_unref(c->pending_start);
        unit_state_done(&c->unit_state);
        free(c->id);
        free(c->name);
        free(c->unit);
        free(c->dir);
        free(c->object_path);
        container_spec_free(c->spec);
        free(c->image_id);
        free(c->image_name);
        return mfree(c);
}

int container_set_name(Container *c, const char *name) {
        _cleanup_free_ char *unit = NULL;

        unit = strjoin("nyx-", name, ".service");
        if (!unit)
                return -ENOMEM;
        if (free_and_strdup(&c->name, name) < 0)
                return -ENOMEM;
        free(c->unit);
        c->unit = TAKE_PTR(unit);
        return 0;
}

int container_save(Container *c) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        _cleanup_free_ char *path = NULL;
        json_object *spec = NULL;
        const char *s;
        int r;

        if (!o)
                return -ENOMEM;
        r = container_spec_to_json(c->spec, &spec);
        if (r < 0)
                return r;
        json_object_object_add(o, "Id", json_object_new_string(c->id));
        json_object_object_add(o, "Name", json_object_new_string(c->name));
        json_object_object_add(o, "Created", json_object_new_uint64(c->created_usec));
        json_object_object_add(o, "ImageId", json_object_new_string(strempty(c->image_id)));
        json_object_object_add(o, "ImageName", json_object_new_string(strempty(c->image_name)));
        json_object_object_add(o, "UserStopped", json_object_new_boolean(c->user_stopped));
        json_object_object_add(o, "Spec", spec);

        path = path_join(c->dir, "record.json");
        if (!path)
                return -ENOMEM;
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        return write_file_atomic(path, s, strlen(s), 0600);
}

static const char *json_get_string(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

int container_load(Manager *m, const char *id, Container **ret) {
        _cleanup_(container_freep) Container *c = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_free_ char *path = NULL, *text = NULL, *reason = NULL;
        json_object *spec, *v;
        const char *name;
        int r;

        r = container_new(m, id, &c);
        if (r < 0)
                return r;
        path = path_join(c->dir, "record.json");
        if (!path)
                return -ENOMEM;
        r = read_full_file(path, 4 * 1024 * 1024, &text, NULL);
        if (r < 0)
                return r;
        o = json_tokener_parse(text);
        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;

        name = json_get_string(o, "Name");
        if (!name || !streq_ptr(json_get_string(o, "Id"), id))
                return -EBADMSG;
        if (!json_object_object_get_ex(o, "Spec", &spec))
                return -EBADMSG;
        r = container_spec_from_json(spec, &c->spec, &reason);
        if (r < 0)
                return r;
        r = container_set_name(c, name);
        if (r < 0)
                return r;
        if (json_object_object_get_ex(o, "Created", &v))
                c->created_usec = json_object_get_uint64(v);
        if (json_object_object_get_ex(o, "UserStopped", &v))
                c->user_stopped = json_object_get_boolean(v);
        c->image_id = strdup_or_null(json_get_string(o, "ImageId"));
        c->image_name = strdup_or_null(json_get_string(o, "ImageName"));

        *ret = TAKE_PTR(c);
        return 0;
}

/* state.json, written by nyx-prepare at start and after exit. */
static void read_prepare_state(Container *c, bool *ret_exited) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_free_ char *path = NULL, *text = NULL;
        json_object *v;

        *ret_exited = false;
        path = path_join(c->dir, "state.json");
        if (!path || read_full_file(path, 64 * 1024, &text, NULL) < 0)
                return;
        o = json_tokener_parse(text);
        if (!o)
                return;
        if (json_object_object_get_ex(o, "StartedAt", &v))
                c->started_usec = json_object_get_uint64(v);
        if (streq_ptr(json_get_string(o, "Status"), "exited")) {
                *ret_exited = true;
                if (json_object_object_get_ex(o, "ExitCode", &v))
                        c->exit_code = json_object_get_int(v);
                if (json_object_object_get_ex(o, "FinishedAt", &v))
                        c->finished_usec = json_object_get_uint64(v);
        }
}

int container_refresh(Container *c) {
        UnitState *s = &c->unit_state;
        ContainerStatus old = c->status;
        bool exited = false;
        int old_exit = c->exit_code, r;

        if (!c->unit_state_known) {
                unit_state_done(s);
                r = unit_get_state(c->manager, c->unit, s);
                if (r < 0 && r != -ENOENT)
                        return r;
                c->unit_state_known = true;
        }

        read_prepare_state(c, &exited);
        c->main_pid = s->main_pid;
        c->n_restarts = s->n_restarts;

        if (streq(s->active_state, "active") || streq(s->active_state, "reloading"))
                c->status = streq(s->sub_state, "running") || streq(s->sub_state, "exited") ?
                        CONTAINER_RUNNING : CONTAINER_STARTING;
        else if (streq(s->active_state, "activating"))
                /* auto-restart between two runs counts as exited, as docker shows "restarting" */
                c->status = streq(s->sub_state, "auto-restart") ? CONTAINER_EXITED : CONTAINER_STARTING;
        else if (streq(s->active_state, "deactivating"))
                c->status = CONTAINER_STOPPING;
        else if (exited)
                c->status = CONTAINER_EXITED;
        else if (c->pending_start)
                /* A new transient unit is first announced as inactive. */
                c->status = CONTAINER_STARTING;
        else
                /* Started, and no exit recorded: its stop step never ran (a crash). */
                c->status = c->started_usec > 0 ? CONTAINER_EXITED : CONTAINER_CREATED;
        /* (not once stopped or being removed: its socket is on its way out) */
        if (IN_SET(c->status, CONTAINER_EXITED, CONTAINER_CREATED) && container_listens(c) && !c->user_stopped &&
            !c->spec->auto_remove && listen_socket_is_active(c))
                c->status = CONTAINER_LISTENING;

        if (c->status == CONTAINER_RUNNING && !s->control_group) {
                /* The main process is the container's PID 1, in <unit's cgroup>/payload: no need to
                 * ask systemd for the unit's ControlGroup (a round trip before the start's reply). */
                _cleanup_free_ char *cg = NULL;
                char *e;

                if (s->main_pid > 0 && cgroup_pid_get_path(s->main_pid, c->manager->cgroup_mode, &cg) >= 0 &&
                    (e = endswith(cg, "/payload")) && e != cg) {
                        *e = 0;
                        s->control_group = TAKE_PTR(cg);
                } else
                        (void) unit_get_control_group(c->manager, c->unit, &s->control_group);
        }
        if (c->status == CONTAINER_RUNNING && s->control_group &&
            container_payload_is_frozen(c->manager, s->control_group))
                c->status = CONTAINER_PAUSED;
        if (c->status == CONTAINER_RUNNING && s->exec_main_code == 0)
                c->exit_code = -1;

        if (old != c->status || old_exit != c->exit_code)
                container_dbus_send_changed(c);

        /* A terminal whose container side is gone: its last output to the journal, then closed. */
        container_console_refresh(c);

        /* No ResetFailedUnit here: a restarting unit passes through "failed"
         * (systemd 252), and a reset would zero its restart counter and start
         * limit. CollectMode=inactive-or-failed frees the name anyway. */
        /* Only an exit nyx-prepare recorded ends a wait: that is when the
         * status is known. */
        if (c->status == CONTAINER_EXITED && exited && c->n_waiters > 0 && !container_goes_on_exit(c))
                answer_waiters(c);
        return 0;
}

static int generate_id(char **ret) {
        uint8_t buf[32];

        if (getrandom(buf, sizeof(buf), 0) != (ssize_t) sizeof(buf))
                return -EIO;
        *ret = hexmem(buf, sizeof(buf));
        return *ret ? 0 : -ENOMEM;
}

static int generate_name(Manager *m, char **ret) {
        static const char *const adjectives[] = {
                "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "keen", "lucid", "merry",
                "nifty", "proud", "quiet", "sharp", "sleepy", "swift", "tender", "vivid", "witty", "zen",
        };
        static const char *const nouns[] = {
                "babbage", "curie", "dijkstra", "euler", "fermat", "gauss", "hopper", "knuth", "lovelace",
                "noether", "pascal", "ritchie", "shannon", "thompson", "torvalds", "turing", "wozniak",
        };

        for (unsigned attempt = 0; attempt < 64; attempt++) {
                uint32_t rnd;
                char *name = NULL;

                if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t) sizeof(rnd))
                        return -EIO;
                if (asprintf(&name, "%s_%s", adjectives[rnd % ELEMENTSOF(adjectives)],
                             nouns[(rnd >> 8) % ELEMENTSOF(nouns)]) < 0)
                        return -ENOMEM;
                if (attempt >= 32) {
                        char *n2 = NULL;
                        if (asprintf(&n2, "%s%u", name, rnd % 1000) < 0) {
                                free(name);
                                return -ENOMEM;
                        }
                        free(name);
                        name = n2;
                }
                if (!manager_find_container(m, name)) {
                        *ret = name;
                        return 0;
                }
                free(name);
        }
        return -EEXIST;
}

static int manager_add_container(Manager *m, Container *c) {
        return ptr_array_append((void ***) &m->containers, &m->n_containers, c);
}

static void manager_drop_container(Manager *m, Container *c) {
        (void) ptr_array_remove((void **) m->containers, &m->n_containers, c);
}

int container_create(Manager *m, ContainerSpec *spec_in, const char *image_name, sd_bus_error *error, Container **ret) {
        _cleanup_(container_spec_freep) ContainerSpec *spec = spec_in;
        _cleanup_(container_freep) Container *c = NULL;
        _cleanup_free_ char *id = NULL, *name = NULL, *reason = NULL;
        Container *other;
        Image *image;
        int r;

        image = manager_find_image(m, image_name);
        if (!image)
                return sd_bus_error_setf(error, NYX_ERROR_NO_SUCH_IMAGE,
                                         "no such image: %s (pull it first: nyxctl pull %s)", image_name, image_name);

        if (spec->name) {
                other = manager_find_container(m, spec->name);
                if (other && streq(other->name, spec->name))
                        return sd_bus_error_setf(error, NYX_ERROR_NAME_IN_USE,
                                                 "name %s is already in use by container %s", spec->name, other->id);
                name = strdup(spec->name);
        } else {
                r = generate_name(m, &name);
                if (r < 0)
                        return r;
        }
        if (!name)
                return -ENOMEM;

        r = generate_id(&id);
        if (r < 0)
                return r;
        r = container_new(m, id, &c);
        if (r < 0)
                return r;
        c->spec = TAKE_PTR(spec);
        r = container_set_name(c, name);
        if (r < 0)
                return r;
        if (free_and_strdup(&c->spec->name, name) < 0 || free_and_strdup(&c->spec->id, id) < 0 ||
            free_and_strdup(&c->spec->image_id, image->id) < 0)
                return -ENOMEM;
        c->image_id = strdup(image->id);
        c->image_name = strdup(c->spec->image ?: (image->names ? image->names[0] : image->id));
        if (!c->image_id || !c->image_name)
                return -ENOMEM;
        c->created_usec = now_realtime_usec();
        c->status = CONTAINER_CREATED;
        /* A new container has no unit yet (one left by a removed container of the same name was
         * stopped when it went): no need to ask systemd at the first refresh. */
        c->unit_state_known = true;

        r = ports_resolve(m, c->spec, image->config, error);
        if (r < 0)
                return r;

        r = mkdir_p(c->dir, 0700);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot create %s: %m", c->dir);

        r = bundle_write(c, image, &reason);
        if (r < 0) {
                (void) rm_rf(c->dir);
                if (r == -EINVAL && reason)
                        return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "%s", reason);
                return sd_bus_error_set_errnof(error, r, "cannot write the bundle of %s: %s", name,
                                               reason ?: strerror(-r));
        }

        r = container_save(c);
        if (r < 0) {
                network_detach_container(m, c->id);
                (void) rm_rf(c->dir);
                return sd_bus_error_set_errnof(error, r, "cannot write the record of %s: %m", name);
        }

        r = manager_add_container(m, c);
        if (r < 0) {
                network_detach_container(m, c->id);
                (void) rm_rf(c->dir);
                return r;
        }
        (void) container_dbus_send_added(c);

        *ret = TAKE_PTR(c);
        return 0;
}

/* What one start adds to the unit: the caller's stdin (run -i). */
typedef struct UnitStart {
        Container *container;
        int stdin_fd;           /* -EBADF: /dev/null */
} UnitStart;

static int append_unit_properties(sd_bus_message *m, void *userdata) {
        const UnitStart *start = userdata;
        Container *c = start->container;
        Manager *mgr = c->manager;
        const ContainerSpec *s = c->spec;
        _cleanup_free_ char *description = NULL, *f_name = NULL, *f_id = NULL, *f_full = NULL,
                *bundle = NULL;
        char id12[13];
        char *prepare_stop[] = { mgr->prepare_path, (char *) "stop", c->dir, NULL };
        /* nyx-prepare launch sets the container up, has crun create it, hands its PID 1 to systemd as
         * the unit's main process and starts it: no monitor process stays behind per container. */
        char *launch[] = { mgr->prepare_path, (char *) "launch", c->dir, NULL };
        char *devices[] = {
                (char *) "/dev/null", (char *) "rwm", (char *) "/dev/zero", (char *) "rwm",
                (char *) "/dev/full", (char *) "rwm", (char *) "/dev/random", (char *) "rwm",
                (char *) "/dev/urandom", (char *) "rwm", (char *) "/dev/tty", (char *) "rwm",
                (char *) "/dev/ptmx", (char *) "rwm", (char *) "char-pts", (char *) "rwm",
                NULL,
        };
        int r;

        snprintf(id12, sizeof(id12), "%.12s", c->id);
        bundle = path_join(c->dir, "bundle");
        description = strjoin("nyx container ", c->name, " (", strempty(c->image_name), ")");
        f_name = strjoin("CONTAINER_NAME=", c->name);
        f_id = strjoin("CONTAINER_ID=", id12);
        f_full = strjoin("CONTAINER_ID_FULL=", c->id);
        if (!bundle || !description || !f_name || !f_id || !f_full)
                return -ENOMEM;
        char *fields[] = { f_name, f_id, f_full, NULL };
        /* -t: crun sends the pty master to nyxd's console socket (container-tty.c); nyx-prepare launch
         * passes --console-socket=PATH on to crun create. */
        _cleanup_strv_free_ char **run_tty = NULL;
        r = container_console_run_argv(c, launch, &run_tty);
        if (r < 0)
                return r;

        if ((r = unit_property_string(m, "Description", description)) < 0 ||
            (r = unit_property_string(m, "Slice", "nyx.slice")) < 0 ||
            (r = unit_property_bool(m, "Delegate", true)) < 0 ||
            (r = unit_property_string(m, "KillMode", "mixed")) < 0 ||

            (r = unit_property_string(m, "CollectMode", "inactive-or-failed")) < 0 ||
            (r = unit_property_string(m, "Type", "notify")) < 0 ||
            (r = unit_property_string(m, "NotifyAccess", "all")) < 0 ||
            (r = unit_property_exec(m, "ExecStart", run_tty ?: launch, false)) < 0 ||
            (r = unit_property_exec(m, "ExecStopPost", prepare_stop, false)) < 0 ||
            (r = start->stdin_fd >= 0 ?
                 sd_bus_message_append(m, "(sv)", "StandardInputFileDescriptor", "h", start->stdin_fd) :
                 unit_property_string(m, "StandardInput", "null")) < 0 ||
            (r = unit_property_string(m, "StandardOutput", "journal")) < 0 ||
            (r = unit_property_string(m, "StandardError", "journal")) < 0 ||
            (r = unit_property_string(m, "SyslogIdentifier", s->log_tag ?: c->name)) < 0 ||
            (r = unit_property_log_extra_fields(m, fields)) < 0 ||
            (r = unit_property_bool(m, "MemoryAccounting", true)) < 0 ||
            (r = unit_property_bool(m, "CPUAccounting", true)) < 0 ||
            (r = unit_property_bool(m, "TasksAccounting", true)) < 0 ||
            (r = unit_property_string(m, "DevicePolicy", s->privileged ? "auto" : "strict")) < 0)
                return r;

        if (!s->privileged) {
                r = unit_property_device_allow(m, devices);
                if (r < 0)
                        return r;
        }

        r = unit_properties_restart(m, s->restart.type == RESTART_POLICY_NO ? "no" :
                                       s->restart.type == RESTART_POLICY_ON_FAILURE ? "on-failure" :
                                       s->restart.type == RESTART_POLICY_ALWAYS ? "always" : "unless-stopped",
                                    s->restart.max_retries);
        if (r < 0)
                return r;

        /* docker's --stop-timeout 0 kills at once. systemd's TimeoutStopSec=0
         * would wait forever, and a tiny one would also cut ExecStopPost
         * short: stopping with SIGKILL is what 0 means. */
        if (s->stop_timeout_set && s->stop_timeout_usec == 0)
                r = unit_property_int32(m, "KillSignal", SIGKILL);
        else
                r = s->stop_signal > 0 ? unit_property_int32(m, "KillSignal", s->stop_signal) : 0;
        if (r < 0)
                return r;
        r = unit_property_uint64(m, "TimeoutStopUSec",
                                 !s->stop_timeout_set || s->stop_timeout_usec == 0 ? 10 * 1000000ULL :
                                 s->stop_timeout_usec);
        if (r < 0)
                return r;

        if (s->memory > 0 && (r = unit_property_uint64(m, "MemoryMax", s->memory)) < 0)
                return r;
        if (s->memory_swap > 0 && s->memory > 0 &&
            (r = unit_property_uint64(m, "MemorySwapMax", (uint64_t) s->memory_swap - s->memory)) < 0)
                return r;
        if (s->cpu_quota_per_sec_usec > 0 &&
            (r = unit_property_uint64(m, "CPUQuotaPerSecUSec", s->cpu_quota_per_sec_usec)) < 0)
                return r;
        if (s->cpu_shares > 0) {
                /* crun's and systemd's conversion of shares to a weight */
                uint64_t w = 1 + ((s->cpu_shares - 2) * 9999) / 262142;
                if ((r = unit_property_uint64(m, "CPUWeight", w)) < 0)
                        return r;
        }
        if (s->pids_limit > 0 && (r = unit_property_uint64(m, "TasksMax", (uint64_t) s->pids_limit)) < 0)
                return r;
        if (s->pids_limit < 0 && (r = unit_property_uint64(m, "TasksMax", UINT64_MAX)) < 0)
                return r;
        return 0;
}

static void on_start_job_done(Manager *m, const char *result, void *userdata) {
        Container *c = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = TAKE_PTR(c->pending_start);

        (void) container_refresh(c);
        if (!msg)
                return;
        if (streq(result, "done"))
                (void) sd_bus_reply_method_return(msg, NULL);
        else
                (void) sd_bus_reply_method_errorf(msg, NYX_ERROR_NOT_RUNNING,
                                                  "container %s failed to start (%s); see: journalctl -u %s",
                                                  c->name, result, c->unit);
}

int container_start(Container *c, sd_bus_message *message, sd_bus_error *error) {
        return container_start_with_stdin(c, -EBADF, message, error);
}

int container_append_unit_properties(sd_bus_message *m, Container *c) {
        UnitStart start = { .container = c, .stdin_fd = -EBADF };

        return append_unit_properties(m, &start);
}

int container_start_with_stdin(Container *c, int stdin_fd, sd_bus_message *message, sd_bus_error *error) {
        UnitStart start = { .container = c, .stdin_fd = stdin_fd };
        size_t n_waiters = c->n_waiters;
        int r;

        /* Waiters of a stopped container wait for the run this starts (NextExit): the last run's
         * state.json, still there until below, must not answer them. */
        c->n_waiters = 0;
        (void) container_refresh(c);
        c->n_waiters = n_waiters;
        if (container_is_active(c))
                return message ? sd_bus_reply_method_return(message, NULL) : 0;   /* docker: starting a running one is fine */
        if (container_listens(c))
                return listen_start(c, message, error);   /* the first connection starts it */
        if (c->pending_start)
                return sd_bus_error_setf(error, NYX_ERROR_IN_USE, "container %s is already being started", c->name);
        if (c->spec->tty) {
                r = container_console_prepare(c);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "cannot make the console socket of %s: %m", c->name);
        }

        /* A fresh run: forget how the last one ended. */
        {
                _cleanup_free_ char *state = path_join(c->dir, "state.json");
                if (state)
                        (void) unlink(state);
        }
        c->exit_code = -1;
        c->started_usec = 0;
        c->finished_usec = 0;
        if (c->user_stopped) {
                c->user_stopped = false;
                (void) container_save(c);
        }

        /* A failed unit of the last run; a container that never ran has none (saves a round trip). */
        if (c->status != CONTAINER_CREATED && (!c->unit_state_known || !isempty(c->unit_state.active_state)))
                (void) unit_reset_failed(c->manager, c->unit);
        unit_state_done(&c->unit_state);
        c->unit_state = (UnitState) { .active_state = "activating", .sub_state = "start-pre",
                                      .memory_current = UINT64_MAX, .cpu_usage_nsec = UINT64_MAX,
                                      .tasks_current = UINT64_MAX };
        c->unit_state_known = true;
        r = unit_start_transient(c->manager, c->unit, append_unit_properties, &start, on_start_job_done, c, error);
        if (r < 0)
                return r;

        c->pending_start = message ? sd_bus_message_ref(message) : NULL;
        c->status = CONTAINER_STARTING;
        container_dbus_send_changed(c);
        return 1;
}

typedef struct StopRequest {
        Container *container;
        sd_bus_message *message;
        sd_event_source *timer;
} StopRequest;

static void stop_request_free(StopRequest *s) {
        sd_event_source_disable_unref(s->timer);
        sd_bus_message_unref(s->message);
        free(s);
}

static void on_stop_job_done(Manager *m, const char *result, void *userdata) {
        StopRequest *s = userdata;

        if (s->message)
                (void) sd_bus_reply_method_return(s->message, NULL);
        stop_request_free(s);
}

/* systemd cannot change TimeoutStopSec= of a running unit: a stop with its
 * own timeout SIGKILLs the container when that runs out. */
static int on_stop_timeout(sd_event_source *es, uint64_t usec, void *userdata) {
        StopRequest *s = userdata;

        (void) unit_kill(s->container->manager, s->container->unit, "all", SIGKILL, NULL);
        return 0;
}

int container_stop(Container *c, uint64_t timeout_usec, sd_bus_message *message, sd_bus_error *error) {
        StopRequest *s;
        int r;

        (void) container_refresh(c);
        if (!c->user_stopped) {
                c->user_stopped = true;
                (void) container_save(c);
        }
        if (container_listens(c))
                listen_stop(c);
        if (!container_is_active(c) && !container_unit_is_up(c))
                return sd_bus_reply_method_return(message, NULL);
        if (c->status == CONTAINER_PAUSED)
                (void) container_thaw(c);   /* frozen processes cannot act on the stop signal */

        s = calloc(1, sizeof(StopRequest));
        if (!s)
                return -ENOMEM;
        s->container = c;
        s->message = sd_bus_message_ref(message);

        if (timeout_usec == 0)
                (void) unit_kill(c->manager, c->unit, "all", SIGKILL, NULL);
        else if (timeout_usec != UINT64_MAX) {
                r = sd_event_add_time_relative(c->manager->event, &s->timer, CLOCK_MONOTONIC, timeout_usec, 0,
                                               on_stop_timeout, s);
                if (r < 0) {
                        stop_request_free(s);
                        return r;
                }
        }

        r = unit_stop(c->manager, c->unit, on_stop_job_done, s, error);
        if (r < 0 && sd_bus_error_has_name(error, "org.freedesktop.systemd1.NoSuchUnit")) {
                /* It ended (the SIGKILL above, or on its own) and systemd collected the unit before the
                 * stop reached it: stopped. Its exit was recorded by its stop step. */
                sd_bus_error_free(error);
                stop_request_free(s);
                c->unit_state_known = false;
                (void) container_refresh(c);
                return sd_bus_reply_method_return(message, NULL);
        }
        if (r < 0) {
                stop_request_free(s);
                return r;
        }
        return 1;
}

int container_kill(Container *c, int signo, sd_bus_error *error) {
        int r;

        (void) container_refresh(c);
        if (!container_is_active(c))
                return sd_bus_error_setf(error, NYX_ERROR_NOT_RUNNING, "container %s is not running", c->name);
        /* The main process is the container's PID 1. */
        r = unit_kill(c->manager, c->unit, "main", signo, error);
        if (r < 0 && sd_bus_error_has_name(error, "org.freedesktop.systemd1.NoSuchUnit")) {
                sd_bus_error_free(error);
                return sd_bus_error_setf(error, NYX_ERROR_NOT_RUNNING, "container %s is not running", c->name);
        }
        return r;
}

int container_wait(Container *c, sd_bus_message *message, bool next_exit) {
        sd_bus_message **n;

        (void) container_refresh(c);
        if (!next_exit && !c->pending_start && (c->status == CONTAINER_EXITED || c->status == CONTAINER_CREATED))
                return sd_bus_reply_method_return(message, "i", c->exit_code);

        n = realloc(c->waiters, (c->n_waiters + 1) * sizeof(sd_bus_message *));
        if (!n)
                return -ENOMEM;
        c->waiters = n;
        c->waiters[c->n_waiters++] = sd_bus_message_ref(message);
        c->manager->n_busy++;
        return 1;
}

int container_remove(Container *c, bool force, sd_bus_error *error) {
        _cleanup_strv_free_ char **anonymous = NULL;
        Manager *m = c->manager;
        int r;

        (void) container_refresh(c);
        if (container_listens(c) && (force || !container_is_active(c)))
                listen_stop(c);
        if (container_is_active(c) || container_unit_is_up(c)) {
                if (!force)
                        return sd_bus_error_setf(error, NYX_ERROR_IN_USE,
                                                 "container %s is %s: stop it first, or use rm -f", c->name,
                                                 container_is_active(c) ? "running" : "restarting");
                /* -f: SIGKILL, as docker does, and a stop job so that no restart policy brings it
                 * back; then wait for the unit to go. */
                if (c->status == CONTAINER_PAUSED)
                        (void) container_thaw(c);
                (void) unit_kill(m, c->unit, "all", SIGKILL, NULL);
                (void) unit_stop(m, c->unit, NULL, NULL, NULL);
                return -EAGAIN;
        }

        (void) unit_reset_failed(m, c->unit);
        ports_remove_rules(c);
        if (c->volumes_on_remove > 0 || (c->volumes_on_remove == 0 && c->spec->auto_remove))
                (void) volume_anonymous_names(m, c->spec, &anonymous);
        /* What the stop step could not remove (it races with the kernel
         * reaping killed processes) goes now: the unit is gone for good. */
        container_clean_up_orphaned(c);
        container_console_forget(c);
        network_detach_container(m, c->id);
        r = rm_rf(c->dir);
        /* Who waits for an --rm or rm -f container hears of its end once it is gone: a new container
         * may take its name right away. */
        if (c->n_waiters > 0)
                answer_waiters(c);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot remove %s: %m", c->dir);

        (void) container_dbus_send_removed(c);
        manager_drop_container(m, c);
        container_free(c);
        manager_remove_volumes(m, anonymous);
        return 0;
}

Container *manager_find_container(Manager *m, const char *name_or_id) {
        Container *found = NULL;
        size_t l = strlen(name_or_id);

        for (size_t i = 0; i < m->n_containers; i++)
                if (streq(m->containers[i]->name, name_or_id) || streq(m->containers[i]->id, name_or_id))
                        return m->containers[i];

        /* A unique ID prefix, as docker takes them. */
        if (l < 3 || strspn(name_or_id, "0123456789abcdef") != l)
                return NULL;
        for (size_t i = 0; i < m->n_containers; i++)
                if (strncmp(m->containers[i]->id, name_or_id, l) == 0) {
                        if (found)
                                return NULL;
                        found = m->containers[i];
                }
        return found;
}

Container *manager_find_container_by_unit(Manager *m, const char *unit) {
        for (size_t i = 0; i < m->n_containers; i++)
                if (streq(m->containers[i]->unit, unit))
                        return m->containers[i];
        return NULL;
}

void manager_unit_changed(Manager *m, const char *unit, const char *interface, sd_bus_message *changed) {
        Container *c = manager_find_container_by_unit(m, unit);

        if (!c)
                return;
        if (c->unit_state_known)
                (void) unit_state_apply_changes(&c->unit_state, interface, changed);
        (void) container_refresh(c);
        if (c->status == CONTAINER_EXITED && container_goes_on_exit(c) && !c->removing &&
            !container_unit_is_up(c)) {
                _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;

                c->removing = true;
                if (container_remove(c, false, &error) < 0) {
                        /* It stays; nobody may wait for it forever. */
                        log_warning("Cannot remove container %s: %s", c->name, strna(error.message));
                        c->removing = false;
                        if (c->n_waiters > 0)
                                answer_waiters(c);
                }
        }
}

int manager_load_containers(Manager *m) {
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ char *dir = NULL;
        struct dirent *de;

        dir = path_join(m->state_dir, "containers");
        if (!dir)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;

        while ((de = readdir(d))) {
                Container *c = NULL;
                int r;

                if (!container_id_is_valid(de->d_name))
                        continue;
                r = container_load(m, de->d_name, &c);
                if (r < 0) {
                        log_warning_errno(r, "Ignoring container %s with an unreadable record: %m", de->d_name);
                        continue;
                }
                r = manager_add_container(m, c);
                if (r < 0) {
                        container_free(c);
                        return r;
                }
                (void) container_refresh(c);
        }
        return 0;
}

static bool is_mount_point(const char *path) {
        _cleanup_free_ char *mi = NULL, *needle = NULL;

        if (read_full_file("/proc/self/mountinfo", 16 * 1024 * 1024, &mi, NULL) < 0)
                return false;
        needle = strjoin(" ", path, " ");
        return needle && strstr(mi, needle);
}

/* What a crash (of nyxd, of a unit's stop step, of the machine) can leave:
 * a rootfs still mounted, empty payload cgroups crun left in v1 hierarchies,
 * --rm containers that exited while nobody watched. */
static void container_clean_up_orphaned(Container *c) {
        _cleanup_free_ char *rootfs = path_join(c->dir, "rootfs");
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (container_is_active(c))
                return;

        if (rootfs && is_mount_point(rootfs) && umount2(rootfs, MNT_DETACH) < 0)
                log_warning_errno(errno, "Cannot unmount the stale rootfs %s: %m", rootfs);

        d = opendir("/sys/fs/cgroup");
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *payload = NULL, *unit = NULL;

                if (de->d_name[0] == '.')
                        continue;
                unit = strjoin("/sys/fs/cgroup/", de->d_name, "/nyx.slice/", c->unit);
                payload = unit ? strjoin(unit, "/payload") : NULL;
                if (payload && rmdir(payload) >= 0)
                        (void) rmdir(unit);
        }
}

/* Once per boot (/run is new at boot): start the containers whose restart
 * policy says they come back after a reboot. */
static void manager_restart_after_boot(Manager *m) {
        _cleanup_free_ char *marker = path_join(m->run_dir, "boot-restart-done");
        int r;

        if (!marker || access(marker, F_OK) >= 0)
                return;

        for (size_t i = 0; i < m->n_containers; i++) {
                Container *c = m->containers[i];
                RestartPolicyType t = c->spec->restart.type;

                if (container_is_active(c))
                        continue;
                if (t != RESTART_POLICY_ALWAYS && !(t == RESTART_POLICY_UNLESS_STOPPED && !c->user_stopped))
                        continue;
                r = container_start(c, NULL, NULL);
                if (r < 0)
                        log_warning_errno(r, "Cannot start %s after boot: %m", c->name);
                else
                        log_info("Started %s (restart policy) after boot.", c->name);
        }
        (void) write_file_atomic(marker, "", 0, 0600);
}

/* nyx-*.service units that no record knows: a container whose record is
 * gone cannot be managed, so its unit is stopped. */
static void manager_stop_unknown_units(Manager *m) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name;
        int r;

        r = sd_bus_call_method(m->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "ListUnitsByPatterns", NULL, &reply,
                               "asas", 0, 1, "nyx-*.service");
        if (r < 0)
                return;
        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        if (r < 0)
                return;
        while (sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                                   NULL, NULL) > 0)
                if (!manager_find_container_by_unit(m, name) && !listen_unit_name_is_ours(name)) {
                        log_warning("Stopping %s: no container record belongs to it.", name);
                        (void) unit_stop(m, name, NULL, NULL, NULL);
                }
}

void manager_clean_up_and_restart(Manager *m) {
        manager_stop_unknown_units(m);

        for (size_t i = 0; i < m->n_containers; ) {
                Container *c = m->containers[i];

                container_clean_up_orphaned(c);
                if (c->spec->auto_remove && c->status == CONTAINER_EXITED) {
                        c->removing = true;
                        if (container_remove(c, false, NULL) >= 0)
                                continue;   /* the array shifted */
                }
                i++;
        }

        manager_remove_stale_port_rules(m);
        manager_restart_after_boot(m);
        manager_restore_listeners(m);
}
