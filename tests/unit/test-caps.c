/* Unit tests for capability names and the five sets, applied for real in a
 * forked child and read back from /proc/self/status. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "libcongo/caps.h"
#include "libcongo/log.h"
#include "libcongo/utils.h"

static uint64_t status_hex(const char *field)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            return strtoull(line + n + 1, NULL, 16);
    return UINT64_MAX;
}

#define BIT(c) (UINT64_C(1) << (c))

static void names_from_libcap(void **state)
{
    assert_string_equal(congo_cap_name(0), "CAP_CHOWN");
    assert_string_equal(congo_cap_name(5), "CAP_KILL");
    assert_string_equal(congo_cap_name(21), "CAP_SYS_ADMIN");
    assert_string_equal(congo_cap_name(24), "CAP_SYS_RESOURCE");
    assert_string_equal(congo_cap_name(40), "CAP_CHECKPOINT_RESTORE");
    assert_null(congo_cap_name(63));
    assert_null(congo_cap_name(64));
    assert_null(congo_cap_name(-1));
}

static void name_lookup_is_exact(void **state)
{
    assert_int_equal(congo_cap_from_name("CAP_SYS_ADMIN"), 21);
    assert_int_equal(congo_cap_from_name("CAP_NET_BIND_SERVICE"), 10);
    assert_int_equal(congo_cap_from_name("CAP_BPF"), 39);
    /* runc matches the spec's spelling only. */
    assert_int_equal(congo_cap_from_name("cap_sys_admin"), -1);
    assert_int_equal(congo_cap_from_name("SYS_ADMIN"), -1);
    assert_int_equal(congo_cap_from_name("CAP_FOO"), -1);
    assert_int_equal(congo_cap_from_name("21"), -1);
    assert_int_equal(congo_cap_from_name(""), -1);
    assert_int_equal(congo_cap_from_name(NULL), -1);
    for (int c = 0; c <= congo_caps_last_cap(); c++)
        if (congo_cap_name(c))
            assert_int_equal(congo_cap_from_name(congo_cap_name(c)), c);
}

static void last_cap_matches_the_kernel(void **state)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    int last = -1;
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%d", &last), 1);
    assert_int_equal(congo_caps_last_cap(), last);
}

static char *warnings;
static void capture(enum congo_log_level level, const char *msg, void *data)
{
    char *w = xasprintf("%s%s\n", warnings ? warnings : "", msg);
    free(warnings);
    warnings = w;
}

static void check_names_inconsistent_sets(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    char *kill[] = { "CAP_KILL", NULL }, *chown_kill[] = { "CAP_CHOWN", "CAP_KILL", NULL }, *none[] = { NULL };
    oci_capabilities c = { .bounding = chown_kill, .permitted = kill, .effective = chown_kill };

    assert_true(congo_caps_check(&c, &err) < 0);
    assert_string_equal(err.msg, "process.capabilities.effective: CAP_CHOWN is not in process.capabilities.permitted");
    congo_error_clear(&err);

    c = (oci_capabilities){ .bounding = kill, .inheritable = chown_kill };
    assert_true(congo_caps_check(&c, &err) < 0);
    assert_string_equal(err.msg, "process.capabilities.inheritable: CAP_CHOWN is not in process.capabilities.bounding");
    congo_error_clear(&err);

    /* An ambient capability outside permitted and inheritable is left out
     * (runc raises the ambient set best-effort; `runc spec` asks for one). */
    c = (oci_capabilities){ .bounding = kill, .permitted = kill, .inheritable = none, .ambient = kill };
    assert_int_equal(congo_caps_check(&c, &err), 0);
    assert_null(err.msg);

    assert_int_equal(congo_caps_check(NULL, &err), 0);
}

static void unknown_names_are_ignored_with_one_warning(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    char *b[] = { "CAP_KILL", "UNKNOWN_CAP", "CAP_UNKNOWN", NULL }, *e[] = { "CAP_UNKNOWN", "CAP_KILL", NULL };
    oci_capabilities c = { .bounding = b, .permitted = e, .effective = e };

    congo_log_set_sink(capture, NULL, CONGO_LOG_WARNING);
    assert_int_equal(congo_caps_check(&c, &err), 0);
    assert_int_equal(congo_caps_check(&c, &err), 0);
    congo_log_set_sink(NULL, NULL, CONGO_LOG_WARNING);
    /* As runc: sorted, deduplicated, once. */
    assert_string_equal(warnings, "ignoring unknown or unavailable capabilities: [CAP_UNKNOWN UNKNOWN_CAP]\n");
    free(warnings);
    warnings = NULL;
}

/* Run fn in a forked child (it changes the process's credentials); it
 * returns NULL on success or what went wrong. */
static void in_child(const char *(*fn)(void))
{
    int status;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const char *why = fn();
        if (why) {
            fprintf(stderr, "child: %s\n", why);
            _exit(1);
        }
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static char child_msg[512];

static const char *apply_five_sets(void)
{
    congo_error err = CONGO_ERROR_INIT;
    char *bnd[] = { "CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };
    char *prm[] = { "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };
    char *eff[] = { "CAP_KILL", NULL };
    char *inh[] = { "CAP_NET_BIND_SERVICE", NULL };
    char *amb[] = { "CAP_NET_BIND_SERVICE", NULL };
    oci_capabilities c = { .bounding = bnd, .permitted = prm, .effective = eff, .inheritable = inh, .ambient = amb };

    if (congo_caps_apply(&c, &err) < 0) {
        snprintf(child_msg, sizeof child_msg, "apply: %s", congo_error_text(&err));
        return child_msg;
    }
    if (status_hex("CapBnd") != (BIT(0) | BIT(5) | BIT(10)))
        return "CapBnd";
    if (status_hex("CapPrm") != (BIT(5) | BIT(10)))
        return "CapPrm";
    if (status_hex("CapEff") != BIT(5))
        return "CapEff";
    if (status_hex("CapInh") != BIT(10))
        return "CapInh";
    if (status_hex("CapAmb") != BIT(10))
        return "CapAmb";
    return NULL;
}

static void apply_sets_for_real(void **state)
{
    in_child(apply_five_sets);
}

/* `runc spec`'s sets: ambient capabilities without the inheritable ones.
 * Raised best-effort: what is permitted and inheritable, a debug message
 * naming the rest. */
static const char *ambient_best_effort(void)
{
    congo_error err = CONGO_ERROR_INIT;
    char *three[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };
    char *inh[] = { "CAP_NET_BIND_SERVICE", NULL };
    oci_capabilities c = { .bounding = three, .permitted = three, .effective = three, .inheritable = inh,
                           .ambient = three };

    congo_log_set_sink(capture, NULL, CONGO_LOG_DEBUG);
    if (congo_caps_apply(&c, &err) < 0) {
        snprintf(child_msg, sizeof child_msg, "apply: %s", congo_error_text(&err));
        return child_msg;
    }
    congo_log_set_sink(NULL, NULL, CONGO_LOG_WARNING);
    if (status_hex("CapAmb") != BIT(10))
        return "CapAmb";
    if (status_hex("CapInh") != BIT(10))
        return "CapInh";
    if (status_hex("CapPrm") != (BIT(5) | BIT(10) | BIT(29)))
        return "CapPrm";
    if (!warnings || strcmp(warnings, "process.capabilities.ambient: not raising CAP_KILL CAP_AUDIT_WRITE: an ambient "
                                      "capability must also be in the permitted and inheritable sets\n") != 0) {
        snprintf(child_msg, sizeof child_msg, "debug messages: %s", warnings ? warnings : "(none)");
        return child_msg;
    }
    return NULL;
}

static void ambient_raised_best_effort(void **state)
{
    in_child(ambient_best_effort);
}

static const char *absent_sets_are_empty(void)
{
    congo_error err = CONGO_ERROR_INIT;
    char *kill[] = { "CAP_KILL", NULL };
    /* Only bounding given: permitted, effective, inheritable, ambient empty. */
    oci_capabilities c = { .bounding = kill };
    if (congo_caps_apply(&c, &err) < 0)
        return "apply";
    if (status_hex("CapBnd") != BIT(5) || status_hex("CapPrm") != 0 || status_hex("CapEff") != 0 ||
        status_hex("CapInh") != 0 || status_hex("CapAmb") != 0)
        return "sets";
    return NULL;
}

static void absent_sets(void **state)
{
    in_child(absent_sets_are_empty);
}

static const char *null_leaves_caps_alone(void)
{
    congo_error err = CONGO_ERROR_INIT;
    uint64_t before = status_hex("CapEff"), bnd = status_hex("CapBnd");
    if (congo_caps_apply(NULL, &err) < 0)
        return "apply";
    if (status_hex("CapEff") != before || status_hex("CapBnd") != bnd)
        return "changed";
    return NULL;
}

static void null_capabilities(void **state)
{
    in_child(null_leaves_caps_alone);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_from_libcap),
        cmocka_unit_test(name_lookup_is_exact),
        cmocka_unit_test(last_cap_matches_the_kernel),
        cmocka_unit_test(check_names_inconsistent_sets),
        cmocka_unit_test(unknown_names_are_ignored_with_one_warning),
        cmocka_unit_test(apply_sets_for_real),
        cmocka_unit_test(ambient_raised_best_effort),
        cmocka_unit_test(absent_sets),
        cmocka_unit_test(null_capabilities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
