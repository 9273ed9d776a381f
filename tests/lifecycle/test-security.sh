#!/bin/bash
# What the container must never get: congo's fds, a cwd outside its root,
# a writable path to the host's congo binary.
. "$(dirname "$0")/../lib.sh"

test_no_fd_leaks_into_container() {
    make_bundle
    cfg '.process.args = ["ls", "/proc/self/fd"]'
    # An fd congo inherits without --preserve-fds must not reach the container.
    exec 7</etc/hostname
    run_congo run -b "$B" "$(cid)"
    exec 7<&-
    assert_ok
    # ls itself opens one directory fd (3).
    assert_eq "$(echo "$OUT" | sort -n | tr '\n' ' ')" "0 1 2 3 "
}

test_preserve_fds_pass_through() {
    make_bundle
    cfg '.process.args = ["sh", "-c", "cat <&3; cat <&4; ls /proc/self/fd | sort -n | tr \"\\n\" \" \""]'
    echo three > "$T/f3"; echo four > "$T/f4"
    RC=0
    "$CONGO" --root "$ROOT" run --preserve-fds 2 -b "$B" "$(cid)" 3<"$T/f3" 4<"$T/f4" > "$T/out" 2>&1 || RC=$?
    assert_eq "$RC" 0 "$(cat "$T/out")"
    assert_eq "$(head -2 "$T/out" | tr '\n' ' ')" "three four "
    assert_contains "$(tail -1 "$T/out")" "0 1 2 3 4 5"
    assert_not_contains "$(tail -1 "$T/out")" " 6"
}

test_stdio_passes_untouched() {
    make_bundle
    cfg '.process.args = ["sh", "-c", "read x; echo \"in:$x\"; echo err >&2"]'
    RC=0
    echo piped | "$CONGO" --root "$ROOT" run -b "$B" "$(cid)" > "$T/o" 2> "$T/e" || RC=$?
    assert_eq "$RC" 0
    assert_eq "$(cat "$T/o")" "in:piped"
    assert_eq "$(cat "$T/e")" "err"
}

test_cwd_is_inside_rootfs() {
    make_bundle
    mkdir -p "$B/rootfs/work"
    cfg '.process.cwd = "/work" | .process.args = ["sh", "-c", "pwd; ls /proc/self/cwd/.. | head -50"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(echo "$OUT" | head -1)" /work
    assert_contains "$OUT" bin
    assert_not_contains "$OUT" config.json
}

test_congo_binary_not_reachable_through_proc_exe() {
    # Container A's process waits for a go; container B joins A's pid
    # namespace and is created, not started: its init is still congo, visible
    # in A.  A's root (default capabilities) must not be able to open
    # /proc/<B>/exe, the host's congo binary (runc CVE-2019-5736).
    local sum_before; sum_before=$(sha256sum "$CONGO" | cut -d' ' -f1)
    make_bundle a
    local A=$B
    cfg '.root.readonly = false | .process.args = ["sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.05; done; for p in /proc/[0-9]*; do echo \"$p $(readlink $p/exe)\"; cat $p/exe > /dev/null; echo x >> $p/exe; done > /tmp/result 2>&1; touch /tmp/finished; sleep 30"]'
    run_congo run -d -b "$A" --pid-file "$T/pa" "$(cid a)"
    assert_ok
    make_bundle b
    cfg ".process.args = [\"true\"] | .linux.namespaces = [.linux.namespaces[] | if .type == \"pid\" then .path = \"/proc/$(cat "$T/pa")/ns/pid\" else . end]"
    run_congo create -b "$B" --pid-file "$T/pb" "$(cid b)"
    assert_ok
    local inner; inner=$(awk '/^NSpid:/ {print $3}' /proc/$(cat "$T/pb")/status)
    [ -n "$inner" ] || fail "B's init is not in A's pid namespace"
    touch "$A/rootfs/tmp/go"
    wait_for test -e "$A/rootfs/tmp/finished" || fail "A did not finish"
    local result; result=$(cat "$A/rootfs/tmp/result")
    assert_contains "$result" "/proc/$inner/exe: Permission denied"
    assert_not_contains "$result" "congo"
    assert_eq "$(sha256sum "$CONGO" | cut -d' ' -f1)" "$sum_before"
}

test_script_interpreter_cannot_reach_the_host_binary() {
    # runc CVE-2019-5736 through the init: the image's program is a script
    # whose interpreter is /proc/self/exe.  Were that congo's binary, the
    # container would hold the host's congo in /proc/PID/exe and write it once
    # no congo runs.  The init execs through the sealed exec-stub instead;
    # with CONGO_EXEC_NO_STUB (as with LSM labels) congo first re-executes
    # itself from a sealed copy.  Either way nothing writable is reached.
    local congo_copy=$T/congo-under-test mode pid result
    cp "$CONGO" "$congo_copy"
    make_bundle
    mkfifo "$B/rootfs/tmp/exe-hold"
    printf '#!/proc/self/exe --log=/tmp/exe-hold\n' > "$B/rootfs/bin/evil"
    chmod 755 "$B/rootfs/bin/evil"
    # No pid namespace: the host sees the container's processes as they are.
    cfg '.root.readonly = false | .process.args = ["/bin/evil"] | .linux.namespaces = [.linux.namespaces[] | select(.type != "pid")]'
    for mode in stub copy; do
        RC=0
        if [ $mode = copy ]; then
            CONGO_EXEC_NO_STUB=1 "$congo_copy" --root "$ROOT" run --keep -b "$B" "$(cid $mode)" > "$T/o" 2>&1 &
            pid=$!
            result=$(exe_attack "$B/rootfs") || fail "$result"
            wait $pid || RC=$?
            # congo's code did run in the container: from the sealed copy.
            assert_contains "$(cat "$B/rootfs/tmp/exe-hold.log" 2>/dev/null; cat "$T/o")" "unknown command" "$mode"
            assert_not_contains "$result" "exe=$congo_copy" "$mode"
            assert_contains "$result" "denied" "$mode"
            assert_not_contains "$result" "writable" "$mode"
        else
            "$congo_copy" --root "$ROOT" run --keep -b "$B" "$(cid $mode)" > "$T/o" 2>&1 || RC=$?
            # The static stub itself was the interpreter: it refuses, nothing runs.
            assert_eq "$RC" 127 "$mode: $(cat "$T/o")"
        fi
    done
    cmp -s "$CONGO" "$congo_copy" || fail "the binary changed"
}

test_exec_failure_after_start_is_reported_by_start() {
    # The program vanishes between create (which found it) and start: the
    # exec-stub's report reaches `congo start`.
    make_bundle
    cfg '.root.readonly = false | .process.args = ["/bin/goner"]'
    cp "$B/rootfs/bin/busybox" "$B/rootfs/bin/goner"
    local id; id=$(cid)
    run_congo create -b "$B" "$id"
    assert_ok
    rm "$B/rootfs/bin/goner"
    run_congo start "$id"
    assert_failed
    assert_contains "$ERR" 'exec: "/bin/goner": no such file or directory'
}

run_tests "$@"
