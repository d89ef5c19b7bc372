#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# With a short idle timeout, nyxd stays while it reads a -t container's
# terminal (nobody else would: the container would block on a full pty) and
# while systemd may restart one by itself, and leaves once they are removed.
. "$(dirname "$0")/lib.sh"
dropin=/run/systemd/system/nyxd.service.d/50-test-tty-idle.conf
cleanup() {
        cleanup_containers
        rm -f "$dropin"
        systemctl daemon-reload
        systemctl restart nyxd.service || true
}
trap cleanup EXIT
need_busybox

mkdir -p "$(dirname "$dropin")"
cat >"$dropin" <<CONF
[Service]
ExecStart=
ExecStart=$(command -v nyxd) --idle-timeout=2s
CONF
systemctl daemon-reload
systemctl restart nyxd.service

# A chatty terminal nobody is attached to.
nyxctl run -d -it --name idle-x "$BUSYBOX" sh -c 'while :; do echo tick; sleep 0.2; done' >/dev/null
pid=$(nyxd_pid)
sleep 5
assert_eq "$(nyxd_pid)" "$pid" "nyxd PID 5 s after the last call, holding a terminal"
wait_until "nyxctl logs idle-x | grep -c tick | grep -q '^[0-9][0-9]'" 100

nyxctl rm -f idle-x >/dev/null

# A restart policy: systemd starts it again by itself, each run's crun finds the console socket
# listening (nyxd stays for that) and gets a terminal whose output reaches the journal; once
# systemd gave up (on-failure:3: four runs), nyxd may go.
nyxctl run -d -it --restart on-failure:3 --name idle-r "$BUSYBOX" sh -c 'echo run-$$; sleep 1; exit 1' >/dev/null
pid=$(nyxd_pid)
# No calls to nyxd meanwhile (each would count as activity): only systemd is asked.
wait_until "[[ \$(systemctl is-active nyx-idle-r.service) == inactive ]]" 150
assert_eq "$(nyxd_pid)" "$pid" "nyxd PID while a -t container restarted by itself"
wait_until "[[ \$(systemctl is-active nyxd.service) == inactive ]]" 100
assert_eq "$(nyxctl logs idle-r | grep -c '^run-')" 4 "runs of an on-failure:3 container, each with a terminal"
