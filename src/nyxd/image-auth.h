/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Credentials for registries, kept in STATE/auth.json (mode 0600, the
 * auth.json format podman and docker read too; pull.c reads it back with
 * registry_auth_lookup()). */

typedef struct LoginOptions {
        char *registry;            /* "127.0.0.1:5001", "docker.io" */
        char *username;
        char *password;
        bool tls_verify;
        char *cert_dir;
} LoginOptions;

void login_options_done(LoginOptions *o);

/* "https://quay.io/" -> "quay.io", "index.docker.io" -> "docker.io";
 * NULL and "" -> "docker.io". -EINVAL for something that is no host[:port]. */
int registry_key_normalize(const char *s, char **ret);

/* Check the credentials against the registry, then store them. Blocking
 * (network): run it in an operation worker. */
int registry_login(const char *state_dir, const LoginOptions *o, char **ret_reason);

/* Forget the credentials of registry. -ENOENT when there were none. */
int registry_logout(const char *state_dir, const char *registry);
