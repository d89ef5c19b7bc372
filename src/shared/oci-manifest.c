/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <time.h>

#include "oci-manifest.h"
#include "string-util.h"
#include "strv.h"

/* References: opencontainers/image-spec (manifest.md, image-index.md, config.md, descriptor.md,
 * media-types.md), distribution/distribution docs/spec/manifest-v2-2.md, containerd/platforms
 * (normalization and matching as docker uses them). */

static inline void json_object_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_object_putp)

/* Sets *ret_reason (replacing what was there) and returns r. */
_printf_(3, 4)
static int fail(char **ret_reason, int r, const char *fmt, ...) {
        va_list ap;
        char *s = NULL;

        if (!ret_reason)
                return r;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);

        free(*ret_reason);
        *ret_reason = s;
        return r;
}

/* A short, printable rendering of an untrusted string for messages. */
static void shorten(const char *s, char buf[static 72]) {
        size_t i = 0;

        for (; s && *s && i < 64; s++)
                buf[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
        if (s && *s) {
                memcpy(buf + i, "...", 3);
                i += 3;
        }
        buf[i] = 0;
}

/* ---- digests ---- */

bool digest_is_valid(const char *s) {
        const char *h;

        if (!s)
                return false;
        h = startswith(s, "sha256:");
        if (!h)
                return false;
        for (size_t i = 0; i < 64; i++)
                if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
                        return false;
        return h[64] == 0;
}

void sha256_digest_format(const uint8_t md[static 32], char ret[static SHA256_DIGEST_STRING_MAX]) {
        static const char hex[] = "0123456789abcdef";

        memcpy(ret, "sha256:", 7);
        for (size_t i = 0; i < 32; i++) {
                ret[7 + 2 * i] = hex[md[i] >> 4];
                ret[7 + 2 * i + 1] = hex[md[i] & 15];
        }
        ret[7 + 64] = 0;
}

int sha256_digest_of(const void *p, size_t n, char ret[static SHA256_DIGEST_STRING_MAX]) {
        uint8_t md[EVP_MAX_MD_SIZE];
        unsigned md_len = 0;

        if (!p && n > 0)
                return -EINVAL;
        if (EVP_Digest(p ?: "", n, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32)
                return -EIO;
        sha256_digest_format(md, ret);
        return 0;
}

/* ---- media types ---- */

bool oci_media_type_is_manifest(const char *mt) {
        return mt && (streq(mt, OCI_MEDIA_TYPE_MANIFEST) || streq(mt, DOCKER_MEDIA_TYPE_MANIFEST));
}

bool oci_media_type_is_index(const char *mt) {
        return mt && (streq(mt, OCI_MEDIA_TYPE_INDEX) || streq(mt, DOCKER_MEDIA_TYPE_MANIFEST_LIST));
}

bool oci_media_type_is_schema1(const char *mt) {
        return mt && (streq(mt, DOCKER_MEDIA_TYPE_SCHEMA1) || streq(mt, DOCKER_MEDIA_TYPE_SCHEMA1_SIGNED));
}

bool oci_media_type_is_image_config(const char *mt) {
        return mt && (streq(mt, OCI_MEDIA_TYPE_CONFIG) || streq(mt, DOCKER_MEDIA_TYPE_CONFIG));
}

int oci_layer_media_type_parse(const char *mt, OciCompression *ret_compression, bool *ret_foreign) {
        static const struct {
                const char *media_type;
                OciCompression compression;
                bool foreign;
        } table[] = {
                { OCI_MEDIA_TYPE_LAYER,                 OCI_COMPRESSION_NONE, false },
                { OCI_MEDIA_TYPE_LAYER_GZIP,            OCI_COMPRESSION_GZIP, false },
                { OCI_MEDIA_TYPE_LAYER_ZSTD,            OCI_COMPRESSION_ZSTD, false },
                { OCI_MEDIA_TYPE_LAYER_NONDIST,         OCI_COMPRESSION_NONE, true  },
                { OCI_MEDIA_TYPE_LAYER_NONDIST_GZIP,    OCI_COMPRESSION_GZIP, true  },
                { OCI_MEDIA_TYPE_LAYER_NONDIST_ZSTD,    OCI_COMPRESSION_ZSTD, true  },
                { DOCKER_MEDIA_TYPE_LAYER,              OCI_COMPRESSION_NONE, false },
                { DOCKER_MEDIA_TYPE_LAYER_GZIP,         OCI_COMPRESSION_GZIP, false },
                { DOCKER_MEDIA_TYPE_LAYER_FOREIGN_GZIP, OCI_COMPRESSION_GZIP, true  },
        };

        if (!mt)
                return -EMEDIUMTYPE;
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(mt, table[i].media_type)) {
                        if (ret_compression)
                                *ret_compression = table[i].compression;
                        if (ret_foreign)
                                *ret_foreign = table[i].foreign;
                        return 0;
                }
        return -EMEDIUMTYPE;
}

const char *oci_compression_to_string(OciCompression c) {
        switch (c) {
        case OCI_COMPRESSION_NONE:
                return "none";
        case OCI_COMPRESSION_GZIP:
                return "gzip";
        case OCI_COMPRESSION_ZSTD:
                return "zstd";
        }
        return NULL;
}

int oci_media_type_strip(const char *content_type, char **ret) {
        const char *b, *e;
        char *s;

        if (!content_type)
                return -EINVAL;

        b = content_type + strspn(content_type, " \t");
        e = b + strcspn(b, ";");
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
        if (e == b)
                return -EINVAL;

        s = strndup(b, e - b);
        if (!s)
                return -ENOMEM;
        *ret = ascii_strlower(s);
        return 0;
}

static bool media_type_is_generic(const char *mt) {
        return !mt || isempty(mt) ||
                streq(mt, "application/json") ||
                streq(mt, "application/octet-stream") ||
                streq(mt, "text/plain") ||
                streq(mt, "binary/octet-stream");
}

/* ---- JSON helpers ---- */

static int json_parse_document(const char *what, const char *s, size_t n, uint64_t max,
                               json_object **ret, char **ret_reason) {
        _cleanup_json_ json_object *o = NULL;
        struct json_tokener *tok;
        enum json_tokener_error e;
        size_t end;

        if (!s && n > 0)
                return -EINVAL;
        if (n > max)
                return fail(ret_reason, -EFBIG, "%s is %zu bytes, more than the limit of %" PRIu64 " bytes",
                            what, n, max);
        if (n == 0)
                return fail(ret_reason, -EBADMSG, "%s is empty", what);
        if (memchr(s, 0, n))
                return fail(ret_reason, -EBADMSG, "%s is not JSON: it contains a NUL byte", what);

        tok = json_tokener_new_ex(OCI_JSON_DEPTH_MAX);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);

        o = json_tokener_parse_ex(tok, s, (int) n);
        e = json_tokener_get_error(tok);
        end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);

        if (e == json_tokener_continue || (!o && e == json_tokener_success))
                return fail(ret_reason, -EBADMSG, "%s is not JSON: unexpected end of input", what);
        if (e != json_tokener_success)
                return fail(ret_reason, -EBADMSG, "%s is not JSON: %s at byte %zu", what,
                            json_tokener_error_desc(e), end);
        for (size_t i = end; i < n; i++)
                if (!strchr(" \t\r\n", s[i]))
                        return fail(ret_reason, -EBADMSG, "%s is not JSON: trailing garbage at byte %zu", what, i);
        if (!json_object_is_type(o, json_type_object))
                return fail(ret_reason, -EBADMSG, "%s is not a JSON object", what);

        *ret = TAKE_PTR(o);
        return 0;
}

/* A member, NULL when absent or JSON null. */
static json_object *member(json_object *o, const char *key) {
        json_object *v = NULL;

        if (!o || !json_object_object_get_ex(o, key, &v))
                return NULL;
        return v;
}

/* A string member: 0 with *ret NULL when absent or null, -EBADMSG when of the wrong type or
 * containing a NUL. */
static int get_string(const char *what, json_object *o, const char *key, const char **ret, char **ret_reason) {
        json_object *v = member(o, key);
        const char *s;

        if (!v) {
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return fail(ret_reason, -EBADMSG, "%s: \"%s\" must be a string", what, key);
        s = json_object_get_string(v);
        if (strlen(s) != (size_t) json_object_get_string_len(v))
                return fail(ret_reason, -EBADMSG, "%s: \"%s\" contains a NUL character", what, key);
        *ret = s;
        return 0;
}

static int dup_string(const char *what, json_object *o, const char *key, char **ret, char **ret_reason) {
        const char *s = NULL;
        char *c = NULL;
        int r;

        r = get_string(what, o, key, &s, ret_reason);
        if (r < 0)
                return r;
        if (s) {
                c = strdup(s);
                if (!c)
                        return -ENOMEM;
        }
        free(*ret);
        *ret = c;
        return 0;
}

/* An array of strings → strv (NULL when absent, null or empty). */
static int get_strv(const char *what, json_object *o, const char *key, char ***ret, char **ret_reason) {
        _cleanup_strv_free_ char **l = NULL;
        json_object *v = member(o, key);
        size_t n;
        int r;

        if (!v) {
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_array))
                return fail(ret_reason, -EBADMSG, "%s: \"%s\" must be an array of strings", what, key);

        n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(v, i);
                const char *s;

                if (!json_object_is_type(e, json_type_string))
                        return fail(ret_reason, -EBADMSG, "%s: \"%s\"[%zu] must be a string", what, key, i);
                s = json_object_get_string(e);
                if (strlen(s) != (size_t) json_object_get_string_len(e))
                        return fail(ret_reason, -EBADMSG, "%s: \"%s\"[%zu] contains a NUL character", what, key, i);
                r = strv_extend(&l, s);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(l);
        return 0;
}

/* The keys of an object ("ExposedPorts": {"80/tcp": {}}) → strv. */
static int get_keys(const char *what, json_object *o, const char *key, char ***ret, char **ret_reason) {
        _cleanup_strv_free_ char **l = NULL;
        json_object *v = member(o, key);
        int r;

        if (!v) {
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_object))
                return fail(ret_reason, -EBADMSG, "%s: \"%s\" must be an object", what, key);

        json_object_object_foreach(v, k, val) {
                (void) val;
                r = strv_extend(&l, k);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(l);
        return 0;
}

/* An integer member in [0, max]: -ENOENT when absent. */
static int get_uint(const char *what, json_object *o, const char *key, uint64_t max, uint64_t *ret, char **ret_reason) {
        json_object *v = member(o, key);
        int64_t i;

        if (!v)
                return -ENOENT;
        if (!json_object_is_type(v, json_type_int))
                return fail(ret_reason, -EBADMSG, "%s: \"%s\" must be an integer", what, key);
        errno = 0;
        i = json_object_get_int64(v);
        if (i < 0)
                return fail(ret_reason, -EBADMSG, "%s: \"%s\" must not be negative", what, key);
        if (errno == ERANGE || (uint64_t) i > max)
                return fail(ret_reason, -EBADMSG, "%s: \"%s\" is too large (%" PRIi64 ", at most %" PRIu64 ")",
                            what, key, i, max);
        *ret = (uint64_t) i;
        return 0;
}

static int check_schema_version(const char *what, json_object *o, char **ret_reason) {
        uint64_t v = 0;
        int r;

        r = get_uint(what, o, "schemaVersion", INT32_MAX, &v, ret_reason);
        if (r == -ENOENT)
                return fail(ret_reason, -EBADMSG, "%s has no \"schemaVersion\"", what);
        if (r < 0)
                return r;
        if (v == 1)
                return fail(ret_reason, -EPROTONOSUPPORT,
                            "%s is Docker image manifest schema 1, which is deprecated and not supported; "
                            "push the image again with a current client (schema 2 or OCI)", what);
        if (v != 2)
                return fail(ret_reason, -EBADMSG, "%s has unsupported schemaVersion %" PRIu64 ", expected 2", what, v);
        return 0;
}

/* ---- platforms ---- */

void oci_platform_done(OciPlatform *p) {
        if (!p)
                return;
        p->os = mfree(p->os);
        p->architecture = mfree(p->architecture);
        p->variant = mfree(p->variant);
        p->os_version = mfree(p->os_version);
}

/* Lowercased, normalized copies, as containerd's normalizeOS()/normalizeArch() make them. */
typedef struct NormPlatform {
        char os[32], arch[32], variant[32];
} NormPlatform;

static bool copy_lower(char *dst, size_t sz, const char *src) {
        size_t l = strlen(strempty(src));

        if (l >= sz)
                return false;
        for (size_t i = 0; i < l; i++)
                dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? src[i] - 'A' + 'a' : src[i];
        dst[l] = 0;
        return true;
}

static bool normalize_platform(const char *os, const char *arch, const char *variant, NormPlatform *ret) {
        NormPlatform n = {};

        if (!copy_lower(n.os, sizeof n.os, os) ||
            !copy_lower(n.arch, sizeof n.arch, arch) ||
            !copy_lower(n.variant, sizeof n.variant, variant))
                return false;

        if (streq(n.os, "macos"))
                strcpy(n.os, "darwin");

        if (streq(n.arch, "i386")) {
                strcpy(n.arch, "386");
                n.variant[0] = 0;
        } else if (streq(n.arch, "x86_64") || streq(n.arch, "x86-64") || streq(n.arch, "amd64")) {
                strcpy(n.arch, "amd64");
                if (streq(n.variant, "v1"))
                        n.variant[0] = 0;
        } else if (streq(n.arch, "aarch64") || streq(n.arch, "arm64")) {
                strcpy(n.arch, "arm64");
                if (streq(n.variant, "8") || streq(n.variant, "v8") || streq(n.variant, "v8.0"))
                        n.variant[0] = 0;
                else if (streq(n.variant, "9") || streq(n.variant, "9.0") || streq(n.variant, "v9.0"))
                        strcpy(n.variant, "v9");
        } else if (streq(n.arch, "armhf")) {
                strcpy(n.arch, "arm");
                strcpy(n.variant, "v7");
        } else if (streq(n.arch, "armel")) {
                strcpy(n.arch, "arm");
                strcpy(n.variant, "v6");
        } else if (streq(n.arch, "arm")) {
                if (isempty(n.variant) || streq(n.variant, "7"))
                        strcpy(n.variant, "v7");
                else if (streq(n.variant, "5") || streq(n.variant, "6") || streq(n.variant, "8")) {
                        char c = n.variant[0];
                        n.variant[0] = 'v';
                        n.variant[1] = c;
                        n.variant[2] = 0;
                }
        }

        *ret = n;
        return true;
}

static bool platform_component_valid(const char *s, size_t n) {
        if (n == 0 || n > 31)
                return false;
        if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= '0' && s[0] <= '9')))
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.'))
                        return false;
        }
        return true;
}

int oci_platform_parse(const char *s, OciPlatform *ret) {
        const char *parts[3] = {};
        size_t lens[3] = {}, n = 0;
        _cleanup_free_ char *os = NULL, *arch = NULL, *variant = NULL;
        NormPlatform np;
        const char *p;

        if (!s || !ret)
                return -EINVAL;

        p = s;
        for (;;) {
                size_t l = strcspn(p, "/");

                if (n >= 3)
                        return -EINVAL;
                parts[n] = p;
                lens[n] = l;
                if (!platform_component_valid(p, l))
                        return -EINVAL;
                n++;
                if (p[l] == 0)
                        break;
                p += l + 1;
        }

        if (n == 1) {
                os = strdup("linux");
                arch = strndup(parts[0], lens[0]);
        } else {
                os = strndup(parts[0], lens[0]);
                arch = strndup(parts[1], lens[1]);
                if (n == 3) {
                        variant = strndup(parts[2], lens[2]);
                        if (!variant)
                                return -ENOMEM;
                }
        }
        if (!os || !arch)
                return -ENOMEM;

        /* Normalize names; keep the variant as given unless the architecture alias implies one. */
        if (!normalize_platform(os, arch, variant, &np))
                return -EINVAL;
        if (free_and_strdup(&os, np.os) < 0 || free_and_strdup(&arch, np.arch) < 0)
                return -ENOMEM;
        if (variant)
                ascii_strlower(variant);
        else if (!isempty(np.variant)) {
                /* "armhf" → arm/v7, "armel" → arm/v6: the alias names the variant. Plain "arm"
                 * stays without one (its default is applied when matching). */
                const char *a = parts[n == 1 ? 0 : 1];

                if (lens[n == 1 ? 0 : 1] == 5 && (strncasecmp(a, "armhf", 5) == 0 || strncasecmp(a, "armel", 5) == 0)) {
                        variant = strdup(np.variant);
                        if (!variant)
                                return -ENOMEM;
                }
        }

        *ret = (OciPlatform) {
                .os = TAKE_PTR(os),
                .architecture = TAKE_PTR(arch),
                .variant = TAKE_PTR(variant),
        };
        return 0;
}

int oci_platform_to_string(const OciPlatform *p, char **ret) {
        char *s;

        if (!p || !p->os || !p->architecture)
                return -EINVAL;
        s = isempty(p->variant) ? strjoin(p->os, "/", p->architecture)
                                : strjoin(p->os, "/", p->architecture, "/", p->variant);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int oci_platform_host(OciPlatform *ret) {
        static const struct {
                const char *machine;    /* uname -m, prefix match when ending in '*' */
                const char *arch;
                const char *variant;
        } table[] = {
                { "x86_64",   "amd64",   NULL },
                { "amd64",    "amd64",   NULL },
                { "aarch64",  "arm64",   NULL },
                { "arm64",    "arm64",   NULL },
                { "armv8l",   "arm",     "v8" },
                { "armv7*",   "arm",     "v7" },
                { "armv6*",   "arm",     "v6" },
                { "armv5*",   "arm",     "v5" },
                { "i386",     "386",     NULL },
                { "i486",     "386",     NULL },
                { "i586",     "386",     NULL },
                { "i686",     "386",     NULL },
                { "ppc64le",  "ppc64le", NULL },
                { "ppc64",    "ppc64",   NULL },
                { "s390x",    "s390x",   NULL },
                { "riscv64",  "riscv64", NULL },
                { "loongarch64", "loong64", NULL },
                { "mips64",   "mips64le", NULL },  /* Debian's mips64el reports "mips64" */
        };
        struct utsname u;

        if (!ret)
                return -EINVAL;
        if (uname(&u) < 0)
                return -errno;

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                const char *m = table[i].machine;
                size_t l = strlen(m);
                bool match = m[l - 1] == '*' ? strncmp(u.machine, m, l - 1) == 0 : streq(u.machine, m);
                _cleanup_free_ char *os = NULL, *arch = NULL, *variant = NULL;

                if (!match)
                        continue;

                os = strdup("linux");
                arch = strdup(table[i].arch);
                if (!os || !arch)
                        return -ENOMEM;
                if (table[i].variant) {
                        variant = strdup(table[i].variant);
                        if (!variant)
                                return -ENOMEM;
                }
                *ret = (OciPlatform) {
                        .os = TAKE_PTR(os),
                        .architecture = TAKE_PTR(arch),
                        .variant = TAKE_PTR(variant),
                };
                return 0;
        }
        return -EOPNOTSUPP;
}

/* ---- descriptors ---- */

static void descriptor_done(OciDescriptor *d) {
        if (!d)
                return;
        d->media_type = mfree(d->media_type);
        oci_platform_done(&d->platform);
}

static int parse_platform(const char *what, json_object *o, OciPlatform *ret, char **ret_reason) {
        OciPlatform p = {};
        int r;

        if (!json_object_is_type(o, json_type_object))
                return fail(ret_reason, -EBADMSG, "%s: \"platform\" must be an object", what);

        r = dup_string(what, o, "os", &p.os, ret_reason);
        if (r >= 0)
                r = dup_string(what, o, "architecture", &p.architecture, ret_reason);
        if (r >= 0)
                r = dup_string(what, o, "variant", &p.variant, ret_reason);
        if (r >= 0)
                r = dup_string(what, o, "os.version", &p.os_version, ret_reason);
        if (r >= 0 && (isempty(p.os) || isempty(p.architecture)))
                r = fail(ret_reason, -EBADMSG, "%s: platform needs \"os\" and \"architecture\"", what);
        if (r < 0) {
                oci_platform_done(&p);
                return r;
        }

        *ret = p;
        return 0;
}

/* Parses a descriptor. what names it in messages ("manifest: config", "index: manifests[2]"). */
static int parse_descriptor(const char *what, json_object *o, OciDescriptor *ret, char **ret_reason) {
        OciDescriptor d = {};
        const char *digest;
        json_object *p;
        char buf[72];
        int r;

        if (!json_object_is_type(o, json_type_object))
                return fail(ret_reason, -EBADMSG, "%s must be a JSON object", what);

        r = dup_string(what, o, "mediaType", &d.media_type, ret_reason);
        if (r < 0)
                goto fail;
        if (isempty(d.media_type)) {
                r = fail(ret_reason, -EBADMSG, "%s has no \"mediaType\"", what);
                goto fail;
        }

        r = get_string(what, o, "digest", &digest, ret_reason);
        if (r < 0)
                goto fail;
        if (!digest) {
                r = fail(ret_reason, -EBADMSG, "%s has no \"digest\"", what);
                goto fail;
        }
        if (!digest_is_valid(digest)) {
                shorten(digest, buf);
                r = fail(ret_reason, -EBADMSG, "%s: \"%s\" is not a valid digest (expected sha256:<64 lowercase hex digits>)",
                         what, buf);
                goto fail;
        }
        strcpy(d.digest, digest);

        r = get_uint(what, o, "size", OCI_BLOB_SIZE_MAX, &d.size, ret_reason);
        if (r == -ENOENT) {
                r = fail(ret_reason, -EBADMSG, "%s has no \"size\"", what);
                goto fail;
        }
        if (r < 0)
                goto fail;

        p = member(o, "platform");
        if (p) {
                r = parse_platform(what, p, &d.platform, ret_reason);
                if (r < 0)
                        goto fail;
                d.has_platform = true;
        }

        *ret = d;
        return 0;

fail:
        descriptor_done(&d);
        return r;
}

/* Reconciles the document's "mediaType" with the hint; returns the effective type (static). */
static int effective_media_type(const char *what, json_object *o, const char *hint, const char **ret, char **ret_reason) {
        _cleanup_free_ char *h = NULL;
        const char *own;
        char buf[72];
        int r;

        r = get_string(what, o, "mediaType", &own, ret_reason);
        if (r < 0)
                return r;

        if (hint && oci_media_type_strip(hint, &h) == -ENOMEM)
                return -ENOMEM;
        if (media_type_is_generic(h))
                h = mfree(h);

        if (oci_media_type_is_schema1(own) || oci_media_type_is_schema1(h) || member(o, "fsLayers"))
                return fail(ret_reason, -EPROTONOSUPPORT,
                            "%s is Docker image manifest schema 1, which is deprecated and not supported; "
                            "push the image again with a current client (schema 2 or OCI)", what);

        if (own && h && !streq(own, h) &&
            (oci_media_type_is_manifest(h) || oci_media_type_is_index(h))) {
                shorten(own, buf);
                return fail(ret_reason, -EBADMSG, "%s says its media type is %s, but it was served as %s", what, buf, h);
        }

        /* Return pointers to our constants, not into the JSON or the hint. */
        own = own ?: h;
        if (!own)
                *ret = NULL;
        else if (streq(own, OCI_MEDIA_TYPE_MANIFEST))
                *ret = OCI_MEDIA_TYPE_MANIFEST;
        else if (streq(own, DOCKER_MEDIA_TYPE_MANIFEST))
                *ret = DOCKER_MEDIA_TYPE_MANIFEST;
        else if (streq(own, OCI_MEDIA_TYPE_INDEX))
                *ret = OCI_MEDIA_TYPE_INDEX;
        else if (streq(own, DOCKER_MEDIA_TYPE_MANIFEST_LIST))
                *ret = DOCKER_MEDIA_TYPE_MANIFEST_LIST;
        else {
                shorten(own, buf);
                return fail(ret_reason, -EMEDIUMTYPE, "%s has unsupported media type %s", what, buf);
        }
        return 0;
}

/* ---- manifests ---- */

OciManifest *oci_manifest_free(OciManifest *m) {
        if (!m)
                return NULL;
        free(m->media_type);
        descriptor_done(&m->config);
        for (size_t i = 0; i < m->n_layers; i++)
                descriptor_done(&m->layers[i]);
        free(m->layers);
        return mfree(m);
}

uint64_t oci_manifest_layers_size(const OciManifest *m) {
        uint64_t s = 0;

        for (size_t i = 0; m && i < m->n_layers; i++)
                s += m->layers[i].size; /* each <= 2^40, at most 1024 of them: no overflow */
        return s;
}

int oci_manifest_parse(const char *json, size_t size, const char *media_type_hint, OciManifest **ret, char **ret_reason) {
        _cleanup_(oci_manifest_freep) OciManifest *m = NULL;
        _cleanup_json_ json_object *o = NULL;
        json_object *config, *layers;
        const char *mt;
        char buf[72];
        size_t n;
        int r;

        if (!ret)
                return -EINVAL;

        r = json_parse_document("manifest", json, size, OCI_MANIFEST_SIZE_MAX, &o, ret_reason);
        if (r < 0)
                return r;

        r = effective_media_type("manifest", o, media_type_hint, &mt, ret_reason);
        if (r < 0)
                return r;
        if (!mt && member(o, "manifests"))
                mt = OCI_MEDIA_TYPE_INDEX;
        if (oci_media_type_is_index(mt))
                return fail(ret_reason, -EMEDIUMTYPE, "manifest is an image index (%s), not an image manifest", strna(mt));

        r = check_schema_version("manifest", o, ret_reason);
        if (r < 0)
                return r;

        m = calloc(1, sizeof(OciManifest));
        if (!m)
                return -ENOMEM;
        m->media_type = strdup(mt ?: OCI_MEDIA_TYPE_MANIFEST);
        if (!m->media_type)
                return -ENOMEM;

        config = member(o, "config");
        if (!config)
                return fail(ret_reason, -EBADMSG, "manifest has no \"config\"");
        r = parse_descriptor("manifest: config", config, &m->config, ret_reason);
        if (r < 0)
                return r;
        if (!oci_media_type_is_image_config(m->config.media_type)) {
                shorten(m->config.media_type, buf);
                return fail(ret_reason, -EMEDIUMTYPE,
                            "manifest is not a container image: its config has media type %s", buf);
        }
        if (m->config.size > OCI_CONFIG_SIZE_MAX)
                return fail(ret_reason, -EFBIG, "manifest: config is %" PRIu64 " bytes, more than the limit of %" PRIu64,
                            m->config.size, OCI_CONFIG_SIZE_MAX);

        layers = member(o, "layers");
        if (!layers)
                return fail(ret_reason, -EBADMSG, "manifest has no \"layers\"");
        if (!json_object_is_type(layers, json_type_array))
                return fail(ret_reason, -EBADMSG, "manifest: \"layers\" must be an array");
        n = json_object_array_length(layers);
        if (n > OCI_LAYERS_MAX)
                return fail(ret_reason, -EBADMSG, "manifest has %zu layers, more than the limit of %u", n, OCI_LAYERS_MAX);

        if (n > 0) {
                m->layers = calloc(n, sizeof(OciDescriptor));
                if (!m->layers)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                char what[48];

                snprintf(what, sizeof what, "manifest: layers[%zu]", i);
                r = parse_descriptor(what, json_object_array_get_idx(layers, i), &m->layers[i], ret_reason);
                if (r < 0)
                        return r;
                m->n_layers++;

                r = oci_layer_media_type_parse(m->layers[i].media_type, &m->layers[i].compression, &m->layers[i].foreign);
                if (r < 0) {
                        shorten(m->layers[i].media_type, buf);
                        return fail(ret_reason, r, "%s has unsupported media type %s", what, buf);
                }
        }

        *ret = TAKE_PTR(m);
        return 0;
}

/* ---- indexes ---- */

OciIndex *oci_index_free(OciIndex *idx) {
        if (!idx)
                return NULL;
        free(idx->media_type);
        for (size_t i = 0; i < idx->n_manifests; i++)
                descriptor_done(&idx->manifests[i]);
        free(idx->manifests);
        return mfree(idx);
}

int oci_index_parse(const char *json, size_t size, const char *media_type_hint, OciIndex **ret, char **ret_reason) {
        _cleanup_(oci_index_freep) OciIndex *idx = NULL;
        _cleanup_json_ json_object *o = NULL;
        json_object *manifests;
        const char *mt;
        size_t n;
        int r;

        if (!ret)
                return -EINVAL;

        r = json_parse_document("image index", json, size, OCI_MANIFEST_SIZE_MAX, &o, ret_reason);
        if (r < 0)
                return r;

        r = effective_media_type("image index", o, media_type_hint, &mt, ret_reason);
        if (r < 0)
                return r;
        if (!mt && member(o, "config") && member(o, "layers"))
                mt = OCI_MEDIA_TYPE_MANIFEST;
        if (oci_media_type_is_manifest(mt))
                return fail(ret_reason, -EMEDIUMTYPE, "image index is an image manifest (%s), not an index", strna(mt));

        r = check_schema_version("image index", o, ret_reason);
        if (r < 0)
                return r;

        idx = calloc(1, sizeof(OciIndex));
        if (!idx)
                return -ENOMEM;
        idx->media_type = strdup(mt ?: OCI_MEDIA_TYPE_INDEX);
        if (!idx->media_type)
                return -ENOMEM;

        manifests = member(o, "manifests");
        if (!manifests)
                return fail(ret_reason, -EBADMSG, "image index has no \"manifests\"");
        if (!json_object_is_type(manifests, json_type_array))
                return fail(ret_reason, -EBADMSG, "image index: \"manifests\" must be an array");
        n = json_object_array_length(manifests);
        if (n > OCI_INDEX_ENTRIES_MAX)
                return fail(ret_reason, -EBADMSG, "image index has %zu entries, more than the limit of %u",
                            n, OCI_INDEX_ENTRIES_MAX);

        if (n > 0) {
                idx->manifests = calloc(n, sizeof(OciDescriptor));
                if (!idx->manifests)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                char what[48];

                snprintf(what, sizeof what, "image index: manifests[%zu]", i);
                r = parse_descriptor(what, json_object_array_get_idx(manifests, i), &idx->manifests[i], ret_reason);
                if (r < 0)
                        return r;
                idx->n_manifests++;
        }

        *ret = TAKE_PTR(idx);
        return 0;
}

static bool entry_selectable(const OciDescriptor *d) {
        return oci_media_type_is_manifest(d->media_type) && d->has_platform;
}

int oci_index_select_platform(const OciIndex *idx, const char *os, const char *arch, const char *variant,
                              const OciDescriptor **ret) {
        NormPlatform want;

        if (!idx || isempty(os) || isempty(arch) || !ret)
                return -EINVAL;
        if (!normalize_platform(os, arch, variant, &want))
                return -EINVAL;

        /* arm without an explicit variant: v7 preferred, then the older ones it can run. */
        const char *tries[3] = { want.variant };
        size_t n_tries = 1;
        if (isempty(variant) && streq(want.arch, "arm")) {
                tries[n_tries++] = "v6";
                tries[n_tries++] = "v5";
        }

        for (size_t t = 0; t < n_tries; t++)
                for (size_t i = 0; i < idx->n_manifests; i++) {
                        const OciDescriptor *d = &idx->manifests[i];
                        NormPlatform have;

                        if (!entry_selectable(d))
                                continue;
                        if (!normalize_platform(d->platform.os, d->platform.architecture, d->platform.variant, &have))
                                continue;
                        if (streq(have.os, want.os) && streq(have.arch, want.arch) && streq(have.variant, tries[t])) {
                                *ret = d;
                                return 0;
                        }
                }
        return -ENXIO;
}

int oci_index_platforms_to_string(const OciIndex *idx, char **ret) {
        _cleanup_free_ char *s = NULL;
        size_t n = 0;

        if (!idx || !ret)
                return -EINVAL;

        s = strdup("");
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < idx->n_manifests; i++) {
                const OciDescriptor *d = &idx->manifests[i];
                _cleanup_free_ char *p = NULL;
                char *t;

                if (!entry_selectable(d) || streq(d->platform.os, "unknown"))
                        continue;
                if (oci_platform_to_string(&d->platform, &p) < 0)
                        return -ENOMEM;
                t = strjoin(s, n > 0 ? ", " : "", p);
                if (!t)
                        return -ENOMEM;
                free(s);
                s = t;
                n++;
        }
        if (n == 0 && free_and_strdup(&s, "none") < 0)
                return -ENOMEM;

        *ret = TAKE_PTR(s);
        return 0;
}

/* ---- image configs ---- */

static void history_done(OciHistory *h) {
        free(h->created);
        free(h->created_by);
        free(h->author);
        free(h->comment);
}

static OciHealthcheck *healthcheck_free(OciHealthcheck *h) {
        if (!h)
                return NULL;
        strv_free(h->test);
        return mfree(h);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(OciHealthcheck *, healthcheck_free);

OciImageConfig *oci_image_config_free(OciImageConfig *c) {
        if (!c)
                return NULL;
        free(c->architecture);
        free(c->os);
        free(c->variant);
        free(c->created);
        free(c->author);
        free(c->user);
        strv_free(c->env);
        strv_free(c->entrypoint);
        strv_free(c->cmd);
        free(c->working_dir);
        strv_free(c->exposed_ports);
        strv_free(c->labels);
        free(c->stop_signal);
        strv_free(c->volumes);
        healthcheck_free(c->healthcheck);
        strv_free(c->diff_ids);
        for (size_t i = 0; i < c->n_history; i++)
                history_done(&c->history[i]);
        free(c->history);
        free(c->json);
        return mfree(c);
}

const char *oci_image_config_label(const OciImageConfig *c, const char *key) {
        if (!c || !key)
                return NULL;
        for (char **l = c->labels; l && l[0] && l[1]; l += 2)
                if (streq(l[0], key))
                        return l[1];
        return NULL;
}

/* A Go time.Duration (int64 nanoseconds) → µs. */
static int get_duration(const char *what, json_object *o, const char *key, uint64_t *ret, char **ret_reason) {
        uint64_t ns;
        int r;

        r = get_uint(what, o, key, INT64_MAX, &ns, ret_reason);
        if (r == -ENOENT) {
                *ret = 0;
                return 0;
        }
        if (r < 0)
                return r;
        *ret = ns / 1000;
        return 0;
}

static int parse_healthcheck(json_object *o, OciHealthcheck **ret, char **ret_reason) {
        static const char what[] = "image config: Healthcheck";
        _cleanup_(healthcheck_freep) OciHealthcheck *h = NULL;
        uint64_t retries = 0;
        int r;

        if (!json_object_is_type(o, json_type_object))
                return fail(ret_reason, -EBADMSG, "%s must be an object", what);

        h = calloc(1, sizeof(OciHealthcheck));
        if (!h)
                return -ENOMEM;

        r = get_strv(what, o, "Test", &h->test, ret_reason);
        if (r < 0)
                return r;
        r = get_duration(what, o, "Interval", &h->interval_usec, ret_reason);
        if (r < 0)
                return r;
        r = get_duration(what, o, "Timeout", &h->timeout_usec, ret_reason);
        if (r < 0)
                return r;
        r = get_duration(what, o, "StartPeriod", &h->start_period_usec, ret_reason);
        if (r < 0)
                return r;
        r = get_duration(what, o, "StartInterval", &h->start_interval_usec, ret_reason);
        if (r < 0)
                return r;
        r = get_uint(what, o, "Retries", INT32_MAX, &retries, ret_reason);
        if (r < 0 && r != -ENOENT)
                return r;
        h->retries = (unsigned) retries;

        *ret = TAKE_PTR(h);
        return 0;
}

static int parse_labels(json_object *o, char ***ret, char **ret_reason) {
        static const char what[] = "image config";
        _cleanup_strv_free_ char **l = NULL;
        json_object *v = member(o, "Labels");
        int r;

        if (!v) {
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_object))
                return fail(ret_reason, -EBADMSG, "%s: \"Labels\" must be an object", what);

        json_object_object_foreach(v, k, val) {
                const char *s;
                char buf[72];

                if (!json_object_is_type(val, json_type_string)) {
                        shorten(k, buf);
                        return fail(ret_reason, -EBADMSG, "%s: label \"%s\" must be a string", what, buf);
                }
                s = json_object_get_string(val);
                if (strlen(s) != (size_t) json_object_get_string_len(val)) {
                        shorten(k, buf);
                        return fail(ret_reason, -EBADMSG, "%s: label \"%s\" contains a NUL character", what, buf);
                }
                r = strv_extend(&l, k);
                if (r < 0)
                        return r;
                r = strv_extend(&l, s);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(l);
        return 0;
}

static int parse_history(json_object *o, OciImageConfig *c, char **ret_reason) {
        json_object *v = member(o, "history");
        size_t n;
        int r;

        if (!v)
                return 0;
        if (!json_object_is_type(v, json_type_array))
                return fail(ret_reason, -EBADMSG, "image config: \"history\" must be an array");
        n = json_object_array_length(v);
        if (n == 0)
                return 0;

        c->history = calloc(n, sizeof(OciHistory));
        if (!c->history)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(v, i), *empty;
                OciHistory *h = &c->history[i];
                char what[48];

                c->n_history++;
                snprintf(what, sizeof what, "image config: history[%zu]", i);
                if (!json_object_is_type(e, json_type_object))
                        return fail(ret_reason, -EBADMSG, "%s must be an object", what);

                r = dup_string(what, e, "created", &h->created, ret_reason);
                if (r >= 0)
                        r = dup_string(what, e, "created_by", &h->created_by, ret_reason);
                if (r >= 0)
                        r = dup_string(what, e, "author", &h->author, ret_reason);
                if (r >= 0)
                        r = dup_string(what, e, "comment", &h->comment, ret_reason);
                if (r < 0)
                        return r;

                empty = member(e, "empty_layer");
                if (empty) {
                        if (!json_object_is_type(empty, json_type_boolean))
                                return fail(ret_reason, -EBADMSG, "%s: \"empty_layer\" must be a boolean", what);
                        h->empty_layer = json_object_get_boolean(empty);
                }
        }
        return 0;
}

static int parse_rootfs(json_object *o, OciImageConfig *c, char **ret_reason) {
        static const char what[] = "image config: rootfs";
        json_object *rootfs = member(o, "rootfs");
        const char *type;
        int r;

        if (!rootfs)
                return fail(ret_reason, -EBADMSG, "image config has no \"rootfs\"");
        if (!json_object_is_type(rootfs, json_type_object))
                return fail(ret_reason, -EBADMSG, "image config: \"rootfs\" must be an object");

        r = get_string(what, rootfs, "type", &type, ret_reason);
        if (r < 0)
                return r;
        if (!streq_ptr(type, "layers")) {
                char buf[72];

                shorten(type ?: "(none)", buf);
                return fail(ret_reason, -EBADMSG, "%s has type %s, expected \"layers\"", what, buf);
        }

        if (!member(rootfs, "diff_ids"))
                return fail(ret_reason, -EBADMSG, "%s has no \"diff_ids\"", what);
        r = get_strv(what, rootfs, "diff_ids", &c->diff_ids, ret_reason);
        if (r < 0)
                return r;
        c->n_diff_ids = strv_length(c->diff_ids);
        if (c->n_diff_ids > OCI_LAYERS_MAX)
                return fail(ret_reason, -EBADMSG, "%s has %zu layers, more than the limit of %u",
                            what, c->n_diff_ids, OCI_LAYERS_MAX);

        for (size_t i = 0; i < c->n_diff_ids; i++)
                if (!digest_is_valid(c->diff_ids[i])) {
                        char buf[72];

                        shorten(c->diff_ids[i], buf);
                        return fail(ret_reason, -EBADMSG,
                                    "%s: diff_ids[%zu] \"%s\" is not a valid digest (expected sha256:<64 lowercase hex digits>)",
                                    what, i, buf);
                }
        return 0;
}

int oci_image_config_parse(const char *json, size_t size, OciImageConfig **ret, char **ret_reason) {
        static const char what[] = "image config";
        _cleanup_(oci_image_config_freep) OciImageConfig *c = NULL;
        _cleanup_json_ json_object *o = NULL;
        json_object *config, *hc;
        int r;

        if (!ret)
                return -EINVAL;

        r = json_parse_document(what, json, size, OCI_CONFIG_SIZE_MAX, &o, ret_reason);
        if (r < 0)
                return r;

        c = calloc(1, sizeof(OciImageConfig));
        if (!c)
                return -ENOMEM;

        r = dup_string(what, o, "architecture", &c->architecture, ret_reason);
        if (r >= 0)
                r = dup_string(what, o, "os", &c->os, ret_reason);
        if (r >= 0)
                r = dup_string(what, o, "variant", &c->variant, ret_reason);
        if (r >= 0)
                r = dup_string(what, o, "created", &c->created, ret_reason);
        if (r >= 0)
                r = dup_string(what, o, "author", &c->author, ret_reason);
        if (r < 0)
                return r;
        if (c->created && oci_timestamp_parse(c->created, &c->created_usec) < 0)
                c->created_usec = 0;

        config = member(o, "config");
        if (config) {
                static const char cwhat[] = "image config: config";

                if (!json_object_is_type(config, json_type_object))
                        return fail(ret_reason, -EBADMSG, "image config: \"config\" must be an object");

                r = dup_string(cwhat, config, "User", &c->user, ret_reason);
                if (r >= 0)
                        r = get_strv(cwhat, config, "Env", &c->env, ret_reason);
                if (r >= 0)
                        r = get_strv(cwhat, config, "Entrypoint", &c->entrypoint, ret_reason);
                if (r >= 0)
                        r = get_strv(cwhat, config, "Cmd", &c->cmd, ret_reason);
                if (r >= 0)
                        r = dup_string(cwhat, config, "WorkingDir", &c->working_dir, ret_reason);
                if (r >= 0)
                        r = get_keys(cwhat, config, "ExposedPorts", &c->exposed_ports, ret_reason);
                if (r >= 0)
                        r = parse_labels(config, &c->labels, ret_reason);
                if (r >= 0)
                        r = dup_string(cwhat, config, "StopSignal", &c->stop_signal, ret_reason);
                if (r >= 0)
                        r = get_keys(cwhat, config, "Volumes", &c->volumes, ret_reason);
                if (r < 0)
                        return r;

                hc = member(config, "Healthcheck");
                if (hc) {
                        r = parse_healthcheck(hc, &c->healthcheck, ret_reason);
                        if (r < 0)
                                return r;
                }
        }

        r = parse_rootfs(o, c, ret_reason);
        if (r < 0)
                return r;

        r = parse_history(o, c, ret_reason);
        if (r < 0)
                return r;

        c->json = malloc(size + 1);
        if (!c->json)
                return -ENOMEM;
        memcpy(c->json, json, size);
        c->json[size] = 0;
        c->json_size = size;

        *ret = TAKE_PTR(c);
        return 0;
}

/* ---- media type detection ---- */

int oci_detect_media_type(const char *json, size_t size, char **ret) {
        _cleanup_json_ json_object *o = NULL;
        json_object *v;
        const char *mt = NULL;
        char *s;
        int r;

        if (!ret)
                return -EINVAL;

        r = json_parse_document("document", json, size, OCI_MANIFEST_SIZE_MAX > OCI_CONFIG_SIZE_MAX ?
                                OCI_MANIFEST_SIZE_MAX : OCI_CONFIG_SIZE_MAX, &o, NULL);
        if (r < 0)
                return r;

        v = member(o, "mediaType");
        if (v) {
                if (!json_object_is_type(v, json_type_string) ||
                    strlen(json_object_get_string(v)) != (size_t) json_object_get_string_len(v))
                        return -EBADMSG;
                mt = json_object_get_string(v);
                if (isempty(mt))
                        return -EBADMSG;
        } else {
                v = member(o, "schemaVersion");
                if ((v && json_object_is_type(v, json_type_int) && json_object_get_int64(v) == 1) ||
                    member(o, "fsLayers"))
                        mt = member(o, "signatures") ? DOCKER_MEDIA_TYPE_SCHEMA1_SIGNED : DOCKER_MEDIA_TYPE_SCHEMA1;
                else if (member(o, "manifests"))
                        mt = OCI_MEDIA_TYPE_INDEX;
                else if (member(o, "config") && member(o, "layers"))
                        mt = OCI_MEDIA_TYPE_MANIFEST;
                else if (member(o, "rootfs"))
                        mt = OCI_MEDIA_TYPE_CONFIG;
                else
                        return -EMEDIUMTYPE;
        }

        s = strdup(mt);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* ---- timestamps ---- */

static bool parse_digits(const char **p, unsigned n, int *ret) {
        int v = 0;

        for (unsigned i = 0; i < n; i++) {
                char c = (*p)[i];
                if (c < '0' || c > '9')
                        return false;
                v = v * 10 + (c - '0');
        }
        *p += n;
        *ret = v;
        return true;
}

int oci_timestamp_parse(const char *s, uint64_t *ret_usec) {
        int year, mon, day, hour, min, sec, off = 0;
        uint64_t usec = 0;
        struct tm tm = {};
        const char *p = s;
        time_t t;

        if (!s || !ret_usec)
                return -EINVAL;

        if (!parse_digits(&p, 4, &year) || *p++ != '-' ||
            !parse_digits(&p, 2, &mon) || *p++ != '-' ||
            !parse_digits(&p, 2, &day) || (*p != 'T' && *p != 't' && *p != ' ') || !*p++ ||
            !parse_digits(&p, 2, &hour) || *p++ != ':' ||
            !parse_digits(&p, 2, &min) || *p++ != ':' ||
            !parse_digits(&p, 2, &sec))
                return -EINVAL;
        if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
                return -EINVAL;

        if (*p == '.') {
                unsigned n = 0;
                p++;
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                for (; *p >= '0' && *p <= '9'; p++, n++)
                        if (n < 6)
                                usec = usec * 10 + (*p - '0');
                for (; n < 6; n++)
                        usec *= 10;
        }

        if (*p == 'Z' || *p == 'z')
                p++;
        else if (*p == '+' || *p == '-') {
                int sign = *p == '-' ? -1 : 1, oh, om;
                p++;
                if (!parse_digits(&p, 2, &oh) || *p++ != ':' || !parse_digits(&p, 2, &om) || oh > 23 || om > 59)
                        return -EINVAL;
                off = sign * (oh * 3600 + om * 60);
        } else
                return -EINVAL;
        if (*p != 0)
                return -EINVAL;

        tm.tm_year = year - 1900;
        tm.tm_mon = mon - 1;
        tm.tm_mday = day;
        tm.tm_hour = hour;
        tm.tm_min = min;
        tm.tm_sec = sec;
        t = timegm(&tm);
        if (t == (time_t) -1 && year != 1969)
                return -EINVAL;
        t -= off;
        if (t < 0)
                return -ERANGE;

        *ret_usec = (uint64_t) t * UINT64_C(1000000) + usec;
        return 0;
}
