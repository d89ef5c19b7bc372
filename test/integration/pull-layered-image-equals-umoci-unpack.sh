#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The layered fixture, mounted the way containers see it (an overlay of its
# layer directories), holds exactly what `umoci unpack` makes of it
# (test/fixtures/layered.tree): files, types, modes, owners, link targets,
# contents, hard links, xattrs, whiteouts and opaque directories applied.
. "$(dirname "$0")/lib.sh"
trap 'cleanup_containers; [[ -z ${mnt:-} ]] || { umount "$mnt" 2>/dev/null; rmdir "$mnt"; }' EXIT
[[ -n ${NYX_TOP:-} ]] || skip "NYX_TOP unset"

nyxctl pull -q --tls-verify=false "$REG/layered" >/dev/null
lower=$(nyxctl image inspect "$REG/layered" |
        jq -r '.[0].Config.rootfs.diff_ids | reverse | map("/var/lib/nyx/layers/" + ltrimstr("sha256:")) | join(":")')
mnt=$(mktemp -d)
mount -t overlay overlay -o "ro,lowerdir=$lower" "$mnt"

got=$("$NYX_TOP/test/fixtures/list-tree" "$mnt" /data /etc /home /tmp /usr/local)
if ! diff -u "$NYX_TOP/test/fixtures/layered.tree" <(echo "$got") >&2; then
        fail "the merged layers differ from layered.tree (diff above: - expected, + got)"
fi
[[ ! -e $mnt/bin/vi && ! -L $mnt/bin/vi ]] || fail "/bin/vi should be whited out by layer 2"
[[ -L $mnt/bin/sh ]] || fail "/bin/sh should still be there"

# And a container of it sees the same.
assert_eq "$(nyxctl run --rm "$REG/layered")" "keep: layer 3" "output of the layered image's default command"
