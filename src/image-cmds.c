/* congo pull, extract, images, rmi: the docker-like names of congo-image's
 * commands.  congo links no network or archive library, so each runs the
 * congo-image helper program (found as for `run IMAGE`, see
 * libcongo/image-helper.c) with congo's stdio: its output and its own error
 * messages are the command's, and so is its exit status. */
#include "config.h"

#include <errno.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>

#include "command.h"
#include "libcongo/image-helper.h"
#include "libcongo/utils.h"

extern char **environ;

static int image_passthrough(const char *sub, int argc, char **argv, congo_error *err)
{
    _cleanup_free_ char **args = xnew0(char *, argc + 2);
    const char *path = congo_image_helper_path();
    pid_t pid;
    int r, status;

    args[0] = (char *) path;
    args[1] = (char *) sub;
    for (int i = 1; i < argc; i++)
        args[i + 1] = argv[i];
    r = posix_spawnp(&pid, path, NULL, NULL, args, environ);
    if (r != 0)
        return congo_error_set(err, r, "run `%s` (congo %s is congo-image %s)", path, argv[0], sub);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return congo_error_errno(err, "wait for congo-image");
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

int cmd_pull(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    return image_passthrough("pull", argc, argv, err);
}

int cmd_extract(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    return image_passthrough("extract", argc, argv, err);
}

int cmd_images(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    return image_passthrough("images", argc, argv, err);
}

int cmd_rmi(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    return image_passthrough("rm", argc, argv, err);
}
