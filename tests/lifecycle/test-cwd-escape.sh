#!/bin/bash
# runc CVE-2024-21626: process.cwd (an image's WorkingDir, `exec --cwd`) set
# to /proc/self/fd/N names whatever fd N is in the process that does the
# chdir: a host directory congo's caller left open (no close-on-exec), or one
# of congo's own (its cgroup directories).  The container must either be
# refused, with a message naming process.cwd and its value and nothing left
# behind, or start in a directory inside its root: never in a host directory
# ("(unreachable)" for getcwd), from where `../../..` is the host's root.
. "$(dirname "$0")/../lib.sh"

# Every fd a cwd could name: the ones an inherited fd (7) and congo's cgroup
# directories (one per v1 hierarchy on a hybrid host) get in the child.
FDS=$(seq 3 24)

# The program the container runs: where it is, as the kernel and the shell
# see it, and what it sees there and three levels up, written to a file by
# absolute path (inside the root whatever the cwd).
probe() { echo "{ pwd; readlink /proc/self/cwd; ls -a; ls -a ../../..; } > /tmp/probe-$1 2>&1"; }

# A bundle whose container can write its probe (`congo spec` makes the root read-only).
bundle() {
    make_bundle
    cfg '.root.readonly = false'
}

# A host directory with a marker the container must never see, opened by
# this shell as fd 7 without close-on-exec: congo inherits it.
host_dir() {
    H=$T/host-dir
    mkdir -p "$H"
    touch "$H/HOST-MARKER"
}

# The probe's output must show a cwd inside the container's root.
assert_probe_inside() {
    local p=$1 what=$2
    assert_not_contains "$p" HOST-MARKER "$what"
    assert_not_contains "$p" cgroup.procs "$what"
    assert_not_contains "$p" unreachable "$what"
    assert_not_contains "$p" "$T" "$what"
    assert_not_contains "$p" config.json "$what"
    case $(echo "$p" | head -1) in /*) ;; *) fail "pwd is not a path inside the root ($what): $p" ;; esac
}

# No directory named `name` appeared on the host: in the host directory or
# under the test's cgroups (a cwd made through a host fd would be there).
assert_nothing_made_on_host() {
    local name=$1 found
    found=$(find "$H" /sys/fs/cgroup/*/"$CONGO_TEST_CGROUP" /sys/fs/cgroup/"$CONGO_TEST_CGROUP" \
        -name "$name" 2>/dev/null || true)
    [ -z "$found" ] || fail "process.cwd created a directory on the host: $found"
}

# A refused container: the message names process.cwd and the value, nothing is left.
assert_refused_cleanly() {
    local cwd=$1
    assert_contains "$ERR" "process.cwd \"$cwd\"" "cwd $cwd"
    assert_no_state
    assert_no_cgroup
}

test_run_cwd_through_an_fd_stays_inside() {
    bundle
    host_dir
    local n cwd
    for n in $FDS; do
        cwd=/proc/self/fd/$n
        cfg ".process.cwd = \"$cwd\" | .process.args = [\"sh\", \"-c\", \"$(probe "$n")\"]"
        exec 7<"$H"
        run_congo run -b "$B" "$(cid "$n")"
        exec 7<&-
        if [ "$RC" = 0 ]; then
            assert_probe_inside "$(cat "$B/rootfs/tmp/probe-$n")" "run, cwd $cwd"
        else
            assert_refused_cleanly "$cwd"
        fi
    done
}

test_create_start_cwd_through_an_fd_stays_inside() {
    bundle
    host_dir
    local n cwd id
    for n in $FDS; do
        cwd=/proc/self/fd/$n
        id=$(cid "$n")
        cfg ".process.cwd = \"$cwd\" | .process.args = [\"sh\", \"-c\", \"$(probe "$n")\"]"
        exec 7<"$H"
        run_congo create -b "$B" "$id"
        exec 7<&-
        if [ "$RC" != 0 ]; then
            assert_refused_cleanly "$cwd"
            continue
        fi
        exec 7<"$H"
        run_congo start "$id"
        exec 7<&-
        if [ "$RC" = 0 ]; then
            wait_status "$id" stopped || fail "the container did not stop (cwd $cwd)"
            assert_probe_inside "$(cat "$B/rootfs/tmp/probe-$n")" "create/start, cwd $cwd"
        else
            assert_contains "$ERR" "process.cwd \"$cwd\"" "start, cwd $cwd"
        fi
        run_congo delete --force "$id"
    done
}

test_preserved_host_dir_fd_is_refused_as_cwd() {
    # A host directory passed on purpose (--preserve-fds) is the container's
    # to read, not a place to start in.
    bundle
    host_dir
    cfg ".process.cwd = \"/proc/self/fd/3\" | .process.args = [\"sh\", \"-c\", \"$(probe 3)\"]"
    RC=0
    "$CONGO" --root "$ROOT" run --preserve-fds 1 -b "$B" "$(cid)" 3<"$H" > "$T/o" 2>&1 || RC=$?
    ERR=$(cat "$T/o")
    assert_failed
    assert_refused_cleanly /proc/self/fd/3
    [ ! -e "$B/rootfs/tmp/probe-3" ] || fail "the container ran: $(cat "$B/rootfs/tmp/probe-3")"
}

test_program_through_an_inherited_fd_is_not_found() {
    # The same escape through process.args[0]: the fd congo's caller left
    # open is closed before the program is looked up (and at execve).
    bundle
    host_dir
    printf '#!/bin/sh\necho HOST-PROGRAM-RAN\n' > "$H/host-program"
    chmod 755 "$H/host-program"
    cfg '.process.args = ["/proc/self/fd/7/host-program"]'
    exec 7<"$H"
    run_congo run -b "$B" "$(cid)"
    exec 7<&-
    assert_failed
    assert_not_contains "$OUT" HOST-PROGRAM-RAN
    assert_contains "$ERR" "/proc/self/fd/7/host-program"
    assert_no_state
    assert_no_cgroup
}

test_cwd_under_an_fd_is_not_created_on_the_host() {
    # A missing cwd is created (as runc does): never through a host fd.
    bundle
    host_dir
    local n cwd
    for n in $FDS; do
        cwd=/proc/self/fd/$n/made-by-congo
        cfg ".process.cwd = \"$cwd\" | .process.args = [\"sh\", \"-c\", \"$(probe "$n")\"]"
        exec 7<"$H"
        run_congo run -b "$B" "$(cid "$n")"
        exec 7<&-
        assert_nothing_made_on_host made-by-congo
        if [ "$RC" = 0 ]; then
            assert_probe_inside "$(cat "$B/rootfs/tmp/probe-$n")" "cwd $cwd"
        else
            assert_refused_cleanly "$cwd"
        fi
    done
}

test_cwd_symlink_in_the_rootfs_to_an_fd_is_refused() {
    # The image's own symlink to /proc/self/fd/7 is no way around it.
    bundle
    host_dir
    ln -s /proc/self/fd/7 "$B/rootfs/work"
    cfg ".process.cwd = \"/work\" | .process.args = [\"sh\", \"-c\", \"$(probe 7)\"]"
    exec 7<"$H"
    run_congo run -b "$B" "$(cid)"
    exec 7<&-
    assert_failed
    assert_refused_cleanly /work
    assert_contains "$ERR" "magic link"
}

test_cwd_symlinks_and_dotdot_resolve_inside_the_root() {
    # What stays legitimate: a symlink in the image and `..` above its root,
    # both taken inside the root (as the kernel does after pivot_root).
    bundle
    mkdir -p "$B/rootfs/data/app"
    ln -s ../../../../data "$B/rootfs/link"
    cfg '.process.cwd = "/link/app" | .process.args = ["sh", "-c", "pwd; readlink /proc/self/cwd"]'
    run_congo run -b "$B" "$(cid 1)"
    assert_ok
    assert_eq "$OUT" "/data/app
/data/app"
    cfg '.process.cwd = "/../../../tmp" | .process.args = ["readlink", "/proc/self/cwd"]'
    run_congo run -b "$B" "$(cid 2)"
    assert_ok
    assert_eq "$OUT" "/tmp"
}

# A running container to exec into.
start_sleeper() {
    bundle
    host_dir
    cfg '.process.args = ["sleep", "300"]'
    ID=$(cid)
    run_congo run -d -b "$B" "$ID"
    assert_ok
}

test_exec_cwd_through_an_fd_stays_inside() {
    start_sleeper
    local n cwd
    for n in $FDS; do
        cwd=/proc/self/fd/$n
        exec 7<"$H"
        run_congo exec --cwd "$cwd" "$ID" sh -c 'pwd; readlink /proc/self/cwd; ls -a; ls -a ../../..'
        exec 7<&-
        if [ "$RC" = 0 ]; then
            assert_probe_inside "$OUT" "exec, cwd $cwd"
        else
            assert_contains "$ERR" "process.cwd \"$cwd\"" "exec, cwd $cwd"
        fi
    done
    # Nothing of the failed execs is left running.
    assert_eq "$(congo ps --format json "$ID" | jq -r ".[]")" "$(state_pid "$ID")"
}

test_exec_detached_cwd_through_an_fd_stays_inside() {
    start_sleeper
    local n cwd
    for n in $FDS; do
        cwd=/proc/self/fd/$n
        rm -f "$T/e.pid"
        exec 7<"$H"
        run_congo exec -d --pid-file "$T/e.pid" --cwd "$cwd" "$ID" sh -c "$(probe "$n")"
        exec 7<&-
        if [ "$RC" = 0 ]; then
            wait_for test -s "$B/rootfs/tmp/probe-$n" || fail "exec -d wrote no probe (cwd $cwd)"
            wait_for sh -c "! kill -0 $(cat "$T/e.pid") 2>/dev/null" || true
            assert_probe_inside "$(cat "$B/rootfs/tmp/probe-$n")" "exec -d, cwd $cwd"
        else
            assert_contains "$ERR" "process.cwd \"$cwd\"" "exec -d, cwd $cwd"
            [ ! -e "$T/e.pid" ] || fail "a pid file was written for a refused exec -d"
        fi
    done
}

test_exec_process_json_cwd_through_an_fd_stays_inside() {
    start_sleeper
    local n cwd
    for n in 3 7 11 13; do
        cwd=/proc/self/fd/$n
        jq -n --arg cwd "$cwd" '{cwd: $cwd, args: ["sh", "-c", "pwd; readlink /proc/self/cwd; ls -a; ls -a ../../.."],
            env: ["PATH=/bin"], user: {uid: 0, gid: 0}}' > "$T/process.json"
        exec 7<"$H"
        run_congo exec -p "$T/process.json" "$ID"
        exec 7<&-
        if [ "$RC" = 0 ]; then
            assert_probe_inside "$OUT" "exec -p, cwd $cwd"
        else
            assert_contains "$ERR" "process.cwd \"$cwd\"" "exec -p, cwd $cwd"
        fi
    done
}

test_exec_missing_cwd_names_it() {
    start_sleeper
    run_congo exec --cwd /does/not/exist "$ID" true
    assert_failed
    assert_contains "$ERR" 'process.cwd "/does/not/exist"'
    assert_contains "$ERR" "No such file or directory"
}

run_tests "$@"
