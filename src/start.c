/* congo start: run the user process of a created container. */
#include "config.h"

#include "command.h"
#include "libcongo/container.h"

static const char start_usage[] =
    "Usage: congo start ID\n"
    "\n"
    "Start the user process of a created container.\n";

static int no_opts(int opt, const char *arg, void *data, congo_error *err) { return 0; }

int cmd_start(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = { {} };
    static const struct command_opts opts = { start_usage, "", longopts, false };
    int first, r;

    r = command_parse(&opts, argc, argv, no_opts, NULL, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("start", argc - first, 1, 1, "a container ID", err);
    if (r < 0)
        return r;
    r = congo_container_start(g->root, argv[first], err);
    return r < 0 ? r : 0;
}
