#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -p 8080:80 answers on 127.0.0.1:8080, on the bridge's address and from another container (hairpin);
# after stop the port is closed and nyx's nft table holds no rule of that container; start brings it back.
. "$(dirname "$0")/lib.sh"
www=$(mktemp -d)
cleanup() {
        cleanup_containers
        nyxctl network rm pp-other >/dev/null 2>&1 || true
        rm -rf "$www"
}
trap cleanup EXIT
need_busybox
echo "page of web" >"$www/index.html"

id=$(nyxctl run -d --name pp-web --stop-signal KILL -p 8080:80 -v "$www:/www:ro" "$BUSYBOX" httpd -f -p 80 -h /www)
wait_until "curl -sf -m 2 http://127.0.0.1:8080/" 50
assert_eq "$(curl -s -m 5 http://127.0.0.1:8080/)" "page of web" "curl 127.0.0.1:8080"

gateway=$(ip -4 -o addr show nyx0 | awk '{print $4}' | cut -d/ -f1)
[[ -n $gateway ]] || fail "the default bridge nyx0 has no IPv4 address"
assert_eq "$(curl -s -m 5 "http://$gateway:8080/")" "page of web" "curl $gateway:8080 (the bridge's address)"
# (not wget -T: this busybox's wget crashes with it)
assert_eq "$(timeout 30 nyxctl run --rm "$BUSYBOX" wget -q -O - "http://$gateway:8080/")" "page of web" \
        "another container through the host port"

# Networks are isolated from each other, but a published port is public: reachable from another network.
nyxctl network create pp-other >/dev/null
assert_eq "$(timeout 30 nyxctl run --rm --network pp-other "$BUSYBOX" wget -q -O - "http://$gateway:8080/")" \
        "page of web" "a container on another network through the host port"

assert_eq "$(nyxctl port pp-web)" "80/tcp -> 0.0.0.0:8080" "nyxctl port"
assert_eq "$(nyxctl port pp-web 80/tcp)" "0.0.0.0:8080" "nyxctl port pp-web 80/tcp"
assert_contains "$(nyxctl ps --format '{{.Names}} {{.Ports}}')" "pp-web 0.0.0.0:8080->80/tcp" "ps PORTS"
assert_eq "$(nyxctl inspect -f '{{.NetworkSettings.Ports}}' pp-web | tr -d ' \n')" \
        '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]}' "inspect NetworkSettings.Ports"
rules=$(nft list table ip nyx)
assert_contains "$rules" "nyx-c-$id" "nft rules of the container while it runs"

nyxctl stop pp-web >/dev/null
rc=0
curl -s -m 2 http://127.0.0.1:8080/ >/dev/null || rc=$?
[[ $rc -ne 0 ]] || fail "port 8080 still answers after stop"
assert_not_contains "$(nft list table ip nyx)" "nyx-c-$id" "nft rules after stop"

nyxctl start pp-web >/dev/null
wait_until "curl -sf -m 2 http://127.0.0.1:8080/" 50
# systemd restarts the unit without nyxd: the rules come back with it, not doubled
systemctl restart nyx-pp-web.service
wait_until "curl -sf -m 2 http://127.0.0.1:8080/" 50
assert_eq "$(nft list table ip nyx | grep -c "nyx-c-$id")" 2 "rules of the container after a restart (prerouting, output)"

nyxctl rm -f pp-web >/dev/null
assert_not_contains "$(nft list table ip nyx)" "nyx-c-$id" "nft rules after rm -f"

# Rules of a container that is gone (a crash before its stop step) go when nyxd starts.
stale=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
nft add rule ip nyx prerouting tcp dport 18999 dnat to 10.89.255.254:80 comment "\"nyx-c-$stale\""
systemctl stop nyxd.service
nyxctl ps -a >/dev/null      # activates nyxd
wait_until "! nft list table ip nyx | grep -q nyx-c-$stale" 50
