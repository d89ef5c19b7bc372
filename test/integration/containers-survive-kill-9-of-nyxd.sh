#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

nyxctl run -d --name survivor "$BUSYBOX" sh -c 'echo before; trap "exit 0" TERM; while :; do sleep 0.2; done' >/dev/null
nyxctl create --name waiting "$BUSYBOX" echo later >/dev/null
nyxctl run --name done "$BUSYBOX" sh -c 'exit 4' >/dev/null || true
wait_until "nyxctl logs survivor | grep -q before"
pid=$(systemctl show -p MainPID --value nyx-survivor.service)

old=$(nyxd_pid)
kill -9 "$old"
wait_until "[[ \$(systemctl show -p MainPID --value nyxd.service) != $old ]]"

# The container never noticed.
assert_eq "$(systemctl show -p MainPID --value nyx-survivor.service)" "$pid" "the container's main PID after kill -9 of nyxd"
assert_eq "$(systemctl is-active nyx-survivor.service)" active "the container's unit"

# The next nyxd knows every container again.
ps=$(nyxctl ps -a --format '{{.Names}} {{.State}}' | sort)
assert_eq "$ps" $'done exited\nsurvivor running\nwaiting created' "ps -a after re-activation"
assert_eq "$(nyxctl inspect -f '{{.State.ExitCode}}' done)" 4 "exit code of a container that ended before"
assert_contains "$(nyxctl logs survivor)" before "logs after re-activation"
nyxctl stop survivor >/dev/null
assert_eq "$(nyxctl inspect -f '{{.State.Status}} {{.State.ExitCode}}' survivor)" "exited 0" "stop after re-activation"
assert_eq "$(nyxctl start waiting >/dev/null; nyxctl wait waiting)" 0 "start + wait of a created container"
nyxctl rm survivor waiting done >/dev/null
assert_eq "$(nyxctl ps -aq)" "" "ps -aq after rm"
