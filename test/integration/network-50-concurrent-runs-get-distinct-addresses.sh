#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# 50 containers started at once on the default bridge get 50 distinct addresses; after rm of them all
# no lease, veth or netns file of theirs is left.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

leases=/var/lib/nyx/networks/bridge/leases.json
before_leases=$(jq '.Leases | length' "$leases" 2>/dev/null || echo 0)
pids=()
for i in $(seq 1 50); do
        nyxctl run -d --name nc-$i "$BUSYBOX" sleep 1000 >/dev/null &
        pids+=($!)
done
for p in "${pids[@]}"; do
        wait "$p" || fail "a concurrent run failed"
done
addrs=$(for i in $(seq 1 50); do nyxctl inspect -f '{{.NetworkSettings.IPAddress}}' nc-$i; done)
assert_eq "$(sort -u <<<"$addrs" | grep -c .)" 50 "distinct addresses of 50 containers"
live=$(for i in $(seq 1 50); do nyxctl exec nc-$i ip -4 -o addr show eth0 | awk '{print $4}'; done)
assert_eq "$(sort -u <<<"$live" | grep -c .)" 50 "distinct addresses inside the 50 containers"
assert_eq "$(jq '.Leases | length' "$leases")" $((before_leases + 50)) "leases of 50 containers"

nyxctl rm -f $(seq -f 'nc-%g' 1 50) >/dev/null
# rm -f of a running container answers when it exited; its removal follows a moment later
wait_until "[[ \$(jq '.Leases | length' $leases) == $before_leases && -z \$(ls /run/nyx/netns) ]]" 50
assert_eq "$(jq '.Leases | length' "$leases")" "$before_leases" "leases after rm"
left=$(for i in $(seq 1 50); do grep -c "\"nc-$i\"" "$leases" || true; done | awk '{s+=$1} END {print s+0}')
assert_eq "$left" 0 "leases of removed containers"
assert_eq "$(ip -o link | grep -c vnyx || true)" 0 "veths after rm"
assert_eq "$(ls /run/nyx/netns | wc -l)" 0 "netns files after rm"
exit 0
