/* seccomp-listener: a small seccomp agent for linux.seccomp.listenerPath.
 *
 * A runtime (congo, runc, crun) connects to SOCKET once per container (or
 * exec'd process), sends the container process state JSON with the seccomp
 * notify fd (SCM_RIGHTS, named "seccompFd" in the state's "fds"), and closes
 * the connection.  Every syscall of the container that a SCMP_ACT_NOTIFY rule
 * catches then waits until this agent answers it.  See README.md.
 *
 * Build: cc -O2 -o seccomp-listener seccomp-listener.c -lseccomp
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 64
#define MAX_STATE (1 << 20)

enum reply_kind { REPLY_OK, REPLY_CONTINUE, REPLY_ERRNO };

struct reply {
    char *name;                 /* syscall name */
    enum reply_kind kind;
    int err;                    /* REPLY_ERRNO */
};

static struct reply *replies;
static size_t n_replies;
static bool verbose;

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: seccomp-listener [--once] [--state-file FILE] [--verbose] SOCKET [SYSCALL=REPLY]...\n"
            "\n"
            "Listen on the unix socket SOCKET (a container's linux.seccomp.listenerPath) for the\n"
            "seccomp notify fd and answer every notified syscall with the REPLY given for its name:\n"
            "  ok        return 0 without running the syscall\n"
            "  continue  let the kernel run the syscall as if it had not been notified\n"
            "  ERRNO     fail with this errno, a name (EPERM, EROFS, ...) or a number\n"
            "Syscalls not listed: continue.\n"
            "\n"
            "  --once             exit once the first container's processes are all gone\n"
            "  --state-file FILE  write the container process state JSON received to FILE\n"
            "  --verbose          print every notification on stderr\n");
}

static const struct {
    const char *name;
    int value;
} errnos[] = {
    { "EPERM", EPERM },   { "ENOENT", ENOENT }, { "EIO", EIO },       { "EACCES", EACCES }, { "EEXIST", EEXIST },
    { "ENOTDIR", ENOTDIR }, { "EINVAL", EINVAL }, { "ENOSPC", ENOSPC }, { "EROFS", EROFS },   { "ENOSYS", ENOSYS },
    { "EOPNOTSUPP", EOPNOTSUPP }, { "EBUSY", EBUSY }, { "EAGAIN", EAGAIN },
};

static int parse_reply(const char *spec, struct reply *r)
{
    const char *eq = strchr(spec, '=');
    char *end;

    if (!eq || eq == spec || !eq[1])
        return -1;
    r->name = strndup(spec, (size_t) (eq - spec));
    eq++;
    if (strcmp(eq, "ok") == 0) {
        r->kind = REPLY_OK;
        return 0;
    }
    if (strcmp(eq, "continue") == 0) {
        r->kind = REPLY_CONTINUE;
        return 0;
    }
    r->kind = REPLY_ERRNO;
    for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
        if (strcmp(errnos[i].name, eq) == 0) {
            r->err = errnos[i].value;
            return 0;
        }
    r->err = (int) strtol(eq, &end, 10);
    return *end || r->err <= 0 || r->err > 4095 ? -1 : 0;
}

/* Accept one runtime connection: the state JSON (until EOF) and the fd that
 * the state's "fds" calls "seccompFd".  Returns the notify fd or -1. */
static int take_listener_fd(int conn, const char *state_file)
{
    char *state = malloc(MAX_STATE + 1);
    size_t len = 0;
    int fds[8], n_fds = 0, seccomp_fd = -1;
    union {
        char buf[CMSG_SPACE(sizeof fds)];
        struct cmsghdr align;
    } u;

    if (!state)
        return -1;
    /* Read everything; the fds come with the first bytes. */
    for (;;) {
        struct iovec iov = { state + len, MAX_STATE - len };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                              .msg_controllen = sizeof u.buf };
        ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            perror("seccomp-listener: recvmsg");
            break;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int k = (int) ((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                for (int i = 0; i < k && n_fds < 8; i++)
                    memcpy(&fds[n_fds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            }
        if (n == 0 || len + (size_t) n >= MAX_STATE)
            break;
        len += (size_t) n;
    }
    state[len] = '\0';

    /* Find "seccompFd" in "fds": its index is the fd's index.  A real agent
     * parses the JSON; the runtime-spec's own example and every runtime send
     * "fds": ["seccompFd"], so a string search keeps this example short. */
    const char *f = strstr(state, "\"fds\"");
    if (f) {
        const char *open = strchr(f, '['), *close = open ? strchr(open, ']') : NULL;
        int index = 0;
        for (const char *p = open; p && p < close; p++) {
            if (*p == ',')
                index++;
            if (strncmp(p, "\"seccompFd\"", 11) == 0) {
                if (index < n_fds)
                    seccomp_fd = fds[index];
                break;
            }
        }
    }
    for (int i = 0; i < n_fds; i++)
        if (fds[i] != seccomp_fd)
            close(fds[i]);
    if (seccomp_fd < 0)
        fprintf(stderr, "seccomp-listener: no seccompFd in the state received: %s\n", state);
    else if (verbose)
        fprintf(stderr, "seccomp-listener: state %s\n", state);
    if (state_file && seccomp_fd >= 0) {
        FILE *out = fopen(state_file, "we");
        if (out) {
            fputs(state, out);
            fclose(out);
        }
    }
    free(state);
    return seccomp_fd;
}

/* For --verbose: the path argument of a notified syscall, read from the
 * target's memory.  The id check after the read makes sure the pid still is
 * the process that made the syscall (it could have died and been replaced). */
static void describe(int notify_fd, const struct seccomp_notif *req, const char *name)
{
    int arg = strcmp(name, "mkdirat") == 0 || strcmp(name, "fchmodat") == 0 ? 1
              : strcmp(name, "mkdir") == 0 || strcmp(name, "chmod") == 0 ? 0 : -1;
    char path[256] = "", mem[64];
    ssize_t n = -1;

    if (arg >= 0) {
        snprintf(mem, sizeof mem, "/proc/%u/mem", req->pid);
        int fd = open(mem, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            n = pread(fd, path, sizeof path - 1, (off_t) req->data.args[arg]);
            close(fd);
        }
        if (n <= 0 || seccomp_notify_id_valid(notify_fd, req->id) != 0)
            snprintf(path, sizeof path, "?");
        else
            path[strnlen(path, (size_t) n)] = '\0';
    }
    fprintf(stderr, "seccomp-listener: pid %u: %s(%s%s%s)\n", req->pid, name, arg >= 0 ? "\"" : "", path,
            arg >= 0 ? "\"" : "...");
}

/* Answer one notification.  Returns -1 when the fd is dead (no process left). */
static int answer(int notify_fd)
{
    struct seccomp_notif *req;
    struct seccomp_notif_resp *resp;
    const struct reply *rep = NULL;
    char *name;
    int r;

    if (seccomp_notify_alloc(&req, &resp) < 0)
        return -1;
    r = seccomp_notify_receive(notify_fd, req);
    if (r < 0) {
        seccomp_notify_free(req, resp);
        /* -ENOENT: the process was killed while we were about to receive. */
        return r == -ENOENT || r == -EINTR ? 0 : -1;
    }
    name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
    for (size_t i = 0; name && i < n_replies; i++)
        if (strcmp(replies[i].name, name) == 0)
            rep = &replies[i];
    if (verbose)
        describe(notify_fd, req, name ? name : "?");

    resp->id = req->id;
    resp->val = 0;
    resp->error = 0;
    resp->flags = 0;
    if (!rep || rep->kind == REPLY_CONTINUE)
        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    else if (rep->kind == REPLY_ERRNO)
        resp->error = -rep->err;
    r = seccomp_notify_respond(notify_fd, resp);
    if (r < 0 && r != -ENOENT && verbose)
        fprintf(stderr, "seccomp-listener: respond: %s\n", strerror(-r));
    free(name);
    seccomp_notify_free(req, resp);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "once", no_argument, NULL, '1' },
        { "state-file", required_argument, NULL, 's' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        {},
    };
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct pollfd pfd[MAX_FDS + 1];
    int notify[MAX_FDS], n_notify = 0, lfd, opt;
    const char *state_file = NULL, *path;
    bool once = false, had_one = false;

    while ((opt = getopt_long(argc, argv, "1s:vh", longopts, NULL)) != -1) {
        switch (opt) {
        case '1': once = true; break;
        case 's': state_file = optarg; break;
        case 'v': verbose = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    path = argv[optind++];
    replies = calloc((size_t) (argc - optind) + 1, sizeof *replies);
    for (; optind < argc; optind++)
        if (parse_reply(argv[optind], &replies[n_replies++]) < 0) {
            fprintf(stderr, "seccomp-listener: bad reply `%s` (expected SYSCALL=ok|continue|ERRNO)\n", argv[optind]);
            return 2;
        }
    signal(SIGPIPE, SIG_IGN);

    if (strlen(path) >= sizeof addr.sun_path) {
        fprintf(stderr, "seccomp-listener: socket path too long: %s\n", path);
        return 1;
    }
    strcpy(addr.sun_path, path);
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(path);
    if (lfd < 0 || bind(lfd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen(lfd, 16) < 0) {
        fprintf(stderr, "seccomp-listener: listen on %s: %s\n", path, strerror(errno));
        return 1;
    }

    for (;;) {
        pfd[0] = (struct pollfd) { .fd = lfd, .events = POLLIN };
        for (int i = 0; i < n_notify; i++)
            pfd[i + 1] = (struct pollfd) { .fd = notify[i], .events = POLLIN };
        if (poll(pfd, (nfds_t) n_notify + 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            perror("seccomp-listener: poll");
            return 1;
        }
        if (pfd[0].revents & POLLIN) {
            int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            if (conn >= 0) {
                int fd = take_listener_fd(conn, state_file);
                close(conn);
                if (fd >= 0 && n_notify < MAX_FDS) {
                    notify[n_notify++] = fd;
                    had_one = true;
                } else if (fd >= 0) {
                    close(fd);
                }
            }
        }
        for (int i = n_notify - 1; i >= 0; i--) {
            short ev = pfd[i + 1].revents;
            bool dead = false;
            if (ev & POLLIN)
                dead = answer(notify[i]) < 0;
            /* POLLHUP: every process using this filter is gone. */
            if (dead || (!(ev & POLLIN) && (ev & (POLLHUP | POLLERR)))) {
                close(notify[i]);
                notify[i] = notify[--n_notify];
            }
        }
        if (once && had_one && n_notify == 0)
            break;
    }
    unlink(path);
    return 0;
}
