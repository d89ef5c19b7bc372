/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image-ref.h"
#include "string-util.h"

/* The grammar, from github.com/distribution/reference (regexp.go) and its normalization
 * (normalize.go, ParseNormalizedNamed()):
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [ domain "/" ] path
 *   domain           := host [ ":" port ]
 *   host             := domain-name | "[" [a-fA-F0-9:]+ "]"
 *   domain-name      := domain-component ( "." domain-component )*
 *   domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 *   port             := [0-9]+
 *   path             := path-component ( "/" path-component )*        at most 255 characters
 *   path-component   := [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag              := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest           := algorithm ":" [0-9a-fA-F]{32,}, then validated: sha256 (64) or sha512 (128)
 *                       lowercase hex, as go-digest does by default
 *   algorithm        := [A-Za-z][A-Za-z0-9]* ( [-_+.] [A-Za-z][A-Za-z0-9]* )*
 *
 * The first "/"-separated component is the domain only if it is "localhost", contains "." or ":", or
 * contains an uppercase letter; otherwise the reference is on docker.io. "index.docker.io" becomes
 * docker.io, and a one-component path on docker.io gets "library/" in front.
 *
 * Because a path can contain neither ":" nor "@", the regular expression splits a string in exactly
 * one way: the domain ends at the first "/", the path at the first ":" or "@", the tag at the next
 * "@". So a left-to-right scan decides the same as the regular expression does, and can say
 * precisely what is wrong. */

#define REASON_EMPTY            "image reference must not be empty"
#define REASON_WHITESPACE       "image reference must not contain whitespace"
#define REASON_CONTROL          "image reference must not contain control characters"
#define REASON_NON_ASCII        "image reference must only contain ASCII characters"
#define REASON_IDENTIFIER       "invalid repository name: cannot specify 64-byte hexadecimal strings"
#define REASON_UPPERCASE        "repository name must be lowercase"
#define REASON_NAME_EMPTY       "repository name must not be empty"
#define REASON_LEADING_SLASH    "repository name must not start with '/'"
#define REASON_TRAILING_SLASH   "repository name must not end with '/'"
#define REASON_DOUBLE_SLASH     "repository name must not contain '//'"
#define REASON_COMPONENT        "invalid reference format: repository name components must be lowercase letters and digits, " \
                                "separated by '.', '_', '__' or dashes"
#define REASON_TOO_LONG         "repository name must not be more than 255 characters"
#define REASON_DOMAIN           "invalid reference format: registry domain is not a valid host name"
#define REASON_IPV6             "invalid reference format: registry IPv6 address is not valid"
#define REASON_PORT             "invalid reference format: registry port must be a number"
#define REASON_TAG_EMPTY        "tag must not be empty"
#define REASON_TAG_START        "invalid tag: tag must start with a letter, digit or '_'"
#define REASON_TAG_CHARS        "invalid tag: tag may only contain letters, digits, '_', '.' and '-'"
#define REASON_TAG_TOO_LONG     "tag must not be more than 128 characters"
#define REASON_DIGEST_EMPTY     "digest must not be empty"
#define REASON_DIGEST_FORMAT    "invalid digest: digest must be <algorithm>:<hex>"
#define REASON_DIGEST_ALGORITHM "invalid digest: algorithm name is not valid"
#define REASON_DIGEST_HEX       "invalid digest: encoded part must be hexadecimal"
#define REASON_DIGEST_SHORT     "invalid digest: encoded part must be at least 32 hex characters"
#define REASON_DIGEST_UNKNOWN   "invalid digest: unsupported digest algorithm"
#define REASON_DIGEST_SHA256    "invalid digest: sha256 digest must be 64 hex characters"
#define REASON_DIGEST_SHA512    "invalid digest: sha512 digest must be 128 hex characters"
#define REASON_DIGEST_LOWERCASE "invalid digest: hex digits must be lowercase"

/* A piece of the input: p == NULL means absent. */
typedef struct Span {
        const char *p;
        size_t n;
} Span;

#define DEFAULT_DOMAIN ((Span) { IMAGE_REF_DEFAULT_DOMAIN, sizeof(IMAGE_REF_DEFAULT_DOMAIN) - 1 })

typedef struct Parts {
        Span domain;
        bool library_prefix;    /* path gets "library/" in front */
        Span path;
        Span tag;
        Span digest;
} Parts;

static bool char_is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool char_is_lower(char c) {
        return c >= 'a' && c <= 'z';
}

static bool char_is_upper(char c) {
        return c >= 'A' && c <= 'Z';
}

static bool char_is_alpha(char c) {
        return char_is_lower(c) || char_is_upper(c);
}

static bool char_is_alnum(char c) {
        return char_is_alpha(c) || char_is_digit(c);
}

static bool char_is_word(char c) {
        return char_is_alnum(c) || c == '_';
}

static bool char_is_lower_hex(char c) {
        return char_is_digit(c) || (c >= 'a' && c <= 'f');
}

static bool char_is_hex(char c) {
        return char_is_lower_hex(c) || (c >= 'A' && c <= 'F');
}

static bool span_has_upper(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (char_is_upper(s[i]))
                        return true;
        return false;
}

static bool span_is_lower_hex(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!char_is_lower_hex(s[i]))
                        return false;
        return true;
}

static bool span_eq(const char *s, size_t n, const char *word) {
        return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*; with fold_case, as if s were lowercased. */
static bool path_component_valid(const char *s, size_t n, bool fold_case) {
        size_t i = 0;

        for (;;) {
                size_t run = i;

                while (i < n && (char_is_lower(s[i]) || char_is_digit(s[i]) || (fold_case && char_is_upper(s[i]))))
                        i++;
                if (i == run)
                        return false;           /* empty, or a separator at the start, end or doubled */
                if (i == n)
                        return true;

                if (s[i] == '.')
                        i++;
                else if (s[i] == '_') {
                        i++;
                        if (i < n && s[i] == '_')
                                i++;
                } else if (s[i] == '-') {
                        while (i < n && s[i] == '-')
                                i++;
                } else
                        return false;
        }
}

/* [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool domain_component_valid(const char *s, size_t n) {
        if (n == 0 || !char_is_alnum(s[0]) || !char_is_alnum(s[n - 1]))
                return false;
        for (size_t i = 1; i + 1 < n; i++)
                if (!char_is_alnum(s[i]) && s[i] != '-')
                        return false;
        return true;
}

static const char *domain_check(const char *s, size_t n) {
        size_t host_end;

        if (n > 0 && s[0] == '[') {
                const char *close = memchr(s, ']', n);

                if (!close || close == s + 1)
                        return REASON_IPV6;
                host_end = (size_t) (close - s) + 1;
                for (size_t i = 1; i + 1 < host_end; i++)
                        if (!char_is_hex(s[i]) && s[i] != ':')
                                return REASON_IPV6;
        } else {
                const char *colon = memchr(s, ':', n);
                size_t start = 0;

                host_end = colon ? (size_t) (colon - s) : n;
                for (size_t i = 0; i <= host_end; i++)
                        if (i == host_end || s[i] == '.') {
                                if (!domain_component_valid(s + start, i - start))
                                        return REASON_DOMAIN;
                                start = i + 1;
                        }
        }

        if (host_end == n)
                return NULL;
        if (s[host_end] != ':')
                return REASON_DOMAIN;
        if (host_end + 1 == n)
                return REASON_PORT;
        for (size_t i = host_end + 1; i < n; i++)
                if (!char_is_digit(s[i]))
                        return REASON_PORT;
        return NULL;
}

static const char *tag_check(const char *s, size_t n) {
        if (n == 0)
                return REASON_TAG_EMPTY;
        if (!char_is_word(s[0]))
                return REASON_TAG_START;
        for (size_t i = 1; i < n; i++)
                if (!char_is_word(s[i]) && s[i] != '.' && s[i] != '-')
                        return REASON_TAG_CHARS;
        if (n > IMAGE_REF_TAG_MAX)
                return REASON_TAG_TOO_LONG;
        return NULL;
}

/* The number of hex digits a supported algorithm's digest has, or 0 if the algorithm is not one
 * go-digest registers by default. */
static size_t digest_algorithm_hex_length(const char *s, size_t n) {
        if (span_eq(s, n, "sha256"))
                return 64;
        if (span_eq(s, n, "sha512"))
                return 128;
        return 0;
}

static const char *digest_length_reason(size_t want) {
        return want == 64 ? REASON_DIGEST_SHA256 : REASON_DIGEST_SHA512;
}

/* What the reference regular expression accepts as a digest. */
static const char *digest_check_syntax(const char *s, size_t n) {
        const char *colon;
        size_t alg_len, hex_len, want;
        bool component_start = true;

        if (n == 0)
                return REASON_DIGEST_EMPTY;

        colon = memchr(s, ':', n);
        if (!colon)
                return REASON_DIGEST_FORMAT;
        alg_len = (size_t) (colon - s);
        hex_len = n - alg_len - 1;
        if (alg_len == 0 || hex_len == 0)
                return REASON_DIGEST_FORMAT;

        /* [A-Za-z][A-Za-z0-9]* ( [-_+.] [A-Za-z][A-Za-z0-9]* )* */
        for (size_t i = 0; i < alg_len; i++) {
                if (component_start) {
                        if (!char_is_alpha(s[i]))
                                return REASON_DIGEST_ALGORITHM;
                        component_start = false;
                } else if (strchr("-_+.", s[i]))
                        component_start = true;
                else if (!char_is_alnum(s[i]))
                        return REASON_DIGEST_ALGORITHM;
        }
        if (component_start)
                return REASON_DIGEST_ALGORITHM;

        for (size_t i = alg_len + 1; i < n; i++)
                if (!char_is_hex(s[i]))
                        return REASON_DIGEST_HEX;

        if (hex_len < 32) {
                want = digest_algorithm_hex_length(s, alg_len);
                return want > 0 ? digest_length_reason(want) : REASON_DIGEST_SHORT;
        }
        return NULL;
}

/* What go-digest's Digest.Validate() adds: a known algorithm, its exact length, lowercase hex. */
static const char *digest_check_value(const char *s, size_t n) {
        const char *colon = memchr(s, ':', n);
        size_t alg_len, want;

        if (!colon)
                return REASON_DIGEST_FORMAT;
        alg_len = (size_t) (colon - s);

        want = digest_algorithm_hex_length(s, alg_len);
        if (want == 0)
                return REASON_DIGEST_UNKNOWN;
        if (n - alg_len - 1 != want)
                return digest_length_reason(want);
        if (!span_is_lower_hex(colon + 1, want))
                return REASON_DIGEST_LOWERCASE;
        return NULL;
}

static const char *path_check(const char *s, const char *remainder, size_t path_len) {
        size_t start = 0;

        for (size_t i = 0; i <= path_len; i++) {
                if (i < path_len && remainder[i] != '/')
                        continue;

                if (i == start) {
                        if (start == 0 && remainder == s && s[0] == '/')
                                return REASON_LEADING_SLASH;
                        if (path_len == 0 && remainder == s)
                                return REASON_NAME_EMPTY;
                        if (i == path_len)
                                return REASON_TRAILING_SLASH;
                        return REASON_DOUBLE_SLASH;
                }
                if (!path_component_valid(remainder + start, i - start, false))
                        return REASON_COMPONENT;
                start = i + 1;
        }
        return NULL;
}

/* Splits s into its parts, normalizing as ParseNormalizedNamed() does. Returns NULL on success or the
 * reason s is not a reference. */
static const char *reference_split(const char *s, Parts *ret) {
        Parts parts = {};
        const char *slash, *remainder, *p, *reason;
        size_t n, path_len;
        bool given_domain = false;

        n = strlen(s);
        if (n == 0)
                return REASON_EMPTY;

        /* None of these can be in a reference; say so before anything more confusing. */
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];

                if (strchr(" \t\n\v\f\r", c))
                        return REASON_WHITESPACE;
                if (c < 0x20 || c == 0x7f)
                        return REASON_CONTROL;
                if (c >= 0x80)
                        return REASON_NON_ASCII;
        }

        /* A bare image ID is not a repository name. */
        if (n == 64 && span_is_lower_hex(s, n))
                return REASON_IDENTIFIER;

        /* splitDockerDomain() */
        slash = strchr(s, '/');
        if (!slash) {
                parts.domain = DEFAULT_DOMAIN;
                remainder = s;
        } else {
                size_t l = (size_t) (slash - s);

                if (span_eq(s, l, "index.docker.io")) {
                        parts.domain = DEFAULT_DOMAIN;
                        remainder = slash + 1;
                } else if (span_eq(s, l, "localhost") ||
                           memchr(s, '.', l) || memchr(s, ':', l) ||
                           span_has_upper(s, l)) {
                        parts.domain = (Span) { s, l };
                        given_domain = true;
                        remainder = slash + 1;
                } else {
                        parts.domain = DEFAULT_DOMAIN;
                        remainder = s;
                }
        }
        if (span_eq(parts.domain.p, parts.domain.n, IMAGE_REF_DEFAULT_DOMAIN) && !strchr(remainder, '/'))
                parts.library_prefix = true;

        path_len = strcspn(remainder, ":@");
        if (span_has_upper(remainder, path_len))
                return REASON_UPPERCASE;

        if (given_domain) {
                reason = domain_check(parts.domain.p, parts.domain.n);
                if (reason) {
                        /* Here distribution/reference falls back to reading the whole name as a path on
                         * no registry at all (Domain() == ""), e.g. "a_b.c/d"; nothing can be pulled
                         * from there, so we refuse such names. Its one other fallback, lowercasing, we
                         * mirror in the message: "Foo_bar/x" would be a valid path if lowercase. */
                        if (span_has_upper(parts.domain.p, parts.domain.n) &&
                            path_component_valid(parts.domain.p, parts.domain.n, true))
                                return REASON_UPPERCASE;
                        return reason;
                }
        }

        reason = path_check(s, remainder, path_len);
        if (reason)
                return reason;
        parts.path = (Span) { remainder, path_len };

        p = remainder + path_len;
        if (*p == ':') {
                const char *at = strchr(p + 1, '@');
                size_t l = at ? (size_t) (at - p - 1) : strlen(p + 1);

                reason = tag_check(p + 1, l);
                if (reason)
                        return reason;
                parts.tag = (Span) { p + 1, l };
                p += 1 + l;
        }
        if (*p == '@') {
                reason = digest_check_syntax(p + 1, strlen(p + 1));
                if (reason)
                        return reason;
                parts.digest = (Span) { p + 1, strlen(p + 1) };
        }

        /* The order of these last two checks is the one distribution/reference has. */
        if ((parts.library_prefix ? strlen("library/") : 0) + path_len > IMAGE_REF_PATH_MAX)
                return REASON_TOO_LONG;

        if (parts.digest.p) {
                reason = digest_check_value(parts.digest.p, parts.digest.n);
                if (reason)
                        return reason;
        }

        *ret = parts;
        return NULL;
}

static char *strndup_prefixed(const char *prefix, const char *s, size_t n) {
        size_t l = strlen(prefix);
        char *r;

        r = malloc(l + n + 1);
        if (!r)
                return NULL;
        memcpy(r, prefix, l);
        memcpy(r + l, s, n);
        r[l + n] = 0;
        return r;
}

ImageRef *image_ref_free(ImageRef *r) {
        if (!r)
                return NULL;

        free(r->domain);
        free(r->path);
        free(r->tag);
        free(r->digest);
        return mfree(r);
}

int image_ref_parse(const char *s, ImageRef **ret, const char **ret_reason) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        const char *reason;
        Parts parts;

        assert(s);
        assert(ret);

        reason = reference_split(s, &parts);
        if (reason) {
                if (ret_reason)
                        *ret_reason = reason;
                return -EINVAL;
        }

        ref = calloc(1, sizeof(ImageRef));
        if (!ref)
                return -ENOMEM;

        ref->domain = strndup(parts.domain.p, parts.domain.n);
        if (!ref->domain)
                return -ENOMEM;

        ref->path = strndup_prefixed(parts.library_prefix ? "library/" : "", parts.path.p, parts.path.n);
        if (!ref->path)
                return -ENOMEM;

        /* "latest" only when neither a tag nor a digest was given, as TagNameOnly() does. */
        if (parts.tag.p || !parts.digest.p) {
                ref->tag = parts.tag.p ? strndup(parts.tag.p, parts.tag.n) : strdup(IMAGE_REF_DEFAULT_TAG);
                if (!ref->tag)
                        return -ENOMEM;
        }

        if (parts.digest.p) {
                ref->digest = strndup(parts.digest.p, parts.digest.n);
                if (!ref->digest)
                        return -ENOMEM;
        }

        *ret = TAKE_PTR(ref);
        return 0;
}

static int ref_format(const ImageRef *r, const char *domain, const char *path, char **ret) {
        char *s;

        s = strjoin(strempty(domain), isempty(domain) ? "" : "/",
                    path,
                    r->tag ? ":" : "", strempty(r->tag),
                    r->digest ? "@" : "", strempty(r->digest));
        if (!s)
                return -ENOMEM;

        *ret = s;
        return 0;
}

int image_ref_to_string(const ImageRef *r, char **ret) {
        assert(r);
        assert(r->path);
        assert(ret);

        return ref_format(r, r->domain, r->path, ret);
}

/* Would the first component of a path be taken for a domain if it were first in a reference? */
static bool component_looks_like_domain(const char *s, size_t n) {
        return span_eq(s, n, "localhost") ||
                memchr(s, '.', n) || memchr(s, ':', n) ||
                span_has_upper(s, n);
}

int image_ref_to_familiar(const ImageRef *r, char **ret) {
        const char *domain, *path, *slash, *rest;

        assert(r);
        assert(r->path);
        assert(ret);

        domain = r->domain;
        path = r->path;

        /* Like distribution/reference's familiarizeName(): drop "docker.io/", and "library/" from
         * one-component official images. Unlike it, keep them whenever dropping would make the result
         * parse as a different reference ("docker.io/foo.com/x" must not print as "foo.com/x"). */
        if (!streq_ptr(domain, IMAGE_REF_DEFAULT_DOMAIN))
                return ref_format(r, domain, path, ret);

        slash = strchr(path, '/');
        if (!slash || component_looks_like_domain(path, (size_t) (slash - path)))
                return ref_format(r, domain, path, ret);

        rest = startswith(path, "library/");
        if (rest && !strchr(rest, '/') &&
            !(!r->tag && !r->digest && strlen(rest) == 64 && span_is_lower_hex(rest, 64)))
                path = rest;

        return ref_format(r, NULL, path, ret);
}

int image_ref_repository(const ImageRef *r, char **ret) {
        char *s;

        assert(r);
        assert(r->path);
        assert(ret);

        s = strjoin(strempty(r->domain), isempty(r->domain) ? "" : "/", r->path);
        if (!s)
                return -ENOMEM;

        *ret = s;
        return 0;
}

bool image_ref_is_digest(const char *s) {
        const char *hex;
        size_t want;

        if (!s)
                return false;

        if ((hex = startswith(s, "sha256:")))
                want = 64;
        else if ((hex = startswith(s, "sha512:")))
                want = 128;
        else
                return false;

        return strlen(hex) == want && span_is_lower_hex(hex, want);
}

bool image_id_prefix_valid(const char *s) {
        const char *hex;
        size_t n;

        if (!s)
                return false;

        hex = startswith(s, "sha256:") ?: s;
        n = strlen(hex);
        return n >= 1 && n <= 64 && span_is_lower_hex(hex, n);
}
