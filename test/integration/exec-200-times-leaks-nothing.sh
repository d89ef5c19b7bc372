#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# 200 execs in a row: each works, nyxd holds no more file descriptors after
# them than before, and no process is left behind (neither crun exec in nyxd
# nor anything in the container's unit).
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

nyxctl run -d --name ex-loop "$BUSYBOX" sleep 1000 >/dev/null
nyxctl exec ex-loop true        # nyxd is up and has run one exec
pid=$(nyxd_pid)
cg=$(systemctl show -p ControlGroup --value nyx-ex-loop.service)
cgroot=/sys/fs/cgroup
[[ -d $cgroot/systemd ]] && cgroot=$cgroot/systemd      # hybrid: the name=systemd hierarchy
count_procs() { find "$cgroot$cg" -name cgroup.procs -exec cat {} + | wc -l; }
fds_before=$(ls /proc/$pid/fd | wc -l)
procs_before=$(count_procs)
[[ $procs_before -gt 0 ]] || fail "found no processes below $cgroot$cg"

start=$(date +%s%N)
for i in $(seq 200); do
        nyxctl exec ex-loop true || fail "exec number $i failed"
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "200 execs took ${ms} ms ($((ms / 200)) ms each)"

assert_eq "$(nyxd_pid)" "$pid" "nyxd's PID (it must not have restarted)"
assert_eq "$(ls /proc/$pid/fd | wc -l)" "$fds_before" "nyxd's open file descriptors"
assert_eq "$(count_procs)" "$procs_before" "processes in the container's unit"
leftover=$(pgrep -f 'crun.* exec' || true)
[[ -z $leftover ]] || fail "crun exec processes left: $(ps -o pid,args -p "${leftover//$'\n'/,}")"
[[ ! -d /run/nyx/exec ]] || [[ -z $(ls -A /run/nyx/exec) ]] || fail "left in /run/nyx/exec: $(ls /run/nyx/exec)"
