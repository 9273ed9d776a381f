#!/bin/bash
# congo-image against a registry over TLS (a CA the tests make) behind
# Docker-Hub-style bearer token auth (tests/image/token-server.py), and a
# Basic-auth registry that redirects blobs to another origin.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-image.sh"

make_layout test test "$IMG_WORK/test"
make_tls
start_token_service && start_registry secure tls token && {
    push test:test "$REG/test/img:1" --dest-cert-dir "$IMG_WORK/tls/certs.d" --dest-creds congo:secret
    push test:test "$REG/private/img:1" --dest-cert-dir "$IMG_WORK/tls/certs.d" --dest-creds congo:secret
}
start_fake basic "$IMG_WORK/test"
CA=$IMG_WORK/tls/ca.crt

token_log() { cat "$TOKEN_DIR/requests.log" 2>/dev/null; }

test_tls_with_anonymous_token() {
    need_setup
    : > "$TOKEN_DIR/requests.log"
    img pull -q --tls-ca "$CA" "$REG/test/img:1"
    assert_ok
    assert_eq "$(store_names "$T/store")" "$REG/test/img:1"
    assert_store_blobs_sound "$T/store"
    local l
    l=$(token_log | tail -1)
    assert_eq "$(echo "$l" | jq -r '.query.scope[0]')" "repository:test/img:pull"
    assert_eq "$(echo "$l" | jq -r '.query.service[0]')" "congo-registry"
    assert_eq "$(echo "$l" | jq -r .auth)" "false" "anonymous token"
    img extract -q --pull never "$REG/test/img:1" -b "$T/b"
    assert_ok
    assert_eq "$(cat "$T/b/rootfs/data/keep.txt")" "v3"
}

test_tls_verification() {
    need_setup
    img pull -q "$REG/test/img:1"
    assert_failed
    assert_contains "$ERR" "TLS verification failed: give its CA with --tls-ca FILE"
    img pull -q --tls-ca "$IMG_WORK/tls/other.crt" "$REG/test/img:1"
    assert_failed
    assert_contains "$ERR" "TLS verification failed"
    assert_eq "$(store_names "$T/store")" ""
    img pull -q --tls-verify=false "$REG/test/img:1"
    assert_ok
    img pull -q --tls-ca "$T/missing.crt" "$REG/test/img:1"
    assert_failed
    assert_contains "$ERR" "--tls-ca \`$T/missing.crt\`: No such file or directory"
}

test_private_repository_needs_credentials() {
    need_setup
    img pull -q --tls-ca "$CA" "$REG/private/img:1"
    assert_failed
    assert_contains "$ERR" "access to \`private/img\` denied"
    assert_contains "$ERR" "--creds USER:PASS"
    img pull -q --tls-ca "$CA" --creds congo:wrong "$REG/private/img:1"
    assert_failed
    assert_contains "$ERR" "HTTP 401"
    assert_contains "$ERR" "wrong username or password"
    assert_eq "$(store_names "$T/store")" ""
    : > "$TOKEN_DIR/requests.log"
    img pull -q --tls-ca "$CA" --creds congo:secret "$REG/private/img:1"
    assert_ok
    assert_eq "$(token_log | tail -1 | jq -r .user)" "congo"
}

test_credentials_from_docker_config() {
    need_setup
    mkdir -p "$T/docker"
    printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REG" "$(printf congo:secret | base64)" > "$T/docker/config.json"
    DOCKER_CONFIG=$T/docker img pull -q --tls-ca "$CA" "$REG/private/img:1"
    assert_ok
    assert_eq "$(token_log | tail -1 | jq -r .user)" "congo"
    printf '{"auths": {"%s": {"auth": "bm90LWJhc2U2NA"}}}\n' "$REG" > "$T/docker/config.json"
    DOCKER_CONFIG=$T/docker img pull -q --tls-ca "$CA" "$REG/test/img:1"
    assert_ok "a broken entry only gives a warning for public images"
    assert_contains "$ERR" "warning: ignoring credentials"
    # containers' auth.json too
    printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REG" "$(printf congo:secret | base64)" > "$T/auth.json"
    REGISTRY_AUTH_FILE=$T/auth.json img pull -q --tls-ca "$CA" "$REG/private/img:1"
    assert_ok
}

test_failing_token_service() {
    need_setup
    touch "$TOKEN_DIR/fail"
    img pull -q --tls-ca "$CA" "$REG/test/img:1"
    rm -f "$TOKEN_DIR/fail"
    assert_failed
    assert_contains "$ERR" "get a token for \`test/img\` from the token service"
    assert_contains "$ERR" "HTTP 500: UNAVAILABLE: token service is down"
    assert_eq "$(store_names "$T/store")" ""
    [ -z "$(ls -A "$T/store/images/blobs/sha256")" ] || fail "blobs stored by a failed pull"
}

test_basic_auth_and_redirect_without_authorization() {
    need_setup
    set_faults '{"basic": "bob:pw", "redirect_blobs": true}'
    img pull -q "$FAKE/test/img:test"
    assert_failed
    assert_contains "$ERR" "asks for a username and password: use --creds USER:PASS"
    img pull -q --creds bob:nope "$FAKE/test/img:test"
    assert_failed
    assert_contains "$ERR" "refused the username and password from --creds"
    : > "$FAKE_DIR/requests.log"
    img pull -q --creds bob:pw "$FAKE/test/img:test"
    assert_ok
    assert_store_blobs_sound "$T/store"
    local log=$FAKE_DIR/requests.log
    [ "$(jq -r 'select(.server=="blobs") | .path' "$log" | wc -l)" -ge 4 ] || fail "blobs were not redirected: $(cat "$log")"
    assert_eq "$(jq -r 'select(.server=="blobs" and .auth) | .path' "$log")" "" "Authorization sent to another origin"
    assert_eq "$(jq -r 'select(.server=="registry" and (.auth|not)) | .path' "$log" | grep -v '^/v2/$' || true)" "" \
        "the registry itself gets the credentials"
}

run_tests "$@"
