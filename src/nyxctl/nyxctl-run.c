/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nyxctl create / run: flags -> the container spec (as JSON, sent as a{sv}),
 * validated here with the same parsers nyxd uses, so mistakes are reported
 * before anything is created. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "bus-json.h"
#include "bus-util.h"
#include "detach-keys.h"
#include "container-spec.h"
#include "fileio.h"
#include "journal-logs.h"
#include "log.h"
#include "nyx-errors.h"
#include "nyxctl-attach.h"
#include "nyxctl.h"
#include "output.h"
#include "parse-util.h"
#include "string-util.h"
#include "strv.h"

typedef struct RunOptions {
        json_object *spec;
        bool detach;
        bool quiet;
        bool interactive;       /* -i: our stdin becomes the unit's (Start's StandardInputFileDescriptor) */
        bool tty;               /* -t: a pty inside; run in the foreground attaches to it */
        AttachOptions attach;   /* --detach-keys */
} RunOptions;

static void run_options_done(RunOptions *o) {
        json_object_put(o->spec);
}

static int spec_add_string(json_object *spec, const char *key, const char *value) {
        json_object_object_add(spec, key, json_object_new_string(value));
        return 0;
}

static int spec_append(json_object *spec, const char *key, const char *value) {
        json_object *a;

        if (!json_object_object_get_ex(spec, key, &a)) {
                a = json_object_new_array();
                if (!a)
                        return -ENOMEM;
                json_object_object_add(spec, key, a);
        }
        return json_object_array_add(a, json_object_new_string(value)) < 0 ? -ENOMEM : 0;
}

static int spec_set_pair(json_object *spec, const char *key, const char *k, const char *v) {
        json_object *o;

        if (!json_object_object_get_ex(spec, key, &o)) {
                o = json_object_new_object();
                if (!o)
                        return -ENOMEM;
                json_object_object_add(spec, key, o);
        }
        json_object_object_add(o, k, json_object_new_string(v));
        return 0;
}

/* Every parser of container-spec.h reports with a malloc'ed reason. */
static int flag_error(int r, char *reason, const char *verb, const char *flag, const char *value) {
        if (reason) {
                log_error("%s: %s", verb, reason);
                free(reason);
        } else
                log_error("%s: invalid value '%s' for %s", verb, value, flag);
        return r < 0 ? r : -EINVAL;
}

/* -e KEY=VALUE, or -e KEY: the caller's value (docker: unset when the caller has none). */
static int add_env(json_object *spec, const char *verb, const char *e) {
        _cleanup_free_ char *entry = NULL, *reason = NULL;
        int r;

        if (!strchr(e, '=')) {
                const char *v = getenv(e);
                entry = v ? strjoin(e, "=", v) : strdup(e);
        } else
                entry = strdup(e);
        if (!entry)
                return log_oom();
        r = env_entry_validate(entry, &reason);
        if (r < 0)
                return flag_error(r, TAKE_PTR(reason), verb, "--env", e);
        return spec_append(spec, "env", entry);
}

static int add_env_file(json_object *spec, const char *verb, const char *path) {
        _cleanup_free_ char *text = NULL;
        char *line, *save = NULL;
        int r;

        r = read_full_file(path, 16 * 1024 * 1024, &text, NULL);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read --env-file %s: %m", verb, path);
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                line += strspn(line, " \t");
                if (*line == 0 || *line == '#')
                        continue;
                line[strcspn(line, "\r")] = 0;
                r = add_env(spec, verb, line);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void run_help(const char *verb) {
        printf("nyxctl %s [OPTIONS] IMAGE [COMMAND [ARG...]]\n\n"
               "%s a container: a transient unit nyx-NAME.service running crun.\n\n"
               "  -d --detach                 Run in the background and print the ID%s\n"
               "     --rm                     Remove the container when it exits\n"
               "  -i --interactive            Our stdin is the container's (run, or with -t)\n"
               "  -t --tty                    Give it a pseudo-terminal (run attaches to it; start -a)\n"
               "     --detach-keys KEYS       Detach from -it with this sequence (default ctrl-p,ctrl-q)\n"
               "     --name NAME              Name it (also names its unit)\n"
               "  -e --env KEY[=VALUE]        Set an environment variable\n"
               "     --env-file FILE          Read variables from FILE\n"
               "  -w --workdir DIR            Working directory inside\n"
               "  -u --user USER[:GROUP]      User to run as (names from the image's /etc/passwd)\n"
               "     --entrypoint CMD         Override the image's entrypoint\n"
               "  -h --hostname NAME          Host name inside\n"
               "  -l --label KEY=VALUE        Set a label\n"
               "     --restart POLICY         no, on-failure[:N], always, unless-stopped\n"
               "     --stop-signal SIGNAL     Signal that stops it (default SIGTERM)\n"
               "     --stop-timeout TIME      How long stop waits before SIGKILL (default 10s)\n"
               "  -m --memory SIZE            Memory limit (MemoryMax=)\n"
               "     --memory-swap SIZE       Memory plus swap limit, -1 unlimited\n"
               "     --cpus N                 CPU limit (CPUQuota=)\n"
               "  -c --cpu-shares N           Relative CPU weight\n"
               "     --pids-limit N           Process limit (TasksMax=), -1 unlimited\n"
               "     --ulimit NAME=SOFT[:HARD] Resource limit\n"
               "     --cap-add CAP, --cap-drop CAP   Change the capability set (ALL allowed)\n"
               "     --privileged             All capabilities and devices, no seccomp\n"
               "     --security-opt OPT       no-new-privileges, seccomp=PROFILE|unconfined\n"
               "     --read-only              Mount the root file system read-only\n"
               "     --tmpfs DIR[:OPTS]       Mount a tmpfs\n"
               "  -v --volume SRC:DST[:OPTS]  Bind a host path or a named volume\n"
               "     --mount SPEC             type=bind|volume|tmpfs,source=,target=,readonly\n"
               "     --init                   Run an init as PID 1 that reaps zombies\n"
               "     --sysctl KEY=VALUE       Set a namespaced sysctl\n"
               "     --shm-size SIZE          Size of /dev/shm (default 64m)\n"
               "     --network MODE           bridge (default), none, host, NAME, container:NAME\n"
               "     --ip ADDRESS             IPv4 address on the network (default: the next free one)\n"
               "     --network-alias NAME     Another name it is known by on a user network\n"
               "     --dns ADDRESS            Resolver for /etc/resolv.conf\n"
               "     --add-host HOST:IP       A line for /etc/hosts\n"
               "  -p --publish [IP:][HOST:]PORT[/PROTO]  Publish a port (ranges N-M; no HOST: a free one)\n"
               "  -P --publish-all            Publish the image's exposed ports on free host ports\n"
               "     --listen [IP:]HOST:PORT  A socket unit owns HOST; the first connection starts the container\n"
               "     --idle-timeout TIME      With --listen: stop the container when idle that long\n"
               "     --oom-score-adj N        OOM score adjustment\n"
               "     --log-opt tag=TAG        SYSLOG_IDENTIFIER of its output\n"
               "  -q --quiet                  Print less\n"
               "     --help                   Show this help\n",
               verb, streq(verb, "run") ? "Create and start" : "Create",
               streq(verb, "run") ? "" : " (ignored: create never starts)");
}

enum {
        ARG_RM = 0x100, ARG_NAME, ARG_ENV_FILE, ARG_ENTRYPOINT, ARG_RESTART, ARG_STOP_SIGNAL,
        ARG_STOP_TIMEOUT, ARG_MEMORY_SWAP, ARG_CPUS, ARG_PIDS_LIMIT, ARG_ULIMIT, ARG_CAP_ADD,
        ARG_CAP_DROP, ARG_PRIVILEGED, ARG_SECURITY_OPT, ARG_READ_ONLY, ARG_TMPFS, ARG_MOUNT, ARG_INIT,
        ARG_SYSCTL, ARG_SHM_SIZE, ARG_NETWORK, ARG_OOM_SCORE_ADJ, ARG_LOG_OPT, ARG_HELP,
        ARG_LISTEN, ARG_IDLE_TIMEOUT, ARG_DETACH_KEYS, ARG_IP, ARG_DNS, ARG_ADD_HOST, ARG_NETWORK_ALIAS,
};

static const struct option run_options[] = {
        { "detach",        no_argument,       NULL, 'd'               },
        { "interactive",   no_argument,       NULL, 'i'               },
        { "tty",           no_argument,       NULL, 't'               },
        { "rm",            no_argument,       NULL, ARG_RM            },
        { "name",          required_argument, NULL, ARG_NAME          },
        { "env",           required_argument, NULL, 'e'               },
        { "env-file",      required_argument, NULL, ARG_ENV_FILE      },
        { "workdir",       required_argument, NULL, 'w'               },
        { "user",          required_argument, NULL, 'u'               },
        { "entrypoint",    required_argument, NULL, ARG_ENTRYPOINT    },
        { "hostname",      required_argument, NULL, 'h'               },
        { "label",         required_argument, NULL, 'l'               },
        { "restart",       required_argument, NULL, ARG_RESTART       },
        { "stop-signal",   required_argument, NULL, ARG_STOP_SIGNAL   },
        { "stop-timeout",  required_argument, NULL, ARG_STOP_TIMEOUT  },
        { "memory",        required_argument, NULL, 'm'               },
        { "memory-swap",   required_argument, NULL, ARG_MEMORY_SWAP   },
        { "cpus",          required_argument, NULL, ARG_CPUS          },
        { "cpu-shares",    required_argument, NULL, 'c'               },
        { "pids-limit",    required_argument, NULL, ARG_PIDS_LIMIT    },
        { "ulimit",        required_argument, NULL, ARG_ULIMIT        },
        { "cap-add",       required_argument, NULL, ARG_CAP_ADD       },
        { "cap-drop",      required_argument, NULL, ARG_CAP_DROP      },
        { "privileged",    no_argument,       NULL, ARG_PRIVILEGED    },
        { "security-opt",  required_argument, NULL, ARG_SECURITY_OPT  },
        { "read-only",     no_argument,       NULL, ARG_READ_ONLY     },
        { "tmpfs",         required_argument, NULL, ARG_TMPFS         },
        { "volume",        required_argument, NULL, 'v'               },
        { "mount",         required_argument, NULL, ARG_MOUNT         },
        { "init",          no_argument,       NULL, ARG_INIT          },
        { "sysctl",        required_argument, NULL, ARG_SYSCTL        },
        { "shm-size",      required_argument, NULL, ARG_SHM_SIZE      },
        { "network",       required_argument, NULL, ARG_NETWORK       },
        { "net",           required_argument, NULL, ARG_NETWORK       },
        { "ip",            required_argument, NULL, ARG_IP            },
        { "dns",           required_argument, NULL, ARG_DNS           },
        { "add-host",      required_argument, NULL, ARG_ADD_HOST      },
        { "network-alias", required_argument, NULL, ARG_NETWORK_ALIAS },
        { "oom-score-adj", required_argument, NULL, ARG_OOM_SCORE_ADJ },
        { "log-opt",       required_argument, NULL, ARG_LOG_OPT       },
        { "detach-keys",   required_argument, NULL, ARG_DETACH_KEYS   },
        { "publish",       required_argument, NULL, 'p'               },
        { "publish-all",   no_argument,       NULL, 'P'               },
        { "listen",        required_argument, NULL, ARG_LISTEN        },
        { "idle-timeout",  required_argument, NULL, ARG_IDLE_TIMEOUT  },
        { "quiet",         no_argument,       NULL, 'q'               },
        { "help",          no_argument,       NULL, ARG_HELP          },
        {}
};

static int add_mount(json_object *spec, const char *verb, const char *flag, const char *value,
                     int (*parse)(const char *, MountSpec *, char **)) {
        _cleanup_(mount_spec_done) MountSpec ms = {};
        _cleanup_free_ char *canonical = NULL;
        char *reason = NULL;
        int r;

        r = parse(value, &ms, &reason);
        if (r < 0)
                return flag_error(r, reason, verb, flag, value);
        r = mount_spec_to_string(&ms, &canonical);
        if (r < 0)
                return log_oom();
        return spec_append(spec, ms.type == MOUNT_TYPE_TMPFS ? "tmpfs" : "mounts", canonical);
}

static int add_key_value(json_object *spec, const char *verb, const char *flag, const char *key,
                         const char *value) {
        const char *eq = strchr(value, '=');
        _cleanup_free_ char *k = NULL;

        if (!eq || eq == value) {
                log_error("%s: %s expects KEY=VALUE, got '%s'", verb, flag, value);
                return -EINVAL;
        }
        k = strndup(value, eq - value);
        if (!k)
                return log_oom();
        return spec_set_pair(spec, key, k, eq + 1);
}

/* -p: one canonical entry per published port. */
static int add_ports(json_object *spec, const char *verb, const char *value) {
        _cleanup_free_ PortMapping *l = NULL;
        char *reason = NULL;
        size_t n = 0;
        int r;

        r = parse_port_flag(value, &l, &n, &reason);
        if (r < 0)
                return flag_error(r, reason, verb, "-p", value);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *canonical = NULL;

                r = port_mapping_to_string(&l[i], &canonical);
                if (r >= 0)
                        r = spec_append(spec, "ports", canonical);
                if (r < 0)
                        return log_oom();
        }
        return 0;
}

/* Parses into o->spec; returns the index of the image argument. */
static int parse_run_argv(const char *verb, int argc, char *argv[], RunOptions *o) {
        json_object *spec;
        char *reason = NULL;
        int c, r;

        o->spec = spec = json_object_new_object();
        if (!spec)
                return log_oom();
        attach_options_default_keys(&o->attach);

        verb_getopt_reset();
        /* "+": options end at the image; what follows belongs to the command. */
        while ((c = verb_getopt(verb, argc, argv, "+:ditqe:w:u:h:l:m:c:v:p:P", run_options)) >= 0) {
                uint64_t u;
                int64_t i64;
                int n;

                switch (c) {
                case ARG_HELP:
                        run_help(verb);
                        return 0;
                case 'd':
                        o->detach = true;
                        break;
                case 'q':
                        o->quiet = true;
                        break;
                case 'i':
                        o->interactive = true;
                        json_object_object_add(spec, "interactive", json_object_new_boolean(true));
                        break;
                case 't':
                        o->tty = true;
                        json_object_object_add(spec, "tty", json_object_new_boolean(true));
                        break;
                case ARG_DETACH_KEYS:
                        r = detach_keys_parse(optarg, o->attach.detach_keys, sizeof(o->attach.detach_keys),
                                                  &o->attach.n_detach_keys, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--detach-keys", optarg);
                        break;
                case ARG_RM:
                        json_object_object_add(spec, "autoRemove", json_object_new_boolean(true));
                        break;
                case ARG_NAME:
                        r = container_name_validate(optarg, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--name", optarg);
                        spec_add_string(spec, "name", optarg);
                        break;
                case 'e':
                        r = add_env(spec, verb, optarg);
                        if (r < 0)
                                return r;
                        break;
                case ARG_ENV_FILE:
                        r = add_env_file(spec, verb, optarg);
                        if (r < 0)
                                return r;
                        break;
                case 'w':
                        r = working_dir_validate(optarg, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--workdir", optarg);
                        spec_add_string(spec, "workingDir", optarg);
                        break;
                case 'u':
                        spec_add_string(spec, "user", optarg);
                        break;
                case ARG_ENTRYPOINT: {
                        json_object *a = json_object_new_array();
                        if (!isempty(optarg))
                                json_object_array_add(a, json_object_new_string(optarg));
                        json_object_object_add(spec, "entrypoint", a);
                        break;
                }
                case 'h':
                        r = hostname_validate(optarg, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--hostname", optarg);
                        spec_add_string(spec, "hostname", optarg);
                        break;
                case 'l':
                        r = add_key_value(spec, verb, "--label", "labels", optarg);
                        if (r < 0)
                                return r;
                        break;
                case ARG_RESTART: {
                        RestartPolicy p;
                        r = parse_restart_policy(optarg, &p, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--restart", optarg);
                        spec_add_string(spec, "restart", optarg);
                        break;
                }
                case ARG_STOP_SIGNAL:
                        r = parse_signal("--stop-signal", optarg, &n, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--stop-signal", optarg);
                        spec_add_string(spec, "stopSignal", optarg);
                        break;
                case ARG_STOP_TIMEOUT:
                        r = parse_stop_timeout(optarg, &u, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--stop-timeout", optarg);
                        json_object_object_add(spec, "stopTimeoutUSec",
                                               json_object_new_int64(u == STOP_TIMEOUT_INFINITY ? -1 : (int64_t) u));
                        break;
                case 'm':
                        r = parse_bytes_flag("--memory", optarg, &u, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--memory", optarg);
                        json_object_object_add(spec, "memory", json_object_new_int64((int64_t) u));
                        break;
                case ARG_MEMORY_SWAP:
                        r = parse_memory_swap(optarg, &i64, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--memory-swap", optarg);
                        json_object_object_add(spec, "memorySwap", json_object_new_int64(i64));
                        break;
                case ARG_CPUS:
                        r = parse_cpus(optarg, &u, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--cpus", optarg);
                        json_object_object_add(spec, "cpuQuotaPerSecUSec", json_object_new_int64((int64_t) u));
                        break;
                case 'c':
                        r = parse_cpu_shares(optarg, &u, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--cpu-shares", optarg);
                        json_object_object_add(spec, "cpuShares", json_object_new_int64((int64_t) u));
                        break;
                case ARG_PIDS_LIMIT:
                        r = parse_pids_limit(optarg, &i64, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--pids-limit", optarg);
                        json_object_object_add(spec, "pidsLimit", json_object_new_int64(i64));
                        break;
                case ARG_ULIMIT: {
                        Ulimit ul;
                        r = parse_ulimit(optarg, &ul, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--ulimit", optarg);
                        r = spec_append(spec, "ulimits", optarg);
                        if (r < 0)
                                return log_oom();
                        break;
                }
                case ARG_CAP_ADD:
                case ARG_CAP_DROP: {
                        const char *flag = c == ARG_CAP_ADD ? "--cap-add" : "--cap-drop";
                        _cleanup_free_ char *cap = NULL;
                        r = parse_capability(flag, optarg, &cap, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, flag, optarg);
                        r = spec_append(spec, c == ARG_CAP_ADD ? "capAdd" : "capDrop", cap);
                        if (r < 0)
                                return log_oom();
                        break;
                }
                case ARG_PRIVILEGED:
                        json_object_object_add(spec, "privileged", json_object_new_boolean(true));
                        break;
                case ARG_SECURITY_OPT: {
                        const char *v;
                        if (streq(optarg, "no-new-privileges") || streq(optarg, "no-new-privileges=true") ||
                            streq(optarg, "no-new-privileges:true"))
                                json_object_object_add(spec, "noNewPrivileges", json_object_new_boolean(true));
                        else if (streq(optarg, "no-new-privileges=false") || streq(optarg, "no-new-privileges:false"))
                                json_object_object_add(spec, "noNewPrivileges", json_object_new_boolean(false));
                        else if ((v = startswith(optarg, "seccomp=")) || (v = startswith(optarg, "seccomp:"))) {
                                _cleanup_free_ char *abs = NULL;
                                if (!streq(v, "unconfined")) {
                                        abs = realpath(v, NULL);
                                        if (!abs)
                                                return log_error_errno(errno, "%s: --security-opt seccomp=%s: %m", verb, v);
                                }
                                spec_add_string(spec, "seccompProfile", abs ?: v);
                        } else {
                                log_error("%s: unknown --security-opt '%s' (no-new-privileges, seccomp=PROFILE|unconfined)",
                                          verb, optarg);
                                return -EINVAL;
                        }
                        break;
                }
                case ARG_READ_ONLY:
                        json_object_object_add(spec, "readOnly", json_object_new_boolean(true));
                        break;
                case ARG_TMPFS:
                        r = add_mount(spec, verb, "--tmpfs", optarg, parse_tmpfs_flag);
                        if (r < 0)
                                return r;
                        break;
                case 'v':
                        r = add_mount(spec, verb, "--volume", optarg, parse_volume_flag);
                        if (r < 0)
                                return r;
                        break;
                case ARG_MOUNT:
                        r = add_mount(spec, verb, "--mount", optarg, parse_mount_flag);
                        if (r < 0)
                                return r;
                        break;
                case ARG_INIT:
                        json_object_object_add(spec, "init", json_object_new_boolean(true));
                        break;
                case ARG_SYSCTL: {
                        _cleanup_free_ char *k = NULL, *v = NULL;
                        r = parse_sysctl(optarg, &k, &v, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--sysctl", optarg);
                        r = spec_set_pair(spec, "sysctls", k, v);
                        if (r < 0)
                                return log_oom();
                        break;
                }
                case ARG_SHM_SIZE:
                        r = parse_bytes_flag("--shm-size", optarg, &u, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--shm-size", optarg);
                        json_object_object_add(spec, "shmSize", json_object_new_int64((int64_t) u));
                        break;
                case ARG_NETWORK: {
                        _cleanup_(network_mode_done) NetworkMode nm = {};
                        r = parse_network_mode(optarg, &nm, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--network", optarg);
                        spec_add_string(spec, "network", optarg);
                        break;
                }
                case ARG_IP:
                        r = parse_ip_flag(optarg, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--ip", optarg);
                        spec_add_string(spec, "ip", optarg);
                        break;
                case ARG_DNS:
                case ARG_ADD_HOST:
                case ARG_NETWORK_ALIAS: {
                        const char *flag = c == ARG_DNS ? "--dns" : c == ARG_ADD_HOST ? "--add-host" : "--network-alias";

                        r = c == ARG_DNS ? parse_dns_flag(optarg, &reason) :
                                c == ARG_ADD_HOST ? parse_add_host_flag(optarg, &reason) :
                                parse_network_alias_flag(optarg, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, flag, optarg);
                        r = spec_append(spec, c == ARG_DNS ? "dns" : c == ARG_ADD_HOST ? "extraHosts" : "networkAliases",
                                        optarg);
                        if (r < 0)
                                return log_oom();
                        break;
                }
                case 'p':
                        r = add_ports(spec, verb, optarg);
                        if (r < 0)
                                return r;
                        break;
                case 'P':
                        json_object_object_add(spec, "publishAll", json_object_new_boolean(true));
                        break;
                case ARG_LISTEN: {
                        _cleanup_free_ char *canonical = NULL;
                        PortMapping pm;

                        r = parse_listen_flag(optarg, &pm, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--listen", optarg);
                        r = port_mapping_to_string(&pm, &canonical);
                        if (r < 0)
                                return log_oom();
                        spec_add_string(spec, "listen", canonical);
                        break;
                }
                case ARG_IDLE_TIMEOUT:
                        r = parse_sec(optarg, &u);
                        if (r < 0 || u == 0 || u > INT64_MAX) {
                                log_error("%s: --idle-timeout '%s': expected a positive time span (60s, 5min)", verb, optarg);
                                return -EINVAL;
                        }
                        json_object_object_add(spec, "idleTimeoutUSec", json_object_new_int64((int64_t) u));
                        break;
                case ARG_OOM_SCORE_ADJ:
                        r = parse_oom_score_adj(optarg, &n, &reason);
                        if (r < 0)
                                return flag_error(r, reason, verb, "--oom-score-adj", optarg);
                        json_object_object_add(spec, "oomScoreAdj", json_object_new_int(n));
                        break;
                case ARG_LOG_OPT: {
                        const char *tag = startswith(optarg, "tag=");
                        if (!tag || isempty(tag)) {
                                log_error("%s: unknown --log-opt '%s' (tag=TAG)", verb, optarg);
                                return -EINVAL;
                        }
                        spec_add_string(spec, "logTag", tag);
                        break;
                }
                default:
                        return -EINVAL;
                }
        }

        if (o->interactive && !o->tty && !streq(verb, "run")) {
                log_error("%s: -i without -t needs a start that passes stdin, which nyx does not offer; use nyxctl run -i, or create -i -t and start -a -i.",
                          verb);
                return -EOPNOTSUPP;
        }
        if (optind >= argc) {
                log_error("%s: no image given. See 'nyxctl %s --help'.", verb, verb);
                return -EINVAL;
        }
        spec_add_string(spec, "image", argv[optind]);
        for (int k = optind + 1; k < argc; k++) {
                r = spec_append(spec, "cmd", argv[k]);
                if (r < 0)
                        return log_oom();
        }

        /* Let the shared validator see the whole spec, as nyxd will. */
        {
                _cleanup_(container_spec_freep) ContainerSpec *s = NULL;
                r = container_spec_from_json(spec, &s, &reason);
                if (r >= 0)
                        r = container_spec_validate(s, &reason);
                if (r < 0)
                        return flag_error(r, reason, verb, "", "");
        }
        return 1;
}

static int create_container(sd_bus *bus, json_object *spec, char **ret_path) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER,
                                           "CreateContainer");
        if (r < 0)
                return log_oom();
        r = bus_message_append_dict_json(call, spec);
        if (r < 0)
                return log_error_errno(r, "Cannot build the request: %m");
        r = sd_bus_call(bus, call, 0, &error, &reply);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        *ret_path = strdup(path);
        return *ret_path ? 0 : log_oom();
}

int verb_create(int argc, char *argv[], void *userdata) {
        _cleanup_(run_options_done) RunOptions o = {};
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *path = NULL, *id = NULL;
        int r;

        r = parse_run_argv("create", argc, argv, &o);
        if (r <= 0)
                return r;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = create_container(bus, o.spec, &path);
        if (r < 0)
                return r;
        r = container_get_string(bus, path, "Id", &id);
        if (r < 0)
                return r;
        printf("%s\n", id);
        return 0;
}

/* Start the container's unit; with -i our stdin is its stdin (systemd holds a copy, so the container
 * reads it directly and sees its end). */
/* Container.Start, with our stdin as the container's when interactive (-i). */
static int new_start_call(sd_bus *bus, const char *path, bool interactive, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, path, NYX_BUS_IFACE_CONTAINER, "Start");
        if (r < 0)
                return r;
        r = interactive ? sd_bus_message_append(call, "a{sv}", 1, "StandardInputFileDescriptor", "h", STDIN_FILENO) :
                          sd_bus_message_append(call, "a{sv}", 0);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(call);
        return 0;
}

static int start_container(sd_bus *bus, const char *path, bool interactive, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = new_start_call(bus, path, interactive, &call);
        if (r < 0)
                return r;
        return sd_bus_call(bus, call, 0, error, NULL);
}

typedef struct Foreground {
        sd_bus *bus;
        const char *path;
        sd_journal *journal;
        LogSource src;
        LogOptions log;
        int exit_code;
        bool done;
        sd_event *event;
        sd_bus_error start_error;
        int start_errno;
        sd_event_source *start_timeout;
        sd_event_source *follow;        /* the journal's inotify, once the container runs a while */
        uint64_t journal_stamp;
} Foreground;

/* A container that runs longer than this has its output followed as it comes (inotify). A quicker
 * one's is read once it exited: closing an inotify fd waits for the kernel's SRCU grace period,
 * which would cost every short `run` more than the run itself. */
#define FOLLOW_AFTER_USEC (200 * 1000)

static int on_journal(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Foreground *f = userdata;

        (void) sd_journal_process(f->journal);
        (void) container_journal_print_available(f->journal, &f->src, &f->log, stdout);
        return 0;
}

static int follow_journal(Foreground *f) {
        int fd, r;

        if (f->follow)
                return 0;
        fd = sd_journal_get_fd(f->journal);   /* also picks up files added since the journal was opened */
        if (fd < 0)
                return fd;
        r = sd_event_add_io(f->event, &f->follow, fd, EPOLLIN, on_journal, f);
        if (r < 0)
                return r;
        (void) sd_journal_process(f->journal);
        return container_journal_print_available(f->journal, &f->src, &f->log, stdout);
}

static int on_follow_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        (void) follow_journal(userdata);
        return 0;
}

static int on_wait_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Foreground *f = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int32_t code = -1;

        if (e) {
                log_error("%s", bus_error_human(e, sd_bus_message_get_errno(reply)));
                f->exit_code = 125;
        } else if (sd_bus_message_read(reply, "i", &code) >= 0)
                f->exit_code = code < 0 ? 125 : code;
        f->done = true;
        return sd_event_exit(f->event, 0);
}

static int on_start_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Foreground *f = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (!e)
                return 0;
        /* A command that cannot run still ends with an exit status (126/127), which the pending Wait
         * receives: give it a moment before reporting why the start failed. */
        f->start_errno = sd_bus_message_get_errno(reply) ?: EIO;
        (void) sd_bus_error_copy(&f->start_error, e);
        return sd_event_add_time_relative(f->event, &f->start_timeout, CLOCK_MONOTONIC, 5 * 1000000, 0, NULL, NULL);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Foreground *f = userdata;

        /* --sig-proxy: the container gets the signal; nyxctl keeps waiting for it to exit. */
        (void) sd_bus_call_method_async(f->bus, NULL, NYX_BUS_NAME, f->path, NYX_BUS_IFACE_CONTAINER, "Kill",
                                        NULL, NULL, "ia{sv}", (int32_t) si->ssi_signo, 0);
        return 0;
}

static int start_container_async(Foreground *f, bool interactive) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = new_start_call(f->bus, f->path, interactive, &call);
        if (r < 0)
                return r;
        return sd_bus_call_async(f->bus, NULL, call, on_start_reply, f, 0);
}

static int run_foreground(sd_bus *bus, const char *path, bool interactive) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        Foreground f = {
                .bus = bus,
                .path = path,
                .log = { .tail = UINT64_MAX },
                .exit_code = 125,
                .start_error = SD_BUS_ERROR_NULL,
        };
        _cleanup_free_ char *id = NULL, *ident = NULL;
        sigset_t mask;
        int r;

        r = container_log_source(bus, path, &f.src, &id, &ident);
        if (r < 0)
                return r;

        r = sd_event_default(&event);
        if (r < 0)
                return r;
        f.event = event;
        r = sd_bus_attach_event(bus, event, 0);
        if (r < 0)
                return r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void) sd_event_add_signal(event, NULL, SIGINT, on_signal, &f);
        (void) sd_event_add_signal(event, NULL, SIGTERM, on_signal, &f);
        (void) sd_event_add_signal(event, NULL, SIGHUP, on_signal, &f);

        /* Wait first: a --rm container may be gone by the time Start returns. Both go out now, and
         * the journal is opened while nyxd and systemd start the container: every line is read from
         * the journal's files, since the container's creation, so none is missed. */
        r = sd_bus_call_method_async(bus, NULL, NYX_BUS_NAME, path, NYX_BUS_IFACE_CONTAINER, "Wait",
                                     on_wait_reply, &f, "a{sv}", 1, "NextExit", "b", 1);
        if (r < 0)
                return r;
        r = start_container_async(&f, interactive);
        if (r < 0)
                return r;
        (void) sd_bus_flush(bus);

        f.journal_stamp = journal_files_stamp();
        r = container_journal_open(&f.src, &f.log, false, &f.journal);
        if (r < 0) {
                log_error_errno(r, "Cannot open the journal: %m");
                goto finish;
        }
        r = sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, FOLLOW_AFTER_USEC, 0, on_follow_timer, &f);
        if (r < 0)
                goto finish;

        r = sd_event_loop(event);
        if (r < 0)
                goto finish;

        /* nyxd answers Wait after journald took in everything the container wrote. Files journald
         * added meanwhile are known to an unfollowed journal only once it looks again. */
        if (!f.follow && journal_files_stamp() != f.journal_stamp)
                (void) follow_journal(&f);
        (void) sd_journal_process(f.journal);
        (void) container_journal_print_available(f.journal, &f.src, &f.log, stdout);
        if (f.start_errno > 0 && !(f.done && f.exit_code != 125))
                r = nyxctl_log_bus_error(&f.start_error, -f.start_errno, NULL);
        else
                r = f.exit_code;

finish:
        sd_event_source_unref(f.follow);
        sd_event_source_unref(f.start_timeout);
        sd_bus_error_free(&f.start_error);
        sd_journal_close(f.journal);
        return r;
}

int verb_run(int argc, char *argv[], void *userdata) {
        _cleanup_(run_options_done) RunOptions o = {};
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL, *id = NULL;
        int r;

        r = parse_run_argv("run", argc, argv, &o);
        if (r <= 0)
                return r < 0 ? 125 : 0;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return 125;
        r = create_container(bus, o.spec, &path);
        if (r < 0)
                return 125;
        if (o.detach || o.tty) {   /* a foreground run gets it with the rest (container_log_source) */
                r = container_get_string(bus, path, "Id", &id);
                if (r < 0)
                        return 125;
        }

        if (o.detach) {
                /* With -t the container's stdin is its terminal. */
                r = start_container(bus, path, o.interactive && !o.tty, &error);
                if (r < 0) {
                        (void) nyxctl_log_bus_error(&error, r, NULL);
                        return 125;
                }
                printf("%s\n", id);
                return 0;
        }

        if (o.tty) {
                /* A terminal session: Attach, then Start, then relay until it exits or we detach. */
                o.attach.start = true;
                o.attach.forward_stdin = o.interactive;
                o.attach.sig_proxy = true;
                return container_attach_terminal(bus, path, id, &o.attach);
        }

        /* The container's exit status is nyxctl's; 125 when nyx itself failed, as docker. */
        r = run_foreground(bus, path, o.interactive);
        return r < 0 ? 125 : r;
}
