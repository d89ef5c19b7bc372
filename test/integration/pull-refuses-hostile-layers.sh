#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Each hostile image fails to pull with a message naming the problem,
# writes nothing outside the store, and leaves the store as it was: no new
# blob, layer or name, nothing left in the staging directory.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT

store_listing() {
        find /var/lib/nyx/images /var/lib/nyx/layers -printf '%P %y %m %s\n' | sort
}
escapes() {
        find / /tmp /var/lib/nyx -xdev -maxdepth 1 \( -name 'escape*' -o -name victim -o -name '.wh.victim' \) 2>/dev/null
        find /var/lib/nyx /tmp -name 'escape*' 2>/dev/null
        true
}

# Start from an empty store, so that the busybox layer every hostile image
# shares must be fetched too and must not stay behind.
cleanup_containers
for id in $(nyxctl images -q --no-trunc | sort -u); do
        nyxctl rmi -f "$id" >/dev/null
done
assert_eq "$(nyxctl images -q)" "" "images after removing all"

shadow_before=$(sha256sum /etc/shadow /etc/passwd)
before=$(store_listing)
[[ -z $(escapes) ]] || fail "escape files exist before the test: $(escapes)"

check() {       # IMAGE EXPECTED-MESSAGE [PULL OPTIONS...]
        local image=$1 want=$2
        shift 2
        expect_failure nyxctl pull --tls-verify=false "$@" "$REG/$image"
        assert_contains "$err" "$want" "error of pulling $image"
        assert_contains "$err" "nyxctl: pull $REG/$image failed" "error of pulling $image"
        assert_eq "$(store_listing)" "$before" "store listing after pulling $image"
        assert_eq "$(ls -A /var/lib/nyx/tmp)" "" "/var/lib/nyx/tmp after pulling $image"
        assert_eq "$(escapes)" "" "files outside the store after pulling $image"
        assert_eq "$(nyxctl images -q)" "" "images after pulling $image"
}

check evil-dotdot "entry '../../escape' leaves the layer directory"
check evil-absolute "entry '/tmp/escape-abs' has an absolute path"
check evil-symlink "entry 'link/escape' would be written through a symlink leaving the layer directory"
check evil-symlink-rel "entry 'link/escape-rel' would be written through a symlink leaving the layer directory"
check evil-hardlink "entry 'shadow-link' is a hard link to absolute path '/etc/shadow'"
check evil-hardlink-rel "entry 'passwd-link' is a hard link to '../../etc/passwd', which is outside the layer directory"
check evil-device "entry 'dev/evil-mem' is a character device node, which is not allowed here"
check evil-whiteout-dotdot "entry '../../.wh.victim' leaves the layer directory"
check evil-whiteout-symlink "entry 'wlink/.wh.victim' would be written through a symlink leaving the layer directory"
check evil-truncated "has 524467 bytes, expected 1048935"
check evil-baddigest "has digest sha256:"
# The bomb expands to 2 GiB; a limit below that stops it.
check evil-gzipbomb "layer expands beyond 67108864 bytes (gzip bomb?)" --max-layer-size 64M

assert_eq "$(sha256sum /etc/shadow /etc/passwd)" "$shadow_before" "/etc/shadow and /etc/passwd"

expect_failure nyxctl pull --max-layer-size 12x "$REG/busybox"
assert_contains "$err" "--max-layer-size expects a size" "a bad --max-layer-size"

# The store still works: the shared busybox layer pulls cleanly now.
nyxctl pull -q --tls-verify=false "$BUSYBOX" >/dev/null
assert_eq "$(nyxctl run --rm "$BUSYBOX" echo ok)" ok "a container after the hostile pulls"
