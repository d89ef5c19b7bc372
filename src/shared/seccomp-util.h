/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Sets PR_SET_NO_NEW_PRIVS and installs a default-allow seccomp filter on the calling thread (and
 * everything it forks later) that makes the system calls a layer unpacker never needs fail with
 * EPERM: networking, exec, ptrace and process_vm_*, mounting, modules, kexec, reboot, swap, bpf,
 * perf, keyrings, io_uring, namespaces (unshare, setns, clone with CLONE_NEW*), personality changes,
 * file handles, clock/host settings. clone3() fails with ENOSYS, so that libc falls back to clone(),
 * whose flags can be checked. System calls of other ABIs (i386 or x32 on x86-64) kill the process.
 * Returns 0 or a negative errno. */
int seccomp_lock_down_unpacker(void);
