#include "config.h"

#include "image-helper.h"

#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "utils.h"

extern char **environ;

const char *congo_image_helper_path(void)
{
    static char path[PATH_MAX + 16];
    const char *env = getenv("CONGO_IMAGE");
    char self[PATH_MAX];
    ssize_t n;

    if (env && *env)
        return env;
    n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            snprintf(path, sizeof path, "%s/congo-image", self);
            if (access(path, X_OK) == 0)
                return path;
        }
    }
    return "congo-image";
}

static char *read_memfd(int fd)
{
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    if (lseek(fd, 0, SEEK_SET) < 0 || read_fd(fd, 1 << 20, &data, &len, NULL) < 0)
        return NULL;
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' '))
        data[--len] = '\0';
    return steal_pointer(&data);
}

int congo_image_helper(char **out, char *const argv[], congo_error *err)
{
    _cleanup_close_ int out_fd = -1, err_fd = -1;
    _cleanup_free_ char **args = NULL;
    const char *path = congo_image_helper_path();
    posix_spawn_file_actions_t fa;
    size_t n = strv_length(argv);
    pid_t pid;
    int r, status;

    args = xnew0(char *, n + 2);
    args[0] = (char *) path;
    memcpy(args + 1, argv, n * sizeof *argv);
    err_fd = memfd_create("congo-image-stderr", MFD_CLOEXEC);
    if (out)
        out_fd = memfd_create("congo-image-stdout", MFD_CLOEXEC);
    if (err_fd < 0 || (out && out_fd < 0))
        return congo_error_errno(err, "memfd_create");
    posix_spawn_file_actions_init(&fa);
    if (out)
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    r = posix_spawnp(&pid, path, &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (r != 0)
        return congo_error_set(err, r, "run `%s` (congo-image makes and removes image bundles)", path);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return congo_error_errno(err, "wait for congo-image");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        _cleanup_free_ char *msg = read_memfd(err_fd);
        const char *m = msg ? msg : "";
        /* Its message already says what failed; drop its program prefix. */
        if (str_has_prefix(m, "congo-image: "))
            m += strlen("congo-image: ");
        return congo_error_set(err, 0, "congo-image %s: %s", argv[0], *m ? m : "failed");
    }
    if (out) {
        *out = read_memfd(out_fd);
        if (!*out)
            *out = xstrdup("");
    }
    return 0;
}
