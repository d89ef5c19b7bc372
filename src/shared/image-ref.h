/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Image references as docker and podman understand them ("busybox",
 * "quay.io/a/b:tag", "localhost:5000/x@sha256:..."), parsed and normalized the
 * way github.com/distribution/reference's ParseNormalizedNamed() does. Pure: no
 * I/O, no logging. */

#include <stdbool.h>

#include "macro.h"

#define IMAGE_REF_DEFAULT_DOMAIN "docker.io"
#define IMAGE_REF_DEFAULT_TAG "latest"
#define IMAGE_REF_PATH_MAX 255U
#define IMAGE_REF_TAG_MAX 128U

typedef struct ImageRef {
        char *domain;   /* "docker.io", "127.0.0.1:5000", "[::1]:5000", "localhost" ... never NULL after parsing */
        char *path;     /* "library/busybox", "a/b/c" */
        char *tag;      /* NULL when none given and a digest was; "latest" when neither given */
        char *digest;   /* "sha256:<64 hex>", "sha512:<128 hex>" or NULL */
} ImageRef;

ImageRef *image_ref_free(ImageRef *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(ImageRef *, image_ref_free);

/* Parses and normalizes s: "busybox" → docker.io/library/busybox:latest, "index.docker.io/x/y" →
 * docker.io/x/y:latest. Returns 0, -EINVAL on bad input or -ENOMEM. On -EINVAL, *ret_reason (if
 * ret_reason is non-NULL) is set to a static sentence naming what is wrong, e.g. "repository name
 * must be lowercase"; it is not touched otherwise. */
int image_ref_parse(const char *s, ImageRef **ret, const char **ret_reason);

/* The canonical form: domain/path[:tag][@digest], e.g. "docker.io/library/busybox:latest". */
int image_ref_to_string(const ImageRef *r, char **ret);

/* The form docker prints: "busybox:latest", "user/app:1", "127.0.0.1:5000/x:tag". Parsing it
 * again yields the same reference. */
int image_ref_to_familiar(const ImageRef *r, char **ret);

/* domain/path, without tag or digest: "docker.io/library/busybox". */
int image_ref_repository(const ImageRef *r, char **ret);

/* "sha256:<64 lowercase hex>" or "sha512:<128 lowercase hex>" (the OCI registered algorithms). */
bool image_ref_is_digest(const char *s);

/* An image ID or a prefix of one as users type it: 1 to 64 lowercase hex digits, optionally
 * after "sha256:" ("abc123", "sha256:abc123"). Whether it names an image is for the store to say;
 * like docker, look the string up as a reference first. */
bool image_id_prefix_valid(const char *s);
