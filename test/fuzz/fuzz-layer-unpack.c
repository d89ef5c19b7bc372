/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Feeds the input, as a (possibly gzip/zstd-compressed) tar stream, to layer_unpack() into a fresh
 * <base>/layer, and aborts if anything shows up beside it in <base>, or inside <base>/sentinel.
 * <base> lives in $FUZZ_TMPDIR (default /tmp); a tmpfs is best. Run as root to reach the chown,
 * mknod and xattr paths. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "layer-unpack.h"
#include "path-util.h"
#include "string-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *base, *layer, *sentinel;

static void cleanup(void) {
        if (base)
                (void) rm_rf(base);
}

static void setup_once(void) {
        const char *tmp = getenv("FUZZ_TMPDIR") ?: "/tmp";
        struct rlimit rl;

        if (base)
                return;
        /* rm_rf() holds one fd per level, and inputs can nest directories ~2000 deep */
        if (getrlimit(RLIMIT_NOFILE, &rl) >= 0) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
        base = path_join(tmp, "fuzz-layer-unpack-XXXXXX");
        if (!base || !mkdtemp(base))
                abort();
        layer = path_join(base, "layer");
        sentinel = path_join(base, "sentinel");
        if (!layer || !sentinel || mkdir(sentinel, 0755) < 0)
                abort();
        atexit(cleanup);
}

static size_t count_entries(const char *path, const char *except) {
        _cleanup_closedir_ DIR *d = opendir(path);
        struct dirent *de;
        size_t n = 0;

        if (!d)
                abort();
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") &&
                    !streq(de->d_name, "layer") && !streq_ptr(de->d_name, except))
                        n++;
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const UnpackOptions opts = {
                .max_uncompressed_bytes = 64U << 20,
                .preserve_ownership = true,
                .allow_devices = false,
        };
        _cleanup_close_ int input_fd = -EBADF, layer_fd = -EBADF;
        _cleanup_free_ char *reason = NULL;
        UnpackResult result;
        int r;

        setup_once();

        input_fd = memfd_create("fuzz-layer", MFD_CLOEXEC);
        if (input_fd < 0)
                abort();
        for (size_t done = 0; done < size;) {
                ssize_t k = write(input_fd, data + done, size - done);
                if (k <= 0)
                        abort();
                done += (size_t) k;
        }
        if (lseek(input_fd, 0, SEEK_SET) < 0)
                abort();

        if (mkdir(layer, 0755) < 0)
                abort();
        layer_fd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (layer_fd < 0)
                abort();

        r = layer_unpack(input_fd, layer_fd, &opts, &result, &reason);
        if (r >= 0 && (result.uncompressed_size > opts.max_uncompressed_bytes ||
                       !startswith(result.diff_id, "sha256:") || strlen(result.diff_id) != 7 + 64))
                abort();
        if (r < 0 && !reason && r != -ENOMEM)
                abort(); /* every failure explains itself */

        /* Nothing may have escaped the layer directory. */
        if (count_entries(base, "sentinel") != 0 || count_entries(sentinel, NULL) != 0) {
                fprintf(stderr, "escaped the layer directory! r=%d reason=%s\n", r, strna(reason));
                abort();
        }

        layer_fd = safe_close(layer_fd);
        if (rm_rf(layer) < 0)
                abort();
        return 0;
}
