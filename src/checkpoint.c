/* congo checkpoint / restore: congo does not do checkpoint/restore (no CRIU
 * support); say so clearly, as podman and containerd show this text. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "command.h"

static const char checkpoint_usage[] =
    "Usage: congo checkpoint [OPTIONS] ID\n"
    "\n"
    "Checkpoint a running container with CRIU: not supported by congo (it has\n"
    "no CRIU support); the command always fails and says so. runc's options\n"
    "(--image-path, --leave-running, ...) are accepted and ignored.\n";

static const char restore_usage[] =
    "Usage: congo restore [OPTIONS] ID\n"
    "\n"
    "Restore a container from a CRIU checkpoint: not supported by congo (it has\n"
    "no CRIU support); the command always fails and says so. runc's options\n"
    "(--image-path, --bundle, --detach, ...) are accepted and ignored.\n";

/* Only --help is understood: any other option is runc's and changes
 * nothing about the answer. */
static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-help") == 0)
            return true;
    return false;
}

int cmd_checkpoint(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    if (wants_help(argc, argv)) {
        fputs(checkpoint_usage, stdout);
        return 0;
    }
    return congo_error_set(err, ENOTSUP, "checkpoint is not supported by congo (no CRIU support)");
}

int cmd_restore(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    if (wants_help(argc, argv)) {
        fputs(restore_usage, stdout);
        return 0;
    }
    return congo_error_set(err, ENOTSUP, "restore is not supported by congo (no CRIU support)");
}
