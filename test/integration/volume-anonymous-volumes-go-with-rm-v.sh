#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -v /dst makes an anonymous volume (populated like any other); rm -v and --rm remove it, plain rm keeps
# it, and named volumes always stay.
. "$(dirname "$0")/lib.sh"
cleanup() {
        cleanup_containers
        nyxctl volume rm -f va-named $(cat /tmp/va-kept 2>/dev/null) >/dev/null 2>&1 || true
        rm -f /tmp/va-kept
}
trap cleanup EXIT
need_busybox

anon_of() {     # container: its anonymous volume names
        nyxctl volume ls --json | jq -r --arg c "$1" \
                '.[] | select(.Anonymous and (.UsedBy | index($c))) | .Name'
}

before=$(nyxctl volume ls -q | sort)
nyxctl create --name va-one -v /etc -v va-named:/named "$BUSYBOX" cat /etc/passwd >/dev/null
anon=$(anon_of va-one)
[[ $anon =~ ^[0-9a-f]{64}$ ]] || fail "expected one anonymous volume for -v /etc, got '$anon'"
assert_eq "$(nyxctl volume inspect "$anon" | jq -r '.[0].Labels | has("com.docker.volume.anonymous")')" true \
        "docker's anonymous label"
nyxctl start va-one >/dev/null
assert_eq "$(nyxctl wait va-one)" 0 "va-one's exit status"
[[ -s /var/lib/nyx/volumes/$anon/_data/passwd ]] || fail "the anonymous volume was not populated"

nyxctl rm -v va-one >/dev/null
[[ ! -e /var/lib/nyx/volumes/$anon ]] || fail "rm -v left the anonymous volume"
nyxctl volume inspect va-named >/dev/null || fail "rm -v removed a named volume"

# Plain rm keeps the anonymous volume (docker: dangling until pruned).
nyxctl create --name va-two -v /data "$BUSYBOX" true >/dev/null
anon2=$(anon_of va-two)
echo "$anon2" >/tmp/va-kept
nyxctl rm va-two >/dev/null
nyxctl volume inspect "$anon2" >/dev/null || fail "rm without -v removed the anonymous volume"

# rm -fv of a running container: the volume goes once the container is gone.
nyxctl run -d --name va-four -v /data "$BUSYBOX" sleep 1000 >/dev/null
anon4=$(anon_of va-four)
[[ -n $anon4 ]] || fail "no anonymous volume for va-four"
expect_failure nyxctl volume rm -f "$anon4"
assert_contains "$err" "in use by running container va-four" "volume rm -f of a running container's volume"
nyxctl rm -fv va-four >/dev/null
# (nyxd answers rm -f when the unit is gone and removes right after; the next call sees the result)
expect_failure nyxctl volume inspect "$anon4"
assert_contains "$err" "no such volume" "the anonymous volume of a running container after rm -fv"
[[ ! -e /var/lib/nyx/volumes/$anon4 ]] || fail "rm -fv left the anonymous volume's directory"

# --rm removes the anonymous volumes with the container.
nyxctl run --rm --name va-three -v /data "$BUSYBOX" sh -c 'echo x > /data/x'
after=$(nyxctl volume ls -q | { grep -v -x -e va-named -e "$anon2" || true; } | sort)
assert_eq "$after" "$before" "volumes after run --rm -v /data"
