/* congo run: not implemented yet. */
#include "config.h"

#include <errno.h>

#include "command.h"

int cmd_run(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    return congo_error_set(err, ENOSYS, "not implemented yet");
}
