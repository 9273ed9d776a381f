#!/bin/bash
# bench/image-run-net.sh: `congo run --rm IMAGE true` against
# `podman run --rm IMAGE true`, with the default bridge network (CNI: bridge,
# host-local, portmap, firewall, tuning for congo; podman 4.3's CNI backend
# and its default network) and with --network none, side by side in one
# hyperfine run.  Target: congo <= 0.4 of podman.
#
# Everything runs in a private network and mount namespace (unshare -n -m)
# with /run (so /run/netns), /var/lib (/var/lib/cni, podman's caches), the
# state roots and both CNI config dirs on tmpfs: bridges, veths, iptables
# rules and leases exist only there.  podman is isolated as in
# bench/podman-run.sh (own root, runroot, tmpdir, network config dir, events
# to a file, cgroupfs), network_backend "cni", with congo as its OCI runtime,
# so the difference is the front end's work and the networking, not the
# runtime.  Image: tests/image/mkimage.py `client` (busybox) for both.
#
#   bench/image-run-net.sh [RUNS]          (default 30 runs per command)
#   CONGO_BASE=/an/older/congo bench/image-run-net.sh   adds congo-base-bridge
#   STRACE=1 bench/image-run-net.sh        also: where congo's time goes
#                                          (CNI plugin execs, strace -f -tt)
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
RUNS=${1:-30}
CONGO=${CONGO:-$TOP/congo}
CONGO_IMAGE=${CONGO_IMAGE:-$TOP/congo-image}
[ "$(id -u)" = 0 ] || { echo "run as root"; exit 1; }
for t in hyperfine podman conmon jq bc unshare iptables; do command -v $t >/dev/null || { echo "missing $t (apt-get install $t)"; exit 1; }; done
[ -x /usr/lib/cni/bridge ] || [ -x /opt/cni/bin/bridge ] || { echo "missing CNI plugins (apt-get install containernetworking-plugins)"; exit 1; }
[ -x "$CONGO" ] && [ -x "$CONGO_IMAGE" ] || { echo "build congo first (make)"; exit 1; }

# conmon double-forks: its orphans need a subreaper.
if [ -z "${CONGO_UNDER_SUBREAPER:-}" ]; then
    mkdir -p "$TOP/tests/helpers"
    cc -O2 -o "$TOP/tests/helpers/subreaper" "$TOP/tests/helpers/subreaper.c"
    export CONGO_UNDER_SUBREAPER=1
    exec "$TOP/tests/helpers/subreaper" bash "$0" "$@"
fi

W=$(mktemp -d /tmp/congo-bench-net.XXXXXX)
CG=congo-bench-net-$$
cleanup() {
    local m d
    for m in $(awk -v t="$W/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    for d in /sys/fs/cgroup/*/"$CG"; do
        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
    rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W"
/usr/bin/python3 tests/image/mkimage.py --busybox "$(command -v busybox)" client "$W/layout" >/dev/null
"$CONGO_IMAGE" --store "$W/store" load --name localhost/congo-bench:client "$W/layout" >/dev/null
sed -e "s|^congo = \\[.*\\]|congo = [\"$CONGO\"]|" -e 's|^# *default_ulimits = |default_ulimits = |' \
    contrib/podman/containers.conf > "$W/containers.conf"
grep -q '^\[network\]' "$W/containers.conf" || printf '\n[network]\n' >> "$W/containers.conf"
sed -i '/^\[network\]/a network_backend = "cni"\ncni_plugin_dirs = ["/usr/lib/cni", "/opt/cni/bin"]' "$W/containers.conf"

BASE_ARGS=""
[ -z "${CONGO_BASE:-}" ] || BASE_ARGS="-n congo-base-bridge \"$CONGO_BASE --root \$W/state run --rm --name b \$IMAGE true\""
cat > "$W/inner.sh" <<INNER
set -eu
W=$W
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /var/lib
mkdir -p /run/netns /var/lib/cni \$W/state \$W/tmp \$W/net \$W/congo-net.d
mount -t tmpfs tmpfs \$W/state
ip link set lo up
export CONTAINERS_CONF=\$W/containers.conf CONGO_IMAGE_STORE=\$W/store CONGO_CNI_CONFIG_DIR=\$W/congo-net.d TMPDIR=\$W/tmp
PODMAN="podman --root \$W/root --runroot \$W/runroot --tmpdir \$W/libpod --network-config-dir \$W/net --events-backend file --cgroup-manager cgroupfs --storage-driver overlay --runtime congo"
id=\$(cd \$W && \$PODMAN pull -q oci:layout:client | tail -1)
\$PODMAN tag "\$id" localhost/congo-bench:client
IMAGE=localhost/congo-bench:client
C="$CONGO --root \$W/state run --rm"
P="\$PODMAN run --rm --cgroup-parent /$CG"
# Each once: they work, and the networks and their rules exist before timing.
\$C --name b \$IMAGE true
\$C --network none --name b \$IMAGE true
\$P --network bridge \$IMAGE true
\$P --network none \$IMAGE true
hyperfine --warmup 3 --runs $RUNS -N --export-json \$W/results.json \\
    -n congo-bridge  "\$C --name b \$IMAGE true" \\
    -n podman-bridge "\$P --network bridge \$IMAGE true" \\
    -n congo-none    "\$C --network none --name b \$IMAGE true" \\
    $BASE_ARGS \\
    -n podman-none   "\$P --network none \$IMAGE true" >&2
if [ -n "${STRACE:-}" ]; then
    strace -f -tt -e trace=execve,exit_group -o \$W/strace.txt \$C --name b \$IMAGE true
    strace -f -tt -e trace=execve,exit_group -o \$W/strace-podman.txt \$P --network bridge \$IMAGE true
    cp \$W/strace.txt /tmp/congo-bench-net-strace.txt
    cp \$W/strace-podman.txt /tmp/congo-bench-net-strace-podman.txt
fi
\$PODMAN info --format 'podman network backend: {{.Host.NetworkBackend}}' >&2
\$PODMAN rm -af -t 0 >/dev/null 2>&1 || true
INNER
unshare -n -m --propagation private bash "$W/inner.sh"

echo
echo "run --rm IMAGE true ($RUNS runs each; podman $(podman --version | awk '{print $3}') with its CNI backend, congo as its runtime)"
for net in bridge none; do
    pm=$(jq -r ".results[] | select(.command == \"podman-$net\") | .mean" "$W/results.json")
    pmd=$(jq -r ".results[] | select(.command == \"podman-$net\") | .median" "$W/results.json")
    jq -r ".results[] | select(.command | endswith(\"-$net\")) | \"\(.command) \(.mean) \(.stddev) \(.median)\"" "$W/results.json" |
    while read -r name mean sd median; do
        printf '  %-17s mean %7.2f ms ± %5.2f  median %7.2f ms   ratio to podman: mean %.2f, median %.2f\n' \
            "$name" "$(echo "$mean * 1000" | bc -l)" "$(echo "$sd * 1000" | bc -l)" "$(echo "$median * 1000" | bc -l)" \
            "$(echo "$mean / $pm" | bc -l)" "$(echo "$median / $pmd" | bc -l)"
    done
done
