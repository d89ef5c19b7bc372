#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

cleanup_containers
created=$(nyxctl create --name p-created "$BUSYBOX" true)
exited=$(nyxctl run -d --name p-exited "$BUSYBOX" sh -c 'head -c 300000 /dev/zero >/big')
nyxctl wait p-exited >/dev/null
running=$(nyxctl run -d --name p-running "$BUSYBOX" sleep 1000)

# Without -f it asks, and "no" (or no answer) changes nothing.
out=$(echo n | nyxctl container prune)
assert_contains "$out" "Are you sure you want to continue? [y/N]" "the question"
assert_eq "$(nyxctl ps -aq | wc -l)" 3 "containers after answering no"
nyxctl container prune </dev/null >/dev/null
assert_eq "$(nyxctl ps -aq | wc -l)" 3 "containers after no answer"

out=$(echo y | nyxctl container prune)
assert_contains "$out" "Deleted Containers:" "output"
assert_contains "$out" "$created" "the created container"
assert_contains "$out" "$exited" "the exited container"
assert_not_contains "$out" "$running" "the running container"
# The exited one wrote 300 kB into its upper dir.
size=$(sed -n 's/^Total reclaimed space: //p' <<<"$out")
[[ $size == *kB ]] && awk -v s="${size%kB}" 'BEGIN { exit !(s > 300) }' || fail "reclaimed space: expected > 300kB, got '$size'"

assert_eq "$(nyxctl ps -aq --no-trunc)" "$running" "containers left"
[[ ! -e /var/lib/nyx/containers/$created && ! -e /var/lib/nyx/containers/$exited ]] || fail "directories left behind"

assert_eq "$(nyxctl container prune -f)" "Total reclaimed space: 0B" "pruning nothing"
