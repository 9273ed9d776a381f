/* Unit tests for the /etc/subuid parser (congo_userns_subid_ranges, namespaces.c). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "libcongo/userns.h"

static const char subuid[] =
    "# comment\n"
    "alice:100000:65536\n"
    "bob:165536:65536\n"
    "1001:300000:1000\n"
    "alice:500000:10\r\n"
    "alice:bad:10\n"
    "alice:600000:0\n"
    "alice:4294967295:2\n"
    "alicex:700000:5\n"
    "alice:800000";

static void test_by_name_and_uid(void **state)
{
    struct congo_subid_range *r = NULL;
    size_t n = 0;
    (void) state;
    congo_userns_subid_ranges(&r, &n, subuid, "alice", 1001);
    assert_int_equal(n, 3);
    assert_int_equal(r[0].start, 100000);
    assert_int_equal(r[0].count, 65536);
    assert_int_equal(r[1].start, 300000); /* by uid */
    assert_int_equal(r[1].count, 1000);
    assert_int_equal(r[2].start, 500000); /* CRLF line */
    assert_int_equal(r[2].count, 10);
    free(r);
}

static void test_none(void **state)
{
    struct congo_subid_range *r = NULL;
    size_t n = 7;
    (void) state;
    congo_userns_subid_ranges(&r, &n, subuid, "carol", 2000);
    assert_int_equal(n, 0);
    free(r);
    congo_userns_subid_ranges(&r, &n, NULL, NULL, 2000);
    assert_int_equal(n, 0);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_name_and_uid),
        cmocka_unit_test(test_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
