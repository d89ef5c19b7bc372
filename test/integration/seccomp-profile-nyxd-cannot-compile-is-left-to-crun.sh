#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A profile that nyxd does not precompile (here an argument condition without its "index", which the
# OCI schema requires and crun reads as index 0) is not dropped: config.json keeps linux.seccomp without run.oci.seccomp_bpf_data, nyxd
# logs a warning, and crun compiles the filter itself, so the container is still filtered.
. "$(dirname "$0")/lib.sh"
dir=$(mktemp -d /var/tmp/seccomp-fallback-XXXXXX)
cleanup() {
        cleanup_containers
        rm -rf "$dir"
}
trap cleanup EXIT
need_busybox

cat >"$dir/profile.json" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                "args": [{"value": 0, "op": "SCMP_CMP_GE"}]}]
}
JSON

since=$(date '+%Y-%m-%d %H:%M:%S')
id=$(nyxctl create --name sc-fallback --network none --security-opt "seccomp=$dir/profile.json" "$BUSYBOX" \
        sh -c 'grep Seccomp: /proc/self/status; mkdir /made 2>&1; echo "mkdir rc=$?"')
config=/var/lib/nyx/containers/$id/bundle/config.json
jq -e '.linux.seccomp.syscalls[0].args[0].op == "SCMP_CMP_GE"' "$config" >/dev/null || fail "linux.seccomp is not in config.json"
jq -e '.annotations["run.oci.seccomp_bpf_data"] == null' "$config" >/dev/null ||
        fail "nyxd precompiled a profile it should have left to crun"
# journald takes nyxd's lines in a moment after nyxd wrote them
wait_until "journalctl --sync; journalctl -u nyxd.service --since '$since' --no-pager -o cat | grep -q 'cannot precompile its seccomp filter'" 50
assert_contains "$(journalctl -u nyxd.service --since "$since" --no-pager -o cat)" \
        "cannot precompile its seccomp filter" "nyxd's warning"
nyxctl rm sc-fallback >/dev/null

out=$(nyxctl run --rm --network none --security-opt "seccomp=$dir/profile.json" "$BUSYBOX" \
        sh -c 'grep Seccomp: /proc/self/status; mkdir /made 2>&1; echo "mkdir rc=$?"')
assert_contains "$out" $'Seccomp:\t2' "the container crun filtered"
assert_contains "$out" "Operation not permitted" "mkdir under the profile crun compiled"
assert_contains "$out" "mkdir rc=1" "mkdir under the profile crun compiled"
