#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# network create/ls/inspect/rm/prune, the default network, and a container's NetworkSettings.
. "$(dirname "$0")/lib.sh"
cleanup() {
        cleanup_containers
        nyxctl network rm nv-a nv-b nv-c >/dev/null 2>&1 || true
}
trap cleanup EXIT
need_busybox

assert_eq "$(nyxctl network inspect -f '{{.Subnet}} {{.Gateway}} {{.Bridge}}' bridge)" "10.89.0.0/16 10.89.0.1 nyx0" "the default network"
id=$(nyxctl network create --subnet 10.96.3.0/24 --gateway 10.96.3.254 --label team=web --label tier=1 nv-a)
[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "network create printed '$id', not an id"
nyxctl network create nv-b >/dev/null
nyxctl network create --internal nv-c >/dev/null

ls=$(nyxctl network ls)
assert_contains "$ls" "nv-a" "network ls"
assert_contains "$ls" "10.96.3.0/24" "network ls shows the subnet"
assert_contains "$(nyxctl network ls -q)" "${id:0:12}" "network ls -q"
assert_eq "$(nyxctl network ls --json | jq -r '.[] | select(.Name == "nv-a") | .Labels.team')" "web" "ls --json labels"
assert_eq "$(nyxctl network inspect -f '{{.Gateway}}' nv-a)" "10.96.3.254" "--gateway"
assert_eq "$(nyxctl network inspect -f '{{.Id}}' "${id:0:12}")" "$id" "inspect by id prefix"
assert_eq "$(busctl get-property org.nyx.engine1 /org/nyx/engine1/network/nv_2da org.nyx.engine1.Network Subnet)" \
        's "10.96.3.0/24"' "the Network object's Subnet"

nyxctl run -d --network nv-a --name nv-member --network-alias svc "$BUSYBOX" sleep 1000 >/dev/null
assert_eq "$(nyxctl inspect -f '{{.NetworkSettings.IPAddress}}' nv-member)" "10.96.3.1" "first address (the gateway is .254)"
assert_eq "$(nyxctl inspect -f '{{.NetworkSettings.Gateway}}' nv-member)" "10.96.3.254" "Gateway"
assert_eq "$(nyxctl inspect nv-member | jq -r '.[0].NetworkSettings.Networks["nv-a"].Aliases[0]')" "svc" "Aliases"
assert_eq "$(nyxctl network inspect nv-a | jq -r '.[0].Containers[].Name')" "nv-member" "Containers of inspect"
assert_contains "$(busctl get-property org.nyx.engine1 /org/nyx/engine1/network/nv_2da org.nyx.engine1.Network Containers)" \
        '"nv-member"' "the Network object's Containers"

printf 'y\n' | nyxctl network prune >/dev/null
ls=$(nyxctl network ls)
assert_contains "$ls" "nv-a" "prune keeps a network in use"
assert_not_contains "$ls" "nv-b" "prune removes an unused network"
assert_not_contains "$ls" "nv-c" "prune removes an unused network"
assert_contains "$ls" "bridge" "prune keeps the default network"
nyxctl rm -f nv-member >/dev/null
assert_eq "$(nyxctl network rm nv-a)" "nv-a" "network rm"
[[ ! -e /var/lib/nyx/networks/nv-a ]] || fail "network rm left its directory"
expect_failure nyxctl network inspect nv-a
assert_eq "$err" "nyxctl: no such network: nv-a" "inspect of a removed network"
exit 0
