#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Five boot -> exec -> shutdown rounds in a row (alternating the cgroup
# flavours, with transient units, left-over cgroups inside and a command
# still running at shutdown) leave nothing behind on the host: no cgroup
# directory, no mount in the host's mount namespace, no attached loop
# device, no process, no state.
# Exit 0 when nothing leaked; otherwise prints what did, as a diff.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
SB=$here/nyx-sandbox
N=leak-$$
ROUNDS=${ROUNDS:-5}
snap=$(mktemp -d /tmp/nyx-sandbox-leaks.XXXXXX)
fails=0

cleanup() {
        "$SB" shutdown "$N" || true
        rm -rf "$snap"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# snapshot DIR: the host's cgroup directories, mount points and processes
snapshot() {
        local d=$1 p line
        local -a f
        mkdir -p "$d"
        find /sys/fs/cgroup -type d 2>/dev/null | sort >"$d/cgroups"
        # mount point and file system type of each mount in our (the host's) mount namespace
        awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1) }' /proc/self/mountinfo | sort >"$d/mounts"
        # attached loop devices (global: a sandbox that attaches one must detach it)
        for p in /sys/block/loop*/loop/backing_file; do
                [ -e "$p" ] || continue
                echo "${p%/loop/backing_file} $(cat "$p" 2>/dev/null)"
        done | sort >"$d/loops"
        # PID:STARTTIME  COMM  PIDNS  CGROUPS  (zombies left out: they are
        # waiting for the host's init to reap them and hold nothing)
        for p in /proc/[0-9]*; do
                read -r line 2>/dev/null <"$p/stat" || continue
                read -ra f <<<"${line##*) }"
                [ "${f[0]}" != Z ] || continue
                printf '%s:%s %s %s %s\n' "${p#/proc/}" "${f[19]}" "$(cat "$p/comm" 2>/dev/null)" \
                        "$(readlink "$p/ns/pid" 2>/dev/null)" "$(tr '\n' ' ' <"$p/cgroup" 2>/dev/null | tr -s ' ' ',')"
        done | sort >"$d/procs"
}

ours() { grep -E "/nyx-sandbox/$N@[0-9a-f]+(/|,|$| )" || true; }

snapshot "$snap/before"
# The namespaces that exist before we start: a process in any other PID
# namespace afterwards is suspicious.
awk '{ print $3 }' "$snap/before/procs" | sort -u >"$snap/before/pidns"

for round in $(seq "$ROUNDS"); do
        if [ $((round % 2)) = 1 ]; then flavour=hybrid; else flavour=unified; fi
        t0=$(now_ms)
        "$SB" boot "$N" --flavour "$flavour"
        t1=$(now_ms)
        state=$("$SB" exec "$N" -- systemctl is-system-running || true)
        "$SB" exec "$N" -- busctl list --no-pager >/dev/null
        "$SB" exec "$N" -- systemd-run --quiet --wait --pipe -p Delegate=yes \
                sh -c 'c=/sys/fs/cgroup/unified; [ -d $c ] || c=/sys/fs/cgroup; mkdir -p $c$(grep ^0:: /proc/self/cgroup | cut -d: -f3)/payload/left-over' ||
                { echo "FAIL round $round: systemd-run"; fails=$((fails + 1)); }
        if [ "$flavour" = hybrid ]; then
                # what crun leaves in v1 hierarchies
                "$SB" exec "$N" -- mkdir -p /sys/fs/cgroup/cpuset/left/over /sys/fs/cgroup/freezer/left/over
        fi
        "$SB" exec "$N" -- sleep 600 </dev/null >/dev/null 2>&1 &
        sleep 0.2
        t2=$(now_ms)
        "$SB" shutdown "$N"
        t3=$(now_ms)
        wait || true   # the `exec -- sleep` above, killed by the shutdown
        echo "round $round ($flavour): boot $((t1 - t0)) ms, is-system-running: $state, shutdown $((t3 - t2)) ms"
        [ "$state" = running ] || { echo "FAIL round $round: system state '$state'"; fails=$((fails + 1)); }
done

# Zombies of the sandbox's host-side processes are the host init's to reap;
# give it a moment.
sleep 1
snapshot "$snap/after"

# --- cgroups: anything new is ours, except the host supervisor's own
# per-session cgroups and other (concurrent) sandboxes.
leaked=$(comm -13 "$snap/before/cgroups" "$snap/after/cgroups" |
        grep -vE '/process_api/[^/]+$' | grep -vE '/nyx-sandbox/[^/]+' || true)
leaked+=$'\n'$(comm -13 "$snap/before/cgroups" "$snap/after/cgroups" | ours)
# .../nyx-sandbox itself is ours to remove when no other sandbox uses it
for d in $(comm -13 "$snap/before/cgroups" "$snap/after/cgroups" | grep -E '/nyx-sandbox$' || true); do
        [ -n "$(find "$d" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)" ] && leaked=$(grep -vxF "$d" <<<"$leaked" || true)
done
leaked=$(sed '/^$/d' <<<"$leaked" | sort -u)
if [ -n "$leaked" ]; then
        echo "FAIL cgroup directories left behind:"
        sed 's/^/  + /' <<<"$leaked"
        fails=$((fails + 1))
else
        echo "PASS no cgroup directory left behind"
fi
other=$(comm -3 "$snap/before/cgroups" "$snap/after/cgroups" | grep -c . || true)
[ "$other" = 0 ] || [ -n "$leaked" ] ||
        echo "     ($other cgroup directories of the host supervisor or other sandboxes came or went meanwhile: not ours)"

# --- mounts: the host's mount table must not change at all.
if ! diff -u "$snap/before/mounts" "$snap/after/mounts" >"$snap/mounts.diff"; then
        echo "FAIL the host's mount table changed (- before, + after):"
        grep -E '^[-+][^-+]' "$snap/mounts.diff" | sed 's/^/  /'
        fails=$((fails + 1))
else
        echo "PASS the host's mount table is unchanged ($(wc -l <"$snap/after/mounts") mounts)"
fi

# --- loop devices: a leak is one attached now that was not before (loop
# devices are host-global: another test run may detach its own meanwhile)
diff -u "$snap/before/loops" "$snap/after/loops" >"$snap/loops.diff" || true
if grep -qE '^[+][^+]' "$snap/loops.diff"; then
        echo "FAIL loop devices left attached (+ attached since the start):"
        grep -E '^[+][^+]' "$snap/loops.diff" | sed 's/^/  /'
        fails=$((fails + 1))
else
        echo "PASS no loop device left attached"
fi

# --- processes: new ones in our cgroups, or in a PID namespace that did not
# exist before (unless another sandbox's), are ours.
comm -13 "$snap/before/procs" "$snap/after/procs" >"$snap/new-procs" || true
leaked=$( (ours <"$snap/new-procs"
        awk 'NR == FNR { old[$1]; next } !($3 in old)' "$snap/before/pidns" "$snap/new-procs" |
                grep -vE '/nyx-sandbox/[^/,]+' || true) | sort -u)
if [ -n "$leaked" ]; then
        echo "FAIL processes left behind (PID:STARTTIME COMM PIDNS CGROUPS):"
        sed 's/^/  + /' <<<"$leaked"
        fails=$((fails + 1))
else
        echo "PASS no process left behind"
fi

# --- state
if [ -e "/run/nyx-sandbox/$N" ]; then
        echo "FAIL state left behind: /run/nyx-sandbox/$N"
        ls -la "/run/nyx-sandbox/$N" | sed 's/^/  /'
        fails=$((fails + 1))
else
        echo "PASS no state left behind in /run/nyx-sandbox"
fi

echo
if [ "$fails" = 0 ]; then
        echo "test-sandbox-leaves-nothing-behind: $ROUNDS rounds, nothing left behind"
else
        echo "test-sandbox-leaves-nothing-behind: $fails check(s) FAILED"
        exit 1
fi
