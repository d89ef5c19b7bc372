/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A client for the OCI distribution API (registry API v2) on libcurl easy handles: ping, bearer and
 * basic authentication, manifests, blobs (streamed, digest-verified, resumed), pushes, tags. Meant
 * for the pull/push worker process: calls block.
 *
 * Threads: a RegistryClient may be shared by any number of threads. Each call runs its own curl
 * easy handle; connections, DNS results and TLS sessions are shared through a curl share handle
 * with locks; the ping result and the token cache are behind a mutex. Creating and freeing a client
 * must not race with calls on it. curl_global_init() is called once, behind pthread_once().
 *
 * SIGPIPE: registry_fetch_blob() writes into a file descriptor that may be a pipe; the process must
 * ignore SIGPIPE (the worker does), so that a reader that goes away yields -EPIPE, not death.
 *
 * TLS follows podman: https with verification by default; `insecure` (--tls-verify=false) means
 * https without verification, falling back to plain http when the registry does not speak TLS.
 * Extra CAs come from certs.d directories (/etc/containers/certs.d/HOST:PORT/NAME.crt,
 * /etc/docker/certs.d/HOST:PORT/NAME.crt, client certificates as NAME.cert + NAME.key) and an explicit
 * ca_dir, in addition to the system trust store.
 *
 * Errors: every call returns a negative errno and, if ret_reason is non-NULL, sets *ret_reason
 * (which must be NULL or malloc'ed; it is replaced) to a sentence that names the host, repository,
 * digest or tag and the HTTP status or transport error. The errno says the kind:
 *   -EACCES          401/403: "authentication required ..." (no credentials) or
 *                    "authentication failed for USER at HOST ..." (credentials refused)
 *   -ENOENT          404: manifest, blob or repository unknown
 *   -EBADMSG         content does not match its digest or size; 400 from the registry
 *   -EFBIG           a manifest over 4 MiB, a blob larger than expected
 *   -EREMOTEIO       5xx after the retries
 *   -EBUSY           429 after the retries
 *   -ETIMEDOUT       connect timeout, or the registry stopped sending data (low-speed timeout)
 *   -ECONNRESET      connection dropped, after the retries
 *   -ECONNREFUSED    nothing listens
 *   -EHOSTUNREACH    host name does not resolve
 *   -EKEYREJECTED    the TLS certificate is not trusted, or no CA certificates to check it with
 *                    could be loaded
 *   -EPROTO          TLS handshake failed / protocol violations (a registry that only speaks HTTP
 *                    when https is required says so in the reason)
 *   -EPIPE           the reader of out_fd went away
 *   -ECANCELED       the progress callback asked to stop
 *   -EINVAL          bad arguments (repository names, tags, digests are validated before use) */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "oci-manifest.h"

#define REGISTRY_DOCKER_HUB_DOMAIN      "docker.io"
#define REGISTRY_DOCKER_HUB_ENDPOINT    "registry-1.docker.io"
#define REGISTRY_TOKEN_SIZE_MAX         (UINT64_C(1) * 1024 * 1024)

typedef struct RegistryClient RegistryClient;

typedef struct RegistryClientOptions {
        bool insecure;                  /* --tls-verify=false: https unverified, then http */
        const char *ca_dir;             /* a directory with NAME.crt (and NAME.cert + NAME.key) used directly, like --cert-dir */
        char **certs_d;                 /* roots holding HOST:PORT/ subdirectories; NULL = /etc/containers/certs.d,
                                         * /etc/docker/certs.d; an empty strv = none */
        const char *username;           /* credentials, e.g. from registry_auth_lookup(); NULL = anonymous */
        const char *password;
        const char *user_agent;         /* NULL = "nyx/VERSION" */
        unsigned connect_timeout_sec;   /* 0 = 30 */
        unsigned low_speed_time_sec;    /* abort a transfer when no byte moved for this long (-ETIMEDOUT); 0 = 30 */
        unsigned retries;               /* retries after the first attempt on 5xx, 429, resets, timeouts; 0 = 3 */
        bool no_retries;
        uint64_t retry_delay_usec;      /* first backoff, doubled each retry; 0 = 500 ms */
} RegistryClientOptions;

/* domain: as in an image reference: "docker.io" (talks to registry-1.docker.io), "quay.io",
 * "127.0.0.1:5000", "[::1]:5000", "localhost:5000". opts may be NULL. Does no network I/O; the
 * first call pings /v2/. Reads the certs.d files now (missing directories are fine). */
int registry_client_new(const char *domain, const RegistryClientOptions *opts, RegistryClient **ret);
RegistryClient *registry_client_free(RegistryClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(RegistryClient *, registry_client_free);

/* The host the client talks to ("registry-1.docker.io", "127.0.0.1:5000"), and the scheme it
 * settled on after the ping ("https", "http"; NULL before). */
const char *registry_client_host(RegistryClient *c);
const char *registry_client_scheme(RegistryClient *c);

/* docker.io and index.docker.io → registry-1.docker.io; everything else unchanged. */
const char *registry_endpoint_for_domain(const char *domain);

/* GET /v2/ and remember the result (scheme, auth challenge). Called implicitly; callable to check a
 * login: with credentials and a registry that wants auth it also authenticates (a token for no
 * scope, or a basic-auth /v2/ request), so bad credentials give -EACCES here. */
int registry_ping(RegistryClient *c, bool check_credentials, char **ret_reason);

/* Fetches a manifest or index by tag or digest. Sends Accept for the OCI manifest and index and
 * the Docker schema 2 manifest and manifest list. Verifies the body's sha256 against the digest
 * when reference is one, and against Docker-Content-Digest when the registry sends a sha256 one.
 * Limit: OCI_MANIFEST_SIZE_MAX. ret_media_type: the Content-Type without parameters, or when that
 * is missing or generic, what oci_detect_media_type() says. ret_digest: the computed sha256 of the
 * body. Any of ret_body/ret_size/ret_media_type/ret_digest may be NULL. */
int registry_get_manifest(RegistryClient *c, const char *repo, const char *reference,
                          char **ret_body, size_t *ret_size, char **ret_media_type,
                          char ret_digest[SHA256_DIGEST_STRING_MAX], char **ret_reason);

/* Progress: done bytes delivered to out_fd so far, of total (UINT64_MAX when unknown); called after
 * every write to out_fd (bytes are gathered into writes of up to 256 KiB, and all that arrived is
 * written when a transfer ends), so out_fd has them when it is called. Return a negative errno to
 * abort (the fetch then fails with it; -ECANCELED is suggested). */
typedef int (*RegistryProgressFn)(uint64_t done, uint64_t total, void *userdata);

/* Streams a blob into out_fd (a pipe to an extractor or a file), computing its sha256 on the way,
 * following redirects to storage. expected_size: from the descriptor, or UINT64_MAX when unknown;
 * more bytes than that abort at once. At the end the size and digest are compared (mismatch:
 * -EBADMSG "blob sha256:A of HOST/REPO has digest sha256:B, expected sha256:A").
 *
 * Retries with exponential backoff on 5xx, 429, dropped connections and timeouts (including the
 * low-speed timeout: "registry stopped sending data for blob ... (N s)"). Bytes already written to
 * out_fd are never written twice: a retry asks for "Range: bytes=N-" and continues on 206; a
 * registry that answers 200 instead resends the whole blob, of which the first N bytes are skipped
 * (they are already in out_fd and in the digest), so non-seekable fds resume correctly too. The
 * digest check covers exactly the bytes out_fd received. */
int registry_fetch_blob(RegistryClient *c, const char *repo, const char *digest, uint64_t expected_size,
                        int out_fd, RegistryProgressFn progress, void *userdata, char **ret_reason);

/* A small blob (an image config) into memory, verified; max_size bounds it. */
int registry_get_blob(RegistryClient *c, const char *repo, const char *digest, uint64_t max_size,
                      char **ret_data, size_t *ret_size, char **ret_reason);

/* HEAD /v2/REPO/blobs/DIGEST: 1 and the size if it exists, 0 if not (404), negative on error. */
int registry_blob_exists(RegistryClient *c, const char *repo, const char *digest, uint64_t *ret_size,
                         char **ret_reason);

/* Cross-repository mount (POST .../blobs/uploads/?mount=DIGEST&from=FROM): 1 if mounted, 0 if the
 * registry declined (the upload session it opened instead is cancelled). */
int registry_mount_blob(RegistryClient *c, const char *repo, const char *digest, const char *from_repo,
                        char **ret_reason);

/* Monolithic upload: POST .../blobs/uploads/, then PUT LOCATION?digest=DIGEST with size bytes read
 * from fd (from its current offset; with pread() when it is seekable, so that an authentication
 * retry can resend). */
int registry_upload_blob(RegistryClient *c, const char *repo, const char *digest, int fd, uint64_t size,
                         char **ret_reason);

/* PUT /v2/REPO/manifests/REFERENCE with Content-Type media_type. ret_digest: the body's sha256
 * (checked against Docker-Content-Digest when sent). A digest reference must be the body's. */
int registry_put_manifest(RegistryClient *c, const char *repo, const char *reference,
                          const char *body, size_t size, const char *media_type,
                          char ret_digest[SHA256_DIGEST_STRING_MAX], char **ret_reason);

/* GET /v2/REPO/tags/list, following Link pagination. */
int registry_list_tags(RegistryClient *c, const char *repo, char ***ret_tags, char **ret_reason);

/* WWW-Authenticate (RFC 7235): one header value may hold several challenges
 * ('Basic realm="x", Bearer realm="y",service="z"'). Schemes are lowercased; parameter names are
 * matched case-insensitively; values may be tokens or quoted strings with \-escapes. */
typedef struct RegistryChallenge {
        char *scheme;   /* "bearer", "basic", ... */
        char *realm;
        char *service;
        char *scope;
        char *error;
} RegistryChallenge;

void registry_challenges_free(RegistryChallenge *l, size_t n);
/* Appends the challenges in header to (*challenges, *n). -EBADMSG on malformed input. */
int registry_challenges_parse(const char *header, RegistryChallenge **challenges, size_t *n);
/* The one to use: bearer before basic; NULL when none is supported. */
const RegistryChallenge *registry_challenges_pick(const RegistryChallenge *l, size_t n);

/* Credentials in the auth.json / config.json format podman and docker write:
 * {"auths": {"quay.io": {"auth": "base64(user:pass)"}, "https://index.docker.io/v1/": {...}}}.
 * key: a domain ("docker.io", "127.0.0.1:5000") or a repository ("quay.io/org/repo"); in each file
 * the most specific entry wins (quay.io/org/repo, quay.io/org, quay.io). Keys in the files are
 * normalized like containers/image does ("https://index.docker.io/v1/" → docker.io). Entries
 * without "auth" (credential helpers) are skipped. Returns 0, or -ENOKEY when no file has
 * credentials; -EBADMSG when the first file that has the key holds garbage there. */
int registry_auth_lookup_paths(char * const *paths, const char *key, char **ret_user, char **ret_pass);
/* The files, in order: $REGISTRY_AUTH_FILE, nyx_auth_file (nyx's own, written by `nyxctl login`;
 * may be NULL), /run/containers/UID/auth.json, $XDG_RUNTIME_DIR/containers/auth.json,
 * $XDG_CONFIG_HOME/containers/auth.json (~/.config/...), $DOCKER_CONFIG/config.json or
 * ~/.docker/config.json. Files that do not exist are skipped. */
int registry_auth_default_paths(const char *nyx_auth_file, char ***ret);
int registry_auth_lookup(const char *nyx_auth_file, const char *key, char **ret_user, char **ret_pass);

/* Stores credentials under key in path (creating it and its directory), keeping every other
 * entry and top-level member; written atomically with mode 0600. -EBADMSG if path holds something
 * that is not such a JSON object (it is left alone). */
int registry_auth_store(const char *path, const char *key, const char *user, const char *pass);
/* Removes key (logout). -ENOENT when it was not there. */
int registry_auth_remove(const char *path, const char *key);
