/* congo delete: remove a container and everything it owns. */
#include "config.h"

#include "command.h"
#include "libcongo/container.h"

static const char delete_usage[] =
    "Usage: congo delete [--force] ID\n"
    "\n"
    "Delete a stopped or created container: its cgroup, state and poststop hooks.\n"
    "\n"
    "  -f, --force   kill a running container first\n";

static int delete_opt(int opt, const char *arg, void *data, congo_error *err)
{
    *(bool *) data = true;
    return 0;
}

int cmd_delete(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = { { "force", no_argument, NULL, 'f' }, {} };
    static const struct command_opts opts = { delete_usage, "f", longopts, false };
    bool force = false;
    int first, r;

    r = command_parse(&opts, argc, argv, delete_opt, &force, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("delete", argc - first, 1, 1, "a container ID", err);
    if (r < 0)
        return r;
    r = congo_container_delete(g->root, argv[first], force, err);
    return r < 0 ? r : 0;
}
