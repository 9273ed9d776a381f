/* Unit tests for libcongo's pure helpers: errors and utilities. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "libcongo/error.h"
#include "libcongo/utils.h"

static void error_set_returns_negative_errno(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    assert_int_equal(congo_error_set(&err, ENOENT, "open `%s`", "x"), -ENOENT);
    _cleanup_free_ char *t = congo_error_text(&err);
    assert_string_equal(t, "open `x`: No such file or directory");
    congo_error_clear(&err);
    assert_null(err.msg);
}

static void error_without_errno_is_einval(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    assert_int_equal(congo_error_set(&err, 0, "bad"), -EINVAL);
    _cleanup_free_ char *t = congo_error_text(&err);
    assert_string_equal(t, "bad");
    congo_error_clear(&err);
}

static void error_wrap_prefixes_context(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    int r = congo_error_set(&err, EACCES, "inner");
    assert_int_equal(congo_error_wrap(&err, r, "middle"), -EACCES);
    congo_error_wrap(&err, r, "outer %d", 1);
    assert_string_equal(err.msg, "outer 1: middle: inner");
    congo_error_clear(&err);
}

static void error_travels_through_a_pipe(void **state)
{
    congo_error in = CONGO_ERROR_INIT, out = CONGO_ERROR_INIT;
    int p[2];
    assert_int_equal(pipe(p), 0);
    congo_error_set(&in, EPERM, "mount `/proc`");
    assert_int_equal(congo_error_send(p[1], &in), 0);
    close(p[1]);
    assert_int_equal(congo_error_recv(p[0], &out), 1);
    assert_int_equal(out.errnum, EPERM);
    assert_string_equal(out.msg, "mount `/proc`");
    /* EOF: no error was sent. */
    assert_int_equal(congo_error_recv(p[0], &out), 0);
    close(p[0]);
    congo_error_clear(&in);
    congo_error_clear(&out);
}

static void parse_integers_both_ways(void **state)
{
    long long v;
    unsigned long long u;
    assert_int_equal(parse_int64("-12", &v), 0);
    assert_int_equal(v, -12);
    assert_int_equal(parse_int64("12x", &v), -EINVAL);
    assert_int_equal(parse_int64("", &v), -EINVAL);
    assert_int_equal(parse_int64("99999999999999999999", &v), -ERANGE);
    assert_int_equal(parse_uint64("18446744073709551615", &u), 0);
    assert_true(u == 18446744073709551615ULL);
    assert_int_equal(parse_uint64("-1", &u), -EINVAL);
    assert_int_equal(parse_uint64("18446744073709551616", &u), -ERANGE);
}

static void strings_and_vectors(void **state)
{
    char *v[] = { "a", "b", NULL };
    _cleanup_strv_ char **d = strv_dup(v);
    assert_int_equal(strv_length(d), 2);
    assert_string_equal(d[1], "b");
    assert_true(str_has_prefix("SIGTERM", "SIG"));
    assert_false(str_has_prefix("SI", "SIG"));
    assert_true(str_has_suffix("config.json", ".json"));
    assert_false(str_has_suffix("json", "config.json"));
    assert_true(streq_ptr(NULL, NULL));
    assert_false(streq_ptr("a", NULL));
}

static void atomic_write_replaces_whole_file(void **state)
{
    char dir[] = "/tmp/congo-unit.XXXXXX";
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_free_ char *data = NULL;
    size_t len;
    assert_non_null(mkdtemp(dir));
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_int_equal(write_file_atomic_at(dfd, "f.json", "{}", 2, 0600, &err), 0);
    assert_int_equal(write_file_atomic_at(dfd, "f.json", "{\"a\":1}", 7, 0600, &err), 0);
    assert_int_equal(read_file_at(dfd, "f.json", 0, &data, &len, &err), 0);
    assert_string_equal(data, "{\"a\":1}");
    assert_int_equal(len, 7);
    assert_int_equal(rm_rf_at(AT_FDCWD, dir, &err), 0);
    assert_int_equal(access(dir, F_OK), -1);
}

/* State files: swapped in (RENAME_EXCHANGE) when one exists, renamed when
 * none does; either way only the file itself is left, never a temporary. */
static void runtime_write_swaps_and_leaves_no_temporary(void **state)
{
    char dir[] = "/tmp/congo-unit.XXXXXX";
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_free_ char *data = NULL;
    struct dirent *de;
    size_t len;
    int n = 0;
    assert_non_null(mkdtemp(dir));
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_int_equal(write_file_runtime_at(dfd, "state.json", "{}", 2, 0600, &err), 0);
    assert_int_equal(write_file_runtime_at(dfd, "state.json", "{\"pid\":1}", 9, 0600, &err), 0);
    assert_int_equal(read_file_at(dfd, "state.json", 0, &data, &len, &err), 0);
    assert_string_equal(data, "{\"pid\":1}");
    DIR *d = fdopendir(dup(dfd));
    assert_non_null(d);
    while ((de = readdir(d)))
        if (de->d_name[0] != '.' || (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)) {
            assert_string_equal(de->d_name, "state.json");
            n++;
        }
    closedir(d);
    assert_int_equal(n, 1);
    struct stat st;
    assert_int_equal(fstatat(dfd, "state.json", &st, 0), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(rm_rf_at(AT_FDCWD, dir, &err), 0);
}

static void rfc3339_matches_gmtime(void **state)
{
    _cleanup_free_ char *now = rfc3339_now();
    time_t t = time(NULL);
    struct tm tm;
    char want[32];
    gmtime_r(&t, &tm);
    strftime(want, sizeof want, "%Y-%m-%dT%H:%M", &tm);
    /* Equal to the minute (unless the minute turned between the calls). */
    assert_int_equal(strlen(now), 30);
    assert_true(strncmp(now, want, 16) == 0 || tm.tm_sec == 0);
    assert_int_equal(now[29], 'Z');
}

/* The child's sweeps: fds without close-on-exec (the caller's), then directories. */
static void close_fds_matching_picks_by_predicate(void **state)
{
    int inherited = open("/", O_RDONLY | O_DIRECTORY);
    int own_dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int own_file = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int kept = open("/", O_RDONLY | O_DIRECTORY);
    int keep[] = { kept };
    assert_true(inherited >= 3 && own_dir >= 3 && own_file >= 3 && kept >= 3);
    assert_true(fd_is_inherited(inherited));
    assert_false(fd_is_inherited(own_dir));
    assert_true(fd_is_dir(own_dir));
    assert_false(fd_is_dir(own_file));

    assert_int_equal(close_fds_matching(3, keep, 1, fd_is_inherited), 0);
    assert_int_equal(fcntl(inherited, F_GETFD), -1);
    assert_true(fcntl(own_dir, F_GETFD) >= 0);
    assert_true(fcntl(own_file, F_GETFD) >= 0);
    assert_true(fcntl(kept, F_GETFD) >= 0);

    assert_int_equal(close_fds_matching(3, keep, 1, fd_is_dir), 0);
    assert_int_equal(fcntl(own_dir, F_GETFD), -1);
    assert_true(fcntl(own_file, F_GETFD) >= 0);
    assert_true(fcntl(kept, F_GETFD) >= 0);
    /* stdio is below `first`: never touched. */
    assert_true(fcntl(0, F_GETFD) >= 0 || errno == EBADF);
    close(own_file);
    close(kept);
}

/* exec's sweep: everything from `first` on except the kept fds (in any
 * order, repeated, or -1), stdio below `first` untouched.  In a child: it
 * closes every fd above the kept ones, cmocka's too. */
static void close_fds_from_keeps_only_the_kept(void **state)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int keep[] = { 12, 7, 7, -1, 15 }, bad = 0;
        for (int fd = 5; fd <= 20; fd++)
            if (dup2(2, fd) != fd)
                _exit(2);
        if (close_fds_from(5, keep, 5) < 0)
            _exit(3);
        for (int fd = 0; fd <= 20; fd++) {
            bool open_now = fcntl(fd, F_GETFD) >= 0;
            bool want = fd == 7 || fd == 12 || fd == 15 || (fd < 5 && (fd <= 2 || open_now));
            if (open_now != want)
                bad = 1;
        }
        _exit(bad);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_set_returns_negative_errno),
        cmocka_unit_test(error_without_errno_is_einval),
        cmocka_unit_test(error_wrap_prefixes_context),
        cmocka_unit_test(error_travels_through_a_pipe),
        cmocka_unit_test(parse_integers_both_ways),
        cmocka_unit_test(strings_and_vectors),
        cmocka_unit_test(atomic_write_replaces_whole_file),
        cmocka_unit_test(runtime_write_swaps_and_leaves_no_temporary),
        cmocka_unit_test(rfc3339_matches_gmtime),
        cmocka_unit_test(close_fds_matching_picks_by_predicate),
        cmocka_unit_test(close_fds_from_keeps_only_the_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
