#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# save -> rmi -> load gives back the same image ID and manifest digest;
# archives that skopeo writes (docker-archive and oci-archive) load; hostile
# entry names in an archive are never followed.
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'cleanup_containers; rm -rf "$work"' EXIT

nyxctl pull -q --tls-verify=false "$REG/layered" >/dev/null
id=$(nyxctl images -q --no-trunc "$REG/layered")
digest=$(nyxctl images --json "$REG/layered" | jq -r '.[0].Digest')

nyxctl save -o "$work/layered.tar" "$REG/layered"
names=$(tar tf "$work/layered.tar" | sort | tr '\n' ' ')
assert_contains "$names" "manifest.json" "entries of the saved archive"
assert_contains "$names" "index.json" "entries of the saved archive"
assert_contains "$names" "oci-layout" "entries of the saved archive"
assert_eq "$(tar xOf "$work/layered.tar" manifest.json | jq -r '.[0].RepoTags[0]')" "$REG/layered:latest" \
        "RepoTags in manifest.json"
assert_eq "$(tar xOf "$work/layered.tar" manifest.json | jq -r '.[0].Layers | length')" 4 "layers in manifest.json"
expect_failure nyxctl save -o "$work/x.tar" no-such-image:latest
assert_contains "$err" "no such image: no-such-image:latest" "save of an unknown image"
[[ ! -e $work/x.tar ]] || fail "a failed save left $work/x.tar"

nyxctl rmi -f "$id" >/dev/null
assert_eq "$(nyxctl images -q "$REG/layered")" "" "images after rmi"
out=$(nyxctl load -i "$work/layered.tar")
assert_contains "$out" "Loaded image: $REG/layered:latest" "load output"
assert_eq "$(nyxctl images -q --no-trunc "$REG/layered")" "$id" "image ID after save, rmi, load"
assert_eq "$(nyxctl images --json "$REG/layered" | jq -r '.[0].Digest')" "$digest" "manifest digest after the round trip"
assert_eq "$(nyxctl run --rm "$REG/layered")" "keep: layer 3" "the loaded image runs"
# from standard input, compressed, twice over an existing image: fine
gzip -c "$work/layered.tar" | nyxctl load -q
assert_eq "$(nyxctl images -q --no-trunc "$REG/layered")" "$id" "image ID after loading a gzip'ed archive"

# Archives made elsewhere: skopeo's docker-archive (uncompressed layers) and oci-archive.
if command -v skopeo >/dev/null && [[ -n ${NYX_TEST_FIXTURES:-} ]]; then
        skopeo --insecure-policy --tmpdir "$work" copy -q "oci:$NYX_TEST_FIXTURES/busybox:latest" \
                "docker-archive:$work/bb-docker.tar:example.com/nyx-load/bb:docker"
        nyxctl load -q -i "$work/bb-docker.tar"
        skopeo --insecure-policy --tmpdir "$work" copy -q "oci:$NYX_TEST_FIXTURES/busybox:latest" \
                "oci-archive:$work/bb-oci.tar:example.com/nyx-load/bb:oci"
        nyxctl load -q -i "$work/bb-oci.tar"
        need_busybox
        busybox_id=$(nyxctl images -q --no-trunc "$BUSYBOX")
        assert_eq "$(nyxctl images -q --no-trunc example.com/nyx-load/bb:docker)" "$busybox_id" "ID of the docker-archive from skopeo"
        assert_eq "$(nyxctl images -q --no-trunc example.com/nyx-load/bb:oci)" "$busybox_id" "ID of the oci-archive from skopeo"
        assert_eq "$(nyxctl run --rm example.com/nyx-load/bb:docker echo ok)" ok "a container of the docker-archive image"
        nyxctl rmi example.com/nyx-load/bb:docker example.com/nyx-load/bb:oci >/dev/null
fi

# Hostile archives: escaping names are keys only, never paths.
python3 - "$work/layered.tar" "$work/evil.tar" <<'PY'
import io, sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
with tarfile.open(src) as t, tarfile.open(dst, "w") as out:
    for m in t.getmembers():
        out.addfile(m, t.extractfile(m))
    for name in ("../../../../tmp/escape-load", "/tmp/escape-load-abs"):
        data = b"escaped\n"
        ti = tarfile.TarInfo(name); ti.size = len(data)
        out.addfile(ti, io.BytesIO(data))
    ti = tarfile.TarInfo("link"); ti.type = tarfile.SYMTYPE; ti.linkname = "/etc"
    out.addfile(ti)
    data = b"escaped\n"
    ti = tarfile.TarInfo("link/escape-load-link"); ti.size = len(data)
    out.addfile(ti, io.BytesIO(data))
PY
nyxctl load -q -i "$work/evil.tar"
for f in /tmp/escape-load /tmp/escape-load-abs /etc/escape-load-link; do
        [[ ! -e $f ]] || fail "loading a hostile archive wrote $f"
done
assert_eq "$(nyxctl images -q --no-trunc "$REG/layered")" "$id" "image ID after loading the hostile archive"

python3 - "$work/bad.tar" <<'PY'
import io, json, sys, tarfile
with tarfile.open(sys.argv[1], "w") as out:
    data = json.dumps([{"Config": "../../etc/passwd", "RepoTags": ["x/y:z"], "Layers": []}]).encode()
    ti = tarfile.TarInfo("manifest.json"); ti.size = len(data)
    out.addfile(ti, io.BytesIO(data))
PY
expect_failure nyxctl load -i "$work/bad.tar"
assert_contains "$err" "names a config that is not in the archive" "load of an archive pointing outside itself"
expect_failure nyxctl load -i /etc/hostname
assert_contains "$err" "load failed" "load of something that is no archive"
assert_eq "$(ls -A /var/lib/nyx/tmp)" "" "/var/lib/nyx/tmp after the loads"
