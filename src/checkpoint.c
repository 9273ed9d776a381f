/* congo checkpoint / restore: congo does not do checkpoint/restore (no CRIU
 * support); say so clearly, as podman and containerd show this text. */
#include "config.h"

#include <errno.h>

#include "command.h"

int cmd_checkpoint(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    return congo_error_set(err, ENOTSUP, "checkpoint is not supported by congo (no CRIU support)");
}

int cmd_restore(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    return congo_error_set(err, ENOTSUP, "restore is not supported by congo (no CRIU support)");
}
