#!/bin/bash
# `congo run --name NAME IMAGE`: the image form of run, with congo-image as
# its helper program; the detached form's monitor and `congo logs`.
# (--network none: these tests run in the host's namespaces, where no bridge
# may appear; tests/network/test-network.sh covers the networking.)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-image.sh"

make_layout test test "$IMG_WORK/test"

# An image in this test's store; congo finds congo-image next to itself.
load_image() {
    need_setup
    export CONGO_IMAGE_STORE=$T/store
    img load --name local/box:1 "$IMG_WORK/test"
    assert_ok
}

bundle_of() { jq -r '.bundle' <<< "$("$CONGO" --root "$ROOT" state "$1")"; }

test_foreground_run_keeps_a_stopped_container() {
    load_image
    run_congo run --network none --name box1 local/box:1 sh -c 'cat /data/keep.txt; ls /data/opaque; test -e /data/gone.txt || echo gone-is-hidden; exit 3'
    assert_rc 3
    assert_eq "$OUT" "$(printf 'v3\nnew1\ngone-is-hidden')"
    assert_eq "$(state_status box1)" stopped
    assert_eq "$(congo state box1 | jq -r .exitStatus)" 3
    local b; b=$(bundle_of box1)
    grep -q " $b/rootfs " /proc/self/mountinfo || fail "the overlay rootfs of a kept container is mounted"
    run_congo delete box1
    assert_ok
    [ ! -e "$b" ] || fail "delete left the bundle $b"
    grep -q " $b/rootfs " /proc/self/mountinfo && fail "delete left the overlay mounted"
    assert_no_state
    assert_no_cgroup
}

test_rm_leaves_nothing() {
    load_image
    run_congo run --network none --rm --name box2 -e GREETING=hi --memory 64m local/box:1 sh -c 'echo $GREETING; cat /sys/fs/cgroup/memory/memory.limit_in_bytes'
    assert_ok
    assert_eq "$(echo "$OUT" | head -1)" hi
    assert_eq "$(echo "$OUT" | tail -1)" 67108864
    assert_no_state
    assert_eq "$(ls "$T/store/bundles" 2>/dev/null)" ""
    assert_no_mounts
    assert_no_cgroup
}

test_detached_run_with_monitor_and_logs() {
    load_image
    run_congo run --network none -d --name box3 local/box:1 sh -c 'echo out-line; echo err-line >&2; sleep 0.3; echo bye; exit 5'
    assert_ok
    assert_eq "$OUT" box3
    # congo returned at once; the monitor keeps the output until the exit.
    run_congo logs -f box3
    assert_ok
    assert_eq "$OUT" "$(printf 'out-line\nbye')"
    assert_eq "$ERR" err-line
    wait_status box3 stopped || fail "not stopped"
    local i
    for i in $(seq 100); do [ "$(congo state box3 | jq -r .exitStatus)" = 5 ] && break; sleep 0.05; done
    assert_eq "$(congo state box3 | jq -r .exitStatus)" 5
    run_congo logs --timestamps box3
    [[ "$(echo "$OUT" | head -1)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ out-line$ ]] || fail "timestamps: $OUT"
    run_congo list --format json
    assert_eq "$(echo "$OUT" | jq -r '.[0].exitStatus')" 5
    run_congo delete box3
    assert_ok
    assert_no_state
    assert_no_mounts
}

test_detached_rm_removes_after_exit() {
    load_image
    run_congo run --network none -d --rm --name box4 local/box:1 true
    assert_ok
    wait_for test ! -e "$ROOT/box4" || fail "--rm left the container"
    assert_eq "$(ls "$T/store/bundles" 2>/dev/null)" ""
    assert_no_mounts
}

test_bad_image_and_name() {
    load_image
    run_congo run --network none --name box5 local/nope:1 true
    assert_failed
    assert_contains "$ERR" "local/nope:1"
    assert_no_state
    run_congo run --network none --name 'bad/name' local/box:1 true
    assert_failed
    assert_contains "$ERR" "--name"
    run_congo run --network none --name box6 local/box:1 /no/such/program
    assert_failed
    assert_contains "$ERR" "/no/such/program"
    assert_no_state
    assert_eq "$(ls "$T/store/bundles" 2>/dev/null)" "" "a failed run leaves its bundle"
    assert_no_mounts
    run_congo run --rm -b "$T" x
    assert_failed
    assert_contains "$ERR" "image form"
}

test_name_taken() {
    load_image
    run_congo run --network none -d --name box7 local/box:1 sleep 30
    assert_ok
    run_congo run --network none --name box7 local/box:1 true
    assert_failed
    assert_contains "$ERR" "already exists"
    run_congo delete -f box7
    assert_ok
    assert_no_mounts
}

run_tests "$@"
