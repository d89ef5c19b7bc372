#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Exit statuses as docker's: 127 for a command that does not exist, 126 for
# one that cannot be executed, 125 with a clear message when nyx cannot exec
# at all (stopped container, unknown container, bad usage).
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

nyxctl run -d --name ex-codes "$BUSYBOX" sleep 1000 >/dev/null

rc=0; err=$(nyxctl exec ex-codes nosuchcommand 2>&1) || rc=$?
assert_eq "$rc" 127 "exit status for a missing command"
assert_contains "$err" "nosuchcommand" "message for a missing command"
rc=0; nyxctl exec ex-codes /no/such/path 2>/dev/null || rc=$?
assert_eq "$rc" 127 "exit status for a missing absolute path"
rc=0; nyxctl exec ex-codes /etc/passwd 2>/dev/null || rc=$?
assert_eq "$rc" 126 "exit status for a file that is not executable"
rc=0; nyxctl exec ex-codes /etc 2>/dev/null || rc=$?
assert_eq "$rc" 126 "exit status for a directory"
rc=0; nyxctl exec ex-codes sh -c 'exit 126' || rc=$?
assert_eq "$rc" 126 "a command's own 126"
rc=0; nyxctl exec ex-codes sh -c 'kill -KILL $$' || rc=$?
assert_eq "$rc" 137 "a command killed by SIGKILL"

# A container that is not running.
nyxctl create --name ex-created "$BUSYBOX" sleep 1000 >/dev/null
rc=0; err=$(nyxctl exec ex-created true 2>&1) || rc=$?
assert_eq "$rc" 125 "exit status for exec into a created container"
assert_contains "$err" "container ex-created is not running" "message for a created container"
nyxctl pause ex-codes >/dev/null
rc=0; err=$(nyxctl exec ex-codes true 2>&1) || rc=$?
assert_eq "$rc" 125 "exit status for exec into a paused container"
assert_contains "$err" "container ex-codes is paused" "message for a paused container"
nyxctl unpause ex-codes >/dev/null
assert_eq "$(nyxctl exec ex-codes echo thawed)" thawed "exec after unpause"
nyxctl stop -t 1 ex-codes >/dev/null
rc=0; err=$(nyxctl exec ex-codes true 2>&1) || rc=$?
assert_eq "$rc" 125 "exit status for exec into a stopped container"
assert_contains "$err" "container ex-codes is not running" "message for a stopped container"

rc=0; err=$(nyxctl exec no-such-container true 2>&1) || rc=$?
assert_eq "$rc" 125 "exit status for an unknown container"
assert_contains "$err" "no such container: no-such-container" "message for an unknown container"
rc=0; err=$(nyxctl exec ex-codes 2>&1) || rc=$?
assert_eq "$rc" 125 "exit status without a command"
assert_contains "$err" "no command given" "message without a command"
expect_failure nyxctl exec -d -t ex-codes sh
assert_contains "$err" "exclude each other" "-d with -t"
