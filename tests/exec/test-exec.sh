#!/bin/bash
# congo exec: a new process in a running container, observed from the host
# (/proc/PID/ns, /proc/PID/cgroup, pid files) and from inside
# (/proc/self/status, id, pwd, env); the hardening (no host fd, binary or
# ptrace reaches the container, no inherited capabilities); bad input.
. "$(dirname "$0")/../lib.sh"

RECVTTY=$TOP_BUILDDIR/tests/helpers/recvtty

# start_container [JQ-FILTER]: a fresh bundle whose init sleeps, edited by
# the filter, run detached.  Sets $ID, $PID (the init's host pid) and $CG
# (its cgroup path).
start_container() {
    make_bundle "${2:-bundle}"
    cfg '.process.args = ["sleep", "1000"]'
    [ -z "${1:-}" ] || cfg "$1"
    ID=$(cid "${2:-0}")
    run_congo run -d -b "$B" --pid-file "$T/init.pid" "$ID"
    assert_ok
    PID=$(cat "$T/init.pid")
    CG=$(jq -r .linux.cgroupsPath "$B/config.json")
}

# The host pids in the container's cgroup (freezer hierarchy), sorted.
cgroup_pids() { sort -n "/sys/fs/cgroup/freezer$CG/cgroup.procs" | tr '\n' ' '; }

status_field() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

test_exec_joins_every_namespace_and_the_cgroup() {
    start_container '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
    run_congo exec -d --pid-file "$T/exec.pid" "$ID" sleep 100
    assert_ok
    local ep; ep=$(cat "$T/exec.pid")
    [[ $ep =~ ^[0-9]+$ ]] || fail "pid file holds '$ep', not digits only"
    [ "$(wc -c < "$T/exec.pid")" = "${#ep}" ] || fail "pid file has more than the digits"
    local ns
    for ns in pid mnt net uts ipc cgroup user time; do
        assert_eq "$(readlink /proc/$ep/ns/$ns)" "$(readlink /proc/$PID/ns/$ns)" "$ns namespace"
    done
    # ... which are really the container's own, not the host's.
    for ns in pid mnt net uts ipc cgroup; do
        assert_ne "$(readlink /proc/$ep/ns/$ns)" "$(readlink /proc/self/ns/$ns)" "$ns namespace is the host's"
    done
    assert_eq "$(cat /proc/$ep/cgroup)" "$(cat /proc/$PID/cgroup)"
    assert_contains "$(cat /proc/$ep/cgroup)" "memory:$CG"
    assert_contains "$(cat /proc/$ep/cgroup)" "0::$CG"
    assert_eq "$(cgroup_pids)" "$(echo "$PID $ep" | tr ' ' '\n' | sort -n | tr '\n' ' ')"
    # Inside: the container's pid 1 is its init, / is its rootfs, the
    # hostname is its own, and the root is where the cwd leads.
    run_congo exec "$ID" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; hostname; ls /; readlink /proc/self/cwd'
    assert_ok
    assert_contains "$OUT" "sleep 1000"
    assert_contains "$OUT" "congo"
    assert_contains "$OUT" "proc"
    assert_not_contains "$OUT" "config.json"
}

test_exec_joins_the_user_namespace() {
    chmod 755 "$T"
    start_container '.linux.namespaces += [{type: "user"}] | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
    run_congo exec -d --pid-file "$T/exec.pid" "$ID" sleep 100
    assert_ok
    local ep; ep=$(cat "$T/exec.pid")
    assert_eq "$(readlink /proc/$ep/ns/user)" "$(readlink /proc/$PID/ns/user)"
    assert_ne "$(readlink /proc/$ep/ns/user)" "$(readlink /proc/self/ns/user)"
    # Root inside is 100000 on the host.
    assert_eq "$(awk '/^Uid:/ {print $2}' /proc/$ep/status)" 100000
    run_congo exec -u 1000:1000 "$ID" sh -c 'id -u; cat /proc/self/uid_map'
    assert_ok
    assert_contains "$OUT" 1000
    assert_contains "$OUT" "100000"
}

test_exec_inherits_the_containers_process() {
    start_container '.process.user = {uid: 1000, gid: 1000, additionalGids: [2000], umask: 23}
        | .process.env = ["PATH=/bin", "FOO=from-config"] | .process.cwd = "/home"
        | .process.capabilities = {bounding: ["CAP_KILL", "CAP_NET_RAW"], effective: ["CAP_NET_RAW"],
            permitted: ["CAP_NET_RAW"], inheritable: ["CAP_NET_RAW"], ambient: ["CAP_NET_RAW"]}
        | .process.rlimits = [{type: "RLIMIT_NOFILE", soft: 512, hard: 512}] | .process.noNewPrivileges = true'
    run_congo exec "$ID" sh -c 'id; echo "foo=$FOO"; pwd; ulimit -n; umask; grep -E "^(Cap|NoNewPrivs)" /proc/self/status'
    assert_ok
    assert_contains "$OUT" "uid=1000(tester) gid=1000(tester) groups=2000(extra)"
    assert_contains "$OUT" "foo=from-config"
    assert_contains "$OUT" "/home"
    assert_contains "$OUT" "512"
    assert_contains "$OUT" "0027"
    # CAP_NET_RAW is 13, CAP_KILL 5.
    assert_contains "$OUT" "CapBnd:	0000000000002020"
    assert_contains "$OUT" "CapEff:	0000000000002000"
    assert_contains "$OUT" "CapAmb:	0000000000002000"
    assert_contains "$OUT" "NoNewPrivs:	1"
}

test_exec_flags_override_the_process() {
    start_container
    run_congo exec -u 1001:1002 -g 3000 --additional-gids 3001 --cwd /tmp -e FOO=one -e FOO=two --env=TERM=dumb \
        -e NEW=x "$ID" sh -c 'id; pwd; env | sort'
    assert_ok
    assert_contains "$OUT" "uid=1001 gid=1002 groups=3000,3001"
    assert_contains "$OUT" "/tmp"
    assert_contains "$OUT" "FOO=two"
    assert_not_contains "$OUT" "FOO=one"
    assert_contains "$OUT" "NEW=x"
    assert_contains "$OUT" "TERM=dumb"
    assert_eq "$(echo "$OUT" | grep -c '^TERM=')" 1 "TERM once"
    assert_contains "$OUT" "PATH=/usr/local/sbin"
    # --cap adds to bounding, effective and permitted (CAP_SYS_TIME is 25);
    # the spec's default set is AUDIT_WRITE, KILL, NET_BIND_SERVICE.
    run_congo exec --cap CAP_SYS_TIME -c sys_nice --no-new-privs "$ID" grep -E '^(Cap|NoNewPrivs)' /proc/self/status
    assert_ok
    assert_contains "$OUT" "CapEff:	0000000022800420"
    assert_contains "$OUT" "CapBnd:	0000000022800420"
    assert_contains "$OUT" "CapInh:	0000000000000000"
    # Without flags the container's set.
    run_congo exec "$ID" grep CapEff /proc/self/status
    assert_contains "$OUT" "CapEff:	0000000020000420"
}

test_exec_exit_status_and_signals() {
    start_container
    run_congo exec "$ID" sh -c 'exit 3'
    assert_rc 3
    run_congo exec "$ID" sh -c 'kill -TERM $$; sleep 5'
    assert_rc 143
    # Signals to congo reach the process.
    "$CONGO" --root "$ROOT" exec "$ID" sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.05; done' \
        > "$T/out" 2>&1 &
    local ep=$!
    wait_for grep -q ready "$T/out" || fail "exec did not start: $(cat "$T/out")"
    kill -TERM $ep
    local rc=0; wait $ep || rc=$?
    assert_eq "$rc" 7 "exit status after SIGTERM"
    assert_contains "$(cat "$T/out")" got-term
}

test_exec_tty() {
    start_container
    # With --console-socket the caller gets the pty (as conmon does).
    "$RECVTTY" "$T/tty.sock" > "$T/tty.out" 2>&1 &
    local rp=$!
    wait_for test -S "$T/tty.sock" || fail "recvtty did not listen"
    run_congo exec -t --console-socket "$T/tty.sock" "$ID" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo stdio-is-tty; ps -o pid,tty | tail -1'
    assert_ok
    wait $rp || true
    assert_contains "$(cat "$T/tty.out")" "/dev/pts/"
    assert_contains "$(cat "$T/tty.out")" "stdio-is-tty"
    # Detached, with a process.json asking for the terminal (podman's form).
    echo '{"terminal": true, "args": ["sh", "-c", "tty; sleep 0.2"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}}' > "$T/p.json"
    "$RECVTTY" "$T/tty2.sock" > "$T/tty2.out" 2>&1 &
    rp=$!
    wait_for test -S "$T/tty2.sock" || fail "recvtty did not listen"
    run_congo exec --pid-file "$T/p.pid" --process "$T/p.json" --detach --tty --console-socket "$T/tty2.sock" "$ID"
    assert_ok
    wait $rp || true
    assert_contains "$(cat "$T/tty2.out")" "/dev/pts/"
    # Without --console-socket congo is the other end.
    run_congo exec -t "$ID" tty
    assert_ok
    assert_contains "$OUT" "/dev/pts/"
}

test_exec_detach_returns_once_running() {
    start_container
    local before; before=$(date +%s%N)
    run_congo exec --detach --pid-file "$T/d.pid" "$ID" sh -c 'sleep 3'
    assert_ok
    local ms=$(( ($(date +%s%N) - before) / 1000000 ))
    [ "$ms" -lt 2500 ] || fail "--detach waited for the process (${ms} ms)"
    local ep; ep=$(cat "$T/d.pid")
    [[ $ep =~ ^[0-9]+$ ]] || fail "pid file: '$ep'"
    kill -0 "$ep" || fail "the detached process is not running"
    assert_eq "$(readlink /proc/$ep/ns/pid)" "$(readlink /proc/$PID/ns/pid)"
    # Its parent is no congo (congo has exited): it outlives the command.
    assert_ne "$(cat /proc/$(status_field $ep PPid)/comm)" congo
}

test_exec_process_json_forms() {
    start_container
    cat > "$T/p.json" <<'EOF'
{"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["sh", "-c", "echo a=$A; pwd; grep CapBnd /proc/self/status"],
 "env": ["A=from-json", "PATH=/bin"], "cwd": "/tmp"}
EOF
    run_congo exec --process="$T/p.json" "$ID"
    assert_ok
    assert_contains "$OUT" "a=from-json"
    assert_contains "$OUT" "/tmp"
    # No capabilities in the process: the container's.
    assert_contains "$OUT" "CapBnd:	0000000020000420"
    run_congo exec -p "$T/p.json" "$ID"
    assert_ok
    assert_contains "$OUT" "a=from-json"
    # containerd's form.
    run_congo exec --process "$T/p.json" --detach --pid-file "$T/c.pid" "$ID"
    assert_ok
    [[ $(cat "$T/c.pid") =~ ^[0-9]+$ ]] || fail "pid file"
    # On stdin.
    RC=0; "$CONGO" --root "$ROOT" exec -p - "$ID" < "$T/p.json" > "$T/o" 2>&1 || RC=$?
    assert_eq "$RC" 0 "$(cat "$T/o")"
    assert_contains "$(cat "$T/o")" "a=from-json"
    # "--" before the command, single-dash long options (podman passes them).
    run_congo exec -cwd /proc "$ID" -- sh -c 'pwd'
    assert_ok
    assert_eq "$OUT" /proc
}

test_exec_preserve_fds() {
    start_container
    echo three > "$T/f3"; echo four > "$T/f4"
    RC=0
    "$CONGO" --root "$ROOT" exec --preserve-fds 2 "$ID" sh -c 'cat <&3; cat <&4; ls /proc/self/fd | sort -n | tr "\n" " "' \
        3<"$T/f3" 4<"$T/f4" 5</etc/hostname > "$T/out" 2>&1 || RC=$?
    assert_eq "$RC" 0 "$(cat "$T/out")"
    assert_eq "$(head -2 "$T/out" | tr '\n' ' ')" "three four "
    # ls opens one directory fd (5): congo's and the unpreserved fd 5 are gone.
    assert_contains "$(tail -1 "$T/out")" "0 1 2 3 4 5"
    assert_not_contains "$(tail -1 "$T/out")" " 6"
}

test_exec_gets_the_containers_seccomp_filter() {
    start_container '.root.readonly = false
        | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
    run_congo exec "$ID" sh -c 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; mkdir /newdir; echo mkdir=$?'
    assert_ok
    assert_contains "$OUT" "Seccomp:	2"
    assert_contains "$OUT" "NoNewPrivs:	1"
    assert_contains "$OUT" "mkdir=1"
    assert_contains "$ERR" "Operation not permitted"
    [ ! -e "$B/rootfs/newdir" ] || fail "mkdir went through"
    # A process.json without noNewPrivileges, without CAP_SYS_ADMIN: the
    # filter is loaded before the capabilities go (seccomp.h), still there.
    local caps='{"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}'
    echo "{\"args\": [\"sh\", \"-c\", \"grep -E '^(Seccomp|NoNewPrivs|CapEff):' /proc/self/status; mkdir /newdir2\"],
           \"cwd\": \"/\", \"env\": [\"PATH=/bin\"], \"user\": {\"uid\": 0, \"gid\": 0}, \"capabilities\": $caps}" > "$T/p.json"
    run_congo exec -p "$T/p.json" "$ID"
    assert_rc 1
    assert_contains "$OUT" "Seccomp:	2"
    assert_contains "$OUT" "NoNewPrivs:	0"
    assert_contains "$OUT" "CapEff:	0000000000000020"
    assert_contains "$ERR" "Operation not permitted"
    [ ! -e "$B/rootfs/newdir2" ] || fail "mkdir went through with --process"
    # The compiled program is kept for the next execs.
    [ -n "$(ls "$ROOT/.cache/seccomp")" ] || fail "no compiled program kept"
}

test_exec_seccomp_notify_agent() {
    # The agent gets the exec'd process's own notify fd, with the state
    # ("running") and that process's pid; read, openat, close and futex are
    # notified too: nothing congo does after loading the filter may wait on
    # an agent that has no fd yet.  (write cannot be: test-callers.sh.)
    local listener=$TOP_BUILDDIR/contrib/seccomp-listener/seccomp-listener sock=$T/agent.sock lpid
    [ -x "$listener" ] || fail "$listener is missing (make check builds it)"
    "$listener" --state-file "$T/state.json" "$sock" mkdir=ok mkdirat=ok 2>"$T/agent.err" &
    lpid=$!
    trap "kill $lpid 2>/dev/null || true; cleanup_test" EXIT
    wait_for test -S "$sock" || fail "the agent did not start: $(cat "$T/agent.err")"
    start_container ".root.readonly = false
        | .linux.seccomp = {defaultAction: \"SCMP_ACT_ALLOW\", listenerPath: \"$sock\", listenerMetadata: \"meta\",
            syscalls: [{names: [\"mkdir\", \"mkdirat\", \"read\", \"openat\", \"close\", \"futex\"],
                        action: \"SCMP_ACT_NOTIFY\"}]}"
    wait_for test -s "$T/state.json" || fail "the agent got no state at create"
    rm -f "$T/state.json"
    run_congo exec -d --pid-file "$T/e.pid" "$ID" sh -c 'mkdir /notified; echo mkdir=$? > /tmp/out; sleep 100'
    assert_ok
    wait_for test -s "$B/rootfs/tmp/out" || fail "the exec'd process did not get through: $(cat "$T/agent.err")"
    assert_eq "$(cat "$B/rootfs/tmp/out")" "mkdir=0"
    [ ! -e "$B/rootfs/notified" ] || fail "mkdir was run, not answered"
    wait_for test -s "$T/state.json" || fail "the agent got no state at exec"
    assert_eq "$(jq -r .state.status "$T/state.json")" running
    assert_eq "$(jq -r .state.id "$T/state.json")" "$ID"
    assert_eq "$(jq -r .state.pid "$T/state.json")" "$PID"
    assert_eq "$(jq -r .pid "$T/state.json")" "$(cat "$T/e.pid")"
    assert_eq "$(jq -r .metadata "$T/state.json")" meta
    # In the foreground too.
    run_congo exec "$ID" sh -c 'mkdir /notified2; echo mkdir=$?'
    assert_ok
    assert_eq "$OUT" "mkdir=0"
}

test_exec_process_attributes() {
    # As for the init (tests/process/test-procattrs.sh): the container's
    # personality, the process's scheduler, I/O priority and, for exec'd
    # processes only, execCPUAffinity; the session keyring of the container.
    start_container '.linux.personality = {domain: "LINUX32"}'
    cp "$TOP_BUILDDIR/tests/helpers/procattrs-probe" "$B/rootfs/probe"
    # Without execCPUAffinity: the cgroup's CPUs, not those congo runs on.
    RC=0
    taskset -c 0 "$CONGO" --root "$ROOT" exec "$ID" /probe > "$T/o" 2>&1 || RC=$?
    assert_eq "$RC" 0 "$(cat "$T/o")"
    assert_contains "$(cat "$T/o")" "cpus $(cat /sys/fs/cgroup/cpuset$CG/cpuset.effective_cpus)"
    assert_contains "$(cat "$T/o")" "personality 0x8"
    assert_contains "$(cat "$T/o")" "session_keyring _ses.$ID"
    cat > "$T/p.json" <<'EOF'
{"args": ["/probe"], "cwd": "/", "user": {"uid": 0, "gid": 0},
 "scheduler": {"policy": "SCHED_BATCH", "nice": 7}, "ioPriority": {"class": "IOPRIO_CLASS_IDLE", "priority": 0},
 "execCPUAffinity": {"initial": "0", "final": "1"}}
EOF
    run_congo exec -p "$T/p.json" "$ID"
    assert_ok
    assert_contains "$OUT" "policy SCHED_BATCH"
    assert_contains "$OUT" "nice 7"
    assert_contains "$OUT" "ioprio IOPRIO_CLASS_IDLE"
    assert_contains "$OUT" "cpus 1"
    assert_contains "$OUT" "personality 0x8"
    # Errors name the field of the process.json.
    echo '{"args": ["/probe"], "cwd": "/", "scheduler": {"policy": "SCHED_FIFO"}}' > "$T/bad.json"
    run_congo exec -p "$T/bad.json" "$ID"
    assert_failed
    assert_contains "$ERR" "scheduler"
    assert_eq "$(cgroup_pids)" "$PID "
}

# ---- hardening ----

test_exec_gets_no_host_fd() {
    start_container
    exec 7</etc/hostname 8>"$T/somefile"
    run_congo exec "$ID" ls /proc/self/fd
    exec 7<&- 8>&-
    assert_ok
    assert_eq "$(echo "$OUT" | sort -n | tr '\n' ' ')" "0 1 2 3 "
    run_congo exec -d --pid-file "$T/e.pid" "$ID" sleep 100
    assert_ok
    assert_eq "$(ls /proc/$(cat "$T/e.pid")/fd | sort -n | tr '\n' ' ')" "0 1 2 "
}

test_exec_cwd_stays_inside_the_container() {
    start_container
    # runc CVE-2024-21626: a cwd through a leaked fd of congo's would be a
    # host directory.  Whatever fd a cwd names, it is not congo's.
    local n
    for n in 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        run_congo exec --cwd /proc/self/fd/$n "$ID" sh -c 'ls; ls ..'
        assert_not_contains "$OUT" "config.json" "cwd /proc/self/fd/$n"
        assert_not_contains "$OUT" "cgroup.procs" "cwd /proc/self/fd/$n"
        assert_not_contains "$OUT" "state.json" "cwd /proc/self/fd/$n"
    done
    # A host directory the caller passes on purpose is refused as cwd.
    RC=0
    "$CONGO" --root "$ROOT" exec --preserve-fds 1 --cwd /proc/self/fd/3 "$ID" ls 3<"$B" > "$T/o" 2>&1 || RC=$?
    [ "$RC" != 0 ] || fail "a cwd outside the container was accepted: $(cat "$T/o")"
    assert_contains "$(cat "$T/o")" "process.cwd \"/proc/self/fd/3\": cannot be resolved inside the container's root filesystem"
    assert_not_contains "$(cat "$T/o")" "config.json"
}

test_exec_joining_process_cannot_be_reached_from_the_container() {
    # An exec into a frozen sub-cgroup (--cgroup) stops while it joins: it is
    # then visible in the container's pid namespace, still congo.  The
    # container's root (default capabilities) must not read its exe, memory,
    # environment or fds, nor ptrace it.
    start_container '.root.readonly = false'
    cc -static -O2 -o "$B/rootfs/ptrace-probe" "$TESTS_DIR/helpers/ptrace-probe.c" || fail "cannot build ptrace-probe"
    local d sub=joining fz
    for d in /sys/fs/cgroup/*"$CG"; do
        mkdir "$d/$sub"
        if [ -f "$d/cpuset.cpus" ]; then
            cat "$d/cpuset.cpus" > "$d/$sub/cpuset.cpus"
            cat "$d/cpuset.mems" > "$d/$sub/cpuset.mems"
        fi
    done
    fz=/sys/fs/cgroup/freezer$CG/$sub
    echo FROZEN > "$fz/freezer.state"
    trap "echo THAWED > $fz/freezer.state 2>/dev/null; cleanup_test" EXIT
    "$CONGO" --root "$ROOT" exec --cgroup "$sub" "$ID" sh -c 'echo joined' > "$T/exec.out" 2>&1 &
    local cp=$!
    wait_for grep -q . "$fz/tasks" || fail "the exec process did not reach the sub-cgroup: $(cat "$T/exec.out")"
    local jp inner
    jp=$(head -1 "$fz/tasks")
    inner=$(awk '/^NSpid:/ {print $NF}' /proc/$jp/status)
    [ -n "$inner" ] && [ "$inner" != "$jp" ] || fail "the joining process is not in the container's pid namespace"
    assert_eq "$(status_field $jp State)" "D" "frozen"
    # (The numbers of its fds can be listed, as for any root process; what
    # they are and what is behind them cannot.)
    run_congo exec "$ID" sh -c "ls -l /proc/$inner/exe; cat /proc/$inner/environ; head -c1 /proc/$inner/mem;
        ls -l /proc/$inner/fd/; for f in /proc/$inner/fd/*; do cat \$f; done; /ptrace-probe $inner;
        ls -l /proc/1/exe; /ptrace-probe 1"
    assert_contains "$ERR" "/proc/$inner/exe: cannot read link: Permission denied"
    assert_contains "$ERR" "can't open '/proc/$inner/environ': Permission denied"
    assert_contains "$ERR" "/proc/$inner/mem: Permission denied"
    assert_contains "$ERR" "/proc/$inner/fd/3: cannot read link: Permission denied"
    assert_contains "$ERR" "can't open '/proc/$inner/fd/3': Permission denied"
    assert_eq "$(echo "$OUT" | grep -c ' -> ')" 1 "links shown: $OUT"
    assert_contains "$OUT" "attach: Operation not permitted"
    assert_not_contains "$OUT" "congo"
    # ... while the same on a dumpable process works (the test can fail).
    assert_contains "$OUT" "/proc/1/exe -> /bin/busybox"
    assert_contains "$OUT" "attach: ok"
    echo THAWED > "$fz/freezer.state"
    local rc=0; wait $cp || rc=$?
    assert_eq "$rc" 0 "$(cat "$T/exec.out")"
    assert_eq "$(cat "$T/exec.out")" joined
}

test_exec_process_is_not_dumpable_until_its_execve() {
    # After the switch to the container's user and capabilities the process
    # is still congo until its execve; the capability check no longer keeps
    # the container's root away then, only non-dumpability.  strace (from
    # the host) holds it at its last check before execve for 3 s.
    start_container '.root.readonly = false'
    # (LeakSanitizer cannot run in a traced process: no leak check here in the sanitizer pass)
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -o /dev/null -e trace=getcwd -e inject=getcwd:delay_enter=3000000 \
        "$CONGO" --root "$ROOT" exec "$ID" sh -c 'echo done' > "$T/exec.out" 2>&1 &
    local sp=$! jp="" cp p
    for p in $(seq 100); do
        cp=$(cat /proc/$sp/task/$sp/children 2>/dev/null | awk '{print $1}')
        [ -n "$cp" ] && jp=$(cat /proc/$cp/task/$cp/children 2>/dev/null | awk '{print $1}')
        [ -n "$jp" ] && [ "$(awk '/^CapEff:/ {print $2}' /proc/$jp/status 2>/dev/null)" = 0000000020000420 ] && break
        jp=""; sleep 0.05
    done
    [ -n "$jp" ] || fail "did not catch the exec process after its identity switch: $(cat "$T/exec.out")"
    local inner; inner=$(awk '/^NSpid:/ {print $NF}' /proc/$jp/status)
    assert_eq "$(status_field $jp Uid)" 0
    run_congo exec "$ID" sh -c "ls -l /proc/$inner/exe; cat /proc/$inner/environ; head -c1 /proc/$inner/mem; ls -l /proc/1/exe"
    assert_contains "$ERR" "/proc/$inner/exe: cannot read link: Permission denied"
    assert_contains "$ERR" "can't open '/proc/$inner/environ': Permission denied"
    assert_contains "$ERR" "/proc/$inner/mem: Permission denied"
    assert_not_contains "$OUT" "congo"
    assert_contains "$OUT" "/proc/1/exe -> /bin/busybox"
    local rc=0; wait $sp || rc=$?
    assert_eq "$rc" 0 "$(cat "$T/exec.out")"
    assert_eq "$(cat "$T/exec.out")" done
}

test_exec_inheritable_capabilities_stay_empty() {
    # CVE-2022-29162: an inheritable (or ambient) set congo's caller has
    # must not reach the process; it gets exactly what it asks for.
    local variant
    for variant in config none; do
        if [ $variant = none ]; then
            start_container 'del(.process.capabilities)' "b-$variant"
        else
            start_container '' "b-$variant"
        fi
        RC=0
        setpriv --inh-caps=+net_raw,+sys_admin --ambient-caps=+net_raw "$CONGO" --root "$ROOT" exec "$ID" \
            grep -E '^Cap(Inh|Amb)' /proc/self/status > "$T/o" 2>&1 || RC=$?
        assert_eq "$RC" 0 "$(cat "$T/o")"
        assert_contains "$(cat "$T/o")" "CapInh:	0000000000000000" "$variant"
        assert_contains "$(cat "$T/o")" "CapAmb:	0000000000000000" "$variant"
    done
    # Asked for: exactly that.
    echo '{"args": ["grep", "CapInh", "/proc/self/status"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0},
           "capabilities": {"bounding": ["CAP_KILL", "CAP_CHOWN"], "inheritable": ["CAP_KILL"], "permitted": ["CAP_KILL"], "effective": ["CAP_KILL"]}}' > "$T/p.json"
    RC=0
    setpriv --inh-caps=+net_raw "$CONGO" --root "$ROOT" exec -p "$T/p.json" "$ID" > "$T/o" 2>&1 || RC=$?
    assert_eq "$RC" 0 "$(cat "$T/o")"
    assert_contains "$(cat "$T/o")" "CapInh:	0000000000000020"
}

test_exec_script_cannot_reach_the_host_binary() {
    # runc CVE-2019-5736: the image makes the program a script whose
    # interpreter is /proc/self/exe.  Were that congo's binary, the container
    # would hold the host's congo in /proc/PID/exe and write it once no congo
    # runs (exe_attack makes those moves).  Both ways congo protects itself
    # are tried: the exec-stub, and (CONGO_EXEC_NO_STUB, as with LSM labels)
    # congo re-executed from a sealed copy.
    local congo_copy=$T/congo-under-test mode pid result
    cp "$CONGO" "$congo_copy"
    start_container '.root.readonly = false'
    mkfifo "$B/rootfs/tmp/exe-hold"
    printf '#!/proc/self/exe --log=/tmp/exe-hold\n' > "$B/rootfs/bin/evil"
    chmod 755 "$B/rootfs/bin/evil"
    for mode in stub copy; do
        RC=0
        if [ $mode = copy ]; then
            CONGO_EXEC_NO_STUB=1 "$congo_copy" --root "$ROOT" exec "$ID" /bin/evil > "$T/o" 2>&1 &
            pid=$!
            result=$(exe_attack "$B/rootfs") || fail "$result"
            wait $pid || RC=$?
            # congo's code did run in the container, from the sealed copy.
            assert_not_contains "$result" "exe=$congo_copy" "$mode"
            assert_contains "$result" "denied" "$mode"
            assert_not_contains "$result" "writable" "$mode"
        else
            "$congo_copy" --root "$ROOT" exec "$ID" /bin/evil > "$T/o" 2>&1 || RC=$?
            # The stub ran (it refuses to be an interpreter): nothing else did.
            assert_eq "$RC" 127 "$mode: $(cat "$T/o")"
        fi
    done
    cmp -s "$CONGO" "$congo_copy" || fail "the binary changed"
}

# ---- bad input: a clear error, nothing changed ----

test_exec_into_missing_and_stopped_container() {
    run_congo exec nosuch true
    assert_failed
    assert_contains "$ERR" "does not exist"
    make_bundle
    cfg '.process.args = ["true"]'
    local id; id=$(cid 1)
    run_congo run -d -b "$B" "$id"
    assert_ok
    wait_status "$id" stopped || fail "did not stop"
    run_congo exec "$id" true
    assert_failed
    assert_contains "$ERR" "container not running"
    assert_contains "$ERR" "stopped"
    # A created container takes exec (as with runc): it stays created.
    make_bundle b2
    cfg '.process.args = ["sleep", "100"]'
    id=$(cid 2)
    run_congo create -b "$B" --pid-file "$T/c.pid" "$id"
    assert_ok
    CG=$(jq -r .linux.cgroupsPath "$B/config.json")
    run_congo exec "$id" true
    assert_ok
    assert_eq "$(cgroup_pids)" "$(cat "$T/c.pid") "
    assert_eq "$(state_status "$id")" created
}

test_exec_into_paused_container() {
    start_container
    echo FROZEN > "/sys/fs/cgroup/freezer$CG/freezer.state"
    trap "echo THAWED > /sys/fs/cgroup/freezer$CG/freezer.state 2>/dev/null; cleanup_test" EXIT
    wait_status "$ID" paused || fail "not paused"
    run_congo exec "$ID" true
    assert_failed
    assert_contains "$ERR" "paused"
    assert_contains "$ERR" "--ignore-paused"
    assert_eq "$(cgroup_pids)" "$PID "
    # --ignore-paused: it joins, and runs once the container is thawed.
    "$CONGO" --root "$ROOT" exec --ignore-paused "$ID" sh -c 'echo ran' > "$T/o" 2>&1 &
    local ep=$!
    sleep 0.3
    kill -0 $ep || fail "exec did not wait for the thaw: $(cat "$T/o")"
    echo THAWED > "/sys/fs/cgroup/freezer$CG/freezer.state"
    local rc=0; wait $ep || rc=$?
    assert_eq "$rc" 0 "$(cat "$T/o")"
    assert_eq "$(cat "$T/o")" ran
}

test_exec_bad_process_json() {
    start_container
    local before; before=$(cgroup_pids)
    echo '{"args": ["true"], "cwd": "/",' > "$T/bad1.json"
    run_congo exec -p "$T/bad1.json" "$ID"
    assert_failed
    assert_contains "$ERR" "bad1.json"
    echo '{"args": [], "cwd": "/"}' > "$T/bad2.json"
    run_congo exec -p "$T/bad2.json" "$ID"
    assert_failed
    assert_contains "$ERR" "args"
    echo '{"args": ["true"], "cwd": "relative"}' > "$T/bad3.json"
    run_congo exec -p "$T/bad3.json" "$ID"
    assert_failed
    assert_contains "$ERR" "cwd"
    echo '{"args": ["true"], "cwd": "/", "user": {"uid": "root"}}' > "$T/bad4.json"
    run_congo exec -p "$T/bad4.json" "$ID"
    assert_failed
    assert_contains "$ERR" "user.uid"
    run_congo exec -p "$T/nosuch.json" "$ID"
    assert_failed
    assert_contains "$ERR" "nosuch.json"
    echo '{"args": ["true"], "cwd": "/"}' > "$T/ok.json"
    run_congo exec -p "$T/ok.json" "$ID" true
    assert_failed
    assert_contains "$ERR" "--process"
    assert_eq "$(cgroup_pids)" "$before"
    assert_eq "$(state_status "$ID")" running
}

test_exec_bad_flags() {
    start_container
    local before; before=$(cgroup_pids)
    run_congo exec "$ID"
    assert_failed; assert_contains "$ERR" "COMMAND"
    run_congo exec
    assert_failed; assert_contains "$ERR" "container ID"
    run_congo exec -t -d "$ID" true
    assert_failed; assert_contains "$ERR" "console-socket"
    run_congo exec --console-socket "$T/s" "$ID" true
    assert_failed; assert_contains "$ERR" "--console-socket"
    run_congo exec -u root "$ID" true
    assert_failed; assert_contains "$ERR" "--user \`root\`"
    run_congo exec -u 1:x "$ID" true
    assert_failed; assert_contains "$ERR" "--user"
    run_congo exec --cap CAP_NOPE "$ID" true
    assert_failed; assert_contains "$ERR" "CAP_NOPE"
    run_congo exec -g -1 "$ID" true
    assert_failed; assert_contains "$ERR" "--additional-gids"
    run_congo exec -e NOEQUALS "$ID" true
    assert_failed; assert_contains "$ERR" "NOEQUALS"
    run_congo exec --cwd relative "$ID" true
    assert_failed; assert_contains "$ERR" "--cwd"
    run_congo exec --preserve-fds x "$ID" true
    assert_failed; assert_contains "$ERR" "--preserve-fds"
    run_congo exec --cgroup ../escape "$ID" true
    assert_failed; assert_contains "$ERR" "--cgroup"
    run_congo exec --cgroup nosuch "$ID" true
    assert_failed; assert_contains "$ERR" "nosuch"
    run_congo exec --cgroup memory:a --cgroup memory:b "$ID" true
    assert_failed; assert_contains "$ERR" "memory"
    run_congo exec --cgroup nosuchctl:a "$ID" true
    assert_failed; assert_contains "$ERR" "nosuchctl"
    run_congo exec "$ID" /nonexistent
    assert_failed; assert_contains "$ERR" "/nonexistent"
    run_congo exec "$ID" nosuchcmd
    assert_failed; assert_contains "$ERR" "executable file not found in \$PATH"
    run_congo exec "$ID" /etc/passwd
    assert_failed; assert_contains "$ERR" "ermission denied"
    run_congo exec -u 1000 --cwd /root "$ID" true
    assert_eq "$(cgroup_pids)" "$before"
}

test_exec_into_a_sub_cgroup() {
    start_container
    local d
    for d in /sys/fs/cgroup/*"$CG"; do
        mkdir "$d/sub"
        if [ -f "$d/cpuset.cpus" ]; then
            cat "$d/cpuset.cpus" > "$d/sub/cpuset.cpus"
            cat "$d/cpuset.mems" > "$d/sub/cpuset.mems"
        fi
    done
    run_congo exec -d --pid-file "$T/e.pid" --cgroup sub "$ID" sleep 100
    assert_ok
    local ep; ep=$(cat "$T/e.pid")
    assert_contains "$(cat /proc/$ep/cgroup)" "memory:$CG/sub"
    assert_contains "$(cat /proc/$ep/cgroup)" "0::$CG/sub"
    # Per controller (cgroup v1): memory in sub, the rest in the container's.
    run_congo exec -d --pid-file "$T/e2.pid" --cgroup memory:sub "$ID" sleep 100
    assert_ok
    ep=$(cat "$T/e2.pid")
    assert_contains "$(cat /proc/$ep/cgroup)" "memory:$CG/sub"
    assert_contains "$(cat /proc/$ep/cgroup)" "pids:$CG"
    assert_not_contains "$(cat /proc/$ep/cgroup)" "pids:$CG/sub"
}

run_tests "$@"
