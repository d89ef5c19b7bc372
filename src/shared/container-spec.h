/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A container's create spec: what `nyxctl run|create` flags (or the a{sv} options of the D-Bus Create
 * call) asked for, before anything is resolved against the image or the host. It is stored in the
 * container's record and is the input of the bundle generator (oci-runtime.h) and of the unit builder.
 *
 * Pure: no I/O, no logging. Every parser takes the flag's value as the user typed it and, on bad input,
 * returns -EINVAL and a sentence in *ret_reason (malloc'ed; the caller frees it) that names the flag and
 * the bad value, e.g. "--ulimit nofile=x: soft limit 'x' is not a number". ret_reason may be NULL. It is
 * only written on -EINVAL; other out-parameters are only written on success.
 *
 * The JSON form (container_spec_to_json()/container_spec_from_json()) is the record format and also what
 * the D-Bus a{sv} options become (bus_message_read_dict_json()), so it only uses strings, integers,
 * booleans, string arrays and objects of strings. Lists whose elements are structured (mounts, ulimits)
 * are stored in their canonical flag syntax and parsed again with the same parsers, so a record or a
 * bus call is validated exactly like the command line. Keys (all optional except where noted):
 *
 *   name, id, image, imageId          strings (id: 64 lowercase hex)
 *   entrypoint                        string array; absent: the image's; []: none (--entrypoint "")
 *   cmd, env                          string arrays
 *   workingDir, user, hostname, logTag  strings
 *   labels, sysctls                   objects of strings
 *   restart                           "no" | "on-failure[:N]" | "always" | "unless-stopped"
 *   autoRemove, privileged, noNewPrivileges, readOnly, init, tty, interactive   booleans
 *   stopSignal                        "SIGTERM", "SIGRTMIN+3" ...
 *   stopTimeoutUSec                   integer, -1 = wait forever
 *   memory, shmSize, cpuShares, cpuQuotaPerSecUSec   integers (bytes, shares, µs of CPU time per second)
 *   memorySwap, pidsLimit             integers, -1 = unlimited
 *   oomScoreAdj                       integer in [-1000, 1000]
 *   ulimits                           ["nofile=1024:2048", ...]            (--ulimit syntax)
 *   capAdd, capDrop                   ["CAP_NET_ADMIN", "ALL", ...]
 *   seccompProfile                    "unconfined" or an absolute path of a docker-format profile
 *   mounts                            ["type=bind,source=/a,target=/b,readonly", ...]  (--mount syntax)
 *   tmpfs                             ["/run:size=64m,exec", ...]          (--tmpfs syntax)
 *   network                           "bridge" | "none" | "host" | NAME | "container:NAME"
 *   ip                                string (--ip, IPv4)
 *   dns, extraHosts, networkAliases   string arrays (--dns IP, --add-host HOST:IP, --network-alias NAME)
 *   ports                             ["8080:80/tcp", "127.0.0.1:0:53/udp", ...]  (-p syntax, one port each)
 *   publishAll                        boolean (-P)
 *   listen                            "[ip:]HOSTPORT:CONTAINERPORT"        (--listen syntax)
 *   idleTimeoutUSec                   integer (--idle-timeout; needs listen)
 *
 * Unknown keys are refused, so a misspelt bus option is an error, not silently ignored. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "macro.h"
#include "port-mapping.h"

#define CONTAINER_ID_LENGTH 64U
#define CONTAINER_SHM_SIZE_DEFAULT (UINT64_C(64) << 20)
#define CONTAINER_MEMORY_MIN (UINT64_C(6) << 20)        /* docker: "Minimum memory limit allowed is 6MB" */
#define CONTAINER_CPU_SHARES_MAX UINT64_C(262144)
#define STOP_TIMEOUT_INFINITY UINT64_MAX

typedef enum RestartPolicyType {
        RESTART_POLICY_NO,
        RESTART_POLICY_ON_FAILURE,
        RESTART_POLICY_ALWAYS,
        RESTART_POLICY_UNLESS_STOPPED,
        _RESTART_POLICY_TYPE_MAX,
} RestartPolicyType;

typedef struct RestartPolicy {
        RestartPolicyType type;
        unsigned max_retries;           /* on-failure only; 0 = retry forever */
} RestartPolicy;

typedef struct Ulimit {
        int resource;                   /* RLIMIT_NOFILE ... */
        uint64_t soft;                  /* RLIM_INFINITY for "unlimited" or -1 */
        uint64_t hard;
} Ulimit;

typedef enum MountType {
        MOUNT_TYPE_BIND,
        MOUNT_TYPE_VOLUME,
        MOUNT_TYPE_TMPFS,
        _MOUNT_TYPE_MAX,
} MountType;

typedef enum MountPropagation {
        MOUNT_PROPAGATION_DEFAULT,      /* not given: rprivate */
        MOUNT_PROPAGATION_PRIVATE,
        MOUNT_PROPAGATION_RPRIVATE,
        MOUNT_PROPAGATION_SHARED,
        MOUNT_PROPAGATION_RSHARED,
        MOUNT_PROPAGATION_SLAVE,
        MOUNT_PROPAGATION_RSLAVE,
        _MOUNT_PROPAGATION_MAX,
} MountPropagation;

typedef enum BindRecursive {
        BIND_RECURSIVE_ENABLED,         /* rbind; read-only recursively where the kernel can ("rro") */
        BIND_RECURSIVE_DISABLED,        /* bind: submounts are not mounted */
        BIND_RECURSIVE_WRITABLE,        /* rbind, but read-only only for the top mount */
        BIND_RECURSIVE_READONLY,        /* rbind, read-only recursively or fail */
        _BIND_RECURSIVE_MAX,
} BindRecursive;

typedef struct MountSpec {
        MountType type;
        char *source;                   /* bind: absolute host path; volume: name, NULL if anonymous; tmpfs: NULL */
        char *destination;              /* absolute, normalized, never "/" */
        bool read_only;
        MountPropagation propagation;   /* bind only */
        BindRecursive recursive;        /* bind only */
        bool create_source;             /* bind only: create a missing host directory (-v does, --mount doesn't) */
        bool no_copy;                   /* volume only: don't copy the image's content into a new volume */
        char **tmpfs_options;           /* tmpfs only: validated, merged options, e.g. "size=67108864", "mode=1777" */
} MountSpec;

void mount_spec_done(MountSpec *m);

typedef enum NetworkModeType {
        NETWORK_MODE_BRIDGE,            /* the default network */
        NETWORK_MODE_NONE,              /* a new network namespace with only lo */
        NETWORK_MODE_HOST,              /* the host's network namespace */
        NETWORK_MODE_NETWORK,           /* a user-defined network, name in .name */
        NETWORK_MODE_CONTAINER,         /* another container's namespace, its name or id in .name */
        _NETWORK_MODE_TYPE_MAX,
} NetworkModeType;

typedef struct NetworkMode {
        NetworkModeType type;
        char *name;
} NetworkMode;

typedef struct ContainerSpec {
        char *name;
        char *id;                       /* 64 lowercase hex digits */
        char *image;                    /* the reference as the user gave it */
        char *image_id;                 /* "sha256:..." */

        char **entrypoint;              /* --entrypoint: NULL = the image's; empty = none */
        char **cmd;                     /* arguments after the image; NULL = the image's Cmd */
        char **env;                     /* -e/--env-file in order: "KEY=VALUE", or "KEY" to unset an image variable */
        char *working_dir;              /* NULL = the image's, else "/" */
        char *user;                     /* "user[:group]" or "uid[:gid]"; NULL = the image's, else root */
        char *hostname;                 /* NULL = the first 12 digits of the id */
        char **labels;                  /* "key=value", keys unique */

        RestartPolicy restart;
        bool auto_remove;               /* --rm */
        int stop_signal;                /* 0 = the image's StopSignal, else SIGTERM */
        bool stop_timeout_set;
        uint64_t stop_timeout_usec;     /* STOP_TIMEOUT_INFINITY = wait forever */

        uint64_t memory;                /* bytes; 0 = unlimited */
        int64_t memory_swap;            /* memory plus swap, bytes; 0 = not set, -1 = unlimited swap */
        uint64_t cpu_quota_per_sec_usec; /* --cpus as CPU time per wall-clock second; 0 = no limit */
        uint64_t cpu_shares;            /* 0 = not set (1024) */
        int64_t pids_limit;             /* 0 = not set, -1 = unlimited */
        Ulimit *ulimits;                /* one per resource */
        size_t n_ulimits;
        uint64_t shm_size;              /* bytes; 0 = CONTAINER_SHM_SIZE_DEFAULT */

        char **cap_add;                 /* normalized: "CAP_NET_ADMIN" or "ALL" */
        char **cap_drop;
        bool privileged;
        bool no_new_privileges;
        bool read_only;
        char *seccomp_profile;          /* NULL = docker's default; "unconfined"; or an absolute path */
        bool oom_score_adj_set;
        int oom_score_adj;

        MountSpec *mounts;              /* -v, --mount and --tmpfs; destinations unique */
        size_t n_mounts;
        bool init;
        char **sysctls;                 /* "key=value", keys unique */

        bool tty;
        bool interactive;
        NetworkMode network;
        char *ip;                       /* --ip: IPv4 address on the (first) network; NULL = the next free one */
        char **dns;                     /* --dns: resolver addresses for /etc/resolv.conf */
        char **extra_hosts;             /* --add-host: "HOST:IP" */
        char **network_aliases;         /* --network-alias: more names on a user network */
        char *log_tag;
        PortMapping *ports;             /* -p, expanded; a host port 0 (or a range) is picked by nyxd at create */
        size_t n_ports;
        bool publish_all;               /* -P: the image's ExposedPorts, on free host ports (resolved at create) */
        PortMapping *listen;            /* --listen: a socket unit owns the host port (NULL = none) */
        uint64_t idle_timeout_usec;     /* --idle-timeout: with --listen, stop when idle that long (0 = never) */
} ContainerSpec;

int container_spec_new(ContainerSpec **ret);
ContainerSpec *container_spec_free(ContainerSpec *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(ContainerSpec *, container_spec_free);

int container_spec_to_json(const ContainerSpec *s, json_object **ret);
int container_spec_from_json(json_object *o, ContainerSpec **ret, char **ret_reason);

/* Adders that keep the invariants: a mount (moved from *m, which is emptied) with a destination that is
 * already used is refused ("duplicate mount point"); a ulimit, label or sysctl replaces an earlier one of
 * the same resource or key, as a later flag does. */
int container_spec_add_mount(ContainerSpec *s, MountSpec *m, char **ret_reason);
int container_spec_add_ulimit(ContainerSpec *s, const Ulimit *u);
int container_spec_set_label(ContainerSpec *s, const char *key, const char *value);
int container_spec_set_sysctl(ContainerSpec *s, const char *key, const char *value);

/* The checks that concern more than one field, as docker's create does: --memory-swap needs --memory and
 * must not be smaller, --restart and --rm exclude each other, --hostname conflicts with
 * --network container:..., net.* sysctls need a network namespace of their own, and so on. */
int container_spec_validate(const ContainerSpec *s, char **ret_reason);

/* The argv to run, as docker resolves it: --entrypoint replaces the image's Entrypoint and drops the
 * image's Cmd (the arguments given on the command line are still appended); without --entrypoint the
 * arguments replace the image's Cmd. An empty result is refused ("no command specified"). */
int container_spec_resolve_argv(
                const ContainerSpec *s,
                char * const *image_entrypoint,
                char * const *image_cmd,
                char ***ret,
                char **ret_reason);

/* The image's Env overridden by -e in order (docker's Config.Env). */
int container_spec_resolve_env(const ContainerSpec *s, char * const *image_env, char ***ret);

/* docker's ReplaceOrAppendEnvValues(): each "KEY=VALUE" of overrides replaces the entry of the same
 * key in *env or is appended; a bare "KEY" removes it. */
int env_replace_or_append(char ***env, char * const *overrides);

/* The user to run as: --user, else the image's User, else "" (root). Never NULL. */
const char *container_spec_effective_user(const ContainerSpec *s, const char *image_user);

/* The capability set (bit n = capability n) docker computes from the default set, --cap-add,
 * --cap-drop (both may say ALL) and --privileged. "ALL" and --privileged mean every capability in
 * available (what this host lets a container have; 0 = every known one); docker's default capabilities
 * are intersected with available silently, but an explicitly added capability that is not available is
 * refused. */
int container_spec_capabilities(const ContainerSpec *s, uint64_t available, uint64_t *ret, char **ret_reason);

/* docker's default capability set, as a mask. */
uint64_t capability_default_set(void);
/* "CAP_CHOWN" for 0 ...; NULL when unknown. */
const char *capability_to_name(int cap);
/* "CAP_CHOWN", "chown", "Chown" -> 0; -EINVAL when unknown. */
int capability_from_name(const char *name);
/* The highest capability number this code knows (CAP_CHECKPOINT_RESTORE). */
int capability_last(void);

/* Flag parsers. */
int parse_restart_policy(const char *s, RestartPolicy *ret, char **ret_reason);
int restart_policy_to_string(const RestartPolicy *p, char **ret);

/* "nofile=1024:2048", "nproc=512" (hard = soft), "core=-1" / "core=unlimited"; only the names docker
 * knows: core cpu data fsize locks memlock msgqueue nice nofile nproc rss rtprio rttime sigpending stack. */
int parse_ulimit(const char *s, Ulimit *ret, char **ret_reason);
int ulimit_to_string(const Ulimit *u, char **ret);
/* "nofile" <-> RLIMIT_NOFILE. */
const char *rlimit_to_ulimit_name(int resource);
int rlimit_from_ulimit_name(const char *name);

/* -v: "SRC:DST[:OPTS]" (SRC absolute: a bind of a host path; otherwise a named volume), or "DST" (an
 * anonymous volume). OPTS: ro|rw, z|Z (accepted and ignored: no SELinux relabelling), [r]shared|[r]slave|
 * [r]private (binds), nocopy (volumes), consistent|cached|delegated (ignored). */
int parse_volume_flag(const char *s, MountSpec *ret, char **ret_reason);
/* --mount: CSV of key=value fields as docker's: type=bind|volume|tmpfs (default volume), source|src,
 * target|destination|dst, readonly|ro[=BOOL], bind-propagation=, bind-recursive=enabled|disabled|writable|
 * readonly, bind-nonrecursive[=BOOL], bind-create-src[=BOOL], volume-nocopy[=BOOL], volume-driver=local,
 * tmpfs-size=, tmpfs-mode=, consistency= (ignored). */
int parse_mount_flag(const char *s, MountSpec *ret, char **ret_reason);
/* --tmpfs: "DST[:OPTS]", OPTS the mount options tmpfs takes (size=, mode=, uid=, gid=, nr_inodes=, exec,
 * noexec, ...). */
int parse_tmpfs_flag(const char *s, MountSpec *ret, char **ret_reason);
/* The canonical flag form the record stores: --mount syntax for binds and volumes, --tmpfs syntax for
 * tmpfs. Parsing it again (parse_mount_flag() resp. parse_tmpfs_flag()) gives the same MountSpec. */
int mount_spec_to_string(const MountSpec *m, char **ret);
/* The options of a tmpfs mount as docker passes them to the runtime: noexec, nosuid, nodev, then the
 * user's options merged over them (a later "exec" replaces "noexec", a later "size=" an earlier one),
 * then rprivate unless a propagation was given. */
int mount_spec_tmpfs_options(const MountSpec *m, char ***ret);

/* --sysctl "KEY=VALUE": only namespaced sysctls, as docker allows them: kernel.msg*, kernel.sem,
 * kernel.shm*, fs.mqueue.*, net.*. */
int parse_sysctl(const char *s, char **ret_key, char **ret_value, char **ret_reason);
bool sysctl_is_network(const char *key);

/* --cpus "1.5" -> 1500000 µs of CPU time per second (at most 6 decimals, as systemd's CPUQuota= can
 * express; "0" means no limit). */
int parse_cpus(const char *s, uint64_t *ret_quota_per_sec_usec, char **ret_reason);

/* --stop-signal/--signal: "SIGTERM", "TERM", "term", "15", "SIGRTMIN+3", "RTMAX-1". */
int parse_signal(const char *flag, const char *s, int *ret, char **ret_reason);
/* "SIGTERM", "SIGRTMIN+3" (or the number for the libc-reserved 32 and 33); NULL for an invalid number or
 * on OOM; the result is malloc'ed. */
char *signal_to_string(int sig);

/* --cap-add/--cap-drop: "NET_ADMIN", "cap_net_admin", "ALL" -> "CAP_NET_ADMIN" / "ALL". flag is used in
 * the message ("--cap-add"). */
int parse_capability(const char *flag, const char *s, char **ret, char **ret_reason);

/* --network: bridge (also "default"), none, host, container:NAME, or a network's name. */
int parse_network_mode(const char *s, NetworkMode *ret, char **ret_reason);
int network_mode_to_string(const NetworkMode *n, char **ret);
/* --ip: an IPv4 address; --dns: an IPv4 or IPv6 address; --add-host HOST:IP; --network-alias NAME. */
int parse_ip_flag(const char *s, char **ret_reason);
int parse_dns_flag(const char *s, char **ret_reason);
int parse_add_host_flag(const char *s, char **ret_reason);
int parse_network_alias_flag(const char *s, char **ret_reason);
void network_mode_done(NetworkMode *n);

/* --memory, --shm-size, ...: a size with an optional binary suffix (b, k, m, g, t). */
int parse_bytes_flag(const char *flag, const char *s, uint64_t *ret, char **ret_reason);
/* --memory-swap: a size or -1 (unlimited). */
int parse_memory_swap(const char *s, int64_t *ret, char **ret_reason);
/* --pids-limit: a number; 0 or -1 mean unlimited (-1). */
int parse_pids_limit(const char *s, int64_t *ret, char **ret_reason);
/* --cpu-shares: 2 ... 262144 (0 = not set). */
int parse_cpu_shares(const char *s, uint64_t *ret, char **ret_reason);
/* --stop-timeout: seconds ("10"), a time span ("500ms", "2m") or -1 (wait forever). */
int parse_stop_timeout(const char *s, uint64_t *ret_usec, char **ret_reason);
/* --oom-score-adj: -1000 ... 1000. */
int parse_oom_score_adj(const char *s, int *ret, char **ret_reason);

/* Validators the CLI and from_json share; each returns 0 or -EINVAL with a reason. */
int container_name_validate(const char *name, char **ret_reason);  /* [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
int hostname_validate(const char *hostname, char **ret_reason);     /* RFC 1123 labels, at most 64 characters */
int working_dir_validate(const char *dir, char **ret_reason);       /* absolute */
int env_entry_validate(const char *entry, char **ret_reason);       /* "KEY=VALUE" or "KEY", KEY non-empty */
bool container_id_is_valid(const char *id);
