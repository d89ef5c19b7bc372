#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl run -it in a tmux pane: our terminal is raw, so Ctrl-C is a byte for
# the container's terminal, whose line discipline interrupts the foreground
# command there; nyxctl and the container's shell stay.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
sock=$tmp/tmux.sock
trap 'tmux -S "$sock" kill-server 2>/dev/null || true; cleanup_containers; rm -rf "$tmp"' EXIT
need_busybox
command -v tmux >/dev/null || skip "tmux is not installed"

tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 \
        "nyxctl run -it --rm --name it-intr $BUSYBOX sh; echo rc=\$? >$tmp/rc; sleep 60"
pane() { tmux -S "$sock" capture-pane -p -t 0; }
keys() { tmux -S "$sock" send-keys -t 0 "$@"; }

wait_until "pane | grep -q '/ #'" 100
keys 'sleep 4711' Enter
wait_until "nyxctl exec it-intr ps | grep -q 'sleep 4711'" 100
keys C-c
keys 'echo "status=$?"' Enter
wait_until "pane | grep -q '^status=130'" 100
! nyxctl exec it-intr ps | grep -q 'sleep 4711' || fail "sleep 4711 still runs after Ctrl-C"
[[ ! -s $tmp/rc ]] || fail "nyxctl ended on Ctrl-C: $(cat "$tmp/rc")"
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' it-intr)" running "container status after Ctrl-C"
keys 'exit 4' Enter
wait_until "[[ -s $tmp/rc ]]" 100
assert_eq "$(cat "$tmp/rc")" rc=4 "exit status after Ctrl-C and exit 4"
