/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Runs a libFuzzer entry point over corpus files without libFuzzer, so that the seed corpora run as
 * ordinary tests with any compiler: fuzz-foo DIR|FILE... calls LLVMFuzzerTestOneInput() once for every
 * file given and every file in every directory given (not recursing), in name order, and prints
 * "N inputs ok". A crash or abort() in the entry point fails the test. */

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
        uint8_t *data = NULL;
        size_t size = 0, allocated = 0;
        FILE *f;

        f = fopen(path, "re");
        if (!f) {
                fprintf(stderr, "Failed to open %s: %s\n", path, strerror(errno));
                return -errno;
        }

        for (;;) {
                size_t k;

                if (size == allocated) {
                        size_t n = allocated ? allocated * 2 : 4096;
                        uint8_t *p = realloc(data, n);

                        if (!p) {
                                free(data);
                                fclose(f);
                                return -ENOMEM;
                        }
                        data = p;
                        allocated = n;
                }

                k = fread(data + size, 1, allocated - size, f);
                size += k;
                if (k == 0)
                        break;
        }
        if (ferror(f)) {
                fprintf(stderr, "Failed to read %s\n", path);
                free(data);
                fclose(f);
                return -EIO;
        }
        fclose(f);

        /* An exact-size copy, so that ASan catches reads past the end of the input. */
        uint8_t *exact = malloc(size ? size : 1);
        if (!exact) {
                free(data);
                return -ENOMEM;
        }
        if (size > 0)
                memcpy(exact, data, size);
        free(data);

        (void) LLVMFuzzerTestOneInput(exact, size);
        free(exact);
        return 0;
}

static int is_visible(const struct dirent *de) {
        return de->d_name[0] != '.';
}

static int run_path(const char *path, unsigned *n_inputs) {
        struct dirent **entries = NULL;
        struct stat st;
        int n, r = 0;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "Failed to stat %s: %s\n", path, strerror(errno));
                return -errno;
        }

        if (!S_ISDIR(st.st_mode)) {
                r = run_file(path);
                if (r >= 0)
                        (*n_inputs)++;
                return r;
        }

        n = scandir(path, &entries, is_visible, alphasort);
        if (n < 0) {
                fprintf(stderr, "Failed to list %s: %s\n", path, strerror(errno));
                return -errno;
        }

        for (int i = 0; i < n; i++) {
                char *p = NULL;

                if (r >= 0) {
                        if (asprintf(&p, "%s/%s", path, entries[i]->d_name) < 0)
                                r = -ENOMEM;
                        else if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
                                r = run_file(p);
                                if (r >= 0)
                                        (*n_inputs)++;
                        }
                }
                free(p);
                free(entries[i]);
        }
        free(entries);
        return r;
}

int main(int argc, char **argv) {
        unsigned n_inputs = 0;

        if (argc < 2) {
                fprintf(stderr, "Usage: %s DIR|FILE...\n", argv[0]);
                return EXIT_FAILURE;
        }

        for (int i = 1; i < argc; i++)
                if (run_path(argv[i], &n_inputs) < 0)
                        return EXIT_FAILURE;

        printf("%u inputs ok\n", n_inputs);
        return EXIT_SUCCESS;
}
