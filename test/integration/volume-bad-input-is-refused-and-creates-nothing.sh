#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad volume names and options get a clear error and leave nothing on disk.
. "$(dirname "$0")/lib.sh"
cleanup() {
        cleanup_containers
        nyxctl volume rm -f vb-ok >/dev/null 2>&1 || true
}
trap cleanup EXIT
need_busybox

before=$(ls -A /var/lib/nyx/volumes | sort)
expect_failure nyxctl volume create 'a/b'
assert_eq "$err" "nyxctl: invalid volume name 'a/b': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed" "volume create a/b"
expect_failure nyxctl volume create x
assert_contains "$err" "at least two characters" "a one-letter name"
expect_failure nyxctl volume create --opt size=lots vb-bad
assert_eq "$err" "nyxctl: invalid volume option size=lots: expected a size such as 512M or 1G" "--opt size=lots"
expect_failure nyxctl volume create --opt colour=blue vb-bad
assert_eq "$err" "nyxctl: unknown volume option 'colour': the local driver of nyx takes only size=SIZE" "unknown --opt"
expect_failure nyxctl volume create --opt size vb-bad
assert_contains "$err" "expected KEY=VALUE" "--opt without a value"
expect_failure nyxctl volume create --opt size=4k vb-bad
assert_contains "$err" "at least 8M" "a size too small for ext4"
expect_failure nyxctl volume create --label =x vb-bad
assert_contains "$err" "invalid label" "--label =x"
expect_failure nyxctl volume create --driver nfs vb-bad
assert_contains "$err" "driver 'nfs' is not supported" "--driver nfs"
expect_failure nyxctl volume create --name vb-a vb-b
assert_contains "$err" "conflicting names" "--name and an argument"
expect_failure nyxctl volume
assert_contains "$err" "a command is needed" "volume without a command"
expect_failure nyxctl volume frobnicate
assert_contains "$err" "unknown command 'frobnicate'" "an unknown volume command"
assert_eq "$(ls -A /var/lib/nyx/volumes | sort)" "$before" "volumes on disk after the refused creates"

# An existing name with other options is refused, and changes nothing.
nyxctl volume create vb-ok >/dev/null
expect_failure nyxctl volume create --opt size=16M vb-ok
assert_eq "$err" "nyxctl: volume vb-ok already exists with other options" "same name, other options"
[[ ! -e /var/lib/nyx/volumes/vb-ok/disk.img ]] || fail "the refused create made an image"

# A container whose create fails takes the volumes it would have created with it.
containers=$(ls /var/lib/nyx/containers | sort)
expect_failure nyxctl create -v vb-rollback:/data -v /anon --ulimit nofile=1:99999999 "$BUSYBOX" true
assert_contains "$err" "--ulimit nofile" "the failed create's error"
assert_eq "$(ls -A /var/lib/nyx/volumes | { grep -v -x vb-ok || true; } | sort)" "$before" "volumes after a failed create"
[[ ! -e /var/lib/nyx/volumes/vb-rollback ]] || fail "a failed create left the volume vb-rollback"
assert_eq "$(ls /var/lib/nyx/containers | sort)" "$containers" "containers after a failed create"
expect_failure nyxctl run --rm -v 'a/b:/data' "$BUSYBOX" true
assert_contains "$err" "invalid characters for a local volume name" "-v with a bad name"

# A directory without a readable record is not a volume nyx may replace: its data stays.
mkdir -p /var/lib/nyx/volumes/vb-orphan/_data
echo precious >/var/lib/nyx/volumes/vb-orphan/_data/f
expect_failure nyxctl volume create vb-orphan
assert_contains "$err" "has no readable record" "create over a directory without a record"
assert_eq "$(cat /var/lib/nyx/volumes/vb-orphan/_data/f)" precious "the data of the record-less directory"
rm -rf /var/lib/nyx/volumes/vb-orphan
# What an interrupted create leaves (its staging directory) goes when nyxd starts.
mkdir -p /var/lib/nyx/volumes/.creating/_data
systemctl restart nyxd
nyxctl volume ls >/dev/null
[[ ! -e /var/lib/nyx/volumes/.creating ]] || fail "the staging directory of an interrupted create is still there"
