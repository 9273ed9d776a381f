#!/bin/bash
# Host paths a user namespace's root cannot reach (bind sources, the
# console socket), and where and how the OCI hooks run.
. "$(dirname "$0")/../lib.sh"

RECVTTY=$TOP_BUILDDIR/tests/helpers/recvtty

# --- host paths a user namespace's root cannot reach ---

userns_bundle() {
    make_bundle "$@"
    chmod 755 "$T"
    cfg '.linux.namespaces += [{"type": "user"}] |
         .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] |
         .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

test_userns_bind_of_a_dir_only_host_root_can_reach() {
    userns_bundle
    mkdir -p "$T/private/data" "$T/private/file-dir"
    chmod 700 "$T/private"
    echo secret-data > "$T/private/data/file"
    echo single-file > "$T/private/file-dir/one"
    # Mount points made beforehand: the rootfs is the host root's.
    mkdir "$B/rootfs/data"; touch "$B/rootfs/one"
    cfg ".mounts += [{destination: \"/data\", source: \"$T/private/data\", options: [\"bind\", \"ro\"]},
                     {destination: \"/one\", source: \"$T/private/file-dir/one\", options: [\"rbind\"]}]
        | .process.args = [\"sh\", \"-c\", \"cat /data/file /one; id -u; touch /data/x 2>&1 || echo read-only\"]"
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_contains "$OUT" secret-data
    assert_contains "$OUT" single-file
    assert_contains "$OUT" read-only
    [ ! -e "$T/private/data/x" ] || fail "the read-only bind was written"
}

test_userns_console_socket_in_a_dir_only_host_root_can_reach() {
    userns_bundle
    mkdir "$T/sockdir"
    chmod 700 "$T/sockdir"
    cfg '.process.terminal = true | .process.args = ["sh", "-c", "test -t 1 && echo tty-in-userns; id -u"]'
    "$RECVTTY" "$T/sockdir/console.sock" >"$T/tty.out" 2>"$T/tty.err" &
    local rpid=$! id; id=$(cid)
    trap "kill $rpid 2>/dev/null || true; cleanup_test" EXIT
    wait_for test -S "$T/sockdir/console.sock" || fail "recvtty did not listen: $(cat "$T/tty.err")"
    run_congo create -b "$B" --console-socket "$T/sockdir/console.sock" "$id"
    assert_ok
    run_congo start "$id"
    assert_ok
    local i
    for i in $(seq 200); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.05; done
    wait "$rpid" || fail "recvtty failed: $(cat "$T/tty.err")"
    assert_contains "$(tr -d '\r' < "$T/tty.out")" tty-in-userns
}

# --- hooks ---

# cfg_args JQ-FILTER JQ-ARGS...: cfg with jq arguments (--arg NAME VALUE).
cfg_args() {
    local tmp
    tmp=$(mktemp "$B/config.XXXXXX")
    jq "${@:2}" "$1" "$B/config.json" > "$tmp" || { rm -f "$tmp"; fail "jq filter failed: $1"; }
    mv "$tmp" "$B/config.json"
}
# hook KIND SCRIPT: append a hook running /bin/sh -c SCRIPT (the host's for
# the runtime's hooks and createContainer, the rootfs's for startContainer).
hook() { cfg_args ".hooks.$1 += [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \$s]}]" --arg s "$2"; }

test_failing_poststart_and_poststop_hooks_warn_and_the_rest_run() {
    make_bundle
    hook poststart "echo poststart-said-no >&2; exit 3"
    hook poststart "echo second > $T/poststart.ran"
    hook poststop "exit 4"
    hook poststop "echo second > $T/poststop.ran"
    cfg '.process.args = ["sh", "-c", "echo program-ran"]'
    local id; id=$(cid)
    run_congo run -b "$B" "$id"
    assert_ok
    assert_contains "$OUT" program-ran
    assert_contains "$ERR" "poststart hook #0 (/bin/sh): exited with status 3: poststart-said-no"
    assert_contains "$ERR" "poststop hook #0 (/bin/sh): exited with status 4"
    assert_eq "$(cat "$T/poststart.ran")" second
    assert_eq "$(cat "$T/poststop.ran")" second
    assert_no_state

    # create/start/delete: the same, through start and delete.
    rm -f "$T/poststart.ran" "$T/poststop.ran"
    run_congo create -b "$B" "$id"
    assert_ok
    run_congo start "$id"
    assert_ok
    assert_contains "$ERR" "poststart hook #0"
    assert_eq "$(cat "$T/poststart.ran")" second
    wait_status "$id" stopped || fail "the container did not stop"
    run_congo delete "$id"
    assert_ok
    assert_contains "$ERR" "poststop hook #0"
    assert_eq "$(cat "$T/poststop.ran")" second
    assert_no_state
}

run_tests "$@"
