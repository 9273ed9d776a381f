#!/bin/bash
# Run the whole congo test suite: cmocka unit tests, then every integration
# test file (tests/*/test-*.sh), as root.  Ends with one line
# "N passed, M failed[, K skipped]"; exits non-zero when anything failed or
# was skipped (a skip is an environment failure, not a pass).
#
#   tests/run-tests.sh                 everything
#   tests/run-tests.sh FILE-PATTERN [TEST-PATTERN]
#
# Runs itself under tests/helpers/subreaper: detached containers are orphans
# once `congo create` returns, and this machine's PID 1 does not reap them.
set -u
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
TOP_SRCDIR=$(cd "$TESTS_DIR/.." && pwd)
export TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}

if [ -z "${CONGO_UNDER_SUBREAPER:-}" ]; then
    cc -O2 -o "$TOP_BUILDDIR/tests/helpers/subreaper" "$TESTS_DIR/helpers/subreaper.c" || exit 1
    cc -O2 -o "$TOP_BUILDDIR/tests/helpers/recvtty" "$TESTS_DIR/helpers/recvtty.c" || exit 1
    export CONGO_UNDER_SUBREAPER=1
    exec "$TOP_BUILDDIR/tests/helpers/subreaper" "$0" "$@"
fi
[ "$(id -u)" = 0 ] || { echo "the suite runs real containers: run it as root"; exit 1; }
# Everything the tests run: congo, congo-image, unit tests and helpers.
if [ -f "$TOP_BUILDDIR/Makefile" ] && ! make -s -C "$TOP_BUILDDIR" -j"$(nproc)" check-programs >/dev/null; then
    echo "the build failed"; echo "0 passed, 1 failed"; exit 1
fi

export CONGO_RESULTS=$(mktemp /tmp/congo-results.XXXXXX)
export CONGO_TEST_TMP=$(mktemp -d /tmp/congo-suite.XXXXXX)
trap 'rm -rf "$CONGO_TEST_TMP" "$CONGO_RESULTS"' EXIT
file_pattern=${1:-}
test_pattern=${2:-}
start=$(date +%s)

# A test that did not run is a failure: a unit-test binary that stops midway
# (an abort, a sanitizer report) fails the tests its TAP plan ("1..N") still
# promised; an integration file that dies fails the tests its run_tests
# planned ($CONGO_PLAN) and never reported, and its exit status counts.

# run_unit BUILDDIR PREFIX: every cmocka binary of BUILDDIR (TAP: one line a test).
run_unit() {
    local dir=$1 p=$2 t name out rc n plan line i r
    for t in "$dir"/tests/unit/test-*; do
        [ -x "$t" ] && [ -f "$t" ] || continue
        case "$t" in *.c|*.o|*.log|*.trs) continue ;; esac
        name=$(basename "$t")
        out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1); rc=$?
        for r in ${CONGO_SANITIZER_LOG:+"$CONGO_SANITIZER_LOG".*}; do
            [ -f "$r" ] || continue
            out+=$'\n'"a sanitizer report ($r):"$'\n'$(cat "$r"); rm -f "$r"; [ $rc = 0 ] && rc=1
        done
        n=0 plan=
        while IFS= read -r line; do
            case "$line" in
                1..*) plan=${line#1..} ;;
                "ok "*) n=$((n+1)); echo "ok ${p}unit/$name:${line#ok * - }" >> "$CONGO_RESULTS" ;;
                "not ok "*) n=$((n+1)); echo "FAIL ${p}unit/$name:${line#not ok * - }" >> "$CONGO_RESULTS"; echo "FAIL ${p}unit/$name: $line" ;;
            esac
        done <<< "$out"
        [[ "$plan" =~ ^[0-9]+$ ]] || plan=
        if [ -n "$plan" ] && [ "$n" -lt "$plan" ]; then
            for ((i = n + 1; i <= plan; i++)); do
                echo "FAIL ${p}unit/$name:test $i of $plan (never ran: the binary stopped after $n)" >> "$CONGO_RESULTS"
            done
        fi
        if [ $rc != 0 ] || [ $n = 0 ] || { [ -n "$plan" ] && [ "$n" -lt "$plan" ]; }; then
            echo "FAIL ${p}unit/$name (exit $rc, $n of ${plan:-?} tests reported)"; echo "$out" | tail -40 | sed 's/^/    /'
            # (an exit status alone, e.g. a leak report after the last test, fails too)
            echo "FAIL ${p}unit/$name:exit $rc" >> "$CONGO_RESULTS"
        else
            echo "ok ${p}unit/$name ($n tests)"
        fi
    done
}

# run_file FILE PREFIX: one integration test file.
run_file() {
    local f=$1 p=$2 id rc t
    id=$p$(basename "$f" .sh)
    echo "# $p$(basename "$(dirname "$f")")/$(basename "$f")"
    export CONGO_PLAN=$CONGO_TEST_TMP/plan
    : > "$CONGO_PLAN"
    local t0=$SECONDS
    bash "$f" $test_pattern; rc=$?
    echo "#   ($p$(basename "$f"): $((SECONDS - t0)) s)"
    while IFS= read -r t; do
        grep -qxE "(ok|FAIL|skip) $id:$t" "$CONGO_RESULTS" && continue
        echo "FAIL $id:$t (never ran: the file stopped)"
        echo "FAIL $id:$t" >> "$CONGO_RESULTS"
    done < "$CONGO_PLAN"
    if [ "$rc" != 0 ]; then
        echo "FAIL $id (the file exited with status $rc)"
        echo "FAIL $id:exit $rc" >> "$CONGO_RESULTS"
    fi
    unset CONGO_PLAN
}

match_file() { [ -z "$file_pattern" ] || [[ "${1#"$TESTS_DIR"/}" == *"$file_pattern"* ]]; }

if [ "${CONGO_SANITIZE:-}" != only ]; then
    if [ -z "$file_pattern" ] || [[ unit == *"$file_pattern"* ]]; then
        run_unit "$TOP_BUILDDIR" ""
    fi
    for f in "$TESTS_DIR"/*/test-*.sh; do
        [ -f "$f" ] && match_file "$f" && run_file "$f" ""
    done
fi

# The sanitizer pass (tests/sanitize.sh; CONGO_SANITIZE=1: after the normal
# one, =only: alone): the same tests against the ASan+UBSan build, as asan/...
if [ -n "${CONGO_SANITIZE:-}" ] && [ "${CONGO_SANITIZE:-}" != 0 ]; then
    echo "# the sanitizer build (tests/sanitize.sh)"
    if ! asan_build=$("$TESTS_DIR/sanitize.sh" build); then
        echo "FAIL asan/build" >> "$CONGO_RESULTS"
    else
        (
            export TOP_BUILDDIR=$asan_build CONGO=$asan_build/congo CONGO_IMAGE=$asan_build/congo-image
            export CONGO_RESULT_PREFIX=asan/
            # Reports go to files too ($CONGO_SANITIZER_LOG.PID, see lib.sh): a
            # report from a command whose failure a test expects still fails it.
            export CONGO_SANITIZER_LOG=$CONGO_TEST_TMP/sanitizer
            # (fast_unwind_on_malloc=0: a leak's whole stack, through libc's vasprintf too)
            export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:fast_unwind_on_malloc=0:log_path=$CONGO_SANITIZER_LOG
            CONGO_EXCLUDE_TESTS=$("$TESTS_DIR/sanitize.sh" excluded)
            export CONGO_EXCLUDE_TESTS CONGO_FAULT_RUNS=${CONGO_FAULT_RUNS:-15}
            export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$CONGO_SANITIZER_LOG
            cc -O2 -o "$asan_build/tests/helpers/recvtty" "$TESTS_DIR/helpers/recvtty.c" || exit 1
            if [ -z "$file_pattern" ] || [[ unit == *"$file_pattern"* ]]; then
                run_unit "$asan_build" "asan/"
            fi
            for f in $("$TESTS_DIR/sanitize.sh" files); do
                f=$TESTS_DIR/$f
                [ -f "$f" ] && match_file "$f" && run_file "$f" "asan/"
            done
            exit 0
        ) || echo "FAIL asan/run" >> "$CONGO_RESULTS"
    fi
fi

passed=$(grep -c '^ok ' "$CONGO_RESULTS")
failed=$(grep -c '^FAIL ' "$CONGO_RESULTS")
skipped=$(grep -c '^skip ' "$CONGO_RESULTS")
if [ "$failed" != 0 ]; then
    echo "# failed:"; grep '^FAIL ' "$CONGO_RESULTS" | sed 's/^FAIL /#   /'
fi
if [ "$skipped" != 0 ]; then
    echo "# skipped (the environment lacks something; see above):"; grep '^skip ' "$CONGO_RESULTS" | sed 's/^skip /#   /'
fi
echo "# took $(( $(date +%s) - start )) s"
line="$passed passed, $failed failed"
[ "$skipped" != 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" = 0 ] && [ "$skipped" = 0 ]
