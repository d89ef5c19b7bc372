/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "bus-util.h"
#include "container-tty.h"
#include "container.h"
#include "image-store.h"
#include "image.h"
#include "fd-util.h"
#include "log.h"
#include "manager-dbus.h"
#include "manager.h"
#include "nyx-errors.h"
#include "path-util.h"
#include "string-util.h"
#include "unit.h"
#include "network.h"
#include "volume.h"

int manager_new(Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        const char *e;
        int r;

        m = calloc(1, sizeof(Manager));
        if (!m)
                return -ENOMEM;

        /* Tests point these elsewhere; production uses the compiled-in paths. */
        m->state_dir = strdup((e = getenv("NYX_STATE_DIR")) ? e : NYX_STATE_DIR);
        m->run_dir = strdup((e = getenv("NYX_RUN_DIR")) ? e : NYX_RUN_DIR);
        m->runtime_path = strdup((e = getenv("NYX_RUNTIME")) ? e : NYX_CRUN_PATH);
        m->prepare_path = strdup((e = getenv("NYX_PREPARE")) ? e : NYX_LIBEXEC_DIR "/nyx-prepare");
        if (!m->state_dir || !m->run_dir || !m->runtime_path || !m->prepare_path)
                return -ENOMEM;

        r = cgroup_detect_mode("/sys/fs/cgroup", &m->cgroup_mode);
        if (r < 0)
                m->cgroup_mode = CGROUP_MODE_UNKNOWN;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        sd_event_source_unref(m->idle_source);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        free(m->state_dir);
        free(m->run_dir);
        free(m->runtime_path);
        free(m->runtime_version);
        free(m->prepare_path);
        oci_host_facts_done(&m->host_facts);
        for (size_t i = 0; i < m->n_containers; i++)
                container_free(m->containers[i]);
        free(m->containers);
        for (size_t i = 0; i < m->n_images; i++)
                image_free(m->images[i]);
        free(m->images);
        for (size_t i = 0; i < m->n_volumes; i++)
                volume_free(m->volumes[i]);
        free(m->volumes);
        for (size_t i = 0; i < m->n_networks; i++)
                network_free(m->networks[i]);
        free(m->networks);
        return mfree(m);
}

static int make_state_dirs(Manager *m) {
        static const char *const subdirs[] = { "containers", "images", "layers", "volumes", "networks", "tmp" };
        int r;

        r = mkdir_p(m->state_dir, 0700);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(subdirs); i++) {
                _cleanup_free_ char *p = path_join(m->state_dir, subdirs[i]);
                if (!p)
                        return -ENOMEM;
                r = mkdir_p(p, 0700);
                if (r < 0)
                        return r;
        }
        return mkdir_p(m->run_dir, 0700);
}

int manager_startup(Manager *m) {
        int r;

        r = make_state_dirs(m);
        if (r < 0)
                return log_error_errno(r, "Failed to create state directories under %s: %m", m->state_dir);

        r = image_store_init(m->state_dir);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the image store under %s: %m", m->state_dir);
        r = image_store_clean_staging(m->state_dir);
        if (r < 0)
                log_warning_errno(r, "Cannot remove all leftovers of interrupted pulls: %m");
        r = manager_load_images(m);
        if (r < 0)
                return log_error_errno(r, "Failed to load the image store: %m");
        r = manager_load_volumes(m);
        if (r < 0)
                return log_error_errno(r, "Failed to load volumes: %m");
        r = manager_load_networks(m);
        if (r < 0)
                return log_error_errno(r, "Failed to load networks: %m");

        r = sd_bus_default_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");

        r = manager_subscribe_systemd(m);
        if (r < 0)
                return log_error_errno(r, "Failed to subscribe to systemd: %m");

        /* Needs the bus: a container's state is its unit's. */
        r = manager_load_containers(m);
        if (r < 0)
                return log_error_errno(r, "Failed to load containers: %m");
        /* Before anything starts a container: the terminals kept in systemd's fd store. */
        r = manager_restore_consoles(m);
        if (r < 0)
                log_warning_errno(r, "Cannot take back containers' terminals from the fd store: %m");
        manager_clean_up_networks(m);
        manager_clean_up_and_restart(m);

        r = manager_dbus_register(m);
        if (r < 0)
                return log_error_errno(r, "Failed to register D-Bus objects: %m");

        r = sd_bus_request_name(m->bus, NYX_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire bus name %s: %m", NYX_BUS_NAME);

        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");

        return 0;
}

static int on_name_released(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        /* Everything queued before the release has been dispatched by now;
         * new calls wait for the next activation of nyxd. */
        return sd_event_exit(m->event, 0);
}

static int on_idle_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        int r;

        if (m->n_busy > 0 || m->exiting)
                /* Still waiting for a job, a container or a worker: look again later. */
                return sd_event_source_set_time_relative(s, m->idle_timeout_usec) < 0 ? 0 :
                       sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);

        log_info("Idle for a while, exiting (the next call starts nyxd again).");
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Exiting after idle timeout.");
        m->exiting = true;
        r = sd_bus_release_name_async(m->bus, NULL, NYX_BUS_NAME, on_name_released, m);
        if (r < 0)
                return sd_event_exit(m->event, r);
        return 0;
}

/* Every message from the bus counts as activity. */
static int on_bus_message(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        if (m->idle_source && !m->exiting) {
                (void) sd_event_source_set_time_relative(m->idle_source, m->idle_timeout_usec);
                (void) sd_event_source_set_enabled(m->idle_source, SD_EVENT_ONESHOT);
        }
        return 0;
}

int manager_run(Manager *m) {
        int r;

        if (m->idle_timeout_usec > 0) {
                r = sd_event_add_time_relative(m->event, &m->idle_source, CLOCK_MONOTONIC, m->idle_timeout_usec,
                                               100 * 1000, on_idle_timer, m);
                if (r < 0)
                        return r;
                r = sd_bus_add_filter(m->bus, NULL, on_bus_message, m);
                if (r < 0)
                        return r;
        }
        return sd_event_loop(m->event);
}

static int read_command_output(char *const argv[], char **ret) {
        _cleanup_close_ int pipe_r = -EBADF;
        int pfd[2], status;
        char buf[512];
        size_t n = 0;
        pid_t pid;

        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                safe_close(pfd[0]);
                safe_close(pfd[1]);
                return -errno;
        }
        if (pid == 0) {
                if (dup2(pfd[1], STDOUT_FILENO) < 0)
                        _exit(127);
                execv(argv[0], argv);
                _exit(127);
        }
        safe_close(pfd[1]);
        pipe_r = pfd[0];

        for (;;) {
                ssize_t k = read(pipe_r, buf + n, sizeof(buf) - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                n += k;
                if (n >= sizeof(buf) - 1)
                        break;
        }
        buf[n] = 0;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -ENOEXEC;

        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

int manager_get_runtime_version(Manager *m, const char **ret) {
        _cleanup_free_ char *out = NULL;
        char *argv[] = { m->runtime_path, (char *) "--version", NULL };
        const char *v;
        int r;

        if (m->runtime_version) {
                *ret = m->runtime_version;
                return 0;
        }

        r = read_command_output(argv, &out);
        if (r < 0)
                return r;

        /* First line: "crun version 1.8.1" */
        out[strcspn(out, "\n")] = 0;
        v = startswith(out, "crun version ");
        m->runtime_version = strdup(v ?: out);
        if (!m->runtime_version)
                return -ENOMEM;
        *ret = m->runtime_version;
        return 0;
}
