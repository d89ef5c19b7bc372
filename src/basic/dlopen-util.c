/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>

#include "dlopen-util.h"

int dlopen_many_sym(void **dl, const char *soname, const char **ret_error, ...) {
        void *h;
        va_list ap;

        if (*dl)
                return 0;

        h = dlopen(soname, RTLD_NOW | RTLD_NODELETE);
        if (!h) {
                if (ret_error)
                        *ret_error = dlerror();
                return -EOPNOTSUPP;
        }

        va_start(ap, ret_error);
        for (;;) {
                void **ptr = va_arg(ap, void **);
                const char *name;

                if (!ptr)
                        break;
                name = va_arg(ap, const char *);
                *ptr = dlsym(h, name);
                if (!*ptr) {
                        va_end(ap);
                        /* No dlclose(): it would free the message, and RTLD_NODELETE keeps the
                         * library anyway. */
                        if (ret_error)
                                *ret_error = dlerror();
                        return -EOPNOTSUPP;
                }
        }
        va_end(ap);

        *dl = h;
        return 0;
}
