/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nyx-prepare: run by each container unit, as ExecStartPre= ("start") and
 * ExecStopPost= ("stop"), so that a unit restarted by systemd works even when
 * nyxd is not running. "start" mounts the rootfs and points the bundle's
 * cgroupsPath into the unit's own cgroup; "stop" deletes what crun left,
 * unmounts and records how the container ended. */

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

#include "cgroup-util.h"
#include "fd-util.h"
#include "fileio.h"
#include "log.h"
#include "path-util.h"
#include "prepare-config.h"
#include "string-util.h"

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
        _cleanup_free_ char *s = NULL;
        CGroupMode mode;
        const char *key;
        char *p;
        int r;

        r = cgroup_detect_mode("/sys/fs/cgroup", &mode);
        if (r < 0)
                return r;
        r = read_full_file("/proc/self/cgroup", 0, &s, NULL);
        if (r < 0)
                return r;

        key = mode == CGROUP_MODE_UNIFIED ? "0::" : ":name=systemd:";
        p = startswith(s, key) ? s : strstr(s, key);
        if (p && p != s && mode == CGROUP_MODE_UNIFIED && p[-1] != '\n')
                p = strstr(s, "\n0::");
        if (!p)
                return -ENOMEDIUM;
        p = strstr(p, key) + strlen(key);
        p[strcspn(p, "\n")] = 0;
        *ret = strdup(p);
        return *ret ? 0 : -ENOMEM;
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

        if (c->read_only && c->n_lower == 1) {
                /* overlayfs wants two lower dirs when there is no upper. */
                if (mount(c->lower[0], c->rootfs, NULL, MS_BIND, NULL) < 0)
                        return log_error_errno(errno, "Cannot bind %s to %s: %m", c->lower[0], c->rootfs);
                if (mount(NULL, c->rootfs, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
                        return log_error_errno(errno, "Cannot make %s read-only: %m", c->rootfs);
                return 0;
        }

        if (c->read_only)
                r = asprintf(&options, "lowerdir=%s", lower);
        else {
                r = mkdir_p(c->upper, 0755);
                if (r >= 0)
                        r = mkdir_p(c->work, 0700);
                if (r < 0)
                        return log_error_errno(r, "Cannot create %s: %m", c->upper);
                r = asprintf(&options, "lowerdir=%s,upperdir=%s,workdir=%s", lower, c->upper, c->work);
        }
        if (r < 0)
                return log_oom();

        if (mount("overlay", c->rootfs, "overlay", c->read_only ? MS_RDONLY : 0, options) < 0)
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

static int do_start(const PrepareConfig *c) {
        int r;

        r = mount_rootfs(c);
        if (r < 0)
                return r;
        r = patch_cgroups_path(c);
        if (r < 0) {
                (void) umount2(c->rootfs, MNT_DETACH);
                return r;
        }
        r = write_state(c, "running", 0, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot record the container's state: %m");
        return 0;
}

static int run_wait(char *const argv[]) {
        int status;
        pid_t pid;

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0)
                        (void) dup2(null, STDOUT_FILENO);
                execv(argv[0], argv);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* crun leaves empty payload cgroups behind in some v1 hierarchies. */
static void remove_payload_cgroups(void) {
        _cleanup_free_ char *cg = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (own_cgroup(&cg) < 0)
                return;
        d = opendir("/sys/fs/cgroup");
        if (!d)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;

                if (de->d_name[0] == '.')
                        continue;
                p = strjoin("/sys/fs/cgroup/", de->d_name, cg, "/payload");
                if (p)
                        (void) rmdir(p);
        }
        _cleanup_free_ char *unified = strjoin("/sys/fs/cgroup", cg, "/payload");
        if (unified)
                (void) rmdir(unified);
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

static int do_stop(const PrepareConfig *c) {
        _cleanup_free_ char *crun_state = NULL;
        int exit_code = exit_code_from_environment(), r;

        crun_state = path_join("/run/crun", c->id);
        if (!crun_state)
                return log_oom();
        if (access(crun_state, F_OK) == 0) {
                char *argv[] = { (char *) c->runtime, (char *) "delete", (char *) "--force", (char *) c->id, NULL };
                (void) run_wait(argv);
        }

        if (umount2(c->rootfs, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                log_warning("Cannot unmount %s: %m", c->rootfs);
        remove_payload_cgroups();

        r = write_state(c, "exited", exit_code, getenv("SERVICE_RESULT"));
        if (r < 0)
                return log_error_errno(r, "Cannot record the container's exit: %m");
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_(prepare_config_freep) PrepareConfig *c = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        log_set_prefix("nyx-prepare");
        if (argc != 3 || (!streq(argv[1], "start") && !streq(argv[1], "stop"))) {
                log_error("usage: nyx-prepare start|stop CONTAINER-DIR");
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

        r = streq(argv[1], "start") ? do_start(c) : do_stop(c);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
