#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs test-registry-client against real registries on loopback:
#   127.0.0.1:5100  docker-registry, plain http
#   127.0.0.1:5101  docker-registry, htpasswd (basic auth; user nyx, password nyxpass)
#   127.0.0.1:5102  docker-registry, TLS with a CA made here
#   127.0.0.1:5103  registry-client-server.py faults (drops, stalls, 5xx, 429, bad digests)
#   127.0.0.1:5104  registry-client-server.py bearer (token server + proxy to :5100)
# A tiny image (one gzip layer) is built by hand as an OCI layout and pushed with skopeo, as OCI
# (nyx/hello:v1) and as Docker schema 2 (nyx/hello:v2s2).
#
# Usage: registry-client.sh PATH/TO/test-registry-client [TEST...]
# Exits 77 (skip) when docker-registry, skopeo, htpasswd, python3 or openssl are missing, or a port
# is taken. Every server it starts is stopped on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: registry-client.sh PATH/TO/test-registry-client [TEST...]}
shift
bin=$(realpath "$bin")

for tool in docker-registry skopeo htpasswd python3 openssl curl sha256sum gzip tar; do
        if ! command -v "$tool" >/dev/null; then
                echo "SKIP: $tool is not installed (Debian: docker-registry skopeo apache2-utils python3 openssl curl)"
                exit 77
        fi
done

ports=(5100 5101 5102 5103 5104)
for p in "${ports[@]}"; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
                echo "SKIP: 127.0.0.1:$p is already in use"
                exit 77
        fi
done

work=$(mktemp -d /tmp/nyx-registry-client.XXXXXX)
pids=()
cleanup() {
        local p
        for p in "${pids[@]}"; do
                kill "$p" 2>/dev/null || true
        done
        for p in "${pids[@]}"; do
                wait "$p" 2>/dev/null || true
        done
        rm -rf "$work"
}
trap cleanup EXIT INT TERM

# ---- TLS material: a CA and a server certificate for 127.0.0.1 ----
mkdir -p "$work/ca" "$work/certs.d/127.0.0.1:5102"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=nyx test CA" \
        -keyout "$work/ca/ca.key" -out "$work/ca/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$work/server.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca/ca.crt" -CAkey "$work/ca/ca.key" -CAcreateserial \
        -days 2 -extfile "$work/server.ext" -out "$work/server.crt" 2>/dev/null
rm -f "$work/ca/ca.key" "$work/ca/ca.srl"
cp "$work/ca/ca.crt" "$work/certs.d/127.0.0.1:5102/ca.crt"

htpasswd -Bbn -C 5 nyx nyxpass >"$work/htpasswd"

# ---- registries ----
start_registry() {      # name port extra-yaml
        mkdir -p "$work/$1"
        cat >"$work/$1/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/$1/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$2
  secret: nyx-test-secret
$3
EOF
        docker-registry serve "$work/$1/config.yml" >"$work/$1/log" 2>&1 &
        pids+=($!)
}

start_registry plain 5100 ""
start_registry auth 5101 "auth:
  htpasswd:
    realm: nyx
    path: $work/htpasswd"
start_registry tls 5102 "  tls:
    certificate: $work/server.crt
    key: $work/server.key"

head -c $((1024 * 1024 + 7)) /dev/urandom >"$work/fault-blob"
python3 "$here/registry-client-server.py" faults 5103 "$work/fault-blob" >"$work/faults.log" 2>&1 &
pids+=($!)
python3 "$here/registry-client-server.py" bearer 5104 5100 nyx nyxpass >"$work/bearer.log" 2>&1 &
pids+=($!)

wait_for() {    # url [curl options]
        local url=$1 i
        shift
        for i in $(seq 100); do
                if curl -s -o /dev/null "$@" "$url"; then
                        return 0
                fi
                sleep 0.1
        done
        echo "FAIL: nothing answers at $url"
        for f in "$work"/*/log "$work"/*.log; do
                [[ -s $f ]] && { echo "== $f"; tail -20 "$f"; }
        done
        exit 1
}
wait_for http://127.0.0.1:5100/v2/
wait_for http://127.0.0.1:5101/v2/
wait_for https://127.0.0.1:5102/v2/ --cacert "$work/ca/ca.crt"
wait_for http://127.0.0.1:5103/v2/
wait_for http://127.0.0.1:5104/v2/

# ---- the image: one layer with one file, as an OCI layout ----
layout=$work/layout
mkdir -p "$layout/blobs/sha256" "$work/rootfs/etc"
echo "hello from nyx" >"$work/rootfs/etc/hello.txt"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/rootfs" -cf "$work/layer.tar" etc
gzip -n -9 -c "$work/layer.tar" >"$work/layer.tar.gz"
diff_id=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
layer_hex=$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)
layer_size=$(stat -c %s "$work/layer.tar.gz")
cp "$work/layer.tar.gz" "$layout/blobs/sha256/$layer_hex"

cat >"$work/config.json" <<EOF
{"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z","config":{"Env":["PATH=/bin"],"Cmd":["/bin/sh"],"Labels":{"org.nyx.test":"yes"}},"rootfs":{"type":"layers","diff_ids":["$diff_id"]},"history":[{"created":"2024-01-01T00:00:00Z","created_by":"nyx test fixture"}]}
EOF
config_hex=$(sha256sum "$work/config.json" | cut -d' ' -f1)
config_size=$(stat -c %s "$work/config.json")
cp "$work/config.json" "$layout/blobs/sha256/$config_hex"

cat >"$work/manifest.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config_hex","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:$layer_hex","size":$layer_size}]}
EOF
manifest_hex=$(sha256sum "$work/manifest.json" | cut -d' ' -f1)
manifest_size=$(stat -c %s "$work/manifest.json")
cp "$work/manifest.json" "$layout/blobs/sha256/$manifest_hex"
echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
cat >"$layout/index.json" <<EOF
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest_hex","size":$manifest_size,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}
EOF

push() {        # destination [skopeo options]
        local dest=$1
        shift
        if ! skopeo --insecure-policy copy --quiet "$@" "oci:$layout:v1" "$dest" >"$work/skopeo.log" 2>&1; then
                echo "FAIL: skopeo copy to $dest"
                cat "$work/skopeo.log"
                exit 1
        fi
}
export TMPDIR=$work
push docker://127.0.0.1:5100/nyx/hello:v1 --dest-tls-verify=false --preserve-digests
push docker://127.0.0.1:5100/nyx/hello:v2s2 --dest-tls-verify=false --format v2s2
push docker://127.0.0.1:5101/nyx/hello:v1 --dest-tls-verify=false --dest-creds nyx:nyxpass --preserve-digests
push docker://127.0.0.1:5102/nyx/hello:v1 --dest-cert-dir "$work/ca" --preserve-digests

# The files the push tests upload again under other names.
export NYX_TEST_REQUIRED=1
export NYX_TEST_REGISTRY_PLAIN=127.0.0.1:5100
export NYX_TEST_REGISTRY_AUTH=127.0.0.1:5101
export NYX_TEST_REGISTRY_TLS=127.0.0.1:5102
export NYX_TEST_REGISTRY_FAULTS=127.0.0.1:5103
export NYX_TEST_REGISTRY_BEARER=127.0.0.1:5104
export NYX_TEST_CA_DIR=$work/ca
export NYX_TEST_CERTS_D=$work/certs.d
export NYX_TEST_REPO=nyx/hello
export NYX_TEST_TAG=v1
export NYX_TEST_MANIFEST_DIGEST=sha256:$manifest_hex
export NYX_TEST_MANIFEST_FILE=$work/manifest.json
export NYX_TEST_CONFIG_DIGEST=sha256:$config_hex
export NYX_TEST_CONFIG_FILE=$work/config.json
export NYX_TEST_LAYER_DIGEST=sha256:$layer_hex
export NYX_TEST_LAYER_SIZE=$layer_size
export NYX_TEST_LAYER_FILE=$work/layer.tar.gz
export NYX_TEST_DIFF_ID=$diff_id
export NYX_TEST_FAULT_DIGEST=sha256:$(sha256sum "$work/fault-blob" | cut -d' ' -f1)
export NYX_TEST_FAULT_SIZE=$(stat -c %s "$work/fault-blob")
export NYX_TEST_WORK=$work

rc=0
"$bin" "$@" || rc=$?
if [[ $rc -ne 0 ]]; then
        for f in "$work"/*/log "$work"/*.log; do
                [[ -s $f ]] && { echo "== $f"; tail -20 "$f"; }
        done
fi
exit $rc
