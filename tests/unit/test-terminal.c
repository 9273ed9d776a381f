/* Unit tests for terminals: the console socket protocol, the pty set-up in
 * a private mount namespace with its own devpts (as a container's /dev), and
 * the foreground proxy against a real pty. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "libcongo/terminal.h"
#include "libcongo/utils.h"

/* Everything the master gives until the slave side is gone. */
static char *read_master(int master)
{
    size_t len = 0;
    char *buf = xzalloc(65536);
    for (;;) {
        ssize_t n = read(master, buf + len, 65535 - len);
        if (n > 0) {
            len += (size_t) n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        break; /* EIO: slave closed */
    }
    buf[len] = '\0';
    return buf;
}

static int wait_status(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define CHILD_FAIL(...)                                                                                               \
    do {                                                                                                              \
        dprintf(2, __VA_ARGS__);                                                                                      \
        _exit(1);                                                                                                     \
    } while (0)

static void setup_in_a_container_dev(void **state)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        congo_error err = CONGO_ERROR_INIT;
        struct stat con, in;
        struct winsize ws;
        close(sv[0]);
        /* A container's /dev: tmpfs, a new devpts instance, /dev/ptmx -> pts/ptmx, no console. */
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=755") < 0 || mkdir("/dev/pts", 0755) < 0 ||
            mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0 ||
            symlink("pts/ptmx", "/dev/ptmx") < 0)
            CHILD_FAIL("container /dev: %m\n");
        oci_process p = { .terminal = true, .console_height = { true, 24 }, .console_width = { true, 100 } };
        if (congo_terminal_setup(sv[1], &p, &err) < 0)
            CHILD_FAIL("setup: %s\n", congo_error_text(&err));
        /* From here stdout/stderr are the pty: the parent reads them. */
        if (!isatty(0) || !isatty(1) || !isatty(2))
            CHILD_FAIL("stdio is not the tty\n");
        if (stat("/dev/console", &con) < 0 || fstat(0, &in) < 0 || con.st_rdev != in.st_rdev)
            CHILD_FAIL("/dev/console is not the pty slave\n");
        if (getsid(0) != getpid() || tcgetsid(0) != getpid())
            CHILD_FAIL("not the controlling terminal of a new session\n");
        if (ioctl(0, TIOCGWINSZ, &ws) < 0 || ws.ws_row != 24 || ws.ws_col != 100)
            CHILD_FAIL("size %ux%u\n", ws.ws_row, ws.ws_col);
        printf("ok %s\n", ttyname(0));
        fflush(stdout);
        _exit(0);
    }
    close(sv[1]);
    congo_error err = CONGO_ERROR_INIT;
    int master = -1;
    if (congo_terminal_recv_fd(&master, sv[0], &err) < 0)
        fail_msg("recv: %s", err.msg);
    close(sv[0]);
    assert_true(fcntl(master, F_GETFD) & FD_CLOEXEC);
    _cleanup_free_ char *out = read_master(master);
    close(master);
    assert_string_equal(out, "ok /dev/pts/0\r\n");
    assert_int_equal(wait_status(pid), 0);
}

static void exec_tty_without_console_bind(void **state)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        congo_error err = CONGO_ERROR_INIT;
        close(sv[0]);
        /* The host's /dev: no /dev/console bind may happen here. */
        if (congo_terminal_open(sv[1], NULL, false, &err) < 0)
            CHILD_FAIL("open: %s\n", congo_error_text(&err));
        if (fcntl(sv[1], F_GETFD) >= 0 || errno != EBADF)
            CHILD_FAIL("the socket was not closed\n");
        printf("%s\n", isatty(0) && tcgetsid(0) == getpid() ? "tty" : "no tty");
        fflush(stdout);
        _exit(0);
    }
    close(sv[1]);
    congo_error err = CONGO_ERROR_INIT;
    int master = -1;
    assert_int_equal(congo_terminal_recv_fd(&master, sv[0], &err), 0);
    close(sv[0]);
    _cleanup_free_ char *out = read_master(master);
    close(master);
    assert_string_equal(out, "tty\r\n");
    assert_int_equal(wait_status(pid), 0);
}

static void recv_fd_errors(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    int sv[2], fd = -1;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    close(sv[1]);
    assert_true(congo_terminal_recv_fd(&fd, sv[0], &err) < 0);
    assert_string_equal(err.msg, "receive the terminal: the other end closed without sending it");
    congo_error_clear(&err);
    close(sv[0]);

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(write(sv[1], "x", 1), 1);
    assert_true(congo_terminal_recv_fd(&fd, sv[0], &err) < 0);
    assert_string_equal(err.msg, "receive the terminal: expected one file descriptor, got 0");
    congo_error_clear(&err);
    assert_int_equal(fd, -1);
    close(sv[0]);
    close(sv[1]);
}

static void connect_long_socket_path(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    char base[] = "/tmp/congo-unit-term.XXXXXX";
    assert_non_null(mkdtemp(base));
    _cleanup_free_ char *deep = xasprintf("%s/%0100d/%0100d", base, 1, 2);
    assert_int_equal(mkdir_p_at(AT_FDCWD, deep, 0755, &err), 0);
    _cleanup_free_ char *path = xasprintf("%s/console.sock", deep);
    assert_true(strlen(path) > sizeof(((struct sockaddr_un *) 0)->sun_path));

    /* Listen there, reaching the directory through /proc/self/fd too. */
    int dfd = open(deep, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/console.sock", dfd);
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_int_equal(bind(l, (struct sockaddr *) &addr, sizeof addr), 0);
    assert_int_equal(listen(l, 1), 0);
    close(dfd);

    int c = -1;
    if (congo_console_socket_connect(&c, path, &err) < 0)
        fail_msg("connect: %s", err.msg);
    int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    assert_true(a >= 0);
    /* Carry an fd across it as the console protocol does. */
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u = { 0 };
    struct iovec iov = { .iov_base = "/dev/ptmx", .iov_len = 9 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &p[1], sizeof(int));
    assert_int_equal(sendmsg(c, &msg, 0), 9);
    int got = -1;
    assert_int_equal(congo_terminal_recv_fd(&got, a, &err), 0);
    assert_int_equal(write(got, "z", 1), 1);
    char ch = 0;
    assert_int_equal(read(p[0], &ch, 1), 1);
    assert_int_equal(ch, 'z');
    close(got);
    close(p[0]);
    close(p[1]);
    close(a);
    close(c);
    close(l);

    _cleanup_free_ char *missing = xasprintf("%s/nope.sock", base);
    assert_true(congo_console_socket_connect(&c, missing, &err) < 0);
    _cleanup_free_ char *t = congo_error_text(&err), *want = xasprintf("connect to console socket `%s`: No such file or directory", missing);
    assert_string_equal(t, want);
    congo_error_clear(&err);
    assert_int_equal(rm_rf_at(AT_FDCWD, base, &err), 0);
}

/* A "container" on a fresh pty running sh -c SCRIPT; returns the master. */
static int start_on_pty(const char *script, pid_t *pid)
{
    int master, slave;
    assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
    *pid = fork();
    assert_true(*pid >= 0);
    if (*pid == 0) {
        close(master);
        setsid();
        ioctl(slave, TIOCSCTTY, 0);
        dup2(slave, 0);
        dup2(slave, 1);
        dup2(slave, 2);
        if (slave > 2)
            close(slave);
        execl("/bin/sh", "sh", "-c", script, (char *) NULL);
        _exit(127);
    }
    close(slave);
    fcntl(master, F_SETFD, FD_CLOEXEC);
    return master;
}

/* Run congo_terminal_proxy(master) in a child whose stdin gets `input` (then
 * EOF) and whose stdout is captured; returns the output. */
static char *proxy_with_input(int master, const char *input)
{
    int in[2];
    int out = memfd_create("proxy-out", MFD_CLOEXEC);
    assert_int_equal(pipe2(in, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        congo_error err = CONGO_ERROR_INIT;
        close(in[1]);
        dup2(in[0], 0);
        dup2(out, 1);
        alarm(10);
        _exit(congo_terminal_proxy(master, &err) < 0 ? 1 : 0);
    }
    close(in[0]);
    close(master);
    assert_int_equal(write_all(in[1], input, strlen(input)), 0);
    close(in[1]);
    assert_int_equal(wait_status(pid), 0);
    char *buf = xzalloc(65536);
    assert_true(pread(out, buf, 65535, 0) >= 0);
    close(out);
    return buf;
}

static void proxy_copies_both_ways(void **state)
{
    pid_t c;
    int master = start_on_pty("read line; echo \"got:$line\"", &c);
    _cleanup_free_ char *out = proxy_with_input(master, "hello\n");
    assert_non_null(strstr(out, "got:hello\r\n"));
    assert_int_equal(wait_status(c), 0);
}

static void proxy_passes_stdin_eof(void **state)
{
    pid_t c;
    /* cat ends only when it sees end of file on the terminal. */
    int master = start_on_pty("cat; echo done", &c);
    _cleanup_free_ char *out = proxy_with_input(master, "abc");
    /* The terminal echoes "abc", then cat copies it and ends: the line was
     * pushed by one VEOF and the end of file sent by a second. */
    assert_string_equal(out, "abcabcdone\r\n");
    assert_int_equal(wait_status(c), 0);
}

static void proxy_passes_stdin_eof_to_a_line_editor(void **state)
{
    pid_t c;
    /* Non-canonical, as busybox ash and readline set it while editing a line:
     * the end of our stdin still arrives, as the ^D a user would type. */
    int master = start_on_pty("c=$(dd bs=1 count=1 2>/dev/null | od -An -tx1); echo \"[$c]\"", &c);
    struct termios t;
    /* Set before the proxy runs (on the master: the pty's settings). */
    assert_int_equal(tcgetattr(master, &t), 0);
    t.c_lflag &= ~(tcflag_t) (ICANON | ECHO);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    assert_int_equal(tcsetattr(master, TCSANOW, &t), 0);
    _cleanup_free_ char *out = proxy_with_input(master, "");
    assert_string_equal(out, "[ 04]\r\n");
    assert_int_equal(wait_status(c), 0);
}

static void proxy_large_output(void **state)
{
    pid_t c;
    int master = start_on_pty("i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done", &c);
    _cleanup_free_ char *out = proxy_with_input(master, "");
    assert_non_null(strstr(out, "line-0\r\n"));
    assert_non_null(strstr(out, "line-2999\r\n"));
    assert_int_equal(wait_status(c), 0);
}


/* Read from fd until `want` shows up (5 s at most); returns what was read. */
static char *read_until(int fd, const char *want)
{
    char *buf = xzalloc(65536);
    size_t len = 0;
    for (int i = 0; i < 500 && !strstr(buf, want); i++) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        if (poll(&pfd, 1, 10) == 1) {
            ssize_t n = read(fd, buf + len, 65535 - len);
            if (n > 0)
                len += (size_t) n;
        }
    }
    return buf;
}

struct proxy_arg {
    int master, r;
};

static void *proxy_thread(void *data)
{
    struct proxy_arg *a = data;
    congo_error err = CONGO_ERROR_INIT;
    sigset_t winch;
    /* Blocked in the proxy thread, as a caller might have it. */
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    pthread_sigmask(SIG_BLOCK, &winch, NULL);
    a->r = congo_terminal_proxy(a->master, &err);
    return NULL;
}

static void proxy_on_a_user_tty(void **state)
{
    int um, us;
    struct winsize ws = { .ws_row = 50, .ws_col = 200 };
    struct termios before, during, after;
    pid_t c;
    /* The "user's terminal": us is the proxy's stdin and stdout. */
    assert_int_equal(openpty(&um, &us, NULL, NULL, &ws), 0);
    fcntl(um, F_SETFD, FD_CLOEXEC);
    fcntl(us, F_SETFD, FD_CLOEXEC);
    assert_int_equal(tcgetattr(us, &before), 0);
    assert_true(before.c_lflag & ICANON);
    /* The second size is printed on SIGWINCH alone: no input wakes the proxy. */
    int master = start_on_pty("read a; trap 'stty size; exit 0' WINCH; stty size; while :; do sleep 0.05; done", &c);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* As `congo run`: the proxy in a thread of its own, the main thread
         * (SIGWINCH unblocked) waiting; the kernel gives it the signal. */
        pthread_t th;
        struct proxy_arg a = { master, -1 };
        close(um);
        dup2(us, 0);
        dup2(us, 1);
        alarm(10);
        if (pthread_create(&th, NULL, proxy_thread, &a) != 0)
            _exit(2);
        pthread_join(th, NULL);
        _exit(a.r < 0 ? 1 : 0);
    }
    close(master);
    /* Raw mode on the user's terminal while the proxy runs. */
    for (int i = 0; i < 500; i++) {
        assert_int_equal(tcgetattr(us, &during), 0);
        if (!(during.c_lflag & ICANON))
            break;
        usleep(10000);
    }
    assert_false(during.c_lflag & (ICANON | ECHO | ISIG));
    /* The size of the user's terminal is the container's from the start. */
    assert_int_equal(write(um, "go\r", 3), 3);
    _cleanup_free_ char *o1 = read_until(um, "50 200");
    assert_non_null(strstr(o1, "50 200"));
    /* A resize reaches the container with SIGWINCH. */
    ws.ws_row = 60;
    ws.ws_col = 100;
    assert_int_equal(ioctl(um, TIOCSWINSZ, &ws), 0);
    kill(pid, SIGWINCH);
    _cleanup_free_ char *o2 = read_until(um, "60 100");
    assert_non_null(strstr(o2, "60 100"));
    assert_int_equal(wait_status(pid), 0);
    assert_int_equal(wait_status(c), 0);
    /* Restored afterwards. */
    assert_int_equal(tcgetattr(us, &after), 0);
    assert_int_equal(after.c_lflag, before.c_lflag);
    assert_int_equal(after.c_iflag, before.c_iflag);
    assert_int_equal(after.c_oflag, before.c_oflag);
    close(um);
    close(us);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(setup_in_a_container_dev),
        cmocka_unit_test(exec_tty_without_console_bind),
        cmocka_unit_test(recv_fd_errors),
        cmocka_unit_test(connect_long_socket_path),
        cmocka_unit_test(proxy_copies_both_ways),
        cmocka_unit_test(proxy_passes_stdin_eof),
        cmocka_unit_test(proxy_passes_stdin_eof_to_a_line_editor),
        cmocka_unit_test(proxy_large_output),
        cmocka_unit_test(proxy_on_a_user_tty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
