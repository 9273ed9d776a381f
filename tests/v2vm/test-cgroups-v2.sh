#!/bin/bash
# Pure cgroup v2, for real: boot one tests/v2vm VM and run the cgroup
# integration tests inside it.  Each test inside counts in the suite as
# "v2vm/<file>:<test>"; a VM that does not boot or does not report is a
# failure ("v2vm:boot").
#
#   tests/v2vm/test-cgroups-v2.sh [TEST-PATTERN]
#   CONGO_V2VM_FILES="tests/cgroups/test-resources.sh ..."   override the files
. "$(dirname "$0")/../lib.sh"

files=$(echo ${CONGO_V2VM_FILES:-$(cd "$TOP_SRCDIR" && ls tests/cgroups/test-*.sh)})
pattern=${1:-}
scratch=$(mktemp -d /tmp/congo-v2vm.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

report() { echo "$1 v2vm/$2"; [ -n "${CONGO_RESULTS:-}" ] && echo "$1 v2vm/$2" >> "$CONGO_RESULTS"; return 0; }

# PID 1 in the guest does not reap orphans: run each file under the subreaper.
subreaper=$TOP_BUILDDIR/tests/helpers/subreaper
if [ ! -x "$subreaper" ]; then
    subreaper=$scratch/subreaper
    cc -O2 -o "$subreaper" "$TESTS_DIR/helpers/subreaper.c" || { report FAIL "v2vm:boot"; exit 0; }
fi

cat > "$scratch/run.sh" <<EOF
set -u
[ "\$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || { echo "v2vm: /sys/fs/cgroup is not cgroup2"; exit 3; }
export TOP_BUILDDIR='$TOP_BUILDDIR' CONGO='$CONGO' CONGO_RESULTS='$scratch/results'
export CONGO_TEST_TMP=\$(mktemp -d /tmp/congo-suite.XXXXXX)
for f in $files; do
    echo "# v2vm/\$f"
    '$subreaper' bash '$TOP_SRCDIR'/"\$f" $pattern
done
EOF

start=$(date +%s)
V2VM_RW=$scratch V2VM_QUIET=${V2VM_QUIET:-} V2VM_TIMEOUT=${V2VM_TIMEOUT:-1200} \
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
    # 1 is a failing test file (reported above); anything else is the VM.
    report FAIL "v2vm:boot"
    echo "    the v2 VM failed (exit $rc, $n results) after $(( $(date +%s) - start )) s"
fi
exit 0
