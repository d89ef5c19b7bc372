#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nyxctl exec runs with the container's environment, working directory and
# user unless -e/--env-file, -w and -u say otherwise; -u names come from the
# container's /etc/passwd; --privileged widens the capabilities.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'cleanup_containers; rm -rf "$tmp"' EXIT
need_busybox

nyxctl run -d --name ex-env -e FROMRUN=yes -e KEEP=run -w /tmp "$BUSYBOX" sleep 1000 >/dev/null

# The container's environment and working directory by default.
out=$(nyxctl exec ex-env sh -c 'echo $FROMRUN $KEEP $PWD $HOME $PATH')
assert_eq "$out" "yes run /tmp /root /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "defaults"

# -e adds and replaces, --env-file too, -e KEY takes the caller's value.
printf '# comment\nFROMFILE=file\n\nKEEP=file\n' >"$tmp/env"
export CALLERS=mine
out=$(nyxctl exec -e NEW=1 -e FROMRUN=changed --env-file "$tmp/env" -e CALLERS ex-env \
        sh -c 'echo $NEW $FROMRUN $FROMFILE $KEEP $CALLERS')
assert_eq "$out" "1 changed file file mine" "-e and --env-file"

# -w
assert_eq "$(nyxctl exec -w /etc ex-env pwd)" /etc "-w /etc"
expect_failure nyxctl exec -w relative ex-env pwd
assert_contains "$err" "absolute" "-w with a relative path"

# -u against the image's /etc/passwd (HOME follows the user), numeric ids too.
assert_eq "$(nyxctl exec -u nyxuser ex-env sh -c 'echo $(id -u):$(id -g) $HOME')" "1000:1000 /home/nyxuser" "-u nyxuser"
assert_eq "$(nyxctl exec -u 1234:5678 ex-env sh -c 'echo $(id -u):$(id -g)')" "1234:5678" "-u 1234:5678"
assert_eq "$(nyxctl exec ex-env id -u)" 0 "default user"
expect_failure nyxctl exec -u nosuchuser ex-env true
assert_contains "$err" "unable to find user nosuchuser" "-u nosuchuser"

# The container's capabilities by default, more with --privileged.
caps=$(nyxctl exec ex-env sh -c 'grep CapEff /proc/self/status')
pcaps=$(nyxctl exec --privileged ex-env sh -c 'grep CapEff /proc/self/status')
assert_eq "$caps" "$(nyxctl exec ex-env sh -c 'grep CapBnd /proc/1/status' | sed 's/CapBnd/CapEff/')" \
        "exec has the container's capabilities"
[[ $caps != "$pcaps" ]] || fail "--privileged did not change the capabilities ($caps)"
# CAP_SYS_ADMIN (bit 21) only with --privileged.
has_sys_admin() { (( (16#${1##*:[[:space:]]} >> 21) & 1 )); }
! has_sys_admin "$caps" || fail "exec without --privileged has CAP_SYS_ADMIN: $caps"
has_sys_admin "$pcaps" || fail "exec --privileged lacks CAP_SYS_ADMIN: $pcaps"
