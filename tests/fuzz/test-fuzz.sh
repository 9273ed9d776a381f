#!/bin/bash
# The libFuzzer targets of tests/fuzz/ (README "Hardening"), one test each:
# its regression inputs replayed, then $CONGO_FUZZ_SECONDS (default 8) of
# fuzzing from the committed seeds.  A crash fails the test and names the
# reproducer (tests/fuzz/build/artifacts/TARGET/); commit it under
# tests/fuzz/regressions/TARGET/ with the fix.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fuzz/run.sh"

: "${CONGO_FUZZ_SECONDS:=8}"
FUZZ_BUILD_ERROR=""
if ! command -v "${FUZZ_CC:-clang}" >/dev/null; then
    FUZZ_BUILD_ERROR=skip
elif ! "$TESTS_DIR/fuzz/build.sh" "$BUILD" > "$BUILD.log" 2>&1; then
    FUZZ_BUILD_ERROR="tests/fuzz/build.sh failed: $(tail -5 "$BUILD.log")"
fi

for t in $(fuzz_targets); do
    eval "test_$(echo "$t" | tr - _)() { fuzz_test $t; }"
done

fuzz_test() {
    [ "$FUZZ_BUILD_ERROR" != skip ] || skip "clang is not installed (see contrib/debian-test-packages.txt)"
    [ -z "$FUZZ_BUILD_ERROR" ] || fail "$FUZZ_BUILD_ERROR"
    local line
    line=$(fuzz_one "$1" "$CONGO_FUZZ_SECONDS") || fail "$line"
    echo "$line"
}

run_tests "$@"
