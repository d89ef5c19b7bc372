#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl exec: the command's stdout and stderr are the caller's own, its exit
# status is nyxctl's, stdin is connected with -i (EOF included) and /dev/null
# without; the command runs inside the container's unit.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'cleanup_containers; rm -rf "$tmp"' EXIT
need_busybox

# Straight after run -d: exec waits for the runtime to have the container.
nyxctl run -d --name ex-out "$BUSYBOX" sleep 1000 >/dev/null
rc=0
nyxctl exec ex-out sh -c 'echo out; echo err >&2; exit 5' >"$tmp/out" 2>"$tmp/err" || rc=$?
assert_eq "$rc" 5 "exit status of sh -c 'exit 5'"
assert_eq "$(cat "$tmp/out")" out "stdout"
assert_eq "$(cat "$tmp/err")" err "stderr"
assert_eq "$(nyxctl exec ex-out true; echo $?)" 0 "exit status of true"

# Output streams as it comes: the first line is there while the command still runs.
nyxctl exec ex-out sh -c 'echo first; sleep 30; echo second' >"$tmp/stream" &
execpid=$!
wait_until "grep -q first '$tmp/stream'" 100
assert_not_contains "$(cat "$tmp/stream")" second "output before the command ended"

# The exec runs in the container's unit (its cgroup), as systemctl status shows.
wait_until "systemctl status --no-pager nyx-ex-out.service | grep -q 'sleep 30'"
cg=$(systemctl show -p ControlGroup --value nyx-ex-out.service)
pid=$(pgrep -f '^sleep 30$' | head -1)
[[ -n $pid ]] || fail "no 'sleep 30' process while the exec runs"
assert_contains "$(cat /proc/$pid/cgroup)" "$cg/" "the exec's cgroup is inside the unit's"
kill -TERM "$execpid"
rc=0
wait "$execpid" || rc=$?
assert_eq "$rc" 143 "exit status after SIGTERM to nyxctl (forwarded to the command)"

# -i: stdin is piped in and its end reaches the command (cat and wc end at EOF).
assert_eq "$(echo hi | nyxctl exec -i ex-out cat)" hi "echo hi | exec -i cat"
assert_eq "$(printf 'a\nb\nc\n' | nyxctl exec -i ex-out wc -l | tr -d ' ')" 3 "exec -i wc -l"
head -c 1000000 /dev/zero >"$tmp/big"
assert_eq "$(nyxctl exec -i ex-out wc -c <"$tmp/big" | tr -d ' ')" 1000000 "exec -i wc -c of a 1 MB file"
# Without -i the command reads /dev/null, not our stdin.
assert_eq "$(echo hi | nyxctl exec ex-out cat)" "" "echo hi | exec cat (no -i)"

# SIGINT reaches the command, which may handle it.
nyxctl exec ex-out sh -c 'trap "echo got INT; exit 9" INT; echo ready; sleep 100 & wait' >"$tmp/int" &
execpid=$!
wait_until "grep -q ready '$tmp/int'"
kill -INT "$execpid"
rc=0
wait "$execpid" || rc=$?
assert_eq "$rc" 9 "exit status of a command that traps SIGINT"
assert_contains "$(cat "$tmp/int")" "got INT" "the command's trap ran"

# -d: started in the background; its output goes to the container's log.
assert_eq "$(nyxctl exec -d ex-out sh -c 'echo detached-out; echo detached-err >&2')" "" "exec -d prints nothing"
wait_until "nyxctl logs ex-out 2>&1 | grep -q detached-err"
assert_contains "$(nyxctl logs ex-out 2>&1)" detached-out "the detached command's stdout in nyxctl logs"
assert_contains "$(journalctl CONTAINER_NAME=ex-out --no-pager -o cat)" detached-out "journalctl CONTAINER_NAME="
