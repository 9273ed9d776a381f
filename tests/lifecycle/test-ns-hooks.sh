#!/bin/bash
# Where and how the OCI hooks run.
. "$(dirname "$0")/../lib.sh"

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
