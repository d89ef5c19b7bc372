#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
trap cleanup_containers EXIT
need_busybox

count() {
        echo "mounts=$(grep -c ' /var/lib/nyx/containers/' /proc/self/mountinfo || true)"
        # this test's own unit (other tests' containers may be stopping meanwhile)
        echo "cgroups=$(find /sys/fs/cgroup -path '*nyx.slice/nyx-cyc.service*' -type d 2>/dev/null | wc -l)"
        echo "units=$(systemctl list-units --all --no-legend 'nyx-cyc.service' | wc -l)"
        echo "records=$(ls /var/lib/nyx/containers | wc -l)"
        echo "crun=$(ls /run/crun 2>/dev/null | wc -l)"
        echo "netns=$(ls /run/nyx/netns 2>/dev/null | wc -l)"
        echo "staging=$(ls /var/lib/nyx/tmp | wc -l)"
}

before=$(count)
n=${NYX_CYCLES:-100}
for i in $(seq 1 "$n"); do
        nyxctl create --name cyc "$BUSYBOX" sleep 100 >/dev/null
        nyxctl start cyc >/dev/null
        nyxctl stop -t 0 cyc >/dev/null
        nyxctl rm cyc >/dev/null
done
sleep 0.5
after=$(count)
[[ $before == "$after" ]] || fail "after $n create/start/stop/rm cycles: before: $(tr '\n' ' ' <<<"$before") after: $(tr '\n' ' ' <<<"$after")"
