/* congo exec: being implemented on branch `exec` (issue 4). */
#include "config.h"

#include <errno.h>

#include "command.h"

int cmd_exec(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    return congo_error_set(err, ENOSYS, "exec is not implemented yet");
}
