#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What a crash can leave (a lease, a netns file, a host veth of a container that is gone, the bridge
# of a network that is gone) goes when nyxd starts; what belongs to a live container stays.
. "$(dirname "$0")/lib.sh"
cleanup() {
        cleanup_containers
        umount /run/nyx/netns/$fake 2>/dev/null || true
        rm -f /run/nyx/netns/$fake
        ip link del vnyx${fake:0:9}00 2>/dev/null || true
        ip link del nyx-00000000ff 2>/dev/null || true
}
fake=feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface
trap cleanup EXIT
need_busybox

nyxctl run -d --name ns-live "$BUSYBOX" sleep 1000 >/dev/null
live=$(nyxctl inspect -f '{{.Id}}' ns-live)
leases=/var/lib/nyx/networks/bridge/leases.json

systemctl stop nyxd.service
# A lease, a netns file and a veth of a container nyx has no record of.
jq --arg id "$fake" '.Leases += [{"Id": $id, "Name": "ghost", "Dir": "/var/lib/nyx/containers/ghost",
        "Address": "10.89.250.250", "Aliases": [], "Running": true}]' "$leases" >"$leases.new"
mv "$leases.new" "$leases"
mkdir -p /run/nyx/netns
touch /run/nyx/netns/$fake
unshare --net mount --bind /proc/self/ns/net /run/nyx/netns/$fake
ip link add vnyx${fake:0:9}00 type veth peer name nyxghostpeer
# and the bridge of a network whose record is gone
ip link add nyx-00000000ff type bridge

nyxctl ps >/dev/null     # activates nyxd
grep -q "$fake" "$leases" && fail "the stale lease is still there: $(cat "$leases")"
[[ -e /run/nyx/netns/$fake ]] && fail "the stale netns file is still there"
ip link show vnyx${fake:0:9}00 >/dev/null 2>&1 && fail "the stale veth is still there"
ip link show nyx-00000000ff >/dev/null 2>&1 && fail "the bridge of a gone network is still there"
ip link show nyx0 >/dev/null 2>&1 || fail "the default network's bridge went"
grep -q "$live" "$leases" || fail "the live container's lease went"
[[ -e /run/nyx/netns/$live ]] || fail "the live container's netns file went"
ip -o link | grep -q "vnyx${live:0:9}" || fail "the live container's veth went"
nyxctl exec ns-live ping -c1 -W2 10.89.0.1 >/dev/null || fail "the live container lost its network"
exit 0
