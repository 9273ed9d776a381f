#!/bin/bash
# congo-image load: OCI layout directories, OCI archives, docker save
# archives (plain and compressed), and broken or hostile ones.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-image.sh"

make_layout test test "$IMG_WORK/test"
make_layout multi index "$IMG_WORK/multi"
if ! skopeo copy -q "oci:$IMG_WORK/test:test" "oci-archive:$IMG_WORK/oci.tar:myimg:v1" >&2 ||
    ! skopeo copy -q "oci:$IMG_WORK/test:test" "docker-archive:$IMG_WORK/docker.tar:myimg:v2" >&2; then
    setup_failed "skopeo could not write the archives"
fi
gzip -c "$IMG_WORK/docker.tar" > "$IMG_WORK/docker.tar.gz"

check_rootfs() {
    local r=$1
    assert_eq "$(cat "$r/data/keep.txt")" "v3"
    [ ! -e "$r/data/gone.txt" ] || fail "whiteout not applied"
    assert_eq "$(ls "$r/data/opaque" | tr '\n' ' ')" "new1 "
    assert_eq "$(stat -c %u:%g "$r/data/owned")" "1000:1000"
}

test_load_oci_layout_directory() {
    need_setup
    img load --name local/test:1 "$IMG_WORK/test"
    assert_ok
    assert_contains "$OUT" "Loaded docker.io/local/test:1 sha256:"
    assert_store_blobs_sound "$T/store"
    run_cmd skopeo inspect "oci:$T/store/images:docker.io/local/test:1"
    assert_ok
    img extract -q --pull never local/test:1 -b "$T/b"
    assert_ok
    check_rootfs "$T/b/rootfs"
    img load --name local/test:1 "$IMG_WORK/test"
    assert_ok "loading again is fine"
    assert_eq "$(store_names "$T/store")" "docker.io/local/test:1"
}

test_load_unnamed_image() {
    need_setup
    img load "$IMG_WORK/test"
    assert_ok
    assert_contains "$ERR" "\`test\` is not an image name: loaded without a name (use --name)"
    assert_contains "$OUT" "Loaded <none> sha256:"
    local id=${OUT##* }
    img images
    assert_contains "$OUT" "<none>"
    img extract -q "${id:7:12}" -b "$T/b"
    assert_ok "an unnamed image is found by its ID"
    check_rootfs "$T/b/rootfs"
}

test_load_oci_archive() {
    need_setup
    img load "$IMG_WORK/oci.tar"
    assert_ok
    assert_contains "$OUT" "Loaded docker.io/library/myimg:v1 sha256:"
    img extract -q --pull never myimg:v1 -b "$T/b"
    assert_ok
    check_rootfs "$T/b/rootfs"
}

test_load_docker_archive() {
    need_setup
    img load "$IMG_WORK/docker.tar"
    assert_ok
    assert_contains "$OUT" "Loaded docker.io/library/myimg:v2 sha256:"
    assert_eq "$(jq -r '.config.mediaType' "$T/store/images/blobs/sha256/$(jq -r '.manifests[0].digest' "$T/store/images/index.json" | cut -d: -f2)")" \
        "application/vnd.oci.image.config.v1+json" "an OCI manifest is made for it"
    run_cmd skopeo inspect "oci:$T/store/images:docker.io/library/myimg:v2"
    assert_ok
    img extract -q --pull never myimg:v2 -b "$T/b"
    assert_ok
    check_rootfs "$T/b/rootfs"
}

test_load_compressed_docker_archive() {
    need_setup
    img load --name other:v3 "$IMG_WORK/docker.tar.gz"
    assert_ok
    assert_contains "$OUT" "Loaded docker.io/library/other:v3 sha256:"
    img extract -q --pull never other:v3 -b "$T/b"
    assert_ok
    check_rootfs "$T/b/rootfs"
}

test_load_multi_platform_layout() {
    need_setup
    img load --name local/multi "$IMG_WORK/multi"
    assert_ok
    img extract -q --pull never --platform linux/arm64 local/multi -b "$T/arm"
    assert_ok
    assert_eq "$(cat "$T/arm/rootfs/platform")" "arm64"
    if [ "$(uname -m)" = x86_64 ]; then
        img extract -q --pull never local/multi -b "$T/amd"
        assert_ok
        check_rootfs "$T/amd/rootfs"
    fi
}

test_load_bad_inputs() {
    need_setup
    img load "$T/nothing"
    assert_failed
    assert_contains "$ERR" "\`$T/nothing\`: No such file or directory"
    head -c 10000 /dev/urandom > "$T/random"
    img load "$T/random"
    assert_failed
    assert_contains "$ERR" "read \`$T/random\`"
    mkdir "$T/empty"
    img load "$T/empty"
    assert_failed
    assert_contains "$ERR" "is neither an OCI image layout (no index.json) nor a docker save archive"
    img load --name 'Bad Name' "$IMG_WORK/test"
    assert_failed
    assert_contains "$ERR" "--name"
    assert_eq "$(store_names "$T/store")" ""
}

test_load_hostile_archives() {
    need_setup
    # A blob whose content does not match its name.
    cp -a "$IMG_WORK/test" "$T/bad"
    local l0
    l0=$(ls -S "$T/bad/blobs/sha256" | head -1)
    printf 'X' | dd of="$T/bad/blobs/sha256/$l0" bs=1 seek=100 conv=notrunc 2>/dev/null
    img load --name bad:1 "$T/bad"
    assert_failed
    assert_contains "$ERR" "digest mismatch: expected sha256:$l0"
    (cd "$T/bad" && tar cf "$T/bad.tar" .)
    img load --name bad:1 "$T/bad.tar"
    assert_failed
    assert_contains "$ERR" "blobs/sha256/$l0\`: digest mismatch"
    # A member with `..`.
    $PY -c 'import tarfile, io, sys
t = tarfile.open(sys.argv[1], "w")
i = tarfile.TarInfo("../../escape-load"); i.size = 1
t.addfile(i, io.BytesIO(b"x")); t.close()' "$T/dotdot.tar"
    img load "$T/dotdot.tar"
    assert_failed
    assert_contains "$ERR" "member \`../../escape-load\` has a \`..\` component"
    [ ! -e "$T/escape-load" ] && [ ! -e "$T/store/escape-load" ] || fail "a member was written outside"
    assert_eq "$(store_names "$T/store")" ""
    assert_store_blobs_sound "$T/store"
}

# Issue 13: a 757-byte OCI archive whose index.json is 300000 nested arrays
# crashed congo-image (stack overflow in yajl's recursive free); a tar member
# path past PATH_MAX; index.json at its size limit (4 MiB) and one byte past.
test_load_input_bounds() {
    need_setup
    mkdir "$T/deep"
    echo '{"imageLayoutVersion":"1.0.0"}' > "$T/deep/oci-layout"
    $PY -c 'import sys; open(sys.argv[1], "w").write("[" * 300000 + "]" * 300000)' "$T/deep/index.json"
    tar -C "$T/deep" -czf "$T/deep.tar.gz" oci-layout index.json
    img load "$T/deep.tar.gz"
    assert_rc 1
    assert_contains "$ERR" "index.json: JSON nested deeper than the limit of 200 levels"
    assert_eq "$(store_names "$T/store")" ""

    $PY -c 'import sys; open(sys.argv[1], "w").write("{\"manifests\":[]}" + " " * (4194304 - 16))' "$T/deep/index.json"
    img load "$T/deep"
    assert_failed
    assert_contains "$ERR" "index.json lists no image"
    echo >> "$T/deep/index.json"
    img load "$T/deep"
    assert_failed
    assert_contains "$ERR" "index.json\`: file is larger than 4194304 bytes"

    $PY -c 'import tarfile, io, sys
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
i = tarfile.TarInfo("a/" * 2048 + "x"); i.size = 1
t.addfile(i, io.BytesIO(b"x")); t.close()' "$T/long.tar"
    img load "$T/long.tar"
    assert_failed
    assert_contains "$ERR" "a path of 4097 bytes, more than the limit of 4095"
    assert_eq "$(store_names "$T/store")" ""
}

run_tests "$@"
