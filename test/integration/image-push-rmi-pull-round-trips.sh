#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# push -> rmi -> pull gives back the same image ID and manifest digest;
# blobs the registry has in another repository are mounted, not uploaded;
# a second push sends nothing.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
[[ -n ${NYX_TEST_REGISTRY_DIRS:-} ]] || skip "no fixture registries (NYX_FIXTURES unset)"
log=${NYX_TEST_REGISTRY_DIRS%% *}/registry.log
dest=$REG/nyx-push/layered:v$$

nyxctl pull -q --tls-verify=false "$REG/layered" >/dev/null
id=$(nyxctl images -q --no-trunc "$REG/layered")
digest=$(nyxctl images --json "$REG/layered" | jq -r '.[0].Digest')
nyxctl tag "$REG/layered" "$dest"

mark=$(wc -l <"$log")
out=$(nyxctl push --tls-verify=false "$dest" 2>&1)
assert_eq "$(tail -1 <<<"$out")" "$digest" "digest printed by push (the manifest unchanged)"
assert_contains "$out" "0 uploaded, 5 mounted from another repository" "first push (blobs are in repository layered)"
sleep 0.5
assert_contains "$(tail -n +"$((mark + 1))" "$log")" "POST /v2/nyx-push/layered/blobs/uploads/?mount=" "registry log of the push"
out=$(nyxctl push --tls-verify=false "$dest" 2>&1)
assert_contains "$out" "0 uploaded, 0 mounted from another repository, 5 already there" "second push"

# A new repository of an image only we have: real uploads.
nyxctl pull -q --tls-verify=false "$BUSYBOX" >/dev/null
printf 'hello\n' >/tmp/nyx-push-hello && tar -C /tmp -cf /tmp/nyx-push.tar nyx-push-hello
nyxctl import /tmp/nyx-push.tar "$REG/nyx-push/imported:v$$" >/dev/null
out=$(nyxctl push --tls-verify=false "$REG/nyx-push/imported:v$$" 2>&1)
assert_contains "$out" "2 uploaded" "push of an imported image (layer and config uploaded)"

# Round trip: remove every name, then pull from where we pushed.
nyxctl rmi -f "$id" >/dev/null
nyxctl rmi -f "$REG/nyx-push/imported:v$$" >/dev/null
assert_eq "$(nyxctl images -q --no-trunc | grep -c "$id" || true)" 0 "names of the image after rmi -f ID"
got=$(nyxctl pull -q --tls-verify=false "$dest")
assert_eq "$got" "$id" "image ID after push, rmi, pull"
assert_eq "$(nyxctl images --json "$dest" | jq -r '.[0].Digest')" "$digest" "manifest digest after the round trip"
nyxctl pull -q --tls-verify=false "$REG/nyx-push/imported:v$$" >/dev/null
assert_eq "$(cat /var/lib/nyx/layers/"$(nyxctl image inspect "$REG/nyx-push/imported:v$$" | jq -r '.[0].Config.rootfs.diff_ids[0] | ltrimstr("sha256:")')"/nyx-push-hello)" \
        hello "content of the imported image pulled back"

expect_failure nyxctl push --tls-verify=false no-such-image:latest
assert_contains "$err" "no such image: no-such-image:latest" "push of an unknown image"
expect_failure nyxctl push --tls-verify=false "$dest" "$REG/nyx-push/x@sha256:$(printf '%064d' 0)"
assert_contains "$err" "push needs a tag" "push to a digest"
nyxctl rmi "$dest" "$REG/nyx-push/imported:v$$" >/dev/null
