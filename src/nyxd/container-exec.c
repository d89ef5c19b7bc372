/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Exec: `crun exec` in a running container, with the caller's fds as its stdio or a pty inside the
 * container whose master goes to the caller. See container-exec.h for the bus API.
 *
 * nyxd forks crun exec directly (an event source per exec, SIGCHLD is blocked in nyxd) with:
 *   fd 0-2  the caller's stdin/stdout/stderr (Exec), /dev/null (ExecTTY), or the unit's journal
 *           stream for stdout/stderr (Detach)
 *   fd 3    a memfd with the OCI process object (--process /proc/self/fd/3): the container's
 *           config.json "process" with args, env, cwd, user, terminal and capabilities replaced
 *   fd 4    a pipe for crun's own messages (--log=file:/proc/self/fd/4 --log-format=json): they
 *           tell "the command could not be started" (126/127) from the command's own status
 *   fd 5    a pipe for the PID of the process in the container (--pid-file), for KillExec
 * crun moves the process into the container's cgroup (inside the unit) and namespaces, applies the
 * container's seccomp filter, forwards the signals it gets to the process and exits with its
 * status. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <systemd/sd-event.h>

#include "bus-json.h"
#include "container-exec.h"
#include "container.h"
#include "fd-util.h"
#include "socket-util.h"
#include "image.h"
#include "log.h"
#include "manager.h"
#include "nyx-errors.h"
#include "output.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "user-resolve.h"

#define CRUN_STATE_ROOT "/run/crun"
/* How long an exec waits for crun's state of a container whose unit just started. */
#define EXEC_STATE_WAIT_USEC (10ULL * 1000000ULL)
#define EXEC_ID_MAX 256U
/* crun exits with this when the process could not be started (chdir, exec ...). */
#define CRUN_EXEC_CHILD_FAILED 255

typedef struct ExecOptions {
        char *id;
        char **env;
        char *working_dir;
        char *user;
        bool privileged;
        bool detach;
        bool tty;
        unsigned rows;
        unsigned columns;
} ExecOptions;

typedef struct Exec Exec;
struct Exec {
        Manager *manager;
        char *container_id;
        char *container_name;
        char *id;
        char *sender;
        sd_bus_message *message;   /* answered when crun exits */

        pid_t crun_pid;
        pid_t process_pid;         /* from --pid-file; 0 until known */
        sd_event_source *child_source;
        int log_fd;                /* read ends */
        int pid_fd;

        /* ExecTTY: crun connects to console_path and sends the master; it goes on to the caller. */
        char *console_path;
        int console_listen_fd;
        int console_conn_fd;
        int caller_console_fd;
        bool tty;
        bool console_sent;         /* the caller has the master */
        sd_event_source *listen_source;
        sd_event_source *conn_source;

        Exec *prev, *next;
};

/* The execs in flight. nyxd has one Manager; the list lives here so that KillExec can find an exec
 * and so that they are all answered when nyxd exits. */
static Exec *execs = NULL;
static sd_event_source *exit_source = NULL;

static void exec_options_done(ExecOptions *o) {
        free(o->id);
        strv_free(o->env);
        free(o->working_dir);
        free(o->user);
}

static void exec_close_console(Exec *e) {
        e->listen_source = sd_event_source_disable_unref(e->listen_source);
        e->conn_source = sd_event_source_disable_unref(e->conn_source);
        e->console_listen_fd = safe_close(e->console_listen_fd);
        e->console_conn_fd = safe_close(e->console_conn_fd);
        e->caller_console_fd = safe_close(e->caller_console_fd);
        if (e->console_path) {
                (void) unlink(e->console_path);
                e->console_path = mfree(e->console_path);
        }
}

static Exec *exec_free(Exec *e) {
        if (!e)
                return NULL;
        if (e->prev)
                e->prev->next = e->next;
        else if (execs == e)
                execs = e->next;
        if (e->next)
                e->next->prev = e->prev;

        if (e->message) {
                (void) sd_bus_reply_method_errorf(e->message, NYX_ERROR_NOT_RUNNING,
                                                  "nyxd is shutting down: the exec in %s was abandoned",
                                                  strna(e->container_name));
                e->message = sd_bus_message_unref(e->message);
        }
        e->child_source = sd_event_source_disable_unref(e->child_source);
        exec_close_console(e);
        safe_close(e->log_fd);
        safe_close(e->pid_fd);
        e->manager->n_busy--;
        free(e->container_id);
        free(e->container_name);
        free(e->id);
        free(e->sender);
        return mfree(e);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Exec *, exec_free);

static int on_event_exit(sd_event_source *s, void *userdata) {
        /* nyxd stops: answer every caller (the processes in the containers stay). */
        while (execs)
                exec_free(execs);
        exit_source = sd_event_source_disable_unref(exit_source);
        return 0;
}

/* ---- options ------------------------------------------------------------------------------------ */

static int json_strv(json_object *a, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        if (!json_object_is_type(a, json_type_array))
                return -EINVAL;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *v = json_object_array_get_idx(a, i);
                if (!json_object_is_type(v, json_type_string))
                        return -EINVAL;
                r = strv_extend(&l, json_object_get_string(v));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int read_exec_options(sd_bus_message *msg, bool tty, ExecOptions *o, sd_bus_error *error) {
        _cleanup_(json_object_putp) json_object *opts = NULL;
        _cleanup_free_ char *reason = NULL;
        int r;

        r = bus_message_read_dict_json(msg, &opts);
        if (r < 0)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "invalid exec options");

        json_object_object_foreach(opts, key, v) {
                json_type t = json_object_get_type(v);

                if (streq(key, "Id") && t == json_type_string) {
                        const char *s = json_object_get_string(v);
                        if (isempty(s) || strlen(s) > EXEC_ID_MAX)
                                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                                         "exec option Id must be 1 to %u characters", EXEC_ID_MAX);
                        if (free_and_strdup(&o->id, s) < 0)
                                return -ENOMEM;
                } else if (streq(key, "Env") && t == json_type_array) {
                        r = json_strv(v, &o->env);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                                         "exec option Env must be an array of strings");
                        STRV_FOREACH(e, o->env) {
                                r = env_entry_validate(*e, &reason);
                                if (r < 0)
                                        return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "--env: %s",
                                                                 reason ?: "invalid entry");
                        }
                } else if (streq(key, "WorkingDir") && t == json_type_string) {
                        r = working_dir_validate(json_object_get_string(v), &reason);
                        if (r < 0)
                                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "--workdir: %s",
                                                         reason ?: "invalid directory");
                        if (free_and_strdup(&o->working_dir, json_object_get_string(v)) < 0)
                                return -ENOMEM;
                } else if (streq(key, "User") && t == json_type_string) {
                        if (free_and_strdup(&o->user, json_object_get_string(v)) < 0)
                                return -ENOMEM;
                } else if (streq(key, "Privileged") && t == json_type_boolean)
                        o->privileged = json_object_get_boolean(v);
                else if (streq(key, "Detach") && t == json_type_boolean && !tty)
                        o->detach = json_object_get_boolean(v);
                else if (streq(key, "Rows") && t == json_type_int && tty)
                        o->rows = (unsigned) MIN(MAX(json_object_get_int64(v), 0), 65535);
                else if (streq(key, "Columns") && t == json_type_int && tty)
                        o->columns = (unsigned) MIN(MAX(json_object_get_int64(v), 0), 65535);
                else
                        return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT,
                                                 "unknown exec option '%s' (or a value of the wrong type)", key);
        }
        return 0;
}

/* ---- the process object --------------------------------------------------------------------------- */

static json_object *json_from_strv(char * const *l) {
        json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        STRV_FOREACH(s, (char **) l)
                if (json_object_array_add(a, json_object_new_string(*s)) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

static bool env_has(char * const *env, const char *key) {
        size_t l = strlen(key);

        STRV_FOREACH(e, (char **) env)
                if (strncmp(*e, key, l) == 0 && (*e)[l] == '=')
                        return true;
        return false;
}

static int env_set(char ***env, const char *key, const char *value) {
        _cleanup_free_ char *entry = strjoin(key, "=", value);
        char *l[] = { entry, NULL };

        if (!entry)
                return -ENOMEM;
        return env_replace_or_append(env, l);
}

static json_object *caps_json(uint64_t caps) {
        json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (int c = 0; c <= capability_last(); c++)
                if ((caps & (UINT64_C(1) << c)) && capability_to_name(c))
                        json_object_array_add(a, json_object_new_string(capability_to_name(c)));
        return a;
}

/* The container's process object, changed for this exec. */
static int build_exec_process(Container *c, char **argv, const ExecOptions *o, sd_bus_error *error,
                              char **ret_json) {
        _cleanup_(json_object_putp) json_object *config = NULL;
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_(resolved_user_freep) ResolvedUser *user = NULL;
        _cleanup_free_ char *config_path = NULL, *rootfs = NULL, *reason = NULL;
        json_object *process, *v;
        int r;

        config_path = path_join(c->dir, "bundle/config.json");
        rootfs = path_join(c->dir, "rootfs");
        if (!config_path || !rootfs)
                return -ENOMEM;
        config = json_object_from_file(config_path);
        if (!config || !json_object_object_get_ex(config, "process", &process) ||
            !json_object_is_type(process, json_type_object))
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "cannot read the process of %s from %s",
                                         c->name, config_path);

        if (json_object_object_get_ex(process, "env", &v) && json_strv(v, &env) == -ENOMEM)
                return -ENOMEM;
        if (!env) {
                env = calloc(1, sizeof(char *));
                if (!env)
                        return -ENOMEM;
        }

        if (o->user) {
                _cleanup_close_ int fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
                json_object *u, *g;

                if (fd < 0)
                        return sd_bus_error_set_errnof(error, errno, "cannot open the root file system of %s: %m",
                                                       c->name);
                r = user_resolve(fd, o->user, &user, &reason);
                if (r == -EINVAL)
                        return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "--user %s: %s", o->user,
                                                 reason ?: "invalid user");
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "--user %s: %s", o->user,
                                                       reason ?: "cannot read the container's user database");

                u = json_object_new_object();
                if (!u)
                        return -ENOMEM;
                json_object_object_add(u, "uid", json_object_new_int64(user->uid));
                json_object_object_add(u, "gid", json_object_new_int64(user->gid));
                g = json_object_new_array();
                for (size_t i = 0; g && i < user->n_additional_gids; i++)
                        json_object_array_add(g, json_object_new_int64(user->additional_gids[i]));
                if (g && user->n_additional_gids > 0)
                        json_object_object_add(u, "additionalGids", g);
                else
                        json_object_put(g);
                json_object_object_add(process, "user", u);

                /* HOME follows the user unless the image or -e of the container set it. */
                {
                        _cleanup_strv_free_ char **explicit_env = NULL;
                        Image *i = c->image_id ? manager_find_image(c->manager, c->image_id) : NULL;

                        r = container_spec_resolve_env(c->spec, i ? i->config->env : NULL, &explicit_env);
                        if (r < 0)
                                return r;
                        if (!env_has(explicit_env, "HOME") && (r = env_set(&env, "HOME", user->home)) < 0)
                                return r;
                }
        }

        if (o->tty && !env_has(env, "TERM") && (r = env_set(&env, "TERM", "xterm")) < 0)
                return r;
        r = env_replace_or_append(&env, o->env);
        if (r < 0)
                return r;

        json_object_object_add(process, "args", json_from_strv(argv));
        json_object_object_add(process, "env", json_from_strv(env));
        json_object_object_add(process, "terminal", json_object_new_boolean(o->tty));
        json_object_object_del(process, "consoleSize");
        if (o->tty && o->rows > 0 && o->columns > 0) {
                json_object *size = json_object_new_object();
                if (!size)
                        return -ENOMEM;
                json_object_object_add(size, "height", json_object_new_int64(o->rows));
                json_object_object_add(size, "width", json_object_new_int64(o->columns));
                json_object_object_add(process, "consoleSize", size);
        }
        if (o->working_dir)
                json_object_object_add(process, "cwd", json_object_new_string(o->working_dir));

        if (o->privileged) {
                Manager *m = c->manager;
                uint64_t caps;
                json_object *jc;

                if (!m->host_facts_probed) {
                        r = oci_host_facts_probe(&m->host_facts);
                        if (r < 0)
                                return r;
                        m->host_facts_probed = true;
                }
                caps = m->host_facts.capabilities;
                if (caps == 0)
                        caps = capability_last() >= 63 ? UINT64_MAX : (UINT64_C(1) << (capability_last() + 1)) - 1;
                jc = json_object_new_object();
                if (!jc)
                        return -ENOMEM;
                json_object_object_add(jc, "bounding", caps_json(caps));
                json_object_object_add(jc, "effective", caps_json(caps));
                json_object_object_add(jc, "permitted", caps_json(caps));
                json_object_object_add(process, "capabilities", jc);
        }

        *ret_json = strdup(json_object_to_json_string_ext(process, JSON_C_TO_STRING_PLAIN |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        return *ret_json ? 0 : -ENOMEM;
}

/* ---- running crun ---------------------------------------------------------------------------------- */

static int memfd_with(const char *name, const char *data) {
        _cleanup_close_ int fd = -EBADF;
        size_t l = strlen(data);

        fd = memfd_create(name, MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        while (l > 0) {
                ssize_t n = write(fd, data, l);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
                data += n;
                l -= n;
        }
        return TAKE_FD(fd);
}

/* The unit's journal stream: what the container's crun has as stdout and stderr. */
static int unit_stream_fd(Container *c, int which) {
        _cleanup_close_ int pidfd = -EBADF;
        struct stat st;
        int fd;

        if (c->main_pid == 0)
                return -ESRCH;
        pidfd = pidfd_open((pid_t) c->main_pid, 0);
        if (pidfd < 0)
                return -errno;
        fd = pidfd_getfd(pidfd, which, 0);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
                safe_close(fd);
                return -ENOTSOCK;
        }
        (void) fcntl(fd, F_SETFD, FD_CLOEXEC);
        return fd;
}

static void child_wait_for_state(const char *id) {
        _cleanup_free_ char *status = path_join(CRUN_STATE_ROOT, id, "status");
        struct timespec ts = { 0, 10 * 1000 * 1000 };

        /* A unit that just started runs crun run, which writes the state a few ms later. */
        for (uint64_t waited = 0; status && waited < EXEC_STATE_WAIT_USEC; waited += 10000) {
                if (access(status, F_OK) == 0 || errno != ENOENT)
                        return;
                (void) nanosleep(&ts, NULL);
        }
}

_noreturn_ static void child_exec_crun(Manager *m, const char *id, int fds[6], bool detach, const char *console) {
        char *argv[16];
        char *envp[] = { (char *) "PATH=" OCI_DEFAULT_PATH, NULL };
        int tmp[6], k = 0;
        sigset_t none;

        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        (void) signal(SIGPIPE, SIG_DFL);

        /* Out of the way of 0-5 first, then into place (dup2 clears O_CLOEXEC). */
        for (int i = 0; i < 6; i++) {
                tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 16);
                if (tmp[i] < 0)
                        _exit(EXIT_FAILURE);
        }
        for (int i = 0; i < 6; i++)
                if (dup2(tmp[i], i) < 0)
                        _exit(EXIT_FAILURE);
        if (close_range(6, ~0U, 0) < 0)
                for (int fd = 6; fd < 65536; fd++)
                        (void) close(fd);

        child_wait_for_state(id);

        argv[k++] = m->runtime_path;
        argv[k++] = (char *) "--log=file:/proc/self/fd/4";
        argv[k++] = (char *) "--log-format=json";
        argv[k++] = (char *) "exec";
        argv[k++] = (char *) "--process=/proc/self/fd/3";
        argv[k++] = (char *) "--pid-file=/proc/self/fd/5";
        if (detach)
                argv[k++] = (char *) "--detach";
        if (console) {
                argv[k++] = (char *) "--tty";
                argv[k++] = (char *) "--console-socket";
                argv[k++] = (char *) console;
        }
        argv[k++] = (char *) id;
        argv[k] = NULL;
        execve(m->runtime_path, argv, envp);
        _exit(127);
}

/* The last error crun reported in its JSON log ({"msg": ..., "level": "error"} per line). */
static char *read_crun_error(int fd) {
        _cleanup_free_ char *buf = NULL;
        char *last = NULL, *line, *save = NULL;
        size_t size = 0;

        buf = malloc(65536 + 1);
        if (!buf)
                return NULL;
        for (;;) {
                ssize_t n = read(fd, buf + size, 65536 - size);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                size += n;
                if (size >= 65536)
                        break;
        }
        buf[size] = 0;

        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                _cleanup_(json_object_putp) json_object *o = json_tokener_parse(line);
                json_object *msg, *level;

                if (!o || !json_object_object_get_ex(o, "msg", &msg))
                        continue;
                if (json_object_object_get_ex(o, "level", &level) &&
                    !streq_ptr(json_object_get_string(level), "error"))
                        continue;
                free(last);
                last = strdup_or_null(json_object_get_string(msg));
        }
        return last;
}

static void exec_read_pid(Exec *e) {
        char buf[32];
        ssize_t n;

        if (e->process_pid > 0 || e->pid_fd < 0)
                return;
        n = read(e->pid_fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return;
        buf[n] = 0;
        e->process_pid = (pid_t) strtol(buf, NULL, 10);
}

/* ---- the console socket (ExecTTY) ------------------------------------------------------------------ */

static int on_console_data(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Exec *e = userdata;
        _cleanup_close_ int master = -EBADF;

        master = receive_one_fd(fd);
        if (master == -EAGAIN)
                return 0;
        /* The caller holds the only master from now on: when it goes, the terminal hangs up. */
        if (master >= 0 && send_one_fd(e->caller_console_fd, master) >= 0)
                e->console_sent = true;
        exec_close_console(e);
        return 0;
}

static int on_console_connect(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Exec *e = userdata;
        int conn, r;

        conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (conn < 0)
                return 0;
        e->listen_source = sd_event_source_disable_unref(e->listen_source);
        e->console_listen_fd = safe_close(e->console_listen_fd);
        if (e->console_path) {
                (void) unlink(e->console_path);
                e->console_path = mfree(e->console_path);
        }
        e->console_conn_fd = conn;
        r = sd_event_add_io(e->manager->event, &e->conn_source, conn, EPOLLIN, on_console_data, e);
        if (r < 0)
                exec_close_console(e);
        return 0;
}

static int exec_listen_console(Exec *e) {
        _cleanup_free_ char *dir = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        uint8_t rnd[8];
        int r;

        dir = path_join(e->manager->run_dir, "exec");
        if (!dir)
                return -ENOMEM;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t) sizeof(rnd))
                return -EIO;
        {
                _cleanup_free_ char *hex = hexmem(rnd, sizeof(rnd));
                if (!hex)
                        return -ENOMEM;
                e->console_path = strjoin(dir, "/console-", hex, ".sock");
        }
        if (!e->console_path)
                return -ENOMEM;
        if (strlen(e->console_path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, e->console_path);

        e->console_listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (e->console_listen_fd < 0)
                return -errno;
        if (bind(e->console_listen_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            listen(e->console_listen_fd, 1) < 0)
                return -errno;
        return sd_event_add_io(e->manager->event, &e->listen_source, e->console_listen_fd, EPOLLIN,
                               on_console_connect, e);
}

/* Take a connection and a master that are already there, without waiting. */
static void exec_flush_console(Exec *e) {
        if (e->caller_console_fd < 0)
                return;
        if (e->console_listen_fd >= 0)
                (void) on_console_connect(NULL, e->console_listen_fd, EPOLLIN, e);
        if (e->console_conn_fd >= 0)
                (void) on_console_data(NULL, e->console_conn_fd, EPOLLIN, e);
}

/* docker's codes for a command that could not be started: 127 when it does not exist, 126 else. */
static int start_failure_code(const char *error) {
        if (strstr(error, "not found in $PATH") ||
            (startswith(error, "open executable") && strstr(error, "No such file or directory")))
                return 127;
        return 126;
}

static int on_crun_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        _cleanup_(exec_freep) Exec *e = userdata;
        _cleanup_free_ char *error = NULL;
        int code;

        /* A short command ends before its terminal's hand-over was dispatched: finish that first. */
        exec_flush_console(e);

        error = read_crun_error(e->log_fd);
        code = si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;
        if (!e->message)
                return 0;

        if (error && code == CRUN_EXEC_CHILD_FAILED)
                /* crun said why on its stderr, which is the caller's (or the journal). */
                (void) sd_bus_reply_method_return(e->message, "i", (int32_t) start_failure_code(error));
        else if (error && strstr(error, "/status`"))
                (void) sd_bus_reply_method_errorf(e->message, NYX_ERROR_NOT_RUNNING, "container %s is not running",
                                                  e->container_name);
        else if (error && code != 0)
                (void) sd_bus_reply_method_errorf(e->message, SD_BUS_ERROR_FAILED, "crun exec in %s failed: %s",
                                                  e->container_name, error);
        else if (e->tty && !e->console_sent)
                (void) sd_bus_reply_method_errorf(e->message, SD_BUS_ERROR_FAILED,
                                                  "crun exec in %s ended (status %d) before it allocated a terminal",
                                                  e->container_name, code);
        else
                (void) sd_bus_reply_method_return(e->message, "i", (int32_t) code);
        e->message = sd_bus_message_unref(e->message);
        return 0;
}

/* ---- the methods ----------------------------------------------------------------------------------- */

static int read_fd_arg(sd_bus_message *msg, int *ret) {
        int fd, r;

        r = sd_bus_message_read(msg, "h", &fd);
        if (r < 0)
                return r;
        fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        *ret = fd;
        return 0;
}

static int exec_start(sd_bus_message *msg, Container *c, bool tty, sd_bus_error *error) {
        Manager *m = c->manager;
        _cleanup_(exec_options_done) ExecOptions o = { .tty = tty };
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *process = NULL;
        _cleanup_close_ int stdin_fd = -EBADF, stdout_fd = -EBADF, stderr_fd = -EBADF, process_fd = -EBADF,
                log_r = -EBADF, log_w = -EBADF, pid_r = -EBADF, pid_w = -EBADF, console = -EBADF;
        _cleanup_(exec_freep) Exec *e = NULL;
        const char *sender;
        int p[2], r;
        pid_t pid;

        r = sd_bus_message_read_strv(msg, &argv);
        if (r < 0)
                return r;
        r = read_exec_options(msg, tty, &o, error);
        if (r < 0)
                return r;
        if (tty) {
                r = read_fd_arg(msg, &console);
                if (r < 0)
                        return r;
        } else if ((r = read_fd_arg(msg, &stdin_fd)) < 0 || (r = read_fd_arg(msg, &stdout_fd)) < 0 ||
                   (r = read_fd_arg(msg, &stderr_fd)) < 0)
                return r;
        if (strv_length(argv) == 0 || isempty(argv[0]))
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "no command given to exec in %s",
                                         c->name);

        sender = sd_bus_message_get_sender(msg);
        if (o.id)
                for (Exec *i = execs; i; i = i->next)
                        if (streq(i->id, o.id) && streq_ptr(i->sender, sender))
                                return sd_bus_error_setf(error, NYX_ERROR_IN_USE, "an exec with Id %s is already running",
                                                         o.id);

        (void) container_refresh(c);
        if (c->status == CONTAINER_PAUSED)
                return sd_bus_error_setf(error, NYX_ERROR_NOT_RUNNING,
                                         "container %s is paused: unpause it before exec", c->name);
        if (!IN_SET(c->status, CONTAINER_RUNNING, CONTAINER_STARTING))
                return sd_bus_error_setf(error, NYX_ERROR_NOT_RUNNING,
                                         "container %s is not running (start it first: nyxctl start %s)", c->name,
                                         c->name);

        r = build_exec_process(c, argv, &o, error, &process);
        if (r < 0)
                return r;

        if (tty || o.detach) {
                if (stdin_fd < 0)
                        stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                stdout_fd = safe_close(stdout_fd);
                stderr_fd = safe_close(stderr_fd);
                if (o.detach) {
                        /* The container's own output stream: the unit's journal connection. */
                        stdout_fd = unit_stream_fd(c, STDOUT_FILENO);
                        stderr_fd = unit_stream_fd(c, STDERR_FILENO);
                }
                if (stdout_fd < 0)
                        stdout_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (stderr_fd < 0)
                        stderr_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (stdin_fd < 0 || stdout_fd < 0 || stderr_fd < 0)
                        return -errno;
        }

        process_fd = memfd_with("nyx-exec-process.json", process);
        if (process_fd < 0)
                return process_fd;
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        log_r = p[0];
        log_w = p[1];
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        pid_r = p[0];
        pid_w = p[1];

        e = calloc(1, sizeof(Exec));
        if (!e)
                return -ENOMEM;
        e->manager = m;
        m->n_busy++;
        e->log_fd = e->pid_fd = e->console_listen_fd = e->console_conn_fd = e->caller_console_fd = -EBADF;
        e->container_id = strdup(c->id);
        e->container_name = strdup(c->name);
        e->sender = strdup_or_null(sender);
        if (o.id)
                e->id = TAKE_PTR(o.id);
        else {
                uint8_t rnd[8];
                if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t) sizeof(rnd))
                        return -EIO;
                e->id = hexmem(rnd, sizeof(rnd));
        }
        if (!e->container_id || !e->container_name || !e->id || (sender && !e->sender))
                return -ENOMEM;

        if (tty) {
                e->tty = true;
                e->caller_console_fd = TAKE_FD(console);
                r = exec_listen_console(e);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "cannot make a console socket for %s: %m", c->name);
        }

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int fds[6] = { stdin_fd, stdout_fd, stderr_fd, process_fd, log_w, pid_w };
                child_exec_crun(m, c->id, fds, o.detach, e->console_path);
        }
        e->crun_pid = pid;
        e->log_fd = TAKE_FD(log_r);
        e->pid_fd = TAKE_FD(pid_r);

        r = sd_event_add_child(m->event, &e->child_source, pid, WEXITED, on_crun_exit, e);
        if (r < 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                return r;
        }
        if (!exit_source) {
                r = sd_event_add_exit(m->event, &exit_source, on_event_exit, NULL);
                if (r >= 0)
                        (void) sd_event_source_set_priority(exit_source, SD_EVENT_PRIORITY_IMPORTANT);
        }

        e->message = sd_bus_message_ref(msg);
        e->next = execs;
        if (execs)
                execs->prev = e;
        execs = TAKE_PTR(e);
        return 1;
}

int method_container_exec(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return exec_start(msg, userdata, false, error);
}

int method_container_exec_tty(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return exec_start(msg, userdata, true, error);
}

int method_container_kill_exec(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        const char *id, *sender = sd_bus_message_get_sender(msg);
        int32_t signo;
        int r;

        r = sd_bus_message_read(msg, "si", &id, &signo);
        if (r < 0)
                return r;
        if (signo <= 0 || signo >= _NSIG)
                return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "invalid signal number %d", signo);

        for (Exec *e = execs; e; e = e->next) {
                if (!streq(e->id, id) || !streq(e->container_id, c->id) || !streq_ptr(e->sender, sender))
                        continue;
                exec_read_pid(e);
                /* The process itself once crun told its PID (crun forwards signals too, but cannot
                 * forward SIGKILL); crun before that. */
                if (kill(e->process_pid > 0 ? e->process_pid : e->crun_pid, signo) < 0 && errno != ESRCH)
                        return sd_bus_error_set_errnof(error, errno, "cannot signal the exec in %s: %m", c->name);
                return sd_bus_reply_method_return(msg, NULL);
        }
        return sd_bus_error_setf(error, NYX_ERROR_INVALID_ARGUMENT, "no exec %s of yours is running in %s", id,
                                 c->name);
}
