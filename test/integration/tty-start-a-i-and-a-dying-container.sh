#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# create -it + start -a -i: the session starts with the container and gets its
# exit status; a container killed from outside ends the session with 137 and
# gives our terminal its mode back; start -a on a container without -t fails
# before starting it.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
sock=$tmp/tmux.sock
trap 'tmux -S "$sock" kill-server 2>/dev/null || true; cleanup_containers; rm -rf "$tmp"' EXIT
need_busybox
command -v tmux >/dev/null || skip "tmux is not installed"

nyxctl create -it --name sa-x "$BUSYBOX" sh >/dev/null
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' sa-x)" created "status after create -it"

tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 "bash --norc --noprofile"
pane() { tmux -S "$sock" capture-pane -p -t 0; }
keys() { tmux -S "$sock" send-keys -t 0 "$@"; }
pane_tty=$(tmux -S "$sock" display -p -t 0 '#{pane_tty}')
keys "PS1='host\$ '" Enter
before=$(stty -F "$pane_tty" -g)

keys "nyxctl start -a -i sa-x; echo rc1=\$?" Enter
keys 'tty; exit 5' Enter
wait_until "pane | grep -q 'rc1=5$'" 100
pane | grep -q '^/dev/pts/[0-9]' || fail "no terminal inside after start -a -i: $(pane)"
assert_eq "$(stty -F "$pane_tty" -g)" "$before" "terminal mode after exit 5"

# Killed while attached: the session ends with its status, our terminal is cooked again.
keys "nyxctl start -a -i sa-x; echo rc2=\$?" Enter
wait_until "[[ \$(nyxctl inspect -f '{{.State.Status}}' sa-x) == running ]]" 100
wait_until "[[ \$(stty -F $pane_tty -g) != $before ]]" 100
nyxctl kill sa-x >/dev/null
wait_until "pane | grep -q 'rc2=137$'" 100
assert_eq "$(stty -F "$pane_tty" -g)" "$before" "terminal mode after the container was killed"

nyxctl create --name sa-plain "$BUSYBOX" true >/dev/null
expect_failure nyxctl start -a sa-plain </dev/null
assert_contains "$err" "created without -t"
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' sa-plain)" created "status after a refused start -a"
