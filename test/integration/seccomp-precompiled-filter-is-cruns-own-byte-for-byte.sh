#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxd compiles a container's seccomp profile once and hands crun the program (run.oci.seccomp_bpf_data)
# instead of letting crun compile linux.seccomp at every start. The program must be exactly the one crun
# builds itself: for docker's default profile, with --cap-add SYS_ADMIN, and for a custom profile with
# argument conditions and errno values, `crun create` of the bundle without the annotation leaves the
# same bytes in its state dir (/run/crun/ID/seccomp.bpf) as the annotation carries, and with the
# annotation crun loads the annotation's program.
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d /var/tmp/seccomp-cmp-XXXXXX)
cleanup() {
        for b in "$work"/*/; do
                [[ -d $b ]] || continue
                crun delete -f "cmp-$(basename "$b")" >/dev/null 2>&1 || true
        done
        cleanup_containers
        rm -rf "$work"
}
trap cleanup EXIT
need_busybox

# Allow by default (crun itself runs under the filter before it execs the command), with every kind of
# action, errno values, argument conditions (one index twice: one rule per comparison) and a name this
# libseccomp does not know.
cat >"$work/profile.json" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
    {"names": ["personality"], "action": "SCMP_ACT_ERRNO",
     "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
    {"names": ["clone"], "action": "SCMP_ACT_ERRNO",
     "args": [{"index": 0, "value": 268435456, "valueTwo": 268435456, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS", "args": [{"index": 1, "value": 31, "op": "SCMP_CMP_GE"}]},
    {"names": ["acct"], "action": "SCMP_ACT_TRAP"},
    {"names": ["syslog"], "action": "SCMP_ACT_LOG"},
    {"names": ["no_such_syscall", "swapon"], "action": "SCMP_ACT_KILL"},
    {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}
  ]
}
JSON

compare() {     # name, nyxctl create flags...
        local name=$1 id dir b
        shift
        id=$(nyxctl create --network none "$@" "$BUSYBOX" true)
        dir=/var/lib/nyx/containers/$id
        b=$work/$name
        mkdir -p "$b/with" "$b/without" "$b/rootfs"
        jq -e '.linux.seccomp' "$dir/bundle/config.json" >/dev/null || fail "$name: config.json has no linux.seccomp"
        jq -r '.annotations["run.oci.seccomp_bpf_data"] // empty' "$dir/bundle/config.json" >"$b/annotation"
        [[ -s $b/annotation ]] || fail "$name: config.json has no run.oci.seccomp_bpf_data"
        base64 -d "$b/annotation" >"$b/ours.bpf" || fail "$name: the annotation is not base64"

        # The same bundle on a private copy of the image, outside any cgroup of nyx's.
        for l in $(jq -r '.LowerDirs[]' "$dir/prepare.json" | tac); do
                cp -a "$l/." "$b/rootfs/"
        done
        jq --arg root "$b/rootfs" '.root.path = $root | del(.linux.cgroupsPath) |
                .mounts |= map(select(.destination | startswith("/etc/") | not))' \
                "$dir/bundle/config.json" >"$b/with/config.json"
        jq 'del(.annotations["run.oci.seccomp_bpf_data"])' "$b/with/config.json" >"$b/without/config.json"
        for v in with without; do
                crun create -b "$b/$v" "cmp-$name-$v" || fail "$name: crun create $v the annotation failed"
                cp "/run/crun/cmp-$name-$v/seccomp.bpf" "$b/$v.bpf"
                crun delete -f "cmp-$name-$v"
        done
        cmp -s "$b/ours.bpf" "$b/without.bpf" ||
                fail "$name: nyx's program ($(stat -c %s "$b/ours.bpf") bytes) differs from crun's own compile ($(stat -c %s "$b/without.bpf") bytes)"
        cmp -s "$b/ours.bpf" "$b/with.bpf" || fail "$name: crun did not load the annotation's program"
        echo "$name: $(($(stat -c %s "$b/ours.bpf") / 8)) instructions, identical to crun's"
        nyxctl rm -f "$id" >/dev/null
}

compare default
compare sys-admin --cap-add SYS_ADMIN
compare custom --security-opt "seccomp=$work/profile.json"

# Different profiles, different programs (the cache key covers the whole profile).
! cmp -s "$work/default/ours.bpf" "$work/sys-admin/ours.bpf" || fail "--cap-add SYS_ADMIN gave the default program"
! cmp -s "$work/default/ours.bpf" "$work/custom/ours.bpf" || fail "the custom profile gave the default program"
