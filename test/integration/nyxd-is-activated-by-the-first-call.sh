#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"

systemctl stop nyxd.service
assert_eq "$(systemctl is-active nyxd.service || true)" inactive "nyxd before the first call"

out=$(nyxctl info)
assert_contains "$out" "Version:" "nyxctl info"
assert_contains "$out" "RuntimeVersion:" "nyxctl info"
assert_contains "$out" "CgroupMode:" "nyxctl info"

assert_eq "$(systemctl is-active nyxd.service)" active "nyxd after the first call"
status=$(systemctl status --no-pager nyxd.service || true)
assert_contains "$status" "Active: active (running)" "systemctl status nyxd"

# Type=notify: the READY=1 line came through, and start-up is in the journal.
journalctl --sync 2>/dev/null || true
log=$(journalctl -u nyxd.service --no-pager -o cat)
assert_contains "$log" "nyxd 0" "journalctl -u nyxd"
assert_contains "$log" "running (runtime" "journalctl -u nyxd"

tree=$(busctl tree --list org.nyx.engine1)
assert_contains "$tree" "/org/nyx/engine1" "busctl tree org.nyx.engine1"
