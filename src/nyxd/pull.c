/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "image-ref.h"
#include "image-store.h"
#include "oci-manifest.h"
#include "path-util.h"
#include "pull.h"
#include "registry-client.h"
#include "string-util.h"
#include "strv.h"
#include "layer-unpack.h"
#include "unpack-worker.h"

/* Layers fetched and extracted at once (containers/image fetches 6 at a time too). As many
 * unpackers as layers, for images of up to this many: with fewer, the last layer would start
 * extracting only when another one is done, and finish alone, on one core. */
#define PARALLEL_LAYERS 6

void pull_options_done(PullOptions *o) {
        free(o->reference);
        free(o->platform);
        free(o->cert_dir);
        free(o->username);
        free(o->password);
        free(o->staging_dir);
}

typedef struct LayerJob {
        const char *state_dir;
        const char *staging_dir;      /* NULL: STATE/tmp */
        RegistryClient *client;       /* one per job: curl handles are not shared */
        const char *repo;
        const OciDescriptor *desc;
        const char *diff_id;
        uint64_t max_bytes;
        int progress_fd;
        bool have_blob;               /* already in the store */
        bool have_layer;
        bool duplicate;               /* the same layer appears earlier in the image */
        char *blob_staging;           /* downloaded, verified, not yet renamed */
        int blob_fd;                  /* open on blob_staging while it is written */
        int feed_fd;                  /* the downloader writes a byte here when the blob file grew... */
        int stream_fd;                /* ...which the unpacker waits for here; EOF: the download ended */
        int feed_r;                   /* why telling the unpacker failed */
        char *layer_staging;          /* extracted, verified, not yet renamed */
        StoreLock lock;
        uint64_t last_report_usec;
        int r;                        /* extraction, writing the blob */
        char *reason;
        int download_r;               /* what the downloader said */
        char *download_reason;
} LayerJob;

static void layer_job_done(LayerJob *j) {
        if (j->blob_staging) {
                (void) unlink(j->blob_staging);
                free(j->blob_staging);
        }
        if (j->layer_staging) {
                (void) rm_rf(j->layer_staging);
                free(j->layer_staging);
        }
        safe_close(j->blob_fd);
        safe_close(j->feed_fd);
        safe_close(j->stream_fd);
        registry_client_free(j->client);
        image_store_unlock(&j->lock);
        free(j->reason);
        free(j->download_reason);
}

static bool needs_unpack(const LayerJob *j) {
        return !j->have_layer && !j->duplicate;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void report(int fd, const char *digest, const char *state, uint64_t done, uint64_t total) {
        char line[256];
        int n;

        if (fd < 0)
                return;
        n = snprintf(line, sizeof(line), "layer %s %s %" PRIu64 " %" PRIu64 "\n", digest, state, done, total);
        if (n > 0 && (size_t) n < sizeof(line))
                (void) write(fd, line, n);   /* progress is best effort */
}

static void set_reason(char **reason, const char *digest, const char *what, const char *detail) {
        free(*reason);
        if (asprintf(reason, "layer %s: %s%s", digest, what, strempty(detail)) < 0)
                *reason = NULL;
}

/* The download and the extraction of a layer overlap. A downloader process
 * (with a thread per layer) writes every blob into its staging file as it
 * arrives, and after each write rings a doorbell: a byte into a pipe to the
 * unpack worker of that layer, which maps the staging file read-only and
 * extracts it as it grows (layer_unpack_growing()); the end of the download
 * closes the pipe. So the stream is copied into the blob file once and read
 * back in place, and the download never waits for the extraction. The pulling process itself stays
 * single-threaded: it forks the unpack workers and waits for them with
 * poll(), so a fork can never catch another thread holding a lock of malloc,
 * OpenSSL or libarchive. The downloader checks each blob's digest, the
 * unpacker its diff_id; nothing counts until both said yes. */

static int open_blob_staging(LayerJob *j) {
        _cleanup_free_ char *name = NULL;

        name = strjoin("blob-", j->desc->digest + strlen("sha256:"), "-XXXXXX");
        if (!name)
                return -ENOMEM;
        if (j->staging_dir ? asprintf(&j->blob_staging, "%s/%s", j->staging_dir, name) < 0 :
                             asprintf(&j->blob_staging, "%s/tmp/%s", j->state_dir, name) < 0) {
                j->blob_staging = NULL;
                return -ENOMEM;
        }
        j->blob_fd = mkostemp(j->blob_staging, O_CLOEXEC);
        if (j->blob_fd < 0) {
                j->blob_staging = mfree(j->blob_staging);
                return -errno;
        }
        return 0;
}

/* ---- the downloader process ---- */

/* The blob file grew: tell the unpacker. A full pipe has unread bytes in it already, which will
 * make the unpacker look again; EPIPE: it gave up, and says why. */
static int ring_unpacker(LayerJob *j) {
        for (;;) {
                if (write(j->feed_fd, "", 1) >= 0 || errno == EAGAIN)
                        return 0;
                if (errno != EINTR)
                        return -errno;
        }
}

static int on_download_progress(uint64_t done, uint64_t total, void *userdata) {
        LayerJob *j = userdata;
        uint64_t t;

        if (j->feed_fd >= 0) {
                int r = ring_unpacker(j);
                if (r < 0) {
                        j->feed_r = r;
                        return r;
                }
        }

        /* A few updates a second are plenty for a human. */
        t = now_usec();
        if (t - j->last_report_usec < 200 * 1000)
                return 0;
        j->last_report_usec = t;
        report(j->progress_fd, j->desc->digest, "downloading", done, total == UINT64_MAX ? j->desc->size : total);
        return 0;
}

static void *download_layer(void *userdata) {
        LayerJob *j = userdata;
        int r;

        if (j->have_blob)
                return NULL;

        report(j->progress_fd, j->desc->digest, "downloading", 0, j->desc->size);
        r = registry_fetch_blob(j->client, j->repo, j->desc->digest, j->desc->size, j->blob_fd, on_download_progress, j,
                                &j->download_reason);
        /* The unpacker reads to EOF: complete, or (the download failed and says why) cut short. */
        j->feed_fd = safe_close(j->feed_fd);

        if (r < 0 && j->feed_r < 0 && j->feed_r != -EPIPE) {
                r = j->feed_r;
                set_reason(&j->download_reason, j->desc->digest, "cannot tell the unpacker about the download: ",
                           strerror(-r));
        }
        if (r < 0)
                j->download_r = r;
        else
                report(j->progress_fd, j->desc->digest, needs_unpack(j) ? "downloaded" : "done", j->desc->size,
                       j->desc->size);
        return NULL;
}

static int run_parallel(LayerJob *jobs, size_t n, void *(*fn)(void *));

_noreturn_ static void downloader_main(LayerJob *jobs, size_t n, int result_fd) {
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        (void) prctl(PR_SET_NAME, "nyx-download");   /* for ps and top */
        for (size_t i = 0; i < n; i++)
                /* Only the unpackers may hold the read ends: one that gives up must mean EPIPE here. */
                jobs[i].stream_fd = safe_close(jobs[i].stream_fd);
        (void) run_parallel(jobs, n, download_layer);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *line = NULL;

                if (jobs[i].have_blob)
                        continue;
                for (char *c = jobs[i].download_reason; c && *c; c++)
                        if (*c == '\n')
                                *c = ' ';
                if (asprintf(&line, "%zu %d %s\n", i, jobs[i].download_r, strempty(jobs[i].download_reason)) < 0)
                        _exit(EXIT_FAILURE);
                for (const char *p = line; *p;) {
                        ssize_t k = write(result_fd, p, strlen(p));
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k <= 0)
                                _exit(EXIT_FAILURE);
                        p += k;
                }
        }
        _exit(EXIT_SUCCESS);
}

/* ---- unpack workers, forked and awaited by the single-threaded puller ---- */

typedef struct UnpackReply {
        int32_t r;
        uint32_t reason_size;         /* bytes of reason that follow, no NUL */
        UnpackResult result;
} UnpackReply;

#define UNPACK_REASON_MAX 2048U

_noreturn_ static void unpacker_main(int in, int more, int dir, int reply, uint64_t max_bytes, pid_t parent) {
        UnpackOptions opts = {
                .max_uncompressed_bytes = max_bytes,
                .allow_devices = false,
                .preserve_ownership = geteuid() == 0,
        };
        UnpackReply rep = {};
        char *reason = NULL;
        sigset_t ss;
        int r;

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(EXIT_FAILURE);
        (void) prctl(PR_SET_DUMPABLE, 0);
        (void) prctl(PR_SET_NAME, "nyx-unpack");
        sigemptyset(&ss);
        (void) sigprocmask(SIG_SETMASK, &ss, NULL);

        /* Keep exactly the input (3), the layer directory (4), the reply pipe (5) and, for a blob
         * still being downloaded, the downloader's doorbell (6). */
        in = fcntl(in, F_DUPFD, 100);
        dir = fcntl(dir, F_DUPFD, 100);
        reply = fcntl(reply, F_DUPFD, 100);
        if (more >= 0)
                more = fcntl(more, F_DUPFD, 100);
        if (in < 0 || dir < 0 || reply < 0 || dup2(in, 3) < 0 || dup2(dir, 4) < 0 || dup2(reply, 5) < 0)
                _exit(EXIT_FAILURE);
        if (more >= 0 && dup2(more, 6) < 0)
                _exit(EXIT_FAILURE);
        if (close_range(more >= 0 ? 7 : 6, ~0U, 0) < 0)
                _exit(EXIT_FAILURE);

        /* OpenSSL reads its configuration on first use: before the file system is closed off. */
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        if (md)
                (void) EVP_DigestInit_ex(md, EVP_sha256(), NULL);
        EVP_MD_CTX_free(md);

        r = unpack_worker_lock_down(4, 3);
        if (r < 0) {
                if (asprintf(&reason, "unpack worker could not be locked down: %s", strerror(-r)) < 0)
                        reason = NULL;
        } else
                r = layer_unpack_growing(3, more >= 0 ? 6 : -EBADF, 4, &opts, &rep.result, &reason);

        rep.r = r;
        rep.reason_size = reason ? (uint32_t) MIN(strlen(reason), (size_t) UNPACK_REASON_MAX) : 0;
        struct iovec iov[2] = {
                { .iov_base = &rep, .iov_len = sizeof(rep) },
                { .iov_base = (char *) strempty(reason), .iov_len = rep.reason_size },
        };
        /* One writev() of less than PIPE_BUF: all or nothing. */
        if (writev(5, iov, 2) != (ssize_t) (sizeof(rep) + rep.reason_size))
                _exit(EXIT_FAILURE);
        _exit(EXIT_SUCCESS);
}

typedef struct Unpacker {
        LayerJob *job;
        pid_t pid;
        int reply_fd;
        uint8_t buf[sizeof(UnpackReply) + UNPACK_REASON_MAX];
        size_t size;
} Unpacker;

static int unpacker_start(LayerJob *j, Unpacker *u) {
        _cleanup_free_ char *blob_path = NULL;
        _cleanup_close_ int in = -EBADF, more = -EBADF, dir = -EBADF;
        int p[2], r;
        pid_t pid, parent = getpid();

        if (j->have_blob) {
                report(j->progress_fd, j->desc->digest, "extracting", j->desc->size, j->desc->size);
                r = image_store_blob_path(j->state_dir, j->desc->digest, &blob_path);
                if (r < 0)
                        return r;
                in = open(blob_path, O_RDONLY | O_CLOEXEC);
                if (in < 0)
                        return -errno;
        } else {
                /* Read-only: the worker sees the download, it cannot change it. */
                in = open(j->blob_staging, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (in < 0)
                        return -errno;
                more = TAKE_FD(j->stream_fd);
        }
        r = j->staging_dir ? image_store_make_staging_in(j->staging_dir, "layer", &j->layer_staging) :
                             image_store_make_staging(j->state_dir, "layer", &j->layer_staging);
        if (r < 0)
                return r;
        dir = open(j->layer_staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;

        pid = fork();
        if (pid < 0) {
                r = -errno;
                safe_close(p[0]);
                safe_close(p[1]);
                return r;
        }
        if (pid == 0)
                unpacker_main(in, more, dir, p[1], j->max_bytes, parent);
        safe_close(p[1]);
        *u = (Unpacker) { .job = j, .pid = pid, .reply_fd = p[0] };
        return 0;
}

/* The worker exited (EOF on its pipe): check everything it says, it may have
 * been subverted by the very layer it unpacked. */
static void unpacker_finish(Unpacker *u) {
        LayerJob *j = u->job;
        UnpackReply rep = {};
        int status = 0;

        u->reply_fd = safe_close(u->reply_fd);
        while (waitpid(u->pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (WIFSIGNALED(status)) {
                char what[64];
                snprintf(what, sizeof(what), "unpack worker died with signal %d (SIG%s)", WTERMSIG(status),
                         strna(sigabbrev_np(WTERMSIG(status))));
                set_reason(&j->reason, j->desc->digest, what, NULL);
                j->r = -EPROTO;
                return;
        }
        memcpy(&rep, u->buf, MIN(u->size, sizeof(rep)));
        if (u->size < sizeof(rep) || rep.reason_size > UNPACK_REASON_MAX || u->size != sizeof(rep) + rep.reason_size ||
            rep.r > 0 || rep.r <= -4096 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                set_reason(&j->reason, j->desc->digest, "unpack worker failed without a valid reply", NULL);
                j->r = -EPROTO;
                return;
        }
        if (rep.r < 0) {
                _cleanup_free_ char *reason = strndup((const char *) u->buf + sizeof(rep), rep.reason_size);
                set_reason(&j->reason, j->desc->digest, reason ?: strerror(-rep.r), NULL);
                j->r = rep.r;
                return;
        }
        rep.result.diff_id[sizeof(rep.result.diff_id) - 1] = 0;
        if (!streq(rep.result.diff_id, j->diff_id)) {
                set_reason(&j->reason, j->desc->digest, "its content does not have the diff_id of the image config, ",
                           j->diff_id);
                j->r = -EBADMSG;
                return;
        }
        report(j->progress_fd, j->desc->digest, "done", j->desc->size, j->desc->size);
}

/* Up to PARALLEL_LAYERS unpack workers at a time, in layer order (the order
 * the downloader fetches in, so that the layers it is busy with are always
 * being read). */
static int run_unpackers(LayerJob *jobs, size_t n) {
        Unpacker running[PARALLEL_LAYERS];
        size_t n_running = 0, next = 0;
        int r;

        for (;;) {
                struct pollfd pfd[PARALLEL_LAYERS];

                while (n_running < PARALLEL_LAYERS && next < n) {
                        LayerJob *j = &jobs[next++];

                        if (!needs_unpack(j))
                                continue;
                        r = unpacker_start(j, &running[n_running]);
                        if (r < 0) {
                                j->r = r;
                                if (!j->reason)
                                        set_reason(&j->reason, j->desc->digest, "cannot start extracting it: ",
                                                   strerror(-r));
                                continue;
                        }
                        n_running++;
                }
                if (n_running == 0)
                        break;

                for (size_t i = 0; i < n_running; i++)
                        pfd[i] = (struct pollfd) { .fd = running[i].reply_fd, .events = POLLIN };
                if (poll(pfd, n_running, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        for (size_t i = 0; i < n_running; i++) {
                                (void) kill(running[i].pid, SIGKILL);
                                unpacker_finish(&running[i]);
                        }
                        return r;
                }
                for (size_t i = n_running; i > 0; i--) {
                        Unpacker *u = &running[i - 1];
                        ssize_t k;

                        if (!(pfd[i - 1].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        k = read(u->reply_fd, u->buf + u->size, sizeof(u->buf) - u->size);
                        if (k > 0) {
                                u->size += k;
                                if (u->size < sizeof(u->buf))
                                        continue;   /* EOF is next; a full buffer is malformed anyway */
                        } else if (k < 0 && (errno == EAGAIN || errno == EINTR))
                                continue;
                        unpacker_finish(u);
                        *u = running[--n_running];
                }
        }
        for (size_t i = 0; i < n; i++)
                if (jobs[i].r < 0)
                        return jobs[i].r;
        return 0;
}

/* Read the downloader's verdicts, reap it, and decide each layer's error:
 * the downloader's (wrong digest, truncated, ...) comes first, unless it is
 * just the EPIPE of an unpacker that refused the layer. */
static int collect_downloads(LayerJob *jobs, size_t n, pid_t pid, int result_fd) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;
        int status = 0;

        for (;;) {
                ssize_t k;

                if (size + 4096 > allocated) {
                        char *t = realloc(buf, allocated + 65536);
                        if (!t)
                                return -ENOMEM;
                        buf = t;
                        allocated += 65536;
                }
                k = read(result_fd, buf + size, allocated - size - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                size += k;
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        for (size_t i = 0; i < n; i++)
                if (!jobs[i].have_blob)
                        jobs[i].download_r = -EPROTO;   /* no verdict: the downloader died */
        if (buf) {
                buf[size] = 0;
                for (char *line = buf, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
                        char *end, *reason;
                        unsigned long i;
                        long r;

                        *nl = 0;
                        i = strtoul(line, &end, 10);
                        if (*end != ' ' || i >= n)
                                continue;
                        r = strtol(end + 1, &reason, 10);
                        if (*reason == ' ')
                                reason++;
                        jobs[i].download_r = r < 0 && r > -4096 ? (int) r : 0;
                        free(jobs[i].download_reason);
                        jobs[i].download_reason = isempty(reason) ? NULL : strdup(reason);
                }
        }

        for (size_t i = 0; i < n; i++) {
                LayerJob *j = &jobs[i];

                if (j->have_blob || j->download_r >= 0)
                        continue;
                if (j->download_r == -EPIPE && j->r < 0)
                        continue;       /* the unpacker's reason is the real one */
                j->r = j->download_r;
                free(j->reason);
                if (j->download_reason)
                        j->reason = TAKE_PTR(j->download_reason);
                else if (j->download_r == -EPROTO)
                        j->reason = strjoin("layer ", j->desc->digest, ": the download worker died");
                else
                        j->reason = NULL;
        }
        for (size_t i = 0; i < n; i++)
                if (jobs[i].r < 0)
                        return jobs[i].r;
        return 0;
}

static int fetch_and_unpack(LayerJob *jobs, size_t n) {
        _cleanup_close_ int result_read = -EBADF;
        bool any_download = false;
        int result_pipe[2], r;
        pid_t pid;

        for (size_t i = 0; i < n; i++) {
                int p[2];

                if (jobs[i].have_blob)
                        continue;
                r = open_blob_staging(&jobs[i]);
                if (r < 0)
                        return r;
                any_download = true;
                if (!needs_unpack(&jobs[i]))
                        continue;
                if (pipe2(p, O_CLOEXEC) < 0)
                        return -errno;
                /* The downloader never waits for the unpacker to take the doorbell's bytes. */
                if (fcntl(p[1], F_SETFL, O_NONBLOCK) < 0) {
                        r = -errno;
                        safe_close(p[0]);
                        safe_close(p[1]);
                        return r;
                }
                jobs[i].stream_fd = p[0];
                jobs[i].feed_fd = p[1];
        }
        if (!any_download)
                return run_unpackers(jobs, n);

        if (pipe2(result_pipe, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                safe_close(result_pipe[0]);
                safe_close(result_pipe[1]);
                return r;
        }
        if (pid == 0) {
                safe_close(result_pipe[0]);
                downloader_main(jobs, n, result_pipe[1]);
        }
        safe_close(result_pipe[1]);
        result_read = result_pipe[0];
        for (size_t i = 0; i < n; i++) {
                /* The downloader writes the blobs; we keep only their names. */
                jobs[i].feed_fd = safe_close(jobs[i].feed_fd);
                jobs[i].blob_fd = safe_close(jobs[i].blob_fd);
        }

        (void) run_unpackers(jobs, n);
        /* Streams of unpackers that never started (a failure stopped them):
         * closed, so that the downloader gets EPIPE instead of waiting. */
        for (size_t i = 0; i < n; i++)
                jobs[i].stream_fd = safe_close(jobs[i].stream_fd);
        return collect_downloads(jobs, n, pid, result_read);
}

typedef struct Pool {
        LayerJob *jobs;
        size_t n;
        size_t next;                  /* taken with an atomic add */
        void *(*fn)(void *);
} Pool;

static void *pool_thread(void *userdata) {
        Pool *p = userdata;

        for (;;) {
                size_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
                if (i >= p->n)
                        return NULL;
                p->fn(&p->jobs[i]);
        }
}

/* fn for every job, PARALLEL_LAYERS at a time: a thread that finishes one
 * layer takes the next, so one slow layer does not hold up the others. */
static int run_parallel(LayerJob *jobs, size_t n, void *(*fn)(void *)) {
        Pool pool = { .jobs = jobs, .n = n, .fn = fn };
        pthread_t threads[PARALLEL_LAYERS];
        size_t started = 0;

        for (size_t t = 0; t < MIN((size_t) PARALLEL_LAYERS, n); t++) {
                if (pthread_create(&threads[t], NULL, pool_thread, &pool) != 0)
                        break;
                started++;
        }
        if (started == 0)
                (void) pool_thread(&pool);   /* no thread at all: do it here */
        for (size_t t = 0; t < started; t++)
                pthread_join(threads[t], NULL);

        for (size_t i = 0; i < n; i++)
                if (jobs[i].r < 0)
                        return jobs[i].r;
        return 0;
}

static int compare_jobs_by_diff_id(const void *a, const void *b) {
        const LayerJob *x = *(LayerJob * const *) a, *y = *(LayerJob * const *) b;
        return strcmp(x->diff_id, y->diff_id);
}

/* One puller per layer at a time, so a layer is fetched and extracted once;
 * the second finds it done. Locks are taken in diff_id order, so that two
 * pulls sharing layers cannot deadlock; a layer listed twice is locked once. */
static int lock_layers(const char *state_dir, LayerJob *jobs, size_t n) {
        _cleanup_free_ LayerJob **order = NULL;
        int r;

        order = calloc(n + 1, sizeof(LayerJob *));
        if (!order)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                order[i] = &jobs[i];
        qsort(order, n, sizeof(LayerJob *), compare_jobs_by_diff_id);

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *what = NULL;

                if (i > 0 && streq(order[i]->diff_id, order[i - 1]->diff_id))
                        continue;
                what = strjoin("layer-", order[i]->diff_id + strlen("sha256:"));
                if (!what)
                        return -ENOMEM;
                r = image_store_lock(state_dir, what, &order[i]->lock);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Under the index lock: everything this pull relies on must still be in the
 * store (an image removed meanwhile may have taken it along), then blobs and
 * layers become visible, and the name last. */
static int commit(const char *state_dir, LayerJob *jobs, size_t n, const OciManifest *manifest,
                  const char *config_data, size_t config_size, const char *digest, const char *body, size_t size,
                  const char *media_type, const char *name, char **ret_reason) {
        _cleanup_(image_store_unlock) StoreLock lock = STORE_LOCK_NULL;
        int r;

        r = image_store_lock(state_dir, "index", &lock);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++)
                if ((jobs[i].have_blob && !image_store_has_blob(state_dir, jobs[i].desc->digest)) ||
                    (jobs[i].have_layer && !image_store_has_layer(state_dir, jobs[i].diff_id))) {
                        (void) asprintf(ret_reason, "layer %s was removed from the store during the pull; pull again",
                                        jobs[i].desc->digest);
                        return -ESTALE;
                }

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (!jobs[i].layer_staging)
                        continue;
                r = image_store_layer_path(state_dir, jobs[i].diff_id, &path);
                if (r < 0)
                        return r;
                if (rename(jobs[i].layer_staging, path) < 0)
                        return -errno;
                jobs[i].layer_staging = mfree(jobs[i].layer_staging);
        }
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (!jobs[i].blob_staging)
                        continue;
                r = image_store_blob_path(state_dir, jobs[i].desc->digest, &path);
                if (r < 0)
                        return r;
                /* The unpack worker (gone by now) had the file open read-only: it could not change
                 * the content, but owner and mode are put back to what mkostemp() made. */
                if (lchown(jobs[i].blob_staging, geteuid(), getegid()) < 0 || chmod(jobs[i].blob_staging, 0600) < 0 ||
                    rename(jobs[i].blob_staging, path) < 0)
                        return -errno;
                jobs[i].blob_staging = mfree(jobs[i].blob_staging);
        }
        r = image_store_write_blob(state_dir, manifest->config.digest, config_data, config_size);
        if (r < 0)
                return r;
        r = image_store_write_blob(state_dir, digest, body, size);
        if (r < 0)
                return r;
        return image_store_set_name_locked(state_dir, name, digest, media_type, size);
}

int pull_image(const char *state_dir, const PullOptions *o, char **ret_image_id, char **ret_name, char **ret_reason) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        _cleanup_(registry_client_freep) RegistryClient *client = NULL;
        _cleanup_(oci_manifest_freep) OciManifest *manifest = NULL;
        _cleanup_(oci_image_config_freep) OciImageConfig *config = NULL;
        _cleanup_free_ char *body = NULL, *media_type = NULL, *config_data = NULL, *name = NULL,
                *repo_ref = NULL, *user = NULL, *pass = NULL, *auth_file = NULL;
        char digest[SHA256_DIGEST_STRING_MAX];
        _cleanup_(image_store_unlock) StoreLock image_lock = STORE_LOCK_NULL;
        const char *why = NULL;
        LayerJob *jobs = NULL;
        size_t size, config_size, n_jobs = 0;
        RegistryClientOptions copts = {
                .insecure = !o->tls_verify,
                .ca_dir = o->cert_dir,
                .low_speed_time_sec = o->low_speed_time_sec,
        };
        int r;

        r = image_ref_parse(o->reference, &ref, &why);
        if (r < 0) {
                (void) asprintf(ret_reason, "invalid reference '%s': %s", o->reference, why ?: "invalid format");
                return r;
        }
        r = image_ref_to_string(ref, &name);
        if (r < 0)
                return r;

        auth_file = path_join(state_dir, "auth.json");
        if (!auth_file)
                return -ENOMEM;
        if (o->username) {
                copts.username = o->username;
                copts.password = o->password;
        } else if (registry_auth_lookup(auth_file, ref->domain, &user, &pass) >= 0) {
                copts.username = user;
                copts.password = pass;
        }

        r = registry_client_new(ref->domain, &copts, &client);
        if (r < 0) {
                (void) asprintf(ret_reason, "cannot talk to registry %s: %s", ref->domain, strerror(-r));
                return r;
        }

        r = registry_get_manifest(client, ref->path, ref->digest ?: ref->tag, &body, &size, &media_type, digest,
                                  ret_reason);
        if (r < 0)
                return r;

        if (streq(media_type, OCI_MEDIA_TYPE_INDEX) || streq(media_type, DOCKER_MEDIA_TYPE_MANIFEST_LIST)) {
                _cleanup_(oci_index_freep) OciIndex *idx = NULL;
                _cleanup_(oci_platform_done) OciPlatform want = {};
                const OciDescriptor *d;

                r = oci_index_parse(body, size, media_type, &idx, ret_reason);
                if (r < 0)
                        return r;
                r = o->platform ? oci_platform_parse(o->platform, &want) : oci_platform_host(&want);
                if (r < 0) {
                        (void) asprintf(ret_reason, "invalid --platform '%s' (expected os/arch[/variant])",
                                        strempty(o->platform));
                        return -EINVAL;
                }
                r = oci_index_select_platform(idx, want.os, want.architecture, want.variant, &d);
                if (r < 0) {
                        _cleanup_free_ char *have = NULL;
                        (void) oci_index_platforms_to_string(idx, &have);
                        (void) asprintf(ret_reason, "%s has no image for %s/%s%s%s (it has: %s)", name, want.os,
                                        want.architecture, want.variant ? "/" : "", strempty(want.variant),
                                        strempty(have));
                        return -ENOENT;
                }
                repo_ref = strdup(d->digest);
                if (!repo_ref)
                        return -ENOMEM;
                body = mfree(body);
                media_type = mfree(media_type);
                r = registry_get_manifest(client, ref->path, repo_ref, &body, &size, &media_type, digest, ret_reason);
                if (r < 0)
                        return r;
        }

        r = oci_manifest_parse(body, size, media_type, &manifest, ret_reason);
        if (r < 0)
                return r;

        /* A second pull of the same image waits for the first, then finds
         * everything in the store: each blob is downloaded once. */
        {
                _cleanup_free_ char *what = strjoin("image-", digest + strlen("sha256:"));
                if (!what)
                        return -ENOMEM;
                r = image_store_lock(state_dir, what, &image_lock);
                if (r < 0)
                        return r;
        }

        if (image_store_read_blob(state_dir, manifest->config.digest, 16 * 1024 * 1024, &config_data,
                                  &config_size) < 0) {
                r = registry_get_blob(client, ref->path, manifest->config.digest, 16 * 1024 * 1024, &config_data,
                                      &config_size, ret_reason);
                if (r < 0)
                        return r;
        }
        r = oci_image_config_parse(config_data, config_size, &config, ret_reason);
        if (r < 0)
                return r;
        if (config->n_diff_ids != manifest->n_layers) {
                (void) asprintf(ret_reason, "%s: the manifest has %zu layers but the config lists %zu diff_ids",
                                name, manifest->n_layers, config->n_diff_ids);
                return -EBADMSG;
        }

        jobs = calloc(manifest->n_layers + 1, sizeof(LayerJob));
        if (!jobs)
                return -ENOMEM;
        for (size_t i = 0; i < manifest->n_layers; i++) {
                LayerJob *j = &jobs[n_jobs++];

                *j = (LayerJob) {
                        .state_dir = state_dir,
                        .staging_dir = o->staging_dir,
                        .repo = ref->path,
                        .desc = &manifest->layers[i],
                        .diff_id = config->diff_ids[i],
                        .max_bytes = o->max_layer_bytes,
                        .progress_fd = o->progress_fd,
                        .lock = STORE_LOCK_NULL,
                        .blob_fd = -EBADF,
                        .feed_fd = -EBADF,
                        .stream_fd = -EBADF,
                };
                if (manifest->layers[i].foreign) {
                        (void) asprintf(ret_reason, "layer %s is a foreign layer, which nyx does not fetch",
                                        manifest->layers[i].digest);
                        r = -EOPNOTSUPP;
                        goto finish;
                }
                if (!image_ref_is_digest(j->diff_id)) {
                        (void) asprintf(ret_reason, "%s: the config's diff_id '%s' is not a sha256 digest", name,
                                        j->diff_id);
                        r = -EBADMSG;
                        goto finish;
                }
        }
        r = lock_layers(state_dir, jobs, n_jobs);
        if (r < 0)
                goto finish;
        for (size_t i = 0; i < n_jobs; i++) {
                LayerJob *j = &jobs[i];

                for (size_t k = 0; k < i; k++)
                        if (streq(jobs[k].diff_id, j->diff_id)) {
                                j->duplicate = true;   /* extracted once, by the first */
                                if (streq(jobs[k].desc->digest, j->desc->digest))
                                        j->have_blob = true;   /* and downloaded once */
                        }
                if (!j->have_blob)
                        j->have_blob = image_store_has_blob(state_dir, j->desc->digest);
                j->have_layer = image_store_has_layer(state_dir, j->diff_id);
                if (j->have_blob && (j->have_layer || j->duplicate))
                        report(o->progress_fd, j->desc->digest, "exists", j->desc->size, j->desc->size);
                else
                        report(o->progress_fd, j->desc->digest, "waiting", 0, j->desc->size);
                if (!j->have_blob) {
                        r = registry_client_new(ref->domain, &copts, &j->client);
                        if (r < 0)
                                goto finish;
                }
        }

        r = fetch_and_unpack(jobs, n_jobs);
        if (r < 0) {
                for (size_t i = 0; i < n_jobs; i++)
                        if (jobs[i].r < 0) {
                                free(*ret_reason);
                                *ret_reason = TAKE_PTR(jobs[i].reason);
                                break;
                        }
                goto finish;
        }

        r = commit(state_dir, jobs, n_jobs, manifest, config_data, config_size, digest, body, size, media_type, name,
                   ret_reason);
        if (r < 0) {
                if (!*ret_reason)
                        (void) asprintf(ret_reason, "cannot write %s to the store: %s", name, strerror(-r));
                goto finish;
        }

        *ret_image_id = strdup(manifest->config.digest);
        *ret_name = TAKE_PTR(name);
        r = *ret_image_id ? 0 : -ENOMEM;

finish:
        for (size_t i = 0; i < n_jobs; i++)
                layer_job_done(&jobs[i]);
        free(jobs);
        return r;
}
