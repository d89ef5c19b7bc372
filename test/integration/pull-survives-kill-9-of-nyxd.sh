#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kill -9 of nyxd in the middle of pulling the big fixture (~500 MiB in 6
# layers) leaves no partial image and no staging leftovers once nyxd is
# back, and the next pull finishes.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
[[ -n ${NYX_TEST_FIXTURES:-} && -n ${NYX_TEST_REGISTRY_DIRS:-} && -n ${NYX_TOP:-} ]] ||
        skip "no fixture registries (NYX_FIXTURES unset)"
plain=${NYX_TEST_REGISTRY_DIRS%% *}

# big is not in the standard set: build it (cached) and push it.
if ! curl -sf -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/big/manifests/latest"; then
        "$NYX_TOP/test/fixtures/build-images" --with-big --only big "$NYX_TEST_FIXTURES" >/dev/null ||
                skip "cannot build the big fixture"
        "$NYX_TOP/test/fixtures/registry" push "$plain" "$NYX_TEST_FIXTURES/big:latest" big:latest >/dev/null
fi
store_listing() {
        find /var/lib/nyx/images /var/lib/nyx/layers -printf '%P %y %m %s\n' | sort
}
nyxctl rmi -f "$REG/big" >/dev/null 2>&1 || true
before=$(store_listing)

out=$(mktemp)
nyxctl pull --tls-verify=false "$REG/big" >"$out" 2>&1 &
client=$!
# Wait until some layer data is on disk, then kill nyxd mid-transfer.
wait_until "[[ \$(du -sm /var/lib/nyx/tmp | cut -f1) -ge 20 ]]" 600
pid=$(nyxd_pid)
kill -9 "$pid"
rc=0
wait $client || rc=$?
[[ $rc -ne 0 ]] || fail "the pull survived kill -9 of nyxd: $(cat "$out")"

# Nothing half-done is visible, and the next nyxd cleans the staging area.
nyxctl info >/dev/null
[[ $(nyxd_pid) != "$pid" ]] || fail "nyxd did not come back"
assert_eq "$(nyxctl images -q "$REG/big")" "" "images of big after the kill"
wait_until "[[ -z \$(ls -A /var/lib/nyx/tmp) ]]" 100
assert_eq "$(store_listing)" "$before" "store listing after the killed pull"
[[ -z $(pgrep -x nyxd | grep -vx "$(nyxd_pid)") ]] || fail "workers of the killed nyxd are still running: $(pgrep -ax nyxd)"

# The next pull finishes and the image is complete.
id=$(nyxctl pull -q --tls-verify=false "$REG/big")
assert_eq "$(nyxctl images -q --no-trunc "$REG/big")" "$id" "big after the second pull"
for d in $(nyxctl image inspect "$REG/big" | jq -r '.[0].Config.rootfs.diff_ids[] | ltrimstr("sha256:")'); do
        [[ -d /var/lib/nyx/layers/$d ]] || fail "layer $d of big is missing"
done
assert_eq "$(ls -A /var/lib/nyx/tmp)" "" "/var/lib/nyx/tmp after the second pull"
nyxctl rmi "$REG/big" >/dev/null
