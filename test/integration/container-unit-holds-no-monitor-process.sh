#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# No nyx process stays beside a container: the unit's main process is the container's PID 1 and
# everything in the unit runs in the container's own cgroup. Fast exits keep their status (systemd
# took the PID before the command ran), restarts by systemd work, and crun keeps no stale state.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

nyxctl run -d --name lone --network none "$BUSYBOX" sleep 1000 >/dev/null
wait_until "[[ \$(systemctl show -p MainPID --value nyx-lone.service) != 0 ]]"
main=$(systemctl show -p MainPID --value nyx-lone.service)
assert_eq "$(cat /proc/$main/comm)" sleep "the unit's main process"
cg=$(systemctl show -p ControlGroup --value nyx-lone.service)
root=/sys/fs/cgroup
[[ -d /sys/fs/cgroup/systemd ]] && root=/sys/fs/cgroup/systemd
# crun start may still be on its way out right after the unit became active
wait_until "[[ -z \$(cat $root$cg/cgroup.procs) ]]"
pids=$(find "$root$cg" -name cgroup.procs -exec cat {} + | sort -n | tr '\n' ' ')
assert_eq "$pids" "$main " "processes in the unit (only the payload's PID 1)"
assert_eq "$(systemctl show -p Type --value nyx-lone.service)" notify "the unit's type"
assert_contains "$(systemctl status nyx-lone.service --no-pager)" "Main PID: $main (sleep)" "systemctl status"

# systemd restarts it on its own: a new PID 1, the same record
systemctl restart nyx-lone.service
wait_until "[[ \$(systemctl show -p MainPID --value nyx-lone.service) != $main && \$(systemctl show -p MainPID --value nyx-lone.service) != 0 ]]"
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' lone)" running "after systemctl restart"
id=$(nyxctl inspect -f '{{.Id}}' lone)
nyxctl rm -f lone >/dev/null
[[ ! -e /run/crun/$id ]] || fail "crun's state of lone is left behind"

# Commands that exit at once: their status is never lost to a race with systemd.
for i in $(seq 1 15); do
        id=$(nyxctl run -d --network none "$BUSYBOX" sh -c 'exit 3')
        assert_eq "$(nyxctl wait "$id")" 3 "exit status of a command that exits at once (run $i)"
        nyxctl rm "$id" >/dev/null
        [[ ! -e /run/crun/$id ]] || fail "crun's state of $id is left behind"
done
out=$(nyxctl run --rm --network none "$BUSYBOX" true; echo "rc=$?")
assert_eq "$out" "rc=0" "run --rm true"
