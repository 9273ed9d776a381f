/* congo exec: run a new process inside a running container.  In the
 * foreground congo stays its parent: it forwards signals, proxies the
 * terminal when there is no --console-socket, and exits with the process's
 * status (128+N when killed by signal N). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "command.h"
#include "libcongo/exec.h"
#include "libcongo/log.h"
#include "libcongo/supervise.h"
#include "libcongo/terminal.h"
#include "libcongo/utils.h"

enum {
    OPT_PROCESS = 'p', OPT_TTY = 't', OPT_DETACH = 'd', OPT_ENV = 'e', OPT_USER = 'u', OPT_GIDS = 'g', OPT_CAP = 'c',
    OPT_CONSOLE_SOCKET = 1000, OPT_CWD, OPT_NO_NEW_PRIVS, OPT_PROCESS_LABEL, OPT_APPARMOR, OPT_PID_FILE,
    OPT_PRESERVE_FDS, OPT_CGROUP, OPT_IGNORE_PAUSED, OPT_NO_SUBREAPER,
};

static const struct option exec_longopts[] = {
    { "process", required_argument, NULL, OPT_PROCESS },
    { "tty", no_argument, NULL, OPT_TTY },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "detach", no_argument, NULL, OPT_DETACH },
    { "cwd", required_argument, NULL, OPT_CWD },
    { "env", required_argument, NULL, OPT_ENV },
    { "user", required_argument, NULL, OPT_USER },
    { "additional-gids", required_argument, NULL, OPT_GIDS },
    { "cap", required_argument, NULL, OPT_CAP },
    { "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
    { "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
    { "apparmor", required_argument, NULL, OPT_APPARMOR },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "cgroup", required_argument, NULL, OPT_CGROUP },
    { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
    { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
    {},
};

static const char exec_usage[] =
    "Usage: congo exec [OPTIONS] ID COMMAND [ARG...]\n"
    "       congo exec [OPTIONS] --process FILE ID\n"
    "\n"
    "Run a new process inside a running container: it joins the container's\n"
    "namespaces and cgroup and gets its seccomp filter. Without --process it is\n"
    "the container's process (user, env, cwd, capabilities, rlimits...) running\n"
    "COMMAND instead. In the foreground, congo forwards signals to it and exits\n"
    "with its exit status (128+N for signal N).\n"
    "\n"
    "  -p, --process FILE       the process as a runtime-spec process.json (`-`: stdin)\n"
    "  -t, --tty                allocate a terminal\n"
    "  --console-socket PATH    unix socket that receives the terminal's master fd\n"
    "  -d, --detach             return once the process runs\n"
    "  --pid-file FILE          write the process's host pid to FILE\n"
    "  --cwd DIR                working directory inside the container\n"
    "  -e, --env NAME=VALUE     set an environment variable (repeatable)\n"
    "  -u, --user UID[:GID]     run as this user (and group)\n"
    "  -g, --additional-gids G  add a supplementary group (repeatable)\n"
    "  -c, --cap CAP            add a capability to the bounding, effective and\n"
    "                           permitted sets (repeatable)\n"
    "  --no-new-privs           set no_new_privs\n"
    "  --process-label LABEL    SELinux label of the process\n"
    "  --apparmor PROFILE       AppArmor profile of the process\n"
    "  --preserve-fds N         pass N extra fds (from 3) to the process\n"
    "  --cgroup [CTRL[,CTRL]:]SUB  run in an existing sub-cgroup of the container\n"
    "                           (repeatable with controllers, cgroup v1)\n"
    "  --ignore-paused          exec even when the container is paused\n";

static void strv_push(char ***v, const char *s)
{
    size_t n = strv_length(*v);
    *v = xrealloc(*v, (n + 2) * sizeof **v);
    (*v)[n] = (char *) s;
    (*v)[n + 1] = NULL;
}

static int exec_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct congo_exec_opts *o = data;
    long long n;
    switch (opt) {
    case OPT_PROCESS: o->process_file = arg; return 0;
    case OPT_TTY: o->tty = true; return 0;
    case OPT_CONSOLE_SOCKET: o->console_socket = arg; return 0;
    case OPT_DETACH: o->detach = true; return 0;
    case OPT_CWD: o->cwd = arg; return 0;
    case OPT_ENV: strv_push(&o->env, arg); return 0;
    case OPT_USER: o->user = arg; return 0;
    case OPT_GIDS: strv_push(&o->additional_gids, arg); return 0;
    case OPT_CAP: strv_push(&o->caps, arg); return 0;
    case OPT_NO_NEW_PRIVS: o->no_new_privs = true; return 0;
    case OPT_PROCESS_LABEL: o->process_label = arg; return 0;
    case OPT_APPARMOR: o->apparmor = arg; return 0;
    case OPT_PID_FILE: o->pid_file = arg; return 0;
    case OPT_PRESERVE_FDS:
        if (parse_int64(arg, &n) < 0 || n < 0 || n > 65536)
            return congo_error_set(err, 0, "--preserve-fds: `%s` is not a number of fds (0-65536)", arg);
        o->preserve_fds = (int) n;
        return 0;
    case OPT_CGROUP: strv_push(&o->cgroups, arg); return 0;
    case OPT_IGNORE_PAUSED: o->ignore_paused = true; return 0;
    case OPT_NO_SUBREAPER: return 0; /* runc's; congo never becomes a subreaper */
    }
    return congo_error_set(err, 0, "unhandled option");
}

static int run_exec(struct congo_global *g, struct congo_exec_opts *o, congo_error *err)
{
    struct congo_supervisor sup = { .sfd = -1 };
    _cleanup_close_ int sock_parent = -1, master = -1;
    pid_t pid;
    int r;

    if (o->detach) {
        r = congo_exec(&pid, o, err);
        if (r < 0)
            return r;
        congo_debug("exec: process %d runs in container `%s` (detached)", (int) pid, o->id);
        return 0;
    }

    /* A terminal without --console-socket: congo is the other end. */
    if (!o->console_socket) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
            return congo_error_errno(err, "socketpair");
        sock_parent = sv[0];
        o->console_fd = sv[1];
    }
    r = congo_supervise_begin(&sup, err);
    if (r >= 0)
        r = congo_exec(&pid, o, err);
    if (o->console_fd >= 0) {
        close(o->console_fd);
        o->console_fd = -1;
    }
    if (r < 0) {
        congo_supervise_end(&sup);
        return r;
    }
    /* The pty master arrived while the process was set up. */
    if (sock_parent >= 0) {
        struct pollfd pfd = { .fd = sock_parent, .events = POLLIN };
        if (poll(&pfd, 1, 0) > 0 && congo_terminal_recv_fd(&master, sock_parent, err) < 0) {
            congo_error_clear(err);
            master = -1;
        }
    }
    congo_debug("exec: process %d runs in container `%s`; waiting for it", (int) pid, o->id);
    r = congo_supervise_wait(&sup, pid, master);
    congo_supervise_end(&sup);
    congo_debug("exec: process %d exited with status %d", (int) pid, r);
    return r;
}

int cmd_exec(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct command_opts opts = { exec_usage, "p:tde:u:g:c:", exec_longopts, true };
    struct congo_exec_opts o = { .root = g->root, .console_fd = -1 };
    int first, r;


    r = command_parse(&opts, argc, argv, exec_opt, &o, &first, err);
    if (r != 0) {
        r = r < 0 ? r : 0; /* 1: --help was printed */
        goto out;
    }
    if (argc - first < 1) {
        r = congo_error_set(err, 0, "missing the container ID (see `congo exec --help`)");
        goto out;
    }
    /* From here on a failure exits 255, as runc's exec does ("exec failed:
     * ..."): containerd and podman's tools tell runtime errors from the
     * process's own exit status by it. */
    g->error_status = 255;
    o.id = argv[first];
    first++;
    if (first < argc && strcmp(argv[first], "--") == 0)
        first++;
    o.args = argv + first;
    if (!o.process_file && !o.args[0]) {
        r = congo_error_set(err, 0, "missing the COMMAND to run in container `%s` (or give --process "
                            "FILE)", o.id);
        goto out;
    }
    congo_debug("exec in container `%s`: %s%s", o.id, o.process_file ? "--process " : "",
                o.process_file ? o.process_file : o.args[0]);
    r = run_exec(g, &o, err);
out:
    free(o.env);
    free(o.additional_gids);
    free(o.caps);
    free(o.cgroups);
    return r;
}
