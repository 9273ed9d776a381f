#!/bin/bash
# bench/podman-run.sh: `podman run --rm IMAGE true` with congo and with runc
# as podman's OCI runtime, side by side in one hyperfine run.  This is the
# whole of what a podman user waits for: podman, conmon, the runtime's
# create/start/delete, podman's cleanup; the runtime is only part of it.
#
# podman runs as in tests/podman/test-podman.sh: its own root, runroot,
# tmpdir and network config under one temporary directory, events to a file,
# the cgroupfs manager, --network none, containers under /congo-bench-podman-PID,
# configured by a copy of contrib/podman/containers.conf pointing at the
# built congo.  Image: tests/image/mkimage.py `client` (busybox), pulled from
# an OCI layout.  Everything is removed at the end.
#
# crun 1.8.1 (Debian 12) refuses this machine's hybrid cgroup layout; the
# script tries it once and prints crun's error instead of a number.
#
#   bench/podman-run.sh [RUNS]          (default 50 runs per runtime)
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
RUNS=${1:-50}
CONGO=${CONGO:-$TOP/congo}
[ "$(id -u)" = 0 ] || { echo "run as root"; exit 1; }
for t in hyperfine podman conmon runc jq bc; do command -v $t >/dev/null || { echo "missing $t (apt-get install $t)"; exit 1; }; done
[ -x "$CONGO" ] || { echo "build congo first (make)"; exit 1; }

# conmon double-forks: its orphans need a subreaper (this machine's PID 1
# does not reap them).
if [ -z "${CONGO_UNDER_SUBREAPER:-}" ]; then
    mkdir -p "$TOP/tests/helpers"
    cc -O2 -o "$TOP/tests/helpers/subreaper" "$TOP/tests/helpers/subreaper.c"
    export CONGO_UNDER_SUBREAPER=1
    exec "$TOP/tests/helpers/subreaper" bash "$0" "$@"
fi

# The runtimes' default state roots (podman passes no --root): removed at the
# end when this script made them.
made_roots=""
for d in /run/runc /run/crun; do [ -e "$d" ] || made_roots="$made_roots $d"; done
W=$(mktemp -d /tmp/congo-bench-podman.XXXXXX)
CG=congo-bench-podman-$$
IMAGE=localhost/congo-bench:client
export CONTAINERS_CONF=$W/containers.conf
PODMAN="podman --root $W/root --runroot $W/runroot --tmpdir $W/libpod --network-config-dir $W/net --events-backend file --cgroup-manager cgroupfs --storage-driver overlay"
pm() { TMPDIR=$W/tmp $PODMAN "$@"; }

# Processes with our directory on their command line (conmon, podman's
# cleanup): ours.  Wait for them, then kill leftovers by PID.
our_pids() {
    local p c
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [ "$p" = $$ ] && continue
        c=$(tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline") || continue
        case $c in *"$W/"*) echo "$p" ;; esac
    done
}
cleanup() {
    local i m d left
    pm rm -af -t 0 >/dev/null 2>&1 || true
    for i in $(seq 100); do left=$(our_pids); [ -z "$left" ] && break; sleep 0.1; done
    for i in $(our_pids); do kill -KILL "$i" 2>/dev/null || true; done
    for m in $(awk -v t="$W/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    for d in /sys/fs/cgroup/*/"$CG"; do
        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
    rm -rf "$W"
    for d in $made_roots; do rmdir "$d" 2>/dev/null || true; done
}
trap cleanup EXIT

mkdir -p "$W/tmp" "$W/net"
/usr/bin/python3 tests/image/mkimage.py --busybox "$(command -v busybox)" client "$W/layout" >/dev/null
sed -e "s|^congo = \\[.*\\]|congo = [\"$CONGO\"]|" -e 's|^# *default_ulimits = |default_ulimits = |' \
    contrib/podman/containers.conf > "$CONTAINERS_CONF"
# The pull updates the root-wide blob-info cache in /var/lib/containers: pull
# in a private mount namespace with a throw-away /var/lib.
id=$(cd "$W" && unshare -m --propagation private bash -c 'mount -t tmpfs tmpfs /var/lib && "$@"' _ \
     env TMPDIR="$W/tmp" $PODMAN pull -q oci:layout:client | tail -1)
pm tag "$id" "$IMAGE"

RUN="run --rm --network none --cgroup-parent /$CG $IMAGE true"
runtimes="congo runc"
if ! err=$(pm --runtime crun $RUN 2>&1); then
    echo "crun: not measured: podman --runtime crun run fails on this host:"
    echo "  $(echo "$err" | grep -m1 -i 'error' || echo "$err" | head -1)"
else
    runtimes="$runtimes crun"
fi
for rt in $runtimes; do
    pm --runtime "$rt" $RUN || { echo "podman --runtime $rt run fails"; exit 1; }
done

args=()
for rt in $runtimes; do args+=(-n "$rt" "env TMPDIR=$W/tmp $PODMAN --runtime $rt $RUN"); done
hyperfine --warmup 5 --runs "$RUNS" -N --export-json "$W/results.json" "${args[@]}" >&2

echo
echo "podman run --rm IMAGE true ($RUNS runs each; podman $(podman --version | awk '{print $3}'), conmon $(conmon --version | awk 'NR==1 {print $3}'))"
runc_mean=$(jq -r '.results[] | select(.command == "runc") | .mean' "$W/results.json")
runc_median=$(jq -r '.results[] | select(.command == "runc") | .median' "$W/results.json")
jq -r '.results[] | "\(.command) \(.mean) \(.stddev) \(.median)"' "$W/results.json" | while read -r name mean sd median; do
    printf '  %-6s mean %7.2f ms ± %5.2f  median %7.2f ms   ratio to runc: mean %.2f, median %.2f\n' \
        "$name" "$(echo "$mean * 1000" | bc -l)" "$(echo "$sd * 1000" | bc -l)" "$(echo "$median * 1000" | bc -l)" \
        "$(echo "$mean / $runc_mean" | bc -l)" "$(echo "$median / $runc_median" | bc -l)"
done
