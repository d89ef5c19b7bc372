#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

nyxctl run -d --name lim --memory 32m --pids-limit 20 --cpus 0.5 --cpu-shares 512 "$BUSYBOX" sleep 1000 >/dev/null
assert_eq "$(systemctl show -p MemoryMax --value nyx-lim.service)" 33554432 "MemoryMax"
assert_eq "$(systemctl show -p TasksMax --value nyx-lim.service)" 20 "TasksMax"
assert_eq "$(systemctl show -p CPUQuotaPerSecUSec --value nyx-lim.service)" 500ms "CPUQuota"
nyxctl rm -f lim >/dev/null

if [[ ! -d /sys/fs/cgroup/memory ]]; then
        skip "no v1 memory/pids controllers in the $NYX_TEST_FLAVOUR flavour (limits are set, not enforced here)"
fi

# A process that allocates more than --memory is OOM-killed.
rc=0
nyxctl run --rm --memory 32m "$BUSYBOX" sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived' \
        >/tmp/oom.out 2>&1 || rc=$?
assert_not_contains "$(cat /tmp/oom.out)" survived "output of the allocation"
[[ $rc -eq 137 || $rc -ne 0 ]] || fail "expected the allocation to be killed, exit $rc"

# A fork bomb stops at --pids-limit: 15 processes fit under 20 (crun and sh
# count too), 60 do not.
assert_eq "$(nyxctl run --rm --pids-limit 20 "$BUSYBOX" sh -c 'for i in $(seq 1 15); do sleep 2 & done; echo fits')" \
        fits "15 background processes under --pids-limit 20"
rc=0
out=$(nyxctl run --rm --pids-limit 20 "$BUSYBOX" sh -c 'for i in $(seq 1 60); do sleep 2 & done; echo fits' 2>&1) || rc=$?
assert_contains "$out" "can't fork" "60 processes under --pids-limit 20"
[[ $rc -ne 0 ]] || fail "the fork bomb's container exited 0"
