#!/bin/bash
# bench/exec.sh: latency of `exec ID /bin/true` into a running container,
# congo side by side with Debian's crun and runc in one hyperfine run, plus
# the peak RSS of each runtime's exec.
#
# How it measures: as bench/run-true.sh, every runtime runs inside one
# private mount namespace where /sys/fs/cgroup/unified is unmounted (crun
# 1.8.1 refuses this machine's hybrid cgroup layout), with its state root on
# /run (see bench/run-true.sh) and the same busybox bundle (ociVersion 1.0.2: crun 1.8.1
# rejects 1.2.0).  Each runtime starts one detached container (`sleep`) and
# then execs /bin/true into it in the foreground (join, wait, exit status).
# Ratios are runtime / crun; the target is congo <= 0.4.
#
#   bench/exec.sh [RUNS]          (default 300 runs per runtime)
#   EXTRA_JQ='.linux.seccomp = ...' bench/exec.sh
#   CONGO_BASE=/path/to/older/congo bench/exec.sh   (before/after, into congo's container)
#
# With a seccomp profile (congo spec --seccomp's), where congo loads the
# compiled program from <root>/.cache/seccomp (compiled once; by create too
# once it uses that cache) and crun compiles the profile on every exec:
#   d=$(mktemp -d); congo spec --seccomp --bundle $d
#   EXTRA_JQ=".linux.seccomp = $(jq -c .linux.seccomp $d/config.json)" bench/exec.sh
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-300}
CONGO=${CONGO:-$PWD/congo}
CONGO_BASE=${CONGO_BASE:-}
[ "$(id -u)" = 0 ] || { echo "run as root"; exit 1; }
for t in hyperfine crun runc jq bc; do command -v $t >/dev/null || { echo "missing $t (apt-get install $t)"; exit 1; }; done
[ -x "$CONGO" ] || { echo "build congo first (make)"; exit 1; }

W=$(mktemp -d /run/congo-bench.XXXXXX)
BASE_ARGS=${CONGO_BASE:+-n congo-base \"$CONGO_BASE --root $W/congo exec b /bin/true\" }
# Even when interrupted: no state, and no cgroup left under the bench's parent.
trap 'rmdir /sys/fs/cgroup/*/congo-bench/{congo,crun,runc} /sys/fs/cgroup/*/congo-bench 2>/dev/null || true; rm -rf "$W"' EXIT
mkdir -p "$W/bundle/rootfs/bin" "$W/bundle/rootfs/proc" "$W/bundle/rootfs/sys" "$W/bundle/rootfs/dev" \
    "$W/bundle/rootfs/etc" "$W/bundle/rootfs/tmp"
cp "$(command -v busybox)" "$W/bundle/rootfs/bin/busybox"
for a in true sh sleep; do ln -s busybox "$W/bundle/rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$W/bundle/rootfs/etc/passwd"
"$CONGO" spec --bundle "$W/bundle"
jq ".ociVersion = \"1.0.2\" | .process.terminal = false | .process.args = [\"sleep\", \"1000000\"] | del(.linux.resources.devices) | .linux.cgroupsPath = \"/congo-bench/exec\" ${EXTRA_JQ:+| $EXTRA_JQ}" \
    "$W/bundle/config.json" > "$W/c.json" && mv "$W/c.json" "$W/bundle/config.json"

cat > "$W/inner.sh" <<INNER
set -eu
umount /sys/fs/cgroup/unified 2>/dev/null || true
cd "$W/bundle"
cleanup() {
    $CONGO --root $W/congo delete --force b >/dev/null 2>&1 || true
    crun --root $W/crun delete --force b >/dev/null 2>&1 || true
    runc --root $W/runc delete --force b >/dev/null 2>&1 || true
}
trap cleanup EXIT
# Each runtime's container, with its own cgroup.
for rt in congo crun runc; do
    case \$rt in congo) bin=$CONGO;; *) bin=\$rt;; esac
    mkdir -p "$W/b-\$rt"
    jq ".linux.cgroupsPath = \"/congo-bench/\$rt\" | .root.path = \"$W/bundle/rootfs\"" config.json > "$W/b-\$rt/config.json"
    \$bin --root $W/\$rt run -d --bundle "$W/b-\$rt" b </dev/null >/dev/null 2>"$W/run-\$rt.err" || { echo "\$rt run failed:"; cat "$W/run-\$rt.err"; exit 1; }
done
hyperfine --warmup 20 --runs $RUNS -N --export-json "$W/results.json" \\
    -n congo "$CONGO --root $W/congo exec b /bin/true" \\
    ${BASE_ARGS}-n crun  "crun --root $W/crun exec b /bin/true" \\
    -n runc  "runc --root $W/runc exec b /bin/true" >&2
for rt in congo ${CONGO_BASE:+congo-base} crun runc; do
    case \$rt in congo) bin=$CONGO;; congo-base) bin=$CONGO_BASE;; *) bin=\$rt;; esac
    /usr/bin/time -f "\$rt %M" \$bin --root $W/\${rt%-base} exec b /bin/true 2>> "$W/rss" >/dev/null
done
INNER
unshare -m --propagation private bash "$W/inner.sh"

echo
echo "exec of /bin/true into a running container ($RUNS runs each, private mount ns without the cgroup2 mount)"
crun=$(jq -r '.results[] | select(.command == "crun") | .mean' "$W/results.json")
jq -r '.results[] | "\(.command) \(.mean) \(.stddev) \(.median) \(.min)"' "$W/results.json" | while read -r name mean sd median min; do
    rss=$(awk -v n="$name" '$1 == n {print $2}' "$W/rss")
    printf '  %-10s %7.2f ms ± %5.2f  (median %5.2f, min %5.2f)   ratio to crun %.2f   peak RSS %s KiB\n' "$name" \
        "$(echo "$mean * 1000" | bc -l)" "$(echo "$sd * 1000" | bc -l)" "$(echo "$median * 1000" | bc -l)" \
        "$(echo "$min * 1000" | bc -l)" "$(echo "$mean / $crun" | bc -l)" "$rss"
done
