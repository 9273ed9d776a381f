#!/bin/bash
# Personality, scheduler, I/O priority, CPU affinity, NUMA memory policy and
# LSM labels of the container process, observed from inside the container
# (uname, /proc/self/*, and tests/helpers/procattrs-probe: sched_getattr,
# ioprio_get, sched_getaffinity, get_mempolicy) and, for bad input, the
# error and nothing left behind.
. "$(dirname "$0")/../lib.sh"

PROBE=$TOP_BUILDDIR/tests/helpers/procattrs-probe
TOOL=$TOP_BUILDDIR/tests/helpers/procattrs-tool

# A bundle whose process is the static probe (no shell: it must also run
# under SCHED_DEADLINE, which cannot fork).
probe_bundle() {
    make_bundle "$@"
    cp "$PROBE" "$B/rootfs/probe"
    cfg '.process.args = ["/probe"]'
}
# The value of KEY in the probe's output ($OUT).
probe() { echo "$OUT" | awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }'; }

# Bad input: a clear error naming WHAT, a failed exit, and nothing left.
assert_refused() {
    assert_failed
    local w
    for w in "$@"; do assert_contains "$ERR" "$w"; done
    assert_no_state
    assert_no_cgroup
    assert_no_mounts
}

test_personality_linux32() {
    make_bundle
    cfg '.linux.personality = {"domain": "LINUX32"} | .process.args = ["sh", "-c", "uname -m; cat /proc/self/personality"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$OUT" "i686
00000008"
}

test_personality_linux() {
    make_bundle
    cfg '.linux.personality = {"domain": "LINUX"} | .process.args = ["uname", "-m"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$OUT" "$(uname -m)"
}

test_personality_flags_are_ignored_with_a_warning() {
    make_bundle
    cfg '.linux.personality = {"domain": "LINUX32", "flags": ["ADDR_NO_RANDOMIZE"]} | .process.args = ["uname", "-m"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$OUT" i686
    assert_contains "$ERR" "linux.personality.flags are ignored"
}

test_personality_unknown_domain() {
    make_bundle
    cfg '.linux.personality = {"domain": "LINUX64"}'
    run_congo run -b "$B" "$(cid)"
    assert_refused 'linux.personality.domain' '"LINUX64"'
}

test_scheduler_batch_with_nice() {
    probe_bundle
    cfg '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(probe policy)" SCHED_BATCH
    assert_eq "$(probe nice)" 7
    # The same through /proc: policy (field 41) and nice (field 19) of stat.
    make_bundle b2
    cfg '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7} | .process.args = ["awk", "{ print $41, $19 }", "/proc/self/stat"]'
    run_congo run -b "$B" "$(cid 2)"
    assert_ok
    assert_eq "$OUT" "3 7"
}

test_scheduler_idle() {
    probe_bundle
    cfg '.process.scheduler = {"policy": "SCHED_IDLE"}'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(probe policy)" SCHED_IDLE
}

test_scheduler_other_negative_nice_and_flags() {
    probe_bundle
    cfg '.process.scheduler = {"policy": "SCHED_OTHER", "nice": -5, "flags": ["SCHED_FLAG_RESET_ON_FORK"]}'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(probe policy)" SCHED_OTHER
    assert_eq "$(probe nice)" -5
    assert_eq "$(probe sched_flags)" 0x1
}

# Real-time group scheduling is on in this kernel when cpu.rt_runtime_us
# exists: the container's cpu cgroup then needs real-time time, which its
# parent (ours) must have to give.
give_parent_rt_time() {
    local p=/sys/fs/cgroup/cpu/$CONGO_TEST_CGROUP
    [ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ] || return 0
    mkdir -p "$p"
    echo 100000 > "$p/cpu.rt_runtime_us"
}

test_scheduler_fifo_with_priority() {
    probe_bundle
    give_parent_rt_time
    cfg '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 10}
         | .linux.resources.cpu = {"realtimeRuntime": 50000, "realtimePeriod": 1000000}'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(probe policy)" SCHED_FIFO
    assert_eq "$(probe priority)" 10
}

test_scheduler_rr_without_rt_time_is_refused() {
    [ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ] || skip "no real-time group scheduling in this kernel"
    probe_bundle
    cfg '.process.scheduler = {"policy": "SCHED_RR", "priority": 5}'
    run_congo run -b "$B" "$(cid)"
    assert_refused 'process.scheduler: set SCHED_RR (nice 0, priority 5)' 'linux.resources.cpu.realtimeRuntime' \
        'Operation not permitted'
}

test_scheduler_negative_nice_in_a_user_namespace_is_refused() {
    # CAP_SYS_NICE in the container's own user namespace is not enough.
    # The container starts at congo's nice, the suite's: from 0 here, or nice 3
    # below would be a lowering that needs CAP_SYS_NICE too (under `nice`).
    renice 0 -p $BASHPID >/dev/null || fail "cannot reset this test's nice value"
    make_bundle
    chmod 755 "$T" # the rootfs stays root's: nobody in the container, readable
    cfg '.linux.namespaces += [{"type": "user"}]
         | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
         | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
         | .process.scheduler = {"policy": "SCHED_OTHER", "nice": -5}'
    run_congo run -b "$B" "$(cid)"
    assert_refused 'process.scheduler: set SCHED_OTHER (nice -5, priority 0) (a negative nice needs CAP_SYS_NICE in the host'"'"'s user namespace'
    # A positive nice is fine there.
    cfg '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 3} | .process.args = ["awk", "{ print $41, $19 }", "/proc/self/stat"]'
    run_congo run -b "$B" "$(cid 2)"
    assert_ok
    assert_eq "$OUT" "3 3"
}

test_scheduler_deadline() {
    probe_bundle
    cfg '.process.scheduler = {"policy": "SCHED_DEADLINE", "runtime": 2000000, "deadline": 10000000, "period": 20000000}'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(probe policy)" SCHED_DEADLINE
    assert_eq "$(probe runtime)" 2000000
    assert_eq "$(probe deadline)" 10000000
    assert_eq "$(probe period)" 20000000
}

test_scheduler_bad_input() {
    make_bundle
    cfg '.process.scheduler = {"policy": "SCHED_FIFO"}'
    run_congo run -b "$B" "$(cid)"
    assert_refused 'process.scheduler.priority: SCHED_FIFO needs a priority between 1 and 99'
    cfg '.process.scheduler = {"policy": "SCHED_ISO"}'
    run_congo run -b "$B" "$(cid 2)"
    assert_refused 'process.scheduler: set SCHED_ISO' 'does not implement SCHED_ISO'
    cfg '.process.scheduler = {"policy": "SCHED_DEADLINE", "runtime": 5000, "deadline": 1000}'
    run_congo run -b "$B" "$(cid 3)"
    assert_refused 'process.scheduler.deadline: 1000 is shorter than the runtime 5000'
    cfg '.process.scheduler = {"policy": "SCHED_LOTTERY"}'
    run_congo run -b "$B" "$(cid 4)"
    assert_refused 'process.scheduler.policy' '"SCHED_LOTTERY"'
}

test_io_priority() {
    probe_bundle
    cfg '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(probe ioprio)" "IOPRIO_CLASS_BE 6"
    cfg '.process.ioPriority = {"class": "IOPRIO_CLASS_RT", "priority": 2}'
    run_congo run -b "$B" "$(cid 2)"
    assert_ok
    assert_eq "$(probe ioprio)" "IOPRIO_CLASS_RT 2"
    # busybox's ionice reads it with ioprio_get too, for the shell's children.
    make_bundle b2
    cfg '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0} | .process.args = ["sh", "-c", "ionice -p $$"]'
    run_congo run -b "$B" "$(cid 3)"
    assert_ok
    assert_contains "$OUT" "idle"
}

test_io_priority_bad_input() {
    make_bundle
    cfg '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 9}'
    run_congo run -b "$B" "$(cid)"
    assert_refused 'process.ioPriority.priority' '9'
    cfg '.process.ioPriority = {"class": "IOPRIO_CLASS_NONE", "priority": 1}'
    run_congo run -b "$B" "$(cid 2)"
    assert_refused 'process.ioPriority.class' 'IOPRIO_CLASS_NONE'
}

test_cpu_affinity_of_congo_does_not_leak() {
    # congo pinned to one CPU: the container still gets all of its cgroup's.
    probe_bundle
    local all; all=$(cat /sys/devices/system/cpu/online)
    RC=0
    taskset -c 0 "$CONGO" --root "$ROOT" run -b "$B" "$(cid)" > "$T/out" 2> "$T/err" || RC=$?
    assert_eq "$RC" 0 "$(cat "$T/err")"
    OUT=$(cat "$T/out")
    assert_eq "$(probe cpus)" "$all"
    make_bundle b2
    cfg '.process.args = ["grep", "Cpus_allowed_list", "/proc/self/status"]'
    RC=0
    OUT=$(taskset -c 1 "$CONGO" --root "$ROOT" run -b "$B" "$(cid 2)") || RC=$?
    assert_eq "$RC" 0
    assert_eq "$OUT" "Cpus_allowed_list:	$all"
}

test_cpu_affinity_follows_the_cgroup_cpuset() {
    [ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs"
    probe_bundle
    cfg '.linux.resources.cpu = {"cpus": "1", "mems": "0"}'
    RC=0
    OUT=$(taskset -c 0 "$CONGO" --root "$ROOT" run -b "$B" "$(cid)" 2>"$T/err") || RC=$?
    assert_eq "$RC" 0 "$(cat "$T/err")"
    assert_eq "$(probe cpus)" 1
}

test_exec_cpu_affinity_does_not_apply_to_init() {
    # runtime-spec: execCPUAffinity "is not applicable to the container's
    # init process" (exec'd processes only).
    probe_bundle
    cfg '.process.execCPUAffinity = {"initial": "1", "final": "0"}'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(probe cpus)" "$(cat /sys/devices/system/cpu/online)"
}

# The exec-time functions as `congo exec` uses them: initial before the
# move into the container's cgroup, final (or the reset) after it.
cpuset_cgroup() {
    local c=/sys/fs/cgroup/cpuset/$CONGO_TEST_CGROUP
    [ -d /sys/fs/cgroup/cpuset ] || { echo "/sys/fs/cgroup/unified/$CONGO_TEST_CGROUP/$1"; mkdir -p "/sys/fs/cgroup/unified/$CONGO_TEST_CGROUP/$1"; return; }
    mkdir -p "$c"
    cat /sys/fs/cgroup/cpuset/cpuset.cpus > "$c/cpuset.cpus"
    cat /sys/fs/cgroup/cpuset/cpuset.mems > "$c/cpuset.mems"
    mkdir -p "$c/$1"
    echo "$2" > "$c/$1/cpuset.cpus"
    cat /sys/fs/cgroup/cpuset/cpuset.mems > "$c/$1/cpuset.mems"
    echo "$c/$1"
}

test_exec_cpu_affinity_initial_and_final() {
    [ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs"
    local cg; cg=$(cpuset_cgroup ex 0-1)
    run_cmd "$TOOL" exec-affinity 1 0 "$cg/cgroup.procs" "$PROBE"
    assert_ok
    assert_eq "$(probe initial)" 1
    assert_eq "$(probe cpus)" 0
    # final unset: the process gets the cgroup's CPUs back.
    run_cmd "$TOOL" exec-affinity 1 - "$cg/cgroup.procs" "$PROBE"
    assert_ok
    assert_eq "$(probe initial)" 1
    assert_eq "$(probe cpus)" 0-1
    # final "" is the same (spec: "If omitted or empty").
    run_cmd "$TOOL" exec-affinity 0 "" "$cg/cgroup.procs" "$PROBE"
    assert_ok
    assert_eq "$(probe cpus)" 0-1
    # A cpuset of one CPU wins over an initial one outside it.
    cg=$(cpuset_cgroup one 1)
    run_cmd "$TOOL" exec-affinity 0 - "$cg/cgroup.procs" "$PROBE"
    assert_ok
    assert_eq "$(probe initial)" 0
    assert_eq "$(probe cpus)" 1
}

test_exec_cpu_affinity_errors() {
    local cg; cg=$(cpuset_cgroup ex 0-1)
    local off=$(( $(nproc --all) + 3 ))
    run_cmd "$TOOL" exec-affinity "$off" - "$cg/cgroup.procs" "$PROBE"
    assert_failed
    assert_contains "$ERR" "execCPUAffinity.initial \"$off\": none of these CPUs is online and allowed to the process (online CPUs: $(cat /sys/devices/system/cpu/online))"
    run_cmd "$TOOL" exec-affinity - "0-" "$cg/cgroup.procs" "$PROBE"
    assert_failed
    assert_contains "$ERR" 'execCPUAffinity.final: "0-": expected a list of CPU numbers such as "0-3,7"'
}

test_exec_cpu_affinity_bad_config() {
    make_bundle
    cfg '.process.execCPUAffinity = {"initial": "0-x"}'
    run_congo run -b "$B" "$(cid)"
    assert_refused 'process.execCPUAffinity.initial' '"0-x"'
}

test_memory_policy_bind() {
    probe_bundle
    cfg '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(probe mempolicy)" "MPOL_BIND|MPOL_F_STATIC_NODES"
    assert_eq "$(probe mempolicy_nodes)" 0
    # /proc/self/numa_maps shows the task's policy on every mapping.
    make_bundle b2
    cfg '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]} | .process.args = ["head", "-1", "/proc/self/numa_maps"]'
    run_congo run -b "$B" "$(cid 2)"
    assert_ok
    assert_contains "$OUT" " bind=static:0 "
}

test_memory_policy_interleave_preferred_local() {
    probe_bundle
    cfg '.linux.memoryPolicy = {"mode": "MPOL_INTERLEAVE", "nodes": "0"}'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(probe mempolicy)" MPOL_INTERLEAVE
    cfg '.linux.memoryPolicy = {"mode": "MPOL_PREFERRED", "nodes": "0"}'
    run_congo run -b "$B" "$(cid 2)"
    assert_ok
    assert_eq "$(probe mempolicy)" MPOL_PREFERRED
    cfg '.linux.memoryPolicy = {"mode": "MPOL_LOCAL"}'
    run_congo run -b "$B" "$(cid 3)"
    assert_ok
    assert_eq "$(probe mempolicy)" MPOL_LOCAL
    cfg '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_NUMA_BALANCING"]}'
    run_congo run -b "$B" "$(cid 4)"
    assert_ok
    assert_eq "$(probe mempolicy)" "MPOL_BIND|MPOL_F_NUMA_BALANCING"
}

test_memory_policy_bad_input() {
    make_bundle
    # A node this host does not have.
    local node=$(( $(ls -d /sys/devices/system/node/node* | wc -l) + 5 ))
    cfg ".linux.memoryPolicy = {\"mode\": \"MPOL_BIND\", \"nodes\": \"$node\"}"
    run_congo run -b "$B" "$(cid)"
    assert_refused "linux.memoryPolicy: MPOL_BIND on nodes \"$node\": the kernel refused it (this host's memory nodes: $(cat /sys/devices/system/node/has_memory)"
    cfg '.linux.memoryPolicy = {"mode": "MPOL_INTERLEAVE", "nodes": "0", "flags": ["MPOL_F_NUMA_BALANCING"]}'
    run_congo run -b "$B" "$(cid 2)"
    assert_refused 'linux.memoryPolicy.flags: MPOL_F_NUMA_BALANCING works only with MPOL_BIND'
    cfg '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"]}'
    run_congo run -b "$B" "$(cid 3)"
    assert_refused 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other'
    cfg '.linux.memoryPolicy = {"mode": "MPOL_BIND"}'
    run_congo run -b "$B" "$(cid 4)"
    assert_refused 'linux.memoryPolicy.nodes' 'MPOL_BIND needs at least one memory node'
}

test_session_keyring() {
    # A new session keyring named after the container, unless --no-new-keyring.
    probe_bundle
    local id; id=$(cid)
    run_congo run -b "$B" "$id"
    assert_ok
    assert_eq "$(probe session_keyring)" "_ses.$id"
    local mine; mine=$("$PROBE" | awk '$1 == "session_keyring" { print $2 }')
    [ -n "$mine" ] || fail "the probe found no session keyring here"
    run_congo run --no-new-keyring -b "$B" "$(cid 2)"
    assert_ok
    assert_eq "$(probe session_keyring)" "$mine"
}

apparmor_enabled() { [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; }
selinux_enabled() { [ -e /sys/fs/selinux/enforce ]; }

test_apparmor_profile() {
    make_bundle
    if apparmor_enabled; then
        # "unconfined" always exists where AppArmor runs.
        cfg '.process.apparmorProfile = "unconfined" | .process.args = ["cat", "/proc/self/attr/current"]'
        run_congo run -b "$B" "$(cid)"
        assert_ok
        assert_contains "$OUT" unconfined
        return
    fi
    cfg '.process.apparmorProfile = "congo-test-profile"'
    run_congo run -b "$B" "$(cid)"
    local why="this kernel has no AppArmor (no /sys/module/apparmor: AppArmor is not built in)"
    [ -e /sys/module/apparmor ] && why="AppArmor is built into this kernel but not enabled"
    assert_refused "process.apparmorProfile \"congo-test-profile\": AppArmor is not available on this host: $why"
}

test_selinux_label() {
    make_bundle
    local built; built=$(grep -c '^#define HAVE_SELINUX 1' "$TOP_BUILDDIR/config.h" || true)
    if [ "$built" = 1 ] && selinux_enabled; then
        # The label this shell runs with is one the policy knows.
        local label; label=$(tr -d '\0' < /proc/self/attr/current)
        cfg ".process.selinuxLabel = \"$label\" | .process.args = [\"cat\", \"/proc/self/attr/current\"]"
        run_congo run -b "$B" "$(cid)"
        assert_ok
        assert_contains "$OUT" "$label"
        return
    fi
    cfg '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
    run_congo run -b "$B" "$(cid)"
    local why="this congo was built without SELinux support"
    [ "$built" = 1 ] && why="SELinux is not active in this kernel (no selinuxfs in /proc/filesystems"
    grep -q selinuxfs /proc/filesystems && why="selinuxfs is not mounted on /sys/fs/selinux"
    assert_refused 'process.selinuxLabel "system_u:system_r:container_t:s0:c1,c2": SELinux is not available on this host: '"$why"
    # linux.mountLabel alone needs SELinux too.
    cfg 'del(.process.selinuxLabel) | .linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
    run_congo run -b "$B" "$(cid 2)"
    assert_refused 'linux.mountLabel "system_u:object_r:container_file_t:s0:c1,c2": SELinux is not available on this host: '"$why"
}

test_empty_labels_are_no_labels() {
    make_bundle
    cfg '.process.selinuxLabel = "" | .process.apparmorProfile = "" | .linux.mountLabel = "" | .process.args = ["true"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
}

test_features_report_the_build() {
    run_congo features
    assert_ok
    local built=false
    grep -q '^#define HAVE_SELINUX 1' "$TOP_BUILDDIR/config.h" && built=true
    assert_eq "$(echo "$OUT" | jq .linux.selinux.enabled)" "$built"
    assert_eq "$(echo "$OUT" | jq .linux.apparmor.enabled)" true
    assert_eq "$(echo "$OUT" | jq -c .linux.memoryPolicy.modes)" \
        '["MPOL_DEFAULT","MPOL_PREFERRED","MPOL_BIND","MPOL_INTERLEAVE","MPOL_LOCAL","MPOL_PREFERRED_MANY","MPOL_WEIGHTED_INTERLEAVE"]'
    assert_eq "$(echo "$OUT" | jq -c .linux.memoryPolicy.flags)" \
        '["MPOL_F_NUMA_BALANCING","MPOL_F_RELATIVE_NODES","MPOL_F_STATIC_NODES"]'
}

run_tests "$@"
