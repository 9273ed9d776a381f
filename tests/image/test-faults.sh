#!/bin/bash
# Faults where congo-image must not lose or corrupt data: a pull SIGKILLed at
# random instants, a store that runs out of space while a layer is unpacked.
# After either, the store works (images, pull resumes, prune, extract) and
# every blob still hashes to its name.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-image.sh"

# Four layers of ~1 MiB (half random: ~0.5 MiB gzipped each), served
# throttled so that a pull lasts long enough to be cut anywhere: manifest,
# downloads in flight, blobs being verified and published, the index written.
make_layout big big "$IMG_WORK/big" 4 4
start_fake faults "$IMG_WORK/big"
REF=$FAKE/test/big:big
LAYERS=$(jq -r '.layers[].digest' \
    "$IMG_WORK/big/blobs/sha256/$(jq -r '.manifests[0].digest' "$IMG_WORK/big/index.json" | cut -d: -f2)" 2>/dev/null)
slow_layers() {
    local d f="" sep=""
    for d in $LAYERS; do f="$f$sep\"$d\": $1"; sep=", "; done
    set_faults "{\"slow\": {$f}}"
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# A store an image can be pulled into, with all its blobs sound.
assert_store_usable() {
    local store=$1 what=$2
    run_cmd "$CONGO_IMAGE" --store "$store" images
    assert_ok
    assert_store_blobs_sound "$store"
    run_cmd "$CONGO_IMAGE" --store "$store" pull -q "$REF"
    [ "$RC" = 0 ] || fail "$what: the next pull failed (exit $RC): $ERR"
    assert_eq "$OUT" "$IMAGE_ID" "$what: the resumed pull gives the image"
    assert_store_blobs_sound "$store"
    [ -z "$(ls -A "$store/ingest" 2>/dev/null)" ] || fail "$what: downloads left in ingest: $(ls "$store/ingest")"
    run_cmd "$CONGO_IMAGE" --store "$store" rm "$REF"
    assert_ok
    run_cmd "$CONGO_IMAGE" --store "$store" prune
    [ "$RC" = 0 ] || fail "$what: prune failed (exit $RC): $ERR"
    [ -z "$(ls -A "$store/images/blobs/sha256")" ] || fail "$what: prune left blobs: $(ls "$store/images/blobs/sha256")"
}

test_pull_killed_at_random_instants_leaves_a_usable_store() {
    need_setup
    local runs=${CONGO_FAULT_RUNS:-50} i pid rc at full start deadline done_runs=0 cut=0
    # 4 layers at 2 MB/s each, in parallel: about 0.3 s of download.
    slow_layers 2000000
    # One pull to the end: the image ID, and how long a pull takes here.
    start=$(now_ms)
    img pull -q "$REF"
    assert_ok
    IMAGE_ID=$OUT
    full=$(( $(now_ms) - start ))
    # Bounded: at most ~60 s of kills whatever the machine's load (at least 10 runs).
    deadline=$(( $(now_ms) + 60000 ))
    for ((i = 0; i < runs; i++)); do
        [ $i -ge 10 ] && [ "$(now_ms)" -gt $deadline ] && break
        local store=$T/s$i
        # Any instant of the pull, and a few past its end (nothing to cut then).
        at=$(( RANDOM % (full + full / 8 + 1) ))
        slow_layers 2000000
        "$CONGO_IMAGE" --store "$store" pull -q "$REF" >/dev/null 2>&1 &
        pid=$!
        sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
        kill -KILL $pid 2>/dev/null || true
        rc=0
        wait $pid 2>/dev/null || rc=$?
        [ $rc = 137 ] && cut=$((cut + 1))
        # (the resume at full speed)
        set_faults '{}'
        assert_store_usable "$store" "pull killed after $at ms (run $i)"
        rm -rf "$store"
        done_runs=$((done_runs + 1))
    done
    echo "$done_runs runs, $cut pulls killed midway (a full pull: $full ms)"
    # Most kills must land inside a pull, or the test tests nothing.
    [ $cut -ge $((done_runs / 2)) ] || fail "only $cut of $done_runs pulls were killed midway"
}

# The store on a tmpfs with room for the blobs but not for the unpacked layers.
test_enospc_while_unpacking_leaves_no_half_layer() {
    need_setup
    set_faults '{}'
    local blobs size
    mkdir -p "$T/small"
    # The compressed image first, on an ample tmpfs, to measure it.
    mount -t tmpfs -o size=64m congo-test-small "$T/small" || skip "cannot mount a tmpfs"
    run_cmd "$CONGO_IMAGE" --store "$T/small/store" pull -q "$REF"
    assert_ok
    blobs=$(du -sk "$T/small/store" | cut -f1)
    # Room for the blobs and about two and a half of the four unpacked layers
    # (1 MiB and 200 small files each): some are published, one runs out.
    size=$((blobs + 4700))
    mount -o remount,size=${size}k "$T/small" || fail "cannot shrink the tmpfs to ${size}k"
    run_cmd "$CONGO_IMAGE" --store "$T/small/store" extract -q "$REF" -b "$T/small/b"
    assert_failed
    assert_contains "$ERR" "No space left on device"
    assert_contains "$ERR" "layer"
    [ ! -e "$T/small/b" ] || fail "bundle directory left behind: $(ls -A "$T/small/b")"
    [ -z "$(ls -A "$T/small/store/layers/tmp" 2>/dev/null)" ] || fail "unpack left in layers/tmp: $(ls "$T/small/store/layers/tmp")"
    [ -z "$(ls -A "$T/small/store/bundle-refs" 2>/dev/null)" ] || fail "bundle record left: $(ls "$T/small/store/bundle-refs")"
    assert_store_blobs_sound "$T/small/store"
    # Every layer that was published is whole: with room again, the extract
    # uses them and the rootfs has every file of every layer.
    mount -o remount,size=64m "$T/small" || fail "cannot grow the tmpfs"
    run_cmd "$CONGO_IMAGE" --store "$T/small/store" extract -q --pull never "$REF" -b "$T/small/b"
    assert_ok
    run_cmd "$CONGO_IMAGE" --store "$T/ref-store" pull -q "$REF"
    assert_ok
    run_cmd "$CONGO_IMAGE" --store "$T/ref-store" extract -q --copy --pull never "$REF" -b "$T/ref"
    assert_ok
    local l
    for l in 0 1 2 3; do
        [ "$(cd "$T/small/b/rootfs/layer$l" && find . -type f | sort | xargs sha256sum | sha256sum)" = \
          "$(cd "$T/ref/rootfs/layer$l" && find . -type f | sort | xargs sha256sum | sha256sum)" ] ||
            fail "layer $l differs from a clean extract"
    done
    run_cmd "$CONGO_IMAGE" --store "$T/small/store" rm-bundle "$T/small/b"
    assert_ok
    run_cmd "$CONGO_IMAGE" --store "$T/ref-store" rm-bundle "$T/ref"
}

run_tests "$@"
