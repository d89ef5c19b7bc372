#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kill -9 of nyxd while a session is attached to a container's terminal: the
# container keeps running and the session goes on (the shell answers while nyxd
# is gone and after it came back), the pty master waits in systemd's fd store,
# detaching and attaching again work with the new nyxd, and output written
# while nyxd was dead and nobody attached reaches the journal afterwards.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
sock=$tmp/tmux.sock
# Two kill -9 in a few seconds: systemd's start rate limit for nyxd is reset after, so the
# next test's kill -9 does not run into it.
trap 'tmux -S "$sock" kill-server 2>/dev/null || true; cleanup_containers; rm -rf "$tmp"
      systemctl reset-failed nyxd.service 2>/dev/null || true' EXIT
need_busybox
command -v tmux >/dev/null || skip "tmux is not installed"

nyxctl run -d -it --name k9-x "$BUSYBOX" sh >/dev/null
tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 "bash --norc --noprofile"
pane() { tmux -S "$sock" capture-pane -p -t 0; }
keys() { tmux -S "$sock" send-keys -t 0 "$@"; }
keys "PS1='host\$ '" Enter

keys "nyxctl attach k9-x; echo rc1=\$?" Enter
keys 'echo before-$((6*7))' Enter
wait_until "pane | grep -q '^before-42'" 100

pid=$(nyxd_pid)
kill -9 "$pid"
keys 'echo during-$((6*7))' Enter
wait_until "pane | grep -q '^during-42'" 100
wait_until "[[ \$(nyxd_pid) != 0 && \$(nyxd_pid) != $pid ]]" 100
# The new nyxd took the master (and the attached client's lifeline) back from the fd store.
took_back() {
        [[ $(journalctl -u nyxd.service _PID="$(nyxd_pid)") == *"Took back the terminal of container "*" (a client is attached)"* ]]
}
wait_until took_back 50
assert_eq "$(nyxctl inspect -f '{{.State.Status}}' k9-x)" running "status after kill -9 of nyxd"

keys 'echo after-$((6*7))' Enter
wait_until "pane | grep -q '^after-42'" 100
keys C-p C-q
wait_until "pane | grep -q 'rc1=0$'" 100

# Detached, with nyxd dead: the terminal holds the output until nyxd is back.
keys "nyxctl attach k9-x; echo rc2=\$?" Enter
keys '(sleep 2; echo late-$((6*7))) &' Enter
sleep 0.5
keys C-p C-q
wait_until "pane | grep -q 'rc2=0$'" 100
pid=$(nyxd_pid)
kill -9 "$pid"
sleep 3
wait_until "[[ \$(nyxctl logs k9-x) == *late-42* ]]" 100

keys "nyxctl attach k9-x; echo rc3=\$?" Enter
keys 'echo last-$((6*7)); exit 3' Enter
wait_until "pane | grep -q 'rc3=3$'" 100
pane | grep -q '^last-42' || fail "the shell did not answer after two kill -9 of nyxd: $(pane)"
