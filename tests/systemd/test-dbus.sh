#!/bin/bash
# --systemd-cgroup's D-Bus client (src/libcongo/dbus.c) against a real
# dbus-daemon, on any host: SASL EXTERNAL, Hello, method returns, error
# replies, AddMatch and a broadcast signal.  (systemd itself is exercised in
# a guest that boots it: tests/v2vm/test-systemd-cgroup.sh.)
. "$(dirname "$0")/../lib.sh"

DBUSTOOL=$TOP_BUILDDIR/tests/helpers/dbustool

# A private dbus-daemon on $T/bus for this test (killed by its PID).
start_bus() {
    command -v dbus-daemon >/dev/null || skip "dbus-daemon is not installed"
    [ -x "$DBUSTOOL" ] || fail "$DBUSTOOL not built"
    dbus-daemon --session --nofork --nopidfile --address="unix:path=$T/bus" > /dev/null 2>"$T/daemon.err" &
    DAEMON=$!
    trap 'kill $DAEMON 2>/dev/null; cleanup_test' EXIT
    wait_for test -S "$T/bus" || fail "dbus-daemon did not start: $(cat "$T/daemon.err")"
}

test_call_returns_and_errors() {
    start_bus
    run_cmd "$DBUSTOOL" call "$T/bus" org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId
    assert_ok
    [[ "$OUT" =~ ^return\ s\ [0-9a-f]{32}$ ]] || fail "GetId: $OUT"
    run_cmd "$DBUSTOOL" call "$T/bus" org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        GetNameOwner org.freedesktop.DBus
    assert_ok
    assert_eq "$OUT" "return s org.freedesktop.DBus"
    run_cmd "$DBUSTOOL" call "$T/bus" org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        GetNameOwner no.such.name
    assert_ok
    assert_contains "$OUT" "error org.freedesktop.DBus.Error.NameHasNoOwner: "
    assert_contains "$OUT" "no.such.name"
    run_cmd "$DBUSTOOL" call "$T/bus" org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NoSuchMethod
    assert_ok
    assert_contains "$OUT" "error org.freedesktop.DBus.Error.UnknownMethod"
}

test_add_match_delivers_signals() {
    start_bus
    run_cmd "$DBUSTOOL" watch "$T/bus"
    assert_ok
    [[ "$OUT" =~ ^signal\ NameOwnerChanged\ :1\.[0-9]+$ ]] || fail "watch: $OUT $ERR"
}

test_unreachable_socket_is_a_clear_error() {
    run_cmd "$DBUSTOOL" call "$T/nosuch" org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId
    assert_failed
    assert_contains "$ERR" "connect to \`$T/nosuch\`: No such file or directory"
    # not a D-Bus peer: the authentication fails, with the socket named
    /usr/bin/python3 -c "
import socket, os, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept(); c.recv(100); c.sendall(b'REJECTED\r\n'); c.recv(100)
" "$T/fake" &
    wait_for test -S "$T/fake"
    run_cmd "$DBUSTOOL" call "$T/fake" org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId
    assert_failed
    assert_contains "$ERR" "D-Bus \`$T/fake\`: authentication as uid 0 refused (\`REJECTED\`)"
    wait
}

run_tests "$@"
