/* congo create: build a container from a bundle; its init waits for `start`. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "command.h"
#include "libcongo/container.h"
#include "libcongo/utils.h"

enum { OPT_BUNDLE = 'b', OPT_CONSOLE_SOCKET = 1000, OPT_PID_FILE, OPT_NO_PIVOT, OPT_NO_NEW_KEYRING, OPT_PRESERVE_FDS };

static const struct option create_longopts[] = {
    { "bundle", required_argument, NULL, OPT_BUNDLE },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
    { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    {},
};

static const char create_usage[] =
    "Usage: congo create [OPTIONS] ID\n"
    "\n"
    "Create a container from an OCI bundle. Its process waits until `congo start ID`.\n"
    "\n"
    "  -b, --bundle DIR        the bundle (config.json and rootfs; default: current directory)\n"
    "  --console-socket PATH   unix socket that receives the terminal's master fd (process.terminal)\n"
    "  --pid-file FILE         write the container's host pid to FILE\n"
    "  --no-pivot              use MS_MOVE + chroot instead of pivot_root\n"
    "  --no-new-keyring        keep the caller's session keyring\n"
    "  --preserve-fds N        pass N extra fds (from 3) to the container\n";

/* Shared with `run`. */
int create_parse_opt(int opt, const char *arg, void *data, congo_error *err);

int create_parse_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct congo_create_opts *o = data;
    long long n;
    switch (opt) {
    case OPT_BUNDLE: o->bundle = arg; return 0;
    case OPT_CONSOLE_SOCKET: o->console_socket = arg; return 0;
    case OPT_PID_FILE: o->pid_file = arg; return 0;
    case OPT_NO_PIVOT: o->no_pivot = true; return 0;
    case OPT_NO_NEW_KEYRING: o->no_new_keyring = true; return 0;
    case OPT_PRESERVE_FDS:
        if (parse_int64(arg, &n) < 0 || n < 0 || n > 65536)
            return congo_error_set(err, EINVAL, "--preserve-fds: `%s` is not a number of fds (0-65536)", arg);
        o->preserve_fds = (int) n;
        return 0;
    }
    return congo_error_set(err, EINVAL, "unhandled option");
}

int cmd_create(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct command_opts opts = { create_usage, "b:", create_longopts, false };
    struct congo_create_opts o = { .root = g->root, .console_fd = -1, .systemd_cgroup = g->systemd_cgroup };
    pid_t pid;
    int first, r;

    r = command_parse(&opts, argc, argv, create_parse_opt, &o, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("create", argc - first, 1, 1, "a container ID", err);
    if (r < 0)
        return r;
    o.id = argv[first];
    r = congo_container_create(&pid, &o, err);
    return r < 0 ? r : 0;
}
