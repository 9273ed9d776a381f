#!/bin/bash
# What callers (containerd's shim, conmon, podman, docker) rely on beyond the
# plain lifecycle: failures found at create rather than at start, a failed
# start that a plain `delete` cleans up at once, no command that blocks
# without a bound, exec into a created container, runc's exit status 255
# for exec errors, --debug output, `list --format json`, `--version` and
# help for every command.
. "$(dirname "$0")/../lib.sh"

# The init's cgroup directory in the freezer hierarchy, for $B's config.
freezer_dir() { echo "/sys/fs/cgroup/freezer$(jq -r .linux.cgroupsPath "$B/config.json")"; }

# A capability the host's bounding set lacks (this machine has no
# CAP_SYS_RESOURCE there), as NUMBER NAME.
missing_cap() {
    local bnd c
    bnd=$((16#$(awk '/^CapBnd:/ {print $2}' /proc/self/status)))
    for c in 24:CAP_SYS_RESOURCE 25:CAP_SYS_TIME 16:CAP_SYS_MODULE 22:CAP_SYS_BOOT; do
        (( (bnd >> ${c%%:*}) & 1 )) || { echo "${c%%:*} ${c#*:}"; return 0; }
    done
    return 1
}

test_capability_outside_the_bounding_set_fails_at_create() {
    local cap name
    read -r cap name <<< "$(missing_cap)"
    [ -n "$name" ] || skip "this host's bounding set has every capability tried"
    make_bundle
    cfg ".process.args = [\"sleep\", \"30\"]
         | .process.capabilities.bounding += [\"$name\"] | .process.capabilities.effective += [\"$name\"]
         | .process.capabilities.permitted += [\"$name\"]"
    run_congo create -b "$B" "$(cid)"
    assert_failed
    assert_contains "$ERR" "process.capabilities.permitted["
    assert_contains "$ERR" "$name is not in congo's own bounding set"
    assert_no_state
    assert_no_cgroup
    assert_no_mounts
    # In the bounding set alone it is only absent (runc agrees): a warning.
    make_bundle b2
    cfg ".process.args = [\"grep\", \"^CapBnd:\", \"/proc/self/status\"] | .process.capabilities.bounding += [\"$name\"]"
    run_congo run -b "$B" "$(cid 2)"
    assert_ok
    assert_contains "$ERR" "warning: process.capabilities.bounding["
    local inside
    inside=$((16#$(echo "$OUT" | awk '{print $2}')))
    (( ((inside >> cap) & 1) == 0 )) || fail "the container has $name: $OUT"
    assert_no_state
}

test_unmapped_user_fails_at_create() {
    local what maps='.linux.namespaces += [{type: "user"}]
        | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
        | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
    chmod 755 "$T" # the container's root (host uid 100000) reaches its rootfs
    for what in '.process.user.uid = 70000' '.process.user.gid = 70000' '.process.user.additionalGids = [2000, 70000]'; do
        make_bundle
        cfg ".process.args = [\"sleep\", \"30\"] | $maps | $what"
        run_congo create -b "$B" "$(cid)"
        assert_failed
        assert_contains "$ERR" "process.user."
        assert_contains "$ERR" "70000 is not mapped by linux."
        assert_no_state
        assert_no_cgroup
    done
    # Mapped ones run.
    make_bundle
    cfg ".process.args = [\"id\"] | $maps | .process.user = {uid: 1000, gid: 1000, additionalGids: [2000]}"
    run_congo run -b "$B" "$(cid 2)"
    assert_ok
    assert_contains "$OUT" "uid=1000"
    assert_contains "$OUT" "2000"
}

# containerd runs a plain `delete ID` right after a failed start: the
# container must be stopped, its processes gone and its cgroup removable by
# then.
test_failed_start_is_deleted_by_a_plain_delete() {
    # A startContainer hook that fails, leaving a daemon behind in a
    # container without a pid namespace (nothing else would kill it).
    make_bundle
    cfg '.process.args = ["sleep", "30"] | .linux.namespaces = [.linux.namespaces[] | select(.type != "pid")]
         | .hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c", "sleep 60 >/dev/null 2>&1 & exit 1"]}]'
    local id; id=$(cid)
    run_congo create -b "$B" "$id"
    assert_ok
    run_congo start "$id"
    assert_failed
    assert_contains "$ERR" "startContainer hook #0"
    run_congo delete "$id"
    assert_ok
    assert_no_state
    assert_no_cgroup
    # The program vanishes between create and start (no terminal): the
    # exec fails after the fifo; again and again, since the init's exit
    # races the delete.
    local i
    for i in 1 2 3 4 5; do
        make_bundle "b$i"
        cfg '.root.readonly = false | .process.args = ["/bin/goner"]'
        cp "$B/rootfs/bin/busybox" "$B/rootfs/bin/goner"
        id=$(cid "$i")
        run_congo create -b "$B" "$id"
        assert_ok
        rm "$B/rootfs/bin/goner"
        run_congo start "$id"
        assert_failed
        assert_contains "$ERR" 'exec: "/bin/goner"'
        assert_eq "$(state_status "$id")" stopped "round $i"
        run_congo delete "$id"
        assert_ok
        assert_no_state
        assert_no_cgroup
    done
}

thaw_and_cleanup() {
    local d
    for d in "$parent"/leaf* "$parent"; do
        [ ! -e "$d/freezer.state" ] || echo THAWED > "$d/freezer.state" || true
    done
    [ -z "$v2dir" ] || [ ! -e "$v2dir" ] || echo 0 > "$v2dir/cgroup.freeze" || true
    cleanup_test
}

# runc: "container's cgroup unexpectedly frozen".  Before, the init froze as
# it entered its cgroup and `run -d` waited for it forever.
test_frozen_cgroup_is_refused_quickly() {
    # Not local: the EXIT trap runs after this function has returned.
    parent=/sys/fs/cgroup/freezer/$CONGO_TEST_CGROUP/frozen-$$ v2dir=""
    trap thaw_and_cleanup EXIT
    # 1. The container's own cgroup exists, frozen.
    make_bundle
    cfg ".process.args = [\"true\"] | .linux.cgroupsPath = \"/$CONGO_TEST_CGROUP/frozen-$$/leaf1\""
    mkdir -p "$parent/leaf1"
    echo FROZEN > "$parent/leaf1/freezer.state"
    RC=0
    timeout 20 "$CONGO" --root "$ROOT" run -d -b "$B" "$(cid 1)" > "$T/out" 2>&1 || RC=$?
    [ "$RC" != 124 ] || fail "run -d hung on a frozen cgroup"
    assert_failed
    assert_contains "$(cat "$T/out")" "container's cgroup unexpectedly frozen"
    assert_contains "$(cat "$T/out")" "$parent/leaf1"
    assert_no_state
    echo THAWED > "$parent/leaf1/freezer.state"
    rmdir "$parent/leaf1"
    # 2. Its parent is frozen: the new cgroup is born frozen.
    echo FROZEN > "$parent/freezer.state"
    cfg ".linux.cgroupsPath = \"/$CONGO_TEST_CGROUP/frozen-$$/leaf2\""
    RC=0
    timeout 20 "$CONGO" --root "$ROOT" create -b "$B" "$(cid 2)" > "$T/out" 2>&1 || RC=$?
    [ "$RC" != 124 ] || fail "create hung under a frozen parent"
    assert_failed
    assert_contains "$(cat "$T/out")" "container's cgroup unexpectedly frozen"
    assert_no_state
    echo THAWED > "$parent/freezer.state"
    # 3. cgroup2's freezer (cgroup.freeze), where it exists.
    local v2root=/sys/fs/cgroup/unified
    [ -e /sys/fs/cgroup/cgroup.controllers ] && v2root=/sys/fs/cgroup
    if [ -e "$v2root/cgroup.controllers" ]; then
        v2dir=$v2root/$CONGO_TEST_CGROUP/frozen-$$/leaf3
        mkdir -p "$v2dir"
        echo 1 > "$v2dir/cgroup.freeze"
        cfg ".linux.cgroupsPath = \"/$CONGO_TEST_CGROUP/frozen-$$/leaf3\""
        RC=0
        timeout 20 "$CONGO" --root "$ROOT" run -d -b "$B" "$(cid 3)" > "$T/out" 2>&1 || RC=$?
        [ "$RC" != 124 ] || fail "run -d hung on a frozen cgroup2 cgroup"
        assert_failed
        assert_contains "$(cat "$T/out")" "container's cgroup unexpectedly frozen"
        assert_contains "$(cat "$T/out")" "$v2dir"
        assert_no_state
        echo 0 > "$v2dir/cgroup.freeze"
    fi
}

test_exec_into_a_created_container() {
    make_bundle
    cfg '.process.args = ["sleep", "30"] | .hostname = "created-box"'
    local id; id=$(cid)
    run_congo create -b "$B" --pid-file "$T/init.pid" "$id"
    assert_ok
    run_congo exec "$id" sh -c 'hostname; cat /proc/1/status | grep ^State'
    assert_ok
    assert_contains "$OUT" created-box
    # Its pid 1 is the init, still waiting for start.
    run_congo exec -d --pid-file "$T/exec.pid" "$id" sleep 20
    assert_ok
    local ep; ep=$(cat "$T/exec.pid")
    assert_eq "$(readlink /proc/$ep/ns/pid)" "$(readlink /proc/$(cat "$T/init.pid")/ns/pid)" "pid namespace"
    grep -q "^$ep\$" "$(freezer_dir)/cgroup.procs" || fail "the exec'd process is not in the container's cgroup"
    assert_eq "$(state_status "$id")" created
    run_congo start "$id"
    assert_ok
    assert_eq "$(state_status "$id")" running
}

test_seccomp_notify_on_write_is_refused_at_create() {
    make_bundle
    cfg ".process.args = [\"true\"] | .linux.seccomp = {defaultAction: \"SCMP_ACT_ALLOW\", listenerPath: \"$T/agent.sock\",
         syscalls: [{names: [\"mkdir\"], action: \"SCMP_ACT_ERRNO\"}, {names: [\"read\", \"write\"], action: \"SCMP_ACT_NOTIFY\"}]}"
    run_congo create -b "$B" "$(cid)"
    assert_failed
    assert_contains "$ERR" "linux.seccomp.syscalls[1].names[1]: SCMP_ACT_NOTIFY cannot be used for the write syscall"
    assert_no_state
    assert_no_cgroup
}

# runc's exec exits 255 when it fails ("exec failed: ..."), not the status
# of a process: containerd and podman's tools compare it.
test_exec_errors_exit_255() {
    make_bundle
    cfg '.process.args = ["sleep", "30"]'
    local id; id=$(cid)
    run_congo run -d -b "$B" --pid-file "$T/init.pid" "$id"
    assert_ok
    run_congo exec nosuch-$$ true
    assert_rc 255
    assert_contains "$ERR" "does not exist"
    run_congo exec "$id" /no/such/binary
    assert_rc 255
    assert_contains "$ERR" "/no/such/binary"
    run_congo exec --pid-file "$T/no/such/dir/exec.pid" "$id" sleep 20
    assert_rc 255
    assert_contains "$ERR" "--pid-file"
    run_congo exec -d --pid-file "$T/no/such/dir/exec.pid" "$id" sleep 20
    assert_rc 255
    # Nothing was left running.
    assert_eq "$(cat "$(freezer_dir)/cgroup.procs")" "$(cat "$T/init.pid")"
    run_congo pause "$id"
    assert_ok
    run_congo exec "$id" true
    assert_rc 255
    assert_contains "$ERR" "paused"
    run_congo resume "$id"
    assert_ok
    # The process's own status passes through; argument errors stay 1, and
    # other commands' errors too.
    run_congo exec "$id" sh -c 'exit 3'
    assert_rc 3
    run_congo exec
    assert_rc 1
    run_congo start nosuch-$$
    assert_rc 1
}

# --debug says what congo does, for every command: runc's `level=debug`
# lines in text, {"level":"debug"} records in JSON.
test_debug_prints_for_every_command() {
    make_bundle
    cfg '.process.args = ["sleep", "30"]'
    local id c out
    id=$(cid)
    run_congo --debug run -d -b "$B" "$id"
    assert_ok
    assert_contains "$ERR" 'level=debug msg="'
    assert_contains "$ERR" "cgroup \`"
    assert_contains "$ERR" "container process started, host pid"
    for c in "state $id" "list" "ps $id" "exec $id true" "exec -d $id true" "pause $id" "resume $id" "kill $id 0" \
             "features" "events --stats $id"; do
        run_congo --debug $c
        assert_ok
        assert_contains "$ERR" "level=debug" "--debug $c"
    done
    run_congo --debug exec "$id" true
    assert_contains "$ERR" "exec: process "
    run_congo --debug --log-format json delete --force "$id"
    assert_ok
    out=$(echo "$ERR" | jq -c 'select(.level == "debug") | .msg') || fail "not JSON lines: $ERR"
    assert_contains "$out" "delete \`$id\`"
    assert_contains "$out" "removed"
    # Foreground run, to a JSON --log file.
    make_bundle b2
    cfg '.process.args = ["true"]'
    run_congo --debug --log "$T/log.json" --log-format json run -b "$B" "$(cid 2)"
    assert_ok
    out=$(jq -c 'select(.level == "debug") | .msg' "$T/log.json") || fail "not JSON lines: $(cat "$T/log.json")"
    assert_contains "$out" "the program runs"
    assert_contains "$out" "exited with status 0"
    # Without --debug, nothing of it.
    run_congo run -b "$B" "$(cid 3)"
    assert_ok
    assert_eq "$ERR" ""
}

test_list_json_is_one_compact_array_in_runc_order() {
    make_bundle
    cfg '.process.args = ["sleep", "30"]'
    run_congo create -b "$B" "$(cid 1)"
    assert_ok
    make_bundle b2
    cfg '.process.args = ["sleep", "30"] | .annotations = {"com.example.a": "1"}'
    run_congo create -b "$B" "$(cid 2)"
    assert_ok
    run_congo list --format json
    assert_ok
    assert_eq "$(echo "$OUT" | wc -l)" 1
    assert_eq "$OUT" "$(echo "$OUT" | jq -c .)" "compact"
    assert_eq "$(echo "$OUT" | jq -c '.[0] | keys_unsorted')" \
        '["ociVersion","id","pid","status","bundle","rootfs","created","owner"]'
    assert_eq "$(echo "$OUT" | jq -c '.[1] | keys_unsorted')" \
        '["ociVersion","id","pid","status","bundle","rootfs","created","annotations","owner"]'
    assert_eq "$(echo "$OUT" | jq -r '.[1].annotations["com.example.a"]')" 1
    assert_eq "$(echo "$OUT" | jq -r '.[0].status')" created
    assert_eq "$(echo "$OUT" | jq -r '.[0].owner')" root
}

test_version_names_the_commit_and_spec() {
    run_cmd "$CONGO" --version
    assert_ok
    assert_eq "$(echo "$OUT" | sed -n 1p)" "congo version $(sed -n 's/^AC_INIT(\[congo\], \[\([^]]*\)\].*/\1/p' "$TOP_SRCDIR/configure.ac")"
    local commit; commit=$(echo "$OUT" | sed -n 2p)
    assert_contains "$commit" "commit: "
    if command -v git > /dev/null && git -C "$TOP_SRCDIR" rev-parse HEAD > /dev/null 2>&1; then
        assert_contains "$commit" "commit: $(git -C "$TOP_SRCDIR" rev-parse --short=12 HEAD)"
    else
        assert_eq "$commit" "commit: unknown"
    fi
    assert_eq "$(echo "$OUT" | sed -n 3p)" "spec: 1.2.0"
}

test_help_for_every_command() {
    local cmds c form
    cmds=$("$CONGO" --help | awk '/^Commands:/ {on = 1; next} on && NF {print $1}')
    [ -n "$cmds" ] || fail "no commands in congo --help"
    assert_contains "$cmds" checkpoint
    for c in $cmds; do
        [ "$c" = help ] && continue
        for form in "help $c" "$c -h" "$c --help"; do
            run_cmd "$CONGO" $form
            assert_ok
            # The command's own usage (the image commands show congo-image's).
            case $(echo "$OUT" | head -1) in
                "Usage: congo [GLOBAL OPTIONS]"*) fail "$form: the global usage" ;;
                "Usage: congo $c"* | "Usage: congo-image "*) ;;
                *) fail "$form: no usage: $OUT" ;;
            esac
        done
    done
    run_cmd "$CONGO" help
    assert_ok
    assert_contains "$OUT" "Usage: congo [GLOBAL OPTIONS]"
    run_cmd "$CONGO" help nosuch
    assert_failed
    assert_contains "$ERR" "unknown command \`nosuch\`"
}

run_tests "$@"
