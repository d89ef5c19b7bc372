/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>

#include "archive-dl.h"

static void *libarchive_dl = NULL;

DLSYM_DEFINE(archive_entry_copy_stat);
DLSYM_DEFINE(archive_entry_filetype);
DLSYM_DEFINE(archive_entry_free);
DLSYM_DEFINE(archive_entry_hardlink);
DLSYM_DEFINE(archive_entry_new);
DLSYM_DEFINE(archive_entry_pathname);
DLSYM_DEFINE(archive_entry_set_hardlink);
DLSYM_DEFINE(archive_entry_set_pathname);
DLSYM_DEFINE(archive_entry_set_size);
DLSYM_DEFINE(archive_entry_set_symlink);
DLSYM_DEFINE(archive_errno);
DLSYM_DEFINE(archive_error_string);
DLSYM_DEFINE(archive_read_data_block);
DLSYM_DEFINE(archive_read_free);
DLSYM_DEFINE(archive_read_new);
DLSYM_DEFINE(archive_read_next_header);
DLSYM_DEFINE(archive_read_open_fd);
DLSYM_DEFINE(archive_read_support_format_tar);
DLSYM_DEFINE(archive_write_close);
DLSYM_DEFINE(archive_write_data);
DLSYM_DEFINE(archive_write_data_block);
DLSYM_DEFINE(archive_write_disk_new);
DLSYM_DEFINE(archive_write_disk_set_options);
DLSYM_DEFINE(archive_write_finish_entry);
DLSYM_DEFINE(archive_write_free);
DLSYM_DEFINE(archive_write_header);
DLSYM_DEFINE(archive_write_new);
DLSYM_DEFINE(archive_write_open_fd);
DLSYM_DEFINE(archive_write_set_format_pax_restricted);

int dlopen_libarchive(const char **ret_error) {
        return dlopen_many_sym(&libarchive_dl, "libarchive.so.13", ret_error,
                               DLSYM_ARG(archive_entry_copy_stat),
                               DLSYM_ARG(archive_entry_filetype),
                               DLSYM_ARG(archive_entry_free),
                               DLSYM_ARG(archive_entry_hardlink),
                               DLSYM_ARG(archive_entry_new),
                               DLSYM_ARG(archive_entry_pathname),
                               DLSYM_ARG(archive_entry_set_hardlink),
                               DLSYM_ARG(archive_entry_set_pathname),
                               DLSYM_ARG(archive_entry_set_size),
                               DLSYM_ARG(archive_entry_set_symlink),
                               DLSYM_ARG(archive_errno),
                               DLSYM_ARG(archive_error_string),
                               DLSYM_ARG(archive_read_data_block),
                               DLSYM_ARG(archive_read_free),
                               DLSYM_ARG(archive_read_new),
                               DLSYM_ARG(archive_read_next_header),
                               DLSYM_ARG(archive_read_open_fd),
                               DLSYM_ARG(archive_read_support_format_tar),
                               DLSYM_ARG(archive_write_close),
                               DLSYM_ARG(archive_write_data),
                               DLSYM_ARG(archive_write_data_block),
                               DLSYM_ARG(archive_write_disk_new),
                               DLSYM_ARG(archive_write_disk_set_options),
                               DLSYM_ARG(archive_write_finish_entry),
                               DLSYM_ARG(archive_write_free),
                               DLSYM_ARG(archive_write_header),
                               DLSYM_ARG(archive_write_new),
                               DLSYM_ARG(archive_write_open_fd),
                               DLSYM_ARG(archive_write_set_format_pax_restricted),
                               NULL);
}
