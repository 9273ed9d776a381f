/* Unit tests for the OCI mount option parser (src/libcongo/mount-options.c). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>

#include <cmocka.h>

#include "libcongo/error.h"
#include "libcongo/log.h"
#include "libcongo/mount-options.h"
#include "libcongo/utils.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

static char *debug_msgs;
static void capture(enum congo_log_level level, const char *msg, void *data)
{
    char *m = xasprintf("%s%s\n", debug_msgs ? debug_msgs : "", msg);
    free(debug_msgs);
    debug_msgs = m;
}

static int parse(struct congo_mount_options *o, congo_error *err, ...)
{
    char *v[32];
    size_t n = 0;
    va_list ap;
    va_start(ap, err);
    for (char *s; (s = va_arg(ap, char *));)
        v[n++] = s;
    va_end(ap);
    v[n] = NULL;
    return congo_mount_options_parse(o, v, "mounts[3]", err);
}

/* Every plain flag: what it sets or clears. */
static void every_flag_option(void **state)
{
    static const struct { const char *name; unsigned long set, clear; } cases[] = {
        { "ro", MS_RDONLY, 0 },           { "rw", 0, MS_RDONLY },
        { "nosuid", MS_NOSUID, 0 },       { "suid", 0, MS_NOSUID },
        { "nodev", MS_NODEV, 0 },         { "dev", 0, MS_NODEV },
        { "noexec", MS_NOEXEC, 0 },       { "exec", 0, MS_NOEXEC },
        { "sync", MS_SYNCHRONOUS, 0 },    { "async", 0, MS_SYNCHRONOUS },
        { "dirsync", MS_DIRSYNC, 0 },     { "remount", MS_REMOUNT, 0 },
        { "mand", MS_MANDLOCK, 0 },       { "nomand", 0, MS_MANDLOCK },
        { "noatime", MS_NOATIME, 0 },     { "atime", 0, MS_NOATIME },
        { "relatime", MS_RELATIME, 0 },   { "norelatime", 0, MS_RELATIME },
        { "strictatime", MS_STRICTATIME, 0 }, { "nostrictatime", 0, MS_STRICTATIME },
        { "nodiratime", MS_NODIRATIME, 0 }, { "diratime", 0, MS_NODIRATIME },
        { "lazytime", MS_LAZYTIME, 0 },   { "nolazytime", 0, MS_LAZYTIME },
        { "iversion", MS_I_VERSION, 0 },  { "noiversion", 0, MS_I_VERSION },
        { "silent", MS_SILENT, 0 },       { "loud", 0, MS_SILENT },
        { "nosymfollow", MS_NOSYMFOLLOW, 0 }, { "symfollow", 0, MS_NOSYMFOLLOW },
        { "defaults", 0, 0 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct congo_mount_options o;
        congo_error err = CONGO_ERROR_INIT;
        assert_int_equal(parse(&o, &err, cases[i].name, NULL), 0);
        if (o.flags != cases[i].set || o.clear_flags != cases[i].clear)
            fail_msg("%s: flags %#lx clear %#lx", cases[i].name, o.flags, o.clear_flags);
        assert_null(o.data);
        assert_null(o.fs_options);
        assert_int_equal(o.propagation, 0);
        assert_false(o.bind);
        congo_mount_options_clear(&o);
    }
}

static void later_option_wins(void **state)
{
    struct congo_mount_options o;
    congo_error err = CONGO_ERROR_INIT;

    assert_int_equal(parse(&o, &err, "ro", "nosuid", "rw", NULL), 0);
    assert_int_equal(o.flags, MS_NOSUID);
    assert_int_equal(o.clear_flags, MS_RDONLY);
    congo_mount_options_clear(&o);

    assert_int_equal(parse(&o, &err, "rw", "ro", NULL), 0);
    assert_int_equal(o.flags, MS_RDONLY);
    assert_int_equal(o.clear_flags, 0);
    congo_mount_options_clear(&o);

    /* The atime modes are one setting. */
    assert_int_equal(parse(&o, &err, "noatime", "strictatime", NULL), 0);
    assert_int_equal(o.flags, MS_STRICTATIME);
    congo_mount_options_clear(&o);
    assert_int_equal(parse(&o, &err, "strictatime", "relatime", "nodiratime", NULL), 0);
    assert_int_equal(o.flags, MS_RELATIME | MS_NODIRATIME);
    congo_mount_options_clear(&o);
}

static void every_propagation_option(void **state)
{
    static const struct { const char *name; unsigned long value; } cases[] = {
        { "shared", MS_SHARED }, { "rshared", MS_SHARED | MS_REC },
        { "slave", MS_SLAVE }, { "rslave", MS_SLAVE | MS_REC },
        { "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC },
        { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct congo_mount_options o;
        congo_error err = CONGO_ERROR_INIT;
        unsigned long p = 0;
        assert_int_equal(parse(&o, &err, "rbind", cases[i].name, NULL), 0);
        assert_int_equal(o.propagation, cases[i].value);
        assert_int_equal(o.flags, 0);
        congo_mount_options_clear(&o);
        assert_int_equal(congo_mount_propagation_parse(&p, cases[i].name, "linux.rootfsPropagation", &err), 0);
        assert_int_equal(p, cases[i].value);
    }
}

static void every_recursive_option(void **state)
{
    static const struct { const char *name; uint64_t set, clr; } cases[] = {
        { "rro", MOUNT_ATTR_RDONLY, 0 },         { "rrw", 0, MOUNT_ATTR_RDONLY },
        { "rnosuid", MOUNT_ATTR_NOSUID, 0 },     { "rsuid", 0, MOUNT_ATTR_NOSUID },
        { "rnodev", MOUNT_ATTR_NODEV, 0 },       { "rdev", 0, MOUNT_ATTR_NODEV },
        { "rnoexec", MOUNT_ATTR_NOEXEC, 0 },     { "rexec", 0, MOUNT_ATTR_NOEXEC },
        { "rnodiratime", MOUNT_ATTR_NODIRATIME, 0 }, { "rdiratime", 0, MOUNT_ATTR_NODIRATIME },
        { "rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0 }, { "rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW },
        /* mount_setattr(2): an atime mode is set with MOUNT_ATTR__ATIME in attr_clr. */
        { "rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
        { "rnorelatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
        { "rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME },
        { "ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
        { "rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
        { "rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct congo_mount_options o;
        congo_error err = CONGO_ERROR_INIT;
        assert_int_equal(parse(&o, &err, "rbind", cases[i].name, NULL), 0);
        if (o.attr_set != cases[i].set || o.attr_clr != cases[i].clr)
            fail_msg("%s: set %#llx clr %#llx", cases[i].name, (unsigned long long) o.attr_set,
                     (unsigned long long) o.attr_clr);
        assert_int_equal(o.flags, 0);
        congo_mount_options_clear(&o);
    }
}

static void recursive_options_combine(void **state)
{
    struct congo_mount_options o;
    congo_error err = CONGO_ERROR_INIT;

    assert_int_equal(parse(&o, &err, "rro", "rnosuid", "rnoatime", "rstrictatime", "rrw", NULL), 0);
    assert_int_equal(o.attr_set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME);
    assert_int_equal(o.attr_clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR__ATIME);
    congo_mount_options_clear(&o);
}

static void bind_rbind_and_extensions(void **state)
{
    struct congo_mount_options o;
    congo_error err = CONGO_ERROR_INIT;

    assert_int_equal(parse(&o, &err, "bind", NULL), 0);
    assert_true(o.bind);
    assert_false(o.rbind);
    congo_mount_options_clear(&o);

    /* rbind is sticky, whatever the order. */
    assert_int_equal(parse(&o, &err, "rbind", "bind", NULL), 0);
    assert_true(o.bind);
    assert_true(o.rbind);
    congo_mount_options_clear(&o);

    assert_int_equal(parse(&o, &err, "tmpcopyup", NULL), 0);
    assert_true(o.tmpcopyup);
    congo_mount_options_clear(&o);

    assert_int_equal(parse(&o, &err, "bind", "idmap", NULL), 0);
    assert_true(o.idmap);
    assert_false(o.ridmap);
    congo_mount_options_clear(&o);

    assert_int_equal(parse(&o, &err, "rbind", "ridmap", NULL), 0);
    assert_true(o.idmap);
    assert_true(o.ridmap);
    congo_mount_options_clear(&o);
}

/* What congo does not know is filesystem data, in order, with its index. */
static void unknown_options_are_filesystem_data(void **state)
{
    struct congo_mount_options o;
    congo_error err = CONGO_ERROR_INIT;

    assert_int_equal(parse(&o, &err, "nosuid", "mode=755", "strictatime", "size=65536k", "newinstance", NULL), 0);
    assert_int_equal(o.flags, MS_NOSUID | MS_STRICTATIME);
    assert_string_equal(o.data, "mode=755,size=65536k,newinstance");
    assert_string_equal(o.fs_options[0], "mode=755");
    assert_string_equal(o.fs_options[1], "size=65536k");
    assert_string_equal(o.fs_options[2], "newinstance");
    assert_null(o.fs_options[3]);
    assert_int_equal(o.fs_option_index[0], 1);
    assert_int_equal(o.fs_option_index[1], 3);
    assert_int_equal(o.fs_option_index[2], 4);
    congo_mount_options_clear(&o);

    /* A value with commas stays one option (SELinux contexts). */
    assert_int_equal(parse(&o, &err, "context=\"system_u:object_r:x:s0:c1,c2\"", NULL), 0);
    assert_string_equal(o.fs_options[0], "context=\"system_u:object_r:x:s0:c1,c2\"");
    congo_mount_options_clear(&o);
}

static void no_options(void **state)
{
    struct congo_mount_options o;
    congo_error err = CONGO_ERROR_INIT;

    assert_int_equal(congo_mount_options_parse(&o, NULL, "mounts[0]", &err), 0);
    assert_int_equal(o.flags, 0);
    assert_null(o.data);
    assert_null(o.fs_options);
    congo_mount_options_clear(&o);
}

static void empty_option_is_an_error(void **state)
{
    struct congo_mount_options o = { .flags = 42 };
    congo_error err = CONGO_ERROR_INIT;

    assert_int_equal(parse(&o, &err, "nosuid", "", NULL), -EINVAL);
    assert_string_equal(err.msg, "mounts[3].options[1]: empty mount option");
    /* Out-parameters are not clobbered on failure. */
    assert_int_equal(o.flags, 42);
    congo_error_clear(&err);
}

static void unknown_option_on_a_bind_mount(void **state)
{
    struct congo_mount_options o;
    congo_error err = CONGO_ERROR_INIT;

    assert_int_equal(parse(&o, &err, "rbind", "foo", "ro", NULL), 0);
    assert_int_equal(congo_mount_options_check(&o, "none", "mounts[3]", &err), -EINVAL);
    assert_string_equal(err.msg, "mounts[3].options[1]: unknown mount option `foo` (a bind mount takes no "
                                 "filesystem options)");
    congo_error_clear(&err);
    /* The same for a mount of type "bind" without a bind option. */
    assert_int_equal(congo_mount_options_check(&o, "bind", "mounts[3]", &err), -EINVAL);
    congo_error_clear(&err);
    congo_mount_options_clear(&o);

    /* Typo of a security option. */
    assert_int_equal(parse(&o, &err, "bind", "nosiud", NULL), 0);
    assert_int_equal(congo_mount_options_check(&o, NULL, "mounts[0]", &err), -EINVAL);
    assert_string_equal(err.msg, "mounts[0].options[1]: unknown mount option `nosiud` (a bind mount takes no "
                                 "filesystem options)");
    congo_error_clear(&err);
    congo_mount_options_clear(&o);

    /* SELinux relabel requests are not ours: ignored. */
    assert_int_equal(parse(&o, &err, "rbind", "z", "Z", NULL), 0);
    assert_int_equal(congo_mount_options_check(&o, "bind", "mounts[0]", &err), 0);
    congo_mount_options_clear(&o);

    /* Filesystem data on a bind is ignored with a debug message, as runc
     * and crun ignore it; the flags around it still count. */
    congo_log_set_sink(capture, NULL, CONGO_LOG_DEBUG);
    assert_int_equal(parse(&o, &err, "rbind", "mode=755", "ro", "size=64k", NULL), 0);
    assert_int_equal(congo_mount_options_check(&o, "bind", "mounts[3]", &err), 0);
    congo_log_set_sink(NULL, NULL, CONGO_LOG_WARNING);
    assert_null(err.msg);
    assert_true(o.rbind);
    assert_int_equal(o.flags & MS_RDONLY, MS_RDONLY);
    assert_string_equal(debug_msgs, "mounts[3].options[1]: ignoring `mode=755`: a bind mount takes no filesystem "
                                    "options\nmounts[3].options[3]: ignoring `size=64k`: a bind mount takes no "
                                    "filesystem options\n");
    free(debug_msgs);
    debug_msgs = NULL;
    congo_mount_options_clear(&o);

    /* ... but not crun's idmap=MAPPINGS, which congo does not implement. */
    assert_int_equal(parse(&o, &err, "rbind", "idmap=uids=0-1000-10", NULL), 0);
    assert_int_equal(congo_mount_options_check(&o, "bind", "mounts[3]", &err), -EINVAL);
    assert_string_equal(err.msg, "mounts[3].options[1]: unknown mount option `idmap=uids=0-1000-10` (a bind mount "
                                 "takes no filesystem options)");
    congo_error_clear(&err);
    congo_mount_options_clear(&o);

    /* On a filesystem, the same option is data for the filesystem to judge. */
    assert_int_equal(parse(&o, &err, "foo", NULL), 0);
    assert_int_equal(congo_mount_options_check(&o, "tmpfs", "mounts[0]", &err), 0);
    congo_mount_options_clear(&o);
}

static void check_by_type(void **state)
{
    struct congo_mount_options o;
    congo_error err = CONGO_ERROR_INIT;

    assert_int_equal(parse(&o, &err, "tmpcopyup", NULL), 0);
    assert_int_equal(congo_mount_options_check(&o, "tmpfs", "mounts[1]", &err), 0);
    assert_int_equal(congo_mount_options_check(&o, "proc", "mounts[1]", &err), -EINVAL);
    assert_string_equal(err.msg, "mounts[1]: `tmpcopyup` applies to tmpfs mounts, not to type `proc`");
    congo_error_clear(&err);
    congo_mount_options_clear(&o);

    assert_int_equal(parse(&o, &err, "rbind", "tmpcopyup", NULL), 0);
    assert_int_equal(congo_mount_options_check(&o, "tmpfs", "mounts[1]", &err), -EINVAL);
    assert_string_equal(err.msg, "mounts[1]: `tmpcopyup` applies to tmpfs mounts, not to a bind mount");
    congo_error_clear(&err);
    congo_mount_options_clear(&o);

    assert_int_equal(parse(&o, &err, "idmap", NULL), 0);
    assert_int_equal(congo_mount_options_check(&o, "tmpfs", "mounts[2]", &err), -EINVAL);
    assert_string_equal(err.msg, "mounts[2]: `idmap` applies to bind mounts, not to type `tmpfs`");
    congo_error_clear(&err);
    congo_mount_options_clear(&o);

    assert_int_equal(parse(&o, &err, "nosuid", NULL), 0);
    assert_int_equal(congo_mount_options_check(&o, NULL, "mounts[5]", &err), -EINVAL);
    assert_string_equal(err.msg, "mounts[5]: no `type` (and not a bind mount)");
    congo_error_clear(&err);
    assert_int_equal(congo_mount_options_check(&o, "", "mounts[5]", &err), -EINVAL);
    congo_error_clear(&err);
    congo_mount_options_clear(&o);
}

static void bad_propagation(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    unsigned long p = 7;

    assert_int_equal(congo_mount_propagation_parse(&p, "ro", "linux.rootfsPropagation", &err), -EINVAL);
    assert_string_equal(err.msg, "linux.rootfsPropagation: unknown propagation `ro` (expected shared, slave, "
                                 "private, unbindable, rshared, rslave, rprivate or runbindable)");
    congo_error_clear(&err);
    assert_int_equal(congo_mount_propagation_parse(&p, "", "linux.rootfsPropagation", &err), -EINVAL);
    congo_error_clear(&err);
    assert_int_equal(p, 7);
}

static void attr_from_flags(void **state)
{
    assert_int_equal(congo_mount_attr_from_flags(0), 0);
    assert_int_equal(congo_mount_attr_from_flags(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NODIRATIME |
                                                 MS_NOSYMFOLLOW),
                     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
                         MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW);
    assert_int_equal(congo_mount_attr_from_flags(MS_NOATIME), MOUNT_ATTR_NOATIME);
    assert_int_equal(congo_mount_attr_from_flags(MS_STRICTATIME), MOUNT_ATTR_STRICTATIME);
    assert_int_equal(congo_mount_attr_from_flags(MS_RELATIME), MOUNT_ATTR_RELATIME);
    /* Superblock flags have no mount attribute. */
    assert_int_equal(congo_mount_attr_from_flags(MS_SYNCHRONOUS | MS_DIRSYNC | MS_LAZYTIME), 0);
}

/* Every name `features` advertises is one the parser knows (not data). */
static void advertised_names_are_known(void **state)
{
    size_t n = 0;
    for (const char *const *name = congo_mount_option_names; *name; name++, n++) {
        struct congo_mount_options o;
        congo_error err = CONGO_ERROR_INIT;
        char *v[] = { (char *) *name, NULL };
        assert_int_equal(congo_mount_options_parse(&o, v, "mounts[0]", &err), 0);
        if (o.fs_options)
            fail_msg("`%s` is advertised but parsed as filesystem data", *name);
        congo_mount_options_clear(&o);
        if (name != congo_mount_option_names)
            assert_true(strcmp(name[-1], name[0]) < 0); /* sorted, unique */
    }
    assert_int_equal(n, 62);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_flag_option),
        cmocka_unit_test(later_option_wins),
        cmocka_unit_test(every_propagation_option),
        cmocka_unit_test(every_recursive_option),
        cmocka_unit_test(recursive_options_combine),
        cmocka_unit_test(bind_rbind_and_extensions),
        cmocka_unit_test(unknown_options_are_filesystem_data),
        cmocka_unit_test(no_options),
        cmocka_unit_test(empty_option_is_an_error),
        cmocka_unit_test(unknown_option_on_a_bind_mount),
        cmocka_unit_test(check_by_type),
        cmocka_unit_test(bad_propagation),
        cmocka_unit_test(attr_from_flags),
        cmocka_unit_test(advertised_names_are_known),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
