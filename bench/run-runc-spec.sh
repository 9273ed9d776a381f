#!/bin/bash
# bench/run-runc-spec.sh: `run` of /bin/true on the bundle `runc spec` writes
# (its namespaces, mounts, masked and read-only paths, capabilities with
# ambient ones, rlimits, a deny-all device rule), congo side by side with
# Debian's crun and runc in one hyperfine run, plus peak RSS.  Only what a
# benchmark must change is changed: process.terminal false, process.args
# /bin/true, a cgroupsPath under the bench's own parent.
#
# How it measures: as bench/run-true.sh (one private mount namespace where
# /sys/fs/cgroup/unified is unmounted, since crun 1.8.1 refuses this
# machine's hybrid cgroup layout; each runtime with its own state root under
# /run; create, start, wait and delete in the foreground).  Ratios are
# runtime / crun; the target is congo <= 0.5.
#
#   bench/run-runc-spec.sh [RUNS]          (default 200 runs per runtime)
#   CONGO_BASE=/path/to/older/congo bench/run-runc-spec.sh   (before/after, same run)
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-200}
CONGO=${CONGO:-$PWD/congo}
CONGO_BASE=${CONGO_BASE:-}
[ "$(id -u)" = 0 ] || { echo "run as root"; exit 1; }
for t in hyperfine crun runc jq bc busybox; do command -v $t >/dev/null || { echo "missing $t (apt-get install $t)"; exit 1; }; done
[ -x "$CONGO" ] || { echo "build congo first (make)"; exit 1; }

W=$(mktemp -d /run/congo-bench.XXXXXX)
BASE_ARGS=${CONGO_BASE:+-n congo-base \"$CONGO_BASE --root $W/congo-base run b\" }
# Even when interrupted: no state, and no cgroup left under the bench's parent.
trap 'rmdir /sys/fs/cgroup/*/congo-bench/r /sys/fs/cgroup/*/congo-bench 2>/dev/null || true; rm -rf "$W"' EXIT
mkdir -p "$W/bundle/rootfs/bin" "$W/bundle/rootfs/proc" "$W/bundle/rootfs/sys" "$W/bundle/rootfs/dev"
cp "$(command -v busybox)" "$W/bundle/rootfs/bin/busybox"
ln -s busybox "$W/bundle/rootfs/bin/true"
ln -s busybox "$W/bundle/rootfs/bin/sh"
(cd "$W/bundle" && runc spec)
jq '.process.terminal = false | .process.args = ["/bin/true"] | .linux.cgroupsPath = "/congo-bench/r"' \
    "$W/bundle/config.json" > "$W/c.json" && mv "$W/c.json" "$W/bundle/config.json"

cat > "$W/inner.sh" <<INNER
set -eu
umount /sys/fs/cgroup/unified 2>/dev/null || true
cd "$W/bundle"
hyperfine --warmup 10 --runs $RUNS -N --export-json "$W/results.json" \\
    -n congo "$CONGO --root $W/congo run b" \\
    ${BASE_ARGS}-n crun  "crun --root $W/crun run b" \\
    -n runc  "runc --root $W/runc run b" >&2
for rt in congo ${CONGO_BASE:+congo-base} crun runc; do
    case \$rt in congo) bin=$CONGO;; congo-base) bin=$CONGO_BASE;; *) bin=\$rt;; esac
    /usr/bin/time -f "\$rt %M" \$bin --root $W/\$rt run b 2>> "$W/rss" >/dev/null
done
INNER
unshare -m --propagation private bash "$W/inner.sh"

echo
echo "run of /bin/true, runc spec's bundle ($RUNS runs each, private mount ns without the cgroup2 mount)"
crun=$(jq -r '.results[] | select(.command == "crun") | .mean' "$W/results.json")
crun_median=$(jq -r '.results[] | select(.command == "crun") | .median' "$W/results.json")
jq -r '.results[] | "\(.command) \(.mean) \(.stddev) \(.median)"' "$W/results.json" | while read -r name mean sd median; do
    rss=$(awk -v n="$name" '$1 == n {print $2}' "$W/rss")
    printf '  %-10s mean %6.2f ms ± %5.2f  median %6.2f ms   ratio to crun: mean %.2f, median %.2f   peak RSS %s KiB\n' \
        "$name" "$(echo "$mean * 1000" | bc -l)" "$(echo "$sd * 1000" | bc -l)" "$(echo "$median * 1000" | bc -l)" \
        "$(echo "$mean / $crun" | bc -l)" "$(echo "$median / $crun_median" | bc -l)" "$rss"
done
