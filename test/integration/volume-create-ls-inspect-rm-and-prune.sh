#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl volume create/ls/inspect/rm/prune as docker's, and the Volume objects on the bus.
. "$(dirname "$0")/lib.sh"
cleanup() {
        cleanup_containers
        nyxctl volume rm -f vt-one vt-two vt-three vt-used >/dev/null 2>&1 || true
}
trap cleanup EXIT
need_busybox

assert_eq "$(nyxctl volume create vt-one)" "vt-one" "volume create prints the name"
assert_eq "$(nyxctl volume create --name vt-two --label team=a --label solo)" "vt-two" "--name"
assert_eq "$(nyxctl volume create vt-one)" "vt-one" "creating an existing volume again (docker: fine)"
generated=$(nyxctl volume create)
[[ $generated =~ ^[0-9a-f]{64}$ ]] || fail "a volume without a name gets 64 hex digits, got '$generated'"

ls=$(nyxctl volume ls)
assert_contains "$ls" "DRIVER   VOLUME NAME" "volume ls header"
assert_contains "$ls" "local    vt-one" "volume ls"
assert_eq "$(nyxctl volume ls -q | sort | grep -c -e '^vt-one$' -e '^vt-two$' -e "^$generated\$")" 3 "volume ls -q"
assert_eq "$(nyxctl volume ls --json | jq -r '.[] | select(.Name == "vt-two") | .Labels.team')" a "ls --json labels"

j=$(nyxctl volume inspect vt-two)
assert_eq "$(jq -r '.[0].Name' <<<"$j")" vt-two "inspect Name"
assert_eq "$(jq -r '.[0].Driver' <<<"$j")" local "inspect Driver"
assert_eq "$(jq -r '.[0].Scope' <<<"$j")" local "inspect Scope"
assert_eq "$(jq -r '.[0].Mountpoint' <<<"$j")" /var/lib/nyx/volumes/vt-two/_data "inspect Mountpoint"
assert_eq "$(jq -c '.[0].Labels' <<<"$j")" '{"team":"a","solo":""}' "inspect Labels"
[[ $(jq -r '.[0].CreatedAt' <<<"$j") =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T ]] || fail "CreatedAt: $j"
[[ -d /var/lib/nyx/volumes/vt-two/_data ]] || fail "no _data directory"
[[ -f /var/lib/nyx/volumes/vt-two/volume.json ]] || fail "no volume.json"
assert_eq "$(nyxctl volume inspect vt-one vt-two | jq -r '.[].Name' | tr '\n' ' ')" "vt-one vt-two " "inspect of two"
expect_failure nyxctl volume inspect vt-none
assert_eq "$err" "nyxctl: no such volume: vt-none" "inspect of a missing volume"

# The bus: an object per volume, found by name, with its properties.
path=$(busctl call org.nyx.engine1 /org/nyx/engine1 org.nyx.engine1.Manager GetVolume s vt-two | awk '{print $2}' | tr -d '"')
assert_eq "$path" /org/nyx/engine1/volume/vt_2dtwo "object path of vt-two"
assert_eq "$(busctl get-property org.nyx.engine1 "$path" org.nyx.engine1.Volume Mountpoint)" \
        's "/var/lib/nyx/volumes/vt-two/_data"' "Mountpoint property"
busctl tree org.nyx.engine1 | grep -q volume/vt_2done || fail "vt-one is not in busctl tree"
# InterfacesAdded/Removed for volumes made and removed.
mon=$(mktemp)
timeout 5 busctl monitor --match "type='signal',sender='org.nyx.engine1',interface='org.freedesktop.DBus.ObjectManager'" \
        >"$mon" 2>&1 &
monitor=$!
sleep 0.5
nyxctl volume create vt-three >/dev/null
nyxctl volume rm vt-three >/dev/null
sleep 0.3
kill "$monitor" 2>/dev/null || true
wait "$monitor" 2>/dev/null || true
grep -A3 'Member=InterfacesAdded' "$mon" | grep -q 'OBJECT_PATH "/org/nyx/engine1/volume/vt_2dthree"' ||
        fail "no InterfacesAdded for vt-three: $(cat "$mon")"
grep -A3 'Member=InterfacesRemoved' "$mon" | grep -q 'OBJECT_PATH "/org/nyx/engine1/volume/vt_2dthree"' ||
        fail "no InterfacesRemoved for vt-three: $(cat "$mon")"
rm -f "$mon"

# rm and prune: a volume a container uses stays, the others go.
nyxctl create --name vt-user -v vt-used:/data "$BUSYBOX" true >/dev/null
nyxctl volume inspect vt-used >/dev/null || fail "run -v NAME:/dst did not create the volume"
assert_eq "$(nyxctl volume inspect vt-used | jq -r '.[0].UsedBy[0]')" vt-user "UsedBy"
# Filters and templates, as docker's.
assert_eq "$(nyxctl volume ls -q -f label=team=a)" vt-two "ls -f label=team=a"
assert_eq "$(nyxctl volume ls -q -f label=solo -f name=vt-)" vt-two "ls -f label=solo -f name=vt-"
assert_eq "$(nyxctl volume ls -q -f label=team=b)" "" "ls -f label=team=b"
assert_eq "$(nyxctl volume ls -q -f dangling=false)" vt-used "ls -f dangling=false"
assert_eq "$(nyxctl volume ls -q -f dangling=true -f name=vt-)" $'vt-one\nvt-two' "ls -f dangling=true"
assert_eq "$(nyxctl volume ls -q -f name=vt-one -f name=vt-two)" $'vt-one\nvt-two' "two name filters: either"
assert_eq "$(nyxctl volume ls -f name=vt-two --format '{{.Name}} {{.Driver}} {{.Labels.team}}')" "vt-two local a" \
        "ls --format"
assert_eq "$(nyxctl volume inspect -f '{{.Mountpoint}}' vt-two)" /var/lib/nyx/volumes/vt-two/_data "inspect -f"
expect_failure nyxctl volume ls -f colour=blue
assert_contains "$err" "invalid filter 'colour=blue'" "ls with an unknown filter"
expect_failure nyxctl volume ls -f dangling=maybe
assert_contains "$err" "dangling takes true or false" "ls -f dangling=maybe"

assert_eq "$(nyxctl volume rm vt-one)" vt-one "volume rm prints the name"
[[ ! -e /var/lib/nyx/volumes/vt-one ]] || fail "volume rm left /var/lib/nyx/volumes/vt-one"
expect_failure nyxctl volume rm vt-one
assert_eq "$err" "nyxctl: no such volume: vt-one" "rm of a missing volume"
nyxctl volume rm -f vt-one || fail "volume rm -f of a missing volume fails (docker: fine)"

echo data >/var/lib/nyx/volumes/vt-two/_data/file
out=$(nyxctl volume prune -f)
assert_contains "$out" "Deleted Volumes:" "prune output"
assert_contains "$out" "vt-two" "prune removes an unused volume"
assert_contains "$out" "$generated" "prune removes the generated one"
assert_not_contains "$out" "vt-used" "prune keeps a volume a container uses"
assert_contains "$out" "Total reclaimed space:" "prune output"
[[ ! -e /var/lib/nyx/volumes/vt-two ]] || fail "prune left vt-two"
nyxctl volume inspect vt-used >/dev/null || fail "prune removed a volume in use"

# Without -f prune asks, and "no" keeps everything.
nyxctl rm vt-user >/dev/null
nyxctl volume create vt-three >/dev/null
echo n | nyxctl volume prune >/dev/null 2>&1
nyxctl volume inspect vt-three >/dev/null || fail "prune answered 'n' removed vt-three"
echo y | nyxctl volume prune >/dev/null 2>&1
expect_failure nyxctl volume inspect vt-three
