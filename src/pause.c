/* congo pause: freeze every process of a container (v1 freezer or cgroup2's
 * cgroup.freeze); `state` then reports it as paused. */
#include "config.h"

#include "command.h"
#include "libcongo/container-cgroups.h"

static const char pause_usage[] =
    "Usage: congo pause ID\n"
    "\n"
    "Freeze every process of a running container.  ID may also be the host pid of\n"
    "the container's init.  `congo resume ID` thaws it.\n";

static int no_opts(int opt, const char *arg, void *data, congo_error *err) { return 0; }

int cmd_pause(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = { {} };
    static const struct command_opts opts = { pause_usage, "", longopts, false };
    int first, r;

    r = command_parse(&opts, argc, argv, no_opts, NULL, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("pause", argc - first, 1, 1, "a container ID", err);
    if (r < 0)
        return r;
    r = congo_container_pause(g->root, argv[first], err);
    return r < 0 ? r : 0;
}
