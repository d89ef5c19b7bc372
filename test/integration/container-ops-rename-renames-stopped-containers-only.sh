#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl rename: a container's unit is nyx-NAME.service and systemd cannot
# rename a unit, so only containers without a unit (not running) are renamed;
# the next start uses the new unit name.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

id=$(nyxctl create --name old "$BUSYBOX" sh -c 'trap "exit 0" TERM; echo started; while :; do sleep 0.1; done')
nyxctl create --name taken "$BUSYBOX" true >/dev/null

nyxctl rename old new
assert_eq "$(nyxctl inspect -f '{{.Name}} {{.Unit}} {{.Id}}' new)" "/new nyx-new.service $id" "inspect after rename"
expect_failure nyxctl inspect old
assert_contains "$err" "no such container: old" "the old name"
assert_contains "$(cat /var/lib/nyx/containers/$id/record.json)" '"Name":"new"' "the record"

nyxctl start new >/dev/null
assert_eq "$(systemctl is-active nyx-new.service nyx-old.service | tr '\n' ' ')" "active inactive " "units after starting"
wait_until "nyxctl logs new | grep -q started"
assert_eq "$(journalctl -q -o cat CONTAINER_NAME=new | grep -c started)" 1 "journal field CONTAINER_NAME"

# A running container keeps its name: its unit exists.
nyxctl run -d --name running "$BUSYBOX" sleep 1000 >/dev/null
expect_failure nyxctl rename running other
assert_eq "$err" "nyxctl: container running is running: stop it before renaming it (its unit nyx-running.service cannot change its name while it exists)" "renaming a running container"
assert_eq "$(nyxctl inspect -f '{{.Name}}' running)" /running "name after the refused rename"

expect_failure nyxctl rename new taken
assert_contains "$err" "name taken is already in use by container" "renaming onto a used name"
expect_failure nyxctl rename new 'bad/name'
assert_contains "$err" "invalid container name" "an invalid name"
expect_failure nyxctl rename new new
assert_contains "$err" "is already named new" "the same name"
expect_failure nyxctl rename no-such x
assert_eq "$err" "nyxctl: no such container: no-such" "an unknown container"
assert_eq "$(nyxctl inspect -f '{{.Name}}' new)" /new "name after the refused renames"
expect_failure nyxctl rename new newer
assert_contains "$err" "container new is running" "renaming the started container"
nyxctl stop new >/dev/null
nyxctl rename new newer
assert_eq "$(nyxctl inspect -f '{{.Name}} {{.Unit}}' "$id")" "/newer nyx-newer.service" "renamed again once stopped"

# The restarted nyxd reads the new name from the record.
systemctl restart nyxd.service
assert_eq "$(nyxctl inspect -f '{{.Name}} {{.Unit}}' "$id")" "/newer nyx-newer.service" "after a restart of nyxd"
