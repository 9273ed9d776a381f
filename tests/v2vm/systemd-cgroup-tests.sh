#!/bin/bash
# `congo --systemd-cgroup` for real, with systemd as PID 1: run inside a
# tests/v2vm guest booted with V2VM_SYSTEMD=1 by test-systemd-cgroup.sh (not
# named test-*.sh: on a host without systemd it has nothing to test).
. "$(dirname "$0")/../lib.sh"

sd() { "$CONGO" --root "$ROOT" --systemd-cgroup "$@"; }
unit_prop() { systemctl show -P "$2" "$1"; }

# A bundle whose container lives in the scope "congo-ID.scope" of system.slice.
scope_bundle() {
    make_bundle
    ID=$(cid "${1:-0}")
    cfg ".linux.cgroupsPath = \"system.slice:congo:$ID\"
         | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 50}}
         | .process.args = [\"sleep\", \"1000\"]"
    UNIT=congo-$ID.scope
    CG=/sys/fs/cgroup/system.slice/$UNIT
}

test_guest_runs_systemd() {
    assert_eq "$(cat /proc/1/comm)" systemd
    [ -d /run/systemd/system ] || fail "no /run/systemd/system"
}

test_create_puts_init_in_the_scope_with_limits() {
    scope_bundle
    run_congo --systemd-cgroup create -b "$B" "$ID"
    assert_ok
    pid=$(state_pid "$ID")
    assert_eq "$(cat /proc/$pid/cgroup)" "0::/system.slice/$UNIT"
    assert_eq "$(unit_prop "$UNIT" ActiveState)" active
    assert_eq "$(unit_prop "$UNIT" MemoryMax)" 67108864
    assert_eq "$(unit_prop "$UNIT" TasksMax)" 50
    assert_eq "$(unit_prop "$UNIT" Delegate)" yes
    assert_eq "$(unit_prop "$UNIT" Slice)" system.slice
    assert_eq "$(cat "$CG/memory.max")" 67108864
    assert_eq "$(cat "$CG/pids.max")" 50
    assert_eq "$(sd state "$ID" | jq -r .status)" created
    # the state records the driver: later commands use the same cgroup
    run_cmd jq -r .systemdCgroup "$ROOT/$ID/state.json"
    assert_eq "$OUT" true
}

test_lifecycle_pause_kill_delete() {
    scope_bundle
    sd create -b "$B" "$ID"
    sd start "$ID"
    pid=$(state_pid "$ID")
    # a second process in the container, for ps and kill --all
    sd exec -d "$ID" sleep 999
    wait_for bash -c "[ \$(wc -l < $CG/cgroup.procs) = 2 ]" || fail "exec'd process not in $CG"
    run_congo ps --format json "$ID"
    assert_ok
    assert_eq "$(echo "$OUT" | jq length)" 2
    sd pause "$ID"
    assert_eq "$(cat "$CG/cgroup.freeze")" 1
    assert_eq "$(state_status "$ID")" paused
    sd resume "$ID"
    assert_eq "$(cat "$CG/cgroup.freeze")" 0
    sd update --memory 100663296 --pids-limit 60 "$ID"
    assert_eq "$(cat "$CG/memory.max")" 100663296
    assert_eq "$(unit_prop "$UNIT" MemoryMax)" 100663296
    assert_eq "$(unit_prop "$UNIT" TasksMax)" 60
    sd kill --all "$ID" KILL
    wait_status "$ID" stopped || fail "still $(state_status "$ID") after kill --all"
    sd delete "$ID"
    assert_eq "$(unit_prop "$UNIT" LoadState)" not-found
    [ ! -e "$CG" ] || fail "$CG left behind"
    assert_no_state
}

test_delete_force_stops_a_running_scope() {
    scope_bundle
    sd create -b "$B" "$ID"
    sd start "$ID"
    assert_eq "$(unit_prop "$UNIT" ActiveState)" active
    run_congo --systemd-cgroup delete --force "$ID"
    assert_ok
    assert_eq "$ERR" "" "delete --force warned"
    assert_eq "$(unit_prop "$UNIT" LoadState)" not-found
    [ ! -e "$CG" ] || fail "$CG left behind"
    assert_no_state
}

test_run_sees_its_scope_limits() {
    scope_bundle
    cfg '.process.args = ["cat", "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/pids.max"]'
    run_congo --systemd-cgroup run -b "$B" "$ID"
    assert_ok
    assert_eq "$(echo $OUT)" "67108864 50"
    assert_eq "$(unit_prop "$UNIT" LoadState)" not-found
    assert_no_state
}

test_default_path_and_nested_slice() {
    make_bundle
    ID=$(cid 0)
    cfg 'del(.linux.cgroupsPath) | .process.args = ["sleep", "1000"]'
    sd create -b "$B" "$ID"
    assert_eq "$(cat /proc/$(state_pid "$ID")/cgroup)" "0::/system.slice/congo-$ID.scope"
    sd delete --force "$ID"
    ID2=$(cid 1)
    cfg ".linux.cgroupsPath = \"congo-test.slice:pfx:$ID2\""
    sd create -b "$B" "$ID2"
    assert_eq "$(cat /proc/$(state_pid "$ID2")/cgroup)" "0::/congo.slice/congo-test.slice/pfx-$ID2.scope"
    assert_eq "$(unit_prop "pfx-$ID2.scope" Slice)" congo-test.slice
    sd delete --force "$ID2"
    assert_eq "$(unit_prop "pfx-$ID2.scope" LoadState)" not-found
}

test_existing_unit_is_a_clear_error() {
    scope_bundle
    sd create -b "$B" "$ID"
    pid=$(state_pid "$ID")
    run_congo --systemd-cgroup create -b "$B" "$ID-2"
    assert_failed
    assert_contains "$ERR" "$UNIT"
    assert_contains "$ERR" "already exists"
    [ ! -e "$ROOT/$ID-2" ] || fail "state of the failed container left behind"
    # the first container is untouched
    assert_eq "$(cat /proc/$pid/cgroup)" "0::/system.slice/$UNIT"
    assert_eq "$(unit_prop "$UNIT" ActiveState)" active
}

test_failed_create_stops_the_scope() {
    scope_bundle
    cfg '.process.args = ["/no/such/binary"]'
    run_congo --systemd-cgroup create -b "$B" "$ID"
    assert_failed
    assert_contains "$ERR" "/no/such/binary"
    assert_no_state
    assert_eq "$(unit_prop "$UNIT" LoadState)" not-found
    [ ! -e "$CG" ] || fail "$CG left behind"
}

# Without systemd's private socket (not root's, or not there): the system
# bus, through dbus-daemon (Hello, and a match rule for JobRemoved).
test_system_bus_when_the_private_socket_is_unreachable() {
    # Only dbus: its default dependencies would start sysinit.target, whose
    # systemd-tmpfiles-setup empties /tmp (tmpfiles.d/tmp.conf: `D /tmp`), this
    # test's own $T, $ROOT and log among it, while the test runs (under load,
    # with the rest of sysinit.target, it made the test fail without a log).
    touch "$T/.before-dbus"
    systemctl start --job-mode=ignore-requirements dbus.socket dbus.service ||
        fail "cannot start dbus.service in the guest"
    [ -e "$T/.before-dbus" ] || fail "starting dbus emptied /tmp"
    scope_bundle
    cat > "$T/via-bus.sh" <<INNER
set -e
mount --bind /dev/null /run/systemd/private
"$CONGO" --root "$ROOT" --systemd-cgroup --debug create -b "$B" "$ID"
cat /proc/\$(jq .pid "$ROOT/$ID/state.json")/cgroup > "$T/cgroup"
"$CONGO" --root "$ROOT" --systemd-cgroup --debug delete --force "$ID"
INNER
    run_cmd unshare -m bash "$T/via-bus.sh"
    assert_ok
    assert_contains "$ERR" "/run/dbus/system_bus_socket"
    assert_not_contains "$ERR" "warning"
    assert_eq "$(cat "$T/cgroup")" "0::/system.slice/$UNIT"
    assert_eq "$(unit_prop "$UNIT" LoadState)" not-found
    assert_no_state
}

run_tests "$@"
