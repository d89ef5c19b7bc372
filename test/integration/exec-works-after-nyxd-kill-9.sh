#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Nothing about execs is kept in nyxd: after kill -9 of nyxd the next exec
# re-activates it and works; a command running while nyxd dies keeps running.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'cleanup_containers; rm -rf "$tmp"' EXIT
need_busybox

nyxctl run -d --name ex-kill "$BUSYBOX" sleep 1000 >/dev/null
assert_eq "$(nyxctl exec ex-kill echo before)" before "exec before kill -9"
old=$(nyxd_pid)
kill -9 "$old"
wait_until "[[ \$(systemctl show -p MainPID --value nyxd.service) != $old ]]"
assert_eq "$(nyxctl exec ex-kill echo after)" after "exec after kill -9 (re-activates nyxd)"
new=$(nyxd_pid)
[[ $new -gt 0 && $new != "$old" ]] || fail "expected a new nyxd, got PID '$new' (old $old)"

# nyxd dies during an exec: nyxctl says so (125), the command itself finishes.
nyxctl exec ex-kill sh -c 'sleep 2; echo finished >/tmp/ex-kill-mark' 2>"$tmp/err" &
execpid=$!
wait_until "nyxctl exec ex-kill ps | grep -q 'sleep 2'"
kill -9 "$(nyxd_pid)"
rc=0
wait "$execpid" || rc=$?
assert_eq "$rc" 125 "nyxctl's exit status when nyxd died during the exec"
assert_contains "$(cat "$tmp/err")" "nyxd went away" "nyxctl's message"
wait_until "nyxctl exec ex-kill cat /tmp/ex-kill-mark" 50
assert_eq "$(nyxctl exec ex-kill cat /tmp/ex-kill-mark)" finished "the command ran to its end"
