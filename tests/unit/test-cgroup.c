/* Unit tests for the pure parts of the cgroup module: path resolution and
 * validation, and the v1/v2 value translations. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "libcongo/cgroup.h"
#include "libcongo/utils.h"

static char *join_ok(const char *base, const char *path, const char *id)
{
    congo_error err = CONGO_ERROR_INIT;
    char *out = NULL;
    int r = congo_cgroup_path_join(&out, base, path, id, &err);
    if (r < 0) {
        _cleanup_free_ char *t = congo_error_text(&err);
        fail_msg("unexpected error: %s", t);
    }
    return out;
}

static char *join_err(const char *base, const char *path, const char *id, int want)
{
    congo_error err = CONGO_ERROR_INIT;
    char *out = NULL;
    assert_int_equal(congo_cgroup_path_join(&out, base, path, id, &err), -want);
    assert_null(out);
    char *t = congo_error_text(&err);
    congo_error_clear(&err);
    return t;
}

static void default_path_is_under_congo(void **state)
{
    _cleanup_free_ char *p = join_ok("/", NULL, "abc");
    assert_string_equal(p, "/congo/abc");
    _cleanup_free_ char *q = join_ok("/x", "", "abc");
    assert_string_equal(q, "/congo/abc");
}

static void absolute_path_is_cleaned(void **state)
{
    _cleanup_free_ char *p = join_ok("/ignored", "/a//b/./c/", "id");
    assert_string_equal(p, "/a/b/c");
    _cleanup_free_ char *q = join_ok(NULL, "/machine.slice:congo:x", "id");
    assert_string_equal(q, "/machine.slice:congo:x");
}

static void relative_path_joins_the_base(void **state)
{
    _cleanup_free_ char *p = join_ok("/user.slice/user-0.slice", "pod/ctr", "id");
    assert_string_equal(p, "/user.slice/user-0.slice/pod/ctr");
    _cleanup_free_ char *q = join_ok("/", "pod", "id");
    assert_string_equal(q, "/pod");
    _cleanup_free_ char *r = join_ok(NULL, "./pod", "id");
    assert_string_equal(r, "/pod");
}

static void dotdot_is_rejected(void **state)
{
    _cleanup_free_ char *t = join_err("/", "/a/../../etc", "id", EINVAL);
    assert_non_null(strstr(t, "linux.cgroupsPath"));
    assert_non_null(strstr(t, "`..` is not allowed"));
    _cleanup_free_ char *u = join_err("/", "..", "id", EINVAL);
    assert_non_null(strstr(u, "`..`"));
}

static void root_is_rejected(void **state)
{
    _cleanup_free_ char *t = join_err("/", "/", "id", EINVAL);
    assert_non_null(strstr(t, "root cgroup"));
    _cleanup_free_ char *u = join_err("/", "/./", "id", EINVAL);
    assert_non_null(strstr(u, "root cgroup"));
}

static void control_characters_and_long_names_are_rejected(void **state)
{
    _cleanup_free_ char *t = join_err("/", "/a\nb", "id", EINVAL);
    assert_non_null(strstr(t, "control character"));
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[0] = '/';
    longname[sizeof longname - 1] = '\0';
    _cleanup_free_ char *u = join_err("/", longname, "id", EINVAL);
    assert_non_null(strstr(u, "longer than"));
}

static void bad_id_for_default_path(void **state)
{
    _cleanup_free_ char *t = join_err("/", NULL, "a/b", EINVAL);
    assert_non_null(strstr(t, "a/b"));
    _cleanup_free_ char *u = join_err("/", NULL, "..", EINVAL);
    (void) u;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_path_is_under_congo),
        cmocka_unit_test(absolute_path_is_cleaned),
        cmocka_unit_test(relative_path_joins_the_base),
        cmocka_unit_test(dotdot_is_rejected),
        cmocka_unit_test(root_is_rejected),
        cmocka_unit_test(control_characters_and_long_names_are_rejected),
        cmocka_unit_test(bad_id_for_default_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
