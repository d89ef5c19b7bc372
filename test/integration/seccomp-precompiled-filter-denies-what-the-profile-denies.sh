#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# With the program nyxd compiled (run.oci.seccomp_bpf_data), containers are filtered as before:
# docker's default profile is in force (Seccomp: 2) in `run` and in `exec`, unshare(CLONE_NEWUSER),
# which needs no capability, fails with EPERM while ordinary calls work; --cap-add SYS_ADMIN gets its
# own program in which unshare and mount are allowed; seccomp=unconfined and --privileged run without
# a filter and without the annotation.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

config_of() {   # container name -> its config.json
        echo "/var/lib/nyx/containers/$(nyxctl inspect --format '{{.Id}}' "$1")/bundle/config.json"
}
has_annotation() {
        jq -e '.annotations["run.oci.seccomp_bpf_data"] | length > 0' "$(config_of "$1")" >/dev/null
}

# The default profile.
nyxctl create --name sc-default --network none "$BUSYBOX" sh -c 'sleep 1000' >/dev/null
has_annotation sc-default || fail "the default profile was not precompiled into config.json"
jq -e '.linux.seccomp.syscalls | length > 0' "$(config_of sc-default)" >/dev/null ||
        fail "linux.seccomp is gone from config.json (crun reads its flags there)"
nyxctl start sc-default >/dev/null
assert_contains "$(nyxctl exec sc-default grep Seccomp: /proc/self/status)" $'Seccomp:\t2' "exec under the default profile"
assert_contains "$(nyxctl exec sc-default grep Seccomp: /proc/1/status)" $'Seccomp:\t2' "PID 1 under the default profile"
nyxctl rm -f sc-default >/dev/null

out=$(nyxctl run --rm --network none "$BUSYBOX" sh -c '
        grep ^Seccomp /proc/self/status
        unshare -U true 2>&1; echo "unshare rc=$?"
        echo hello >/tmp/f && cat /tmp/f && echo "pid $$"')
assert_contains "$out" $'Seccomp:\t2' "run under the default profile"
assert_contains "$out" $'Seccomp_filters:\t1' "the number of filters the kernel holds for the container"
assert_contains "$out" "Operation not permitted" "unshare under the default profile"
assert_contains "$out" "unshare rc=1" "unshare under the default profile"
assert_contains "$out" "hello" "ordinary system calls under the default profile"

# Without a filter unshare -U works here, so the EPERM above is the filter's.
out=$(nyxctl run --rm --network none --security-opt seccomp=unconfined "$BUSYBOX" sh -c '
        grep Seccomp: /proc/self/status; unshare -U true 2>&1; echo "unshare rc=$?"')
assert_contains "$out" $'Seccomp:\t0' "seccomp=unconfined"
assert_contains "$out" "unshare rc=0" "unshare -U without a filter"
nyxctl create --name sc-unconfined --network none --security-opt seccomp=unconfined "$BUSYBOX" true >/dev/null
! has_annotation sc-unconfined || fail "seccomp=unconfined got a seccomp program"
jq -e '.linux.seccomp == null' "$(config_of sc-unconfined)" >/dev/null || fail "seccomp=unconfined has linux.seccomp"
nyxctl create --name sc-privileged --network none --privileged "$BUSYBOX" true >/dev/null
! has_annotation sc-privileged || fail "--privileged got a seccomp program"

# --cap-add SYS_ADMIN: docker's profile allows unshare and mount for it; its program is another one.
out=$(nyxctl run --rm --network none --cap-add SYS_ADMIN "$BUSYBOX" sh -c '
        grep Seccomp: /proc/self/status
        unshare -U true 2>&1; echo "unshare rc=$?"
        mkdir -p /tmp/m && mount -t tmpfs none /tmp/m && echo mounted' 2>&1)
assert_contains "$out" $'Seccomp:\t2' "--cap-add SYS_ADMIN is still filtered"
assert_contains "$out" "unshare rc=0" "unshare with --cap-add SYS_ADMIN"
assert_contains "$out" "mounted" "mount with --cap-add SYS_ADMIN"
nyxctl create --name sc-admin --network none --cap-add SYS_ADMIN "$BUSYBOX" true >/dev/null
has_annotation sc-admin || fail "the --cap-add SYS_ADMIN profile was not precompiled"

# The default program and the SYS_ADMIN one differ, and both are in the cache.
nyxctl create --name sc-default2 --network none "$BUSYBOX" true >/dev/null
a=$(jq -r '.annotations["run.oci.seccomp_bpf_data"]' "$(config_of sc-default2)")
b=$(jq -r '.annotations["run.oci.seccomp_bpf_data"]' "$(config_of sc-admin)")
[[ $a != "$b" ]] || fail "--cap-add SYS_ADMIN got the default profile's program"
for p in "$a" "$b"; do
        found=
        for f in /var/lib/nyx/seccomp-cache/*.bpf; do
                [[ $(base64 -w0 "$f") == "$p" ]] && found=1
        done
        [[ -n $found ]] || fail "a program in config.json is not in /var/lib/nyx/seccomp-cache"
done
