/* congo run: create and start a container.  In the foreground congo stays
 * the container's parent: it forwards signals, proxies the terminal when
 * there is no --console-socket, exits with the container's status
 * (128+N when killed by signal N) and deletes it unless --keep. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "command.h"
#include "libcongo/container.h"
#include "libcongo/supervise.h"
#include "libcongo/terminal.h"
#include "libcongo/utils.h"

enum { OPT_BUNDLE = 'b', OPT_DETACH = 'd', OPT_CONSOLE_SOCKET = 1000, OPT_PID_FILE, OPT_NO_PIVOT, OPT_NO_NEW_KEYRING,
       OPT_PRESERVE_FDS, OPT_KEEP = 2000 };

static const struct option run_longopts[] = {
    { "bundle", required_argument, NULL, OPT_BUNDLE },
    { "detach", no_argument, NULL, OPT_DETACH },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
    { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "keep", no_argument, NULL, OPT_KEEP },
    {},
};

static const char run_usage[] =
    "Usage: congo run [OPTIONS] ID\n"
    "\n"
    "Create and start a container from an OCI bundle. In the foreground, congo\n"
    "forwards signals to it and exits with its exit status (128+N for signal N).\n"
    "\n"
    "  -b, --bundle DIR        the bundle (default: current directory)\n"
    "  -d, --detach            return once the container runs\n"
    "  --console-socket PATH   unix socket that receives the terminal's master fd\n"
    "  --pid-file FILE         write the container's host pid to FILE\n"
    "  --keep                  do not delete the container when it exits\n"
    "  --no-pivot              use MS_MOVE + chroot instead of pivot_root\n"
    "  --no-new-keyring        keep the caller's session keyring\n"
    "  --preserve-fds N        pass N extra fds (from 3) to the container\n";

struct run_opts {
    struct congo_create_opts create;
    bool detach;
    bool keep;
};

int create_parse_opt(int opt, const char *arg, void *data, congo_error *err);

static int run_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct run_opts *o = data;
    if (opt == OPT_DETACH)
        o->detach = true;
    else if (opt == OPT_KEEP)
        o->keep = true;
    else
        return create_parse_opt(opt, arg, &o->create, err);
    return 0;
}

int cmd_run(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct command_opts opts = { run_usage, "b:d", run_longopts, false };
    struct run_opts o = { .create = { .root = g->root, .console_fd = -1, .systemd_cgroup = g->systemd_cgroup } };
    struct congo_supervisor sup = { .sfd = -1 };
    _cleanup_close_ int sock_parent = -1, master = -1;
    pid_t pid;
    int first, r, code;

    r = command_parse(&opts, argc, argv, run_opt, &o, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("run", argc - first, 1, 1, "a container ID", err);
    if (r < 0)
        return r;
    o.create.id = argv[first];

    if (o.detach) {
        r = congo_container_create(&pid, &o.create, err);
        if (r < 0)
            return r;
        r = congo_container_start(g->root, o.create.id, err);
        if (r < 0) {
            congo_error ignored = CONGO_ERROR_INIT;
            congo_container_delete(g->root, o.create.id, true, &ignored);
            congo_error_clear(&ignored);
            return r;
        }
        return 0;
    }

    /* A terminal without --console-socket: congo is the other end. */
    if (!o.create.console_socket) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
            return congo_error_errno(err, "socketpair");
        sock_parent = sv[0];
        o.create.console_fd = sv[1];
    }
    r = congo_supervise_begin(&sup, err);
    if (r < 0) {
        if (o.create.console_fd >= 0)
            close(o.create.console_fd);
        return r;
    }
    r = congo_container_create(&pid, &o.create, err);
    if (o.create.console_fd >= 0)
        close(o.create.console_fd);
    if (r < 0)
        goto restore;
    /* The pty master arrives during create when process.terminal is set. */
    if (sock_parent >= 0) {
        struct pollfd pfd = { .fd = sock_parent, .events = POLLIN };
        if (poll(&pfd, 1, 0) > 0 && congo_terminal_recv_fd(&master, sock_parent, err) < 0) {
            congo_error_clear(err);
            master = -1;
        }
    }
    r = congo_container_start(g->root, o.create.id, err);
    if (r < 0) {
        congo_error ignored = CONGO_ERROR_INIT;
        congo_container_delete(g->root, o.create.id, true, &ignored);
        congo_error_clear(&ignored);
        goto restore;
    }
    code = congo_supervise_wait(&sup, pid, master);
    if (!o.keep) {
        congo_error derr = CONGO_ERROR_INIT;
        if (congo_container_delete(g->root, o.create.id, true, &derr) < 0) {
            *err = derr;
            r = -1;
            goto restore;
        }
    }
    r = code;
restore:
    congo_supervise_end(&sup);
    return r;
}
