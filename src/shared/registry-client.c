/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "fileio.h"
#include "path-util.h"
#include "registry-client.h"
#include "string-util.h"
#include "strv.h"

/* References: opencontainers/distribution-spec spec.md (endpoints, status codes, Range and
 * Docker-Content-Digest), distribution/distribution docs/spec/auth/token.md (the bearer dance),
 * containers/image docker/docker_client.go (ping with http fallback when insecure, token cache per
 * scope, auth file lookup and key normalization), RFC 7235 (WWW-Authenticate). */

#ifndef NYX_VERSION
#define NYX_VERSION "0"
#endif

#define DEFAULT_TIMEOUT_SEC     30U
#define DEFAULT_RETRIES         3U
#define DEFAULT_RETRY_DELAY_USEC (500U * 1000U)
#define RETRY_AFTER_MAX_USEC    (30U * 1000U * 1000U)
#define ERROR_BODY_MAX          (64U * 1024U)
#define TAGS_PAGES_MAX          100U
#define TAGS_BODY_MAX           (UINT64_C(4) * 1024 * 1024)
#define AUTH_FILE_SIZE_MAX      (UINT64_C(4) * 1024 * 1024)

#define ACCEPT_MANIFESTS                        \
        OCI_MEDIA_TYPE_MANIFEST ", "            \
        OCI_MEDIA_TYPE_INDEX ", "               \
        DOCKER_MEDIA_TYPE_MANIFEST ", "         \
        DOCKER_MEDIA_TYPE_MANIFEST_LIST

static inline void json_object_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_object_putp)

static inline void curl_slist_free_allp(struct curl_slist **l) {
        if (*l)
                curl_slist_free_all(*l);
}

static inline void curl_easy_cleanupp(CURL **h) {
        if (*h)
                curl_easy_cleanup(*h);
}

static inline void evp_md_ctx_freep(EVP_MD_CTX **c) {
        if (*c)
                EVP_MD_CTX_free(*c);
}

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

static uint64_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000) + (uint64_t) ts.tv_nsec / 1000;
}

static void sleep_usec(uint64_t usec) {
        struct timespec ts = {
                .tv_sec = (time_t) (usec / 1000000),
                .tv_nsec = (long) (usec % 1000000) * 1000,
        };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* ---- base64 (RFC 4648, padding optional on input) ---- */

static char *base64_encode(const char *s, size_t n) {
        static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const unsigned char *p = (const unsigned char *) s;
        char *r, *o;

        r = o = malloc((n + 2) / 3 * 4 + 1);
        if (!r)
                return NULL;
        for (size_t i = 0; i < n; i += 3) {
                uint32_t v = (uint32_t) p[i] << 16;

                if (i + 1 < n)
                        v |= (uint32_t) p[i + 1] << 8;
                if (i + 2 < n)
                        v |= p[i + 2];
                *o++ = t[(v >> 18) & 63];
                *o++ = t[(v >> 12) & 63];
                *o++ = i + 1 < n ? t[(v >> 6) & 63] : '=';
                *o++ = i + 2 < n ? t[v & 63] : '=';
        }
        *o = 0;
        return r;
}

static int base64_value(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+' || c == '-')
                return 62;
        if (c == '/' || c == '_')
                return 63;
        return -1;
}

static int base64_decode(const char *s, char **ret, size_t *ret_size) {
        size_t n = strlen(s), k = 0;
        uint32_t acc = 0;
        unsigned bits = 0;
        char *r;

        while (n > 0 && (s[n - 1] == '=' || s[n - 1] == '\n' || s[n - 1] == ' '))
                n--;
        r = malloc(n / 4 * 3 + 4);
        if (!r)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int v = base64_value(s[i]);

                if (v < 0) {
                        free(r);
                        return -EBADMSG;
                }
                acc = (acc << 6) | (uint32_t) v;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        r[k++] = (char) ((acc >> bits) & 0xff);
                }
        }
        r[k] = 0;
        *ret = r;
        *ret_size = k;
        return 0;
}

/* ---- names ---- */

/* A repository path as image-ref produces it: lowercase components separated by '/'. This is
 * checked again here because it goes into URLs. */
static bool repo_is_valid(const char *s) {
        size_t n;

        if (isempty(s) || s[0] == '/' || strlen(s) > 255)
                return false;
        n = strlen(s);
        if (s[n - 1] == '/' || strstr(s, "//") || strstr(s, "/.") || s[0] == '.')
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("._-/", *p)))
                        return false;
        return true;
}

static bool tag_is_valid(const char *s) {
        size_t n;

        if (isempty(s))
                return false;
        n = strlen(s);
        if (n > 128)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                        (i > 0 && (c == '.' || c == '-'));
                if (!ok)
                        return false;
        }
        return true;
}

static bool reference_is_valid(const char *s) {
        return digest_is_valid(s) || tag_is_valid(s);
}

static char *url_escape(const char *s) {
        static const char hex[] = "0123456789ABCDEF";
        char *r, *o;

        r = o = malloc(strlen(s) * 3 + 1);
        if (!r)
                return NULL;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                    strchr("-._~", *p))
                        *o++ = (char) *p;
                else {
                        *o++ = '%';
                        *o++ = hex[*p >> 4];
                        *o++ = hex[*p & 15];
                }
        }
        *o = 0;
        return r;
}

const char *registry_endpoint_for_domain(const char *domain) {
        if (streq_ptr(domain, "docker.io") || streq_ptr(domain, "index.docker.io"))
                return REGISTRY_DOCKER_HUB_ENDPOINT;
        return domain;
}

/* ---- WWW-Authenticate ---- */

static bool is_tchar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ws(const char *p) {
        while (*p == ' ' || *p == '\t')
                p++;
        return p;
}

static void challenge_done(RegistryChallenge *ch) {
        ch->scheme = mfree(ch->scheme);
        ch->realm = mfree(ch->realm);
        ch->service = mfree(ch->service);
        ch->scope = mfree(ch->scope);
        ch->error = mfree(ch->error);
}

void registry_challenges_free(RegistryChallenge *l, size_t n) {
        for (size_t i = 0; l && i < n; i++)
                challenge_done(&l[i]);
        free(l);
}

static int challenge_copy(const RegistryChallenge *from, RegistryChallenge *to) {
        RegistryChallenge c = {
                .scheme = strdup_or_null(from->scheme),
                .realm = strdup_or_null(from->realm),
                .service = strdup_or_null(from->service),
                .scope = strdup_or_null(from->scope),
                .error = strdup_or_null(from->error),
        };

        if ((from->scheme && !c.scheme) || (from->realm && !c.realm) || (from->service && !c.service) ||
            (from->scope && !c.scope) || (from->error && !c.error)) {
                challenge_done(&c);
                return -ENOMEM;
        }
        *to = c;
        return 0;
}

/* A token or a quoted string at *p; advances *p. */
static int parse_param_value(const char **p, char **ret) {
        const char *s = *p;
        char *v, *o;

        if (*s == '"') {
                s++;
                v = o = malloc(strlen(s) + 1);
                if (!v)
                        return -ENOMEM;
                for (;;) {
                        if (*s == 0) {
                                free(v);
                                return -EBADMSG;
                        }
                        if (*s == '"')
                                break;
                        if (*s == '\\' && s[1])
                                s++;
                        *o++ = *s++;
                }
                *o = 0;
                *p = s + 1;
        } else {
                const char *b = s;

                while (is_tchar(*s) || *s == '/' || *s == ':' || *s == '=')
                        s++;
                v = strndup(b, s - b);
                if (!v)
                        return -ENOMEM;
                *p = s;
        }
        *ret = v;
        return 0;
}

int registry_challenges_parse(const char *header, RegistryChallenge **challenges, size_t *n) {
        const char *p;
        int r;

        if (!header || !challenges || !n)
                return -EINVAL;

        p = header;
        for (;;) {
                RegistryChallenge *l, *ch;
                const char *b;

                while (*p == ' ' || *p == '\t' || *p == ',')
                        p++;
                if (*p == 0)
                        return 0;

                b = p;
                while (is_tchar(*p))
                        p++;
                if (p == b)
                        return -EBADMSG;

                l = reallocarray(*challenges, *n + 1, sizeof(RegistryChallenge));
                if (!l)
                        return -ENOMEM;
                *challenges = l;
                ch = &l[*n];
                *ch = (RegistryChallenge) {};
                ch->scheme = strndup(b, p - b);
                if (!ch->scheme)
                        return -ENOMEM;
                ascii_strlower(ch->scheme);
                (*n)++;

                /* Right after the scheme (separated by whitespace only) may come a token68
                 * ("Negotiate abc==") instead of parameters; skip it. */
                {
                        const char *q = skip_ws(p), *e = q;

                        while (is_tchar(*e) || *e == '/')
                                e++;
                        if (q > p && e > q) {
                                const char *f = skip_ws(e);

                                if (*f == '=') {
                                        const char *g = f;

                                        while (*g == '=')
                                                g++;
                                        g = skip_ws(g);
                                        if (*g == 0 || *g == ',')
                                                p = g;          /* "abc==" */
                                } else if (*f == 0 || *f == ',')
                                        p = f;                  /* "abc" */
                        }
                }

                /* auth-params: name "=" value, separated by commas. After a comma, a name not
                 * followed by '=' starts the next challenge. */
                for (;;) {
                        const char *save, *nb;
                        _cleanup_free_ char *name = NULL, *value = NULL;
                        char **slot = NULL;

                        p = skip_ws(p);
                        save = p;
                        nb = p;
                        while (is_tchar(*p))
                                p++;
                        if (p == nb) {
                                if (*p == ',' ) {
                                        p++;
                                        continue;
                                }
                                if (*p == 0)
                                        return 0;
                                return -EBADMSG;
                        }
                        name = strndup(nb, p - nb);
                        if (!name)
                                return -ENOMEM;
                        p = skip_ws(p);
                        if (*p != '=') {
                                p = save;
                                break;
                        }
                        p = skip_ws(p + 1);
                        r = parse_param_value(&p, &value);
                        if (r < 0)
                                return r;

                        if (strcasecmp(name, "realm") == 0)
                                slot = &ch->realm;
                        else if (strcasecmp(name, "service") == 0)
                                slot = &ch->service;
                        else if (strcasecmp(name, "scope") == 0)
                                slot = &ch->scope;
                        else if (strcasecmp(name, "error") == 0)
                                slot = &ch->error;
                        if (slot) {
                                free(*slot);
                                *slot = TAKE_PTR(value);
                        }

                        p = skip_ws(p);
                        if (*p == 0)
                                return 0;
                        if (*p != ',')
                                return -EBADMSG;
                        p++;
                }
        }
}

const RegistryChallenge *registry_challenges_pick(const RegistryChallenge *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (streq_ptr(l[i].scheme, "bearer") && !isempty(l[i].realm))
                        return &l[i];
        for (size_t i = 0; i < n; i++)
                if (streq_ptr(l[i].scheme, "basic"))
                        return &l[i];
        return NULL;
}

/* ---- the client ---- */

typedef struct TokenEntry {
        char *key;              /* realm \n service \n scopes */
        char *token;
        uint64_t expires_usec;  /* CLOCK_MONOTONIC */
} TokenEntry;

struct RegistryClient {
        char *domain;
        char *host;
        bool insecure;
        char *username;
        char *password;
        char *user_agent;
        unsigned connect_timeout_sec;
        unsigned low_speed_time_sec;
        unsigned retries;
        uint64_t retry_delay_usec;

        char *ca_blob;          /* system bundle + extra CAs, PEM; NULL = curl's default */
        size_t ca_blob_size;
        char *client_cert;
        char *client_key;

        CURLSH *share;
        pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

        pthread_mutex_t lock;   /* protects everything below */
        bool pinged;
        const char *scheme;
        bool have_challenge;
        RegistryChallenge challenge;
        TokenEntry *tokens;
        size_t n_tokens;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_init_once(void) {
        curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *userp) {
        RegistryClient *c = userp;

        if (data >= 0 && data < CURL_LOCK_DATA_LAST)
                pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userp) {
        RegistryClient *c = userp;

        if (data >= 0 && data < CURL_LOCK_DATA_LAST)
                pthread_mutex_unlock(&c->share_locks[data]);
}

static int append_file(char **buf, size_t *size, const char *path) {
        _cleanup_free_ char *data = NULL;
        size_t n;
        char *b;
        int r;

        r = read_full_file(path, 16U * 1024U * 1024U, &data, &n);
        if (r < 0)
                return r;
        b = realloc(*buf, *size + n + 2);
        if (!b)
                return -ENOMEM;
        memcpy(b + *size, data, n);
        *size += n;
        b[(*size)++] = '\n';
        b[*size] = 0;
        *buf = b;
        return 0;
}

static int scandir_filter(const struct dirent *de) {
        return de->d_name[0] != '.';
}

/* One certs.d-style directory: *.crt are CAs, NAME.cert + NAME.key a client certificate. */
static int load_cert_dir(RegistryClient *c, const char *dir, char **extra, size_t *extra_size) {
        struct dirent **names = NULL;
        int n, r = 0;

        n = scandir(dir, &names, scandir_filter, alphasort);
        if (n < 0)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;

        for (int i = 0; i < n; i++) {
                const char *name = names[i]->d_name;
                _cleanup_free_ char *path = NULL;

                path = path_join(dir, name);
                if (!path) {
                        r = -ENOMEM;
                        break;
                }

                if (endswith(name, ".crt")) {
                        r = append_file(extra, extra_size, path);
                        if (r < 0)
                                break;
                } else if (endswith(name, ".cert") && !c->client_cert) {
                        _cleanup_free_ char *base = NULL, *key = NULL;

                        base = strndup(path, strlen(path) - strlen(".cert"));
                        key = base ? strjoin(base, ".key") : NULL;
                        if (!key) {
                                r = -ENOMEM;
                                break;
                        }
                        if (access(key, R_OK) < 0)
                                continue;       /* docker requires the pair; a lone .cert is ignored */
                        c->client_cert = TAKE_PTR(path);
                        c->client_key = TAKE_PTR(key);
                }
        }

        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return r;
}

static int load_certificates(RegistryClient *c, const RegistryClientOptions *opts) {
        static char *default_roots[] = { (char *) "/etc/containers/certs.d", (char *) "/etc/docker/certs.d", NULL };
        _cleanup_free_ char *extra = NULL;
        size_t extra_size = 0;
        char **roots;
        int r;

        roots = opts && opts->certs_d ? opts->certs_d : default_roots;
        STRV_FOREACH(root, roots) {
                const char *names[2] = { c->domain, c->host };

                for (size_t i = 0; i < 2; i++) {
                        _cleanup_free_ char *dir = NULL;

                        if (i == 1 && streq(c->host, c->domain))
                                break;
                        dir = path_join(*root, names[i]);
                        if (!dir)
                                return -ENOMEM;
                        r = load_cert_dir(c, dir, &extra, &extra_size);
                        if (r < 0)
                                return r;
                }
        }
        if (opts && opts->ca_dir) {
                r = load_cert_dir(c, opts->ca_dir, &extra, &extra_size);
                if (r < 0)
                        return r;
        }

        if (extra_size == 0)
                return 0;

        /* CURLOPT_CAINFO_BLOB replaces the CA file; extra CAs are meant to be added to the system
         * ones, as docker and podman do. So put the system bundle in front. */
        {
                _cleanup_(curl_easy_cleanupp) CURL *h = curl_easy_init();
                _cleanup_free_ char *blob = NULL;
                size_t blob_size = 0;
                const char *bundle = NULL;
                static const char *candidates[] = {
                        "/etc/ssl/certs/ca-certificates.crt",
                        "/etc/pki/tls/certs/ca-bundle.crt",
                        "/etc/ssl/ca-bundle.pem",
                };

#if LIBCURL_VERSION_NUM >= 0x075400
                if (h)
                        (void) curl_easy_getinfo(h, CURLINFO_CAINFO, &bundle);
#endif
                if (bundle && append_file(&blob, &blob_size, bundle) < 0)
                        bundle = NULL;
                for (size_t i = 0; !bundle && i < ELEMENTSOF(candidates); i++)
                        if (append_file(&blob, &blob_size, candidates[i]) >= 0)
                                bundle = candidates[i];

                r = 0;
                if (blob_size > 0 || extra_size > 0) {
                        char *b = realloc(blob, blob_size + extra_size + 1);
                        if (!b)
                                return -ENOMEM;
                        memcpy(b + blob_size, extra, extra_size);
                        blob_size += extra_size;
                        b[blob_size] = 0;
                        blob = NULL;
                        c->ca_blob = b;
                        c->ca_blob_size = blob_size;
                }
        }
        return 0;
}

int registry_client_new(const char *domain, const RegistryClientOptions *opts, RegistryClient **ret) {
        _cleanup_(registry_client_freep) RegistryClient *c = NULL;
        int r;

        if (isempty(domain) || !ret)
                return -EINVAL;
        for (const char *p = domain; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr(".-:[]", *p)))
                        return -EINVAL;
        if (opts && !opts->username != !opts->password)
                return -EINVAL;

        (void) pthread_once(&curl_once, curl_init_once);
        if (curl_init_result != CURLE_OK)
                return -EIO;

        c = calloc(1, sizeof(RegistryClient));
        if (!c)
                return -ENOMEM;
        (void) pthread_mutex_init(&c->lock, NULL);
        for (size_t i = 0; i < ELEMENTSOF(c->share_locks); i++)
                (void) pthread_mutex_init(&c->share_locks[i], NULL);

        c->domain = strdup(domain);
        c->host = strdup(registry_endpoint_for_domain(domain));
        c->user_agent = opts && opts->user_agent ? strdup(opts->user_agent) : strdup("nyx/" NYX_VERSION);
        if (!c->domain || !c->host || !c->user_agent)
                return -ENOMEM;
        if (opts && opts->username) {
                c->username = strdup(opts->username);
                c->password = strdup(opts->password);
                if (!c->username || !c->password)
                        return -ENOMEM;
        }
        c->insecure = opts && opts->insecure;
        c->connect_timeout_sec = opts && opts->connect_timeout_sec > 0 ? opts->connect_timeout_sec : DEFAULT_TIMEOUT_SEC;
        c->low_speed_time_sec = opts && opts->low_speed_time_sec > 0 ? opts->low_speed_time_sec : DEFAULT_TIMEOUT_SEC;
        c->retries = opts && opts->no_retries ? 0 : opts && opts->retries > 0 ? opts->retries : DEFAULT_RETRIES;
        c->retry_delay_usec = opts && opts->retry_delay_usec > 0 ? opts->retry_delay_usec : DEFAULT_RETRY_DELAY_USEC;

        r = load_certificates(c, opts);
        if (r < 0)
                return r;

        c->share = curl_share_init();
        if (!c->share)
                return -ENOMEM;
        (void) curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
        (void) curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
        (void) curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
        (void) curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        (void) curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
        (void) curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);

        *ret = TAKE_PTR(c);
        return 0;
}

RegistryClient *registry_client_free(RegistryClient *c) {
        if (!c)
                return NULL;
        if (c->share)
                curl_share_cleanup(c->share);
        for (size_t i = 0; i < c->n_tokens; i++) {
                free(c->tokens[i].key);
                free(c->tokens[i].token);
        }
        free(c->tokens);
        challenge_done(&c->challenge);
        free(c->domain);
        free(c->host);
        free(c->username);
        if (c->password) {
                explicit_bzero(c->password, strlen(c->password));
                free(c->password);
        }
        free(c->user_agent);
        free(c->ca_blob);
        free(c->client_cert);
        free(c->client_key);
        (void) pthread_mutex_destroy(&c->lock);
        for (size_t i = 0; i < ELEMENTSOF(c->share_locks); i++)
                (void) pthread_mutex_destroy(&c->share_locks[i]);
        return mfree(c);
}

const char *registry_client_host(RegistryClient *c) {
        return c ? c->host : NULL;
}

const char *registry_client_scheme(RegistryClient *c) {
        const char *s;

        if (!c)
                return NULL;
        pthread_mutex_lock(&c->lock);
        s = c->pinged ? c->scheme : NULL;
        pthread_mutex_unlock(&c->lock);
        return s;
}

/* ---- one HTTP exchange ---- */

/* curl hands a body over 16 KiB at a time (CURL_MAX_WRITE_SIZE), whatever CURLOPT_BUFFERSIZE is:
 * gathered into writes of this size, a blob costs a sixteenth of the write() calls and progress
 * callbacks. */
#define SINK_BUFFER_SIZE (256U * 1024U)

/* Where the body of a 2xx response goes when it is streamed. */
typedef struct BlobSink {
        int fd;
        EVP_MD_CTX *md;
        char *buffer;                   /* received and hashed, not yet written to fd */
        size_t buffered;
        uint64_t written;               /* bytes written to fd (and hashed) */
        uint64_t expected;              /* UINT64_MAX = unknown */
        uint64_t skip;                  /* bytes of this response already delivered earlier */
        uint64_t range_start;           /* what this attempt asked for */
        RegistryProgressFn progress;
        void *userdata;
        int error;                      /* negative errno that aborted the transfer */
        char *error_reason;
} BlobSink;

typedef struct Request {
        const char *what;               /* "manifest HOST/REPO:TAG" — names the object in reasons */
        const char *method;             /* "GET", "HEAD", "POST", "PUT", "DELETE" */
        const char *path;               /* "/v2/...", on the registry (scheme known after the ping) ... */
        const char *url;                /* ... or an absolute URL */
        const char *accept;
        const char *content_type;
        char **scopes;                  /* "repository:REPO:pull" ... */
        bool no_auth;                   /* the ping and the token request */
        const char *basic_auth;         /* explicit "Basic ..." header value (token request) */
        uint64_t range_start;           /* > 0: Range: bytes=N- */
        uint64_t max_body;              /* buffered 2xx body limit */
        const char *body;               /* request body from memory ... */
        size_t body_size;
        int body_fd;                    /* ... or from an fd (>= 0) */
        uint64_t body_fd_size;
        BlobSink *sink;                 /* stream 2xx bodies here instead of buffering */
} Request;

typedef struct Transfer {
        char *url;                      /* what request() asked for */
        long status;
        char *content_type;
        char *docker_content_digest;
        char *location;
        char *content_range;
        char *retry_after;
        char *link;
        char **www_authenticate;
        uint64_t content_length;
        bool have_content_length;

        char *body;                     /* 2xx body when buffered */
        size_t body_size;
        bool body_too_big;
        char *err;                      /* non-2xx body, truncated */
        size_t err_size;
        bool body_started;

        /* request body state */
        const Request *req;
        uint64_t upload_done;
        off_t upload_base;              /* offset in body_fd, or -1 when not seekable */

        bool connected;
        char errbuf[CURL_ERROR_SIZE];

        /* stall detection: no byte moved for stall_usec */
        uint64_t stall_usec;
        uint64_t last_progress_usec;
        curl_off_t last_dl, last_ul;
        bool stalled;
} Transfer;

static void transfer_reset_response(Transfer *t) {
        t->status = 0;
        t->content_type = mfree(t->content_type);
        t->docker_content_digest = mfree(t->docker_content_digest);
        t->location = mfree(t->location);
        t->content_range = mfree(t->content_range);
        t->retry_after = mfree(t->retry_after);
        t->link = mfree(t->link);
        t->www_authenticate = strv_free(t->www_authenticate);
        t->have_content_length = false;
        t->content_length = 0;
        t->body = mfree(t->body);
        t->body_size = 0;
        t->body_too_big = false;
        t->err = mfree(t->err);
        t->err_size = 0;
        t->body_started = false;
}

static void transfer_done(Transfer *t) {
        transfer_reset_response(t);
        t->url = mfree(t->url);
}

static bool status_ok(long s) {
        return s >= 200 && s < 300;
}

static size_t header_cb(char *buffer, size_t size, size_t nitems, void *userdata) {
        Transfer *t = userdata;
        size_t n = size * nitems, l;
        const char *colon, *v;
        _cleanup_free_ char *name = NULL, *value = NULL;
        char **slot = NULL;

        l = n;
        while (l > 0 && (buffer[l - 1] == '\r' || buffer[l - 1] == '\n'))
                l--;

        if (l >= 5 && strncmp(buffer, "HTTP/", 5) == 0) {
                /* A new response (after a redirect or a 100 Continue): forget the previous one's headers. */
                const char *sp = memchr(buffer, ' ', l);

                transfer_reset_response(t);
                if (sp)
                        t->status = strtol(sp + 1, NULL, 10);
                return n;
        }

        colon = memchr(buffer, ':', l);
        if (!colon)
                return n;
        name = strndup(buffer, colon - buffer);
        if (!name)
                return 0;
        v = colon + 1;
        while (v < buffer + l && (*v == ' ' || *v == '\t'))
                v++;
        value = strndup(v, buffer + l - v);
        if (!value)
                return 0;

        if (strcasecmp(name, "content-type") == 0)
                slot = &t->content_type;
        else if (strcasecmp(name, "docker-content-digest") == 0)
                slot = &t->docker_content_digest;
        else if (strcasecmp(name, "location") == 0)
                slot = &t->location;
        else if (strcasecmp(name, "content-range") == 0)
                slot = &t->content_range;
        else if (strcasecmp(name, "retry-after") == 0)
                slot = &t->retry_after;
        else if (strcasecmp(name, "link") == 0)
                slot = &t->link;
        else if (strcasecmp(name, "content-length") == 0) {
                char *e;
                unsigned long long x;

                errno = 0;
                x = strtoull(value, &e, 10);
                if (errno == 0 && e != value && *e == 0) {
                        t->content_length = x;
                        t->have_content_length = true;
                }
        } else if (strcasecmp(name, "www-authenticate") == 0) {
                if (strv_consume(&t->www_authenticate, TAKE_PTR(value)) < 0)
                        return 0;
        }

        if (slot) {
                free(*slot);
                *slot = TAKE_PTR(value);
        }
        return n;
}

static int fd_write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd pfd = { .fd = fd, .events = POLLOUT };
                                (void) poll(&pfd, 1, -1);
                                continue;
                        }
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

/* "bytes 100-199/200" → 100 */
static int parse_content_range_start(const char *s, uint64_t *ret) {
        const char *p;
        char *e;
        unsigned long long v;

        if (!s)
                return -EBADMSG;
        p = startswith(s, "bytes ");
        if (!p)
                return -EBADMSG;
        errno = 0;
        v = strtoull(p, &e, 10);
        if (errno != 0 || e == p || *e != '-')
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int sink_begin(Transfer *t, BlobSink *s) {
        if (t->status == 206) {
                uint64_t start;

                if (parse_content_range_start(t->content_range, &start) < 0 || start != s->range_start) {
                        s->error_reason = mfree(s->error_reason);
                        (void) asprintf(&s->error_reason, "asked for bytes from %" PRIu64 " but got Content-Range \"%s\"",
                                        s->range_start, strna(t->content_range));
                        return -EPROTO;
                }
                s->skip = 0;
        } else
                /* A plain 200 sends everything again: skip what out_fd already has. */
                s->skip = s->written;
        return 0;
}

/* Writes out what is buffered; then tells the progress callback how much fd has. */
static int sink_flush(BlobSink *s) {
        int r;

        if (s->buffered == 0)
                return 0;
        r = fd_write_all(s->fd, s->buffer, s->buffered);
        if (r < 0)
                return r;
        s->written += s->buffered;
        s->buffered = 0;
        if (s->progress)
                return s->progress(s->written, s->expected, s->userdata);
        return 0;
}

static int sink_write(BlobSink *s, const char *p, size_t n) {
        int r;

        if (s->skip > 0) {
                size_t k = (size_t) MIN((uint64_t) n, s->skip);
                p += k;
                n -= k;
                s->skip -= k;
                if (n == 0)
                        return 0;
        }

        if (s->expected != UINT64_MAX && n > s->expected - s->written - s->buffered)
                return -EFBIG;

        if (s->md && EVP_DigestUpdate(s->md, p, n) != 1)
                return -EIO;
        while (n > 0) {
                size_t k = MIN(n, SINK_BUFFER_SIZE - s->buffered);

                memcpy(s->buffer + s->buffered, p, k);
                s->buffered += k;
                p += k;
                n -= k;
                if (s->buffered == SINK_BUFFER_SIZE) {
                        r = sink_flush(s);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata) {
        Transfer *t = userdata;
        size_t n = size * nmemb;
        int r;

        if (!status_ok(t->status)) {
                /* Error bodies: keep the beginning for the reason. */
                size_t k = MIN(n, (size_t) ERROR_BODY_MAX - t->err_size);
                char *b;

                if (k == 0)
                        return n;
                b = realloc(t->err, t->err_size + k + 1);
                if (!b)
                        return 0;
                memcpy(b + t->err_size, ptr, k);
                t->err_size += k;
                b[t->err_size] = 0;
                t->err = b;
                return n;
        }

        if (t->req->sink) {
                BlobSink *s = t->req->sink;

                if (!t->body_started) {
                        t->body_started = true;
                        r = sink_begin(t, s);
                        if (r < 0) {
                                s->error = r;
                                return 0;
                        }
                }
                r = sink_write(s, ptr, n);
                if (r < 0) {
                        s->error = r;
                        return 0;
                }
                return n;
        }

        if ((uint64_t) t->body_size + n > t->req->max_body) {
                t->body_too_big = true;
                return 0;
        }
        {
                char *b = realloc(t->body, t->body_size + n + 1);
                if (!b)
                        return 0;
                memcpy(b + t->body_size, ptr, n);
                t->body_size += n;
                b[t->body_size] = 0;
                t->body = b;
        }
        return n;
}

static size_t read_cb(char *buffer, size_t size, size_t nitems, void *userdata) {
        Transfer *t = userdata;
        const Request *req = t->req;
        uint64_t total = req->body_fd >= 0 ? req->body_fd_size : req->body_size;
        size_t n = (size_t) MIN((uint64_t) size * nitems, total - t->upload_done);
        ssize_t k;

        if (n == 0)
                return 0;

        if (req->body_fd < 0) {
                memcpy(buffer, req->body + t->upload_done, n);
                t->upload_done += n;
                return n;
        }

        do {
                if (t->upload_base >= 0)
                        k = pread(req->body_fd, buffer, n, t->upload_base + (off_t) t->upload_done);
                else
                        k = read(req->body_fd, buffer, n);
        } while (k < 0 && errno == EINTR);
        if (k <= 0)
                return CURL_READFUNC_ABORT;     /* error, or the file is shorter than promised */
        t->upload_done += (uint64_t) k;
        return (size_t) k;
}

static int seek_cb(void *userdata, curl_off_t offset, int origin) {
        Transfer *t = userdata;

        if (origin != SEEK_SET || offset < 0)
                return CURL_SEEKFUNC_CANTSEEK;
        if (t->req->body_fd >= 0 && t->upload_base < 0)
                return CURL_SEEKFUNC_CANTSEEK;
        t->upload_done = (uint64_t) offset;
        return CURL_SEEKFUNC_OK;
}

/* curl's own CURLOPT_LOW_SPEED_* averages over a window of several seconds, so after a burst a stall
 * is noticed late; this counts from the last byte that moved, in either direction. */
static int xferinfo_cb(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
        Transfer *t = userdata;
        uint64_t now = now_usec();

        if (t->last_progress_usec == 0 || dlnow != t->last_dl || ulnow != t->last_ul) {
                t->last_progress_usec = now;
                t->last_dl = dlnow;
                t->last_ul = ulnow;
                return 0;
        }
        if (now - t->last_progress_usec >= t->stall_usec) {
                t->stalled = true;
                return 1;
        }
        return 0;
}

/* Says what went wrong below HTTP, in words. */
static int transport_error(RegistryClient *c, const Request *req, const Transfer *t, CURLcode cc, char **ret_reason) {
        const char *detail = !isempty(t->errbuf) ? t->errbuf : curl_easy_strerror(cc);
        BlobSink *s = req->sink;

        switch (cc) {
        case CURLE_WRITE_ERROR:
                if (t->body_too_big)
                        return fail(ret_reason, -EFBIG, "%s is larger than the limit of %" PRIu64 " bytes",
                                    req->what, req->max_body);
                if (s && s->error == -EFBIG)
                        return fail(ret_reason, -EFBIG, "%s is larger than the expected %" PRIu64 " bytes",
                                    req->what, s->expected);
                if (s && s->error == -EPROTO)
                        return fail(ret_reason, -EPROTO, "%s: registry broke a resumed download: %s",
                                    req->what, strna(s->error_reason));
                if (s && s->error == -EPIPE)
                        return fail(ret_reason, -EPIPE, "%s: the reader of the download went away", req->what);
                if (s && s->error < 0)
                        return fail(ret_reason, s->error, "%s: writing the download failed: %s",
                                    req->what, strerror(-s->error));
                return fail(ret_reason, -ENOMEM, "%s: out of memory", req->what);
        case CURLE_ABORTED_BY_CALLBACK:
                if (t->stalled)
                        return fail(ret_reason, -ETIMEDOUT, "registry stopped sending data for %s (%u s)",
                                    req->what, c->low_speed_time_sec);
                return fail(ret_reason, -ECANCELED, "%s: cancelled", req->what);
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
                return fail(ret_reason, -EHOSTUNREACH, "%s: cannot resolve the host name of %s: %s",
                            req->what, c->host, detail);
        case CURLE_COULDNT_CONNECT:
                return fail(ret_reason, -ECONNREFUSED, "%s: cannot connect to %s: %s", req->what, c->host, detail);
        case CURLE_OPERATION_TIMEDOUT:
                if (t->connected)
                        return fail(ret_reason, -ETIMEDOUT, "registry stopped sending data for %s (%u s)",
                                    req->what, c->low_speed_time_sec);
                return fail(ret_reason, -ETIMEDOUT, "%s: connecting to %s timed out after %u s",
                            req->what, c->host, c->connect_timeout_sec);
        case CURLE_SSL_CACERT_BADFILE:
                /* Before any certificate was looked at: nothing to check it against. */
                if (c->ca_blob)
                        return fail(ret_reason, -EKEYREJECTED,
                                    "%s: cannot verify the TLS certificate of %s: the CA certificates for it "
                                    "(the system's and /etc/containers/certs.d/%s) cannot be loaded: %s",
                                    req->what, c->host, c->host, detail);
                return fail(ret_reason, -EKEYREJECTED,
                            "%s: cannot verify the TLS certificate of %s: this machine's CA certificates "
                            "cannot be loaded (%s); install them (Debian: the ca-certificates package), put "
                            "the registry's CA into /etc/containers/certs.d/%s/ca.crt or use --tls-verify=false",
                            req->what, c->host, detail, c->host);
        case CURLE_PEER_FAILED_VERIFICATION:
                return fail(ret_reason, -EKEYREJECTED,
                            "%s: the TLS certificate of %s is not trusted: %s; put its CA into "
                            "/etc/containers/certs.d/%s/ca.crt or use --tls-verify=false",
                            req->what, c->host, detail, c->host);
        case CURLE_SSL_CONNECT_ERROR:
                return fail(ret_reason, -EPROTO,
                            "%s: TLS handshake with %s failed: %s%s", req->what, c->host, detail,
                            c->insecure ? "" : "; if the registry speaks plain HTTP, use --tls-verify=false");
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
                return fail(ret_reason, -ECONNRESET, "%s: connection to %s broke: %s", req->what, c->host, detail);
        case CURLE_TOO_MANY_REDIRECTS:
                return fail(ret_reason, -ELOOP, "%s: too many redirects: %s", req->what, detail);
        case CURLE_UNSUPPORTED_PROTOCOL:
                return fail(ret_reason, -EPROTONOSUPPORT, "%s: refusing to follow a redirect: %s", req->what, detail);
        case CURLE_READ_ERROR:
                return fail(ret_reason, -EIO, "%s: reading the upload failed", req->what);
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        default:
                return fail(ret_reason, -EIO, "%s: %s", req->what, detail);
        }
}

static void setopt_common(RegistryClient *c, CURL *h, Transfer *t) {
        (void) curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        (void) curl_easy_setopt(h, CURLOPT_SHARE, c->share);
        (void) curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
        (void) curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->errbuf);
        (void) curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
        (void) curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
        (void) curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
        (void) curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
        (void) curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long) c->connect_timeout_sec);
        (void) curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        (void) curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
        (void) curl_easy_setopt(h, CURLOPT_XFERINFODATA, t);
        (void) curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
        (void) curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        (void) curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500
        (void) curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        /* Blobs are digest-checked, but a verified registry does not get to send us to plain http. */
        (void) curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, c->insecure ? "http,https" : "https");
#else
        (void) curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
        (void) curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS,
                                (long) (c->insecure ? CURLPROTO_HTTP | CURLPROTO_HTTPS : CURLPROTO_HTTPS));
#endif
        if (c->insecure) {
                (void) curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
                (void) curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
        } else if (c->ca_blob) {
                struct curl_blob blob = {
                        .data = c->ca_blob,
                        .len = c->ca_blob_size,
                        .flags = CURL_BLOB_NOCOPY,
                };
                (void) curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
        }
        if (c->client_cert && c->client_key) {
                (void) curl_easy_setopt(h, CURLOPT_SSLCERT, c->client_cert);
                (void) curl_easy_setopt(h, CURLOPT_SSLKEY, c->client_key);
        }
}

/* One exchange. 0 when an HTTP response came back (whatever its status, in t->status), negative
 * with a reason when the transport failed. */
static int perform(RegistryClient *c, const Request *req, const char *authorization, Transfer *t, char **ret_reason) {
        _cleanup_(curl_easy_cleanupp) CURL *h = NULL;
        _cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
        _cleanup_free_ char *auth_h = NULL, *accept_h = NULL, *ct_h = NULL, *range_h = NULL;
        curl_off_t pretransfer_time = 0;
        long code = 0;
        CURLcode cc;

        transfer_reset_response(t);
        t->req = req;
        t->errbuf[0] = 0;
        t->connected = false;
        t->stall_usec = (uint64_t) c->low_speed_time_sec * UINT64_C(1000000);
        t->last_progress_usec = 0;
        t->last_dl = t->last_ul = 0;
        t->stalled = false;
        t->upload_done = 0;
        t->upload_base = -1;

        h = curl_easy_init();
        if (!h)
                return -ENOMEM;
        setopt_common(c, h, t);
        (void) curl_easy_setopt(h, CURLOPT_URL, req->url);

        if (req->accept && !(accept_h = strjoin("Accept: ", req->accept)))
                return -ENOMEM;
        if (req->content_type && !(ct_h = strjoin("Content-Type: ", req->content_type)))
                return -ENOMEM;
        if (authorization && !(auth_h = strjoin("Authorization: ", authorization)))
                return -ENOMEM;
        if (req->range_start > 0 && asprintf(&range_h, "Range: bytes=%" PRIu64 "-", req->range_start) < 0)
                return -ENOMEM;
        const char *lines[] = { accept_h, ct_h, auth_h, range_h };
        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                struct curl_slist *l;

                if (!lines[i])
                        continue;
                l = curl_slist_append(headers, lines[i]);
                if (!l)
                        return -ENOMEM;
                headers = l;
        }
        if (req->sink)
                req->sink->range_start = req->range_start;

        if (streq(req->method, "HEAD"))
                (void) curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        else if (streq(req->method, "POST")) {
                (void) curl_easy_setopt(h, CURLOPT_POST, 1L);
                if (!req->body && req->body_fd < 0) {
                        (void) curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
                        (void) curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) 0);
                }
        } else if (streq(req->method, "PUT")) {
                if (req->body_fd >= 0) {
                        off_t o = lseek(req->body_fd, 0, SEEK_CUR);
                        char probe;

                        /* pread() works on what lseek() works on, except for some odd files; check. */
                        t->upload_base = o >= 0 && pread(req->body_fd, &probe, 0, o) >= 0 ? o : -1;
                }
                (void) curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
                (void) curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
                                        (curl_off_t) (req->body_fd >= 0 ? req->body_fd_size : req->body_size));
        } else if (!streq(req->method, "GET"))
                (void) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);

        if (req->body || req->body_fd >= 0) {
                (void) curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
                (void) curl_easy_setopt(h, CURLOPT_READDATA, t);
                (void) curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, seek_cb);
                (void) curl_easy_setopt(h, CURLOPT_SEEKDATA, t);
                if (streq(req->method, "POST"))
                        (void) curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                                                (curl_off_t) (req->body_fd >= 0 ? req->body_fd_size : req->body_size));
        }
        if (req->sink)
                (void) curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024L);
        if (headers)
                (void) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

        cc = curl_easy_perform(h);

        /* A timeout after the request went out is a stall, not a connect timeout. */
        (void) curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_time);
        t->connected = pretransfer_time > 0 || t->status != 0;
        if (cc != CURLE_OK)
                return transport_error(c, req, t, cc, ret_reason);

        (void) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (code > 0)
                t->status = code;
        if (t->status == 0)
                return fail(ret_reason, -EPROTO, "%s: %s sent no HTTP status", req->what, c->host);

        /* A streamed 2xx with an empty body never reached write_cb; still check a 206. */
        if (req->sink && status_ok(t->status) && !t->body_started) {
                int r;

                t->body_started = true;
                r = sink_begin(t, req->sink);
                if (r < 0)
                        return fail(ret_reason, r, "%s: registry broke a resumed download: %s",
                                    req->what, strna(req->sink->error_reason));
        }
        return 0;
}

/* ---- registry error bodies and statuses ---- */

/* {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":...}]} →
 * "MANIFEST_UNKNOWN: manifest unknown"; NULL when the body says nothing useful. */
static char *registry_error_detail(const char *body, size_t size) {
        _cleanup_json_ json_object *o = NULL;
        json_object *errors, *e, *code, *message;
        struct json_tokener *tok;
        const char *cs, *ms;

        if (!body || size == 0)
                return NULL;
        tok = json_tokener_new_ex(16);
        if (!tok)
                return NULL;
        o = json_tokener_parse_ex(tok, body, (int) size);
        json_tokener_free(tok);
        if (!o || !json_object_object_get_ex(o, "errors", &errors) ||
            !json_object_is_type(errors, json_type_array) || json_object_array_length(errors) == 0)
                return NULL;
        e = json_object_array_get_idx(errors, 0);
        if (!json_object_is_type(e, json_type_object))
                return NULL;
        cs = json_object_object_get_ex(e, "code", &code) && json_object_is_type(code, json_type_string) ?
                json_object_get_string(code) : NULL;
        ms = json_object_object_get_ex(e, "message", &message) && json_object_is_type(message, json_type_string) ?
                json_object_get_string(message) : NULL;
        if (isempty(cs) && isempty(ms))
                return NULL;

        {
                char *s = NULL;
                char buf[200];
                size_t k = 0;

                if (asprintf(&s, "%s%s%s", strempty(cs), !isempty(cs) && !isempty(ms) ? ": " : "", strempty(ms)) < 0)
                        return NULL;
                /* printable only, bounded */
                for (const char *p = s; *p && k < sizeof buf - 4; p++)
                        buf[k++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
                buf[k] = 0;
                free(s);
                return strdup(buf);
        }
}

static int http_error(const Transfer *t, const char *what, char **ret_reason) {
        _cleanup_free_ char *detail = registry_error_detail(t->err, t->err_size);
        const char *phrase;
        int r;

        switch (t->status) {
        case 400:
                r = -EBADMSG, phrase = "rejected by the registry";
                break;
        case 401:
        case 403:
                r = -EACCES, phrase = "access denied";
                break;
        case 404:
                r = -ENOENT, phrase = "not found";
                break;
        case 405:
                r = -EOPNOTSUPP, phrase = "operation not supported by the registry";
                break;
        case 413:
                r = -EFBIG, phrase = "too large for the registry";
                break;
        case 416:
                r = -ERANGE, phrase = "range not satisfiable";
                break;
        case 429:
                r = -EBUSY, phrase = "too many requests";
                break;
        default:
                if (t->status >= 500)
                        r = -EREMOTEIO, phrase = "registry error";
                else
                        r = -EPROTO, phrase = "unexpected response";
        }

        return fail(ret_reason, r, "%s: %s (HTTP %ld%s%s)", what, phrase, t->status,
                    detail ? ", " : "", strempty(detail));
}

static bool transient(int r, const Transfer *t) {
        if (r == -ETIMEDOUT || r == -ECONNRESET)
                return true;
        return r >= 0 && (t->status >= 500 || t->status == 429);
}

static uint64_t backoff_usec(RegistryClient *c, unsigned attempt, const Transfer *t) {
        uint64_t d = c->retry_delay_usec << MIN(attempt, 16U);

        if (t->retry_after) {
                char *e;
                unsigned long long s;

                errno = 0;
                s = strtoull(t->retry_after, &e, 10);
                if (errno == 0 && e != t->retry_after && *e == 0 && s * 1000000ULL > d)
                        d = MIN((uint64_t) s * 1000000ULL, (uint64_t) RETRY_AFTER_MAX_USEC);
        }
        return d;
}

/* ---- ping and authentication ---- */

static int ping_once(RegistryClient *c, const char *scheme, Transfer *t, char **ret_reason) {
        _cleanup_free_ char *url = NULL, *what = NULL;
        Request req = {
                .method = "GET",
                .no_auth = true,
                .max_body = ERROR_BODY_MAX,
                .body_fd = -EBADF,
        };

        url = strjoin(scheme, "://", c->host, "/v2/");
        what = strjoin("registry ", c->host);
        if (!url || !what)
                return -ENOMEM;
        req.url = url;
        req.what = what;
        return perform(c, &req, NULL, t, ret_reason);
}

/* Under c->lock. */
static int record_challenge(RegistryClient *c, char **headers) {
        RegistryChallenge *l = NULL;
        const RegistryChallenge *pick;
        size_t n = 0;
        int r = 0;

        STRV_FOREACH(h, headers) {
                r = registry_challenges_parse(*h, &l, &n);
                if (r == -ENOMEM)
                        break;
        }
        pick = r == -ENOMEM ? NULL : registry_challenges_pick(l, n);
        if (pick) {
                RegistryChallenge copy;

                r = challenge_copy(pick, &copy);
                if (r >= 0) {
                        challenge_done(&c->challenge);
                        c->challenge = copy;
                        c->have_challenge = true;
                }
        }
        registry_challenges_free(l, n);
        return r < 0 && r != -EBADMSG ? r : 0;
}

static int ensure_pinged(RegistryClient *c, char **ret_reason) {
        _cleanup_(transfer_done) Transfer t = {};
        const char *scheme = "https";
        int r;

        pthread_mutex_lock(&c->lock);
        if (c->pinged) {
                pthread_mutex_unlock(&c->lock);
                return 0;
        }

        r = ping_once(c, "https", &t, ret_reason);
        if (r < 0 && r != -ENOMEM && c->insecure) {
                /* podman: with --tls-verify=false, a registry that does not do TLS is tried over http. */
                _cleanup_free_ char *https_reason = NULL;

                if (ret_reason) {
                        https_reason = *ret_reason;
                        *ret_reason = NULL;
                }
                r = ping_once(c, "http", &t, ret_reason);
                if (r < 0 && ret_reason && https_reason) {
                        _cleanup_free_ char *http_reason = TAKE_PTR(*ret_reason);
                        (void) fail(ret_reason, r, "%s; over http: %s", https_reason, strna(http_reason));
                }
                scheme = "http";
        }
        if (r < 0) {
                pthread_mutex_unlock(&c->lock);
                return r;
        }

        if (t.status == 404) {
                pthread_mutex_unlock(&c->lock);
                return fail(ret_reason, -EPROTONOSUPPORT,
                            "registry %s does not implement the registry API v2 (HTTP 404 for /v2/)", c->host);
        }
        if (t.status == 401) {
                r = record_challenge(c, t.www_authenticate);
                if (r < 0) {
                        pthread_mutex_unlock(&c->lock);
                        return r;
                }
        }
        /* Other statuses: carry on without a challenge; the request itself will tell. */

        c->scheme = scheme;
        c->pinged = true;
        pthread_mutex_unlock(&c->lock);
        return 0;
}

static int basic_authorization(RegistryClient *c, char **ret) {
        _cleanup_free_ char *plain = NULL, *b64 = NULL;
        char *s;

        plain = strjoin(c->username, ":", c->password);
        if (!plain)
                return -ENOMEM;
        b64 = base64_encode(plain, strlen(plain));
        explicit_bzero(plain, strlen(plain));
        if (!b64)
                return -ENOMEM;
        s = strjoin("Basic ", b64);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static char *token_key(const RegistryChallenge *ch, char **scopes) {
        _cleanup_free_ char *k = NULL;

        k = strjoin(strempty(ch->realm), "\n", strempty(ch->service));
        STRV_FOREACH(s, scopes) {
                char *n = strjoin(k ?: "", "\n", *s);
                free(k);
                k = n;
                if (!k)
                        return NULL;
        }
        return TAKE_PTR(k);
}

static int token_parse(const char *body, size_t size, char **ret_token, uint64_t *ret_expires_in) {
        _cleanup_json_ json_object *o = NULL;
        json_object *v;
        struct json_tokener *tok;
        const char *token = NULL;
        int64_t expires = 60;
        char *t;

        if (!body || size == 0)
                return -EBADMSG;
        tok = json_tokener_new_ex(16);
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, body, (int) size);
        json_tokener_free(tok);
        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;

        if (json_object_object_get_ex(o, "token", &v) && json_object_is_type(v, json_type_string) &&
            json_object_get_string_len(v) > 0)
                token = json_object_get_string(v);
        else if (json_object_object_get_ex(o, "access_token", &v) && json_object_is_type(v, json_type_string) &&
                 json_object_get_string_len(v) > 0)
                token = json_object_get_string(v);
        if (!token)
                return -EBADMSG;
        for (const char *p = token; *p; p++)
                if (*p < 0x21 || *p > 0x7e)
                        return -EBADMSG;        /* goes into a header */

        if (json_object_object_get_ex(o, "expires_in", &v) && json_object_is_type(v, json_type_int))
                expires = json_object_get_int64(v);
        if (expires < 60)
                expires = 60;   /* the token spec's minimum */

        t = strdup(token);
        if (!t)
                return -ENOMEM;
        *ret_token = t;
        *ret_expires_in = (uint64_t) MIN(expires, (int64_t) 86400);
        return 0;
}

/* A bearer token for scopes, from the cache or the realm. */
static int get_token(RegistryClient *c, const RegistryChallenge *ch, char **scopes, bool refresh,
                     char **ret, char **ret_reason) {
        _cleanup_(transfer_done) Transfer t = {};
        _cleanup_free_ char *key = NULL, *url = NULL, *basic = NULL, *token = NULL, *what = NULL;
        uint64_t expires_in = 0, now;
        Request req = {
                .method = "GET",
                .no_auth = true,
                .max_body = REGISTRY_TOKEN_SIZE_MAX,
                .body_fd = -EBADF,
        };
        int r;

        key = token_key(ch, scopes);
        if (!key)
                return -ENOMEM;

        now = now_usec();
        pthread_mutex_lock(&c->lock);
        for (size_t i = 0; i < c->n_tokens; i++)
                if (streq(c->tokens[i].key, key)) {
                        if (!refresh && c->tokens[i].expires_usec > now) {
                                char *s = strdup(c->tokens[i].token);
                                pthread_mutex_unlock(&c->lock);
                                if (!s)
                                        return -ENOMEM;
                                *ret = s;
                                return 0;
                        }
                        break;
                }
        pthread_mutex_unlock(&c->lock);

        if (!startswith(ch->realm, "https://") && !startswith(ch->realm, "http://"))
                return fail(ret_reason, -EPROTO, "registry %s sent an authentication realm that is not an http(s) URL", c->host);
        if (c->username && !c->insecure && !startswith(ch->realm, "https://"))
                return fail(ret_reason, -EPROTO,
                            "registry %s wants credentials sent to %s, which is not https; refusing "
                            "(use --tls-verify=false to allow it)", c->host, ch->realm);

        url = strdup(ch->realm);
        if (!url)
                return -ENOMEM;
        {
                char sep = strchr(url, '?') ? '&' : '?';
                char *u;

                if (ch->service) {
                        _cleanup_free_ char *e = url_escape(ch->service);
                        char sp[2] = { sep, 0 };
                        if (!e || !(u = strjoin(url, sp, "service=", e)))
                                return -ENOMEM;
                        free(url);
                        url = u;
                        sep = '&';
                }
                STRV_FOREACH(s, scopes) {
                        _cleanup_free_ char *e = url_escape(*s);
                        char sp[2] = { sep, 0 };
                        if (!e || !(u = strjoin(url, sp, "scope=", e)))
                                return -ENOMEM;
                        free(url);
                        url = u;
                        sep = '&';
                }
                if (c->username) {
                        _cleanup_free_ char *e = url_escape(c->username);
                        char sp[2] = { sep, 0 };
                        if (!e || !(u = strjoin(url, sp, "account=", e)))
                                return -ENOMEM;
                        free(url);
                        url = u;
                }
        }

        if (c->username) {
                r = basic_authorization(c, &basic);
                if (r < 0)
                        return r;
        }

        if (asprintf(&what, "token for %s from %s", scopes && scopes[0] ? scopes[0] : "login", ch->realm) < 0)
                return -ENOMEM;
        req.url = url;
        req.what = what;
        r = perform(c, &req, basic, &t, ret_reason);
        if (basic)
                explicit_bzero(basic, strlen(basic));
        if (r < 0)
                return r;

        if (t.status == 401 || t.status == 403) {
                if (c->username)
                        return fail(ret_reason, -EACCES, "authentication failed for %s at %s (the token server %s answered HTTP %ld)",
                                    c->username, c->host, ch->realm, t.status);
                return fail(ret_reason, -EACCES, "authentication required: %s wants credentials (the token server %s answered HTTP %ld)",
                            c->host, ch->realm, t.status);
        }
        if (!status_ok(t.status))
                return http_error(&t, what, ret_reason);

        r = token_parse(t.body, t.body_size, &token, &expires_in);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(ret_reason, -EPROTO, "%s: the response has no usable token", what);

        /* Cache it. */
        pthread_mutex_lock(&c->lock);
        {
                TokenEntry *e = NULL;

                for (size_t i = 0; i < c->n_tokens; i++)
                        if (streq(c->tokens[i].key, key)) {
                                e = &c->tokens[i];
                                break;
                        }
                if (!e) {
                        TokenEntry *l = reallocarray(c->tokens, c->n_tokens + 1, sizeof(TokenEntry));
                        if (l) {
                                c->tokens = l;
                                e = &l[c->n_tokens++];
                                *e = (TokenEntry) { .key = TAKE_PTR(key) };
                        }
                }
                if (e) {
                        char *copy = strdup(token);
                        if (copy) {
                                free(e->token);
                                e->token = copy;
                                /* refresh a little early */
                                e->expires_usec = now + expires_in * UINT64_C(1000000) - UINT64_C(5000000);
                        } else if (!e->token)
                                e->expires_usec = 0;
                }
        }
        pthread_mutex_unlock(&c->lock);

        *ret = TAKE_PTR(token);
        return 0;
}

static int authorization_for(RegistryClient *c, const RegistryChallenge *ch, char **scopes, bool refresh,
                             char **ret, char **ret_reason) {
        _cleanup_free_ char *token = NULL;
        int r;

        if (streq_ptr(ch->scheme, "basic")) {
                if (!c->username) {
                        *ret = NULL;
                        return 0;
                }
                return basic_authorization(c, ret);
        }

        r = get_token(c, ch, scopes, refresh, &token, ret_reason);
        if (r < 0)
                return r;
        *ret = strjoin("Bearer ", token);
        return *ret ? 0 : -ENOMEM;
}

/* The request with authentication: proactively with what the ping learned, and once more after a
 * 401 with what that 401 asks for. 0 with t holding any other response; -EACCES after a second 401. */
static int request(RegistryClient *c, const Request *req, Transfer *t, char **ret_reason) {
        _cleanup_strv_free_ char **scopes = NULL;
        RegistryChallenge ch = {};
        bool have_ch = false;
        int r;

        r = ensure_pinged(c, ret_reason);
        if (r < 0)
                return r;

        t->url = mfree(t->url);
        t->url = req->path ? strjoin(c->scheme, "://", c->host, req->path) : strdup(req->url);
        if (!t->url)
                return -ENOMEM;
        Request rq = *req;
        rq.url = t->url;
        req = &rq;

        scopes = strv_copy(req->scopes);
        if (req->scopes && !scopes)
                return -ENOMEM;

        pthread_mutex_lock(&c->lock);
        if (c->have_challenge) {
                r = challenge_copy(&c->challenge, &ch);
                have_ch = r >= 0;
        }
        pthread_mutex_unlock(&c->lock);
        if (r < 0)
                return r;

        for (unsigned attempt = 0;; attempt++) {
                _cleanup_free_ char *authorization = NULL;
                RegistryChallenge *l = NULL;
                const RegistryChallenge *pick;
                size_t n = 0;

                if (have_ch && !req->no_auth) {
                        r = authorization_for(c, &ch, scopes, attempt > 0, &authorization, ret_reason);
                        if (r < 0)
                                goto finish;
                }

                r = perform(c, req, authorization, t, ret_reason);
                if (authorization)
                        explicit_bzero(authorization, strlen(authorization));
                if (r < 0 || t->status != 401 || attempt > 0 || req->no_auth)
                        break;

                /* 401: what does this response want? */
                STRV_FOREACH(h, t->www_authenticate)
                        if (registry_challenges_parse(*h, &l, &n) == -ENOMEM) {
                                registry_challenges_free(l, n);
                                r = -ENOMEM;
                                goto finish;
                        }
                pick = registry_challenges_pick(l, n);
                if (!pick || (streq_ptr(pick->scheme, "basic") && !c->username)) {
                        registry_challenges_free(l, n);
                        break;
                }

                challenge_done(&ch);
                r = challenge_copy(pick, &ch);
                registry_challenges_free(l, n);
                if (r < 0)
                        goto finish;
                have_ch = true;
                if (ch.scope && !strv_contains(scopes, ch.scope)) {
                        r = strv_extend(&scopes, ch.scope);
                        if (r < 0)
                                goto finish;
                }

                /* Remember it for the next requests if the ping did not tell. */
                pthread_mutex_lock(&c->lock);
                if (!c->have_challenge) {
                        RegistryChallenge copy;
                        if (challenge_copy(&ch, &copy) >= 0) {
                                c->challenge = copy;
                                c->have_challenge = true;
                        }
                }
                pthread_mutex_unlock(&c->lock);
        }

        if (r >= 0 && t->status == 401) {
                _cleanup_free_ char *detail = registry_error_detail(t->err, t->err_size);

                if (c->username)
                        r = fail(ret_reason, -EACCES, "authentication failed for %s at %s: %s (HTTP 401%s%s)",
                                 c->username, c->host, req->what, detail ? ", " : "", strempty(detail));
                else
                        r = fail(ret_reason, -EACCES,
                                 "authentication required: %s (HTTP 401%s%s); log in first, or check that the repository exists",
                                 req->what, detail ? ", " : "", strempty(detail));
        }

finish:
        challenge_done(&ch);
        return r;
}

/* request() with retries on transient failures (for requests without side effects). */
static int request_retrying(RegistryClient *c, const Request *req, Transfer *t, char **ret_reason) {
        int r;

        for (unsigned attempt = 0;; attempt++) {
                r = request(c, req, t, ret_reason);
                if (!transient(r, t) || attempt >= c->retries)
                        break;
                sleep_usec(backoff_usec(c, attempt, t));
        }
        return r;
}

int registry_ping(RegistryClient *c, bool check_credentials, char **ret_reason) {
        _cleanup_(transfer_done) Transfer t = {};
        _cleanup_free_ char *what = NULL;
        RegistryChallenge ch = {};
        bool have_ch = false;
        int r;

        if (!c)
                return -EINVAL;

        r = ensure_pinged(c, ret_reason);
        if (r < 0 || !check_credentials)
                return r;

        pthread_mutex_lock(&c->lock);
        if (c->have_challenge) {
                r = challenge_copy(&c->challenge, &ch);
                have_ch = r >= 0;
        }
        pthread_mutex_unlock(&c->lock);
        if (r < 0)
                return r;
        if (!have_ch)
                return 0;       /* no authentication wanted at all */

        if (streq_ptr(ch.scheme, "bearer")) {
                _cleanup_free_ char *token = NULL;

                r = get_token(c, &ch, NULL, true, &token, ret_reason);
                challenge_done(&ch);
                return r;
        }
        challenge_done(&ch);

        what = strjoin("registry ", c->host);
        if (!what)
                return -ENOMEM;
        r = request(c, &(Request) {
                        .what = what,
                        .method = "GET",
                        .path = "/v2/",
                        .max_body = ERROR_BODY_MAX,
                        .body_fd = -EBADF,
                }, &t, ret_reason);
        if (r < 0)
                return r;
        if (!status_ok(t.status))
                return http_error(&t, what, ret_reason);
        return 0;
}

/* ---- operations ---- */

static char *scope_for(const char *repo, bool push) {
        return strjoin("repository:", repo, push ? ":pull,push" : ":pull");
}

static int endpoint_path(const char *repo, const char *kind, const char *tail, char **ret) {
        char *u;

        u = strjoin("/v2/", repo, "/", kind, tail ? "/" : "", strempty(tail));
        if (!u)
                return -ENOMEM;
        *ret = u;
        return 0;
}

int registry_get_manifest(RegistryClient *c, const char *repo, const char *reference,
                          char **ret_body, size_t *ret_size, char **ret_media_type,
                          char ret_digest[SHA256_DIGEST_STRING_MAX], char **ret_reason) {
        _cleanup_(transfer_done) Transfer t = {};
        _cleanup_free_ char *url = NULL, *what = NULL, *scope = NULL, *media_type = NULL;
        char digest[SHA256_DIGEST_STRING_MAX];
        char *scopes[2] = {};
        int r;

        if (!c || !repo_is_valid(repo) || !reference_is_valid(reference))
                return fail(ret_reason, -EINVAL, "invalid repository or reference: %s %s", strna(repo), strna(reference));

        if (asprintf(&what, "manifest %s/%s%s%s", c->domain, repo, digest_is_valid(reference) ? "@" : ":", reference) < 0)
                return -ENOMEM;
        scope = scope_for(repo, false);
        if (!scope)
                return -ENOMEM;
        scopes[0] = scope;
        r = endpoint_path(repo, "manifests", reference, &url);
        if (r < 0)
                return r;

        r = request_retrying(c, &(Request) {
                        .what = what,
                        .method = "GET",
                        .path = url,
                        .accept = ACCEPT_MANIFESTS,
                        .scopes = scopes,
                        .max_body = OCI_MANIFEST_SIZE_MAX,
                        .body_fd = -EBADF,
                }, &t, ret_reason);
        if (r < 0)
                return r;
        if (!status_ok(t.status))
                return http_error(&t, what, ret_reason);

        r = sha256_digest_of(t.body, t.body_size, digest);
        if (r < 0)
                return r;
        if (digest_is_valid(reference) && !streq(reference, digest))
                return fail(ret_reason, -EBADMSG, "%s has digest %s, expected %s", what, digest, reference);
        if (t.docker_content_digest && digest_is_valid(t.docker_content_digest) &&
            !streq(t.docker_content_digest, digest))
                return fail(ret_reason, -EBADMSG, "%s has digest %s, but the registry says it is %s (Docker-Content-Digest)",
                            what, digest, t.docker_content_digest);

        if (t.content_type) {
                r = oci_media_type_strip(t.content_type, &media_type);
                if (r == -ENOMEM)
                        return r;
        }
        if (!media_type || streq(media_type, "application/json") || streq(media_type, "text/plain") ||
            streq(media_type, "application/octet-stream")) {
                media_type = mfree(media_type);
                r = oci_detect_media_type(t.body, t.body_size, &media_type);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return fail(ret_reason, -EBADMSG, "%s: cannot tell what kind of document it is (Content-Type %s)",
                                    what, strna(t.content_type));
        }

        if (ret_body) {
                if (!t.body) {
                        t.body = strdup("");
                        if (!t.body)
                                return -ENOMEM;
                }
                *ret_body = TAKE_PTR(t.body);
        }
        if (ret_size)
                *ret_size = t.body_size;
        if (ret_media_type)
                *ret_media_type = TAKE_PTR(media_type);
        if (ret_digest)
                memcpy(ret_digest, digest, sizeof digest);
        return 0;
}

int registry_fetch_blob(RegistryClient *c, const char *repo, const char *digest, uint64_t expected_size,
                        int out_fd, RegistryProgressFn progress, void *userdata, char **ret_reason) {
        _cleanup_(transfer_done) Transfer t = {};
        _cleanup_(evp_md_ctx_freep) EVP_MD_CTX *md = NULL;
        _cleanup_free_ char *url = NULL, *what = NULL, *scope = NULL;
        _cleanup_free_ char *buffer = NULL;
        uint8_t raw[EVP_MAX_MD_SIZE];
        unsigned raw_len = 0;
        char got[SHA256_DIGEST_STRING_MAX];
        char *scopes[2] = {};
        unsigned attempt;
        BlobSink sink;
        int r, k;

        if (!c || !repo_is_valid(repo) || !digest_is_valid(digest) || out_fd < 0)
                return fail(ret_reason, -EINVAL, "invalid repository, digest or file descriptor: %s %s", strna(repo), strna(digest));

        if (asprintf(&what, "blob %s of %s/%s", digest, c->domain, repo) < 0)
                return -ENOMEM;
        scope = scope_for(repo, false);
        if (!scope)
                return -ENOMEM;
        scopes[0] = scope;
        r = endpoint_path(repo, "blobs", digest, &url);
        if (r < 0)
                return r;

        md = EVP_MD_CTX_new();
        if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
                return -ENOMEM;
        buffer = malloc(SINK_BUFFER_SIZE);
        if (!buffer)
                return -ENOMEM;

        sink = (BlobSink) {
                .fd = out_fd,
                .md = md,
                .buffer = buffer,
                .expected = expected_size,
                .progress = progress,
                .userdata = userdata,
        };

        for (attempt = 0;; attempt++) {
                if (sink.expected != UINT64_MAX && sink.written == sink.expected && attempt > 0) {
                        r = 0;  /* everything arrived before the connection broke */
                        break;
                }

                sink.error = 0;
                r = request(c, &(Request) {
                                .what = what,
                                .method = "GET",
                                .path = url,
                                .scopes = scopes,
                                .range_start = sink.written,
                                .body_fd = -EBADF,
                                .sink = &sink,
                        }, &t, ret_reason);
                /* Whatever arrived is out_fd's before anything looks at sink.written (resume, retry,
                 * the size check). */
                k = sink_flush(&sink);
                if (k < 0) {
                        if (r >= 0 || !ret_reason || !*ret_reason)
                                r = k == -EPIPE ? fail(ret_reason, k, "%s: the reader of the download went away", what)
                                                : fail(ret_reason, k, "%s: writing the download failed: %s", what,
                                                       strerror(-k));
                        break;
                }
                if (r >= 0 && status_ok(t.status))
                        break;

                bool retry = transient(r, &t);
                if (r >= 0)
                        r = http_error(&t, what, ret_reason);
                if (!retry || attempt >= c->retries)
                        break;
                sleep_usec(backoff_usec(c, attempt, &t));
        }
        free(sink.error_reason);
        if (r < 0) {
                if (attempt > 0 && ret_reason && *ret_reason) {
                        _cleanup_free_ char *last = TAKE_PTR(*ret_reason);
                        (void) fail(ret_reason, r, "%s (gave up after %u attempts)", last, attempt + 1);
                }
                return r;
        }

        if (sink.expected != UINT64_MAX && sink.written != sink.expected)
                return fail(ret_reason, -EBADMSG, "%s has %" PRIu64 " bytes, expected %" PRIu64,
                            what, sink.written, sink.expected);
        if (EVP_DigestFinal_ex(md, raw, &raw_len) != 1 || raw_len != 32)
                return -EIO;
        sha256_digest_format(raw, got);
        if (!streq(got, digest))
                return fail(ret_reason, -EBADMSG, "blob %s of %s/%s has digest %s, expected %s",
                            digest, c->domain, repo, got, digest);
        return 0;
}

int registry_get_blob(RegistryClient *c, const char *repo, const char *digest, uint64_t max_size,
                      char **ret_data, size_t *ret_size, char **ret_reason) {
        _cleanup_(transfer_done) Transfer t = {};
        _cleanup_free_ char *url = NULL, *what = NULL, *scope = NULL;
        char got[SHA256_DIGEST_STRING_MAX];
        char *scopes[2] = {};
        int r;

        if (!c || !repo_is_valid(repo) || !digest_is_valid(digest) || !ret_data)
                return fail(ret_reason, -EINVAL, "invalid repository or digest: %s %s", strna(repo), strna(digest));

        if (asprintf(&what, "blob %s of %s/%s", digest, c->domain, repo) < 0)
                return -ENOMEM;
        scope = scope_for(repo, false);
        if (!scope)
                return -ENOMEM;
        scopes[0] = scope;
        r = endpoint_path(repo, "blobs", digest, &url);
        if (r < 0)
                return r;

        r = request_retrying(c, &(Request) {
                        .what = what,
                        .method = "GET",
                        .path = url,
                        .scopes = scopes,
                        .max_body = max_size,
                        .body_fd = -EBADF,
                }, &t, ret_reason);
        if (r < 0)
                return r;
        if (!status_ok(t.status))
                return http_error(&t, what, ret_reason);

        r = sha256_digest_of(t.body, t.body_size, got);
        if (r < 0)
                return r;
        if (!streq(got, digest))
                return fail(ret_reason, -EBADMSG, "blob %s of %s/%s has digest %s, expected %s",
                            digest, c->domain, repo, got, digest);

        if (!t.body) {
                t.body = strdup("");
                if (!t.body)
                        return -ENOMEM;
        }
        if (ret_size)
                *ret_size = t.body_size;
        *ret_data = TAKE_PTR(t.body);
        return 0;
}

int registry_blob_exists(RegistryClient *c, const char *repo, const char *digest, uint64_t *ret_size,
                         char **ret_reason) {
        _cleanup_(transfer_done) Transfer t = {};
        _cleanup_free_ char *url = NULL, *what = NULL, *scope = NULL;
        char *scopes[2] = {};
        int r;

        if (!c || !repo_is_valid(repo) || !digest_is_valid(digest))
                return fail(ret_reason, -EINVAL, "invalid repository or digest: %s %s", strna(repo), strna(digest));

        if (asprintf(&what, "blob %s of %s/%s", digest, c->domain, repo) < 0)
                return -ENOMEM;
        scope = scope_for(repo, false);
        if (!scope)
                return -ENOMEM;
        scopes[0] = scope;
        r = endpoint_path(repo, "blobs", digest, &url);
        if (r < 0)
                return r;

        r = request_retrying(c, &(Request) {
                        .what = what,
                        .method = "HEAD",
                        .path = url,
                        .scopes = scopes,
                        .max_body = ERROR_BODY_MAX,
                        .body_fd = -EBADF,
                }, &t, ret_reason);
        if (r < 0)
                return r;
        if (t.status == 404)
                return 0;
        if (!status_ok(t.status))
                return http_error(&t, what, ret_reason);
        if (ret_size)
                *ret_size = t.have_content_length ? t.content_length : UINT64_MAX;
        return 1;
}

static int resolve_location(const char *base, const char *location, char **ret) {
        CURLU *u;
        char *s = NULL;
        int r = 0;

        u = curl_url();
        if (!u)
                return -ENOMEM;
        if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
            curl_url_set(u, CURLUPART_URL, location, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK)
                r = -EBADMSG;
        curl_url_cleanup(u);
        if (r < 0)
                return r;
        *ret = strdup(s);
        curl_free(s);
        return *ret ? 0 : -ENOMEM;
}

/* Appends "name=value" to a URL's query. */
static int url_add_query(char **url, const char *name, const char *value) {
        _cleanup_free_ char *e = url_escape(value);
        char *u;

        if (!e)
                return -ENOMEM;
        u = strjoin(*url, strchr(*url, '?') ? "&" : "?", name, "=", e);
        if (!u)
                return -ENOMEM;
        free(*url);
        *url = u;
        return 0;
}

int registry_mount_blob(RegistryClient *c, const char *repo, const char *digest, const char *from_repo,
                        char **ret_reason) {
        _cleanup_(transfer_done) Transfer t = {};
        _cleanup_free_ char *url = NULL, *what = NULL, *scope = NULL, *from_scope = NULL;
        char *scopes[3] = {};
        int r;

        if (!c || !repo_is_valid(repo) || !digest_is_valid(digest) || !repo_is_valid(from_repo))
                return fail(ret_reason, -EINVAL, "invalid repository or digest: %s %s %s",
                            strna(repo), strna(digest), strna(from_repo));

        if (asprintf(&what, "mounting blob %s from %s/%s into %s/%s", digest, c->domain, from_repo, c->domain, repo) < 0)
                return -ENOMEM;
        scope = scope_for(repo, true);
        from_scope = scope_for(from_repo, false);
        if (!scope || !from_scope)
                return -ENOMEM;
        scopes[0] = scope;
        scopes[1] = from_scope;
        r = endpoint_path(repo, "blobs/uploads/", NULL, &url);
        if (r < 0)
                return r;
        if (url_add_query(&url, "mount", digest) < 0 || url_add_query(&url, "from", from_repo) < 0)
                return -ENOMEM;

        r = request(c, &(Request) {
                        .what = what,
                        .method = "POST",
                        .path = url,
                        .scopes = scopes,
                        .max_body = ERROR_BODY_MAX,
                        .body_fd = -EBADF,
                }, &t, ret_reason);
        if (r < 0)
                return r;
        if (t.status == 201)
                return 1;
        if (t.status == 202) {
                /* Not mounted; an upload session was opened instead. Cancel it, best effort. */
                _cleanup_free_ char *loc = NULL;
                _cleanup_(transfer_done) Transfer d = {};

                if (t.location && resolve_location(t.url, t.location, &loc) >= 0)
                        (void) request(c, &(Request) {
                                        .what = what,
                                        .method = "DELETE",
                                        .url = loc,
                                        .scopes = scopes,
                                        .max_body = ERROR_BODY_MAX,
                                        .body_fd = -EBADF,
                                }, &d, NULL);
                return 0;
        }
        return http_error(&t, what, ret_reason);
}

int registry_upload_blob(RegistryClient *c, const char *repo, const char *digest, int fd, uint64_t size,
                         char **ret_reason) {
        _cleanup_(transfer_done) Transfer t = {};
        _cleanup_free_ char *url = NULL, *what = NULL, *scope = NULL, *put_url = NULL;
        char *scopes[2] = {};
        int r;

        if (!c || !repo_is_valid(repo) || !digest_is_valid(digest) || fd < 0 || size > OCI_BLOB_SIZE_MAX)
                return fail(ret_reason, -EINVAL, "invalid repository, digest, file descriptor or size: %s %s",
                            strna(repo), strna(digest));

        if (asprintf(&what, "uploading blob %s to %s/%s", digest, c->domain, repo) < 0)
                return -ENOMEM;
        scope = scope_for(repo, true);
        if (!scope)
                return -ENOMEM;
        scopes[0] = scope;
        r = endpoint_path(repo, "blobs/uploads/", NULL, &url);
        if (r < 0)
                return r;

        r = request(c, &(Request) {
                        .what = what,
                        .method = "POST",
                        .path = url,
                        .scopes = scopes,
                        .max_body = ERROR_BODY_MAX,
                        .body_fd = -EBADF,
                }, &t, ret_reason);
        if (r < 0)
                return r;
        if (t.status != 202)
                return http_error(&t, what, ret_reason);
        if (isempty(t.location))
                return fail(ret_reason, -EPROTO, "%s: the registry opened an upload without a Location", what);
        r = resolve_location(t.url, t.location, &put_url);
        if (r < 0)
                return fail(ret_reason, r, "%s: the registry sent an unusable upload Location", what);
        r = url_add_query(&put_url, "digest", digest);
        if (r < 0)
                return r;

        r = request(c, &(Request) {
                        .what = what,
                        .method = "PUT",
                        .url = put_url,
                        .content_type = "application/octet-stream",
                        .scopes = scopes,
                        .max_body = ERROR_BODY_MAX,
                        .body_fd = fd,
                        .body_fd_size = size,
                }, &t, ret_reason);
        if (r < 0)
                return r;
        if (t.status != 201 && t.status != 204)
                return http_error(&t, what, ret_reason);
        if (t.docker_content_digest && digest_is_valid(t.docker_content_digest) &&
            !streq(t.docker_content_digest, digest))
                return fail(ret_reason, -EBADMSG, "%s: the registry stored it as %s", what, t.docker_content_digest);
        return 0;
}

int registry_put_manifest(RegistryClient *c, const char *repo, const char *reference,
                          const char *body, size_t size, const char *media_type,
                          char ret_digest[SHA256_DIGEST_STRING_MAX], char **ret_reason) {
        _cleanup_(transfer_done) Transfer t = {};
        _cleanup_free_ char *url = NULL, *what = NULL, *scope = NULL;
        char digest[SHA256_DIGEST_STRING_MAX];
        char *scopes[2] = {};
        int r;

        if (!c || !repo_is_valid(repo) || !reference_is_valid(reference) || !body || isempty(media_type) ||
            strpbrk(media_type, "\r\n"))
                return fail(ret_reason, -EINVAL, "invalid repository, reference or media type: %s %s",
                            strna(repo), strna(reference));
        if (size > OCI_MANIFEST_SIZE_MAX)
                return fail(ret_reason, -EFBIG, "manifest is %zu bytes, more than the limit of %" PRIu64, size, OCI_MANIFEST_SIZE_MAX);

        r = sha256_digest_of(body, size, digest);
        if (r < 0)
                return r;
        if (digest_is_valid(reference) && !streq(reference, digest))
                return fail(ret_reason, -EINVAL, "manifest has digest %s, not %s", digest, reference);

        if (asprintf(&what, "pushing manifest %s/%s%s%s", c->domain, repo, digest_is_valid(reference) ? "@" : ":", reference) < 0)
                return -ENOMEM;
        scope = scope_for(repo, true);
        if (!scope)
                return -ENOMEM;
        scopes[0] = scope;
        r = endpoint_path(repo, "manifests", reference, &url);
        if (r < 0)
                return r;

        r = request(c, &(Request) {
                        .what = what,
                        .method = "PUT",
                        .path = url,
                        .content_type = media_type,
                        .scopes = scopes,
                        .max_body = ERROR_BODY_MAX,
                        .body = body,
                        .body_size = size,
                        .body_fd = -EBADF,
                }, &t, ret_reason);
        if (r < 0)
                return r;
        if (t.status != 201 && t.status != 200 && t.status != 204)
                return http_error(&t, what, ret_reason);
        if (t.docker_content_digest && digest_is_valid(t.docker_content_digest) &&
            !streq(t.docker_content_digest, digest))
                return fail(ret_reason, -EBADMSG, "%s: the registry stored it as %s, expected %s",
                            what, t.docker_content_digest, digest);

        if (ret_digest)
                memcpy(ret_digest, digest, sizeof digest);
        return 0;
}

/* Link: </v2/x/tags/list?last=b&n=2>; rel="next" → the URL part */
static int link_next(const char *link, char **ret) {
        const char *b, *e;

        if (!link || !strstr(link, "rel=\"next\""))
                return -ENOENT;
        b = strchr(link, '<');
        if (!b)
                return -EBADMSG;
        e = strchr(b, '>');
        if (!e)
                return -EBADMSG;
        *ret = strndup(b + 1, e - b - 1);
        return *ret ? 0 : -ENOMEM;
}

int registry_list_tags(RegistryClient *c, const char *repo, char ***ret_tags, char **ret_reason) {
        _cleanup_strv_free_ char **tags = NULL;
        _cleanup_free_ char *url = NULL, *what = NULL, *scope = NULL;
        char *scopes[2] = {};
        int r;

        if (!c || !repo_is_valid(repo) || !ret_tags)
                return fail(ret_reason, -EINVAL, "invalid repository: %s", strna(repo));

        if (asprintf(&what, "tags of %s/%s", c->domain, repo) < 0)
                return -ENOMEM;
        scope = scope_for(repo, false);
        if (!scope)
                return -ENOMEM;
        scopes[0] = scope;
        r = endpoint_path(repo, "tags/list", NULL, &url);
        if (r < 0)
                return r;

        for (unsigned page = 0; page < TAGS_PAGES_MAX; page++) {
                _cleanup_(transfer_done) Transfer t = {};
                _cleanup_json_ json_object *o = NULL;
                _cleanup_free_ char *next = NULL;
                struct json_tokener *tok;
                json_object *l;

                r = request_retrying(c, &(Request) {
                                .what = what,
                                .method = "GET",
                                .path = url,
                                .accept = "application/json",
                                .scopes = scopes,
                                .max_body = TAGS_BODY_MAX,
                                .body_fd = -EBADF,
                        }, &t, ret_reason);
                if (r < 0)
                        return r;
                if (!status_ok(t.status))
                        return http_error(&t, what, ret_reason);

                tok = json_tokener_new_ex(16);
                if (!tok)
                        return -ENOMEM;
                o = t.body ? json_tokener_parse_ex(tok, t.body, (int) t.body_size) : NULL;
                json_tokener_free(tok);
                if (!o || !json_object_is_type(o, json_type_object))
                        return fail(ret_reason, -EBADMSG, "%s: the registry sent something that is not a tag list", what);
                if (json_object_object_get_ex(o, "tags", &l) && json_object_is_type(l, json_type_array))
                        for (size_t i = 0; i < json_object_array_length(l); i++) {
                                json_object *e = json_object_array_get_idx(l, i);

                                if (!json_object_is_type(e, json_type_string) || !tag_is_valid(json_object_get_string(e)))
                                        continue;
                                r = strv_extend(&tags, json_object_get_string(e));
                                if (r < 0)
                                        return r;
                        }

                r = link_next(t.link, &next);
                if (r == -ENOENT)
                        break;
                if (r >= 0) {
                        _cleanup_free_ char *u = NULL;

                        r = resolve_location(t.url, next, &u);
                        if (r >= 0) {
                                free(url);
                                url = TAKE_PTR(u);
                        }
                }
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return fail(ret_reason, -EBADMSG, "%s: the registry sent an unusable Link header", what);
        }

        if (!tags) {
                tags = calloc(1, sizeof(char *));
                if (!tags)
                        return -ENOMEM;
        }
        *ret_tags = TAKE_PTR(tags);
        return 0;
}

/* ---- credentials files ---- */

/* containers/image normalizeAuthFileKey() + normalizeRegistry(): "https://index.docker.io/v1/" →
 * "docker.io", "http://quay.io/x" → "quay.io", "registry-1.docker.io/x" → "docker.io/x". */
static char *auth_key_normalize(const char *key) {
        const char *k = key, *s;
        _cleanup_free_ char *host = NULL;
        const char *rest = "";

        s = startswith(k, "https://") ?: startswith(k, "http://");
        if (s) {
                host = strndup(s, strcspn(s, "/"));
        } else {
                size_t l = strcspn(k, "/");
                host = strndup(k, l);
                rest = k + l;
        }
        if (!host)
                return NULL;
        if (streq(host, "index.docker.io") || streq(host, "registry-1.docker.io"))
                return strjoin("docker.io", rest);
        return strjoin(host, rest);
}

static int auth_decode(const char *b64, char **ret_user, char **ret_pass) {
        _cleanup_free_ char *plain = NULL, *user = NULL, *pass = NULL;
        size_t n;
        char *colon;
        int r;

        r = base64_decode(b64, &plain, &n);
        if (r < 0)
                return r;
        if (strlen(plain) != n)
                return -EBADMSG;
        colon = strchr(plain, ':');
        if (!colon || colon == plain)
                return -EBADMSG;
        user = strndup(plain, colon - plain);
        pass = strdup(colon + 1);
        explicit_bzero(plain, n);
        if (!user || !pass)
                return -ENOMEM;
        *ret_user = TAKE_PTR(user);
        *ret_pass = TAKE_PTR(pass);
        return 0;
}

static int auth_file_read(const char *path, json_object **ret) {
        _cleanup_free_ char *data = NULL;
        _cleanup_json_ json_object *o = NULL;
        struct json_tokener *tok;
        size_t n;
        int r;

        r = read_full_file(path, AUTH_FILE_SIZE_MAX, &data, &n);
        if (r < 0)
                return r;
        if (n == 0 || strspn(data, " \t\r\n") == n) {
                o = json_object_new_object();
                if (!o)
                        return -ENOMEM;
                *ret = TAKE_PTR(o);
                return 0;
        }
        tok = json_tokener_new_ex(16);
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, data, (int) n);
        json_tokener_free(tok);
        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;
        *ret = TAKE_PTR(o);
        return 0;
}

/* The entry for key in one file's "auths": 0 found, -ENOKEY not there. */
static int auth_file_lookup(const char *path, const char *key, char **ret_user, char **ret_pass) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *want = NULL;
        json_object *auths;
        int r;

        r = auth_file_read(path, &o);
        if (r == -ENOENT || r == -ENOTDIR)
                return -ENOKEY;
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(o, "auths", &auths) || !json_object_is_type(auths, json_type_object))
                return -ENOKEY;

        want = auth_key_normalize(key);
        if (!want)
                return -ENOMEM;

        /* Most specific first: quay.io/a/b, quay.io/a, quay.io. */
        for (;;) {
                json_object_object_foreach(auths, k, v) {
                        _cleanup_free_ char *nk = auth_key_normalize(k);
                        json_object *a;

                        if (!nk)
                                return -ENOMEM;
                        if (!streq(nk, want))
                                continue;
                        if (!json_object_is_type(v, json_type_object) ||
                            !json_object_object_get_ex(v, "auth", &a) || !json_object_is_type(a, json_type_string) ||
                            json_object_get_string_len(a) == 0)
                                continue;       /* a credential helper entry, or empty */
                        r = auth_decode(json_object_get_string(a), ret_user, ret_pass);
                        if (r < 0)
                                return r;
                        return 0;
                }

                char *slash = strrchr(want, '/');
                if (!slash)
                        return -ENOKEY;
                *slash = 0;
        }
}

int registry_auth_lookup_paths(char * const *paths, const char *key, char **ret_user, char **ret_pass) {
        int r;

        if (isempty(key) || !ret_user || !ret_pass)
                return -EINVAL;

        STRV_FOREACH(p, (char **) paths) {
                r = auth_file_lookup(*p, key, ret_user, ret_pass);
                if (r != -ENOKEY)
                        return r;
        }
        return -ENOKEY;
}

int registry_auth_default_paths(const char *nyx_auth_file, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *e;
        char *p;
        int r;

        if (!ret)
                return -EINVAL;

        e = getenv("REGISTRY_AUTH_FILE");
        if (!isempty(e) && (r = strv_extend(&l, e)) < 0)
                return r;
        if (nyx_auth_file && (r = strv_extend(&l, nyx_auth_file)) < 0)
                return r;
        if (asprintf(&p, "/run/containers/%u/auth.json", (unsigned) getuid()) < 0)
                return -ENOMEM;
        if ((r = strv_consume(&l, p)) < 0)
                return r;
        e = getenv("XDG_RUNTIME_DIR");
        if (!isempty(e)) {
                p = path_join(e, "containers/auth.json");
                if (!p || (r = strv_consume(&l, p)) < 0)
                        return -ENOMEM;
        }
        e = getenv("XDG_CONFIG_HOME");
        if (!isempty(e))
                p = path_join(e, "containers/auth.json");
        else if (!isempty(getenv("HOME")))
                p = path_join(getenv("HOME"), ".config/containers/auth.json");
        else
                p = NULL;
        if (p && (r = strv_consume(&l, p)) < 0)
                return r;
        e = getenv("DOCKER_CONFIG");
        if (!isempty(e))
                p = path_join(e, "config.json");
        else if (!isempty(getenv("HOME")))
                p = path_join(getenv("HOME"), ".docker/config.json");
        else
                p = NULL;
        if (p && (r = strv_consume(&l, p)) < 0)
                return r;

        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int registry_auth_lookup(const char *nyx_auth_file, const char *key, char **ret_user, char **ret_pass) {
        _cleanup_strv_free_ char **paths = NULL;
        int r;

        r = registry_auth_default_paths(nyx_auth_file, &paths);
        if (r < 0)
                return r;
        return registry_auth_lookup_paths(paths, key, ret_user, ret_pass);
}

static int auth_file_write(const char *path, json_object *o) {
        _cleanup_free_ char *dir = NULL, *text = NULL;
        const char *s;
        char *slash;
        int r;

        dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = 0;
                r = mkdir_p(dir, 0700);
                if (r < 0)
                        return r;
        }

        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                           JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                return -ENOMEM;
        text = strjoin(s, "\n");
        if (!text)
                return -ENOMEM;
        return write_file_atomic(path, text, strlen(text), 0600);
}

int registry_auth_store(const char *path, const char *key, const char *user, const char *pass) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *plain = NULL, *b64 = NULL;
        json_object *auths, *entry;
        int r;

        if (isempty(path) || isempty(key) || isempty(user) || !pass || strchr(user, ':'))
                return -EINVAL;

        r = auth_file_read(path, &o);
        if (r == -ENOENT) {
                o = json_object_new_object();
                if (!o)
                        return -ENOMEM;
        } else if (r < 0)
                return r;

        if (!json_object_object_get_ex(o, "auths", &auths) || !json_object_is_type(auths, json_type_object)) {
                auths = json_object_new_object();
                if (!auths || json_object_object_add(o, "auths", auths) < 0)
                        return -ENOMEM;
        }

        plain = strjoin(user, ":", pass);
        if (!plain)
                return -ENOMEM;
        b64 = base64_encode(plain, strlen(plain));
        explicit_bzero(plain, strlen(plain));
        if (!b64)
                return -ENOMEM;

        entry = json_object_new_object();
        if (!entry)
                return -ENOMEM;
        if (json_object_object_add(entry, "auth", json_object_new_string(b64)) < 0 ||
            json_object_object_add(auths, key, entry) < 0) {
                json_object_put(entry);
                return -ENOMEM;
        }

        return auth_file_write(path, o);
}

int registry_auth_remove(const char *path, const char *key) {
        _cleanup_json_ json_object *o = NULL;
        json_object *auths;
        int r;

        if (isempty(path) || isempty(key))
                return -EINVAL;

        r = auth_file_read(path, &o);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(o, "auths", &auths) || !json_object_is_type(auths, json_type_object) ||
            !json_object_object_get_ex(auths, key, NULL))
                return -ENOENT;
        json_object_object_del(auths, key);
        return auth_file_write(path, o);
}
