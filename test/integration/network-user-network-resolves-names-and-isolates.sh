#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Two containers on a user network reach each other by name and --network-alias (ping, wget); a
# container on another network reaches neither; the default bridge resolves no names; a member that
# stops disappears from the others' /etc/hosts.
. "$(dirname "$0")/lib.sh"
cleanup() {
        cleanup_containers
        nyxctl network rm nr-one nr-two >/dev/null 2>&1 || true
}
trap cleanup EXIT
need_busybox

nyxctl network create nr-one >/dev/null
nyxctl network create nr-two >/dev/null

nyxctl run -d --network nr-one --name nr-web --network-alias www "$BUSYBOX" \
        sh -c 'mkdir -p /srv && echo hello-from-web >/srv/index.html && exec httpd -f -p 80 -h /srv' >/dev/null
nyxctl run -d --network nr-one --name nr-client "$BUSYBOX" sleep 1000 >/dev/null
nyxctl run -d --network nr-two --name nr-other "$BUSYBOX" sleep 1000 >/dev/null

web_ip=$(nyxctl inspect -f '{{.NetworkSettings.IPAddress}}' nr-web)
[[ $web_ip == 10.* ]] || fail "nr-web has no address: '$web_ip'"

nyxctl exec nr-client ping -c1 -W2 nr-web >/dev/null || fail "nr-client cannot ping nr-web by name"
nyxctl exec nr-web ping -c1 -W2 nr-client >/dev/null || fail "nr-web cannot ping nr-client by name"
page() {        # URL: what nr-client gets from it
        nyxctl exec nr-client wget -q -O- "$1" 2>/dev/null
}
wait_until '[[ $(page http://nr-web/) == hello-from-web ]]' 50
assert_eq "$(page http://www/)" "hello-from-web" "wget by --network-alias"
assert_eq "$(page "http://$web_ip/")" "hello-from-web" "wget by address"

# Another network: neither the name nor the address.
expect_failure nyxctl exec nr-other ping -c1 -W1 nr-web
expect_failure nyxctl exec nr-other timeout 3 wget -q -O- "http://$web_ip/"
# The default bridge has no name resolution.
expect_failure nyxctl run --rm "$BUSYBOX" ping -c1 -W1 nr-web

# A member that stops goes from the others' /etc/hosts; when it starts again, it is back.
nyxctl exec nr-web grep -q nr-client /etc/hosts || fail "nr-web's /etc/hosts lacks nr-client"
nyxctl stop -t 1 nr-client >/dev/null
nyxctl exec nr-web grep -q nr-client /etc/hosts && fail "nr-web's /etc/hosts still lists the stopped nr-client"
nyxctl start nr-client >/dev/null
nyxctl exec nr-web grep -q nr-client /etc/hosts || fail "nr-web's /etc/hosts lacks the restarted nr-client"
nyxctl exec nr-client ping -c1 -W2 www >/dev/null || fail "the restarted nr-client cannot ping www"

# Renamed (while stopped), it is found by its new name only.
nyxctl stop -t 1 nr-client >/dev/null
nyxctl rename nr-client nr-renamed
nyxctl start nr-renamed >/dev/null
nyxctl exec nr-web ping -c1 -W2 nr-renamed >/dev/null || fail "nr-web cannot ping the renamed nr-renamed"
nyxctl exec nr-web grep -qw nr-client /etc/hosts && fail "nr-web's /etc/hosts still has the old name nr-client"
nyxctl rename nr-renamed nr-client 2>/dev/null && fail "a running container was renamed"
nyxctl stop -t 1 nr-renamed >/dev/null
nyxctl rename nr-renamed nr-client
nyxctl start nr-client >/dev/null

# In use: refused, naming the containers.
expect_failure nyxctl network rm nr-one
assert_contains "$err" "in use by containers" "network rm of a network in use"
assert_contains "$err" "nr-web" "network rm names the containers"
nyxctl rm -f nr-web nr-client nr-other >/dev/null
nyxctl network rm nr-one nr-two >/dev/null
ip link show | grep -q 'nyx-' && fail "a user network's bridge is left after network rm: $(ip -br link)"
exit 0
