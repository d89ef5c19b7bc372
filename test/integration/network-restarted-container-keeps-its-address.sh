#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# systemctl restart of a container's unit (no nyxd involved) keeps its netns file, address and MAC;
# its neighbours reach it again at once. nyx stop/start keeps the address too.
. "$(dirname "$0")/lib.sh"
cleanup() {
        cleanup_containers
        nyxctl network rm nk-net >/dev/null 2>&1 || true
}
trap cleanup EXIT
need_busybox

nyxctl network create nk-net >/dev/null
nyxctl run -d --network nk-net --name nk-a "$BUSYBOX" sleep 1000 >/dev/null
nyxctl run -d --network nk-net --name nk-b "$BUSYBOX" sleep 1000 >/dev/null
id=$(nyxctl inspect -f '{{.Id}}' nk-a)
ip1=$(nyxctl exec nk-a ip -4 -o addr show eth0 | awk '{print $4}')
mac1=$(nyxctl exec nk-a cat /sys/class/net/eth0/address)
ns1=$(stat -L -c %i "/run/nyx/netns/$id")
nyxctl exec nk-b ping -c1 -W2 nk-a >/dev/null || fail "nk-b cannot ping nk-a"

systemctl restart nyx-nk-a.service
ip2=$(nyxctl exec nk-a ip -4 -o addr show eth0 | awk '{print $4}')
assert_eq "$ip2" "$ip1" "address after systemctl restart"
assert_eq "$(nyxctl exec nk-a cat /sys/class/net/eth0/address)" "$mac1" "MAC after systemctl restart"
assert_eq "$(stat -L -c %i "/run/nyx/netns/$id")" "$ns1" "netns file after systemctl restart"
nyxctl exec nk-b ping -c1 -W2 nk-a >/dev/null || fail "nk-b cannot ping nk-a right after its restart"

nyxctl stop -t 1 nk-a >/dev/null
[[ -e /run/nyx/netns/$id ]] || fail "stop removed the netns file (it stays until rm)"
ip -o link | grep -q "vnyx${id:0:9}" && fail "stop left the host side of the veth"
nyxctl start nk-a >/dev/null
assert_eq "$(nyxctl exec nk-a ip -4 -o addr show eth0 | awk '{print $4}')" "$ip1" "address after stop/start"
exit 0
