#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl cp, host <-> container, docker's naming rules, on a running and on a
# stopped container (whose rootfs nyxd mounts privately for the copy).
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'cleanup_containers; rm -rf "$work"' EXIT
need_busybox

cd "$work"
mkdir -p src/sub
echo hello >src/a
echo deep >src/sub/b
chmod 0750 src/sub
ln -s /etc/passwd src/link
printf 'x%.0s' $(seq 1 100000) >src/big

nyxctl run -d --name cp-run "$BUSYBOX" sleep 1000 >/dev/null
nyxctl create --name cp-stopped "$BUSYBOX" true >/dev/null

check_in() {    # container path expected-content
        assert_eq "$(nyxctl cp "$1:$2" - | tar -xO)" "$3" "$2 in $1"
}

for c in cp-run cp-stopped; do
        # A file into an existing directory keeps its name; to a new name it takes that.
        nyxctl cp src/a $c:/tmp
        check_in $c /tmp/a hello
        nyxctl cp src/a $c:/tmp/renamed
        check_in $c /tmp/renamed hello
        # A directory: into a new name, into an existing directory, its contents with /.
        nyxctl cp src $c:/copied
        check_in $c /copied/sub/b deep
        nyxctl cp src $c:/tmp
        check_in $c /tmp/src/sub/b deep
        nyxctl cp src/. $c:/contents
        check_in $c /contents/a hello
        check_in $c /contents/big "$(cat src/big)"
        # Over an existing file.
        echo changed >a2
        nyxctl cp a2 $c:/tmp/a
        check_in $c /tmp/a changed

        # And back: modes and symlinks survive, the caller owns the copies.
        nyxctl cp $c:/copied out-$c
        assert_eq "$(cat out-$c/a out-$c/sub/b)" "hello
deep" "copied back from $c"
        assert_eq "$(readlink out-$c/link)" /etc/passwd "a symlink stays a symlink"
        assert_eq "$(stat -c %a out-$c/sub)" 750 "mode of a directory"
        assert_eq "$(cat out-$c/big)" "$(cat src/big)" "a 100 kB file"
        mkdir existing-$c
        nyxctl cp $c:/etc/passwd existing-$c
        assert_contains "$(cat existing-$c/passwd)" "root:x:0:0" "a file into an existing directory"
        nyxctl cp $c:/etc/passwd passwd-$c
        assert_contains "$(cat passwd-$c)" "root:x:0:0" "a file to a new name"
        nyxctl cp $c:/contents/. contents-$c
        assert_eq "$(cat contents-$c/a)" hello "a directory's contents to a new name"

        # Errors name what is wrong.
        expect_failure nyxctl cp $c:/no/such/file out
        assert_contains "$err" "No such file or directory" "copying a missing file out of $c"
        expect_failure nyxctl cp src $c:/no/such/dir/x
        assert_contains "$err" "No such file or directory" "copying into a missing directory of $c"
        expect_failure nyxctl cp src $c:/tmp/a
        assert_contains "$err" "cannot copy a directory to /tmp/a: it is a file" "a directory onto a file in $c"
        expect_failure nyxctl cp missing-here $c:/tmp
        assert_contains "$err" "missing-here: No such file or directory" "a missing host file"
done

# Copied into the running container: its processes see it.
assert_eq "$(nyxctl exec cp-run cat /tmp/renamed)" hello "the file as the container sees it"
# Files copied into the stopped one are there when it runs.
nyxctl start cp-stopped >/dev/null
assert_contains "$(nyxctl exec cp-run ls /copied)" big "listing in the running container"

# A tar stream on stdin/stdout.
tar -C src -cf - a sub | nyxctl cp - cp-run:/tmp
check_in cp-run /tmp/sub/b deep
expect_failure nyxctl cp - cp-run:/tmp/renamed </dev/null
assert_contains "$err" "is not a directory" "a tar stream onto a file"
assert_eq "$(nyxctl cp cp-run:/copied - | tar -tf - | sort | head -3 | tr '\n' ' ')" "copied/ copied/a copied/big " "a tar stream out"

expect_failure nyxctl cp src/a other-dir/x
assert_contains "$err" "CONTAINER:PATH" "no container side"
expect_failure nyxctl cp cp-run:/a cp-stopped:/b
assert_contains "$err" "between containers" "two container sides"

nyxctl run -d --name cp-ro --read-only "$BUSYBOX" sleep 1000 >/dev/null
expect_failure nyxctl cp src/a cp-ro:/tmp
assert_contains "$err" "read-only" "into a --read-only container"
