# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by every integration test; runs inside the sandbox (PID 1 is a
# throwaway systemd with nyx installed). A test exits 0 (pass), 77 (skip,
# after saying why) or anything else (fail, after saying what differed).

set -euo pipefail

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

skip() {
        echo "SKIP: $*" >&2
        exit 77
}

assert_eq() {     # actual expected what
        [[ $1 == "$2" ]] || fail "${3:-value}: expected '$2', got '$1'"
}

assert_contains() {     # haystack needle what
        [[ $1 == *"$2"* ]] || fail "${3:-output}: expected to contain '$2', got: $1"
}

assert_not_contains() {
        [[ $1 != *"$2"* ]] || fail "${3:-output}: expected not to contain '$2', got: $1"
}

# Run a command that must fail; its stderr is left in $err.
expect_failure() {
        local rc=0
        err=$("$@" 2>&1 >/dev/null) || rc=$?
        [[ $rc -ne 0 ]] || fail "expected '$*' to fail, it succeeded"
}

# Wait until a command succeeds (up to $2 tenths of a second).
wait_until() {
        local cmd=$1 tries=${2:-100}
        while ! eval "$cmd" >/dev/null 2>&1; do
                tries=$((tries - 1))
                [[ $tries -gt 0 ]] || fail "timed out waiting for: $cmd"
                sleep 0.1
        done
}

nyxd_pid() {
        systemctl show -p MainPID --value nyxd.service
}

# The fixture registries the runner started (test/fixtures/publish-all).
if [[ -n ${NYX_FIXTURES:-} && -f $NYX_FIXTURES/registries.env ]]; then
        . "$NYX_FIXTURES/registries.env"
fi
REG=${NYX_TEST_REGISTRY:-127.0.0.1:5000}
BUSYBOX=$REG/busybox:latest

# Pull the busybox fixture once per sandbox.
need_busybox() {
        nyxctl images -q "$BUSYBOX" | grep -q . || nyxctl pull -q --tls-verify=false "$BUSYBOX" >/dev/null
}

# Containers and units a test leaves behind are removed on exit.
cleanup_containers() {
        local ids
        ids=$(nyxctl ps -aq 2>/dev/null || true)
        [[ -z $ids ]] || nyxctl rm -f $ids >/dev/null 2>&1 || true
}
