#!/bin/bash
# The docker-like flags of `congo run IMAGE`, each observed from inside the
# container (or from the host), the choice between the image and the bundle
# form, generated names, and congo pull/extract/images/rmi/rm.
# (--network none: these tests run in the host's namespaces.)
. "$(dirname "$0")/../lib.sh"
if [ "${1:-}" != __inner ]; then
    . "$(dirname "$0")/lib-image.sh"
    make_layout test test "$IMG_WORK/test"
    start_registry plain && push test:test "$REG/box:2" --dest-tls-verify=false
fi

load_image() {
    need_setup
    export CONGO_IMAGE_STORE=$T/store
    # Networks (none is used) stay in the test's directory.
    export CONGO_CNI_CONFIG_DIR=$T/cni
    img load --name local/box:1 "$IMG_WORK/test"
    assert_ok
}

# Nothing of a refused run: no state, no bundle, no mount.
assert_nothing_made() {
    assert_no_state
    assert_eq "$(ls "$T/store/bundles" 2>/dev/null)" "" "a refused run left a bundle"
    [ -z "$(ls -A "$T/store/bundle-refs" 2>/dev/null)" ] || fail "bundle record left: $(ls "$T/store/bundle-refs")"
    assert_no_mounts
}

status_field() { grep "^$1:" <<< "$OUT" | head -1 | awk '{print $2}'; }

test_user_workdir_env_entrypoint() {
    load_image
    printf '# a comment\nA=from-file\nB=two\n\nFROM_CALLER\n' > "$T/env"
    FROM_CALLER=passed BARE=bare-too run_congo run --network none --rm -u 0:2000 -w /tmp -e A=one -e BARE -e UNSET_X \
        --env-file "$T/env" --entrypoint /bin/sh local/box:1 -c 'id -u; id -g; pwd; echo "$A $B $FROM_CALLER $FOO $BARE ${UNSET_X-unset}"'
    assert_ok
    assert_eq "$OUT" "$(printf '0\n2000\n/tmp\none two passed bar bare-too unset')"
    # The image's user (tester) without -u; a user by name.
    run_congo run --network none --rm local/box:1 id -un
    assert_eq "$OUT" tester
    run_congo run --network none --rm --user nobody local/box:1 id -u
    assert_eq "$OUT" 65534
    assert_nothing_made
}

test_volumes_mounts_tmpfs_read_only() {
    load_image
    mkdir -p "$T/vol" "$T/vol2"
    echo host-data > "$T/vol/f"
    run_congo run --network none --rm -u 0 --read-only -v "$T/vol:/vol:ro" \
        --mount "type=bind,source=$T/vol2,target=/vol2" --tmpfs /scratch:size=1m,mode=700 \
        --mount type=tmpfs,target=/t2,tmpfs-size=2m local/box:1 sh -c '
        cat /vol/f
        touch /vol/new 2>/dev/null && echo vol-writable
        echo from-ctr > /vol2/out || echo vol2-not-writable
        touch /rootfile 2>/dev/null && echo root-writable
        touch /scratch/x && echo scratch-ok
        stat -c %a /scratch
        grep -E " /(vol|vol2|scratch|t2) " /proc/self/mountinfo
        grep -E " / / " /proc/self/mountinfo'
    assert_ok
    local l; l=$(sed -n 1,3p <<< "$OUT")
    assert_eq "$l" "$(printf 'host-data\nscratch-ok\n700')"
    assert_eq "$(cat "$T/vol2/out")" from-ctr
    [ ! -e "$T/vol/new" ] || fail "-v :ro let the container write"
    grep -E ' /vol ro[, ]' <<< "$OUT" >/dev/null || fail "/vol not read-only: $OUT"
    grep -E ' /vol2 rw[, ]' <<< "$OUT" >/dev/null || fail "/vol2 not read-write: $OUT"
    grep -E ' /scratch .* - tmpfs .*size=1024k' <<< "$OUT" >/dev/null || fail "--tmpfs size: $OUT"
    grep -E ' /scratch [^ ]*noexec' <<< "$OUT" >/dev/null || fail "--tmpfs is not noexec: $OUT"
    grep -E ' /t2 .* - tmpfs .*size=2048k' <<< "$OUT" >/dev/null || fail "--mount tmpfs size: $OUT"
    grep -E ' / / ro[, ]' <<< "$OUT" >/dev/null || fail "--read-only root is not ro: $OUT"
    assert_nothing_made
}

# A cgroup file of the container, v1 or v2, read from inside (its cgroup
# namespace shows its own cgroup at /sys/fs/cgroup).
test_limits() {
    load_image
    run_congo run --network none --rm -m 64m --memory-swap 128m --cpus 0.5 --pids-limit 50 local/box:1 sh -c '
        cg=/sys/fs/cgroup
        if [ -e $cg/memory/memory.limit_in_bytes ]; then
            cat $cg/memory/memory.limit_in_bytes
            cat $cg/memory/memory.memsw.limit_in_bytes 2>/dev/null || echo no-swap-accounting
            cat $cg/cpu/cpu.cfs_quota_us $cg/cpu/cpu.cfs_period_us $cg/pids/pids.max
        else
            cat $cg/memory.max
            echo $(( $(cat $cg/memory.max) + $(cat $cg/memory.swap.max) ))
            cat $cg/cpu.max | tr " " "\n"; cat $cg/pids.max
        fi'
    assert_ok
    local swap; swap=$(sed -n 2p <<< "$OUT")
    [ "$swap" = no-swap-accounting ] || assert_eq "$swap" 134217728 "--memory-swap"
    assert_eq "$(sed -n 1p <<< "$OUT")" 67108864 "--memory"
    assert_eq "$(sed -n 3,5p <<< "$OUT")" "$(printf '50000\n100000\n50')" "--cpus, --pids-limit"
    assert_nothing_made
    # The same from the host: the cgroup of the container's init.
    run_congo run --network none -d --name lim1 -m 32m --pids-limit 7 local/box:1 sleep 60
    assert_ok
    local pid cg; pid=$(state_pid lim1)
    if cg=$(sed -n 's/^[0-9]*:[^:]*memory[^:]*://p' "/proc/$pid/cgroup") && [ -n "$cg" ]; then
        assert_eq "$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes")" 33554432 "host: memory"
        cg=$(sed -n 's/^[0-9]*:[^:]*pids[^:]*://p' "/proc/$pid/cgroup")
        assert_eq "$(cat "/sys/fs/cgroup/pids$cg/pids.max")" 7 "host: pids"
    else
        cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
        assert_eq "$(cat "/sys/fs/cgroup$cg/memory.max")" 33554432 "host: memory"
        assert_eq "$(cat "/sys/fs/cgroup$cg/pids.max")" 7 "host: pids"
    fi
    run_congo rm -f lim1
    assert_ok
    assert_nothing_made
    assert_no_cgroup
}

cap_bit() { echo $(( (0x$1 >> $2) & 1 )); }

test_capabilities_privileged_security_opt() {
    load_image
    run_congo run --network none --rm -u 0 --cap-add NET_ADMIN --cap-drop chown local/box:1 cat /proc/self/status
    assert_ok
    local eff; eff=$(status_field CapEff)
    assert_eq "$(cap_bit "$eff" 12)" 1 "--cap-add NET_ADMIN: CapEff $eff"
    assert_eq "$(cap_bit "$eff" 0)" 0 "--cap-drop chown: CapEff $eff"
    assert_eq "$(cap_bit "$eff" 5)" 1 "KILL stays: CapEff $eff"
    assert_eq "$(status_field NoNewPrivs)" 0
    run_congo run --network none --rm -u 0 --cap-drop ALL --cap-add CAP_KILL local/box:1 cat /proc/self/status
    assert_eq "$(status_field CapBnd)" 0000000000000020 "--cap-drop ALL --cap-add KILL"
    # --privileged: every capability the kernel has and congo holds, no
    # masked paths, host devices.
    local bnd; bnd=$(grep ^CapBnd: /proc/self/status | awk '{print $2}')
    run_congo run --network none --rm -u 0 --privileged local/box:1 sh -c \
        'grep ^CapEff /proc/self/status; grep -c " /proc/kcore " /proc/self/mountinfo; test -c /dev/kmsg && echo kmsg'
    assert_ok
    assert_eq "$(status_field CapEff)" "$bnd" "--privileged CapEff"
    assert_eq "$(sed -n 2,3p <<< "$OUT")" "$(printf '0\nkmsg')" "--privileged masks nothing, has host devices"
    # no-new-privileges, and a seccomp profile of docker's format.
    cat > "$T/seccomp.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
EOF
    run_congo run --network none --rm -u 0 --security-opt no-new-privileges --security-opt "seccomp=$T/seccomp.json" \
        local/box:1 sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; busybox mkdir /tmp/d || echo mkdir-refused'
    assert_ok
    assert_eq "$(status_field NoNewPrivs)" 1
    assert_eq "$(status_field Seccomp)" 2
    assert_contains "$OUT" mkdir-refused
    # docker's own fields: archMap, and rules that hold only with a capability.
    cat > "$T/docker-profile.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW", "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
  {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_NET_ADMIN"]}},
  {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_NET_ADMIN"]}, "comment": "x"}]}
EOF
    run_congo run --network none --name sc1 -u 0 --security-opt "seccomp=$T/docker-profile.json" local/box:1 \
        sh -c 'busybox mkdir /tmp/d && echo mkdir-ok; busybox rmdir /tmp/d || echo rmdir-refused'
    assert_eq "$OUT" "$(printf 'mkdir-ok\nrmdir-refused')"
    local cfgfile; cfgfile=$(congo state sc1 | jq -r .bundle)/config.json
    assert_eq "$(jq -c '.linux.seccomp | [has("archMap"), (.syscalls | length), (.architectures | length)]' "$cfgfile")" \
        "[false,1,2]" "the profile as the runtime gets it"
    run_congo rm sc1
    run_congo run --network none --rm -u 0 --cap-add NET_ADMIN --security-opt "seccomp=$T/docker-profile.json" \
        local/box:1 sh -c 'busybox mkdir /tmp/d 2>/dev/null || echo mkdir-refused'
    assert_eq "$OUT" mkdir-refused
    run_congo run --network none --rm --security-opt seccomp=unconfined local/box:1 grep ^Seccomp: /proc/self/status
    assert_eq "$(status_field Seccomp)" 0
    assert_nothing_made
}

test_device_sysctl_ulimit_init_label() {
    load_image
    run_congo run --network none --name lab1 -u 0 --device /dev/null:/dev/mynull:rw --sysctl kernel.shmmni=1234 \
        --ulimit nofile=100:200 --init --label com.example.k=v1 local/box:1 sh -c '
        stat -c "%F %t:%T" /dev/mynull; echo x > /dev/mynull && echo write-ok
        cat /proc/sys/kernel/shmmni; ulimit -n; ulimit -Hn
        tr "\0" " " < /proc/1/cmdline; echo; echo $$'
    assert_ok
    assert_eq "$(sed -n 1,5p <<< "$OUT")" "$(printf 'character special file 1:3\nwrite-ok\n1234\n100\n200')"
    assert_contains "$(sed -n 6p <<< "$OUT")" "/sbin/docker-init -- sh -c"
    assert_ne "$(sed -n 7p <<< "$OUT")" 1 "--init: the command is not PID 1"
    run_congo state lab1
    assert_eq "$(jq -r '.annotations["com.example.k"]' <<< "$OUT")" v1 "--label as an annotation"
    # congo rm: the docker-style delete, bundle and overlay go with it.
    local b; b=$(jq -r .bundle <<< "$OUT")
    run_congo rm lab1
    assert_ok
    [ ! -e "$b" ] || fail "rm left the bundle $b"
    assert_nothing_made
}

test_generated_name_detach_rm() {
    load_image
    run_congo run --network none -d local/box:1 sleep 60
    assert_ok
    local name=$OUT
    [[ "$name" =~ ^[a-z]+_[a-z]+[0-9]*$ ]] || fail "generated name: '$name'"
    assert_eq "$(state_status "$name")" running
    run_congo rm "$name"
    assert_failed
    assert_contains "$ERR" "$name"
    run_congo rm -f "$name"
    assert_ok
    assert_nothing_made
    # Foreground without --name.
    run_congo run --network none --rm local/box:1 echo hi
    assert_ok
    assert_eq "$OUT" hi
    assert_nothing_made
}

test_interactive_stdin() {
    load_image
    OUT=$(echo piped | "$CONGO" --root "$ROOT" run --network none --rm -i local/box:1 cat) || fail "-i failed"
    assert_eq "$OUT" piped
    OUT=$(echo piped | "$CONGO" --root "$ROOT" run --network none --rm local/box:1 cat) || fail "run failed"
    assert_eq "$OUT" "" "without -i stdin is empty"
    # -t: a terminal (congo's pty) even where congo's own stdio is not one.
    run_congo run --network none --rm -t local/box:1 sh -c 'test -t 0 && test -t 1 && echo on-a-tty'
    assert_ok
    assert_contains "$OUT" on-a-tty
    run_congo run --network none --rm local/box:1 sh -c 'test -t 1 || echo no-tty'
    assert_eq "$OUT" no-tty
    assert_nothing_made
}

test_form_rule() {
    load_image
    # A config.json in the current directory: runc's `run ID`.
    make_bundle
    cfg '.process.args = ["echo", "bundle-form"]'
    OUT=$(cd "$B" && "$CONGO" --root "$ROOT" run "$(cid)") || fail "bundle form failed"
    assert_eq "$OUT" bundle-form
    # None: the argument is an image.
    mkdir "$T/empty"
    RC=0; ERR=$(cd "$T/empty" && "$CONGO" --root "$ROOT" run local/nope:9 2>&1 >/dev/null) || RC=$?
    assert_failed
    assert_contains "$ERR" "no config.json in the current directory, so \`local/nope:9\` was taken as an image"
    # --bundle: always the bundle form; image options are refused.
    run_congo run -b "$B" --cap-add NET_ADMIN x
    assert_failed
    assert_contains "$ERR" "image form"
    assert_nothing_made
}

test_bad_input_names_flag_and_value() {
    load_image
    mkdir -p "$T/vol"
    local bad
    while IFS='|' read -r flag value; do
        run_congo run --network none --name badbox $flag "$value" local/box:1 true
        assert_failed
        assert_contains "$ERR" "$flag" "$flag $value"
        assert_contains "$ERR" "$value" "$flag $value"
        assert_nothing_made
    done <<EOF
--cap-add|NOPE
--cap-drop|CAP_BOGUS
--ulimit|nofile=5:2
--ulimit|bogus=1
--sysctl|kernel.hostname=x
--sysctl|novalue
--device|/no/such/dev
--device|$T/vol
-v|relative:/x
-v|$T/missing:/x
-v|$T/vol:/x:bogus
--mount|type=volume,target=/x
--mount|type=bind,source=$T/vol,target=/x,colour=blue
--tmpfs|relative
--cpus|0
--cpus|$(( $(getconf _NPROCESSORS_ONLN) + 1 ))
--pids-limit|abc
--security-opt|apparmor=x
--security-opt|seccomp=$T/no-profile.json
--label|=x
--env-file|$T/no-env
--memory|12q
--pull|sometimes
-w|relative
EOF
    run_congo run --network none --name badbox --memory-swap 1g local/box:1 true
    assert_failed
    assert_contains "$ERR" "--memory-swap needs --memory"
    assert_nothing_made
    run_congo run --network none --name badbox -u nosuchuser local/box:1 true
    assert_failed
    assert_contains "$ERR" nosuchuser
    assert_nothing_made
}

test_pull_extract_images_rmi() {
    load_image
    run_congo pull "$REG/box:2"
    assert_ok
    run_congo images --format json
    assert_ok
    assert_contains "$OUT" "$REG/box:2"
    run_congo extract --quiet --name ex1 "$REG/box:2" -- true
    assert_ok
    assert_eq "$OUT" "$T/store/bundles/ex1"
    [ -f "$OUT/config.json" ] || fail "no config.json in $OUT"
    "$CONGO_IMAGE" rm-bundle "$OUT" || fail "rm-bundle"
    # --pull: never finds it in the store; always fetches it again.
    run_congo run --network none --rm --pull never "$REG/box:2" echo from-store
    assert_eq "$OUT" from-store
    run_congo run --network none --rm --pull always "$REG/box:2" echo pulled
    assert_ok
    assert_eq "$OUT" pulled
    run_congo run --network none --rm --pull never "$REG/box:9" true
    assert_failed
    assert_contains "$ERR" "box:9"
    assert_no_state
    run_congo rmi "$REG/box:2"
    assert_ok
    run_congo images -q
    assert_not_contains "$OUT" "$REG/box:2"
    # congo-image's own error and status.
    run_congo rmi "$REG/box:2"
    assert_failed
    assert_contains "$ERR" "box:2"
}

# With the default network, in a private network and mount namespace (as
# tests/network/test-network.sh): --read-only keeps the network files, the
# one-argument image form without ./config.json runs, rm releases the address.
network_in() {
    mount -t tmpfs tmpfs /run
    mount -t tmpfs tmpfs /var/lib
    mkdir -p /run/netns /var/lib/cni /run/congo-net.d
    mount -t tmpfs tmpfs "$ROOT"
    ip link set lo up
    export CONGO_IMAGE_STORE=$T/store CONGO_CNI_CONFIG_DIR=/run/congo-net.d
    trap 'for id in $(ls -A "$ROOT"); do "$CONGO" --root "$ROOT" delete -f "$id"; done >/dev/null 2>&1' EXIT
    run_congo run --rm --read-only -u 0 --hostname ro1 local/box:1 sh -c \
        'cat /etc/hostname; grep -c ro1 /etc/hosts; touch /x 2>/dev/null || echo ro'
    assert_ok
    assert_eq "$OUT" "$(printf 'ro1\n1\nro')"
    mkdir "$T/empty"
    OUT=$(cd "$T/empty" && "$CONGO" --root "$ROOT" run -d local/box:1) || fail "run -d IMAGE failed"
    local name=$OUT
    [[ "$name" =~ ^[a-z]+_[a-z]+[0-9]*$ ]] || fail "generated name: '$name'"
    [ -n "$(ls /var/lib/cni/networks/congo | grep '^10\.')" ] || fail "no address leased"
    run_congo rm -f "$name"
    assert_ok
    assert_eq "$(ls /var/lib/cni/networks/congo | grep '^10\.')" "" "rm released the address"
    assert_eq "$(ls "$T/store/bundles")" "" "rm removed the bundle"
}

test_network_read_only_form_rm() {
    load_image
    command -v unshare >/dev/null || skip "unshare is not installed"
    [ -x /usr/lib/cni/bridge ] || [ -x /opt/cni/bin/bridge ] || skip "no CNI plugins (containernetworking-plugins)"
    T=$T ROOT=$ROOT TEST_NAME=$TEST_NAME unshare -n -m --propagation private bash "$0" __inner network ||
        fail "inside the namespaces"
    assert_no_mounts
}

if [ "${1:-}" = __inner ]; then
    set -e
    "$2_in"
else
    run_tests "$@"
fi
