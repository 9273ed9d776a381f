#!/bin/bash
# `congo run IMAGE` as a plain user (issue 12): a throw-away user made for
# this file (tests/rootless/test-rootless.sh's pattern), an image loaded into
# its store, and every container run inside a network namespace this file
# makes (as root: `unshare -n -m`, lo up), dropping to the user in it.
. "$(dirname "$0")/../lib.sh"

RL_USER=congo-rn-$$
RL_COUNT=65536
# A subordinate range no other test file's can overlap (newuidmap refuses ids near 3e9).
RL_SUB=$((1500000000 + ($$ % 5000) * 65536))

rl_remove_user() {
    sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid 2>/dev/null
    userdel "$RL_USER" >/dev/null 2>&1
    return 0
}

rl_add_user() {
    command -v newuidmap >/dev/null || { echo "newuidmap missing: apt-get install uidmap"; exit 1; }
    useradd -M -s /bin/sh "$RL_USER" || { echo "useradd failed"; exit 1; }
    trap rl_remove_user EXIT
    RL_UID=$(id -u "$RL_USER")
    sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
    echo "$RL_USER:$RL_SUB:$RL_COUNT" >> /etc/subuid
    echo "$RL_USER:$RL_SUB:$RL_COUNT" >> /etc/subgid
    export RL_USER RL_UID RL_SUB
}

# rn_setup: $T traversable, the user's home ($T/home) with the test image
# loaded as local/t:1, $T/run its XDG_RUNTIME_DIR.
rn_setup() {
    trap rn_cleanup EXIT
    [ -x "$CONGO_IMAGE" ] || fail "no congo-image binary at $CONGO_IMAGE"
    chmod 755 "$T"
    mkdir -p "$T/run" "$T/home"; chmod 700 "$T/run"; chown "$RL_USER:" "$T/run" "$T/home"
    python3 "$TESTS_DIR/image/mkimage.py" --busybox "$BUSYBOX" test "$T/layout" >/dev/null || fail "mkimage.py failed"
    chmod -R a+rX "$T/layout"
    rl "$CONGO_IMAGE" load --name local/t:1 "$T/layout" >"$T/.out" 2>"$T/.err" || fail "load: $(cat "$T/.err")"
}

# The test's namespaces, made on first use (as root: unshare, lo up): a
# network namespace, and a mount namespace where /dev/net/tun is open to
# the user as on a stock Debian (0666; this machine's is 0600), for pasta.
rn_netns() {
    [ -e "$T/ns/net" ] && return 0
    mkdir -p "$T/ns"
    mount --bind "$T/ns" "$T/ns" && mount --make-private "$T/ns" || fail "private $T/ns"
    touch "$T/ns/net" "$T/ns/mnt"
    unshare --net="$T/ns/net" --mount="$T/ns/mnt" --propagation private sh -c \
        'ip link set lo up && mount -t tmpfs -o mode=0755 tmpfs /dev/net && mknod -m 0666 /dev/net/tun c 10 200' ||
        fail "unshare -n -m failed"
}
# rl CMD...: CMD as the user in the test's namespaces, its XDG_RUNTIME_DIR $T/run.
rl() {
    rn_netns
    in_ns setpriv --reuid "$RL_UID" --regid "$(id -g "$RL_USER")" --init-groups -- \
        env -i PATH="${RN_PATH:-/usr/local/bin:/usr/bin:/bin}" HOME="$T/home" XDG_RUNTIME_DIR="$T/run" "$@"
}
# As root in the test's network namespace.
in_ns() { nsenter --net="$T/ns/net" --mount="$T/ns/mnt" "$@"; }
run_rl() {
    RC=0
    rl "$CONGO" "$@" >"$T/.out" 2>"$T/.err" </dev/null || RC=$?
    OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
}
assert_rl_no_state() { [ -z "$(ls -A "$T/run/congo" 2>/dev/null)" ] || fail "state left: $(ls -A "$T/run/congo")"; }
# No process of the user's left (the container's are the user's or its subordinate ids').
assert_rl_no_processes() {
    local left
    left=$(ps -eo pid=,uid= | awk -v u="$RL_UID" -v lo="$RL_SUB" -v hi=$((RL_SUB + RL_COUNT)) \
        '$2 == u || ($2 >= lo && $2 < hi) { print $1 }')
    [ -z "$left" ] || fail "processes left: $left ($(ps -o pid=,args= -p "${left//$'\n'/,}"))"
}
assert_no_bundles() {
    local left
    left=$(ls -A "$T/home/.local/share/congo/bundles" 2>/dev/null)
    [ -z "$left" ] || fail "bundles left: $left"
}

rn_cleanup() {
    local id
    [ -z "${RN_SLEEP:-}" ] || kill "$RN_SLEEP" 2>/dev/null || true
    for id in $(ls -A "$T/run/congo" 2>/dev/null); do
        rl "$CONGO" delete --force "$id" >/dev/null 2>&1 || true
    done
    if [ -e "$T/ns/net" ]; then
        umount "$T/ns/net" "$T/ns/mnt" 2>/dev/null
        umount "$T/ns" 2>/dev/null
    fi
    cleanup_test
}

# --network none: the container's own namespace with only lo, up; no hook
# needs the user to enter it.
test_network_none() {
    rn_setup
    run_rl run --rm --network none local/t:1 sh -c 'ls /sys/class/net; cat /sys/class/net/lo/operstate; ip -o link show lo; cat /proc/sys/net/ipv4/ping_group_range'
    assert_ok
    # Unprivileged ping for the gids the user namespace maps (0..65536).
    assert_eq "$(echo "$OUT" | tail -1 | tr -s '\t ' ' ')" "0 65536"
    assert_eq "$(echo "$OUT" | head -1)" "lo"
    assert_contains "$OUT" "LOWER_UP"
    assert_rl_no_state
    assert_no_bundles
    assert_rl_no_processes
}

# --network host: the caller's namespace (this test's), its interfaces seen.
test_network_host() {
    rn_setup
    in_ns ip link add congo-rn0 type veth peer name congo-rn1 || fail "veth link"
    run_rl run --rm --network host local/t:1 cat /proc/net/dev
    assert_ok
    assert_contains "$OUT" "congo-rn0"
    assert_rl_no_state
    assert_no_bundles
    assert_rl_no_processes
}

# The test namespace's uplink for pasta to copy: a veth pair (no dummy
# module here) with an address and a default route.
rn_uplink() {
    rn_netns
    in_ns ip link add congo-up0 type veth peer name congo-up1 &&
        in_ns ip addr add 10.99.0.2/24 dev congo-up0 && in_ns ip link set congo-up0 up &&
        in_ns ip link set congo-up1 up && in_ns ip route add default via 10.99.0.1 || fail "uplink"
}
# pasta processes of the user's.
user_pastas() { ps -u "$RL_UID" -o pid=,comm= 2>/dev/null | awk '$2 ~ /^(pasta|passt)/ { print $1 }'; }

# The default network as a user: pasta gives the container the uplink's
# address and default route; nothing of it is left after --rm.
test_default_network_pasta() {
    command -v pasta >/dev/null || fail "pasta is not installed (contrib/debian-test-packages.txt: passt)"
    rn_setup
    rn_uplink
    run_rl run --rm local/t:1 sh -c 'ip -o -4 addr show scope global; ip route show default'
    assert_ok
    assert_contains "$OUT" "inet 10.99.0.2/24"
    assert_contains "$OUT" "default via 10.99.0.1"
    assert_rl_no_state
    assert_no_bundles
    assert_eq "$(user_pastas)" "" "pasta left"
    assert_rl_no_processes
}

# -p 8080:80 as a user: pasta's forward on 127.0.0.1:8080 of the test's
# namespace answers with the container's httpd (run as root of the user
# namespace: the image's user 1000 may not bind port 80); delete --force ends pasta
# and removes state and bundle.
test_published_port_and_delete_force() {
    command -v pasta >/dev/null || fail "pasta is not installed (contrib/debian-test-packages.txt: passt)"
    local body="" i
    rn_setup
    rn_uplink
    run_rl run -d --name web -u 0 -p 8080:80 local/t:1 \
        sh -c 'mkdir -p /tmp/www && echo hello-rn > /tmp/www/index.html && exec busybox httpd -f -p 80 -h /tmp/www'
    assert_ok
    [ -n "$(user_pastas)" ] || fail "no pasta running: $(ps -eo pid,uid,comm,args | grep -i pasta)"
    for i in $(seq 100); do
        body=$(in_ns timeout 5 "$BUSYBOX" wget -q -O - http://127.0.0.1:8080/ 2>/dev/null) && [ -n "$body" ] && break
        sleep 0.1
    done
    assert_eq "$body" "hello-rn" "wget 127.0.0.1:8080 in the test's namespace"
    grep -q . "$T/home/.local/share/congo/bundles/web/network/pasta.proc" || fail "no pasta.proc recorded"
    run_rl delete --force web
    assert_ok
    assert_rl_no_state
    assert_no_bundles
    assert_eq "$(user_pastas)" "" "pasta left"
    assert_rl_no_processes
}

pid_is_users() { [ "$(stat -c %u "/proc/$1" 2>/dev/null)" = "$RL_UID" ]; }

# A pid recorded for a process that is no longer pasta (another start
# time) is not killed.
test_stop_checks_start_time() {
    rn_setup
    rn_netns
    mkdir -p "$T/home/d"
    nsenter --net="$T/ns/net" --mount="$T/ns/mnt" setpriv --reuid "$RL_UID" --regid "$(id -g "$RL_USER")" --init-groups -- sleep 600 &
    local pid=$!
    RN_SLEEP=$pid
    wait_for pid_is_users "$pid" || fail "sleep did not start as the user"
    echo "$pid 12345" >"$T/home/d/pasta.proc"
    chown -R "$RL_USER:" "$T/home/d"
    RC=0
    rl "$CONGO" network hook pasta-stop "$T/home/d" </dev/null || RC=$?
    assert_ok
    kill -0 "$pid" 2>/dev/null || fail "a process with another start time was killed"
    [ ! -e "$T/home/d/pasta.proc" ] || fail "pasta.proc left"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

# A CNI network needs root: a clear error before any bundle exists; so
# does -p with --network none.
test_cni_network_refused_as_user() {
    rn_setup
    run_rl run --rm --network mynet local/t:1 true
    assert_failed
    assert_contains "$ERR" "--network \`mynet\`: a CNI network needs root"
    run_rl run --rm --network none -p 8080:80 local/t:1 true
    assert_failed
    assert_contains "$ERR" "-p/--publish \`8080:80\`"
    assert_rl_no_state
    assert_no_bundles
    assert_rl_no_processes
}

# Without pasta on PATH: slirp4netns (its fixed 10.0.2.100/24, gateway
# 10.0.2.2), ended with the container; -p is refused with it.
test_slirp4netns_without_pasta() {
    command -v slirp4netns >/dev/null || fail "slirp4netns is not installed (contrib/debian-test-packages.txt)"
    local t
    rn_setup
    rn_uplink
    mkdir -p "$T/bin"
    for t in slirp4netns newuidmap newgidmap; do ln -s "$(command -v $t)" "$T/bin/$t"; done
    RN_PATH=$T/bin
    run_rl run --rm local/t:1 sh -c 'ip -o -4 addr show scope global; ip route show default'
    assert_ok
    assert_contains "$OUT" "inet 10.0.2.100/24"
    assert_contains "$OUT" "default via 10.0.2.2"
    run_rl run --rm -p 8080:80 local/t:1 true
    assert_failed
    assert_contains "$ERR" "-p/--publish \`8080:80\` as a user needs pasta"
    RN_PATH=
    assert_rl_no_state
    assert_no_bundles
    assert_eq "$(ps -u "$RL_UID" -o pid=,comm= | awk '$2 == "slirp4netns"')" "" "slirp4netns left"
    assert_rl_no_processes
}

rl_add_user
run_tests "$@"
