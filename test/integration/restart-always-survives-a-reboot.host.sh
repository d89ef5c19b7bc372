#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Two boots of a sandbox sharing /var/lib/nyx: --restart always and
# unless-stopped containers come back, stopped ones and --restart no stay down.
set -euo pipefail
: "${NYX_SANDBOX:?} ${NYX_LAYER:?} ${NYX_TOP:?}"

name=nyx-reboot-$$
state=$(mktemp -d /var/tmp/nyx-reboot-XXXXXX)
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

boot
inside "cd '$NYX_TOP' && test/fixtures/build-images --only busybox '$fixtures' >/dev/null &&
        test/fixtures/registry push '$state/registry' '$fixtures/busybox:latest' busybox:latest >/dev/null &&
        nyxctl pull -q --tls-verify=false 127.0.0.1:5000/busybox:latest >/dev/null"
B=127.0.0.1:5000/busybox:latest
inside "nyxctl run -d --name always --restart always $B sleep 1000 &&
        nyxctl run -d --name unless --restart unless-stopped $B sleep 1000 &&
        nyxctl run -d --name stopped --restart unless-stopped $B sleep 1000 &&
        nyxctl run -d --name never $B sleep 1000 &&
        nyxctl stop -t 0 stopped" >/dev/null
"$NYX_SANDBOX" shutdown "$name" >/dev/null

boot
expected=$'always running\nunless running'
for _ in $(seq 1 50); do
        out=$(inside "nyxctl ps --format '{{.Names}} {{.State}}' | sort")
        [[ $out == "$expected" ]] && break
        sleep 0.2
done
if [[ $out != "$expected" ]]; then
        echo "FAIL: after the reboot, expected running containers:"
        echo "$expected"
        echo "got:"
        echo "$out"
        inside "nyxctl ps -a; journalctl -u nyxd --no-pager | tail -20" || true
        exit 1
fi
state_never=$(inside "nyxctl inspect -f '{{.State.Status}}' never")
[[ $state_never == exited ]] || { echo "FAIL: 'never' is '$state_never' after the reboot, expected exited"; exit 1; }
# The per-boot restart happens once: stopping 'always' by hand is respected
# when nyxd starts again later in the same boot.
inside "nyxctl stop -t 0 always >/dev/null; systemctl stop nyxd; nyxctl ps -a >/dev/null"
state_always=$(inside "nyxctl inspect -f '{{.State.Status}}' always")
[[ $state_always == exited ]] || { echo "FAIL: 'always' came back after nyxd restarted in the same boot"; exit 1; }
echo "ok: restart policies across a reboot"
