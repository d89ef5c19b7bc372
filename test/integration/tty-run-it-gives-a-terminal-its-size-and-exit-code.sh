#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl run -it --rm in a tmux pane: the container's stdio is a pty of its own
# (/dev/pts/N) with our window size, resizing the pane resizes it, our terminal
# is raw while the session runs and has its old mode back after, `exit 7` is
# nyxctl's exit status, and the --rm container is gone.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
sock=$tmp/tmux.sock
trap 'tmux -S "$sock" kill-server 2>/dev/null || true; cleanup_containers; rm -rf "$tmp"' EXIT
need_busybox
command -v tmux >/dev/null || skip "tmux is not installed"

tmux -S "$sock" -f /dev/null new-session -d -x 90 -y 25 "bash --norc --noprofile"
pane() { tmux -S "$sock" capture-pane -p -t 0; }
keys() { tmux -S "$sock" send-keys -t 0 "$@"; }
pane_tty=$(tmux -S "$sock" display -p -t 0 '#{pane_tty}')

keys "stty -g >$tmp/before; nyxctl run -it --rm --name it-term $BUSYBOX sh; echo rc=\$? >$tmp/rc; stty -g >$tmp/after" Enter
wait_until "pane | grep -q '^/ #'" 100
[[ $(stty -F "$pane_tty" -g) != "$(cat "$tmp/before")" ]] || fail "our terminal is not in raw mode during the session"

keys 'tty; stty size' Enter
wait_until "pane | grep -q '^25 90 *$'" 100
pane | grep -q '^/dev/pts/[0-9]' || fail "tty inside does not name a /dev/pts terminal: $(pane)"

tmux -S "$sock" resize-window -t 0 -x 120 -y 40
keys 'stty size' Enter
wait_until "pane | grep -q '^40 120 *$'" 100

keys 'exit 7' Enter
wait_until "[[ -s $tmp/after ]]" 100
assert_eq "$(cat "$tmp/rc")" rc=7 "nyxctl's exit status after exit 7"
assert_eq "$(cat "$tmp/after")" "$(cat "$tmp/before")" "terminal mode (stty -g) after the session"
wait_until "! nyxctl inspect it-term" 50

# A command that cannot run: docker's 127, and the runtime's reason (from the unit's journal stream).
rc=0
out=$(nyxctl run -t --rm "$BUSYBOX" nosuchcmd 2>&1 </dev/null) || rc=$?
assert_eq "$rc" 127 "run -t of a missing command"
assert_contains "$out" "nosuchcmd" "run -t's message about a missing command"
