#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -v /host:/ctr binds a host directory read-write, :ro read-only; a missing host directory is created
# for -v (docker), not for --mount type=bind.
. "$(dirname "$0")/lib.sh"
dir=$(mktemp -d /tmp/vbind-XXXXXX)
cleanup() {
        cleanup_containers
        rm -rf "$dir"
}
trap cleanup EXIT
need_busybox

echo from-host >"$dir/in"
assert_eq "$(nyxctl run --rm -v "$dir:/host" "$BUSYBOX" cat /host/in)" from-host "reading a bind mount"
nyxctl run --rm -v "$dir:/host" "$BUSYBOX" sh -c 'echo from-container > /host/out' || fail "writing a rw bind mount"
assert_eq "$(cat "$dir/out")" from-container "the container's write on the host"

out=$(nyxctl run --rm -v "$dir:/host:ro" "$BUSYBOX" sh -c 'echo x > /host/ro-write; echo "rc=$?"' 2>&1)
assert_contains "$out" "Read-only file system" "writing a :ro bind mount"
[[ ! -e $dir/ro-write ]] || fail "a :ro bind mount was written"
nyxctl run --rm --mount "type=bind,source=$dir,target=/host,readonly" "$BUSYBOX" test -f /host/in ||
        fail "--mount type=bind,readonly"

nyxctl run --rm -v "$dir/new/deeper:/made" "$BUSYBOX" true || fail "-v with a missing host directory"
[[ -d $dir/new/deeper ]] || fail "-v did not create the missing host directory"
expect_failure nyxctl run --rm --mount "type=bind,source=$dir/absent,target=/x" "$BUSYBOX" true
[[ ! -e $dir/absent ]] || fail "--mount type=bind created its missing source"
