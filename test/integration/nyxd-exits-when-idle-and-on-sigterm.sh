#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"

dropin=/run/systemd/system/nyxd.service.d/50-test-idle.conf
cleanup() {
        rm -f "$dropin"
        systemctl daemon-reload
        systemctl stop nyxd.service || true
}
trap cleanup EXIT

# SIGTERM (systemctl stop) is a clean exit, not a failure.
nyxctl info >/dev/null
systemctl stop nyxd.service
assert_eq "$(systemctl show -p Result --value nyxd.service)" success "Result after stop"
assert_eq "$(systemctl show -p ExecMainStatus --value nyxd.service)" 0 "exit status after SIGTERM"

# A short idle timeout and a watchdog that must be fed: nyxd stays up while
# the watchdog runs out several times over, then leaves after the idle time.
mkdir -p "$(dirname "$dropin")"
cat >"$dropin" <<CONF
[Service]
ExecStart=
ExecStart=$(command -v nyxd) --idle-timeout=3s
WatchdogSec=1s
CONF
systemctl daemon-reload

nyxctl info >/dev/null
pid=$(nyxd_pid)
for _ in 1 2 3 4 5; do
        nyxctl info >/dev/null
        sleep 0.6
done
assert_eq "$(nyxd_pid)" "$pid" "nyxd PID while busy with WatchdogSec=1s"
assert_eq "$(systemctl show -p NRestarts --value nyxd.service)" 0 "restarts caused by the watchdog"

wait_until "[[ \$(systemctl is-active nyxd.service) == inactive ]]" 100
assert_eq "$(systemctl show -p Result --value nyxd.service)" success "Result after idle exit"
journalctl --sync 2>/dev/null || true
assert_contains "$(journalctl -u nyxd.service --no-pager -o cat)" "Idle for a while, exiting" "journal"

nyxctl info >/dev/null
assert_eq "$(systemctl is-active nyxd.service)" active "nyxd after the next call"
