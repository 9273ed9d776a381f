/* congo resume: thaw a paused container (v1 freezer or cgroup2's
 * cgroup.freeze). */
#include "config.h"

#include "command.h"
#include "libcongo/container-cgroups.h"

static const char resume_usage[] =
    "Usage: congo resume ID\n"
    "\n"
    "Thaw every process of a paused container.  ID may also be the host pid of\n"
    "the container's init.\n";

static int no_opts(int opt, const char *arg, void *data, congo_error *err) { return 0; }

int cmd_resume(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = { {} };
    static const struct command_opts opts = { resume_usage, "", longopts, false };
    int first, r;

    r = command_parse(&opts, argc, argv, no_opts, NULL, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("resume", argc - first, 1, 1, "a container ID", err);
    if (r < 0)
        return r;
    r = congo_container_resume(g->root, argv[first], err);
    return r < 0 ? r : 0;
}
