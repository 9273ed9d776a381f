/* The default network of a user other than root: pasta (Debian package
 * passt), a user-mode network stack, see pasta.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "image/json.h"
#include "network/pasta.h"
#include "libcongo/utils.h"

/* How long one side waits for the other (the machine may be loaded). */
#define PASTA_WAIT_MS 120000

char *net_tool_find(const char *name)
{
    const char *path = getenv("PATH");
    _cleanup_free_ char *copy = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *p = xasprintf("%s/%s", d, name);
        if (access(p, X_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}

char *net_pasta_find(void)
{
    return net_tool_find("pasta");
}

/* Field 22 of /proc/PID/stat: the start time that makes PID this process. */
static unsigned long long start_time(pid_t pid)
{
    char path[64], buf[1024];
    unsigned long long t = 0;
    ssize_t n;
    int fd;
    snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    /* After the comm: state (field 3) ... starttime (field 22). */
    for (int field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    if (p)
        t = strtoull(p + 1, NULL, 10);
    return t;
}

static int record(int dfd, const char *file, pid_t pid, congo_error *err)
{
    _cleanup_free_ char *text = xasprintf("%d %llu\n", (int) pid, start_time(pid));
    return write_file_replace_at(dfd, file, text, strlen(text), 0644, err);
}

/* End the process a record names, if it is still that process. */
static void stop_recorded(int dfd, const char *file)
{
    _cleanup_free_ char *text = NULL;
    int pid = 0;
    unsigned long long st = 0;
    if (read_file_at(dfd, file, 256, &text, NULL, NULL) < 0)
        return;
    if (sscanf(text, "%d %llu", &pid, &st) == 2 && pid > 1 && st != 0 && start_time(pid) == st) {
        kill(pid, SIGTERM);
        for (int i = 0; i < 200 && start_time(pid) == st; i++) {
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
        if (start_time(pid) == st)
            kill(pid, SIGKILL);
    }
    unlinkat(dfd, file, 0);
}

static const char *basename_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int open_dir(const char *dir, congo_error *err)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return congo_error_errno(err, "open `%s`", dir);
    return dfd;
}

static void reply(int dfd, const char *msg)
{
    int fd = openat(dfd, "pasta.ack", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    if (write(fd, msg, strlen(msg)) < 0) {
        /* the container side is gone: nothing to tell */
    }
    close(fd);
}

/* pasta's output as one line: without its complaints that there is no
 * syslog, lines joined with "; ". */
static void tidy_messages(char *msg)
{
    _cleanup_free_ char *copy = xstrdup(msg);
    char *save = NULL;
    size_t len = 0, cap = strlen(msg) + 1;
    msg[0] = '\0';
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (strstr(l, "to syslog") || !*l)
            continue;
        len += snprintf(msg + len, cap > len ? cap - len : 0, "%s%s", len ? "; " : "", l);
    }
    if (!msg[0])
        snprintf(msg, cap, "failed");
}

/* Run pasta for the namespaces of process `hp` (the createContainer hook,
 * inside them); its messages in `msg` on failure. */
static int run_pasta(int dfd, const char *dir, const char *pasta, pid_t hp, char *msg, size_t msglen)
{
    _cleanup_free_ char *args = NULL, *pidfile = xasprintf("%s/pasta.pid", dir),
                        *netns = xasprintf("/proc/%d/ns/net", (int) hp),
                        *userns = xasprintf("/proc/%d/ns/user", (int) hp), *pidtext = NULL;
    char *argv[64];
    size_t n = 0, len = 0;
    int pfd[2], status;
    pid_t child;

    if (!pasta) {
        snprintf(msg, msglen, "no `netstack` file names it");
        return -1;
    }
    argv[n++] = "pasta";
    argv[n++] = "--config-net";
    argv[n++] = "--quiet";
    argv[n++] = "--pid";
    argv[n++] = pidfile;
    argv[n++] = "--userns";
    argv[n++] = userns;
    argv[n++] = "--netns";
    argv[n++] = netns;
    argv[n++] = "--no-netns-quit";
    /* Nothing of the host's loopback for the container (as podman). */
    argv[n++] = "--no-map-gw";
    argv[n++] = "-T";
    argv[n++] = "none";
    argv[n++] = "-U";
    argv[n++] = "none";
    /* pasta.args: the port forwards (-t/-u SPEC), one word a line. */
    if (read_file_at(dfd, "pasta.args", 1 << 16, &args, NULL, NULL) == 0) {
        char *save = NULL;
        for (char *w = strtok_r(args, "\n", &save); w && n < ARRAY_SIZE(argv) - 1; w = strtok_r(NULL, "\n", &save))
            argv[n++] = w;
    }
    argv[n] = NULL;
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        snprintf(msg, msglen, "pipe: %s", strerror(errno));
        return -1;
    }
    child = fork();
    if (child < 0) {
        snprintf(msg, msglen, "fork: %s", strerror(errno));
        return -1;
    }
    if (child == 0) {
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        /* pasta refuses to start with SIGPIPE already ignored (it checks
         * signal()'s previous handler as an error). */
        signal(SIGPIPE, SIG_DFL);
        execv(pasta, argv);
        _exit(127);
    }
    close(pfd[1]);
    for (ssize_t r; len < msglen - 1 && (r = read(pfd[0], msg + len, msglen - 1 - len)) != 0;)
        if (r > 0)
            len += r;
        else if (errno != EINTR)
            break;
    msg[len] = '\0';
    close(pfd[0]);
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (len == 0)
            snprintf(msg, msglen, "exited with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        tidy_messages(msg);
        return -1;
    }
    /* pasta went to the background once the namespace was set up. */
    if (read_file_at(dfd, "pasta.pid", 64, &pidtext, NULL, NULL) < 0 || atoi(pidtext) <= 1 ||
        record(dfd, "pasta.proc", atoi(pidtext), NULL) < 0) {
        snprintf(msg, msglen, "no pid in `%s`", pidfile);
        return -1;
    }
    return 0;
}

/* slirp4netns, when pasta is not installed: it stays in the foreground
 * (here: a child left to run when the waiter ends) and says on its ready fd
 * that the tap device is configured (10.0.2.100/24, gateway 10.0.2.2). */
static int run_slirp(int dfd, const char *tool, pid_t hp, char *msg, size_t msglen)
{
    _cleanup_free_ char *netns = xasprintf("/proc/%d/ns/net", (int) hp),
                        *userns = xasprintf("--userns-path=/proc/%d/ns/user", (int) hp);
    char *argv[] = { "slirp4netns", "--configure", "--mtu=65520", "--disable-host-loopback", "--netns-type=path",
                     userns, "--ready-fd=3", netns, "tap0", NULL };
    int rfd[2], status;
    char c;
    ssize_t n;
    pid_t child;

    if (pipe2(rfd, O_CLOEXEC) < 0) {
        snprintf(msg, msglen, "pipe: %s", strerror(errno));
        return -1;
    }
    child = fork();
    if (child < 0) {
        snprintf(msg, msglen, "fork: %s", strerror(errno));
        return -1;
    }
    if (child == 0) {
        dup2(rfd[1], 3); /* without O_CLOEXEC */
        signal(SIGPIPE, SIG_DFL);
        execv(tool, argv);
        _exit(127);
    }
    close(rfd[1]);
    while ((n = read(rfd[0], &c, 1)) < 0 && errno == EINTR)
        ;
    close(rfd[0]);
    if (n != 1) {
        kill(child, SIGKILL);
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
            ;
        snprintf(msg, msglen, "slirp4netns exited with status %d before the network was ready",
                 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return -1;
    }
    if (record(dfd, "slirp.proc", child, NULL) < 0) {
        kill(child, SIGKILL);
        snprintf(msg, msglen, "cannot record slirp4netns's pid");
        return -1;
    }
    return 0;
}

/* The waiter: until the createContainer hook names its pid (or the
 * container's init is gone, or the time is up). */
static void waiter(int dfd, const char *dir, int rfd, int pidfd)
{
    struct pollfd p[2] = { { rfd, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
    char buf[32], msg[1024];
    _cleanup_free_ char *tool = NULL;
    bool slirp;
    ssize_t n;
    if (rfd < 0)
        return;
    for (;;) {
        int r = poll(p, pidfd >= 0 ? 2 : 1, PASTA_WAIT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || (pidfd >= 0 && p[1].revents))
            return;
        break;
    }
    n = read(rfd, buf, sizeof buf - 1);
    if (n <= 0)
        return;
    buf[n] = '\0';
    if (atoi(buf) <= 1) {
        reply(dfd, "bad request");
        return;
    }
    if (read_file_at(dfd, "netstack", 4096, &tool, NULL, NULL) == 0)
        tool[strcspn(tool, "\n")] = '\0';
    slirp = tool && strcmp(basename_of(tool), "slirp4netns") == 0;
    if ((slirp ? run_slirp(dfd, tool, atoi(buf), msg, sizeof msg) : run_pasta(dfd, dir, tool, atoi(buf), msg, sizeof msg)) <
        0) {
        char *m = xasprintf("%s: %s", slirp ? "slirp4netns" : "pasta", msg);
        reply(dfd, m);
        free(m);
        return;
    }
    reply(dfd, "ok");
}

int net_pasta_start(const char *dir, const char *state_json, congo_error *err)
{
    _cleanup_close_ int dfd = -1;
    _cleanup_json_ yajl_val st = NULL;
    yajl_val pid;
    int pidfd, rfd, r;
    pid_t child;

    dfd = open_dir(dir, err);
    if (dfd < 0)
        return dfd;
    r = json_parse(&st, state_json, "the state on stdin", err);
    if (r < 0)
        return r;
    pid = json_get(st, "pid");
    if (!pid || !YAJL_IS_INTEGER(pid) || YAJL_GET_INTEGER(pid) <= 0)
        return congo_error_set(err, 0, "the state on stdin: `pid`: expected a process id");
    unlinkat(dfd, "pasta.req", 0);
    unlinkat(dfd, "pasta.ack", 0);
    if (mkfifoat(dfd, "pasta.req", 0600) < 0 || mkfifoat(dfd, "pasta.ack", 0600) < 0)
        return congo_error_errno(err, "mkfifo in `%s`", dir);
    /* Open before the hook returns: the createContainer hook finds a reader. */
    rfd = openat(dfd, "pasta.req", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (rfd < 0)
        return congo_error_errno(err, "open `%s/pasta.req`", dir);
    pidfd = (int) syscall(SYS_pidfd_open, (pid_t) YAJL_GET_INTEGER(pid), 0);
    child = fork();
    if (child < 0) {
        if (pidfd >= 0)
            close(pidfd);
        return congo_error_errno(err, "fork");
    }
    if (child == 0) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        setsid();
        /* The runtime waits for the hook's output to end: none of it here. */
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        signal(SIGPIPE, SIG_IGN);
        waiter(dfd, dir, rfd, pidfd);
        unlinkat(dfd, "pasta.req", 0);
        unlinkat(dfd, "waiter.proc", 0);
        _exit(0);
    }
    if (pidfd >= 0)
        close(pidfd);
    close(rfd);
    r = record(dfd, "waiter.proc", child, err);
    if (r < 0) {
        kill(child, SIGKILL);
        return r;
    }
    return 0;
}

int net_pasta_join(const char *dir, congo_error *err)
{
    _cleanup_close_ int dfd = -1, afd = -1, wfd = -1;
    char self[32], buf[1024];
    struct pollfd p;
    ssize_t n;

    dfd = open_dir(dir, err);
    if (dfd < 0)
        return dfd;
    /* The host's /proc (the container's is not mounted on / yet): our pid there. */
    n = readlink("/proc/self", self, sizeof self - 1);
    if (n <= 0)
        return congo_error_errno(err, "readlink /proc/self");
    self[n] = '\0';
    afd = openat(dfd, "pasta.ack", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (afd < 0)
        return congo_error_errno(err, "open `%s/pasta.ack`", dir);
    wfd = openat(dfd, "pasta.req", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (wfd < 0)
        return congo_error_errno(err, "open `%s/pasta.req` (the createRuntime hook's waiter is gone)", dir);
    strcat(self, "\n");
    if (write(wfd, self, strlen(self)) < 0)
        return congo_error_errno(err, "write `%s/pasta.req`", dir);
    p = (struct pollfd) { afd, POLLIN, 0 };
    for (;;) {
        int r = poll(&p, 1, PASTA_WAIT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return congo_error_set(err, ETIMEDOUT, "no answer from pasta's waiter in %d s", PASTA_WAIT_MS / 1000);
        if (r < 0)
            return congo_error_errno(err, "poll `%s/pasta.ack`", dir);
        break;
    }
    n = read(afd, buf, sizeof buf - 1);
    if (n <= 0)
        return congo_error_set(err, EIO, "pasta's waiter ended without an answer");
    buf[n] = '\0';
    if (strcmp(buf, "ok") != 0)
        return congo_error_set(err, EIO, "%s", buf);
    return 0;
}

int net_pasta_stop(const char *dir, congo_error *err)
{
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    (void) err;
    if (dfd < 0)
        return 0;
    stop_recorded(dfd, "waiter.proc");
    stop_recorded(dfd, "pasta.proc");
    stop_recorded(dfd, "slirp.proc");
    unlinkat(dfd, "pasta.pid", 0);
    unlinkat(dfd, "pasta.req", 0);
    unlinkat(dfd, "pasta.ack", 0);
    return 0;
}
