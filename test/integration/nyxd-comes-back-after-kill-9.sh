#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"

nyxctl info >/dev/null
old=$(nyxd_pid)
[[ $old -gt 0 ]] || fail "nyxd has no main PID after a call"

kill -9 "$old"
wait_until "[[ \$(systemctl show -p MainPID --value nyxd.service) != $old ]]"

# The next call re-activates nyxd (or reaches the instance Restart= started).
out=$(nyxctl info)
assert_contains "$out" "Version:" "nyxctl info after kill -9"
new=$(nyxd_pid)
[[ $new -gt 0 && $new != "$old" ]] || fail "expected a new nyxd, got PID '$new' (old $old)"
