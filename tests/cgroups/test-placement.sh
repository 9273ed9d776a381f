#!/bin/bash
# Cgroup placement on real hierarchies, through libcongo's cgroup module
# (tests/helpers/cgtool): create in every mounted hierarchy, enter, list,
# signal, freeze, destroy; undo on failure.  Runs on whatever the host has
# (hybrid here, pure v2 inside tests/v2vm).
. "$(dirname "$0")/../lib.sh"

. "$(dirname "$0")/cglib.sh"

test_create_in_every_hierarchy() {
    local p m n=0
    p=$(cgpath)
    run_cmd "$CGTOOL" create "$p"
    assert_ok
    for m in $(cgroup_mounts); do
        [ -d "$m$p" ] || fail "no cgroup $m$p"
        n=$((n+1))
    done
    [ "$n" -gt 0 ] || fail "no cgroup hierarchy found"
    # v1 cpuset: cpus and mems inherited, or no task could join.
    if [ -d /sys/fs/cgroup/cpuset/"$CONGO_TEST_CGROUP" ]; then
        assert_eq "$(cat /sys/fs/cgroup/cpuset"$p"/cpuset.cpus)" "$(cat /sys/fs/cgroup/cpuset/cpuset.cpus)"
        assert_ne "$(cat /sys/fs/cgroup/cpuset"$p"/cpuset.mems)" ""
    fi
    run_cmd "$CGTOOL" destroy "$p"
    assert_ok
    for m in $(cgroup_mounts); do
        [ ! -e "$m$p" ] || fail "cgroup $m$p left behind"
    done
}

test_enter_lists_and_places_in_every_hierarchy() {
    local p pid line n
    p=$(cgpath)
    "$CGTOOL" create "$p" >/dev/null
    pid=$(spawn "$p" -- sleep 100)
    # Every line of /proc/PID/cgroup, v1 and v2, names the container's cgroup.
    n=0
    while IFS= read -r line; do
        assert_eq "${line#*:*:}" "$p" "$line"
        n=$((n+1))
    done < /proc/"$pid"/cgroup
    [ "$n" -ge 1 ] || fail "empty /proc/$pid/cgroup"
    assert_eq "$("$CGTOOL" pids "$p")" "$pid"
    # Placement before the process runs: clone3 CLONE_INTO_CGROUP on v2, enter otherwise.
    run_cmd "$CGTOOL" create "$(cgpath 2)"
    if [ "$(mode)" = v2 ]; then assert_eq "$OUT" "clone_fd yes"; else assert_eq "$OUT" "clone_fd no"; fi
}

test_pids_include_sub_cgroups() {
    local p pid m sub
    p=$(cgpath)
    "$CGTOOL" create "$p" >/dev/null
    pid=$(spawn "$p" -- sleep 100)
    # A process of the container moves itself into a cgroup of its own.
    for m in $(cgroup_mounts); do
        mkdir "$m$p/inner"
        if [ -f "$m$p/inner/cpuset.cpus" ]; then
            cat "$m$p/cpuset.cpus" > "$m$p/inner/cpuset.cpus"
            cat "$m$p/cpuset.mems" > "$m$p/inner/cpuset.mems"
        fi
        echo "$pid" > "$m$p/inner/cgroup.procs"
    done
    assert_eq "$("$CGTOOL" pids "$p")" "$pid"
    run_cmd "$CGTOOL" kill "$p" 9
    assert_ok
    wait_for gone "$pid" || fail "pid $pid survived"
    run_cmd "$CGTOOL" destroy "$p"
    assert_ok
    for m in $(cgroup_mounts); do [ ! -e "$m$p" ] || fail "cgroup $m$p left behind"; done
}

npids_at_least() { [ "$("$CGTOOL" pids "$1" | wc -l)" -ge "$2" ]; }
npids_at_most() { [ "$("$CGTOOL" pids "$1" | wc -l)" -le "$2" ]; }
count_differs() { [ "$(cat "$T/count")" != "$1" ]; }

# A fork loop in the cgroup: every process gets the signal, including those
# forked while we signal (the freezer holds them).
kill_forking() {
    local sig=$1 p pids pid
    p=$(cgpath "$sig")
    "$CGTOOL" create "$p" >/dev/null
    pid=$(spawn "$p" -- sh -c 'while :; do sleep 100 & sleep 0.02; done')
    wait_for npids_at_least "$p" 4 || fail "the fork loop did not start"
    pids=$("$CGTOOL" pids "$p")
    run_cmd "$CGTOOL" kill "$p" "$sig"
    assert_ok
    for pid in $pids; do wait_for gone "$pid" || fail "pid $pid survived signal $sig"; done
    wait_for npids_at_most "$p" 0 || fail "processes left: $("$CGTOOL" pids "$p")"
    run_cmd "$CGTOOL" destroy "$p"
    assert_ok
}
test_kill_all_sigkill() { kill_forking 9; }
test_kill_all_sigterm() { kill_forking 15; }

# A counter that advances every 10 ms, for freezer tests.
counter() { spawn "$1" -- sh -c "i=0; while :; do i=\$((i+1)); echo \$i > $T/count; sleep 0.01; done"; }
assert_stopped() {
    local a b
    a=$(cat "$T/count"); sleep 0.3; b=$(cat "$T/count")
    assert_eq "$b" "$a" "the counter advanced while frozen"
}
assert_advancing() {
    local a
    a=$(cat "$T/count")
    wait_for count_differs "$a" || fail "the counter does not advance"
}
proc_frozen() {
    # Frozen tasks sleep in the freezer: v1 shows D, v2 shows S; the
    # counter's children must not be running.
    local pid
    for pid in $("$CGTOOL" pids "$1"); do
        case $(awk '/^State:/ {print $2}' /proc/"$pid"/status) in R) fail "pid $pid still running";; esac
    done
}

freeze_thaw() {
    local p=$1 pid
    "$CGTOOL" create "$p" >/dev/null
    pid=$(counter "$p")
    wait_for test -s "$T/count" || fail "the counter did not start"
    assert_eq "$("$CGTOOL" frozen "$p")" thawed
    run_cmd "${WRAP[@]}" "$CGTOOL" freeze "$p"
    assert_ok
    assert_eq "$("${WRAP[@]}" "$CGTOOL" frozen "$p")" frozen
    proc_frozen "$p"
    assert_stopped
    run_cmd "${WRAP[@]}" "$CGTOOL" thaw "$p"
    assert_ok
    assert_eq "$("${WRAP[@]}" "$CGTOOL" frozen "$p")" thawed
    assert_advancing
    # kill 9 of a frozen cgroup thaws it so that the tasks die.
    "${WRAP[@]}" "$CGTOOL" freeze "$p"
    run_cmd "${WRAP[@]}" "$CGTOOL" kill "$p" 9
    assert_ok
    wait_for gone "$pid" || fail "frozen pid $pid survived SIGKILL"
    run_cmd "$CGTOOL" destroy "$p"
    assert_ok
}

test_freeze_and_thaw() {
    WRAP=()
    freeze_thaw "$(cgpath)"
}

# Hybrid hosts without a v1 freezer hierarchy freeze through cgroup2's
# cgroup.freeze: run cgtool in a mount namespace where the freezer
# hierarchy is unmounted.
test_freeze_through_cgroup2_on_hybrid() {
    [ "$(mode)" = hybrid ] || { [ "$(mode)" = v2 ] && return 0; skip "needs a hybrid host"; }
    WRAP=(unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/freezer && exec "$0" "$@"')
    freeze_thaw "$(cgpath)"
    # The v1 freezer was not used.
    assert_eq "$(cat /sys/fs/cgroup/freezer/"$CONGO_TEST_CGROUP"/freezer.state)" THAWED
}

test_existing_busy_cgroup_is_refused() {
    local p pid
    p=$(cgpath)
    "$CGTOOL" create "$p" >/dev/null
    pid=$(spawn "$p" -- sleep 100)
    run_cmd "$CGTOOL" create "$p"
    assert_failed
    assert_contains "$ERR" "already exists and has processes"
    # An existing empty one is reused.
    run_cmd "$CGTOOL" create "$(cgpath 1)"
    assert_ok
    run_cmd "$CGTOOL" create "$(cgpath 1)"
    assert_ok
}

test_failed_create_leaves_nothing() {
    local m p
    # The last component collides with a cgroup control file: creation
    # fails after the parent was made in the first hierarchies.
    p=/$CONGO_TEST_CGROUP/fresh-parent/cgroup.procs
    run_cmd "$CGTOOL" create "$p"
    assert_failed
    assert_contains "$ERR" "cgroup.procs"
    for m in $(cgroup_mounts); do
        [ ! -e "$m/$CONGO_TEST_CGROUP/fresh-parent" ] || fail "$m/$CONGO_TEST_CGROUP/fresh-parent left behind"
    done
}

test_bad_paths_are_rejected() {
    local m
    run_cmd "$CGTOOL" create "/$CONGO_TEST_CGROUP/../escape"
    assert_failed
    assert_contains "$ERR" '`..` is not allowed'
    run_cmd "$CGTOOL" path "/" id
    assert_failed
    assert_contains "$ERR" "root cgroup"
    run_cmd "$CGTOOL" path "a/../../b" id
    assert_failed
    assert_contains "$ERR" "linux.cgroupsPath"
    for m in $(cgroup_mounts); do [ ! -e "$m/escape" ] || fail "$m/escape created"; done
}

test_relative_path_follows_the_caller() {
    local own parent
    own=$(sed -n 's/^0:://p' /proc/self/cgroup)
    parent=${own%/*}
    run_cmd "$CGTOOL" path "pod/ctr" id
    assert_ok
    assert_eq "$OUT" "${parent:-}/pod/ctr"
    run_cmd "$CGTOOL" path "" myid
    assert_eq "$OUT" "/congo/myid"
}

test_destroy_of_missing_cgroup_succeeds() {
    run_cmd "$CGTOOL" destroy "$(cgpath never-made)"
    assert_ok
}

run_tests "$@"
