/* congo state: the runtime-spec state of a container as JSON. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "command.h"
#include "libcongo/container.h"
#include "libcongo/utils.h"

static const char state_usage[] =
    "Usage: congo state ID\n"
    "\n"
    "Print the state of a container (runtime-spec state JSON).\n";

static int no_opts(int opt, const char *arg, void *data, congo_error *err) { return 0; }

int cmd_state(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = { {} };
    static const struct command_opts opts = { state_usage, "", longopts, false };
    _cleanup_state_ struct congo_state *s = NULL;
    _cleanup_free_ char *json = NULL;
    enum congo_status status;
    int first, r;

    r = command_parse(&opts, argc, argv, no_opts, NULL, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("state", argc - first, 1, 1, "a container ID", err);
    if (r < 0)
        return r;
    r = congo_container_load(&s, &status, g->root, argv[first], err);
    if (r < 0)
        return r;
    json = congo_state_json(s, status);
    puts(json);
    return 0;
}
