#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A named volume outlives its containers; a new one receives the image's content at its destination
# once (ownership, modes, symlinks, hard links, setuid bits, xattrs), not with nocopy, and not again.
. "$(dirname "$0")/lib.sh"
cleanup() {
        cleanup_containers
        umount /tmp/vt-tree/data 2>/dev/null || true
        nyxctl volume rm -f vp-data vp-etc vp-nocopy vp-layered vp-mount >/dev/null 2>&1 || true
}
trap cleanup EXIT
need_busybox
LAYERED=$REG/layered:latest
nyxctl images -q "$LAYERED" | grep -q . || nyxctl pull -q --tls-verify=false "$LAYERED" >/dev/null

# Data written by one container is there for the next.
nyxctl run --rm -v vp-data:/data "$BUSYBOX" sh -c 'echo kept > /data/f' || fail "writing into the volume"
assert_eq "$(nyxctl run --rm -v vp-data:/data "$BUSYBOX" cat /data/f)" kept "data in the next container"
assert_eq "$(cat /var/lib/nyx/volumes/vp-data/_data/f)" kept "data on the host"

# -v NAME:/etc gets the image's /etc.
image_passwd=$(nyxctl run --rm "$BUSYBOX" cat /etc/passwd)
assert_eq "$(nyxctl run --rm -v vp-etc:/etc "$BUSYBOX" cat /etc/passwd)" "$image_passwd" "/etc/passwd in the volume"
cmp -s /var/lib/nyx/volumes/vp-etc/_data/group <(nyxctl run --rm "$BUSYBOX" cat /etc/group) ||
        fail "the volume's group file differs from the image's"
[[ -f /var/lib/nyx/volumes/vp-etc/populated ]] || fail "the volume is not marked populated"

# Once: what a container removes stays removed.
nyxctl run --rm -v vp-etc:/etc "$BUSYBOX" rm /etc/group
nyxctl run --rm -v vp-etc:/etc "$BUSYBOX" test ! -e /etc/group || fail "the volume was populated a second time"

# nocopy: nothing is copied.
nyxctl run --rm -v vp-nocopy:/etc:nocopy "$BUSYBOX" test ! -e /etc/passwd || fail "nocopy volume got /etc/passwd"
[[ ! -e /var/lib/nyx/volumes/vp-nocopy/_data/passwd ]] || fail "nocopy volume has passwd on the host"

# The layered fixture's /data, byte for byte with owners, modes, links and xattrs (layered.tree).
nyxctl run --rm -v vp-layered:/data "$LAYERED" true || fail "running the layered image with a volume"
mkdir -p /tmp/vt-tree/data
mount --bind /var/lib/nyx/volumes/vp-layered/_data /tmp/vt-tree/data
got=$("$NYX_TOP/test/fixtures/list-tree" /tmp/vt-tree /data)
umount /tmp/vt-tree/data
want=$(grep -E '^/data( |/)' "$NYX_TOP/test/fixtures/layered.tree")
[[ $got == "$want" ]] || fail "the volume's tree differs from the image's /data:
$(diff <(echo "$want") <(echo "$got"))"

# --mount type=volume does the same, and creates the volume on first use.
assert_eq "$(nyxctl run --rm --mount type=volume,source=vp-mount,target=/etc "$BUSYBOX" cat /etc/passwd)" \
        "$image_passwd" "--mount type=volume"
# Bind mounts are not volumes: the host directory keeps its (empty) content.
mkdir -p /tmp/vt-bind-empty
nyxctl run --rm -v /tmp/vt-bind-empty:/etc "$BUSYBOX" test ! -e /etc/passwd || fail "a bind mount got the image's files"
rm -rf /tmp/vt-bind-empty
