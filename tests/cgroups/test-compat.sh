#!/bin/bash
# Cgroup configurations that work with runc work with congo: hand-made
# parents with an empty cpuset (v1), deprecated kernel memory limits,
# `update --memory -1` over a swap limit, and the cgroup namespace of
# `congo spec` (pure v2 hosts only, as runc).  Real containers; runs on this
# hybrid host and in the pure v2 VM (tests/v2vm).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cglib.sh"

pure_v2() { [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }

test_empty_cpuset_parent_is_filled() {
    # A parent made with a plain mkdir (as a kubelet makes pod cgroups):
    # on v1 its cpuset.cpus and cpuset.mems are empty and no task could
    # join anything below it; congo fills them from their own parents.
    local base parent
    if v1 cpuset; then base=/sys/fs/cgroup/cpuset; else base=$(cgdir unified ""); fi
    parent=/$CONGO_TEST_CGROUP/pod-$RANDOM
    mkdir -p "$base$parent"
    if v1 cpuset; then
        # The test parent itself may be new too: both levels empty.
        assert_eq "$(cat "$base$parent/cpuset.cpus")" "" "a fresh v1 cpuset starts empty"
        assert_eq "$(cat "$base$parent/cpuset.mems")" ""
    fi
    make_bundle
    cfg ".linux.cgroupsPath = \"$parent/ctr\" | .process.args = [\"sh\", \"-c\", \"grep -E '^(Cpus|Mems)_allowed_list' /proc/self/status\"]"
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_contains "$OUT" "Cpus_allowed_list:	$(cat /sys/fs/cgroup/cpuset/cpuset.cpus 2>/dev/null || cat /sys/fs/cgroup/cpuset.cpus.effective)"
    if v1 cpuset; then
        assert_eq "$(cat "$base$parent/cpuset.cpus")" "$(cat "$base/cpuset.cpus")"
        assert_eq "$(cat "$base$parent/cpuset.mems")" "$(cat "$base/cpuset.mems")"
        assert_eq "$(cat "$base/$CONGO_TEST_CGROUP/cpuset.cpus")" "$(cat "$base/cpuset.cpus")"
    fi
    # The hand-made parent stays (it is not congo's); the container's leaf goes.
    [ -d "$base$parent" ] || fail "the parent congo did not make was removed"
    [ ! -d "$base$parent/ctr" ] || fail "the container's cgroup is left"
}

test_kernel_memory_limits_are_ignored() {
    # Deprecated by the runtime-spec and ignored by runc: congo warns and
    # leaves the kernel memory files alone.
    make_bundle
    cfg '.linux.resources.memory = {"limit": 67108864, "kernel": 33554432, "kernelTCP": 16777216}
         | .process.args = ["sleep", "30"]'
    local id cg d; id=$(cid)
    cg=$(jq -r .linux.cgroupsPath "$B/config.json")
    run_congo run -d -b "$B" "$id"
    assert_ok
    assert_contains "$ERR" "linux.resources.memory: kernel memory limits (kernel, kernelTCP) are ignored"
    d=$(cgdir memory "$cg")
    if v1 memory; then
        assert_eq "$(cat "$d/memory.limit_in_bytes")" 67108864
        if [ -e "$d/memory.kmem.tcp.limit_in_bytes" ]; then
            assert_eq "$(cat "$d/memory.kmem.tcp.limit_in_bytes")" "$(cat /sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes)"
            assert_ne "$(cat "$d/memory.kmem.tcp.limit_in_bytes")" 16777216
        fi
    else
        assert_eq "$(cat "$d/memory.max")" 67108864
    fi
    # update says the same and changes nothing else.
    run_congo update --kernel-memory 8m --kernel-memory-tcp 8m "$id"
    assert_ok
    assert_contains "$ERR" "kernel memory limits (kernel, kernelTCP) are ignored"
    if v1 memory && [ -e "$d/memory.kmem.tcp.limit_in_bytes" ]; then
        assert_ne "$(cat "$d/memory.kmem.tcp.limit_in_bytes")" 8388608
    fi
}

# The memory and memory+swap limits of a cgroup, "-1"/"max" as "unlimited".
mem_limits() {
    local d=$1 m s
    if v1 memory; then
        m=$(cat "$d/memory.limit_in_bytes"); s=$(cat "$d/memory.memsw.limit_in_bytes")
        [ "$m" = "$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" ] && m=unlimited
        [ "$s" = "$(cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes)" ] && s=unlimited
    else
        m=$(cat "$d/memory.max"); s=$(cat "$d/memory.swap.max")
        [ "$m" = max ] && m=unlimited
        [ "$s" = max ] && s=unlimited
    fi
    echo "$m $s"
}

test_update_memory_unlimited_lifts_the_swap_limit() {
    # -1 means no limit: runc lifts memory+swap with it (a memory limit
    # above memory+swap is refused on v1, where memsw must be written first).
    if v1 memory; then
        [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] || skip "this kernel has no swap accounting"
    fi
    make_bundle
    cfg '.linux.resources.memory = {"limit": 67108864, "swap": 134217728} | .process.args = ["sleep", "30"]'
    local id cg d; id=$(cid)
    cg=$(jq -r .linux.cgroupsPath "$B/config.json")
    run_congo run -d -b "$B" "$id"
    assert_ok
    d=$(cgdir memory "$cg")
    # On v2 the root cgroup has no memory files, and its children may not
    # exist yet: the container's own cgroup says whether swap is accounted.
    v1 memory || [ -e "$d/memory.swap.max" ] || skip "this kernel has no swap accounting (no memory.swap.max)"
    if v1 memory; then
        assert_eq "$(mem_limits "$d")" "67108864 134217728"
    else
        assert_eq "$(mem_limits "$d")" "67108864 67108864"
    fi
    run_congo update --memory -1 "$id"
    assert_ok
    assert_eq "$(mem_limits "$d")" "unlimited unlimited"
    # And back to limits, swap given again.
    run_congo update --memory 32m --memory-swap 64m "$id"
    assert_ok
    if v1 memory; then
        assert_eq "$(mem_limits "$d")" "33554432 67108864"
    else
        assert_eq "$(mem_limits "$d")" "33554432 33554432"
    fi
    # The same through --resources (what containerd and podman pass).
    echo '{"memory": {"limit": -1}}' > "$T/res.json"
    run_congo update --resources "$T/res.json" "$id"
    assert_ok
    assert_eq "$(mem_limits "$d")" "unlimited unlimited"
}

test_spec_cgroup_namespace_on_pure_v2_only() {
    make_bundle
    local n; n=$(jq '[.linux.namespaces[] | select(.type == "cgroup")] | length' "$B/config.json")
    if pure_v2; then
        assert_eq "$n" 1 "a cgroup namespace on a pure v2 host (as runc)"
        return 0
    fi
    assert_eq "$n" 0 "no cgroup namespace on a v1 or hybrid host (as runc)"
    # Tools that add one themselves (as for runc) get exactly one.
    cfg '.linux.namespaces += [{"type": "cgroup"}] | .process.args = ["sleep", "30"]'
    local id; id=$(cid)
    run_congo run -d -b "$B" --pid-file "$T/pid" "$id"
    assert_ok
    assert_ne "$(readlink "/proc/$(cat "$T/pid")/ns/cgroup")" "$(readlink /proc/self/ns/cgroup)"
    # Without one, the container is in the host's cgroup namespace and sees
    # its own cgroup under /sys/fs/cgroup.
    make_bundle b2
    cfg '.process.args = ["sh", "-c", "readlink /proc/self/ns/cgroup; cat /sys/fs/cgroup/pids/pids.max"] | .linux.resources.pids = {"limit": 42}'
    run_congo run -b "$B" "$(cid 2)"
    assert_ok
    assert_eq "$(echo "$OUT" | head -1)" "$(readlink /proc/self/ns/cgroup)"
    if v1 pids; then assert_eq "$(echo "$OUT" | tail -1)" 42; fi
}

run_tests "$@"
