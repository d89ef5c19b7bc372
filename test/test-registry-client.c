/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The registry client. The first tests need no network (challenge parsing, auth files, argument
 * checks, a refused connection on loopback). The others talk to real registries that
 * test/integration-host/registry-client.sh starts on loopback and describes in NYX_TEST_*
 * variables; without them those tests say "skip" and pass, unless NYX_TEST_REQUIRED is set. */

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "fileio.h"
#include "oci-manifest.h"
#include "path-util.h"
#include "registry-client.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

__attribute__((constructor)) static void ignore_sigpipe(void) {
        signal(SIGPIPE, SIG_IGN);
}

#define LIVE(var, name)                                                                         \
        const char *var = getenv(name);                                                         \
        do {                                                                                    \
                if (!var) {                                                                     \
                        if (getenv("NYX_TEST_REQUIRED"))                                        \
                                test_fail("%s is not set", name);                               \
                        printf("  skip: %s is not set (see test/integration-host/registry-client.sh)\n", name); \
                        return;                                                                 \
                }                                                                               \
        } while (0)

#define ASSERT_CONTAINS(s, needle)                                                              \
        do {                                                                                    \
                const char *_s = (s), *_n = (needle);                                           \
                if (!_s || !strstr(_s, _n))                                                     \
                        test_fail("%s: expected to contain \"%s\", got \"%s\"", #s, _n, _s ? _s : "(null)"); \
        } while (0)

static char *empty_strv[] = { NULL };

static RegistryClient *client_full(const char *domain, const RegistryClientOptions *extra) {
        RegistryClientOptions o = {
                .certs_d = empty_strv,          /* not the machine's /etc/containers/certs.d */
                .low_speed_time_sec = 2,
                .connect_timeout_sec = 5,
                .retry_delay_usec = 50 * 1000,
        };
        RegistryClient *c = NULL;

        if (extra) {
                o.insecure = extra->insecure;
                o.username = extra->username;
                o.password = extra->password;
                o.ca_dir = extra->ca_dir;
                if (extra->certs_d)
                        o.certs_d = extra->certs_d;
                if (extra->retries)
                        o.retries = extra->retries;
                o.no_retries = extra->no_retries;
        }
        if (registry_client_new(domain, &o, &c) < 0)
                abort();
        return c;
}

static RegistryClient *client(const char *domain, bool insecure, const char *user, const char *pass) {
        return client_full(domain, &(RegistryClientOptions) { .insecure = insecure, .username = user, .password = pass });
}

static uint64_t env_u64(const char *name) {
        const char *v = getenv(name);
        return v ? strtoull(v, NULL, 10) : 0;
}

static char *tmpfile_path(const char *name) {
        const char *w = getenv("NYX_TEST_WORK") ?: "/tmp";
        char *p = NULL;

        if (asprintf(&p, "%s/%s.%d", w, name, (int) getpid()) < 0)
                abort();
        return p;
}

/* The sha256 of what a file holds. */
static int file_digest(const char *path, char ret[static SHA256_DIGEST_STRING_MAX]) {
        _cleanup_free_ char *data = NULL;
        size_t n;
        int r;

        r = read_full_file(path, 0, &data, &n);
        if (r < 0)
                return r;
        return sha256_digest_of(data, n, ret);
}

/* GET http://HOST/stats from the python servers: requests and ranges seen for key. */
static size_t write_mem(char *p, size_t s, size_t n, void *u) {
        char **b = u;
        size_t l = *b ? strlen(*b) : 0;
        char *x = realloc(*b, l + s * n + 1);

        if (!x)
                return 0;
        memcpy(x + l, p, s * n);
        x[l + s * n] = 0;
        *b = x;
        return s * n;
}

static int server_get(const char *host, const char *what, char **ret) {
        _cleanup_free_ char *url = NULL, *body = NULL;
        CURL *h;
        CURLcode cc;

        if (asprintf(&url, "http://%s/%s", host, what) < 0)
                return -ENOMEM;
        h = curl_easy_init();
        if (!h)
                return -ENOMEM;
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_mem);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
        cc = curl_easy_perform(h);
        curl_easy_cleanup(h);
        if (cc != CURLE_OK || !body)
                return -EIO;
        if (ret)
                *ret = TAKE_PTR(body);
        return 0;
}

/* The python servers' behaviours depend on how many requests a repository saw; start afresh. */
static void server_reset(const char *host) {
        if (server_get(host, "reset", NULL) < 0)
                abort();
}

static int server_stats(const char *host, const char *key, int *ret_requests, char **ret_first_range) {
        _cleanup_free_ char *body = NULL;
        json_object *o, *e, *v;
        int r;

        r = server_get(host, "stats", &body);
        if (r < 0)
                return r;
        o = json_tokener_parse(body);
        if (!o)
                return -EBADMSG;
        *ret_requests = 0;
        if (ret_first_range)
                *ret_first_range = NULL;
        if (json_object_object_get_ex(o, key, &e)) {
                if (json_object_object_get_ex(e, "requests", &v))
                        *ret_requests = json_object_get_int(v);
                if (ret_first_range && json_object_object_get_ex(e, "ranges", &v) && json_object_array_length(v) > 0)
                        *ret_first_range = strdup(json_object_get_string(json_object_array_get_idx(v, 0)));
        }
        json_object_put(o);
        return 0;
}

/* ---- WWW-Authenticate ---- */

TEST(www_authenticate_parses_a_bearer_challenge) {
        RegistryChallenge *l = NULL;
        size_t n = 0;

        ASSERT_OK(registry_challenges_parse(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                "scope=\"repository:library/busybox:pull\"", &l, &n));
        ASSERT_EQ(n, 1);
        ASSERT_STREQ(l[0].scheme, "bearer");
        ASSERT_STREQ(l[0].realm, "https://auth.docker.io/token");
        ASSERT_STREQ(l[0].service, "registry.docker.io");
        ASSERT_STREQ(l[0].scope, "repository:library/busybox:pull");
        ASSERT_NULL(l[0].error);
        registry_challenges_free(l, n);
}

TEST(www_authenticate_parses_several_challenges_in_one_header) {
        RegistryChallenge *l = NULL;
        size_t n = 0;

        ASSERT_OK(registry_challenges_parse("Basic realm=\"nyx\", Bearer realm=\"https://a/t\",service=s, "
                                            "Negotiate", &l, &n));
        ASSERT_EQ(n, 3);
        ASSERT_STREQ(l[0].scheme, "basic");
        ASSERT_STREQ(l[0].realm, "nyx");
        ASSERT_STREQ(l[1].scheme, "bearer");
        ASSERT_STREQ(l[1].service, "s");
        ASSERT_STREQ(l[2].scheme, "negotiate");
        ASSERT_STREQ(registry_challenges_pick(l, n)->scheme, "bearer");
        registry_challenges_free(l, n);
}

TEST(www_authenticate_handles_case_escapes_and_spacing) {
        RegistryChallenge *l = NULL;
        size_t n = 0;

        ASSERT_OK(registry_challenges_parse("BEARER  Realm = \"https://x/t?a=\\\"b\\\"\" ,  SCOPE=\"repository:a/b:pull,push\","
                                            "error=\"insufficient_scope\"", &l, &n));
        ASSERT_EQ(n, 1);
        ASSERT_STREQ(l[0].scheme, "bearer");
        ASSERT_STREQ(l[0].realm, "https://x/t?a=\"b\"");
        ASSERT_STREQ(l[0].scope, "repository:a/b:pull,push");
        ASSERT_STREQ(l[0].error, "insufficient_scope");
        registry_challenges_free(l, n);
}

TEST(www_authenticate_accumulates_several_headers_and_picks_basic_without_bearer) {
        RegistryChallenge *l = NULL;
        size_t n = 0;

        ASSERT_OK(registry_challenges_parse("Negotiate abc", &l, &n));
        ASSERT_NULL(registry_challenges_pick(l, n));
        ASSERT_OK(registry_challenges_parse("Basic realm=\"Registry Realm\"", &l, &n));
        ASSERT_EQ(n, 2);
        ASSERT_STREQ(registry_challenges_pick(l, n)->scheme, "basic");
        registry_challenges_free(l, n);
}

TEST(www_authenticate_rejects_malformed_headers) {
        static const char *bad[] = { "Bearer realm=\"unterminated", "=x", "Bearer realm=\"a\" junk\"" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                RegistryChallenge *l = NULL;
                size_t n = 0;

                if (registry_challenges_parse(bad[i], &l, &n) != -EBADMSG)
                        test_fail("\"%s\" was accepted", bad[i]);
                registry_challenges_free(l, n);
        }
}

TEST(a_bearer_challenge_without_realm_is_not_usable) {
        RegistryChallenge *l = NULL;
        size_t n = 0;

        ASSERT_OK(registry_challenges_parse("Bearer service=x", &l, &n));
        ASSERT_NULL(registry_challenges_pick(l, n));
        registry_challenges_free(l, n);
}

/* ---- auth files ---- */

static char *auth_dir(void) {
        char *d = strdup("/tmp/nyx-test-auth.XXXXXX");

        if (!d || !mkdtemp(d))
                abort();
        return d;
}

static void write_text(const char *dir, const char *name, const char *text) {
        _cleanup_free_ char *p = path_join(dir, name);
        _cleanup_free_ char *parent = NULL;

        parent = strndup(p, strrchr(p, '/') - p);
        if (mkdir_p(parent, 0700) < 0 || write_file_atomic(p, text, strlen(text), 0600) < 0)
                abort();
}

TEST(auth_lookup_reads_podman_and_docker_files) {
        _cleanup_free_ char *d = auth_dir(), *a = NULL, *b = NULL;
        _cleanup_free_ char *user = NULL, *pass = NULL;
        char *paths[3] = {};

        /* bnl4Om55eHBhc3M= is nyx:nyxpass; YWxpY2U6czNjcjN0 is alice:s3cr3t */
        write_text(d, "auth.json", "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"bnl4Om55eHBhc3M=\"}}}");
        write_text(d, "config.json", "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"YWxpY2U6czNjcjN0\"}},"
                   "\"credsStore\":\"desktop\"}");
        a = path_join(d, "auth.json");
        b = path_join(d, "config.json");
        paths[0] = a;
        paths[1] = b;

        ASSERT_OK(registry_auth_lookup_paths(paths, "127.0.0.1:5000", &user, &pass));
        ASSERT_STREQ(user, "nyx");
        ASSERT_STREQ(pass, "nyxpass");
        user = mfree(user);
        pass = mfree(pass);

        ASSERT_OK(registry_auth_lookup_paths(paths, "docker.io", &user, &pass));
        ASSERT_STREQ(user, "alice");
        ASSERT_STREQ(pass, "s3cr3t");
        user = mfree(user);
        pass = mfree(pass);

        ASSERT_ERROR(registry_auth_lookup_paths(paths, "quay.io", &user, &pass), ENOKEY);
        ASSERT_NULL(user);
        (void) rm_rf(d);
}

TEST(auth_lookup_prefers_the_most_specific_entry_and_the_first_file) {
        _cleanup_free_ char *d = auth_dir(), *a = NULL, *b = NULL;
        _cleanup_free_ char *user = NULL, *pass = NULL;
        char *paths[3] = {};

        /* dGVhbTpwdw== team:pw, b3JnOnB3 org:pw, aG9zdDpwdw== host:pw, b3RoZXI6cHc= other:pw */
        write_text(d, "1.json", "{\"auths\":{\"quay.io\":{\"auth\":\"aG9zdDpwdw==\"},"
                   "\"quay.io/org\":{\"auth\":\"b3JnOnB3\"},\"quay.io/org/team\":{\"auth\":\"dGVhbTpwdw==\"}}}");
        write_text(d, "2.json", "{\"auths\":{\"quay.io/org/team/app\":{\"auth\":\"b3RoZXI6cHc=\"}}}");
        a = path_join(d, "1.json");
        b = path_join(d, "2.json");
        paths[0] = a;
        paths[1] = b;

        ASSERT_OK(registry_auth_lookup_paths(paths, "quay.io/org/team/app", &user, &pass));
        ASSERT_STREQ(user, "team");     /* the first file that knows the host wins */
        user = mfree(user);
        pass = mfree(pass);
        ASSERT_OK(registry_auth_lookup_paths(paths, "quay.io/org/other", &user, &pass));
        ASSERT_STREQ(user, "org");
        user = mfree(user);
        pass = mfree(pass);
        ASSERT_OK(registry_auth_lookup_paths(paths, "quay.io", &user, &pass));
        ASSERT_STREQ(user, "host");
        (void) rm_rf(d);
}

TEST(auth_lookup_skips_credential_helper_entries) {
        _cleanup_free_ char *d = auth_dir(), *a = NULL, *b = NULL;
        _cleanup_free_ char *user = NULL, *pass = NULL;
        char *paths[3] = {};

        write_text(d, "1.json", "{\"auths\":{\"ghcr.io\":{}},\"credHelpers\":{\"ghcr.io\":\"gh\"}}");
        write_text(d, "2.json", "{\"auths\":{\"ghcr.io\":{\"auth\":\"bnl4Om55eHBhc3M=\"}}}");
        a = path_join(d, "1.json");
        b = path_join(d, "2.json");
        paths[0] = a;
        paths[1] = b;

        ASSERT_OK(registry_auth_lookup_paths(paths, "ghcr.io", &user, &pass));
        ASSERT_STREQ(user, "nyx");
        (void) rm_rf(d);
}

TEST(auth_lookup_refuses_garbage_credentials) {
        _cleanup_free_ char *d = auth_dir(), *a = NULL;
        _cleanup_free_ char *user = NULL, *pass = NULL;
        char *paths[2] = {};

        write_text(d, "1.json", "{\"auths\":{\"ghcr.io\":{\"auth\":\"!!!not base64\"}}}");
        a = path_join(d, "1.json");
        paths[0] = a;
        ASSERT_ERROR(registry_auth_lookup_paths(paths, "ghcr.io", &user, &pass), EBADMSG);
        (void) rm_rf(d);
}

TEST(auth_default_paths_follow_the_environment) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *run = NULL;

        setenv("REGISTRY_AUTH_FILE", "/x/override.json", 1);
        setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
        setenv("HOME", "/home/u", 1);
        unsetenv("XDG_CONFIG_HOME");
        unsetenv("DOCKER_CONFIG");

        ASSERT_OK(registry_auth_default_paths("/var/lib/nyx/auth.json", &l));
        if (asprintf(&run, "/run/containers/%u/auth.json", (unsigned) getuid()) < 0)
                abort();
        ASSERT_EQ(strv_length(l), 6);
        ASSERT_STREQ(l[0], "/x/override.json");
        ASSERT_STREQ(l[1], "/var/lib/nyx/auth.json");
        ASSERT_STREQ(l[2], run);
        ASSERT_STREQ(l[3], "/run/user/1000/containers/auth.json");
        ASSERT_STREQ(l[4], "/home/u/.config/containers/auth.json");
        ASSERT_STREQ(l[5], "/home/u/.docker/config.json");

        unsetenv("REGISTRY_AUTH_FILE");
        unsetenv("XDG_RUNTIME_DIR");
}

TEST(auth_store_merges_into_the_file_and_keeps_it_private) {
        _cleanup_free_ char *d = auth_dir(), *p = NULL, *text = NULL;
        _cleanup_free_ char *user = NULL, *pass = NULL;
        char *paths[2] = {};
        struct stat st;

        write_text(d, "sub/auth.json", "{\"auths\":{\"quay.io\":{\"auth\":\"aG9zdDpwdw==\"}},\"credsStore\":\"pass\"}");
        p = path_join(d, "sub/auth.json");
        paths[0] = p;

        ASSERT_OK(registry_auth_store(p, "127.0.0.1:5000", "nyx", "p:w/with \"quotes\""));
        ASSERT_TRUE(stat(p, &st) >= 0);
        ASSERT_EQ(st.st_mode & 07777, 0600);
        ASSERT_OK(read_full_file(p, 0, &text, NULL));
        ASSERT_CONTAINS(text, "credsStore");
        ASSERT_CONTAINS(text, "quay.io");

        ASSERT_OK(registry_auth_lookup_paths(paths, "127.0.0.1:5000", &user, &pass));
        ASSERT_STREQ(user, "nyx");
        ASSERT_STREQ(pass, "p:w/with \"quotes\"");
        user = mfree(user);
        pass = mfree(pass);
        ASSERT_OK(registry_auth_lookup_paths(paths, "quay.io", &user, &pass));
        ASSERT_STREQ(user, "host");
        user = mfree(user);
        pass = mfree(pass);

        /* replacing, and a new file in a new directory */
        ASSERT_OK(registry_auth_store(p, "127.0.0.1:5000", "other", "x"));
        ASSERT_OK(registry_auth_lookup_paths(paths, "127.0.0.1:5000", &user, &pass));
        ASSERT_STREQ(user, "other");
        free(p);
        p = path_join(d, "new/dir/auth.json");
        ASSERT_OK(registry_auth_store(p, "docker.io", "a", "b"));
        ASSERT_TRUE(stat(p, &st) >= 0);
        ASSERT_EQ(st.st_mode & 07777, 0600);
        (void) rm_rf(d);
}

TEST(auth_store_refuses_to_clobber_a_file_it_cannot_read) {
        _cleanup_free_ char *d = auth_dir(), *p = NULL, *text = NULL;

        write_text(d, "auth.json", "this is not json");
        p = path_join(d, "auth.json");
        ASSERT_ERROR(registry_auth_store(p, "x.io", "a", "b"), EBADMSG);
        ASSERT_OK(read_full_file(p, 0, &text, NULL));
        ASSERT_STREQ(text, "this is not json");
        ASSERT_ERROR(registry_auth_store(p, "x.io", "a:b", "c"), EINVAL);
        (void) rm_rf(d);
}

TEST(auth_remove_logs_out_once) {
        _cleanup_free_ char *d = auth_dir(), *p = NULL;
        _cleanup_free_ char *user = NULL, *pass = NULL;
        char *paths[2] = {};

        p = path_join(d, "auth.json");
        paths[0] = p;
        ASSERT_OK(registry_auth_store(p, "a.io", "u1", "p1"));
        ASSERT_OK(registry_auth_store(p, "b.io", "u2", "p2"));
        ASSERT_OK(registry_auth_remove(p, "a.io"));
        ASSERT_ERROR(registry_auth_remove(p, "a.io"), ENOENT);
        ASSERT_ERROR(registry_auth_lookup_paths(paths, "a.io", &user, &pass), ENOKEY);
        ASSERT_OK(registry_auth_lookup_paths(paths, "b.io", &user, &pass));
        ASSERT_STREQ(user, "u2");
        (void) rm_rf(d);
}

/* ---- the client without a registry ---- */

TEST(docker_io_means_registry_1_docker_io) {
        _cleanup_(registry_client_freep) RegistryClient *c = client("docker.io", false, NULL, NULL);

        ASSERT_STREQ(registry_client_host(c), "registry-1.docker.io");
        ASSERT_STREQ(registry_endpoint_for_domain("index.docker.io"), "registry-1.docker.io");
        ASSERT_STREQ(registry_endpoint_for_domain("quay.io"), "quay.io");
        ASSERT_NULL(registry_client_scheme(c));
}

TEST(client_new_rejects_bad_domains_and_half_credentials) {
        RegistryClient *c = NULL;

        ASSERT_ERROR(registry_client_new("", NULL, &c), EINVAL);
        ASSERT_ERROR(registry_client_new("a/b", NULL, &c), EINVAL);
        ASSERT_ERROR(registry_client_new("a b", NULL, &c), EINVAL);
        ASSERT_ERROR(registry_client_new("x.io", &(RegistryClientOptions) { .username = "u" }, &c), EINVAL);
        ASSERT_NULL(c);
}

TEST(bad_names_are_refused_before_any_request) {
        _cleanup_(registry_client_freep) RegistryClient *c = client("127.0.0.1:1", false, NULL, NULL);
        _cleanup_free_ char *reason = NULL;
        char *body = NULL;

        ASSERT_ERROR(registry_get_manifest(c, "../etc", "latest", &body, NULL, NULL, NULL, &reason), EINVAL);
        ASSERT_ERROR(registry_get_manifest(c, "a/b", "lat?est", &body, NULL, NULL, NULL, &reason), EINVAL);
        ASSERT_ERROR(registry_get_manifest(c, "A", "latest", &body, NULL, NULL, NULL, &reason), EINVAL);
        ASSERT_ERROR(registry_fetch_blob(c, "a", "sha256:1234", 1, 1, NULL, NULL, &reason), EINVAL);
        ASSERT_ERROR(registry_put_manifest(c, "a", "sha256:" "0000000000000000000000000000000000000000000000000000000000000000",
                                           "{}", 2, OCI_MEDIA_TYPE_MANIFEST, NULL, &reason), EINVAL);
        ASSERT_CONTAINS(reason, "digest");
        ASSERT_NULL(body);
        ASSERT_NULL(registry_client_scheme(c));        /* nothing was sent */
}

TEST(a_refused_connection_names_the_host) {
        _cleanup_(registry_client_freep) RegistryClient *c = client("127.0.0.1:1", false, NULL, NULL);
        _cleanup_free_ char *reason = NULL;

        ASSERT_ERROR(registry_get_manifest(c, "x", "latest", NULL, NULL, NULL, NULL, &reason), ECONNREFUSED);
        ASSERT_CONTAINS(reason, "127.0.0.1:1");
}

TEST(an_insecure_client_reports_both_attempts_when_nothing_listens) {
        _cleanup_(registry_client_freep) RegistryClient *c = client("127.0.0.1:1", true, NULL, NULL);
        _cleanup_free_ char *reason = NULL;

        ASSERT_ERROR(registry_ping(c, false, &reason), ECONNREFUSED);
        ASSERT_CONTAINS(reason, "over http");
}

/* ---- a plain registry ---- */

TEST(a_verifying_client_refuses_a_plain_http_registry) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, false, NULL, NULL);
        _cleanup_free_ char *reason = NULL;

        ASSERT_ERROR(registry_get_manifest(c, getenv("NYX_TEST_REPO"), "v1", NULL, NULL, NULL, NULL, &reason), EPROTO);
        ASSERT_CONTAINS(reason, "--tls-verify=false");
}

TEST(manifest_by_tag_comes_back_verified_and_parses) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_(oci_manifest_freep) OciManifest *m = NULL;
        _cleanup_free_ char *body = NULL, *mt = NULL, *reason = NULL;
        char digest[SHA256_DIGEST_STRING_MAX];
        size_t size = 0;

        ASSERT_OK(registry_get_manifest(c, getenv("NYX_TEST_REPO"), getenv("NYX_TEST_TAG"), &body, &size, &mt, digest, &reason));
        ASSERT_STREQ(registry_client_scheme(c), "http");
        ASSERT_STREQ(mt, OCI_MEDIA_TYPE_MANIFEST);
        ASSERT_STREQ(digest, getenv("NYX_TEST_MANIFEST_DIGEST"));
        ASSERT_OK(oci_manifest_parse(body, size, mt, &m, &reason));
        ASSERT_EQ(m->n_layers, 1);
        ASSERT_STREQ(m->layers[0].digest, getenv("NYX_TEST_LAYER_DIGEST"));
        ASSERT_STREQ(m->config.digest, getenv("NYX_TEST_CONFIG_DIGEST"));
}

TEST(manifest_by_digest_is_checked_against_the_digest) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_free_ char *reason = NULL;
        char digest[SHA256_DIGEST_STRING_MAX];

        ASSERT_OK(registry_get_manifest(c, getenv("NYX_TEST_REPO"), getenv("NYX_TEST_MANIFEST_DIGEST"),
                                        NULL, NULL, NULL, digest, &reason));
        ASSERT_STREQ(digest, getenv("NYX_TEST_MANIFEST_DIGEST"));
}

TEST(docker_schema2_manifests_are_asked_for_and_served) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_(oci_manifest_freep) OciManifest *m = NULL;
        _cleanup_free_ char *body = NULL, *mt = NULL, *reason = NULL;
        size_t size = 0;

        ASSERT_OK(registry_get_manifest(c, getenv("NYX_TEST_REPO"), "v2s2", &body, &size, &mt, NULL, &reason));
        ASSERT_STREQ(mt, DOCKER_MEDIA_TYPE_MANIFEST);
        ASSERT_OK(oci_manifest_parse(body, size, mt, &m, &reason));
        ASSERT_STREQ(m->config.media_type, DOCKER_MEDIA_TYPE_CONFIG);
        ASSERT_STREQ(m->layers[0].media_type, DOCKER_MEDIA_TYPE_LAYER_GZIP);
}

TEST(a_missing_manifest_is_enoent_with_the_registry_error) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_free_ char *reason = NULL;

        ASSERT_ERROR(registry_get_manifest(c, getenv("NYX_TEST_REPO"), "nope", NULL, NULL, NULL, NULL, &reason), ENOENT);
        ASSERT_CONTAINS(reason, "not found (HTTP 404, MANIFEST_UNKNOWN");
        ASSERT_CONTAINS(reason, "nyx/hello:nope");
}

struct reader {
        int fd;
        char *data;
        size_t size;
};

static void *reader_thread(void *p) {
        struct reader *r = p;
        char buf[4096];
        ssize_t n;

        while ((n = read(r->fd, buf, sizeof buf)) > 0) {
                char *x = realloc(r->data, r->size + (size_t) n + 1);
                if (!x)
                        abort();
                memcpy(x + r->size, buf, (size_t) n);
                r->size += (size_t) n;
                r->data = x;
        }
        return NULL;
}

/* Fetches into a pipe read by a thread; returns what came through. */
static int fetch_through_pipe(RegistryClient *c, const char *repo, const char *digest, uint64_t size,
                              char ret_got[static SHA256_DIGEST_STRING_MAX], char **ret_reason) {
        struct reader rd = {};
        pthread_t t;
        int p[2], r;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        rd.fd = p[0];
        if (pthread_create(&t, NULL, reader_thread, &rd) != 0)
                abort();
        r = registry_fetch_blob(c, repo, digest, size, p[1], NULL, NULL, ret_reason);
        close(p[1]);
        pthread_join(t, NULL);
        close(p[0]);
        if (sha256_digest_of(rd.data, rd.size, ret_got) < 0)
                abort();
        free(rd.data);
        return r;
}

TEST(a_layer_streams_into_a_pipe_verified) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_free_ char *reason = NULL;
        char got[SHA256_DIGEST_STRING_MAX];

        ASSERT_OK(fetch_through_pipe(c, getenv("NYX_TEST_REPO"), getenv("NYX_TEST_LAYER_DIGEST"),
                                     env_u64("NYX_TEST_LAYER_SIZE"), got, &reason));
        ASSERT_STREQ(got, getenv("NYX_TEST_LAYER_DIGEST"));
        ASSERT_NULL(reason);
}

static int progress_count(uint64_t done, uint64_t total, void *userdata) {
        uint64_t *last = userdata;

        if (done < *last || done > total)
                return -EILSEQ;
        *last = done;
        return 0;
}

TEST(a_layer_streams_into_a_file_with_progress) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_free_ char *reason = NULL, *path = tmpfile_path("layer");
        _cleanup_close_ int fd = -EBADF;
        char got[SHA256_DIGEST_STRING_MAX];
        uint64_t last = 0;

        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(registry_fetch_blob(c, getenv("NYX_TEST_REPO"), getenv("NYX_TEST_LAYER_DIGEST"),
                                      env_u64("NYX_TEST_LAYER_SIZE"), fd, progress_count, &last, &reason));
        ASSERT_EQ(last, env_u64("NYX_TEST_LAYER_SIZE"));
        ASSERT_OK(file_digest(path, got));
        ASSERT_STREQ(got, getenv("NYX_TEST_LAYER_DIGEST"));
        (void) unlink(path);
}

TEST(a_wrong_expected_size_is_refused) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_free_ char *reason = NULL;
        char got[SHA256_DIGEST_STRING_MAX];
        uint64_t size = env_u64("NYX_TEST_LAYER_SIZE");

        ASSERT_ERROR(fetch_through_pipe(c, getenv("NYX_TEST_REPO"), getenv("NYX_TEST_LAYER_DIGEST"), size - 1, got, &reason), EFBIG);
        ASSERT_CONTAINS(reason, "larger than the expected");
        ASSERT_ERROR(fetch_through_pipe(c, getenv("NYX_TEST_REPO"), getenv("NYX_TEST_LAYER_DIGEST"), size + 1, got, &reason), EBADMSG);
        ASSERT_CONTAINS(reason, "bytes, expected");
}

TEST(the_image_config_comes_into_memory_verified_and_parses) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_(oci_image_config_freep) OciImageConfig *cfg = NULL;
        _cleanup_free_ char *data = NULL, *reason = NULL;
        size_t size = 0;

        ASSERT_OK(registry_get_blob(c, getenv("NYX_TEST_REPO"), getenv("NYX_TEST_CONFIG_DIGEST"), OCI_CONFIG_SIZE_MAX,
                                    &data, &size, &reason));
        ASSERT_OK(oci_image_config_parse(data, size, &cfg, &reason));
        ASSERT_EQ(cfg->n_diff_ids, 1);
        ASSERT_STREQ(cfg->diff_ids[0], getenv("NYX_TEST_DIFF_ID"));
        ASSERT_STREQ(oci_image_config_label(cfg, "org.nyx.test"), "yes");
        ASSERT_ERROR(registry_get_blob(c, getenv("NYX_TEST_REPO"), getenv("NYX_TEST_CONFIG_DIGEST"), 10,
                                       &data, &size, &reason), EFBIG);
}

TEST(blob_exists_tells_yes_and_no) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_free_ char *reason = NULL;
        uint64_t size = 0;

        ASSERT_EQ(registry_blob_exists(c, getenv("NYX_TEST_REPO"), getenv("NYX_TEST_LAYER_DIGEST"), &size, &reason), 1);
        ASSERT_EQ(size, env_u64("NYX_TEST_LAYER_SIZE"));
        ASSERT_EQ(registry_blob_exists(c, getenv("NYX_TEST_REPO"),
                                       "sha256:0000000000000000000000000000000000000000000000000000000000000000", NULL, &reason), 0);
}

TEST(push_uploads_blobs_and_a_manifest_that_read_back) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_free_ char *reason = NULL, *manifest = NULL, *back = NULL;
        _cleanup_strv_free_ char **tags = NULL;
        _cleanup_close_ int lfd = -EBADF, cfd = -EBADF;
        char digest[SHA256_DIGEST_STRING_MAX], back_digest[SHA256_DIGEST_STRING_MAX];
        char repo[64];
        size_t msize = 0;
        struct stat st;

        /* a new repository each run, so that "not there yet" holds when run again */
        snprintf(repo, sizeof repo, "nyx/pushed-%d-%ld", (int) getpid(), (long) time(NULL));
        lfd = open(getenv("NYX_TEST_LAYER_FILE"), O_RDONLY | O_CLOEXEC);
        cfd = open(getenv("NYX_TEST_CONFIG_FILE"), O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(lfd >= 0 && cfd >= 0);

        ASSERT_EQ(registry_blob_exists(c, repo, getenv("NYX_TEST_LAYER_DIGEST"), NULL, &reason), 0);
        ASSERT_TRUE(fstat(lfd, &st) >= 0);
        ASSERT_OK(registry_upload_blob(c, repo, getenv("NYX_TEST_LAYER_DIGEST"), lfd, (uint64_t) st.st_size, &reason));
        ASSERT_TRUE(fstat(cfd, &st) >= 0);
        ASSERT_OK(registry_upload_blob(c, repo, getenv("NYX_TEST_CONFIG_DIGEST"), cfd, (uint64_t) st.st_size, &reason));
        ASSERT_EQ(registry_blob_exists(c, repo, getenv("NYX_TEST_LAYER_DIGEST"), NULL, &reason), 1);

        ASSERT_OK(read_full_file(getenv("NYX_TEST_MANIFEST_FILE"), 0, &manifest, &msize));
        ASSERT_OK(registry_put_manifest(c, repo, "first", manifest, msize, OCI_MEDIA_TYPE_MANIFEST, digest, &reason));
        ASSERT_STREQ(digest, getenv("NYX_TEST_MANIFEST_DIGEST"));
        ASSERT_OK(registry_put_manifest(c, repo, digest, manifest, msize, OCI_MEDIA_TYPE_MANIFEST, NULL, &reason));

        ASSERT_OK(registry_get_manifest(c, repo, "first", &back, NULL, NULL, back_digest, &reason));
        ASSERT_STREQ(back_digest, digest);
        ASSERT_STREQ(back, manifest);

        ASSERT_OK(registry_list_tags(c, repo, &tags, &reason));
        ASSERT_TRUE(strv_contains(tags, "first"));
}

TEST(a_blob_with_the_wrong_digest_is_refused_by_the_registry) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_free_ char *reason = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        fd = open(getenv("NYX_TEST_LAYER_FILE"), O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0 && fstat(fd, &st) >= 0);
        ASSERT_ERROR(registry_upload_blob(c, "nyx/pushed", getenv("NYX_TEST_CONFIG_DIGEST"), fd, (uint64_t) st.st_size, &reason),
                     EBADMSG);
        ASSERT_CONTAINS(reason, "DIGEST_INVALID");
}

TEST(a_manifest_naming_missing_blobs_is_refused) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_free_ char *reason = NULL, *manifest = NULL;
        size_t msize = 0;

        ASSERT_OK(read_full_file(getenv("NYX_TEST_MANIFEST_FILE"), 0, &manifest, &msize));
        ASSERT_ERROR(registry_put_manifest(c, "nyx/empty-repo", "x", manifest, msize, OCI_MEDIA_TYPE_MANIFEST, NULL, &reason),
                     EBADMSG);
        ASSERT_CONTAINS(reason, "MANIFEST_BLOB_UNKNOWN");
}

TEST(blobs_mount_across_repositories) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_free_ char *reason = NULL;

        ASSERT_EQ(registry_mount_blob(c, "nyx/mounted", getenv("NYX_TEST_LAYER_DIGEST"), getenv("NYX_TEST_REPO"), &reason), 1);
        ASSERT_EQ(registry_blob_exists(c, "nyx/mounted", getenv("NYX_TEST_LAYER_DIGEST"), NULL, &reason), 1);
        ASSERT_EQ(registry_mount_blob(c, "nyx/mounted",
                                      "sha256:1111111111111111111111111111111111111111111111111111111111111111",
                                      getenv("NYX_TEST_REPO"), &reason), 0);
}

struct shared_fetch {
        RegistryClient *c;
        int r;
        char got[SHA256_DIGEST_STRING_MAX];
};

static void *fetch_thread(void *p) {
        struct shared_fetch *f = p;

        for (unsigned i = 0; i < 5 && f->r >= 0; i++)
                f->r = fetch_through_pipe(f->c, getenv("NYX_TEST_REPO"), getenv("NYX_TEST_LAYER_DIGEST"),
                                          env_u64("NYX_TEST_LAYER_SIZE"), f->got, NULL);
        return NULL;
}

TEST(threads_can_share_one_client) {
        LIVE(host, "NYX_TEST_REGISTRY_PLAIN");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        struct shared_fetch f[4] = {};
        pthread_t t[4];

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                f[i].c = c;
                ASSERT_TRUE(pthread_create(&t[i], NULL, fetch_thread, &f[i]) == 0);
        }
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                pthread_join(t[i], NULL);
                ASSERT_OK(f[i].r);
                ASSERT_STREQ(f[i].got, getenv("NYX_TEST_LAYER_DIGEST"));
        }
}

/* ---- basic auth ---- */

TEST(without_credentials_a_protected_registry_says_authentication_required) {
        LIVE(host, "NYX_TEST_REGISTRY_AUTH");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_free_ char *reason = NULL;

        ASSERT_ERROR(registry_get_manifest(c, getenv("NYX_TEST_REPO"), "v1", NULL, NULL, NULL, NULL, &reason), EACCES);
        ASSERT_TRUE(reason && startswith(reason, "authentication required"));
        ASSERT_CONTAINS(reason, "HTTP 401");
}

TEST(with_a_wrong_password_it_says_authentication_failed_for_the_user) {
        LIVE(host, "NYX_TEST_REGISTRY_AUTH");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, "nyx", "wrong");
        _cleanup_free_ char *reason = NULL, *expected = NULL;

        ASSERT_ERROR(registry_get_manifest(c, getenv("NYX_TEST_REPO"), "v1", NULL, NULL, NULL, NULL, &reason), EACCES);
        if (asprintf(&expected, "authentication failed for nyx at %s", host) < 0)
                abort();
        ASSERT_TRUE(reason && startswith(reason, expected));
        ASSERT_ERROR(registry_ping(c, true, &reason), EACCES);
        ASSERT_TRUE(reason && startswith(reason, expected));
}

TEST(with_credentials_basic_auth_pulls_and_pushes) {
        LIVE(host, "NYX_TEST_REGISTRY_AUTH");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, "nyx", "nyxpass");
        _cleanup_free_ char *reason = NULL;
        _cleanup_close_ int fd = -EBADF;
        char digest[SHA256_DIGEST_STRING_MAX], got[SHA256_DIGEST_STRING_MAX];
        struct stat st;

        ASSERT_OK(registry_ping(c, true, &reason));
        ASSERT_OK(registry_get_manifest(c, getenv("NYX_TEST_REPO"), "v1", NULL, NULL, NULL, digest, &reason));
        ASSERT_STREQ(digest, getenv("NYX_TEST_MANIFEST_DIGEST"));
        ASSERT_OK(fetch_through_pipe(c, getenv("NYX_TEST_REPO"), getenv("NYX_TEST_LAYER_DIGEST"),
                                     env_u64("NYX_TEST_LAYER_SIZE"), got, &reason));
        ASSERT_STREQ(got, getenv("NYX_TEST_LAYER_DIGEST"));

        fd = open(getenv("NYX_TEST_LAYER_FILE"), O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0 && fstat(fd, &st) >= 0);
        ASSERT_OK(registry_upload_blob(c, "nyx/auth-pushed", getenv("NYX_TEST_LAYER_DIGEST"), fd, (uint64_t) st.st_size, &reason));
}

/* ---- bearer auth ---- */

TEST(bearer_auth_gets_a_token_per_scope_and_reuses_it) {
        LIVE(host, "NYX_TEST_REGISTRY_BEARER");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, "nyx", "nyxpass");
        _cleanup_free_ char *reason = NULL, *key = NULL;
        char digest[SHA256_DIGEST_STRING_MAX], got[SHA256_DIGEST_STRING_MAX];
        int before = 0, after = 0;

        if (asprintf(&key, "token repository:%s:pull", getenv("NYX_TEST_REPO")) < 0)
                abort();
        server_reset(host);
        ASSERT_OK(server_stats(host, key, &before, NULL));
        ASSERT_OK(registry_get_manifest(c, getenv("NYX_TEST_REPO"), "v1", NULL, NULL, NULL, digest, &reason));
        ASSERT_STREQ(digest, getenv("NYX_TEST_MANIFEST_DIGEST"));
        ASSERT_OK(fetch_through_pipe(c, getenv("NYX_TEST_REPO"), getenv("NYX_TEST_LAYER_DIGEST"),
                                     env_u64("NYX_TEST_LAYER_SIZE"), got, &reason));
        ASSERT_STREQ(got, getenv("NYX_TEST_LAYER_DIGEST"));
        ASSERT_OK(registry_get_manifest(c, getenv("NYX_TEST_REPO"), "v1", NULL, NULL, NULL, digest, &reason));
        ASSERT_OK(server_stats(host, key, &after, NULL));
        ASSERT_EQ(after - before, 1);
}

TEST(bearer_auth_asks_for_push_scope_when_pushing) {
        LIVE(host, "NYX_TEST_REGISTRY_BEARER");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, "nyx", "nyxpass");
        _cleanup_free_ char *reason = NULL, *manifest = NULL;
        _cleanup_close_ int lfd = -EBADF, cfd = -EBADF;
        int n = 0;
        size_t msize = 0;
        struct stat st;

        server_reset(host);
        lfd = open(getenv("NYX_TEST_LAYER_FILE"), O_RDONLY | O_CLOEXEC);
        cfd = open(getenv("NYX_TEST_CONFIG_FILE"), O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(lfd >= 0 && cfd >= 0 && fstat(lfd, &st) >= 0);
        ASSERT_OK(registry_upload_blob(c, "nyx/bearer-pushed", getenv("NYX_TEST_LAYER_DIGEST"), lfd, (uint64_t) st.st_size, &reason));
        ASSERT_TRUE(fstat(cfd, &st) >= 0);
        ASSERT_OK(registry_upload_blob(c, "nyx/bearer-pushed", getenv("NYX_TEST_CONFIG_DIGEST"), cfd, (uint64_t) st.st_size, &reason));
        ASSERT_OK(read_full_file(getenv("NYX_TEST_MANIFEST_FILE"), 0, &manifest, &msize));
        ASSERT_OK(registry_put_manifest(c, "nyx/bearer-pushed", "b", manifest, msize, OCI_MEDIA_TYPE_MANIFEST, NULL, &reason));
        ASSERT_OK(server_stats(host, "token repository:nyx/bearer-pushed:pull,push", &n, NULL));
        ASSERT_EQ(n, 1);
}

TEST(bearer_without_credentials_says_authentication_required) {
        LIVE(host, "NYX_TEST_REGISTRY_BEARER");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_free_ char *reason = NULL;

        ASSERT_ERROR(registry_get_manifest(c, getenv("NYX_TEST_REPO"), "v1", NULL, NULL, NULL, NULL, &reason), EACCES);
        ASSERT_TRUE(reason && startswith(reason, "authentication required"));
}

TEST(bearer_with_a_wrong_password_says_authentication_failed) {
        LIVE(host, "NYX_TEST_REGISTRY_BEARER");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, "nyx", "bad");
        _cleanup_free_ char *reason = NULL, *expected = NULL;

        if (asprintf(&expected, "authentication failed for nyx at %s", host) < 0)
                abort();
        ASSERT_ERROR(registry_get_manifest(c, getenv("NYX_TEST_REPO"), "v1", NULL, NULL, NULL, NULL, &reason), EACCES);
        ASSERT_TRUE(reason && startswith(reason, expected));
        ASSERT_ERROR(registry_ping(c, true, &reason), EACCES);
        ASSERT_OK(registry_ping(c, false, &reason));
}

/* ---- TLS ---- */

TEST(a_tls_registry_is_refused_without_its_ca) {
        LIVE(host, "NYX_TEST_REGISTRY_TLS");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, false, NULL, NULL);
        _cleanup_free_ char *reason = NULL;

        ASSERT_ERROR(registry_get_manifest(c, getenv("NYX_TEST_REPO"), "v1", NULL, NULL, NULL, NULL, &reason), EKEYREJECTED);
        ASSERT_CONTAINS(reason, "not trusted");
        ASSERT_CONTAINS(reason, "certs.d");
}

TEST(a_tls_registry_is_trusted_with_a_ca_dir) {
        LIVE(host, "NYX_TEST_REGISTRY_TLS");
        _cleanup_(registry_client_freep) RegistryClient *c =
                client_full(host, &(RegistryClientOptions) { .ca_dir = getenv("NYX_TEST_CA_DIR") });
        _cleanup_free_ char *reason = NULL;
        char digest[SHA256_DIGEST_STRING_MAX], got[SHA256_DIGEST_STRING_MAX];

        ASSERT_OK(registry_get_manifest(c, getenv("NYX_TEST_REPO"), "v1", NULL, NULL, NULL, digest, &reason));
        ASSERT_STREQ(registry_client_scheme(c), "https");
        ASSERT_STREQ(digest, getenv("NYX_TEST_MANIFEST_DIGEST"));
        ASSERT_OK(fetch_through_pipe(c, getenv("NYX_TEST_REPO"), getenv("NYX_TEST_LAYER_DIGEST"),
                                     env_u64("NYX_TEST_LAYER_SIZE"), got, &reason));
        ASSERT_STREQ(got, getenv("NYX_TEST_LAYER_DIGEST"));
}

TEST(a_tls_registry_is_trusted_through_certs_d) {
        LIVE(host, "NYX_TEST_REGISTRY_TLS");
        char *roots[] = { (char *) "/nonexistent/certs.d", getenv("NYX_TEST_CERTS_D"), NULL };
        _cleanup_(registry_client_freep) RegistryClient *c = client_full(host, &(RegistryClientOptions) { .certs_d = roots });
        _cleanup_free_ char *reason = NULL;

        ASSERT_OK(registry_get_manifest(c, getenv("NYX_TEST_REPO"), "v1", NULL, NULL, NULL, NULL, &reason));
}

TEST(tls_verify_false_talks_https_without_verification) {
        LIVE(host, "NYX_TEST_REGISTRY_TLS");
        _cleanup_(registry_client_freep) RegistryClient *c = client(host, true, NULL, NULL);
        _cleanup_free_ char *reason = NULL;

        ASSERT_OK(registry_get_manifest(c, getenv("NYX_TEST_REPO"), "v1", NULL, NULL, NULL, NULL, &reason));
        ASSERT_STREQ(registry_client_scheme(c), "https");
}

/* ---- a registry having a bad day ---- */

static RegistryClient *faults_client(const char *host, unsigned retries) {
        server_reset(host);
        return client_full(host, &(RegistryClientOptions) { .insecure = true, .retries = retries });
}

TEST(a_dropped_download_resumes_with_range) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 0);
        _cleanup_free_ char *reason = NULL, *range = NULL, *expected = NULL;
        char got[SHA256_DIGEST_STRING_MAX];
        int n = 0;

        ASSERT_OK(fetch_through_pipe(c, "drop", getenv("NYX_TEST_FAULT_DIGEST"), env_u64("NYX_TEST_FAULT_SIZE"), got, &reason));
        ASSERT_STREQ(got, getenv("NYX_TEST_FAULT_DIGEST"));
        ASSERT_OK(server_stats(host, "drop", &n, &range));
        ASSERT_EQ(n, 2);
        if (asprintf(&expected, "bytes=%" PRIu64 "-", env_u64("NYX_TEST_FAULT_SIZE") / 2) < 0)
                abort();
        ASSERT_STREQ(range, expected);
}

TEST(a_registry_that_ignores_range_is_resumed_by_skipping_into_a_pipe) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 0);
        _cleanup_free_ char *reason = NULL;
        char got[SHA256_DIGEST_STRING_MAX];
        int n = 0;

        ASSERT_OK(fetch_through_pipe(c, "drop200", getenv("NYX_TEST_FAULT_DIGEST"), env_u64("NYX_TEST_FAULT_SIZE"), got, &reason));
        ASSERT_STREQ(got, getenv("NYX_TEST_FAULT_DIGEST"));
        ASSERT_OK(server_stats(host, "drop200", &n, NULL));
        ASSERT_EQ(n, 2);
}

TEST(a_stalled_download_times_out_with_a_clear_reason) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 1);
        _cleanup_free_ char *reason = NULL;
        char got[SHA256_DIGEST_STRING_MAX];
        int n = 0;

        ASSERT_ERROR(fetch_through_pipe(c, "stall", getenv("NYX_TEST_FAULT_DIGEST"), env_u64("NYX_TEST_FAULT_SIZE"), got, &reason),
                     ETIMEDOUT);
        ASSERT_CONTAINS(reason, "registry stopped sending data for blob");
        ASSERT_CONTAINS(reason, getenv("NYX_TEST_FAULT_DIGEST"));
        ASSERT_CONTAINS(reason, "(2 s)");
        ASSERT_CONTAINS(reason, "gave up after 2 attempts");
        ASSERT_OK(server_stats(host, "stall", &n, NULL));
        ASSERT_EQ(n, 2);
}

TEST(a_stall_is_retried_and_resumed) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 0);
        _cleanup_free_ char *reason = NULL, *range = NULL;
        char got[SHA256_DIGEST_STRING_MAX];
        int n = 0;

        ASSERT_OK(fetch_through_pipe(c, "stallonce", getenv("NYX_TEST_FAULT_DIGEST"), env_u64("NYX_TEST_FAULT_SIZE"), got, &reason));
        ASSERT_STREQ(got, getenv("NYX_TEST_FAULT_DIGEST"));
        ASSERT_OK(server_stats(host, "stallonce", &n, &range));
        ASSERT_EQ(n, 2);
        ASSERT_NOT_NULL(range);
}

TEST(server_errors_are_retried_with_backoff) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 0);
        _cleanup_free_ char *reason = NULL;
        char got[SHA256_DIGEST_STRING_MAX];
        int n = 0;

        ASSERT_OK(fetch_through_pipe(c, "flaky", getenv("NYX_TEST_FAULT_DIGEST"), env_u64("NYX_TEST_FAULT_SIZE"), got, &reason));
        ASSERT_STREQ(got, getenv("NYX_TEST_FAULT_DIGEST"));
        ASSERT_OK(server_stats(host, "flaky", &n, NULL));
        ASSERT_EQ(n, 3);
}

TEST(too_many_requests_waits_for_retry_after) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 0);
        _cleanup_free_ char *reason = NULL;
        char got[SHA256_DIGEST_STRING_MAX];
        struct timespec a, b;

        clock_gettime(CLOCK_MONOTONIC, &a);
        ASSERT_OK(fetch_through_pipe(c, "busy", getenv("NYX_TEST_FAULT_DIGEST"), env_u64("NYX_TEST_FAULT_SIZE"), got, &reason));
        clock_gettime(CLOCK_MONOTONIC, &b);
        ASSERT_STREQ(got, getenv("NYX_TEST_FAULT_DIGEST"));
        /* Retry-After: 1 beats the 50 ms backoff */
        ASSERT_TRUE((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 >= 950);
}

TEST(persistent_server_errors_give_up_with_the_status) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 2);
        _cleanup_free_ char *reason = NULL;
        char got[SHA256_DIGEST_STRING_MAX];
        int n = 0;

        ASSERT_ERROR(fetch_through_pipe(c, "broken", getenv("NYX_TEST_FAULT_DIGEST"), env_u64("NYX_TEST_FAULT_SIZE"), got, &reason),
                     EREMOTEIO);
        ASSERT_CONTAINS(reason, "HTTP 500");
        ASSERT_CONTAINS(reason, "gave up after 3 attempts");
        ASSERT_OK(server_stats(host, "broken", &n, NULL));
        ASSERT_EQ(n, 3);
}

TEST(a_corrupt_blob_is_ebadmsg_naming_both_digests) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 0);
        _cleanup_free_ char *reason = NULL, *expected = NULL;
        char got[SHA256_DIGEST_STRING_MAX];

        ASSERT_ERROR(fetch_through_pipe(c, "corrupt", getenv("NYX_TEST_FAULT_DIGEST"), env_u64("NYX_TEST_FAULT_SIZE"), got, &reason),
                     EBADMSG);
        if (asprintf(&expected, "blob %s of %s/corrupt has digest sha256:", getenv("NYX_TEST_FAULT_DIGEST"), host) < 0)
                abort();
        ASSERT_CONTAINS(reason, expected);
        ASSERT_CONTAINS(reason, ", expected sha256:");
}

TEST(a_blob_longer_than_its_descriptor_is_cut_off) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 0);
        _cleanup_free_ char *reason = NULL;
        char got[SHA256_DIGEST_STRING_MAX];

        ASSERT_ERROR(fetch_through_pipe(c, "long", getenv("NYX_TEST_FAULT_DIGEST"), env_u64("NYX_TEST_FAULT_SIZE"), got, &reason),
                     EFBIG);
        /* and without a size, the digest catches it */
        ASSERT_ERROR(fetch_through_pipe(c, "long", getenv("NYX_TEST_FAULT_DIGEST"), UINT64_MAX, got, &reason), EBADMSG);
}

TEST(redirects_to_storage_are_followed) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 0);
        _cleanup_free_ char *reason = NULL;
        char got[SHA256_DIGEST_STRING_MAX];
        int n = 0;

        ASSERT_OK(fetch_through_pipe(c, "redirect", getenv("NYX_TEST_FAULT_DIGEST"), env_u64("NYX_TEST_FAULT_SIZE"), got, &reason));
        ASSERT_STREQ(got, getenv("NYX_TEST_FAULT_DIGEST"));
        ASSERT_OK(server_stats(host, "storage", &n, NULL));
        ASSERT_TRUE(n >= 1);
}

TEST(an_unknown_blob_is_enoent_with_the_registry_error) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 0);
        _cleanup_free_ char *reason = NULL;
        char got[SHA256_DIGEST_STRING_MAX];

        ASSERT_ERROR(fetch_through_pipe(c, "gone", getenv("NYX_TEST_FAULT_DIGEST"), env_u64("NYX_TEST_FAULT_SIZE"), got, &reason),
                     ENOENT);
        ASSERT_CONTAINS(reason, "BLOB_UNKNOWN");
}

TEST(the_progress_callback_can_cancel) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 0);
        _cleanup_free_ char *reason = NULL, *path = tmpfile_path("cancel");
        _cleanup_close_ int fd = -EBADF;
        uint64_t last = UINT64_MAX;     /* progress_count() refuses the first call: done < last */

        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ASSERT_TRUE(fd >= 0);
        ASSERT_ERROR(registry_fetch_blob(c, "plain", getenv("NYX_TEST_FAULT_DIGEST"), env_u64("NYX_TEST_FAULT_SIZE"),
                                         fd, progress_count, &last, &reason), EILSEQ);
        (void) unlink(path);
}

TEST(a_reader_that_goes_away_is_epipe) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 0);
        _cleanup_free_ char *reason = NULL;
        int p[2];

        ASSERT_TRUE(pipe2(p, O_CLOEXEC) >= 0);
        close(p[0]);
        ASSERT_ERROR(registry_fetch_blob(c, "plain", getenv("NYX_TEST_FAULT_DIGEST"), env_u64("NYX_TEST_FAULT_SIZE"),
                                         p[1], NULL, NULL, &reason), EPIPE);
        ASSERT_CONTAINS(reason, "went away");
        close(p[1]);
}

TEST(a_manifest_contradicting_docker_content_digest_is_refused) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 0);
        _cleanup_free_ char *reason = NULL;

        ASSERT_ERROR(registry_get_manifest(c, "badmanifest", "x", NULL, NULL, NULL, NULL, &reason), EBADMSG);
        ASSERT_CONTAINS(reason, "Docker-Content-Digest");
}

TEST(a_manifest_over_4_mib_is_refused) {
        LIVE(host, "NYX_TEST_REGISTRY_FAULTS");
        _cleanup_(registry_client_freep) RegistryClient *c = faults_client(host, 0);
        _cleanup_free_ char *reason = NULL;

        ASSERT_ERROR(registry_get_manifest(c, "bigmanifest", "x", NULL, NULL, NULL, NULL, &reason), EFBIG);
        ASSERT_CONTAINS(reason, "limit");
}
