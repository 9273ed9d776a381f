# Helpers shared by the cgroup tests that drive libcongo directly through
# tests/helpers/cgtool (sourced after tests/lib.sh).
CGTOOL=$TOP_BUILDDIR/tests/helpers/cgtool
[ -x "$CGTOOL" ] || { echo "build tests/helpers/cgtool first (make check)"; exit 1; }

# Every hierarchy mounted at its root, as libcongo sees them.
cgroup_mounts() { awk '{ for (i = 7; $i != "-"; i++); if (($(i+1) == "cgroup" || $(i+1) == "cgroup2") && $4 == "/") print $5 }' /proc/self/mountinfo | sort -u; }
mode() { "$CGTOOL" mode; }
# A cgroup path of this test, under the suite's parent.
cgpath() { echo "/$CONGO_TEST_CGROUP/$TEST_NAME-${1:-0}"; }
# Processes spawned by a test are killed by pid (and their cgroup) in the cleanup.
spawn() { local p; p=$("$CGTOOL" spawn "$@") || fail "spawn failed"; echo "$p $1" >> "$T/.spawned"; echo "$p"; }
eval "lib_$(declare -f cleanup_test)"
cleanup_test() {
    local pid p
    if [ -f "$T/.spawned" ]; then
        while read -r pid p; do
            "$CGTOOL" kill "$p" 9 >/dev/null 2>&1 || kill -9 "$pid" 2>/dev/null || true
        done < "$T/.spawned"
    fi
    lib_cleanup_test
}
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '/^State:/ {print $2}' /proc/"$1"/status 2>/dev/null)" = Z ]; }

# The container cgroup's directory for a controller: its v1 hierarchy when
# mounted, else the cgroup2 directory.
cgdir() {
    local ctrl=$1 p=$2 m
    if [ -d "/sys/fs/cgroup/$ctrl$p" ] && [ "$ctrl" != unified ]; then echo "/sys/fs/cgroup/$ctrl$p"; return; fi
    m=$(awk '{ for (i = 7; $i != "-"; i++); if ($(i+1) == "cgroup2" && $4 == "/") print $5 }' /proc/self/mountinfo | head -1)
    echo "$m$p"
}
v1() { [ -d "/sys/fs/cgroup/$1" ] && [ "$(stat -f -c %T "/sys/fs/cgroup/$1")" = cgroupfs ]; }
# A resources document in $T/res.json.
res() { echo "$1" > "$T/res.json"; echo "$T/res.json"; }
