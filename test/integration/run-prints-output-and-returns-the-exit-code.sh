#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

assert_eq "$(nyxctl run --rm "$BUSYBOX" echo hi)" hi "run --rm echo hi"

rc=0
nyxctl run --name exit3 "$BUSYBOX" sh -c 'exit 3' || rc=$?
assert_eq "$rc" 3 "exit status of sh -c 'exit 3'"
assert_eq "$(nyxctl inspect -f '{{.State.ExitCode}}' exit3)" 3 "inspect ExitCode"
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' exit3)" exited "inspect Status"
assert_contains "$(nyxctl ps -a)" "Exited (3)" "ps -a"
assert_not_contains "$(nyxctl ps)" "exit3" "ps without -a"

# --rm containers are gone once they exited.
nyxctl run --rm --name gone "$BUSYBOX" true
expect_failure nyxctl inspect gone
assert_contains "$err" "no such container: gone" "inspect of a --rm container"

# The image's environment and working directory, and -e/-w.
out=$(nyxctl run --rm -e FOO=bar -w /tmp "$BUSYBOX" sh -c 'echo $FOO $PWD $PATH')
assert_eq "$out" "bar /tmp /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "env and workdir"

# -u resolves names against the image's /etc/passwd.
assert_eq "$(nyxctl run --rm -u nyxuser "$BUSYBOX" id -u)" 1000 "run -u nyxuser"
expect_failure nyxctl run --rm -u nosuchuser "$BUSYBOX" true
assert_contains "$err" "unable to find user nosuchuser" "run -u nosuchuser"

# Output comes as it is written while the container runs (after a moment), all of it and in order,
# also when it is more than the journal's line buffering holds at once, and a quick one's too.
fifo=$(mktemp -u)
mkfifo "$fifo"
nyxctl run --rm "$BUSYBOX" sh -c 'echo first; sleep 2; echo second' >"$fifo" &
run_pid=$!
exec 3<"$fifo"
line=
read -r -t 10 line <&3 || true
assert_eq "$line" first "the first line, printed before the container ends"
assert_eq "$(kill -0 "$run_pid" 2>/dev/null && echo running)" running "nyxctl run after the first line"
assert_eq "$(cat <&3)" second "the rest"
exec 3<&-
wait "$run_pid"
rm -f "$fifo"
out=$(nyxctl run --rm "$BUSYBOX" sh -c 'i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done; sleep 0.5; echo done')
assert_eq "$(wc -l <<<"$out")" 301 "lines of a container that prints 300 and then more"
assert_eq "$(head -1 <<<"$out") $(sed -n 300p <<<"$out") $(tail -1 <<<"$out")" "line-0 line-299 done" "their order"
