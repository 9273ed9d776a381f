/* Unit tests for signal names <-> numbers (congo kill, hook messages). */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "libcongo/signals.h"
#include "libcongo/utils.h"

static int parse_ok(const char *s)
{
    congo_error err = CONGO_ERROR_INIT;
    int r = congo_signal_parse(s, &err);
    if (r < 0)
        fail_msg("parsing \"%s\" failed: %s", s, err.msg);
    congo_error_clear(&err);
    return r;
}

static void assert_unknown(const char *s)
{
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_free_ char *want = xasprintf("unknown signal \"%s\"", s);
    assert_true(congo_signal_parse(s, &err) < 0);
    _cleanup_free_ char *text = congo_error_text(&err);
    assert_string_equal(text, want);
    congo_error_clear(&err);
}

static void names_with_and_without_sig(void **state)
{
    assert_int_equal(parse_ok("TERM"), SIGTERM);
    assert_int_equal(parse_ok("SIGTERM"), SIGTERM);
    assert_int_equal(parse_ok("KILL"), SIGKILL);
    assert_int_equal(parse_ok("SIGHUP"), SIGHUP);
    assert_int_equal(parse_ok("WINCH"), SIGWINCH);
    assert_int_equal(parse_ok("SIGSYS"), SIGSYS);
}

static void names_are_case_insensitive(void **state)
{
    /* As runc: it upper-cases before looking up. */
    assert_int_equal(parse_ok("term"), SIGTERM);
    assert_int_equal(parse_ok("sigkill"), SIGKILL);
    assert_int_equal(parse_ok("SigUsr1"), SIGUSR1);
}

static void aliases(void **state)
{
    assert_int_equal(parse_ok("IOT"), SIGABRT);
    assert_int_equal(parse_ok("SIGPOLL"), SIGIO);
    assert_int_equal(parse_ok("CLD"), SIGCHLD);
    /* The canonical name is reported back. */
    assert_string_equal(congo_signal_name(SIGABRT), "SIGABRT");
    assert_string_equal(congo_signal_name(SIGIO), "SIGIO");
}

static void numbers(void **state)
{
    assert_int_equal(parse_ok("15"), 15);
    assert_int_equal(parse_ok("9"), 9);
    assert_int_equal(parse_ok("0"), 0);
    assert_int_equal(parse_ok("64"), 64);
    assert_unknown("65");
    assert_unknown("15x");
    assert_unknown("-1");
    assert_unknown("99999999999999999999999");
}

static void realtime(void **state)
{
    assert_int_equal(parse_ok("RTMIN"), SIGRTMIN);
    assert_int_equal(parse_ok("SIGRTMIN"), SIGRTMIN);
    assert_int_equal(parse_ok("RTMIN+3"), SIGRTMIN + 3);
    assert_int_equal(parse_ok("sigrtmin+3"), SIGRTMIN + 3);
    assert_int_equal(parse_ok("SIGRTMAX-1"), SIGRTMAX - 1);
    assert_int_equal(parse_ok("RTMAX"), SIGRTMAX);
    assert_int_equal(parse_ok("RTMIN+0"), SIGRTMIN);
    assert_int_equal(parse_ok("RTMIN+30"), SIGRTMIN + 30);
    assert_unknown("RTMIN+31");
    assert_unknown("RTMAX-31");
    assert_unknown("RTMIN+");
    assert_unknown("RTMIN-1");
    assert_unknown("RTMAX+1");
    assert_unknown("RTMIN+x");
    assert_unknown("RTMIN+-1");
}

static void unknown_names(void **state)
{
    assert_unknown("FOO");
    assert_unknown("SIGFOO");
    assert_unknown("SIG");
    assert_unknown("");
    assert_unknown(" TERM");
    assert_unknown("TERM ");
    assert_unknown("A_VERY_LONG_NAME_THAT_IS_NOT_A_SIGNAL_AT_ALL");
}

static void number_to_name(void **state)
{
    assert_string_equal(congo_signal_name(SIGTERM), "SIGTERM");
    assert_string_equal(congo_signal_name(SIGKILL), "SIGKILL");
    assert_string_equal(congo_signal_name(SIGCHLD), "SIGCHLD");
    /* bash's `kill -l` naming of the real-time range. */
    assert_string_equal(congo_signal_name(SIGRTMIN), "SIGRTMIN");
    assert_string_equal(congo_signal_name(SIGRTMIN + 1), "SIGRTMIN+1");
    assert_string_equal(congo_signal_name(SIGRTMIN + 15), "SIGRTMIN+15");
    assert_string_equal(congo_signal_name(SIGRTMAX - 14), "SIGRTMAX-14");
    assert_string_equal(congo_signal_name(SIGRTMAX - 1), "SIGRTMAX-1");
    assert_string_equal(congo_signal_name(SIGRTMAX), "SIGRTMAX");
    assert_null(congo_signal_name(0));
    assert_null(congo_signal_name(-1));
    assert_null(congo_signal_name(SIGRTMAX + 1));
    /* 32 and 33 belong to glibc's threads: numbers only. */
    assert_null(congo_signal_name(32));
}

static void every_name_parses_back(void **state)
{
    for (int sig = 1; sig <= SIGRTMAX; sig++) {
        const char *n = congo_signal_name(sig);
        if (!n)
            continue;
        assert_int_equal(parse_ok(n), sig);
        assert_int_equal(parse_ok(n + 3), sig);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_with_and_without_sig),
        cmocka_unit_test(names_are_case_insensitive),
        cmocka_unit_test(aliases),
        cmocka_unit_test(numbers),
        cmocka_unit_test(realtime),
        cmocka_unit_test(unknown_names),
        cmocka_unit_test(number_to_name),
        cmocka_unit_test(every_name_parses_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
