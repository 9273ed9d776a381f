#!/bin/bash
# The root without a mount namespace of the container's own (none, or one
# joined by path), loopback in a new network namespace, host paths a user
# namespace's root cannot reach (bind sources, the console socket), and
# where and how the OCI hooks run.
. "$(dirname "$0")/../lib.sh"

RECVTTY=$TOP_BUILDDIR/tests/helpers/recvtty

# A program only the rootfs has (the host has no /probe.sh).
rootfs_probe() {
    printf '#!/bin/sh\necho "probe: $(cat /marker) $*"\nls /\n' > "$B/rootfs/probe.sh"
    chmod 755 "$B/rootfs/probe.sh"
    echo from-the-rootfs > "$B/rootfs/marker"
}

# --- the root without a mount namespace of its own ---

test_no_mount_namespace_runs_in_the_rootfs() {
    make_bundle
    rootfs_probe
    # Every namespace but pid is the runtime's.
    cfg '.linux.namespaces = [{type: "pid"}] | del(.hostname) | .mounts = [] | .linux.maskedPaths = [] | .linux.readonlyPaths = []
        | .process.args = ["/probe.sh", "x"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_contains "$OUT" "probe: from-the-rootfs x"
    # / is the rootfs: its files, not the host's.
    assert_contains "$OUT" "probe.sh"
    assert_no_state
}

test_no_mount_namespace_with_create_and_start() {
    make_bundle
    rootfs_probe
    cfg '.linux.namespaces = [{type: "pid"}, {type: "uts"}] | .mounts = [] | .linux.maskedPaths = []
        | .linux.readonlyPaths = [] | .hostname = "nomnt" | .process.args = ["/bin/sh", "-c", "/probe.sh; hostname > /out"]'
    local id; id=$(cid)
    run_congo create -b "$B" "$id"
    assert_ok
    assert_eq "$(state_status "$id")" created
    # The container process runs with the host's mount namespace.
    assert_eq "$(readlink "/proc/$(state_pid "$id")/ns/mnt")" "$(readlink /proc/self/ns/mnt)"
    run_congo start "$id"
    assert_ok
    wait_for test -s "$B/rootfs/out" || fail "the container wrote no /out into its rootfs"
    assert_eq "$(cat "$B/rootfs/out")" nomnt
}

# exec joins the init's root, not the host's, when the container has no
# mount namespace of its own.
test_exec_without_a_mount_namespace_runs_in_the_rootfs() {
    make_bundle
    rootfs_probe
    cfg '.linux.namespaces = [{type: "pid"}] | del(.hostname) | .mounts = [] | .linux.maskedPaths = []
        | .linux.readonlyPaths = [] | .process.args = ["/bin/sleep", "300"]'
    local id; id=$(cid)
    run_congo run -d -b "$B" "$id"
    assert_ok
    run_congo exec "$id" /probe.sh e
    assert_ok
    assert_contains "$OUT" "probe: from-the-rootfs e"
    run_congo exec --cwd /bin "$id" /bin/sh -c 'pwd; cat /marker'
    assert_ok
    assert_eq "$OUT" "/bin
from-the-rootfs"
    run_congo delete --force "$id"
    assert_ok
}

# A mount namespace held by a process of the test (killed by PID), in which
# a tmpfs on the rootfs's /mnt holds a marker the host does not see.
hold_mount_namespace() {
    mkdir -p "$B/rootfs/mnt"
    unshare -m --propagation private sh -c "mount -t tmpfs joined $B/rootfs/mnt && echo in-the-joined-namespace > $B/rootfs/mnt/marker && exec sleep 300" &
    HOLDER=$!
    trap "kill $HOLDER 2>/dev/null || true; cleanup_test" EXIT
    wait_for test -e "/proc/$HOLDER/root$B/rootfs/mnt/marker" || fail "the namespace holder did not mount its tmpfs"
    [ ! -e "$B/rootfs/mnt/marker" ] || fail "the holder's tmpfs is visible on the host"
}

test_join_mount_namespace_by_path() {
    make_bundle
    rootfs_probe
    hold_mount_namespace
    cfg ".linux.namespaces = [.linux.namespaces[] | if .type == \"mount\" then .path = \"/proc/$HOLDER/ns/mnt\" else . end]
        | .mounts = [] | .linux.maskedPaths = [] | .linux.readonlyPaths = []
        | .process.args = [\"/bin/sh\", \"-c\", \"/probe.sh; cat /mnt/marker\"]"
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_contains "$OUT" "probe: from-the-rootfs"
    assert_contains "$OUT" "in-the-joined-namespace"
    # An fd on the holder's namespace is still the same namespace.
    run_cmd readlink "/proc/$HOLDER/ns/mnt"
    assert_ne "$OUT" "$(readlink /proc/self/ns/mnt)"
}

# --- loopback ---

test_loopback_is_up_in_a_new_network_namespace() {
    make_bundle
    cfg '.process.args = ["sh", "-c", "cat /sys/class/net/lo/flags; ip -o addr show lo; nc -l -p 4242 127.0.0.1 > /tmp/got & l=$!; for i in $(seq 100); do echo over-lo | nc 127.0.0.1 4242 2>/dev/null && break; usleep 50000; done; for i in $(seq 500); do kill -0 $l 2>/dev/null || break; usleep 20000; done; kill $l 2>/dev/null; cat /tmp/got"]
        | .root.readonly = false'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    # IFF_UP (0x1) with IFF_LOOPBACK (0x8), and the kernel's 127.0.0.1.
    assert_eq "$(echo "$OUT" | head -1)" 0x9
    assert_contains "$OUT" "127.0.0.1/8"
    assert_contains "$OUT" over-lo
}

test_loopback_of_a_joined_network_namespace_is_left_alone() {
    local ns=congo-test-$$-$RANDOM
    ip netns add "$ns" || skip "ip netns add failed"
    trap "ip netns del $ns 2>/dev/null; cleanup_test" EXIT
    make_bundle
    cfg ".linux.namespaces = [.linux.namespaces[] | if .type == \"network\" then .path = \"/run/netns/$ns\" else . end] | .process.args = [\"cat\", \"/sys/class/net/lo/flags\"]"
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_eq "$OUT" 0x8
}

# --- host paths a user namespace's root cannot reach ---

userns_bundle() {
    make_bundle "$@"
    chmod 755 "$T"
    cfg '.linux.namespaces += [{"type": "user"}] |
         .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] |
         .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

test_userns_bind_of_a_dir_only_host_root_can_reach() {
    userns_bundle
    mkdir -p "$T/private/data" "$T/private/file-dir"
    chmod 700 "$T/private"
    echo secret-data > "$T/private/data/file"
    echo single-file > "$T/private/file-dir/one"
    # Mount points made beforehand: the rootfs is the host root's.
    mkdir "$B/rootfs/data"; touch "$B/rootfs/one"
    cfg ".mounts += [{destination: \"/data\", source: \"$T/private/data\", options: [\"bind\", \"ro\"]},
                     {destination: \"/one\", source: \"$T/private/file-dir/one\", options: [\"rbind\"]}]
        | .process.args = [\"sh\", \"-c\", \"cat /data/file /one; id -u; touch /data/x 2>&1 || echo read-only\"]"
    run_congo run -b "$B" "$(cid)"
    assert_ok
    assert_contains "$OUT" secret-data
    assert_contains "$OUT" single-file
    assert_contains "$OUT" read-only
    [ ! -e "$T/private/data/x" ] || fail "the read-only bind was written"
}

test_userns_console_socket_in_a_dir_only_host_root_can_reach() {
    userns_bundle
    mkdir "$T/sockdir"
    chmod 700 "$T/sockdir"
    cfg '.process.terminal = true | .process.args = ["sh", "-c", "test -t 1 && echo tty-in-userns; id -u"]'
    "$RECVTTY" "$T/sockdir/console.sock" >"$T/tty.out" 2>"$T/tty.err" &
    local rpid=$! id; id=$(cid)
    trap "kill $rpid 2>/dev/null || true; cleanup_test" EXIT
    wait_for test -S "$T/sockdir/console.sock" || fail "recvtty did not listen: $(cat "$T/tty.err")"
    run_congo create -b "$B" --console-socket "$T/sockdir/console.sock" "$id"
    assert_ok
    run_congo start "$id"
    assert_ok
    local i
    for i in $(seq 200); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.05; done
    wait "$rpid" || fail "recvtty failed: $(cat "$T/tty.err")"
    assert_contains "$(tr -d '\r' < "$T/tty.out")" tty-in-userns
}

# --- hooks ---

# cfg_args JQ-FILTER JQ-ARGS...: cfg with jq arguments (--arg NAME VALUE).
cfg_args() {
    local tmp
    tmp=$(mktemp "$B/config.XXXXXX")
    jq "${@:2}" "$1" "$B/config.json" > "$tmp" || { rm -f "$tmp"; fail "jq filter failed: $1"; }
    mv "$tmp" "$B/config.json"
}
# hook KIND SCRIPT: append a hook running /bin/sh -c SCRIPT (the host's for
# the runtime's hooks and createContainer, the rootfs's for startContainer).
hook() { cfg_args ".hooks.$1 += [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \$s]}]" --arg s "$2"; }

test_start_container_hook_runs_after_seccomp_and_the_user() {
    make_bundle
    hook startContainer 'grep -E "^(Uid|Seccomp|NoNewPrivs|CapEff):" /proc/self/status > /tmp/start.status; cat > /tmp/start.json'
    cfg '.root.readonly = false | .process.user = {uid: 1000, gid: 1000} | .process.noNewPrivileges = true
        | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["sethostname"], action: "SCMP_ACT_ERRNO"}]}
        | .process.args = ["true"]'
    local id; id=$(cid)
    run_congo run -b "$B" "$id"
    assert_ok
    local st=$B/rootfs/tmp/start.status
    [ -s "$st" ] || fail "the startContainer hook did not run"
    assert_contains "$(cat "$st")" "Seccomp:	2"
    assert_contains "$(grep ^Uid: "$st")" "1000"
    assert_contains "$(cat "$st")" "NoNewPrivs:	1"
    assert_contains "$(cat "$st")" "CapEff:	0000000000000000"
    # After create, before the program: the state says created (as runc).
    assert_eq "$(jq -r .status "$B/rootfs/tmp/start.json")" created
    assert_eq "$(jq -r .id "$B/rootfs/tmp/start.json")" "$id"
}

test_start_container_hook_failure_after_seccomp_fails_start() {
    make_bundle
    hook startContainer 'exit 7'
    cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["sethostname"], action: "SCMP_ACT_ERRNO"}]}'
    local id; id=$(cid)
    run_congo create -b "$B" "$id"
    assert_ok
    run_congo start "$id"
    assert_failed
    assert_contains "$ERR" "startContainer hook #0 (/bin/sh): exited with status 7"
}

test_container_hooks_run_in_the_container_root() {
    make_bundle
    hook createContainer "pwd > $T/create.cwd"
    hook startContainer 'pwd > /tmp/start.cwd'
    cfg '.root.readonly = false | .process.cwd = "/tmp" | .process.args = ["true"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    # Before pivot_root: the rootfs as the container's mount namespace sees it.
    assert_eq "$(cat "$T/create.cwd")" "$B/rootfs"
    assert_eq "$(cat "$B/rootfs/tmp/start.cwd")" /
}

test_runtime_hooks_state_is_creating() {
    make_bundle
    hook prestart "cat > $T/prestart.json"
    hook createRuntime "cat > $T/createRuntime.json"
    hook createContainer "cat > $T/createContainer.json"
    cfg '.process.args = ["true"]'
    run_congo run -b "$B" "$(cid)"
    assert_ok
    local k
    for k in prestart createRuntime createContainer; do
        assert_eq "$(jq -r .status "$T/$k.json")" creating "$k state"
    done
}

test_failing_poststart_and_poststop_hooks_warn_and_the_rest_run() {
    make_bundle
    hook poststart "echo poststart-said-no >&2; exit 3"
    hook poststart "echo second > $T/poststart.ran"
    hook poststop "exit 4"
    hook poststop "echo second > $T/poststop.ran"
    cfg '.process.args = ["sh", "-c", "echo program-ran"]'
    local id; id=$(cid)
    run_congo run -b "$B" "$id"
    assert_ok
    assert_contains "$OUT" program-ran
    assert_contains "$ERR" "poststart hook #0 (/bin/sh): exited with status 3: poststart-said-no"
    assert_contains "$ERR" "poststop hook #0 (/bin/sh): exited with status 4"
    assert_eq "$(cat "$T/poststart.ran")" second
    assert_eq "$(cat "$T/poststop.ran")" second
    assert_no_state

    # create/start/delete: the same, through start and delete.
    rm -f "$T/poststart.ran" "$T/poststop.ran"
    run_congo create -b "$B" "$id"
    assert_ok
    run_congo start "$id"
    assert_ok
    assert_contains "$ERR" "poststart hook #0"
    assert_eq "$(cat "$T/poststart.ran")" second
    wait_status "$id" stopped || fail "the container did not stop"
    run_congo delete "$id"
    assert_ok
    assert_contains "$ERR" "poststop hook #0"
    assert_eq "$(cat "$T/poststop.ran")" second
    assert_no_state
}

run_tests "$@"
