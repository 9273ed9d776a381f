#!/bin/bash
# Configs written for runc run under congo: `runc spec`'s own (ambient
# capabilities without inheritable ones), bind mounts carrying filesystem
# options, device rules with access letters runc ignores.  Where congo was
# stricter than runc without a reason from the spec, it now does what runc
# does (README, "Differences from runc").
. "$(dirname "$0")/../lib.sh"

RUNC=$(command -v runc || true)

# runc_bundle [--rootless]: a bundle whose config.json is what `runc spec`
# writes, with only the process args (from $ARGS, a JSON array) and a
# non-terminal process changed, and the cgroup under this test's parent.
runc_bundle() {
    [ -n "$RUNC" ] || skip "runc is not installed (runc spec writes the config under test)"
    make_bundle
    rm "$B/config.json"
    (cd "$B" && "$RUNC" spec "$@") || fail "runc spec $* failed"
    cfg ".process.args = $ARGS | .process.terminal = false | .linux.cgroupsPath = \"/$CONGO_TEST_CGROUP/runc-$RANDOM\""
}

status_hex() { echo "$OUT" | awk -v f="$1:" '$1 == f { print $2 }'; }

test_runc_spec_config_runs() {
    ARGS='["sh", "-c", "grep ^Cap /proc/self/status; hostname; id -u"]' runc_bundle
    # What runc 1.1 writes: ambient capabilities, no inheritable ones.
    assert_eq "$(jq -c .process.capabilities.ambient "$B/config.json")" '["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]'
    assert_eq "$(jq -c .process.capabilities.inheritable "$B/config.json")" null
    run_congo --debug run -b "$B" "$(cid)"
    assert_ok
    # CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29); none
    # ambient (an ambient capability must be inheritable too), as with runc.
    assert_eq "$(status_hex CapPrm)" 0000000020000420
    assert_eq "$(status_hex CapEff)" 0000000020000420
    assert_eq "$(status_hex CapBnd)" 0000000020000420
    assert_eq "$(status_hex CapInh)" 0000000000000000
    assert_eq "$(status_hex CapAmb)" 0000000000000000
    assert_contains "$OUT" "runc"
    assert_eq "$(echo "$OUT" | tail -1)" 0
    # The capabilities left out are named (debug), nothing is an error.
    assert_contains "$ERR" "process.capabilities.ambient: not raising CAP_KILL CAP_NET_BIND_SERVICE CAP_AUDIT_WRITE"
    assert_no_state
}

test_ambient_raised_where_inheritable() {
    # The ambient capabilities that are also inheritable are raised: they
    # survive the exec of a non-root process; the others are left out.
    ARGS='["sh", "-c", "grep ^Cap /proc/self/status"]' runc_bundle
    cfg '.process.user = {"uid": 1000, "gid": 1000} | .process.capabilities.inheritable = ["CAP_NET_BIND_SERVICE"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(status_hex CapAmb)" 0000000000000400
    assert_eq "$(status_hex CapPrm)" 0000000000000400
    assert_eq "$(status_hex CapInh)" 0000000000000400
}

test_runc_spec_rootless_config_runs_as_root() {
    # `runc spec --rootless` as root: a user namespace mapping root to root,
    # no network namespace, /sys bound from the host, a cgroup mount.
    ARGS='["sh", "-c", "cat /proc/self/uid_map; readlink /proc/self/ns/user; readlink /proc/self/ns/net; grep ^CapAmb /proc/self/status; ls /sys/fs/cgroup > /dev/null && echo cgroup-ok"]' \
        runc_bundle --rootless
    assert_eq "$(jq -r '[.linux.namespaces[].type] | join(",")' "$B/config.json")" "pid,ipc,uts,mount,user"
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(echo "$OUT" | head -1 | awk '{print $1, $2, $3}')" "0 0 1"
    assert_contains "$OUT" "$(readlink /proc/self/ns/net)"
    assert_not_contains "$OUT" "$(readlink /proc/self/ns/user)"
    assert_contains "$OUT" "user:["
    assert_contains "$OUT" "CapAmb:	0000000000000000"
    assert_contains "$OUT" cgroup-ok
}

test_bind_mount_ignores_filesystem_options() {
    # runc and crun ignore filesystem data on a bind mount; the flags
    # beside it (ro here) still apply.
    make_bundle
    mkdir "$T/data"
    echo hello > "$T/data/f"
    local n; n=$(jq '.mounts | length' "$B/config.json")
    cfg ".mounts += [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$T/data\",
                      \"options\": [\"rbind\", \"mode=755\", \"ro\", \"size=64k\"]}]
         | .process.args = [\"sh\", \"-c\", \"cat /data/f; touch /data/g 2>&1 || true; grep ' /data ' /proc/self/mountinfo\"]"
    run_congo --debug run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(echo "$OUT" | head -1)" hello
    assert_contains "$OUT" "Read-only file system"
    [ ! -e "$T/data/g" ] || fail "the read-only bind was written"
    local mi; mi=$(echo "$OUT" | grep ' /data ')
    assert_contains "$(echo "$mi" | awk '{print $6}')" ro
    # Nothing of the data reached the mount; the debug log says so.
    assert_not_contains "$mi" "mode=755"
    assert_contains "$ERR" "mounts[$n].options[1]: ignoring \`mode=755\`: a bind mount takes no filesystem options"
    assert_contains "$ERR" "mounts[$n].options[3]: ignoring \`size=64k\`"
    # A bare word congo does not know is still refused (a typo of nosuid).
    cfg ".mounts[$n].options = [\"rbind\", \"nosiud\"]"
    run_congo run -b "$B" "$(cid 2)"
    assert_failed
    assert_contains "$ERR" "mounts[$n].options[1]: unknown mount option \`nosiud\`"
    assert_no_state
}

test_device_rule_access_letters_beyond_rwm_are_ignored() {
    # linux.resources.devices[].access "rwa": runc keeps r and w and drops
    # the rest; congo warns.  (linux.devices[] has no access field: an
    # "access" key there is ignored like any unknown key.)
    make_bundle
    cfg '.linux.resources.devices = [{"allow": false, "access": "rwm"},
                                     {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwa"},
                                     {"allow": true, "type": "b", "major": 7, "minor": 0, "access": "x"}]
         | .linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "access": "rwa"}]
         | .process.args = ["sleep", "30"]'
    local id cg; id=$(cid)
    cg=$(jq -r .linux.cgroupsPath "$B/config.json")
    run_congo run -d -b "$B" "$id"
    assert_ok
    assert_contains "$ERR" 'linux.resources.devices[1].access: ignoring the letters other than r, w and m in `rwa`'
    assert_contains "$ERR" 'linux.resources.devices[2].access: ignoring the letters other than r, w and m in `x`'
    if [ -d "/sys/fs/cgroup/devices$cg" ]; then
        local list; list=$(cat "/sys/fs/cgroup/devices$cg/devices.list")
        echo "$list" | grep -qx 'c 10:229 rw' || fail "c 10:229 rw not allowed: $list"
        # The rule left with no access allows nothing.
        assert_not_contains "$list" "b 7:0"
    fi
    # From inside: the device opens for reading and writing.
    run_congo exec "$id" sh -c 'exec 3<>/dev/fuse && echo rw-ok'
    assert_ok
    assert_eq "$OUT" rw-ok
    run_congo kill "$id" KILL
    wait_status "$id" stopped || fail "the container did not stop"
    # An empty access string stays an error.
    cfg '.linux.resources.devices[1].access = ""'
    run_congo run -b "$B" "$(cid 2)"
    assert_failed
    assert_contains "$ERR" 'linux.resources.devices[1].access: expected a combination of r, w and m, got ""'
}

run_tests "$@"
