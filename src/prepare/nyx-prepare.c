/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nyx-prepare: run by each container unit, as ExecStart= ("launch") and
 * ExecStopPost= ("stop"), so that a unit restarted by systemd works even when
 * nyxd is not running. "launch" mounts the rootfs, points the bundle's
 * cgroupsPath into the unit's own cgroup, sets up the network and then hands
 * the container's PID 1 to systemd (prepare-launch.c); "stop" deletes what
 * crun left, unmounts and records how the container ended. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <systemd/sd-bus.h>

#include "cgroup-util.h"
#include "fd-util.h"
#include "output.h"
#include "fileio.h"
#include "log.h"
#include "nyx-errors.h"
#include "path-util.h"
#include "prepare-config.h"
#include "prepare-launch.h"
#include "spawn.h"
#include "prepare-network.h"
#include "prepare-ports.h"
#include "string-util.h"
#include "user-resolve.h"
#include "volume-util.h"

/* mkdir -p of path below root, refusing to walk through symlinks. */
static int mkdir_p_no_symlinks(const char *root, const char *path) {
        _cleanup_close_ int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *copy = strdup(path);
        char *save = NULL;

        if (fd < 0)
                return -errno;
        if (!copy)
                return -ENOMEM;
        for (char *comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
                int next;

                if (streq(comp, ".") || streq(comp, ".."))
                        return -EINVAL;
                if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
                        return -errno;
                next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0)
                        return -errno;
                safe_close(fd);
                fd = next;
        }
        return 0;
}

static int write_json_atomic(const char *path, json_object *o) {
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        return write_file_atomic(path, s, strlen(s), 0600);
}

static uint64_t now_realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The unit's own cgroup, as the kernel reports it for this process: the
 * cgroup2 line where cgroup2 is what is mounted, name=systemd otherwise
 * (/proc/self/cgroup lists every hierarchy the kernel has, mounted or not). */
static int own_cgroup(char **ret) {
        CGroupMode mode;
        int r;

        r = cgroup_detect_mode("/sys/fs/cgroup", &mode);
        if (r < 0)
                return r;
        return cgroup_pid_get_path(0, mode, ret);
}

static int patch_cgroups_path(const PrepareConfig *c) {
        _cleanup_free_ char *config_path = NULL, *cg = NULL, *payload = NULL;
        json_object *linux_o;
        json_object *o;
        int r;

        r = own_cgroup(&cg);
        if (r < 0)
                return log_error_errno(r, "Cannot find this unit's cgroup: %m");

        payload = path_join(cg, "payload");
        config_path = path_join(c->bundle, "config.json");
        if (!payload || !config_path)
                return log_oom();

        o = json_object_from_file(config_path);
        if (!o)
                return log_error_errno(EBADMSG, "Cannot read %s: %s", config_path, json_util_get_last_err());
        if (!json_object_object_get_ex(o, "linux", &linux_o)) {
                linux_o = json_object_new_object();
                json_object_object_add(o, "linux", linux_o);
        }
        /* nyxd wrote where the unit's cgroup normally is: no rewrite (and fsync) when it is there. */
        json_object *cur;
        if (json_object_object_get_ex(linux_o, "cgroupsPath", &cur) && json_object_is_type(cur, json_type_string) &&
            streq(json_object_get_string(cur), payload)) {
                json_object_put(o);
                return 0;
        }
        json_object_object_add(linux_o, "cgroupsPath", json_object_new_string(payload));
        r = write_json_atomic(config_path, o);
        json_object_put(o);
        if (r < 0)
                return log_error_errno(r, "Cannot write %s: %m", config_path);
        return 0;
}

static int mount_rootfs(const PrepareConfig *c) {
        _cleanup_free_ char *options = NULL, *lower = NULL;
        int r;

        r = mkdir_p(c->rootfs, 0755);
        if (r < 0)
                return log_error_errno(r, "Cannot create %s: %m", c->rootfs);

        /* A previous run that died without its stop step leaves the mount. */
        (void) umount2(c->rootfs, MNT_DETACH);

        r = prepare_config_lowerdir_option(c, &lower);
        if (r < 0)
                return log_oom();

        /* Even --read-only gets an upper dir: crun needs to create mount
         * points (/etc/hosts, volumes), then makes the root read-only itself
         * (root.readonly in config.json). The upper holds nothing else. */
        r = mkdir_p(c->upper, 0755);
        if (r >= 0)
                r = mkdir_p(c->work, 0700);
        if (r < 0)
                return log_error_errno(r, "Cannot create %s: %m", c->upper);
        r = asprintf(&options, "lowerdir=%s,upperdir=%s,workdir=%s", lower, c->upper, c->work);
        if (r < 0)
                return log_oom();

        if (mount("overlay", c->rootfs, "overlay", 0, options) < 0)
                return log_error_errno(errno, "Cannot mount the overlay rootfs at %s: %m", c->rootfs);
        return 0;
}

static int write_state(const PrepareConfig *c, const char *status, int exit_code, const char *result) {
        _cleanup_free_ char *path = path_join(c->dir, "state.json");
        json_object *o;
        int r;

        if (!path)
                return -ENOMEM;
        o = json_object_new_object();
        json_object_object_add(o, "Status", json_object_new_string(status));
        if (streq(status, "running"))
                json_object_object_add(o, "StartedAt", json_object_new_uint64(now_realtime_usec()));
        else {
                json_object_object_add(o, "ExitCode", json_object_new_int(exit_code));
                json_object_object_add(o, "FinishedAt", json_object_new_uint64(now_realtime_usec()));
                json_object_object_add(o, "Result", json_object_new_string(strempty(result)));
        }
        r = write_json_atomic(path, o);
        json_object_put(o);
        return r;
}

/* Is there an executable file at path (inside the rootfs)? 0, or 126 / 127
 * as docker reports them. */
static int check_one(int root_fd, const char *path) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        fd = open_file_in_root(root_fd, path, true);
        if (fd < 0)
                return fd == -ENOENT || fd == -ENOTDIR ? 127 : 126;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                return 126;
        return 0;
}

/* crun cannot tell "not found" from "failed" in its exit status, so look
 * the command up the way execvp() in the container will. */
static int check_command(const PrepareConfig *c, int *ret_status) {
        _cleanup_(json_object_putp) json_object *config = NULL;
        _cleanup_free_ char *config_path = NULL;
        _cleanup_close_ int root_fd = -EBADF;
        json_object *process, *args, *env, *cwd;
        const char *cmd, *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", *dir = "/";
        int status = 127;

        *ret_status = 0;
        config_path = path_join(c->bundle, "config.json");
        if (!config_path)
                return -ENOMEM;
        config = json_object_from_file(config_path);
        if (!config || !json_object_object_get_ex(config, "process", &process) ||
            !json_object_object_get_ex(process, "args", &args) || json_object_array_length(args) == 0)
                return -EBADMSG;
        cmd = json_object_get_string(json_object_array_get_idx(args, 0));
        if (json_object_object_get_ex(process, "cwd", &cwd))
                dir = json_object_get_string(cwd);
        if (json_object_object_get_ex(process, "env", &env))
                for (size_t i = 0; i < json_object_array_length(env); i++) {
                        const char *e = json_object_get_string(json_object_array_get_idx(env, i));
                        if (e && startswith(e, "PATH="))
                                path = e + 5;
                }

        root_fd = open(c->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return -errno;

        /* docker creates a missing working directory. */
        {
                _cleanup_close_ int d = open_file_in_root(root_fd, dir, true);
                if (d == -ENOENT) {
                        _cleanup_free_ char *abs = path_join(c->rootfs, dir);
                        /* Components are created one by one below the mounted root; a
                         * symlink on the way is not followed out of it (mkdir_p would
                         * follow it, so only create when no component is a symlink). */
                        if (abs && !strstr(dir, "..") && mkdir_p_no_symlinks(c->rootfs, dir) < 0)
                                log_warning("Cannot create the working directory %s.", dir);
                }
        }

        if (!cmd || isempty(cmd))
                return -EBADMSG;
        if (strchr(cmd, '/')) {
                _cleanup_free_ char *p = cmd[0] == '/' ? strdup(cmd) : path_join(dir, cmd);
                if (!p)
                        return -ENOMEM;
                status = check_one(root_fd, p);
        } else
                for (const char *e = path; *e; ) {
                        size_t n = strcspn(e, ":");
                        _cleanup_free_ char *d = strndup(e, n), *p = NULL;
                        int k;

                        if (!d)
                                return -ENOMEM;
                        p = path_join(isempty(d) ? "." : d, cmd);
                        if (!p)
                                return -ENOMEM;
                        k = check_one(root_fd, p);
                        if (k == 0) {
                                status = 0;
                                break;
                        }
                        if (k == 126)
                                status = 126;   /* found, but not executable: unless a later one is */
                        e += n;
                        if (*e == ':')
                                e++;
                }

        if (status == 127)
                log_error("%s: executable file not found in $PATH", cmd);
        else if (status == 126)
                log_error("%s: permission denied: not an executable file", cmd);
        *ret_status = status;
        return 0;
}

static int ask_nyxd_to_mount(const char *name) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the system bus to have volume %s mounted: %m", name);
        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "MountVolume", &error, NULL,
                               "s", name);
        if (r < 0)
                return log_error_errno(r, "nyxd cannot mount volume %s: %s", name, error.message ?: strerror(-r));
        return 0;
}

/* A volume before the container gets it: a size-limited one's file system is mounted (after a reboot
 * nothing is), and a new one receives the image's content at its destination, once. Under the
 * volume's lock: containers starting together, and nyxd removing it, take turns. */
static int prepare_volume(const PrepareConfig *c, const PrepareVolume *v) {
        _cleanup_free_ char *record = NULL, *data = NULL, *image = NULL, *marker = NULL;
        _cleanup_close_ int lock = -EBADF;
        int r;

        record = path_join(v->dir, VOLUME_RECORD);
        data = path_join(v->dir, VOLUME_DATA);
        image = path_join(v->dir, VOLUME_IMAGE);
        marker = path_join(v->dir, VOLUME_POPULATED);
        if (!record || !data || !image || !marker)
                return log_oom();

        lock = volume_lock(v->dir);
        if (lock == -ENOENT || (lock >= 0 && access(record, F_OK) < 0))
                return log_error_errno(ENOENT, "Volume %s was removed; remove this container, or create the volume "
                                       "again with 'nyxctl volume create %s'", v->name, v->name);
        if (lock < 0)
                return log_error_errno(lock, "Cannot lock volume %s: %m", v->name);

        if (v->image && path_is_mount_root(data) <= 0) {
                /* Not mounted (a reboot; someone unmounted it): nyxd mounts it, being activated for it if
                 * need be. This unit's device policy keeps us from opening a loop device ourselves. */
                lock = safe_close(lock);
                r = ask_nyxd_to_mount(v->name);
                if (r < 0)
                        return r;
                lock = volume_lock(v->dir);
                if (lock < 0)
                        return log_error_errno(lock, "Cannot lock volume %s: %m", v->name);
                if (path_is_mount_root(data) <= 0)
                        return log_error_errno(ENXIO, "The file system of volume %s is not mounted at %s", v->name, data);
        }

        if (!v->populate || access(marker, F_OK) >= 0)
                return 0;
        r = dir_is_empty(data);
        if (r < 0)
                return log_error_errno(r, "Cannot read volume %s: %m", v->name);
        if (r == 0)
                return 0;        /* it has content already: docker copies into empty volumes only */
        r = volume_copy_up(c->rootfs, v->destination, data);
        if (r < 0)
                return log_error_errno(r, "Cannot copy the image's %s into volume %s: %m", v->destination, v->name);
        if (r > 0) {
                r = write_file_atomic(marker, "", 0, 0600);
                if (r < 0)
                        return log_error_errno(r, "Cannot mark volume %s as populated: %m", v->name);
        }
        return 0;
}

static int prepare_volumes(const PrepareConfig *c) {
        for (size_t i = 0; i < c->n_volumes; i++) {
                int r = prepare_volume(c, &c->volumes[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int do_start(const PrepareConfig *c) {
        int status = 0, r;

        r = mount_rootfs(c);
        if (r < 0)
                return r;
        r = patch_cgroups_path(c);
        if (r < 0) {
                (void) umount2(c->rootfs, MNT_DETACH);
                return r;
        }
        r = prepare_volumes(c);
        if (r < 0) {
                (void) umount2(c->rootfs, MNT_DETACH);
                return r;
        }
        if (!c->has_init) {
                r = check_command(c, &status);
                if (r < 0)
                        log_warning_errno(r, "Cannot check the container's command: %m");
                if (status > 0) {
                        (void) umount2(c->rootfs, MNT_DETACH);
                        (void) write_state(c, "exited", status, "exit-code");
                        return status;   /* the unit fails with docker's status for it */
                }
        }
        r = prepare_network_start(c);
        if (r < 0) {
                (void) umount2(c->rootfs, MNT_DETACH);
                return r;
        }
        r = prepare_ports_start(c);
        if (r < 0) {
                prepare_ports_stop(c);
                prepare_network_stop(c);
                (void) umount2(c->rootfs, MNT_DETACH);
                return r;
        }
        r = write_state(c, "running", 0, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot record the container's state: %m");
        return 0;
}

/* crun leaves empty payload cgroups behind in some v1 hierarchies, and the
 * unit's own directory in those systemd does not manage (cpuset, freezer,
 * cpuacct where mounted apart): remove both. Where this process still is
 * (the hierarchies systemd manages) the rmdir fails and systemd cleans up. */
static int rmdir_patiently(const char *path) {
        /* Killed processes leave their cgroup a moment after they are reaped. */
        for (unsigned i = 0; i < 100; i++) {
                if (rmdir(path) >= 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY)
                        return -errno;
                (void) usleep(10 * 1000);
        }
        return -EBUSY;
}

/* The payload cgroup is the one the start step wrote into config.json. */
static int read_payload_cgroup(const PrepareConfig *c, char **ret) {
        _cleanup_free_ char *config_path = path_join(c->bundle, "config.json");
        json_object *o, *linux_o, *cg;
        int r = -ENOENT;

        if (!config_path)
                return -ENOMEM;
        o = json_object_from_file(config_path);
        if (!o)
                return -EBADMSG;
        if (json_object_object_get_ex(o, "linux", &linux_o) && json_object_object_get_ex(linux_o, "cgroupsPath", &cg) &&
            json_object_is_type(cg, json_type_string) && endswith(json_object_get_string(cg), "/payload")) {
                *ret = strdup(json_object_get_string(cg));
                r = *ret ? 0 : -ENOMEM;
        }
        json_object_put(o);
        return r;
}

static void remove_payload_cgroups(const PrepareConfig *c) {
        _cleanup_free_ char *payload_cg = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (read_payload_cgroup(c, &payload_cg) < 0)
                return;
        d = opendir("/sys/fs/cgroup");
        if (!d)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *payload = NULL;
                struct stat st;

                if (de->d_name[0] == '.')
                        continue;
                payload = strjoin("/sys/fs/cgroup/", de->d_name, payload_cg);
                if (!payload)
                        continue;
                if (stat(payload, &st) >= 0 && rmdir_patiently(payload) < 0) {
                        log_warning("Cannot remove %s: %m", payload);
                        continue;
                }
                /* the unit's own directory, where systemd does not remove it (also when crun
                 * removed the payload's itself, as it does when it exits in order) */
                payload[strlen(payload) - strlen("/payload")] = 0;
                (void) rmdir(payload);
        }
        _cleanup_free_ char *unified = strjoin("/sys/fs/cgroup", payload_cg);
        if (unified && access(unified, F_OK) >= 0)
                (void) rmdir_patiently(unified);
}

static int exit_code_from_environment(void) {
        const char *code = getenv("EXIT_CODE"), *status = getenv("EXIT_STATUS");
        int n;

        if (!code || !status)
                return -1;
        if (streq(code, "exited"))
                return atoi(status);
        /* Killed or dumped: EXIT_STATUS names the signal. */
        n = atoi(status);
        if (n <= 0) {
                static const struct { const char *name; int signo; } signals[] = {
                        { "HUP", 1 }, { "INT", 2 }, { "QUIT", 3 }, { "ABRT", 6 }, { "KILL", 9 },
                        { "SEGV", 11 }, { "PIPE", 13 }, { "ALRM", 14 }, { "TERM", 15 },
                };
                for (size_t i = 0; i < ELEMENTSOF(signals); i++)
                        if (streq(status, signals[i].name))
                                n = signals[i].signo;
        }
        return n > 0 ? 128 + n : 255;
}

/* The exit code the start step recorded when the command could not run at all. */
static int recorded_exit_code(const PrepareConfig *c) {
        _cleanup_free_ char *path = path_join(c->dir, "state.json");
        json_object *o, *status, *code;
        int r = -1;

        if (!path || !(o = json_object_from_file(path)))
                return -1;
        if (json_object_object_get_ex(o, "Status", &status) && streq(json_object_get_string(status), "exited") &&
            json_object_object_get_ex(o, "ExitCode", &code))
                r = json_object_get_int(code);
        json_object_put(o);
        return r;
}

static int do_stop(const PrepareConfig *c) {
        _cleanup_free_ char *crun_state = NULL;
        int exit_code = exit_code_from_environment(), r;

        /* No main process ran (a pre-start step failed): keep what start said. */
        if (exit_code < 0)
                exit_code = recorded_exit_code(c);

        crun_state = path_join("/run/crun", c->id);
        if (!crun_state)
                return log_oom();
        if (access(crun_state, F_OK) == 0) {
                /* The main process was the container's PID 1: once it is gone, so is everything in its
                 * PID namespace, and all `crun delete` would still do is what is done below plus
                 * removing its state directory. Otherwise (launch failed half-way), ask crun. */
                if (exit_code_from_environment() < 0 || rm_rf(crun_state) < 0) {
                        char *argv[] = { (char *) c->runtime, (char *) "delete", (char *) "--force", (char *) c->id, NULL };
                        (void) spawn_wait(argv, true);
                }
        }

        if (umount2(c->rootfs, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                log_warning("Cannot unmount %s: %m", c->rootfs);
        remove_payload_cgroups(c);
        prepare_ports_stop(c);
        prepare_network_stop(c);

        r = write_state(c, "exited", exit_code, getenv("SERVICE_RESULT"));
        if (r < 0)
                return log_error_errno(r, "Cannot record the container's exit: %m");
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_(prepare_config_freep) PrepareConfig *c = NULL;
        _cleanup_free_ char *path = NULL;
        const char *console_socket = NULL;
        int r;

        log_set_prefix("nyx-prepare");
        /* launch [--console-socket=PATH] DIR: the path goes on to crun create (-t). */
        if (argc == 4 && streq(argv[1], "launch") && startswith(argv[2], "--console-socket=")) {
                console_socket = startswith(argv[2], "--console-socket=");
                argv[2] = argv[3];
                argc = 3;
        }
        if (!(argc == 3 && (streq(argv[1], "start") || streq(argv[1], "launch") || streq(argv[1], "stop"))) &&
            !(streq_ptr(argv[1], "proxy") && (argc == 4 || argc == 5))) {
                log_error("usage: nyx-prepare start|launch [--console-socket=PATH]|stop CONTAINER-DIR | "
                          "proxy CONTAINER-DIR PORT [IDLE-SEC]");
                return EXIT_FAILURE;
        }

        path = path_join(argv[2], "prepare.json");
        if (!path)
                return EXIT_FAILURE;
        r = prepare_config_load(path, &c);
        if (r < 0) {
                log_error_errno(r, "Cannot load %s: %m", path);
                return EXIT_FAILURE;
        }

        if (streq(argv[1], "proxy"))
                return prepare_proxy(c, argv[3], argc == 5 ? argv[4] : NULL) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        if (streq(argv[1], "launch")) {
                /* start, then become the container: the unit's ExecStart= */
                r = do_start(c);
                if (r == 0)
                        r = prepare_launch(c, console_socket);
        } else
                /* "start": the ExecStartPre= of units made before "launch" existed, which systemd
                 * may still restart after nyx was upgraded under them. */
                r = streq(argv[1], "start") ? do_start(c) : do_stop(c);
        if (r > 0)
                return r;   /* 126/127: the command cannot run */
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
