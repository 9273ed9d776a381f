#!/bin/bash
# Stdio and the terminal belong to the container's user (as runc does it):
# a process with a non-zero process.user.uid can reopen its stdio through
# /dev/stdout, /dev/stderr and /dev/stdin (links to /proc/self/fd/N, which
# check the pipe's or the pty's owner), for the init and for exec (-t too).
# A host file given as stdio is not congo's to chown.
. "$(dirname "$0")/../lib.sh"

RECVTTY=$TOP_BUILDDIR/tests/helpers/recvtty

# The program: reopen each stdio by path, as logging images do.
REOPEN='echo out > /dev/stdout && echo err > /dev/stderr && cat /dev/stdin && echo "uid=$(id -u)"'

# pipe_through CMD...: run CMD with stdin, stdout and stderr on pipes (as
# containerd and conmon give them); $OUT gets stdout and stderr, $RC CMD's status.
pipe_through() {
    local st
    { local rc=0; echo piped-in | "$@" 2>&1 || rc=$?; echo "rc=$rc" > "$T/rc"; } | cat > "$T/o"
    OUT=$(cat "$T/o")
    st=$(cat "$T/rc")
    RC=${st#rc=}
}

start_recvtty() {
    "$RECVTTY" "$@" >"$T/tty.out" 2>"$T/tty.err" &
    RECVTTY_PID=$!
    wait_for test -S "$T/console.sock" || fail "recvtty did not listen: $(cat "$T/tty.err")"
}

wait_recvtty() {
    local i
    for i in $(seq 100); do
        kill -0 "$RECVTTY_PID" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$RECVTTY_PID" 2>/dev/null; then
        kill "$RECVTTY_PID"; wait "$RECVTTY_PID" || true
        fail "recvtty still running; output: $(cat "$T/tty.out")"
    fi
    wait "$RECVTTY_PID" || fail "recvtty failed: $(cat "$T/tty.err")"
}

# What the terminal program prints: the owner of fd 0, and of the pty by path.
TTY_PROBE='stat -L -c "fd0=%u" /proc/self/fd/0; stat -c "pty=%u:%g" "$(tty)";'
TTY_PROBE+=' echo hi > /dev/stdout && echo wrote-stdout; echo "uid=$(id -u)"'

test_init_user_reopens_stdio_pipes() {
    make_bundle
    cfg ".process.user = {uid: 1000, gid: 1000} | .process.args = [\"sh\", \"-c\", $(jq -Rn --arg s "$REOPEN" '$s')]"
    pipe_through "$CONGO" --root "$ROOT" run -b "$B" "$(cid)"
    assert_eq "$RC" 0 "$OUT"
    assert_contains "$OUT" "out"
    assert_contains "$OUT" "err"
    assert_contains "$OUT" "piped-in"
    assert_contains "$OUT" "uid=1000"
    assert_not_contains "$OUT" "denied"
}

test_init_user_in_create_start_reopens_stdio_pipes() {
    # containerd's way: create with the pipes, then start.
    make_bundle
    cfg ".process.user = {uid: 1000, gid: 1000} | .process.args = [\"sh\", \"-c\", $(jq -Rn --arg s "$REOPEN" '$s')]"
    local id; id=$(cid)
    # (cat reads until the container, which keeps the pipe, has exited.)
    RC=0
    echo piped-in | "$CONGO" --root "$ROOT" create -b "$B" "$id" > >(cat > "$T/o") 2>&1 || RC=$?
    assert_eq "$RC" 0 "$(cat "$T/o")"
    run_congo start "$id"
    assert_ok
    wait_status "$id" stopped || fail "the container did not stop"
    # The container wrote into the pipe after create returned: cat saw its end.
    wait_for grep -q "uid=1000" "$T/o" || fail "no output from the container: $(cat "$T/o")"
    OUT=$(cat "$T/o")
    assert_contains "$OUT" "out"
    assert_contains "$OUT" "err"
    assert_contains "$OUT" "piped-in"
    assert_not_contains "$OUT" "denied"
}

test_host_file_as_stdout_keeps_its_owner() {
    # A file of the host's is not the container's to own.
    make_bundle
    cfg '.process.user = {uid: 1000, gid: 1000} | .process.args = ["echo", "to-a-file"]'
    RC=0
    "$CONGO" --root "$ROOT" run -b "$B" "$(cid)" > "$T/file" 2> "$T/err" < /dev/null || RC=$?
    assert_eq "$RC" 0 "$(cat "$T/err")"
    assert_eq "$(cat "$T/file")" "to-a-file"
    assert_eq "$(stat -c %u "$T/file")" 0
    assert_eq "$(stat -c %u /dev/null)" 0
}

test_init_user_owns_its_terminal() {
    make_bundle
    cfg ".process.terminal = true | .process.user = {uid: 1000, gid: 1000}
        | .process.args = [\"sh\", \"-c\", $(jq -Rn --arg s "$TTY_PROBE" '$s')]"
    start_recvtty "$T/console.sock"
    local id; id=$(cid)
    run_congo create -b "$B" --console-socket "$T/console.sock" "$id"
    assert_ok
    run_congo start "$id"
    assert_ok
    wait_recvtty
    local out; out=$(tr -d '\r' < "$T/tty.out")
    assert_contains "$out" "fd0=1000"
    # The group stays the pty's (tty, gid 5 with the devpts options of `congo spec`).
    assert_contains "$out" "pty=1000:5"
    assert_contains "$out" "wrote-stdout"
    assert_contains "$out" "uid=1000"
}

start_sleeper() {
    make_bundle
    cfg '.process.args = ["sleep", "300"]'
    ID=$(cid)
    run_congo run -d -b "$B" "$ID"
    assert_ok
}

test_exec_user_reopens_stdio_pipes() {
    start_sleeper
    pipe_through "$CONGO" --root "$ROOT" exec --user 1000:1000 "$ID" sh -c "$REOPEN"
    assert_eq "$RC" 0 "$OUT"
    assert_contains "$OUT" "out"
    assert_contains "$OUT" "err"
    assert_contains "$OUT" "piped-in"
    assert_contains "$OUT" "uid=1000"
    assert_not_contains "$OUT" "denied"
}

test_exec_process_json_user_reopens_stdio_pipes() {
    start_sleeper
    jq -n --arg s "$REOPEN" '{args: ["sh", "-c", $s], env: ["PATH=/bin"], cwd: "/", user: {uid: 1000, gid: 1000}}' \
        > "$T/process.json"
    pipe_through "$CONGO" --root "$ROOT" exec -p "$T/process.json" "$ID"
    assert_eq "$RC" 0 "$OUT"
    assert_contains "$OUT" "piped-in"
    assert_contains "$OUT" "uid=1000"
    assert_not_contains "$OUT" "denied"
}

test_exec_tty_user_owns_its_terminal() {
    start_sleeper
    start_recvtty "$T/console.sock"
    run_congo exec -t --console-socket "$T/console.sock" --user 1000:1000 "$ID" sh -c "$TTY_PROBE"
    assert_ok
    wait_recvtty
    local out; out=$(tr -d '\r' < "$T/tty.out")
    assert_contains "$out" "fd0=1000"
    assert_contains "$out" "pty=1000:5"
    assert_contains "$out" "wrote-stdout"
    assert_contains "$out" "uid=1000"
}

test_root_stdio_pipes_stay_roots() {
    # uid 0: nothing to hand over; the pipes congo got stay as they were.
    make_bundle
    cfg '.process.args = ["sh", "-c", "stat -L -c %u /proc/self/fd/1; echo ok > /dev/stdout"]'
    pipe_through "$CONGO" --root "$ROOT" run -b "$B" "$(cid)"
    assert_eq "$RC" 0 "$OUT"
    assert_eq "$OUT" "0
ok"
}

test_user_namespace_stdio_owner_not_mapped_is_no_error() {
    # The pipes are the host root's, which the container's user namespace
    # does not map: fchown is refused (EPERM) and congo goes on, as runc.
    make_bundle
    chmod 755 "$T"
    cfg '.linux.namespaces += [{type: "user"}] | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
        | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}] | .process.user = {uid: 1000, gid: 1000}
        | .process.args = ["sh", "-c", "echo still-runs; id -u"]'
    pipe_through "$CONGO" --root "$ROOT" run -b "$B" "$(cid)"
    assert_eq "$RC" 0 "$OUT"
    assert_eq "$OUT" "still-runs
1000"
}

run_tests "$@"
