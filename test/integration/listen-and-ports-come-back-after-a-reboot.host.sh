#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Two boots of a sandbox sharing /var/lib/nyx: after the reboot a --restart always container's -p port
# answers again (its unit's start adds the rules to a fresh nft table), and a --listen container's
# socket is made again by nyxd, so the first connection starts it.
set -euo pipefail
: "${NYX_SANDBOX:?} ${NYX_LAYER:?} ${NYX_TOP:?}"

name=nyx-lreboot-$$
state=$(mktemp -d /var/tmp/nyx-lreboot-XXXXXX)
fixtures=$NYX_TOP/build/test-fixtures
cleanup() {
        "$NYX_SANDBOX" shutdown "$name" >/dev/null 2>&1 || true
        rm -rf "$state"
}
trap cleanup EXIT

inside() {
        "$NYX_SANDBOX" exec "$name" -- bash -c "$1"
}

boot() {
        "$NYX_SANDBOX" boot "$name" --layer "$NYX_LAYER" --var-lib-nyx "$state/lib" >/dev/null
        inside "cd '$NYX_TOP' && test/fixtures/registry start '$state/registry' --port 5000 >/dev/null"
}

# answers PORT: curl 127.0.0.1:PORT inside until it prints the page (up to ~30 s)
answers() {
        local out=""
        for _ in $(seq 1 150); do
                out=$(inside "curl -s -m 5 http://127.0.0.1:$1/" 2>/dev/null || true)
                [[ $out == "page after reboot" ]] && return 0
                sleep 0.2
        done
        echo "FAIL: 127.0.0.1:$1 after the reboot: got '$out'"
        inside "nyxctl ps -a; nft list table ip nyx; systemctl list-units --all 'nyx-*' --no-pager; journalctl -u nyxd --no-pager | tail -20" || true
        return 1
}

mkdir -p "$state/www"
echo "page after reboot" >"$state/www/index.html"
boot
inside "cd '$NYX_TOP' && test/fixtures/build-images --only busybox '$fixtures' >/dev/null &&
        test/fixtures/registry push '$state/registry' '$fixtures/busybox:latest' busybox:latest >/dev/null &&
        nyxctl pull -q --tls-verify=false 127.0.0.1:5000/busybox:latest >/dev/null"
B=127.0.0.1:5000/busybox:latest
inside "nyxctl run -d --name web --restart always -p 8080:80 -v $state/www:/www:ro $B httpd -f -p 80 -h /www &&
        nyxctl run -d --name lazy --listen 8081:80 --stop-signal KILL -v $state/www:/www:ro $B httpd -f -p 80 -h /www" >/dev/null
answers 8080
answers 8081
"$NYX_SANDBOX" shutdown "$name" >/dev/null

boot
# nyxd runs once at boot where its preset enabled it; in the sandbox the first call starts it
inside "nyxctl ps -a >/dev/null"
answers 8080
answers 8081
echo "ok: published and socket-activated ports across a reboot"
