/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Whatever image_ref_parse() accepts must format to a canonical string that parses back to the same
 * reference, and so must its familiar form; whatever it refuses must come with a reason. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image-ref.h"
#include "string-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _noreturn_ void fail(const char *what, const char *input, const char *a, const char *b) {
        fprintf(stderr, "%s\n  input: \"%s\"\n  got:   \"%s\"\n  then:  \"%s\"\n", what, input, strna(a), strna(b));
        abort();
}

#define IN_SET_TAG_OR_DIGEST(c) ((c) == ':' || (c) == '@')

static bool image_ref_equal(const ImageRef *a, const ImageRef *b) {
        return streq_ptr(a->domain, b->domain) && streq_ptr(a->path, b->path) &&
                streq_ptr(a->tag, b->tag) && streq_ptr(a->digest, b->digest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL, *again = NULL, *familiar_ref = NULL;
        _cleanup_free_ char *input = NULL, *canonical = NULL, *canonical_again = NULL,
                *familiar = NULL, *familiar_canonical = NULL, *repository = NULL;
        const char *reason = NULL;
        int r;

        /* A reference is a C string: inputs with a NUL in them cannot be given. Nor are long ones
         * interesting past the length limits. */
        if (size > 4096 || memchr(data, 0, size))
                return 0;

        input = strndup((const char *) data, size);
        if (!input)
                return 0;

        (void) image_ref_is_digest(input);
        if (size == 64 && !startswith(input, "sha256:") && image_id_prefix_valid(input) &&
            image_ref_parse(input, &ref, NULL) >= 0)
                fail("a full image ID parsed as a repository name", input, ref->path, NULL);

        r = image_ref_parse(input, &ref, &reason);
        if (r == -ENOMEM)
                return 0;
        if (r < 0) {
                if (r != -EINVAL)
                        fail("parse failed with something else than -EINVAL", input, strerror(-r), NULL);
                if (isempty(reason))
                        fail("parse failed without a reason", input, NULL, NULL);
                return 0;
        }

        if (isempty(ref->domain) || isempty(ref->path) || (!ref->tag && !ref->digest))
                fail("parse returned an incomplete reference", input, ref->domain, ref->path);
        if (ref->digest && !image_ref_is_digest(ref->digest))
                fail("parse accepted a digest image_ref_is_digest() refuses", input, ref->digest, NULL);

        if (image_ref_to_string(ref, &canonical) < 0)
                return 0;
        if (image_ref_parse(canonical, &again, &reason) < 0)
                fail("canonical form does not parse", input, canonical, reason);
        if (!image_ref_equal(ref, again))
                fail("canonical form parses to a different reference", input, canonical, again->path);
        if (image_ref_to_string(again, &canonical_again) < 0)
                return 0;
        if (!streq(canonical, canonical_again))
                fail("canonical form is not stable", input, canonical, canonical_again);

        if (image_ref_to_familiar(ref, &familiar) < 0)
                return 0;
        if (image_ref_parse(familiar, &familiar_ref, &reason) < 0)
                fail("familiar form does not parse", input, familiar, reason);
        if (image_ref_to_string(familiar_ref, &familiar_canonical) < 0)
                return 0;
        if (!streq(canonical, familiar_canonical))
                fail("familiar form means another reference", input, familiar, familiar_canonical);

        if (image_ref_repository(ref, &repository) < 0)
                return 0;
        if (!startswith(canonical, repository) ||
            !IN_SET_TAG_OR_DIGEST(canonical[strlen(repository)]))
                fail("repository is not the canonical form without tag and digest", input, repository, canonical);

        return 0;
}
