/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Libraries that only a few commands need are loaded when first used, as systemd does: linking them
 * costs every start of the program the loading and relocation of them and all they depend on. */

/* Declares sym_NAME, a pointer with NAME's type. */
#define DLSYM_PROTOTYPE(name) extern typeof(name) *sym_##name
#define DLSYM_DEFINE(name) typeof(name) *sym_##name = NULL
/* For dlopen_many_sym(): the pointer to fill in and the symbol's name. */
#define DLSYM_ARG(name) (void **) &sym_##name, #name

/* dlopen()s soname once (the handle in *dl) and fills in every (void **ptr, const char *name) pair
 * up to a NULL. 0, or -EOPNOTSUPP when the library or a symbol is missing (ret_error says which). */
int dlopen_many_sym(void **dl, const char *soname, const char **ret_error, ...);
