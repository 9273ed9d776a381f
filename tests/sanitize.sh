#!/bin/bash
# The sanitizer pass: congo, congo-image, the unit tests and the test helpers
# built with AddressSanitizer and UndefinedBehaviorSanitizer
# (configure --enable-sanitizers), then the unit tests and the integration
# files listed in ASAN_FILES run against that build.  Any ASan, LSan or UBSan
# report aborts the program, so the test fails.  Results are named `asan/...`.
#
#   tests/sanitize.sh [FILE-PATTERN [TEST-PATTERN]]   build, then run (as root)
#   tests/sanitize.sh build                           build only; prints the build directory
#   tests/sanitize.sh files                           the integration files it runs
#   tests/sanitize.sh excluded                        the tests it leaves out (FILE:TEST)
#
# The build lives in $CONGO_ASAN_DIR (default: build-asan/ in the checkout,
# ignored by git): a copy of the sources (src/, refreshed on every run: the
# checkout may itself be configured, which a VPATH build refuses) and a build
# directory (build/) configured once, rebuilt incrementally.
# tests/run-tests.sh runs this pass after the normal one when
# CONGO_SANITIZE=1 (tests/ci.sh sets it).
set -u
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
TOP_SRCDIR=$(cd "$TESTS_DIR/.." && pwd)
ASAN_DIR=${CONGO_ASAN_DIR:-$TOP_SRCDIR/build-asan}

# The integration files worth their time under ASan (~2-3x slower): the
# runtime's own paths.  Not the client suites (podman, containerd), nor the
# VMs (v2vm), nor the fuzzers (their own sanitizer builds), nor
# lifecycle/test-outputs.sh (it checks that congo is static), nor, for the
# time (the suite stays under 20 minutes), cgroups/test-containers.sh,
# rootfs/test-rootfs.sh and image/test-hostile.sh.  The killed
# pulls of image/test-faults.sh: 15 instead of 50.
ASAN_FILES=${CONGO_ASAN_FILES:-"lifecycle/test-lifecycle.sh lifecycle/test-namespaces.sh lifecycle/test-security.sh
    process/test-process.sh process/test-procattrs.sh exec/test-exec.sh
    cgroups/test-placement.sh cgroups/test-resources.sh
    seccomp/test-seccomp.sh systemd/test-dbus.sh image/test-pull.sh image/test-faults.sh"}
# Tests that cannot run against this build (FILE:TEST, not run, not counted):
# the two that make congo's own binary a script's interpreter inside a busybox
# container, where a dynamic congo finds no loader (every container start
# still goes through the sealed exec-stub).
ASAN_EXCLUDE="test-security:test_script_interpreter_cannot_reach_the_host_binary
    test-exec:test_exec_script_cannot_reach_the_host_binary"

build() {
    mkdir -p "$ASAN_DIR/src" "$ASAN_DIR/build" || return 1
    # The sources: what git tracks or would track (tar keeps their times:
    # make rebuilds what changed).  The copy makes its own configure.
    (cd "$TOP_SRCDIR" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - 2>/dev/null) |
        tar -xf - -C "$ASAN_DIR/src" || { echo "sanitize: cannot copy the sources to $ASAN_DIR/src"; return 1; }
    if [ ! -x "$ASAN_DIR/src/configure" ]; then
        (cd "$ASAN_DIR/src" && ./autogen.sh >/dev/null 2>&1) || { echo "sanitize: autogen.sh failed"; return 1; }
    fi
    if [ ! -f "$ASAN_DIR/build/Makefile" ]; then
        (cd "$ASAN_DIR/build" && ../src/configure -q --enable-sanitizers >configure.out 2>&1) ||
            { echo "sanitize: configure --enable-sanitizers failed:"; tail -20 "$ASAN_DIR/build/configure.out"; return 1; }
    fi
    # (all first: check-programs' own `all` is a recursive make that would race with it)
    { make -s -C "$ASAN_DIR/build" -j"$(nproc)" all && make -s -C "$ASAN_DIR/build" -j"$(nproc)" check-programs; } \
        >"$ASAN_DIR/build/make.out" 2>&1 ||
        { echo "sanitize: the build failed:"; grep -v 'warning: Using' "$ASAN_DIR/build/make.out" | tail -30; return 1; }
}

if [ "${1:-}" = files ]; then
    echo $ASAN_FILES
    exit 0
fi
if [ "${1:-}" = excluded ]; then
    echo $ASAN_EXCLUDE
    exit 0
fi
if [ "${1:-}" = build ]; then
    build >&2 || exit 1
    echo "$ASAN_DIR/build"
    exit 0
fi
export CONGO_SANITIZE=only
exec "$TESTS_DIR/run-tests.sh" "$@"
