#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pull reports per-layer progress: rows redrawn in place (with bars) on a
# terminal, plain lines otherwise, only the ID with -q.
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
command -v script >/dev/null || skip "script(1) (util-linux) is not installed"

forget_layered() {
        cleanup_containers
        nyxctl rmi -f "$REG/layered" >/dev/null 2>&1 || true
}

# Not a terminal: one line per layer and state change.
forget_layered
out=$(nyxctl pull --tls-verify=false "$REG/layered" 2>&1)
id=$(nyxctl images -q --no-trunc "$REG/layered")
assert_eq "$(tail -1 <<<"$out")" "$id" "last line of a plain pull"
assert_contains "$out" "Pulling $REG/layered..." "plain pull output"
n_complete=$(grep -c ': Pull complete$' <<<"$out" || true)
n_exists=$(grep -c ': Already exists$' <<<"$out" || true)
assert_eq "$((n_complete + n_exists))" 4 "layers reported complete or present (of 4): $out"
[[ $n_complete -ge 3 ]] || fail "expected at least layered's 3 own layers to be pulled, got: $out"
assert_contains "$out" ": Downloading" "plain pull output"
assert_not_contains "$out" $'\e[' "plain pull output (no terminal escapes)"

# Again: everything is there.
out=$(nyxctl pull --tls-verify=false "$REG/layered" 2>&1)
assert_eq "$(grep -c ': Already exists$' <<<"$out")" 4 "layers already there on the second pull: $out"

# -q: the ID and nothing else, on stdout and stderr together.
forget_layered
out=$(nyxctl pull -q --tls-verify=false "$REG/layered" 2>&1)
assert_eq "$out" "$id" "output of pull -q"

# A terminal: rows redrawn in place, with a bar while downloading.
forget_layered
out=$(script -qec "nyxctl pull --tls-verify=false $REG/layered" /dev/null)
assert_contains "$out" $'\e[K' "terminal pull output (rows cleared and redrawn)"
assert_contains "$out" $'\e[4A' "terminal pull output (cursor moved up over the 4 rows)"
assert_contains "$out" "Pull complete" "terminal pull output"
assert_contains "$out" "] " "terminal pull output (a progress bar)"
assert_contains "$out" "$id" "terminal pull output (the ID)"
