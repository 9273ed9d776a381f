#!/bin/bash
# The container process as seen from inside: identity, capabilities,
# rlimits, no_new_privs, umask, cwd, environment, exit codes, terminals
# (console socket and foreground run) and hooks.
. "$(dirname "$0")/../lib.sh"

RECVTTY=$TOP_BUILDDIR/tests/helpers/recvtty

# status_of FIELD: the value of FIELD in $OUT (a /proc/self/status dump).
status_of() { printf '%s\n' "$OUT" | awk -F':\t' -v f="$1" '$1 == f { print $2 }'; }

test_user_and_additional_groups() {
    make_bundle
    cfg '.process.user = {uid: 1000, gid: 1000, additionalGids: [2000, 3000]} | .process.args = ["cat", "/proc/self/status"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(status_of Uid)" "1000	1000	1000	1000"
    assert_eq "$(status_of Gid)" "1000	1000	1000	1000"
    assert_eq "$(status_of Groups | sed 's/ *$//')" "2000 3000"
}

test_root_without_additional_groups_has_none() {
    make_bundle
    cfg '.process.args = ["cat", "/proc/self/status"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(status_of Uid)" "0	0	0	0"
    assert_eq "$(status_of Groups | sed 's/ *$//')" ""
}

test_capabilities_as_root() {
    make_bundle
    # congo spec's set: CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10).
    cfg '.process.args = ["cat", "/proc/self/status"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(status_of CapBnd)" "0000000020000420"
    assert_eq "$(status_of CapPrm)" "0000000020000420"
    assert_eq "$(status_of CapEff)" "0000000020000420"
    assert_eq "$(status_of CapInh)" "0000000000000000"
    assert_eq "$(status_of CapAmb)" "0000000000000000"
}

test_capabilities_ambient_for_a_user() {
    make_bundle
    cfg '.process.user = {uid: 1000, gid: 1000} | .process.args = ["cat", "/proc/self/status"]
        | .process.capabilities = {
            bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
            permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
            effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
            inheritable: ["CAP_NET_BIND_SERVICE"],
            ambient: ["CAP_NET_BIND_SERVICE"] }'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    # After execve as a non-root user only the ambient set survives into P and E.
    assert_eq "$(status_of CapBnd)" "0000000000000421"
    assert_eq "$(status_of CapPrm)" "0000000000000400"
    assert_eq "$(status_of CapEff)" "0000000000000400"
    assert_eq "$(status_of CapInh)" "0000000000000400"
    assert_eq "$(status_of CapAmb)" "0000000000000400"
}

test_capabilities_user_without_ambient_has_none() {
    make_bundle
    cfg '.process.user = {uid: 1000, gid: 1000} | .process.args = ["cat", "/proc/self/status"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(status_of CapPrm)" "0000000000000000"
    assert_eq "$(status_of CapEff)" "0000000000000000"
    assert_eq "$(status_of CapInh)" "0000000000000000"
}

test_inconsistent_capabilities_fail_create() {
    make_bundle
    cfg '.process.capabilities.effective += ["CAP_CHOWN"]'
    run_congo create -b "$B" "$(cid)"
    assert_failed
    assert_contains "$ERR" "process.capabilities.effective: CAP_CHOWN is not in process.capabilities.permitted"
    assert_no_state
    assert_no_cgroup
}

test_rlimits() {
    make_bundle
    cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1000, hard: 2000}, {type: "RLIMIT_CORE", soft: 0, hard: 0},
                             {type: "RLIMIT_NPROC", soft: 500, hard: 600}]
        | .process.args = ["cat", "/proc/self/limits"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$(printf '%s\n' "$OUT" | awk '/^Max open files/ { print $4, $5 }')" "1000 2000"
    assert_eq "$(printf '%s\n' "$OUT" | awk '/^Max core file size/ { print $5, $6 }')" "0 0"
    assert_eq "$(printf '%s\n' "$OUT" | awk '/^Max processes/ { print $3, $4 }')" "500 600"
}

test_rlimit_above_the_host_says_why() {
    if (( (0x$(awk '/^CapEff/ { print $2 }' /proc/self/status) >> 24) & 1 )); then
        skip "this host has CAP_SYS_RESOURCE: raising the hard limit would succeed"
    fi
    local host
    host=$(ulimit -Hn)
    make_bundle
    cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1024, hard: 1048576}]'
    run_congo create -b "$B" "$(cid)"
    assert_failed
    assert_contains "$ERR" "process.rlimits[0] (RLIMIT_NOFILE): hard limit 1048576 is above the host's $host and congo lacks CAP_SYS_RESOURCE"
    assert_no_state
    assert_no_cgroup
}

test_no_new_privileges() {
    make_bundle
    cfg '.process.args = ["cat", "/proc/self/status"] | .process.noNewPrivileges = true'
    run_congo run -b "$B" "$(cid 1)"
    assert_ok
    assert_eq "$(status_of NoNewPrivs)" "1"
    cfg '.process.noNewPrivileges = false'
    run_congo run -b "$B" "$(cid 2)"
    assert_ok
    assert_eq "$(status_of NoNewPrivs)" "0"
}

test_umask() {
    make_bundle
    cfg '.process.args = ["sh", "-c", "umask"]'
    run_congo run -b "$B" "$(cid 1)"
    assert_ok
    assert_eq "$OUT" "0022"
    cfg '.process.user.umask = 63'
    run_congo run -b "$B" "$(cid 2)"
    assert_ok
    assert_eq "$OUT" "0077"
}

test_cwd() {
    make_bundle
    cfg '.process.args = ["pwd"] | .process.cwd = "/tmp"'
    run_congo run -b "$B" "$(cid 1)"
    assert_ok
    assert_eq "$OUT" "/tmp"
}

test_missing_cwd_is_created_even_on_a_readonly_root() {
    make_bundle
    cfg '.process.args = ["sh", "-c", "pwd; stat -c %a ."] | .process.cwd = "/does/not/exist" | .root.readonly = true'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$OUT" "/does/not/exist
755"
}

test_cwd_only_root_can_enter() {
    # runc changes directory before switching user: uid 1000 may start in it.
    make_bundle
    mkdir -p "$B/rootfs/private"
    chmod 700 "$B/rootfs/private"
    cfg '.process.args = ["pwd"] | .process.cwd = "/private" | .process.user = {uid: 1000, gid: 1000}'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$OUT" "/private"
}

test_cwd_not_a_directory() {
    make_bundle
    cfg '.process.cwd = "/etc/passwd"'
    run_congo create -b "$B" "$(cid)"
    assert_failed
    assert_contains "$ERR" 'process.cwd "/etc/passwd"'
    assert_contains "$ERR" "Not a directory"
    assert_no_state
    assert_no_cgroup
}

test_env_is_exactly_process_env_plus_home() {
    make_bundle
    cfg '.process.env = ["A=1", "B=two words", "PATH=/bin"] | .process.args = ["/bin/env"]'
    CONGO_LEAK_CHECK=leaked run_congo run -b "$B" "$(cid 1)"
    assert_ok
    # HOME from the container's /etc/passwd when process.env has none, as runc does.
    assert_eq "$OUT" "A=1
B=two words
PATH=/bin
HOME=/root"
    cfg '.process.env = ["HOME=/elsewhere", "PATH=/bin"] | .process.user = {uid: 1000, gid: 1000}'
    run_congo run -b "$B" "$(cid 2)"
    assert_ok
    assert_eq "$OUT" "HOME=/elsewhere
PATH=/bin"
    cfg '.process.env = ["PATH=/bin"] | .process.user = {uid: 1000, gid: 1000}'
    run_congo run -b "$B" "$(cid 3)"
    assert_ok
    assert_eq "$OUT" "PATH=/bin
HOME=/home"
}

test_exit_codes() {
    make_bundle
    cfg '.process.args = ["sh", "-c", "exit 42"]'
    run_congo run -b "$B" "$(cid 1)"
    assert_rc 42
    # Killed by a signal: 128 + its number.  (From inside, the container's
    # pid 1 cannot be sent SIGKILL: the kill comes from congo kill.)
    cfg '.process.args = ["sleep", "100"]'
    local id2 pid
    id2=$(cid 2)
    "$CONGO" --root "$ROOT" run -b "$B" "$id2" </dev/null >/dev/null 2>&1 &
    pid=$!
    wait_for sh -c "[ \"\$($CONGO --root $ROOT state $id2 2>/dev/null | jq -r .status)\" = running ]" \
        || fail "container did not start"
    congo kill "$id2" KILL
    RC=0
    wait "$pid" || RC=$?
    assert_rc 137
    cfg '.process.args = ["true"]'
    run_congo run -b "$B" "$(cid 3)"
    assert_rc 0
}

test_executable_not_found() {
    make_bundle
    cfg '.process.args = ["nosuch"]'
    run_congo create -b "$B" "$(cid 1)"
    assert_failed
    # podman maps this phrase to exit status 127.
    assert_contains "$ERR" 'exec: "nosuch": executable file not found in $PATH'
    assert_no_state
    assert_no_cgroup
    cfg '.process.args = ["/bin/nosuch"]'
    run_congo create -b "$B" "$(cid 2)"
    assert_failed
    # docker maps "no such file or directory" (lower case only) to 127.
    assert_contains "$ERR" 'exec: "/bin/nosuch": stat /bin/nosuch: no such file or directory'
    assert_no_state
}

test_executable_not_executable() {
    make_bundle
    cfg '.process.args = ["/etc/passwd"]'
    run_congo create -b "$B" "$(cid)"
    assert_failed
    # podman maps "permission denied" to exit status 126, docker too but
    # only in lower case, as runc writes it.
    assert_contains "$ERR" 'exec: "/etc/passwd": permission denied'
    assert_no_state
    assert_no_cgroup
}

test_listen_fds_pass_into_the_container() {
    make_bundle
    cfg '.process.args = ["sh", "-c", "echo $LISTEN_FDS $LISTEN_PID; cat <&3"]'
    echo "socket-activated" > "$T/fd3"
    RC=0
    # LISTEN_PID must name congo itself: exec keeps bash's pid.
    bash -c 'export LISTEN_FDS=1 LISTEN_PID=$$; exec 3<"$1"; exec "$2" --root "$3" run -b "$4" "$5"' \
        _ "$T/fd3" "$CONGO" "$ROOT" "$B" "$(cid)" >"$T/.out" 2>"$T/.err" </dev/null || RC=$?
    OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
    assert_ok
    assert_eq "$OUT" "1 1
socket-activated"
}

# --- terminals ---

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

test_console_socket_delivers_a_working_pty() {
    make_bundle
    cfg '.process.terminal = true | .process.consoleSize = {height: 30, width: 120}
        | .process.args = ["sh", "-c", "test -t 0 && test -t 1 && echo is-a-tty; tty; stty size; ls -l /dev/console"]'
    start_recvtty --name "$T/tty.name" "$T/console.sock"
    local id
    id=$(cid)
    run_congo create -b "$B" --console-socket "$T/console.sock" "$id"
    assert_ok
    run_congo start "$id"
    assert_ok
    wait_recvtty
    local out
    out=$(tr -d '\r' < "$T/tty.out")
    assert_contains "$out" "is-a-tty"
    assert_contains "$out" "/dev/pts/0"
    assert_contains "$out" "30 120"
    # /dev/console is the pty slave (char device 136:0).
    assert_contains "$out" "136,   0"
    assert_eq "$(cat "$T/tty.name")" "/dev/ptmx"
}

test_console_socket_interactive() {
    make_bundle
    cfg '.process.terminal = true | .process.args = ["sh"]'
    start_recvtty --send $'echo hello-$((6*7))\nexit 3\n' "$T/console.sock"
    local id
    id=$(cid)
    run_congo create -b "$B" --console-socket "$T/console.sock" "$id"
    assert_ok
    run_congo start "$id"
    assert_ok
    wait_recvtty
    assert_contains "$(tr -d '\r' < "$T/tty.out")" "hello-42"
}

test_console_socket_long_path() {
    make_bundle
    cfg '.process.terminal = true | .process.args = ["sh", "-c", "echo via-long-path"]'
    local d
    d="$T/$(printf 'd%.0s' $(seq 60))/$(printf 'e%.0s' $(seq 60))"
    mkdir -p "$d"
    ( cd "$d" && "$RECVTTY" console.sock >"$T/tty.out" 2>"$T/tty.err" ) &
    RECVTTY_PID=$!
    wait_for test -S "$d/console.sock" || fail "recvtty did not listen: $(cat "$T/tty.err")"
    local id
    id=$(cid)
    run_congo create -b "$B" --console-socket "$d/console.sock" "$id"
    assert_ok
    run_congo start "$id"
    assert_ok
    wait_recvtty
    assert_contains "$(cat "$T/tty.out")" "via-long-path"
}

test_console_socket_missing_fails_create() {
    make_bundle
    cfg '.process.terminal = true'
    run_congo create -b "$B" --console-socket "$T/nobody-listens.sock" "$(cid)"
    assert_failed
    assert_contains "$ERR" "console socket"
    assert_no_state
    assert_no_cgroup
}

test_run_with_a_terminal_in_the_foreground() {
    make_bundle
    # A program that reads whole lines: an interactive shell would switch its
    # terminal to raw mode after our typed-ahead input arrived, and whether
    # the ^D congo sends at the end of stdin still reads as EOF then is a race
    # (runc sends none at all).
    cfg '.process.terminal = true | .process.args = ["sh", "-c", "test -t 0 && echo tty-ok; read a; read b; echo result-$((a+b))"]'
    RC=0
    printf '40\n2\n' | "$CONGO" --root "$ROOT" run -b "$B" "$(cid)" >"$T/.out" 2>"$T/.err" || RC=$?
    OUT=$(tr -d '\r' < "$T/.out"); ERR=$(cat "$T/.err")
    assert_ok
    assert_contains "$OUT" "tty-ok"
    assert_contains "$OUT" "result-42"
}

# --- hooks ---

# host_hook KIND SCRIPT [TIMEOUT]: append a hook running the host's /bin/sh -c SCRIPT.
host_hook() {
    local kind=$1 script=$2 timeout=${3:-}
    if [ -n "$timeout" ]; then
        cfg_args ".hooks.$kind += [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \$s], timeout: $timeout}]" --arg s "$script"
    else
        cfg_args ".hooks.$kind += [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \$s]}]" --arg s "$script"
    fi
}

# cfg_args JQ-FILTER JQ-ARGS...: cfg with jq arguments (--arg NAME VALUE).
cfg_args() {
    local tmp
    tmp=$(mktemp "$B/config.XXXXXX")
    jq "${@:2}" "$1" "$B/config.json" > "$tmp" || { rm -f "$tmp"; fail "jq filter failed: $1"; }
    mv "$tmp" "$B/config.json"
}

test_hooks_run_in_order_with_the_state() {
    make_bundle
    cfg '.process.args = ["true"]'
    local k
    for k in prestart createRuntime poststart poststop; do
        host_hook "$k" "cat > $T/$k.json; echo $k >> $T/order"
    done
    # createContainer runs in the container's mount namespace before
    # pivot_root (the host's files are still there); startContainer after it,
    # inside the container (its /bin/sh, its /tmp).
    host_hook createContainer "cat > $T/createContainer.json; echo createContainer >> $T/order"
    cfg '.hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c", "cat > /tmp/startContainer.json"]}]
        | .root.readonly = false'
    local id
    id=$(cid)
    run_congo run -b "$B" "$id"
    assert_ok
    assert_eq "$(cat "$T/order" | tr '\n' ' ')" "prestart createRuntime createContainer poststart poststop "
    for k in prestart createRuntime createContainer poststart poststop; do
        assert_eq "$(jq -r .id "$T/$k.json")" "$id" "$k state id"
        assert_eq "$(jq -r .bundle "$T/$k.json")" "$B" "$k state bundle"
    done
    assert_eq "$(jq -r .id "$B/rootfs/tmp/startContainer.json")" "$id" "startContainer state id"
    assert_eq "$(jq -r .status "$T/createRuntime.json")" "creating"
    assert_eq "$(jq -r .status "$T/poststart.json")" "running"
    assert_eq "$(jq -r .status "$T/poststop.json")" "stopped"
    [ "$(jq -r .pid "$T/createRuntime.json")" -gt 0 ] || fail "createRuntime state has no pid"
}

test_failing_hook_fails_create_and_leaves_nothing() {
    make_bundle
    host_hook createRuntime "echo 'the hook said no' >&2; exit 3"
    run_congo create -b "$B" "$(cid)"
    assert_failed
    assert_contains "$ERR" "createRuntime hook #0 (/bin/sh): exited with status 3: the hook said no"
    assert_no_state
    assert_no_cgroup
    assert_no_mounts
}

test_timed_out_hook_fails_create_and_leaves_nothing() {
    make_bundle
    host_hook prestart "echo \$\$ > $T/hook.pid; sleep 30" 1
    local t0=$SECONDS
    run_congo create -b "$B" "$(cid)"
    assert_failed
    assert_contains "$ERR" "prestart hook #0 (/bin/sh): timed out after 1 s"
    (( SECONDS - t0 < 10 )) || fail "create took $((SECONDS - t0)) s"
    assert_no_state
    assert_no_cgroup
    assert_no_mounts
    # Killed and reaped by congo: not even a zombie is left.
    local pid
    pid=$(cat "$T/hook.pid")
    [ ! -e "/proc/$pid" ] || fail "hook process $pid is still there: $(grep State "/proc/$pid/status")"
}

# --- signal names (congo kill) ---

test_kill_signal_names() {
    make_bundle
    cfg '.process.args = ["sleep", "100"]'
    local id
    id=$(cid)
    run_congo create -b "$B" "$id"
    assert_ok
    run_congo start "$id"
    assert_ok
    run_congo kill "$id" FOO
    assert_failed
    assert_contains "$ERR" 'unknown signal "FOO"'
    run_congo kill "$id" sigkill
    assert_ok
    wait_for sh -c "[ \"\$($CONGO --root $ROOT state $id | jq -r .status)\" = stopped ]" || fail "not stopped"
}

run_tests "$@"
