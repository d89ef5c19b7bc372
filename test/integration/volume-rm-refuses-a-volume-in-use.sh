#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# volume rm refuses a volume a container uses; -f removes it when only stopped containers do, never
# while a running one does (docker's rule).
. "$(dirname "$0")/lib.sh"
cleanup() {
        cleanup_containers
        nyxctl volume rm -f vr-data >/dev/null 2>&1 || true
}
trap cleanup EXIT
need_busybox

nyxctl run -d --name vr-running -v vr-data:/data "$BUSYBOX" sleep 1000 >/dev/null
expect_failure nyxctl volume rm vr-data
assert_eq "$err" "nyxctl: volume vr-data is in use by container vr-running: remove the container first, or use -f if it is not running" \
        "rm of a volume in use"
expect_failure nyxctl volume rm -f vr-data
assert_eq "$err" "nyxctl: volume vr-data is in use by running container vr-running: stop it first" "rm -f, running"
out=$(nyxctl volume prune -f)
assert_not_contains "$out" vr-data "prune of a volume in use"
[[ -d /var/lib/nyx/volumes/vr-data/_data ]] || fail "the refused rm removed data"

nyxctl stop -t 0 vr-running >/dev/null
expect_failure nyxctl volume rm vr-data
assert_contains "$err" "in use by container vr-running" "rm of a volume a stopped container uses"
assert_eq "$(nyxctl volume rm -f vr-data)" vr-data "rm -f when the container is stopped"
[[ ! -e /var/lib/nyx/volumes/vr-data ]] || fail "rm -f left the volume"
