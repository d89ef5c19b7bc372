/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image-auth.h"
#include "path-util.h"
#include "registry-client.h"
#include "string-util.h"

void login_options_done(LoginOptions *o) {
        free(o->registry);
        free(o->username);
        if (o->password)
                explicit_bzero(o->password, strlen(o->password));
        free(o->password);
        free(o->cert_dir);
}

int registry_key_normalize(const char *s, char **ret) {
        _cleanup_free_ char *k = NULL;
        const char *p;
        size_t n;

        if (isempty(s))
                s = REGISTRY_DOCKER_HUB_DOMAIN;
        p = startswith(s, "https://") ?: startswith(s, "http://") ?: s;
        n = strcspn(p, "/");
        if (n == 0)
                return -EINVAL;
        /* A host[:port] or [v6]:port; a path after it (docker's "/v1/") is dropped. */
        for (size_t i = 0; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]_", p[i]))
                        return -EINVAL;
        k = strndup(p, n);
        if (!k)
                return -ENOMEM;
        ascii_strlower(k);
        if (streq(k, "index.docker.io") || streq(k, "registry-1.docker.io")) {
                free(k);
                k = strdup(REGISTRY_DOCKER_HUB_DOMAIN);
                if (!k)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(k);
        return 0;
}

static int auth_file(const char *state_dir, char **ret) {
        *ret = path_join(state_dir, "auth.json");
        return *ret ? 0 : -ENOMEM;
}

int registry_login(const char *state_dir, const LoginOptions *o, char **ret_reason) {
        _cleanup_(registry_client_freep) RegistryClient *client = NULL;
        _cleanup_free_ char *path = NULL;
        RegistryClientOptions copts = {
                .insecure = !o->tls_verify,
                .ca_dir = o->cert_dir,
                .username = o->username,
                .password = o->password,
        };
        int r;

        r = registry_client_new(o->registry, &copts, &client);
        if (r < 0) {
                (void) asprintf(ret_reason, "cannot talk to registry %s: %s", o->registry, strerror(-r));
                return r;
        }
        r = registry_ping(client, true, ret_reason);
        if (r < 0)
                return r;

        r = auth_file(state_dir, &path);
        if (r < 0)
                return r;
        r = registry_auth_store(path, o->registry, o->username, o->password);
        if (r < 0) {
                (void) asprintf(ret_reason, "cannot store the credentials in %s: %s", path,
                                r == -EBADMSG ? "it is not an auth.json file" : strerror(-r));
                return r;
        }
        return 0;
}

int registry_logout(const char *state_dir, const char *registry) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = auth_file(state_dir, &path);
        if (r < 0)
                return r;
        return registry_auth_remove(path, registry);
}
