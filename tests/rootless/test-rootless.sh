#!/bin/bash
# Rootless congo (issue 12): everything runs as a throw-away user made for
# this file (useradd, its own /etc/subuid and /etc/subgid lines), removed
# with its lines afterwards even on failure.  Its state root is
# $T/run/congo ($XDG_RUNTIME_DIR) unless a test says otherwise.
. "$(dirname "$0")/../lib.sh"

RL_USER=congo-rl-$$
RL_COUNT=65536

rl_remove_user() {
    sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid 2>/dev/null
    userdel "$RL_USER" >/dev/null 2>&1
    rm -rf "/tmp/congo-$RL_UID" 2>/dev/null
    return 0
}

rl_add_user() {
    command -v newuidmap >/dev/null || { echo "newuidmap missing: apt-get install uidmap"; exit 1; }
    useradd -M -s /bin/sh "$RL_USER" || { echo "useradd failed"; exit 1; }
    trap rl_remove_user EXIT
    RL_UID=$(id -u "$RL_USER"); RL_GID=$(id -g "$RL_USER")
    # useradd may have given it a range already: ours is past every other one.
    sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
    local top
    top=$(cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: '$2+$3 > m { m = $2+$3 } END { print m+0 }')
    RL_SUB=$(( (top > 400000 ? top : 400000) + 65536 ))
    echo "$RL_USER:$RL_SUB:$RL_COUNT" >> /etc/subuid
    echo "$RL_USER:$RL_SUB:$RL_COUNT" >> /etc/subgid
    export RL_USER RL_UID RL_GID RL_SUB
}

# rl CMD...: CMD as the user, with $T/run as XDG_RUNTIME_DIR.
rl() {
    local xdg=XDG_RUNTIME_DIR=$T/run
    [ -z "${RL_NO_XDG:-}" ] || xdg=NO_XDG=1
    runuser -u "$RL_USER" -- env -i PATH="${RL_PATH:-/usr/local/bin:/usr/bin:/bin}" HOME="${RL_HOME:-$T}" "$xdg" "$@"
}
# run_rl ARGS...: congo as the user ($OUT, $ERR, $RC as run_congo).
run_rl() {
    RC=0
    rl "$CONGO" "$@" >"$T/.out" 2>"$T/.err" </dev/null || RC=$?
    OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
}
rl_state_root() { echo "$T/run/congo"; }
assert_rl_no_state() { [ -z "$(ls -A "$(rl_state_root)" 2>/dev/null)" ] || fail "state left: $(ls -A "$(rl_state_root)")"; }
# No process of the user left (the container's are all the user's or its subordinate ids').
assert_rl_no_processes() {
    local left
    left=$(ps -eo pid=,uid= | awk -v u="$RL_UID" -v lo="$RL_SUB" -v hi=$((RL_SUB + RL_COUNT)) \
        '$2 == u || ($2 >= lo && $2 < hi) { print $1 }')
    [ -z "$left" ] || fail "processes left: $left"
}

# The test's cleanup: the user's containers, then lib.sh's.
rl_cleanup() {
    local id
    for id in $(ls -A "$T/run/congo" 2>/dev/null); do
        rl "$CONGO" delete --force "$id" >/dev/null 2>&1 || true
    done
    cleanup_test
}

# rl_bundle [SPEC-ARGS]: a bundle in $T/b ($B) of the user's, from
# `congo spec --rootless` run as the user; $T is traversable by it.
rl_bundle() {
    trap rl_cleanup EXIT
    chmod 755 "$T"
    mkdir -p "$T/run"; chmod 700 "$T/run"; chown "$RL_USER:" "$T/run"
    B=$T/b
    mkdir -p "$B"
    cp -a "$(rootfs_template)" "$B/rootfs"
    chown -R "$RL_USER:" "$B"
    (cd "$B" && rl "$CONGO" spec --rootless) || fail "congo spec --rootless failed"
    cfg '.process.terminal = false'
    chown "$RL_USER:" "$B/config.json"
}
rl_cfg() { cfg "$1"; chown "$RL_USER:" "$B/config.json"; }

test_spec_rootless_maps_subordinate_ranges() {
    rl_bundle
    assert_eq "$(jq -c .linux.uidMappings "$B/config.json")" \
        "[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1},{\"containerID\":1,\"hostID\":$RL_SUB,\"size\":$RL_COUNT}]"
    assert_eq "$(jq -c .linux.gidMappings "$B/config.json")" \
        "[{\"containerID\":0,\"hostID\":$RL_GID,\"size\":1},{\"containerID\":1,\"hostID\":$RL_SUB,\"size\":$RL_COUNT}]"
}

test_run_with_own_ids_only() {
    rl_bundle
    rl_cfg ".linux.uidMappings = [{\"containerID\": 0, \"hostID\": $RL_UID, \"size\": 1}]
        | .linux.gidMappings = [{\"containerID\": 0, \"hostID\": $RL_GID, \"size\": 1}]
        | .process.args = [\"sh\", \"-c\", \"id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; ls /dev/pts/ptmx\"]"
    run_rl run -b "$B" r1
    assert_ok
    assert_eq "$(echo "$OUT" | tr -s ' ' | sed 's/^ //')" "0
0
0 $RL_UID 1
0 $RL_GID 1
deny
/dev/pts/ptmx"
    assert_rl_no_state
    assert_no_mounts
}

test_run_detached_host_view_kill_delete() {
    rl_bundle
    rl_cfg '.process.args = ["sleep", "300"]'
    run_rl run -d -b "$B" --pid-file "$B/pid" r1
    assert_ok
    local pid; pid=$(cat "$B/pid")
    # From the host: the init is the user's uid, in a user namespace of its own.
    assert_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" "$RL_UID"
    assert_ne "$(readlink "/proc/$pid/ns/user")" "$(readlink /proc/self/ns/user)"
    assert_eq "$(tr -s ' ' < "/proc/$pid/uid_map" | sed 's/^ //' | tr '\n' '|')" "0 $RL_UID 1|1 $RL_SUB $RL_COUNT|"
    # A state root of the user's under XDG_RUNTIME_DIR.
    assert_eq "$(stat -c %U "$T/run/congo/r1")" "$RL_USER"
    run_rl state r1
    assert_ok
    assert_eq "$(echo "$OUT" | jq -r .status)" running
    run_rl kill r1 KILL
    assert_ok
    wait_for sh -c "! kill -0 $pid 2>/dev/null" || fail "the init did not die"
    run_rl delete r1
    assert_ok
    assert_rl_no_state
    assert_rl_no_processes
    assert_no_mounts
}

test_exec_joins_the_user_namespace() {
    rl_bundle
    rl_cfg '.process.args = ["sleep", "300"]'
    run_rl run -d -b "$B" --pid-file "$B/pid" r1
    assert_ok
    local pid; pid=$(cat "$B/pid")
    run_rl exec r1 sh -c 'id -u; cat /proc/self/uid_map; [ "$(readlink /proc/self/ns/user)" = "$(readlink /proc/1/ns/user)" ] && echo same'
    assert_ok
    assert_eq "$(echo "$OUT" | tr -s ' ' | sed 's/^ //')" "0
0 $RL_UID 1
1 $RL_SUB $RL_COUNT
same"
    run_rl exec --user 1000:1000 r1 id -u
    assert_ok
    assert_eq "$OUT" 1000
    run_rl exec r1 sh -c 'exit 7'
    assert_rc 7
    # A detached exec: in the container's pid namespace, gone with it.
    run_rl exec -d r1 sleep 301
    assert_ok
    local spid
    spid=$(pgrep -f -u $RL_UID '^sleep 301$' || true)
    [ -n "$spid" ] || fail "no exec'd process"
    assert_eq "$(readlink "/proc/$spid/ns/pid")" "$(readlink "/proc/$pid/ns/pid")"
    run_rl delete --force r1
    assert_ok
    assert_rl_no_state
    wait_for sh -c "! kill -0 $spid 2>/dev/null" || fail "exec'd process left"
    assert_rl_no_processes
    assert_no_mounts
}

test_devpts_gid_option_only_when_mapped() {
    rl_bundle
    rl_cfg '.mounts |= map(if .destination == "/dev/pts" then .options += ["gid=5"] else . end)
        | .process.args = ["sh", "-c", "grep \" /dev/pts \" /proc/self/mountinfo"]'
    # gid 5 mapped (subordinate range): the option stays (the kernel shows the host gid).
    run_rl run -b "$B" r1
    assert_ok
    assert_contains "$OUT" "gid=$((RL_SUB + 4)),"
    # Only the caller's gid mapped: gid=5 cannot be, and is left out.
    rl_cfg ".linux.uidMappings = [{\"containerID\": 0, \"hostID\": $RL_UID, \"size\": 1}]
        | .linux.gidMappings = [{\"containerID\": 0, \"hostID\": $RL_GID, \"size\": 1}]"
    run_rl run -b "$B" r2
    assert_ok
    assert_contains "$OUT" " - devpts "
    assert_not_contains "$OUT" "gid="
}

test_sysfs_without_netns_and_devices_are_bound() {
    rl_bundle
    # No network namespace of the user namespace's: sysfs cannot be mounted,
    # the host's /sys is bound read-only; a device is bound, not made.
    rl_cfg '.linux.namespaces |= map(select(.type != "network"))
        | .mounts |= map(if .destination == "/sys" then {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]} else . end)
        | .linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438}]
        | .process.args = ["sh", "-c", "ls /sys/kernel >/dev/null && echo sys-ok; touch /sys/x 2>/dev/null || echo sys-ro; stat -c %t:%T:%F /dev/fuse; grep \" /dev/fuse \" /proc/self/mountinfo | wc -l"]'
    run_rl run -b "$B" r1
    assert_ok
    assert_eq "$OUT" "sys-ok
sys-ro
a:e5:character special file
1"
    assert_rl_no_state
}

test_hooks_seccomp_and_capabilities() {
    rl_bundle
    rm "$B/config.json"
    (cd "$B" && rl "$CONGO" spec --rootless --seccomp) || fail "congo spec --rootless --seccomp failed"
    chmod 777 "$B"
    rl_cfg ".process.terminal = false
        | .process.args = [\"sh\", \"-c\", \"grep -E '^(Seccomp|CapEff):' /proc/self/status; hostname x 2>/dev/null || echo denied\"]
        | .hooks = {\"prestart\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"id -u > $B/prestart\"]}],
                    \"createContainer\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"id -u > $B/cc\"]}],
                    \"poststop\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo done > $B/poststop\"]}]}"
    run_rl run -b "$B" r1
    assert_ok
    assert_contains "$OUT" "Seccomp:	2"
    # The template's capabilities only (AUDIT_WRITE, KILL, NET_BIND_SERVICE), inside the user namespace.
    assert_contains "$OUT" "CapEff:	0000000020000420"
    assert_contains "$OUT" denied
    # prestart: the user on the host; createContainer: root in the container (the user's uid on the host).
    assert_eq "$(cat "$B/prestart")" "$RL_UID"
    assert_eq "$(cat "$B/cc")" 0
    assert_eq "$(stat -c %u "$B/cc")" "$RL_UID"
    assert_eq "$(cat "$B/poststop")" done
    assert_rl_no_state
}

test_subordinate_ids_show_inside() {
    rl_bundle
    # As root: files of container uids 1000 and 65534 are host ids SUB+999, SUB+65533.
    chown $((RL_SUB + 999)):$((RL_SUB + 999)) "$B/rootfs/home"
    touch "$B/rootfs/tmp/nobody"
    chown $((RL_SUB + 65533)):$((RL_SUB + 65533)) "$B/rootfs/tmp/nobody"
    rl_cfg '.process.args = ["sh", "-c", "stat -c %u:%g /home /tmp/nobody"]'
    run_rl run -b "$B" r1
    assert_ok
    assert_eq "$OUT" "1000:1000
65534:65534"
    # A process of uid 1000 with a supplementary group (newgidmap leaves setgroups allowed).
    rl_cfg '.root.readonly = false | .process.user = {"uid": 1000, "gid": 1000, "additionalGids": [2000]} | .process.args = ["sh", "-c", "id -u; id -G; touch /home/f"]'
    run_rl run -b "$B" r2
    assert_ok
    assert_eq "$OUT" "1000
1000 2000"
    assert_eq "$(stat -c %u:%g "$B/rootfs/home/f")" "$((RL_SUB + 999)):$((RL_SUB + 999))"
}

test_readonly_and_masked_paths() {
    rl_bundle
    rl_cfg '.process.args = ["sh", "-c", "echo x > /proc/sys/kernel/domainname && echo wrote; echo x > /sys/kernel/x 2>/dev/null && echo wrote-sys; cat /proc/kcore | wc -c; grep -c . /proc/self/mountinfo >/dev/null && echo ok"]'
    run_rl run -b "$B" r1
    assert_ok
    assert_not_contains "$OUT" wrote
    assert_contains "$OUT" "0
ok"
    # /root of the rootfs is read-only when root.readonly.
    rl_cfg '.root.readonly = true | .process.args = ["sh", "-c", "touch /etc/x && echo wrote; touch /dev/shm/y && echo shm"]'
    run_rl run -b "$B" r2
    assert_ok
    assert_eq "$OUT" "shm"
    assert_contains "$ERR" "Read-only file system"
}

test_no_cgroup_commands_say_why() {
    rl_bundle
    rl_cfg '.process.args = ["sleep", "300"]'
    run_rl run -d -b "$B" --pid-file "$B/pid" r1
    assert_ok
    local cmd
    for cmd in "ps r1" "pause r1" "resume r1" "update --memory 100000000 r1" "events --stats r1"; do
        run_rl $cmd
        assert_failed
        assert_contains "$ERR" "container \`r1\` has no cgroup: it was created rootless" "$cmd"
        assert_not_contains "$ERR" "Permission denied" "$cmd"
    done
    # kill --all: its own pid namespace, so signalling the init ends everything (as runc).
    run_rl kill --all r1 KILL
    assert_ok
    wait_status r1 stopped || true
    run_rl delete r1
    assert_ok
    assert_rl_no_state
    assert_rl_no_processes
}

# A cgroup v2 subtree delegated to the user (chowned, as systemd's Delegate=)
# is used: in a private mount namespace where cgroup2 alone is mounted at
# /sys/fs/cgroup (this host is hybrid), with congo's caller inside the subtree
# (the kernel lets a user move processes only between cgroups of its own).
test_delegated_cgroup_v2_subtree_is_used() {
    rl_bundle
    local sub=$CONGO_TEST_CGROUP/deleg
    rl_cfg ".linux.cgroupsPath = \"/$sub/c1\" | .process.args = [\"sleep\", \"300\"]"
    cat > "$T/deleg.sh" <<SCRIPT
set -u
for d in /sys/fs/cgroup/*; do mountpoint -q "\$d" && umount -l "\$d"; done
umount -l /sys/fs/cgroup 2>/dev/null
mount -t cgroup2 none /sys/fs/cgroup || exit 1
back=\$(sed -n 's/^0:://p' /proc/self/cgroup)
mkdir -p /sys/fs/cgroup/$sub/shell
chown -R $RL_USER: /sys/fs/cgroup/$sub
echo \$\$ > /sys/fs/cgroup/$sub/shell/cgroup.procs
c() { runuser -u $RL_USER -- env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR=$T/run $CONGO "\$@"; }
c run -d -b $B --pid-file $B/pid r1 && echo run-ok
echo "procs=\$(cat /sys/fs/cgroup/$sub/c1/cgroup.procs)"
echo "pid=\$(cat $B/pid)"
c ps r1 >/dev/null && echo ps-ok
c pause r1 && echo "frozen=\$(cat /sys/fs/cgroup/$sub/c1/cgroup.freeze)"
c resume r1 && echo "thawed=\$(cat /sys/fs/cgroup/$sub/c1/cgroup.freeze)"
c exec r1 cat /proc/self/cgroup | grep '^0::'
c delete --force r1 && echo delete-ok
[ -d /sys/fs/cgroup/$sub/c1 ] && echo cgroup-left
echo \$\$ > "/sys/fs/cgroup\$back/cgroup.procs"
rmdir /sys/fs/cgroup/$sub/shell
SCRIPT
    run_cmd unshare -m --propagation private bash "$T/deleg.sh"
    local pid; pid=$(cat "$B/pid")
    assert_contains "$OUT" "run-ok
procs=$pid
pid=$pid
ps-ok
frozen=1
thawed=0
0::/$sub/c1
delete-ok"
    assert_not_contains "$OUT" cgroup-left
    assert_rl_no_state
    assert_rl_no_processes
}

test_terminal_and_exec_tty() {
    rl_bundle
    local recvtty=$TOP_BUILDDIR/tests/helpers/recvtty rp
    rl_cfg '.process.terminal = true | .process.args = ["sh", "-c", "tty; stat -c %u:%g $(tty); [ -t 0 ] && echo stdin-tty; sleep 300"]'
    rl "$recvtty" "$B/tty.sock" > "$T/tty.out" 2>&1 &
    rp=$!
    wait_for test -S "$B/tty.sock" || fail "recvtty did not listen"
    run_rl create -b "$B" --console-socket "$B/tty.sock" r1
    assert_ok
    run_rl start r1
    assert_ok
    wait_for grep -q stdin-tty "$T/tty.out" || fail "no terminal output: $(cat "$T/tty.out")"
    # The container's own devpts: the pty belongs to its root (the user on the host).
    assert_contains "$(tr -d '\r' < "$T/tty.out")" "/dev/pts/0
0:0
stdin-tty"
    rl "$recvtty" "$B/tty2.sock" > "$T/tty2.out" 2>&1 &
    local rp2=$!
    wait_for test -S "$B/tty2.sock" || fail "recvtty did not listen"
    run_rl exec -t --console-socket "$B/tty2.sock" r1 sh -c 'tty; id -u'
    assert_ok
    wait $rp2 || true
    assert_contains "$(tr -d '\r' < "$T/tty2.out")" "/dev/pts/1
0"
    run_rl delete --force r1
    assert_ok
    wait $rp || true
    assert_rl_no_state
    assert_rl_no_processes
}

test_kill_all_without_cgroup_or_pid_namespace() {
    rl_bundle
    # (proc cannot be mounted without a pid namespace of the user namespace's: bind the host's.)
    rl_cfg '.linux.namespaces |= map(select(.type != "pid")) | .process.args = ["sleep", "300"]
        | .mounts |= map(if .destination == "/proc" then {"destination": "/proc", "type": "bind", "source": "/proc", "options": ["rbind"]} else . end)'
    run_rl run -d -b "$B" --pid-file "$B/pid" r1
    assert_ok
    run_rl kill --all r1 KILL
    assert_failed
    assert_contains "$ERR" "kill --all: container \`r1\` has no cgroup (created rootless without a writable cgroup) nor a pid namespace of its own"
    # The init is still there; a plain kill works.
    kill -0 "$(cat "$B/pid")" || fail "the init died"
    run_rl kill r1 KILL
    assert_ok
    run_rl delete --force r1
    assert_ok
    assert_rl_no_state
    assert_rl_no_processes
}

test_limits_without_cgroup_are_an_error() {
    rl_bundle
    rl_cfg '.linux.resources = {"memory": {"limit": 100000000}} | .process.args = ["true"]'
    run_rl run -b "$B" r1
    assert_failed
    assert_contains "$ERR" "linux.resources.memory: rootless, limits need a cgroup the user can write"
    assert_rl_no_state
    assert_rl_no_processes
}

test_mapping_outside_subordinate_ranges() {
    rl_bundle
    rl_cfg ".linux.uidMappings[1].hostID = $((RL_SUB + 1000))"
    run_rl run -b "$B" r1
    assert_failed
    assert_contains "$ERR" "linux.uidMappings[1]: host IDs $((RL_SUB + 1000))-$((RL_SUB + 1000 + RL_COUNT - 1)) are outside"
    assert_contains "$ERR" "/etc/subuid gives user \`$RL_USER\`: $RL_SUB-$((RL_SUB + RL_COUNT - 1))"
    assert_rl_no_state
    assert_rl_no_processes
}

test_missing_subordinate_entries() {
    rl_bundle
    sed -i "/^$RL_USER:/d" /etc/subgid
    RC=0
    rl "$CONGO" run -b "$B" r1 >"$T/.out" 2>"$T/.err" </dev/null || RC=$?
    ERR=$(cat "$T/.err")
    echo "$RL_USER:$RL_SUB:$RL_COUNT" >> /etc/subgid
    assert_failed
    assert_contains "$ERR" "linux.gidMappings[1]: host IDs $RL_SUB-$((RL_SUB + RL_COUNT - 1)) are not the caller's own gid $RL_GID, and user \`$RL_USER\` (uid $RL_UID) has no subordinate range in /etc/subgid"
    assert_rl_no_state
    assert_rl_no_processes
}

test_newuidmap_not_on_path() {
    rl_bundle
    mkdir -p "$T/bin"; ln -s /bin/sh "$T/bin/sh"; chmod 755 "$T/bin"
    RL_PATH=$T/bin run_rl run -b "$B" r1
    assert_failed
    assert_contains "$ERR" "linux.uidMappings: mapping more than the caller's own uid as a user other than root needs \`newuidmap\` (Debian package uidmap), not found on PATH \`$T/bin\`"
    assert_rl_no_state
    assert_rl_no_processes
}

# congo-image as the user: its store in ~/.local/share/congo, layers unpacked
# as root of a user namespace mapping the subordinate range (files of uid
# 1000 are host uid SUB+999), a copied rootfs (no overlay outliving
# congo-image) and a config with that mapping, which congo runs rootless.
test_image_load_extract_run() {
    rl_bundle
    [ -x "$CONGO_IMAGE" ] || fail "no congo-image binary at $CONGO_IMAGE"
    python3 "$TESTS_DIR/image/mkimage.py" --busybox "$BUSYBOX" test "$T/layout" >/dev/null || fail "mkimage.py failed"
    chmod -R a+rX "$T/layout"
    mkdir -p "$T/home"; chown "$RL_USER:" "$T/home"
    RL_HOME=$T/home
    RC=0
    rl "$CONGO_IMAGE" load --name local/t:1 "$T/layout" >"$T/.out" 2>"$T/.err" || RC=$?
    assert_ok
    [ -d "$T/home/.local/share/congo/images" ] || fail "no store in ~/.local/share/congo"
    assert_eq "$(stat -c %U "$T/home/.local/share/congo")" "$RL_USER"
    RC=0
    rl "$CONGO_IMAGE" extract -q --pull never local/t:1 -b "$T/home/b" -- \
        sh -c 'stat -c %u:%g /data/owned; id -u; cat /data/keep.txt; ls /data/gone.txt 2>&1; true' >"$T/.out" 2>"$T/.err" || RC=$?
    ERR=$(cat "$T/.err")
    assert_ok
    assert_eq "$(stat -c %u:%g "$T/home/b/rootfs/data/owned")" "$((RL_SUB + 999)):$((RL_SUB + 999))"
    assert_eq "$(stat -c %u "$T/home/b/rootfs/bin/busybox")" "$RL_UID"
    assert_eq "$(jq -c .linux.uidMappings "$T/home/b/config.json")" \
        "[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1},{\"containerID\":1,\"hostID\":$RL_SUB,\"size\":$RL_COUNT}]"
    run_rl run -b "$T/home/b" i1
    assert_ok
    # (The test image's user is 1000.)
    assert_eq "$OUT" "1000:1000
1000
v3
ls: /data/gone.txt: No such file or directory"
    assert_rl_no_state
    assert_rl_no_processes
}

test_image_without_subordinate_ranges() {
    rl_bundle
    python3 "$TESTS_DIR/image/mkimage.py" --busybox "$BUSYBOX" test "$T/layout" >/dev/null || fail "mkimage.py failed"
    chmod -R a+rX "$T/layout"
    mkdir -p "$T/home"; chown "$RL_USER:" "$T/home"
    RL_HOME=$T/home
    sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
    RC=0
    { rl "$CONGO_IMAGE" load --name local/t:1 "$T/layout" && rl "$CONGO_IMAGE" extract -q --pull never local/t:1 -b "$T/home/b"; } \
        >"$T/.out" 2>"$T/.err" || RC=$?
    echo "$RL_USER:$RL_SUB:$RL_COUNT" >> /etc/subuid
    echo "$RL_USER:$RL_SUB:$RL_COUNT" >> /etc/subgid
    ERR=$(cat "$T/.err")
    assert_failed
    assert_contains "$ERR" "owner 1000:1000 is not mapped rootless"
    [ ! -e "$T/home/b" ] || fail "bundle left behind"
}

# As podman runs its runtime rootless: root of a user namespace (unshare -r)
# with XDG_RUNTIME_DIR set.  Rootless all the same (as runc): state under
# XDG_RUNTIME_DIR, no cgroup.
test_root_of_a_user_namespace() {
    rl_bundle
    rl_cfg '.process.args = ["sleep", "300"] | .linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]
        | .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]'
    RC=0
    rl env USER="$RL_USER" unshare -U -r sh -c "$CONGO run -d -b $B r1 && ls $T/run/congo && $CONGO ps r1; $CONGO delete --force r1" \
        >"$T/.out" 2>"$T/.err" </dev/null || RC=$?
    OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
    assert_eq "$OUT" r1
    assert_contains "$ERR" "container \`r1\` has no cgroup: it was created rootless"
    assert_rl_no_state
    assert_rl_no_processes
}

test_state_root_without_xdg_runtime_dir() {
    rl_bundle
    rl_cfg '.process.args = ["sleep", "300"]'
    [ ! -e "/run/user/$RL_UID" ] || skip "/run/user/$RL_UID exists"
    # /run/user/UID when it is the user's with mode 0700 (as a login makes it).
    mkdir -p /run/user
    mkdir -m 0700 "/run/user/$RL_UID"; chown "$RL_USER:" "/run/user/$RL_UID"
    RL_NO_XDG=1 run_rl run -d -b "$B" r0
    local st=$RC; [ -d "/run/user/$RL_UID/congo/r0" ] && st=$st-found
    RL_NO_XDG=1 run_rl delete --force r0
    rm -rf "/run/user/$RL_UID"
    assert_eq "$st" 0-found "state under /run/user/$RL_UID/congo"
    rl_cfg '.process.args = ["true"]'
    rm -rf "/tmp/congo-$RL_UID"
    RL_NO_XDG=1 run_rl run -b "$B" r1
    assert_ok
    assert_eq "$(stat -c '%U %a %F' "/tmp/congo-$RL_UID")" "$RL_USER 700 directory"
    # Someone else's directory (or a symlink) at that name is refused.
    rm -rf "/tmp/congo-$RL_UID"
    ln -s "$T" "/tmp/congo-$RL_UID"
    RL_NO_XDG=1 run_rl run -b "$B" r2
    rm -f "/tmp/congo-$RL_UID"
    assert_failed
    assert_contains "$ERR" "state root \`/tmp/congo-$RL_UID\`: not a directory of uid $RL_UID with mode 0700 (it is a symlink"
    mkdir -m 0777 "/tmp/congo-$RL_UID"; chown "$RL_USER:" "/tmp/congo-$RL_UID"
    RL_NO_XDG=1 run_rl list
    rm -rf "/tmp/congo-$RL_UID"
    assert_failed
    assert_contains "$ERR" "mode 0777"
}

rl_add_user
run_tests "$@"
