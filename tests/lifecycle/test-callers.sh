#!/bin/bash
# What callers (containerd's shim, conmon, podman, docker) rely on beyond the
# plain lifecycle: failures found at create rather than at start, a failed
# start that a plain `delete` cleans up at once, no command that blocks
# without a bound, exec into a created container, runc's exit status 255
# for exec errors, --debug output, `list --format json`, `--version` and
# help for every command.
. "$(dirname "$0")/../lib.sh"

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

run_tests "$@"
