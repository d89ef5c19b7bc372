/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive_entry *, archive_entry_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_write_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free);

/* Write the tree at name (relative to dir_fd) into the archive a, named
 * archive_name and archive_name/... below it, as `tar` would: symlinks are
 * stored as symlinks, never followed (name's own included: "." for the
 * directory dir_fd itself), every descent goes through an fd opened with
 * O_NOFOLLOW, so nothing outside dir_fd's tree is read even if the tree
 * changes meanwhile. Regular files, directories, symlinks, FIFOs and device
 * nodes are stored; sockets are skipped. Returns 0, or a negative errno with
 * a reason naming the entry. */
int tar_write_tree(struct archive *a, int dir_fd, const char *name, const char *archive_name, char **ret_reason);
