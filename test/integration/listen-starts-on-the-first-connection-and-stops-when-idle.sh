#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run -d --listen 8090:80 --idle-timeout 2s: a socket unit owns the port, the first connection starts the
# container and gets the page, after the idle timeout the container's unit is inactive again, and the
# next connection starts it again. rm removes the socket.
. "$(dirname "$0")/lib.sh"
www=$(mktemp -d)
cleanup() {
        cleanup_containers
        rm -rf "$www"
}
trap cleanup EXIT
need_busybox
echo "page of lazy" >"$www/index.html"

nyxctl run -d --name ls-lazy --listen 8090:80 --idle-timeout 2s --stop-signal KILL -v "$www:/www:ro" \
        "$BUSYBOX" httpd -f -p 80 -h /www >/dev/null
assert_eq "$(systemctl is-active nyx-ls-lazy@listen.socket)" "active" "the socket unit"
assert_eq "$(systemctl is-active nyx-ls-lazy.service || true)" "inactive" "the container before any connection"
assert_eq "$(nyxctl ps --format '{{.Names}} {{.State}}' | grep ls-lazy)" "ls-lazy listening" "ps while listening"
assert_eq "$(nyxctl port ls-lazy)" "80/tcp -> 0.0.0.0:8090" "nyxctl port"

# The first connection: no race with the server coming up.
assert_eq "$(curl -s -m 30 http://127.0.0.1:8090/)" "page of lazy" "the first connection"
assert_eq "$(systemctl is-active nyx-ls-lazy.service)" "active" "the container after the first connection"

wait_until "[[ \$(systemctl is-active nyx-ls-lazy.service) == inactive ]]" 150
assert_eq "$(systemctl is-active nyx-ls-lazy@listen.socket)" "active" "the socket after the idle timeout"
wait_until "nyxctl ps --format '{{.Names}} {{.State}}' | grep -qx 'ls-lazy listening'" 50

assert_eq "$(curl -s -m 30 http://127.0.0.1:8090/)" "page of lazy" "the next connection"

nyxctl stop ls-lazy >/dev/null
wait_until "! systemctl is-active -q nyx-ls-lazy@listen.socket" 50
rc=0
curl -s -m 2 http://127.0.0.1:8090/ >/dev/null || rc=$?
[[ $rc -ne 0 ]] || fail "port 8090 still answers after stop"
nyxctl start ls-lazy >/dev/null
assert_eq "$(curl -s -m 30 http://127.0.0.1:8090/)" "page of lazy" "after stop and start"

nyxctl rm -f ls-lazy >/dev/null
wait_until "! systemctl list-units --all --no-legend 'nyx-ls-lazy*' | grep -q ." 50
