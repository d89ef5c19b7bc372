#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `run --rm` and `rm -f` return once the container is gone, as docker's do: its name is free at once.
# A container between two runs of its restart policy is stopped by `stop` and removed by `rm -f`
# (not started again by systemd), and nothing is left waiting in nyxd, which still exits when idle.
. "$(dirname "$0")/lib.sh"

dropin=/run/systemd/system/nyxd.service.d/50-test-idle.conf
cleanup() {
        cleanup_containers
        rm -f "$dropin"
        systemctl daemon-reload
        systemctl stop nyxd.service || true
}
trap cleanup EXIT
need_busybox

for i in 1 2 3 4 5; do
        nyxctl run --rm --name again "$BUSYBOX" true
        assert_eq "$(nyxctl ps -aq --filter name=again)" "" "ps -a right after run --rm ($i)"
done
for i in 1 2 3 4 5; do
        nyxctl run -d --name again "$BUSYBOX" sleep 1000 >/dev/null
        nyxctl rm -f again >/dev/null
        assert_eq "$(nyxctl ps -aq --filter name=again)" "" "ps -a right after rm -f ($i)"
done

# Between two runs of --restart always (a command that exits at once, restarted every 100 ms).
nyxctl run -d --name bouncy --restart always "$BUSYBOX" sh -c 'sleep 0.05' >/dev/null
wait_until "[[ \$(systemctl show -p NRestarts --value nyx-bouncy.service) -ge 2 ]]"
nyxctl stop bouncy >/dev/null
sleep 1
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' bouncy)" exited "status a while after stop"
assert_eq "$(systemctl is-active nyx-bouncy.service 2>/dev/null || true)" inactive "its unit a while after stop"
nyxctl start bouncy >/dev/null
wait_until "[[ \$(systemctl show -p NRestarts --value nyx-bouncy.service) -ge 2 ]]"
nyxctl rm -f bouncy >/dev/null
assert_eq "$(nyxctl ps -aq --filter name=bouncy)" "" "ps -a after rm -f of a restarting container"
sleep 1
assert_eq "$(systemctl is-active nyx-bouncy.service 2>/dev/null || true)" inactive "its unit after rm -f"

# Nothing waits any more: nyxd leaves after its idle time.
mkdir -p "$(dirname "$dropin")"
printf '[Service]\nExecStart=\nExecStart=%s --idle-timeout=2s\n' "$(command -v nyxd)" >"$dropin"
systemctl daemon-reload
systemctl restart nyxd.service
nyxctl run --rm --name last "$BUSYBOX" true
nyxctl run -d --name last2 "$BUSYBOX" sleep 1000 >/dev/null
nyxctl rm -f last2 >/dev/null
wait_until "[[ \$(systemctl is-active nyxd.service) == inactive ]]" 100
