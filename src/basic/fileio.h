/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Read a whole file (at most max_size bytes, 0 = 64 MiB); NUL-terminated. */
int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size);

/* Read the first line, without the newline. */
int read_one_line_file(const char *path, char **ret);

/* Write atomically: a temporary file beside path, fsync, rename over path,
 * fsync the directory. Readers see the old or the new content, never half. */
int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode);

/* Write a string to an existing file (sysfs, procfs, cgroupfs). */
int write_string_file(const char *path, const char *s);
