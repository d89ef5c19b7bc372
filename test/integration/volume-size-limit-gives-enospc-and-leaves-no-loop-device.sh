#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# volume create --opt size=SIZE: an ext4 image loop-mounted at _data. Writing beyond the size fails with
# ENOSPC inside the container; rm leaves no mount and no loop device behind (loop devices are host-global).
. "$(dirname "$0")/lib.sh"
cleanup() {
        cleanup_containers
        nyxctl volume rm -f vs-small vs-etc >/dev/null 2>&1 || true
}
trap cleanup EXIT
need_busybox
[[ -e /dev/loop-control ]] || skip "no /dev/loop-control"
command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 (e2fsprogs) is not installed"

# The loop devices whose backing file is under this volume directory.
loops_of() {
        local f
        for f in /sys/block/loop*/loop/backing_file; do
                [[ -e $f ]] || continue
                grep -l "/var/lib/nyx/volumes/$1/" "$f" 2>/dev/null || true
        done
}

nyxctl volume create --opt size=16M vs-small >/dev/null
dir=/var/lib/nyx/volumes/vs-small
assert_eq "$(findmnt -n -o FSTYPE "$dir/_data")" ext4 "file system at _data"
[[ -n $(loops_of vs-small) ]] || fail "no loop device backs $dir/disk.img"
assert_eq "$(nyxctl volume inspect vs-small | jq -r '.[0].Options.size')" 16M "inspect Options"
allocated=$(du -k "$dir/disk.img" | cut -f1)
[[ $allocated -lt 8192 ]] || fail "disk.img is not sparse: $allocated KiB allocated of 16 MiB"
[[ ! -e $dir/_data/lost+found ]] || fail "a new volume is not empty: lost+found"

out=$(nyxctl run --rm -v vs-small:/data "$BUSYBOX" sh -c \
        'dd if=/dev/zero of=/data/fill bs=1M count=32 2>&1; echo "rc=$?"; ls -l /data/fill' 2>&1)
assert_contains "$out" "No space left on device" "writing 32M into a 16M volume"
assert_contains "$out" "rc=1" "dd's exit status"
size=$(stat -c %s "$dir/_data/fill")
[[ $size -gt $((8 << 20)) && $size -le $((16 << 20)) ]] || fail "the volume took $size bytes"

# A size-limited volume is populated from the image as any other.
nyxctl volume create --opt size=8M vs-etc >/dev/null
assert_eq "$(nyxctl run --rm -v vs-etc:/etc "$BUSYBOX" cat /etc/group)" "$(nyxctl run --rm "$BUSYBOX" cat /etc/group)" \
        "populated ext4 volume"

# nyxd mounts it again when it starts and finds it unmounted (as after a reboot), and so does a
# container's start.
umount "$dir/_data"
wait_until "[[ -z \$(loops_of vs-small) ]]" 50
systemctl restart nyxd
nyxctl volume ls >/dev/null
assert_eq "$(findmnt -n -o FSTYPE "$dir/_data")" ext4 "file system at _data after nyxd started again"
umount "$dir/_data"
wait_until "[[ -z \$(loops_of vs-small) ]]" 50
nyxctl run --rm -v vs-small:/data "$BUSYBOX" test -f /data/fill || fail "the data is not there after a remount"
assert_eq "$(findmnt -n -o FSTYPE "$dir/_data")" ext4 "nyx-prepare mounted it"

nyxctl volume rm vs-small vs-etc >/dev/null
findmnt "$dir/_data" >/dev/null && fail "$dir/_data is still mounted after volume rm"
[[ ! -e $dir ]] || fail "$dir is still there"
wait_until "[[ -z \$(loops_of vs-small)\$(loops_of vs-etc) ]]" 50
