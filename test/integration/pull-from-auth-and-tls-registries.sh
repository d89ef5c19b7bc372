#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The htpasswd registry refuses an anonymous pull with "authentication
# required", accepts it after `nyxctl login`, which stores the credential
# in a 0600 file; wrong passwords are refused at login; logout forgets.
# The TLS registry is refused without its CA and works with --cert-dir.
. "$(dirname "$0")/lib.sh"
[[ -n ${NYX_TEST_REGISTRY_AUTH:-} && -n ${NYX_TEST_REGISTRY_TLS:-} ]] || skip "no fixture registries (NYX_FIXTURES unset)"
AUTH=$NYX_TEST_REGISTRY_AUTH TLS=$NYX_TEST_REGISTRY_TLS
trap 'nyxctl logout "$AUTH" >/dev/null 2>&1 || true' EXIT
nyxctl logout "$AUTH" >/dev/null 2>&1 || true

expect_failure nyxctl pull --tls-verify=false "$AUTH/busybox"
assert_contains "$err" "authentication required" "anonymous pull from the auth registry"
assert_eq "$(nyxctl images -q "$AUTH/busybox")" "" "images after the refused pull"

# --creds: for this pull only, nothing stored
expect_failure nyxctl pull --tls-verify=false --creds nopassword "$AUTH/busybox"
assert_eq "$err" "nyxctl: pull: --creds expects USER:PASSWORD" "--creds without a colon"
expect_failure nyxctl push --tls-verify=false --creds :x "$AUTH/busybox"
assert_eq "$err" "nyxctl: push: --creds expects USER:PASSWORD" "--creds without a user"
id=$(nyxctl pull -q --tls-verify=false --creds "$NYX_TEST_REGISTRY_AUTH_USER:$NYX_TEST_REGISTRY_AUTH_PASSWORD" "$AUTH/busybox")
[[ $id == sha256:* ]] || fail "pull --creds printed '$id'"
[[ ! -e /var/lib/nyx/auth.json ]] || ! grep -q "$AUTH" /var/lib/nyx/auth.json ||
        fail "pull --creds stored credentials: $(cat /var/lib/nyx/auth.json)"
nyxctl rmi "$AUTH/busybox" >/dev/null

expect_failure nyxctl login -u nyx -p wrong --tls-verify=false "$AUTH"
assert_contains "$err" "authentication failed for nyx" "login with a wrong password"
[[ ! -e /var/lib/nyx/auth.json ]] || ! grep -q "$AUTH" /var/lib/nyx/auth.json ||
        fail "a refused login stored credentials: $(cat /var/lib/nyx/auth.json)"
expect_failure nyxctl login -u nyx --tls-verify=false "$AUTH" </dev/null
assert_contains "$err" "no password given" "login without a password and no terminal"

out=$(echo "$NYX_TEST_REGISTRY_AUTH_PASSWORD" |
      nyxctl login -u "$NYX_TEST_REGISTRY_AUTH_USER" --password-stdin --tls-verify=false "$AUTH")
assert_contains "$out" "Login Succeeded" "login output"
assert_eq "$(stat -c %a /var/lib/nyx/auth.json)" 600 "mode of the credential file"
assert_eq "$(jq -r --arg k "$AUTH" '.auths[$k].auth' /var/lib/nyx/auth.json | base64 -d)" \
        "$NYX_TEST_REGISTRY_AUTH_USER:$NYX_TEST_REGISTRY_AUTH_PASSWORD" "stored credential"

id=$(nyxctl pull -q --tls-verify=false "$AUTH/busybox")
assert_eq "$(nyxctl images -q --no-trunc "$AUTH/busybox")" "$id" "busybox from the auth registry"

assert_contains "$(nyxctl logout "$AUTH")" "Removed login credentials for $AUTH" "logout output"
assert_eq "$(jq -r --arg k "$AUTH" '.auths[$k] // "gone"' /var/lib/nyx/auth.json)" gone "credential after logout"
expect_failure nyxctl logout "$AUTH"
assert_contains "$err" "not logged in to $AUTH" "second logout"
nyxctl rmi "$AUTH/busybox" >/dev/null
expect_failure nyxctl pull --tls-verify=false "$AUTH/busybox"
assert_contains "$err" "authentication required" "pull after logout"

# TLS: the self-signed CA is not trusted by default.
expect_failure nyxctl pull "$TLS/busybox"
assert_contains "$err" "certificate" "pull from the TLS registry without its CA"
id=$(nyxctl pull -q --cert-dir "$NYX_TEST_REGISTRY_TLS_CERTDIR" "$TLS/busybox")
assert_eq "$(nyxctl images -q --no-trunc "$TLS/busybox")" "$id" "busybox from the TLS registry"
nyxctl rmi "$TLS/busybox" >/dev/null
