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

# Unit tests (cmocka, TAP output: one result line per test).
if [ -z "$file_pattern" ] || [[ unit == *"$file_pattern"* ]]; then
    for t in "$TOP_BUILDDIR"/tests/unit/test-*; do
        [ -x "$t" ] && [ -f "$t" ] || continue
        case "$t" in *.c|*.o|*.log|*.trs) continue ;; esac
        name=$(basename "$t")
        out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1); rc=$?
        n=0
        while IFS= read -r line; do
            case "$line" in
                "ok "*) n=$((n+1)); echo "ok unit/$name:${line#ok * - }" >> "$CONGO_RESULTS" ;;
                "not ok "*) n=$((n+1)); echo "FAIL unit/$name:${line#not ok * - }" >> "$CONGO_RESULTS"; echo "FAIL unit/$name: $line" ;;
            esac
        done <<< "$out"
        if [ $rc != 0 ] || [ $n = 0 ]; then
            echo "FAIL unit/$name (exit $rc)"; echo "$out" | tail -20 | sed 's/^/    /'
            [ $n = 0 ] && echo "FAIL unit/$name:run" >> "$CONGO_RESULTS"
        else
            echo "ok unit/$name ($n tests)"
        fi
    done
fi

# Integration tests.
for f in "$TESTS_DIR"/*/test-*.sh; do
    [ -f "$f" ] || continue
    # (matched against the path under tests/, not the checkout's own path)
    [ -n "$file_pattern" ] && [[ "${f#"$TESTS_DIR"/}" != *"$file_pattern"* ]] && continue
    echo "# $(basename "$(dirname "$f")")/$(basename "$f")"
    bash "$f" $test_pattern
done

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
