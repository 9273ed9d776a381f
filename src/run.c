/* congo run: create and start a container.  In the foreground congo stays
 * the container's parent: it forwards signals, proxies the terminal when
 * there is no --console-socket, exits with the container's status
 * (128+N when killed by signal N) and deletes it unless --keep.
 *
 * Two forms: `run [-b DIR] ID` runs an OCI bundle (runc's meaning);
 * `run --name NAME IMAGE [CMD...]` runs an image (see run-image.c). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "run.h"
#include "libcongo/container.h"
#include "libcongo/log.h"
#include "libcongo/supervise.h"
#include "libcongo/terminal.h"
#include "libcongo/utils.h"

enum { OPT_BUNDLE = 'b', OPT_DETACH = 'd', OPT_CONSOLE_SOCKET = 1000, OPT_PID_FILE, OPT_NO_PIVOT, OPT_NO_NEW_KEYRING,
       OPT_PRESERVE_FDS, OPT_KEEP = 2000, OPT_NAME, OPT_RM, OPT_ENV = 'e', OPT_MEMORY = 'm', OPT_TTY = 't',
       OPT_INTERACTIVE = 'i', OPT_PUBLISH = 'p', OPT_USER = 'u', OPT_WORKDIR = 'w', OPT_VOLUME = 'v', OPT_LABEL = 'l',
       OPT_NETWORK = 3000, OPT_IP, OPT_MAC, OPT_DNS, OPT_DNS_SEARCH,
       OPT_ADD_HOST, OPT_HOSTNAME, OPT_CNI_CONFIG_DIR, OPT_CNI_PLUGIN_DIR,
       /* Passed on to congo-image extract under the same name. */
       OPT_PASS = 4000, OPT_PASS_FLAG = 5000 };

/* The image form's options that congo-image extract applies to the bundle:
 * same names there, so they are passed on as given. */
static const struct {
    const char *name;
    int has_arg;
} pass_opts[] = {
    { "env-file", required_argument }, { "entrypoint", required_argument }, { "mount", required_argument },
    { "tmpfs", required_argument }, { "read-only", no_argument }, { "memory-swap", required_argument },
    { "cpus", required_argument }, { "pids-limit", required_argument }, { "cap-add", required_argument },
    { "cap-drop", required_argument }, { "privileged", no_argument }, { "security-opt", required_argument },
    { "device", required_argument }, { "sysctl", required_argument }, { "ulimit", required_argument },
    { "init", no_argument }, { "pull", required_argument },
};

static const struct option run_longopts[] = {
    { "bundle", required_argument, NULL, OPT_BUNDLE },
    { "detach", no_argument, NULL, OPT_DETACH },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
    { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "keep", no_argument, NULL, OPT_KEEP },
    { "name", required_argument, NULL, OPT_NAME },
    { "rm", no_argument, NULL, OPT_RM },
    { "env", required_argument, NULL, OPT_ENV },
    { "memory", required_argument, NULL, OPT_MEMORY },
    { "tty", no_argument, NULL, OPT_TTY },
    { "interactive", no_argument, NULL, OPT_INTERACTIVE },
    { "network", required_argument, NULL, OPT_NETWORK },
    { "net", required_argument, NULL, OPT_NETWORK },
    { "publish", required_argument, NULL, OPT_PUBLISH },
    { "ip", required_argument, NULL, OPT_IP },
    { "mac-address", required_argument, NULL, OPT_MAC },
    { "dns", required_argument, NULL, OPT_DNS },
    { "dns-search", required_argument, NULL, OPT_DNS_SEARCH },
    { "add-host", required_argument, NULL, OPT_ADD_HOST },
    { "hostname", required_argument, NULL, OPT_HOSTNAME },
    { "cni-config-dir", required_argument, NULL, OPT_CNI_CONFIG_DIR },
    { "cni-plugin-dir", required_argument, NULL, OPT_CNI_PLUGIN_DIR },
    { "user", required_argument, NULL, OPT_USER },
    { "workdir", required_argument, NULL, OPT_WORKDIR },
    { "volume", required_argument, NULL, OPT_VOLUME },
    { "label", required_argument, NULL, OPT_LABEL },
    { "env-file", required_argument, NULL, OPT_PASS + 0 },
    { "entrypoint", required_argument, NULL, OPT_PASS + 1 },
    { "mount", required_argument, NULL, OPT_PASS + 2 },
    { "tmpfs", required_argument, NULL, OPT_PASS + 3 },
    { "read-only", no_argument, NULL, OPT_PASS + 4 },
    { "memory-swap", required_argument, NULL, OPT_PASS + 5 },
    { "cpus", required_argument, NULL, OPT_PASS + 6 },
    { "pids-limit", required_argument, NULL, OPT_PASS + 7 },
    { "cap-add", required_argument, NULL, OPT_PASS + 8 },
    { "cap-drop", required_argument, NULL, OPT_PASS + 9 },
    { "privileged", no_argument, NULL, OPT_PASS + 10 },
    { "security-opt", required_argument, NULL, OPT_PASS + 11 },
    { "device", required_argument, NULL, OPT_PASS + 12 },
    { "sysctl", required_argument, NULL, OPT_PASS + 13 },
    { "ulimit", required_argument, NULL, OPT_PASS + 14 },
    { "init", no_argument, NULL, OPT_PASS + 15 },
    { "pull", required_argument, NULL, OPT_PASS + 16 },
    {},
};

static const char run_usage[] =
    "Usage: congo run [OPTIONS] ID                      (a bundle: -b DIR, or ./config.json)\n"
    "       congo run [--name NAME] [OPTIONS] IMAGE [CMD ARGS...]\n"
    "\n"
    "Create and start a container from an OCI bundle. In the foreground, congo\n"
    "forwards signals to it and exits with its exit status (128+N for signal N).\n"
    "\n"
    "Or run an image (docker's meaning of the options): congo-image makes its\n"
    "bundle (pulling the image if needed); the container stays, stopped, until\n"
    "`congo rm NAME` unless --rm. With -d a monitor keeps its output for\n"
    "`congo logs NAME`. The image form is chosen with --name, an option of the\n"
    "image form, a CMD after IMAGE, or one argument without -b and without a\n"
    "./config.json; without --name the container gets a name ADJECTIVE_NOUN.\n"
    "\n"
    "  --name NAME             the container's name (printed by -d)\n"
    "  --rm                    delete the container and its bundle when it exits\n"
    "  -i, --interactive       keep stdin open (without it stdin is empty)\n"
    "  -t, --tty               a terminal (default, with -i, when stdin is one)\n"
    "  -e, --env K=V, --env-file FILE   environment variables\n"
    "  -u, --user USER[:GROUP], -w, --workdir DIR, --entrypoint CMD\n"
    "  -v, --volume HOST:CTR[:ro|rw], --mount type=bind|tmpfs,..., --tmpfs CTR[:OPTS]\n"
    "  --read-only             read-only root filesystem\n"
    "  -m, --memory BYTES, --memory-swap BYTES, --cpus N, --pids-limit N   limits\n"
    "  --cap-add CAP, --cap-drop CAP, --privileged\n"
    "  --security-opt no-new-privileges|seccomp=FILE|seccomp=unconfined\n"
    "  --device HOST[:CTR][:rwm], --sysctl K=V, --ulimit NAME=SOFT[:HARD]\n"
    "  --init                  tini (Debian's tini-static) as PID 1\n"
    "  -l, --label K=V         an annotation of the container\n"
    "  --pull missing|always|never   when to pull the image (default missing)\n"
    "\n"
    "Networking of the image form (CNI plugins; see `congo network`):\n"
    "  --network MODE          bridge (default: the network `congo`), none, host,\n"
    "                          container:NAME, or a network NAME\n"
    "  -p, --publish [IP:]HOSTPORT:CTRPORT[/tcp|udp]   publish a port (portmap)\n"
    "  --ip IP, --mac-address MAC   the container's address on the network\n"
    "  --hostname NAME         the container's hostname (default: its name)\n"
    "  --dns IP, --dns-search DOMAIN, --add-host NAME:IP   resolv.conf, hosts\n"
    "  --cni-config-dir DIR    networks (default $CONGO_CNI_CONFIG_DIR, /etc/cni/net.d)\n"
    "  --cni-plugin-dir PATH   plugins (default $CNI_PATH, /usr/lib/cni:/opt/cni/bin)\n"
    "\n"
    "  -b, --bundle DIR        the bundle (default: current directory)\n"
    "  -d, --detach            return once the container runs\n"
    "  --console-socket PATH   unix socket that receives the terminal's master fd\n"
    "  --pid-file FILE         write the container's host pid to FILE\n"
    "  --keep                  do not delete the container when it exits\n"
    "  --no-pivot              use MS_MOVE + chroot instead of pivot_root\n"
    "  --no-new-keyring        keep the caller's session keyring\n"
    "  --preserve-fds N        pass N extra fds (from 3) to the container\n";


int create_parse_opt(int opt, const char *arg, void *data, congo_error *err);

static void strv_push_n(char ***v, size_t *n, const char *s)
{
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = (char *) s;
}

static int run_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct run_opts *o = data;
    if (opt >= OPT_PASS && opt < OPT_PASS + (int) ARRAY_SIZE(pass_opts)) {
        _cleanup_free_ char *flag = xasprintf("--%s", pass_opts[opt - OPT_PASS].name);
        strv_push_n(&o->img_args, &o->n_img_args, steal_pointer(&flag));
        if (pass_opts[opt - OPT_PASS].has_arg)
            strv_push_n(&o->img_args, &o->n_img_args, xstrdup(arg));
        o->image_flag = true;
        return 0;
    }
    if (opt == OPT_ENV || opt == OPT_MEMORY || opt == OPT_USER || opt == OPT_WORKDIR || opt == OPT_VOLUME ||
        opt == OPT_LABEL) {
        char f[3] = { '-', (char) opt, '\0' };
        strv_push_n(&o->img_args, &o->n_img_args, xstrdup(opt == OPT_LABEL ? "--label" : f));
        strv_push_n(&o->img_args, &o->n_img_args, xstrdup(arg));
        o->image_flag = true;
        return 0;
    }
    if (opt == OPT_DETACH)
        o->detach = true;
    else if (opt == OPT_KEEP)
        o->keep = true;
    else if (opt == OPT_NAME)
        o->name = arg;
    else if (opt == OPT_RM)
        o->rm = true, o->image_flag = true;
    else if (opt == OPT_TTY)
        o->tty = true, o->image_flag = true;
    else if (opt == OPT_INTERACTIVE)
        o->interactive = true, o->image_flag = true;
    else if (opt == OPT_NETWORK)
        o->net.network = arg, o->net_given = true;
    else if (opt == OPT_PUBLISH)
        strv_push_n(&o->net.publish, &o->net.n_publish, arg), o->net_given = true;
    else if (opt == OPT_IP)
        o->net.ip = arg, o->net_given = true;
    else if (opt == OPT_MAC)
        o->net.mac = arg, o->net_given = true;
    else if (opt == OPT_DNS)
        strv_push_n(&o->net.dns, &o->net.n_dns, arg), o->net_given = true;
    else if (opt == OPT_DNS_SEARCH)
        strv_push_n(&o->net.dns_search, &o->net.n_dns_search, arg), o->net_given = true;
    else if (opt == OPT_ADD_HOST)
        strv_push_n(&o->net.add_host, &o->net.n_add_host, arg), o->net_given = true;
    else if (opt == OPT_HOSTNAME)
        o->net.hostname = arg, o->net_given = true;
    else if (opt == OPT_CNI_CONFIG_DIR)
        o->net.config_dir = arg, o->net_given = true;
    else if (opt == OPT_CNI_PLUGIN_DIR)
        o->net.cni_path = arg, o->net_given = true;
    else
        return create_parse_opt(opt, arg, &o->create, err);
    return 0;
}

static void free_img_args(struct run_opts *o)
{
    for (size_t i = 0; i < o->n_img_args; i++)
        free(o->img_args[i]);
    free(o->img_args);
}

int cmd_run(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct command_opts opts = { run_usage, "b:de:m:tip:u:w:v:l:", run_longopts, true };
    struct run_opts o = { .create = { .root = g->root, .console_fd = -1, .systemd_cgroup = g->systemd_cgroup } };
    pid_t pid;
    int first, r, nargs;
    bool guessed = false;

    r = command_parse(&opts, argc, argv, run_opt, &o, &first, err);
    _cleanup_free_ char **pub = o.net.publish, **dns = o.net.dns, **dns_search = o.net.dns_search,
                        **add_host = o.net.add_host;
    if (r != 0) {
        free_img_args(&o);
        return r < 0 ? r : 0;
    }
    nargs = argc - first;
    /* Which form: the image one with --name, an option of the image form
     * only, a CMD after the first argument, or (runc's `run ID` needs a
     * config.json) one argument, no --bundle and no ./config.json. */
    if (!o.name && !o.create.bundle && !o.image_flag && !o.net_given && nargs == 1 &&
        access("config.json", F_OK) < 0 && errno == ENOENT)
        guessed = true;
    if (o.name || (!o.create.bundle && (o.image_flag || o.net_given || nargs >= 2 || guessed))) {
        r = run_image(g, &o, nargs, argv + first, guessed, err);
        free_img_args(&o);
        return r;
    }
    free_img_args(&o);
    if (o.net_given)
        return congo_error_set(err, 0, "--network, --publish, --ip, --dns, --hostname... belong to the image "
                                            "form: congo run [OPTIONS] IMAGE [CMD...] (without --bundle)");
    if (o.image_flag)
        return congo_error_set(err, EINVAL, "--rm, --env, --memory, --tty, -v, --cap-add... belong to the image form: "
                                            "congo run [OPTIONS] IMAGE [CMD...] (without --bundle)");
    r = command_require_args("run", nargs, 1, 1, "a container ID (or [--name NAME] IMAGE [CMD...])", err);
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
    return run_foreground(g, &o.create, o.keep, err);
}

/* Create, start and supervise; returns the container's exit code.  With
 * keep the container stays (stopped, its exit status recorded). */
int run_foreground(struct congo_global *g, struct congo_create_opts *create, bool keep, congo_error *err)
{
    struct congo_supervisor sup = { .sfd = -1 };
    _cleanup_close_ int sock_parent = -1, master = -1;
    pid_t pid;
    int r, code;

    /* A terminal without --console-socket: congo is the other end. */
    if (!create->console_socket) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
            return congo_error_errno(err, "socketpair");
        sock_parent = sv[0];
        create->console_fd = sv[1];
    }
    r = congo_supervise_begin(&sup, err);
    if (r < 0) {
        if (create->console_fd >= 0)
            close(create->console_fd);
        create->console_fd = -1;
        return r;
    }
    r = congo_container_create(&pid, create, err);
    if (create->console_fd >= 0)
        close(create->console_fd);
    create->console_fd = -1;
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
    r = congo_container_start(g->root, create->id, err);
    if (r < 0) {
        congo_error ignored = CONGO_ERROR_INIT;
        congo_container_delete(g->root, create->id, true, &ignored);
        congo_error_clear(&ignored);
        goto restore;
    }
    congo_debug("run `%s`: waiting for pid %d, forwarding signals", create->id, (int) pid);
    code = congo_supervise_wait(&sup, pid, master);
    congo_debug("run `%s`: the container exited with status %d%s", create->id, code, keep ? "; kept" : "");
    if (keep) {
        congo_error ignored = CONGO_ERROR_INIT;
        congo_container_record_exit(g->root, create->id, code, &ignored);
        congo_error_clear(&ignored);
    } else {
        congo_error derr = CONGO_ERROR_INIT;
        if (congo_container_delete(g->root, create->id, true, &derr) < 0) {
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
