/* Unit tests for the container process: PATH lookup on a temporary tree,
 * the exec environment, and rlimits/identity/exec applied for real in
 * forked children. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "libcongo/process.h"
#include "libcongo/utils.h"

static char dir[64];

static char *p_(const char *rel)
{
    return xasprintf("%s/%s", dir, rel);
}

static void touch(const char *rel, mode_t mode)
{
    _cleanup_free_ char *p = p_(rel);
    int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, mode);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(chmod(p, mode), 0);
}

static int setup(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    snprintf(dir, sizeof dir, "/tmp/congo-unit-process.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    mkdir_p_at(dfd, "bin/sub", 0755, &err);
    mkdir_p_at(dfd, "sbin", 0755, &err);
    mkdir_p_at(dfd, "other", 0755, &err);
    close(dfd);
    return 0;
}

static int teardown(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    rm_rf_at(AT_FDCWD, dir, &err);
    congo_error_clear(&err);
    return 0;
}

static char *lookup_ok(const char *file, const char *path, const char *cwd)
{
    congo_error err = CONGO_ERROR_INIT;
    char *out = NULL;
    if (congo_process_lookup(&out, file, path, cwd, &err) < 0)
        fail_msg("lookup \"%s\" in \"%s\": %s", file, path ? path : "(null)", err.msg);
    return out;
}

static char *lookup_err(const char *file, const char *path, const char *cwd, int *r)
{
    congo_error err = CONGO_ERROR_INIT;
    char *out = NULL;
    *r = congo_process_lookup(&out, file, path, cwd, &err);
    assert_true(*r < 0);
    assert_null(out);
    char *t = congo_error_text(&err);
    congo_error_clear(&err);
    return t;
}

static void path_search(void **state)
{
    touch("bin/a", 0755);
    touch("sbin/b", 0700);
    touch("bin/noexec", 0644);
    touch("other/noexec", 0755);
    _cleanup_free_ char *bin = p_("bin"), *sbin = p_("sbin"), *other = p_("other");
    _cleanup_free_ char *path = xasprintf("%s:%s", bin, sbin), *path2 = xasprintf("%s:%s", bin, other);
    _cleanup_free_ char *a = lookup_ok("a", path, "/"), *want_a = p_("bin/a");
    assert_string_equal(a, want_a);
    _cleanup_free_ char *b = lookup_ok("b", path, "/"), *want_b = p_("sbin/b");
    assert_string_equal(b, want_b);
    /* Not executable in the first directory: the search goes on. */
    _cleanup_free_ char *n = lookup_ok("noexec", path2, "/"), *want_n = p_("other/noexec");
    assert_string_equal(n, want_n);
    /* A trailing slash in a PATH entry does not double. */
    _cleanup_free_ char *path3 = xasprintf("%s/", bin), *a3 = lookup_ok("a", path3, "/");
    assert_string_equal(a3, want_a);
}

static void not_found_phrases(void **state)
{
    int r;
    _cleanup_free_ char *bin = p_("bin");
    touch("bin/noexec", 0644);
    /* podman maps this phrase to exit status 127. */
    _cleanup_free_ char *e1 = lookup_err("nosuch", bin, "/", &r);
    assert_string_equal(e1, "exec: \"nosuch\": executable file not found in $PATH");
    assert_int_equal(r, -ENOENT);
    _cleanup_free_ char *e2 = lookup_err("noexec", bin, "/", &r);
    assert_string_equal(e2, "exec: \"noexec\": executable file not found in $PATH");
    /* A directory is not a program. */
    _cleanup_free_ char *e3 = lookup_err("sub", bin, "/", &r);
    assert_string_equal(e3, "exec: \"sub\": executable file not found in $PATH");
    _cleanup_free_ char *e4 = lookup_err("a", NULL, "/", &r);
    assert_string_equal(e4, "exec: \"a\": executable file not found in $PATH (process.env sets no PATH)");
    _cleanup_free_ char *e5 = lookup_err("", bin, "/", &r);
    assert_string_equal(e5, "exec: \"\": executable file not found in $PATH");
}

static void paths_with_a_slash(void **state)
{
    int r;
    touch("bin/a", 0755);
    touch("bin/noexec", 0644);
    _cleanup_free_ char *abs = p_("bin/a"), *got = lookup_ok(abs, "/nowhere", "/");
    assert_string_equal(got, abs);
    /* Relative to process.cwd, and kept relative (exec runs after chdir). */
    _cleanup_free_ char *cwd = p_("bin"), *rel = lookup_ok("./a", NULL, cwd);
    assert_string_equal(rel, "./a");
    _cleanup_free_ char *rel2 = lookup_ok("bin/a", NULL, dir);
    assert_string_equal(rel2, "bin/a");

    _cleanup_free_ char *noexec = p_("bin/noexec"), *e1 = lookup_err(noexec, NULL, "/", &r);
    _cleanup_free_ char *want1 = xasprintf("exec: \"%s\": permission denied", noexec);
    assert_string_equal(e1, want1);
    assert_int_equal(r, -EACCES);
    _cleanup_free_ char *d = p_("bin/sub"), *e2 = lookup_err(d, NULL, "/", &r);
    _cleanup_free_ char *want2 = xasprintf("exec: \"%s\": permission denied", d);
    assert_string_equal(e2, want2);
    _cleanup_free_ char *e3 = lookup_err("/nonexistent/x", NULL, "/", &r);
    assert_string_equal(e3, "exec: \"/nonexistent/x\": stat /nonexistent/x: no such file or directory");
    assert_int_equal(r, -ENOENT);
    _cleanup_free_ char *e4 = lookup_err("./nope", NULL, dir, &r);
    _cleanup_free_ char *want4 = xasprintf("exec: \"./nope\": stat %s/./nope: no such file or directory", dir);
    assert_string_equal(e4, want4);
}

static void symlinks_and_relative_path_entries(void **state)
{
    int r;
    touch("bin/a", 0755);
    _cleanup_free_ char *link = p_("sbin/alias"), *target = p_("bin/a"), *sbin = p_("sbin");
    unlink(link);
    assert_int_equal(symlink(target, link), 0);
    _cleanup_free_ char *got = lookup_ok("alias", sbin, "/"), *want = p_("sbin/alias");
    assert_string_equal(got, want);
    /* Found through a relative PATH entry: refused, as Go's LookPath does. */
    _cleanup_free_ char *e1 = lookup_err("a", "bin", dir, &r);
    assert_string_equal(e1, "exec: \"a\": cannot run executable found relative to current directory");
    _cleanup_free_ char *cwd = p_("bin"), *e2 = lookup_err("a", ":/nowhere", cwd, &r);
    assert_string_equal(e2, "exec: \"a\": cannot run executable found relative to current directory");
}

static void resolve_creates_cwd(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_free_ char *cwd = p_("made/by/resolve"), *exe = NULL;
    char *args[] = { "sh", NULL }, *env[] = { "PATH=/usr/bin:/bin", NULL };
    oci_process p = { .args = args, .env = env, .cwd = cwd };
    struct stat st;
    assert_int_equal(congo_process_resolve(&exe, &p, &err), 0);
    assert_string_equal(exe, access("/usr/bin/sh", X_OK) == 0 ? "/usr/bin/sh" : "/bin/sh");
    assert_int_equal(stat(cwd, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0755);

    touch("file", 0644);
    _cleanup_free_ char *file = p_("file");
    p.cwd = file;
    assert_true(congo_process_resolve(&exe, &p, &err) < 0);
    _cleanup_free_ char *t = congo_error_text(&err), *want = xasprintf("process.cwd \"%s\": Not a directory", file);
    assert_string_equal(t, want);
    congo_error_clear(&err);

    p.cwd = "relative";
    assert_true(congo_process_resolve(&exe, &p, &err) < 0);
    assert_string_equal(err.msg, "process.cwd \"relative\": not an absolute path");
    congo_error_clear(&err);

    char *kill[] = { "CAP_KILL", NULL }, *chown_kill[] = { "CAP_CHOWN", "CAP_KILL", NULL };
    oci_capabilities caps = { .bounding = chown_kill, .permitted = kill, .effective = chown_kill };
    p.cwd = "/";
    p.capabilities = &caps;
    assert_true(congo_process_resolve(&exe, &p, &err) < 0);
    assert_string_equal(err.msg, "process.capabilities.effective: CAP_CHOWN is not in process.capabilities.permitted");
    congo_error_clear(&err);
    p.capabilities = NULL;

    char *none[] = { NULL };
    p.args = none;
    assert_true(congo_process_resolve(&exe, &p, &err) < 0);
    assert_string_equal(err.msg, "process.args: must contain at least the program to run");
    congo_error_clear(&err);
}

static void assert_env(char **got, char **want)
{
    size_t i;
    for (i = 0; want[i]; i++) {
        assert_non_null(got[i]);
        assert_string_equal(got[i], want[i]);
    }
    assert_null(got[i]);
}

static void exec_environment(void **state)
{
    char *env[] = { "A=1", "PATH=/bin", NULL };
    oci_process p = { .env = env };
    _cleanup_strv_ char **e1 = congo_process_env(&p, "/root", 0, 1);
    assert_env(e1, (char *[]){ "A=1", "PATH=/bin", "HOME=/root", NULL });

    char *with_home[] = { "HOME=/mine", "A=1", NULL };
    p.env = with_home;
    _cleanup_strv_ char **e2 = congo_process_env(&p, "/root", 0, 1);
    assert_env(e2, (char *[]){ "HOME=/mine", "A=1", NULL });

    char *empty_home[] = { "HOME=", "A=1", NULL };
    p.env = empty_home;
    _cleanup_strv_ char **e3 = congo_process_env(&p, "/root", 0, 1);
    assert_env(e3, (char *[]){ "A=1", "HOME=/root", NULL });

    char *listen[] = { "LISTEN_FDS=9", "A=1", "LISTEN_PID=77", NULL };
    p.env = listen;
    _cleanup_strv_ char **e4 = congo_process_env(&p, NULL, 2, 1);
    assert_env(e4, (char *[]){ "A=1", "LISTEN_FDS=2", "LISTEN_PID=1", NULL });
    /* Without listen fds, process.env's own LISTEN_* pass untouched. */
    _cleanup_strv_ char **e5 = congo_process_env(&p, NULL, 0, 1);
    assert_env(e5, listen);

    p.env = NULL;
    _cleanup_strv_ char **e6 = congo_process_env(&p, "/", 0, 1);
    assert_env(e6, (char *[]){ "HOME=/", NULL });
}

/* ---- in forked children ---- */

static void in_child(const char *(*fn)(void))
{
    int status;
    fflush(NULL);
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

static char msg[1024];

static const char *err_msg(const char *what, congo_error *err)
{
    char *t = congo_error_text(err);
    snprintf(msg, sizeof msg, "%s: %s", what, t);
    free(t);
    return msg;
}

static bool drop_effective(int cap)
{
    cap_t c = cap_get_proc();
    cap_value_t v = cap;
    bool ok = c && cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) == 0 && cap_set_proc(c) == 0;
    cap_free(c);
    return ok;
}

static const char *rlimits_child(void)
{
    congo_error err = CONGO_ERROR_INIT;
    struct rlimit rl;
    oci_rlimit lim[] = {
        { .type = "RLIMIT_NOFILE", .resource = RLIMIT_NOFILE, .soft = 100, .hard = 200 },
        { .type = "RLIMIT_CORE", .resource = RLIMIT_CORE, .soft = 0, .hard = 0 },
    };
    oci_process p = { .rlimits = lim, .n_rlimits = 2 };

    if (congo_process_set_limits(&p, &err) < 0)
        return err_msg("set", &err);
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur != 100 || rl.rlim_max != 200)
        return "RLIMIT_NOFILE not applied";
    if (getrlimit(RLIMIT_CORE, &rl) < 0 || rl.rlim_cur != 0 || rl.rlim_max != 0)
        return "RLIMIT_CORE not applied";

    /* Above the current hard limit without CAP_SYS_RESOURCE: said exactly. */
    if (!drop_effective(CAP_SYS_RESOURCE))
        return "drop CAP_SYS_RESOURCE";
    oci_rlimit up[] = { { .type = "RLIMIT_NOFILE", .resource = RLIMIT_NOFILE, .soft = 100, .hard = 300 } };
    p = (oci_process){ .rlimits = up, .n_rlimits = 1 };
    if (congo_process_set_limits(&p, &err) != -EPERM)
        return "raising the hard limit did not fail with EPERM";
    if (strcmp(err.msg, "process.rlimits[0] (RLIMIT_NOFILE): hard limit 300 is above the host's 200 and congo lacks "
                        "CAP_SYS_RESOURCE") != 0)
        return err_msg("wrong message", &err);
    congo_error_clear(&err);

    oci_rlimit inv[] = { { .type = "RLIMIT_NOFILE", .resource = RLIMIT_NOFILE, .soft = 150, .hard = 120 },
                         { .type = "RLIMIT_STACK", .resource = RLIMIT_STACK, .soft = 1, .hard = 0 } };
    p = (oci_process){ .rlimits = inv + 1, .n_rlimits = 1 };
    if (congo_process_set_limits(&p, &err) >= 0 ||
        strcmp(err.msg, "process.rlimits[0] (RLIMIT_STACK): soft limit 1 is above the hard limit 0") != 0)
        return err_msg("soft above hard", &err);
    congo_error_clear(&err);
    return NULL;
}

static void rlimits(void **state)
{
    in_child(rlimits_child);
}

static char *status_field(const char *field)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
    char line[512];
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            char *v = line + n + 1;
            while (*v == '\t' || *v == ' ')
                v++;
            v[strcspn(v, "\n")] = '\0';
            for (size_t k = strlen(v); k > 0 && v[k - 1] == ' '; k--)
                v[k - 1] = '\0';
            return xstrdup(v);
        }
    return xstrdup("?");
}

static const char *check_field(const char *field, const char *want)
{
    _cleanup_free_ char *got = status_field(field);
    if (strcmp(got, want) == 0)
        return NULL;
    snprintf(msg, sizeof msg, "%s: got \"%s\", want \"%s\"", field, got, want);
    return msg;
}

#define CHECK(field, want)                                                                                            \
    do {                                                                                                              \
        const char *w_ = check_field(field, want);                                                                    \
        if (w_)                                                                                                       \
            return w_;                                                                                                \
    } while (0)

static const char *identity_child(void)
{
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_free_ char *cwd = p_("home700");
    char *bnd[] = { "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN", NULL };
    char *prm[] = { "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };
    char *eff[] = { "CAP_KILL", NULL };
    char *amb[] = { "CAP_NET_BIND_SERVICE", NULL };
    oci_capabilities caps = { .bounding = bnd, .permitted = prm, .effective = eff, .inheritable = amb, .ambient = amb };
    uint32_t gids[] = { 2000, 3000 };
    oci_process p = {
        .user = { .uid = 1000, .gid = 1001, .additional_gids = gids, .n_additional_gids = 2,
                  .umask = { .set = true, .value = 027 } },
        .cwd = cwd,
        .capabilities = &caps,
        .no_new_privileges = true,
    };
    char buf[4096];

    /* Only root can enter it: runc's chdir-before-setuid lets uid 1000 start there. */
    if (mkdir(cwd, 0700) < 0 && errno != EEXIST)
        return "mkdir";
    if (congo_process_set_identity(&p, true, &err) < 0)
        return err_msg("set_identity", &err);
    CHECK("Uid", "1000\t1000\t1000\t1000");
    CHECK("Gid", "1001\t1001\t1001\t1001");
    CHECK("Groups", "2000 3000");
    CHECK("CapBnd", "0000000000000421");
    CHECK("CapPrm", "0000000000000420");
    CHECK("CapEff", "0000000000000020");
    CHECK("CapInh", "0000000000000400");
    CHECK("CapAmb", "0000000000000400");
    CHECK("NoNewPrivs", "1");
    CHECK("Umask", "0027");
    if (!getcwd(buf, sizeof buf) || strcmp(buf, cwd) != 0)
        return "cwd";
    return NULL;
}

static void identity(void **state)
{
    in_child(identity_child);
}

static const char *identity_defaults_child(void)
{
    congo_error err = CONGO_ERROR_INIT;
    oci_process p = { .user = { .uid = 0, .gid = 0 }, .cwd = "/" };
    /* No capabilities object: left alone (runc); no additional gids: none. */
    _cleanup_free_ char *eff = status_field("CapEff");
    if (setgroups(1, (gid_t[]){ 4242 }) < 0)
        return "setgroups";
    umask(0077);
    if (congo_process_set_identity(&p, true, &err) < 0)
        return err_msg("set_identity", &err);
    CHECK("Groups", "");
    CHECK("Umask", "0022");
    CHECK("CapEff", eff);
    CHECK("NoNewPrivs", "0");
    return NULL;
}

static void identity_defaults(void **state)
{
    in_child(identity_defaults_child);
}

static const char *setgroups_denied_child(void)
{
    congo_error err = CONGO_ERROR_INIT;
    uint32_t gids[] = { 2000 };
    oci_process p = { .user = { .uid = 0, .gid = 0, .additional_gids = gids, .n_additional_gids = 1 }, .cwd = "/" };
    if (congo_process_set_identity(&p, false, &err) >= 0)
        return "additionalGids with setgroups denied succeeded";
    if (strcmp(err.msg, "process.user.additionalGids: cannot set additional groups: setgroups is denied in this user "
                        "namespace") != 0)
        return err_msg("wrong message", &err);
    congo_error_clear(&err);
    p.user.n_additional_gids = 0;
    if (congo_process_set_identity(&p, false, &err) < 0)
        return err_msg("without additionalGids", &err);
    return NULL;
}

static void setgroups_denied(void **state)
{
    in_child(setgroups_denied_child);
}

static const char *exec_child(void)
{
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_free_ char *out = p_("exec-env");
    int fd = open(out, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, 1) < 0)
        return "redirect";
    char *args[] = { "env", NULL }, *env[] = { "A=1", "B=x y", NULL };
    oci_process p = { .args = args, .env = env, .cwd = "/" };
    setenv("CONGO_MUST_NOT_LEAK", "1", 1);
    congo_process_exec(&p, "/usr/bin/env", &err);
    return err_msg("exec", &err);
}

static void exec_gets_exactly_process_env(void **state)
{
    in_child(exec_child);
    _cleanup_free_ char *out = p_("exec-env"), *got = NULL;
    congo_error err = CONGO_ERROR_INIT;
    assert_int_equal(read_file_at(AT_FDCWD, out, 0, &got, NULL, &err), 0);
    /* HOME comes from /etc/passwd for the euid (root here), as runc adds it. */
    assert_string_equal(got, "A=1\nB=x y\nHOME=/root\n");
}

static const char *exec_fail_child(void)
{
    congo_error err = CONGO_ERROR_INIT;
    char *args[] = { "nope", NULL };
    oci_process p = { .args = args, .cwd = "/" };
    congo_process_exec(&p, "/nonexistent/nope", &err);
    _cleanup_free_ char *t = congo_error_text(&err);
    if (strcmp(t, "exec: \"/nonexistent/nope\": no such file or directory") != 0)
        return err_msg("wrong message", &err);
    return NULL;
}

static void exec_failure(void **state)
{
    in_child(exec_fail_child);
}

static const char *listen_fds_child(void)
{
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int) getppid());
    setenv("LISTEN_FDS", "2", 1);
    /* Not ours: LISTEN_PID names another process. */
    setenv("LISTEN_PID", pid, 1);
    if (congo_process_listen_fds() != 0)
        return "counted fds meant for another process";
    return NULL;
}

static const char *listen_fds_ours_child(void)
{
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int) getpid());
    setenv("LISTEN_FDS", "2", 1);
    setenv("LISTEN_PID", pid, 1);
    if (congo_process_listen_fds() != 2)
        return "LISTEN_FDS=2 not counted";
    /* Remembered (a cloned child's getpid() no longer matches). */
    setenv("LISTEN_PID", "1", 1);
    if (congo_process_listen_fds() != 2)
        return "not remembered";
    return NULL;
}

static void listen_fds(void **state)
{
    in_child(listen_fds_child);
    in_child(listen_fds_ours_child);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(path_search),
        cmocka_unit_test(not_found_phrases),
        cmocka_unit_test(paths_with_a_slash),
        cmocka_unit_test(symlinks_and_relative_path_entries),
        cmocka_unit_test(resolve_creates_cwd),
        cmocka_unit_test(exec_environment),
        cmocka_unit_test(rlimits),
        cmocka_unit_test(identity),
        cmocka_unit_test(identity_defaults),
        cmocka_unit_test(setgroups_denied),
        cmocka_unit_test(exec_gets_exactly_process_env),
        cmocka_unit_test(exec_failure),
        cmocka_unit_test(listen_fds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
