#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad -p values, ports another container publishes and ports the host uses are refused clearly, and a
# refused create leaves no container behind.
. "$(dirname "$0")/lib.sh"
cleanup() {
        cleanup_containers
        [[ -z ${holder:-} ]] || kill "$holder" 2>/dev/null || true
}
trap cleanup EXIT
need_busybox

before=$(nyxctl ps -aq | sort)
expect_failure nyxctl run -d -p 99999:80 "$BUSYBOX" true
assert_eq "$err" "nyxctl: run: -p '99999:80': invalid host port '99999': ports are 1-65535" "-p 99999:80"
expect_failure nyxctl create -p 80:99999 "$BUSYBOX" true
assert_contains "$err" "invalid container port '99999'" "-p 80:99999"
expect_failure nyxctl run -d -p 80:90-91 "$BUSYBOX" true
assert_contains "$err" "differ in length" "-p 80:90-91"
expect_failure nyxctl run -d -p a:b "$BUSYBOX" true
assert_contains "$err" "invalid container port 'b'" "-p a:b"
expect_failure nyxctl run -d -p 8080: "$BUSYBOX" true
assert_contains "$err" "no container port specified" "-p 8080:"
expect_failure nyxctl run -d -p 8080:80/icmp "$BUSYBOX" true
assert_contains "$err" "invalid protocol 'icmp'" "-p 8080:80/icmp"
expect_failure nyxctl run -d --network none -p 8080:80 "$BUSYBOX" true
assert_contains "$err" "published ports need a bridge network" "-p with --network none"
expect_failure nyxctl run -d -p 8080:80 -p 8080:81 "$BUSYBOX" true
assert_contains "$err" "published twice" "the same host port twice"
assert_eq "$(nyxctl ps -aq | sort)" "$before" "containers after the refused creates"

# A host port another container publishes: refused at create, naming it.
nyxctl create --name pb-one -p 18080:80 "$BUSYBOX" true >/dev/null
expect_failure nyxctl create --name pb-two -p 18080:81 "$BUSYBOX" true
assert_contains "$err" "host port 18080/tcp is already published by container pb-one" "a port pb-one publishes"
# udp is another port
nyxctl create --name pb-udp -p 18080:80/udp "$BUSYBOX" true >/dev/null

# A host port some program holds: the start fails and says so.
busybox nc -l -p 18181 >/dev/null 2>&1 &
holder=$!
wait_until "ss -ltn | grep -q ':18181 '" 50
nyxctl create --name pb-held -p 18181:80 "$BUSYBOX" sleep 100 >/dev/null
expect_failure nyxctl start pb-held
assert_contains "$(journalctl -u nyx-pb-held.service --no-pager)" "Host port 18181/tcp is in use" "the unit's log"

# No host port: a free one is picked and kept.
nyxctl create --name pb-rand -p 80 -p 127.0.0.1::53/udp "$BUSYBOX" true >/dev/null
out=$(nyxctl port pb-rand)
[[ $out =~ ^80/tcp\ -\>\ 0\.0\.0\.0:[0-9]+$'\n'53/udp\ -\>\ 127\.0\.0\.1:[0-9]+$ ]] || fail "nyxctl port of random ports: $out"
