#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# rm (and --rm) of a container takes its lease and netns file; stop takes its veth; a start that
# fails (command not found) leaves no veth; --network none and host work as before.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

leases=/var/lib/nyx/networks/bridge/leases.json
nyxctl run -d --name nl-a "$BUSYBOX" sleep 1000 >/dev/null
id=$(nyxctl inspect -f '{{.Id}}' nl-a)
[[ -e /run/nyx/netns/$id ]] || fail "no netns file for a running container"
grep -q "$id" "$leases" || fail "no lease for a running container"
ip -o link | grep -q "vnyx${id:0:9}" || fail "no host veth for a running container"
assert_eq "$(nyxctl inspect -f '{{.NetworkSettings.Networks.bridge.HostInterface}}' nl-a)" "vnyx${id:0:9}00" "HostInterface"

nyxctl stop -t 1 nl-a >/dev/null
ip -o link | grep -q "vnyx${id:0:9}" && fail "stop left the host veth"
nyxctl rm nl-a >/dev/null
[[ -e /run/nyx/netns/$id ]] && fail "rm left the netns file"
grep -q "$id" "$leases" && fail "rm left the lease"

# --rm (nyxd removes it when it exited, a moment after run returned)
nyxctl run --rm --name nl-b "$BUSYBOX" true
wait_until '! nyxctl inspect nl-b' 50
assert_eq "$(ls /run/nyx/netns | wc -l)" 0 "netns files after run --rm"
assert_eq "$(jq '.Leases | length' "$leases")" 0 "leases after run --rm"

# Starts that fail, before the network is set up (a missing command) and after it (crun cannot
# enter a working directory that is a file): no veth stays; the lease goes with rm.
rc=0
nyxctl run --name nl-c "$BUSYBOX" /no/such/command 2>/dev/null || rc=$?
assert_eq "$rc" 127 "exit code of a missing command"
rc=0
nyxctl run --name nl-d -w /etc/passwd "$BUSYBOX" true >/dev/null 2>&1 || rc=$?
[[ $rc -ne 0 ]] || fail "a container whose working directory is a file started"
assert_eq "$(ip -o link | grep -c vnyx || true)" 0 "veths after failed starts"
nyxctl rm nl-c nl-d >/dev/null
assert_eq "$(jq '.Leases | length' "$leases")" 0 "leases after rm of the failed one"
assert_eq "$(ls /run/nyx/netns | wc -l)" 0 "netns files after rm of the failed one"

# none: only lo; host: the sandbox's own interfaces.
assert_eq "$(nyxctl run --rm --network none "$BUSYBOX" sh -c 'ls /sys/class/net')" "lo" "interfaces with --network none"
assert_eq "$(nyxctl run --rm --network host "$BUSYBOX" sh -c 'ls /sys/class/net | sort')" "$(ls /sys/class/net | sort)" \
        "interfaces with --network host"
assert_eq "$(ls /run/nyx/netns | wc -l)" 0 "netns files after none and host"
exit 0
