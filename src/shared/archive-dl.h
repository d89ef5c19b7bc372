/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "dlopen-util.h"

/* libarchive for the programs that use it rarely (nyxctl cp): it brings libxml2, ICU and libstdc++
 * along, and loading them would cost every nyxctl command a few milliseconds. nyxd links it. */

DLSYM_PROTOTYPE(archive_entry_copy_stat);
DLSYM_PROTOTYPE(archive_entry_filetype);
DLSYM_PROTOTYPE(archive_entry_free);
DLSYM_PROTOTYPE(archive_entry_hardlink);
DLSYM_PROTOTYPE(archive_entry_new);
DLSYM_PROTOTYPE(archive_entry_pathname);
DLSYM_PROTOTYPE(archive_entry_set_hardlink);
DLSYM_PROTOTYPE(archive_entry_set_pathname);
DLSYM_PROTOTYPE(archive_entry_set_size);
DLSYM_PROTOTYPE(archive_entry_set_symlink);
DLSYM_PROTOTYPE(archive_errno);
DLSYM_PROTOTYPE(archive_error_string);
DLSYM_PROTOTYPE(archive_read_data_block);
DLSYM_PROTOTYPE(archive_read_free);
DLSYM_PROTOTYPE(archive_read_new);
DLSYM_PROTOTYPE(archive_read_next_header);
DLSYM_PROTOTYPE(archive_read_open_fd);
DLSYM_PROTOTYPE(archive_read_support_format_tar);
DLSYM_PROTOTYPE(archive_write_close);
DLSYM_PROTOTYPE(archive_write_data);
DLSYM_PROTOTYPE(archive_write_data_block);
DLSYM_PROTOTYPE(archive_write_disk_new);
DLSYM_PROTOTYPE(archive_write_disk_set_options);
DLSYM_PROTOTYPE(archive_write_finish_entry);
DLSYM_PROTOTYPE(archive_write_free);
DLSYM_PROTOTYPE(archive_write_header);
DLSYM_PROTOTYPE(archive_write_new);
DLSYM_PROTOTYPE(archive_write_open_fd);
DLSYM_PROTOTYPE(archive_write_set_format_pax_restricted);

/* 0, or -EOPNOTSUPP with the loader's message in *ret_error. */
int dlopen_libarchive(const char **ret_error);

static inline void sym_archive_entry_freep(struct archive_entry **e) {
        if (*e)
                sym_archive_entry_free(*e);
}
static inline void sym_archive_read_freep(struct archive **a) {
        if (*a)
                sym_archive_read_free(*a);
}
static inline void sym_archive_write_freep(struct archive **a) {
        if (*a)
                sym_archive_write_free(*a);
}
