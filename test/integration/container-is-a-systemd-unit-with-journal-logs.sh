#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

id=$(nyxctl run -d --name web "$BUSYBOX" sh -c 'echo started; exec sleep 1000')
[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "run -d printed '$id', expected a 64-digit ID"

assert_eq "$(systemctl is-active nyx-web.service)" active "nyx-web.service"
wait_until "pgrep -x sleep"
status=$(systemctl status --no-pager nyx-web.service)
assert_contains "$status" "sleep 1000" "systemctl status lists the container's process"
cg=$(systemctl show -p ControlGroup --value nyx-web.service)
pid=$(pgrep -x sleep | head -1)
assert_contains "$(cat /proc/$pid/cgroup)" "$cg/" "the payload's cgroup is inside the unit's"
assert_contains "$(nyxctl ps)" "web" "ps"

wait_until "nyxctl logs web | grep -q started"
journalctl --sync
assert_contains "$(journalctl -u nyx-web.service --no-pager -o cat)" started "journalctl -u nyx-web.service"
assert_contains "$(journalctl CONTAINER_NAME=web --no-pager -o cat)" started "journalctl CONTAINER_NAME=web"
assert_contains "$(journalctl CONTAINER_ID_FULL=$id --no-pager -o cat)" started "journalctl CONTAINER_ID_FULL"
assert_contains "$(journalctl CONTAINER_ID=${id:0:12} --no-pager -o cat)" started "journalctl CONTAINER_ID"
assert_contains "$(journalctl SYSLOG_IDENTIFIER=web --no-pager -o cat)" started "journalctl SYSLOG_IDENTIFIER"

# Stopping the unit behind nyx's back: nyx sees the container exit.
systemctl stop nyx-web.service
wait_until "[[ \$(nyxctl inspect -f '{{.State.Status}}' web) == exited ]]"

# start/stop/restart through nyx.
nyxctl start web >/dev/null
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' web)" running "after start"
nyxctl restart -t 1 web >/dev/null
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' web)" running "after restart"
nyxctl stop -t 1 web >/dev/null
assert_eq "$(systemctl is-active nyx-web.service || true)" inactive "unit after stop"
nyxctl rm web >/dev/null
expect_failure nyxctl inspect web
