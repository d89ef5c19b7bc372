#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# import makes a one-layer image of a root file system tarball that runs;
# history shows the steps of an image newest first; image prune removes
# only unused blobs, image prune -a every image no container uses.
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'cleanup_containers; rm -rf "$work"' EXIT
need_busybox

# A rootfs tarball: the busybox image's files (read from its layer).
layer=/var/lib/nyx/layers/$(nyxctl image inspect "$BUSYBOX" | jq -r '.[0].Config.rootfs.diff_ids[0] | ltrimstr("sha256:")')
mkdir "$work/root"
cp -a "$layer/." "$work/root/"
echo imported >"$work/root/etc/nyx-import"
tar -C "$work/root" -czf "$work/root.tgz" .
id=$(nyxctl import -m "a test import" "$work/root.tgz" nyx-test/imported:1)
[[ $id == sha256:* ]] || fail "import printed '$id', expected an image ID"
assert_eq "$(nyxctl images -q --no-trunc nyx-test/imported:1)" "$id" "ID of the imported image"
json=$(nyxctl image inspect nyx-test/imported:1)
assert_eq "$(jq -r '.[0].Config.rootfs.diff_ids | length' <<<"$json")" 1 "layers of an imported image"
[[ $(uname -m) != x86_64 ]] || assert_eq "$(jq -r '.[0].Platform' <<<"$json")" linux/amd64 "platform of an imported image"
assert_eq "$(nyxctl run --rm nyx-test/imported:1 cat /etc/nyx-import)" imported "a container of the imported image"
out=$(nyxctl history nyx-test/imported:1)
assert_contains "$out" "nyxctl import" "history of the imported image"
assert_contains "$out" "a test import" "history of the imported image"
cat "$work/root.tgz" | nyxctl import - nyx-test/imported:stdin >/dev/null
assert_eq "$(nyxctl images -q --no-trunc nyx-test/imported:stdin | wc -l)" 1 "import from standard input"

# A rootfs with a device node is refused by policy, naming it.
python3 - "$work/dev.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    ti = tarfile.TarInfo("dev/evil"); ti.type = tarfile.CHRTYPE; ti.devmajor = 1; ti.devminor = 1
    t.addfile(ti)
PY
expect_failure nyxctl import "$work/dev.tar" nyx-test/dev:1
assert_contains "$err" "entry 'dev/evil' is a character device node" "import of a tarball with a device"
expect_failure nyxctl import "$work/root.tgz" 'Bad/Name'
assert_contains "$err" "invalid reference" "import under a bad name"

# history of a pulled image: newest first.
nyxctl pull -q --tls-verify=false "$REG/layered" >/dev/null
out=$(nyxctl history --no-trunc "$REG/layered")
assert_contains "$(sed -n 2p <<<"$out")" "layer 3" "first row of history (newest)"
assert_contains "$(tail -1 <<<"$out")" "busybox-static rootfs" "last row of history (oldest)"
assert_eq "$(nyxctl history --json "$REG/layered" | jq length)" 4 "history --json entries"

# prune: leftovers only; prune -a: every unused image.
nyxctl run -d --name prune-user "$BUSYBOX" sleep 60 >/dev/null
stray=/var/lib/nyx/images/blobs/sha256/$(printf 'stray' | sha256sum | cut -d' ' -f1)
printf 'stray' >"$stray"
# It asks first, as docker's does: "no" (or no answer) removes nothing.
out=$(echo n | nyxctl image prune)
assert_contains "$out" "This will remove all dangling images" "image prune's question"
[[ -e $stray ]] || fail "image prune removed a blob after the answer no"
nyxctl image prune </dev/null >/dev/null
[[ -e $stray ]] || fail "image prune removed a blob without an answer"
nyxctl image prune -f >/dev/null
[[ ! -e $stray ]] || fail "image prune left an unreferenced blob"
assert_eq "$(nyxctl images -q --no-trunc nyx-test/imported:1)" "$id" "image prune without -a keeps images"
out=$(echo y | nyxctl image prune -a)
assert_contains "$out" "Deleted: $id" "image prune -a output"
assert_eq "$(nyxctl images -q nyx-test/imported:1)" "" "imported image after prune -a"
assert_eq "$(nyxctl images -q "$REG/layered")" "" "layered after prune -a"
[[ -n $(nyxctl images -q "$BUSYBOX") ]] || fail "prune -a removed busybox, which container prune-user uses"
nyxctl rm -f prune-user >/dev/null
