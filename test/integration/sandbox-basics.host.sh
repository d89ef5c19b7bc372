#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The sandbox launcher itself, tested from the host.
exec bash "$(dirname "$0")/../sandbox/test-sandbox-basics.sh"
