/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "seccomp-util.h"
#include "string-util.h"
#include "unpack-worker.h"

#ifndef __NR_pidfd_open
#  define __NR_pidfd_open 434
#endif
#ifndef __NR_landlock_create_ruleset
#  define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#  define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#  define __NR_landlock_restrict_self 446
#endif

/* The Landlock ABI, spelled out so that older <linux/landlock.h> (or none) do not matter. */
#define LL_CREATE_RULESET_VERSION       (1U << 0)
#define LL_RULE_PATH_BENEATH            1
#define LL_FS_EXECUTE                   (1ULL << 0)
#define LL_FS_ABI1                      ((1ULL << 13) - 1) /* EXECUTE ... MAKE_SYM */
#define LL_FS_REFER                     (1ULL << 13)       /* ABI 2 */
#define LL_FS_TRUNCATE                  (1ULL << 14)       /* ABI 3 */
#define LL_FS_IOCTL_DEV                 (1ULL << 15)       /* ABI 5 */
#define LL_NET_BIND_TCP                 (1ULL << 0)        /* ABI 4 */
#define LL_NET_CONNECT_TCP              (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET   (1ULL << 0)        /* ABI 6 */
#define LL_SCOPE_SIGNAL                 (1ULL << 1)

struct ll_ruleset_attr {
        uint64_t handled_access_fs;
        uint64_t handled_access_net;
        uint64_t scoped;
};

struct ll_path_beneath_attr {
        uint64_t allowed_access;
        int32_t parent_fd;
} __attribute__((packed));

#define REASON_MAX 4096U

typedef struct WorkerReply {
        int32_t r;
        uint32_t reason_size;           /* bytes of reason that follow, no NUL */
        UnpackResult result;
} WorkerReply;

static int landlock_confine_beneath(int dir_fd) {
        struct ll_ruleset_attr attr = {};
        struct ll_path_beneath_attr rule;
        size_t attr_size = sizeof(attr.handled_access_fs);
        _cleanup_close_ int ruleset_fd = -EBADF;
        long abi;

        abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
        if (abi < 0)
                return errno == ENOSYS || errno == EOPNOTSUPP ? 0 : -errno;
        /* ABI 1 refuses every link or rename across directories: hard links would break. */
        if (abi < 2)
                return 0;

        attr.handled_access_fs = LL_FS_ABI1 | LL_FS_REFER;
        if (abi >= 3)
                attr.handled_access_fs |= LL_FS_TRUNCATE;
        if (abi >= 4) {
                attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
                attr_size = offsetof(struct ll_ruleset_attr, scoped);
        }
        if (abi >= 5)
                attr.handled_access_fs |= LL_FS_IOCTL_DEV;
        if (abi >= 6) {
                attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
                attr_size = sizeof(attr);
        }

        ruleset_fd = (int) syscall(__NR_landlock_create_ruleset, &attr, attr_size, 0);
        if (ruleset_fd < 0)
                return -errno;

        rule = (struct ll_path_beneath_attr) {
                .allowed_access = attr.handled_access_fs & ~LL_FS_EXECUTE,
                .parent_fd = dir_fd,
        };
        if (syscall(__NR_landlock_add_rule, ruleset_fd, LL_RULE_PATH_BENEATH, &rule, 0) < 0)
                return -errno;

        return RET_NERRNO(syscall(__NR_landlock_restrict_self, ruleset_fd, 0));
}

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release);

/* Landlock lets the worker make character and block devices beneath the layer directory (a whiteout
 * is a 0:0 character device) and open them: a subverted worker could make itself a /dev/mem or a
 * disk there. The worker is never to make any device but the whiteout (layer_unpack() refuses device
 * entries unless allow_devices, which is for unconfined callers); this filter, stacked on the other
 * one, holds that even against code the layer got to run. The mode and dev arguments are compared as
 * the kernel reads them: only the S_IFMT bits of mode, any bit of dev. */
static int seccomp_deny_devices(void) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        static const struct {
                const char *name;
                unsigned mode_arg;
        } calls[] = {
                { "mknodat", 2 },
                { "mknod", 1 },
        };
        int r;

        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx)
                return -ENOMEM;
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
                unsigned m = calls[i].mode_arg;
                int nr = seccomp_syscall_resolve_name(calls[i].name);
                struct scmp_arg_cmp block[] = {
                        { .arg = m, .op = SCMP_CMP_MASKED_EQ, .datum_a = S_IFMT, .datum_b = S_IFBLK },
                };
                struct scmp_arg_cmp chr[] = {
                        { .arg = m, .op = SCMP_CMP_MASKED_EQ, .datum_a = S_IFMT, .datum_b = S_IFCHR },
                        { .arg = m + 1, .op = SCMP_CMP_NE, .datum_a = 0 },
                };

                if (nr == __NR_SCMP_ERROR)
                        continue;
                r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, ELEMENTSOF(block), block);
                if (r >= 0)
                        r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, ELEMENTSOF(chr), chr);
                if (r == -EDOM || r == -EINVAL)
                        continue;   /* not a system call of this architecture */
                if (r < 0)
                        return r;
        }
        return seccomp_load(ctx);
}

/* The input is an fd on a blob of the store (load) or on a staging blob about to be committed
 * (pull), open read-only; but metadata calls need no write access: a subverted worker could chmod,
 * chown, set xattrs or file flags (FS_IOC_SETFLAGS) or timestamps on that file through its fd.
 * Deny every such call on that fd number. */
static int seccomp_protect_input(int fd) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        static const char *const calls[] = {
                "fchmod", "fchown", "fsetxattr", "fremovexattr", "ioctl", "fchmodat", "fchmodat2",
                "fchownat", "utimensat", "futimesat", "ftruncate", "fallocate",
        };
        int r;

        if (fd < 0)
                return 0;
        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx)
                return -ENOMEM;
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
                int nr = seccomp_syscall_resolve_name(calls[i]);

                if (nr == __NR_SCMP_ERROR)
                        continue;   /* unknown to this libseccomp */
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) fd));
                if (r == -EDOM || r == -EINVAL)
                        continue;   /* not a system call of this architecture */
                if (r < 0)
                        return r;
        }
        return seccomp_load(ctx);
}

/* Landlock does not cover metadata: chmod(), chown(), setxattr() and utimensat() by path would still
 * reach every file of the system. With the layer directory as the root, every path resolves beneath
 * it, ".." included; the seccomp filter that follows denies chroot(), which closes the classic
 * escape by a nested chroot. Without CAP_SYS_CHROOT (EPERM), Landlock alone confines the worker. */
static int chroot_into(int dir_fd) {
        if (fchdir(dir_fd) < 0)
                return -errno;
        if (chroot(".") < 0)
                return errno == EPERM ? 0 : -errno;
        return 0;
}

int unpack_worker_lock_down(int dest_dir_fd, int input_fd) {
        int r;

        r = chroot_into(dest_dir_fd);
        if (r < 0)
                return r;
        /* Sets NO_NEW_PRIVS too, which Landlock wants. */
        r = seccomp_lock_down_unpacker();
        if (r < 0)
                return r;
        r = seccomp_deny_devices();
        if (r < 0)
                return r;
        r = seccomp_protect_input(input_fd);
        if (r < 0)
                return r;
        return landlock_confine_beneath(dest_dir_fd);
}

static int cmp_int(const void *a, const void *b) {
        int x = *(const int *) a, y = *(const int *) b;
        return x < y ? -1 : x > y;
}

/* Keeps 0, 1, 2 and the listed fds. The daemon's D-Bus and HTTP sockets must not survive into the
 * worker: fork() does not close O_CLOEXEC fds. */
static int close_all_fds_except(int *keep, size_t n_keep) {
        unsigned start = 3;

        qsort(keep, n_keep, sizeof(int), cmp_int);
        for (size_t i = 0; i <= n_keep; i++) {
                unsigned end = i < n_keep ? (unsigned) keep[i] : ~0U;

                if (i < n_keep && (keep[i] < 0 || (unsigned) keep[i] < start))
                        continue;
                if (end > start && close_range(start, end - 1, 0) < 0) {
                        struct rlimit rl;

                        if (errno != ENOSYS)
                                return -errno;
                        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                                return -errno;
                        for (unsigned fd = start; fd < end && fd < MIN(rl.rlim_cur, (rlim_t) 65536); fd++)
                                (void) close((int) fd);
                }
                if (i < n_keep)
                        start = (unsigned) keep[i] + 1;
        }
        return 0;
}

static bool write_all(int fd, const void *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return false;
                }
                p = (const uint8_t *) p + k;
                n -= (size_t) k;
        }
        return true;
}

_noreturn_ static void worker_child(int input_fd, int dest_dir_fd, int reply_fd, const UnpackOptions *opts, pid_t parent) {
        WorkerReply reply = {};
        char *reason = NULL;
        sigset_t ss;
        int r;

        /* Die with the parent; and do not outlive it if it is gone already. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(EXIT_FAILURE);
        (void) prctl(PR_SET_DUMPABLE, 0);
        sigemptyset(&ss);
        (void) sigprocmask(SIG_SETMASK, &ss, NULL);

        r = close_all_fds_except((int[]) { input_fd, dest_dir_fd, reply_fd }, 3);
        if (r < 0) {
                if (asprintf(&reason, "unpack worker could not close inherited file descriptors: %s", strerror(-r)) < 0)
                        reason = NULL;
        } else {
                /* Initialize OpenSSL (it reads its configuration) before the file system is closed off. */
                EVP_MD_CTX *md = EVP_MD_CTX_new();
                if (md)
                        (void) EVP_DigestInit_ex(md, EVP_sha256(), NULL);
                EVP_MD_CTX_free(md);

                r = unpack_worker_lock_down(dest_dir_fd, input_fd);
                if (r < 0 && asprintf(&reason, "unpack worker could not be locked down: %s", strerror(-r)) < 0)
                        reason = NULL;
        }
        if (r >= 0)
                r = layer_unpack(input_fd, dest_dir_fd, opts, &reply.result, &reason);

        reply.r = r;
        reply.reason_size = reason ? (uint32_t) MIN(strlen(reason), (size_t) REASON_MAX) : 0;
        if (!write_all(reply_fd, &reply, sizeof(reply)) ||
            !write_all(reply_fd, strempty(reason), reply.reason_size))
                _exit(EXIT_FAILURE);
        /* _exit(): no atexit handlers (nor LeakSanitizer, which would need ptrace) in here */
        _exit(EXIT_SUCCESS);
}

/* Reads the reply until EOF, or until the child is gone and the pipe empty (a grandchild or a
 * racing fork() elsewhere in the process might hold the write end open). -EMSGSIZE if the child
 * sends more than a reply can be. */
static int read_reply(int fd, int pidfd, uint8_t *buf, size_t max, size_t *ret_size) {
        size_t size = 0;
        bool exited = false;

        for (;;) {
                ssize_t n;

                if (size >= max)
                        return -EMSGSIZE;
                n = read(fd, buf + size, max - size);
                if (n > 0) {
                        size += (size_t) n;
                        continue;
                }
                if (n == 0)
                        break;
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return -errno;
                if (exited)
                        break;

                struct pollfd p[2] = {
                        { .fd = fd, .events = POLLIN },
                        { .fd = pidfd, .events = POLLIN },
                };
                if (poll(p, pidfd >= 0 ? 2 : 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (pidfd >= 0 && (p[1].revents & POLLIN))
                        exited = true; /* drain what is left, then stop */
        }

        *ret_size = size;
        return 0;
}

static int worker_fail(char **ret_reason, int r, const char *message) {
        if (ret_reason)
                *ret_reason = strdup(message);
        return r;
}

int unpack_in_worker(int input_fd, int dest_dir_fd, const UnpackOptions *opts, UnpackResult *ret, char **ret_reason) {
        _cleanup_close_ int pidfd = -EBADF;
        int pipe_fds[2] = { -EBADF, -EBADF };
        uint8_t buf[sizeof(WorkerReply) + REASON_MAX + 1];
        WorkerReply reply;
        size_t size = 0;
        pid_t parent = getpid(), pid;
        bool waited = false;
        int status = 0, r;

        if (input_fd < 0 || dest_dir_fd < 0)
                return worker_fail(ret_reason, -EBADF, "layer could not be unpacked: invalid file descriptor");

        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                return worker_fail(ret_reason, -errno, "pipe for the unpack worker could not be created");

        pid = fork();
        if (pid < 0) {
                r = -errno;
                safe_close(pipe_fds[0]);
                safe_close(pipe_fds[1]);
                return worker_fail(ret_reason, r, "unpack worker could not be forked");
        }
        if (pid == 0) {
                safe_close(pipe_fds[0]);
                worker_child(input_fd, dest_dir_fd, pipe_fds[1], opts, parent);
        }

        _cleanup_close_ int reply_fd = pipe_fds[0];
        safe_close(pipe_fds[1]);

        /* With a pidfd we notice the child's death even if something else holds the pipe open;
         * without (old kernel), EOF on the pipe does it. */
        pidfd = (int) syscall(__NR_pidfd_open, pid, 0);
        if (pidfd < 0)
                pidfd = -EBADF;
        else if (fcntl(reply_fd, F_SETFL, O_NONBLOCK) < 0)
                pidfd = safe_close(pidfd);

        r = read_reply(reply_fd, pidfd, buf, sizeof(buf), &size);
        if (r < 0)
                /* It might be blocked writing to us, or be anything by now: do not wait for it. */
                (void) kill(pid, SIGKILL);

        for (;;) {
                if (waitpid(pid, &status, 0) >= 0) {
                        waited = true;
                        break;
                }
                if (errno != EINTR)
                        break; /* ECHILD: SIGCHLD is ignored, the child was reaped for us */
        }
        if (r == -EMSGSIZE)
                return worker_fail(ret_reason, -EPROTO, "unpack worker sent a malformed reply");
        if (r < 0)
                return worker_fail(ret_reason, r, "reply of the unpack worker could not be read");

        if (waited && WIFSIGNALED(status)) {
                int sig = WTERMSIG(status);
                const char *name = sigabbrev_np(sig);

                if (ret_reason && asprintf(ret_reason, "unpack worker died with signal %d (SIG%s)", sig, strna(name)) < 0)
                        *ret_reason = NULL;
                return -EPROTO;
        }
        if (waited && WIFEXITED(status) && WEXITSTATUS(status) != 0) {
                if (ret_reason && asprintf(ret_reason, "unpack worker exited with status %d", WEXITSTATUS(status)) < 0)
                        *ret_reason = NULL;
                return -EPROTO;
        }

        /* The child may have been subverted by the very layer it unpacked: check everything. */
        if (size < sizeof(reply))
                return worker_fail(ret_reason, -EPROTO, "unpack worker exited without a reply");
        memcpy(&reply, buf, sizeof(reply));
        if (reply.reason_size > REASON_MAX || size != sizeof(reply) + reply.reason_size ||
            reply.r > 0 || reply.r <= -4096)
                return worker_fail(ret_reason, -EPROTO, "unpack worker sent a malformed reply");

        if (reply.r < 0) {
                if (ret_reason && reply.reason_size > 0)
                        *ret_reason = strndup((const char *) buf + sizeof(reply), reply.reason_size);
                else if (ret_reason)
                        *ret_reason = NULL;
                return reply.r;
        }

        reply.result.diff_id[sizeof(reply.result.diff_id) - 1] = 0;
        if (ret)
                *ret = reply.result;
        return 0;
}
