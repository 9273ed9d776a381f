/* congo rm: docker's delete of a container (an image container's bundle,
 * overlay and network go with it, through `delete`). */
#include "config.h"

#include "command.h"
#include "libcongo/container.h"

static const char rm_usage[] =
    "Usage: congo rm [-f] NAME...\n"
    "\n"
    "Remove stopped containers (as `congo delete`): an image container's bundle, its\n"
    "overlay rootfs and its network address go with it.\n"
    "\n"
    "  -f, --force   kill a running container first\n";

static int rm_opt(int opt, const char *arg, void *data, congo_error *err)
{
    *(bool *) data = true;
    return 0;
}

int cmd_rm(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = { { "force", no_argument, NULL, 'f' }, {} };
    static const struct command_opts opts = { rm_usage, "f", longopts, false };
    bool force = false;
    int first, r;

    r = command_parse(&opts, argc, argv, rm_opt, &force, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("rm", argc - first, 1, -1, "a container NAME", err);
    if (r < 0)
        return r;
    /* Like docker: go on past a failure, report the first one. */
    int ret = 0;
    for (int i = first; i < argc; i++) {
        congo_error e = CONGO_ERROR_INIT;
        r = congo_container_delete(g->root, argv[i], force, &e);
        if (r < 0 && ret == 0) {
            *err = e;
            ret = r;
        } else {
            congo_error_clear(&e);
        }
    }
    return ret;
}
