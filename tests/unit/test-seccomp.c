/* Unit tests for seccomp: compiling profiles (and their error messages), and
 * the compiled programs loaded for real in forked children: errno actions,
 * kill actions, argument conditions, the notify fd round trip through the
 * example listener (contrib/seccomp-listener), and the default profile of
 * `congo spec --seccomp`. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>

#include "libcongo/error.h"
#include "libcongo/log.h"
#include "libcongo/oci-config.h"
#include "libcongo/seccomp-profile.h"
#include "libcongo/seccomp.h"
#include "libcongo/sha256.h"
#include "libcongo/utils.h"

#ifndef SECCOMP_LISTENER
#define SECCOMP_LISTENER "contrib/seccomp-listener/seccomp-listener"
#endif

/* ---- linux.seccomp JSON -> oci_seccomp with the real config parser -------- */

static oci_seccomp *sc_parse(const char *json)
{
    _cleanup_free_ char *cfg = xasprintf("{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"},"
                                         " \"linux\": {\"seccomp\": %s}}", json);
    congo_error err = CONGO_ERROR_INIT;
    oci_config *c = NULL;
    if (oci_config_parse(&c, cfg, strlen(cfg), "config.json", &err) < 0)
        fail_msg("bad test JSON: %s\n%s", err.msg, json);
    oci_seccomp *s = steal_pointer(&c->linux_->seccomp);
    oci_config_free(c);
    return s;
}

/* oci-config.c's own free is private; the layout is the header's. */
static void sc_free(oci_seccomp *s)
{
    if (!s)
        return;
    free(s->default_action);
    strv_free(s->architectures);
    strv_free(s->flags);
    free(s->listener_path);
    free(s->listener_metadata);
    for (size_t i = 0; i < s->n_syscalls; i++) {
        strv_free(s->syscalls[i].names);
        free(s->syscalls[i].action);
        for (size_t k = 0; k < s->syscalls[i].n_args; k++)
            free(s->syscalls[i].args[k].op);
        free(s->syscalls[i].args);
    }
    free(s->syscalls);
    free(s);
}

/* Compile, expecting success. */
static struct congo_seccomp *compile_ok(const char *json)
{
    oci_seccomp *s = sc_parse(json);
    congo_error err = CONGO_ERROR_INIT;
    struct congo_seccomp *f = NULL;
    int r = congo_seccomp_compile(&f, s, &err);
    if (r < 0)
        fail_msg("compile failed: %s\n%s", err.msg, json);
    sc_free(s);
    return f;
}

static void compile_fails_s(oci_seccomp *s, const char *json, const char *prefix);

/* Compile, expecting a failure whose message starts with `prefix`. */
static void compile_fails(const char *json, const char *prefix)
{
    compile_fails_s(sc_parse(json), json, prefix);
}

static void compile_fails_s(oci_seccomp *s, const char *json, const char *prefix)
{
    congo_error err = CONGO_ERROR_INIT;
    struct congo_seccomp *f = NULL;
    int r = congo_seccomp_compile(&f, s, &err);
    sc_free(s);
    if (r >= 0)
        fail_msg("compile succeeded, expected \"%s...\"\n%s", prefix, json);
    assert_null(f);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
        fail_msg("message:  %s\nexpected: %s...", err.msg, prefix);
    congo_error_clear(&err);
}

/* ---- children ------------------------------------------------------------- */

/* cmocka catches SIGSYS (and more) to report a crash as a failure: in a
 * child that would resume the test runner.  Children die as they would. */
static void child_signals(void)
{
    static const int sigs[] = { SIGSYS, SIGSEGV, SIGILL, SIGFPE, SIGBUS };
    for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
        signal(sigs[i], SIG_DFL);
}

/* Run fn in a forked child that sets no_new_privs, loads f and calls fn;
 * returns the wait status.  fn returns 0 on success or a line number. */
static int run_filtered(struct congo_seccomp *f, int (*fn)(void *), void *arg)
{
    int status;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        congo_error err = CONGO_ERROR_INIT;
        int nfd = -1;
        child_signals();
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            _exit(200);
        if (congo_seccomp_load(f, congo_seccomp_uses_notify(f) ? &nfd : NULL, &err) < 0) {
            fprintf(stderr, "load: %s\n", err.msg);
            _exit(201);
        }
        /* The raw exit_group, not _exit(): under ASan, _exit() is intercepted
         * and makes syscalls (sigaltstack, gettid, mmap) that a strict filter denies. */
        int rc = fn(arg);
        syscall(SYS_exit_group, rc);
        _exit(rc);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* In children: report the failed check on stderr, exit 1. */
#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "test-seccomp.c:%d: check failed in the child: %s (errno %d)\n", __LINE__, #cond, errno);  \
            return 1;                                                                                                  \
        }                                                                                                              \
    } while (0)

static void assert_exit0(int status)
{
    if (WIFSIGNALED(status))
        fail_msg("child killed by signal %d", WTERMSIG(status));
    if (WEXITSTATUS(status) != 0)
        fail_msg("child failed with status %d (see its message above)", WEXITSTATUS(status));
}

/* A scratch directory for the children's mkdir/chmod. */
static char scratch[64];

static int setup(void **state)
{
    strcpy(scratch, "/tmp/congo-test-seccomp.XXXXXX");
    assert_non_null(mkdtemp(scratch));
    return 0;
}

static int teardown(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    rm_rf_at(AT_FDCWD, scratch, &err);
    congo_error_clear(&err);
    return 0;
}

static char *scratch_path(const char *name) { return xasprintf("%s/%s", scratch, name); }

/* ---- compile -------------------------------------------------------------- */

static void compile_exports_a_program(void **state)
{
    struct congo_seccomp *f = compile_ok(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"],"
        " \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
    assert_true(congo_seccomp_bpf_len(f) > 4);
    assert_non_null(congo_seccomp_bpf(f));
    assert_false(congo_seccomp_uses_notify(f));
    congo_seccomp_free(f);

    /* Every action, flag and operator in one profile. */
    f = compile_ok(
        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
        " \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\","
        "             \"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],"
        " \"listenerPath\": \"/run/x.sock\", \"listenerMetadata\": \"m\","
        " \"syscalls\": ["
        "  {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
        "  {\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_KILL\"},"
        "  {\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"},"
        "  {\"names\": [\"getsid\"], \"action\": \"SCMP_ACT_KILL_THREAD\"},"
        "  {\"names\": [\"getuid\"], \"action\": \"SCMP_ACT_TRAP\"},"
        "  {\"names\": [\"getgid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5},"
        "  {\"names\": [\"geteuid\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 7},"
        "  {\"names\": [\"getegid\"], \"action\": \"SCMP_ACT_LOG\"},"
        "  {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"},"
        "  {\"names\": [\"umask\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
        "    {\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_NE\"}, {\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_LT\"},"
        "    {\"index\": 2, \"value\": 1, \"op\": \"SCMP_CMP_LE\"}, {\"index\": 3, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"},"
        "    {\"index\": 4, \"value\": 1, \"op\": \"SCMP_CMP_GE\"}, {\"index\": 5, \"value\": 1, \"op\": \"SCMP_CMP_GT\"}]},"
        "  {\"names\": [\"umask\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
        "    {\"index\": 0, \"value\": 7, \"valueTwo\": 2, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}"
        " ]}");
    assert_true(congo_seccomp_uses_notify(f));
    congo_seccomp_free(f);
}

static void compile_errors_name_the_json_path(void **state)
{
    compile_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                  "{\"names\": [\"a\"], \"action\": \"SCMP_ACT_ERRNO\"}, {\"names\": [\"b\"], \"action\": \"SCMP_ACT_ERRNO\"},"
                  "{\"names\": [\"c\"], \"action\": \"SCMP_ACT_ERRNO\"}, {\"names\": [\"d\"], \"action\": \"SCMP_ACT_FOO\"}]}",
                  "linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\" (expected one of SCMP_ACT_ALLOW, "
                  "SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_LOG, "
                  "SCMP_ACT_NOTIFY, SCMP_ACT_TRACE, SCMP_ACT_TRAP)");
    compile_fails("{\"defaultAction\": \"ALLOW\"}", "linux.seccomp.defaultAction: unknown action \"ALLOW\"");
    /* What the parser already requires, in case a caller builds the struct. */
    oci_seccomp *s = sc_parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
    free(steal_pointer(&s->default_action));
    compile_fails_s(s, "(defaultAction removed)", "linux.seccomp.defaultAction: missing");
    compile_fails("{\"defaultAction\": \"SCMP_ACT_KILL\", \"defaultErrnoRet\": 1}",
                  "linux.seccomp.defaultErrnoRet: SCMP_ACT_KILL does not return an errno (only SCMP_ACT_ERRNO and "
                  "SCMP_ACT_TRACE take one)");
    compile_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
                  "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1}]}",
                  "linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_ALLOW does not return an errno");
    compile_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                  "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 70000}]}",
                  "linux.seccomp.syscalls[0].errnoRet: 70000 is out of range (0-65535)");
    compile_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_Z80\"]}",
                  "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\"");
    compile_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"x86_64\"]}",
                  "linux.seccomp.architectures[0]: unknown architecture \"x86_64\"");
    compile_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", \"FLAG_FOO\"]}",
                  "linux.seccomp.flags[1]: unknown flag \"FLAG_FOO\" (expected one of SECCOMP_FILTER_FLAG_TSYNC, "
                  "SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)");
    compile_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"umask\"],"
                  " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"},"
                  " {\"index\": 1, \"value\": 1, \"op\": \"EQ\"}]}]}",
                  "linux.seccomp.syscalls[0].args[1].op: unknown operator \"EQ\" (expected one of SCMP_CMP_EQ, "
                  "SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_LE, SCMP_CMP_LT, SCMP_CMP_MASKED_EQ, SCMP_CMP_NE)");
    compile_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"umask\"],"
                  " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                  "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (a syscall has arguments 0-5)");
    s = sc_parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"umask\"],"
                 " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}");
    free(steal_pointer(&s->syscalls[0].args[0].op));
    compile_fails_s(s, "(op removed)", "linux.seccomp.syscalls[0].args[0].op: missing");
    compile_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [], \"action\": \"SCMP_ACT_ERRNO\"}]}",
                  "linux.seccomp.syscalls[0].names: must list at least one syscall");
    s = sc_parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
                 "\"action\": \"SCMP_ACT_ERRNO\"}]}");
    free(steal_pointer(&s->syscalls[0].action));
    compile_fails_s(s, "(action removed)", "linux.seccomp.syscalls[0].action: missing");
    compile_fails("{\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"listenerPath\": \"/run/x\"}",
                  "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
    compile_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"],"
                  " \"action\": \"SCMP_ACT_NOTIFY\"}]}",
                  "linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY");
    /* congo's init writes after the filter is loaded: runc refuses it too. */
    compile_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/x\", \"syscalls\": ["
                  "{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\"},"
                  "{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
                  "linux.seccomp.syscalls[1].names[1]: SCMP_ACT_NOTIFY cannot be used for the write syscall");
    compile_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerMetadata\": \"x\"}",
                  "linux.seccomp.listenerMetadata: set without linux.seccomp.listenerPath");
    compile_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"agent.sock\"}",
                  "linux.seccomp.listenerPath: \"agent.sock\" is not an absolute path");
}

static void compile_arch_unknown_to_libseccomp(void **state)
{
    /* SCMP_ARCH_LOONGARCH64 came with libseccomp 2.6: on older ones, the
     * message says which libseccomp lacks it; on newer ones it compiles. */
    const char *const *a = congo_seccomp_archs();
    bool has = false;
    for (; *a; a++)
        has |= strcmp(*a, "SCMP_ARCH_LOONGARCH64") == 0;
    const char *json = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_LOONGARCH64\"]}";
    if (has) {
        congo_seccomp_free(compile_ok(json));
    } else {
        _cleanup_free_ char *msg = xasprintf("linux.seccomp.architectures[0]: SCMP_ARCH_LOONGARCH64 is not supported by "
                                             "libseccomp %s", congo_seccomp_libseccomp_version());
        compile_fails(json, msg);
    }
}

static char *logged;

static void capture_log(enum congo_log_level level, const char *msg, void *data)
{
    char *old = logged;
    logged = xasprintf("%s%s\n", old ? old : "", msg);
    free(old);
}

static void unknown_syscall_is_skipped_with_a_debug_message(void **state)
{
    congo_log_set_sink(capture_log, NULL, CONGO_LOG_DEBUG);
    struct congo_seccomp *f = compile_ok(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
        "{\"names\": [\"mkdir\", \"no_such_syscall_42\"], \"action\": \"SCMP_ACT_ERRNO\"},"
        "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
    congo_log_set_sink(NULL, NULL, CONGO_LOG_WARNING);
    assert_non_null(logged);
    assert_non_null(strstr(logged, "linux.seccomp.syscalls[0].names[1]: syscall \"no_such_syscall_42\" is unknown to "
                                   "libseccomp"));
    /* A rule repeating the default action is dropped, not an error. */
    assert_non_null(strstr(logged, "linux.seccomp.syscalls[1]: action SCMP_ACT_ALLOW is the default action; skipped"));
    free(logged);
    logged = NULL;
    congo_seccomp_free(f);
}

/* ---- loaded filters -------------------------------------------------------- */

static int mkdir_eperm_chmod_erofs(void *arg)
{
    _cleanup_free_ char *d = scratch_path("d"), *file = scratch_path("file");
    CHECK(mkdir(d, 0755) < 0 && errno == EPERM);
    CHECK(access(d, F_OK) < 0 && errno == ENOENT);
    CHECK(chmod(file, 0600) < 0 && errno == EROFS);
    CHECK(chmod(scratch, 0700) < 0 && errno == EROFS);
    /* Everything else still works. */
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(close(fd) == 0);
    return 0;
}

static void errno_actions_in_a_child(void **state)
{
    _cleanup_free_ char *file = scratch_path("file");
    int fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    close(fd);
    struct congo_seccomp *f = compile_ok(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
        "{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\"},"
        "{\"names\": [\"chmod\", \"fchmodat\", \"fchmodat2\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 30}]}");
    assert_exit0(run_filtered(f, mkdir_eperm_chmod_erofs, NULL));
    congo_seccomp_free(f);
    /* The parent is not filtered. */
    struct stat st;
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(chmod(file, 0600), 0);
}

static int getppid_then_exit(void *arg)
{
    syscall(SYS_getppid);
    return 0;
}

static void kill_actions_kill(void **state)
{
    static const char *const actions[] = { "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS",
                                           "SCMP_ACT_TRAP" };
    for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
        _cleanup_free_ char *json = xasprintf("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                                              "{\"names\": [\"getppid\"], \"action\": \"%s\"}]}",
                                              actions[i]);
        struct congo_seccomp *f = compile_ok(json);
        /* No core files from these deaths. */
        struct rlimit nocore = { 0, 0 }, old;
        getrlimit(RLIMIT_CORE, &old);
        setrlimit(RLIMIT_CORE, &nocore);
        int status = run_filtered(f, getppid_then_exit, NULL);
        setrlimit(RLIMIT_CORE, &old);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
            fail_msg("%s: child not killed by SIGSYS (status 0x%x)", actions[i], status);
        congo_seccomp_free(f);
    }
}

static int default_errno_ret(void *arg)
{
    /* Only what the profile allows works; the rest fails with ENOSYS. */
    CHECK(syscall(SYS_getppid) < 0 && errno == ENOSYS);
    CHECK(syscall(SYS_getpid) > 0);
    return 0;
}

static void default_action_with_errno(void **state)
{
    struct congo_seccomp *f = compile_ok(
        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"syscalls\": ["
        "{\"names\": [\"getpid\", \"exit\", \"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
    assert_exit0(run_filtered(f, default_errno_ret, NULL));
    congo_seccomp_free(f);
}

#ifdef __x86_64__
/* An i386 syscall from this x86_64 process (arch AUDIT_ARCH_I386). */
static long sys_i386(long nr, long a)
{
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a) : "memory");
    return r;
}
#endif

static int enosys_stub_child(void *arg)
{
#ifdef __x86_64__
    if (arg) {
        /* The i386 ABI has its own block in the stub. */
        CHECK(sys_i386(20 /* getpid */, 0) > 0);
        CHECK(sys_i386(449, 0) == -ENOSYS);
        CHECK(sys_i386(436, 1000) == -EPERM);
    }
#endif
    /* 449 (futex_waitv) is above the highest syscall named (437, openat2):
     * ENOSYS, so libc would fall back; 436 (close_range) is below: the
     * default's EPERM. */
    CHECK(syscall(449, NULL, 0, 0, NULL, 0) < 0 && errno == ENOSYS);
    CHECK(syscall(436, 1000, 1000, 0) < 0 && errno == EPERM);
    CHECK(syscall(SYS_getpid) > 0);
    return 0;
}

static int no_stub_child(void *arg)
{
    CHECK(syscall(449, NULL, 0, 0, NULL, 0) < 0 && errno == EPERM);
    return 0;
}

static void newer_syscalls_get_enosys(void **state)
{
    static const char *const archs[] = { "", ", \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", "
                                             "\"SCMP_ARCH_X32\"]" };
    for (size_t i = 0; i < ARRAY_SIZE(archs); i++) {
        _cleanup_free_ char *json = xasprintf(
            "{\"defaultAction\": \"SCMP_ACT_ERRNO\"%s, \"syscalls\": [{\"names\": [\"getpid\", \"exit\", "
            "\"exit_group\", \"openat2\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
            archs[i]);
        struct congo_seccomp *f = compile_ok(json);
        assert_exit0(run_filtered(f, enosys_stub_child, i ? (void *) 1 : NULL));
        congo_seccomp_free(f);
    }
    /* Not when the default allows, nor when it says ENOSYS already. */
    struct congo_seccomp *f = compile_ok(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"openat2\", \"futex_waitv\"],"
        " \"action\": \"SCMP_ACT_ERRNO\"}]}");
    assert_exit0(run_filtered(f, no_stub_child, NULL));
    congo_seccomp_free(f);
}

/* umask(x) returns the old mask, or -1 with the rule's errno when the filter
 * matches x. */
static bool umask_denied(unsigned long x)
{
    long r = syscall(SYS_umask, x);
    return r < 0 && errno == EXDEV;
}

static int conditions(void *arg)
{
    const char *op = arg;
    if (strcmp(op, "SCMP_CMP_EQ") == 0)
        CHECK(umask_denied(5) && !umask_denied(6) && !umask_denied(4));
    else if (strcmp(op, "SCMP_CMP_NE") == 0)
        CHECK(!umask_denied(5) && umask_denied(6) && umask_denied(4));
    else if (strcmp(op, "SCMP_CMP_LT") == 0)
        CHECK(umask_denied(4) && !umask_denied(5) && !umask_denied(6));
    else if (strcmp(op, "SCMP_CMP_LE") == 0)
        CHECK(umask_denied(4) && umask_denied(5) && !umask_denied(6));
    else if (strcmp(op, "SCMP_CMP_GT") == 0)
        CHECK(!umask_denied(4) && !umask_denied(5) && umask_denied(6));
    else if (strcmp(op, "SCMP_CMP_GE") == 0)
        CHECK(!umask_denied(4) && umask_denied(5) && umask_denied(6));
    else
        return 199;
    return 0;
}

static void argument_conditions_match_only_the_right_calls(void **state)
{
    static const char *const ops[] = { "SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT",
                                       "SCMP_CMP_LE", "SCMP_CMP_GT", "SCMP_CMP_GE" };
    for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
        _cleanup_free_ char *json = xasprintf(
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"umask\"],"
            " \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 18, \"args\": [{\"index\": 0, \"value\": 5, \"op\": \"%s\"}]}]}",
            ops[i]);
        struct congo_seccomp *f = compile_ok(json);
        int status = run_filtered(f, conditions, (void *) ops[i]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("%s: child status 0x%x", ops[i], status);
        congo_seccomp_free(f);
    }
}

static int masked_eq(void *arg)
{
    /* (x & 0x70) == 0x20 */
    CHECK(umask_denied(0x20) && umask_denied(0x23) && umask_denied(0x2f));
    CHECK(!umask_denied(0x13) && !umask_denied(0x30) && !umask_denied(0x60) && !umask_denied(0));
    return 0;
}

static void masked_eq_uses_value_as_mask_and_value_two(void **state)
{
    struct congo_seccomp *f = compile_ok(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"umask\"], \"action\": \"SCMP_ACT_ERRNO\","
        " \"errnoRet\": 18, \"args\": [{\"index\": 0, \"value\": 112, \"valueTwo\": 32, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}");
    assert_exit0(run_filtered(f, masked_eq, NULL));
    congo_seccomp_free(f);
}

static bool getpriority_denied(int which, id_t who)
{
    long r = syscall(SYS_getpriority, which, who);
    return r < 0 && errno == EXDEV;
}

static int two_args_and(void *arg)
{
    /* Denied only when arg0 == PRIO_PGRP AND arg1 == 0. */
    CHECK(getpriority_denied(PRIO_PGRP, 0));
    CHECK(!getpriority_denied(PRIO_PROCESS, 0));
    CHECK(!getpriority_denied(PRIO_PGRP, (id_t) getpgrp()));
    return 0;
}

static void several_args_on_one_rule_all_must_match(void **state)
{
    struct congo_seccomp *f = compile_ok(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpriority\"], \"action\": \"SCMP_ACT_ERRNO\","
        " \"errnoRet\": 18, \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"},"
        " {\"index\": 1, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}");
    assert_exit0(run_filtered(f, two_args_and, NULL));
    congo_seccomp_free(f);
}

static int same_arg_twice(void *arg)
{
    CHECK(umask_denied(5) && umask_denied(7));
    CHECK(!umask_denied(6) && !umask_denied(0));
    return 0;
}

static void same_arg_twice_splits_into_rules(void **state)
{
    /* As runc and crun: each condition becomes a rule (any of them matches). */
    struct congo_seccomp *f = compile_ok(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"umask\"], \"action\": \"SCMP_ACT_ERRNO\","
        " \"errnoRet\": 18, \"args\": [{\"index\": 0, \"value\": 5, \"op\": \"SCMP_CMP_EQ\"},"
        " {\"index\": 0, \"value\": 7, \"op\": \"SCMP_CMP_EQ\"}]}]}");
    assert_exit0(run_filtered(f, same_arg_twice, NULL));
    congo_seccomp_free(f);
}

static int flags_child(void *arg)
{
    _cleanup_free_ char *d = scratch_path("flags");
    CHECK(mkdir(d, 0755) < 0 && errno == EPERM);
    return 0;
}

static void flags_load(void **state)
{
    const char *const *sup = congo_seccomp_supported_flags();
    size_t n = 0;
    for (; sup[n]; n++)
        ;
    /* This machine's kernel (6.x) has them all. */
    assert_int_equal(n, 4);
    struct congo_seccomp *f = compile_ok(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\","
        " \"SECCOMP_FILTER_FLAG_TSYNC\"], \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
    assert_exit0(run_filtered(f, flags_child, NULL));
    congo_seccomp_free(f);
}

static void load_without_nnp_or_cap_sys_admin_says_why(void **state)
{
    struct congo_seccomp *f = compile_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                                         "{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        congo_error err = CONGO_ERROR_INIT;
        child_signals();
        /* Non-root without no_new_privs: no CAP_SYS_ADMIN left. */
        if (setresuid(65534, 65534, 65534) < 0)
            _exit(1);
        if (congo_seccomp_load(f, NULL, &err) == 0)
            _exit(2);
        congo_error_send(p[1], &err);
        _exit(0);
    }
    close(p[1]);
    congo_error got = CONGO_ERROR_INIT;
    assert_int_equal(congo_error_recv(p[0], &got), 1);
    close(p[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_exit0(status);
    assert_int_equal(got.errnum, EACCES);
    assert_non_null(strstr(got.msg, "neither no_new_privs nor CAP_SYS_ADMIN"));
    congo_error_clear(&got);
    congo_seccomp_free(f);
}

static void load_early_only_without_nnp_and_cap_sys_admin(void **state)
{
    char *with_admin[] = { "CAP_CHOWN", "CAP_SYS_ADMIN", NULL };
    char *without[] = { "CAP_CHOWN", NULL };
    oci_capabilities caps = { 0 };
    oci_process p = { 0 };

    p.no_new_privileges = true;
    assert_false(congo_seccomp_load_early(&p));
    p.no_new_privileges = false;
    assert_true(congo_seccomp_load_early(&p));
    p.capabilities = &caps;
    caps.effective = without;
    assert_true(congo_seccomp_load_early(&p));
    caps.effective = with_admin;
    assert_false(congo_seccomp_load_early(&p));
}

/* ---- notify ----------------------------------------------------------------- */

static pid_t start_listener(const char *sock, const char *state_file)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(SECCOMP_LISTENER, SECCOMP_LISTENER, "--once", "--state-file", state_file, sock, "mkdir=ok",
              "mkdirat=ok", "chmod=EROFS", "fchmodat=EROFS", "fchmodat2=EROFS", (char *) NULL);
        _exit(127);
    }
    /* Wait for the socket. */
    for (int i = 0; i < 500 && access(sock, F_OK) < 0; i++)
        usleep(10000);
    assert_int_equal(access(sock, F_OK), 0);
    return pid;
}

static int notified(void *arg)
{
    _cleanup_free_ char *d = scratch_path("notified"), *file = scratch_path("file2");
    /* The agent says mkdir succeeded, without running it. */
    CHECK(mkdir(d, 0755) == 0);
    CHECK(access(d, F_OK) < 0 && errno == ENOENT);
    CHECK(chmod(file, 0600) < 0 && errno == EROFS);
    return 0;
}

static void notify_round_trip_with_the_example_listener(void **state)
{
    _cleanup_free_ char *sock = scratch_path("agent.sock"), *state_file = scratch_path("state.json");
    _cleanup_free_ char *file = scratch_path("file2");
    _cleanup_free_ char *json = xasprintf(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"%s\", \"listenerMetadata\": \"hello \\\"agent\\\"\","
        " \"flags\": [\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],"
        " \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\", \"chmod\", \"fchmodat\", \"fchmodat2\", \"futex\", \"sendmsg\","
        " \"close\", \"exit_group\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
        sock);
    int fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    close(fd);
    oci_seccomp *s = sc_parse(json);
    congo_error err = CONGO_ERROR_INIT;
    struct congo_seccomp *f = NULL;
    if (congo_seccomp_compile(&f, s, &err) < 0)
        fail_msg("%s", err.msg);
    assert_true(congo_seccomp_uses_notify(f));

    pid_t listener = start_listener(sock, state_file);
    int sp[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        child_signals();
        close(sp[0]);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            _exit(200);
        /* futex, sendmsg and close are notified too: the handover must
         * not depend on the listener that does not have the fd yet. */
        if (congo_seccomp_load_send(f, sp[1], &err) < 0)
            _exit(201);
        _exit(notified(NULL));
    }
    close(sp[1]);
    int nfd = -1;
    if (congo_seccomp_recv_listener_fd(sp[0], &nfd, &err) < 0)
        fail_msg("%s", err.msg);
    close(sp[0]);
    _cleanup_free_ char *st = xasprintf("{\"ociVersion\": \"1.2.0\", \"id\": \"t1\", \"status\": \"creating\", "
                                        "\"pid\": %d, \"bundle\": \"/b\"}", (int) child);
    if (congo_seccomp_send_listener(s, nfd, st, &err) < 0)
        fail_msg("%s", err.msg);
    close(nfd);

    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_exit0(status);
    /* --once: the listener exits when the child's filter is gone. */
    assert_int_equal(waitpid(listener, &status, 0), listener);
    assert_exit0(status);

    _cleanup_free_ char *got = NULL;
    assert_int_equal(read_file_at(AT_FDCWD, state_file, 0, &got, NULL, &err), 0);
    _cleanup_free_ char *want = xasprintf("{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":%d,"
                                          "\"metadata\":\"hello \\\"agent\\\"\",\"state\":%s}", (int) child, st);
    assert_string_equal(got, want);
    congo_seccomp_free(f);
    sc_free(s);
}

static void failed_load_says_no_fd(void **state)
{
    _cleanup_free_ char *json = xasprintf("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/x.sock\","
                                          " \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}");
    struct congo_seccomp *f = compile_ok(json);
    congo_error err = CONGO_ERROR_INIT;
    int sp[2], fd = -1, status;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        child_signals();
        close(sp[0]);
        /* Neither no_new_privs nor CAP_SYS_ADMIN: the load fails. */
        if (setresuid(65534, 65534, 65534) < 0)
            _exit(1);
        if (congo_seccomp_load_send(f, sp[1], &err) != -EACCES)
            _exit(2);
        /* The caller's own channel still works after the "no fd" message. */
        if (congo_error_send(sp[1], &err) < 0)
            _exit(3);
        _exit(0);
    }
    close(sp[1]);
    assert_int_equal(congo_seccomp_recv_listener_fd(sp[0], &fd, &err), -ECANCELED);
    assert_int_equal(fd, -1);
    assert_non_null(strstr(err.msg, "could not load its seccomp filter"));
    congo_error_clear(&err);
    assert_int_equal(congo_error_recv(sp[0], &err), 1);
    assert_int_equal(err.errnum, EACCES);
    congo_error_clear(&err);
    close(sp[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_exit0(status);
    congo_seccomp_free(f);
}

static void send_listener_errors(void **state)
{
    oci_seccomp *s = sc_parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/nonexistent/agent.sock\"}");
    congo_error err = CONGO_ERROR_INIT;
    assert_true(congo_seccomp_send_listener(s, 0, "{\"pid\": 1}", &err) < 0);
    assert_string_equal(err.msg, "seccomp agent at linux.seccomp.listenerPath: connect to `/nonexistent/agent.sock`");
    assert_int_equal(err.errnum, ENOENT);
    congo_error_clear(&err);
    assert_true(congo_seccomp_send_listener(s, 0, "{\"id\": \"x\"}", &err) < 0);
    assert_string_equal(err.msg, "seccomp agent: the container state has no \"pid\"");
    congo_error_clear(&err);
    sc_free(s);

    /* The child died before sending its fd. */
    int sp[2], fd = -1;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
    close(sp[1]);
    assert_true(congo_seccomp_recv_listener_fd(sp[0], &fd, &err) < 0);
    assert_int_equal(fd, -1);
    assert_non_null(strstr(err.msg, "exited before sending the listener fd"));
    congo_error_clear(&err);
    close(sp[0]);
}

/* ---- the default profile of `congo spec --seccomp` ------------------------- */

static int default_profile_child(void *arg)
{
    bool admin = arg != NULL;
    /* Denied. */
    CHECK(syscall(SYS_keyctl, 0, 0, 0, 0, 0) < 0 && errno == EPERM);
    CHECK(syscall(SYS_add_key, "user", "k", "v", 1, -3) < 0 && errno == EPERM);
    CHECK(syscall(SYS_io_uring_setup, 1, NULL) < 0 && errno == EPERM);
    CHECK(ioctl(0, TIOCSTI, "x") < 0 && errno == EPERM);
    CHECK(socket(40 /* AF_VSOCK */, SOCK_STREAM, 0) < 0 && errno == EPERM);
    if (!admin) {
        CHECK(syscall(SYS_bpf, 0, NULL, 0) < 0 && errno == EPERM);
        CHECK(syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS);
        CHECK(unshare(CLONE_NEWUSER) < 0 && errno == EPERM);
        CHECK(unshare(CLONE_NEWNET | CLONE_NEWUTS) < 0 && errno == EPERM);
        CHECK(syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL) < 0 && errno == EPERM);
    } else {
        /* With CAP_SYS_ADMIN kept those are the kernel's business again. */
        CHECK(syscall(SYS_clone3, NULL, 0) < 0 && errno != ENOSYS);
        CHECK(syscall(SYS_bpf, 0, NULL, 0) < 0 && errno != EPERM);
        CHECK(syscall(SYS_mount, NULL, "/nonexistent-congo", NULL, 0, NULL) < 0 && errno == ENOENT);
    }
    /* Allowed: fork (clone without namespace flags), unshare without them, sockets, ioctls. */
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    CHECK(pid > 0);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
    CHECK(unshare(CLONE_FS | CLONE_FILES) == 0);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    close(fd);
    int n;
    fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0 && ioctl(fd, FIONREAD, &n) < 0 && errno == ENOTTY);
    close(fd);
    return 0;
}

static void default_profile_compiles_and_denies(void **state)
{
    static const char *const spec_caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };
    static const char *const admin_caps[] = { "CAP_SYS_ADMIN", NULL };

    _cleanup_free_ char *text = congo_seccomp_default_profile(spec_caps, 4);
    assert_non_null(strstr(text, "\"defaultAction\": \"SCMP_ACT_ALLOW\""));
    assert_non_null(strstr(text, "\"mount\""));
    struct congo_seccomp *f = compile_ok(text);
    assert_exit0(run_filtered(f, default_profile_child, NULL));
    congo_seccomp_free(f);

    _cleanup_free_ char *admin = congo_seccomp_default_profile(admin_caps, 0);
    assert_null(strstr(admin, "\"mount\""));
    assert_null(strstr(admin, "\"clone3\""));
    assert_non_null(strstr(admin, "\"keyctl\""));
    f = compile_ok(admin);
    assert_exit0(run_filtered(f, default_profile_child, (void *) 1));
    congo_seccomp_free(f);
}

/* ---- the cache of compiled programs ---------------------------------------- */

static void sha256_vectors(void **state)
{
    static const struct {
        const char *in;
        size_t repeat;
        const char *hex;
    } v[] = {
        { "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
        { "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
        struct congo_sha256 c;
        uint8_t d[32];
        char hex[65];
        congo_sha256_init(&c);
        for (size_t k = 0; k < v[i].repeat; k++)
            congo_sha256_update(&c, v[i].in, strlen(v[i].in));
        congo_sha256_final(&c, d);
        congo_sha256_hex(d, hex);
        assert_string_equal(hex, v[i].hex);
    }
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;
    assert_non_null(d);
    while ((de = readdir(d)))
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static void cache_gives_the_same_program(void **state)
{
    _cleanup_free_ char *dir = scratch_path("cache/seccomp");
    const char *json = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\", "
                       "\"SCMP_ARCH_X86\"], \"listenerPath\": \"/run/a.sock\", \"syscalls\": ["
                       "{\"names\": [\"getpid\", \"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                       "{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}";
    oci_seccomp *s = sc_parse(json);
    congo_error err = CONGO_ERROR_INIT;
    struct congo_seccomp *plain = NULL, *miss = NULL, *hit = NULL, *other = NULL;

    assert_int_equal(congo_seccomp_compile(&plain, s, &err), 0);
    assert_int_equal(congo_seccomp_compile_cached(&miss, s, dir, &err), 0);
    assert_int_equal(count_entries(dir), 1);
    assert_int_equal(congo_seccomp_compile_cached(&hit, s, dir, &err), 0);
    assert_int_equal(count_entries(dir), 1);
    for (struct congo_seccomp *f = miss; f; f = f == miss ? hit : NULL) {
        assert_int_equal(congo_seccomp_bpf_len(f), congo_seccomp_bpf_len(plain));
        assert_memory_equal(congo_seccomp_bpf(f), congo_seccomp_bpf(plain), congo_seccomp_bpf_len(plain) * 8);
        assert_true(congo_seccomp_uses_notify(f));
    }
    /* Another profile is another entry; an invalid one is an error, never a hit. */
    s->syscalls[1].action[9] = 'L'; /* SCMP_ACT_NOTIFY -> SCMP_ACT_LOTIFY */
    assert_true(congo_seccomp_compile_cached(&other, s, dir, &err) < 0);
    assert_non_null(strstr(err.msg, "unknown action \"SCMP_ACT_LOTIFY\""));
    congo_error_clear(&err);
    free(s->syscalls[1].action);
    s->syscalls[1].action = xstrdup("SCMP_ACT_KILL");
    assert_int_equal(congo_seccomp_compile_cached(&other, s, dir, &err), 0);
    assert_false(congo_seccomp_uses_notify(other));
    assert_int_equal(count_entries(dir), 2);

    /* A damaged entry is ignored (and rewritten). */
    DIR *d = opendir(dir);
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.') {
            int dfd = dirfd(d);
            int fd = openat(dfd, de->d_name, O_WRONLY | O_TRUNC | O_CLOEXEC);
            assert_true(fd >= 0);
            assert_int_equal(write(fd, "CONGOSC1junk", 12), 12);
            close(fd);
        }
    closedir(d);
    congo_seccomp_free(hit);
    hit = NULL;
    assert_int_equal(congo_seccomp_compile_cached(&hit, s, dir, &err), 0);
    assert_int_equal(congo_seccomp_bpf_len(hit), congo_seccomp_bpf_len(other));

    congo_seccomp_free(plain);
    congo_seccomp_free(miss);
    congo_seccomp_free(hit);
    congo_seccomp_free(other);
    sc_free(s);
}

/* ---- features ---------------------------------------------------------------- */

static bool has(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp(*list, name) == 0)
            return true;
    return false;
}

static void features_lists(void **state)
{
    const char *const *a = congo_seccomp_actions();
    size_t n = 0;
    for (; a[n]; n++)
        ;
    assert_int_equal(n, 9);
    assert_true(has(a, "SCMP_ACT_NOTIFY") && has(a, "SCMP_ACT_KILL_PROCESS") && has(a, "SCMP_ACT_ERRNO"));
    assert_true(has(congo_seccomp_operators(), "SCMP_CMP_MASKED_EQ"));
    assert_true(has(congo_seccomp_archs(), "SCMP_ARCH_X86_64"));
    assert_true(has(congo_seccomp_archs(), "SCMP_ARCH_AARCH64"));
    assert_false(has(congo_seccomp_archs(), "SCMP_ARCH_Z80"));
    assert_true(has(congo_seccomp_known_flags(), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
    assert_true(has(congo_seccomp_supported_flags(), "SECCOMP_FILTER_FLAG_LOG"));
    assert_non_null(strchr(congo_seccomp_libseccomp_version(), '.'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compile_exports_a_program),
        cmocka_unit_test(compile_errors_name_the_json_path),
        cmocka_unit_test(compile_arch_unknown_to_libseccomp),
        cmocka_unit_test(unknown_syscall_is_skipped_with_a_debug_message),
        cmocka_unit_test(errno_actions_in_a_child),
        cmocka_unit_test(kill_actions_kill),
        cmocka_unit_test(default_action_with_errno),
        cmocka_unit_test(newer_syscalls_get_enosys),
        cmocka_unit_test(argument_conditions_match_only_the_right_calls),
        cmocka_unit_test(masked_eq_uses_value_as_mask_and_value_two),
        cmocka_unit_test(several_args_on_one_rule_all_must_match),
        cmocka_unit_test(same_arg_twice_splits_into_rules),
        cmocka_unit_test(flags_load),
        cmocka_unit_test(load_without_nnp_or_cap_sys_admin_says_why),
        cmocka_unit_test(load_early_only_without_nnp_and_cap_sys_admin),
        cmocka_unit_test(notify_round_trip_with_the_example_listener),
        cmocka_unit_test(failed_load_says_no_fd),
        cmocka_unit_test(send_listener_errors),
        cmocka_unit_test(default_profile_compiles_and_denies),
        cmocka_unit_test(sha256_vectors),
        cmocka_unit_test(cache_gives_the_same_program),
        cmocka_unit_test(features_lists),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
