#!/bin/bash
# linux.resources for real, through libcongo's cgroup module (cgtool): the
# limits are observed biting (OOM kill, fork failures, throttling, device
# denial), `update` changes them live, and bad values leave nothing behind.
# Runs on whatever the host has (hybrid here, pure v2 inside tests/v2vm).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cglib.sh"

test_memory_limit_oom_kills() {
    local p pid d events
    p=$(cgpath)
    # memory+swap = memory: no escape into swap.
    run_cmd "$CGTOOL" create "$p" "$(res '{"memory":{"limit":16777216,"swap":16777216}}')"
    assert_ok
    d=$(cgdir memory "$p")
    if v1 memory; then
        assert_eq "$(cat "$d/memory.limit_in_bytes")" 16777216
        assert_eq "$(cat "$d/memory.memsw.limit_in_bytes")" 16777216
    else
        assert_eq "$(cat "$d/memory.max")" 16777216
        assert_eq "$(cat "$d/memory.swap.max")" 0
    fi
    # dd fills a 64 MiB buffer from /dev/zero: four times the limit.
    pid=$(spawn "$p" -- dd if=/dev/zero of=/dev/null bs=64M count=1)
    wait_for gone "$pid" || fail "the memory hog survived"
    if v1 memory; then events=$(cat "$d/memory.oom_control"); else events=$(cat "$d/memory.events"); fi
    kills=$(echo "$events" | awk '$1 == "oom_kill" { print $2 }')
    [ "${kills:-0}" -ge 1 ] || fail "no oom_kill recorded: $events"
}

test_pids_limit_stops_a_fork_loop() {
    local p pid d
    p=$(cgpath)
    "$CGTOOL" create "$p" "$(res '{"pids":{"limit":8}}')" >/dev/null
    d=$(cgdir pids "$p")
    assert_eq "$(cat "$d/pids.max")" 8
    pid=$(spawn "$p" -- sh -c "n=0; while [ \$n -lt 40 ]; do sleep 30 & n=\$((n+1)); done 2>$T/forks.err; wait")
    wait_for test -s "$T/forks.err" || fail "no fork failed"
    [ "$(cat "$d/pids.current")" -le 8 ] || fail "pids.current above the limit: $(cat "$d/pids.current")"
    assert_contains "$(cat "$T/forks.err")" "fork"
    assert_eq "$(awk '$1 == "max" { print ($2 > 0) }' "$d/pids.events")" 1
}

test_cpu_quota_throttles() {
    local p pid d throttled
    p=$(cgpath)
    "$CGTOOL" create "$p" "$(res '{"cpu":{"quota":10000,"period":100000}}')" >/dev/null
    d=$(cgdir cpu "$p")
    if v1 cpu; then
        assert_eq "$(cat "$d/cpu.cfs_quota_us") $(cat "$d/cpu.cfs_period_us")" "10000 100000"
    else
        assert_eq "$(cat "$d/cpu.max")" "10000 100000"
    fi
    pid=$(spawn "$p" -- sh -c 'while :; do :; done')
    sleep 1
    throttled=$(awk '$1 == "nr_throttled" { print $2 }' "$d/cpu.stat")
    [ "${throttled:-0}" -ge 3 ] || fail "not throttled: $(cat "$d/cpu.stat")"
}

# A process in the cgroup reporting which device nodes it can open.
probe() {
    local p=$1 pid
    rm -f "$T/dev.out"
    pid=$("${WRAP[@]}" "$CGTOOL" spawn "$p" -- sh -c "{ true < /dev/null && echo null-ok || echo null-denied
        true < /dev/kmsg && echo kmsg-ok || echo kmsg-denied; } > $T/dev.out.tmp 2>&1; mv $T/dev.out.tmp $T/dev.out") \
        || fail "spawn failed"
    echo "$pid $p" >> "$T/.spawned"
    wait_for test -s "$T/dev.out" || fail "the probe did not run"
}

devices_rules() {
    local p
    p=$(cgpath)
    run_cmd "${WRAP[@]}" "$CGTOOL" create "$p" "$(res '{"devices":[{"allow":false,"access":"rwm"}]}')"
    assert_ok
    probe "$p"
    assert_contains "$(cat "$T/dev.out")" null-ok
    assert_contains "$(cat "$T/dev.out")" kmsg-denied
    # Allowing it by update opens it; taking it away again closes it.
    run_cmd "${WRAP[@]}" "$CGTOOL" update "$p" "$(res '{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":11,"access":"r"}]}')"
    assert_ok
    probe "$p"
    assert_contains "$(cat "$T/dev.out")" kmsg-ok
    run_cmd "${WRAP[@]}" "$CGTOOL" update "$p" "$(res '{"devices":[{"allow":false,"access":"rwm"}]}')"
    assert_ok
    probe "$p"
    assert_contains "$(cat "$T/dev.out")" kmsg-denied
    assert_contains "$(cat "$T/dev.out")" null-ok
}

test_device_rules() {
    WRAP=()
    devices_rules
    if v1 devices; then
        assert_contains "$(cat /sys/fs/cgroup/devices"$(cgpath)"/devices.list)" "c 1:3 rwm"
    fi
}

# The eBPF device program on a real cgroup2 cgroup.  On a hybrid host, in a
# mount namespace without the v1 devices hierarchy, congo attaches it to the
# cgroup in /sys/fs/cgroup/unified; the v1 devices cgroup is then never
# made, so the denial can only come from the program.
test_device_program_on_cgroup2() {
    case $(mode) in
        v2) WRAP=() ;;
        hybrid) WRAP=(unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/devices && exec "$0" "$@"') ;;
        *) skip "needs cgroup2" ;;
    esac
    devices_rules
    if [ "$(mode)" = hybrid ]; then
        [ ! -e /sys/fs/cgroup/devices"$(cgpath)" ] || fail "the v1 devices cgroup was used"
    fi
}

test_update_changes_a_live_limit() {
    local p pid d
    p=$(cgpath)
    "$CGTOOL" create "$p" "$(res '{"pids":{"limit":10},"memory":{"limit":33554432}}')" >/dev/null
    pid=$(spawn "$p" -- sleep 100)
    run_cmd "$CGTOOL" update "$p" "$(res '{"pids":{"limit":20},"memory":{"limit":67108864}}')"
    assert_ok
    assert_eq "$(cat "$(cgdir pids "$p")/pids.max")" 20
    if v1 memory; then
        assert_eq "$(cat "$(cgdir memory "$p")/memory.limit_in_bytes")" 67108864
    else
        assert_eq "$(cat "$(cgdir memory "$p")/memory.max")" 67108864
    fi
}

test_failed_update_restores_everything() {
    local p
    p=$(cgpath)
    "$CGTOOL" create "$p" "$(res '{"pids":{"limit":10},"cpu":{"shares":512}}')" >/dev/null
    # cpu and pids succeed first, then the page size fails: both are restored.
    run_cmd "$CGTOOL" update "$p" "$(res '{"cpu":{"shares":2048},"pids":{"limit":30},"hugepageLimits":[{"pageSize":"3MB","limit":1}]}')"
    assert_failed
    assert_contains "$ERR" 'linux.resources.hugepageLimits[0]'
    assert_eq "$(cat "$(cgdir pids "$p")/pids.max")" 10
    if v1 cpu; then
        assert_eq "$(cat "$(cgdir cpu "$p")/cpu.shares")" 512
    else
        assert_eq "$(cat "$(cgdir cpu "$p")/cpu.weight")" 20
    fi
}

test_stats_of_a_busy_cgroup() {
    local p j
    p=$(cgpath)
    "$CGTOOL" create "$p" "$(res '{"pids":{"limit":50},"memory":{"limit":67108864}}')" >/dev/null
    spawn "$p" -- sh -c 'x=$(head -c 4000000 /dev/zero | tr "\\0" a); while :; do :; done' >/dev/null
    sleep 1
    run_cmd "$CGTOOL" stats "$p" myid
    assert_ok
    j=$OUT
    assert_eq "$(echo "$j" | jq -r '.type + " " + .id')" "stats myid"
    [ "$(echo "$j" | jq '.data.cpu.usage.total')" -gt 100000000 ] || fail "cpu total too small: $j"
    [ "$(echo "$j" | jq '.data.memory.usage.usage')" -gt 1000000 ] || fail "memory usage too small: $j"
    assert_eq "$(echo "$j" | jq '.data.memory.usage.limit')" 67108864
    [ "$(echo "$j" | jq '.data.pids.current')" -ge 1 ] || fail "no pids: $j"
    assert_eq "$(echo "$j" | jq '.data.pids.limit')" 50
}

bad_create() {
    local json=$1 want=$2 m p
    p=/$CONGO_TEST_CGROUP/fresh/bad
    run_cmd "$CGTOOL" create "$p" "$(res "$json")"
    assert_failed
    assert_contains "$ERR" "$want"
    for m in $(cgroup_mounts); do
        [ ! -e "$m/$CONGO_TEST_CGROUP/fresh" ] || fail "$m/$CONGO_TEST_CGROUP/fresh left behind ($json)"
    done
}

test_bad_values_leave_nothing() {
    bad_create '{"memory":{"limit":-5}}' 'linux.resources.memory.limit: `-5`'
    bad_create '{"cpu":{"shares":1}}' 'linux.resources.cpu.shares'
    bad_create '{"cpu":{"quota":-20}}' 'linux.resources.cpu.quota'
    bad_create '{"pids":{"limit":-3}}' 'linux.resources.pids.limit'
    bad_create '{"cpu":{"cpus":"0-4095"}}' 'linux.resources.cpu.cpus: `0-4095` is not within the CPUs available'
    bad_create '{"cpu":{"mems":"7"}}' 'linux.resources.cpu.mems'
    bad_create '{"memory":{"limit":9223372036854775807},"hugepageLimits":[{"pageSize":"3MB","limit":1}]}' \
        'linux.resources.hugepageLimits[0]'
    bad_create '{"unified":{"nosuch.file":"1"}}' 'linux.resources.unified.nosuch.file'
    bad_create '{"devices":[{"allow":true,"type":"z","access":"r"}]}' 'linux.resources.devices[0].type'
    if [ "$(mode)" = v2 ]; then
        bad_create '{"network":{"classID":1}}' 'linux.resources.network.classID'
        bad_create '{"memory":{"swappiness":10}}' 'linux.resources.memory.swappiness'
    else
        v1 net_cls || bad_create '{"network":{"classID":1}}' 'linux.resources.network.classID: the net_cls controller is not mounted'
        bad_create '{"unified":{"memory.high":"1M"}}' 'linux.resources.unified.memory.high'
    fi
}

run_tests "$@"
