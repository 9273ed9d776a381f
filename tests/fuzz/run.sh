#!/bin/bash
# tests/fuzz/run.sh [SECONDS] [TARGET...]: build the fuzz targets (build.sh)
# and run each one (default: all) for SECONDS (default 20), two at most at a
# time never: one after the other.  Prints one line per target in the test
# suite's format:
#   ok fuzz:config (183432 runs, 3057 exec/s, cov: 1830 ft: 6911)
#   FAIL fuzz:config (crash-...: reproducer tests/fuzz/build/artifacts/config/crash-...; log ...)
# Exit status 0 when no target failed.  The inputs found go to
# tests/fuzz/build/corpus/TARGET (kept between runs; the committed seeds in
# tests/fuzz/corpus/TARGET are read, never written).  Each target first
# replays its regression inputs (tests/fuzz/regressions/TARGET/).
#
# Environment: FUZZ_BUILD (the build directory), FUZZ_NO_BUILD=1 (use what
# is built), FUZZ_ARGS (more libFuzzer options, e.g. -jobs=2 -workers=2).
set -u
FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$FUZZ_DIR/../.." && pwd)
: "${TOP_BUILDDIR:=$TOP}"
BUILD=${FUZZ_BUILD:-$TOP_BUILDDIR/tests/fuzz/build}
# The targets whose input is JSON share the JSON dictionary.
JSON_TARGETS=" config process seccomp manifest image-config docker-config "

fuzz_targets() { ls "$FUZZ_DIR"/fuzz-*.c | sed 's|.*/fuzz-||; s|\.c$||'; }

# fuzz_one NAME SECONDS: prints the result line; 0 when it passed.
fuzz_one() {
    local name=$1 secs=$2 bin=$BUILD/$1 work=$BUILD/corpus/$1 art=$BUILD/artifacts/$1/ log=$BUILD/logs/$1.log
    local f rc dict="" runs eps cov repro why
    mkdir -p "$work" "$art" "$BUILD/logs"
    : > "$log"
    [ -x "$bin" ] || { echo "FAIL fuzz:$name (no binary $bin: run tests/fuzz/build.sh)"; return 1; }
    for f in "$FUZZ_DIR/regressions/$name"/*; do
        [ -f "$f" ] || continue
        if ! "$bin" -timeout=10 "$f" >>"$log" 2>&1; then
            echo "FAIL fuzz:$name (regression input $f fails again; log $log)"
            return 1
        fi
    done
    if [ -f "$FUZZ_DIR/$name.dict" ]; then
        dict=-dict=$FUZZ_DIR/$name.dict
    elif [[ $JSON_TARGETS == *" $name "* ]]; then
        dict=-dict=$FUZZ_DIR/json.dict
    fi
    rc=0
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art" \
        $dict ${FUZZ_ARGS:-} "$work" "$FUZZ_DIR/corpus/$name" >>"$log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
    if [ "$rc" != 0 ]; then
        repro=$(grep -o "Test unit written to [^ ]*" "$log" | tail -1 | sed 's/Test unit written to //')
        why=$(grep -m1 -o 'ERROR: [^:]*: [a-zA-Z-]*\|ERROR: libFuzzer: [a-z-]*\|runtime error: .*' "$log" | head -1)
        [ -n "$why" ] || why=$(grep -v '^$' "$log" | tail -1)
        echo "FAIL fuzz:$name (exit $rc: $why; reproducer ${repro:-none}; log $log)"
        return 1
    fi
    echo "ok fuzz:$name (${runs:-?} runs, ${eps:-?} exec/s, ${cov:-cov: ?})"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    secs=${1:-20}
    [ $# -gt 0 ] && shift
    targets=${*:-$(fuzz_targets)}
    if [ -z "${FUZZ_NO_BUILD:-}" ]; then
        "$FUZZ_DIR/build.sh" "$BUILD" >/dev/null || { echo "FAIL fuzz:build (tests/fuzz/build.sh failed)"; exit 1; }
    fi
    failed=0
    for t in $targets; do
        fuzz_one "$t" "$secs" || failed=$((failed + 1))
    done
    [ "$failed" = 0 ]
fi
