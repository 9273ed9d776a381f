#!/bin/bash
# The container's root filesystem (src/libcongo/rootfs.c): mounts, options,
# propagation, devices, masked and read-only paths, sysctl, and hostile
# rootfs contents.  Each test builds a bundle, runs a container (`congo run`)
# and asserts what it sees (mountinfo, stat, writes) and what the host keeps
# (no mount, no file outside the rootfs).  tests/helpers/rootfs-harness runs
# the rootfs module alone where congo has no switch for it (--legacy: the
# mount(2) fallback for kernels without the new mount API).
. "$(dirname "$0")/../lib.sh"

HARNESS=${HARNESS:-$TOP_BUILDDIR/tests/helpers/rootfs-harness}
N=0

# run_in [OPTIONS] -- CMD...: run CMD in a container of bundle $B; $OUT,
# $ERR, $RC.  OPTIONS go to `congo run` (--no-pivot), or with --harness or
# --legacy the container is run by the harness instead.
run_in() {
    local opts=() harness=false
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        case $1 in --harness) harness=true ;; --legacy) harness=true; opts+=("$1") ;; *) opts+=("$1") ;; esac
        shift
    done
    shift
    if $harness; then
        RC=0
        timeout 30 "$HARNESS" "${opts[@]}" "$B" "$@" >"$T/.out" 2>"$T/.err" </dev/null || RC=$?
        OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
    else
        local a i=0 jargs=() expr=
        for a in "$@"; do jargs+=(--arg "a$i" "$a"); expr+="\$a$i,"; i=$((i + 1)); done
        cfg ".process.args = $(jq -cn "${jargs[@]}" "[${expr%,}]")"
        N=$((N + 1))
        run_congo run "${opts[@]}" -b "$B" "rfs-$N-$$-$RANDOM"
    fi
}
# The mountinfo line of mount point $2 in mountinfo text $1.
mnt_line() { awk -v p="$2" '$5 == p' <<< "$1" | tail -1; }
# Its per-mount options (field 6) and its filesystem type.
mnt_opts() { mnt_line "$1" "$2" | awk '{print $6}'; }
mnt_type() { mnt_line "$1" "$2" | awk '{for (i = 7; i <= NF; i++) if ($i == "-") { print $(i+1); exit }}'; }
mnt_super() { mnt_line "$1" "$2" | awk '{for (i = 7; i <= NF; i++) if ($i == "-") { print $(i+3); exit }}'; }
has_opt() { [[ ",$1," == *",$2,"* ]]; }
assert_opt() { has_opt "$1" "$2" || fail "mount options '$1' lack $2${3:+ ($3)}"; }
assert_no_opt() { ! has_opt "$1" "$2" || fail "mount options '$1' have $2${3:+ ($3)}"; }
# The host's mounts a container could leak into: those under $T (where its
# bundle is) and the host's own /, /proc, /dev, /sys trees (other engineers'
# tests mount elsewhere concurrently on this shared machine).
host_mounts() {
    awk -v t="$T" 'index($5, t) == 1 || $5 ~ "^/(proc|dev|sys|data|t)?(/|$)" {print $5, $6, $9}' /proc/self/mountinfo
}

[ -x "$HARNESS" ] || { echo "SKIP: $HARNESS not built (make check)"; exit 77; }

test_default_mounts() {
    make_bundle
    run_in -- cat /proc/self/mountinfo
    assert_ok
    local mi=$OUT
    assert_eq "$(mnt_type "$mi" /proc)" proc
    assert_eq "$(mnt_type "$mi" /dev)" tmpfs
    assert_opt "$(mnt_opts "$mi" /dev)" nosuid
    assert_opt "$(mnt_super "$mi" /dev)" mode=755
    assert_opt "$(mnt_super "$mi" /dev)" size=65536k
    assert_eq "$(mnt_type "$mi" /dev/pts)" devpts
    assert_opt "$(mnt_opts "$mi" /dev/pts)" noexec
    assert_opt "$(mnt_super "$mi" /dev/pts)" ptmxmode=666
    assert_opt "$(mnt_super "$mi" /dev/pts)" mode=620
    assert_eq "$(mnt_type "$mi" /dev/shm)" tmpfs
    assert_eq "$(mnt_line "$mi" /dev/shm | awk '{print $(NF-1)}')" shm "source of /dev/shm"
    for o in nosuid nodev noexec; do assert_opt "$(mnt_opts "$mi" /dev/shm)" $o /dev/shm; done
    assert_eq "$(mnt_type "$mi" /dev/mqueue)" mqueue
    assert_eq "$(mnt_type "$mi" /sys)" sysfs
    for o in ro nosuid nodev noexec; do assert_opt "$(mnt_opts "$mi" /sys)" $o /sys; done
    # The root is the rootfs (read-only, as `congo spec` asks).
    assert_eq "$(mnt_line "$mi" / | awk '{print $4}')" "$B/rootfs"
    assert_opt "$(mnt_opts "$mi" /)" ro
    # Nothing of the host's beyond the rootfs.
    assert_not_contains "$mi" " /sys/kernel/"
    assert_eq "$(awk '$5 ~ "^/tmp"' <<< "$mi")" "" "host /tmp visible"
    assert_no_mounts
}

test_cgroup_mounts_with_cgroupns() {
    make_bundle
    cfg '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
    run_in -- cat /proc/self/mountinfo
    assert_ok
    local mi=$OUT h name
    if grep -q ' - cgroup ' /proc/self/mountinfo; then
        # v1 or hybrid host: a read-only tmpfs with one mount per hierarchy.
        assert_eq "$(mnt_type "$mi" /sys/fs/cgroup)" tmpfs
        assert_opt "$(mnt_opts "$mi" /sys/fs/cgroup)" ro
        for h in $(awk '$9 == "cgroup" && $4 == "/" {print $5}' /proc/self/mountinfo); do
            name=/sys/fs/cgroup/$(basename "$h")
            assert_eq "$(mnt_type "$mi" "$name")" cgroup "$name"
            assert_opt "$(mnt_opts "$mi" "$name")" ro "$name"
            # In its cgroup namespace, the container sees its cgroup as the root.
            assert_eq "$(mnt_line "$mi" "$name" | awk '{print $4}')" / "$name root"
        done
        if grep -q ' - cgroup2 ' /proc/self/mountinfo; then
            assert_eq "$(mnt_type "$mi" /sys/fs/cgroup/unified)" cgroup2
        fi
    else
        assert_eq "$(mnt_type "$mi" /sys/fs/cgroup)" cgroup2
        assert_opt "$(mnt_opts "$mi" /sys/fs/cgroup)" ro
    fi
    # Writes refused (read-only).
    run_in -- sh -c 'mkdir /sys/fs/cgroup/x 2>&1 || true'
    assert_contains "$OUT" "Read-only file system"
}

test_cgroup_mounts_without_cgroupns_bind_own_cgroup() {
    make_bundle
    cfg '.linux.namespaces |= map(select(.type != "cgroup"))'
    local cg
    cg=$(jq -r .linux.cgroupsPath "$B/config.json")
    run_in -- cat /proc/self/mountinfo
    assert_ok
    local mi=$OUT
    if grep -q ' - cgroup ' /proc/self/mountinfo; then
        assert_eq "$(mnt_line "$mi" /sys/fs/cgroup/memory | awk '{print $4}')" "$cg" "memory bind root"
        assert_opt "$(mnt_opts "$mi" /sys/fs/cgroup/memory)" ro
        assert_opt "$(mnt_opts "$mi" /sys/fs/cgroup/memory)" nosuid
    fi
    if grep -q ' - cgroup2 ' /proc/self/mountinfo; then
        local p=/sys/fs/cgroup/unified
        grep -q ' - cgroup ' /proc/self/mountinfo || p=/sys/fs/cgroup
        assert_eq "$(mnt_line "$mi" $p | awk '{print $4}')" "$cg" "cgroup2 bind root"
    fi
}

test_bind_mounts_ro_file_and_relative_source() {
    make_bundle
    mkdir -p "$T/src/sub" "$B/vol"
    echo hello > "$T/src/file"; echo rel > "$B/vol/x"
    cfg ".mounts += [
        {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$T/src\", \"options\": [\"rbind\", \"ro\"]},
        {\"destination\": \"/etc/hello\", \"source\": \"$T/src/file\", \"options\": [\"bind\"]},
        {\"destination\": \"/new/dir/rel\", \"source\": \"vol\", \"options\": [\"rbind\"]}]"
    run_in -- sh -c 'cat /proc/self/mountinfo; cat /etc/hello /new/dir/rel/x; [ -f /etc/hello ] && echo IS-FILE;
                     touch /data/new 2>&1; touch /new/dir/rel/y && echo RW'
    assert_ok
    assert_opt "$(mnt_opts "$OUT" /data)" ro
    assert_eq "$(mnt_line "$OUT" /data | awk '{print $4}')" "$T/src"
    assert_eq "$(mnt_line "$OUT" /new/dir/rel | awk '{print $4}')" "$B/vol" "relative source is the bundle's"
    assert_contains "$OUT" hello
    assert_contains "$OUT" rel
    assert_contains "$OUT" IS-FILE
    assert_contains "$OUT" "Read-only file system"
    assert_contains "$OUT" RW
    [ ! -e "$T/src/new" ] || fail "wrote through a read-only bind"
    [ -f "$B/vol/y" ] || fail "rw bind not written"
    [ -f "$B/rootfs/etc/hello" ] || fail "file destination not created as a file"
    assert_no_mounts
}

# As runc (mount --bind -o): with any flag given, the top mount gets exactly
# those; "remount" keeps the source's others.
test_bind_flags_replace_the_sources() {
    make_bundle
    mkdir -p "$T/m"
    mount -t tmpfs -o nodev,noexec tmpfs "$T/m"
    cfg ".mounts += [
        {\"destination\": \"/a\", \"source\": \"$T/m\", \"options\": [\"bind\", \"nosuid\"]},
        {\"destination\": \"/b\", \"source\": \"$T/m\", \"options\": [\"bind\", \"remount\", \"ro\"]},
        {\"destination\": \"/c\", \"source\": \"$T/m\", \"options\": [\"bind\"]},
        {\"destination\": \"/d\", \"source\": \"$T/m\", \"options\": [\"bind\", \"noatime\"]}]"
    run_in -- cat /proc/self/mountinfo
    assert_ok
    local a b c d
    a=$(mnt_opts "$OUT" /a); b=$(mnt_opts "$OUT" /b); c=$(mnt_opts "$OUT" /c); d=$(mnt_opts "$OUT" /d)
    assert_opt "$a" nosuid; assert_no_opt "$a" nodev; assert_no_opt "$a" noexec
    assert_opt "$b" ro; assert_opt "$b" nodev; assert_opt "$b" noexec
    assert_opt "$c" nodev; assert_opt "$c" noexec; assert_no_opt "$c" ro
    assert_opt "$d" noatime
    umount "$T/m"
}

test_recursive_options() {
    make_bundle
    mkdir -p "$T/top/sub"
    mount -t tmpfs tmpfs "$T/top/sub"
    cfg ".mounts += [
        {\"destination\": \"/r1\", \"source\": \"$T/top\", \"options\": [\"rbind\", \"ro\"]},
        {\"destination\": \"/r2\", \"source\": \"$T/top\", \"options\": [\"rbind\", \"rro\", \"rnosuid\", \"rnoatime\"]},
        {\"destination\": \"/r3\", \"source\": \"$T/top\", \"options\": [\"bind\"]}]"
    run_in -- cat /proc/self/mountinfo
    assert_ok
    assert_opt "$(mnt_opts "$OUT" /r1)" ro
    assert_no_opt "$(mnt_opts "$OUT" /r1/sub)" ro "ro is not recursive"
    for o in ro nosuid noatime; do
        assert_opt "$(mnt_opts "$OUT" /r2)" $o /r2
        assert_opt "$(mnt_opts "$OUT" /r2/sub)" $o /r2/sub
    done
    assert_eq "$(mnt_line "$OUT" /r3/sub)" "" "bind (not rbind) brought a submount"
    umount "$T/top/sub"
}

test_bind_propagation_options() {
    make_bundle
    mkdir -p "$T/sh"
    mount -t tmpfs tmpfs "$T/sh"
    mount --make-shared "$T/sh"
    mkdir "$T/sh/late"
    cfg ".mounts += [
        {\"destination\": \"/slave\", \"source\": \"$T/sh\", \"options\": [\"rbind\", \"rslave\"]},
        {\"destination\": \"/private\", \"source\": \"$T/sh\", \"options\": [\"rbind\", \"rprivate\"]},
        {\"destination\": \"/unb\", \"source\": \"$T/sh\", \"options\": [\"rbind\", \"unbindable\"]}]"
    # The container waits for the host to mount something under the shared
    # source, then looks: a slave sees it, a private copy does not.
    cfg '.root.readonly = false'
    ( for i in $(seq 100); do [ -e "$B/rootfs/ready" ] && break; sleep 0.05; done
      mount -t tmpfs tmpfs "$T/sh/late"; touch "$T/sh/late/marker" ) &
    local bg=$!
    run_in -- sh -c 'touch /ready; for i in $(seq 100); do [ -e /slave/late/marker ] && break; sleep 0.05; done
                     cat /proc/self/mountinfo'
    wait $bg || true
    assert_ok
    assert_contains "$(mnt_line "$OUT" /slave)" "master:"
    assert_ne "$(mnt_line "$OUT" /slave/late)" "" "a slave bind sees the host's new mount"
    assert_eq "$(mnt_line "$OUT" /private/late)" "" "a private bind does not"
    assert_not_contains "$(mnt_line "$OUT" /private)" "shared:"
    assert_not_contains "$(mnt_line "$OUT" /private)" "master:"
    assert_contains "$(mnt_line "$OUT" /unb)" "unbindable"
    umount "$T/sh/late"; umount "$T/sh"
}

test_tmpfs_options_and_delayed_ro() {
    make_bundle
    mkdir -p "$B/rootfs/keep"; chmod 0710 "$B/rootfs/keep"
    cfg '.mounts += [
        {"destination": "/t1", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "nodev", "ro"]},
        {"destination": "/t3", "type": "tmpfs", "source": "tmpfs", "options": ["mode=700", "uid=1000"]},
        {"destination": "/t1/inner", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]},
        {"destination": "/keep", "type": "tmpfs", "source": "tmpfs"},
        {"destination": "/t2", "type": "tmpfs", "source": "tmpfs", "options": ["strictatime", "noexec"]}]'
    run_in -- sh -c 'cat /proc/self/mountinfo; stat -c "%a %u %n" /t3 /keep; touch /t1/x 2>&1; touch /t1/inner/y && echo INNER-RW'
    assert_ok
    local mi=$OUT
    assert_opt "$(mnt_super "$mi" /t1)" size=1024k
    assert_opt "$(mnt_opts "$mi" /t1)" ro
    assert_opt "$(mnt_opts "$mi" /t1)" nodev
    assert_contains "$OUT" "700 1000 /t3"
    # A mount point inside a read-only tmpfs could still be made (ro comes last).
    assert_eq "$(mnt_type "$mi" /t1/inner)" tmpfs
    assert_contains "$OUT" INNER-RW
    assert_contains "$OUT" "Read-only file system"
    # A tmpfs over an existing directory keeps its mode (as runc).
    assert_contains "$OUT" "710 0 /keep"
    assert_opt "$(mnt_opts "$mi" /t2)" noexec
    assert_no_opt "$(mnt_opts "$mi" /t2)" relatime "strictatime"
}

test_tmpcopyup() {
    make_bundle
    mkdir -p "$B/rootfs/opt/app/sub"
    echo data > "$B/rootfs/opt/app/sub/f"
    ln -s sub/f "$B/rootfs/opt/app/link"
    chown 1000:2000 "$B/rootfs/opt/app/sub/f"; chmod 604 "$B/rootfs/opt/app/sub/f"
    echo root-data > "$B/rootfs/opt/app/r"
    mkfifo "$B/rootfs/opt/app/fifo"
    cfg '.mounts += [{"destination": "/opt/app", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]}]'
    run_in -- sh -c 'cat /proc/self/mountinfo; cat /opt/app/link; stat -c "%a %u %g" /opt/app/sub/f; [ -p /opt/app/fifo ] && echo FIFO
                     echo changed > /opt/app/r && cat /opt/app/r'
    assert_ok
    assert_eq "$(mnt_type "$OUT" /opt/app)" tmpfs
    assert_contains "$OUT" data
    assert_contains "$OUT" "604 1000 2000"
    assert_contains "$OUT" FIFO
    assert_contains "$OUT" changed
    assert_eq "$(cat "$B/rootfs/opt/app/r")" root-data "the rootfs copy must stay"
}

test_masked_paths() {
    make_bundle
    echo secret > "$B/rootfs/etc/secret"
    mkdir -p "$B/rootfs/etc/secretdir"; echo s > "$B/rootfs/etc/secretdir/f"
    cfg '.linux.maskedPaths += ["/etc/secret", "/etc/secretdir", "/does/not/exist"]'
    run_in -- sh -c 'cat /proc/self/mountinfo; echo "secret=[$(cat /etc/secret)]"; echo "secretdir=$(ls -A /etc/secretdir | wc -l)"
                     echo "keys=[$(cat /proc/keys)]"; echo "acpi=$(ls -A /proc/acpi | wc -l)"; touch /etc/secretdir/x 2>&1
                     echo "firmware=$(ls -A /sys/firmware | wc -l)"'
    assert_ok
    assert_contains "$OUT" "secret=[]"
    assert_contains "$OUT" "secretdir=0"
    assert_contains "$OUT" "keys=[]"
    assert_contains "$OUT" "acpi=0"
    assert_contains "$OUT" "firmware=0"
    assert_contains "$OUT" "Read-only file system"
    assert_eq "$(mnt_type "$OUT" /etc/secretdir)" tmpfs
    assert_opt "$(mnt_opts "$OUT" /etc/secretdir)" ro
    assert_eq "$(mnt_type "$OUT" /proc/acpi)" tmpfs
    assert_eq "$(mnt_line "$OUT" /proc/keys | awk '{print $4}')" /null "masked with /dev/null"
    assert_eq "$(cat "$B/rootfs/etc/secret")" secret
}

# A rootfs's own /dev/null (a file here) gives way to the device node.
test_rootfs_dev_null_file_is_replaced() {
    make_bundle
    cfg '.mounts |= map(select(.destination != "/dev" and (.destination | startswith("/dev/") | not)))'
    echo fake > "$B/rootfs/dev/null"
    ln -s /etc/passwd "$B/rootfs/dev/zero"
    run_in -- sh -c 'stat -c "%n %F %t:%T" /dev/null /dev/zero'
    assert_ok
    assert_contains "$OUT" "/dev/null character special file 1:3"
    assert_contains "$OUT" "/dev/zero character special file 1:5"
    assert_eq "$(cat /etc/passwd | head -1 | cut -c1-4)" root
}

# Masks bind the container's /dev/null only if it is the null device
# (CVE-2025-31133: else a mask could become a way to write a procfs file).
test_masked_paths_refuse_a_fake_dev_null() {
    make_bundle
    mkdir -p "$T/fakedev"
    echo fake > "$T/fakedev/null"
    cfg ".mounts |= map(select(.destination != \"/dev\" and (.destination | startswith(\"/dev/\") | not)))
         | .mounts += [{\"destination\": \"/dev\", \"source\": \"$T/fakedev\", \"options\": [\"rbind\"]}]"
    run_in -- true
    assert_failed
    assert_contains "$ERR" "linux.maskedPaths: /dev/null is not the null device (1:3)"
    # With /dev a bind of the host's, it is the real one, and the host's /dev
    # is left alone (no nodes, no ptmx link made there).
    make_bundle b2
    cfg '.mounts |= map(select(.destination != "/dev" and (.destination | startswith("/dev/") | not)))
         | .mounts += [{"destination": "/dev", "source": "/dev", "options": ["rbind"]}]'
    local ptmx
    ptmx=$(stat -c "%F %i" /dev/ptmx)
    run_in -- sh -c 'echo "[$(cat /proc/keys)]"'
    assert_ok
    assert_contains "$OUT" "[]"
    assert_eq "$(stat -c "%F %i" /dev/ptmx)" "$ptmx" "the host's /dev/ptmx was replaced"
}

# /dev asked read-only: devices are made first, then it turns read-only.
test_readonly_dev() {
    make_bundle
    cfg '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
    run_in -- sh -c 'cat /proc/self/mountinfo; stat -c "%t:%T" /dev/null; touch /dev/x 2>&1; echo > /dev/null && echo NULL-OK'
    assert_ok
    assert_opt "$(mnt_opts "$OUT" /dev)" ro
    assert_contains "$OUT" "1:3"
    assert_contains "$OUT" "Read-only file system"
    assert_contains "$OUT" NULL-OK
}

test_readonly_paths() {
    make_bundle
    cfg '.linux.readonlyPaths += ["/etc", "/nope"]'
    run_in -- sh -c 'cat /proc/self/mountinfo; echo 1 > /proc/sys/kernel/ns_last_pid 2>&1; touch /etc/x 2>&1; echo DONE'
    assert_ok
    assert_opt "$(mnt_opts "$OUT" /proc/sys)" ro
    assert_opt "$(mnt_opts "$OUT" /etc)" ro
    assert_contains "$OUT" "Read-only file system"
    assert_contains "$OUT" DONE
    [ ! -e "$B/rootfs/etc/x" ] || fail "wrote through a read-only path"
}

test_root_readonly() {
    make_bundle
    cfg '.root.readonly = true'
    run_in -- sh -c 'touch /x 2>&1; cat /proc/self/mountinfo'
    assert_ok
    assert_contains "$OUT" "Read-only file system"
    assert_opt "$(mnt_opts "$OUT" /)" ro
    make_bundle b2
    cfg '.root.readonly = false'
    run_in -- sh -c 'touch /x && echo WROTE; cat /proc/self/mountinfo'
    assert_no_opt "$(mnt_opts "$OUT" /)" ro
    assert_ok
    assert_contains "$OUT" WROTE
    [ -f "$B/rootfs/x" ] || fail "root not writable"
}

test_default_devices_and_links() {
    make_bundle
    run_in -- sh -c 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a %u:%g" /dev/$d; done
                     for l in fd stdin stdout stderr ptmx core; do echo "$l -> $(readlink /dev/$l)"; done
                     echo x > /dev/null && head -c 4 /dev/zero | wc -c'
    assert_ok
    assert_contains "$OUT" "/dev/null character special file 1:3 666 0:0"
    assert_contains "$OUT" "/dev/zero character special file 1:5 666 0:0"
    assert_contains "$OUT" "/dev/full character special file 1:7 666 0:0"
    assert_contains "$OUT" "/dev/random character special file 1:8 666 0:0"
    assert_contains "$OUT" "/dev/urandom character special file 1:9 666 0:0"
    assert_contains "$OUT" "/dev/tty character special file 5:0 666 0:0"
    assert_contains "$OUT" "fd -> /proc/self/fd"
    assert_contains "$OUT" "stdin -> /proc/self/fd/0"
    assert_contains "$OUT" "stdout -> /proc/self/fd/1"
    assert_contains "$OUT" "stderr -> /proc/self/fd/2"
    assert_contains "$OUT" "ptmx -> pts/ptmx"
    # runc links /dev/core only when the kernel has /proc/kcore.
    if [ -e /proc/kcore ]; then assert_contains "$OUT" "core -> /proc/kcore"
    else assert_contains "$OUT" "core -> "$'\n'; assert_not_contains "$OUT" "core -> /proc/kcore"; fi
    assert_contains "$OUT" 4
}

test_linux_devices() {
    make_bundle
    cfg '.linux.devices = [
        {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 384, "uid": 1000, "gid": 2000},
        {"path": "/dev/net/tun", "type": "c", "major": 10, "minor": 200},
        {"path": "/dev/loop-test", "type": "b", "major": 7, "minor": 0, "fileMode": 416},
        {"path": "/dev/myfifo", "type": "p"},
        {"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 432}]'
    run_in -- sh -c 'stat -c "%n %F %t:%T %a %u:%g" /dev/fuse /dev/net/tun /dev/loop-test /dev/myfifo /dev/null'
    assert_ok
    assert_contains "$OUT" "/dev/fuse character special file a:e5 600 1000:2000"
    assert_contains "$OUT" "/dev/net/tun character special file a:c8 666 0:0"
    assert_contains "$OUT" "/dev/loop-test block special file 7:0 640 0:0"
    assert_contains "$OUT" "/dev/myfifo fifo 0:0 666 0:0"
    # A device with a default's path replaces it.
    assert_contains "$OUT" "/dev/null character special file 1:3 660 0:0"
}

# The container's root (host uid 100000) must reach the bundle.
userns_bundle() {
    make_bundle "$@"
    chmod 755 "$T"
    cfg '.linux.namespaces += [{"type": "user"}] |
         .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] |
         .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

test_devices_in_a_user_namespace_are_host_binds() {
    userns_bundle
    run_in -- sh -c 'cat /proc/self/mountinfo; echo x > /dev/null && echo NULL-OK; stat -c "%t:%T" /dev/zero'
    assert_ok
    for d in null zero full random urandom tty; do
        assert_eq "$(mnt_line "$OUT" /dev/$d | awk '{print $4}')" "/$d" "/dev/$d bound from the host"
    done
    assert_contains "$OUT" NULL-OK
    assert_contains "$OUT" "1:5"
}

test_sysfs_in_a_user_namespace_without_netns_is_a_readonly_bind() {
    userns_bundle
    cfg '.linux.namespaces |= map(select(.type != "network")) | .mounts |= map(select(.type != "cgroup"))'
    run_in -- sh -c 'cat /proc/self/mountinfo'
    assert_ok
    assert_eq "$(mnt_type "$OUT" /sys)" sysfs
    assert_opt "$(mnt_opts "$OUT" /sys)" ro
    # Every mount below the bound /sys (the host's /sys/fs/cgroup...) is
    # read-only too (runc would leave them writable).
    local sub
    sub=$(awk '$5 ~ "^/sys/" {print $5, $6}' <<< "$OUT")
    [ -n "$sub" ] || fail "no mount under /sys: the host's were not bound"
    ! grep -v ' ro' <<< "$sub" || fail "writable mounts under /sys"
}

# Idmapped binds: with the mount's own mappings (the child makes them) and,
# in a user namespace, with the container's (the parent opens them).
test_idmapped_mounts() {
    make_bundle
    chmod 755 "$T"
    mkdir -p "$T/idm/sub"; echo a > "$T/idm/f"; chown 1000:1000 "$T/idm/f"; chmod 755 "$T/idm"
    mount -t tmpfs tmpfs "$T/idm/sub"; touch "$T/idm/sub/g"
    cfg ".mounts += [{\"destination\": \"/idm\", \"source\": \"$T/idm\", \"options\": [\"rbind\", \"ridmap\"],
        \"uidMappings\": [{\"containerID\": 1000, \"hostID\": 3000, \"size\": 1}, {\"containerID\": 0, \"hostID\": 0, \"size\": 1}],
        \"gidMappings\": [{\"containerID\": 1000, \"hostID\": 4000, \"size\": 1}, {\"containerID\": 0, \"hostID\": 0, \"size\": 1}]}]"
    run_in -- sh -c 'stat -c "%u:%g %n" /idm/f /idm/sub/g; grep " /idm" /proc/self/mountinfo'
    case $ERR in *"does its filesystem support idmapped mounts?"*)
        umount "$T/idm/sub"; skip "the filesystem of $T cannot be idmapped (kernel $(uname -r))" ;; esac
    assert_ok
    assert_contains "$OUT" "3000:4000 /idm/f"
    assert_contains "$OUT" "0:0 /idm/sub/g"
    assert_contains "$(mnt_line "$OUT" /idm)" idmapped
    assert_contains "$(mnt_line "$OUT" /idm/sub)" idmapped "ridmap maps the submounts too"
    assert_eq "$(stat -c %u:%g "$T/idm/f")" 1000:1000 "the host file changed owner"

    userns_bundle b2
    mkdir -p "$B/rootfs/idm"
    cfg ".mounts += [{\"destination\": \"/idm\", \"source\": \"$T/idm\", \"options\": [\"bind\", \"idmap\"]}]"
    # The parent opens these (congo_rootfs_open_idmapped): the harness does.
    run_in --harness -- sh -c 'stat -c "%u:%g %n" /idm/f; grep " /idm" /proc/self/mountinfo'
    assert_ok
    # Host 1000 seen as 1000 in the container, through its user namespace.
    assert_contains "$OUT" "1000:1000 /idm/f"
    assert_contains "$(mnt_line "$OUT" /idm)" idmapped
    umount "$T/idm/sub"

    make_bundle b3
    cfg ".mounts += [{\"destination\": \"/idm\", \"source\": \"$T/idm\", \"options\": [\"bind\", \"idmap\"]}]"
    run_in -- true
    assert_failed
    assert_contains "$ERR" '`idmap` without uidMappings and gidMappings needs a user namespace'
}

test_sysctl() {
    make_bundle
    cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234", "fs.mqueue.msg_max": "20"}'
    local host_fwd host_shm
    host_fwd=$(cat /proc/sys/net/ipv4/ip_forward); host_shm=$(cat /proc/sys/kernel/shmmni)
    run_in -- sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni /proc/sys/fs/mqueue/msg_max'
    assert_ok
    assert_eq "$OUT" $'1\n1234\n20'
    assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd" "host ip_forward changed"
    assert_eq "$(cat /proc/sys/kernel/shmmni)" "$host_shm" "host shmmni changed"
}

test_sysctl_errors_name_the_key() {
    make_bundle
    cfg '.linux.sysctl = {"net.ipv4.ip_forward": "nope"}'
    run_in -- true
    assert_failed
    assert_contains "$ERR" 'linux.sysctl `net.ipv4.ip_forward` = `nope`: write /proc/sys/net/ipv4/ip_forward: Invalid argument'
    cfg '.linux.sysctl = {"net.ipv4.no_such_knob": "1"}'
    run_in -- true
    assert_failed
    assert_contains "$ERR" 'linux.sysctl `net.ipv4.no_such_knob` = `1`'
    assert_contains "$ERR" "No such file or directory"
}

# Symlinks in the rootfs resolve inside it: nothing is created or mounted on
# the host, whatever they point at.
test_symlinks_cannot_escape_the_rootfs() {
    make_bundle
    local out="$T/escape-$RANDOM"
    ln -s "$out/abs" "$B/rootfs/abs"
    ln -s "../../../../../../../../..$out/rel" "$B/rootfs/rel"
    ln -s "../run/target.conf" "$B/rootfs/etc/dangling.conf"
    mkdir -p "$T/src"; echo hello > "$T/src/file"
    cfg ".mounts += [
        {\"destination\": \"/abs/x\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},
        {\"destination\": \"/rel/y/z\", \"source\": \"$T/src\", \"options\": [\"rbind\"]},
        {\"destination\": \"/etc/dangling.conf\", \"source\": \"$T/src/file\", \"options\": [\"bind\", \"ro\"]}]
        | .linux.devices = [{\"path\": \"/abs/dev/null2\", \"type\": \"c\", \"major\": 1, \"minor\": 3}]"
    local before
    before=$(host_mounts)
    run_in -- sh -c 'cat /proc/self/mountinfo; cat /etc/dangling.conf'
    assert_ok
    [ ! -e "$out" ] || fail "created $out on the host"
    assert_eq "$(host_mounts)" "$before" "host mount table changed"
    assert_eq "$(mnt_type "$OUT" "$out/abs/x")" tmpfs "the tmpfs landed inside the rootfs"
    assert_ne "$(mnt_line "$OUT" "$out/rel/y/z")" "" "the bind landed inside the rootfs"
    assert_ne "$(mnt_line "$OUT" /run/target.conf)" "" "a dangling symlink's target is created inside"
    assert_contains "$OUT" hello
    [ -d "$B/rootfs$out/abs/x" ] || fail "not created inside the rootfs"
    [ -c "$B/rootfs$out/abs/dev/null2" ] || fail "device not created inside the rootfs"
    assert_no_mounts
}

test_proc_and_sys_only_on_plain_directories() {
    make_bundle
    rmdir "$B/rootfs/proc"; mkdir "$B/rootfs/fakeproc"; ln -s /fakeproc "$B/rootfs/proc"
    run_in -- true
    assert_failed
    assert_contains "$ERR" 'mounts[0] (/proc, type proc): destination `/proc`: proc must be mounted on a plain directory'
    make_bundle b2
    mkdir -p "$B/rootfs/real"; rmdir "$B/rootfs/sys"; ln -s real "$B/rootfs/sys"
    run_in -- true
    assert_failed
    assert_contains "$ERR" "(/sys, type sysfs)"
    assert_contains "$ERR" "sysfs must be mounted on a plain directory"
    assert_no_mounts
}

test_nothing_covers_proc_but_procfs_and_lxcfs_files() {
    make_bundle
    mkdir -p "$T/src"; echo fake > "$T/src/cpuinfo"
    ln -s /proc "$B/rootfs/myproc"
    cfg ".mounts += [{\"destination\": \"/myproc/sys\", \"source\": \"$T/src\", \"options\": [\"rbind\"]}]"
    run_in -- true
    assert_failed
    assert_contains "$ERR" 'the destination resolves to `/proc/sys`, inside /proc: refused'
    make_bundle b2
    cfg ".mounts = [{\"destination\": \"/proc\", \"source\": \"$T/src\", \"options\": [\"rbind\"]}] + .mounts[1:]"
    run_in -- true
    assert_failed
    assert_contains "$ERR" "only procfs may be mounted there"
    make_bundle b3
    cfg ".mounts += [{\"destination\": \"/proc/cpuinfo\", \"source\": \"$T/src/cpuinfo\", \"options\": [\"bind\"]}]"
    run_in -- cat /proc/cpuinfo
    assert_ok
    assert_eq "$OUT" fake
}

test_errors_name_the_mount() {
    make_bundle
    cfg '.mounts += [{"destination": "/dev/shm2", "type": "tmpfs", "source": "shm", "options": ["nosuid", "size=lots"]}]'
    run_in -- true
    assert_failed
    assert_contains "$ERR" "mounts[7] (/dev/shm2, type tmpfs): options[1] \`size=lots\`: tmpfs: Bad value for 'size': Invalid argument"
    make_bundle b2
    cfg '.mounts += [{"destination": "/x", "type": "nosuchfs", "source": "x"}]'
    run_in -- true
    assert_failed
    assert_contains "$ERR" 'mounts[7] (/x, type nosuchfs): unknown filesystem type `nosuchfs`'
    make_bundle b3
    cfg '.mounts += [{"destination": "/x", "source": "/nonexistent/dir", "options": ["rbind"]}]'
    run_in -- true
    assert_failed
    assert_contains "$ERR" 'mounts[7] (/x, bind of `/nonexistent/dir`): source `/nonexistent/dir`: No such file or directory'
    make_bundle b4
    cfg '.mounts += [{"destination": "/x", "source": "/tmp", "options": ["rbind", "ro", "nosiud"]}]'
    run_in -- true
    assert_failed
    assert_contains "$ERR" 'mounts[7].options[2]: unknown mount option `nosiud`'
    make_bundle b5
    mkdir -p "$B/rootfs/etc/hello.d"; echo x > "$T/file"
    cfg ".mounts += [{\"destination\": \"/etc/hello.d\", \"source\": \"$T/file\", \"options\": [\"bind\"]}]"
    run_in -- true
    assert_failed
    assert_contains "$ERR" 'mounts[7] (/etc/hello.d, bind of `'"$T"'/file`): cannot mount a file on `/etc/hello.d`, a directory'
    assert_no_mounts
    assert_no_state
}

test_rootfs_propagation() {
    local p
    mkdir -p "$T/sh"
    mount -t tmpfs tmpfs "$T/sh"
    mount --make-shared "$T/sh"
    local before
    before=$(host_mounts)
    for p in "" shared rshared slave rslave private rprivate unbindable runbindable; do
        B=$T/sh/b-${p:-default}
        mkdir -p "$B"; cp -a "$(rootfs_template)" "$B/rootfs"; (cd "$B" && "$CONGO" spec)
        [ -n "$p" ] && cfg ".linux.rootfsPropagation = \"$p\""
        run_in -- cat /proc/self/mountinfo
        assert_ok
        local root
        root=$(mnt_line "$OUT" /)
        case $p in
            "") assert_contains "$root" "master:" "default: rslave of the host" ;;
            shared|rshared) assert_contains "$root" "shared:" "$p" ;;
            unbindable|runbindable) assert_contains "$root" unbindable "$p" ;;
            rslave) assert_contains "$root" "master:" "$p" ;;
            *) assert_not_contains "$root" "shared:" "$p"; assert_not_contains "$root" "master:" "$p" ;;
        esac
        [ "$p" = rshared ] && assert_contains "$(mnt_line "$OUT" /proc)" "shared:"
        [ "$p" = runbindable ] && assert_contains "$(mnt_line "$OUT" /proc)" "unbindable"
        assert_eq "$(host_mounts)" "$before" "rootfsPropagation=$p: mounts leaked to the host"
    done
    cfg '.linux.rootfsPropagation = "bogus"'
    run_in -- true
    assert_failed
    assert_contains "$ERR" "linux.rootfsPropagation"
    assert_contains "$ERR" bogus
    umount "$T/sh"
}

test_no_pivot() {
    make_bundle
    cfg '.linux.rootfsPropagation = "rslave"'
    run_in --no-pivot -- sh -c 'cat /proc/self/mountinfo; ls /'
    assert_ok
    assert_eq "$(mnt_type "$OUT" /proc)" proc
    assert_contains "$OUT" bin
    # Only the rootfs and its mounts: no mount point of the host is reachable.
    assert_eq "$(awk 'NF > 5 && $5 !~ "^/(proc|dev|sys)?(/|$)"' <<< "$OUT")" ""
    cfg '.linux.rootfsPropagation = "rprivate"'
    run_in --no-pivot -- true
    assert_failed
    assert_contains "$ERR" 'linux.rootfsPropagation: `rprivate` is not safe without pivot_root'
}

# mount(2) onto /proc/self/fd/N, for kernels (or seccomp filters) without the new mount API.
test_legacy_mount_api() {
    make_bundle
    mkdir -p "$T/src"; echo hello > "$T/src/file"
    cfg ".mounts += [{\"destination\": \"/data\", \"source\": \"$T/src\", \"options\": [\"rbind\", \"ro\", \"nosuid\"]},
                     {\"destination\": \"/t\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"size=1m\", \"ro\"]}]"
    run_in --legacy -- sh -c 'cat /proc/self/mountinfo; cat /data/file; echo "[$(cat /proc/keys)]"; stat -c %t:%T /dev/null'
    assert_ok
    assert_eq "$(mnt_type "$OUT" /proc)" proc
    assert_opt "$(mnt_opts "$OUT" /data)" ro
    assert_opt "$(mnt_opts "$OUT" /data)" nosuid
    assert_opt "$(mnt_opts "$OUT" /t)" ro
    assert_opt "$(mnt_opts "$OUT" /proc/sys)" ro
    assert_contains "$OUT" hello
    assert_contains "$OUT" "[]"
    assert_contains "$OUT" "1:3"
    run_in --legacy -- true
    assert_ok
}

# A container's mounts live and die with its mount namespace: none on the
# host while it runs, none after delete.
test_no_mounts_left_on_the_host() {
    make_bundle
    mkdir -p "$T/src"
    cfg ".process.args = [\"sleep\", \"30\"] | .mounts += [
        {\"destination\": \"/data\", \"source\": \"$T/src\", \"options\": [\"rbind\", \"ro\"]},
        {\"destination\": \"/t\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}]"
    local before id=rfs-keep-$$
    before=$(host_mounts)
    run_congo create -b "$B" "$id"
    assert_ok
    assert_eq "$(host_mounts)" "$before" "host mounts changed by create"
    run_congo start "$id"
    assert_ok
    assert_eq "$(host_mounts)" "$before" "host mounts changed by start"
    run_congo delete --force "$id"
    assert_ok
    assert_eq "$(host_mounts)" "$before" "host mounts changed by delete"
    assert_no_mounts
    assert_no_state
}

# A failing mount leaves nothing: no state, no mount, no cgroup.
test_failed_mount_leaves_nothing() {
    make_bundle
    cfg '.mounts += [{"destination": "/x", "type": "tmpfs", "source": "tmpfs", "options": ["size=bogus"]}]'
    local before
    before=$(host_mounts)
    run_congo create -b "$B" "rfs-fail-$$"
    assert_failed
    assert_contains "$ERR" "mounts[7] (/x, type tmpfs): options[0] \`size=bogus\`"
    assert_eq "$(host_mounts)" "$before"
    assert_no_state
    assert_no_cgroup
    assert_no_mounts
}

run_tests "$@"
