/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Every parser of oci-manifest.h on the same bytes. Whatever a parser accepts must hold only
 * validated digests, bounded sizes and known media types; whatever it refuses must come with a
 * reason and leave *ret alone. The input as a string also goes through the platform and
 * timestamp parsers, and platforms must format and parse back to themselves. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci-manifest.h"
#include "string-util.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _noreturn_ void fail(const char *what, const char *detail) {
        fprintf(stderr, "%s: %s\n", what, strna(detail));
        abort();
}

static void check_descriptor(const OciDescriptor *d) {
        if (!digest_is_valid(d->digest))
                fail("accepted an invalid digest", d->digest);
        if (d->size > OCI_BLOB_SIZE_MAX)
                fail("accepted an absurd size", d->digest);
        if (isempty(d->media_type))
                fail("accepted a descriptor without media type", d->digest);
        if (d->has_platform && (isempty(d->platform.os) || isempty(d->platform.architecture)))
                fail("accepted a platform without os or architecture", d->digest);
}

static void check_failure(const char *what, int r, const void *ret, const char *reason) {
        if (ret)
                fail(what, "*ret written on failure");
        if (r != -ENOMEM && !reason)
                fail(what, "failed without a reason");
        if (!IN_SET(r, -EBADMSG, -EMEDIUMTYPE, -EPROTONOSUPPORT, -EFBIG, -ENOMEM))
                fail(what, "unexpected error code");
}

static void fuzz_manifest(const char *json, size_t size, const char *hint) {
        _cleanup_(oci_manifest_freep) OciManifest *m = NULL;
        _cleanup_free_ char *reason = NULL;
        int r;

        r = oci_manifest_parse(json, size, hint, &m, &reason);
        if (r < 0) {
                check_failure("manifest", r, m, reason);
                return;
        }
        if (reason)
                fail("manifest", "reason set on success");
        if (!oci_media_type_is_manifest(m->media_type))
                fail("manifest has a non-manifest media type", m->media_type);
        check_descriptor(&m->config);
        if (!oci_media_type_is_image_config(m->config.media_type))
                fail("manifest config has an unknown media type", m->config.media_type);
        if (m->n_layers > OCI_LAYERS_MAX)
                fail("manifest", "too many layers");
        for (size_t i = 0; i < m->n_layers; i++) {
                OciCompression c;
                bool foreign;

                check_descriptor(&m->layers[i]);
                if (oci_layer_media_type_parse(m->layers[i].media_type, &c, &foreign) < 0 ||
                    c != m->layers[i].compression || foreign != m->layers[i].foreign)
                        fail("manifest layer media type inconsistent", m->layers[i].media_type);
        }
        (void) oci_manifest_layers_size(m);
}

static void fuzz_index(const char *json, size_t size, const char *hint) {
        static const char *platforms[][3] = {
                { "linux", "amd64", NULL },
                { "linux", "arm64", NULL },
                { "linux", "arm64", "v8" },
                { "linux", "arm", NULL },
                { "linux", "arm", "v6" },
                { "windows", "amd64", NULL },
        };
        _cleanup_(oci_index_freep) OciIndex *idx = NULL;
        _cleanup_free_ char *reason = NULL, *list = NULL;
        OciPlatform host = {};
        const OciDescriptor *d;
        int r;

        r = oci_index_parse(json, size, hint, &idx, &reason);
        if (r < 0) {
                check_failure("index", r, idx, reason);
                return;
        }
        if (!oci_media_type_is_index(idx->media_type))
                fail("index has a non-index media type", idx->media_type);
        for (size_t i = 0; i < idx->n_manifests; i++)
                check_descriptor(&idx->manifests[i]);

        for (size_t i = 0; i < ELEMENTSOF(platforms); i++) {
                d = NULL;
                r = oci_index_select_platform(idx, platforms[i][0], platforms[i][1], platforms[i][2], &d);
                if (r >= 0 && (d < idx->manifests || d >= idx->manifests + idx->n_manifests ||
                               !oci_media_type_is_manifest(d->media_type)))
                        fail("select_platform returned something odd", platforms[i][1]);
                if (r < 0 && r != -ENXIO)
                        fail("select_platform failed", strerror(-r));
        }
        if (oci_platform_host(&host) >= 0) {
                (void) oci_index_select_platform(idx, host.os, host.architecture, host.variant, &d);
                oci_platform_done(&host);
        }
        if (oci_index_platforms_to_string(idx, &list) < 0)
                fail("index", "platforms_to_string failed");
}

static void fuzz_config(const char *json, size_t size) {
        _cleanup_(oci_image_config_freep) OciImageConfig *c = NULL;
        _cleanup_free_ char *reason = NULL;
        int r;

        r = oci_image_config_parse(json, size, &c, &reason);
        if (r < 0) {
                check_failure("config", r, c, reason);
                return;
        }
        if (c->json_size != size || memcmp(c->json, json, size) != 0 || c->json[size] != 0)
                fail("config", "original JSON not kept");
        if (c->n_diff_ids != strv_length(c->diff_ids))
                fail("config", "n_diff_ids wrong");
        STRV_FOREACH(d, c->diff_ids)
                if (!digest_is_valid(*d))
                        fail("config accepted a bad diff_id", *d);
        if (strv_length(c->labels) % 2 != 0)
                fail("config", "labels not in pairs");
        (void) oci_image_config_label(c, "maintainer");
}

static void fuzz_platform_string(const char *s) {
        _cleanup_free_ char *f = NULL, *g = NULL;
        OciPlatform p = {}, q = {};
        uint64_t u;

        (void) oci_timestamp_parse(s, &u);

        if (oci_platform_parse(s, &p) < 0)
                return;
        if (oci_platform_to_string(&p, &f) < 0)
                fail("platform accepted but not formattable", s);
        if (oci_platform_parse(f, &q) < 0)
                fail("platform formatted to something unparsable", f);
        if (oci_platform_to_string(&q, &g) < 0 || !streq(f, g))
                fail("platform does not round-trip", f);
        oci_platform_done(&p);
        oci_platform_done(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *hints[] = {
                NULL,
                OCI_MEDIA_TYPE_MANIFEST,
                DOCKER_MEDIA_TYPE_MANIFEST_LIST "; charset=utf-8",
                "application/json",
                DOCKER_MEDIA_TYPE_SCHEMA1_SIGNED,
        };
        const char *json = (const char *) data;
        const char *hint = hints[size % ELEMENTSOF(hints)];
        _cleanup_free_ char *mt = NULL, *s = NULL;
        int r;

        if (size > OCI_MANIFEST_SIZE_MAX + 16)
                return 0;

        r = oci_detect_media_type(json, size, &mt);
        if (r >= 0 && isempty(mt))
                fail("detect_media_type", "empty media type");

        fuzz_manifest(json, size, hint);
        fuzz_manifest(json, size, mt);
        fuzz_index(json, size, hint);
        fuzz_index(json, size, mt);
        fuzz_config(json, size);

        if (size < 256 && !memchr(data, 0, size)) {
                s = strndup(json, size);
                if (!s)
                        return 0;
                fuzz_platform_string(s);
        }
        return 0;
}
