#!/bin/bash
# Input bounds (issue 13): every JSON document congo reads has a size and a
# nesting limit enforced while parsing, and the config.json arrays that cost
# the kernel work at create have a length limit; each is refused with an
# error naming the document (and field) and the limit, quickly, leaving
# nothing behind.  (congo-image's documents: tests/image/test-load.sh,
# test-hostile.sh; the limits at the bound and one past: tests/unit.)
. "$(dirname "$0")/../lib.sh"

# deep FILE DEPTH [PREFIX SUFFIX]: a document nesting DEPTH arrays.
deep() {
    python3 -c 'import sys; d = int(sys.argv[2]); open(sys.argv[1], "w").write(sys.argv[3] + "[" * d + "]" * d + sys.argv[4])' \
        "$1" "$2" "${3:-}" "${4:-}"
}

# 300000 nested arrays overflowed the stack of a recursive tree free before.
test_deeply_nested_config_json() {
    make_bundle
    deep "$B/config.json" 300000 '{"ociVersion":"1.0.2","x":' '}'
    run_congo create -b "$B" "$(cid)"
    assert_rc 1
    assert_contains "$ERR" "config.json: line 1: JSON nested deeper than the limit of 200 levels"
    assert_no_state
    assert_no_cgroup
}

test_config_json_size_limit() {
    make_bundle
    # 16 MiB is accepted (padded with spaces), one byte more is refused.
    cfg '.process.args = ["true"]'
    python3 -c 'import sys; p = sys.argv[1]; s = open(p).read(); open(p, "w").write(s + " " * (16777216 - len(s.encode())))' \
        "$B/config.json"
    assert_eq "$(stat -c %s "$B/config.json")" 16777216
    run_congo run -b "$B" "$(cid)"
    assert_ok
    echo >> "$B/config.json"
    run_congo run -b "$B" "$(cid 1)"
    assert_failed
    assert_contains "$ERR" "config.json"
    assert_contains "$ERR" "16777216"
    assert_no_state
    assert_no_cgroup
}

# 10000 mounts or readonlyPaths made create run for seconds: refused at
# parse time (limits in README "Hardening"), at the limit the container runs.
test_config_array_limits() {
    make_bundle
    mkdir -p "$B/rootfs/m"
    local n
    n=$(jq '.mounts | length' "$B/config.json")
    cfg '.process.args = ["sh", "-c", "grep -c \" /m/x\" /proc/self/mountinfo"] |
         .mounts += [range(4096 - (.mounts | length)) | {"destination": "/m/x\(.)", "type": "tmpfs", "source": "tmpfs"}]'
    assert_eq "$(jq '.mounts | length' "$B/config.json")" 4096
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$OUT" $((4096 - n))
    cfg '.mounts += [{"destination": "/m/one-more", "type": "tmpfs", "source": "tmpfs"}]'
    run_cmd timeout 5 "$CONGO" --root "$ROOT" create -b "$B" "$(cid 1)"
    assert_rc 1
    assert_contains "$ERR" "config.json: mounts: 4097 entries, more than the limit of 4096"
    cfg '.mounts = .mounts[0:7] | .linux.readonlyPaths = [range(10000) | "/proc/x\(.)"]'
    run_cmd timeout 5 "$CONGO" --root "$ROOT" create -b "$B" "$(cid 2)"
    assert_rc 1
    assert_contains "$ERR" "config.json: linux.readonlyPaths: 10000 entries, more than the limit of 4096"
    assert_no_state
    assert_no_cgroup
    assert_no_mounts
}

# process.json (exec -p), --resources, and a corrupt state.json.
test_other_documents_nesting() {
    make_bundle
    cfg '.process.args = ["sleep", "1000"]'
    local id
    id=$(cid)
    run_congo run -d -b "$B" "$id"
    assert_ok
    deep "$T/process.json" 300000 '{"args":["true"],"cwd":"/","x":' '}'
    run_congo exec -p "$T/process.json" "$id"
    assert_rc 255 # (exec's own failures, as runc's)
    assert_contains "$ERR" "$T/process.json: line 1: JSON nested deeper than the limit of 200 levels"
    deep "$T/res.json" 201 '{"x":' '}'
    run_congo update --resources "$T/res.json" "$id"
    assert_rc 1
    assert_contains "$ERR" "$T/res.json: line 1: JSON nested deeper than the limit of 200 levels"
    deep "$T/res.json" 199 '{"x":' '}'
    run_congo update --resources "$T/res.json" "$id"
    assert_ok
    cp "$ROOT/$id/state.json" "$T/state.json"
    deep "$ROOT/$id/state.json" 300000
    run_congo state "$id"
    assert_rc 1
    assert_contains "$ERR" "state.json: JSON nested deeper than the limit of 200 levels"
    cp "$T/state.json" "$ROOT/$id/state.json"
    run_congo delete --force "$id"
    assert_ok
    assert_no_state
}

run_tests "$@"
