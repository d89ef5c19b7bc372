#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --listen relays into the container's own network namespace, so it works with --network none; a
# socket that is gone (as after a reboot) is made again when nyxd starts; bad --listen values are refused.
. "$(dirname "$0")/lib.sh"
www=$(mktemp -d)
cleanup() {
        cleanup_containers
        rm -rf "$www"
}
trap cleanup EXIT
need_busybox
echo "page of none" >"$www/index.html"

expect_failure nyxctl run -d --listen 80 "$BUSYBOX" true
assert_contains "$err" "the host port is missing" "--listen 80"
expect_failure nyxctl run -d --listen 8091:80/udp "$BUSYBOX" true
assert_contains "$err" "only tcp ports can be socket-activated" "--listen udp"
expect_failure nyxctl run -d --idle-timeout 5s "$BUSYBOX" true
assert_contains "$err" "--idle-timeout needs --listen" "--idle-timeout alone"
expect_failure nyxctl run -d --listen 8091:80 --restart always "$BUSYBOX" true
assert_contains "$err" "--listen with --restart" "--listen and --restart"
expect_failure nyxctl run -d --listen 8091:80 --network host "$BUSYBOX" true
assert_contains "$err" "--listen and --network host" "--listen and --network host"

nyxctl run -d --name ln-none --network none --listen 127.0.0.1:8091:80 --stop-signal KILL \
        -v "$www:/www:ro" "$BUSYBOX" httpd -f -p 80 -h /www >/dev/null
assert_eq "$(curl -s -m 30 http://127.0.0.1:8091/)" "page of none" "a --network none container through its socket"

# As after a reboot: nothing listens, nyxd starts (again) and makes the socket.
systemctl stop nyx-ln-none@listen.socket nyx-ln-none@listen.service nyx-ln-none.service
wait_until "! systemctl is-active -q nyx-ln-none.service" 100
rc=0
curl -s -m 2 http://127.0.0.1:8091/ >/dev/null || rc=$?
[[ $rc -ne 0 ]] || fail "port 8091 answers with the socket stopped"
systemctl stop nyxd.service
nyxctl ps -a >/dev/null      # activates nyxd
wait_until "systemctl is-active -q nyx-ln-none@listen.socket" 100
assert_eq "$(curl -s -m 30 http://127.0.0.1:8091/)" "page of none" "after nyxd made the socket again"

# A port another container listens on is refused.
expect_failure nyxctl run -d --listen 8091:80 "$BUSYBOX" true
assert_contains "$err" "already published by container ln-none" "--listen on a taken port"

# rm -f while a connection has it running: it goes, with its units, and nyxd is not left waiting.
assert_eq "$(systemctl is-active nyx-ln-none.service)" "active" "the container after the last connection"
timeout 30 nyxctl rm -f ln-none >/dev/null || fail "rm -f of a running --listen container did not return"
assert_eq "$(nyxctl ps -a --format '{{.Names}}' | grep -c '^ln-none$' || true)" 0 "ln-none after rm -f"
wait_until "! systemctl list-units --all --no-legend 'nyx-ln-none*' | grep -q ." 50
