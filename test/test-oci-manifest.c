/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sys/utsname.h>

#include "oci-manifest.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

#define HEX_A "a416a98b71e224a31ee99cff8e16063554498227d2b696152a9c3e0aa65e5824"
#define HEX_B "9ad63333ebc97e32b987ae66aa3cff81300e4c2e6d2f2395cef8a3ae18b249fe"
#define HEX_C "3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741"
#define HEX_D "0e2a8ab6a3c59e6d4b7d3a5b6b0e4e61b9b8ad0d3b8c0e4f4c7a7c3c6a1e2d3f"
#define HEX_E "5b0e6e4d2c1d8a9f3e4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
#define SHA_A "sha256:" HEX_A
#define SHA_B "sha256:" HEX_B
#define SHA_C "sha256:" HEX_C
#define SHA_D "sha256:" HEX_D
#define SHA_E "sha256:" HEX_E

/* What `skopeo copy` writes for a two-layer image (gzip + zstd), with annotations. */
static const char oci_manifest[] =
        "{\n"
        "  \"schemaVersion\": 2,\n"
        "  \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"
        "  \"config\": {\n"
        "    \"mediaType\": \"application/vnd.oci.image.config.v1+json\",\n"
        "    \"digest\": \"" SHA_A "\",\n"
        "    \"size\": 1457\n"
        "  },\n"
        "  \"layers\": [\n"
        "    {\n"
        "      \"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\",\n"
        "      \"digest\": \"" SHA_B "\",\n"
        "      \"size\": 2591575\n"
        "    },\n"
        "    {\n"
        "      \"mediaType\": \"application/vnd.oci.image.layer.v1.tar+zstd\",\n"
        "      \"digest\": \"" SHA_C "\",\n"
        "      \"size\": 120,\n"
        "      \"annotations\": { \"org.opencontainers.image.title\": \"data\" }\n"
        "    }\n"
        "  ],\n"
        "  \"annotations\": { \"org.opencontainers.image.base.name\": \"busybox:latest\" }\n"
        "}\n";

/* docker.io/library/busybox as Docker Hub served it in 2023. */
static const char docker_manifest[] =
        "{\n"
        "   \"schemaVersion\": 2,\n"
        "   \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n"
        "   \"config\": {\n"
        "      \"mediaType\": \"application/vnd.docker.container.image.v1+json\",\n"
        "      \"size\": 1457,\n"
        "      \"digest\": \"" SHA_A "\"\n"
        "   },\n"
        "   \"layers\": [\n"
        "      {\n"
        "         \"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\n"
        "         \"size\": 2591575,\n"
        "         \"digest\": \"" SHA_B "\"\n"
        "      }\n"
        "   ]\n"
        "}";

/* What buildx pushes: two platforms and their attestation manifests. */
static const char oci_index[] =
        "{\n"
        "  \"schemaVersion\": 2,\n"
        "  \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n"
        "  \"manifests\": [\n"
        "    { \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"digest\": \"" SHA_A "\", \"size\": 673,\n"
        "      \"platform\": { \"architecture\": \"amd64\", \"os\": \"linux\" } },\n"
        "    { \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"digest\": \"" SHA_B "\", \"size\": 673,\n"
        "      \"platform\": { \"architecture\": \"arm64\", \"os\": \"linux\", \"variant\": \"v8\" } },\n"
        "    { \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"digest\": \"" SHA_C "\", \"size\": 566,\n"
        "      \"annotations\": { \"vnd.docker.reference.digest\": \"" SHA_A "\",\n"
        "                       \"vnd.docker.reference.type\": \"attestation-manifest\" },\n"
        "      \"platform\": { \"architecture\": \"unknown\", \"os\": \"unknown\" } }\n"
        "  ]\n"
        "}\n";

/* A Docker manifest list the way docker-library images have them. */
static const char manifest_list[] =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\",\"manifests\":["
        "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"size\":528,\"digest\":\"" SHA_A "\","
        "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
        "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"size\":528,\"digest\":\"" SHA_B "\","
        "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"}},"
        "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"size\":528,\"digest\":\"" SHA_C "\","
        "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}},"
        "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"size\":528,\"digest\":\"" SHA_D "\","
        "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}},"
        "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"size\":528,\"digest\":\"" SHA_E "\","
        "\"platform\":{\"architecture\":\"amd64\",\"os\":\"windows\",\"os.version\":\"10.0.17763.5329\"}}"
        "]}";

/* A docker-built config: labels, ports, volumes, a health check, history with empty layers. */
static const char image_config[] =
        "{\n"
        "  \"architecture\": \"amd64\",\n"
        "  \"config\": {\n"
        "    \"Hostname\": \"\",\n"
        "    \"User\": \"nginx:nginx\",\n"
        "    \"ExposedPorts\": { \"80/tcp\": {}, \"443/tcp\": {} },\n"
        "    \"Env\": [ \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", \"NGINX_VERSION=1.25.3\" ],\n"
        "    \"Entrypoint\": [ \"/docker-entrypoint.sh\" ],\n"
        "    \"Cmd\": [ \"nginx\", \"-g\", \"daemon off;\" ],\n"
        "    \"Healthcheck\": { \"Test\": [ \"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\" ],\n"
        "                     \"Interval\": 30000000000, \"Timeout\": 3000000000, \"StartPeriod\": 5000000000,\n"
        "                     \"Retries\": 3 },\n"
        "    \"Volumes\": { \"/var/cache/nginx\": {} },\n"
        "    \"WorkingDir\": \"/srv\",\n"
        "    \"Labels\": { \"maintainer\": \"NGINX Docker Maintainers <docker-maint@nginx.com>\", \"org.example.empty\": \"\" },\n"
        "    \"StopSignal\": \"SIGQUIT\",\n"
        "    \"ArgsEscaped\": true,\n"
        "    \"OnBuild\": null\n"
        "  },\n"
        "  \"created\": \"2023-11-21T05:41:46.123456789Z\",\n"
        "  \"history\": [\n"
        "    { \"created\": \"2023-11-21T05:21:24Z\", \"created_by\": \"/bin/sh -c #(nop) ADD file:abc in / \" },\n"
        "    { \"created\": \"2023-11-21T05:21:25Z\", \"created_by\": \"/bin/sh -c #(nop)  CMD [\\\"bash\\\"]\", \"empty_layer\": true },\n"
        "    { \"created\": \"2023-11-21T05:41:46Z\", \"created_by\": \"RUN /bin/sh -c apt-get update # buildkit\",\n"
        "      \"comment\": \"buildkit.dockerfile.v0\", \"author\": \"someone\" }\n"
        "  ],\n"
        "  \"os\": \"linux\",\n"
        "  \"rootfs\": { \"type\": \"layers\", \"diff_ids\": [ \"" SHA_D "\", \"" SHA_E "\" ] }\n"
        "}\n";

static char *manifest_with_layer(const char *layer_fields) {
        char *s = NULL;

        if (asprintf(&s,
                     "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                     "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" SHA_A "\",\"size\":10},"
                     "\"layers\":[{%s}]}", layer_fields) < 0)
                abort();
        return s;
}

static char *config_with(const char *fields) {
        char *s = NULL;

        if (asprintf(&s, "{\"architecture\":\"amd64\",\"os\":\"linux\",%s}", fields) < 0)
                abort();
        return s;
}

/* Parses text as a manifest, expecting error err and a reason containing needle. */
static int manifest_fails(const char *text, size_t size, const char *hint, int err, const char *needle) {
        _cleanup_(oci_manifest_freep) OciManifest *m = NULL;
        _cleanup_free_ char *reason = NULL;
        int r;

        r = oci_manifest_parse(text, size, hint, &m, &reason);
        if (r != -err) {
                fprintf(stderr, "  manifest %.60s...: expected %s, got %d (%s), reason: %s\n",
                        text, strerror(err), r, r < 0 ? strerror(-r) : "success", strna(reason));
                return 0;
        }
        if (m) {
                fprintf(stderr, "  manifest: *ret written on failure\n");
                return 0;
        }
        if (needle && (!reason || !strstr(reason, needle))) {
                fprintf(stderr, "  manifest %.60s...: expected a reason containing \"%s\", got \"%s\"\n",
                        text, needle, strna(reason));
                return 0;
        }
        return 1;
}

static int config_fails(const char *text, int err, const char *needle) {
        _cleanup_(oci_image_config_freep) OciImageConfig *c = NULL;
        _cleanup_free_ char *reason = NULL;
        int r;

        r = oci_image_config_parse(text, strlen(text), &c, &reason);
        if (r != -err || c) {
                fprintf(stderr, "  config %.80s: expected %s, got %d, reason: %s\n", text, strerror(err), r, strna(reason));
                return 0;
        }
        if (needle && (!reason || !strstr(reason, needle))) {
                fprintf(stderr, "  config %.80s: expected a reason containing \"%s\", got \"%s\"\n", text, needle, strna(reason));
                return 0;
        }
        return 1;
}

/* ---- manifests ---- */

TEST(manifest_parse_reads_oci_manifest) {
        _cleanup_(oci_manifest_freep) OciManifest *m = NULL;
        _cleanup_free_ char *reason = NULL;

        ASSERT_OK(oci_manifest_parse(oci_manifest, strlen(oci_manifest), OCI_MEDIA_TYPE_MANIFEST, &m, &reason));
        ASSERT_NULL(reason);
        ASSERT_STREQ(m->media_type, OCI_MEDIA_TYPE_MANIFEST);
        ASSERT_STREQ(m->config.media_type, OCI_MEDIA_TYPE_CONFIG);
        ASSERT_STREQ(m->config.digest, SHA_A);
        ASSERT_EQ(m->config.size, 1457);
        ASSERT_EQ(m->n_layers, 2);
        ASSERT_STREQ(m->layers[0].digest, SHA_B);
        ASSERT_EQ(m->layers[0].size, 2591575);
        ASSERT_EQ(m->layers[0].compression, OCI_COMPRESSION_GZIP);
        ASSERT_FALSE(m->layers[0].foreign);
        ASSERT_EQ(m->layers[1].compression, OCI_COMPRESSION_ZSTD);
        ASSERT_EQ(oci_manifest_layers_size(m), 2591575 + 120);
}

TEST(manifest_parse_reads_docker_schema2_manifest) {
        _cleanup_(oci_manifest_freep) OciManifest *m = NULL;

        ASSERT_OK(oci_manifest_parse(docker_manifest, strlen(docker_manifest),
                                     "application/vnd.docker.distribution.manifest.v2+json", &m, NULL));
        ASSERT_STREQ(m->media_type, DOCKER_MEDIA_TYPE_MANIFEST);
        ASSERT_STREQ(m->config.media_type, DOCKER_MEDIA_TYPE_CONFIG);
        ASSERT_EQ(m->n_layers, 1);
        ASSERT_STREQ(m->layers[0].media_type, DOCKER_MEDIA_TYPE_LAYER_GZIP);
        ASSERT_EQ(m->layers[0].compression, OCI_COMPRESSION_GZIP);
}

TEST(manifest_parse_accepts_oci_manifest_without_media_type) {
        _cleanup_(oci_manifest_freep) OciManifest *m = NULL;
        const char *t =
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                "\"digest\":\"" SHA_A "\",\"size\":2},\"layers\":[]}";

        ASSERT_OK(oci_manifest_parse(t, strlen(t), NULL, &m, NULL));
        ASSERT_STREQ(m->media_type, OCI_MEDIA_TYPE_MANIFEST);
        ASSERT_EQ(m->n_layers, 0);
}

TEST(manifest_parse_takes_the_media_type_from_the_hint_when_the_document_has_none) {
        _cleanup_(oci_manifest_freep) OciManifest *m = NULL;
        const char *t =
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
                "\"digest\":\"" SHA_A "\",\"size\":2},\"layers\":[]}";

        ASSERT_OK(oci_manifest_parse(t, strlen(t), DOCKER_MEDIA_TYPE_MANIFEST "; charset=utf-8", &m, NULL));
        ASSERT_STREQ(m->media_type, DOCKER_MEDIA_TYPE_MANIFEST);
}

TEST(manifest_parse_ignores_a_generic_content_type) {
        _cleanup_(oci_manifest_freep) OciManifest *m = NULL;

        ASSERT_OK(oci_manifest_parse(oci_manifest, strlen(oci_manifest), "application/json; charset=utf-8", &m, NULL));
        ASSERT_STREQ(m->media_type, OCI_MEDIA_TYPE_MANIFEST);
}

TEST(manifest_parse_refuses_schema1_with_a_clear_message) {
        const char *v1 =
                "{\"schemaVersion\":1,\"name\":\"library/busybox\",\"tag\":\"latest\",\"architecture\":\"amd64\","
                "\"fsLayers\":[{\"blobSum\":\"" SHA_A "\"}],\"history\":[{\"v1Compatibility\":\"{}\"}]}";
        const char *v1_signed =
                "{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[],\"signatures\":[{\"header\":{},\"signature\":\"x\",\"protected\":\"y\"}]}";

        ASSERT_TRUE(manifest_fails(v1, strlen(v1), NULL, EPROTONOSUPPORT, "schema 1"));
        ASSERT_TRUE(manifest_fails(v1_signed, strlen(v1_signed), DOCKER_MEDIA_TYPE_SCHEMA1_SIGNED, EPROTONOSUPPORT,
                                   "deprecated and not supported"));
        /* Served as schema 1 even if the body does not look like it. */
        ASSERT_TRUE(manifest_fails(docker_manifest, strlen(docker_manifest), DOCKER_MEDIA_TYPE_SCHEMA1,
                                   EPROTONOSUPPORT, "schema 1"));
}

TEST(manifest_parse_rejects_bad_digests) {
        static const char *bad[] = {
                "\"digest\":\"sha256:" "A416A98B71E224A31EE99CFF8E16063554498227D2B696152A9C3E0AA65E5824" "\"",  /* uppercase */
                "\"digest\":\"sha256:a416a98b\"",                                                               /* short */
                "\"digest\":\"" HEX_A "\"",                                                                     /* no algorithm */
                "\"digest\":\"sha512:" HEX_A HEX_A "\"",                                                         /* not sha256 */
                "\"digest\":\"sha256:" HEX_A "0\"",                                                              /* long */
                "\"digest\":\"sha256:" HEX_A "\\u0000\"",                                                        /* NUL */
                "\"digest\":\"sha256:../../../../etc/passwd\"",
                "\"digest\":17",
                "\"digest\":null",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *fields = NULL, *t = NULL;

                if (asprintf(&fields, "\"mediaType\":\"" OCI_MEDIA_TYPE_LAYER_GZIP "\",\"size\":1,%s", bad[i]) < 0)
                        abort();
                t = manifest_with_layer(fields);
                ASSERT_TRUE(manifest_fails(t, strlen(t), NULL, EBADMSG, "layers[0]"));
        }
}

TEST(manifest_parse_rejects_negative_and_absurd_sizes) {
        static const char *bad[] = { "-1", "1.5", "\"12\"", "1099511627777", "18446744073709551616", "true", "null" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *fields = NULL, *t = NULL;

                if (asprintf(&fields, "\"mediaType\":\"" OCI_MEDIA_TYPE_LAYER_GZIP "\",\"digest\":\"" SHA_B "\",\"size\":%s", bad[i]) < 0)
                        abort();
                t = manifest_with_layer(fields);
                ASSERT_TRUE(manifest_fails(t, strlen(t), NULL, EBADMSG, "size"));
        }
}

TEST(manifest_parse_accepts_an_empty_layer) {
        _cleanup_(oci_manifest_freep) OciManifest *m = NULL;
        _cleanup_free_ char *t = manifest_with_layer("\"mediaType\":\"" OCI_MEDIA_TYPE_LAYER "\",\"digest\":\"" SHA_B "\",\"size\":0");

        ASSERT_OK(oci_manifest_parse(t, strlen(t), NULL, &m, NULL));
        ASSERT_EQ(m->layers[0].size, 0);
        ASSERT_EQ(m->layers[0].compression, OCI_COMPRESSION_NONE);
}

TEST(manifest_parse_rejects_a_missing_config) {
        const char *t = "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MEDIA_TYPE_MANIFEST "\",\"layers\":[]}";
        const char *t2 = "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MEDIA_TYPE_MANIFEST "\",\"config\":null,\"layers\":[]}";
        const char *t3 = "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MEDIA_TYPE_MANIFEST "\",\"config\":{\"mediaType\":\""
                OCI_MEDIA_TYPE_CONFIG "\",\"digest\":\"" SHA_A "\"},\"layers\":[]}";

        ASSERT_TRUE(manifest_fails(t, strlen(t), NULL, EBADMSG, "no \"config\""));
        ASSERT_TRUE(manifest_fails(t2, strlen(t2), NULL, EBADMSG, "no \"config\""));
        ASSERT_TRUE(manifest_fails(t3, strlen(t3), NULL, EBADMSG, "no \"size\""));
}

TEST(manifest_parse_rejects_missing_layers) {
        const char *t = "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MEDIA_TYPE_MANIFEST "\",\"config\":{\"mediaType\":\""
                OCI_MEDIA_TYPE_CONFIG "\",\"digest\":\"" SHA_A "\",\"size\":3}}";
        const char *t2 = "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MEDIA_TYPE_MANIFEST "\",\"config\":{\"mediaType\":\""
                OCI_MEDIA_TYPE_CONFIG "\",\"digest\":\"" SHA_A "\",\"size\":3},\"layers\":{}}";

        ASSERT_TRUE(manifest_fails(t, strlen(t), NULL, EBADMSG, "no \"layers\""));
        ASSERT_TRUE(manifest_fails(t2, strlen(t2), NULL, EBADMSG, "must be an array"));
}

TEST(manifest_parse_rejects_unknown_layer_media_types) {
        static const char *bad[] = {
                "application/vnd.oci.image.layer.v1.tar+gzip+encrypted",
                "application/vnd.docker.image.rootfs.diff.tar.bzip2",
                "application/x-tar",
                "",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *fields = NULL, *t = NULL;

                if (asprintf(&fields, "\"mediaType\":\"%s\",\"digest\":\"" SHA_B "\",\"size\":1", bad[i]) < 0)
                        abort();
                t = manifest_with_layer(fields);
                ASSERT_TRUE(manifest_fails(t, strlen(t), NULL, *bad[i] ? EMEDIUMTYPE : EBADMSG, "layers[0]"));
        }
}

TEST(manifest_parse_reports_foreign_layers) {
        _cleanup_(oci_manifest_freep) OciManifest *m = NULL;
        _cleanup_free_ char *t = manifest_with_layer(
                "\"mediaType\":\"" DOCKER_MEDIA_TYPE_LAYER_FOREIGN_GZIP "\",\"digest\":\"" SHA_B "\",\"size\":5,"
                "\"urls\":[\"https://mcr.microsoft.com/v2/windows/servercore/blobs/" SHA_B "\"]");

        ASSERT_OK(oci_manifest_parse(t, strlen(t), NULL, &m, NULL));
        ASSERT_TRUE(m->layers[0].foreign);
        ASSERT_EQ(m->layers[0].compression, OCI_COMPRESSION_GZIP);
}

TEST(manifest_parse_refuses_artifacts_that_are_not_images) {
        const char *helm = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.cncf.helm.config.v1+json\","
                "\"digest\":\"" SHA_A "\",\"size\":117},\"layers\":[{\"mediaType\":"
                "\"application/vnd.cncf.helm.chart.content.v1.tar+gzip\",\"digest\":\"" SHA_B "\",\"size\":3}]}";

        ASSERT_TRUE(manifest_fails(helm, strlen(helm), NULL, EMEDIUMTYPE, "not a container image"));
}

TEST(manifest_parse_rejects_what_is_not_json) {
        static const char nul[] = "{\"schemaVersion\":2\0}";

        ASSERT_TRUE(manifest_fails("", 0, NULL, EBADMSG, "empty"));
        ASSERT_TRUE(manifest_fails("<html>404</html>", 16, NULL, EBADMSG, "not JSON"));
        ASSERT_TRUE(manifest_fails("{\"schemaVersion\":2", 18, NULL, EBADMSG, "end of input"));
        ASSERT_TRUE(manifest_fails("{} {}", 5, NULL, EBADMSG, "not JSON"));
        ASSERT_TRUE(manifest_fails("{}\n\t ", 5, NULL, EBADMSG, "no \"schemaVersion\""));
        ASSERT_TRUE(manifest_fails("[1,2]", 5, NULL, EBADMSG, "not a JSON object"));
        ASSERT_TRUE(manifest_fails("{\"a\":1,}", 8, NULL, EBADMSG, "not JSON"));
        ASSERT_TRUE(manifest_fails(nul, sizeof nul - 1, NULL, EBADMSG, "NUL"));
        ASSERT_TRUE(manifest_fails("{\"a\":\"\xff\xfe\"}", 10, NULL, EBADMSG, "not JSON"));
}

TEST(manifest_parse_rejects_deeply_nested_junk) {
        size_t depth = 10000;
        char *t = malloc(depth * 2 + 16);

        ASSERT_NOT_NULL(t);
        memset(t, '[', depth);
        memset(t + depth, ']', depth);
        ASSERT_TRUE(manifest_fails(t, depth * 2, NULL, EBADMSG, "not JSON"));

        /* Nesting inside an otherwise valid manifest. */
        strcpy(t, "{\"schemaVersion\":2,\"x\":");
        size_t l = strlen(t);
        for (size_t i = 0; i < 40; i++)
                t[l++] = '[';
        for (size_t i = 0; i < 40; i++)
                t[l++] = ']';
        t[l++] = '}';
        ASSERT_TRUE(manifest_fails(t, l, NULL, EBADMSG, "not JSON"));
        free(t);
}

TEST(manifest_parse_rejects_oversized_input) {
        size_t n = OCI_MANIFEST_SIZE_MAX + 1;
        char *t = malloc(n);

        ASSERT_NOT_NULL(t);
        memset(t, ' ', n);
        t[0] = '{';
        t[n - 1] = '}';
        ASSERT_TRUE(manifest_fails(t, n, NULL, EFBIG, "limit"));
        free(t);
}

TEST(manifest_parse_rejects_wrong_schema_versions) {
        const char *v3 = "{\"schemaVersion\":3,\"mediaType\":\"" OCI_MEDIA_TYPE_MANIFEST "\",\"config\":{},\"layers\":[]}";
        const char *none = "{\"mediaType\":\"" OCI_MEDIA_TYPE_MANIFEST "\",\"config\":{},\"layers\":[]}";
        const char *str = "{\"schemaVersion\":\"2\",\"mediaType\":\"" OCI_MEDIA_TYPE_MANIFEST "\",\"config\":{},\"layers\":[]}";

        ASSERT_TRUE(manifest_fails(v3, strlen(v3), NULL, EBADMSG, "schemaVersion 3"));
        ASSERT_TRUE(manifest_fails(none, strlen(none), NULL, EBADMSG, "no \"schemaVersion\""));
        ASSERT_TRUE(manifest_fails(str, strlen(str), NULL, EBADMSG, "integer"));
}

TEST(manifest_parse_sends_indexes_to_the_index_parser) {
        ASSERT_TRUE(manifest_fails(oci_index, strlen(oci_index), NULL, EMEDIUMTYPE, "image index"));
        ASSERT_TRUE(manifest_fails(manifest_list, strlen(manifest_list), DOCKER_MEDIA_TYPE_MANIFEST_LIST, EMEDIUMTYPE, "image index"));
}

TEST(manifest_parse_rejects_a_media_type_that_contradicts_how_it_was_served) {
        ASSERT_TRUE(manifest_fails(oci_manifest, strlen(oci_manifest), DOCKER_MEDIA_TYPE_MANIFEST, EBADMSG, "served as"));
        ASSERT_TRUE(manifest_fails(docker_manifest, strlen(docker_manifest), OCI_MEDIA_TYPE_INDEX, EBADMSG, "served as"));
}

TEST(manifest_parse_rejects_unknown_document_media_types) {
        const char *t = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.example.thing+json\",\"config\":{},\"layers\":[]}";

        ASSERT_TRUE(manifest_fails(t, strlen(t), NULL, EMEDIUMTYPE, "unsupported media type"));
}

TEST(manifest_parse_rejects_a_config_larger_than_the_limit) {
        const char *t = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" OCI_MEDIA_TYPE_CONFIG "\",\"digest\":\"" SHA_A
                "\",\"size\":104857600},\"layers\":[]}";

        ASSERT_TRUE(manifest_fails(t, strlen(t), NULL, EFBIG, "config"));
}

TEST(manifest_parse_rejects_too_many_layers) {
        _cleanup_free_ char *t = NULL;
        size_t n = OCI_LAYERS_MAX + 1, l;
        const char *layer = "{\"mediaType\":\"" OCI_MEDIA_TYPE_LAYER_GZIP "\",\"digest\":\"" SHA_B "\",\"size\":1},";

        t = malloc(n * strlen(layer) + 512);
        ASSERT_NOT_NULL(t);
        l = (size_t) sprintf(t, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" OCI_MEDIA_TYPE_CONFIG
                             "\",\"digest\":\"" SHA_A "\",\"size\":1},\"layers\":[");
        for (size_t i = 0; i < n; i++)
                l += (size_t) sprintf(t + l, "%s", layer);
        t[l - 1] = ']';
        t[l++] = '}';
        ASSERT_TRUE(manifest_fails(t, l, NULL, EBADMSG, "more than the limit"));
}

TEST(manifest_parse_leaves_reason_alone_on_success) {
        _cleanup_(oci_manifest_freep) OciManifest *m = NULL;
        char *reason = NULL;

        ASSERT_OK(oci_manifest_parse(oci_manifest, strlen(oci_manifest), NULL, &m, &reason));
        ASSERT_NULL(reason);
}

/* ---- indexes and platforms ---- */

TEST(index_parse_reads_an_oci_index_with_attestations) {
        _cleanup_(oci_index_freep) OciIndex *idx = NULL;
        _cleanup_free_ char *reason = NULL;

        ASSERT_OK(oci_index_parse(oci_index, strlen(oci_index), OCI_MEDIA_TYPE_INDEX, &idx, &reason));
        ASSERT_STREQ(idx->media_type, OCI_MEDIA_TYPE_INDEX);
        ASSERT_EQ(idx->n_manifests, 3);
        ASSERT_TRUE(idx->manifests[0].has_platform);
        ASSERT_STREQ(idx->manifests[0].platform.architecture, "amd64");
        ASSERT_NULL(idx->manifests[0].platform.variant);
        ASSERT_STREQ(idx->manifests[1].platform.variant, "v8");
        ASSERT_EQ(idx->manifests[2].size, 566);
}

TEST(index_parse_reads_a_docker_manifest_list) {
        _cleanup_(oci_index_freep) OciIndex *idx = NULL;

        ASSERT_OK(oci_index_parse(manifest_list, strlen(manifest_list), NULL, &idx, NULL));
        ASSERT_STREQ(idx->media_type, DOCKER_MEDIA_TYPE_MANIFEST_LIST);
        ASSERT_EQ(idx->n_manifests, 5);
        ASSERT_STREQ(idx->manifests[4].platform.os, "windows");
        ASSERT_STREQ(idx->manifests[4].platform.os_version, "10.0.17763.5329");
}

TEST(index_parse_accepts_an_index_without_media_type) {
        _cleanup_(oci_index_freep) OciIndex *idx = NULL;
        const char *t = "{\"schemaVersion\":2,\"manifests\":[]}";

        ASSERT_OK(oci_index_parse(t, strlen(t), NULL, &idx, NULL));
        ASSERT_STREQ(idx->media_type, OCI_MEDIA_TYPE_INDEX);
        ASSERT_EQ(idx->n_manifests, 0);
}

TEST(index_parse_rejects_manifests_and_bad_entries) {
        _cleanup_(oci_index_freep) OciIndex *idx = NULL;
        _cleanup_free_ char *reason = NULL;
        const char *bad_digest = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_MEDIA_TYPE_MANIFEST
                "\",\"digest\":\"sha256:1234\",\"size\":3}]}";
        const char *bad_platform = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_MEDIA_TYPE_MANIFEST
                "\",\"digest\":\"" SHA_A "\",\"size\":3,\"platform\":{\"os\":\"linux\"}}]}";
        const char *no_manifests = "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MEDIA_TYPE_INDEX "\"}";

        ASSERT_ERROR(oci_index_parse(docker_manifest, strlen(docker_manifest), NULL, &idx, &reason), EMEDIUMTYPE);
        ASSERT_TRUE(reason && strstr(reason, "not an index"));
        ASSERT_ERROR(oci_index_parse(oci_manifest, strlen(oci_manifest), NULL, &idx, &reason), EMEDIUMTYPE);
        ASSERT_ERROR(oci_index_parse(bad_digest, strlen(bad_digest), NULL, &idx, &reason), EBADMSG);
        ASSERT_TRUE(reason && strstr(reason, "manifests[0]"));
        ASSERT_ERROR(oci_index_parse(bad_platform, strlen(bad_platform), NULL, &idx, &reason), EBADMSG);
        ASSERT_TRUE(reason && strstr(reason, "architecture"));
        ASSERT_ERROR(oci_index_parse(no_manifests, strlen(no_manifests), NULL, &idx, &reason), EBADMSG);
        ASSERT_ERROR(oci_index_parse("{\"schemaVersion\":1,\"fsLayers\":[]}", strlen("{\"schemaVersion\":1,\"fsLayers\":[]}"), NULL, &idx, &reason), EPROTONOSUPPORT);
        ASSERT_NULL(idx);
}

static const char *select_digest(const char *json, const char *os, const char *arch, const char *variant) {
        static char buf[SHA256_DIGEST_STRING_MAX];
        _cleanup_(oci_index_freep) OciIndex *idx = NULL;
        const OciDescriptor *d = NULL;
        int r;

        if (oci_index_parse(json, strlen(json), NULL, &idx, NULL) < 0)
                return "parse failed";
        r = oci_index_select_platform(idx, os, arch, variant, &d);
        if (r == -ENXIO)
                return "none";
        if (r < 0)
                return "error";
        strcpy(buf, d->digest);
        return buf;
}

TEST(select_platform_picks_amd64_which_has_no_variant) {
        ASSERT_STREQ(select_digest(oci_index, "linux", "amd64", NULL), SHA_A);
        ASSERT_STREQ(select_digest(oci_index, "linux", "amd64", "v1"), SHA_A);
        ASSERT_STREQ(select_digest(manifest_list, "linux", "amd64", NULL), SHA_A);
}

TEST(select_platform_defaults_arm64_to_v8) {
        const char *no_variant = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_MEDIA_TYPE_MANIFEST
                "\",\"digest\":\"" SHA_E "\",\"size\":3,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}";

        ASSERT_STREQ(select_digest(oci_index, "linux", "arm64", NULL), SHA_B);
        ASSERT_STREQ(select_digest(oci_index, "linux", "arm64", "v8"), SHA_B);
        /* an entry without variant is arm64/v8 too */
        ASSERT_STREQ(select_digest(no_variant, "linux", "arm64", "v8"), SHA_E);
        ASSERT_STREQ(select_digest(no_variant, "linux", "arm64", NULL), SHA_E);
}

TEST(select_platform_defaults_arm_to_v7) {
        ASSERT_STREQ(select_digest(manifest_list, "linux", "arm", NULL), SHA_C);
        ASSERT_STREQ(select_digest(manifest_list, "linux", "arm", "v7"), SHA_C);
        ASSERT_STREQ(select_digest(manifest_list, "linux", "arm", "v6"), SHA_B);
}

TEST(select_platform_falls_back_to_older_arm_only_without_an_explicit_variant) {
        const char *v6_only = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" DOCKER_MEDIA_TYPE_MANIFEST
                "\",\"digest\":\"" SHA_D "\",\"size\":3,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}}]}";

        ASSERT_STREQ(select_digest(v6_only, "linux", "arm", NULL), SHA_D);
        ASSERT_STREQ(select_digest(v6_only, "linux", "arm", "v7"), "none");
}

TEST(select_platform_requires_an_explicit_variant_to_match) {
        ASSERT_STREQ(select_digest(oci_index, "linux", "arm64", "v9"), "none");
        ASSERT_STREQ(select_digest(manifest_list, "linux", "arm", "v5"), "none");
        ASSERT_STREQ(select_digest(oci_index, "linux", "amd64", "v3"), "none");
}

TEST(select_platform_normalizes_architecture_aliases) {
        ASSERT_STREQ(select_digest(oci_index, "linux", "x86_64", NULL), SHA_A);
        ASSERT_STREQ(select_digest(oci_index, "Linux", "AARCH64", NULL), SHA_B);
        ASSERT_STREQ(select_digest(manifest_list, "linux", "armhf", NULL), SHA_C);
}

TEST(select_platform_ignores_attestations_and_nested_indexes) {
        const char *nested = "{\"schemaVersion\":2,\"manifests\":["
                "{\"mediaType\":\"" OCI_MEDIA_TYPE_INDEX "\",\"digest\":\"" SHA_D "\",\"size\":3,"
                "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
                "{\"mediaType\":\"" OCI_MEDIA_TYPE_MANIFEST "\",\"digest\":\"" SHA_E "\",\"size\":3,"
                "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";

        ASSERT_STREQ(select_digest(oci_index, "unknown", "unknown", NULL), SHA_C); /* still selectable if asked */
        ASSERT_STREQ(select_digest(nested, "linux", "amd64", NULL), SHA_E);
}

TEST(select_platform_matches_the_os_too) {
        ASSERT_STREQ(select_digest(manifest_list, "windows", "amd64", NULL), SHA_E);
        ASSERT_STREQ(select_digest(oci_index, "windows", "amd64", NULL), "none");
        ASSERT_STREQ(select_digest(oci_index, "linux", "s390x", NULL), "none");
}

TEST(index_platforms_to_string_lists_what_there_is) {
        _cleanup_(oci_index_freep) OciIndex *idx = NULL;
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(oci_index_parse(oci_index, strlen(oci_index), NULL, &idx, NULL));
        ASSERT_OK(oci_index_platforms_to_string(idx, &s));
        ASSERT_STREQ(s, "linux/amd64, linux/arm64/v8");
}

TEST(platform_parse_reads_os_arch_and_variant) {
        OciPlatform p = {};
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(oci_platform_parse("linux/arm64/v8", &p));
        ASSERT_STREQ(p.os, "linux");
        ASSERT_STREQ(p.architecture, "arm64");
        ASSERT_STREQ(p.variant, "v8");
        ASSERT_OK(oci_platform_to_string(&p, &s));
        ASSERT_STREQ(s, "linux/arm64/v8");
        oci_platform_done(&p);

        ASSERT_OK(oci_platform_parse("linux/amd64", &p));
        ASSERT_STREQ(p.architecture, "amd64");
        ASSERT_NULL(p.variant);
        oci_platform_done(&p);

        ASSERT_OK(oci_platform_parse("arm64", &p));
        ASSERT_STREQ(p.os, "linux");
        ASSERT_STREQ(p.architecture, "arm64");
        oci_platform_done(&p);
}

TEST(platform_parse_normalizes_aliases) {
        OciPlatform p = {};

        ASSERT_OK(oci_platform_parse("linux/x86_64", &p));
        ASSERT_STREQ(p.architecture, "amd64");
        oci_platform_done(&p);
        ASSERT_OK(oci_platform_parse("Linux/AArch64", &p));
        ASSERT_STREQ(p.os, "linux");
        ASSERT_STREQ(p.architecture, "arm64");
        oci_platform_done(&p);
        ASSERT_OK(oci_platform_parse("linux/armhf", &p));
        ASSERT_STREQ(p.architecture, "arm");
        ASSERT_STREQ(p.variant, "v7");
        oci_platform_done(&p);
        ASSERT_OK(oci_platform_parse("linux/arm", &p));
        ASSERT_STREQ(p.architecture, "arm");
        ASSERT_NULL(p.variant);
        oci_platform_done(&p);
}

TEST(platform_parse_rejects_malformed_strings) {
        static const char *bad[] = { "", "/", "linux/", "/amd64", "linux//amd64", "linux/amd64/v8/x",
                                     "linux/am d64", "linux/amd64\n", "linux/../amd64", "linux/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
        OciPlatform p = {};

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (oci_platform_parse(bad[i], &p) != -EINVAL) {
                        oci_platform_done(&p);
                        test_fail("platform \"%s\" was accepted", bad[i]);
                }
}

TEST(platform_host_names_this_machine_in_goarch_terms) {
        OciPlatform p = {};
        struct utsname u;

        ASSERT_TRUE(uname(&u) >= 0);
        ASSERT_OK(oci_platform_host(&p));
        ASSERT_STREQ(p.os, "linux");
        if (streq(u.machine, "x86_64"))
                ASSERT_STREQ(p.architecture, "amd64");
        else if (streq(u.machine, "aarch64"))
                ASSERT_STREQ(p.architecture, "arm64");
        oci_platform_done(&p);
}

/* ---- image configs ---- */

TEST(image_config_parse_reads_what_nyx_needs) {
        _cleanup_(oci_image_config_freep) OciImageConfig *c = NULL;
        _cleanup_free_ char *reason = NULL;

        ASSERT_OK(oci_image_config_parse(image_config, strlen(image_config), &c, &reason));
        ASSERT_STREQ(c->architecture, "amd64");
        ASSERT_STREQ(c->os, "linux");
        ASSERT_NULL(c->variant);
        ASSERT_STREQ(c->user, "nginx:nginx");
        ASSERT_EQ(strv_length(c->env), 2);
        ASSERT_STREQ(c->env[1], "NGINX_VERSION=1.25.3");
        ASSERT_EQ(strv_length(c->entrypoint), 1);
        ASSERT_STREQ(c->entrypoint[0], "/docker-entrypoint.sh");
        ASSERT_EQ(strv_length(c->cmd), 3);
        ASSERT_STREQ(c->cmd[2], "daemon off;");
        ASSERT_STREQ(c->working_dir, "/srv");
        ASSERT_EQ(strv_length(c->exposed_ports), 2);
        ASSERT_TRUE(strv_contains(c->exposed_ports, "80/tcp"));
        ASSERT_TRUE(strv_contains(c->exposed_ports, "443/tcp"));
        ASSERT_STREQ(oci_image_config_label(c, "maintainer"), "NGINX Docker Maintainers <docker-maint@nginx.com>");
        ASSERT_STREQ(oci_image_config_label(c, "org.example.empty"), "");
        ASSERT_NULL(oci_image_config_label(c, "nope"));
        ASSERT_STREQ(c->stop_signal, "SIGQUIT");
        ASSERT_EQ(strv_length(c->volumes), 1);
        ASSERT_STREQ(c->volumes[0], "/var/cache/nginx");
        ASSERT_NOT_NULL(c->healthcheck);
        ASSERT_STREQ(c->healthcheck->test[0], "CMD-SHELL");
        ASSERT_EQ(c->healthcheck->interval_usec, 30000000);
        ASSERT_EQ(c->healthcheck->timeout_usec, 3000000);
        ASSERT_EQ(c->healthcheck->start_period_usec, 5000000);
        ASSERT_EQ(c->healthcheck->start_interval_usec, 0);
        ASSERT_EQ(c->healthcheck->retries, 3);
        ASSERT_EQ(c->n_diff_ids, 2);
        ASSERT_STREQ(c->diff_ids[0], SHA_D);
        ASSERT_EQ(c->n_history, 3);
        ASSERT_STREQ(c->history[0].created, "2023-11-21T05:21:24Z");
        ASSERT_FALSE(c->history[0].empty_layer);
        ASSERT_TRUE(c->history[1].empty_layer);
        ASSERT_STREQ(c->history[2].comment, "buildkit.dockerfile.v0");
        ASSERT_STREQ(c->history[2].author, "someone");
        ASSERT_STREQ(c->created, "2023-11-21T05:41:46.123456789Z");
        ASSERT_EQ(c->created_usec, UINT64_C(1700545306123456));
}

TEST(image_config_parse_keeps_the_original_json) {
        _cleanup_(oci_image_config_freep) OciImageConfig *c = NULL;

        ASSERT_OK(oci_image_config_parse(image_config, strlen(image_config), &c, NULL));
        ASSERT_EQ(c->json_size, strlen(image_config));
        ASSERT_STREQ(c->json, image_config);
}

TEST(image_config_parse_accepts_minimal_and_null_fields) {
        _cleanup_(oci_image_config_freep) OciImageConfig *c = NULL;
        _cleanup_free_ char *t = config_with("\"config\":{\"Env\":null,\"Cmd\":null,\"Entrypoint\":null,\"Labels\":null,"
                                             "\"ExposedPorts\":null,\"Healthcheck\":null},"
                                             "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}");

        ASSERT_OK(oci_image_config_parse(t, strlen(t), &c, NULL));
        ASSERT_NULL(c->env);
        ASSERT_NULL(c->cmd);
        ASSERT_NULL(c->labels);
        ASSERT_NULL(c->healthcheck);
        ASSERT_EQ(c->n_diff_ids, 0);
        ASSERT_EQ(c->n_history, 0);
        ASSERT_EQ(c->created_usec, 0);
}

TEST(image_config_parse_rejects_bad_diff_ids) {
        _cleanup_free_ char *t1 = config_with("\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:abc\"]}");
        _cleanup_free_ char *t2 = config_with("\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[42]}");
        _cleanup_free_ char *t3 = config_with("\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" SHA_A "\",\"md5:x\"]}");

        ASSERT_TRUE(config_fails(t1, EBADMSG, "diff_ids[0]"));
        ASSERT_TRUE(config_fails(t2, EBADMSG, "diff_ids"));
        ASSERT_TRUE(config_fails(t3, EBADMSG, "diff_ids[1]"));
}

TEST(image_config_parse_rejects_a_missing_or_odd_rootfs) {
        _cleanup_free_ char *t1 = config_with("\"config\":{}");
        _cleanup_free_ char *t2 = config_with("\"rootfs\":{\"type\":\"squashfs\",\"diff_ids\":[]}");
        _cleanup_free_ char *t3 = config_with("\"rootfs\":{\"type\":\"layers\"}");

        ASSERT_TRUE(config_fails(t1, EBADMSG, "no \"rootfs\""));
        ASSERT_TRUE(config_fails(t2, EBADMSG, "squashfs"));
        ASSERT_TRUE(config_fails(t3, EBADMSG, "diff_ids"));
}

TEST(image_config_parse_rejects_wrongly_typed_fields) {
        _cleanup_free_ char *env = config_with("\"config\":{\"Env\":[\"A=1\",2]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}");
        _cleanup_free_ char *cmd = config_with("\"config\":{\"Cmd\":\"sh\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}");
        _cleanup_free_ char *label = config_with("\"config\":{\"Labels\":{\"a\":1}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}");
        _cleanup_free_ char *user = config_with("\"config\":{\"User\":0},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}");
        _cleanup_free_ char *hist = config_with("\"history\":[{\"empty_layer\":\"yes\"}],\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}");
        _cleanup_free_ char *nul = config_with("\"config\":{\"Env\":[\"A=\\u0000B\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}");

        ASSERT_TRUE(config_fails(env, EBADMSG, "\"Env\"[1]"));
        ASSERT_TRUE(config_fails(cmd, EBADMSG, "\"Cmd\""));
        ASSERT_TRUE(config_fails(label, EBADMSG, "label \"a\""));
        ASSERT_TRUE(config_fails(user, EBADMSG, "\"User\""));
        ASSERT_TRUE(config_fails(hist, EBADMSG, "empty_layer"));
        ASSERT_TRUE(config_fails(nul, EBADMSG, "NUL"));
}

TEST(image_config_parse_rejects_negative_healthcheck_durations) {
        _cleanup_free_ char *t = config_with("\"config\":{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":-5}},"
                                             "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}");

        ASSERT_TRUE(config_fails(t, EBADMSG, "Interval"));
}

TEST(image_config_parse_rejects_what_is_not_json) {
        ASSERT_TRUE(config_fails("not json", EBADMSG, "not JSON"));
        ASSERT_TRUE(config_fails("", EBADMSG, "empty"));
}

/* ---- media types, digests, timestamps ---- */

TEST(detect_media_type_reads_the_field_or_the_shape) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL;

        ASSERT_OK(oci_detect_media_type(docker_manifest, strlen(docker_manifest), &a));
        ASSERT_STREQ(a, DOCKER_MEDIA_TYPE_MANIFEST);
        ASSERT_OK(oci_detect_media_type("{\"schemaVersion\":2,\"manifests\":[]}", strlen("{\"schemaVersion\":2,\"manifests\":[]}"), &b));
        ASSERT_STREQ(b, OCI_MEDIA_TYPE_INDEX);
        ASSERT_OK(oci_detect_media_type("{\"schemaVersion\":2,\"config\":{},\"layers\":[]}", strlen("{\"schemaVersion\":2,\"config\":{},\"layers\":[]}"), &c));
        ASSERT_STREQ(c, OCI_MEDIA_TYPE_MANIFEST);
        ASSERT_OK(oci_detect_media_type("{\"schemaVersion\":1,\"fsLayers\":[]}", strlen("{\"schemaVersion\":1,\"fsLayers\":[]}"), &d));
        ASSERT_STREQ(d, DOCKER_MEDIA_TYPE_SCHEMA1);
        ASSERT_OK(oci_detect_media_type(image_config, strlen(image_config), &e));
        ASSERT_STREQ(e, OCI_MEDIA_TYPE_CONFIG);
        ASSERT_ERROR(oci_detect_media_type("{\"hello\":1}", strlen("{\"hello\":1}"), &f), EMEDIUMTYPE);
        ASSERT_ERROR(oci_detect_media_type("nope", strlen("nope"), &f), EBADMSG);
        ASSERT_ERROR(oci_detect_media_type("{\"mediaType\":7}", strlen("{\"mediaType\":7}"), &f), EBADMSG);
        ASSERT_NULL(f);
}

TEST(layer_media_types_map_to_compression) {
        OciCompression c;
        bool foreign;

        ASSERT_OK(oci_layer_media_type_parse(OCI_MEDIA_TYPE_LAYER, &c, &foreign));
        ASSERT_EQ(c, OCI_COMPRESSION_NONE);
        ASSERT_OK(oci_layer_media_type_parse(OCI_MEDIA_TYPE_LAYER_NONDIST_ZSTD, &c, &foreign));
        ASSERT_EQ(c, OCI_COMPRESSION_ZSTD);
        ASSERT_TRUE(foreign);
        ASSERT_OK(oci_layer_media_type_parse(DOCKER_MEDIA_TYPE_LAYER_GZIP, &c, &foreign));
        ASSERT_EQ(c, OCI_COMPRESSION_GZIP);
        ASSERT_FALSE(foreign);
        ASSERT_ERROR(oci_layer_media_type_parse(OCI_MEDIA_TYPE_CONFIG, &c, &foreign), EMEDIUMTYPE);
        ASSERT_STREQ(oci_compression_to_string(OCI_COMPRESSION_ZSTD), "zstd");
}

TEST(media_type_strip_drops_parameters_and_case) {
        _cleanup_free_ char *a = NULL;
        char *b = NULL;

        ASSERT_OK(oci_media_type_strip("  Application/Vnd.OCI.Image.Manifest.v1+json ; charset=utf-8", &a));
        ASSERT_STREQ(a, OCI_MEDIA_TYPE_MANIFEST);
        ASSERT_ERROR(oci_media_type_strip(" ; x", &b), EINVAL);
}

TEST(sha256_digest_of_matches_known_vectors) {
        char d[SHA256_DIGEST_STRING_MAX];

        ASSERT_OK(sha256_digest_of("", 0, d));
        ASSERT_STREQ(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        ASSERT_OK(sha256_digest_of("abc", 3, d));
        ASSERT_STREQ(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        ASSERT_TRUE(digest_is_valid(d));
}

TEST(digest_is_valid_accepts_only_lowercase_sha256) {
        ASSERT_TRUE(digest_is_valid(SHA_A));
        ASSERT_FALSE(digest_is_valid(NULL));
        ASSERT_FALSE(digest_is_valid(""));
        ASSERT_FALSE(digest_is_valid("sha256:"));
        ASSERT_FALSE(digest_is_valid(HEX_A));
        ASSERT_FALSE(digest_is_valid("SHA256:" HEX_A));
        ASSERT_FALSE(digest_is_valid("sha256:A416A98B71E224A31EE99CFF8E16063554498227D2B696152A9C3E0AA65E5824"));
        ASSERT_FALSE(digest_is_valid(SHA_A "0"));
        ASSERT_FALSE(digest_is_valid("sha512:" HEX_A HEX_A));
}

TEST(timestamp_parse_reads_rfc3339) {
        uint64_t u = 0;

        ASSERT_OK(oci_timestamp_parse("1970-01-01T00:00:00Z", &u));
        ASSERT_EQ(u, 0);
        ASSERT_OK(oci_timestamp_parse("2023-11-21T05:41:46Z", &u));
        ASSERT_EQ(u, UINT64_C(1700545306000000));
        ASSERT_OK(oci_timestamp_parse("2023-11-21T06:41:46.5+01:00", &u));
        ASSERT_EQ(u, UINT64_C(1700545306500000));
        ASSERT_ERROR(oci_timestamp_parse("0001-01-01T00:00:00Z", &u), ERANGE);
        ASSERT_ERROR(oci_timestamp_parse("2023-11-21", &u), EINVAL);
        ASSERT_ERROR(oci_timestamp_parse("2023-11-21T05:41:46", &u), EINVAL);
        ASSERT_ERROR(oci_timestamp_parse("2023-13-21T05:41:46Z", &u), EINVAL);
        ASSERT_ERROR(oci_timestamp_parse("2023-11-21T05:41:46Zjunk", &u), EINVAL);
}
