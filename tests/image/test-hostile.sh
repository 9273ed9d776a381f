#!/bin/bash
# Hostile registries and images: each is refused with a clear message and
# nothing is written outside the store (nor a corrupt blob or a name inside it).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-image.sh"

OUTSIDE=$IMG_WORK/outside
mkdir -p "$OUTSIDE"
make_layout test test "$IMG_WORK/test"
make_layout big big "$IMG_WORK/big" 12 2
for k in dotdot symlink hardlink truncated diffid overlayxattr; do
    HOSTILE_TARGET=$OUTSIDE make_layout "h-$k" hostile "$IMG_WORK/h-$k" "$k"
done
start_registry plain && for k in dotdot symlink hardlink truncated diffid overlayxattr; do
    push "h-$k:$k" "$REG/hostile/$k:latest" --dest-tls-verify=false
done
start_fake faults "$IMG_WORK/test"
start_fake bigfaults "$IMG_WORK/big"
BIGFAKE=$FAKE BIGFAKE_DIR=$FAKE_DIR
start_fake faults "$IMG_WORK/test"

# Digests of the test image's first layer and of the big image's largest one.
layer_digest() { jq -r ".layers[$2].digest" "$IMG_WORK/$1/blobs/sha256/$(jq -r '.manifests[0].digest' "$IMG_WORK/$1/index.json" | cut -d: -f2)"; }
LAYER0=$(layer_digest test 0)
BIG0=$(layer_digest big 0)

assert_nothing_stored() {
    assert_eq "$(store_names "$T/store")" "" "no image named"
    assert_store_blobs_sound "$T/store"
}

test_blob_digest_mismatch() {
    need_setup
    set_faults "{\"corrupt\": [\"$LAYER0\"]}"
    img pull -q "$FAKE/test/img:test"
    assert_failed
    assert_contains "$ERR" "blob $LAYER0 from \`$FAKE\`: digest mismatch: expected $LAYER0, the content hashes to sha256:"
    assert_nothing_stored
    [ ! -e "$T/store/images/blobs/sha256/${LAYER0#sha256:}" ] || fail "the corrupt blob was stored"
    [ ! -e "$T/store/ingest/${LAYER0#sha256:}.partial" ] || fail "the corrupt partial download was kept"
}

test_manifest_digest_mismatch() {
    need_setup
    set_faults '{"wrong_manifest_digest": "test"}'
    img pull -q "$FAKE/test/img:test"
    assert_failed
    assert_contains "$ERR" "digest mismatch: the registry says sha256:1111"
    assert_nothing_stored
}

test_oversized_manifest() {
    need_setup
    set_faults '{"big_manifest": "test"}'
    img pull -q "$FAKE/test/img:test"
    assert_failed
    assert_contains "$ERR" "is larger than the 4194304-byte limit"
    assert_nothing_stored
}

# Issue 13: a manifest of 300000 nested arrays crashed yajl's recursive free.
test_deeply_nested_manifest() {
    need_setup
    set_faults '{"deep_manifest": "test"}'
    img pull -q "$FAKE/test/img:test"
    assert_rc 1
    assert_contains "$ERR" "JSON nested deeper than the limit of 200 levels"
    assert_nothing_stored
}

# The header block of a response: 64 KiB pass, one byte more is refused
# (for the API requests and for blob downloads).
test_response_header_limit() {
    need_setup
    set_faults '{"header_bytes": 65536, "blob_header_bytes": 65536}'
    img pull -q "$FAKE/test/img:test"
    assert_ok
    rm -rf "$T/store"
    set_faults '{"header_bytes": 65537}'
    img pull -q "$FAKE/test/img:test"
    assert_failed
    assert_contains "$ERR" "the response headers are larger than the 65536-byte limit"
    assert_nothing_stored
    set_faults '{"blob_header_bytes": 65537}'
    img pull -q "$FAKE/test/img:test"
    assert_failed
    assert_contains "$ERR" "the response headers are larger than the 65536-byte limit"
    assert_contains "$ERR" "blob sha256:"
    assert_nothing_stored
}

test_schema1_refused() {
    need_setup
    set_faults '{"schema1": "test"}'
    img pull -q "$FAKE/test/img:test"
    assert_failed
    assert_contains "$ERR" "Docker schema 1 manifests are not supported"
    assert_nothing_stored
}

test_dropped_connection_is_retried_with_range() {
    need_setup
    set_faults "{\"drop\": {\"$LAYER0\": {\"after\": 300000, \"times\": 2}}}"
    img pull -q "$FAKE/test/img:test"
    assert_ok
    assert_store_blobs_sound "$T/store"
    assert_contains "$(jq -r "select(.path | endswith(\"$LAYER0\")) | .range" "$FAKE_DIR/requests.log")" "bytes=300000-"
}

test_dropped_connection_then_later_pull_resumes() {
    need_setup
    set_faults "{\"drop\": {\"$LAYER0\": {\"after\": 400000, \"times\": 1000}}}"
    img pull -q "$FAKE/test/img:test"
    assert_failed
    assert_contains "$ERR" "400000 of"
    assert_contains "$ERR" "the next pull resumes from there"
    assert_nothing_stored
    assert_eq "$(stat -c %s "$T/store/ingest/${LAYER0#sha256:}.partial")" "400000" "the partial download is kept"
    set_faults '{}'
    img pull -q "$FAKE/test/img:test"
    assert_ok
    assert_eq "$(jq -r "select(.path | endswith(\"$LAYER0\")) | .range" "$FAKE_DIR/requests.log")" "bytes=400000-" \
        "the second pull asks only for the rest"
    assert_store_blobs_sound "$T/store"
    [ -z "$(ls -A "$T/store/ingest")" ] || fail "partial download left after success"
}

test_pull_killed_midway_leaves_a_sound_store() {
    need_setup
    echo "{\"slow\": {\"$BIG0\": 1000000}}" > "$BIGFAKE_DIR/faults.json"
    : > "$BIGFAKE_DIR/requests.log"
    "$CONGO_IMAGE" --store "$T/store" pull -q "$BIGFAKE/test/big:big" >/dev/null 2>&1 &
    local pid=$!
    wait_for test -s "$T/store/ingest/${BIG0#sha256:}.partial" || { kill -9 $pid; fail "the download did not start"; }
    sleep 0.3
    kill -9 $pid || fail "the pull ended before it could be killed"
    wait $pid 2>/dev/null || true
    assert_nothing_stored
    [ ! -e "$T/store/images/blobs/sha256/${BIG0#sha256:}" ] || fail "a blob of a killed download was published"
    echo '{}' > "$BIGFAKE_DIR/faults.json"
    img pull -q "$BIGFAKE/test/big:big"
    assert_ok
    assert_store_blobs_sound "$T/store"
    assert_contains "$(jq -r "select(.path | endswith(\"$BIG0\")) | .range" "$BIGFAKE_DIR/requests.log")" "bytes="
    img extract -q "$BIGFAKE/test/big:big" -b "$T/b"
    assert_ok
}

hostile_extract() {
    img pull -q "$REG/hostile/$1"
    assert_ok
    img extract -q --pull never "$REG/hostile/$1" -b "$T/b"
}

test_truncated_layer() {
    need_setup
    hostile_extract truncated
    assert_failed
    assert_contains "$ERR" "layer 1 (sha256:"
    assert_contains "$ERR" "entry \`big\`: truncated gzip input"
    assert_no_bundle_left "$T/b"
    assert_eq "$(ls -A "$T/store/layers/sha256")" "" "no layer published"
}

test_dotdot_paths() {
    need_setup
    hostile_extract dotdot
    assert_failed
    assert_contains "$ERR" "entry \`a/../../../escape-dotdot\`: a \`..\` component would leave the layer"
    assert_no_bundle_left "$T/b"
    [ -z "$(find / -xdev -name escape-dotdot 2>/dev/null | head -1)" ] || fail "escape-dotdot was written"
}

test_symlink_then_write_through_it() {
    need_setup
    hostile_extract symlink
    assert_failed
    assert_contains "$ERR" "entry \`evil/pwned-symlink\`: \`evil\` is a symbolic link: refusing to write through it"
    assert_no_bundle_left "$T/b"
    assert_eq "$(ls -A "$OUTSIDE")" "" "nothing written through the symlink"
}

test_hardlink_to_etc_shadow() {
    need_setup
    local links
    links=$(stat -c %h /etc/shadow)
    hostile_extract hardlink
    assert_failed
    assert_contains "$ERR" "entry \`shadow\`: hardlink target \`/etc/shadow\` is not in the layer"
    assert_no_bundle_left "$T/b"
    assert_eq "$(stat -c %h /etc/shadow)" "$links" "/etc/shadow got no new link"
}

test_diff_id_mismatch() {
    need_setup
    hostile_extract diffid
    assert_failed
    assert_contains "$ERR" "diff_id mismatch: the image config says sha256:0000"
    assert_no_bundle_left "$T/b"
}

test_overlay_xattrs_in_a_layer_are_dropped() {
    need_setup
    hostile_extract overlayxattr
    assert_ok
    local l
    l=$(jq -r '.layers[0]' "$T/b/.congo-image.json" | cut -d: -f2)
    assert_eq "$(xattr_of "$T/store/layers/sha256/$l/d/f" trusted.overlay.redirect)" "<none>"
    assert_eq "$(cat "$T/b/rootfs/d/f")" "x"
}

run_tests "$@"
