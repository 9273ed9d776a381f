#!/bin/bash
# congo-image against a real registry (Debian's docker-registry) in plain
# HTTP on 127.0.0.1: pull, the store as an OCI layout (checked with skopeo),
# extract with an overlay rootfs, whiteouts, the bundle's config.json,
# multi-platform indexes, the store commands.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-image.sh"

make_layout test test "$IMG_WORK/test"
make_layout multi index "$IMG_WORK/multi"
start_registry plain && {
    push test:test "$REG/test/img:1" --dest-tls-verify=false
    push test:test "$REG/test/img:2" --dest-tls-verify=false
    push multi:multi "$REG/test/multi:latest" --dest-tls-verify=false --all
}

# The files of the test image's top view, as seen through a rootfs.
check_test_rootfs() {
    local r=$1
    assert_eq "$(cat "$r/data/keep.txt")" "v3" "layer 3 wins"
    [ ! -e "$r/data/gone.txt" ] || fail "gone.txt was whited out in layer 2 but is visible"
    [ ! -e "$r/data/gonedir" ] || fail "gonedir was whited out in layer 2 but is visible"
    assert_eq "$(ls "$r/data/opaque" | tr '\n' ' ')" "new1 " "opaque dir shows only layer 2's entries"
    assert_eq "$(ls "$r/data/recreated" | tr '\n' ' ')" "newfile " "dir deleted and made again in one layer"
    assert_eq "$(cat "$r/data/added.txt")" "added"
    assert_eq "$(cat "$r/etc/motd")" "hello from layer 3"
    assert_eq "$(stat -c %i "$r/data/hl1")" "$(stat -c %i "$r/data/hl2")" "hardlink kept"
    assert_eq "$(stat -c %F "$r/data/fifo")" "fifo"
    assert_eq "$(stat -c %a "$r/data/setuid")" "4755"
    assert_eq "$(stat -c %u:%g:%a "$r/data/owned")" "1000:1000:640"
    assert_eq "$(stat -c %Y "$r/data/owned")" "1700000000" "mtime kept"
    assert_eq "$(stat -c %F:%t:%T "$r/data/dev/null")" "character special file:1:3"
    assert_eq "$(xattr_of "$r/data/xattr" user.test)" "hello" "xattr kept"
    assert_eq "$(stat -c %u:%g "$r/home/tester")" "1000:1000"
    [ -x "$r/bin/busybox" ] || fail "no busybox"
    assert_eq "$(readlink "$r/bin/sh")" "busybox"
}

test_pull_plain_http_and_skopeo_reads_the_store() {
    need_setup
    img pull "$REG/test/img:1"
    assert_ok
    assert_eq "$OUT" "$(jq -r .config.digest "$IMG_WORK/test/blobs/sha256/$(jq -r '.manifests[0].digest' "$IMG_WORK/test/index.json" | cut -d: -f2)")" "pull prints the image ID"
    assert_eq "$(store_names "$T/store")" "$REG/test/img:1"
    run_cmd skopeo inspect "oci:$T/store/images:$REG/test/img:1"
    assert_ok
    assert_eq "$(echo "$OUT" | jq -r .Digest)" "$(jq -r '.manifests[0].digest' "$IMG_WORK/test/index.json")"
    assert_eq "$(echo "$OUT" | jq -r '.Layers | length')" "3"
    assert_store_blobs_sound "$T/store"
    [ -z "$(ls -A "$T/store/ingest")" ] || fail "downloads left in ingest: $(ls "$T/store/ingest")"
    # umoci reads it too
    run_cmd umoci stat --image "$T/store/images:$REG/test/img:1"
    assert_ok
}

test_pull_twice_downloads_no_layer_again() {
    need_setup
    img pull "$REG/test/img:1"
    assert_ok
    img --debug pull "$REG/test/img:2"
    assert_ok
    assert_not_contains "$ERR" "/blobs/sha256:" "same layers and config: nothing downloaded"
    assert_eq "$(store_names "$T/store" | sort | tr '\n' ' ')" "$REG/test/img:1 $REG/test/img:2 "
}

test_images_inspect_rm() {
    need_setup
    img pull -q "$REG/test/img:1"
    assert_ok
    local id=$OUT
    img images
    assert_ok
    assert_contains "$OUT" "$REG/test/img:1"
    assert_contains "$OUT" "${id:7:12}"
    img images --format json
    assert_eq "$(echo "$OUT" | jq -r '.[0].id')" "$id"
    assert_eq "$(echo "$OUT" | jq -r '.[0].layers')" "3"
    img inspect "$REG/test/img:1"
    assert_ok
    assert_eq "$(echo "$OUT" | jq -r .config.User)" "tester"
    img inspect "${id:7:10}"
    assert_ok "inspect by ID prefix"
    img inspect --manifest "$REG/test/img:1"
    assert_eq "$(echo "$OUT" | jq -r '.layers | length')" "3"
    img inspect "$REG/test/nothere"
    assert_failed
    assert_contains "$ERR" "image \`$REG/test/nothere:latest\` is not in the store"
    img rm "$REG/test/img:1"
    assert_ok
    assert_eq "$(store_names "$T/store")" ""
    img rm "$REG/test/img:1"
    assert_failed
    assert_contains "$ERR" "is not in the store"
}

test_extract_overlay_shows_whiteouts() {
    need_setup
    img extract "$REG/test/img:1" --bundle "$T/b" -q
    assert_ok
    assert_eq "$OUT" "$T/b"
    assert_eq "$(findmnt -n -o FSTYPE "$T/b/rootfs")" "overlay"
    check_test_rootfs "$T/b/rootfs"
    # The unpacked layers hold the overlay form of the whiteouts.
    local l2
    l2=$(jq -r '.layers[1]' "$T/b/.congo-image.json" | cut -d: -f2)
    assert_eq "$(stat -c %F:%t:%T "$T/store/layers/sha256/$l2/data/gone.txt")" "character special file:0:0"
    assert_eq "$(xattr_of "$T/store/layers/sha256/$l2/data/opaque" trusted.overlay.opaque)" "y"
    l1=$(jq -r '.layers[0]' "$T/b/.congo-image.json" | cut -d: -f2)
    assert_eq "$(xattr_of "$T/store/layers/sha256/$l1/data/forged" trusted.overlay.opaque)" "<none>" "forged overlay xattr dropped"
    # Writes go to the bundle's upper directory, never to the layers.
    echo changed > "$T/b/rootfs/data/keep.txt"
    rm "$T/b/rootfs/data/added.txt"
    assert_eq "$(cat "$T/b/overlay/upper/data/keep.txt")" "changed"
    [ -e "$T/store/layers/sha256/$l2/data/added.txt" ] || fail "a delete in the container reached the layer"
}

test_extract_config_json() {
    need_setup
    img extract "$REG/test/img:1" --name box1 -q
    assert_ok
    B=$T/store/bundles/box1
    assert_eq "$OUT" "$B" "default bundle place: STORE/bundles/NAME"
    local c=$B/config.json
    assert_eq "$(jq -c .process.args "$c")" '["/bin/sh","-c","echo hello from the image"]'
    assert_eq "$(jq -r .process.cwd "$c")" "/data"
    assert_eq "$(jq -c .process.user "$c")" '{"uid":1000,"gid":1000,"additionalGids":[2000,2001]}' "User resolved in the image's /etc/passwd and /etc/group"
    assert_eq "$(jq -r '.process.env | index("FOO=bar") != null' "$c")" "true"
    assert_eq "$(jq -r '.process.env | index("HOME=/home/tester") != null' "$c")" "true"
    assert_eq "$(jq -r .hostname "$c")" "box1"
    assert_eq "$(jq -r .root.path "$c")" "rootfs"
    assert_eq "$(jq -r '.annotations["org.opencontainers.image.stopSignal"]' "$c")" "SIGINT"
    assert_eq "$(jq -r '.annotations["org.opencontainers.image.os"]' "$c")" "linux" "the config's field wins over a label"
    assert_eq "$(jq -r '.annotations["org.example.label"]' "$c")" "x"
    assert_eq "$(jq -r '.annotations["org.opencontainers.image.exposedPorts"]' "$c")" "80/tcp,53/udp"
    assert_eq "$(jq -r '[.linux.namespaces[].type] | sort | join(",")' "$c")" "cgroup,ipc,mount,network,pid,uts"
    assert_eq "$(jq -r '.process.capabilities.bounding | index("CAP_SYS_ADMIN")' "$c")" "null"
    assert_eq "$(jq -r '.linux.maskedPaths | index("/proc/kcore") != null' "$c")" "true"
    img rm-bundle "$B"
    assert_ok
    [ ! -e "$B" ] || fail "rm-bundle left $B"
}

test_extract_overrides() {
    need_setup
    img extract "$REG/test/img:1" -b "$T/b" -q --user nobody:extra -e FOO=baz -e NEW=1 -w /tmp --hostname h1 \
        --memory 64m -t -- /bin/echo hi there
    assert_ok
    local c=$T/b/config.json
    assert_eq "$(jq -c .process.args "$c")" '["/bin/echo","hi","there"]'
    assert_eq "$(jq -c .process.user "$c")" '{"uid":65534,"gid":2000,"additionalGids":[2001]}'
    assert_eq "$(jq -r '.process.env | index("FOO=baz") != null and index("FOO=bar") == null and index("NEW=1") != null' "$c")" "true"
    assert_eq "$(jq -r .process.cwd "$c")" "/tmp"
    assert_eq "$(jq -r .process.terminal "$c")" "true"
    assert_eq "$(jq -r .hostname "$c")" "h1"
    assert_eq "$(jq -r .linux.resources.memory.limit "$c")" "67108864"
    img extract "$REG/test/img:1" -b "$T/b2" -q --user 4242 --entrypoint /bin/env
    assert_ok
    assert_eq "$(jq -c .process.user "$T/b2/config.json")" '{"uid":4242,"gid":0}' "unknown numeric uid: gid 0"
    assert_eq "$(jq -c .process.args "$T/b2/config.json")" '["/bin/env"]' "a new entrypoint drops the image's Cmd"
}

test_extract_bad_user_leaves_nothing() {
    need_setup
    img extract "$REG/test/img:1" -b "$T/b" -q --user ghost
    assert_failed
    assert_contains "$ERR" "user \`ghost\` is not in the image's /etc/passwd"
    assert_no_bundle_left "$T/b"
    img extract "$REG/test/img:1" -b "$T/b" -q --user tester:nogroup-here
    assert_failed
    assert_contains "$ERR" "group \`nogroup-here\` is not in the image's /etc/group"
    assert_no_bundle_left "$T/b"
    img extract "$REG/test/img:1" -b "$T/b" -q --entrypoint ""
    assert_failed
    assert_contains "$ERR" "the image has no Entrypoint or Cmd: give a command after \`--\`"
    assert_no_bundle_left "$T/b"
    img extract "$REG/test/img:1" -b "$T/b" -q --hostname bad_host
    assert_failed
    assert_contains "$ERR" "hostname \`bad_host\`"
    assert_no_bundle_left "$T/b"
    mkdir "$T/full" && touch "$T/full/x"
    img extract "$REG/test/img:1" -b "$T/full" -q
    assert_failed
    assert_contains "$ERR" "already exists and is not empty"
    [ -e "$T/full/x" ] || fail "extract touched a directory that is not its own"
}

test_umount_mount_rm_bundle() {
    need_setup
    img extract "$REG/test/img:1" -b "$T/b" -q
    assert_ok
    echo mine > "$T/b/rootfs/root/file"
    img umount "$T/b"
    assert_ok
    [ -z "$(findmnt -n "$T/b/rootfs")" ] || fail "still mounted after umount"
    img umount "$T/b"
    assert_ok "umount twice is fine"
    img mount "$T/b"
    assert_ok
    assert_eq "$(cat "$T/b/rootfs/root/file")" "mine" "the upper directory survives umount/mount"
    mkdir "$T/notabundle"
    img rm-bundle "$T/notabundle"
    assert_failed
    assert_contains "$ERR" "is not a bundle made by congo-image"
    [ -d "$T/notabundle" ] || fail "rm-bundle deleted a directory it did not make"
    img rm-bundle "$T/b"
    assert_ok
    assert_no_bundle_left "$T/b"
}

test_extract_copy() {
    need_setup
    img extract "$REG/test/img:1" -b "$T/b" -q --copy
    assert_ok
    [ -z "$(findmnt -n "$T/b/rootfs")" ] || fail "--copy must not mount"
    check_test_rootfs "$T/b/rootfs"
    assert_eq "$(xattr_of "$T/b/rootfs/data/forged" trusted.overlay.opaque)" "<none>"
    img rm-bundle "$T/b"
    assert_ok
    assert_no_bundle_left "$T/b"
}

test_prune_keeps_what_is_used() {
    need_setup
    img pull -q "$REG/test/img:1"
    img extract "$REG/test/img:1" -b "$T/b" -q
    assert_ok
    img rm "$REG/test/img:1"
    assert_ok
    img prune
    assert_ok
    assert_contains "$OUT" "Deleted 5 blobs"
    assert_contains "$OUT" "0 unpacked layers" "the bundle still uses its layers"
    check_test_rootfs "$T/b/rootfs"
    img rm-bundle "$T/b"
    img prune
    assert_ok
    assert_contains "$OUT" "3 unpacked layers"
    assert_eq "$(ls -A "$T/store/layers/sha256" "$T/store/images/blobs/sha256" | grep -vc ':$\|^$')" "0"
    run_cmd skopeo inspect "oci:$T/store/images:$REG/test/img:2"
    assert_failed
}

test_multiplatform_index() {
    need_setup
    img pull -q "$REG/test/multi"
    assert_ok
    img extract "$REG/test/multi" -b "$T/amd" -q
    assert_ok
    [ "$(uname -m)" = x86_64 ] && check_test_rootfs "$T/amd/rootfs"
    img pull -q --platform linux/arm64 "$REG/test/multi"
    assert_ok
    img extract "$REG/test/multi" -b "$T/arm" -q --pull always --platform linux/arm64/v8
    assert_ok
    assert_eq "$(cat "$T/arm/rootfs/platform")" "arm64"
    img pull -q --platform linux/s390x "$REG/test/multi"
    assert_failed
    assert_contains "$ERR" "no image for platform linux/s390x in the index (it has: linux/arm64/v8, linux/amd64)"
}

test_pull_by_digest() {
    need_setup
    local d
    d=$(jq -r '.manifests[0].digest' "$IMG_WORK/test/index.json")
    img pull -q "$REG/test/img@$d"
    assert_ok
    assert_eq "$(store_names "$T/store")" "$REG/test/img@$d"
    img extract "$REG/test/img@$d" -b "$T/b" -q --pull never
    assert_ok
    img pull -q "$REG/test/img@sha256:$(printf '%064d' 0)"
    assert_failed
    assert_contains "$ERR" "MANIFEST_UNKNOWN"
}

test_bad_references() {
    need_setup
    img pull "Upper/Case"
    assert_failed
    assert_contains "$ERR" "repository name \`Upper/Case\` must be lowercase"
    img pull "$REG/x@md5:abc"
    assert_failed
    assert_contains "$ERR" "unsupported digest algorithm \`md5\`"
    img pull "$REG/x:bad/tag"
    assert_failed
    img pull "127.0.0.1:1/nothing"
    assert_failed
    assert_contains "$ERR" "registry \`127.0.0.1:1\`"
    assert_contains "$ERR" "Connection refused"
    assert_eq "$(store_names "$T/store")" ""
}

test_concurrent_pulls_and_extracts() {
    need_setup
    local pids="" p i
    for i in 1 2 3 4; do
        "$CONGO_IMAGE" --store "$T/store" pull -q "$REG/test/img:$((i % 2 + 1))" >"$T/out$i" 2>&1 &
        pids="$pids $!"
    done
    for p in $pids; do wait "$p" || fail "a concurrent pull failed: $(cat "$T"/out*)"; done
    assert_eq "$(store_names "$T/store" | sort | tr '\n' ' ')" "$REG/test/img:1 $REG/test/img:2 "
    assert_store_blobs_sound "$T/store"
    pids=""
    for i in 1 2 3; do
        "$CONGO_IMAGE" --store "$T/store" extract -q "$REG/test/img:1" -b "$T/b$i" >"$T/x$i" 2>&1 &
        pids="$pids $!"
    done
    for p in $pids; do wait "$p" || fail "a concurrent extract failed: $(cat "$T"/x*)"; done
    for i in 1 2 3; do check_test_rootfs "$T/b$i/rootfs"; done
    assert_eq "$(ls "$T/store/layers/sha256" | wc -l)" "3"
    [ -z "$(ls -A "$T/store/layers/tmp")" ] || fail "unpacks left in layers/tmp"
}

test_run_through_congo() {
    need_setup
    [ -x "$CONGO" ] || fail "no congo binary"
    img extract -q "$REG/test/img:1" -b "$T/b" --name runbox -- /bin/sh -c \
        'cat /data/keep.txt; ls /data/opaque; ls /data/recreated; test -e /data/gone.txt || echo gone-hidden;
         test -e /data/gonedir || echo gonedir-hidden; id -u; id -G; pwd; hostname; echo $FOO; cat /proc/self/mountinfo | grep " / / "'
    assert_ok
    B=$T/b
    cfg ".linux.cgroupsPath = \"/$CONGO_TEST_CGROUP/runbox-$RANDOM\""
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(echo "$OUT" | head -9 | tr '\n' ' ')" "v3 new1 newfile gone-hidden gonedir-hidden 1000 1000 2000 2001 /data runbox " \
        "what the container sees"
    assert_contains "$OUT" "bar"
    assert_contains "$(echo "$OUT" | tail -1)" " - overlay overlay " "the container's root is the overlay"
    # A write in the container lands in the bundle's upper directory only.
    img extract -q "$REG/test/img:1" -b "$T/b2" --user root -- /bin/sh -c 'echo written > /data/keep.txt; rm /data/added.txt'
    B=$T/b2
    cfg ".linux.cgroupsPath = \"/$CONGO_TEST_CGROUP/runbox2-$RANDOM\""
    run_congo run -b "$B" "$(cid 2)"
    assert_ok
    assert_eq "$(cat "$T/b2/overlay/upper/data/keep.txt")" "written"
    assert_eq "$(stat -c %F:%t:%T "$T/b2/overlay/upper/data/added.txt")" "character special file:0:0"
    assert_eq "$(cat "$T/b/rootfs/data/keep.txt")" "v3" "another bundle of the same image is untouched"
    assert_no_state
    img rm-bundle "$T/b" "$T/b2"
    assert_ok
}

test_progress_only_on_a_terminal() {
    need_setup
    img pull "$REG/test/img:1"
    assert_ok
    assert_eq "$ERR" "" "no progress when stderr is not a terminal"
    run_cmd script -qec "$CONGO_IMAGE --store $T/store2 pull $REG/test/img:1" /dev/null
    assert_ok
    assert_contains "$OUT" "total"
    assert_contains "$OUT" "done"
    assert_contains "$OUT" "1009.5 KiB"
    run_cmd script -qec "$CONGO_IMAGE --store $T/store3 pull --quiet $REG/test/img:1" /dev/null
    assert_ok
    assert_not_contains "$OUT" "total"
}

run_tests "$@"
