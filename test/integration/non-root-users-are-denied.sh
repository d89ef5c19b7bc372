#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"

id nyxtest >/dev/null 2>&1 || useradd --no-create-home --shell /bin/sh nyxtest
gpasswd -d nyxtest nyx >/dev/null 2>&1 || true
getent group nyx >/dev/null || fail "group nyx was not created by sysusers.d"

expect_failure runuser -u nyxtest -- nyxctl info
assert_contains "$err" "nyxctl: access denied" "nyxctl info as an ordinary user"
assert_eq "$(wc -l <<<"$err")" 1 "lines of the error message"

# Nothing is readable either: not the properties, not the introspection data.
expect_failure runuser -u nyxtest -- busctl get-property org.nyx.engine1 /org/nyx/engine1 org.nyx.engine1.Manager Version
assert_contains "$err" "ccess denied" "busctl get-property as an ordinary user"
expect_failure runuser -u nyxtest -- busctl introspect org.nyx.engine1 /org/nyx/engine1
assert_contains "$err" "ccess denied" "busctl introspect as an ordinary user"

# Members of the group nyx may.
usermod -a -G nyx nyxtest
trap 'gpasswd -d nyxtest nyx >/dev/null 2>&1 || true' EXIT
out=$(runuser -u nyxtest -- nyxctl info)
assert_contains "$out" "Version:" "nyxctl info as a member of group nyx"
