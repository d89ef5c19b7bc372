#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl exec -it in a tmux pane: resizing the pane resizes the container's
# terminal (SIGWINCH -> TIOCSWINSZ on the pty master).
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
sock=$tmp/tmux.sock
trap 'tmux -S "$sock" kill-server 2>/dev/null || true; cleanup_containers; rm -rf "$tmp"' EXIT
need_busybox
command -v tmux >/dev/null || skip "tmux is not installed"

nyxctl run -d --name ex-winch "$BUSYBOX" sleep 1000 >/dev/null

tmux -S "$sock" -f /dev/null new-session -d -x 90 -y 25 \
        "nyxctl exec -it ex-winch sh; echo rc=\$? >$tmp/rc; sleep 60"
pane() { tmux -S "$sock" capture-pane -p -t 0; }
keys() { tmux -S "$sock" send-keys -t 0 "$@"; }

wait_until "pane | grep -q '/ #'" 100
keys 'stty size' Enter
wait_until "pane | grep -q '^25 90 *$'" 100
assert_contains "$(pane)" "25 90" "stty size at the start"

tmux -S "$sock" resize-window -t 0 -x 120 -y 40
keys 'stty size' Enter
wait_until "pane | grep -q '^40 120 *$'" 100
keys 'exit 7' Enter
wait_until "[[ -s $tmp/rc ]]" 100
assert_eq "$(cat "$tmp/rc")" rc=7 "exit status"
