#!/bin/bash
# containerd 1.6 driving congo through its runc shim (io.containerd.runc.v2):
# `ctr run --runc-binary $CONGO` and a CRI runtime handler configured with
# BinaryName (contrib/containerd/config.toml, paths substituted).
#
# One containerd serves the whole file: started once in a private mount
# namespace with its own /run (containerd 1.6 hard-codes /run/containerd/s for
# shim sockets, and ctr makes its FIFOs under /run/containerd/fifo, so ctr runs
# in that namespace too), its own root, state, sockets and config, all under
# $CTRD_WORK; container cgroups under /$CTRD_CG.  It is stopped when the file
# ends, whatever happened (test_zz_teardown checks that nothing is left; the
# EXIT trap does the same teardown if that test did not run).
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
CTRD_WORK=$(mktemp -d /tmp/congo-ctrd.XXXXXX)
CTRD_SOCK=$CTRD_WORK/containerd.sock
CTRD_CG=congo-test-ctrd-$$
CTRD_NS=congo-test
CTRD_PID=""
CTRD_MNTNS=""
CTRD_SETUP_FAILED=""
CTRD_MISSING=""      # a package this file needs is not installed: its tests are skipped
CRI_ROOT=$CTRD_WORK/congo-cri      # the Root of the "congo" CRI runtime
SHIM_ROOT=/run/containerd/runc/$CTRD_NS   # the shim's default --root (in the private /run)
IMAGE=congo.test/busybox:plain
PAUSE=congo.test/busybox:pause
# Host paths containerd, its CRI plugin or CNI would use by default: none may
# appear (those that exist already are left alone).
HOST_PATHS="/var/lib/containerd /var/lib/cni /run/containerd /opt/containerd /etc/cni/net.d /var/run/netns"
HOST_PATHS_BEFORE=$(for p in $HOST_PATHS; do [ -e "$p" ] && echo "$p"; done)

setup_failed() { CTRD_SETUP_FAILED="${CTRD_SETUP_FAILED:+$CTRD_SETUP_FAILED; }$*"; echo "setup: $*" >&2; return 1; }

# ctrd ARGS...: ctr on the test containerd, in its mount namespace.
ctrd() { nsenter -t "$CTRD_PID" -m -- ctr --address "$CTRD_SOCK" -n "$CTRD_NS" "$@"; }
# cri ARGS...: tests/containerd/cri.py on the test containerd (CRI namespace k8s.io).
cri() { CRI_POD_NAME=${CRI_POD_NAME:-pod} CRI_CGROUP_PARENT=/$CTRD_CG/pod-$TEST_NAME CRI_LOG_DIR=$T/logs \
            "$PY" "$TESTS_DIR/containerd/cri.py" "$CTRD_SOCK" "$@"; }
# In the test containerd's mount namespace (the shim's congo state root lives there).
in_ctrd_ns() { nsenter -t "$CTRD_PID" -m -- "$@"; }

# PIDs of the shims this containerd started (they double-fork away from it;
# they are ours by the socket address they were given).
shim_pids() {
    local f p
    for f in $(grep -lsxzF -- "$CTRD_SOCK" /proc/[0-9]*/cmdline); do
        p=${f#/proc/}
        p=${p%/cmdline}
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = containerd-shim ] && echo "$p"
    done
    return 0
}
# PIDs of processes in our cgroups (the containers).
cgroup_pids() { find /sys/fs/cgroup/pids/"$CTRD_CG" -name cgroup.procs -exec cat {} + 2>/dev/null; return 0; }

# ctr_ns NS ARGS...: ctr in namespace NS, given 10 s.
ctr_ns() { local ns=$1; shift; timeout 10 nsenter -t "$CTRD_PID" -m -- ctr --address "$CTRD_SOCK" -n "$ns" "$@"; }
# Our containerd is still the process we started (not a reused PID).
ctrd_alive() {
    [ -n "$CTRD_PID" ] && kill -0 "$CTRD_PID" 2>/dev/null &&
        { [ -z "$CTRD_MNTNS" ] || [ "$(readlink "/proc/$CTRD_PID/ns/mnt" 2>/dev/null)" = "$CTRD_MNTNS" ]; }
}

ctrd_teardown() {
    local ns id p i
    set +e
    if ctrd_alive; then
        for ns in "$CTRD_NS" k8s.io; do
            for id in $(ctr_ns "$ns" task ls -q 2>/dev/null); do
                ctr_ns "$ns" task kill -a -s KILL "$id" >/dev/null 2>&1
                ctr_ns "$ns" task delete -f "$id" >/dev/null 2>&1
            done
            for id in $(ctr_ns "$ns" containers ls -q 2>/dev/null); do
                ctr_ns "$ns" containers rm "$id" >/dev/null 2>&1
            done
        done
        kill -TERM "$CTRD_PID" 2>/dev/null
        for i in $(seq 100); do kill -0 "$CTRD_PID" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$CTRD_PID" 2>/dev/null
        wait "$CTRD_PID" 2>/dev/null
    fi
    # Whatever survived: shims, then container processes (by PID, ours only).
    for p in $(shim_pids) $(cgroup_pids); do kill -KILL "$p" 2>/dev/null; done
    for i in $(seq 100); do [ -z "$(shim_pids)$(cgroup_pids)" ] && break; sleep 0.05; done
    for p in /sys/fs/cgroup/*/"$CTRD_CG"; do
        [ -d "$p" ] && find "$p" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    CTRD_PID=""
    # CTRD_KEEP_LOG=FILE keeps containerd's log (debugging).
    [ -z "${CTRD_KEEP_LOG:-}" ] || cp "$CTRD_WORK/containerd.log" "$CTRD_KEEP_LOG" 2>/dev/null
    rm -rf "$CTRD_WORK" 2>/dev/null
    return 0
}
trap ctrd_teardown EXIT

# The configuration: the test's paths first, then contrib/containerd/config.toml
# with its binary and state root pointed at this build and this test.
ctrd_config() {
    local contrib=$TOP_SRCDIR/contrib/containerd/config.toml
    cat <<EOF
version = 2
root = "$CTRD_WORK/root"
state = "$CTRD_WORK/state"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$CTRD_SOCK.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE"
  # The VM's bounding set lacks CAP_SYS_RESOURCE: no oom_score_adj below ours.
  restrict_oom_score_adj = true
  disable_apparmor = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CTRD_WORK/cni-bin"
    conf_dir = "$CTRD_WORK/cni-conf"
EOF
    grep -q '^ *BinaryName = "/usr/local/bin/congo"$' "$contrib" ||
        { setup_failed "$contrib has no BinaryName = \"/usr/local/bin/congo\""; return 1; }
    grep -q '^ *Root = "/run/containerd/congo"$' "$contrib" ||
        { setup_failed "$contrib has no Root = \"/run/containerd/congo\""; return 1; }
    sed -e '/^version = 2$/d' -e "s|\"/usr/local/bin/congo\"|\"$CONGO\"|" \
        -e "s|\"/run/containerd/congo\"|\"$CRI_ROOT\"|" "$contrib"
}

# CNI for the CRI pods: loopback (brings up lo in the pod's own network
# namespace) and a plugin that configures nothing and reports an address, so
# that pods get a network namespace of their own and no traffic leaves it.
cni_setup() {
    mkdir -p "$CTRD_WORK/cni-bin" "$CTRD_WORK/cni-conf"
    ln -s /usr/lib/cni/loopback "$CTRD_WORK/cni-bin/loopback"
    cat > "$CTRD_WORK/cni-bin/congo-test-null" <<'EOF'
#!/bin/sh
case "$CNI_COMMAND" in
ADD) echo '{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"'"$CNI_NETNS"'"}],"ips":[{"address":"192.0.2.2/24","interface":0}]}' ;;
VERSION) echo '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}' ;;
esac
exit 0
EOF
    chmod +x "$CTRD_WORK/cni-bin/congo-test-null"
    echo '{"cniVersion":"1.0.0","name":"congo-test-null","plugins":[{"type":"congo-test-null"}]}' \
        > "$CTRD_WORK/cni-conf/10-congo-test.conflist"
}

ctrd_setup() {
    local i
    for i in containerd ctr containerd-shim-runc-v2 nsenter unshare; do
        command -v $i >/dev/null || { CTRD_MISSING="$i is not installed (contrib/debian-test-packages.txt)"; return 1; }
    done
    [ -x "$CONGO" ] || { setup_failed "no congo binary at $CONGO"; return 1; }
    ctrd_config > "$CTRD_WORK/config.toml" || return 1
    cni_setup
    "$PY" "$TESTS_DIR/image/mkimage.py" --busybox "$BUSYBOX" plain "$CTRD_WORK/layout" >&2 &&
        tar -C "$CTRD_WORK/layout" -cf "$CTRD_WORK/image.tar" . || { setup_failed "mkimage.py plain failed"; return 1; }
    # A private /run (shim sockets, FIFOs, the shim's congo state) and /var/lib
    # (libcni caches its results in /var/lib/cni whatever the config says).
    unshare -m --propagation private -- sh -c 'mount -t tmpfs -o mode=0755 tmpfs /run &&
        mount -t tmpfs -o mode=0755 tmpfs /var/lib && exec containerd --config "$1"' \
        sh "$CTRD_WORK/config.toml" > "$CTRD_WORK/containerd.log" 2>&1 &
    CTRD_PID=$!
    for i in $(seq 200); do
        ctr --address "$CTRD_SOCK" version >/dev/null 2>&1 && break
        kill -0 "$CTRD_PID" 2>/dev/null || break
        sleep 0.05
    done
    ctr --address "$CTRD_SOCK" version >/dev/null 2>&1 ||
        { tail -20 "$CTRD_WORK/containerd.log" >&2; setup_failed "containerd did not start"; return 1; }
    CTRD_MNTNS=$(readlink "/proc/$CTRD_PID/ns/mnt")
    [ "$CTRD_MNTNS" != "$(readlink /proc/self/ns/mnt)" ] || { setup_failed "containerd is in our mount namespace"; return 1; }
    # The image, for ctr (our namespace) and for the CRI plugin (k8s.io).
    ctrd images import --base-name congo.test/busybox "$CTRD_WORK/image.tar" >/dev/null &&
        nsenter -t "$CTRD_PID" -m -- ctr --address "$CTRD_SOCK" -n k8s.io images import \
            --base-name congo.test/busybox "$CTRD_WORK/image.tar" >/dev/null ||
        { setup_failed "ctr images import failed"; return 1; }
}
ctrd_setup || true

# At the start of each test: the shared containerd must be up; on exit the
# test's containers go too (kill, delete), then lib.sh's cleanup.
ctrd_begin() {
    [ -z "$CTRD_MISSING" ] || skip "$CTRD_MISSING"
    [ -z "$CTRD_SETUP_FAILED" ] || fail "shared setup failed: $CTRD_SETUP_FAILED"
    ctrd_alive || fail "the test containerd is gone; its log: $(tail -5 "$CTRD_WORK/containerd.log")"
    IDS=""
    trap 'ctrd_end; cleanup_test' EXIT
}
ctrd_end() {
    local id
    set +e
    for id in $IDS; do
        ctr_ns "$CTRD_NS" task kill -a -s KILL "$id" >/dev/null 2>&1
        ctr_ns "$CTRD_NS" task delete -f "$id" >/dev/null 2>&1
        ctr_ns "$CTRD_NS" containers rm "$id" >/dev/null 2>&1
    done
    return 0
}
# new_id [N]: a container ID for this test, removed when the test ends.
new_id() { ID=$(cid "${1:-0}"); IDS="$IDS $ID"; }
# ctr_run ARGS...: ctr run with congo and a cgroup under ours (into $OUT, $ERR, $RC).
ctr_run() { run_cmd ctrd run --runc-binary "$CONGO" --cgroup "/$CTRD_CG/$ID" "$@"; }
# The bundle the shim made for $ID, and the init's PID it read from the pid file.
bundle() { echo "$CTRD_WORK/state/io.containerd.runtime.v2.task/$CTRD_NS/$ID"; }
init_pid() { cat "$(bundle)/init.pid"; }
task_status() { ctrd task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'; }
wait_task() {
    local i
    for i in $(seq 100); do [ "$(task_status "$1")" = "$2" ] && return 0; sleep 0.05; done
    fail "task $1: expected status $2, got '$(task_status "$1")'"
}
# congo's own view of the container, in the shim's state root.
congo_state() { in_ctrd_ns "$CONGO" --root "$SHIM_ROOT" state "$1"; }
# run_detached [CTR-RUN-OPTIONS] CMD...: a detached container; waits until it runs.
run_detached() {
    local opts=()
    while [ "${1#-}" != "$1" ]; do opts+=("$1"); shift; done
    ctr_run -d "${opts[@]}" "$IMAGE" "$ID" "$@"
    assert_ok
    wait_task "$ID" RUNNING
}
# After delete: no container, no task, no congo state, no cgroup.
assert_gone() {
    assert_eq "$(ctrd containers ls -q | grep -cx "$1")" 0 "container $1 left"
    assert_eq "$(in_ctrd_ns ls -A "$SHIM_ROOT" 2>/dev/null | grep -cx "$1")" 0 "congo state of $1 left"
    local d
    for d in /sys/fs/cgroup/*/"$CTRD_CG/$1"; do [ ! -d "$d" ] || fail "cgroup left: $d"; done
}

test_run_foreground() {
    ctrd_begin
    new_id 1
    ctr_run "$IMAGE" "$ID"
    assert_ok
    assert_eq "$OUT" "hello from the image"
    # ctr gave the shim congo as BinaryName (runc options, field 6).
    ctrd containers info "$ID" | jq -r .Runtime.Options.value | base64 -d | grep -aq "$CONGO" ||
        fail "BinaryName is not $CONGO: $(ctrd containers info "$ID" | jq -c .Runtime)"
    run_cmd ctrd containers rm "$ID"
    assert_ok
    assert_gone "$ID"
    # The image's user, working directory and environment; the exit status.
    new_id 2
    ctr_run --rm "$IMAGE" "$ID" sh -c 'id -un; pwd; echo "$FOO"; echo err >&2; exit 3'
    assert_rc 3
    assert_eq "$OUT" "$(printf 'tester\n/data\nbar')"
    assert_contains "$ERR" err
    assert_gone "$ID"
    # A terminal for the init (--console-socket; ctr wants a terminal on its
    # stdin, script gives it one).
    new_id 3
    run_cmd script -qec "nsenter -t $CTRD_PID -m -- ctr --address $CTRD_SOCK -n $CTRD_NS run -t --rm --runc-binary $CONGO --cgroup /$CTRD_CG/$ID $IMAGE $ID sh -c 'busybox tty; [ -t 0 ] && [ -t 1 ] && echo isatty; exit 6'" /dev/null
    assert_rc 6
    assert_contains "$OUT" /dev/pts/0
    assert_contains "$OUT" isatty
    assert_gone "$ID"
}

# What ctr's options put in the spec reaches the container: containerd's
# default seccomp profile, a read-only root, a bind mount, env, capabilities,
# --privileged (every capability in the bounding set, host devices, /sys rw).
test_run_options() {
    ctrd_begin
    mkdir -p "$T/src"
    echo from-the-host > "$T/src/f"
    new_id 1
    ctr_run --rm --seccomp --read-only --env A=b --mount "type=bind,src=$T/src,dst=/mnt,options=rbind:ro" \
        --cap-drop CAP_CHOWN --cap-add CAP_SYS_ADMIN "$IMAGE" "$ID" \
        sh -c 'grep "^Seccomp:" /proc/self/status; echo "$A"; cat /mnt/f; touch /x 2>&1; touch /mnt/y 2>&1; grep ^CapBnd /proc/self/status'
    assert_ok
    assert_contains "$OUT" "$(printf 'Seccomp:\t2')"
    assert_contains "$OUT" "$(printf 'b\nfrom-the-host')"
    assert_contains "$OUT" "/x: Read-only file system"
    assert_contains "$OUT" "/mnt/y: Read-only file system"
    local bnd
    bnd=$((16#$(awk '/^CapBnd/ { print $2 }' <<<"$OUT")))
    [ $((bnd & 1)) = 0 ] || fail "CAP_CHOWN not dropped: $OUT"
    [ $((bnd & (1 << 21))) != 0 ] || fail "CAP_SYS_ADMIN not added: $OUT"
    [ ! -e "$T/src/y" ] || fail "wrote through a read-only bind mount"
    assert_gone "$ID"
    new_id 2
    ctr_run --rm --privileged "$IMAGE" "$ID" sh -c 'grep ^CapBnd /proc/self/status; ls /dev | wc -l; grep " /sys " /proc/self/mountinfo'
    assert_ok
    # (Once, under heavy load, ctr returned 0 with no output at all: say
    # everything known if it happens again.)
    [ -n "$OUT" ] || fail "ctr run --privileged exited 0 and printed nothing; stderr: $ERR; containerd log: $(tail -20 "$CTRD_WORK"/*.log 2>/dev/null)"
    assert_contains "$OUT" "$(grep ^CapBnd /proc/self/status)"
    [ "$(sed -n 2p <<<"$OUT")" -gt 20 ] || fail "host devices missing: $OUT"
    assert_contains "$(sed -n 3p <<<"$OUT")" " /sys rw,"
    assert_gone "$ID"
}

# The memory limit is applied (seen on the host); an OOM kill is an exit of 137,
# for an exec'd process and for the init.
test_memory_limit_oom() {
    ctrd_begin
    new_id 1
    run_detached --memory-limit=33554432 sleep 1000
    assert_eq "$(cat "/sys/fs/cgroup/memory/$CTRD_CG/$ID/memory.limit_in_bytes")" 33554432
    run_cmd ctrd task exec --exec-id hog "$ID" /bin/busybox tail /dev/zero
    assert_rc 137
    [ "$(cat "/sys/fs/cgroup/memory/$CTRD_CG/$ID/memory.failcnt")" -gt 0 ] || fail "memory.failcnt is 0"
    assert_eq "$(task_status "$ID")" RUNNING
    new_id 2
    ctr_run --rm --memory-limit 33554432 "$IMAGE" "$ID" /bin/busybox tail /dev/zero
    assert_rc 137
    assert_gone "$ID"
}

test_detached_host_view() {
    ctrd_begin
    new_id
    run_detached sh -c 'sleep 1000 & sleep 1001 & wait'
    local pid ns st
    # The pid file the shim read: digits only.
    [[ "$(cat "$(bundle)/init.pid")" =~ ^[0-9]+$ ]] || fail "init.pid: '$(cat "$(bundle)/init.pid")'"
    pid=$(init_pid)
    assert_eq "$(ctrd task ls | awk -v id="$ID" '$1 == id { print $2 }')" "$pid"
    # The shim reaps the init: congo is not its parent.
    assert_ne "$(awk '{ print $4 }' "/proc/$pid/stat")" "$$"
    assert_eq "$(readlink "/proc/$pid/exe")" /bin/busybox "init's program (seen from the host)"
    for ns in pid mnt net uts ipc; do
        assert_ne "$(readlink "/proc/$pid/ns/$ns")" "$(readlink "/proc/self/ns/$ns")" "$ns namespace"
    done
    grep -q ":memory:/$CTRD_CG/$ID\$" "/proc/$pid/cgroup" || fail "not in its cgroup: $(cat "/proc/$pid/cgroup")"
    # congo's state, in the state root the shim gave it.
    st=$(congo_state "$ID") || fail "congo state $ID failed"
    assert_eq "$(jq -r .status <<<"$st")" running
    assert_eq "$(jq -r .pid <<<"$st")" "$pid"
    assert_eq "$(jq -r .bundle <<<"$st")" "$(bundle)"
    # task ps: the host PIDs of the container's processes (congo ps --format json).
    wait_for sh -c "[ \$(wc -l < /sys/fs/cgroup/pids/$CTRD_CG/$ID/cgroup.procs) = 3 ]" || fail "expected 3 processes"
    run_cmd ctrd task ps "$ID"
    assert_ok
    assert_eq "$(tail -n +2 <<<"$OUT" | awk '{ print $1 }' | sort -n | tr '\n' ' ')" \
        "$(sort -n "/sys/fs/cgroup/pids/$CTRD_CG/$ID/cgroup.procs" | tr '\n' ' ')" "task ps against cgroup.procs"
    # Metrics: the shim reads the cgroup of the init itself.
    run_cmd ctrd task metrics "$ID"
    assert_ok
    [ "$(awk '$1 == "memory.usage_in_bytes" { print $2 }' <<<"$OUT")" -gt 0 ] || fail "memory usage: $OUT"
    assert_eq "$(awk '$1 == "pids.current" { print $2 }' <<<"$OUT")" 3 "pids.current: $OUT"
    # Pause and resume, the freezer seen from the host.
    run_cmd ctrd task pause "$ID"
    assert_ok
    assert_eq "$(task_status "$ID")" PAUSED
    assert_eq "$(cat "/sys/fs/cgroup/freezer/$CTRD_CG/$ID/freezer.state")" FROZEN
    assert_eq "$(congo_state "$ID" | jq -r .status)" paused
    run_cmd ctrd task resume "$ID"
    assert_ok
    assert_eq "$(task_status "$ID")" RUNNING
    assert_eq "$(cat "/sys/fs/cgroup/freezer/$CTRD_CG/$ID/freezer.state")" THAWED
    # SIGKILL to a paused task: it dies (congo thaws it after the signal).
    run_cmd ctrd task pause "$ID"
    assert_ok
    assert_eq "$(task_status "$ID")" PAUSED
    run_cmd ctrd task kill -s KILL "$ID"
    assert_ok
    wait_task "$ID" STOPPED
    run_cmd ctrd task delete "$ID"
    assert_ok
    assert_contains "$OUT$ERR" "exit code 137"
    [ ! -d "/proc/$pid" ] || fail "init $pid still there"
    run_cmd ctrd containers rm "$ID"
    assert_ok
    assert_gone "$ID"
}

test_exec() {
    ctrd_begin
    new_id
    run_detached sleep 1000
    # The image's user and working directory, the exit status.
    run_cmd ctrd task exec --exec-id e1 "$ID" sh -c 'id -un; pwd; echo "$FOO"; exit 5'
    assert_rc 5
    assert_eq "$OUT" "$(printf 'tester\n/data\nbar')"
    run_cmd ctrd task exec --exec-id e2 --user 0 --cwd /tmp "$ID" sh -c 'id -u; pwd'
    assert_ok
    assert_eq "$OUT" "$(printf '0\n/tmp')"
    # The exec'd process joins the init's namespaces and cgroup.
    run_cmd ctrd task exec --exec-id e3 "$ID" sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt; cat /proc/self/cgroup'
    assert_ok
    assert_eq "$(head -2 <<<"$OUT")" "$(readlink "/proc/$(init_pid)/ns/pid"; readlink "/proc/$(init_pid)/ns/mnt")"
    assert_contains "$OUT" ":memory:/$CTRD_CG/$ID"
    # A terminal (ctr wants one on its stdin: script gives it a pty).
    run_cmd script -qec "nsenter -t $CTRD_PID -m -- ctr --address $CTRD_SOCK -n $CTRD_NS task exec -t --exec-id e4 $ID sh -c 'busybox tty; [ -t 0 ] && [ -t 1 ] && echo isatty; exit 4'" /dev/null
    assert_rc 4
    assert_contains "$OUT" /dev/pts/
    assert_contains "$OUT" isatty
    # No exec into a paused task (the shim refuses); the task resumes fine.
    run_cmd ctrd task pause "$ID"
    run_cmd ctrd task exec --exec-id e5 "$ID" true
    assert_failed
    run_cmd ctrd task resume "$ID"
    assert_ok
    # congo has no CRIU support: checkpoint says so, and the task runs on.
    run_cmd ctrd task checkpoint "$ID"
    assert_failed
    assert_contains "$ERR" "checkpoint is not supported by congo"
    assert_eq "$(task_status "$ID")" RUNNING
    run_cmd ctrd task exec --exec-id e6 "$ID" true
    assert_ok
}

test_kill() {
    ctrd_begin
    local pid kids k
    # TERM reaches the init, which handles it.
    new_id 1
    run_detached sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
    run_cmd ctrd task kill -s TERM "$ID"
    assert_ok
    wait_task "$ID" STOPPED
    run_cmd ctrd task delete "$ID"
    assert_ok
    assert_contains "$OUT$ERR" "exit code 7"
    run_cmd ctrd containers rm "$ID"
    assert_gone "$ID"
    # --all: every process of the container gets the signal. The init ignores
    # USR1, the two sleeps started before the trap do not.
    new_id 2
    run_detached sh -c 'sleep 1000 & sleep 1001 & trap "" USR1; while :; do sleep 0.1; done'
    pid=$(init_pid)
    wait_for sh -c "[ \$(pgrep -P $pid -f '^sleep 100[01]\$' | wc -l) = 2 ]" || fail "the sleeps did not start"
    kids=$(pgrep -P "$pid" -f '^sleep 100[01]$')
    run_cmd ctrd task kill -s USR1 "$ID"
    assert_ok
    sleep 0.2
    for k in $kids; do [ -d "/proc/$k" ] || fail "USR1 without --all reached $k"; done
    run_cmd ctrd task kill --all -s USR1 "$ID"
    assert_ok
    for k in $kids; do wait_for test ! -d "/proc/$k" || fail "--all USR1 did not reach $k"; done
    assert_eq "$(task_status "$ID")" RUNNING
    run_cmd ctrd task kill --all -s KILL "$ID"
    assert_ok
    wait_task "$ID" STOPPED
    run_cmd ctrd task delete "$ID"
    assert_contains "$OUT$ERR" "exit code 137"
    run_cmd ctrd containers rm "$ID"
    assert_gone "$ID"
}

# ctr task start -d: a new task of an existing container (ctr 1.6's `container
# create` has no --runc-binary; the container keeps the options `ctr run` gave
# it, BinaryName included), after the first task was deleted.
test_task_start_detached() {
    ctrd_begin
    new_id
    run_detached sh -c 'echo first; sleep 1000'
    local first
    first=$(init_pid)
    run_cmd ctrd task kill -s KILL "$ID"
    wait_task "$ID" STOPPED
    run_cmd ctrd task delete "$ID"
    assert_ok
    assert_eq "$(task_status "$ID")" ""
    run_cmd ctrd task start -d "$ID"
    assert_ok
    wait_task "$ID" RUNNING
    assert_ne "$(init_pid)" "$first"
    assert_eq "$(congo_state "$ID" | jq -r .pid)" "$(init_pid)" "congo runs the new task"
    run_cmd ctrd task kill -s KILL "$ID"
    wait_task "$ID" STOPPED
    run_cmd ctrd task delete "$ID"
    assert_ok
    run_cmd ctrd containers rm "$ID"
    assert_ok
    assert_gone "$ID"
}

# congo_message ARGS...: what congo itself says (its last error line, without
# "congo: ") when it creates a bundle running ARGS.
congo_message() {
    make_bundle "msg-$RANDOM"
    cfg ".process.args = $(jq -cn '$ARGS.positional' --args "$@")"
    run_congo create -b "$B" "$(cid direct)"
    assert_failed
    ERR=$(tail -1 <<<"$ERR")
    echo "${ERR#congo: }"
}

# A missing program: the shim reports the message congo wrote to its --log.
test_error_missing_executable() {
    ctrd_begin
    local msg
    new_id
    msg=$(congo_message /bin/nonexistent-program)
    assert_contains "${msg,,}" 'no such file or directory'
    ctr_run --rm "$IMAGE" "$ID" /bin/nonexistent-program
    assert_failed
    assert_contains "$ERR" "OCI runtime create failed: $msg"
    assert_gone "$ID"
    msg=$(congo_message nonexistent-program)
    assert_contains "$msg" 'executable file not found in $PATH'
    ctr_run --rm "$IMAGE" "$ID" nonexistent-program
    assert_failed
    assert_contains "$ERR" "OCI runtime create failed: $msg"
    assert_gone "$ID"
    # The same through exec, the container running on.
    run_detached sleep 1000
    run_cmd ctrd task exec --exec-id e1 "$ID" nonexistent-program
    assert_failed
    assert_contains "$ERR" 'OCI runtime exec failed: '
    assert_contains "$ERR" 'executable file not found in $PATH'
    assert_eq "$(task_status "$ID")" RUNNING
}

# A bad bundle: the shim shows the message congo wrote to its --log.
test_error_bad_namespace() {
    ctrd_begin
    new_id
    make_bundle b
    cfg ".root.path = \"$B/rootfs\" | .linux.namespaces += [{\"type\": \"bogus\"}] | .linux.cgroupsPath = \"/$CTRD_CG/$ID\""
    # What congo says about this config by itself.
    run_congo create -b "$B" "$(cid direct)"
    assert_failed
    local msg=$(tail -1 <<<"$ERR")
    msg=${msg#congo: }
    assert_contains "$msg" bogus
    run_cmd ctrd run --runc-binary "$CONGO" --config "$B/config.json" --rm "$ID"
    assert_failed
    assert_contains "$ERR" "OCI runtime create failed: ${msg}"
    assert_gone "$ID"
}

# The CRI plugin with the runtime handler "congo" of contrib/containerd/config.toml:
# BinaryName (congo runs the pod) and Root (its state root) come from there.
test_cri_runtime_handler() {
    ctrd_begin
    command -v "$PY" >/dev/null && "$PY" -c 'import grpc' 2>/dev/null ||
        skip "python3-grpcio is not installed (contrib/debian-test-packages.txt)"
    local pod c1 c2 c3 pid spid i st
    mkdir -p "$T/logs"
    CRI_POD_NAME=$(cid)
    # The handler a Kubernetes RuntimeClass names (contrib/containerd/runtimeclass.yaml).
    local handler
    handler=$(awk '$1 == "handler:" { print $2 }' "$TOP_SRCDIR/contrib/containerd/runtimeclass.yaml")
    assert_eq "$handler" congo "the handler of contrib/containerd/runtimeclass.yaml"
    pod=$(cri runp "$handler") || fail "RunPodSandbox failed; containerd: $(grep -i 'level=error\|cri' "$CTRD_WORK/containerd.log" | tail -5)"
    echo "pod $pod" >&2
    trap 'set +e; cri stopp '"$pod"' >/dev/null 2>&1; cri rmp '"$pod"' >/dev/null 2>&1; cleanup_test' EXIT
    # The sandbox runs with congo, in congo's state root from the config.
    st=$("$CONGO" --root "$CRI_ROOT/k8s.io" state "$pod") || fail "no congo state for the sandbox in $CRI_ROOT/k8s.io"
    assert_eq "$(jq -r .status <<<"$st")" running
    spid=$(jq -r .pid <<<"$st")
    assert_eq "$(tr '\0' ' ' < "/proc/$spid/cmdline")" "/bin/sleep 1000000 "
    assert_ne "$(readlink "/proc/$spid/ns/net")" "$(readlink /proc/self/ns/net)" "the pod's network namespace"
    grep -q ":memory:/$CTRD_CG/pod-$TEST_NAME/$pod\$" "/proc/$spid/cgroup" || fail "sandbox cgroup: $(cat "/proc/$spid/cgroup")"
    # A container that prints and exits.
    c1=$(cri create "$pod" "$IMAGE" c1.log sh -c 'echo hello from cri; id -un') || fail "CreateContainer failed"
    cri start "$c1" || fail "StartContainer failed"
    for i in $(seq 100); do [ "$(cri status "$c1")" = "EXITED 0" ] && break; sleep 0.05; done
    assert_eq "$(cri status "$c1")" "EXITED 0"
    assert_contains "$(cat "$T/logs/c1.log")" "stdout F hello from cri"
    assert_contains "$(cat "$T/logs/c1.log")" "stdout F tester"
    # A long-running one, with ExecSync; it shares the pod's network namespace.
    c2=$(cri create "$pod" "$IMAGE" c2.log sh -c 'trap "" INT; while :; do sleep 1; done') || fail "CreateContainer failed"
    cri start "$c2" || fail "StartContainer failed"
    pid=$("$CONGO" --root "$CRI_ROOT/k8s.io" state "$c2" | jq -r .pid)
    # It joins the pod's namespaces (paths /proc/PID/ns/* in its spec).
    for i in net pid ipc; do
        assert_eq "$(readlink "/proc/$pid/ns/$i")" "$(readlink "/proc/$spid/ns/$i")" "the container joins the pod's $i namespace"
    done
    run_cmd cri exec "$c2" sh -c 'echo exec here; pwd; exit 3'
    assert_rc 3
    assert_eq "$OUT" "$(printf 'exec here\n/data')"
    # UpdateContainerResources: congo update --resources -, seen on the host.
    run_cmd cri update "$c2" 67108864
    assert_ok
    assert_eq "$(cat "/sys/fs/cgroup/memory/$CTRD_CG/pod-$TEST_NAME/$c2/memory.limit_in_bytes")" 67108864
    # StopContainer: the image's StopSignal (SIGINT), ignored here, then
    # SIGKILL after the timeout.
    run_cmd cri stop "$c2" 1
    assert_ok
    assert_eq "$(cri status "$c2")" "EXITED 137"
    [ ! -d "/proc/$pid" ] || fail "container $c2 ($pid) still running"
    # A handler for the stop signal: a clean exit, before the timeout.
    c3=$(cri create "$pod" "$IMAGE" c3.log sh -c 'trap "echo got INT; exit 0" INT; echo ready; while :; do sleep 0.1; done') ||
        fail "CreateContainer failed"
    cri start "$c3" || fail "StartContainer failed"
    for i in $(seq 100); do grep -q ready "$T/logs/c3.log" 2>/dev/null && break; sleep 0.05; done
    run_cmd cri stop "$c3" 30
    assert_ok
    assert_eq "$(cri status "$c3")" "EXITED 0"
    assert_contains "$(cat "$T/logs/c3.log")" "stdout F got INT"
    run_cmd cri stopp "$pod"
    assert_ok
    run_cmd cri rmp "$pod"
    assert_ok
    assert_eq "$(ls -A "$CRI_ROOT/k8s.io" 2>/dev/null)" "" "congo state left in $CRI_ROOT/k8s.io"
    [ ! -d "/proc/$pid" ] && [ ! -d "/proc/$spid" ] || fail "pod processes left"
    [ ! -d "/sys/fs/cgroup/memory/$CTRD_CG/pod-$TEST_NAME/$pod" ] || fail "sandbox cgroup left"
}

# Runs last: stop containerd and check that nothing is left anywhere.
test_zz_teardown() {
    [ -z "$CTRD_MISSING" ] || skip "$CTRD_MISSING"
    [ -n "$CTRD_PID" ] || fail "no containerd was started: $CTRD_SETUP_FAILED"
    local pid=$CTRD_PID work=$CTRD_WORK p left
    ctrd_teardown
    [ ! -d "/proc/$pid" ] || fail "containerd ($pid) still running"
    [ -z "$(shim_pids)" ] || fail "shims left: $(shim_pids)"
    left=$(ls -l /proc/[0-9]*/ns/mnt 2>/dev/null | grep -F "$CTRD_MNTNS" || true)
    [ -z "$left" ] || fail "processes left in containerd's mount namespace: $left"
    [ -z "$(ls -d /sys/fs/cgroup/*/"$CTRD_CG" 2>/dev/null)" ] || fail "cgroups left: $(ls -d /sys/fs/cgroup/*/"$CTRD_CG")"
    ! grep -q "$work" /proc/self/mountinfo || fail "mounts left under $work"
    [ ! -e "$work" ] || fail "$work left"
    for p in $HOST_PATHS; do
        [ ! -e "$p" ] || grep -qx "$p" <<<"$HOST_PATHS_BEFORE" || fail "$p was made on the host"
    done
}

run_tests "$@"
