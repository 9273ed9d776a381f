/* Unit tests for the pure parts of exec: the process built from the
 * container's config, a process.json and the command line (runc's
 * semantics), env merging, --user and --cgroup parsing, and the check that
 * decides whether congo's binary needs protecting. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "libcongo/exec.h"
#include "libcongo/self-exe.h"
#include "libcongo/utils.h"

static const char config_json[] =
    "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"},"
    " \"process\": {\"terminal\": true, \"user\": {\"uid\": 1000, \"gid\": 1000, \"umask\": 18, \"additionalGids\": [5]},"
    "   \"args\": [\"sleep\", \"1000\"], \"env\": [\"PATH=/bin\", \"TERM=xterm\", \"FOO=config\"], \"cwd\": \"/home\","
    "   \"capabilities\": {\"bounding\": [\"CAP_KILL\"], \"effective\": [\"CAP_KILL\"], \"permitted\": [\"CAP_KILL\"]},"
    "   \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 100, \"hard\": 200}],"
    "   \"noNewPrivileges\": true, \"apparmorProfile\": \"prof\", \"selinuxLabel\": \"lab\", \"oomScoreAdj\": 100}}";

static oci_config *load_config(void)
{
    oci_config *c = NULL;
    congo_error err = CONGO_ERROR_INIT;
    assert_int_equal(oci_config_parse(&c, config_json, strlen(config_json), "config.json", &err), 0);
    return c;
}

static oci_process *parse_process(const char *json)
{
    oci_process *p = NULL;
    congo_error err = CONGO_ERROR_INIT;
    assert_int_equal(oci_process_parse(&p, json, strlen(json), "p.json", &err), 0);
    return p;
}

static bool strv_has(char **v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static void env_merge(void **state)
{
    char **env = strv_dup((char *[]){ "PATH=/bin", "A=1", "B=2", NULL });
    char *add[] = { "A=one", "C=3", "A=last", "EMPTY=", NULL };
    char *bad[] = { "NOEQ", NULL }, *bad2[] = { "=x", NULL };
    congo_error err = CONGO_ERROR_INIT;

    assert_int_equal(congo_env_merge(&env, add, "--env", &err), 0);
    assert_int_equal(strv_length(env), 5);
    /* In place, the last value wins; new names appended in order. */
    assert_string_equal(env[0], "PATH=/bin");
    assert_string_equal(env[1], "A=last");
    assert_string_equal(env[2], "B=2");
    assert_string_equal(env[3], "C=3");
    assert_string_equal(env[4], "EMPTY=");
    assert_int_equal(congo_env_merge(&env, bad, "--env", &err), -EINVAL);
    assert_non_null(strstr(err.msg, "--env `NOEQ`"));
    congo_error_clear(&err);
    assert_int_equal(congo_env_merge(&env, bad2, "--env", &err), -EINVAL);
    congo_error_clear(&err);
    assert_int_equal(strv_length(env), 5);
    strv_free(env);

    /* Into nothing. */
    env = NULL;
    assert_int_equal(congo_env_merge(&env, add, "--env", &err), 0);
    assert_int_equal(strv_length(env), 3);
    strv_free(env);
}

static void parse_user(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    uint32_t uid = 7, gid = 7;
    bool gid_set = true;

    assert_int_equal(congo_exec_parse_user(&uid, &gid, &gid_set, "1000", &err), 0);
    assert_int_equal(uid, 1000);
    assert_false(gid_set);
    assert_int_equal(congo_exec_parse_user(&uid, &gid, &gid_set, "0:44", &err), 0);
    assert_int_equal(uid, 0);
    assert_int_equal(gid, 44);
    assert_true(gid_set);
    assert_int_equal(congo_exec_parse_user(&uid, &gid, &gid_set, "4294967294:4294967294", &err), 0);
    const char *bad[] = { "", "root", "1:", ":1", "1:x", "-1", "4294967295", "1:2:3", "99999999999", NULL };
    for (int i = 0; bad[i]; i++) {
        uid = 7;
        assert_int_equal(congo_exec_parse_user(&uid, &gid, &gid_set, bad[i], &err), -EINVAL);
        assert_non_null(strstr(err.msg, "--user"));
        assert_int_equal(uid, 7); /* untouched */
        congo_error_clear(&err);
    }
}

static void parse_cgroups(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    struct congo_exec_subcgroup *s = NULL;
    size_t n = 0;

    assert_int_equal(congo_exec_parse_cgroups(&s, &n, (char *[]){ "sub/deeper", NULL }, &err), 0);
    assert_int_equal(n, 1);
    assert_null(s[0].controllers);
    assert_string_equal(s[0].path, "sub/deeper");
    congo_exec_subcgroups_free(s, n);

    assert_int_equal(congo_exec_parse_cgroups(&s, &n, (char *[]){ "cpu,cpuacct:a", "memory:b", NULL }, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(s[0].controllers[0], "cpu");
    assert_string_equal(s[0].controllers[1], "cpuacct");
    assert_null(s[0].controllers[2]);
    assert_string_equal(s[0].path, "a");
    assert_string_equal(s[1].controllers[0], "memory");
    assert_string_equal(s[1].path, "b");
    congo_exec_subcgroups_free(s, n);

    assert_int_equal(congo_exec_parse_cgroups(&s, &n, NULL, &err), 0);
    assert_int_equal(n, 0);
    congo_exec_subcgroups_free(s, n);

    char **bad[] = {
        (char *[]){ "a", "b", NULL },              /* two without controllers */
        (char *[]){ "a", "memory:b", NULL },       /* one for all among others */
        (char *[]){ "memory:a", "memory:b", NULL }, /* a controller twice */
        (char *[]){ "cpu,memory:a", "memory:b", NULL },
        (char *[]){ ":a", NULL },
        (char *[]){ "cpu,:a", NULL },
        (char *[]){ ",cpu:a", NULL },
        (char *[]){ "memory:", NULL },
        (char *[]){ "../x", NULL },
        (char *[]){ "a/../../x", NULL },
        (char *[]){ "/abs", NULL },
        (char *[]){ "a//b", NULL },
        (char *[]){ "", NULL },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        s = NULL;
        assert_int_equal(congo_exec_parse_cgroups(&s, &n, bad[i], &err), -EINVAL);
        assert_null(s);
        assert_non_null(err.msg);
        congo_error_clear(&err);
    }
}

/* No --process: the container's process with COMMAND and the flags. */
static void process_from_config_and_flags(void **state)
{
    oci_config *c = load_config();
    oci_process *p = NULL;
    congo_error err = CONGO_ERROR_INIT;
    struct congo_exec_opts o = {
        .args = (char *[]){ "sh", "-c", "x", NULL },
        .env = (char *[]){ "FOO=flag", "NEW=1", NULL },
        .caps = (char *[]){ "CAP_NET_RAW", "sys_admin", NULL },
        .additional_gids = (char *[]){ "7", NULL },
        .user = "0:0",
        .cwd = "/tmp",
        .apparmor = "other",
        .no_new_privs = true,
    };

    assert_int_equal(congo_exec_process(&p, c, NULL, &o, &err), 0);
    assert_string_equal(p->args[0], "sh");
    assert_int_equal(strv_length(p->args), 3);
    assert_false(p->terminal); /* only with -t */
    assert_string_equal(p->cwd, "/tmp");
    assert_int_equal(p->user.uid, 0);
    assert_int_equal(p->user.gid, 0);
    assert_int_equal(p->user.n_additional_gids, 2);
    assert_int_equal(p->user.additional_gids[1], 7);
    assert_true(strv_has(p->env, "FOO=flag"));
    assert_false(strv_has(p->env, "FOO=config"));
    assert_true(strv_has(p->env, "NEW=1"));
    assert_true(strv_has(p->env, "TERM=xterm"));
    assert_true(strv_has(p->capabilities->bounding, "CAP_KILL"));
    assert_true(strv_has(p->capabilities->bounding, "CAP_NET_RAW"));
    assert_true(strv_has(p->capabilities->effective, "CAP_SYS_ADMIN"));
    assert_true(strv_has(p->capabilities->permitted, "CAP_SYS_ADMIN"));
    /* No inheritable set in the container's: --cap adds no ambient. */
    assert_null(p->capabilities->inheritable);
    assert_null(p->capabilities->ambient);
    assert_string_equal(p->apparmor_profile, "other");
    assert_string_equal(p->selinux_label, "lab");
    assert_int_equal(p->n_rlimits, 1);
    assert_true(p->no_new_privileges);
    assert_int_equal(p->user.umask.value, 18);
    oci_process_free(p);
    oci_config_free(c);

    /* -t asks for the terminal; --user UID keeps the container's gid. */
    c = load_config();
    o = (struct congo_exec_opts){ .args = (char *[]){ "true", NULL }, .tty = true, .user = "5" };
    assert_int_equal(congo_exec_process(&p, c, NULL, &o, &err), 0);
    assert_true(p->terminal);
    assert_int_equal(p->user.uid, 5);
    assert_int_equal(p->user.gid, 1000);
    oci_process_free(p);
    oci_config_free(c);

    /* --cap with an inheritable set in the container's: ambient too. */
    c = load_config();
    c->process->capabilities->inheritable = strv_dup((char *[]){ "CAP_KILL", NULL });
    o = (struct congo_exec_opts){ .args = (char *[]){ "true", NULL }, .caps = (char *[]){ "CAP_CHOWN", NULL } };
    assert_int_equal(congo_exec_process(&p, c, NULL, &o, &err), 0);
    assert_true(strv_has(p->capabilities->ambient, "CAP_CHOWN"));
    assert_false(strv_has(p->capabilities->inheritable, "CAP_CHOWN"));
    oci_process_free(p);
    oci_config_free(c);
}

/* --process: what the document leaves unset comes from the container. */
static void process_from_file(void **state)
{
    oci_config *c = load_config();
    oci_process *p = NULL, *f;
    congo_error err = CONGO_ERROR_INIT;
    struct congo_exec_opts o = { .process_file = "p.json" };

    f = parse_process("{\"args\": [\"ls\"], \"cwd\": \"/\", \"env\": [\"A=1\"], \"user\": {\"uid\": 3, \"gid\": 4}}");
    assert_int_equal(congo_exec_process(&p, c, f, &o, &err), 0);
    assert_string_equal(p->args[0], "ls");
    assert_int_equal(p->user.uid, 3);
    assert_int_equal(p->user.n_additional_gids, 0);
    assert_int_equal(strv_length(p->env), 1);
    assert_false(p->terminal);
    /* From the container. */
    assert_true(strv_has(p->capabilities->bounding, "CAP_KILL"));
    assert_int_equal(p->n_rlimits, 1);
    assert_string_equal(p->apparmor_profile, "prof");
    assert_string_equal(p->selinux_label, "lab");
    assert_true(p->user.umask.set);
    assert_int_equal(p->oom_score_adj.value, 100);
    /* ... but not noNewPrivileges: the document's (absent = false), as runc. */
    assert_false(p->no_new_privileges);
    oci_process_free(p);
    oci_config_free(c);

    /* The document's own values win; --tty and the flags still apply. */
    c = load_config();
    f = parse_process("{\"args\": [\"ls\"], \"cwd\": \"/\", \"capabilities\": {\"bounding\": [\"CAP_CHOWN\"]},"
                      " \"rlimits\": [], \"apparmorProfile\": \"mine\", \"user\": {\"uid\": 0, \"gid\": 0, \"umask\": 0}}");
    o = (struct congo_exec_opts){ .process_file = "p.json", .tty = true, .env = (char *[]){ "X=1", NULL } };
    assert_int_equal(congo_exec_process(&p, c, f, &o, &err), 0);
    assert_true(p->terminal);
    assert_true(strv_has(p->env, "X=1"));
    assert_true(strv_has(p->capabilities->bounding, "CAP_CHOWN"));
    assert_false(strv_has(p->capabilities->bounding, "CAP_KILL"));
    assert_string_equal(p->apparmor_profile, "mine");
    assert_int_equal(p->user.umask.value, 0);
    oci_process_free(p);
    oci_config_free(c);
}

static void process_errors(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    oci_process *p = NULL;
    struct {
        struct congo_exec_opts o;
        const char *file_json; /* NULL: no --process */
        const char *expect;
    } cases[] = {
        { { .args = (char *[]){ NULL } }, NULL, "no COMMAND" },
        { { .args = (char *[]){ "true", NULL }, .cwd = "rel" }, NULL, "--cwd `rel`" },
        { { .args = (char *[]){ "true", NULL }, .caps = (char *[]){ "CAP_NOPE", NULL } }, NULL, "--cap `CAP_NOPE`" },
        { { .args = (char *[]){ "true", NULL }, .env = (char *[]){ "X", NULL } }, NULL, "--env `X`" },
        { { .args = (char *[]){ "true", NULL }, .user = "x" }, NULL, "--user `x`" },
        { { .args = (char *[]){ "true", NULL }, .additional_gids = (char *[]){ "-1", NULL } }, NULL,
          "--additional-gids `-1`" },
        { { .process_file = "p.json", .args = (char *[]){ "true", NULL } }, "{\"args\": [\"ls\"], \"cwd\": \"/\"}",
          "--process" },
        { { .process_file = "p.json" }, "{\"args\": [], \"cwd\": \"/\"}", "p.json: args" },
        { { .process_file = "p.json" }, "{\"args\": [\"ls\"], \"cwd\": \"x\"}", "p.json: cwd" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        oci_config *c = load_config();
        oci_process *f = cases[i].file_json ? parse_process(cases[i].file_json) : NULL;
        p = NULL;
        assert_true(congo_exec_process(&p, c, f, &cases[i].o, &err) < 0);
        assert_null(p);
        if (!strstr(err.msg, cases[i].expect))
            fail_msg("case %zu: `%s` does not contain `%s`", i, err.msg, cases[i].expect);
        congo_error_clear(&err);
        oci_config_free(c);
    }
}

static void self_exe_protection(void **state)
{
    char tmpl[] = "/tmp/congo-test-exe.XXXXXX";
    int fd = mkstemp(tmpl), mfd;
    assert_true(fd >= 0);
    /* A plain writable file is not protected... */
    assert_false(congo_self_exe_is_protected(fd));
    close(fd);
    unlink(tmpl);
    /* ... a memfd sealed against writes is. */
    mfd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    assert_true(mfd >= 0);
    assert_int_equal(write(mfd, "x", 1), 1);
    assert_false(congo_self_exe_is_protected(mfd));
    assert_int_equal(fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE), 0);
    assert_true(congo_self_exe_is_protected(mfd));
    close(mfd);
}


/* Run the stub in a child: stdout into out (NUL-terminated), the report fd's
 * content into rep; returns the wait status. */
static int report_fd_used;

static unsigned long report_ino;

static int run_stub(int stub, const char *path, char *const argv[], char *const envp[], char *out, size_t outsz,
                    char *rep, size_t *replen)
{
    int po[2], pr[2], status;
    pid_t pid;
    ssize_t n;
    size_t k = 0;

    assert_int_equal(pipe2(po, O_CLOEXEC), 0);
    assert_int_equal(pipe2(pr, O_CLOEXEC), 0);
    report_fd_used = pr[1];
    {
        struct stat st;
        assert_int_equal(fstat(pr[1], &st), 0);
        report_ino = (unsigned long) st.st_ino;
    }
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        congo_error err = CONGO_ERROR_INIT;
        dup2(po[1], 1);
        congo_exec_via_stub(stub, pr[1], path, argv, envp, &err);
        _exit(99);
    }
    close(po[1]);
    close(pr[1]);
    while (k + 1 < outsz && (n = read(po[0], out + k, outsz - 1 - k)) > 0)
        k += (size_t) n;
    out[k] = '\0';
    n = read(pr[0], rep, 16);
    *replen = n > 0 ? (size_t) n : 0;
    close(po[0]);
    close(pr[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void exec_stub(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    char out[512], rep[16];
    size_t replen;
    int fd, status, e;

#if defined(__x86_64__) || defined(__aarch64__)
    assert_true(congo_exec_stub_available());
#endif
    if (!congo_exec_stub_available())
        skip();
    assert_int_equal(congo_exec_stub_fd(&fd, &err), 0);
    /* Sealed: nobody writes it, congo_self_exe_is_protected() says so. */
    assert_true(congo_self_exe_is_protected(fd));
    assert_int_equal(pwrite(fd, "x", 1, 0), -1);
    assert_int_equal(errno, EPERM);

    /* It execs the program with its argv and environment, and nothing of the
     * report fd stays open in it; /proc/self/exe is the program's. */
    status = run_stub(fd, "/bin/sh",
                      (char *[]){ "my-sh", "-c", "echo $0 $X; readlink /proc/$$/exe; for f in /proc/$$/fd/*; do readlink $f; done; true", "one",
                                  NULL },
                      (char *[]){ "X=env-ok", "PATH=/bin:/usr/bin", NULL }, out, sizeof out, rep, &replen);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(replen, 0);
    assert_non_null(strstr(out, "one env-ok\n"));
    assert_non_null(strstr(out, "sh\n"));
    assert_null(strstr(out, "memfd"));
    {
        /* Neither the report fd nor the stub's reach the program (by what
         * they are: the shell's own fds take whatever numbers are free). */
        char pipe_name[64];
        snprintf(pipe_name, sizeof pipe_name, "pipe:[%lu]", report_ino);
        if (strstr(out, pipe_name))
            fail_msg("the report pipe reached the program: %s", out);
    }

    /* A failed execve: 'X' and the errno on the report fd, 127 for ENOENT. */
    status = run_stub(fd, "/nonexistent", (char *[]){ "x", NULL }, (char *[]){ NULL }, out, sizeof out, rep, &replen);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 127);
    assert_int_equal(replen, 1 + sizeof e);
    assert_int_equal(rep[0], 'X');
    memcpy(&e, rep + 1, sizeof e);
    assert_int_equal(e, ENOENT);
    status = run_stub(fd, "/etc/passwd", (char *[]){ "x", NULL }, (char *[]){ NULL }, out, sizeof out, rep, &replen);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 126);
    memcpy(&e, rep + 1, sizeof e);
    assert_int_equal(e, EACCES);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(env_merge),
        cmocka_unit_test(parse_user),
        cmocka_unit_test(parse_cgroups),
        cmocka_unit_test(process_from_config_and_flags),
        cmocka_unit_test(process_from_file),
        cmocka_unit_test(process_errors),
        cmocka_unit_test(self_exe_protection),
        cmocka_unit_test(exec_stub),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
