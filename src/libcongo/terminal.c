/* Terminals for process.terminal.
 *
 * The console socket protocol is runc's: the caller listens on a unix
 * SOCK_STREAM socket, the runtime connects and sends one message whose
 * payload is a short name and whose one SCM_RIGHTS control message carries
 * the pty master.  Nothing is read back. */
#include "config.h"

#include "terminal.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif

/* runc sends the master's file name; callers (conmon, containerd, recvtty)
 * do not interpret it. */
#define CONSOLE_PAYLOAD "/dev/ptmx"

int congo_console_socket_connect(int *out_fd, const char *path, congo_error *err)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    _cleanup_close_ int fd = -1, dirfd = -1;
    int r;

    if (!path || !*path)
        return congo_error_set(err, EINVAL, "console socket: empty path");
    if (strlen(path) < sizeof addr.sun_path) {
        strcpy(addr.sun_path, path);
    } else {
        /* sun_path holds 108 bytes: reach a long path through its directory's fd. */
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = NULL;
        if (!slash)
            return congo_error_set(err, ENAMETOOLONG, "connect to console socket `%s`", path);
        dir = slash == path ? xstrdup("/") : xstrndup(path, slash - path);
        dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
            return congo_error_errno(err, "connect to console socket `%s`: open `%s`", path, dir);
        r = snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd, slash + 1);
        if (r < 0 || (size_t) r >= sizeof addr.sun_path)
            return congo_error_set(err, ENAMETOOLONG, "connect to console socket `%s`", path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return congo_error_errno(err, "console socket: socket");
    do
        r = connect(fd, (struct sockaddr *) &addr, sizeof addr);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return congo_error_errno(err, "connect to console socket `%s`", path);
    *out_fd = steal_fd(&fd);
    return 0;
}

static int send_fd(int sock, int fd, const char *payload, congo_error *err)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = { .iov_base = (void *) payload, .iov_len = strlen(payload) };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    struct cmsghdr *c;
    ssize_t n;

    memset(&u, 0, sizeof u);
    c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    do
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return congo_error_errno(err, "send the terminal over the console socket");
    return 0;
}

int congo_terminal_recv_fd(int *out_fd, int sock, congo_error *err)
{
    char payload[4096];
    union {
        char buf[CMSG_SPACE(sizeof(int) * 8)];
        struct cmsghdr align;
    } u;
    struct iovec iov = { .iov_base = payload, .iov_len = sizeof payload };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    int fds[8], nfds = 0;
    ssize_t n;

    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return congo_error_errno(err, "receive the terminal");
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k && nfds < 8; i++)
            memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    if (nfds == 1 && !(msg.msg_flags & MSG_CTRUNC)) {
        *out_fd = fds[0];
        return 0;
    }
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    if (n == 0 && nfds == 0)
        return congo_error_set(err, EPIPE, "receive the terminal: the other end closed without sending it");
    return congo_error_set(err, EPROTO, "receive the terminal: expected one file descriptor, got %d%s", nfds,
                           msg.msg_flags & MSG_CTRUNC ? " (truncated)" : "");
}

static int openat2_path(int dirfd, const char *path, int flags, unsigned long long resolve)
{
    struct open_how how = { .flags = (unsigned long long) flags, .resolve = resolve };
    return (int) syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* Bind the pty slave onto /dev/console (created when missing).  /dev/console
 * must not be a symlink: a hostile rootfs would aim the bind elsewhere. */
static int bind_console(int slave, const char *slave_path, congo_error *err)
{
    _cleanup_close_ int console = -1, tree = -1;

    console = openat2_path(AT_FDCWD, "/dev/console", O_PATH | O_CLOEXEC, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    if (console < 0 && errno == ENOENT) {
        _cleanup_close_ int dev = openat2_path(AT_FDCWD, "/dev", O_PATH | O_DIRECTORY | O_CLOEXEC,
                                               RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if (dev < 0)
            return congo_error_errno(err, "open `/dev`");
        console = openat(dev, "console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0666);
        if (console < 0 && errno == EEXIST)
            console = openat2_path(dev, "console", O_PATH | O_CLOEXEC, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if (console < 0)
            return congo_error_errno(err, "create `/dev/console`");
    }
    if (console < 0) {
        if (errno == ELOOP)
            return congo_error_set(err, ELOOP, "`/dev/console` (or `/dev`) is a symlink; refusing to bind the "
                                   "terminal there");
        return congo_error_errno(err, "open `/dev/console`");
    }
    tree = (int) syscall(SYS_open_tree, slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (tree >= 0) {
        if (syscall(SYS_move_mount, tree, "", console, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            return congo_error_errno(err, "bind `%s` onto `/dev/console`", slave_path);
        return 0;
    }
    /* Kernels without the new mount API (< 5.2). */
    char target[64];
    snprintf(target, sizeof target, "/proc/self/fd/%d", console);
    if (mount(slave_path, target, NULL, MS_BIND, NULL) < 0)
        return congo_error_errno(err, "bind `%s` onto `/dev/console`", slave_path);
    return 0;
}

static int terminal_open(int sock, const oci_process *p, bool mount_console, congo_error *err)
{
    _cleanup_close_ int master = -1, slave = -1;
    char slave_path[64];
    unsigned int ptn = 0;
    int unlock = 0, r;

    master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return congo_error_errno(err, "open `/dev/ptmx`");
    if (ioctl(master, TIOCGPTN, &ptn) < 0)
        return congo_error_errno(err, "`/dev/ptmx` is not a pty multiplexer");
    snprintf(slave_path, sizeof slave_path, "/dev/pts/%u", ptn);
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
        return congo_error_errno(err, "unlock `%s`", slave_path);
    /* TIOCGPTPEER opens the peer of this very master, whatever /dev/pts is. */
    slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
        if (errno != EINVAL && errno != ENOTTY)
            return congo_error_errno(err, "open the peer of `/dev/ptmx`");
        slave = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
            return congo_error_errno(err, "open `%s`", slave_path);
    }
    if (p && (p->console_height.set || p->console_width.set)) {
        struct winsize ws = { 0 };
        ws.ws_row = (unsigned short) (p->console_height.value > USHRT_MAX ? USHRT_MAX : p->console_height.value);
        ws.ws_col = (unsigned short) (p->console_width.value > USHRT_MAX ? USHRT_MAX : p->console_width.value);
        if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
            return congo_error_errno(err, "process.consoleSize: set the terminal size");
    }
    if (mount_console) {
        r = bind_console(slave, slave_path, err);
        if (r < 0)
            return r;
    }
    r = send_fd(sock, master, CONSOLE_PAYLOAD, err);
    if (r < 0)
        return r;
    close(steal_fd(&master));

    /* A new session whose controlling terminal is the slave. */
    if (setsid() < 0 && getsid(0) != getpid())
        return congo_error_errno(err, "setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return congo_error_errno(err, "make `%s` the controlling terminal", slave_path);
    for (int fd = 0; fd <= 2; fd++)
        if (dup2(slave, fd) < 0)
            return congo_error_errno(err, "dup the terminal to fd %d", fd);
    if (slave <= 2)
        slave = -1; /* now one of the stdio fds (dup2 cleared close-on-exec) */
    return 0;
}

/* The socket is closed whatever happens: the caller forgets it once it is handed over. */
int congo_terminal_open(int sock, const oci_process *p, bool mount_console, congo_error *err)
{
    int r = terminal_open(sock, p, mount_console, err);
    if (sock >= 0)
        close(sock);
    return r;
}

int congo_terminal_setup(int sock, const oci_process *p, congo_error *err)
{
    return congo_terminal_open(sock, p, true, err);
}

/* ---- foreground proxy -------------------------------------------------- */

/* SIGWINCH may be delivered to any thread of congo (`run` proxies in a
 * thread of its own): the handler writes to a pipe the proxy polls. */
static volatile int winch_pipe_w = -1;

static void on_winch(int sig)
{
    int saved = errno;
    if (winch_pipe_w >= 0)
        (void) !write(winch_pipe_w, "w", 1);
    errno = saved;
}

static void copy_winsize(int from, int to)
{
    struct winsize ws;
    if (from >= 0 && ioctl(from, TIOCGWINSZ, &ws) == 0 && (ws.ws_row || ws.ws_col))
        (void) ioctl(to, TIOCSWINSZ, &ws);
}

void congo_terminal_resize(int master)
{
    copy_winsize(isatty(0) ? 0 : (isatty(1) ? 1 : -1), master);
}

int congo_terminal_proxy(int master, congo_error *err)
{
    struct termios saved, raw;
    bool restore_tty = false, stdin_open = true, out_ok = true, last_nl = true;
    int tty = isatty(0) ? 0 : (isatty(1) ? 1 : -1);
    int master_flags, pending_eof = 0, ret = 0;
    struct sigaction sa = { .sa_handler = on_winch, .sa_flags = SA_RESTART }, old_winch,
                     ign = { .sa_handler = SIG_IGN }, old_pipe;
    sigset_t winch, old_mask;
    int wp[2];
    char inbuf[8192], outbuf[16384];
    size_t in_len = 0, in_off = 0;

    if (pipe2(wp, O_CLOEXEC | O_NONBLOCK) < 0)
        return congo_error_errno(err, "terminal: pipe");
    master_flags = fcntl(master, F_GETFL);
    if (master_flags < 0 || fcntl(master, F_SETFL, master_flags | O_NONBLOCK) < 0) {
        ret = congo_error_errno(err, "terminal: set the master non-blocking");
        close(wp[0]);
        close(wp[1]);
        return ret;
    }

    if (isatty(0) && tcgetattr(0, &saved) == 0) {
        raw = saved;
        cfmakeraw(&raw);
        if (tcsetattr(0, TCSANOW, &raw) == 0)
            restore_tty = true;
    }
    copy_winsize(tty, master);

    winch_pipe_w = wp[1];
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, &old_winch);
    /* This thread at least can take it, whatever its caller blocked. */
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    pthread_sigmask(SIG_UNBLOCK, &winch, &old_mask);
    /* A closed stdout must not kill congo: keep draining the container. */
    sigaction(SIGPIPE, &ign, &old_pipe);

    for (;;) {
        struct pollfd fds[3];
        bool want_out = in_off < in_len || pending_eof > 0;

        fds[0].fd = stdin_open && !want_out ? 0 : -1;
        fds[0].events = POLLIN;
        fds[1].fd = master;
        fds[1].events = POLLIN | (want_out ? POLLOUT : 0);
        fds[2].fd = wp[0];
        fds[2].events = POLLIN;
        fds[0].revents = fds[1].revents = fds[2].revents = 0;
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            ret = congo_error_errno(err, "terminal: poll");
            break;
        }
        if (fds[2].revents) {
            char drain[64];
            while (read(wp[0], drain, sizeof drain) > 0)
                ;
            copy_winsize(tty, master);
        }
        if (fds[0].revents) {
            ssize_t n = read(0, inbuf, sizeof inbuf);
            if (n > 0) {
                in_len = (size_t) n;
                in_off = 0;
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                stdin_open = false;
                /* Our stdin ended: tell the container as a user would, with ^D
                 * (twice when a line is pending: the first only pushes it).  Also
                 * without ICANON: line editors (ash, readline) take ^D on an empty
                 * line as the end. */
                if (tty != 0)
                    pending_eof = last_nl ? 1 : 2;
            }
        }
        if (fds[1].revents & POLLOUT) {
            if (in_off < in_len) {
                ssize_t n = write(master, inbuf + in_off, in_len - in_off);
                if (n > 0) {
                    in_off += (size_t) n;
                    last_nl = inbuf[in_off - 1] == '\n' || inbuf[in_off - 1] == '\r';
                    if (in_off == in_len)
                        in_off = in_len = 0;
                } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                    in_off = in_len = 0;
                    stdin_open = false;
                    pending_eof = 0;
                }
            } else if (pending_eof > 0) {
                struct termios t;
                char eof = 4;
                /* In non-canonical mode the VEOF slot may hold VMIN: use ^D there. */
                if (tcgetattr(master, &t) == 0 && (t.c_lflag & ICANON) && t.c_cc[VEOF] != _POSIX_VDISABLE)
                    eof = (char) t.c_cc[VEOF];
                if (write(master, &eof, 1) == 1)
                    pending_eof--;
                else if (errno != EAGAIN && errno != EINTR)
                    pending_eof = 0;
            }
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(master, outbuf, sizeof outbuf);
            if (n > 0) {
                if (out_ok && write_all(1, outbuf, (size_t) n) < 0)
                    out_ok = false;
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                /* EIO: every slave fd is closed, the container's side is gone. */
                break;
            }
        }
    }

    if (restore_tty)
        tcsetattr(0, TCSANOW, &saved);
    sigaction(SIGPIPE, &old_pipe, NULL);
    sigaction(SIGWINCH, &old_winch, NULL);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    winch_pipe_w = -1;
    close(wp[0]);
    close(wp[1]);
    fcntl(master, F_SETFL, master_flags);
    return ret;
}
