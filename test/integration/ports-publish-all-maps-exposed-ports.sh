#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -P publishes every port the image EXPOSEs on a free host port (a -p for one of them wins), and the
# published port answers.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
cleanup() {
        cleanup_containers
        rm -rf "$tmp"
}
trap cleanup EXIT
command -v umoci >/dev/null || skip "umoci is not installed (it makes the image with ExposedPorts)"
command -v skopeo >/dev/null || skip "skopeo is not installed"
need_busybox

# busybox with EXPOSE 80/tcp 81/tcp 53/udp, as busybox:exposed
skopeo copy -q --src-tls-verify=false "docker://$BUSYBOX" "oci:$tmp/img:latest"
umoci config --image "$tmp/img:latest" --tag exposed --config.exposedports 80/tcp \
        --config.exposedports 81/tcp --config.exposedports 53/udp
skopeo copy -q --dest-tls-verify=false "oci:$tmp/img:exposed" "docker://$REG/busybox:exposed"
nyxctl pull -q --tls-verify=false "$REG/busybox:exposed" >/dev/null

mkdir -p "$tmp/www"
echo "page of exposed" >"$tmp/www/index.html"
nyxctl run -d --name pa-all --stop-signal KILL -P -p 18281:81 -v "$tmp/www:/www:ro" "$REG/busybox:exposed" \
        httpd -f -p 80 -h /www >/dev/null
out=$(nyxctl port pa-all | sort)
[[ $out =~ ^53/udp\ -\>\ 0\.0\.0\.0:[0-9]+$'\n'80/tcp\ -\>\ 0\.0\.0\.0:[0-9]+$'\n'81/tcp\ -\>\ 0\.0\.0\.0:18281$ ]] ||
        fail "nyxctl port after -P -p 18281:81: $out"
port=$(nyxctl port pa-all 80 | cut -d: -f2)
wait_until "curl -sf -m 2 http://127.0.0.1:$port/" 50
assert_eq "$(curl -s -m 5 "http://127.0.0.1:$port/")" "page of exposed" "the port -P picked for 80/tcp"
