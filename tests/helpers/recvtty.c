/* recvtty: the other end of a console socket, for tests (like runc's).
 *
 *   recvtty [--send STRING] [--stdin] [--name FILE] [--once] SOCKET-PATH
 *
 * Listens on SOCKET-PATH (created atomically: connect never sees a socket
 * that is not listening yet), accepts one connection, receives the pty
 * master sent with SCM_RIGHTS, writes the message payload to FILE (--name),
 * writes STRING to the pty (--send), forwards its own stdin to the pty
 * (--stdin), and copies everything the pty prints to stdout until the
 * container side hangs up.  Exits 0 then; 1 on any protocol error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t) n;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *send = NULL, *name_file = NULL, *path = NULL;
    int forward_stdin = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--send") == 0 && i + 1 < argc)
            send = argv[++i];
        else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
            name_file = argv[++i];
        else if (strcmp(argv[i], "--stdin") == 0)
            forward_stdin = 1;
        else if (!path && argv[i][0] != '-')
            path = argv[i];
        else {
            fprintf(stderr, "usage: recvtty [--send STRING] [--stdin] [--name FILE] SOCKET-PATH\n");
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: recvtty [--send STRING] [--stdin] [--name FILE] SOCKET-PATH\n");
        return 2;
    }

    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int) getpid());
    if (strlen(tmp) >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        die(path);
    }
    strcpy(addr.sun_path, tmp);
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l < 0)
        die("socket");
    unlink(tmp);
    if (bind(l, (struct sockaddr *) &addr, sizeof addr) < 0)
        die("bind");
    if (listen(l, 1) < 0)
        die("listen");
    if (rename(tmp, path) < 0)
        die("rename");

    int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        die("accept");
    char payload[4096];
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = { .iov_base = payload, .iov_len = sizeof payload - 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0)
        die("recvmsg");
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)) ||
        (msg.msg_flags & MSG_CTRUNC)) {
        fprintf(stderr, "recvtty: the message carried no single file descriptor\n");
        return 1;
    }
    int master;
    memcpy(&master, CMSG_DATA(cm), sizeof master);
    payload[n] = '\0';
    if (name_file) {
        FILE *f = fopen(name_file, "we");
        if (!f)
            die(name_file);
        fputs(payload, f);
        fclose(f);
    }
    close(c);
    close(l);
    unlink(path);

    if (send && write_all(master, send, strlen(send)) < 0)
        die("write to the pty");

    char buf[8192];
    for (;;) {
        struct pollfd fds[2] = { { .fd = master, .events = POLLIN }, { .fd = forward_stdin ? 0 : -1, .events = POLLIN } };
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        if (fds[1].revents) {
            n = read(0, buf, sizeof buf);
            if (n <= 0)
                forward_stdin = 0;
            else if (write_all(master, buf, (size_t) n) < 0)
                die("write to the pty");
        }
        if (fds[0].revents) {
            n = read(master, buf, sizeof buf);
            if (n > 0) {
                if (write_all(1, buf, (size_t) n) < 0)
                    die("write to stdout");
            } else if (n == 0 || errno == EIO) {
                break;
            } else if (errno != EINTR && errno != EAGAIN) {
                die("read from the pty");
            }
        }
    }
    return 0;
}
