#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# busybox in three encodings, layered and multiarch pull from the real
# registry; the store and inspect agree with what the registry serves.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
[[ -n ${NYX_TEST_PUBLISHED_JSON:-} ]] || skip "no fixture registries (NYX_FIXTURES unset)"

published_digest() {
        jq -r --arg r "$1" '.[] | select(.ref == $r) | .digest' "$NYX_TEST_PUBLISHED_JSON"
}
layer_dir_of() {        # IMAGE N: the N-th (0-based) extracted layer directory
        local cfg
        cfg=$(nyxctl image inspect "$1" | jq -r '.[0].Config.rootfs.diff_ids['"$2"']')
        echo "/var/lib/nyx/layers/${cfg#sha256:}"
}

ids=()
for tag in latest v2s2 zstd; do
        id=$(nyxctl pull -q --tls-verify=false "$REG/busybox:$tag")
        [[ $id == sha256:* && ${#id} -eq 71 ]] || fail "pull -q busybox:$tag printed '$id', expected an image ID"
        ids+=("$id")
        json=$(nyxctl image inspect "$REG/busybox:$tag")
        assert_eq "$(jq -r '.[0].Id' <<<"$json")" "$id" "inspect Id of busybox:$tag"
        assert_eq "$(jq -r '.[0].Platform' <<<"$json")" linux/amd64 "Platform of busybox:$tag"
        assert_eq "$(jq -r '.[0].Config.config.Cmd[0]' <<<"$json")" /bin/sh "Cmd of busybox:$tag"
        assert_contains "$(jq -r '.[0].RepoTags[]' <<<"$json")" "$REG/busybox:$tag" "RepoTags of busybox:$tag"
        # the name points at exactly the manifest the registry serves
        digest=$(nyxctl images --json "$REG/busybox:$tag" | jq -r --arg n "$REG/busybox:$tag" '.[] | select(.Name == $n) | .Digest')
        assert_eq "$digest" "$(published_digest "$REG/busybox:$tag")" "manifest digest of busybox:$tag"
done
# Same config and same diff_id in all three: one image, one layer directory.
assert_eq "${ids[1]}" "${ids[0]}" "image ID of busybox:v2s2 (same config as busybox:latest)"
assert_eq "${ids[2]}" "${ids[0]}" "image ID of busybox:zstd (same config as busybox:latest)"
[[ -x $(layer_dir_of "$REG/busybox:zstd" 0)/bin/busybox ]] || fail "busybox layer has no executable /bin/busybox"
assert_eq "$(nyxctl images -q "$REG/busybox" | sort -u | wc -l)" 1 "distinct image IDs among the busybox tags"

# layered: 4 layers, its config.
id=$(nyxctl pull -q --tls-verify=false "$REG/layered")
json=$(nyxctl image inspect "$REG/layered")
assert_eq "$(jq -r '.[0].Config.rootfs.diff_ids | length' <<<"$json")" 4 "layers of layered"
assert_eq "$(jq -r '.[0].Config.config.WorkingDir' <<<"$json")" /data "WorkingDir of layered"
assert_eq "$(nyxctl image inspect "${id#sha256:}" | jq -r '.[0].Id')" "$id" "inspect by full hex ID"
assert_eq "$(nyxctl image inspect "${id:7:12}" | jq -r '.[0].Id')" "$id" "inspect by short ID"

# multiarch: the host platform (amd64) by default, from an OCI index and a Docker list.
[[ $(uname -m) == x86_64 ]] || skip "the multiarch checks assume an amd64 host"
for tag in latest list; do
        nyxctl pull -q --tls-verify=false "$REG/multiarch:$tag" >/dev/null
        assert_eq "$(nyxctl image inspect "$REG/multiarch:$tag" | jq -r '.[0].Platform')" linux/amd64 \
                "Platform of multiarch:$tag"
        assert_eq "$(cat "$(layer_dir_of "$REG/multiarch:$tag" 1)/etc/fixture-arch")" amd64 \
                "/etc/fixture-arch of multiarch:$tag"
done
assert_eq "$(nyxctl run --rm "$REG/multiarch:latest" cat /etc/fixture-arch)" amd64 "fixture-arch inside a container"

# --platform picks the other one; the name now means the arm64 image.
nyxctl pull -q --tls-verify=false --platform linux/arm64 "$REG/multiarch:list" >/dev/null
json=$(nyxctl image inspect "$REG/multiarch:list")
assert_eq "$(jq -r '.[0].Platform' <<<"$json")" linux/arm64/v8 "Platform of multiarch:list after --platform linux/arm64"
assert_eq "$(cat "$(layer_dir_of "$REG/multiarch:list" 1)/etc/fixture-arch")" arm64 \
        "/etc/fixture-arch of multiarch:list after --platform linux/arm64"

expect_failure nyxctl pull --tls-verify=false --platform linux/s390x "$REG/multiarch:latest"
assert_contains "$err" "has no image for linux/s390x" "pull of a platform the index lacks"
assert_contains "$err" "linux/arm64" "the error lists the platforms there are"
expect_failure nyxctl pull --tls-verify=false "$REG/busybox:no-such-tag"
assert_contains "$err" "no-such-tag" "pull of an unknown tag names it"
