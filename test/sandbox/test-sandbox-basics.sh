#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# What the integration tests rely on nyx-sandbox for: exit codes and stdio
# pass through exec, systemd and the system bus work inside, both cgroup
# flavours are what they say, --var-lib-nyx survives a reboot, --layer wins
# over the host and the sandbox configuration, --bind and --user work, and
# nothing the host has enabled starts inside.
# Exit 0 when every check passed; prints PASS/FAIL per check.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
SB=$here/nyx-sandbox
N=basics-$$
tmp=$(mktemp -d /tmp/nyx-sandbox-basics.XXXXXX)
fails=0

cleanup() {
        local n
        for n in "$N-h" "$N-u" "$N-p"; do
                "$SB" shutdown "$n" || true
        done
        rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'echo "FAIL aborted at line $LINENO: $BASH_COMMAND"' ERR

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# expect WHAT EXPECTED GOT
expect() {
        if [ "$2" = "$3" ]; then
                pass "$1"
        else
                fail "$1: expected '$2', got '$3'"
        fi
}

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }

# --- hybrid ---------------------------------------------------------------
if ! "$SB" boot "$N-h" --bind "$tmp"; then
        echo "FAIL boot (hybrid)"
        exit 1
fi
x() { "$SB" exec "$N-h" "$@"; }

expect "boots to 'running' (no failed units)" running "$(x -- systemctl is-system-running || true)"
rc=0; x -- sh -c 'exit 7' || rc=$?
expect "exec passes the exit status through" 7 "$rc"
rc=0; (x -- sh -c 'kill -TERM $$') 2>/dev/null || rc=$?
expect "exec passes death by signal through (128+15)" 143 "$rc"
rc=0; x -- /nonexistent/command 2>/dev/null || rc=$?
expect "exec of a missing command exits 127" 127 "$rc"
x -- sh -c 'echo to-stdout; echo to-stderr >&2' >"$tmp/out" 2>"$tmp/err"
expect "stdout stays stdout" to-stdout "$(cat "$tmp/out")"
expect "stderr stays stderr" to-stderr "$(cat "$tmp/err")"
expect "stdin passes through" hi "$(echo hi | x -- cat)"
head -c 3000000 /dev/urandom >"$tmp/blob"
expect "1 MB+ of binary stdin/stdout passes through unchanged" \
        "$(sha256sum <"$tmp/blob")" "$(x -- cat <"$tmp/blob" | sha256sum)"
expect "exec without stdin gets EOF" "" "$(x -- cat </dev/null)"
if command -v script >/dev/null; then
        out=$(script -qec "'$SB' exec '$N-h' -- sh -c 'test -t 0 && test -t 1 && echo on-a-tty; exit 3'" /dev/null </dev/null | tr -d '\r') || true
        expect "exec under a pty (script): stdin/stdout are a tty" on-a-tty "$out"
else
        echo "SKIP exec under a pty: no 'script' (bsdextrautils)"
fi
expect "exec: clean environment" "HOME=/root LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        "$(TERM='' FOO=bar x -- env | grep -v '^PWD=' | sort | tr '\n' ' ' | sed 's/ $//')"
expect "exec: runs in the caller's directory (checkout bound at the same path)" "$here" "$(cd "$here" && x -- pwd)"
expect "exec --user nobody" "65534 $(awk -F: '$1 == "nobody" { print $4 }' /etc/passwd)" "$(x --user nobody -- sh -c 'echo $(id -u) $(id -g)')"
expect "exec --user 1234:99" "1234 99" "$(x --user 1234:99 -- sh -c 'echo $(id -u) $(id -g)')"
expect "systemctl works inside" active "$(x -- systemctl is-active dbus.service)"
expect "systemd-run --wait --pipe works inside" hi "$(x -- systemd-run --quiet --wait --pipe echo hi)"
if x -- busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.DBus.Peer Ping >/dev/null; then
        pass "systemd answers on the system bus"
else
        fail "systemd answers on the system bus"
fi
pid1=$("$SB" pid "$N-h")
if busctl --address="unix:path=/proc/$pid1/root/run/dbus/system_bus_socket" call \
        org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.DBus.Peer Ping >/dev/null; then
        pass "the system bus is reachable from the host through 'pid'"
else
        fail "the system bus is reachable from the host through 'pid'"
fi
expect "hybrid flavour: /sys/fs/cgroup is a tmpfs" tmpfs "$(x -- stat -fc %T /sys/fs/cgroup)"
expect "hybrid flavour: cgroup2 at /sys/fs/cgroup/unified" cgroup2fs "$(x -- stat -fc %T /sys/fs/cgroup/unified)"
expect "hybrid flavour: memory limits work (v1 memory controller)" 67108864 \
        "$(x -- systemd-run --quiet --wait --pipe -p MemoryMax=64M sh -c 'cat /sys/fs/cgroup/memory$(grep :memory: /proc/self/cgroup | cut -d: -f3)/memory.limit_in_bytes')"
expect "/var/lib/nyx is a tmpfs by default (never the overlay root)" tmpfs "$(x -- stat -fc %T /var/lib/nyx)"
expect "the root is an overlay" overlayfs "$(x -- stat -fc %T /)"
# setns() into the sandbox's mount namespace (nsenter without --root; crun exec
# into a container inside does the same one level down) must land in the
# sandbox's root, also when this runs in a chroot.
x -- sh -c "echo in-the-sandbox-root >/etc/nyx-sandbox-basics-root-$$"
expect "setns into its mount namespace lands in the sandbox's root" in-the-sandbox-root \
        "$(nsenter -t "$pid1" -m -- cat "/etc/nyx-sandbox-basics-root-$$" 2>&1)"
x -- sh -c "echo from-inside >'$tmp/written-inside'"
expect "--bind is read-write at the same path" from-inside "$(cat "$tmp/written-inside" 2>/dev/null)"
expect "the checkout is bound at the same path" yes "$(x -- sh -c "test -x '$SB' && echo yes")"
if x -- ip -o link show lo | grep -q '<LOOPBACK,UP'; then pass "lo is up"; else fail "lo is up: $(x -- ip -o link show lo)"; fi
expect "own network namespace: only lo" lo "$(x -- ls /sys/class/net | tr '\n' ' ' | sed 's/ $//')"
leaked=
for u in /etc/systemd/system/*.wants/* /etc/systemd/system/*.requires/*; do
        [ -e "$u" ] || [ -L "$u" ] || continue
        u=${u##*/}
        case $(x -- systemctl is-active "$u" 2>/dev/null || true) in
        active | activating | reloading) leaked+=" $u" ;;
        esac
done
expect "no unit the host enabled in /etc is active inside" "" "$leaked"
echo "a host file" >"$tmp/host-only"
x -- sh -c "echo changed >/etc/nyx-sandbox-basics-$$"
if [ ! -e "/etc/nyx-sandbox-basics-$$" ]; then pass "writes to / stay inside"; else fail "writes to / stay inside"; rm -f "/etc/nyx-sandbox-basics-$$"; fi
rc=0; out=$("$SB" boot "$N-h" 2>&1) || rc=$?
expect "booting a running sandbox fails (125)" 125 "$rc"
case $out in *"already running"*) pass "... and says it is already running" ;; *) fail "... and says it is already running: $out" ;; esac
"$SB" shutdown "$N-h"
rc=0; "$SB" exec "$N-h" -- true 2>/dev/null || rc=$?
expect "exec in a sandbox that is shut down fails (125)" 125 "$rc"
rc=0; "$SB" shutdown "$N-h" || rc=$?
expect "shutdown is idempotent" 0 "$rc"

# --- unified ----------------------------------------------------------------
if "$SB" boot "$N-u" --flavour unified; then
        expect "unified flavour: /sys/fs/cgroup is cgroup2" cgroup2fs "$("$SB" exec "$N-u" -- stat -fc %T /sys/fs/cgroup)"
        expect "unified flavour: boots to 'running'" running "$("$SB" exec "$N-u" -- systemctl is-system-running || true)"
        expect "unified flavour: systemd-run works" hi "$("$SB" exec "$N-u" -- systemd-run --quiet --wait --pipe echo hi)"
        "$SB" shutdown "$N-u"
else
        fail "boot (unified)"
fi

# --- run ----------------------------------------------------------------------
rc=0; out=$("$SB" run "$N-u" --flavour unified -- sh -c 'stat -fc %T /sys/fs/cgroup; exit 5') || rc=$?
expect "run: exit status of CMD" 5 "$rc"
expect "run: CMD ran in the sandbox" cgroup2fs "$out"
expect "run: shut the sandbox down" "" "$("$SB" pid "$N-u" 2>/dev/null || true)"

# --- --var-lib-nyx and --layer across two boots -------------------------------
mkdir -p "$tmp/layer/etc" "$tmp/layer/usr/lib/systemd/system" "$tmp/layer/etc/systemd/system/nyx-sandbox.target.wants"
echo layer-wins >"$tmp/layer/etc/debian_version"
echo layer-host >"$tmp/layer/etc/hostname"
cat >"$tmp/layer/usr/lib/systemd/system/nyx-sandbox-basics.service" <<'EOF'
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
EOF
ln -s /usr/lib/systemd/system/nyx-sandbox-basics.service \
        "$tmp/layer/etc/systemd/system/nyx-sandbox.target.wants/nyx-sandbox-basics.service"
mkdir -p "$tmp/layer2/etc"
echo lower-layer >"$tmp/layer2/etc/debian_version"
echo only-in-layer2 >"$tmp/layer2/etc/nyx-layer2"
"$SB" boot "$N-p" --var-lib-nyx "$tmp/var-lib-nyx" --layer "$tmp/layer" --layer "$tmp/layer2"
if "$SB" exec "$N-p" -- sh -c 'echo survived >/var/lib/nyx/marker; mkdir -p /var/lib/nyx/o/l /var/lib/nyx/o/u /var/lib/nyx/o/w /var/lib/nyx/o/m &&
        mount -t overlay -o lowerdir=/var/lib/nyx/o/l,upperdir=/var/lib/nyx/o/u,workdir=/var/lib/nyx/o/w overlay /var/lib/nyx/o/m && umount /var/lib/nyx/o/m'; then
        pass "--var-lib-nyx can hold overlay upper dirs"
else
        fail "--var-lib-nyx can hold overlay upper dirs"
fi
expect "--layer wins over the host's files" layer-wins "$("$SB" exec "$N-p" -- cat /etc/debian_version)"
expect "--layer: later layers are visible below earlier ones" only-in-layer2 "$("$SB" exec "$N-p" -- cat /etc/nyx-layer2)"
expect "--layer wins over the sandbox configuration (/etc/hostname)" layer-host "$("$SB" exec "$N-p" -- hostname)"
expect "--layer: units it enables in nyx-sandbox.target.wants start at boot" active \
        "$("$SB" exec "$N-p" -- systemctl is-active nyx-sandbox-basics.service || true)"
"$SB" shutdown "$N-p"
expect "--var-lib-nyx: the host directory holds what was written" survived "$(cat "$tmp/var-lib-nyx/marker" 2>/dev/null)"
"$SB" boot "$N-p" --var-lib-nyx "$tmp/var-lib-nyx"
expect "--var-lib-nyx: a file survives a reboot" survived "$("$SB" exec "$N-p" -- cat /var/lib/nyx/marker)"
expect "without --layer, the host's file is back" "$(cat /etc/debian_version)" "$("$SB" exec "$N-p" -- cat /etc/debian_version)"
"$SB" shutdown "$N-p"

echo
if [ "$fails" = 0 ]; then
        echo "test-sandbox-basics: all checks passed"
else
        echo "test-sandbox-basics: $fails check(s) FAILED"
        exit 1
fi
