#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl run -i: the caller's stdin becomes the unit's (StandardInputFileDescriptor=),
# so the container reads it directly and sees its end; without -i it reads
# /dev/null. (Named exec-* with the other stdio-passing tests.)
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

assert_eq "$(echo hi | nyxctl run -i --rm "$BUSYBOX" cat)" hi "echo hi | run -i --rm cat"
assert_eq "$(printf 'a\nb\nc\n' | nyxctl run -i --rm "$BUSYBOX" wc -l | tr -d ' ')" 3 "run -i wc -l (EOF reaches it)"
assert_eq "$(echo hi | nyxctl run --rm "$BUSYBOX" cat)" "" "echo hi | run --rm cat (no -i: /dev/null)"

# -d -i: the unit holds our stdin; the container reads it after we are gone.
echo fromstdin | nyxctl run -d -i --name run-i "$BUSYBOX" sh -c 'read l; echo "got $l"; exec sleep 1000' >/dev/null
wait_until "nyxctl logs run-i 2>&1 | grep -q 'got fromstdin'"
assert_contains "$(nyxctl exec run-i readlink /proc/1/fd/0)" "pipe:" "the container's stdin with -i"
nyxctl rm -f run-i >/dev/null
nyxctl run -d --name run-null "$BUSYBOX" sleep 1000 >/dev/null
assert_eq "$(nyxctl exec run-null readlink /proc/1/fd/0)" /dev/null "the container's stdin without -i"

expect_failure nyxctl create -i "$BUSYBOX" true
assert_contains "$err" "use nyxctl run -i" "create -i"
# -t: the container's stdio is a pty of its own, relayed even when ours is no terminal.
assert_eq "$(nyxctl run -t --rm "$BUSYBOX" tty </dev/null | tr -d '\r')" /dev/pts/0 "run -t tty"
assert_eq "$(echo piped | nyxctl run -i -t --rm "$BUSYBOX" sh -c 'read l; echo "got $l"' | tr -d '\r' | tail -1)" \
        "got piped" "echo piped | run -i -t"
