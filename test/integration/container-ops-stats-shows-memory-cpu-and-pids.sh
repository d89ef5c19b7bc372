#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl stats: CPU % from two samples of the unit's CPUUsageNSec, memory
# usage/limit from MemoryCurrent/MemoryMax, PIDs from TasksCurrent.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

nyxctl run -d --name busy --memory 64m "$BUSYBOX" sh -c 'while :; do :; done' >/dev/null
nyxctl run -d --name idle "$BUSYBOX" sleep 1000 >/dev/null
nyxctl create --name notrunning "$BUSYBOX" true >/dev/null

out=$(nyxctl stats --no-stream)
assert_eq "$(head -1 <<<"$out" | tr -s ' ')" "CONTAINER ID NAME CPU % MEM USAGE / LIMIT MEM % PIDS" "header"
assert_contains "$out" " busy " "running containers listed"
assert_not_contains "$out" notrunning "a created container without -a"
assert_contains "$(nyxctl stats --no-stream -a)" notrunning "a created container with -a"

# A busy loop uses up to one CPU (less on a loaded machine), a sleep none.
json=$(nyxctl stats --no-stream --json busy idle)
busy=$(jq -r '.[] | select(.Name == "busy") | .CPUPercent' <<<"$json")
idle=$(jq -r '.[] | select(.Name == "idle") | .CPUPercent' <<<"$json")
awk -v b="$busy" 'BEGIN { exit !(b > 3 && b < 250) }' || fail "CPU % of a busy loop: expected 3-100, got $busy ($json)"
awk -v i="$idle" 'BEGIN { exit !(i < 2) }' || fail "CPU % of sleep: expected ~0, got $idle"
assert_eq "$(jq -r '.[0].Name' <<<"$json")" busy "containers in the order given"

if [[ ! -d /sys/fs/cgroup/memory ]]; then
        mem=$(jq -r '.[] | select(.Name == "busy") | .MemUsage' <<<"$json")
        assert_eq "$mem" "-- / --" "memory without a memory controller"
        skip "no v1 memory/pids controllers in the $NYX_TEST_FLAVOUR flavour: CPU checked, memory and PIDs show --"
fi

assert_eq "$(jq -r '.[] | select(.Name == "busy") | .MemoryLimitBytes' <<<"$json")" 67108864 "memory limit of --memory 64m"
usage=$(jq -r '.[] | select(.Name == "busy") | .MemoryUsageBytes' <<<"$json")
[[ $usage -gt 0 && $usage -lt 67108864 ]] || fail "memory usage: expected between 0 and 64 MiB, got $usage"
assert_contains "$(jq -r '.[] | select(.Name == "busy") | .MemUsage' <<<"$json")" " / 64MiB" "MEM USAGE / LIMIT"
# crun plus the container's shell: the unit's tasks.
pids=$(jq -r '.[] | select(.Name == "busy") | .PIDsCurrent' <<<"$json")
[[ $pids -ge 1 && $pids -le 3 ]] || fail "PIDs: expected 1-3, got $pids"

# Without an explicit limit the host's memory is the limit, as docker shows it.
host=$(( $(awk '/MemTotal/ { print $2 }' /proc/meminfo) * 1024 ))
assert_eq "$(jq -r '.[] | select(.Name == "idle") | .MemoryLimitBytes' <<<"$json")" "$host" "limit of an unlimited container"

# --format per container, as docker's.
out=$(nyxctl stats --no-stream --format '{{.Name}}:{{.PIDs}}' idle)
[[ $out =~ ^idle:[0-9]+$ ]] || fail "--format '{{.Name}}:{{.PIDs}}': expected idle:N, got '$out'"

# Streaming refreshes every second until interrupted.
timeout 3.5 nyxctl stats --json idle >/tmp/stats.stream || [[ $? -eq 124 ]] || fail "stats stream failed"
n=$(wc -l </tmp/stats.stream)
[[ $n -ge 2 && $n -le 4 ]] || fail "samples in 3.5 s of streaming: expected 2-4, got $n"

expect_failure nyxctl stats --no-stream no-such-container
assert_eq "$err" "nyxctl: no such container: no-such-container" "stats of an unknown container"
