/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "container.h"
#include "image.h"

/* Write the container's bundle/config.json, prepare.json (for nyx-prepare)
 * and its /etc/hosts, /etc/hostname and /etc/resolv.conf, all under c->dir.
 * -EINVAL with *ret_reason when the spec does not fit the image or host. */
int bundle_write(Container *c, const Image *image, char **ret_reason);
