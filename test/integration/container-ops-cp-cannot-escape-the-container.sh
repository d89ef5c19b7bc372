#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl cp resolves container paths inside the container (symlinks, "..");
# hostile archive members are refused; host files are opened by nyxctl with
# the caller's rights, never by nyxd.
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'cleanup_containers; rm -rf "$work" /tmp/cp-escape-*; gpasswd -d nyxtest nyx >/dev/null 2>&1 || true' EXIT
need_busybox
cd "$work"

echo payload >file
echo host-secret >/tmp/cp-escape-secret
mkdir -p /tmp/cp-escape-dir

nyxctl run -d --name esc "$BUSYBOX" sh -c '
        ln -s / /rootlink; ln -s /tmp/cp-escape-dir /hostdir; ln -s /tmp/cp-escape-secret /secret
        ln -s ../../../../../tmp /dotdot; mkdir -p /tmp/cp-escape-dir; echo ready >/ready; sleep 1000' >/dev/null
wait_until "nyxctl cp esc:/ready - >/dev/null"
nyxctl create --name esc-stopped "$BUSYBOX" true >/dev/null

for c in esc esc-stopped; do
        # Symlinks in the container point into the container, whatever their target says.
        if [[ $c == esc ]]; then
                nyxctl cp file $c:/hostdir/
                nyxctl cp file $c:/rootlink/tmp/via-root
                nyxctl cp file $c:/dotdot/via-dotdot
                [[ -z $(ls /tmp/cp-escape-dir) ]] || fail "a copy through a symlink landed on the host"
                [[ ! -e /tmp/via-root && ! -e /tmp/via-dotdot ]] || fail "a copy through a symlink landed in the host's /tmp"
                assert_eq "$(nyxctl exec $c cat /tmp/cp-escape-dir/file /tmp/via-root /tmp/via-dotdot)" "payload
payload
payload" "copies inside the container"
                expect_failure nyxctl cp $c:/secret/. out
                assert_not_contains "$(cat out 2>/dev/null || true)" host-secret "the host file through a symlink"
                out=$(nyxctl cp $c:/secret - | tar -tv)
                assert_contains "$out" "secret -> /tmp/cp-escape-secret" "a symlink is copied as a symlink"
        fi
        # ".." cannot leave the container's root.
        nyxctl cp file $c:/../../../../tmp/via-dots
        [[ ! -e /tmp/via-dots ]] || fail "../ in the container path reached the host"
        assert_eq "$(nyxctl cp $c:/../../../tmp/via-dots - | tar -xO)" payload "/../tmp is the container's /tmp"
        expect_failure nyxctl cp $c:/../../../../tmp/cp-escape-secret -
        assert_contains "$err" "No such file or directory" "the host's file by ../"

        # Hostile archive members on stdin: .. is refused, an absolute name stays inside.
        python3 - <<'PY' >evil.tar
import io, sys, tarfile
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    for name in ["../../../../tmp/cp-escape-evil"]:
        data = b"evil\n"
        i = tarfile.TarInfo(name); i.size = len(data)
        t.addfile(i, io.BytesIO(data))
sys.stdout.buffer.write(buf.getvalue())
PY
        expect_failure nyxctl cp - $c:/tmp <evil.tar
        assert_contains "$err" "leaves its directory" "a member with .."
        [[ ! -e /tmp/cp-escape-evil ]] || fail "a .. member reached the host"
        python3 - <<'PY' >abs.tar
import io, sys, tarfile
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    i = tarfile.TarInfo("link"); i.type = tarfile.SYMTYPE; i.linkname = "/tmp"
    t.addfile(i)
    data = b"through the link\n"
    i = tarfile.TarInfo("link/cp-escape-abs"); i.size = len(data)
    t.addfile(i, io.BytesIO(data))
sys.stdout.buffer.write(buf.getvalue())
PY
        nyxctl cp - $c:/ <abs.tar
        [[ ! -e /tmp/cp-escape-abs ]] || fail "a member through an archive symlink reached the host"
        assert_eq "$(nyxctl cp $c:/tmp/cp-escape-abs - | tar -xO)" "through the link" "the member inside the container"
done

# A member of group nyx copies only what it may read itself: nyxctl opens host
# files, nyxd never does.
id nyxtest >/dev/null 2>&1 || useradd --no-create-home --shell /bin/sh nyxtest
usermod -a -G nyx nyxtest
chmod 0600 /tmp/cp-escape-secret
expect_failure runuser -u nyxtest -- nyxctl cp /tmp/cp-escape-secret esc:/tmp/stolen
assert_contains "$err" "Permission denied" "copying a root-only host file as a nyx member"
expect_failure nyxctl cp esc:/tmp/stolen -
mkdir -m 0700 /tmp/cp-escape-rootonly
expect_failure runuser -u nyxtest -- nyxctl cp esc:/tmp/via-root /tmp/cp-escape-rootonly/x
assert_contains "$err" "Permission denied" "copying into a root-only host directory as a nyx member"
[[ ! -e /tmp/cp-escape-rootonly/x ]] || fail "nyxd wrote into a directory the caller cannot write"
# What a member may do, it does, and the copies are its own.
runuser -u nyxtest -- nyxctl cp esc:/etc/passwd /tmp/cp-escape-user-copy
assert_eq "$(stat -c %U /tmp/cp-escape-user-copy)" nyxtest "owner of a file copied out by a nyx member"
assert_contains "$(cat /tmp/cp-escape-user-copy)" "root:x:0:0" "content copied out by a nyx member"
