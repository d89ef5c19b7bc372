#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl kill -s SIGNAL reaches a running container's main process; nyxctl run
# in the foreground passes SIGTERM and SIGINT on to the container (as docker's
# --sig-proxy) and exits with the container's status. (Signals to an exec:
# exec-streams-output-and-returns-the-exit-code.sh.)
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'cleanup_containers; rm -rf "$tmp"' EXIT
need_busybox

nyxctl run -d --name sig-x "$BUSYBOX" sh -c \
        'trap "echo got-usr1" USR1; trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null
wait_until "[[ \$(nyxctl logs sig-x) == *ready* ]]" 100
nyxctl kill -s USR1 sig-x >/dev/null
wait_until "[[ \$(nyxctl logs sig-x) == *got-usr1* ]]" 100
nyxctl kill -s SIGTERM sig-x >/dev/null
wait_until "[[ \$(nyxctl inspect -f '{{.State.Status}}' sig-x) == exited ]]" 100
assert_eq "$(nyxctl inspect -f '{{.State.ExitCode}}' sig-x)" 42 "exit code after kill -s SIGTERM"
expect_failure nyxctl kill -s NOSUCHSIG sig-x
assert_contains "$err" "NOSUCHSIG"

for sig in TERM INT; do
        rc=0
        nyxctl run --rm --name "sig-fg-$sig" "$BUSYBOX" sh -c \
                "trap 'echo got-$sig; exit 43' $sig; echo ready; while :; do sleep 0.1; done" >"$tmp/out" 2>&1 &
        runpid=$!
        wait_until "grep -q ready $tmp/out" 100
        kill -"$sig" "$runpid"
        wait "$runpid" || rc=$?
        assert_eq "$rc" 43 "nyxctl run's exit status after SIG$sig"
        assert_contains "$(cat "$tmp/out")" "got-$sig" "output after SIG$sig"
done
