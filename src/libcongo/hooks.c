/* OCI hooks: posix_spawn() (a vfork under glibc: no page-table copy of
 * congo) with the state JSON on stdin and stdout/stderr captured.
 *
 * stdin, stdout and stderr are memfds rather than pipes: the hook never
 * blocks on a pipe congo is not draining, a hook that does not read its stdin
 * cannot hit congo with SIGPIPE, and a daemon the hook leaves behind holding
 * its stdout cannot keep congo waiting for EOF. */
#include "config.h"

#include "hooks.h"
#include "log.h"
#include "signals.h"
#include "utils.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How much of the hook's stderr (or stdout) goes into an error message. */
#define HOOK_OUTPUT_TAIL 1024

static int make_memfd(const char *name, congo_error *err)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return congo_error_errno(err, "memfd_create");
    return fd;
}

/* The last HOOK_OUTPUT_TAIL bytes of a captured stream, printable, trimmed;
 * NULL when empty. */
static char *output_tail(int fd)
{
    struct stat st;
    char *buf;
    off_t off = 0;
    size_t len;
    ssize_t n;
    bool cut;

    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0)
        return NULL;
    cut = st.st_size > HOOK_OUTPUT_TAIL;
    if (cut)
        off = st.st_size - HOOK_OUTPUT_TAIL;
    len = (size_t) (st.st_size - off);
    buf = xmalloc(len + 4);
    n = pread(fd, buf + (cut ? 3 : 0), len, off);
    if (n <= 0) {
        free(buf);
        return NULL;
    }
    len = (size_t) n + (cut ? 3 : 0);
    if (cut)
        memcpy(buf, "...", 3);
    for (size_t i = cut ? 3 : 0; i < len; i++)
        if ((unsigned char) buf[i] < 0x20 && buf[i] != '\n' && buf[i] != '\t')
            buf[i] = '?';
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' ' || buf[len - 1] == '\t' || buf[len - 1] == '\r'))
        len--;
    buf[len] = '\0';
    if (len == 0 || (cut && len == 3)) {
        free(buf);
        return NULL;
    }
    return buf;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for pid up to timeout_ms (-1: forever).  Returns 1 with *status when
 * it exited, 0 on timeout, negative errno on failure. */
static int wait_child(pid_t pid, long long timeout_ms, int *status)
{
    _cleanup_close_ int pidfd = -1;
    long long deadline;
    pid_t w;

    if (timeout_ms >= 0) {
        deadline = now_ms() + timeout_ms;
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        for (;;) {
            long long left = deadline - now_ms();
            w = waitpid(pid, status, WNOHANG);
            if (w == pid)
                return 1;
            if (w < 0 && errno != EINTR)
                return -errno;
            if (left <= 0)
                return 0;
            if (pidfd >= 0) {
                struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
                if (poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int) left) < 0 && errno != EINTR)
                    return -errno;
            } else {
                /* No pidfd (kernel < 5.3): poll the child every 10 ms. */
                struct timespec ts = { 0, 10 * 1000 * 1000 };
                nanosleep(&ts, NULL);
            }
        }
    }
    do
        w = waitpid(pid, status, 0);
    while (w < 0 && errno == EINTR);
    return w == pid ? 1 : -errno;
}

static int run_hook(const oci_hook *h, const char *state_json, const char *cwd, congo_error *err)
{
    _cleanup_close_ int in_fd = -1, out_fd = -1, err_fd = -1;
    _cleanup_free_ char *tail = NULL;
    char *default_args[2] = { h->path, NULL };
    char *empty_env[1] = { NULL };
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    pid_t pid;
    int r, status = 0;
    long long timeout_ms = h->timeout.set && h->timeout.value > 0 ? h->timeout.value * 1000 : -1;

    if (!h->path || h->path[0] != '/')
        return congo_error_set(err, EINVAL, "path must be absolute");
    if ((in_fd = make_memfd("congo-hook-state", err)) < 0 || (out_fd = make_memfd("congo-hook-stdout", err)) < 0 ||
        (err_fd = make_memfd("congo-hook-stderr", err)) < 0)
        return in_fd < 0 ? in_fd : (out_fd < 0 ? out_fd : err_fd);
    if (state_json && write_all(in_fd, state_json, strlen(state_json)) < 0)
        return congo_error_errno(err, "write the state for the hook");
    if (lseek(in_fd, 0, SEEK_SET) < 0)
        return congo_error_errno(err, "lseek");

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    /* Nothing of congo's leaks into the hook, close-on-exec or not. */
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    if (cwd)
        posix_spawn_file_actions_addchdir_np(&fa, cwd);
    posix_spawnattr_init(&attr);
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    /* Its own process group, so that a timeout also kills what it started. */
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    r = posix_spawn(&pid, h->path, &fa, &attr, h->args && h->args[0] ? h->args : default_args,
                    h->env ? h->env : empty_env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (r != 0)
        return cwd ? congo_error_set(err, r, "exec in `%s`", cwd) : congo_error_set(err, r, "exec");

    r = wait_child(pid, timeout_ms, &status);
    if (r <= 0) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (r < 0)
            return congo_error_set(err, -r, "wait for the hook");
        tail = output_tail(err_fd);
        congo_error_set(err, 0, "timed out after %lld s%s%s", (long long) h->timeout.value, tail ? ": " : "",
                        tail ? tail : "");
        return -ETIMEDOUT;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    tail = output_tail(err_fd);
    if (!tail)
        tail = output_tail(out_fd);
    if (WIFEXITED(status))
        return congo_error_set(err, 0, "exited with status %d%s%s", WEXITSTATUS(status), tail ? ": " : "",
                               tail ? tail : "");
    if (WIFSIGNALED(status)) {
        const char *name = congo_signal_name(WTERMSIG(status));
        return congo_error_set(err, 0, "killed by signal %d (%s)%s%s", WTERMSIG(status), name ? name : "?",
                               tail ? ": " : "", tail ? tail : "");
    }
    return congo_error_set(err, 0, "ended with wait status %#x", status);
}

int congo_hooks_run_in(const oci_hook *hooks, size_t n, const char *kind, const char *state_json, const char *cwd,
                       congo_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int r = run_hook(&hooks[i], state_json, cwd, err);
        if (r < 0)
            return congo_error_wrap(err, r, "%s hook #%zu (%s)", kind, i, hooks[i].path ? hooks[i].path : "?");
    }
    return 0;
}

int congo_hooks_run(const oci_hook *hooks, size_t n, const char *kind, const char *state_json, congo_error *err)
{
    return congo_hooks_run_in(hooks, n, kind, state_json, NULL, err);
}

size_t congo_hooks_run_warn(const oci_hook *hooks, size_t n, const char *kind, const char *state_json)
{
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        congo_error err = CONGO_ERROR_INIT;
        int r = run_hook(&hooks[i], state_json, NULL, &err);
        if (r < 0) {
            congo_error_wrap(&err, r, "%s hook #%zu (%s)", kind, i, hooks[i].path ? hooks[i].path : "?");
            _cleanup_free_ char *t = congo_error_text(&err);
            congo_warning("%s", t);
            failed++;
        }
        congo_error_clear(&err);
    }
    return failed;
}
