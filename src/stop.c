/* congo stop: SIGTERM, SIGKILL to every process after a grace period, then
 * delete.  Accepts a container ID or the host pid of its init. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "libcongo/container.h"
#include "libcongo/utils.h"

static const char stop_usage[] =
    "Usage: congo stop [--time N] ID|PID\n"
    "\n"
    "Stop a container: SIGTERM to its init, SIGKILL to all its processes after N\n"
    "seconds (default 10), then delete it. PID is the host pid of its init.\n"
    "\n"
    "  -t, --time N   seconds to wait after SIGTERM\n";

static int stop_opt(int opt, const char *arg, void *data, congo_error *err)
{
    long long n;
    if (parse_int64(arg, &n) < 0 || n < 0 || n > 86400 * 365)
        return congo_error_set(err, EINVAL, "--time: `%s` is not a number of seconds", arg);
    *(long long *) data = n;
    return 0;
}

static bool stopped(struct congo_global *g, const char *id)
{
    struct congo_state *s = NULL;
    enum congo_status st;
    congo_error ignored = CONGO_ERROR_INIT;
    bool r = true;
    if (congo_container_load(&s, &st, g->root, id, &ignored) == 0) {
        r = st == CONGO_STATUS_STOPPED;
        congo_state_free(s);
    }
    congo_error_clear(&ignored);
    return r;
}

int cmd_stop(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = { { "time", required_argument, NULL, 't' }, {} };
    static const struct command_opts opts = { stop_usage, "t:", longopts, false };
    _cleanup_free_ char *id = NULL;
    long long grace = 10;
    congo_error ignored = CONGO_ERROR_INIT;
    int first, r;

    r = command_parse(&opts, argc, argv, stop_opt, &grace, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("stop", argc - first, 1, 1, "a container ID or pid", err);
    if (r < 0)
        return r;
    r = congo_container_resolve(&id, g->root, argv[first], err);
    if (r < 0)
        return r;
    if (!stopped(g, id)) {
        struct timespec deadline, now;
        if (congo_container_kill(g->root, id, SIGTERM, false, &ignored) < 0)
            congo_error_clear(&ignored);
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += grace;
        for (;;) {
            if (stopped(g, id))
                break;
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec > deadline.tv_sec || (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec))
                break;
            usleep(20000);
        }
    }
    r = congo_container_delete(g->root, id, true, err);
    return r < 0 ? r : 0;
}
