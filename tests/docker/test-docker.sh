#!/bin/bash
# docker (Debian's docker.io 20.10: dockerd, its containerd 1.6 and the
# io.containerd.runc.v2 shim) with congo as its default runtime, configured by
# a copy of contrib/docker/daemon.json pointing at the built congo.  Each test
# asserts what the container shows from inside and what the host sees.
#
# Isolation: one private dockerd for the whole file, everything under
# $DW: --data-root, --exec-root (the containerd it starts, its sockets, the
# shim's congo state root $DK_EXEC/runtime-runc/moby), the API socket, the
# pid file.  It runs in a mount namespace of its own with a private /run
# (containerd 1.6 hard-codes /run/containerd/s for shim sockets, and the
# private /run hides any system containerd, whose socket dockerd would use)
# and a private /etc/docker (dockerd 20.10 writes its key.json there).  No
# bridge, no iptables, no IP forwarding; containers run with --network none
# (one test uses --network host, one the default network mode), the cgroupfs
# driver, every container under our own cgroup parent /$DK_CG.  The client is
# always /usr/bin/docker (a newer client may come first on PATH) with its own
# config directory.  test_zz_teardown stops everything by PID and checks that
# nothing is left on the host; the EXIT trap does the same teardown when that
# test did not run.
#
# The image: tests/image/mkimage.py `client` (busybox, Cmd, Env FOO=bar,
# WorkingDir /data, User tester (1000), StopSignal SIGINT), turned into a
# `docker save` archive by skopeo and loaded with `docker load`.

# dockerd's containerd and shims double-fork: their orphans need a subreaper
# (tests/run-tests.sh runs everything under one; run alone, this file provides
# its own).
if [ -z "${CONGO_UNDER_SUBREAPER:-}" ]; then
    _sr=${TOP_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/helpers/subreaper
    if [ -x "$_sr" ]; then
        export CONGO_UNDER_SUBREAPER=1
        exec "$_sr" bash "$0" "$@"
    fi
fi
. "$(dirname "$0")/../lib.sh"

DOCKER=/usr/bin/docker
DOCKERD=/usr/sbin/dockerd
PY=/usr/bin/python3
DW=$(mktemp -d /tmp/congo-docker.XXXXXX)
DK_SOCK=$DW/docker.sock
DK_EXEC=$DW/exec
DK_DATA=$DW/data
DK_ROOT=$DK_EXEC/runtime-runc/moby     # the --root the shim gives congo
DK_CTRD_SOCK=$DK_EXEC/containerd/containerd.sock
DK_CG=congo-test-docker-$$
DK_PID=""
DK_MNTNS=""
DK_SETUP_FAILED=""
DK_MISSING=""
IMAGE=congo.test/busybox:client
# What dockerd, its containerd or congo would make on the host by default:
# none may appear (those that exist already are left alone).
HOST_PATHS="/var/lib/docker /var/lib/containerd /run/docker /run/docker.sock /run/containerd /etc/docker/key.json"
HOST_PATHS_BEFORE=$(for p in $HOST_PATHS; do [ -e "$p" ] && echo "$p"; done)
# The host's veth and bridge interfaces (dockerd must make none).
host_links() { ip -o link show type veth; ip -o link show type bridge; } 2>/dev/null
HOST_LINKS_BEFORE=$(host_links | awk -F': ' '{ print $2 }' | sort)

setup_failed() { DK_SETUP_FAILED="${DK_SETUP_FAILED:+$DK_SETUP_FAILED; }$*"; echo "setup: $*" >&2; return 1; }

# dk ARGS...: the docker client on our daemon.
dk() { DOCKER_CONFIG=$DW/client "$DOCKER" -H "unix://$DK_SOCK" "$@"; }
# dk_timeout SECONDS ARGS...: the same, given SECONDS.
dk_timeout() { local t=$1; shift; DOCKER_CONFIG=$DW/client timeout "$t" "$DOCKER" -H "unix://$DK_SOCK" "$@"; }
# dk_run ARGS...: docker run, without a network.
dk_run() { dk run --network none "$@"; }
# dk_tty CMD: a docker command line run by script(1) on a fresh pty (for -t);
# its output without carriage returns in $OUT, its exit status in $RC.
dk_tty() {
    RC=0
    script -qec "DOCKER_CONFIG=$DW/client $DOCKER -H unix://$DK_SOCK $1" /dev/null > "$T/.out" 2>&1 < /dev/null || RC=$?
    OUT=$(tr -d '\r' < "$T/.out"); ERR=""
}
dk_id() { dk inspect -f '{{.Id}}' "$1"; }
dk_pid() { dk inspect -f '{{.State.Pid}}' "$1"; }
dk_state() { dk inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$1"; }
# cg ID CONTROLLER: the host directory of container ID's cgroup.
cg() { echo "/sys/fs/cgroup/$2/$DK_CG/$1"; }
# congo's view of a container, in the state root the shim gave it.
congo_state() { "$CONGO" --root "$DK_ROOT" state "$1"; }
# A name for container N of this test.
cn() { echo "${TEST_NAME#test_}-${1:-0}"; }
# dk_wait_state NAME STATUS: poll (10 s) until docker shows STATUS.
dk_wait_state() {
    local i
    for i in $(seq 100); do [ "$(dk inspect -f '{{.State.Status}}' "$1" 2>/dev/null)" = "$2" ] && return 0; sleep 0.1; done
    fail "$1: expected status $2, got '$(dk inspect -f '{{.State.Status}}' "$1" 2>&1)'"
}
# dk_wait_log NAME TEXT: poll (10 s) for TEXT in the container's log.
dk_wait_log() {
    local i
    for i in $(seq 100); do dk logs "$1" 2>&1 | grep -q -- "$2" && return 0; sleep 0.1; done
    fail "no '$2' in the log of $1: $(dk logs "$1" 2>&1)"
}

# PIDs (one per line) of the processes with ARG as one of their arguments
# (the pattern from a file: grep's own command line must not match).
pids_with_arg() {
    grep -lsxzF -f <(printf '%s\n' "$1") /proc/[0-9]*/cmdline 2>/dev/null | sed 's|^/proc/||; s|/cmdline$||'
    return 0
}
# Our shims: started with our containerd's address.
shim_pids() { pids_with_arg "$DK_CTRD_SOCK"; }
# Processes in our cgroups (the containers).
cgroup_pids() { find /sys/fs/cgroup/pids/"$DK_CG" -name cgroup.procs -exec cat {} + 2>/dev/null; return 0; }
# Processes in dockerd's mount namespace (dockerd, containerd, shims).
mntns_pids() {
    [ -n "$DK_MNTNS" ] || return 0
    ls -l /proc/[0-9]*/ns/mnt 2>/dev/null | awk -v ns="$DK_MNTNS" '$NF == ns { split($(NF-2), p, "/"); print p[3] }'
    return 0
}
# Our dockerd is still the process we started (not a reused PID).
dk_alive() {
    [ -n "$DK_PID" ] && kill -0 "$DK_PID" 2>/dev/null &&
        [ "$(readlink "/proc/$DK_PID/ns/mnt" 2>/dev/null)" = "$DK_MNTNS" ]
}

dk_teardown() {
    local p i left
    set +e
    if dk_alive; then
        left=$(dk_timeout 20 ps -aq 2>/dev/null)
        [ -z "$left" ] || dk_timeout 60 rm -f $left >/dev/null 2>&1
        # dockerd stops its containerd on SIGTERM; the shims of removed
        # containers exit by themselves.
        kill -TERM "$DK_PID" 2>/dev/null
        for i in $(seq 300); do kill -0 "$DK_PID" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$DK_PID" 2>/dev/null
    fi
    # Whatever survived (ours only, by PID): processes in dockerd's mount
    # namespace, shims, the containers.
    for i in $(seq 100); do
        left=$(mntns_pids; shim_pids; cgroup_pids)
        [ -z "$left" ] && break
        [ "$i" -gt 20 ] && for p in $left; do kill -KILL "$p" 2>/dev/null; done
        sleep 0.05
    done
    for p in /sys/fs/cgroup/*/"$DK_CG"; do
        [ -d "$p" ] && find "$p" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    DK_PID=""
    # DK_KEEP_LOG=FILE keeps dockerd's log (debugging).
    [ -z "${DK_KEEP_LOG:-}" ] || cp "$DW/dockerd.log" "$DK_KEEP_LOG" 2>/dev/null
    rm -rf "$DW" 2>/dev/null
    return 0
}
trap dk_teardown EXIT

dk_setup() {
    local c i contrib=$TOP_SRCDIR/contrib/docker/daemon.json
    for c in "$DOCKERD" "$DOCKER" /usr/bin/docker-init /usr/bin/containerd /usr/bin/containerd-shim-runc-v2 \
             /usr/bin/skopeo /usr/bin/unshare /usr/bin/script; do
        [ -x "$c" ] || { DK_MISSING="$c is not installed (docker.io, skopeo, util-linux: contrib/debian-test-packages.txt)"; return 1; }
    done
    [ -x "$CONGO" ] || { setup_failed "no congo binary at $CONGO"; return 1; }
    mkdir -p "$DW/client" "$DW/etc-docker"
    # The shipped daemon.json with the built congo (only the path changed).
    jq -e '.runtimes.congo.path == "/usr/local/bin/congo" and .["default-runtime"] == "congo"' "$contrib" >/dev/null ||
        { setup_failed "$contrib: no runtimes.congo.path /usr/local/bin/congo and default-runtime congo"; return 1; }
    jq --arg c "$CONGO" '.runtimes.congo.path = $c' "$contrib" > "$DW/daemon.json" || { setup_failed "jq failed"; return 1; }
    # The image, as a `docker save` archive.
    "$PY" "$TESTS_DIR/image/mkimage.py" --busybox "$BUSYBOX" client "$DW/layout" >&2 &&
        skopeo copy -q "oci:$DW/layout:client" "docker-archive:$DW/image.tar:$IMAGE" >&2 ||
        { setup_failed "could not build the image archive"; return 1; }
    # Started from a subshell: dockerd is the subreaper's child, not ours, and
    # is reaped whoever stops it.
    (
        unshare -m --propagation private -- sh -c 'mount -t tmpfs -o mode=0755 tmpfs /run &&
            mount --bind "$1" /etc/docker && shift && exec "$@"' sh "$DW/etc-docker" \
            "$DOCKERD" --config-file "$DW/daemon.json" --data-root "$DK_DATA" --exec-root "$DK_EXEC" \
            -H "unix://$DK_SOCK" --pidfile "$DW/dockerd.pid" --log-level warn \
            --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
            --userland-proxy=false --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$DK_CG" \
            --default-ulimit nofile=1024:1024 --oom-score-adjust=0 \
            > "$DW/dockerd.log" 2>&1 < /dev/null &
        echo $! > "$DW/unshare.pid"
    )
    DK_PID=$(cat "$DW/unshare.pid")
    # unshare execs sh, which execs dockerd: then its mount namespace is the
    # private one, and what identifies it (dk_alive).
    for i in $(seq 100); do
        [ "$(readlink "/proc/$DK_PID/exe")" = "$DOCKERD" ] && break
        sleep 0.1
    done
    [ "$(readlink "/proc/$DK_PID/exe")" = "$DOCKERD" ] ||
        { tail -20 "$DW/dockerd.log" >&2; setup_failed "dockerd did not start (its log is above)"; return 1; }
    DK_MNTNS=$(readlink "/proc/$DK_PID/ns/mnt")
    [ "$DK_MNTNS" != "$(readlink /proc/self/ns/mnt)" ] || { setup_failed "dockerd is in our mount namespace"; return 1; }
    for i in $(seq 300); do
        dk version >/dev/null 2>&1 && break
        kill -0 "$DK_PID" 2>/dev/null || break
        sleep 0.1
    done
    dk version >/dev/null 2>&1 || { tail -20 "$DW/dockerd.log" >&2; setup_failed "dockerd did not start"; return 1; }
    [ "$(cat "$DW/dockerd.pid" 2>/dev/null)" = "$DK_PID" ] || { setup_failed "dockerd's pid file does not name $DK_PID"; return 1; }
    dk load -q -i "$DW/image.tar" >&2 || { setup_failed "docker load failed"; return 1; }
}
dk_setup || true

need_docker() {
    [ -z "$DK_MISSING" ] || skip "$DK_MISSING"
    [ -z "$DK_SETUP_FAILED" ] || fail "shared setup failed: $DK_SETUP_FAILED"
    dk_alive || fail "the test dockerd is gone; its log: $(tail -5 "$DW/dockerd.log")"
}

# After each test: remove its containers (the tests run one at a time).
dk_test_cleanup() {
    local ids
    dk_alive || return 0
    ids=$(dk ps -aq 2>/dev/null)
    [ -z "$ids" ] || dk_timeout 60 rm -f $ids >/dev/null 2>&1
    return 0
}
eval "lib_cleanup_test() $(declare -f cleanup_test | sed 1d)"
cleanup_test() { dk_test_cleanup; lib_cleanup_test; }

# dk_assert_gone ID...: docker removed these containers and nothing of them
# is left: congo state, cgroups, shim, mounts in dockerd's namespace.
dk_assert_gone() {
    local id i d
    for id in "$@"; do
        [ ${#id} = 64 ] || fail "not a container ID: '$id'"
        ! dk inspect "$id" >/dev/null 2>&1 || fail "docker still has container $id"
        [ ! -e "$DK_ROOT/$id" ] || fail "congo state left: $DK_ROOT/$id"
        for d in /sys/fs/cgroup/*/"$DK_CG/$id"; do [ ! -d "$d" ] || fail "cgroup left: $d"; done
        for i in $(seq 100); do [ -z "$(pids_with_arg "$id")" ] && break; sleep 0.05; done
        [ -z "$(pids_with_arg "$id")" ] || fail "processes of $id left: $(for p in $(pids_with_arg "$id"); do tr "\0" " " < /proc/$p/cmdline; echo; done)"
        ! grep -q "$id" "/proc/$DK_PID/mountinfo" || fail "mounts of $id left: $(grep "$id" "/proc/$DK_PID/mountinfo")"
    done
}

# ---- run ------------------------------------------------------------------

test_run_default_runtime_and_image_config() {
    need_docker
    run_cmd dk info --format '{{.DefaultRuntime}}'
    assert_ok
    assert_eq "$OUT" congo
    run_cmd dk info --format '{{json .Runtimes.congo}}'
    assert_eq "$(jq -r .path <<<"$OUT")" "$CONGO" "the congo runtime of daemon.json"
    # The image's Cmd, user, working directory, environment; the exit status.
    run_cmd dk_run --rm "$IMAGE"
    assert_ok
    assert_eq "$OUT" "hello from the image"
    run_cmd dk_run --rm "$IMAGE" sh -c 'id -u; id -G; pwd; echo "$FOO"; ulimit -n; echo err >&2; exit 3'
    assert_rc 3
    assert_eq "$OUT" "$(printf '1000\n1000 2000 2001\n/data\nbar\n1024')"
    assert_eq "$ERR" err
    # A detached container, seen from the host and by congo.
    local id pid st ns
    dk_run -d --name "$(cn)" "$IMAGE" sleep 1000 >/dev/null
    id=$(dk_id "$(cn)")
    pid=$(dk_pid "$(cn)")
    [ "$pid" -gt 0 ] || fail "no pid"
    st=$(congo_state "$id") || fail "congo has no state for $id in $DK_ROOT"
    assert_eq "$(jq -r .status <<<"$st")" running
    assert_eq "$(jq -r .pid <<<"$st")" "$pid"
    assert_eq "$(tr '\0' ' ' < "/proc/$pid/cmdline")" "sleep 1000 "
    assert_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 1000
    for ns in pid mnt net uts ipc; do
        assert_ne "$(readlink "/proc/$pid/ns/$ns")" "$(readlink /proc/self/ns/$ns)" "$ns namespace"
    done
    grep -q ":memory:/$DK_CG/$id\$" "/proc/$pid/cgroup" || fail "not in its cgroup: $(cat "/proc/$pid/cgroup")"
    # The shim, not congo, is the init's parent.
    assert_eq "$(cat "/proc/$(awk '{ print $4 }' "/proc/$pid/stat")/comm")" containerd-shim
    run_cmd dk rm -f "$(cn)"
    assert_ok
    [ ! -d "/proc/$pid" ] || fail "container process $pid left"
    dk_assert_gone "$id"
    # --rm leaves nothing either.
    dk_run --rm --cidfile "$T/cid" "$IMAGE" true
    dk_assert_gone "$(cat "$T/cid")"
}

test_stdin_and_tty() {
    need_docker
    local out
    out=$(printf 'abc\ndef\n' | dk_run --rm -i "$IMAGE" sh -c 'read x; echo "got:$x"; [ -t 0 ] || echo no-tty; wc -l') ||
        fail "docker run -i failed: $out"
    assert_eq "$out" "$(printf 'got:abc\nno-tty\n1')" "stdin reaches the container, then EOF"
    out=$(echo ignored | dk_run --rm "$IMAGE" wc -c)
    assert_eq "$out" 0 "without -i the container's stdin is empty"
    # -t: the init's terminal (congo passes the pty master to the shim).
    dk_tty "run --rm -t --network none $IMAGE sh -c 'busybox tty; [ -t 0 ] && [ -t 1 ] && echo isatty; exit 6'"
    assert_rc 6
    assert_contains "$OUT" /dev/pts/0
    assert_contains "$OUT" isatty
}

# A non-root process writes to its own stdio by path: /dev/stdout is the
# shim's pipe (or the pty), which runc hands to the container's user.
test_nonroot_stdio_tty() {
    need_docker
    run_cmd dk_run --rm -u 1000 "$IMAGE" sh -c 'echo hi > /dev/stdout; echo err > /dev/stderr'
    assert_ok
    assert_eq "$OUT" hi
    assert_eq "$ERR" err
    dk_tty "run --rm -t -u 1000 --network none $IMAGE sh -c 'echo hi > /dev/stdout && stat -c %u \$(busybox tty)'"
    assert_ok
    assert_eq "$OUT" "$(printf 'hi\n1000')" "the terminal belongs to the container's user"
}

test_exec() {
    need_docker
    local pid out
    dk_run -d --name "$(cn)" "$IMAGE" sleep 1000 >/dev/null
    pid=$(dk_pid "$(cn)")
    run_cmd dk exec "$(cn)" sh -c 'id -u; pwd; echo "$FOO"; exit 5'
    assert_rc 5
    assert_eq "$OUT" "$(printf '1000\n/data\nbar')"
    run_cmd dk exec -u 0 -w /tmp -e A=b "$(cn)" sh -c 'id -u; pwd; echo "$A"'
    assert_ok
    assert_eq "$OUT" "$(printf '0\n/tmp\nb')"
    # The exec'd process joins the init's namespaces and cgroup.
    run_cmd dk exec "$(cn)" sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt; readlink /proc/self/ns/net; grep :memory: /proc/self/cgroup'
    assert_ok
    assert_eq "$OUT" "$(readlink "/proc/$pid/ns/pid"; readlink "/proc/$pid/ns/mnt"; readlink "/proc/$pid/ns/net"; grep :memory: "/proc/$pid/cgroup")"
    out=$(printf 'in\n' | dk exec -i "$(cn)" cat) || fail "exec -i failed"
    assert_eq "$out" in
    dk_tty "exec -t $(cn) sh -c 'busybox tty; [ -t 0 ] && echo isatty; exit 4'"
    assert_rc 4
    assert_contains "$OUT" /dev/pts/
    assert_contains "$OUT" isatty
    # docker top: the shim's `congo ps`, host PIDs.
    dk exec -d "$(cn)" sleep 999
    wait_for sh -c "[ \$(wc -l < $(cg "$(dk_id "$(cn)")" pids)/cgroup.procs) = 2 ]" || fail "the exec'd sleep did not start"
    run_cmd dk top "$(cn)" -o pid,args
    assert_ok
    assert_eq "$(tail -n +2 <<<"$OUT" | awk '{ print $1 }' | sort -n | tr '\n' ' ')" \
        "$(sort -n "$(cg "$(dk_id "$(cn)")" pids)/cgroup.procs" | tr '\n' ' ')" "docker top against cgroup.procs"
    # A missing program: congo's message (docker exec says 126, as with runc).
    run_cmd dk exec "$(cn)" nonexistent-program
    assert_rc 126
    assert_contains "$OUT$ERR" 'executable file not found in $PATH'
    assert_eq "$(dk_state "$(cn)")" "running 0"
}

test_user_readonly_tmpfs() {
    need_docker
    run_cmd dk_run --rm -u 1000:2000 --group-add 2001 "$IMAGE" sh -c 'id -u; id -g; id -G'
    assert_ok
    assert_eq "$OUT" "$(printf '1000\n2000\n2000 2001')"
    run_cmd dk_run --rm -u 0 --read-only --tmpfs /run:size=1m,mode=1777 --tmpfs /scratch:size=2m,noexec "$IMAGE" \
        sh -c 'touch /x 2>&1; touch /run/y && stat -c %a /run; grep -E " /(run|scratch|) " /proc/self/mountinfo; df -k /scratch | tail -1'
    assert_ok
    assert_contains "$OUT" "/x: Read-only file system"
    assert_contains "$OUT" "$(printf '\n1777\n')"
    [[ "$OUT" =~ " / ro," ]] || fail "the root is not read-only: $OUT"
    [[ "$OUT" =~ " /run rw,nosuid,nodev,noexec,"[^\ ]*" - tmpfs tmpfs rw,size=1024k" ]] || fail "/run: $OUT"
    [[ "$OUT" =~ " /scratch rw,"[^\ ]*"noexec" ]] || fail "/scratch: $OUT"
    assert_contains "$(tail -1 <<<"$OUT")" " 2048 "
}

# ---- resources ---------------------------------------------------------------

test_limits_update_stats() {
    need_docker
    local id c
    dk_run -d --name "$(cn)" -u 0 --memory 64m --pids-limit 50 --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 \
        "$IMAGE" sleep 1000 >/dev/null
    id=$(dk_id "$(cn)")
    # From the host.
    assert_eq "$(cat "$(cg "$id" memory)/memory.limit_in_bytes")" 67108864
    assert_eq "$(cat "$(cg "$id" pids)/pids.max")" 50
    assert_eq "$(cat "$(cg "$id" cpu)/cpu.cfs_quota_us") $(cat "$(cg "$id" cpu)/cpu.cfs_period_us")" "50000 100000"
    assert_eq "$(cat "$(cg "$id" cpu)/cpu.shares")" 512
    assert_eq "$(cat "$(cg "$id" cpuset)/cpuset.cpus")" 0
    # From inside: the container's own cgroups under /sys/fs/cgroup.
    run_cmd dk exec "$(cn)" sh -c 'cd /sys/fs/cgroup; cat memory/memory.limit_in_bytes pids/pids.max cpu/cpu.cfs_quota_us cpu/cpu.shares cpuset/cpuset.cpus'
    assert_ok
    assert_eq "$OUT" "$(printf '67108864\n50\n50000\n512\n0')"
    # docker update: congo update --resources -, seen on the host and inside.
    run_cmd dk update --memory 128m --memory-swap 256m --pids-limit 60 --cpus 1 "$(cn)"
    assert_ok
    assert_eq "$(cat "$(cg "$id" memory)/memory.limit_in_bytes")" 134217728
    assert_eq "$(cat "$(cg "$id" pids)/pids.max")" 60
    assert_eq "$(cat "$(cg "$id" cpu)/cpu.cfs_quota_us")" 100000
    assert_eq "$(dk exec "$(cn)" cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" 134217728
    # docker stats: the shim reads the cgroup.
    dk exec -d "$(cn)" sleep 999
    wait_for sh -c "[ \$(cat $(cg "$id" pids)/pids.current) = 2 ]" || fail "pids.current is not 2"
    run_cmd dk stats --no-stream --format '{{.MemUsage}}|{{.PIDs}}' "$(cn)"
    assert_ok
    assert_contains "$OUT" " / 128MiB|2"
    # The pids limit holds: 5 processes at most (ash stops at the failed fork).
    run_cmd dk_run --rm --pids-limit 5 "$IMAGE" sh -c 'sh -c "while :; do sleep 100 & done" 2>&1; read c < /sys/fs/cgroup/pids/pids.current; echo "current=$c"'
    assert_ok
    assert_contains "$OUT" "can't fork"
    assert_contains "$OUT" "current=4"
}

# --kernel-memory (deprecated in docker 20.10) still reaches the runtime:
# runc >= 1.1 ignores it (the spec marks it NOT RECOMMENDED, kernels >= 5.4
# accept and ignore memory.kmem.limit_in_bytes), and so must congo.
test_kernel_memory_ignored() {
    need_docker
    run_cmd dk_run --rm --memory 64m --kernel-memory 100m "$IMAGE" cat /sys/fs/cgroup/memory/memory.limit_in_bytes
    assert_ok
    assert_eq "$OUT" 67108864
}

# An OOM kill: exit status 137 and OOMKilled, for the init and for an exec.
test_oom() {
    need_docker
    local id
    run_cmd dk_run --name "$(cn)" -u 0 --memory 32m --memory-swap 32m "$IMAGE" busybox tail /dev/zero
    assert_rc 137
    assert_eq "$(dk inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' "$(cn)")" "true 137"
    id=$(dk_id "$(cn)")
    dk rm "$(cn)" >/dev/null
    dk_assert_gone "$id"
    dk_run -d --name "$(cn 1)" --memory 32m --memory-swap 32m "$IMAGE" sleep 1000 >/dev/null
    id=$(dk_id "$(cn 1)")
    run_cmd dk exec "$(cn 1)" busybox tail /dev/zero
    assert_rc 137
    grep -qx "oom_kill 1" "$(cg "$id" memory)/memory.oom_control" ||
        fail "no OOM kill in the container's cgroup: $(cat "$(cg "$id" memory)/memory.oom_control")"
    assert_eq "$(dk_state "$(cn 1)")" "running 0"
}

# ---- lifecycle ---------------------------------------------------------------

test_pause_stop_restart_kill_rm() {
    need_docker
    local n=$(cn) id pid pid2 t0
    dk_run -d --name "$n" "$IMAGE" sh -c 'trap "echo got INT; exit 0" INT; trap "echo got USR1" USR1; echo ready; while :; do sleep 0.1; done' >/dev/null
    dk_wait_log "$n" ready
    id=$(dk_id "$n")
    pid=$(dk_pid "$n")
    # Pause: the freezer, seen from the host; no exec while paused.
    run_cmd dk pause "$n"
    assert_ok
    assert_eq "$(dk_state "$n")" "paused 0"
    assert_eq "$(cat "$(cg "$id" freezer)/freezer.state")" FROZEN
    assert_eq "$(congo_state "$id" | jq -r .status)" paused
    run_cmd dk exec "$n" true
    assert_failed
    assert_contains "$ERR" paused
    run_cmd dk unpause "$n"
    assert_ok
    assert_eq "$(cat "$(cg "$id" freezer)/freezer.state")" THAWED
    assert_eq "$(dk_state "$n")" "running 0"
    # kill -s: the signal reaches the init's handler.
    run_cmd dk kill -s USR1 "$n"
    assert_ok
    dk_wait_log "$n" "got USR1"
    assert_eq "$(dk_state "$n")" "running 0"
    # stop: the image's StopSignal (SIGINT), handled: a clean exit, well
    # before the timeout.
    t0=$(date +%s)
    run_cmd dk stop -t 30 "$n"
    assert_ok
    [ $(( $(date +%s) - t0 )) -lt 20 ] || fail "docker stop waited for the timeout"
    assert_eq "$(dk_state "$n")" "exited 0"
    dk_wait_log "$n" "got INT"
    [ ! -d "/proc/$pid" ] || fail "init $pid still running"
    [ ! -e "$DK_ROOT/$id" ] || fail "congo state of the stopped container left"
    # start again, then restart: a new init each time.
    run_cmd dk start "$n"
    assert_ok
    pid=$(dk_pid "$n")
    run_cmd dk restart -t 10 "$n"
    assert_ok
    pid2=$(dk_pid "$n")
    assert_ne "$pid2" "$pid" "restart made a new init"
    assert_eq "$(dk_state "$n")" "running 0"
    # kill: SIGKILL, 137.
    run_cmd dk kill "$n"
    assert_ok
    dk_wait_state "$n" exited
    assert_eq "$(dk_state "$n")" "exited 137"
    # A restart policy: docker starts it again after each failure.
    dk_run -d --name "$(cn 1)" --restart on-failure:2 "$IMAGE" sh -c 'exit 3' >/dev/null
    local i
    for i in $(seq 100); do
        [ "$(dk inspect -f '{{.RestartCount}} {{.State.Status}}' "$(cn 1)")" = "2 exited" ] && break
        sleep 0.1
    done
    assert_eq "$(dk inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}' "$(cn 1)")" "2 exited 3"
    # rm -f of a running container: SIGKILL, then nothing left.
    run_cmd dk start "$n"
    assert_ok
    pid=$(dk_pid "$n")
    run_cmd dk rm -f "$n" "$(cn 1)"
    assert_ok
    [ ! -d "/proc/$pid" ] || fail "init $pid still running"
    dk_assert_gone "$id"
}

# --init: docker-init (tini) is PID 1 and forwards the stop signal, which a
# shell as PID 1 would ignore.
test_init() {
    need_docker
    local pid t0
    run_cmd dk_run --rm --init "$IMAGE" sh -c 'tr "\0" " " < /proc/1/cmdline | cut -d" " -f1-2; [ $$ != 1 ] && echo "parent $PPID"'
    assert_ok
    assert_eq "$OUT" "$(printf '/sbin/docker-init --\nparent 1')"
    dk_run -d --init --name "$(cn)" "$IMAGE" sleep 1000 >/dev/null
    pid=$(dk_pid "$(cn)")
    assert_eq "$(readlink "/proc/$pid/exe")" /sbin/docker-init "the init, from the host"
    t0=$(date +%s)
    run_cmd dk stop -t 30 "$(cn)"
    assert_ok
    [ $(( $(date +%s) - t0 )) -lt 20 ] || fail "docker stop waited for the timeout"
    assert_eq "$(dk_state "$(cn)")" "exited 130" "sleep killed by SIGINT, through docker-init"
}

# ---- security ----------------------------------------------------------------

caps_of() { awk -v k="$1:" '$1 == k { print $2 }'; }
test_capabilities() {
    need_docker
    local pid
    # docker's default set for root: CHOWN DAC_OVERRIDE FOWNER FSETID KILL
    # SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD
    # AUDIT_WRITE SETFCAP.
    run_cmd dk_run --rm -u 0 "$IMAGE" cat /proc/self/status
    assert_ok
    assert_eq "$(caps_of CapEff <<<"$OUT") $(caps_of CapBnd <<<"$OUT") $(caps_of CapInh <<<"$OUT")" \
        "00000000a80425fb 00000000a80425fb 0000000000000000"
    # --cap-add / --cap-drop.
    run_cmd dk_run --rm -u 0 --cap-drop CHOWN --cap-drop NET_RAW --cap-add SYS_ADMIN --cap-add NET_ADMIN "$IMAGE" cat /proc/self/status
    assert_ok
    assert_eq "$(caps_of CapEff <<<"$OUT") $(caps_of CapBnd <<<"$OUT")" "00000000a82415fa 00000000a82415fa"
    run_cmd dk_run --rm -u 0 --cap-drop ALL --cap-add KILL "$IMAGE" sh -c 'cat /proc/self/status; chown 1000 /tmp 2>&1'
    assert_eq "$(caps_of CapEff <<<"$OUT") $(caps_of CapBnd <<<"$OUT")" "0000000000000020 0000000000000020"
    assert_contains "$OUT" "Operation not permitted"
    # A non-root user: the bounding set only; no-new-privileges.
    dk_run -d --name "$(cn)" --cap-add SYS_ADMIN --security-opt no-new-privileges "$IMAGE" sleep 1000 >/dev/null
    pid=$(dk_pid "$(cn)")
    assert_eq "$(caps_of CapEff < "/proc/$pid/status") $(caps_of CapBnd < "/proc/$pid/status")" "0000000000000000 00000000a82425fb"
    assert_eq "$(awk '$1 == "NoNewPrivs:" { print $2 }' "/proc/$pid/status")" 1
}

# --privileged asks for every capability; this host's root lacks
# CAP_SYS_RESOURCE, so it must fail (runc fails too) at create, naming the
# capability, and leave nothing.
test_privileged_refused_cleanly() {
    need_docker
    local id
    run_cmd dk_run --name "$(cn)" --privileged -u 0 "$IMAGE" true
    if [ "$RC" = 0 ]; then
        grep -q '^CapBnd:.*1ffffffffff' /proc/self/status || fail "--privileged ran without every capability on the host"
        return 0
    fi
    assert_contains "$ERR" "OCI runtime create failed"
    assert_contains "$ERR" CAP_SYS_RESOURCE
    id=$(dk_id "$(cn)")
    [ ! -e "$DK_ROOT/$id" ] || fail "congo state left: $DK_ROOT/$id"
    for d in /sys/fs/cgroup/*/"$DK_CG/$id"; do [ ! -d "$d" ] || fail "cgroup left: $d"; done
    dk rm -f "$(cn)" >/dev/null
    dk_assert_gone "$id"
}

test_seccomp() {
    need_docker
    # docker's default profile: unshare(CLONE_NEWUSER) needs CAP_SYS_ADMIN there.
    run_cmd dk_run --rm "$IMAGE" sh -c 'grep ^Seccomp: /proc/self/status; unshare -U true 2>&1; echo "rc=$?"'
    assert_ok
    assert_contains "$OUT" "$(printf 'Seccomp:\t2')"
    assert_contains "$OUT" "Operation not permitted"
    assert_contains "$OUT" "rc=1"
    run_cmd dk_run --rm --security-opt seccomp=unconfined "$IMAGE" sh -c 'grep ^Seccomp: /proc/self/status; unshare -U true 2>&1; echo "rc=$?"'
    assert_ok
    assert_eq "$OUT" "$(printf 'Seccomp:\t0\nrc=0')"
    # A profile of our own: mkdir fails with EPERM, the rest works.
    echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}' > "$T/profile.json"
    run_cmd dk_run --rm --security-opt "seccomp=$T/profile.json" "$IMAGE" sh -c 'mkdir /tmp/d 2>&1; touch /tmp/f && echo touched'
    assert_ok
    assert_eq "$OUT" "$(printf "mkdir: can't create directory '/tmp/d': Operation not permitted\ntouched")"
}

# ---- mounts, devices, sysctls ----------------------------------------------------

test_volumes() {
    need_docker
    mkdir -p "$T/src"
    echo from-the-host > "$T/src/f"
    chmod 777 "$T/src"
    run_cmd dk_run --rm -v "$T/src:/mnt" -v "$T/src:/ro:ro" -v "congo-test-vol-$$:/nv" -u 0 "$IMAGE" \
        sh -c 'cat /mnt/f; echo w > /mnt/g; echo x 2>&1 > /ro/h; echo kept > /nv/v; grep -E " /(mnt|ro) " /proc/self/mountinfo'
    assert_ok
    assert_contains "$OUT" from-the-host
    assert_contains "$OUT" "/ro/h: Read-only file system"
    [[ "$OUT" =~ " /mnt rw," ]] || fail "/mnt: $OUT"
    [[ "$OUT" =~ " /ro ro," ]] || fail "/ro: $OUT"
    assert_eq "$(cat "$T/src/g")" w "the container wrote through the bind mount"
    [ ! -e "$T/src/h" ] || fail "wrote through the read-only bind mount"
    # A file the container's user makes is theirs on the host.
    run_cmd dk_run --rm -v "$T/src:/mnt" "$IMAGE" touch /mnt/by-tester
    assert_ok
    assert_eq "$(stat -c %u:%g "$T/src/by-tester")" 1000:1000
    # The named volume outlives the container.
    run_cmd dk_run --rm -v "congo-test-vol-$$:/nv" "$IMAGE" cat /nv/v
    assert_ok
    assert_eq "$OUT" kept
    run_cmd dk volume rm "congo-test-vol-$$"
    assert_ok
}

test_devices_sysctl() {
    need_docker
    run_cmd dk_run --rm -u 0 --device /dev/null:/dev/xnull "$IMAGE" \
        sh -c 'stat -c "%F %t:%T" /dev/xnull; echo x > /dev/xnull && echo written; grep -x "c 1:3 rwm" /sys/fs/cgroup/devices/devices.list'
    assert_ok
    assert_eq "$OUT" "$(printf 'character special file 1:3\nwritten\nc 1:3 rwm')"
    # A device node not given is refused by the devices cgroup (root has
    # CAP_MKNOD, the node can be made but not opened).
    run_cmd dk_run --rm -u 0 "$IMAGE" sh -c 'mknod /tmp/mem c 1 1 && cat /tmp/mem 2>&1 | head -1'
    assert_ok
    assert_contains "$OUT" "Operation not permitted"
    # Namespaced sysctls; the host's values do not change.
    local host_port host_msg
    host_port=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
    host_msg=$(cat /proc/sys/kernel/msgmax)
    run_cmd dk_run --rm --sysctl net.ipv4.ip_unprivileged_port_start=555 --sysctl kernel.msgmax=12345 "$IMAGE" \
        cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/msgmax
    assert_ok
    assert_eq "$OUT" "$(printf '555\n12345')"
    assert_eq "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start) $(cat /proc/sys/kernel/msgmax)" "$host_port $host_msg"
}

test_cp() {
    need_docker
    echo from-the-host > "$T/in"
    dk_run -d --name "$(cn)" "$IMAGE" sleep 1000 >/dev/null
    run_cmd dk cp "$T/in" "$(cn):/data/copied"
    assert_ok
    run_cmd dk exec "$(cn)" cat /data/copied
    assert_eq "$OUT" from-the-host
    dk exec "$(cn)" sh -c 'echo made inside > /tmp/out'
    run_cmd dk cp "$(cn):/tmp/out" "$T/out"
    assert_ok
    assert_eq "$(cat "$T/out")" "made inside"
    # And from a stopped container.
    dk kill "$(cn)" >/dev/null
    dk_wait_state "$(cn)" exited
    run_cmd dk cp "$(cn):/data/copied" "$T/back"
    assert_ok
    assert_eq "$(cat "$T/back")" from-the-host
}

# The health check runs through `congo exec`: unhealthy, then healthy.
test_healthcheck() {
    need_docker
    local i h
    dk_run -d --name "$(cn)" --health-cmd 'test -e /tmp/healthy' --health-interval 200ms --health-retries 1 \
        "$IMAGE" sleep 1000 >/dev/null
    for i in $(seq 100); do h=$(dk inspect -f '{{.State.Health.Status}}' "$(cn)"); [ "$h" = unhealthy ] && break; sleep 0.1; done
    assert_eq "$h" unhealthy
    dk exec "$(cn)" touch /tmp/healthy
    for i in $(seq 100); do h=$(dk inspect -f '{{.State.Health.Status}}' "$(cn)"); [ "$h" = healthy ] && break; sleep 0.1; done
    assert_eq "$h" healthy
}

# ---- networks -------------------------------------------------------------------

test_network_modes() {
    need_docker
    local out
    # --network host: the host's network namespace.
    run_cmd dk run --rm --network host "$IMAGE" readlink /proc/self/ns/net
    assert_ok
    assert_eq "$OUT" "$(readlink /proc/self/ns/net)"
    # --network none: a namespace docker prepared, with lo up.
    run_cmd dk_run --rm "$IMAGE" sh -c 'readlink /proc/self/ns/net; cat /sys/class/net/lo/operstate; ls /sys/class/net'
    assert_ok
    assert_ne "$(head -1 <<<"$OUT")" "$(readlink /proc/self/ns/net)"
    assert_eq "$(tail -n +2 <<<"$OUT")" "$(printf 'unknown\nlo')"
    # The default mode with the bridge disabled: the runtime makes the
    # namespace; runc brings its loopback up.
    run_cmd dk run --rm "$IMAGE" sh -c 'ip -o link show lo'
    assert_ok
    assert_contains "$OUT" "LOOPBACK,UP"
}

# ---- errors ---------------------------------------------------------------------

# A program that cannot run: docker's exit status, congo's message, and
# nothing left.
test_errors() {
    need_docker
    run_cmd dk_run --rm --cidfile "$T/cid1" "$IMAGE" nonexistent-program
    assert_rc 127
    assert_contains "$ERR" 'OCI runtime create failed: '
    assert_contains "$ERR" 'executable file not found in $PATH'
    run_cmd dk_run --rm --cidfile "$T/cid2" "$IMAGE" /data/notexec
    assert_rc 126
    assert_contains "$ERR" 'permission denied'
    run_cmd dk_run --rm --cidfile "$T/cid3" "$IMAGE" /nonexistent/program
    assert_rc 127
    assert_contains "$ERR" 'no such file or directory'
    dk_assert_gone "$(cat "$T/cid1")" "$(cat "$T/cid2")" "$(cat "$T/cid3")"
}

# ---- teardown ---------------------------------------------------------------------

# Runs last: stop dockerd and check that nothing is left anywhere.
test_zz_teardown() {
    [ -z "$DK_MISSING" ] || skip "$DK_MISSING"
    [ -n "$DK_PID" ] || fail "no dockerd was started: $DK_SETUP_FAILED"
    local pid=$DK_PID work=$DW p left
    dk_teardown
    [ ! -d "/proc/$pid" ] || fail "dockerd ($pid) still running"
    [ -z "$(shim_pids)" ] || fail "shims left: $(shim_pids)"
    left=$(mntns_pids)
    [ -z "$left" ] || fail "processes left in dockerd's mount namespace: $left"
    left=$(grep -lsF -f <(echo "$work") /proc/[0-9]*/cmdline 2>/dev/null || true)
    [ -z "$left" ] || fail "processes left with $work in their command line: $left"
    [ -z "$(ls -d /sys/fs/cgroup/*/"$DK_CG" 2>/dev/null)" ] || fail "cgroups left: $(ls -d /sys/fs/cgroup/*/"$DK_CG")"
    ! grep -q "$work" /proc/self/mountinfo || fail "mounts left under $work"
    [ ! -e "$work" ] || fail "$work left"
    # congo's default state root holds nothing of ours (other tests may use it).
    left=$(grep -lsF -f <(echo "$work/") /run/congo/*/state.json 2>/dev/null || true)
    [ -z "$left" ] || fail "congo state of our containers in /run/congo: $left"
    assert_eq "$(host_links | awk -F': ' '{ print $2 }' | sort)" "$HOST_LINKS_BEFORE" "the host's veth and bridge interfaces"
    for p in $HOST_PATHS; do
        [ ! -e "$p" ] || grep -qx "$p" <<<"$HOST_PATHS_BEFORE" || fail "$p was made on the host"
    done
}

run_tests "$@"
