#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

id=$(nyxctl create --name dup "$BUSYBOX" true)
before=$(ls /var/lib/nyx/containers | sort)
expect_failure nyxctl run --name dup "$BUSYBOX" true
assert_eq "$err" "nyxctl: name dup is already in use by container $id" "second --name dup"
assert_eq "$(ls /var/lib/nyx/containers | sort)" "$before" "containers after the refused create"

expect_failure nyxctl run --name 'bad/name' "$BUSYBOX" true
assert_contains "$err" "invalid container name" "a name with a slash"

expect_failure nyxctl run --rm "$REG/no-such-image:latest" true
assert_contains "$err" "no such image" "an image that is not in the store"

expect_failure nyxctl run --memory lots "$BUSYBOX" true
assert_contains "$err" "--memory" "a bad --memory"
