#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad network options (network create, run --network/--ip/--dns/--add-host/--network-alias) fail
# with a clear message and leave no network, container, lease or netns file behind.
. "$(dirname "$0")/lib.sh"
cleanup() {
        cleanup_containers
        nyxctl network rm nb-net >/dev/null 2>&1 || true
}
trap cleanup EXIT
need_busybox

nyxctl network create --subnet 10.97.0.0/24 nb-net >/dev/null
networks=$(ls /var/lib/nyx/networks | sort)
containers=$(ls /var/lib/nyx/containers | sort)
snapshot() {
        cat /var/lib/nyx/networks/*/leases.json 2>/dev/null | jq -c '[.Leases[].Id]' 2>/dev/null | sort
        ls /run/nyx/netns 2>/dev/null
        ip -o link | grep -c vnyx || true
}
state=$(snapshot)

expect_failure nyxctl network create --subnet 10.97.0.0/16 nb-overlap
assert_eq "$err" "nyxctl: subnet 10.97.0.0/16 overlaps with network nb-net (10.97.0.0/24)" "overlapping --subnet"
expect_failure nyxctl network create --subnet 10.89.5.0/24 nb-overlap
assert_contains "$err" "overlaps with network bridge" "a subnet inside the default network's"
expect_failure nyxctl network create --subnet 10.98.0.1/24 nb-bad
assert_contains "$err" "host bits set, did you mean 10.98.0.0/24?" "--subnet with host bits"
expect_failure nyxctl network create --subnet 10.98.0.0/33 nb-bad
assert_contains "$err" "prefix length must be between 8 and 30" "--subnet /33"
expect_failure nyxctl network create --subnet banana nb-bad
assert_contains "$err" "invalid subnet 'banana'" "--subnet banana"
expect_failure nyxctl network create --subnet 10.98.0.0/24 --gateway 10.99.0.1 nb-bad
assert_contains "$err" "gateway 10.99.0.1 is not a host address of subnet 10.98.0.0/24" "--gateway outside"
expect_failure nyxctl network create --gateway 10.98.0.1 nb-bad
assert_contains "$err" "needs --subnet" "--gateway without --subnet"
expect_failure nyxctl network create 'nb/bad'
assert_contains "$err" "invalid network name 'nb/bad'" "a bad name"
expect_failure nyxctl network create bridge
assert_contains "$err" "pre-defined network" "create bridge"
expect_failure nyxctl network create nb-net
assert_contains "$err" "exists already" "an existing name"
expect_failure nyxctl network create --label novalue nb-bad
assert_contains "$err" "expected KEY=VALUE" "--label without a value"
expect_failure nyxctl network rm bridge
assert_contains "$err" "pre-defined network" "rm bridge"
expect_failure nyxctl network rm nb-nosuch
assert_eq "$err" "nyxctl: no such network: nb-nosuch" "rm of an unknown network"
assert_eq "$(ls /var/lib/nyx/networks | sort)" "$networks" "networks after the refused creates"

# run: nothing of a refused container stays.
nyxctl run -d --network nb-net --name nb-holder --ip 10.97.0.9 "$BUSYBOX" sleep 1000 >/dev/null
state=$(snapshot)
containers=$(ls /var/lib/nyx/containers | sort)
expect_failure nyxctl run --rm --network nb-nosuch "$BUSYBOX" true
assert_eq "$err" "nyxctl: --network nb-nosuch: no such network (create it with: nyxctl network create nb-nosuch)" "unknown network"
expect_failure nyxctl run --rm --network nb-net --ip 10.97.0.9 "$BUSYBOX" true
assert_eq "$err" "nyxctl: --ip 10.97.0.9: already in use by container nb-holder on network nb-net" "--ip in use"
expect_failure nyxctl run --rm --network nb-net --ip 10.96.0.9 "$BUSYBOX" true
assert_eq "$err" "nyxctl: --ip 10.96.0.9: not in subnet 10.97.0.0/24 of network nb-net" "--ip outside the subnet"
expect_failure nyxctl run --rm --network nb-net --ip 10.97.0.1 "$BUSYBOX" true
assert_contains "$err" "the gateway of network nb-net" "--ip of the gateway"
expect_failure nyxctl run --rm --network nb-net --ip 10.97.0.255 "$BUSYBOX" true
assert_contains "$err" "network or broadcast address" "--ip of the broadcast address"
expect_failure nyxctl run --rm --ip 10.97.0 "$BUSYBOX" true
assert_contains "$err" "--ip 10.97.0: not an IPv4 address" "a bad --ip"
expect_failure nyxctl run --rm --network none --ip 10.97.0.5 "$BUSYBOX" true
assert_contains "$err" "--ip needs a bridge network" "--ip with --network none"
expect_failure nyxctl run --rm --network-alias web "$BUSYBOX" true
assert_contains "$err" "only supported on user-defined networks" "--network-alias on the default bridge"
expect_failure nyxctl run --rm --dns dns.example "$BUSYBOX" true
assert_contains "$err" "--dns dns.example: not an IP address" "a bad --dns"
expect_failure nyxctl run --rm --add-host db "$BUSYBOX" true
assert_contains "$err" "--add-host db: expected HOST:IP" "--add-host without an address"
expect_failure nyxctl run --rm --add-host db:1.2.3 "$BUSYBOX" true
assert_contains "$err" "is not an IP address" "--add-host with a bad address"
expect_failure nyxctl run --rm --network container:nb-nosuch "$BUSYBOX" true
assert_contains "$err" "container:nb-nosuch: no such container" "--network container: of an unknown one"
# A create that fails after its address was leased (the bundle cannot be built) gives the lease back.
expect_failure nyxctl run --rm --network nb-net --ulimit nofile=1:99999999 "$BUSYBOX" true
assert_contains "$err" "--ulimit nofile" "a create failing after the lease"
nyxctl create --network none --name nb-none "$BUSYBOX" true >/dev/null
expect_failure nyxctl run --rm --network container:nb-none "$BUSYBOX" true
assert_contains "$err" "no network namespace of its own to share" "--network container: of a --network none one"
nyxctl rm nb-none >/dev/null
assert_eq "$(ls /var/lib/nyx/containers | sort)" "$containers" "containers after the refused runs"
assert_eq "$(snapshot)" "$state" "leases, netns files and veths after the refused runs"
exit 0
