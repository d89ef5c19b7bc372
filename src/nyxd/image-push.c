/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd-util.h"
#include "image-push.h"
#include "image-store.h"
#include "oci-manifest.h"
#include "path-util.h"
#include "registry-client.h"
#include "string-util.h"
#include "strv.h"

void push_options_done(PushOptions *o) {
        free(o->manifest_digest);
        free(o->media_type);
        free(o->domain);
        free(o->repo);
        free(o->tag);
        strv_free(o->mount_from);
        free(o->cert_dir);
        free(o->username);
        free(o->password);
}

typedef struct PushCounts {
        unsigned uploaded, mounted, existing;
} PushCounts;

static int push_blob(RegistryClient *client, const char *state_dir, const PushOptions *o, const char *digest,
                     uint64_t size, PushCounts *counts, char **ret_reason) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = registry_blob_exists(client, o->repo, digest, NULL, ret_reason);
        if (r < 0)
                return r;
        if (r > 0) {
                counts->existing++;
                return 0;
        }
        STRV_FOREACH(from, o->mount_from) {
                r = registry_mount_blob(client, o->repo, digest, *from, ret_reason);
                if (r < 0)
                        return r;
                if (r > 0) {
                        counts->mounted++;
                        return 0;
                }
        }

        r = image_store_blob_path(state_dir, digest, &path);
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                (void) asprintf(ret_reason, "blob %s is not in the store (%s): pull the image again", digest,
                                strerror(-r));
                return r;
        }
        r = registry_upload_blob(client, o->repo, digest, fd, size, ret_reason);
        if (r < 0)
                return r;
        counts->uploaded++;
        return 0;
}

int push_image(const char *state_dir, const PushOptions *o, char **ret_summary, char **ret_reason) {
        _cleanup_(registry_client_freep) RegistryClient *client = NULL;
        _cleanup_(oci_manifest_freep) OciManifest *manifest = NULL;
        _cleanup_free_ char *body = NULL, *user = NULL, *pass = NULL, *auth_file = NULL;
        char digest[SHA256_DIGEST_STRING_MAX];
        RegistryClientOptions copts = {
                .insecure = !o->tls_verify,
                .ca_dir = o->cert_dir,
        };
        PushCounts counts = {};
        size_t size;
        int r;

        r = image_store_read_blob(state_dir, o->manifest_digest, OCI_MANIFEST_SIZE_MAX, &body, &size);
        if (r < 0) {
                (void) asprintf(ret_reason, "cannot read manifest %s from the store: %s", o->manifest_digest,
                                strerror(-r));
                return r;
        }
        r = oci_manifest_parse(body, size, o->media_type, &manifest, ret_reason);
        if (r < 0)
                return r;

        auth_file = path_join(state_dir, "auth.json");
        if (!auth_file)
                return -ENOMEM;
        if (o->username) {
                copts.username = o->username;
                copts.password = o->password;
        } else if (registry_auth_lookup(auth_file, o->domain, &user, &pass) >= 0) {
                copts.username = user;
                copts.password = pass;
        }
        r = registry_client_new(o->domain, &copts, &client);
        if (r < 0) {
                (void) asprintf(ret_reason, "cannot talk to registry %s: %s", o->domain, strerror(-r));
                return r;
        }

        /* Layers first, the config, then the manifest that refers to them. */
        for (size_t i = 0; i < manifest->n_layers; i++) {
                r = push_blob(client, state_dir, o, manifest->layers[i].digest, manifest->layers[i].size, &counts,
                              ret_reason);
                if (r < 0)
                        return r;
        }
        r = push_blob(client, state_dir, o, manifest->config.digest, manifest->config.size, &counts, ret_reason);
        if (r < 0)
                return r;
        r = registry_put_manifest(client, o->repo, o->tag, body, size, manifest->media_type, digest, ret_reason);
        if (r < 0)
                return r;

        if (asprintf(ret_summary, "%s %u %u %u", digest, counts.uploaded, counts.mounted, counts.existing) < 0)
                return -ENOMEM;
        return 0;
}
