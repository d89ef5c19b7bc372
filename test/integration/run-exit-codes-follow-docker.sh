#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

rc=0; nyxctl run --rm "$BUSYBOX" no-such-command 2>/tmp/err127 >/tmp/out127 || rc=$?
assert_eq "$rc" 127 "exit status for a command that is not there"
assert_contains "$(cat /tmp/out127 /tmp/err127)" "no-such-command: executable file not found" "message"

rc=0; nyxctl run --rm "$BUSYBOX" /etc/passwd >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 126 "exit status for a file that is not executable"

# (PID 1 of a namespace cannot be SIGKILLed from inside: under --init the
# command is PID 2, and the init passes its death on as 128+9.)
rc=0; nyxctl run --rm --init "$BUSYBOX" sh -c 'kill -9 $$' || rc=$?
assert_eq "$rc" 137 "exit status of a command killed by SIGKILL"

# A working directory that does not exist is created, as docker does.
assert_eq "$(nyxctl run --rm -w /does/not/exist "$BUSYBOX" pwd)" /does/not/exist "-w of a new directory"

# --read-only: the root cannot be written, /etc/hostname is there.
out=$(nyxctl run --rm --read-only "$BUSYBOX" sh -c 'touch /x 2>&1; cat /etc/hostname')
assert_contains "$out" "Read-only file system" "--read-only"

# One-letter names are fine.
assert_eq "$(nyxctl run --rm --name a "$BUSYBOX" echo a)" a "--name a"
