#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A pull runs as a Job object on the bus (/org/nyx/engine1/job/N: Type, Target, State, BytesDone,
# BytesTotal, Parts, Cancel). Ctrl-C of `nyxctl pull` cancels it in nyxd: the pull ends with
# "cancelled" and 130, the job object goes, and nothing of the image stays in the store.
. "$(dirname "$0")/lib.sh"
cleanup() {
        tc qdisc del dev lo root 2>/dev/null || true
        cleanup_containers
}
trap cleanup EXIT
[[ -n ${NYX_TEST_FIXTURES:-} && -n ${NYX_TEST_REGISTRY_DIRS:-} && -n ${NYX_TOP:-} ]] ||
        skip "no fixture registries (NYX_FIXTURES unset)"
command -v tc >/dev/null || skip "tc (iproute2) is not installed"
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

# 25 MB/s on the sandbox's loopback: the pull takes ~20 s, time enough to look at it and cancel it.
tc qdisc add dev lo root tbf rate 200mbit burst 256kb latency 50ms || skip "cannot shape loopback traffic (tbf)"

out=$(mktemp)
nyxctl pull --tls-verify=false "$REG/big" >"$out" 2>&1 &
client=$!
wait_until "busctl --list tree org.nyx.engine1 | grep -q '^/org/nyx/engine1/job/'" 100
job=$(busctl --list tree org.nyx.engine1 | grep '^/org/nyx/engine1/job/' | head -1)
prop() {
        busctl get-property org.nyx.engine1 "$job" org.nyx.engine1.Job "$1"
}
assert_eq "$(prop Type)" 's "pull"' "the job's Type"
assert_eq "$(prop Target)" "s \"$REG/big\"" "the job's Target"
assert_eq "$(prop State)" 's "running"' "the job's State"
wait_until "[[ \$(prop BytesDone | cut -d' ' -f2) -gt 0 ]]" 300
total=$(prop BytesTotal | cut -d' ' -f2)
[[ $total -gt 100000000 ]] || fail "the job's BytesTotal is $total, expected the big fixture's ~500 MiB"
assert_contains "$(prop Parts)" "sha256:" "the job's Parts"

kill -INT "$client"
rc=0
wait "$client" || rc=$?
assert_eq "$rc" 130 "nyxctl pull's status after Ctrl-C ($(cat "$out"))"
assert_contains "$(cat "$out")" "was cancelled" "what nyxctl pull says"
busctl --list tree org.nyx.engine1 | grep -q "^$job\$" && fail "the job object stayed after the pull ended"

tc qdisc del dev lo root
assert_eq "$(nyxctl images -q "$REG/big")" "" "images of big after the cancel"
wait_until "[[ -z \$(ls -A /var/lib/nyx/tmp) ]]" 100
assert_eq "$(store_listing)" "$before" "store listing after the cancelled pull"

# Cancel of a job that is gone: the bus says so.
busctl call org.nyx.engine1 "$job" org.nyx.engine1.Job Cancel >/dev/null 2>&1 &&
        fail "Cancel of a job that ended was accepted"
exit 0
