#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tag adds names; rmi NAME removes that name and the image with its last
# one; rmi ID refuses an image with several names unless -f; an image a
# container uses is refused unless -f; blobs and layers go with the last
# image that used them, shared ones stay.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

id=$(nyxctl images -q --no-trunc "$BUSYBOX" | head -1)
busybox_layer=/var/lib/nyx/layers/$(nyxctl image inspect "$BUSYBOX" | jq -r '.[0].Config.rootfs.diff_ids[0] | ltrimstr("sha256:")')
[[ -d $busybox_layer ]] || fail "busybox layer directory $busybox_layer missing"

nyxctl tag "$BUSYBOX" nyx-test/one:a
nyxctl tag "$BUSYBOX" nyx-test/one:b
assert_eq "$(nyxctl images -q --no-trunc nyx-test/one:a)" "$id" "ID of a new tag"
assert_contains "$(nyxctl images nyx-test/one)" "nyx-test/one" "images lists a tagged repository"
assert_eq "$(nyxctl images -q nyx-test/one | wc -l)" 2 "rows for nyx-test/one (two tags)"

expect_failure nyxctl tag "$BUSYBOX" 'Nyx-Test/Upper:x'
assert_contains "$err" "invalid reference" "tag with an uppercase repository"
expect_failure nyxctl tag no-such-image:latest nyx-test/x
assert_contains "$err" "no such image: no-such-image:latest" "tag of an unknown image"

# By ID with several names: refused without -f.
expect_failure nyxctl rmi "${id#sha256:}"
assert_contains "$err" "has several names" "rmi ID of an image with several names"

# By name: untag only.
out=$(nyxctl rmi nyx-test/one:a)
assert_eq "$out" "Untagged: docker.io/nyx-test/one:a" "rmi of one of several names"
assert_eq "$(nyxctl images -q --no-trunc nyx-test/one:b)" "$id" "the other name still points at the image"
expect_failure nyxctl rmi nyx-test/one:a
assert_contains "$err" "no such image: nyx-test/one:a" "rmi of a removed name"

# In use: refused, then -f.
nyxctl tag "$BUSYBOX" nyx-test/used:1
nyxctl pull -q --tls-verify=false "$REG/layered" >/dev/null
layered_id=$(nyxctl images -q --no-trunc "$REG/layered")
nyxctl tag "$REG/layered" nyx-test/layered:copy
nyxctl rmi "$REG/layered" >/dev/null     # one name left: nyx-test/layered:copy
nyxctl create --name rmi-user nyx-test/layered:copy >/dev/null
expect_failure nyxctl rmi nyx-test/layered:copy
assert_contains "$err" "is used by container rmi-user" "rmi of an image in use"
assert_contains "$(nyxctl images -q --no-trunc)" "$layered_id" "the image in use is still there"

top_layer=/var/lib/nyx/layers/$(nyxctl image inspect nyx-test/layered:copy | jq -r '.[0].Config.rootfs.diff_ids[3] | ltrimstr("sha256:")')
[[ -d $top_layer ]] || fail "layered's top layer $top_layer missing"
out=$(nyxctl rmi -f nyx-test/layered:copy)
assert_contains "$out" "Untagged: docker.io/nyx-test/layered:copy" "rmi -f output"
assert_contains "$out" "Deleted: $layered_id" "rmi -f output"
[[ ! -e $top_layer ]] || fail "layered's own top layer should be gone with the image"
[[ -d $busybox_layer ]] || fail "the busybox layer, shared with other images, must stay"
nyxctl rm -f rmi-user >/dev/null

# Last name: deletes the image.
nyxctl rmi nyx-test/one:b nyx-test/used:1 >/dev/null
assert_eq "$(nyxctl images -q nyx-test/one)" "" "images of nyx-test/one after removing both tags"
assert_eq "$(nyxctl images -q --no-trunc "$BUSYBOX")" "$id" "busybox itself is still there"
