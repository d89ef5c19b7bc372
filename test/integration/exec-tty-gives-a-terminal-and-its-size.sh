#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl exec -it under a real pty (script): the command sees a terminal in
# the container's /dev/pts with the caller's size, what we type reaches it,
# its exit status is nyxctl's, and our terminal is restored afterwards.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'cleanup_containers; rm -rf "$tmp"' EXIT
need_busybox
command -v script >/dev/null || skip "script (util-linux) is not installed"

nyxctl run -d --name ex-tty "$BUSYBOX" sleep 1000 >/dev/null

# A terminal with the size of ours, without typing anything.
rc=0
script -qec "stty rows 33 cols 101; nyxctl exec -t ex-tty sh -c 'tty; stty size; exit 7'" /dev/null \
        </dev/null >"$tmp/out" 2>&1 || rc=$?
out=$(tr -d '\r' <"$tmp/out")
assert_eq "$rc" 7 "exit status of exec -t ... exit 7"
[[ $out =~ /dev/pts/[0-9]+ ]] || fail "tty inside printed no /dev/pts path: $out"
assert_contains "$out" "33 101" "stty size inside"

# Piped input through the terminal: its end arrives as end-of-file characters
# (two after a partial line), so these commands end.
out=$(printf 'l1\nl2\n' | timeout 30 nyxctl exec -it ex-tty wc -l | tr -d '\r ')
assert_eq "$(tail -1 <<<"$out")" 2 "wc -l of piped input through the terminal"
rc=0
printf 'no newline' | timeout 30 nyxctl exec -it ex-tty cat >/dev/null || rc=$?
assert_eq "$rc" 0 "cat of a partial line through the terminal"

# Typing into an interactive shell: our input goes through the terminal. The
# fifo stays open until script exits, so script never sees the end of its input.
mkfifo "$tmp/in"
script -qec "stty rows 40 cols 120; stty -a >$tmp/before; nyxctl exec -it ex-tty sh; echo rc=\$? >$tmp/rc; stty -a >$tmp/after" \
        /dev/null <"$tmp/in" >"$tmp/out" 2>&1 &
scriptpid=$!
exec 3>"$tmp/in"
printf 'tty; stty size; exit 7\r' >&3
wait_until "[[ -s $tmp/rc ]]" 300
wait "$scriptpid" || true
exec 3>&-
out=$(tr -d '\r' <"$tmp/out")
assert_eq "$(cat "$tmp/rc")" rc=7 "nyxctl's exit status after typing exit 7"
[[ $out =~ /dev/pts/[0-9]+ ]] || fail "typed tty printed no /dev/pts path: $out"
assert_contains "$out" "40 120" "typed stty size"
assert_eq "$(cat "$tmp/after")" "$(cat "$tmp/before")" "terminal settings after exec -it (raw mode undone)"

# kill -9 of nyxd during a session: we hold the terminal, the shell lives on
# in the container; nyxctl stays until it ends, then says the status is unknown.
mkfifo "$tmp/in2"
script -qec "nyxctl exec -it ex-tty sh; echo rc=\$? >$tmp/rc2" /dev/null <"$tmp/in2" >"$tmp/out2" 2>&1 &
scriptpid=$!
exec 3>"$tmp/in2"
printf 'echo sess""ion-up\r' >&3
wait_until "tr -d '\r' <$tmp/out2 | grep -qx session-up" 300
kill -9 "$(nyxd_pid)"
printf 'echo still""-here\r' >&3
wait_until "tr -d '\r' <$tmp/out2 | grep -qx still-here" 300
printf 'exit 3\r' >&3
wait_until "[[ -s $tmp/rc2 ]]" 300
wait "$scriptpid" || true
exec 3>&-
assert_eq "$(cat "$tmp/rc2")" rc=125 "nyxctl's exit status when nyxd died during exec -it"
assert_contains "$(cat "$tmp/out2")" "nyxd went away" "nyxctl's message"
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' ex-tty)" running "the container after kill -9 of nyxd"

# Without a running container nothing is left in raw mode either.
nyxctl stop -t 1 ex-tty >/dev/null
rc=0
script -qec "stty -a >$tmp/before; nyxctl exec -it ex-tty sh; echo rc=\$? >$tmp/rc; stty -a >$tmp/after" /dev/null \
        </dev/null >"$tmp/out" 2>&1 || rc=$?
assert_eq "$(cat "$tmp/rc")" rc=125 "exec -it into a stopped container"
assert_contains "$(cat "$tmp/out")" "is not running" "its message"
assert_eq "$(cat "$tmp/after")" "$(cat "$tmp/before")" "terminal settings after a failed exec -it"
