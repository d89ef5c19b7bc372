#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --hostname, --add-host and --dns show up in /etc/hosts, /etc/hostname and /etc/resolv.conf; the
# container's own name maps to its address; --network container:NAME shares the other's address.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

out=$(nyxctl run --rm --hostname ne-host --add-host db.local:10.1.2.3 --add-host v6:2001:db8::1 \
        --dns 192.0.2.53 --dns 192.0.2.54 --ip 10.89.200.7 "$BUSYBOX" \
        sh -c 'cat /etc/hosts; echo ---; cat /etc/resolv.conf; echo ---; hostname')
assert_contains "$out" "10.89.200.7	ne-host" "the own name on its address"
assert_contains "$out" "10.1.2.3	db.local" "--add-host"
assert_contains "$out" "2001:db8::1	v6" "--add-host with IPv6"
assert_contains "$out" "nameserver 192.0.2.53
nameserver 192.0.2.54" "--dns"
assert_contains "$out" "---
ne-host" "hostname"

nyxctl run -d --name ne-main "$BUSYBOX" sleep 1000 >/dev/null
main_ip=$(nyxctl inspect -f '{{.NetworkSettings.IPAddress}}' ne-main)
shared=$(nyxctl run --rm --network container:ne-main "$BUSYBOX" ip -4 -o addr show eth0 | awk '{print $4}')
assert_eq "${shared%/*}" "$main_ip" "address seen with --network container:ne-main"
exit 0
