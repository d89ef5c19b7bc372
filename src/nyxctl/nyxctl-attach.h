/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-bus.h>

/* A session on a container's terminal (containers created with -t): Container.Attach hands us the
 * pty master, which we relay (nyxctl-tty.h) until the container exits (its exit status is ours), the
 * detach sequence is typed (0; the container runs on), or nyx fails (125). */
typedef struct AttachOptions {
        bool start;                /* Start the container once attached (run -t, start -a) */
        bool forward_stdin;        /* -i: our input goes to the terminal (raw mode when it is one) */
        bool sig_proxy;            /* SIGINT, SIGTERM, SIGHUP, SIGQUIT go to the container */
        char detach_keys[16];
        size_t n_detach_keys;
} AttachOptions;

/* docker's default detach sequence, ctrl-p ctrl-q. */
void attach_options_default_keys(AttachOptions *o);

int container_attach_terminal(sd_bus *bus, const char *path, const char *name, const AttachOptions *o);
