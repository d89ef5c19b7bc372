/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The manager's lists (containers, volumes, ...) are arrays of pointers with
 * a count: append one, or remove one keeping the order. */

static inline int ptr_array_append(void ***array, size_t *n, void *p) {
        void **a = realloc(*array, (*n + 1) * sizeof(void *));

        if (!a)
                return -ENOMEM;
        a[(*n)++] = p;
        *array = a;
        return 0;
}

static inline bool ptr_array_remove(void **array, size_t *n, const void *p) {
        for (size_t i = 0; i < *n; i++)
                if (array[i] == p) {
                        memmove(array + i, array + i + 1, (*n - i - 1) * sizeof(void *));
                        (*n)--;
                        return true;
                }
        return false;
}
