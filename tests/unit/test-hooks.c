/* Unit tests for the hook runner with real, tiny shell hooks. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "libcongo/hooks.h"
#include "libcongo/utils.h"

static char dir[64];

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/congo-unit-hooks.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    rm_rf_at(AT_FDCWD, dir, &err);
    congo_error_clear(&err);
    return 0;
}

static char *in_dir(const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

static char *slurp(const char *path)
{
    congo_error err = CONGO_ERROR_INIT;
    char *s = NULL;
    if (read_file_at(AT_FDCWD, path, 0, &s, NULL, &err) < 0) {
        congo_error_clear(&err);
        return NULL;
    }
    return s;
}

static oci_hook sh_hook(char **args)
{
    return (oci_hook){ .path = "/bin/sh", .args = args };
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void success_is_silent(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    char *a[] = { "sh", "-c", "echo out; echo err >&2; exit 0", NULL };
    oci_hook h = sh_hook(a);
    assert_int_equal(congo_hooks_run(&h, 1, "prestart", "{}", &err), 0);
    assert_null(err.msg);
    assert_int_equal(congo_hooks_run(NULL, 0, "prestart", "{}", &err), 0);
}

static void exit_status_and_stderr_tail(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    char *a[] = { "sh", "-c", "echo not this; echo 'it broke' >&2; exit 3", NULL };
    oci_hook h = sh_hook(a);
    assert_true(congo_hooks_run(&h, 1, "createRuntime", "{}", &err) < 0);
    _cleanup_free_ char *t = congo_error_text(&err);
    assert_string_equal(t, "createRuntime hook #0 (/bin/sh): exited with status 3: it broke");
    congo_error_clear(&err);
}

static void stdout_when_stderr_is_empty(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    char *a[] = { "sh", "-c", "echo only stdout; exit 1", NULL };
    oci_hook h = sh_hook(a);
    assert_true(congo_hooks_run(&h, 1, "poststart", "{}", &err) < 0);
    assert_string_equal(err.msg, "poststart hook #0 (/bin/sh): exited with status 1: only stdout");
    congo_error_clear(&err);
}

static void long_stderr_keeps_the_tail(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    char *a[] = { "sh", "-c", "i=0; while [ $i -lt 500 ]; do echo line $i >&2; i=$((i+1)); done; exit 2", NULL };
    oci_hook h = sh_hook(a);
    assert_true(congo_hooks_run(&h, 1, "prestart", "{}", &err) < 0);
    assert_non_null(strstr(err.msg, "exited with status 2: ..."));
    assert_non_null(strstr(err.msg, "line 499"));
    assert_null(strstr(err.msg, "line 0\n"));
    assert_true(strlen(err.msg) < 1200);
    congo_error_clear(&err);
}

static void killed_by_signal(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    char *a[] = { "sh", "-c", "kill -TERM $$", NULL };
    oci_hook h = sh_hook(a);
    assert_true(congo_hooks_run(&h, 1, "poststop", "{}", &err) < 0);
    assert_string_equal(err.msg, "poststop hook #0 (/bin/sh): killed by signal 15 (SIGTERM)");
    congo_error_clear(&err);
}

static void state_on_stdin(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_free_ char *out = in_dir("stdin"), *script = xasprintf("cat > %s", out);
    char *a[] = { "sh", "-c", script, NULL };
    oci_hook h = sh_hook(a);
    const char *json = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":42,\"bundle\":\"/b\"}";
    assert_int_equal(congo_hooks_run(&h, 1, "createRuntime", json, &err), 0);
    _cleanup_free_ char *got = slurp(out);
    assert_non_null(got);
    assert_string_equal(got, json);
}

static void big_state_not_read_by_the_hook(void **state)
{
    /* A hook that ignores a large stdin must neither block nor SIGPIPE congo. */
    congo_error err = CONGO_ERROR_INIT;
    size_t n = 1 << 20;
    _cleanup_free_ char *json = xmalloc(n + 1);
    memset(json, 'x', n);
    json[n] = '\0';
    char *a[] = { "sh", "-c", "exit 0", NULL };
    oci_hook h = sh_hook(a);
    assert_int_equal(congo_hooks_run(&h, 1, "prestart", json, &err), 0);
}

static void env_is_exactly_what_is_given(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_free_ char *out = in_dir("env"), *script = xasprintf("tr '\\0' '\\n' < /proc/$$/environ > %s", out);
    char *a[] = { "sh", "-c", script, NULL };
    char *env[] = { "A=1", "B=two words", "PATH=/usr/bin:/bin", NULL };
    oci_hook h = { .path = "/bin/sh", .args = a, .env = env };
    setenv("CONGO_MUST_NOT_LEAK", "1", 1);
    assert_int_equal(congo_hooks_run(&h, 1, "prestart", "{}", &err), 0);
    _cleanup_free_ char *got = slurp(out);
    assert_string_equal(got, "A=1\nB=two words\nPATH=/usr/bin:/bin\n");

    /* No env: nothing at all, not congo's environment. */
    h.env = NULL;
    assert_int_equal(congo_hooks_run(&h, 1, "prestart", "{}", &err), 0);
    _cleanup_free_ char *got2 = slurp(out);
    assert_string_equal(got2, "");
}

static void args0_is_argv0_and_defaults_to_path(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_free_ char *out = in_dir("argv0"), *script = xasprintf("echo \"$0\" > %s", out);
    char *a[] = { "custom-name", "-c", script, NULL };
    oci_hook h = sh_hook(a);
    assert_int_equal(congo_hooks_run(&h, 1, "prestart", "{}", &err), 0);
    _cleanup_free_ char *got = slurp(out);
    assert_string_equal(got, "custom-name\n");

    /* Without args, argv is { path }. */
    _cleanup_free_ char *exe = in_dir("hook.sh"), *body = xasprintf("#!/bin/sh\necho \"$0 $#\" > %s\n", out);
    assert_int_equal(write_file_atomic_at(AT_FDCWD, exe, body, strlen(body), 0755, &err), 0);
    oci_hook h2 = { .path = exe };
    assert_int_equal(congo_hooks_run(&h2, 1, "prestart", "{}", &err), 0);
    _cleanup_free_ char *got2 = slurp(out), *want2 = xasprintf("%s 0\n", exe);
    assert_string_equal(got2, want2);
}

static void no_fd_leaks_into_the_hook(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_free_ char *out = in_dir("fds"), *script = xasprintf("exec ls /proc/self/fd > %s", out);
    char *a[] = { "sh", "-c", script, NULL };
    oci_hook h = sh_hook(a);
    /* Not close-on-exec: the hook must still not get it. */
    int leak = open("/dev/null", O_RDONLY);
    assert_true(leak > 2);
    assert_int_equal(congo_hooks_run(&h, 1, "prestart", "{}", &err), 0);
    close(leak);
    _cleanup_free_ char *got = slurp(out);
    /* ls itself, exec'd by the shell with no fd saved for a redirection:
     * stdio and the directory it reads (3), nothing else. */
    assert_string_equal(got, "0\n1\n2\n3\n");
}

static void timeout_kills_reaps_and_says_so(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_free_ char *pidfile = in_dir("bgpid");
    _cleanup_free_ char *script = xasprintf("sleep 30 & echo $! > %s; echo waiting >&2; wait", pidfile);
    char *a[] = { "sh", "-c", script, NULL };
    oci_hook h = sh_hook(a);
    h.timeout.set = true;
    h.timeout.value = 1;
    double t0 = now();
    assert_true(congo_hooks_run(&h, 1, "prestart", "{}", &err) < 0);
    double took = now() - t0;
    assert_string_equal(err.msg, "prestart hook #0 (/bin/sh): timed out after 1 s: waiting");
    congo_error_clear(&err);
    assert_true(took >= 0.9 && took < 3);
    /* The hook was reaped: congo has no child left, zombie or not. */
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    /* What it started was killed with it (its process group). */
    _cleanup_free_ char *bg = slurp(pidfile);
    assert_non_null(bg);
    _cleanup_free_ char *stat_path = xasprintf("/proc/%d/stat", atoi(bg));
    bool dead = false;
    for (int i = 0; i < 200 && !dead; i++) {
        _cleanup_free_ char *st = slurp(stat_path);
        char *rp = st ? strrchr(st, ')') : NULL;
        dead = !st || (rp && rp[2] == 'Z');
        if (!dead)
            usleep(10000);
    }
    assert_true(dead);
}

static void a_daemon_holding_stdout_does_not_block(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_free_ char *pidfile = in_dir("daemon");
    _cleanup_free_ char *script = xasprintf("sleep 30 & echo $! > %s; exit 0", pidfile);
    char *a[] = { "sh", "-c", script, NULL };
    oci_hook h = sh_hook(a);
    double t0 = now();
    assert_int_equal(congo_hooks_run(&h, 1, "poststart", "{}", &err), 0);
    assert_true(now() - t0 < 3);
    _cleanup_free_ char *bg = slurp(pidfile);
    if (bg)
        kill(atoi(bg), SIGKILL);
}

static void runs_in_order_and_stops_at_the_first_failure(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_free_ char *out = in_dir("order");
    _cleanup_free_ char *s1 = xasprintf("echo 1 >> %s", out), *s2 = xasprintf("echo 2 >> %s; exit 4", out),
                        *s3 = xasprintf("echo 3 >> %s", out);
    char *a1[] = { "sh", "-c", s1, NULL }, *a2[] = { "sh", "-c", s2, NULL }, *a3[] = { "sh", "-c", s3, NULL };
    oci_hook hooks[] = { sh_hook(a1), sh_hook(a1), sh_hook(a2), sh_hook(a3) };
    assert_true(congo_hooks_run(hooks, 4, "createContainer", "{}", &err) < 0);
    assert_string_equal(err.msg, "createContainer hook #2 (/bin/sh): exited with status 4");
    congo_error_clear(&err);
    _cleanup_free_ char *got = slurp(out);
    assert_string_equal(got, "1\n1\n2\n");
}

static void run_warn_runs_every_hook(void **state)
{
    _cleanup_free_ char *out = in_dir("warn-order");
    _cleanup_free_ char *s1 = xasprintf("echo 1 >> %s; exit 4", out), *s2 = xasprintf("echo 2 >> %s", out);
    char *a1[] = { "sh", "-c", s1, NULL }, *a2[] = { "sh", "-c", s2, NULL };
    oci_hook hooks[] = { sh_hook(a1), sh_hook(a2), sh_hook(a1) };
    assert_int_equal(congo_hooks_run_warn(hooks, 3, "poststop", "{}"), 2);
    _cleanup_free_ char *got = slurp(out);
    assert_string_equal(got, "1\n2\n1\n");
    assert_int_equal(congo_hooks_run_warn(NULL, 0, "poststop", "{}"), 0);
}

static void run_in_sets_the_cwd(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_free_ char *out = in_dir("cwd"), *script = xasprintf("pwd > %s", out);
    char *a[] = { "sh", "-c", script, NULL };
    oci_hook h = sh_hook(a);
    assert_int_equal(congo_hooks_run_in(&h, 1, "createContainer", "{}", dir, &err), 0);
    _cleanup_free_ char *got = slurp(out), *want = xasprintf("%s\n", dir);
    assert_string_equal(got, want);
    _cleanup_free_ char *missing = in_dir("no-such-dir");
    assert_true(congo_hooks_run_in(&h, 1, "createContainer", "{}", missing, &err) < 0);
    _cleanup_free_ char *t = congo_error_text(&err), *want_err = xasprintf(
        "createContainer hook #0 (/bin/sh): exec in `%s`: No such file or directory", missing);
    assert_string_equal(t, want_err);
    congo_error_clear(&err);
}

static void missing_executable(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    oci_hook h = { .path = "/nonexistent/hook" };
    assert_true(congo_hooks_run(&h, 1, "prestart", "{}", &err) < 0);
    _cleanup_free_ char *t = congo_error_text(&err);
    assert_string_equal(t, "prestart hook #0 (/nonexistent/hook): exec: No such file or directory");
    congo_error_clear(&err);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);

    oci_hook rel = { .path = "bin/true" };
    assert_true(congo_hooks_run(&rel, 1, "prestart", "{}", &err) < 0);
    assert_string_equal(err.msg, "prestart hook #0 (bin/true): path must be absolute");
    congo_error_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(success_is_silent),
        cmocka_unit_test(exit_status_and_stderr_tail),
        cmocka_unit_test(stdout_when_stderr_is_empty),
        cmocka_unit_test(long_stderr_keeps_the_tail),
        cmocka_unit_test(killed_by_signal),
        cmocka_unit_test(state_on_stdin),
        cmocka_unit_test(big_state_not_read_by_the_hook),
        cmocka_unit_test(env_is_exactly_what_is_given),
        cmocka_unit_test(args0_is_argv0_and_defaults_to_path),
        cmocka_unit_test(no_fd_leaks_into_the_hook),
        cmocka_unit_test(timeout_kills_reaps_and_says_so),
        cmocka_unit_test(a_daemon_holding_stdout_does_not_block),
        cmocka_unit_test(runs_in_order_and_stops_at_the_first_failure),
        cmocka_unit_test(missing_executable),
        cmocka_unit_test(run_warn_runs_every_hook),
        cmocka_unit_test(run_in_sets_the_cwd),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
