#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# network connect gives a running container a second interface at once (and names on that network);
# disconnect takes it away and releases the address; a stopped container gets it at its next start.
. "$(dirname "$0")/lib.sh"
cleanup() {
        cleanup_containers
        nyxctl network rm nd-front nd-back >/dev/null 2>&1 || true
}
trap cleanup EXIT
need_busybox

nyxctl network create nd-front >/dev/null
nyxctl network create --subnet 10.96.77.0/24 nd-back >/dev/null
nyxctl run -d --network nd-front --name nd-app "$BUSYBOX" sleep 1000 >/dev/null
nyxctl run -d --network nd-back --name nd-db "$BUSYBOX" sleep 1000 >/dev/null
expect_failure nyxctl exec nd-app ping -c1 -W1 nd-db

nyxctl network connect --ip 10.96.77.50 --alias app-on-back nd-back nd-app
assert_contains "$(nyxctl exec nd-app ip -4 -o addr show eth1)" "10.96.77.50/24" "eth1 after connect"
nyxctl exec nd-app ping -c1 -W2 nd-db >/dev/null || fail "nd-app cannot ping nd-db after connect"
nyxctl exec nd-db ping -c1 -W2 app-on-back >/dev/null || fail "nd-db cannot ping nd-app by its --alias"
assert_contains "$(nyxctl network inspect nd-back | jq -r '.[0].Containers[].Name')" "nd-app" "inspect after connect"
assert_eq "$(nyxctl inspect nd-app | jq -r '.[0].NetworkSettings.Networks["nd-back"].IPAddress')" "10.96.77.50" \
        "NetworkSettings after connect"
expect_failure nyxctl network connect nd-back nd-app
assert_contains "$err" "already connected" "a second connect"
expect_failure nyxctl network connect --ip 10.96.77.50 nd-back nd-nosuch
assert_contains "$err" "no such container: nd-nosuch" "connect of an unknown container"

# It survives a restart of the unit (prepare.json has it).
systemctl restart nyx-nd-app.service
assert_contains "$(nyxctl exec nd-app ip -4 -o addr show eth1)" "10.96.77.50/24" "eth1 after systemctl restart"

nyxctl network disconnect nd-back nd-app
expect_failure nyxctl exec nd-app ip link show eth1
expect_failure nyxctl exec nd-app ping -c1 -W1 nd-db
nyxctl exec nd-db grep -q app-on-back /etc/hosts && fail "nd-db's /etc/hosts still lists the disconnected nd-app"
grep -q "$(nyxctl inspect -f '{{.Id}}' nd-app)" /var/lib/nyx/networks/nd-back/leases.json &&
        fail "disconnect left the lease"
expect_failure nyxctl network disconnect nd-back nd-app
assert_contains "$err" "not connected" "a second disconnect"

# A stopped container: connected at its next start.
nyxctl stop -t 1 nd-app >/dev/null
nyxctl network connect nd-back nd-app
nyxctl start nd-app >/dev/null
nyxctl exec nd-app ping -c1 -W2 nd-db >/dev/null || fail "nd-app, connected while stopped, cannot ping nd-db"
# --network none cannot be connected.
nyxctl run -d --network none --name nd-none "$BUSYBOX" sleep 1000 >/dev/null
expect_failure nyxctl network connect nd-back nd-none
assert_contains "$err" "cannot be connected" "connect of a --network none container"
# A running container's published ports lead to its first network: that one stays while it runs.
nyxctl run -d --network nd-front -p 18080:80 --name nd-pub "$BUSYBOX" sleep 1000 >/dev/null
expect_failure nyxctl network disconnect nd-front nd-pub
assert_contains "$err" "publishes ports" "disconnecting the network a running container publishes on"
nyxctl stop -t 1 nd-pub >/dev/null
nyxctl network disconnect nd-front nd-pub
exit 0
