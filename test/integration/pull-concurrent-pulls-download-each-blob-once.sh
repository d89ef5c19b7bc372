#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Two `nyxctl pull` of the same image at once both succeed, and the
# registry serves each of its blobs once (counted in the registry's own
# access log: GET requests for /blobs/ from nyx since the test started).
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
[[ -n ${NYX_TEST_REGISTRY_DIRS:-} ]] || skip "no fixture registries (NYX_FIXTURES unset)"
log=${NYX_TEST_REGISTRY_DIRS%% *}/registry.log
[[ -f $log ]] || skip "no registry log at $log"

# layered's blobs must not be in the store yet: remove it (its three own
# layers go with it; the busybox one is shared and may stay).
cleanup_containers
for n in $(nyxctl images --json | jq -r --arg id "$(nyxctl images -q --no-trunc "$REG/layered" | head -1)" \
                '.[] | select(.Id == $id) | .Name'); do
        nyxctl rmi -f "$n" >/dev/null
done
nyxctl rmi -f "$BUSYBOX" >/dev/null 2>&1 || true
for id in $(nyxctl images -q --no-trunc | sort -u); do nyxctl rmi -f "$id" >/dev/null; done

mark=$(wc -l <"$log")
out1=$(mktemp) out2=$(mktemp)
nyxctl pull --tls-verify=false "$REG/layered" >"$out1" 2>&1 &
p1=$!
nyxctl pull --tls-verify=false "$REG/layered" >"$out2" 2>&1 &
p2=$!
rc1=0 rc2=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
[[ $rc1 -eq 0 ]] || fail "first pull failed: $(cat "$out1")"
[[ $rc2 -eq 0 ]] || fail "second pull failed: $(cat "$out2")"
id=$(nyxctl images -q --no-trunc "$REG/layered")
assert_eq "$(tail -1 "$out1")" "$id" "ID printed by the first pull"
assert_eq "$(tail -1 "$out2")" "$id" "ID printed by the second pull"

sleep 0.5   # the registry writes its access log after the response
gets=$(tail -n +"$((mark + 1))" "$log" | grep -o '"GET /v2/layered/blobs/sha256:[0-9a-f]* HTTP/1.1" 200 [0-9]* "" "nyx/[^"]*"' |
       grep -o 'sha256:[0-9a-f]*' | sort | uniq -c || true)
# config + 4 layers, once each
want=$( (nyxctl image inspect "$REG/layered" | jq -r '.[0].Id'
         jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "'"$REG/layered:latest"'") | .digest' \
                /var/lib/nyx/images/index.json | while read -r m; do
                jq -r '.layers[].digest' "/var/lib/nyx/images/blobs/sha256/${m#sha256:}"; done) | sort)
assert_eq "$(awk '{print $2}' <<<"$gets")" "$want" "blobs fetched from the registry"
assert_eq "$(awk '$1 != 1' <<<"$gets")" "" "blobs fetched more than once (count digest)"
assert_eq "$(ls -A /var/lib/nyx/tmp)" "" "/var/lib/nyx/tmp after the pulls"
assert_eq "$(nyxctl run --rm "$REG/layered")" "keep: layer 3" "the pulled image runs"
