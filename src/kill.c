/* congo kill: signal a container's init, or all its processes. */
#include "config.h"

#include <signal.h>

#include "command.h"
#include "libcongo/container.h"
#include "libcongo/signals.h"

static const char kill_usage[] =
    "Usage: congo kill [--all] ID [SIGNAL]\n"
    "\n"
    "Send SIGNAL (default SIGTERM; a name with or without SIG, or a number) to the\n"
    "container's init process.\n"
    "\n"
    "  -a, --all   signal every process of the container (its cgroup)\n";

static int kill_opt(int opt, const char *arg, void *data, congo_error *err)
{
    *(bool *) data = true;
    return 0;
}

int cmd_kill(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = { { "all", no_argument, NULL, 'a' }, {} };
    static const struct command_opts opts = { kill_usage, "a", longopts, false };
    bool all = false;
    int first, sig = SIGTERM, r;

    r = command_parse(&opts, argc, argv, kill_opt, &all, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("kill", argc - first, 1, 2, "a container ID and an optional signal", err);
    if (r < 0)
        return r;
    if (argc - first == 2) {
        sig = congo_signal_parse(argv[first + 1], err);
        if (sig < 0)
            return sig;
    }
    r = congo_container_kill(g->root, argv[first], sig, all, err);
    return r < 0 ? r : 0;
}
