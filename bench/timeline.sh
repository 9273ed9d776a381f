#!/bin/bash
# bench/timeline.sh: where the milliseconds of `congo run` of /bin/true go,
# phase by phase (bench/timeline.py), from syscall and exec/exit tracepoints
# recorded with perf over RUNS runs on the same bundle as bench/run-true.sh
# (or BUNDLE=DIR for another one), in the same private mount namespace.
# Tracing adds a little to every syscall: compare phases, not totals.
#
#   bench/timeline.sh [RUNS]          (default 50; needs perf: linux-perf)
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-50}
CONGO=${CONGO:-$PWD/congo}
[ "$(id -u)" = 0 ] || { echo "run as root"; exit 1; }
for t in perf jq busybox python3; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done
W=$(mktemp -d /run/congo-bench.XXXXXX)
trap 'rmdir /sys/fs/cgroup/*/congo-bench/c /sys/fs/cgroup/*/congo-bench 2>/dev/null || true; rm -rf "$W"' EXIT
if [ -n "${BUNDLE:-}" ]; then
    B=$BUNDLE
else
    B=$W/bundle
    mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/sys" "$B/rootfs/dev"
    cp "$(command -v busybox)" "$B/rootfs/bin/busybox"
    ln -s busybox "$B/rootfs/bin/true"
    "$CONGO" spec --bundle "$B"
    jq '.process.terminal = false | .process.args = ["/bin/true"] | del(.linux.resources.devices) | .linux.cgroupsPath = "/congo-bench/c"' \
        "$B/config.json" > "$W/c.json" && mv "$W/c.json" "$B/config.json"
fi
unshare -m --propagation private bash -c "
    umount /sys/fs/cgroup/unified 2>/dev/null || true
    cd '$B'
    for i in 1 2 3 4 5; do '$CONGO' --root '$W/congo' run b; done
    perf record -q -e raw_syscalls:sys_enter,raw_syscalls:sys_exit,sched:sched_process_exec,sched:sched_process_exit \
        -o '$W/perf.data' -- bash -c 'for i in \$(seq $RUNS); do \"$CONGO\" --root \"$W/congo\" run b; done'"
perf script -i "$W/perf.data" -F comm,pid,time,event,trace 2>/dev/null > "$W/trace.txt"
python3 bench/timeline.py "$W/trace.txt"
