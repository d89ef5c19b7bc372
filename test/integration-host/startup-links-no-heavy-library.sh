#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The programs that run on every container start and every command do not link the libraries only a
# few of their paths use (they dlopen them): each one costs every start milliseconds of loading.
#   startup-links-no-heavy-library.sh NYXCTL NYX-PREPARE
set -euo pipefail
command -v readelf >/dev/null || { echo "SKIP: readelf (binutils) is not installed"; exit 77; }
check() {     # binary library...
        local bin=$1 needed
        shift
        needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
        for lib in "$@"; do
                if grep -q "^$lib" <<<"$needed"; then
                        echo "FAIL: $bin links $lib (dlopen it where it is needed)"
                        exit 1
                fi
        done
        echo "ok: $(basename "$bin") needs: $(tr '\n' ' ' <<<"$needed")"
}
check "$1" libarchive libnftables libcurl libseccomp libcrypto
check "$2" libarchive libnftables libcurl libseccomp libcrypto
