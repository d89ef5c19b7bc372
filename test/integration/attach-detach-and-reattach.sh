#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run -d -it, then nyxctl attach in a tmux pane: what we type reaches the
# container's shell, ctrl-p ctrl-q detaches (exit 0) and leaves it running,
# attaching again works (with other --detach-keys too), one session at a time,
# the output nobody is attached to goes to the journal (nyxctl logs,
# journalctl -u nyx-NAME.service), and after `exit 3` attach exits 3.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
sock=$tmp/tmux.sock
trap 'tmux -S "$sock" kill-server 2>/dev/null || true; cleanup_containers; rm -rf "$tmp"' EXIT
need_busybox
command -v tmux >/dev/null || skip "tmux is not installed"

nyxctl run -d -it --name at-x "$BUSYBOX" sh -c 'echo started-$((6*7)); exec sh' >/dev/null
wait_until "[[ \$(nyxctl logs at-x) == *started-42* ]]" 100
wait_until "[[ \$(journalctl -u nyx-at-x.service) == *started-42* ]]" 100

tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 "bash --norc --noprofile"
pane() { tmux -S "$sock" capture-pane -p -t 0; }
keys() { tmux -S "$sock" send-keys -t 0 "$@"; }
keys "PS1='host\$ '" Enter

keys "nyxctl attach at-x; echo rc1=\$?" Enter
keys 'echo one-$((6*7))' Enter
wait_until "pane | grep -q '^one-42'" 100

# One session at a time.
expect_failure nyxctl attach at-x </dev/null
assert_contains "$err" "another session is attached"

keys C-p C-q
wait_until "pane | grep -q 'rc1=0$'" 100
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' at-x)" running "status after detaching"

# Output while nobody is attached goes to the journal.
nyxctl exec at-x sh -c 'echo detached-$((6*7)) >/proc/1/fd/1'
wait_until "[[ \$(nyxctl logs at-x) == *detached-42* ]]" 100
[[ $(nyxctl logs at-x) != *one-42* ]] || fail "what an attached session saw went to the journal too"

keys "nyxctl attach --detach-keys ctrl-a,d at-x; echo rc2=\$?" Enter
keys 'echo two-$((6*7))' Enter
wait_until "pane | grep -q '^two-42'" 100
keys C-a d
wait_until "pane | grep -q 'rc2=0$'" 100
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' at-x)" running "status after detaching with ctrl-a d"

keys "nyxctl attach at-x; echo rc3=\$?" Enter
keys 'echo three-$((6*7)); exit 3' Enter
wait_until "pane | grep -q 'rc3=3$'" 100
pane | grep -q '^three-42' || fail "third session did not run the command: $(pane)"
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' at-x)" exited "status after exit 3"

# Nothing to attach to: a stopped container, one created without -t; bad keys.
expect_failure nyxctl attach at-x </dev/null
assert_contains "$err" "not running"
nyxctl run -d --name at-plain "$BUSYBOX" sleep 1000 >/dev/null
expect_failure nyxctl attach at-plain </dev/null
assert_contains "$err" "created without -t"
expect_failure nyxctl attach --detach-keys ctrl-1 at-x </dev/null
assert_contains "$err" "ctrl-1"
