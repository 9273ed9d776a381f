#!/bin/bash
# podman (through conmon) with congo as its OCI runtime, end to end: run, the
# image's config, -i/-t, exec, top, logs, pause, stop, kill, restart, rm,
# resources, OOM, --read-only, --privileged, and the error-to-exit-code
# contract.  Asserted from inside the container and from the host.
#
# Isolation: podman keeps everything under one directory of this file ($PW:
# --root, --runroot, --tmpdir, network config, events in a file, TMPDIR), with
# the cgroupfs manager, --network none and every container under our own
# cgroup parent (/congo-test-podman-PID).  podman is configured by a copy of
# contrib/podman/containers.conf pointing at the built congo.  podman does not
# pass --root to the runtime, and conmon's exit command (`podman container
# cleanup` -> `congo delete --force`) would not carry --runtime-flag anyway:
# congo's state is in /run/congo, and the file checks at the end that none of
# its containers is left there (nor processes, mounts or cgroups).
#
# The image: tests/image/mkimage.py `client` (busybox, Cmd, Env FOO=bar,
# WorkingDir /data, User tester), built once, pulled once from the OCI layout.

# conmon double-forks: its orphans need a subreaper (tests/run-tests.sh runs
# everything under one; when this file is run alone, it provides its own).
if [ -z "${CONGO_UNDER_SUBREAPER:-}" ]; then
    _sr=${TOP_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/helpers/subreaper
    if [ -x "$_sr" ]; then
        export CONGO_UNDER_SUBREAPER=1
        exec "$_sr" bash "$0" "$@"
    fi
fi
CONGO_TEST_CGROUP=congo-test-podman-$$
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
PW=$(mktemp -d /tmp/congo-podman.XXXXXX)
PM_PARENT=/$CONGO_TEST_CGROUP
PM_IMAGE=localhost/congo-test:client
PM_SETUP_FAILED=""
PM_SKIP=""
export CONTAINERS_CONF=$PW/containers.conf

# podman on this file's private store.
pm() {
    TMPDIR=$PW/tmp podman --root "$PW/root" --runroot "$PW/runroot" --tmpdir "$PW/libpod" \
        --network-config-dir "$PW/net" --events-backend file --cgroup-manager cgroupfs \
        --storage-driver overlay "$@"
}
# pm_run ARGS: `podman run` with our network and cgroup settings.
pm_run() { pm run --network none --cgroup-parent "$PM_PARENT" "$@"; }
# run_pm ARGS: like run_cmd ($OUT $ERR $RC), stdin from /dev/null.
run_pm() { run_cmd pm "$@"; }
# PID of the container's init as the host sees it.
pm_pid() { pm inspect -f '{{.State.Pid}}' "$1"; }
pm_id() { pm inspect -f '{{.Id}}' "$1"; }
# pm_wait_log NAME TEXT: wait (5 s) for TEXT in the container's log.
pm_wait_log() {
    local i
    for i in $(seq 50); do pm logs "$1" 2>&1 | grep -q -- "$2" && return 0; sleep 0.1; done
    fail "no '$2' in the log of $1: $(pm logs "$1" 2>&1)"
}
# The host path of controller $2's cgroup of process $1.
host_cgroup() { echo "/sys/fs/cgroup/$2$(awk -F: -v c="$2" '$2 == c { print $3 }' "/proc/$1/cgroup")"; }
# Processes running with our directory on their command line: conmon, the
# `podman container cleanup` it runs, a podman still at work.  All ours.
pm_pids() {
    local p c
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [ "$p" = $$ ] || [ "$p" = "$BASHPID" ] && continue
        c=$(tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline") || continue
        case $c in *"$PW/"*) echo "$p" ;; esac
    done
}
# Wait (up to 10 s) for them to finish; kill what is left, by PID.  Prints the
# PIDs it had to kill.
pm_wait_quiet() {
    local i p left
    for i in $(seq 100); do
        left=$(pm_pids)
        [ -z "$left" ] && return 0
        sleep 0.1
    done
    for p in $left; do kill -KILL "$p" 2>/dev/null && echo "$p"; done
    return 0
}

# Shared setup, once per file.
pm_setup() {
    local c
    for c in podman conmon; do
        command -v $c >/dev/null || { PM_SKIP="$c is not installed (see contrib/debian-test-packages.txt)"; return 0; }
    done
    mkdir -p "$PW/tmp" "$PW/net" || { PM_SETUP_FAILED="cannot make $PW/tmp"; return 1; }
    $PY "$TESTS_DIR/image/mkimage.py" --busybox "$BUSYBOX" client "$PW/layout" >&2 ||
        { PM_SETUP_FAILED="mkimage.py client failed"; return 1; }
    # The shipped containers.conf, with the built congo and this host's ulimits.
    sed -e "s|^congo = \\[.*\\]|congo = [\"$CONGO\"]|" -e 's|^# *default_ulimits = |default_ulimits = |' \
        "$TOP_SRCDIR/contrib/podman/containers.conf" > "$CONTAINERS_CONF"
    grep -qx "congo = \[\"$CONGO\"\]" "$CONTAINERS_CONF" &&
        grep -q '^default_ulimits = ' "$CONTAINERS_CONF" &&
        grep -q '^runtime_supports_json = .*"congo"' "$CONTAINERS_CONF" ||
        { PM_SETUP_FAILED="contrib/podman/containers.conf lacks the congo runtime, runtime_supports_json with congo or the default_ulimits line"; return 1; }
    # podman pull updates the root-wide blob-info cache in /var/lib/containers:
    # pull in a private mount namespace with a throw-away /var/lib.  (A
    # relative layout path: podman names the image after it, in lower case.)
    local out
    out=$(cd "$PW" && unshare -m --propagation private bash -c 'mount -t tmpfs tmpfs /var/lib && "$@"' _ \
          env TMPDIR="$PW/tmp" podman --root "$PW/root" --runroot "$PW/runroot" --tmpdir "$PW/libpod" \
          --network-config-dir "$PW/net" --events-backend file --cgroup-manager cgroupfs --storage-driver overlay \
          pull -q oci:layout:client 2>&1) || { PM_SETUP_FAILED="podman pull failed: $out"; return 1; }
    pm tag "$(echo "$out" | tail -1)" "$PM_IMAGE" >&2 || { PM_SETUP_FAILED="podman tag failed"; return 1; }
}

need_podman() {
    [ -z "$PM_SKIP" ] || skip "$PM_SKIP"
    [ -z "$PM_SETUP_FAILED" ] || fail "shared setup failed: $PM_SETUP_FAILED"
}

# After each test: remove its containers, let conmon and its cleanup finish.
pm_test_cleanup() {
    [ -d "$PW/root" ] || return 0
    pm rm -af -t 0 >/dev/null 2>&1 || true
    pm_wait_quiet >/dev/null
}
eval "lib_cleanup_test() $(declare -f cleanup_test | sed 1d)"
cleanup_test() { pm_test_cleanup; lib_cleanup_test; }

# pm_assert_gone ID...: podman removed these containers and nothing of them
# is left: congo state, cgroups, mounts, conmon.
pm_assert_gone() {
    local id
    pm_wait_quiet >/dev/null
    for id in "$@"; do
        if [ -n "$(pm ps -aq --no-trunc --filter id="$id")" ]; then fail "podman still has container $id"; fi
        if [ -e "/run/congo/$id" ]; then fail "congo state left in /run/congo/$id"; fi
        if ls -d /sys/fs/cgroup/*/"$CONGO_TEST_CGROUP/libpod-$id" >/dev/null 2>&1; then fail "cgroup of $id left"; fi
        if grep -q "$id" /proc/self/mountinfo; then fail "mounts of $id left: $(grep "$id" /proc/self/mountinfo)"; fi
    done
}

# ---- run ----------------------------------------------------------------

test_run_echo_hello() {
    need_podman
    run_pm info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}'
    assert_ok
    assert_eq "$OUT" "congo $CONGO" "podman uses the built congo"
    run_cmd pm_run --rm --name hello "$PM_IMAGE" echo hello
    assert_ok
    assert_eq "$OUT" "hello"
    # The container ran under congo, was removed, and left nothing.
    local id
    id=$(jq -r 'select(.Type == "container" and .Name == "hello" and .Status == "create") | .ID' \
        "$PW/libpod/events/events.log" | tail -1)
    [ -n "$id" ] || fail "no create event for the container in podman's events file"
    pm_assert_gone "$id"
}

test_image_config_default_cmd_user_workdir_env() {
    need_podman
    run_cmd pm_run --rm "$PM_IMAGE"
    assert_ok
    assert_eq "$OUT" "hello from the image" "the image's Cmd"
    run_cmd pm_run --rm "$PM_IMAGE" sh -c 'id -u; id -g; id -G; pwd; echo "$FOO"'
    assert_ok
    assert_eq "$OUT" "$(printf '1000\n1000\n1000 2000 2001\n/data\nbar')" "User tester, its groups, WorkingDir, Env"
    # From the host: the process's credentials and environment.
    pm_run -d --name cfg "$PM_IMAGE" sleep 100 >/dev/null
    local pid; pid=$(pm_pid cfg)
    [ "$pid" -gt 0 ] || fail "no pid"
    assert_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 1000
    assert_eq "$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")" 1000
    tr '\0' '\n' < "/proc/$pid/environ" | grep -qx FOO=bar || fail "FOO=bar not in the environment of $pid"
    assert_eq "$(readlink "/proc/$pid/cwd" | sed 's|.*/||')" data
    # The host sees the container in its own namespaces and our cgroup parent.
    assert_ne "$(readlink /proc/$pid/ns/pid)" "$(readlink /proc/self/ns/pid)"
    assert_ne "$(readlink /proc/$pid/ns/mnt)" "$(readlink /proc/self/ns/mnt)"
    assert_ne "$(readlink /proc/$pid/ns/net)" "$(readlink /proc/self/ns/net)" "--network none: a network namespace of its own"
    assert_contains "$(grep ':memory:' /proc/$pid/cgroup)" ":memory:$PM_PARENT/libpod-$(pm_id cfg)"
    # congo's state of podman's container (default state root: podman passes none).
    run_cmd "$CONGO" state "$(pm_id cfg)"
    assert_ok
    assert_eq "$(echo "$OUT" | jq -r .status)" running
    assert_eq "$(echo "$OUT" | jq -r .pid)" "$pid"
}

test_stdin_piped() {
    need_podman
    local out
    out=$(printf 'abc\ndef\n' | pm_run --rm -i "$PM_IMAGE" sh -c 'read x; echo "got:$x"; [ -t 0 ] || echo no-tty; wc -l') ||
        fail "podman run -i failed: $out"
    assert_eq "$out" "$(printf 'got:abc\nno-tty\n1')" "stdin reaches the container, then EOF"
    # Without -i the container's stdin is empty.
    out=$(echo ignored | pm_run --rm "$PM_IMAGE" wc -c)
    assert_eq "$out" 0
}

# A terminal for podman itself: script(1) runs it on a fresh pty.
pm_in_pty() {
    local cmd="CONTAINERS_CONF=$CONTAINERS_CONF TMPDIR=$PW/tmp podman --root $PW/root --runroot $PW/runroot"
    cmd="$cmd --tmpdir $PW/libpod --network-config-dir $PW/net --events-backend file --cgroup-manager cgroupfs"
    cmd="$cmd --storage-driver overlay $1"
    script -qec "$cmd" /dev/null
}

test_tty() {
    need_podman
    command -v script >/dev/null || skip "script(1) is not installed (bsdutils)"
    local out rc=0
    pm_in_pty "run --rm -t --network none --cgroup-parent $PM_PARENT $PM_IMAGE sh -c 'busybox tty; [ -t 0 ] && echo in-tty; [ -t 1 ] && echo out-tty'" \
        </dev/null >"$T/tty.out" 2>&1 || rc=$?
    out=$(tr -d '\r' < "$T/tty.out")
    assert_eq "$rc" 0 "podman run -t: $out"
    assert_contains "$out" "/dev/pts/0"
    assert_contains "$out" "in-tty"
    assert_contains "$out" "out-tty"
    # -it: an interactive shell reads what we type; its exit status comes back.
    { sleep 1; printf 'echo typed-$((40+2))\n'; sleep 0.5; printf 'exit 5\n'; sleep 0.5; } |
        pm_in_pty "run --rm -it --network none --cgroup-parent $PM_PARENT $PM_IMAGE sh" >"$T/tty.out" 2>&1 || rc=$?
    out=$(tr -d '\r' < "$T/tty.out")
    assert_contains "$out" "typed-42"
    assert_eq "$rc" 5 "exit status of the interactive shell: $out"
}

# ---- exec ---------------------------------------------------------------

test_exec() {
    need_podman
    pm_run -d --name ex "$PM_IMAGE" sleep 100 >/dev/null
    run_pm exec ex sh -c 'id -u; pwd; echo "$FOO"'
    assert_ok
    assert_eq "$OUT" "$(printf '1000\n/data\nbar')" "exec inherits the image's user, workdir and env"
    run_pm exec -u root -e X=1 -e FOO=baz -w /tmp ex sh -c 'id -u; pwd; echo "$X $FOO"'
    assert_ok
    assert_eq "$OUT" "$(printf '0\n/tmp\n1 baz')"
    run_pm exec -u 4242:4243 ex sh -c 'id -u; id -g'
    assert_ok
    assert_eq "$OUT" "$(printf '4242\n4243')"
    # Exit codes.
    run_pm exec ex sh -c 'exit 7'
    assert_rc 7
    run_pm exec ex sh -c 'kill -9 $$'
    assert_rc 137
    # A detached exec: the host sees it in the container's namespaces and cgroup.
    run_pm exec -d ex sleep 77
    assert_ok
    local init hpid
    init=$(pm_pid ex)
    hpid=$(pm top ex hpid args | awk '$2 == "sleep" && $3 == "77" { print $1 }')
    [ -n "$hpid" ] && [ "$hpid" -gt 0 ] || fail "podman top does not show the exec'd process: $(pm top ex hpid args)"
    local ns
    for ns in pid mnt uts ipc net; do
        assert_eq "$(readlink /proc/$hpid/ns/$ns)" "$(readlink /proc/$init/ns/$ns)" "exec'd process in the container's $ns namespace"
    done
    assert_eq "$(grep ':memory:' /proc/$hpid/cgroup)" "$(grep ':memory:' /proc/$init/cgroup)"
}

test_exec_tty() {
    need_podman
    command -v script >/dev/null || skip "script(1) is not installed (bsdutils)"
    pm_run -d --name ext "$PM_IMAGE" sleep 100 >/dev/null
    local out
    out=$(pm_in_pty "exec -t ext sh -c 'busybox tty; [ -t 0 ] && echo in-tty; exit 3'" </dev/null | tr -d '\r')
    assert_contains "$out" "/dev/pts/"
    assert_contains "$out" "in-tty"
    run_pm exec ext sh -c '[ -t 0 ] || echo no-tty'
    assert_eq "$OUT" no-tty
    # exit status through -t too
    local rc=0
    pm_in_pty "exec -t ext sh -c 'exit 3'" </dev/null >/dev/null || rc=$?
    assert_eq "$rc" 3
}

# ---- ps, top, logs ---------------------------------------------------------

test_ps_top_logs() {
    need_podman
    pm_run -d --name pt "$PM_IMAGE" sh -c 'echo to-stdout; echo to-stderr >&2; exec sleep 100' >/dev/null
    local pid id; pid=$(pm_pid pt); id=$(pm_id pt)
    run_pm ps --format '{{.ID}} {{.Names}} {{.Status}}' --filter name=pt
    assert_ok
    assert_contains "$OUT" "${id:0:12} pt Up"
    run_pm top pt pid user args hpid
    assert_ok
    assert_contains "$OUT" "tester"
    assert_contains "$OUT" "sleep 100"
    assert_eq "$(echo "$OUT" | awk '$1 == 1 { print $NF }')" "$pid" "podman top's host PID of the container's PID 1"
    # congo ps (what a runtime user would run) agrees.
    run_cmd "$CONGO" ps --format json "$id"
    assert_ok
    assert_eq "$(echo "$OUT" | jq -c .)" "[$pid]"
    pm_wait_log pt to-stdout
    pm_wait_log pt to-stderr
    run_pm logs pt
    assert_eq "$OUT" "to-stdout"
    assert_eq "$ERR" "to-stderr"
}

# ---- pause, stop, kill, restart, rm --------------------------------------------------

test_pause_unpause() {
    need_podman
    pm_run -d --name pz "$PM_IMAGE" sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/tick; sleep 0.05; done' >/dev/null
    local pid id fz; pid=$(pm_pid pz); id=$(pm_id pz)
    fz=$(host_cgroup "$pid" freezer)/freezer.state
    assert_eq "$(cat "$fz")" THAWED
    run_pm pause pz
    assert_ok
    assert_eq "$(pm inspect -f '{{.State.Status}} {{.State.Paused}}' pz)" "paused true"
    assert_eq "$(cat "$fz")" FROZEN "the freezer of the container's cgroup, from the host"
    assert_eq "$($CONGO state "$id" | jq -r .status)" paused
    # Frozen: the loop makes no progress.
    local t1 t2
    t1=$(cat "/proc/$pid/root/tmp/tick"); sleep 0.3; t2=$(cat "/proc/$pid/root/tmp/tick")
    assert_eq "$t2" "$t1" "a frozen container still ran"
    run_pm unpause pz
    assert_ok
    assert_eq "$(pm inspect -f '{{.State.Status}} {{.State.Paused}}' pz)" "running false"
    assert_eq "$(cat "$fz")" THAWED
    assert_eq "$($CONGO state "$id" | jq -r .status)" running
    wait_for sh -c "[ \"\$(cat /proc/$pid/root/tmp/tick)\" != $t1 ]" || fail "the thawed container does not run"
}

test_stop_term_then_kill() {
    need_podman
    # A process that exits on SIGTERM: stop is quick and clean.
    pm_run -d --name st1 --stop-signal TERM "$PM_IMAGE" \
        sh -c 'trap "echo got-TERM; exit 0" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null
    pm_wait_log st1 ready
    local t0=$SECONDS
    run_pm stop -t 10 st1
    assert_ok
    [ $((SECONDS - t0)) -lt 5 ] || fail "stop of a TERM-handling container took $((SECONDS - t0)) s"
    assert_eq "$(pm inspect -f '{{.State.Status}} {{.State.ExitCode}}' st1)" "exited 0"
    assert_contains "$(pm logs st1)" "got-TERM"
    # A process that ignores SIGTERM: SIGKILL after --time.
    pm_run -d --name st2 --stop-signal TERM "$PM_IMAGE" sh -c 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null
    local pid; pid=$(pm_pid st2)
    t0=$(date +%s%N)
    run_pm stop --time 1 st2
    assert_ok
    local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ "$ms" -ge 1000 ] || fail "SIGKILL came after $ms ms, before --time 1"
    [ "$ms" -lt 8000 ] || fail "stop --time 1 took $ms ms"
    assert_eq "$(pm inspect -f '{{.State.Status}} {{.State.ExitCode}}' st2)" "exited 137"
    [ ! -d "/proc/$pid" ] || [ "$(awk '/^State:/ { print $2 }' /proc/$pid/status)" = Z ] || fail "init $pid still alive"
    # Stopped containers: congo's state is gone (conmon's cleanup deleted it).
    wait_for test ! -e "/run/congo/$(pm_id st2)" || fail "congo state of a stopped container not deleted"
}

test_kill() {
    need_podman
    pm_run -d --name k1 "$PM_IMAGE" sh -c 'trap "echo got-USR1" USR1; trap "echo got-HUP" HUP; echo ready; while :; do sleep 0.1; done' >/dev/null
    local id; id=$(pm_id k1)
    pm_wait_log k1 ready
    run_pm kill -s USR1 k1
    assert_ok
    run_pm kill -s 1 k1
    assert_ok
    pm_wait_log k1 got-HUP
    assert_contains "$(pm logs k1)" "got-USR1"
    assert_eq "$(pm inspect -f '{{.State.Status}}' k1)" running "a handled signal does not stop it"
    run_pm kill k1
    assert_ok
    run_pm wait k1
    assert_eq "$OUT" 137 "SIGKILL by default"
}

test_restart() {
    need_podman
    pm_run -d --name rs "$PM_IMAGE" sh -c 'echo start >> /data/starts; exec sleep 100' >/dev/null
    local pid1 pid2
    pid1=$(pm_pid rs)
    run_pm restart -t 0 rs
    assert_ok
    pid2=$(pm_pid rs)
    assert_ne "$pid2" "$pid1" "a new init"
    assert_ne "$pid2" 0
    assert_eq "$(pm inspect -f '{{.State.Status}}' rs)" running
    # The same container (same writable layer), started twice.
    run_pm exec rs wc -l /data/starts
    assert_eq "${OUT%% *}" 2
    [ ! -d "/proc/$pid1" ] || [ "$(awk '/^State:/ { print $2 }' /proc/$pid1/status)" = Z ] || fail "the old init $pid1 is alive"
    assert_eq "$($CONGO state "$(pm_id rs)" | jq -r .pid)" "$pid2"
}

test_rm() {
    need_podman
    pm_run -d --name rm1 "$PM_IMAGE" true >/dev/null
    pm_run -d --name rm2 "$PM_IMAGE" sleep 100 >/dev/null
    local id1 id2 pid2; id1=$(pm_id rm1); id2=$(pm_id rm2); pid2=$(pm_pid rm2)
    run_pm wait rm1
    assert_eq "$OUT" 0
    run_pm rm rm1
    assert_ok
    # A running container needs --force.
    run_pm rm rm2
    assert_failed
    assert_contains "$ERR" "running"
    run_pm rm -f -t 0 rm2
    assert_ok
    pm_assert_gone "$id1" "$id2"
    [ ! -d "/proc/$pid2" ] || [ "$(awk '/^State:/ { print $2 }' /proc/$pid2/status)" = Z ] || fail "init $pid2 survived rm -f"
}

# ---- resources ----------------------------------------------------------------

test_resources_memory_pids_cpus() {
    need_podman
    pm_run -d --name res -m 64m --pids-limit 50 --cpus 0.5 "$PM_IMAGE" sleep 100 >/dev/null
    local pid; pid=$(pm_pid res)
    # Inside: the container's own memory cgroup is its /sys/fs/cgroup/memory.
    run_pm exec res cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
    assert_ok
    assert_eq "$OUT" "$(printf '67108864\n50')"
    # From the host, in the cgroups of the container's init.
    assert_eq "$(cat "$(host_cgroup "$pid" memory)/memory.limit_in_bytes")" 67108864
    assert_eq "$(cat "$(host_cgroup "$pid" pids)/pids.max")" 50
    assert_eq "$(cat "$(host_cgroup "$pid" cpu)/cpu.cfs_quota_us")" 50000
    assert_eq "$(cat "$(host_cgroup "$pid" cpu)/cpu.cfs_period_us")" 100000
    assert_contains "$(host_cgroup "$pid" pids)" "$PM_PARENT/libpod-"
    # The pids limit holds.
    run_cmd pm_run --rm --pids-limit 5 "$PM_IMAGE" sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait'
    assert_contains "$ERR$OUT" "can't fork"
}

test_oom_kill_exits_137() {
    need_podman
    run_cmd pm_run --name oom -m 32m --memory-swap 32m "$PM_IMAGE" sh -c 'x=a; while :; do x=$x$x$x$x; done'
    assert_rc 137
    assert_eq "$(pm inspect -f '{{.State.ExitCode}}' oom)" 137
    # It was the OOM killer: a child hogging memory is killed and the cgroup's
    # oom_kill count, as the container sees it, says so.
    run_cmd pm_run --rm -m 32m --memory-swap 32m "$PM_IMAGE" \
        sh -c 'sh -c "x=a; while :; do x=\$x\$x\$x\$x; done"; echo "child=$?"; grep oom_kill /sys/fs/cgroup/memory/memory.oom_control'
    assert_ok
    assert_contains "$OUT" "child=137"
    case $OUT in *"oom_kill "[1-9]*) ;; *) fail "no OOM kill counted in the container's memory cgroup: $OUT" ;; esac
}

# ---- security options ----------------------------------------------------------

test_read_only() {
    need_podman
    pm_run -d --name ro --read-only "$PM_IMAGE" sleep 100 >/dev/null
    local pid; pid=$(pm_pid ro)
    run_pm exec ro sh -c 'touch /data/x; echo "rc=$?"; touch /tmp/y && echo tmp-ok'
    assert_contains "$ERR" "Read-only file system"
    assert_eq "$OUT" "$(printf 'rc=1\ntmp-ok')"
    # From the host: the container's root mount is read-only.
    assert_eq "$(awk '$5 == "/" { print $6 }' "/proc/$pid/mountinfo" | cut -d, -f1)" ro
    run_cmd pm_run --rm "$PM_IMAGE" sh -c 'touch /data/x && echo rw-ok'
    assert_eq "$OUT" rw-ok "without --read-only the root is writable"
}

test_privileged() {
    need_podman
    local bnd; bnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
    pm_run -d --name pv --privileged -u root "$PM_IMAGE" sleep 100 >/dev/null
    pm_run -d --name np -u root "$PM_IMAGE" sleep 100 >/dev/null
    local ppv pnp; ppv=$(pm_pid pv); pnp=$(pm_pid np)
    # From the host: all our capabilities, no seccomp filter.
    assert_eq "$(awk '/^CapEff:/ { print $2 }' /proc/$ppv/status)" "$bnd" "privileged: every capability of the host's bounding set"
    assert_eq "$(awk '/^Seccomp:/ { print $2 }' /proc/$ppv/status)" 0
    assert_ne "$(awk '/^CapEff:/ { print $2 }' /proc/$pnp/status)" "$bnd"
    assert_eq "$(awk '/^Seccomp:/ { print $2 }' /proc/$pnp/status)" 2 "default: seccomp filter"
    # From inside: sysfs writable and the host's devices.
    run_pm exec pv sh -c 'grep " /sys " /proc/self/mountinfo | cut -d" " -f6 | cut -d, -f1; ls /dev | wc -l'
    assert_eq "$(echo "$OUT" | head -1)" rw
    [ "$(echo "$OUT" | tail -1)" -gt 30 ] || fail "privileged /dev has only $(echo "$OUT" | tail -1) entries"
    run_pm exec np sh -c 'grep " /sys " /proc/self/mountinfo | cut -d" " -f6 | cut -d, -f1; ls /dev | wc -l'
    assert_eq "$(echo "$OUT" | head -1)" ro
    [ "$(echo "$OUT" | tail -1)" -lt 30 ] || fail "unprivileged /dev has $(echo "$OUT" | tail -1) entries"
}

# ---- errors ---------------------------------------------------------------------------

test_error_exit_codes() {
    need_podman
    run_cmd pm_run --rm "$PM_IMAGE" nosuchcommand
    assert_rc 127
    assert_contains "$ERR" 'executable file not found in $PATH'
    run_cmd pm_run --rm "$PM_IMAGE" /data/notexec
    assert_rc 126
    assert_contains "$ERR" 'exec: "/data/notexec": permission denied'
    # An absolute path that is not there: 127 too.
    run_cmd pm_run --rm "$PM_IMAGE" /data/nosuch
    assert_rc 127
    assert_contains "$ERR" 'exec: "/data/nosuch": stat /data/nosuch: no such file or directory'
    run_cmd pm_run --rm "$PM_IMAGE" sh -c 'exit 42'
    assert_rc 42
    # No noise from the cleanup after a failed create (delete --force of a
    # container create already removed).
    run_cmd pm_run --rm "$PM_IMAGE" nosuchcommand
    assert_not_contains "$ERR" "does not exist"
    assert_not_contains "$ERR" "level=error"
    # The same through exec.
    pm_run -d --name er "$PM_IMAGE" sleep 100 >/dev/null
    run_pm exec er nosuchcommand
    assert_rc 127
    assert_contains "$ERR" 'executable file not found in $PATH'
    run_pm exec er /data/notexec
    assert_rc 126
    assert_contains "$ERR" 'exec: "/data/notexec": permission denied'
}

test_json_error_log() {
    need_podman
    run_cmd pm_run --name js "$PM_IMAGE" nosuchcommand
    assert_rc 127
    local id log; id=$(pm_id js)
    log=$PW/runroot/overlay-containers/$id/userdata/oci-log
    [ -s "$log" ] || fail "podman gave congo no --log file (runtime_supports_json?)"
    # Exactly one JSON record, which podman parsed: its message is shown once,
    # prefixed by the runtime name only (the text of stderr would carry
    # congo's own "congo: " prefix as well).
    assert_eq "$(jq -s length "$log")" 1 "records in $log"
    assert_eq "$(jq -r .level "$log")" error
    local msg; msg=$(jq -r .msg "$log")
    assert_contains "$msg" 'exec: "nosuchcommand": executable file not found in $PATH'
    assert_contains "$ERR" "Error: congo: $msg"
    assert_not_contains "$ERR" "congo: congo:"
}

pm_teardown() {
    local leaks="" id p m d killed
    trap - EXIT
    if [ -d "$PW/root" ] && [ -z "$PM_SKIP" ]; then
        pm rm -af -t 0 >/dev/null 2>&1
    fi
    killed=$(pm_wait_quiet)
    [ -z "$killed" ] || leaks="$leaks processes($killed)"
    # Every container this file made, from podman's events: no congo state left.
    if [ -f "$PW/libpod/events/events.log" ]; then
        for id in $(jq -r 'select(.Type == "container" and .Status == "create") | .ID' "$PW/libpod/events/events.log" 2>/dev/null | sort -u); do
            if [ -e "/run/congo/$id" ]; then
                leaks="$leaks /run/congo/$id"
                "$CONGO" delete --force "$id" >/dev/null 2>&1 || true
            fi
        done
    fi
    # Mounts under $PW: the overlay driver's own bind mount of its home is
    # expected; anything else (a container's rootfs, shm) is a leak.
    for m in $(awk -v t="$PW/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        [ "$m" = "$PW/root/overlay" ] || leaks="$leaks mount:$m"
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    # Our cgroup parent: conmon's cgroup is expected, a container's is a leak.
    for d in /sys/fs/cgroup/*/"$CONGO_TEST_CGROUP"; do
        [ -d "$d" ] || continue
        for p in "$d"/libpod-*; do [ -d "$p" ] && leaks="$leaks cgroup:$p"; done
        find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
        [ ! -d "$d" ] && continue
        leaks="$leaks cgroup-not-removable:$d"
    done
    rm -rf "$PW"
    [ ! -e "$PW" ] || leaks="$leaks $PW"
    if [ -n "$PM_SKIP" ]; then
        return 0
    elif [ -z "$leaks" ]; then
        record ok teardown_leaves_nothing
    else
        record FAIL teardown_leaves_nothing
        echo "    left behind:$leaks"
    fi
}
trap pm_teardown EXIT

pm_setup || echo "setup: $PM_SETUP_FAILED" >&2
run_tests "$@"
