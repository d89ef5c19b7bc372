# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Helpers shared by nyx's benchmarks (bench/run, and bench/net once bridge
# networking exists). Sourced, never run. Functions named bench_host_* run
# on the host (as root); the others run inside the benchmark's sandbox.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_TOP=$(cd "$BENCH_DIR/.." && pwd)
BENCH_SANDBOX=$BENCH_TOP/test/sandbox/nyx-sandbox
BENCH_REGISTRY_PORT=5000
# shellcheck disable=SC2034  # used by the scripts that source this
BENCH_IMAGE=127.0.0.1:$BENCH_REGISTRY_PORT/busybox:latest

bench_log() {
        echo "${BENCH_PROG:-bench}: $*" >&2
}

bench_die() {
        echo "${BENCH_PROG:-bench}: $*" >&2
        exit 1
}

# ---- host side ----------------------------------------------------------------------------------

bench_host_need_root() {
        [[ $(id -u) -eq 0 ]] ||
                bench_die "must run as root (it boots a throwaway systemd in namespaces: test/sandbox/nyx-sandbox)"
}

# bench_host_need_tools TOOL...: every TOOL on $PATH, or one message naming all that are missing
bench_host_need_tools() {
        local t missing=()
        for t in "$@"; do
                command -v "$t" >/dev/null || missing+=("$t")
        done
        [[ ${#missing[@]} -eq 0 ]] ||
                bench_die "missing ${missing[*]}: install them with 'test/install-deps --bench' (this script installs nothing)"
}

# bench_host_install_layer BUILD-DIR LAYER-DIR: `meson install --destdir` of an existing build
bench_host_install_layer() {
        local build=$1 layer=$2
        [[ -f $build/build.ninja ]] ||
                bench_die "$build is not a meson build directory: 'meson setup $build && ninja -C $build' first, or pass --build DIR"
        [[ -x $build/src/nyxd/nyxd && -x $build/src/nyxctl/nyxctl ]] ||
                bench_die "$build has no nyxd/nyxctl: run 'ninja -C $build' first"
        rm -rf "$layer"
        DESTDIR=$layer meson install -C "$build" --quiet --no-rebuild >/dev/null ||
                bench_die "meson install --destdir $layer failed"
}

# bench_host_boot NAME LAYER FLAVOUR LOG: boot sandbox NAME; the caller's EXIT trap must shut it down
bench_host_boot() {
        local name=$1 layer=$2 flavour=$3 log=$4
        if ! "$BENCH_SANDBOX" boot "$name" --layer "$layer" --flavour "$flavour" >"$log" 2>&1; then
                sed 's/^/  | /' "$log" | tail -30 >&2
                bench_die "could not boot the $flavour sandbox $name (log: $log)"
        fi
}

bench_host_shutdown() {
        "$BENCH_SANDBOX" shutdown "$1" >/dev/null 2>&1 || bench_log "warning: shutting down sandbox $1 failed"
}

# ---- machine load -------------------------------------------------------------------------------

# bench_cpu_snapshot: "BUSY TOTAL" jiffies of all CPUs (/proc/stat is not namespaced: machine-wide)
bench_cpu_snapshot() {
        local user nice system idle iowait irq softirq steal rest
        read -r _ user nice system idle iowait irq softirq steal rest </proc/stat
        echo "$((user + nice + system + irq + softirq + steal)) $((user + nice + system + idle + iowait + irq + softirq + steal))"
}

# bench_cpu_busy "BUSY0 TOTAL0" "BUSY1 TOTAL1": busy percentage in between
bench_cpu_busy() {
        local b0 t0 b1 t1
        read -r b0 t0 <<<"$1"
        read -r b1 t1 <<<"$2"
        if [[ $((t1 - t0)) -le 0 ]]; then
                echo 0
        else
                echo $(((b1 - b0) * 100 / (t1 - t0)))
        fi
}

bench_loadavg() {
        local a b c rest
        read -r a b c rest </proc/loadavg
        echo "$a $b $c"
}

# ---- inside the sandbox -------------------------------------------------------------------------

# bench_start_registry STATE-DIR: the busybox fixture served on 127.0.0.1:5000 inside this sandbox
bench_start_registry() {
        local state=$1 fixtures=${BENCH_FIXTURES:-$BENCH_TOP/build/bench/fixtures}
        "$BENCH_TOP/test/fixtures/build-images" --only busybox "$fixtures" >"$state/build-images.log" 2>&1 ||
                { cat "$state/build-images.log" >&2; bench_die "building the busybox fixture failed"; }
        "$BENCH_TOP/test/fixtures/registry" start "$state/registry" --port "$BENCH_REGISTRY_PORT" \
                >"$state/registry-start.log" 2>&1 ||
                { cat "$state/registry-start.log" >&2; bench_die "starting the fixture registry failed"; }
        "$BENCH_TOP/test/fixtures/registry" push "$state/registry" "$fixtures/busybox:latest" busybox:latest \
                >"$state/registry-push.log" 2>&1 ||
                { cat "$state/registry-push.log" >&2; bench_die "pushing busybox:latest to the fixture registry failed"; }
}

# bench_podman_env STATE-DIR: podman with its own storage on the sandbox's /tmp (a tmpfs: overlay
# needs a real file system under it), no host configuration; exports CONTAINERS_* and PODMAN_ULIMITS.
bench_podman_env() {
        local p=$1/podman
        mkdir -p "$p/root" "$p/runroot" "$p/tmp"
        # Podman's defaults otherwise: crun, cgroup_manager=systemd, events and logs to journald
        # (nyx's logs go to journald too). An empty file still replaces /etc/containers/containers.conf.
        : >"$p/containers.conf"
        cat >"$p/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$p/root"
runroot = "$p/runroot"
EOF
        printf 'unqualified-search-registries = []\n' >"$p/registries.conf"
        export CONTAINERS_CONF=$p/containers.conf
        export CONTAINERS_STORAGE_CONF=$p/storage.conf
        export CONTAINERS_REGISTRIES_CONF=$p/registries.conf
        export TMPDIR=$p/tmp
        # No process may raise a hard rlimit on this machine (CAP_SYS_RESOURCE is not in the
        # bounding set): pin podman's default ulimits to the current hard values.
        PODMAN_ULIMITS="--ulimit nofile=$(ulimit -Hn):$(ulimit -Hn) --ulimit nproc=$(ulimit -Hu):$(ulimit -Hu)"
        export PODMAN_ULIMITS
}

# bench_crun_bundle DIR FLAVOUR: a minimal OCI bundle (crun spec) whose rootfs is the busybox
# fixture's layer, running /bin/true
bench_crun_bundle() {
        local dir=$1 flavour=$2 layout=${BENCH_FIXTURES:-$BENCH_TOP/build/bench/fixtures}/busybox
        local manifest layer
        rm -rf "$dir"
        mkdir -p "$dir/rootfs"
        manifest=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "latest") | .digest' \
                "$layout/index.json")
        [[ -n $manifest ]] || manifest=$(jq -r '.manifests[0].digest' "$layout/index.json")
        layer=$(jq -r '.layers[0].digest' "$layout/blobs/sha256/${manifest#sha256:}")
        tar -xzf "$layout/blobs/sha256/${layer#sha256:}" -C "$dir/rootfs"
        (cd "$dir" && crun spec)
        # crun 1.8.1 cannot load its eBPF device filter in the unified flavour (RLIMIT_MEMLOCK, see
        # the notes on this machine): leave linux.resources out there.
        jq --arg flavour "$flavour" '.process.args = ["/bin/true"] | .process.terminal = false
                | if $flavour == "unified" then del(.linux.resources) else . end' \
                "$dir/config.json" >"$dir/config.json.new"
        mv "$dir/config.json.new" "$dir/config.json"
}

# bench_mem PID: "RSS PSS USS" in KiB from smaps_rollup (USS = private pages: what the process
# alone costs)
bench_mem() {
        awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } /^Private_(Clean|Dirty):/ { u += $2 }
             END { printf "%d %d %d\n", r, p, u }' "/proc/$1/smaps_rollup"
}

# bench_cgroup_pids CGROUP: every PID in a cgroup (as systemd names it) and below, in the hierarchy
# that systemd manages here
bench_cgroup_pids() {
        local root=/sys/fs/cgroup
        [[ -d /sys/fs/cgroup/systemd ]] && root=/sys/fs/cgroup/systemd
        find "$root$1" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -n
}

# bench_is_descendant PID ANCESTOR
bench_is_descendant() {
        local p=$1 pp
        while [[ $p -gt 1 ]]; do
                [[ $p -eq $2 ]] && return 0
                pp=$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$p/stat" 2>/dev/null) || return 1
                [[ -n $pp ]] || return 1
                p=$pp
        done
        return 1
}
