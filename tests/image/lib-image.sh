# tests/image/lib-image.sh: fixtures for the congo-image tests, sourced after
# tests/lib.sh.  Everything shared by the tests of one file lives in
# $IMG_WORK and is set up once in the file's main shell (images built offline
# from busybox-static, registries on 127.0.0.1); the servers it starts are
# killed by PID when the file ends.
#
#   img_setup_failed      why the shared setup failed (tests then fail)
#   make_layout NAME ARGS run mkimage.py into $IMG_WORK/NAME (once)
#   start_registry NAME [tls] [token]   docker-registry; sets REG
#   start_token_service   sets TOKEN_DIR, TOKEN_URL
#   start_fake NAME LAYOUT   fake-registry.py; sets FAKE_DIR, FAKE
#   push LAYOUT:TAG DEST [skopeo options]
#   img ARGS...           run congo-image on this test's store ($T/store): $OUT $ERR $RC

PY=/usr/bin/python3
IMG_TESTS=$TESTS_DIR/image
IMG_WORK=$(mktemp -d /tmp/congo-img.XXXXXX)
IMG_PIDS=""
IMG_SETUP_FAILED=""
TOKEN_USERS="congo:secret"

img_cleanup() {
    local p
    for p in $IMG_PIDS; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$IMG_WORK"
}
trap img_cleanup EXIT

setup_failed() { IMG_SETUP_FAILED="${IMG_SETUP_FAILED:+$IMG_SETUP_FAILED; }$*"; echo "setup: $*" >&2; return 1; }
# At the start of each test: the shared setup must have worked.
need_setup() {
    [ -z "$IMG_SETUP_FAILED" ] || fail "shared setup failed: $IMG_SETUP_FAILED"
    [ -x "$CONGO_IMAGE" ] || fail "no congo-image binary at $CONGO_IMAGE (configure without --disable-image)"
}
need_tools() {
    local t
    for t in "$@"; do command -v "$t" >/dev/null || skip "$t is not installed (see contrib/debian-test-packages.txt)"; done
}

wait_file() {
    local i
    for i in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done
    return 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
    local i
    for i in $(seq 200); do port_open "$1" && return 0; sleep 0.05; done
    return 1
}
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

make_layout() {
    local name=$1
    shift
    [ -f "$IMG_WORK/$name/index.json" ] && return 0
    $PY "$IMG_TESTS/mkimage.py" --busybox "$BUSYBOX" "$@" >&2 || setup_failed "mkimage.py $* failed"
}

make_tls() {
    local d=$IMG_WORK/tls
    [ -f "$d/server.crt" ] && return 0
    mkdir -p "$d/certs.d"
    (
        cd "$d"
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=congo test CA" \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
        openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1"
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > ext.cnf
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile ext.cnf
        cp ca.crt certs.d/ca.crt
        # A CA that signed nothing here: verification with it must fail.
        openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 2 -subj "/CN=other CA"
    ) >/dev/null 2>&1 || setup_failed "openssl could not make the test CA"
}

start_token_service() {
    TOKEN_DIR=$IMG_WORK/token
    mkdir -p "$TOKEN_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TOKEN_DIR/token.key" -out "$TOKEN_DIR/token.crt" -days 2 \
        -subj "/CN=congo token issuer" >/dev/null 2>&1 || { setup_failed "openssl: token key"; return 1; }
    $PY "$IMG_TESTS/token-server.py" --dir "$TOKEN_DIR" --issuer congo-issuer --service congo-registry \
        --users "$TOKEN_USERS" >"$TOKEN_DIR/stderr" 2>&1 &
    IMG_PIDS="$IMG_PIDS $!"
    wait_file "$TOKEN_DIR/port" || { setup_failed "token service did not start: $(cat "$TOKEN_DIR/stderr")"; return 1; }
    TOKEN_URL=http://127.0.0.1:$(cat "$TOKEN_DIR/port")/token
}

# start_registry NAME [tls] [token]
start_registry() {
    local name=$1 tls="" token="" port d
    shift
    for a in "$@"; do case $a in tls) tls=1 ;; token) token=1 ;; esac; done
    command -v docker-registry >/dev/null || { setup_failed "docker-registry is not installed"; return 1; }
    d=$IMG_WORK/reg-$name
    mkdir -p "$d/data"
    port=$(free_port)
    {
        echo "version: 0.1"
        echo "log: {level: error, accesslog: {disabled: true}}"
        echo "storage: {filesystem: {rootdirectory: $d/data}, delete: {enabled: true}}"
        echo "http:"
        echo "  addr: 127.0.0.1:$port"
        [ -n "$tls" ] && echo "  tls: {certificate: $IMG_WORK/tls/server.crt, key: $IMG_WORK/tls/server.key}"
        if [ -n "$token" ]; then
            echo "auth:"
            echo "  token: {realm: \"$TOKEN_URL\", service: congo-registry, issuer: congo-issuer, rootcertbundle: $TOKEN_DIR/token.crt}"
        fi
    } > "$d/config.yml"
    docker-registry serve "$d/config.yml" >"$d/log" 2>&1 &
    IMG_PIDS="$IMG_PIDS $!"
    wait_port "$port" || { setup_failed "docker-registry did not start: $(tail -5 "$d/log")"; return 1; }
    REG=127.0.0.1:$port
}

start_fake() {
    FAKE_DIR=$IMG_WORK/fake-$1
    mkdir -p "$FAKE_DIR"
    $PY "$IMG_TESTS/fake-registry.py" --dir "$FAKE_DIR" --layout "$2" >"$FAKE_DIR/stderr" 2>&1 &
    IMG_PIDS="$IMG_PIDS $!"
    wait_file "$FAKE_DIR/port" && wait_file "$FAKE_DIR/blobport" ||
        { setup_failed "fake registry did not start: $(cat "$FAKE_DIR/stderr")"; return 1; }
    FAKE=127.0.0.1:$(cat "$FAKE_DIR/port")
}
set_faults() { echo "$1" > "$FAKE_DIR/faults.json"; : > "$FAKE_DIR/requests.log"; }

# push LAYOUT:TAG docker://DEST [skopeo copy options]
push() {
    local src=$1 dst=$2
    shift 2
    skopeo copy -q "$@" "oci:$IMG_WORK/$src" "docker://$dst" >&2 || setup_failed "skopeo copy $src $dst failed"
}

img() { run_cmd "$CONGO_IMAGE" --store "$T/store" "$@"; }

# Every blob of a store hashes to its name.
assert_store_blobs_sound() {
    local f
    for f in "$1"/images/blobs/sha256/*; do
        [ -e "$f" ] || continue
        [ "$(sha256sum < "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || fail "corrupt blob in the store: $f"
    done
}
# The names in a store's index.json.
store_names() { jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"] // empty' "$1/images/index.json"; }
# Nothing of a failed extract is left: no mount, no bundle directory, no record, no unpack in progress.
assert_no_bundle_left() {
    local dir=$1
    [ ! -e "$dir" ] || fail "bundle directory left behind: $dir ($(ls -A "$dir"))"
    assert_no_mounts
    [ -z "$(ls -A "$T/store/bundle-refs" 2>/dev/null)" ] || fail "bundle record left: $(ls "$T/store/bundle-refs")"
    [ -z "$(ls -A "$T/store/layers/tmp" 2>/dev/null)" ] || fail "unpack left in layers/tmp: $(ls "$T/store/layers/tmp")"
}
xattr_of() { $PY -c 'import os,sys
try: print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())
except OSError: print("<none>")' "$1" "$2"; }
