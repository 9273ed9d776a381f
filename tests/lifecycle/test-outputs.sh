#!/bin/bash
# What congo prints for callers, validated against the project's schemas
# (oci-schema/) and checked for the fields containerd and podman read.
. "$(dirname "$0")/../lib.sh"

validate() { /usr/bin/python3 "$TESTS_DIR/schema/validate.py" "$TOP_SRCDIR/oci-schema/$1" "$2" || fail "$2 does not match $1"; }

test_state_validates_in_every_status() {
    make_bundle
    cfg '.process.args = ["sleep", "30"]'
    local id; id=$(cid)
    run_congo create -b "$B" "$id"; assert_ok
    congo state "$id" > "$T/created.json"
    validate state.schema.json "$T/created.json"
    assert_eq "$(jq -r .status "$T/created.json")" created
    run_congo start "$id"; assert_ok
    congo state "$id" > "$T/running.json"
    validate state.schema.json "$T/running.json"
    assert_eq "$(jq -r .status "$T/running.json")" running
    congo kill "$id" KILL
    wait_status "$id" stopped || fail "not stopped"
    congo state "$id" > "$T/stopped.json"
    validate state.schema.json "$T/stopped.json"
    assert_eq "$(jq -r .pid "$T/stopped.json")" 0
    assert_eq "$(jq -r .owner "$T/stopped.json")" root
}

test_features_validates_and_tells_the_truth() {
    congo features > "$T/f.json"
    validate features.schema.json "$T/f.json"
    assert_eq "$(jq -r .ociVersionMax "$T/f.json")" 1.2.0
    # containerd refuses idmapped mounts unless this says they work.
    assert_eq "$(jq -r .linux.mountExtensions.idmap.enabled "$T/f.json")" true
    assert_ne "$(jq -r '.mountOptions | index("idmap")' "$T/f.json")" null
    assert_eq "$(jq -r '.linux.namespaces | length' "$T/f.json")" 8
    assert_eq "$(jq -r .linux.netDevices.enabled "$T/f.json")" true
    assert_contains "$(jq -r '.linux.capabilities | join(" ")' "$T/f.json")" CAP_SYS_ADMIN
    assert_contains "$(jq -r '.linux.seccomp.actions | join(" ")' "$T/f.json")" SCMP_ACT_NOTIFY
    assert_eq "$(jq -r '.annotations["io.github.seccomp.libseccomp.version"]' "$T/f.json")" \
        "$(pkg-config --modversion libseccomp)"
}

test_list_json_items_are_states() {
    make_bundle
    cfg '.process.args = ["sleep", "30"]'
    local id; id=$(cid)
    run_congo create -b "$B" "$id"; assert_ok
    congo list --format json | jq '.[0]' > "$T/item.json"
    validate state.schema.json "$T/item.json"
    run_congo list --format json
    assert_eq "$(echo "$OUT" | jq length)" 1
}

test_empty_list_is_valid_json() {
    run_congo list --format json
    assert_ok
    assert_eq "$(echo "$OUT" | jq -c .)" "[]"
    run_congo list -q
    assert_eq "$OUT" ""
}

test_congo_links_only_its_runtime_libraries() {
    # Every container start pays congo's own start-up: static, or libc and
    # the runtime's three libraries at most; never congo-image's.
    local needed
    needed=$(readelf -d "$CONGO" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
    if [ -n "$needed" ]; then
        local lib
        for lib in $needed; do
            case $lib in libc.so.*|libyajl.so.*|libcap.so.*|libseccomp.so.*) ;;
                *) fail "congo needs $lib" ;; esac
        done
    else
        readelf -h "$CONGO" | grep -q 'DYN\|EXEC' || fail "not an executable"
        readelf -l "$CONGO" | grep -q INTERP && fail "a dynamic loader but no NEEDED libraries"
    fi
    # congo-image has what congo must not.
    readelf -d "$TOP_BUILDDIR/congo-image" | grep -q 'NEEDED.*libcurl' || fail "congo-image without libcurl?"
    if grep -qa 'curl_easy_init\|archive_read_new' "$CONGO"; then fail "congo carries congo-image's libraries"; fi
}

run_tests "$@"
