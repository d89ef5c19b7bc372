#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl top: the processes of the unit's payload cgroup (not crun), as ps shows them.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

nyxctl run -d --name tp "$BUSYBOX" sh -c 'sleep 1001 & sleep 1002 & wait' >/dev/null
wait_until "nyxctl top tp | grep -q 'sleep 1002'"

out=$(nyxctl top tp)
assert_eq "$(head -1 <<<"$out" | tr -s ' ' | sed 's/^ //')" "PID USER TIME COMMAND" "header"
assert_contains "$out" "sleep 1001" "first child"
assert_contains "$out" "sh -c sleep 1001" "the container's PID 1"
assert_not_contains "$out" "crun" "crun is the unit's main process, not the container's"
assert_eq "$(tail -n +2 <<<"$out" | wc -l)" 3 "process count"

# Every PID shown is in the unit's cgroup.
cg=$(systemctl show -p ControlGroup --value nyx-tp.service)
for pid in $(tail -n +2 <<<"$out" | awk '{ print $1 }'); do
        assert_contains "$(cat /proc/$pid/cgroup)" "$cg/payload" "cgroup of PID $pid"
done

# ps options go to ps; the PID column selects the rows.
out=$(nyxctl top tp -o pid,comm)
assert_eq "$(head -1 <<<"$out" | tr -s ' ' | sed 's/^ //')" "PID COMMAND" "header with -o pid,comm"
assert_eq "$(tail -n +2 <<<"$out" | awk '{ print $2 }' | sort | tr '\n' ' ')" "sh sleep sleep " "commands"

expect_failure nyxctl top tp -o comm
assert_contains "$err" "no PID column" "ps options without pid"

nyxctl create --name tp-created "$BUSYBOX" true >/dev/null
expect_failure nyxctl top tp-created
assert_eq "$err" "nyxctl: container tp-created is not running" "top of a created container"
