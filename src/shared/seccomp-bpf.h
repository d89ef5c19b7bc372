/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* OCI linux.seccomp compiled once, by nyxd, instead of by crun at every container start.
 *
 * crun (1.8) builds the filter from linux.seccomp with libseccomp each time it starts a container and
 * keeps no cache of its own in Debian's build. It also accepts the annotation run.oci.seccomp_bpf_data:
 * the base64 of a classic BPF program (what seccomp_export_bpf() writes), which it then loads instead of
 * compiling linux.seccomp; it still reads linux.seccomp for its flags and listenerPath, so that stays in
 * config.json. seccomp_compile_oci() builds the program exactly as crun does:
 *
 *  - seccomp_init(defaultAction), with defaultErrnoRet (EPERM when absent) for SCMP_ACT_ERRNO/TRACE;
 *  - every entry of architectures (SCMP_ARCH_ prefix dropped, lower-cased) added to the native one;
 *  - per syscalls[] entry in order: action with errnoRet (EPERM when absent; only ERRNO and TRACE take
 *    one), skipped when equal to the default action; each name resolved for the native architecture,
 *    unknown names skipped; args (index, value, valueTwo, op SCMP_CMP_*) as one rule, or one rule per
 *    comparison when an argument index repeats (libseccomp cannot AND two tests of one argument);
 *  - no filter attributes beyond libseccomp's defaults; flags (TSYNC, LOG, SPEC_ALLOW...) are applied by
 *    crun when it loads the program and do not change it.
 * Whatever crun would refuse, or this does not know for certain how crun treats, is refused here with a
 * reason, so that the caller leaves linux.seccomp to crun: a container never runs without its filter.
 *
 * The cache: programs are keyed by the sha256 of the canonical (key-sorted) linux.seccomp JSON together
 * with the libseccomp version, the native architecture and the kernel release; they are kept in memory
 * and in CACHE_DIR/<key>.bpf (written atomically), so a restarted nyxd does not compile again. */

#include <stddef.h>

#include <json-c/json.h>

#define SECCOMP_BPF_ANNOTATION "run.oci.seccomp_bpf_data"
#define SECCOMP_BPF_KEY_MAX 65          /* 64 hex digits + NUL */

/* Compile linux.seccomp into the BPF program (an array of struct sock_filter, *ret_size bytes).
 * -EINVAL with *ret_reason for a profile crun would refuse or that this does not handle. Pure apart
 * from libseccomp's look at the running kernel. */
int seccomp_compile_oci(json_object *linux_seccomp, void **ret_bpf, size_t *ret_size, char **ret_reason);

/* The cache key of linux.seccomp on this machine, as 64 lowercase hex digits. */
int seccomp_bpf_cache_key(json_object *linux_seccomp, char ret[static SECCOMP_BPF_KEY_MAX]);

/* The program for linux.seccomp: from memory, else from cache_dir (NULL: memory only), else compiled
 * and stored in both (a failure to store on disk only costs the next nyxd a compile). Returns 0 when it
 * was compiled, 1 when it came from a cache; *ret_bpf is the caller's. */
int seccomp_bpf_cache_get(
                const char *cache_dir,
                json_object *linux_seccomp,
                void **ret_bpf,
                size_t *ret_size,
                char **ret_reason);

/* Forget the programs held in memory (tests; a restarted nyxd starts empty anyway). */
void seccomp_bpf_cache_flush(void);

/* Put SECCOMP_BPF_ANNOTATION into an OCI config built with linux.seccomp (linux.seccomp stays: crun
 * reads flags and listenerPath from it). Returns 1 when added, 0 when there is nothing to do: no
 * linux.seccomp, or run.oci.seccomp_fail_unknown_syscall is set (only crun's compile honours that).
 * On failure the config is unchanged and crun will compile linux.seccomp itself. */
int oci_config_add_seccomp_bpf(json_object *config, const char *cache_dir, char **ret_reason);
