#!/bin/bash
# Namespaces: new ones differ from the host's, joining by path, user
# namespace mappings, time offsets, hostname and domainname.
. "$(dirname "$0")/../lib.sh"

ns_of() { readlink "/proc/$1/ns/$2"; }

test_new_namespaces_differ_from_host() {
    make_bundle
    # (`congo spec` asks for a cgroup namespace on pure v2 hosts only.)
    cfg '.process.args = ["sleep", "30"] | .linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "time"}, {"type": "cgroup"}])'
    local id; id=$(cid)
    run_congo run -d -b "$B" --pid-file "$T/pid" "$id"
    assert_ok
    local pid ns; pid=$(cat "$T/pid")
    for ns in pid net ipc uts mnt cgroup time; do
        assert_ne "$(ns_of "$pid" $ns)" "$(ns_of $$ $ns)" "$ns namespace"
    done
    # No user namespace asked for: shares the host's.
    assert_eq "$(ns_of "$pid" user)" "$(ns_of $$ user)" "user namespace"
}

test_pid_namespace_init_is_pid_1() {
    make_bundle
    cfg '.process.args = ["sh", "-c", "echo $$; cat /proc/self/cgroup"] | .linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(echo "$OUT" | head -1)" 1
    # A cgroup namespace rooted at the container's cgroup.
    assert_contains "$OUT" "0::/"
    assert_not_contains "$OUT" "$CONGO_TEST_CGROUP"
}

test_hostname_and_domainname() {
    make_bundle
    cfg '.hostname = "box1" | .domainname = "example.org" | .process.args = ["sh", "-c", "hostname; cat /proc/sys/kernel/domainname"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$OUT" "$(printf 'box1\nexample.org')"
}

test_join_network_namespace_by_path() {
    local ns=congo-test-$$-$RANDOM
    ip netns add "$ns" || skip "ip netns add failed"
    trap "ip netns del $ns 2>/dev/null; cleanup_test" EXIT
    ip -n "$ns" link add cgtest0 type veth peer name cgtest1
    make_bundle
    cfg ".linux.namespaces = [.linux.namespaces[] | if .type == \"network\" then .path = \"/run/netns/$ns\" else . end] | .process.args = [\"sh\", \"-c\", \"readlink /proc/self/ns/net; cat /proc/net/dev\"]"
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(echo "$OUT" | head -1)" "net:[$(stat -L -c %i /run/netns/$ns)]"
    assert_contains "$OUT" cgtest0
}

test_net_devices_moved_and_renamed() {
    # congo itself runs in a network namespace of the test's, where the veth
    # pair lives; one end moves into the container under a new name.
    local ns=congo-test-$$-$RANDOM
    ip netns add "$ns" || skip "ip netns add failed"
    trap "ip netns del $ns 2>/dev/null; cleanup_test" EXIT
    ip -n "$ns" link add cgtest0 type veth peer name cgtest1
    make_bundle
    cfg '.linux.netDevices = {"cgtest0": {"name": "eth7"}} | .process.args = ["cat", "/proc/net/dev"]'
    run_cmd nsenter --net=/run/netns/"$ns" "$CONGO" --root "$ROOT" run -b "$B" "$(cid)"
    assert_ok
    assert_contains "$OUT" "eth7:"
    assert_not_contains "$OUT" "cgtest0"
    # Gone from congo's namespace while the container had it.
    make_bundle b2
    cfg '.linux.netDevices = {"nosuchdev9": {}}'
    run_cmd nsenter --net=/run/netns/"$ns" "$CONGO" --root "$ROOT" run -b "$B" "$(cid 2)"
    assert_failed
    assert_contains "$ERR" "nosuchdev9"
    assert_no_state
}

test_join_path_of_wrong_type_refused() {
    make_bundle
    cfg '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = "/proc/self/ns/ipc" else . end]'
    run_congo create -b "$B" "$(cid)"
    assert_failed
    assert_contains "$ERR" "not a network namespace"
    assert_no_state
    assert_no_cgroup
}

test_user_namespace_mappings() {
    make_bundle
    chmod 755 "$T"
    chown -R 100000:100000 "$B/rootfs"
    cfg '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .process.args = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; sleep 2"]'
    local id; id=$(cid)
    run_congo run -b "$B" "$id"
    assert_ok
    assert_contains "$OUT" "0     100000      65536"
    assert_eq "$(echo "$OUT" | tail -1)" 0
}

test_user_namespace_host_sees_mapped_uid() {
    make_bundle
    chmod 755 "$T"
    chown -R 100000:100000 "$B/rootfs"
    cfg '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .process.args = ["sleep", "30"]'
    local id; id=$(cid)
    run_congo run -d -b "$B" --pid-file "$T/pid" "$id"
    assert_ok
    local pid; pid=$(cat "$T/pid")
    assert_eq "$(awk '/^Uid:/ {print $2}' /proc/$pid/status)" 100000
    assert_ne "$(ns_of "$pid" user)" "$(ns_of $$ user)"
}

test_idmapped_bind_in_a_user_namespace() {
    # A host directory owned by root, bound into a container whose root is
    # host uid 100000: plain, its files show as nobody; idmapped through the
    # container's user namespace, as root.  congo (the parent) makes the
    # idmapped mount, the child in its user namespace could not.
    make_bundle
    chmod 755 "$T"
    chown -R 100000:100000 "$B/rootfs"
    mkdir -p "$T/data" && echo hi > "$T/data/file"
    cfg ".linux.namespaces += [{\"type\": \"user\"}] | .linux.uidMappings = [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}] | .linux.gidMappings = [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}] | .mounts += [{\"destination\": \"/plain\", \"source\": \"$T/data\", \"options\": [\"bind\"]}, {\"destination\": \"/mapped\", \"source\": \"$T/data\", \"options\": [\"bind\", \"idmap\"]}] | .process.args = [\"sh\", \"-c\", \"stat -c %u:%g /plain/file /mapped/file; grep -c idmapped /proc/self/mountinfo\"]"
    run_congo run -b "$B" "$(cid)"
    case $ERR in *"support idmapped mounts"*) fail "the test directory's filesystem cannot be idmapped: $ERR" ;; esac
    assert_ok
    assert_eq "$(echo "$OUT" | sed -n 1p)" "65534:65534"
    assert_eq "$(echo "$OUT" | sed -n 2p)" "0:0"
    assert_eq "$(echo "$OUT" | sed -n 3p)" 1
    assert_no_mounts
}

test_time_namespace_offsets() {
    make_bundle
    cfg '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 86400000, "nanosecs": 0}} | .process.args = ["cat", "/proc/uptime"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    local up=${OUT%%.*}
    [ "$up" -ge 86400000 ] || fail "uptime $up does not include the 1000-day boottime offset"
}

run_tests "$@"
