/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nyxctl stats, top, update, pause, unpause, rename, cp, container prune. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bus-json.h"
#include "bus-util.h"
#include "container-spec.h"
#include "fd-util.h"
#include "log.h"
#include "nyx-errors.h"
#include "nyxctl.h"
#include "output.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "archive-dl.h"
#include "tar-tree.h"

/* docker's sizes: binary units with 4 significant digits ("1.797MiB") for
 * stats, decimal ones ("12.3kB") for reclaimed space. */
static void format_size(char *buf, size_t size, uint64_t bytes, bool binary) {
        static const char *const bin[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
        static const char *const dec[] = { "B", "kB", "MB", "GB", "TB", "PB" };
        double v = (double) bytes, base = binary ? 1024.0 : 1000.0;
        size_t i = 0;

        while (v >= base && i < ELEMENTSOF(bin) - 1) {
                v /= base;
                i++;
        }
        snprintf(buf, size, "%.4g%s", v, binary ? bin[i] : dec[i]);
}

/* ---- stats ---- */

typedef struct StatsTarget {
        char *path;
        char *id;
        char *name;
        bool have_prev;
        uint64_t prev_ts, prev_cpu;
        bool seen;
} StatsTarget;

static void stats_target_done(StatsTarget *t) {
        free(t->path);
        free(t->id);
        free(t->name);
}

typedef struct StatsSample {
        const char *status;
        uint64_t ts, mem, mem_limit, cpu, tasks;
} StatsSample;

static int get_stats(sd_bus *bus, const char *path, StatsSample *ret, sd_bus_message **ret_reply,
                     sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        StatsSample s = { .status = "", .mem = UINT64_MAX, .mem_limit = UINT64_MAX, .cpu = UINT64_MAX,
                          .tasks = UINT64_MAX };
        int r;

        r = sd_bus_call_method(bus, NYX_BUS_NAME, path, NYX_BUS_IFACE_CONTAINER, "GetStats", error, &reply,
                               "a{sv}", 0);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "Status"))
                        r = sd_bus_message_read(reply, "v", "s", &s.status);
                else if (streq(key, "Timestamp"))
                        r = sd_bus_message_read(reply, "v", "t", &s.ts);
                else if (streq(key, "MemoryCurrent"))
                        r = sd_bus_message_read(reply, "v", "t", &s.mem);
                else if (streq(key, "MemoryLimit"))
                        r = sd_bus_message_read(reply, "v", "t", &s.mem_limit);
                else if (streq(key, "CPUUsageNSec"))
                        r = sd_bus_message_read(reply, "v", "t", &s.cpu);
                else if (streq(key, "TasksCurrent"))
                        r = sd_bus_message_read(reply, "v", "t", &s.tasks);
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
        *ret = s;
        *ret_reply = TAKE_PTR(reply);   /* s.status points into it */
        return 0;
}

static bool status_is_live(const char *s) {
        return streq(s, "running") || streq(s, "starting") || streq(s, "stopping") || streq(s, "paused");
}

/* All (running, or with -a every) containers, keeping what we know of those seen before. */
static int stats_list_all(sd_bus *bus, bool all, StatsTarget **targets, size_t *n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *id, *name, *image, *status, *command, *path;
        uint64_t created, started, finished;
        int32_t exit_code;
        uint32_t restarts;
        int r;

        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "ListContainers", &error,
                               &reply, "a{sv}", 0);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        for (size_t i = 0; i < *n; i++)
                (*targets)[i].seen = false;
        r = sd_bus_message_enter_container(reply, 'a', "(ssssstttiuo)");
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        while ((r = sd_bus_message_read(reply, "(ssssstttiuo)", &id, &name, &image, &status, &command, &created,
                                        &started, &finished, &exit_code, &restarts, &path)) > 0) {
                StatsTarget *t = NULL;

                if (!all && !status_is_live(status))
                        continue;
                for (size_t i = 0; i < *n; i++)
                        if (streq((*targets)[i].id, id))
                                t = &(*targets)[i];
                if (!t) {
                        StatsTarget *a = realloc(*targets, (*n + 1) * sizeof(StatsTarget));
                        if (!a)
                                return log_oom();
                        *targets = a;
                        t = &a[(*n)++];
                        *t = (StatsTarget) { .path = strdup(path), .id = strdup(id), .name = strdup(name) };
                        if (!t->path || !t->id || !t->name)
                                return log_oom();
                }
                t->seen = true;
        }
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");

        /* Containers gone since the last round leave the list. */
        for (size_t i = 0; i < *n; )
                if (!(*targets)[i].seen) {
                        stats_target_done(&(*targets)[i]);
                        memmove(*targets + i, *targets + i + 1, (*n - i - 1) * sizeof(StatsTarget));
                        (*n)--;
                } else
                        i++;
        return 0;
}

static json_object *stats_row(StatsTarget *t, const StatsSample *s) {
        json_object *o = json_object_new_object();
        char id12[13], mem[64] = "--", limit[64] = "--", usage[160], cpu_s[32] = "--", mem_s[32] = "--",
                pids[32] = "--";
        double cpu = -1, memp = -1;

        if (!o)
                return NULL;
        snprintf(id12, sizeof(id12), "%.12s", t->id);
        if (s->cpu != UINT64_MAX && t->have_prev && s->ts > t->prev_ts && s->cpu >= t->prev_cpu) {
                cpu = (double) (s->cpu - t->prev_cpu) / (double) ((s->ts - t->prev_ts) * 1000) * 100.0;
                snprintf(cpu_s, sizeof(cpu_s), "%.2f%%", cpu);
        } else if (!status_is_live(s->status)) {
                cpu = 0;
                snprintf(cpu_s, sizeof(cpu_s), "0.00%%");
        }
        if (s->mem != UINT64_MAX) {
                format_size(mem, sizeof(mem), s->mem, true);
                if (s->mem_limit != UINT64_MAX && s->mem_limit > 0) {
                        format_size(limit, sizeof(limit), s->mem_limit, true);
                        memp = (double) s->mem / (double) s->mem_limit * 100.0;
                        snprintf(mem_s, sizeof(mem_s), "%.2f%%", memp);
                }
        }
        snprintf(usage, sizeof(usage), "%s / %s", mem, limit);
        if (s->tasks != UINT64_MAX)
                snprintf(pids, sizeof(pids), "%" PRIu64, s->tasks);

        json_object_object_add(o, "ID", json_object_new_string(id12));
        json_object_object_add(o, "Container", json_object_new_string(t->id));
        json_object_object_add(o, "Name", json_object_new_string(t->name));
        json_object_object_add(o, "Status", json_object_new_string(s->status));
        json_object_object_add(o, "CPUPerc", json_object_new_string(cpu_s));
        json_object_object_add(o, "MemUsage", json_object_new_string(usage));
        json_object_object_add(o, "MemPerc", json_object_new_string(mem_s));
        json_object_object_add(o, "PIDs", json_object_new_string(pids));
        /* The numbers, for scripts: null where systemd cannot tell (no such controller). */
        json_object_object_add(o, "CPUPercent", cpu >= 0 ? json_object_new_double(cpu) : NULL);
        json_object_object_add(o, "CPUUsageNSec", s->cpu != UINT64_MAX ? json_object_new_uint64(s->cpu) : NULL);
        json_object_object_add(o, "MemoryUsageBytes", s->mem != UINT64_MAX ? json_object_new_uint64(s->mem) : NULL);
        json_object_object_add(o, "MemoryLimitBytes",
                               s->mem_limit != UINT64_MAX ? json_object_new_uint64(s->mem_limit) : NULL);
        json_object_object_add(o, "PIDsCurrent", s->tasks != UINT64_MAX ? json_object_new_uint64(s->tasks) : NULL);

        if (s->cpu != UINT64_MAX) {
                t->have_prev = true;
                t->prev_ts = s->ts;
                t->prev_cpu = s->cpu;
        }
        return o;
}

static int stats_print(json_object *rows, bool json, const char *format, bool clear) {
        _cleanup_(table_freep) Table *t = NULL;
        int r;

        if (json) {
                printf("%s\n", json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
                return fflush(stdout) == 0 ? 0 : -errno;
        }
        if (clear)
                fputs("\033[2J\033[H", stdout);
        if (format) {
                for (size_t i = 0; i < json_object_array_length(rows); i++) {
                        _cleanup_free_ char *out = NULL;
                        r = format_template(format, json_object_array_get_idx(rows, i), &out);
                        if (r < 0)
                                return log_error_errno(r, "stats: bad --format '%s'", format);
                        printf("%s\n", out);
                }
                return fflush(stdout) == 0 ? 0 : -errno;
        }
        t = table_new("CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS", NULL);
        if (!t)
                return log_oom();
        for (size_t i = 0; i < json_object_array_length(rows); i++) {
                json_object *o = json_object_array_get_idx(rows, i), *v[6];
                const char *keys[] = { "ID", "Name", "CPUPerc", "MemUsage", "MemPerc", "PIDs" };

                for (size_t k = 0; k < 6; k++)
                        json_object_object_get_ex(o, keys[k], &v[k]);
                r = table_add_row(t, json_object_get_string(v[0]), json_object_get_string(v[1]),
                                  json_object_get_string(v[2]), json_object_get_string(v[3]),
                                  json_object_get_string(v[4]), json_object_get_string(v[5]));
                if (r < 0)
                        return log_oom();
        }
        r = table_print(t, stdout, true);
        if (r < 0)
                return r;
        return fflush(stdout) == 0 ? 0 : -errno;
}

int verb_stats(int argc, char *argv[], void *userdata) {
        enum { ARG_NO_STREAM = 0x100, ARG_JSON, ARG_FORMAT };
        static const struct option options[] = {
                { "help",      no_argument,       NULL, 'h'           },
                { "all",       no_argument,       NULL, 'a'           },
                { "no-stream", no_argument,       NULL, ARG_NO_STREAM },
                { "json",      no_argument,       NULL, ARG_JSON      },
                { "format",    required_argument, NULL, ARG_FORMAT    },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool all = false, stream = true, json = false, named, clear;
        const char *format = NULL;
        StatsTarget *targets = NULL;
        size_t n = 0;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("stats", argc, argv, ":ha", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl stats [OPTIONS] [CONTAINER...]\n\n"
                               "Show containers' CPU, memory and process counts, as systemd accounts them for\n"
                               "their units (CPUUsageNSec, MemoryCurrent, MemoryMax, TasksCurrent), refreshed\n"
                               "every second until interrupted.\n\n"
                               "  -a --all         Also stopped containers (default: running ones)\n"
                               "     --no-stream   Print one sample (CPU %% over one second) and exit\n"
                               "     --json        One JSON array per sample\n"
                               "     --format T    Per container: {{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.MemPerc}} {{.PIDs}}\n\n"
                               "\"--\" means systemd cannot tell (e.g. no memory or pids controller on this host).\n");
                        return 0;
                case 'a':
                        all = true;
                        break;
                case ARG_NO_STREAM:
                        stream = false;
                        break;
                case ARG_JSON:
                        json = true;
                        break;
                case ARG_FORMAT:
                        format = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (json && format) {
                log_error("stats: --json and --format exclude each other");
                return -EINVAL;
        }
        named = optind < argc;
        clear = stream && !json && isatty(STDOUT_FILENO);

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;

        if (named)
                for (int i = optind; i < argc; i++) {
                        _cleanup_free_ char *path = NULL, *id = NULL, *name = NULL;
                        StatsTarget *a;

                        r = container_lookup(bus, argv[i], &path);
                        if (r >= 0)
                                r = container_get_string(bus, path, "Id", &id);
                        if (r >= 0)
                                r = container_get_string(bus, path, "Name", &name);
                        if (r < 0)
                                goto finish;
                        a = realloc(targets, (n + 1) * sizeof(StatsTarget));
                        if (!a) {
                                r = log_oom();
                                goto finish;
                        }
                        targets = a;
                        targets[n++] = (StatsTarget) { .path = TAKE_PTR(path), .id = TAKE_PTR(id), .name = TAKE_PTR(name) };
                }

        /* Round 0 is only the sample the CPU time of round 1, a second later, is measured against. */
        for (unsigned round = 0;; round++) {
                _cleanup_(json_object_putp) json_object *rows = json_object_new_array();

                if (!rows) {
                        r = log_oom();
                        goto finish;
                }
                if (!named) {
                        r = stats_list_all(bus, all, &targets, &n);
                        if (r < 0)
                                goto finish;
                }
                for (size_t i = 0; i < n; i++) {
                        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
                        StatsSample s;
                        json_object *row;

                        r = get_stats(bus, targets[i].path, &s, &reply, &error);
                        if (r < 0) {
                                if (round > 0 && sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_OBJECT))
                                        continue;   /* removed meanwhile */
                                r = nyxctl_log_bus_error(&error, r, targets[i].name);
                                goto finish;
                        }
                        row = stats_row(&targets[i], &s);
                        if (!row) {
                                r = log_oom();
                                goto finish;
                        }
                        json_object_array_add(rows, row);
                }
                if (round > 0 || n == 0) {
                        r = stats_print(rows, json, format, clear);
                        if (r < 0)
                                goto finish;
                        if (!stream) {
                                r = 0;
                                goto finish;
                        }
                }
                (void) usleep(1000 * 1000);
        }

finish:
        for (size_t i = 0; i < n; i++)
                stats_target_done(&targets[i]);
        free(targets);
        return r;
}

/* ---- top ---- */

static int read_all_fd(int fd, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;

        for (;;) {
                ssize_t k;

                if (size + 4096 + 1 > allocated) {
                        char *t = realloc(buf, allocated + 65536);
                        if (!t)
                                return -ENOMEM;
                        buf = t;
                        allocated += 65536;
                }
                k = read(fd, buf + size, allocated - size - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                size += k;
        }
        buf[size] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* Run ps with args; its whole output in *ret. */
static int run_ps(char **args, char **ret) {
        _cleanup_free_ char *ps = NULL, *out = NULL;
        _cleanup_strv_free_ char **argv = NULL;
        int pfd[2], status, r;
        pid_t pid;

        r = find_executable("ps", &ps);
        if (r < 0)
                return log_error_errno(r, "top: cannot find ps (procps) in $PATH");
        if (strv_extend(&argv, ps) < 0)
                return log_oom();
        STRV_FOREACH(a, args)
                if (strv_extend(&argv, *a) < 0)
                        return log_oom();

        if (pipe2(pfd, O_CLOEXEC) < 0)
                return log_error_errno(errno, "top: cannot make a pipe: %m");
        pid = fork();
        if (pid < 0) {
                r = -errno;
                safe_close(pfd[0]);
                safe_close(pfd[1]);
                return log_error_errno(r, "top: cannot fork: %m");
        }
        if (pid == 0) {
                (void) dup2(pfd[1], STDOUT_FILENO);
                execv(argv[0], argv);
                _exit(127);
        }
        safe_close(pfd[1]);
        r = read_all_fd(pfd[0], &out);
        safe_close(pfd[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(errno, "top: cannot wait for ps: %m");
        if (r < 0)
                return log_error_errno(r, "top: cannot read the output of ps: %m");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                log_error("top: ps failed (exit status %d); check the ps options", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
                return -EINVAL;
        }
        *ret = TAKE_PTR(out);
        return 0;
}

/* The index of the whitespace-separated field of line; NULL if there is none. */
static const char *nth_field(const char *line, size_t index, size_t *ret_len) {
        const char *p = line;

        for (size_t i = 0;; i++) {
                p += strspn(p, " \t");
                if (!*p)
                        return NULL;
                if (i == index) {
                        *ret_len = strcspn(p, " \t");
                        return p;
                }
                p += strcspn(p, " \t");
        }
}

int verb_top(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        static char *default_args[] = { (char *) "-e", (char *) "-o", (char *) "pid,user,time,args", NULL };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *out = NULL;
        const uint32_t *pids;
        size_t size, n, pid_col = SIZE_MAX, len;
        char **ps_args, *line, *next;
        const char *f;
        int c, r;

        verb_getopt_reset();
        /* "+": everything after the container name belongs to ps. */
        while ((c = verb_getopt("top", argc, argv, "+:h", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl top CONTAINER [ps OPTIONS]\n\n"
                               "Show the processes running in a container (its unit's payload cgroup), as\n"
                               "ps shows them: by default with 'ps -e -o pid,user,time,args', else with the ps\n"
                               "options given, keeping the rows whose PID is the container's.\n");
                        return 0;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "top", argc - optind, argv + optind, 1, -1) < 0)
                return -EINVAL;
        ps_args = optind + 1 < argc ? argv + optind + 1 : default_args;

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = container_call(bus, argv[optind], "ListProcesses", &reply, "a{sv}", 0);
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(reply, 'u', (const void **) &pids, &size);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        n = size / sizeof(uint32_t);

        r = run_ps(ps_args, &out);
        if (r < 0)
                return r;

        /* The header names the columns; PID's position is where to look. */
        line = out;
        next = strchr(line, '\n');
        if (next)
                *next++ = 0;
        for (size_t i = 0; (f = nth_field(line, i, &len)); i++)
                if (len == 3 && strncmp(f, "PID", 3) == 0) {
                        pid_col = i;
                        break;
                }
        if (pid_col == SIZE_MAX) {
                log_error("top: the ps output has no PID column; add pid to the ps options (e.g. -o pid,args)");
                return -EINVAL;
        }
        printf("%s\n", line);

        for (line = next; line && *line; line = next) {
                char *end;
                unsigned long pid;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                f = nth_field(line, pid_col, &len);
                if (!f)
                        continue;
                pid = strtoul(f, &end, 10);
                if (end != f + len)
                        continue;
                for (size_t k = 0; k < n; k++)
                        if (pids[k] == pid) {
                                printf("%s\n", line);
                                break;
                        }
        }
        return 0;
}

/* ---- update ---- */

static int flag_error(int r, char *reason, const char *flag, const char *value) {
        if (reason) {
                log_error("update: %s", reason);
                free(reason);
        } else
                log_error("update: invalid value '%s' for %s", value, flag);
        return r < 0 ? r : -EINVAL;
}

int verb_update(int argc, char *argv[], void *userdata) {
        enum { ARG_MEMORY_SWAP = 0x100, ARG_CPUS, ARG_PIDS_LIMIT, ARG_RESTART };
        static const struct option options[] = {
                { "help",        no_argument,       NULL, 'h'             },
                { "memory",      required_argument, NULL, 'm'             },
                { "memory-swap", required_argument, NULL, ARG_MEMORY_SWAP },
                { "cpus",        required_argument, NULL, ARG_CPUS        },
                { "cpu-shares",  required_argument, NULL, 'c'             },
                { "pids-limit",  required_argument, NULL, ARG_PIDS_LIMIT  },
                { "restart",     required_argument, NULL, ARG_RESTART     },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(json_object_putp) json_object *changes = json_object_new_object();
        char *reason = NULL;
        uint64_t u;
        int64_t i64;
        int c, r, ret = 0;

        if (!changes)
                return log_oom();
        verb_getopt_reset();
        while ((c = verb_getopt("update", argc, argv, ":hm:c:", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl update [OPTIONS] CONTAINER...\n\n"
                               "Change containers' limits: live on a running container's unit (systemd's\n"
                               "SetUnitProperties), and in its record, so the next start keeps them.\n\n"
                               "  -m --memory SIZE        Memory limit (MemoryMax=); 0: none\n"
                               "     --memory-swap SIZE   Memory plus swap limit; -1: unlimited swap\n"
                               "     --cpus N             CPUs' worth of time (CPUQuota=); 0: no limit\n"
                               "  -c --cpu-shares N       Relative CPU weight (CPUWeight=); 0: the default\n"
                               "     --pids-limit N       Most processes (TasksMax=); 0 or -1: unlimited\n"
                               "     --restart POLICY     no, on-failure[:N], always, unless-stopped; systemd\n"
                               "                          cannot change a running unit's Restart=, so the new\n"
                               "                          policy applies from the container's next start\n");
                        return 0;
                case 'm':
                        r = parse_bytes_flag("--memory", optarg, &u, &reason);
                        if (r < 0)
                                return flag_error(r, reason, "--memory", optarg);
                        json_object_object_add(changes, "memory", json_object_new_int64((int64_t) u));
                        break;
                case ARG_MEMORY_SWAP:
                        r = parse_memory_swap(optarg, &i64, &reason);
                        if (r < 0)
                                return flag_error(r, reason, "--memory-swap", optarg);
                        json_object_object_add(changes, "memorySwap", json_object_new_int64(i64));
                        break;
                case ARG_CPUS:
                        r = parse_cpus(optarg, &u, &reason);
                        if (r < 0)
                                return flag_error(r, reason, "--cpus", optarg);
                        json_object_object_add(changes, "cpuQuotaPerSecUSec", json_object_new_int64((int64_t) u));
                        break;
                case 'c':
                        r = parse_cpu_shares(optarg, &u, &reason);
                        if (r < 0)
                                return flag_error(r, reason, "--cpu-shares", optarg);
                        json_object_object_add(changes, "cpuShares", json_object_new_int64((int64_t) u));
                        break;
                case ARG_PIDS_LIMIT:
                        r = parse_pids_limit(optarg, &i64, &reason);
                        if (r < 0)
                                return flag_error(r, reason, "--pids-limit", optarg);
                        json_object_object_add(changes, "pidsLimit", json_object_new_int64(i64));
                        break;
                case ARG_RESTART: {
                        RestartPolicy p;
                        r = parse_restart_policy(optarg, &p, &reason);
                        if (r < 0)
                                return flag_error(r, reason, "--restart", optarg);
                        json_object_object_add(changes, "restart", json_object_new_string(optarg));
                        break;
                }
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "update", argc - optind, argv + optind, 1, -1) < 0)
                return -EINVAL;
        if (json_object_object_length(changes) == 0) {
                log_error("update: nothing to change; give at least one of --memory, --memory-swap, --cpus, "
                          "--cpu-shares, --pids-limit, --restart. See 'nyxctl update --help'.");
                return -EINVAL;
        }

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        for (int i = optind; i < argc; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
                _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_free_ char *path = NULL;

                r = container_lookup(bus, argv[i], &path);
                if (r < 0) {
                        ret = r;
                        continue;
                }
                r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, path, NYX_BUS_IFACE_CONTAINER, "Update");
                if (r >= 0)
                        r = bus_message_append_dict_json(call, changes);
                if (r < 0)
                        return log_oom();
                r = sd_bus_call(bus, call, 0, &error, NULL);
                if (r < 0) {
                        ret = nyxctl_log_bus_error(&error, r, NULL);
                        continue;
                }
                printf("%s\n", argv[i]);
        }
        return ret;
}

/* ---- pause, unpause ---- */

static int pause_like(int argc, char *argv[], const char *verb, const char *method, const char *usage) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = parse_help_only(verb, argc, argv, usage, 1, -1);
        if (r <= 0)
                return r;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        return container_call_each(bus, argv + optind, argc - optind, method, "a{sv}", 0);
}

int verb_pause(int argc, char *argv[], void *userdata) {
        return pause_like(argc, argv, "pause", "Pause",
                          "nyxctl pause CONTAINER...\n\n"
                          "Freeze all processes of containers (the runtime's pause: the cgroup freezer).\n"
                          "ps and inspect show them as paused; stop and rm -f thaw them first.\n");
}

int verb_unpause(int argc, char *argv[], void *userdata) {
        return pause_like(argc, argv, "unpause", "Unpause",
                          "nyxctl unpause CONTAINER...\n\nThaw paused containers.\n");
}

/* ---- rename ---- */

int verb_rename(int argc, char *argv[], void *userdata) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *reason = NULL;
        int r;

        r = parse_help_only("rename", argc, argv,
                            "nyxctl rename CONTAINER NEW-NAME\n\n"
                            "Rename a container that is not running. Its unit is named after it\n"
                            "(nyx-NAME.service) and systemd cannot rename a unit, so a running container\n"
                            "must be stopped first; the next start uses nyx-NEW-NAME.service.\n", 2, 2);
        if (r <= 0)
                return r;
        r = container_name_validate(argv[optind + 1], &reason);
        if (r < 0) {
                log_error("rename: %s", reason ?: "invalid container name");
                return -EINVAL;
        }
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        return container_call(bus, argv[optind], "Rename", NULL, "sa{sv}", argv[optind + 1], 0);
}

/* ---- container prune, container COMMAND ---- */

static int verb_container_prune(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",  no_argument, NULL, 'h' },
                { "force", no_argument, NULL, 'f' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **removed = NULL;
        bool force = false;
        uint64_t reclaimed;
        char size[64];
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("container prune", argc, argv, ":hf", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl container prune [-f]\n\n"
                               "Remove all stopped (exited and created) containers.\n\n"
                               "  -f --force   Do not ask for confirmation\n");
                        return 0;
                case 'f':
                        force = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "container prune", argc - optind, argv + optind, 0, 0) < 0)
                return -EINVAL;

        if (!force && !confirm_prune("This will remove all stopped containers."))
                return 0;

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "PruneContainers", &error,
                               &reply, "a{sv}", 0);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_read_strv(reply, &removed);
        if (r >= 0)
                r = sd_bus_message_read(reply, "t", &reclaimed);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");

        if (removed) {
                printf("Deleted Containers:\n");
                STRV_FOREACH(id, removed)
                        printf("%s\n", *id);
                printf("\n");
        }
        format_size(size, sizeof(size), reclaimed, false);
        printf("Total reclaimed space: %s\n", size);
        return 0;
}

int verb_container(int argc, char *argv[], void *userdata) {
        static const struct { const char *name; int (*fn)(int, char **, void *); } sub[] = {
                { "prune", verb_container_prune }, { "ls", verb_ps }, { "list", verb_ps }, { "ps", verb_ps },
                { "create", verb_create }, { "run", verb_run }, { "start", verb_start }, { "stop", verb_stop },
                { "restart", verb_restart }, { "kill", verb_kill }, { "rm", verb_rm }, { "logs", verb_logs },
                { "inspect", verb_inspect }, { "wait", verb_wait }, { "stats", verb_stats }, { "top", verb_top },
                { "update", verb_update }, { "pause", verb_pause }, { "unpause", verb_unpause },
                { "rename", verb_rename }, { "cp", verb_cp }, { "exec", verb_exec }, { "attach", verb_attach },
        };

        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                printf("nyxctl container COMMAND\n\nCommands:");
                for (size_t i = 0; i < ELEMENTSOF(sub); i++)
                        printf("%s %s", i == 0 ? "" : ",", sub[i].name);
                printf("\n");
                return argc < 2 ? -EINVAL : 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(sub); i++)
                if (streq(argv[1], sub[i].name))
                        return sub[i].fn(argc - 1, argv + 1, userdata);
        log_error("container: unknown command '%s'. See 'nyxctl container --help'.", argv[1]);
        return -EINVAL;
}

/* ---- cp ---- */

typedef struct CallState {
        bool done;
        int r;
        sd_bus_error error;
} CallState;

static int on_call_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        CallState *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        s->done = true;
        if (e) {
                s->r = -sd_bus_message_get_errno(m) ?: -EIO;
                (void) sd_bus_error_copy(&s->error, e);
        }
        return 0;
}

static int wait_reply(sd_bus *bus, CallState *s) {
        while (!s->done) {
                int r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return r;
        }
        return 0;
}

/* Start CopyTo/CopyFrom with fd; the reply comes into *state. */
static int copy_call(sd_bus *bus, const char *container_path, const char *method, const char *path, int fd, bool raw,
                     CallState *state, sd_bus_slot **ret_slot) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, container_path, NYX_BUS_IFACE_CONTAINER, method);
        if (r >= 0)
                r = sd_bus_message_append(call, "sh", path, fd);
        if (r >= 0)
                r = raw ? sd_bus_message_append(call, "a{sv}", 1, "Raw", "b", 1) : sd_bus_message_append(call, "a{sv}", 0);
        if (r < 0)
                return log_oom();
        r = sd_bus_call_async(bus, ret_slot, call, on_call_reply, state, UINT64_MAX - 1);
        if (r < 0)
                return log_error_errno(r, "cp: cannot call nyxd: %m");
        return sd_bus_flush(bus);
}

/* NAME:PATH names a container's path; a local path that has a ':' must
 * start with / or ./ (as docker has it). */
static bool split_container_arg(const char *arg, char **ret_name, const char **ret_path) {
        const char *colon = strchr(arg, ':');

        if (!colon || colon == arg || arg[0] == '/' || arg[0] == '.' || memchr(arg, '/', colon - arg))
                return false;
        *ret_name = strndup(arg, colon - arg);
        *ret_path = colon + 1;
        return true;
}

/* "a/b/." (the contents of b), "a/b/" -> directory "a", name "b" or "." (contents). */
static int split_local(const char *path, char **ret_dir, char **ret_name) {
        _cleanup_free_ char *p = strdup(path);
        char *slash;
        size_t l;

        if (!p)
                return -ENOMEM;
        for (;;) {
                l = strlen(p);
                if (l > 1 && p[l - 1] == '/')
                        p[l - 1] = 0;
                else if (l >= 2 && streq(p + l - 2, "/.")) {
                        p[l - 2] = 0;
                        if (!p[0])
                                strcpy(p, "/");
                        *ret_name = strdup(".");
                        *ret_dir = TAKE_PTR(p);
                        return *ret_name ? 0 : -ENOMEM;
                } else
                        break;
        }
        if (streq(p, ".") || streq(p, "/")) {
                *ret_name = strdup(".");
                *ret_dir = TAKE_PTR(p);
                return *ret_name ? 0 : -ENOMEM;
        }
        slash = strrchr(p, '/');
        if (!slash) {
                *ret_name = TAKE_PTR(p);
                *ret_dir = strdup(".");
                return *ret_dir ? 0 : -ENOMEM;
        }
        *ret_name = strdup(slash + 1);
        if (!*ret_name)
                return -ENOMEM;
        *slash = 0;
        *ret_dir = strdup(isempty(p) ? "/" : p);
        return *ret_dir ? 0 : -ENOMEM;
}

/* Which error to show when both sides failed: the cause, not its echo. A
 * writer that fails to read its files cuts the stream (the reader's error
 * follows); a reader that gives up makes the writer's EPIPE. */
static int report_copy_error(CallState *s, int local_r, const char *local_reason, bool local_writes) {
        bool local_first = local_r < 0 &&
                (s->r >= 0 || (local_writes ? !IN_SET(local_r, -EPIPE, -EIO) : s->r == -EPIPE));

        if (s->r < 0 && !local_first)
                return nyxctl_log_bus_error(&s->error, s->r, NULL);
        if (local_r < 0) {
                log_error("cp: %s", local_reason ?: strerror(-local_r));
                return local_r;
        }
        return 0;
}

static int cp_to_container(sd_bus *bus, const char *container_path, const char *src, const char *dst) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(sym_archive_write_freep) struct archive *a = NULL;
        _cleanup_free_ char *dir = NULL, *name = NULL, *reason = NULL;
        _cleanup_close_ int dir_fd = -EBADF, wfd = -EBADF;
        CallState state = { .error = SD_BUS_ERROR_NULL };
        int pfd[2], r, lr = 0;
        struct stat st;

        if (streq(src, "-")) {
                r = copy_call(bus, container_path, "CopyTo", dst, STDIN_FILENO, true, &state, &slot);
                if (r < 0)
                        return r;
                r = wait_reply(bus, &state);
                if (r < 0)
                        return log_error_errno(r, "cp: lost nyxd: %m");
                r = report_copy_error(&state, 0, NULL, false);
                sd_bus_error_free(&state.error);
                return r;
        }

        if (lstat(src, &st) < 0)
                return log_error_errno(errno, "cp: %s: %m", src);
        r = split_local(src, &dir, &name);
        if (r < 0)
                return log_oom();
        dir_fd = open(streq(name, ".") ? src : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return log_error_errno(errno, "cp: %s: %m", streq(name, ".") ? src : dir);

        if (pipe2(pfd, O_CLOEXEC) < 0)
                return log_error_errno(errno, "cp: cannot make a pipe: %m");
        wfd = pfd[1];
        r = copy_call(bus, container_path, "CopyTo", dst, pfd[0], false, &state, &slot);
        safe_close(pfd[0]);
        if (r < 0)
                return r;

        /* nyxd going away mid-stream shows as EPIPE, and its reply says why. */
        (void) signal(SIGPIPE, SIG_IGN);
        a = sym_archive_write_new();
        if (!a)
                return log_oom();
        if (sym_archive_write_set_format_pax_restricted(a) != ARCHIVE_OK || sym_archive_write_open_fd(a, wfd) != ARCHIVE_OK)
                lr = -EIO;
        if (lr >= 0)
                lr = tar_write_tree(a, dir_fd, streq(name, ".") ? "." : name, name, &reason);
        if (lr >= 0 && sym_archive_write_close(a) != ARCHIVE_OK)
                lr = -EIO;
        if (lr < 0 && !reason)
                reason = strdup(sym_archive_error_string(a) ?: "cannot write the archive");
        sym_archive_write_free(TAKE_PTR(a));
        wfd = safe_close(wfd);

        r = wait_reply(bus, &state);
        if (r < 0)
                return log_error_errno(r, "cp: lost nyxd: %m");
        r = report_copy_error(&state, lr, reason, true);
        sd_bus_error_free(&state.error);
        return r;
}

/* Extract the archive on fd below the current directory, with its top
 * component renamed to newtop (or a leading "." dropped when newtop is NULL). */
static int extract_local(int fd, const char *newtop, bool dst_is_file, char **ret_reason) {
        _cleanup_(sym_archive_read_freep) struct archive *a = NULL;
        _cleanup_(sym_archive_write_freep) struct archive *w = NULL;
        struct archive_entry *e;
        bool first = true;
        int r;

        a = sym_archive_read_new();
        w = sym_archive_write_disk_new();
        if (!a || !w)
                return -ENOMEM;
        sym_archive_read_support_format_tar(a);
        sym_archive_write_disk_set_options(w, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_UNLINK |
                                          ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                          ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
        if (sym_archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
                *ret_reason = strdup(sym_archive_error_string(a) ?: "cannot read the archive");
                return -EIO;
        }

        while ((r = sym_archive_read_next_header(a, &e)) == ARCHIVE_OK) {
                const char *names[2] = { sym_archive_entry_pathname(e), sym_archive_entry_hardlink(e) };
                _cleanup_free_ char *mapped[2] = {};

                if (first && dst_is_file && sym_archive_entry_filetype(e) == AE_IFDIR) {
                        *ret_reason = strdup("cannot copy a directory onto a file");
                        return -ENOTDIR;
                }
                first = false;
                for (size_t k = 0; k < 2; k++) {
                        const char *n = names[k], *rest;

                        if (!n)
                                continue;
                        n += strspn(n, "/");
                        rest = n + strcspn(n, "/");
                        if (newtop)
                                mapped[k] = strjoin(newtop, rest);
                        else
                                mapped[k] = strdup(startswith(n, "./") ? n + 2 : streq(n, ".") ? "." : n);
                        if (!mapped[k])
                                return -ENOMEM;
                }
                if (isempty(mapped[0]) || streq(mapped[0], ".") || streq(mapped[0], "./"))
                        continue;   /* the destination directory itself */
                sym_archive_entry_set_pathname(e, mapped[0]);
                if (mapped[1])
                        sym_archive_entry_set_hardlink(e, mapped[1]);
                if (sym_archive_write_header(w, e) != ARCHIVE_OK) {
                        (void) asprintf(ret_reason, "%s: %s", mapped[0], sym_archive_error_string(w) ?: "cannot create");
                        return -EIO;
                }
                for (;;) {
                        const void *buf;
                        size_t size;
                        la_int64_t offset;

                        r = sym_archive_read_data_block(a, &buf, &size, &offset);
                        if (r == ARCHIVE_EOF)
                                break;
                        if (r != ARCHIVE_OK) {
                                (void) asprintf(ret_reason, "%s: %s", mapped[0], sym_archive_error_string(a) ?: "bad archive");
                                return -EIO;
                        }
                        if (sym_archive_write_data_block(w, buf, size, offset) != ARCHIVE_OK) {
                                (void) asprintf(ret_reason, "%s: %s", mapped[0], sym_archive_error_string(w) ?: "cannot write");
                                return -EIO;
                        }
                }
                if (sym_archive_write_finish_entry(w) != ARCHIVE_OK) {
                        (void) asprintf(ret_reason, "%s: %s", mapped[0], sym_archive_error_string(w) ?: "cannot write");
                        return -EIO;
                }
        }
        if (r != ARCHIVE_EOF) {
                *ret_reason = strdup(sym_archive_error_string(a) ?: "cannot read the archive");
                return -EIO;
        }
        if (sym_archive_write_close(w) != ARCHIVE_OK) {
                *ret_reason = strdup(sym_archive_error_string(w) ?: "cannot finish writing");
                return -EIO;
        }
        return 0;
}

static int cp_from_container(sd_bus *bus, const char *container_path, const char *src, const char *dst) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_free_ char *dir = NULL, *name = NULL, *reason = NULL;
        _cleanup_close_ int rfd = -EBADF, cwd = -EBADF, base_fd = -EBADF;
        CallState state = { .error = SD_BUS_ERROR_NULL };
        bool exists, is_dir = false;
        const char *newtop = NULL;
        int pfd[2], r, lr;
        struct stat st;

        if (streq(dst, "-")) {
                r = copy_call(bus, container_path, "CopyFrom", src, STDOUT_FILENO, false, &state, &slot);
                if (r < 0)
                        return r;
                r = wait_reply(bus, &state);
                if (r < 0)
                        return log_error_errno(r, "cp: lost nyxd: %m");
                r = report_copy_error(&state, 0, NULL, false);
                sd_bus_error_free(&state.error);
                return r;
        }

        /* docker's rules: into an existing directory the copy keeps its name;
         * otherwise it becomes DST, whose directory must exist. */
        exists = stat(dst, &st) >= 0;
        if (!exists && errno != ENOENT)
                return log_error_errno(errno, "cp: %s: %m", dst);
        is_dir = exists && S_ISDIR(st.st_mode);
        r = split_local(dst, &dir, &name);
        if (r < 0)
                return log_oom();
        if (is_dir)
                base_fd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        else {
                if (streq(name, ".")) {
                        log_error("cp: %s is not a directory", dst);
                        return -ENOTDIR;
                }
                base_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                newtop = name;
        }
        if (base_fd < 0)
                return log_error_errno(errno, "cp: %s: %m", is_dir ? dst : dir);

        if (pipe2(pfd, O_CLOEXEC) < 0)
                return log_error_errno(errno, "cp: cannot make a pipe: %m");
        rfd = pfd[0];
        r = copy_call(bus, container_path, "CopyFrom", src, pfd[1], false, &state, &slot);
        safe_close(pfd[1]);
        if (r < 0)
                return r;

        /* Relative names below the destination: libarchive's symlink checks then
         * cover what the archive makes, not the caller's own path to it. */
        cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fchdir(base_fd) < 0)
                return log_error_errno(errno, "cp: cannot enter %s: %m", is_dir ? dst : dir);
        lr = extract_local(rfd, newtop, exists && !is_dir, &reason);
        if (cwd >= 0)
                (void) fchdir(cwd);
        /* After the end-of-archive blocks nyxd may still be writing the padding of the last record:
         * drain it, or it fails with EPIPE. A failed extraction stops nyxd's writer with EPIPE. */
        if (lr >= 0) {
                char buf[4096];
                while (read(rfd, buf, sizeof(buf)) > 0)
                        ;
        }
        rfd = safe_close(rfd);

        r = wait_reply(bus, &state);
        if (r < 0)
                return log_error_errno(r, "cp: lost nyxd: %m");
        r = report_copy_error(&state, lr, reason, false);
        sd_bus_error_free(&state.error);
        return r;
}

int verb_cp(int argc, char *argv[], void *userdata) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *src_name = NULL, *dst_name = NULL, *path = NULL;
        const char *src_path = NULL, *dst_path = NULL;
        bool from, to;
        int r;

        r = parse_help_only("cp", argc, argv,
                            "nyxctl cp CONTAINER:SRC_PATH DEST_PATH|-\n"
                            "nyxctl cp SRC_PATH|- CONTAINER:DEST_PATH\n\n"
                            "Copy files between a container and the host, running or not, as docker cp does:\n"
                            "into an existing directory the copy keeps its name, otherwise it is named\n"
                            "DEST_PATH; SRC_PATH ending in /. copies a directory's contents. '-' is a tar\n"
                            "stream on stdin (extracted into a directory) or stdout. Paths in the container\n"
                            "resolve inside it (symlinks included); host paths are opened by nyxctl, with\n"
                            "the caller's permissions. Files copied in belong to root; files copied out to\n"
                            "the caller.\n", 2, 2);
        if (r <= 0)
                return r;

        from = split_container_arg(argv[optind], &src_name, &src_path);
        to = split_container_arg(argv[optind + 1], &dst_name, &dst_path);
        if (from == to) {
                log_error("cp: %s", from ? "copying between containers is not supported; copy through the host"
                                         : "one of the paths must be CONTAINER:PATH. See 'nyxctl cp --help'.");
                return -EINVAL;
        }
        if ((from && !src_name) || (to && !dst_name))
                return log_oom();
        if (isempty(from ? src_path : dst_path)) {
                log_error("cp: the path in the container is empty");
                return -EINVAL;
        }

        const char *dl_error = NULL;
        r = dlopen_libarchive(&dl_error);
        if (r < 0)
                return log_error_errno(r, "cp: cannot load libarchive: %s", dl_error ?: "unknown error");

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = container_lookup(bus, from ? src_name : dst_name, &path);
        if (r < 0)
                return r;
        return from ? cp_from_container(bus, path, src_path, argv[optind + 1])
                    : cp_to_container(bus, path, argv[optind], dst_path);
}
