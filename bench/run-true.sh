#!/bin/bash
# bench/run-true.sh: `run` of /bin/true on the default busybox bundle, congo
# side by side with Debian's crun and runc in one hyperfine run, plus peak RSS.
#
# How it measures: crun 1.8.1 refuses this machine's hybrid cgroup layout
# ("cgroups in hybrid mode not supported"), so every runtime runs inside one
# private mount namespace where /sys/fs/cgroup/unified is unmounted: all three
# see the same v1-only cgroup layout and the same bundle.  Each runtime gets
# its own state root and runs the container in the foreground (create, start,
# wait, delete).  Ratios are runtime / crun; the target is congo <= 0.5.
#
#   bench/run-true.sh [RUNS]          (default 200 runs per runtime)
#   CONGO_BASE=/path/to/older/congo bench/run-true.sh   (before/after, same run)
#   EXTRA_JQ='.linux.resources.memory.limit = 268435456' bench/run-true.sh
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-200}
CONGO=${CONGO:-$PWD/congo}
CONGO_BASE=${CONGO_BASE:-}
[ "$(id -u)" = 0 ] || { echo "run as root"; exit 1; }
for t in hyperfine crun runc jq; do command -v $t >/dev/null || { echo "missing $t (apt-get install $t)"; exit 1; }; done
[ -x "$CONGO" ] || { echo "build congo first (make)"; exit 1; }

# State roots under /run, as /run/congo, /run/crun and /run/runc are in real
# use: tmpfs on most hosts, but the root ext4 (mounted with discard) on the CI
# VM, where every block freed costs a synchronous discard (bench/README.md).
W=$(mktemp -d /run/congo-bench.XXXXXX)
BASE_ARGS=${CONGO_BASE:+-n congo-base \"$CONGO_BASE --root $W/congo-base run b\" }
# Even when interrupted: no state, and no cgroup left under the bench's parent.
trap 'rmdir /sys/fs/cgroup/*/congo-bench/c /sys/fs/cgroup/*/congo-bench 2>/dev/null || true; rm -rf "$W"' EXIT
mkdir -p "$W/bundle/rootfs/bin" "$W/bundle/rootfs/proc" "$W/bundle/rootfs/sys" "$W/bundle/rootfs/dev"
cp "$(command -v busybox)" "$W/bundle/rootfs/bin/busybox"
ln -s busybox "$W/bundle/rootfs/bin/true"
ln -s busybox "$W/bundle/rootfs/bin/sh"
"$CONGO" spec --bundle "$W/bundle"
jq ".ociVersion = \"1.0.2\" | .process.terminal = false | .process.args = [\"/bin/true\"] | del(.linux.resources.devices) | .linux.cgroupsPath = \"/congo-bench/c\" ${EXTRA_JQ:+| $EXTRA_JQ}" \
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
echo "run of /bin/true ($RUNS runs each, private mount ns without the cgroup2 mount)"
# Means and medians: on a shared machine the mean moves with other load,
# the median much less.
jq -r '.results[] | "\(.command) \(.mean) \(.stddev) \(.median)"' "$W/results.json" | while read -r name mean sd median; do
    crun=$(jq -r '.results[] | select(.command == "crun") | .mean' "$W/results.json")
    crun_median=$(jq -r '.results[] | select(.command == "crun") | .median' "$W/results.json")
    rss=$(awk -v n="$name" '$1 == n {print $2}' "$W/rss")
    printf '  %-10s mean %6.2f ms ± %5.2f  median %6.2f ms   ratio to crun: mean %.2f, median %.2f   peak RSS %s KiB\n' \
        "$name" "$(echo "$mean * 1000" | bc -l)" "$(echo "$sd * 1000" | bc -l)" "$(echo "$median * 1000" | bc -l)" \
        "$(echo "$mean / $crun" | bc -l)" "$(echo "$median / $crun_median" | bc -l)" "$rss"
done
