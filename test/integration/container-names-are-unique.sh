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

# ps filters
nyxctl create --name lab1 -l tier=web "$BUSYBOX" true >/dev/null
nyxctl create --name lab2 -l tier=db "$BUSYBOX" true >/dev/null
assert_eq "$(nyxctl ps -a --filter label=tier=web --format '{{.Names}}')" lab1 "ps --filter label=tier=web"
assert_eq "$(nyxctl ps -a --filter label=tier --format '{{.Names}}' | sort | tr '\n' ' ')" "lab1 lab2 " "ps --filter label=tier"
assert_eq "$(nyxctl ps -a --filter name=lab2 --format '{{.Names}}')" lab2 "ps --filter name=lab2"
assert_eq "$(nyxctl ps -a --filter status=created --filter name=lab --format '{{.Names}}' | sort | tr '\n' ' ')" "lab1 lab2 " "ps --filter status=created"
expect_failure nyxctl ps --filter colour=blue
assert_contains "$err" "unknown filter 'colour=blue'" "an unknown filter"
