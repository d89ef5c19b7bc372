#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl update: SetUnitProperties on the running unit, and the record, so a
# restart keeps the new limits.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

nyxctl run -d --name up --memory 32m "$BUSYBOX" sleep 1000 >/dev/null
assert_eq "$(nyxctl update --memory 64m --pids-limit 30 --cpus 0.5 --cpu-shares 512 up)" up "output"
assert_eq "$(systemctl show -p MemoryMax --value nyx-up.service)" 67108864 "MemoryMax, live"
assert_eq "$(systemctl show -p TasksMax --value nyx-up.service)" 30 "TasksMax, live"
assert_eq "$(systemctl show -p CPUQuotaPerSecUSec --value nyx-up.service)" 500ms "CPUQuota, live"
assert_eq "$(systemctl show -p CPUWeight --value nyx-up.service)" 20 "CPUWeight, live"
assert_eq "$(nyxctl inspect -f '{{.Config.memory}} {{.Config.pidsLimit}}' up)" "67108864 30" "the record"

# The limits survive a restart (a new transient unit built from the record).
nyxctl restart -t 0 up >/dev/null
assert_eq "$(systemctl show -p MemoryMax --value nyx-up.service)" 67108864 "MemoryMax after a restart"
assert_eq "$(systemctl show -p TasksMax --value nyx-up.service)" 30 "TasksMax after a restart"

# 0 removes a limit.
nyxctl update --memory 0 --pids-limit -1 up >/dev/null
assert_eq "$(systemctl show -p MemoryMax --value nyx-up.service)" infinity "MemoryMax after --memory 0"
assert_eq "$(systemctl show -p TasksMax --value nyx-up.service)" infinity "TasksMax after --pids-limit -1"

# Bad values are refused and change nothing.
nyxctl update --memory 48m up >/dev/null
expect_failure nyxctl update --memory 1k up
assert_contains "$err" "minimum memory limit allowed is 6MB" "too small --memory"
expect_failure nyxctl update --memory-swap 16m up
assert_contains "$err" "memory-swap" "--memory-swap below --memory"
expect_failure nyxctl update up
assert_contains "$err" "nothing to change" "no flags"
expect_failure nyxctl update --restart sometimes up
assert_contains "$err" "--restart" "a bad restart policy"
assert_eq "$(systemctl show -p MemoryMax --value nyx-up.service)" 50331648 "MemoryMax after refused updates"

# A stopped container: only the record; its next start has the limit.
nyxctl stop -t 0 up >/dev/null
nyxctl update --memory 40m --restart on-failure:3 up >/dev/null
assert_eq "$(nyxctl inspect -f '{{.Config.restart}}' up)" "on-failure:3" "restart policy in the record"
path=$(nyxctl inspect -f '{{.ObjectPath}}' up)
assert_eq "$(busctl get-property org.nyx.engine1 "$path" org.nyx.engine1.Container RestartPolicy)" 's "on-failure:3"' "RestartPolicy on the bus"
nyxctl start up >/dev/null
assert_eq "$(systemctl show -p MemoryMax --value nyx-up.service)" 41943040 "MemoryMax at the next start"
assert_eq "$(systemctl show -p Restart --value nyx-up.service)" on-failure "Restart= at the next start"

if [[ ! -d /sys/fs/cgroup/memory ]]; then
        skip "no v1 memory controller in the $NYX_TEST_FLAVOUR flavour: unit properties checked, the kernel's limit not"
fi
nyxctl update --memory 64m up >/dev/null
cg=$(systemctl show -p ControlGroup --value nyx-up.service)
assert_eq "$(cat /sys/fs/cgroup/memory$cg/memory.limit_in_bytes)" 67108864 "memory.limit_in_bytes, live"
nyxctl update --pids-limit 25 up >/dev/null
assert_eq "$(cat /sys/fs/cgroup/pids$cg/pids.max)" 25 "pids.max, live"
