/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "image-ref.h"
#include "string-util.h"
#include "tests.h"

#define SHA256_F "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define SHA256_BUSYBOX "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"
#define HEX64 "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"
#define HEX128 HEX64 HEX64
#define SHA512_HEX "sha512:" HEX128

/* Helpers: each reports the input it was given, what was expected and what came instead. */

static char *repeat(const char *unit, size_t times) {
        size_t l = strlen(unit);
        char *s = malloc(l * times + 1);

        if (!s)
                abort();
        for (size_t i = 0; i < times; i++)
                memcpy(s + i * l, unit, l);
        s[l * times] = 0;
        return s;
}

static void check_parse(const char *input, const char *domain, const char *path, const char *tag, const char *digest) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        const char *reason = NULL;
        int r;

        r = image_ref_parse(input, &ref, &reason);
        if (r < 0)
                test_fail("parsing \"%s\": expected success, got %s (%s)", input, strerror(-r), strna(reason));
        if (!streq_ptr(ref->domain, domain) || !streq_ptr(ref->path, path) ||
            !streq_ptr(ref->tag, tag) || !streq_ptr(ref->digest, digest))
                test_fail("parsing \"%s\": expected domain=%s path=%s tag=%s digest=%s, "
                          "got domain=%s path=%s tag=%s digest=%s",
                          input, strna(domain), strna(path), strna(tag), strna(digest),
                          strna(ref->domain), strna(ref->path), strna(ref->tag), strna(ref->digest));
}

static void check_canonical(const char *input, const char *canonical) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        _cleanup_free_ char *s = NULL;
        const char *reason = NULL;
        int r;

        r = image_ref_parse(input, &ref, &reason);
        if (r < 0)
                test_fail("parsing \"%s\": expected success, got %s (%s)", input, strerror(-r), strna(reason));
        r = image_ref_to_string(ref, &s);
        if (r < 0)
                test_fail("formatting \"%s\": %s", input, strerror(-r));
        if (!streq(s, canonical))
                test_fail("canonical form of \"%s\": expected \"%s\", got \"%s\"", input, canonical, s);
}

static void check_familiar(const char *input, const char *familiar) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        _cleanup_free_ char *s = NULL;
        const char *reason = NULL;
        int r;

        r = image_ref_parse(input, &ref, &reason);
        if (r < 0)
                test_fail("parsing \"%s\": expected success, got %s (%s)", input, strerror(-r), strna(reason));
        r = image_ref_to_familiar(ref, &s);
        if (r < 0)
                test_fail("formatting \"%s\": %s", input, strerror(-r));
        if (!streq(s, familiar))
                test_fail("familiar form of \"%s\": expected \"%s\", got \"%s\"", input, familiar, s);
}

/* expected_reason NULL: any reason, but there must be one. */
static void check_rejects(const char *input, const char *expected_reason) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        const char *reason = NULL;
        int r;

        r = image_ref_parse(input, &ref, &reason);
        if (r != -EINVAL)
                test_fail("parsing \"%s\": expected -EINVAL, got %d", input, r);
        if (!reason)
                test_fail("parsing \"%s\": expected a reason, got none", input);
        if (expected_reason && !streq(reason, expected_reason))
                test_fail("parsing \"%s\": expected reason \"%s\", got \"%s\"", input, expected_reason, reason);
}

/* Parse, format canonically, parse that again: the same reference, field by field and as text. */
static void check_round_trip(const char *input) {
        _cleanup_(image_ref_freep) ImageRef *a = NULL, *b = NULL, *c = NULL;
        _cleanup_free_ char *s = NULL, *t = NULL, *f = NULL, *u = NULL;

        if (image_ref_parse(input, &a, NULL) < 0)
                test_fail("parsing \"%s\" failed", input);
        if (image_ref_to_string(a, &s) < 0 || image_ref_parse(s, &b, NULL) < 0)
                test_fail("canonical form \"%s\" of \"%s\" does not parse", strna(s), input);
        if (image_ref_to_string(b, &t) < 0 || !streq(s, t))
                test_fail("canonical form of \"%s\" is not stable: \"%s\" then \"%s\"", input, s, strna(t));
        if (!streq_ptr(a->domain, b->domain) || !streq_ptr(a->path, b->path) ||
            !streq_ptr(a->tag, b->tag) || !streq_ptr(a->digest, b->digest))
                test_fail("\"%s\" and its canonical form \"%s\" parse differently", input, s);
        if (image_ref_to_familiar(a, &f) < 0 || image_ref_parse(f, &c, NULL) < 0)
                test_fail("familiar form \"%s\" of \"%s\" does not parse", strna(f), input);
        if (image_ref_to_string(c, &u) < 0 || !streq(s, u))
                test_fail("familiar form \"%s\" of \"%s\" means \"%s\", not \"%s\"", f, input, strna(u), s);
}

/* Normalization onto docker.io */

TEST(parse_adds_library_prefix_for_one_part_docker_io_names) {
        check_parse("busybox", "docker.io", "library/busybox", "latest", NULL);
        check_parse("ubuntu-12.04-base", "docker.io", "library/ubuntu-12.04-base", "latest", NULL);
}

TEST(parse_adds_library_prefix_when_docker_io_is_spelled_out) {
        check_parse("docker.io/foo", "docker.io", "library/foo", "latest", NULL);
        check_canonical("docker.io/debian:12", "docker.io/library/debian:12");
}

TEST(parse_adds_latest_tag_when_neither_tag_nor_digest_is_given) {
        check_canonical("redis", "docker.io/library/redis:latest");
        check_canonical("quay.io/a/b", "quay.io/a/b:latest");
}

TEST(parse_leaves_tag_unset_when_only_a_digest_is_given) {
        check_parse(("busybox@" SHA256_BUSYBOX), "docker.io", "library/busybox", NULL, SHA256_BUSYBOX);
}

TEST(parse_keeps_both_tag_and_digest) {
        check_parse("busybox:1.36@" SHA256_BUSYBOX, "docker.io", "library/busybox", "1.36", SHA256_BUSYBOX);
        check_canonical(("busybox:latest@" SHA256_BUSYBOX), "docker.io/library/busybox:latest@" SHA256_BUSYBOX);
}

TEST(parse_puts_two_part_names_on_docker_io_without_library_prefix) {
        check_parse("fooo/bar", "docker.io", "fooo/bar", "latest", NULL);
        check_parse("other/library", "docker.io", "other/library", "latest", NULL);
}

TEST(parse_keeps_deeper_paths_on_docker_io_as_given) {
        check_parse("foo/bar/baz", "docker.io", "foo/bar/baz", "latest", NULL);
        check_parse("library/foo/bar", "docker.io", "library/foo/bar", "latest", NULL);
}

TEST(parse_does_not_double_the_library_prefix) {
        check_parse("library/debian", "docker.io", "library/debian", "latest", NULL);
        check_parse("docker.io/library/debian", "docker.io", "library/debian", "latest", NULL);
}

TEST(parse_normalizes_index_docker_io_to_docker_io) {
        check_parse("index.docker.io/fooo/bar", "docker.io", "fooo/bar", "latest", NULL);
        check_parse("index.docker.io/debian", "docker.io", "library/debian", "latest", NULL);
        check_parse("index.docker.io/library/debian:12", "docker.io", "library/debian", "12", NULL);
}

TEST(parse_does_not_add_library_prefix_on_other_registries) {
        check_parse("localhost/fooo", "localhost", "fooo", "latest", NULL);
        check_parse("example.com/privatebase", "example.com", "privatebase", "latest", NULL);
        check_parse("127.0.0.1:8000/privatebase", "127.0.0.1:8000", "privatebase", "latest", NULL);
}

/* What counts as a domain */

TEST(parse_treats_localhost_as_a_domain) {
        check_parse("localhost/fooo/bar", "localhost", "fooo/bar", "latest", NULL);
        check_parse("localhost:5000/x:tag", "localhost:5000", "x", "tag", NULL);
}

TEST(parse_treats_a_first_component_with_a_dot_as_a_domain) {
        check_parse("example.com/private/moonbase", "example.com", "private/moonbase", "latest", NULL);
        check_parse("192.168.1.1/repo", "192.168.1.1", "repo", "latest", NULL);
        check_parse("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag", NULL);
}

TEST(parse_treats_a_first_component_with_a_port_as_a_domain) {
        check_parse("test:5000/repo", "test:5000", "repo", "latest", NULL);
        check_parse("127.0.0.1:5000/docker/docker", "127.0.0.1:5000", "docker/docker", "latest", NULL);
        check_parse("example.com:8000/private/moonbase", "example.com:8000", "private/moonbase", "latest", NULL);
        check_parse("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", NULL);
}

TEST(parse_treats_a_first_component_with_uppercase_as_a_domain) {
        check_parse("LOCALDOMAIN/fooo", "LOCALDOMAIN", "fooo", "latest", NULL);
        check_parse("Foo/bar", "Foo", "bar", "latest", NULL);
        check_parse("Docker/docker", "Docker", "docker", "latest", NULL);
}

TEST(parse_treats_a_plain_first_component_as_a_docker_io_namespace) {
        check_parse("localhostx/foo", "docker.io", "localhostx/foo", "latest", NULL);
        check_parse("foo_bar/x", "docker.io", "foo_bar/x", "latest", NULL);
}

TEST(parse_treats_a_lone_host_like_name_as_a_docker_io_image) {
        check_parse("localhost", "docker.io", "library/localhost", "latest", NULL);
        check_parse("example.com", "docker.io", "library/example.com", "latest", NULL);
        check_parse("192.168.1.1", "docker.io", "library/192.168.1.1", "latest", NULL);
}

TEST(parse_reads_a_lone_host_and_port_as_name_and_tag) {
        check_parse("localhost:5000", "docker.io", "library/localhost", "5000", NULL);
        check_parse("test.com:tag", "docker.io", "library/test.com", "tag", NULL);
        check_parse("foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", NULL);
        check_parse("192.168.0.1:80", "docker.io", "library/192.168.0.1", "80", NULL);
}

TEST(parse_keeps_the_case_of_the_domain) {
        check_parse("INDEX.DOCKER.IO/foo", "INDEX.DOCKER.IO", "foo", "latest", NULL);
        check_parse("Example.COM:5000/foo", "Example.COM:5000", "foo", "latest", NULL);
}

TEST(parse_accepts_punycode_domains) {
        check_parse("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", NULL);
        check_parse("xn--7o8h.com/myimage:xn--7o8h.com@" SHA256_F, "xn--7o8h.com", "myimage", "xn--7o8h.com", SHA256_F);
}

TEST(parse_accepts_ipv6_domains_in_brackets) {
        check_parse("[::1]:5000/repo", "[::1]:5000", "repo", "latest", NULL);
        check_parse("[2001:db8::1]/repo", "[2001:db8::1]", "repo", "latest", NULL);
        check_parse("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", NULL);
        check_parse("[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", "latest", NULL);
        check_parse("[fc00::1]:5000/docker/docker", "[fc00::1]:5000", "docker/docker", "latest", NULL);
        check_parse("[2001:db8::1]:5000/repo:tag@" SHA256_F, "[2001:db8::1]:5000", "repo", "tag", SHA256_F);
}

TEST(parse_rejects_ipv6_addresses_without_brackets) {
        check_rejects("fc00::1:5000/debian", "invalid reference format: registry port must be a number");
}

TEST(parse_rejects_ipv6_zone_ids_and_embedded_ipv4) {
        check_rejects("[fe80::1%eth0]:5000/debian", "invalid reference format: registry IPv6 address is not valid");
        check_rejects("[2001:db8:3:4::192.0.2.33]:5000/debian", "invalid reference format: registry IPv6 address is not valid");
        check_rejects("[]:5000/debian", "invalid reference format: registry IPv6 address is not valid");
        check_rejects("[::1/debian", "invalid reference format: registry IPv6 address is not valid");
}

TEST(parse_rejects_an_ipv6_domain_without_a_path) {
        check_rejects("[2001:db8::1]", NULL);
        check_rejects("[2001:db8::1]:5000", NULL);
        check_rejects("[2001:db8::1]:tag", NULL);
}

TEST(parse_rejects_a_port_that_is_not_a_number) {
        check_rejects("localhost:abc/x", "invalid reference format: registry port must be a number");
        check_rejects("example.com:/x", "invalid reference format: registry port must be a number");
        check_rejects("[::1]:5000x/x", "invalid reference format: registry port must be a number");
        check_rejects("example.com:5000:6000/x", "invalid reference format: registry port must be a number");
        /* A ':' before the first '/' makes a domain, so this is not a name with a tag. */
        check_rejects("foo:tag/x", "invalid reference format: registry port must be a number");
}

TEST(parse_rejects_invalid_domain_names) {
        check_rejects("-docker.io/docker/docker", "invalid reference format: registry domain is not a valid host name");
        check_rejects("foo-.com/x", "invalid reference format: registry domain is not a valid host name");
        check_rejects("a..b/x", "invalid reference format: registry domain is not a valid host name");
        check_rejects("dock..er/docker", "invalid reference format: registry domain is not a valid host name");
        check_rejects(".com/x", "invalid reference format: registry domain is not a valid host name");
        check_rejects(":5000/x", "invalid reference format: registry domain is not a valid host name");
        check_rejects("[::1]x/y", "invalid reference format: registry domain is not a valid host name");
}

TEST(parse_rejects_a_dotted_first_component_with_underscores) {
        /* distribution/reference takes this as a path on no registry at all; we refuse it. */
        check_rejects("a_b.c/d", "invalid reference format: registry domain is not a valid host name");
}

/* Path components */

TEST(parse_accepts_path_component_separators) {
        check_parse("docker-rules/docker", "docker.io", "docker-rules/docker", "latest", NULL);
        check_parse("docker---rules/docker", "docker.io", "docker---rules/docker", "latest", NULL);
        check_parse("dock__er/docker", "docker.io", "dock__er/docker", "latest", NULL);
        check_parse("x/a.b_c-d", "docker.io", "x/a.b_c-d", "latest", NULL);
        check_parse("d/docker", "docker.io", "d/docker", "latest", NULL);
        check_parse("jess/t", "docker.io", "jess/t", "latest", NULL);
}

TEST(parse_rejects_separators_at_the_ends_or_doubled) {
        static const char *const bad[] = {
                "-docker", "-docker/docker", "docker-/docker", "-docker-/docker",
                "____/____", "_docker/_docker", "docker/dock..er", "docker/dock_.er",
                "docker/dock-.er", "dock___er/docker", "docker/docker.", "docker/.docker",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                check_rejects(bad[i], "invalid reference format: repository name components must be lowercase letters "
                              "and digits, separated by '.', '_', '__' or dashes");
}

TEST(parse_rejects_other_characters_in_the_path) {
        check_rejects("aa/asdf$$^/aa", NULL);
        check_rejects("foo/b+r", NULL);
        check_rejects("foo/[bar]", NULL);
        check_rejects("https://github.com/docker/docker", NULL);
}

TEST(parse_rejects_uppercase_repository) {
        static const char *const bad[] = {
                "Busybox", "docker/Docker", "Uppercase:tag", "test:5000/Uppercase/lowercase:tag",
                "docker.io/docker/Docker", ("localhost/Foo@" SHA256_F),
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                check_rejects(bad[i], "repository name must be lowercase");
}

TEST(parse_reports_uppercase_for_a_first_component_that_only_lowercase_would_make_valid) {
        check_rejects("Foo_bar/x", "repository name must be lowercase");
}

TEST(parse_rejects_64_hex_repository_names) {
        check_rejects(HEX64, "invalid repository name: cannot specify 64-byte hexadecimal strings");
}

TEST(parse_accepts_64_hex_names_with_a_domain_or_tag) {
        check_parse(("docker.io/" HEX64), "docker.io", "library/" HEX64, "latest", NULL);
        check_parse((HEX64 ":latest"), "docker.io", "library/" HEX64, "latest", NULL);
}

TEST(parse_accepts_64_character_names_that_are_not_hex) {
        check_parse("thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "docker.io",
                    "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "latest", NULL);
        /* 63 or 65 hex digits are names, too. */
        check_parse("a" HEX64, "docker.io", "library/a" HEX64, "latest", NULL);
}

TEST(parse_limits_the_path_to_255_characters) {
        _cleanup_free_ char *a255 = repeat("a", 255), *a256 = repeat("a", 256);
        _cleanup_free_ char *ok = strjoin("example.com/", a255, ":tag");
        _cleanup_free_ char *bad = strjoin("example.com/", a256, ":tag");

        check_parse(ok, "example.com", a255, "tag", NULL);
        check_rejects(bad, "repository name must not be more than 255 characters");
}

TEST(parse_counts_the_library_prefix_in_the_length_limit) {
        _cleanup_free_ char *a247 = repeat("a", 247), *a248 = repeat("a", 248);
        _cleanup_free_ char *path = strjoin("library/", a247);

        check_parse(a247, "docker.io", path, "latest", NULL);
        check_rejects(a248, "repository name must not be more than 255 characters");
}

TEST(parse_does_not_count_the_domain_or_tag_in_the_length_limit) {
        _cleanup_free_ char *parts = repeat("a/", 127);
        _cleanup_free_ char *input = strjoin(parts, "a:tag-puts-this-over-max");
        _cleanup_free_ char *path = strjoin(parts, "a");
        _cleanup_free_ char *labels = repeat("a.", 200);
        _cleanup_free_ char *long_domain = strjoin(labels, "com/x");
        _cleanup_free_ char *domain = strjoin(labels, "com");

        check_parse(input, "docker.io", path, "tag-puts-this-over-max", NULL);
        check_parse(long_domain, domain, "x", "latest", NULL);
}

/* Tags */

TEST(parse_allows_uppercase_in_tags) {
        check_parse("lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", NULL);
}

TEST(parse_accepts_tags_with_dots_dashes_and_underscores) {
        check_parse("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
                    "test.example.com", NULL);
        check_parse("foo:_a.b-c__", "docker.io", "library/foo", "_a.b-c__", NULL);
}

TEST(parse_accepts_tags_up_to_128_characters) {
        _cleanup_free_ char *t128 = repeat("t", 128), *t129 = repeat("t", 129);
        _cleanup_free_ char *ok = strjoin("foo:", t128), *bad = strjoin("foo:", t129);

        check_parse(ok, "docker.io", "library/foo", t128, NULL);
        check_rejects(bad, "tag must not be more than 128 characters");
}

TEST(parse_rejects_tags_starting_with_a_dot_or_dash) {
        check_rejects("foo:-bar", "invalid tag: tag must start with a letter, digit or '_'");
        check_rejects("foo:.bar", "invalid tag: tag must start with a letter, digit or '_'");
}

TEST(parse_rejects_tags_with_other_characters) {
        check_rejects("foo:a+b", "invalid tag: tag may only contain letters, digits, '_', '.' and '-'");
        check_rejects("foo:a:b", "invalid tag: tag may only contain letters, digits, '_', '.' and '-'");
        check_rejects("foo:a%b", "invalid tag: tag may only contain letters, digits, '_', '.' and '-'");
}

TEST(parse_rejects_an_empty_tag) {
        check_rejects("foo:", "tag must not be empty");
        check_rejects("foo:@" SHA256_F, "tag must not be empty");
        check_rejects("localhost:5000/foo:", "tag must not be empty");
}

/* Digests */

TEST(parse_accepts_sha512_digests) {
        check_parse(("foo@" SHA512_HEX), "docker.io", "library/foo", NULL, SHA512_HEX);
}

TEST(parse_rejects_an_empty_digest) {
        check_rejects("foo@", "digest must not be empty");
        check_rejects("foo:tag@", "digest must not be empty");
}

TEST(parse_rejects_a_sha256_digest_of_the_wrong_length) {
        check_rejects("repo@sha256:ffffffffffffffffffffffffffffffffff", "invalid digest: sha256 digest must be 64 hex characters");
        check_rejects("repo@sha256:abc", "invalid digest: sha256 digest must be 64 hex characters");
        check_rejects("repo@" SHA256_F "f", "invalid digest: sha256 digest must be 64 hex characters");
}

TEST(parse_rejects_a_sha512_digest_of_the_wrong_length) {
        check_rejects("repo@sha512:" HEX64, "invalid digest: sha512 digest must be 128 hex characters");
}

TEST(parse_rejects_unsupported_digest_algorithms) {
        check_rejects("validname@invaliddigest:" HEX64, "invalid digest: unsupported digest algorithm");
        check_rejects("x@sha384:" HEX64 "0123456789abcdef0123456789abcdef", "invalid digest: unsupported digest algorithm");
        check_rejects("x@SHA256:" HEX64, "invalid digest: unsupported digest algorithm");
        check_rejects("x@sha256+b64:" HEX64, "invalid digest: unsupported digest algorithm");
}

TEST(parse_rejects_uppercase_digest_hex) {
        check_rejects("x@sha256:1A3F5E7D9C1B3A5F7E9D1C3B5A7F9E1D3C5B7A9F1E3D5D7C9B1A3F5E7D9C1B3A",
                      "invalid digest: hex digits must be lowercase");
}

TEST(parse_rejects_malformed_digests) {
        check_rejects("x@sha256", "invalid digest: digest must be <algorithm>:<hex>");
        check_rejects("x@:" HEX64, "invalid digest: digest must be <algorithm>:<hex>");
        check_rejects("x@sha256:", "invalid digest: digest must be <algorithm>:<hex>");
        check_rejects("x@1sha:" HEX64, "invalid digest: algorithm name is not valid");
        check_rejects("x@sha-:" HEX64, "invalid digest: algorithm name is not valid");
        check_rejects("x@sh%a:" HEX64, "invalid digest: algorithm name is not valid");
        check_rejects("x@sha256:" HEX64 "@", "invalid digest: encoded part must be hexadecimal");
        check_rejects("x@sha256:zz", "invalid digest: encoded part must be hexadecimal");
        check_rejects("x@md5:0123", "invalid digest: encoded part must be at least 32 hex characters");
}

/* Malformed input */

TEST(parse_rejects_the_empty_string) {
        check_rejects("", "image reference must not be empty");
}

TEST(parse_rejects_whitespace) {
        check_rejects(" busybox", "image reference must not contain whitespace");
        check_rejects("busybox ", "image reference must not contain whitespace");
        check_rejects("busy box", "image reference must not contain whitespace");
        check_rejects("busybox\n", "image reference must not contain whitespace");
        check_rejects("busybox:\tlatest", "image reference must not contain whitespace");
}

TEST(parse_rejects_control_characters) {
        check_rejects("busy\x01" "box", "image reference must not contain control characters");
        check_rejects("busybox\x7f", "image reference must not contain control characters");
        check_rejects("\x1b[31mred", "image reference must not contain control characters");
}

TEST(parse_rejects_non_ascii) {
        check_rejects("b\xc3\xbc" "sybox", "image reference must only contain ASCII characters");
}

TEST(parse_rejects_a_leading_slash) {
        check_rejects("/busybox", "repository name must not start with '/'");
        check_rejects("/", "repository name must not start with '/'");
}

TEST(parse_rejects_a_trailing_slash) {
        check_rejects("docker/", "repository name must not end with '/'");
        check_rejects("localhost/", "repository name must not end with '/'");
        check_rejects("foo/bar/:tag", "repository name must not end with '/'");
}

TEST(parse_rejects_empty_path_components) {
        check_rejects("docker///docker", "repository name must not contain '//'");
        check_rejects("docker.io/docker///docker", "repository name must not contain '//'");
        check_rejects("a//b", "repository name must not contain '//'");
        check_rejects("localhost//b", "repository name must not contain '//'");
        check_rejects("//", "repository name must not start with '/'");
}

TEST(parse_rejects_a_missing_name) {
        check_rejects(":justtag", "repository name must not be empty");
        check_rejects("@" SHA256_F, "repository name must not be empty");
        check_rejects(":", "repository name must not be empty");
        check_rejects("@", "repository name must not be empty");
}

TEST(parse_leaves_its_outputs_alone_on_failure) {
        ImageRef sentinel = {}, *ref = &sentinel;
        const char *reason = NULL;

        ASSERT_ERROR(image_ref_parse("foo:", &ref, &reason), EINVAL);
        ASSERT_TRUE(ref == &sentinel);
        ASSERT_STREQ(reason, "tag must not be empty");
}

TEST(parse_leaves_the_reason_alone_on_success) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        const char *reason = "untouched";

        ASSERT_OK(image_ref_parse("busybox", &ref, &reason));
        ASSERT_STREQ(reason, "untouched");
}

TEST(parse_accepts_a_null_reason_pointer) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;

        ASSERT_ERROR(image_ref_parse("Busybox", &ref, NULL), EINVAL);
        ASSERT_NULL(ref);
        ASSERT_OK(image_ref_parse("busybox", &ref, NULL));
        ASSERT_NOT_NULL(ref);
}

/* Formatting */

TEST(to_string_formats_domain_path_tag_and_digest) {
        check_canonical("busybox", "docker.io/library/busybox:latest");
        check_canonical("127.0.0.1:5000/x:tag", "127.0.0.1:5000/x:tag");
        check_canonical("[::1]:5000/a/b@" SHA256_F, "[::1]:5000/a/b@" SHA256_F);
        check_canonical("quay.io/a/b:1@" SHA256_F, "quay.io/a/b:1@" SHA256_F);
}

TEST(to_string_formats_hand_built_references) {
        ImageRef ref = { .domain = (char *) "example.com", .path = (char *) "x" };
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(image_ref_to_string(&ref, &s));
        ASSERT_STREQ(s, "example.com/x");
}

TEST(to_string_round_trips_through_parse) {
        static const char *const inputs[] = {
                "busybox", "busybox:1.36", ("busybox@" SHA256_BUSYBOX), ("busybox:latest@" SHA256_BUSYBOX),
                "fooo/bar", "library/foo/bar", "index.docker.io/debian", "localhost", "localhost:5000",
                "localhost/x", "localhost:5000/x:y", "LOCALDOMAIN/fooo", "Foo/bar", "[::1]:5000/repo",
                ("[2001:db8::1]/repo:tag@" SHA256_F), "example.com/a/b/c:TAG", ("docker.io/" HEX64),
                (HEX64 ":latest"), ("foo@" SHA512_HEX), "docker.io/foo.com/x", "docker.io/localhost/x",
        };
        for (size_t i = 0; i < ELEMENTSOF(inputs); i++)
                check_round_trip(inputs[i]);
}

TEST(to_familiar_drops_docker_io_and_library) {
        check_familiar("busybox", "busybox:latest");
        check_familiar("docker.io/library/busybox:1", "busybox:1");
        check_familiar("index.docker.io/library/ubuntu-12.04-base", "ubuntu-12.04-base:latest");
}

TEST(to_familiar_keeps_the_namespace_on_docker_io) {
        check_familiar("fooo/bar", "fooo/bar:latest");
        check_familiar("docker.io/store/foo/bar", "store/foo/bar:latest");
}

TEST(to_familiar_keeps_nested_library_paths) {
        check_familiar("library/foo/bar", "library/foo/bar:latest");
}

TEST(to_familiar_keeps_other_registries) {
        check_familiar("127.0.0.1:5000/x:tag", "127.0.0.1:5000/x:tag");
        check_familiar("localhost/fooo", "localhost/fooo:latest");
        check_familiar("LOCALDOMAIN/fooo/bar", "LOCALDOMAIN/fooo/bar:latest");
        check_familiar("example.com/library/x", "example.com/library/x:latest");
}

TEST(to_familiar_keeps_docker_io_when_the_namespace_looks_like_a_domain) {
        check_familiar("docker.io/foo.com/x", "docker.io/foo.com/x:latest");
        check_familiar("docker.io/localhost/x", "docker.io/localhost/x:latest");
}

TEST(to_familiar_includes_tag_and_digest) {
        check_familiar(("busybox:latest@" SHA256_BUSYBOX), "busybox:latest@" SHA256_BUSYBOX);
        check_familiar(("busybox@" SHA256_BUSYBOX), "busybox@" SHA256_BUSYBOX);
}

TEST(to_familiar_keeps_library_before_a_bare_64_hex_name) {
        ImageRef ref = { .domain = (char *) "docker.io", .path = (char *) "library/" HEX64 };
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(image_ref_to_familiar(&ref, &s));
        ASSERT_STREQ(s, "library/" HEX64);
}

TEST(repository_omits_tag_and_digest) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(image_ref_parse("busybox:1@" SHA256_BUSYBOX, &ref, NULL));
        ASSERT_OK(image_ref_repository(ref, &s));
        ASSERT_STREQ(s, "docker.io/library/busybox");
}

/* Digests and image IDs on their own */

TEST(is_digest_accepts_sha256_and_sha512) {
        ASSERT_TRUE(image_ref_is_digest(SHA256_BUSYBOX));
        ASSERT_TRUE(image_ref_is_digest(SHA512_HEX));
}

TEST(is_digest_rejects_wrong_length_case_and_algorithm) {
        ASSERT_FALSE(image_ref_is_digest(NULL));
        ASSERT_FALSE(image_ref_is_digest(""));
        ASSERT_FALSE(image_ref_is_digest(HEX64));
        ASSERT_FALSE(image_ref_is_digest("sha256:"));
        ASSERT_FALSE(image_ref_is_digest(SHA256_F "f"));
        ASSERT_FALSE(image_ref_is_digest("sha256:" HEX128));
        ASSERT_FALSE(image_ref_is_digest("sha512:" HEX64));
        ASSERT_FALSE(image_ref_is_digest("sha256:1A3F5E7D9C1B3A5F7E9D1C3B5A7F9E1D3C5B7A9F1E3D5D7C9B1A3F5E7D9C1B3A"));
        ASSERT_FALSE(image_ref_is_digest("SHA256:" HEX64));
        ASSERT_FALSE(image_ref_is_digest("md5:" HEX64));
}

TEST(image_id_prefix_accepts_short_and_full_hex) {
        ASSERT_TRUE(image_id_prefix_valid("a"));
        ASSERT_TRUE(image_id_prefix_valid("abc123"));
        ASSERT_TRUE(image_id_prefix_valid(HEX64));
        ASSERT_TRUE(image_id_prefix_valid("sha256:abc123"));
        ASSERT_TRUE(image_id_prefix_valid("sha256:" HEX64));
}

TEST(image_id_prefix_rejects_non_hex_uppercase_empty_and_too_long) {
        ASSERT_FALSE(image_id_prefix_valid(NULL));
        ASSERT_FALSE(image_id_prefix_valid(""));
        ASSERT_FALSE(image_id_prefix_valid("sha256:"));
        ASSERT_FALSE(image_id_prefix_valid("abcxyz"));
        ASSERT_FALSE(image_id_prefix_valid("ABC123"));
        ASSERT_FALSE(image_id_prefix_valid("busybox"));
        ASSERT_FALSE(image_id_prefix_valid("a" HEX64));
        ASSERT_FALSE(image_id_prefix_valid("sha512:abc"));
        ASSERT_FALSE(image_id_prefix_valid(" abc"));
}

TEST(image_ref_free_accepts_null) {
        ASSERT_NULL(image_ref_free(NULL));
}
