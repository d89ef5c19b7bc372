/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The OCI runtime bundle's config.json for `crun run`, built from a container's create spec and what
 * nyxd resolved for it, with docker's defaults (moby daemon/oci_linux.go, daemon/pkg/oci/defaults.go):
 *
 *  - process: terminal (= --tty), user {uid, gid, additionalGids} as resolved from the IMAGE's passwd
 *    (user-resolve.h), args (entrypoint/cmd as docker resolves them, behind the init with --init), env
 *    (PATH default, HOSTNAME, TERM=xterm with --tty, container=nyx, then the image's Env and -e; HOME from
 *    passwd when nothing set it), cwd ("/" by default), docker's 14 default capabilities in bounding,
 *    effective and permitted (none inheritable or ambient, as moby today) adjusted by --cap-add/--cap-drop/
 *    --privileged, noNewPrivileges, rlimits only for --ulimit (no default: the runtime inherits the unit's
 *    limits; nothing raises a hard limit unless asked), oomScoreAdj when given;
 *  - root {path, readonly}, hostname (--hostname or the id's first 12 digits);
 *  - mounts: /proc, /dev (tmpfs 755, 64 MiB), /dev/pts (newinstance, ptmxmode=0666, mode=0620, gid=5),
 *    /sys (ro), /sys/fs/cgroup (ro, rw when privileged), /dev/mqueue, /dev/shm (--shm-size, 64 MiB), then
 *    /etc/hosts, /etc/resolv.conf, /etc/hostname bound from the run dir and the user's binds, volumes and
 *    tmpfs, sorted so that parents come before children; a user mount replaces the default one at the
 *    same place (and one at /dev all defaults below /dev);
 *  - linux: namespaces pid, ipc, uts, mount, cgroup and network (a path to join for bridge, user networks
 *    and container:NAME; a new empty one for none; none at all for host), docker's maskedPaths and
 *    readonlyPaths (not when privileged), sysctls (docker's net.ipv4.ping_group_range and
 *    ip_unprivileged_port_start for a network namespace of its own, then --sysctl), cgroupsPath,
 *    resources (memory, cpu, pids) only if asked for (nyx puts limits on the unit), never device cgroup
 *    rules (device policy is the unit's DevicePolicy=/DeviceAllow=), devices only as the caller lists
 *    them (crun itself creates null, zero, full, tty, random, urandom, the /dev/ptmx -> pts/ptmx,
 *    /dev/fd, stdin, stdout, stderr and core links, and /dev/console with a terminal), seccomp: docker's
 *    default profile for the final capability set, nothing for unconfined or privileged, or a custom
 *    docker-format profile converted the same way;
 *  - annotations io.container.manager=nyx and org.nyx.name=NAME.
 *
 * Pure: no I/O except oci_host_facts_probe(), which reads what the host lets containers have. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "container-spec.h"
#include "macro.h"
#include "user-resolve.h"

#define OCI_VERSION "1.0.2"
#define OCI_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define OCI_INIT_PATH "/run/nyx-init"           /* where --init's binary appears in the container */
#define OCI_CPU_PERIOD_USEC UINT64_C(100000)

/* What the host allows, for validating a config before crun fails on it obscurely. */
typedef struct OciHostFacts {
        /* The capabilities a container may have (bit n = capability n: the bounding set of nyxd);
         * 0 = unknown, every known capability is assumed available. */
        uint64_t capabilities;
        /* Per RLIMIT_* resource: the highest hard limit the runtime may set (the current hard limit
         * without CAP_SYS_RESOURCE; RLIM_INFINITY, or fs.nr_open for nofile, with it). Only used
         * when rlimits_known. */
        bool rlimits_known;
        uint64_t rlimit_max[RLIMIT_NLIMITS];
        /* The running kernel, for seccomp's minKernel and for "rro"; 0.0 = unknown, assumed recent. */
        unsigned kernel_major;
        unsigned kernel_minor;
        /* Masked in addition to docker's static list: /sys/devices/system/cpu/cpuN/thermal_throttle
         * that exist on this host (docker masks those too). */
        char **extra_masked_paths;
} OciHostFacts;

void oci_host_facts_done(OciHostFacts *f);
/* Fill in the facts of the running process: getrlimit(), the capability bounding set, uname(), the
 * thermal_throttle directories. */
int oci_host_facts_probe(OciHostFacts *ret);

/* A named or anonymous volume's directory on the host, by the mount's destination. */
typedef struct OciVolumePath {
        const char *destination;
        const char *host_path;
} OciVolumePath;

/* A device node for linux.devices (privileged containers, --device), as the caller resolved it. */
typedef struct OciDevice {
        const char *path;               /* in the container */
        char type;                      /* 'c', 'b', 'u', 'p' */
        uint32_t major;
        uint32_t minor;
        mode_t file_mode;               /* 0 = 0666 */
        uid_t uid;
        gid_t gid;
} OciDevice;

typedef struct OciRuntimeContext {
        const char *rootfs;             /* absolute path of the container's root file system; required */
        const char *cgroups_path;       /* linux.cgroupsPath: a cgroup inside the unit's; NULL = omitted */
        /* Network namespace to join for bridge, user-defined networks and container:NAME (a persistent
         * netns file under /run/nyx/netns, or the other container's). For "none" it is ignored: a
         * namespace entry without path makes crun create a new, empty one (only lo). For "host" there is
         * no network namespace entry at all. */
        const char *netns_path;
        /* Directory with the files "hosts", "resolv.conf" and "hostname" that are bound to /etc/hosts,
         * /etc/resolv.conf and /etc/hostname. NULL = none of them is mounted. */
        const char *run_dir;
        const char *init_path;          /* host path of the init binary for --init (tini, catatonit) */

        /* The user, resolved from the effective user (container_spec_effective_user()) against the
         * image's passwd and group. NULL = root (0:0) — refused when the effective user is not root. */
        const ResolvedUser *user;

        /* The image config's defaults. */
        char * const *image_env;
        char * const *image_entrypoint;
        char * const *image_cmd;
        const char *image_working_dir;
        const char *image_user;

        /* Put --memory/--memory-swap/--cpus/--cpu-shares/--pids-limit into linux.resources. Normally
         * false: nyx applies them as properties of the systemd unit (MemoryMax=, CPUQuota=, ...). */
        bool resources_in_config;

        /* The content of the file --security-opt seccomp=PATH names (docker's profile format, or OCI's
         * LinuxSeccomp); required when spec->seccomp_profile is a path. */
        const char *seccomp_profile_json;

        const OciVolumePath *volume_paths;      /* one per volume mount (by destination) */
        size_t n_volume_paths;
        const OciDevice *devices;
        size_t n_devices;

        const OciHostFacts *host;       /* NULL = unknown: no rlimit checks, all capabilities, recent kernel */
} OciRuntimeContext;

/* Build config.json. Returns 0, -EINVAL with *ret_reason (a sentence naming the flag and value, e.g.
 * "--ulimit nofile=1024:30000: exceeds the hard limit 20000 this process may set") when the spec asks for
 * something impossible or the context lacks what the spec needs, or -ENOMEM. */
int oci_runtime_config_build(
                const ContainerSpec *spec,
                const OciRuntimeContext *ctx,
                json_object **ret,
                char **ret_reason);

/* Turn a seccomp profile in docker's format (archMap, syscalls with includes/excludes by caps, arches and
 * minKernel, the legacy "name") into OCI's linux.seccomp for a container with the capability set caps
 * (the bounding set), on this machine's architecture, as moby's setupSeccomp() does. A profile already in
 * OCI form passes through (its syscalls filtered the same way, which is a no-op for it).
 * kernel_major.kernel_minor 0.0 = unknown: minKernel conditions hold. */
int oci_seccomp_from_docker_profile(
                json_object *profile,
                uint64_t caps,
                unsigned kernel_major,
                unsigned kernel_minor,
                json_object **ret,
                char **ret_reason);

/* docker's default profile (moby/profiles seccomp/default.json), in seccomp-default.c. */
extern const char seccomp_default_profile_json[];

/* docker's default maskedPaths and readonlyPaths, NULL-terminated. */
extern const char * const oci_default_masked_paths[];
extern const char * const oci_default_readonly_paths[];
