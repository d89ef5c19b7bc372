#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"

expect_failure nyxctl inof
assert_eq "$err" "nyxctl: unknown command 'inof'. Did you mean 'info'? See 'nyxctl --help'." "unknown verb"

expect_failure nyxctl info --bogus
assert_eq "$err" "nyxctl: info: unknown option '--bogus'. See 'nyxctl info --help'." "unknown flag"

expect_failure nyxctl --frobnicate info
assert_eq "$err" "nyxctl: unknown option '--frobnicate'. See 'nyxctl --help'." "unknown global flag"

expect_failure nyxctl info extra
assert_eq "$err" "nyxctl: info: unexpected argument 'extra'. See 'nyxctl info --help'." "extra argument"

assert_contains "$(nyxctl --help)" "info" "nyxctl --help"
assert_contains "$(nyxctl info --help)" "--json" "nyxctl info --help"
assert_contains "$(nyxctl --version)" "nyxctl " "nyxctl --version"

# A bus that is not there is one line too.
expect_failure env DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent nyxctl info
assert_eq "$err" "nyxctl: cannot connect to the system bus (is dbus running?)" "no bus"
