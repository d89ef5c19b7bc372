#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A size-limited volume across two boots of a sandbox sharing /var/lib/nyx: the shutdown leaves no
# loop device attached, after the reboot its file system is mounted again with the data, and a
# --restart always container that uses it comes back with it.
set -euo pipefail
: "${NYX_SANDBOX:?} ${NYX_LAYER:?} ${NYX_TOP:?}"

name=nyx-vreboot-$$
state=$(mktemp -d /var/tmp/nyx-vreboot-XXXXXX)
fixtures=$NYX_TOP/build/test-fixtures
cleanup() {
        "$NYX_SANDBOX" shutdown "$name" >/dev/null 2>&1 || true
        rm -rf "$state"
}
trap cleanup EXIT
fail() {
        echo "FAIL: $*"
        exit 1
}

[[ -e /dev/loop-control ]] || { echo "SKIP: no /dev/loop-control on this host"; exit 77; }
command -v mkfs.ext4 >/dev/null || { echo "SKIP: mkfs.ext4 (e2fsprogs) is not installed"; exit 77; }

inside() {
        "$NYX_SANDBOX" exec "$name" -- bash -c "$1"
}

boot() {
        "$NYX_SANDBOX" boot "$name" --layer "$NYX_LAYER" --var-lib-nyx "$state/lib" >/dev/null
        inside "cd '$NYX_TOP' && test/fixtures/registry start '$state/registry' --port 5000 >/dev/null"
}

# Loop devices (host-global) whose backing file is in this test's state directory.
our_loops() {
        local f
        for f in /sys/block/loop*/loop/backing_file; do
                [[ -e $f ]] || continue
                grep -l -e "$state" -e /var/lib/nyx/volumes/vr-disk/ "$f" 2>/dev/null || true
        done
}

wait_no_loops() {
        for _ in $(seq 50); do
                [[ -z $(our_loops) ]] && return 0
                sleep 0.1
        done
        fail "loop devices left attached $1: $(our_loops)"
}

boot
inside "cd '$NYX_TOP' && test/fixtures/build-images --only busybox '$fixtures' >/dev/null &&
        test/fixtures/registry push '$state/registry' '$fixtures/busybox:latest' busybox:latest >/dev/null &&
        nyxctl pull -q --tls-verify=false 127.0.0.1:5000/busybox:latest >/dev/null"
B=127.0.0.1:5000/busybox:latest
inside "nyxctl volume create --opt size=16M vr-disk >/dev/null &&
        nyxctl run --rm -v vr-disk:/data $B sh -c 'echo survived > /data/f' &&
        nyxctl run -d --name keeper --restart always -v vr-disk:/data $B sleep 1000 >/dev/null" ||
        fail "setting up the first boot"
[[ -n $(our_loops) ]] || fail "no loop device backs the volume in the first boot"
"$NYX_SANDBOX" shutdown "$name" >/dev/null
wait_no_loops "after the shutdown"

boot
inside "nyxctl ps >/dev/null"
fstype=$(inside "findmnt -n -o FSTYPE /var/lib/nyx/volumes/vr-disk/_data" || true)
[[ $fstype == ext4 ]] || fail "after the reboot the volume's file system is not mounted (got '$fstype')"
for _ in $(seq 100); do
        [[ $(inside "nyxctl inspect -f '{{.State.Status}}' keeper") == running ]] && break
        sleep 0.1
done
status=$(inside "nyxctl inspect -f '{{.State.Status}}' keeper")
[[ $status == running ]] || fail "the --restart always container that uses the volume is '$status' after the reboot"
got=$(inside "nyxctl exec keeper cat /data/f 2>/dev/null || nyxctl run --rm -v vr-disk:/data $B cat /data/f")
[[ $got == survived ]] || fail "the volume's data after the reboot: '$got'"

inside "nyxctl rm -f keeper >/dev/null && nyxctl volume rm vr-disk >/dev/null" || fail "removing the volume"
wait_no_loops "after volume rm"
"$NYX_SANDBOX" shutdown "$name" >/dev/null
wait_no_loops "after the second shutdown"
echo "ok: size-limited volume across a reboot"
