/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* OCI image manifests, indexes and image configurations, and their Docker schema 2 twins, parsed
 * into structs and validated. Pure: no I/O (except oci_platform_host(), which asks uname()), no
 * logging. Every input is untrusted: sizes are bounded, nesting is bounded, every digest and size
 * is checked, unknown media types are refused, and Docker schema 1 is refused with a sentence
 * saying so.
 *
 * Errors: -EBADMSG for input that is not what it claims to be (not JSON, wrong shape, bad digest,
 * bad size, missing field), -EMEDIUMTYPE for a well-formed document of a kind nyx does not handle
 * (unknown layer type, an artifact instead of an image, an index where a manifest was expected),
 * -EPROTONOSUPPORT for Docker schema 1, -EFBIG for input over the size limits, -ENOMEM. On failure,
 * if ret_reason is non-NULL, *ret_reason (which must be NULL or a malloc'ed string; it is replaced)
 * receives a malloc'ed sentence naming what is wrong (NULL only when out of memory). On success
 * neither *ret nor *ret_reason is touched except *ret being set. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* OCI image-spec v1.1 */
#define OCI_MEDIA_TYPE_MANIFEST                 "application/vnd.oci.image.manifest.v1+json"
#define OCI_MEDIA_TYPE_INDEX                    "application/vnd.oci.image.index.v1+json"
#define OCI_MEDIA_TYPE_CONFIG                   "application/vnd.oci.image.config.v1+json"
#define OCI_MEDIA_TYPE_LAYER                    "application/vnd.oci.image.layer.v1.tar"
#define OCI_MEDIA_TYPE_LAYER_GZIP               "application/vnd.oci.image.layer.v1.tar+gzip"
#define OCI_MEDIA_TYPE_LAYER_ZSTD               "application/vnd.oci.image.layer.v1.tar+zstd"
#define OCI_MEDIA_TYPE_LAYER_NONDIST            "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define OCI_MEDIA_TYPE_LAYER_NONDIST_GZIP       "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define OCI_MEDIA_TYPE_LAYER_NONDIST_ZSTD       "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"

/* Docker image manifest v2 schema 2 */
#define DOCKER_MEDIA_TYPE_MANIFEST              "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_MEDIA_TYPE_MANIFEST_LIST         "application/vnd.docker.distribution.manifest.list.v2+json"
#define DOCKER_MEDIA_TYPE_CONFIG                "application/vnd.docker.container.image.v1+json"
#define DOCKER_MEDIA_TYPE_LAYER                 "application/vnd.docker.image.rootfs.diff.tar"
#define DOCKER_MEDIA_TYPE_LAYER_GZIP            "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define DOCKER_MEDIA_TYPE_LAYER_FOREIGN_GZIP    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

/* Docker schema 1: detected only to be refused. */
#define DOCKER_MEDIA_TYPE_SCHEMA1               "application/vnd.docker.distribution.manifest.v1+json"
#define DOCKER_MEDIA_TYPE_SCHEMA1_SIGNED        "application/vnd.docker.distribution.manifest.v1+prettyjws"

/* Limits. Manifests and configs: 4 MiB like containers/image; a blob: 1 TiB. */
#define OCI_MANIFEST_SIZE_MAX   (UINT64_C(4) * 1024 * 1024)
#define OCI_CONFIG_SIZE_MAX     (UINT64_C(4) * 1024 * 1024)
#define OCI_BLOB_SIZE_MAX       (UINT64_C(1) << 40)
#define OCI_LAYERS_MAX          1024U
#define OCI_INDEX_ENTRIES_MAX   4096U
#define OCI_JSON_DEPTH_MAX      32

/* "sha256:" + 64 hex digits + NUL */
#define SHA256_DIGEST_STRING_MAX 72

typedef enum OciCompression {
        OCI_COMPRESSION_NONE,
        OCI_COMPRESSION_GZIP,
        OCI_COMPRESSION_ZSTD,
} OciCompression;

typedef struct OciPlatform {
        char *os;               /* "linux" */
        char *architecture;     /* GOARCH: "amd64", "arm64", "arm", "ppc64le", ... */
        char *variant;          /* "v8", "v7" or NULL */
        char *os_version;       /* "os.version", Windows only in practice; or NULL */
} OciPlatform;

typedef struct OciDescriptor {
        char *media_type;
        char digest[SHA256_DIGEST_STRING_MAX];  /* validated "sha256:<64 lowercase hex>" */
        uint64_t size;                          /* validated <= OCI_BLOB_SIZE_MAX */
        OciCompression compression;             /* layers only */
        bool foreign;                           /* layers only: non-distributable / foreign ("urls" are ignored) */
        bool has_platform;                      /* index entries only */
        OciPlatform platform;
} OciDescriptor;

typedef struct OciManifest {
        char *media_type;       /* OCI_MEDIA_TYPE_MANIFEST or DOCKER_MEDIA_TYPE_MANIFEST */
        OciDescriptor config;   /* media type OCI_MEDIA_TYPE_CONFIG or DOCKER_MEDIA_TYPE_CONFIG */
        OciDescriptor *layers;  /* bottom first */
        size_t n_layers;
} OciManifest;

typedef struct OciIndex {
        char *media_type;       /* OCI_MEDIA_TYPE_INDEX or DOCKER_MEDIA_TYPE_MANIFEST_LIST */
        OciDescriptor *manifests;
        size_t n_manifests;
} OciIndex;

typedef struct OciHealthcheck {
        char **test;            /* ["CMD", ...], ["CMD-SHELL", "..."], ["NONE"] or NULL (inherit) */
        uint64_t interval_usec; /* 0 = default */
        uint64_t timeout_usec;
        uint64_t start_period_usec;
        uint64_t start_interval_usec;
        unsigned retries;       /* 0 = default */
} OciHealthcheck;

typedef struct OciHistory {
        char *created;          /* RFC 3339 as written, or NULL */
        char *created_by;
        char *author;
        char *comment;
        bool empty_layer;
} OciHistory;

typedef struct OciImageConfig {
        char *architecture;     /* NULL when the image does not say */
        char *os;
        char *variant;
        char *created;          /* RFC 3339 as written, or NULL */
        uint64_t created_usec;  /* parsed; 0 if absent, unparsable or before 1970 */
        char *author;

        /* "config" */
        char *user;
        char **env;             /* "KEY=value" as written */
        char **entrypoint;
        char **cmd;
        char *working_dir;
        char **exposed_ports;   /* keys: "80/tcp", "53/udp" */
        char **labels;          /* key, value, key, value, ..., NULL */
        char *stop_signal;
        char **volumes;         /* keys: "/data" */
        OciHealthcheck *healthcheck;    /* NULL when the image has none */

        char **diff_ids;        /* rootfs.diff_ids, validated sha256 digests, bottom first */
        size_t n_diff_ids;
        OciHistory *history;
        size_t n_history;

        char *json;             /* the original document, NUL-terminated (inspect prints it) */
        size_t json_size;
} OciImageConfig;

OciManifest *oci_manifest_free(OciManifest *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(OciManifest *, oci_manifest_free);
OciIndex *oci_index_free(OciIndex *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(OciIndex *, oci_index_free);
OciImageConfig *oci_image_config_free(OciImageConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(OciImageConfig *, oci_image_config_free);
void oci_platform_done(OciPlatform *p);

/* Media type classification. Parameters (";charset=utf-8") are not accepted here; see
 * oci_media_type_strip(). */
bool oci_media_type_is_manifest(const char *mt);        /* OCI manifest or Docker schema 2 */
bool oci_media_type_is_index(const char *mt);           /* OCI index or Docker manifest list */
bool oci_media_type_is_schema1(const char *mt);
bool oci_media_type_is_image_config(const char *mt);
/* A layer media type nyx can extract: sets compression and whether it is a foreign layer.
 * Returns 0, or -EMEDIUMTYPE for anything else (encrypted layers, artifacts, ...). */
int oci_layer_media_type_parse(const char *mt, OciCompression *ret_compression, bool *ret_foreign);
const char *oci_compression_to_string(OciCompression c);

/* "application/vnd.oci.image.manifest.v1+json; charset=utf-8" → malloc'ed
 * "application/vnd.oci.image.manifest.v1+json" (lowercased, trimmed). */
int oci_media_type_strip(const char *content_type, char **ret);

/* The media type of a manifest-like document: its "mediaType" field, or when absent (OCI allows
 * it) by shape: "manifests" → index, "config"+"layers" → manifest, schemaVersion 1 or "fsLayers" →
 * schema 1, "rootfs" → image config. Returns 0 and a malloc'ed string, -EBADMSG for non-JSON,
 * -EMEDIUMTYPE when the shape says nothing. */
int oci_detect_media_type(const char *json, size_t size, char **ret);

/* media_type_hint: the registry's Content-Type or the descriptor's mediaType the document was
 * found through, or NULL. Generic types ("application/json", "application/octet-stream",
 * "text/plain") are ignored; a known manifest type that contradicts the document's own
 * "mediaType" is an error. */
int oci_manifest_parse(const char *json, size_t size, const char *media_type_hint, OciManifest **ret, char **ret_reason);
int oci_index_parse(const char *json, size_t size, const char *media_type_hint, OciIndex **ret, char **ret_reason);
int oci_image_config_parse(const char *json, size_t size, OciImageConfig **ret, char **ret_reason);

/* The value of a label, or NULL. */
const char *oci_image_config_label(const OciImageConfig *c, const char *key);

/* Sum of the layer sizes (the download size). */
uint64_t oci_manifest_layers_size(const OciManifest *m);

/* Platforms. Normalization follows containerd's (which docker uses): aarch64 → arm64,
 * x86_64/x86-64 → amd64, i386 → 386, armhf → arm/v7, armel → arm/v6; arm64's "v8" and amd64's
 * "v1" are the defaults and equal to no variant; arm without variant is arm/v7. */

/* "linux/arm64/v8", "linux/amd64", "arm64" (→ linux/arm64). Components are lowercased and
 * normalized as above, except that the variant is kept as given (NULL when none). -EINVAL on
 * malformed input. On success *ret is overwritten (call oci_platform_done() later). */
int oci_platform_parse(const char *s, OciPlatform *ret);
/* "linux/arm64/v8", "linux/amd64". */
int oci_platform_to_string(const OciPlatform *p, char **ret);
/* The platform this machine runs natively, from uname(): x86_64 → linux/amd64, aarch64 →
 * linux/arm64, armv7l → linux/arm/v7, armv6l → linux/arm/v6, i686 → linux/386, ppc64le, s390x,
 * riscv64 ... -EOPNOTSUPP for an architecture with no GOARCH name. */
int oci_platform_host(OciPlatform *ret);

/* Pick the manifest for a platform from an index, the way docker does: os and architecture must
 * match after normalization; variant NULL means the architecture's default (amd64: none, arm64: v8,
 * arm: v7, falling back to v6 then v5 for arm); an explicit variant must match exactly (after
 * normalization, so arm64/v8 matches an entry without variant). Only manifest entries count (not
 * nested indexes, not attestation entries with platform unknown/unknown). The first match in
 * index order wins. Returns 0, -ENXIO when nothing matches (oci_index_platforms_to_string() says
 * what there is), -EINVAL on bad arguments. *ret points into idx. */
int oci_index_select_platform(const OciIndex *idx, const char *os, const char *arch, const char *variant,
                              const OciDescriptor **ret);
/* "linux/amd64, linux/arm64/v8" — the platforms of the index's manifest entries, for messages. */
int oci_index_platforms_to_string(const OciIndex *idx, char **ret);

/* RFC 3339 ("2024-05-01T12:00:00.123456789Z", "...+02:00") → µs since the epoch.
 * -EINVAL if malformed, -ERANGE before 1970. */
int oci_timestamp_parse(const char *s, uint64_t *ret_usec);

/* Digests: only sha256, the one every registry and nyx's store use. */
bool digest_is_valid(const char *s);    /* "sha256:<64 lowercase hex>" */
int sha256_digest_of(const void *p, size_t n, char ret[static SHA256_DIGEST_STRING_MAX]);
void sha256_digest_format(const uint8_t md[static 32], char ret[static SHA256_DIGEST_STRING_MAX]);
