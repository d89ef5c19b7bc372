#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

id=$(nyxctl run -d --name flaky --restart on-failure:2 "$BUSYBOX" sh -c 'echo attempt; exit 1')
# 1 start + 2 restarts, then systemd's start limit ends it.
wait_until "[[ \$(journalctl -o cat CONTAINER_ID_FULL=$id SYSLOG_IDENTIFIER=flaky | grep -c attempt) -ge 3 ]]" 100
sleep 1
journalctl --sync
assert_eq "$(journalctl -o cat SYSLOG_IDENTIFIER=flaky | grep -c attempt)" 3 "runs of an on-failure:2 container"
wait_until "[[ \$(nyxctl inspect -f '{{.State.Status}}' flaky) == exited ]]"
assert_eq "$(nyxctl inspect -f '{{.State.ExitCode}}' flaky)" 1 "exit code"

# A clean exit is not restarted.
id=$(nyxctl run -d --name clean --restart on-failure:2 "$BUSYBOX" sh -c 'echo once')
wait_until "[[ \$(nyxctl inspect -f '{{.State.Status}}' clean) == exited ]]"
sleep 0.5
assert_eq "$(journalctl -o cat SYSLOG_IDENTIFIER=clean | grep -c once)" 1 "runs of a container that exits 0"
