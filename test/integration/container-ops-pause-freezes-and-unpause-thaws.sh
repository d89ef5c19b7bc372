#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl pause/unpause: the runtime's freezer (v1 freezer or cgroup.freeze),
# shown as "paused" by ps and inspect; stop and rm -f work on paused containers.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

nyxctl run -d --name pz "$BUSYBOX" sh -c 'trap "exit 0" TERM; i=0; while :; do i=$((i+1)); echo $i >/tmp/count; sleep 0.1; done' >/dev/null
cnt() { nyxctl cp pz:/tmp/count - | tar -xO; }
wait_until "cnt | grep -q ."

assert_eq "$(nyxctl pause pz)" pz "pause output"
assert_eq "$(nyxctl ps --format '{{.Names}} {{.State}}' --filter name=pz)" "pz paused" "ps after pause"
[[ $(nyxctl ps --format '{{.Status}}' --filter name=pz) =~ ^Up\ .*\ \(Paused\)$ ]] ||
        fail "ps STATUS of a paused container: expected 'Up ... (Paused)', got '$(nyxctl ps --format '{{.Status}}' --filter name=pz)'"
assert_eq "$(nyxctl inspect -f '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' pz)" "paused true false" "inspect after pause"
cg=$(systemctl show -p ControlGroup --value nyx-pz.service)
if [[ -d /sys/fs/cgroup/freezer ]]; then
        assert_eq "$(cat /sys/fs/cgroup/freezer$cg/payload/freezer.state)" FROZEN "v1 freezer state"
else
        assert_eq "$(cat /sys/fs/cgroup$cg/payload/cgroup.freeze)" 1 "cgroup.freeze"
fi
# The unit itself keeps running: systemd sees an active service.
assert_eq "$(systemctl is-active nyx-pz.service)" active "unit of a paused container"

a=$(cnt); sleep 0.5; b=$(cnt)
assert_eq "$b" "$a" "the counter while paused"

expect_failure nyxctl pause pz
assert_eq "$err" "nyxctl: container pz is already paused" "pausing twice"

assert_eq "$(nyxctl unpause pz)" pz "unpause output"
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' pz)" running "status after unpause"
a=$(cnt); sleep 0.5; b=$(cnt)
[[ $b -gt $a ]] || fail "the counter after unpause did not move ($a -> $b)"

expect_failure nyxctl unpause pz
assert_eq "$err" "nyxctl: container pz is not paused" "unpausing a running container"

# A paused container is thawed before it is stopped: its shell acts on
# SIGTERM at once (frozen, it would wait for the 10 s stop timeout and then, on
# the v1 freezer, not even die of SIGKILL).
nyxctl pause pz >/dev/null
start=$(date +%s%N)
nyxctl stop pz >/dev/null
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[[ $ms -lt 5000 ]] || fail "stopping a paused container took $ms ms"
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' pz)" exited "status after stopping a paused container"

expect_failure nyxctl pause pz
assert_eq "$err" "nyxctl: container pz is not running" "pausing a stopped container"

# rm -f of a paused container.
nyxctl run -d --name pz2 "$BUSYBOX" sleep 1000 >/dev/null
nyxctl pause pz2 >/dev/null
nyxctl rm -f pz2 >/dev/null
expect_failure nyxctl inspect pz2
assert_contains "$err" "no such container" "a paused container after rm -f"
