#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"

intro=$(busctl introspect org.nyx.engine1 /org/nyx/engine1)
assert_contains "$intro" "org.nyx.engine1.Manager" "introspection"
assert_contains "$intro" ".GetInfo" "introspection"
assert_contains "$intro" ".CgroupMode" "introspection"
assert_contains "$intro" "org.freedesktop.DBus.ObjectManager" "introspection"

assert_eq "$(busctl get-property org.nyx.engine1 /org/nyx/engine1 org.nyx.engine1.Manager StorageRoot)" \
        's "/var/lib/nyx"' "StorageRoot"

runtime=$(busctl get-property org.nyx.engine1 /org/nyx/engine1 org.nyx.engine1.Manager Runtime)
assert_contains "$runtime" "\"$(command -v crun)\" \"$(crun --version | sed -n 's/^crun version //p')\"" "Runtime"

# The property and GetInfo agree with what the sandbox really is.
mode=$(stat -fc %T /sys/fs/cgroup)
expected=hybrid
[[ $mode == cgroup2fs ]] && expected=unified
assert_eq "$(busctl get-property org.nyx.engine1 /org/nyx/engine1 org.nyx.engine1.Manager CgroupMode)" \
        "s \"$expected\"" "CgroupMode"

json=$(nyxctl info --json)
assert_eq "$(jq -r .CgroupMode <<<"$json")" "$expected" "info --json CgroupMode"
assert_eq "$(jq -r .Version <<<"$json")" "$(nyxctl --version | sed 's/^nyxctl //')" "info --json Version"

info=$(busctl call --json=short org.nyx.engine1 /org/nyx/engine1 org.nyx.engine1.Manager GetInfo 'a{sv}' 0)
assert_contains "$info" '"StorageRoot":{"type":"s","data":"/var/lib/nyx"}' "GetInfo over busctl"
