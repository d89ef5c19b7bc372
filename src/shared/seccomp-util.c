/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/prctl.h>

#include "macro.h"
#include "seccomp-util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release);

/* An unpacker reads a pipe or file, writes files beneath one directory, and exits. Nothing here is
 * needed for that; each is either a way out of the sandbox or attack surface. Names unknown to this
 * libseccomp or architecture are skipped. */
static const char *const unpacker_denied_syscalls[] = {
        /* networking (an inherited or created socket is a way to talk to the world or the daemon;
         * read()/write() on pipes stay allowed) */
        "socket", "socketpair", "socketcall", "connect", "bind", "listen", "accept", "accept4",
        "sendto", "sendmsg", "sendmmsg", "recvfrom", "recvmsg", "recvmmsg",
        "getsockopt", "setsockopt", "getsockname", "getpeername", "shutdown",
        /* running programs */
        "execve", "execveat", "uselib",
        /* other processes */
        "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd", "kcmp",
        /* mounts and the root */
        "mount", "umount", "umount2", "pivot_root", "chroot",
        "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "open_tree_attr",
        "mount_setattr", "quotactl", "quotactl_fd",
        /* namespaces */
        "unshare", "setns",
        /* the kernel itself */
        "kexec_load", "kexec_file_load", "reboot", "init_module", "finit_module", "delete_module",
        "create_module", "query_module", "get_kernel_syms", "bpf", "perf_event_open",
        "keyctl", "add_key", "request_key", "swapon", "swapoff", "acct", "syslog", "lookup_dcookie",
        "nfsservctl", "_sysctl", "iopl", "ioperm", "vhangup",
        /* io_uring performs operations (connect, openat...) without passing through this filter */
        "io_uring_setup", "io_uring_enter", "io_uring_register",
        /* open_by_handle_at() opens any file on the file system, ignoring the directory tree */
        "open_by_handle_at", "name_to_handle_at",
        /* system state */
        "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname",
        /* exploitation helpers */
        "userfaultfd", "fanotify_init",
};

static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned n_args, const struct scmp_arg_cmp *args) {
        int r;

        r = seccomp_rule_add_array(ctx, action, nr, n_args, args);
        /* -EDOM, -EINVAL: this system call does not exist on the native architecture */
        if (r == -EDOM || r == -EINVAL)
                return 0;
        return r;
}

int seccomp_lock_down_unpacker(void) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        static const unsigned long namespace_flags[] = {
                CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
                CLONE_NEWCGROUP,
                /* CLONE_NEWTIME is only for unshare()/clone3(): in clone() it overlaps CSIGNAL */
        };
        int nr, r;

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return negative_errno();

        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx)
                return -ENOMEM;

        /* A default-allow filter only means something for the ABI it was written for: kill on any
         * other (int 0x80 on x86-64, x32). */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        if (r < 0)
                return r;
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(unpacker_denied_syscalls); i++) {
                nr = seccomp_syscall_resolve_name(unpacker_denied_syscalls[i]);
                if (nr == __NR_SCMP_ERROR)
                        continue;
                r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0, NULL);
                if (r < 0)
                        return r;
        }

        /* clone(): plain fork()/pthread_create() are fine, new namespaces are not. The flags are the
         * first argument everywhere except on s390. */
        nr = seccomp_syscall_resolve_name("clone");
        for (size_t i = 0; nr != __NR_SCMP_ERROR && i < ELEMENTSOF(namespace_flags); i++) {
#if defined(__s390__) || defined(__s390x__)
                struct scmp_arg_cmp cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i]);
#else
                struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i]);
#endif
                r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, &cmp);
                if (r < 0)
                        return r;
        }

        /* clone3() passes its flags in memory, which seccomp cannot look at: ENOSYS makes glibc fall
         * back to clone(). */
        nr = seccomp_syscall_resolve_name("clone3");
        if (nr != __NR_SCMP_ERROR) {
                r = add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0, NULL);
                if (r < 0)
                        return r;
        }

        /* personality(): querying (0xffffffff) is harmless and done by some runtimes; changing it
         * (e.g. READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE) is not needed. */
        nr = seccomp_syscall_resolve_name("personality");
        if (nr != __NR_SCMP_ERROR) {
                struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_NE, 0xffffffffUL, 0);

                r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, &cmp);
                if (r < 0)
                        return r;
        }

        return seccomp_load(ctx);
}
