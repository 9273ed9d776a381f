#!/bin/bash
# `--systemd-cgroup` for real: boot one tests/v2vm VM with systemd as PID 1
# (V2VM_SYSTEMD=1; pure cgroup v2) and run tests/v2vm/systemd-cgroup-tests.sh
# inside it.  Each test inside counts in the suite as
# "v2vm-systemd/<file>:<test>"; a VM that does not boot or does not report is
# a failure ("v2vm-systemd:boot").  systemd's boot adds about 4 s to the
# VM's ~4 s under TCG; the tests take about 80 s there (20 of them the first
# bundle's busybox template, 11 starting dbus-daemon for the system-bus test).
#
#   tests/v2vm/test-systemd-cgroup.sh [TEST-PATTERN]
. "$(dirname "$0")/../lib.sh"

pattern=${1:-}
scratch=$(mktemp -d /tmp/congo-v2vm-systemd.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

report() { echo "$1 v2vm-systemd/$2"; [ -n "${CONGO_RESULTS:-}" ] && echo "$1 v2vm-systemd/$2" >> "$CONGO_RESULTS"; return 0; }

# systemd in the guest reaps what it adopts, but a test's detached
# containers are orphans of the test shell: keep the subreaper.
subreaper=$TOP_BUILDDIR/tests/helpers/subreaper
if [ ! -x "$subreaper" ]; then
    subreaper=$scratch/subreaper
    cc -O2 -o "$subreaper" "$TESTS_DIR/helpers/subreaper.c" || { report FAIL "v2vm-systemd:boot"; exit 0; }
fi

cat > "$scratch/run.sh" <<INNER
set -u
[ "\$(cat /proc/1/comm)" = systemd ] || { echo "v2vm: PID 1 is not systemd"; exit 3; }
export TOP_BUILDDIR='$TOP_BUILDDIR' CONGO='$CONGO' CONGO_RESULTS='$scratch/results'
export CONGO_TEST_TMP=\$(mktemp -d /tmp/congo-suite.XXXXXX)
'$subreaper' bash '$TESTS_DIR/v2vm/systemd-cgroup-tests.sh' $pattern
INNER

start=$(date +%s)
V2VM_SYSTEMD=1 V2VM_RW=$scratch V2VM_QUIET=${V2VM_QUIET:-} V2VM_TIMEOUT=${V2VM_TIMEOUT:-600} \
    "$TESTS_DIR/v2vm/run-in-v2vm.sh" "bash $scratch/run.sh" 2>&1 | sed 's/^/    /'
rc=${PIPESTATUS[0]}

n=0
if [ -f "$scratch/results" ]; then
    while read -r status name; do
        report "$status" "$name"
        n=$((n+1))
    done < "$scratch/results"
fi
if [ "$n" = 0 ] || { [ "$rc" != 0 ] && [ "$rc" != 1 ]; }; then
    report FAIL "v2vm-systemd:boot"
    echo "    the systemd VM failed (exit $rc, $n results) after $(( $(date +%s) - start )) s"
fi
exit 0
