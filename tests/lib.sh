# tests/lib.sh: the integration-test library.  A test file is a bash script:
#
#     . "$(dirname "$0")/../lib.sh"
#     test_hostname() {
#         make_bundle b
#         cfg '.hostname = "box" | .process.args = ["hostname"]'
#         run_congo run -b "$B" "$(cid)"
#         assert_eq "$OUT" "box"
#     }
#     run_tests "$@"
#
# Every test_* function runs in its own subshell with `set -e`, a fresh
# temporary directory ($T), its own state root ($ROOT) and a cleanup trap that
# deletes its containers, unmounts what is under $T and removes the cgroups it
# made.  A test passes when it returns 0, is skipped when it calls `skip REASON`
# (exit 77: a skip is an environment failure and is reported as such), and
# fails otherwise.  Results go to $CONGO_RESULTS (one line each) when set.

set -u
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_SRCDIR=$(cd "$TESTS_DIR/.." && pwd)
: "${TOP_BUILDDIR:=$TOP_SRCDIR}"
: "${CONGO:=$TOP_BUILDDIR/congo}"
: "${CONGO_IMAGE:=$TOP_BUILDDIR/congo-image}"
: "${BUSYBOX:=$(command -v busybox || echo /bin/busybox)}"
# The cgroup parent every test container lives under; removed after each test.
: "${CONGO_TEST_CGROUP:=congo-test-$$}"
export CONGO CONGO_IMAGE BUSYBOX CONGO_TEST_CGROUP

TEST_FILE=$(basename "$0" .sh)

# A shared, read-only busybox rootfs template (hardlinks are cheap copies).
rootfs_template() {
    local tpl=${CONGO_TEST_TMP:-/tmp}/congo-rootfs-template
    if [ ! -x "$tpl/bin/busybox" ]; then
        local tmp="$tpl.$$"
        rm -rf "$tmp"
        mkdir -p "$tmp"/{bin,etc,proc,sys,dev,tmp,root,home}
        cp "$BUSYBOX" "$tmp/bin/busybox"
        # (`busybox --list` names busybox itself: keep the binary.)
        for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -sf busybox "$tmp/bin/$a"; done
        mkdir -p "$tmp/sbin" "$tmp/usr/bin" "$tmp/usr/sbin"
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\ntester:x:1000:1000::/home:/bin/sh\n' > "$tmp/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\ntester:x:1000:\nextra:x:2000:tester\n' > "$tmp/etc/group"
        chmod 1777 "$tmp/tmp"
        mv -T "$tmp" "$tpl" 2>/dev/null || rm -rf "$tmp"
    fi
    echo "$tpl"
}

# make_bundle [NAME]: a fresh bundle in $T/NAME (default "bundle"), sets $B.
# config.json comes from `congo spec`, with the cgroup under $CONGO_TEST_CGROUP.
make_bundle() {
    B=$T/${1:-bundle}
    rm -rf "$B"
    mkdir -p "$B"
    cp -al "$(rootfs_template)" "$B/rootfs" 2>/dev/null || cp -a "$(rootfs_template)" "$B/rootfs"
    (cd "$B" && "$CONGO" spec) || fail "congo spec failed"
    cfg ".linux.cgroupsPath = \"/$CONGO_TEST_CGROUP/$(basename "$B")-$RANDOM\" | .process.terminal = false"
}

# cfg JQ-FILTER: edit $B/config.json in place.
cfg() {
    local tmp
    tmp=$(mktemp "$B/config.XXXXXX")
    jq "$1" "$B/config.json" > "$tmp" || { rm -f "$tmp"; fail "jq filter failed: $1"; }
    mv "$tmp" "$B/config.json"
}

# A container ID unique to this test run.
cid() { echo "t${TEST_NAME#test_}-${1:-0}-$$" | tr '_' '-' | cut -c1-60; }

# congo with this test's state root.
congo() { "$CONGO" --root "$ROOT" "$@"; }

# run_congo ARGS...: run congo, capture stdout in $OUT, stderr in $ERR and the
# exit status in $RC; never fails by itself.
run_congo() {
    RC=0
    "$CONGO" --root "$ROOT" "$@" >"$T/.out" 2>"$T/.err" </dev/null || RC=$?
    OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
}
# run_cmd CMD...: the same for any command.
run_cmd() {
    RC=0
    "$@" >"$T/.out" 2>"$T/.err" </dev/null || RC=$?
    OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
}

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
assert_eq() { [ "$1" = "$2" ] || fail "expected '$2', got '$1'${3:+ ($3)}"; }
assert_ne() { [ "$1" != "$2" ] || fail "expected something other than '$2'${3:+ ($3)}"; }
assert_contains() { case "$1" in *"$2"*) ;; *) fail "expected to contain '$2': '$1'${3:+ ($3)}";; esac; }
assert_not_contains() { case "$1" in *"$2"*) fail "expected not to contain '$2': '$1'${3:+ ($3)}";; *) ;; esac; }
assert_rc() { [ "$RC" = "$1" ] || fail "expected exit status $1, got $RC; stdout: $OUT; stderr: $ERR"; }
assert_ok() { [ "$RC" = 0 ] || fail "expected success, got exit status $RC; stdout: $OUT; stderr: $ERR"; }
assert_failed() { [ "$RC" != 0 ] || fail "expected failure, got success; stdout: $OUT; stderr: $ERR"; }
# The state root holds no container (nothing left behind).
assert_no_state() { [ -z "$(ls -A "$ROOT" 2>/dev/null)" ] || fail "state left behind in $ROOT: $(ls -A "$ROOT")"; }
# No cgroup left under the test parent in any hierarchy.
assert_no_cgroup() {
    local d left=""
    for d in /sys/fs/cgroup/*/"$CONGO_TEST_CGROUP" /sys/fs/cgroup/"$CONGO_TEST_CGROUP"; do
        [ -d "$d" ] || continue
        if [ -n "$(find "$d" -mindepth 1 -type d 2>/dev/null)" ]; then left="$left $d"; fi
    done
    [ -z "$left" ] || fail "cgroups left behind:$left"
}
# No mount left under $T.
assert_no_mounts() {
    local m
    m=$(awk -v t="$T" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo)
    [ -z "$m" ] || fail "mounts left behind: $m"
}
# wait_for CMD...: retry for up to 5 s.
wait_for() {
    local i
    for i in $(seq 100); do "$@" && return 0; sleep 0.05; done
    return 1
}
# wait_status ID STATUS: poll `congo state` for up to 5 s.
wait_status() {
    local i
    for i in $(seq 100); do [ "$(state_status "$1")" = "$2" ] && return 0; sleep 0.05; done
    return 1
}
# The status field of `congo state`.
state_status() { "$CONGO" --root "$ROOT" state "$1" 2>/dev/null | jq -r .status; }
state_pid() { "$CONGO" --root "$ROOT" state "$1" 2>/dev/null | jq -r .pid; }

# exe_attack ROOTFS: the moves of runc's CVE-2019-5736, made from the host
# against the process of the container that runs a script whose interpreter
# line is `#!/proc/self/exe --log=/tmp/exe-hold` (congo, if anything, blocked
# opening that fifo for its log): keep an fd on its /proc/PID/exe, let it
# finish, then open that file for writing and write its first byte back
# unchanged (0x7f).  Prints "exe=<what /proc/PID/exe named>" then "writable"
# or "denied: <error>"; fails when no such process shows up.
exe_attack() {
    local rootfs=$1 pid= i
    local p cmd
    for i in $(seq 250); do
        for p in /proc/[0-9]*; do
            cmd=$( { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null) || continue
            case $cmd in "/proc/self/exe --log=/tmp/exe-hold "*) pid=${p#/proc/}; break ;; esac
        done
        [ -n "$pid" ] && break
        sleep 0.02
    done
    [ -n "$pid" ] || { echo "no process ran the script's interpreter"; return 1; }
    echo "exe=$(readlink "/proc/$pid/exe")"
    exec 9< "/proc/$pid/exe" || { echo "cannot open /proc/$pid/exe"; return 1; }
    local reader
    cat "$rootfs/tmp/exe-hold" > /dev/null &
    reader=$!
    for i in $(seq 250); do readlink "/proc/$pid/exe" > /dev/null 2>&1 || break; sleep 0.02; done
    if printf '\177' 1<> /proc/self/fd/9 2> "$T/exe-attack.err"; then echo writable; else echo "denied: $(cat "$T/exe-attack.err")"; fi
    exec 9<&-
    wait "$reader"
}

cleanup_test() {
    local id m d
    if [ -d "$ROOT" ]; then
        for id in $(ls -A "$ROOT" 2>/dev/null); do
            "$CONGO" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
        done
    fi
    # Unmount anything left under $T, deepest first.
    for m in $(awk -v t="$T" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
    # Remove the test cgroups, deepest first (only ours: $CONGO_TEST_CGROUP).
    for d in /sys/fs/cgroup/*/"$CONGO_TEST_CGROUP" /sys/fs/cgroup/"$CONGO_TEST_CGROUP"; do
        [ -d "$d" ] || continue
        find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
    rm -rf "$T" "$ROOT" 2>/dev/null || true
}

record() {
    echo "$1 ${CONGO_RESULT_PREFIX:-}$TEST_FILE:$2${3:+ ($3)}"
    [ -n "${CONGO_RESULTS:-}" ] && echo "$1 ${CONGO_RESULT_PREFIX:-}$TEST_FILE:$2" >> "$CONGO_RESULTS"
    return 0
}

# A test that hangs must not stall the suite: after $CONGO_TEST_TIMEOUT
# seconds (default 300) its commands are killed (by parent PID: only what the
# test started) and it fails, its cleanup trap still running.
watchdog() {
    local pid=$1 limit=$2 log=$3
    sleep "$limit"
    echo "FAIL: the test ran over ${limit} s and was stopped" >> "$log"
    pkill -TERM -P "$pid" 2>/dev/null
    kill -TERM "$pid" 2>/dev/null
    sleep 5
    pkill -KILL -P "$pid" 2>/dev/null
    kill -KILL "$pid" 2>/dev/null
}

# Under the sanitizer pass (tests/sanitize.sh) ASan and UBSan write their
# reports to $CONGO_SANITIZER_LOG.PID: any report fails the test that was
# running (even one from a command whose failure the test expected).
sanitizer_reports() {
    local r found=1
    [ -n "${CONGO_SANITIZER_LOG:-}" ] || return 0
    for r in "$CONGO_SANITIZER_LOG".*; do
        [ -f "$r" ] || continue
        { echo "FAIL: a sanitizer report ($r):"; cat "$r"; } >> "$1"
        rm -f "$r"
        found=0
    done
    [ $found = 1 ]
}

run_tests() {
    local t rc filter="${1:-}" log tpid wpid tests=()
    for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
        [ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
        # (FILE:TEST words a pass leaves out, e.g. tests/sanitize.sh's: not run, not counted)
        [[ " ${CONGO_EXCLUDE_TESTS:-} " == *" $TEST_FILE:$t "* ]] && continue
        tests+=("$t")
    done
    # The plan: tests/run-tests.sh fails those that never report (the file died).
    [ -n "${CONGO_PLAN:-}" ] && [ ${#tests[@]} != 0 ] && printf '%s\n' "${tests[@]}" >> "$CONGO_PLAN"
    for t in "${tests[@]}"; do
        log=$(mktemp)
        (
            TEST_NAME=$t
            T=$(mktemp -d /tmp/congo-t.XXXXXX)
            ROOT=$(mktemp -d /tmp/congo-root.XXXXXX)
            trap cleanup_test EXIT
            trap 'exit 124' TERM
            set -e
            cd "$T"
            "$t"
        ) >>"$log" 2>&1 &
        tpid=$!
        watchdog "$tpid" "${CONGO_TEST_TIMEOUT:-300}" "$log" >/dev/null 2>&1 &
        wpid=$!
        rc=0
        wait "$tpid" || rc=$?
        kill "$wpid" 2>/dev/null
        wait "$wpid" 2>/dev/null
        sanitizer_reports "$log" || rc=1
        case $rc in
            0) record ok "$t" ;;
            77) record skip "$t" "$(grep -m1 '^SKIP:' "$log" | cut -c7-)" ;;
            *) record FAIL "$t"; sed 's/^/    /' "$log" | tail -40 ;;
        esac
        rm -f "$log"
    done
}
