#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --internal: members reach each other but have no default route and reach nothing outside; a
# container on the default bridge does have the route (and reaches another bridge's address).
. "$(dirname "$0")/lib.sh"
cleanup() {
        cleanup_containers
        nyxctl network rm ni-internal ni-open >/dev/null 2>&1 || true
}
trap cleanup EXIT
need_busybox

nyxctl network create --internal ni-internal >/dev/null
nyxctl network create ni-open >/dev/null
assert_eq "$(nyxctl network inspect -f '{{.Internal}}' ni-internal)" "true" "Internal in inspect"
nyxctl run -d --network ni-open --name ni-probe "$BUSYBOX" sleep 1000 >/dev/null
open_gw=$(nyxctl network inspect -f '{{.Gateway}}' ni-open)

nyxctl run -d --network ni-internal --name ni-a "$BUSYBOX" sleep 1000 >/dev/null
nyxctl run -d --network ni-internal --name ni-b "$BUSYBOX" sleep 1000 >/dev/null
routes=$(nyxctl exec ni-a ip route)
assert_not_contains "$routes" "default" "routes of an internal network's member"
nyxctl exec ni-a ping -c1 -W2 ni-b >/dev/null || fail "members of an internal network cannot reach each other"
expect_failure nyxctl exec ni-a ping -c1 -W1 "$open_gw"
assert_eq "$(nyxctl inspect -f '{{.NetworkSettings.Gateway}}' ni-a)" "" "Gateway of an internal member"

# Not internal: a default route, and the way out works.
assert_contains "$(nyxctl run --rm "$BUSYBOX" ip route)" "default via 10.89.0.1" "routes on the default bridge"
nyxctl run --rm "$BUSYBOX" ping -c1 -W2 "$open_gw" >/dev/null || fail "the default bridge cannot reach $open_gw"
exit 0
