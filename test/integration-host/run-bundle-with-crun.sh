#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs bundles whose config.json nyx's generator (src/shared/oci-runtime.c, driven by
# test/oci-runtime-gen.c) wrote, with the real crun, and checks from inside each container what docker
# users expect: the user, the default capabilities, seccomp, masked and read-only paths, a read-only
# root, tmpfs and bind mounts, the environment, ulimits, sysctls, --init, exit codes, and a cgroupsPath
# with linux.resources inside cgroups of our own.
#
# Runs on the host (no systemd needed), as root. crun refuses cgroup "hybrid" mode, so every container
# runs inside `unshare --mount --pid --fork` after `mount --make-rprivate /` and an unmount of
# /sys/fs/cgroup/unified in that private mount namespace only; the host's mounts are never touched.
# Containers get a new, empty network namespace (--network none). crun runs with
# --cgroup-manager=disabled, except in the cgroup case, which creates sub-cgroups below this process's
# own cgroups, mounts fresh views of them in a cgroup namespace and removes them afterwards.
#
# Usage: run-bundle-with-crun.sh [--gen PATH-TO-oci-runtime-gen] [--keep]
# Without --gen the generator is compiled from the checkout with ${CC:-cc}.
# Prints one line per check and ends with "N passed, N failed, N skipped"; exits 77 if it cannot run.

# The container commands are in single quotes on purpose: they expand inside the container.
# shellcheck disable=SC2016
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
gen=
keep=false
while [[ $# -gt 0 ]]; do
        case $1 in
                --gen) gen=$2; shift 2 ;;
                --keep) keep=true; shift ;;
                *) echo "usage: $0 [--gen PATH] [--keep]" >&2; exit 2 ;;
        esac
done

skip_all() { echo "SKIP: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip_all "needs root"
command -v crun >/dev/null || skip_all "crun is not installed"
command -v unshare >/dev/null || skip_all "unshare (util-linux) is not installed"
busybox=$(command -v busybox || true)
if [[ -z $busybox ]] || ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
        skip_all "a static busybox (busybox-static) is needed"
fi

tmp=$(mktemp -d /tmp/nyx-bundle-test.XXXXXX)
cg_name=nyx-bundle-test-$$
cg_dirs=()

cleanup() {
        local d
        for d in "${cg_dirs[@]}"; do
                if [[ -d $d ]]; then
                        find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
                fi
        done
        if $keep; then
                echo "kept $tmp"
        else
                rm -rf "$tmp"
        fi
}
trap cleanup EXIT

# --- the generator --------------------------------------------------------------------------------
if [[ -z $gen ]]; then
        gen=$tmp/oci-runtime-gen
        # shellcheck disable=SC2046
        ${CC:-cc} -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Werror \
                -I"$top/src/basic" -I"$top/src/shared" -I"$top/test" \
                "$top/test/oci-runtime-gen.c" \
                "$top"/src/shared/{oci-runtime,container-spec,seccomp-default,user-resolve}.c \
                "$top"/src/basic/{fd-util,fileio,parse-util,path-util,string-util,strv}.c \
                $(pkg-config --cflags --libs json-c) -o "$gen"
fi

# --- the image: busybox, a root and a uid 1000 user ------------------------------------------------
rootfs=$tmp/rootfs
mkdir -p "$rootfs"/{bin,etc,proc,sys,dev,tmp,root,home/user,run,mnt,data,vol}
cp "$busybox" "$rootfs/bin/busybox"
chroot "$rootfs" /bin/busybox --install -s /bin
cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:a user:/home/user:/bin/sh
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
tty:x:5:
user:x:1000:
extra:x:2000:user
EOF
# mount points for the run dir's files (a read-only root cannot get them created)
touch "$rootfs"/etc/{hosts,resolv.conf,hostname} "$rootfs/run/nyx-init"
chown 1000:1000 "$rootfs/home/user"

rundir=$tmp/run
mkdir -p "$rundir" "$tmp/data" "$tmp/volume" "$tmp/crun"
printf '127.0.0.1\tlocalhost\n10.88.0.7\tweb\n' >"$rundir/hosts"
printf 'nameserver 10.88.0.1\n' >"$rundir/resolv.conf"
printf 'web\n' >"$rundir/hostname"
echo "from the host" >"$tmp/data/file"

passed=0 failed=0 skipped=0
n=0
id_hex=$(printf '%064x' 0 | sed 's/^0\{12\}/abcdef012345/')

# bundle_gen NAME [generator args...] [-- command...]: writes $tmp/NAME/config.json
bundle_gen() {
        local name=$1
        shift
        mkdir -p "$tmp/$name"
        "$gen" --rootfs "$rootfs" --run-dir "$rundir" --name "$name" --id "$id_hex" --network none \
                --out "$tmp/$name/config.json" "$@"
}

# crun_run NAME: runs the bundle, stdout+stderr in $out, exit status in $rc. With use_pty=true the
# container gets a terminal (script(1) provides the pty crun's process.terminal needs).
use_pty=false
crun_run() {
        local name=$1
        local inner='
                set -e
                mount --make-rprivate /
                if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
                exec crun --root "$1" --cgroup-manager=disabled run --bundle "$2" "$3"
        '
        rc=0
        if $use_pty; then
                command -v script >/dev/null || { rc=99; out="script(1) is missing"; return; }
                out=$(timeout 60 script -qec "unshare --mount --pid --fork --kill-child bash -c '$inner' bash '$tmp/crun' '$tmp/$name' '$name-$n'" /dev/null 2>&1 </dev/null | tr -d '\r\0') || rc=$?
        else
                out=$(timeout 60 unshare --mount --pid --fork --kill-child bash -c "$inner" \
                        bash "$tmp/crun" "$tmp/$name" "$name-$n" 2>&1 </dev/null) || rc=$?
        fi
}

ok() { echo "ok   $1"; passed=$((passed + 1)); }
not_ok() {
        echo "FAIL $1"
        shift
        printf '       %s\n' "$@"
        failed=$((failed + 1))
}
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }

# check NAME EXPECTED_RC EXPECTED_OUTPUT_REGEX [generator args...] -- command...
# The regex is matched against the whole output (grep -Ez, so it may span lines).
check() {
        local name=$1 want_rc=$2 want=$3
        shift 3
        n=$((n + 1))
        if ! bundle_gen "$name" "$@" 2>"$tmp/$name.gen.err"; then
                not_ok "$name" "the generator failed: $(cat "$tmp/$name.gen.err")"
                return
        fi
        crun_run "$name"
        if [[ $rc -ne $want_rc ]]; then
                not_ok "$name" "expected exit status $want_rc, got $rc" "output: $out"
        elif [[ -n $want ]] && ! printf '%s' "$out" | grep -Eqz -- "$want"; then
                not_ok "$name" "expected output matching: $want" "got: $out"
        else
                ok "$name"
        fi
}

# generator_refuses NAME REASON_REGEX [generator args...]
generator_refuses() {
        local name=$1 want=$2 grc=0 err
        shift 2
        err=$(bundle_gen "$name" "$@" 2>&1 >/dev/null) || grc=$?
        if [[ $grc -eq 2 ]] && printf '%s' "$err" | grep -Eq -- "$want"; then
                ok "$name"
        else
                not_ok "$name" "expected the generator to refuse with: $want" "exit $grc: $err"
        fi
}

# --- the checks -----------------------------------------------------------------------------------
docker_caps=00000000a80425fb     # CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
                                 # NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
host_bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)

check root-is-uid-0-with-its-groups 0 'uid=0\(root\) gid=0\(root\) groups=0\(root\)' \
        -- id

check user-1000-gets-its-uid-gid-and-supplementary-groups 0 \
        'uid=1000\(user\) gid=1000\(user\) groups=1000\(user\),2000\(extra\).*HOME=/home/user' \
        -u user -- sh -c 'id; env'

check numeric-uid-and-gid-without-passwd-entries-work 0 '^4242 77 77\s*$' \
        -u 4242:77 -- sh -c 'echo $(id -u) $(id -g) $(id -G)'

check uid-1000-by-number-takes-the-passwd-entry 0 'uid=1000\(user\) gid=1000\(user\)' \
        -u 1000 -- id

check docker-default-capabilities-for-root 0 \
        "CapInh:\s+0000000000000000.CapPrm:\s+$docker_caps.CapEff:\s+$docker_caps.CapBnd:\s+$docker_caps.CapAmb:\s+0000000000000000" \
        -- grep Cap /proc/self/status

check non-root-keeps-the-bounding-set-but-no-effective-capabilities 0 \
        "CapPrm:\s+0000000000000000.CapEff:\s+0000000000000000.CapBnd:\s+$docker_caps" \
        -u 1000 -- grep Cap /proc/self/status

check cap-drop-all-leaves-no-capabilities 0 'CapBnd:\s+0000000000000000' \
        --cap-drop ALL -- grep Cap /proc/self/status

check cap-add-net-admin-adds-just-that 0 'CapBnd:\s+00000000a80435fb' \
        --cap-add NET_ADMIN -- grep Cap /proc/self/status

check seccomp-filter-is-active-by-default 0 'Seccomp:\s+2' \
        -- grep Seccomp /proc/self/status

check seccomp-default-profile-refuses-mount-without-sys-admin 0 'refused' \
        -- sh -c 'mount -t tmpfs none /mnt 2>/dev/null && echo mounted || echo refused'

check seccomp-default-profile-allows-mount-with-cap-sys-admin 0 'mounted' \
        --cap-add SYS_ADMIN -- sh -c 'mount -t tmpfs none /mnt && echo mounted'

check seccomp-default-profile-allows-unshare-with-cap-sys-admin 0 'unshared' \
        --cap-add SYS_ADMIN -- sh -c 'unshare -u true && echo unshared'

check seccomp-unconfined-runs-without-a-filter 0 'Seccomp:\s+0' \
        --security-opt seccomp=unconfined -- grep Seccomp /proc/self/status

cat >"$tmp/deny-mkdir.json" <<'EOF'
{"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]}],
 "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}
EOF
check custom-docker-format-profile-is-applied 0 'Permission denied' \
        --security-opt seccomp="$tmp/deny-mkdir.json" -- sh -c 'mkdir /tmp/x 2>&1; true'

check no-new-privileges-is-set 0 'NoNewPrivs:\s+1' \
        --security-opt no-new-privileges -- grep NoNewPrivs /proc/self/status

# /proc/kcore does not exist on every kernel (CONFIG_PROC_KCORE); where it does, it must be masked
# like the other files docker masks (bound over with /dev/null).
check proc-kcore-interrupts-keys-and-timer-list-are-masked 0 \
        '(masked|absent) kcore.*masked interrupts.*masked keys.*masked timer_list' \
        -- sh -c 'for f in kcore interrupts keys timer_list; do
                        if [ ! -e /proc/$f ]; then echo absent $f
                        elif [ -c /proc/$f ] && [ -z "$(cat /proc/$f)" ]; then echo masked $f
                        else echo visible $f; fi
                  done'

check proc-acpi-directory-is-masked 0 '^empty' \
        -- sh -c '[ -z "$(ls -A /proc/acpi)" ] && echo empty'

check sys-firmware-is-masked 0 '^empty' \
        -- sh -c '[ -z "$(ls -A /sys/firmware)" ] && echo empty'

check proc-sys-is-read-only 0 'refused' \
        -- sh -c 'echo 1 >/proc/sys/kernel/printk 2>/dev/null && echo written || echo refused'

check sys-is-read-only 0 'sysfs /sys sysfs ro,' \
        -- grep ' /sys ' /proc/mounts

check read-only-rootfs-refuses-writes 0 'Read-only file system' \
        --read-only -- sh -c 'touch /x 2>&1; true'

check read-only-rootfs-keeps-dev-shm-and-tmpfs-writable 0 'wrote' \
        --read-only --tmpfs /tmp -- sh -c 'touch /tmp/x && touch /dev/shm/y && echo wrote'

check tmpfs-is-mounted-with-docker-options-and-size 0 \
        'tmpfs /scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k' \
        --tmpfs /scratch:size=1m -- grep ' /scratch ' /proc/mounts

check tmpfs-exec-option-replaces-noexec 0 'tmpfs /scratch tmpfs rw,nosuid,nodev,relatime,mode=700 ' \
        --tmpfs /scratch:exec,mode=0700 -- grep ' /scratch ' /proc/mounts

check dev-shm-has-the-shm-size 0 'shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=131072k' \
        --shm-size 128m -- grep ' /dev/shm ' /proc/mounts

check read-only-bind-mount-is-readable-but-not-writable 0 'from the host.*Read-only file system' \
        -v "$tmp/data:/data:ro" -- sh -c 'cat /data/file; touch /data/new 2>&1; true'

check read-write-bind-mount-writes-reach-the-host 0 'written' \
        -v "$tmp/data:/data" -- sh -c 'echo from the container >/data/out && echo written'
if [[ -f $tmp/data/out ]] && grep -q 'from the container' "$tmp/data/out"; then
        ok "read-write-bind-mount-file-is-on-the-host"
else
        not_ok "read-write-bind-mount-file-is-on-the-host" "$tmp/data/out is missing"
fi

check named-volume-is-bound-from-its-host-directory 0 'vol ok' \
        -v myvol:/vol --volume-path "/vol=$tmp/volume" -- sh -c 'echo ok >/vol/f && echo vol $(cat /vol/f)'

check etc-files-come-from-the-run-dir 0 'web.*10\.88\.0\.7\s+web.*nameserver 10\.88\.0\.1' \
        -- sh -c 'cat /etc/hostname /etc/hosts /etc/resolv.conf'

check hostname-is-the-id-prefix-by-default 0 '^abcdef012345\s*$' \
        -- hostname

check hostname-flag-sets-the-uts-hostname 0 '^box\s+HOSTNAME=box' \
        --hostname box -- sh -c 'hostname; env | grep HOSTNAME'

check environment-has-defaults-image-env-and-overrides 0 \
        '^PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOSTNAME=abcdef012345 container=nyx FOO=bar HOME=/root $' \
        --image-env FOO=image --image-env BAZ=1 -e FOO=bar -e BAZ \
        -- sh -c 'for v in PATH HOSTNAME TERM container FOO BAZ HOME; do eval "x=\${$v+set}"; [ -n "$x" ] && eval "printf \"%s=%s \" $v \"\$$v\""; done; echo'

use_pty=true
check tty-gives-a-terminal-and-term-xterm 0 'TERM=xterm.*/dev/pts/0' \
        -t -- sh -c 'env | grep TERM; tty'
use_pty=false

check working-dir-is-the-process-cwd 0 '^/tmp\s*$' \
        --workdir /tmp -- pwd

check exit-code-is-propagated 3 '' \
        -- sh -c 'exit 3'

check failing-command-exits-1 1 '' \
        -- false

check missing-executable-fails-the-start 1 'executable file .nope. not found|No such file' \
        -- nope

check ulimit-sets-soft-and-hard-nofile 0 '^1024 2048\s*$' \
        --ulimit nofile=1024:2048 -- sh -c 'echo $(ulimit -n) $(ulimit -Hn)'

hard=$(ulimit -Hn)
generator_refuses ulimit-above-the-hard-limit-is-refused-before-crun \
        "--ulimit nofile=1024:$((hard + 1)): exceeds the hard limit $hard this process may set" \
        --ulimit "nofile=1024:$((hard + 1))" -- true

generator_refuses non-namespaced-sysctl-is-refused "sysctl 'kernel.panic' is not allowed" \
        --sysctl kernel.panic=1 -- true

check sysctl-is-applied-in-the-container-netns 0 '^1\s*$' \
        --sysctl net.ipv4.ip_forward=1 -- cat /proc/sys/net/ipv4/ip_forward

check docker-default-sysctls-allow-unprivileged-ping-and-low-ports 0 '^0\s+2147483647\s+0\s*$' \
        -- sh -c 'echo $(cat /proc/sys/net/ipv4/ping_group_range) $(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)'

check network-none-has-only-loopback 0 '^lo\s*$' \
        -- sh -c "ls /sys/class/net"

check default-devices-are-created-by-crun 0 'ok' \
        -- sh -c 'for d in null zero full random urandom tty; do [ -c /dev/$d ] || exit 1; done; [ -L /dev/ptmx ] && echo ok'

check dev-pts-is-a-new-instance 0 'devpts /dev/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666' \
        -- grep ' /dev/pts ' /proc/mounts

check cgroup-hierarchies-are-read-only 0 ' /sys/fs/cgroup/pids cgroup ro,.*refused' \
        -- sh -c 'grep " /sys/fs/cgroup/pids " /proc/mounts; mkdir /sys/fs/cgroup/pids/x 2>/dev/null && echo created || echo refused'

check privileged-gets-all-capabilities-no-seccomp-and-unmasked-paths 0 \
        "CapBnd:\s+$host_bnd.*Seccomp:\s+0.*interrupts-visible.*sysfs /sys sysfs rw" \
        --privileged -- sh -c 'grep -E "CapBnd|Seccomp:" /proc/self/status; [ -c /proc/interrupts ] || echo interrupts-visible; grep " /sys " /proc/mounts'

if [[ -x /usr/bin/catatonit ]]; then
        check init-runs-as-pid-1-and-the-command-below-it 0 '^1 nyx-init.*child' \
                --init --init-path /usr/bin/catatonit -- sh -c 'echo 1 $(cat /proc/1/comm); echo child'
else
        skip init-runs-as-pid-1-and-the-command-below-it "no catatonit on this machine"
fi

check entrypoint-replaces-the-image-cmd 0 '^from-entrypoint\s*$' \
        --entrypoint echo --image-cmd sh --image-cmd -c --image-cmd 'echo from-cmd' -- from-entrypoint

check image-cmd-runs-without-arguments 0 '^from-cmd\s*$' \
        --image-cmd sh --image-cmd -c --image-cmd 'echo from-cmd'

# --- cgroupsPath and linux.resources in cgroups of our own ---------------------------------------
# Below this process's own cgroup in every v1 hierarchy (and name=systemd), a directory of ours; a
# shell joins them and starts the container in a cgroup namespace whose root they are, with fresh
# mounts of the hierarchies, so crun's "/ctr" cgroupsPath lands inside them.
cgroup_case() {
        local name=cgroups-path-and-resources-apply-inside-our-own-cgroups
        local line ctrls path mnt opts joins="" mounts=""

        if ! grep -q ' /sys/fs/cgroup/memory cgroup ' /proc/mounts || grep -q '^0::/.\+' /proc/self/cgroup; then
                skip "$name" "needs cgroup v1 hierarchies (hybrid mode)"
                return
        fi
        while read -r line; do
                ctrls=${line#*:}
                ctrls=${ctrls%%:*}
                path=${line#*:*:}
                [[ -z $ctrls ]] && continue             # the cgroup2 line
                mnt=$(awk -v c="$ctrls" '$3 == "cgroup" { n = split($4, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) print $2 }' /proc/mounts | head -1)
                [[ -n $mnt ]] || continue
                mkdir "$mnt$path/$cg_name"
                cg_dirs+=("$mnt$path/$cg_name")
                if [[ $ctrls == cpuset ]]; then
                        cat "$mnt$path/cpuset.cpus" >"$mnt$path/$cg_name/cpuset.cpus"
                        cat "$mnt$path/cpuset.mems" >"$mnt$path/$cg_name/cpuset.mems"
                fi
                joins+="echo \$\$ >'$mnt$path/$cg_name/cgroup.procs'; "
                opts=$ctrls
                [[ $ctrls == name=* ]] && opts="none,$ctrls"
                mounts+="mkdir -p /sys/fs/cgroup/${mnt##*/} && mount -t cgroup -o $opts cgroup /sys/fs/cgroup/${mnt##*/}; "
        done </proc/self/cgroup

        n=$((n + 1))
        if ! bundle_gen cg --cgroups-path /ctr --resources-in-config --memory 64m --pids-limit 50 --cpus 0.5 \
                -- sh -c 'cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us' \
                2>"$tmp/cg.gen.err"; then
                not_ok "$name" "the generator failed: $(cat "$tmp/cg.gen.err")"
                return
        fi
        rc=0
        out=$(timeout 60 bash -c "
                set -e
                $joins
                exec unshare --mount --pid --cgroup --fork --kill-child bash -c '
                        set -e
                        mount --make-rprivate /
                        mount -t tmpfs -o mode=755 cgroup-root /sys/fs/cgroup
                        $mounts
                        exec crun --root \"\$1\" run --bundle \"\$2\" \"\$3\"
                ' bash '$tmp/crun' '$tmp/cg' 'cg-$n'
        " 2>&1 </dev/null) || rc=$?
        if [[ $rc -eq 0 ]] && printf '%s' "$out" | grep -Eqz '^50\s+67108864\s+50000\s*$'; then
                ok "$name"
        else
                not_ok "$name" "expected pids.max 50, memory 64 MiB, quota 50000; exit $rc" "got: $out"
        fi
}
cgroup_case

echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
