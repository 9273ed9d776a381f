/* congo ps: the processes of a container (every process in its cgroup), as
 * ps(1) lines or as a JSON array of host pids (what containerd's shim reads). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "command.h"
#include "libcongo/container-cgroups.h"
#include "libcongo/utils.h"

static const char ps_usage[] =
    "Usage: congo ps [--format table|json] ID [PS-ARGS...]\n"
    "\n"
    "List the processes of a container.  With the table format, ps(1) runs with\n"
    "PS-ARGS (default -ef) and only the lines of the container's processes are kept;\n"
    "json prints the host pids as a JSON array.\n"
    "\n"
    "  -f, --format FORMAT   table (default) or json\n";

static int ps_opt(int opt, const char *arg, void *data, congo_error *err)
{
    const char **format = data;
    if (strcmp(arg, "table") != 0 && strcmp(arg, "json") != 0)
        return congo_error_set(err, 0, "--format: `%s` is not a format (expected table or json)", arg);
    *format = arg;
    return 0;
}

static bool has_pid(const pid_t *pids, size_t n, long v)
{
    for (size_t i = 0; i < n; i++)
        if (pids[i] == v)
            return true;
    return false;
}

/* Run ps(1) and keep the header and the lines whose PID column is ours. */
static int ps_table(const pid_t *pids, size_t n, char **args, int nargs, congo_error *err)
{
    _cleanup_free_ char **argv = xnew0(char *, (size_t) nargs + 3);
    _cleanup_free_ char *out = NULL;
    int p[2], status, col = -1, k = 0;
    pid_t child;

    argv[k++] = "ps";
    if (nargs == 0)
        argv[k++] = "-ef";
    for (int i = 0; i < nargs; i++)
        argv[k++] = args[i];
    if (pipe2(p, O_CLOEXEC) < 0)
        return congo_error_errno(err, "pipe");
    child = fork();
    if (child < 0)
        return congo_error_errno(err, "fork");
    if (child == 0) {
        dup2(p[1], 1);
        execvp("ps", argv);
        _exit(127);
    }
    close(p[1]);
    int r = read_fd(p[0], 0, &out, NULL, err);
    close(p[0]);
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    if (r < 0)
        return r;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return congo_error_set(err, 0, "ps %s failed (exit status %d)", nargs ? "with the given arguments" : "-ef",
                               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    for (char *line = out, *nl; line && *line; line = nl) {
        nl = strchr(line, '\n');
        if (nl)
            *nl++ = '\0';
        _cleanup_free_ char *copy = xstrdup(line);
        char *save = NULL, *tok = strtok_r(copy, " \t", &save);
        if (col < 0) {
            for (int i = 0; tok; i++, tok = strtok_r(NULL, " \t", &save))
                if (strcmp(tok, "PID") == 0)
                    col = i;
            if (col < 0)
                return congo_error_set(err, 0, "ps output has no PID column");
            puts(line);
            continue;
        }
        for (int i = 0; tok && i < col; i++)
            tok = strtok_r(NULL, " \t", &save);
        if (tok && has_pid(pids, n, strtol(tok, NULL, 10)))
            puts(line);
    }
    return 0;
}

int cmd_ps(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = { { "format", required_argument, NULL, 'f' }, {} };
    static const struct command_opts opts = { ps_usage, "f:", longopts, true };
    const char *format = "table";
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    int first, r, rest;

    r = command_parse(&opts, argc, argv, ps_opt, &format, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("ps", argc - first, 1, argc, "a container ID", err);
    if (r < 0)
        return r;
    r = congo_container_pids(&pids, &n, g->root, argv[first], err);
    if (r < 0)
        return r;
    if (strcmp(format, "json") == 0) {
        fputc('[', stdout);
        for (size_t i = 0; i < n; i++)
            printf("%s%d", i ? "," : "", (int) pids[i]);
        puts("]");
        return 0;
    }
    rest = first + 1;
    if (rest < argc && strcmp(argv[rest], "--") == 0)
        rest++;
    return ps_table(pids, n, argv + rest, argc - rest, err);
}
