/* congo events: resource statistics and OOM notifications of a container,
 * one JSON object per line in runc's format ({"type":"stats","id":...,
 * "data":{...}} and {"type":"oom","id":...}), until the container stops. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "libcongo/container-cgroups.h"
#include "libcongo/utils.h"

static const char events_usage[] =
    "Usage: congo events [--stats] [--interval DURATION] ID\n"
    "\n"
    "Print the container's resource statistics every interval, and an \"oom\" event\n"
    "whenever it hits its memory limit, as JSON lines, until the container stops.\n"
    "\n"
    "  --stats               print the statistics once and exit\n"
    "  --interval DURATION   time between statistics (default 5s; e.g. 500ms, 2s, 1m)\n";

struct events_opts {
    bool stats;
    long long interval_ms;
};

enum { OPT_STATS = 1000, OPT_INTERVAL };

/* A Go-style duration: "5s", "500ms", "1m30s", "1.5s". */
static int parse_duration(const char *s, long long *ms_out)
{
    double total = 0;
    const char *p = s;
    if (!*p)
        return -1;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        double unit;
        if (end == p || v < 0)
            return -1;
        p = end;
        if (str_has_prefix(p, "ms")) { unit = 1; p += 2; }
        else if (str_has_prefix(p, "us") || str_has_prefix(p, "µs")) { unit = 0.001; p += p[0] == 'u' ? 2 : 3; }
        else if (str_has_prefix(p, "ns")) { unit = 0.000001; p += 2; }
        else if (*p == 's') { unit = 1000; p++; }
        else if (*p == 'm') { unit = 60000; p++; }
        else if (*p == 'h') { unit = 3600000; p++; }
        else return -1;
        total += v * unit;
    }
    if (total < 1 || total > 1e12)
        return -1;
    *ms_out = (long long) total;
    return 0;
}

static int events_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct events_opts *o = data;
    if (opt == OPT_STATS)
        o->stats = true;
    else if (parse_duration(arg, &o->interval_ms) < 0)
        return congo_error_set(err, 0, "--interval: `%s` is not a duration of at least 1ms (such as 5s or 500ms)",
                               arg);
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int print_stats(struct congo_cgroup *cg, const char *id, congo_error *err)
{
    struct congo_cgroup_stats st;
    int r = congo_cgroup_stats(cg, &st, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *j = congo_cgroup_event_json("stats", id, &st);
    congo_cgroup_stats_free(&st);
    puts(j);
    fflush(stdout);
    return 0;
}

int cmd_events(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = {
        { "stats", no_argument, NULL, OPT_STATS },
        { "interval", required_argument, NULL, OPT_INTERVAL },
        {},
    };
    static const struct command_opts opts = { events_usage, "", longopts, false };
    struct events_opts o = { .interval_ms = 5000 };
    _cleanup_state_ struct congo_state *s = NULL;
    struct congo_cgroup *cg = NULL;
    enum congo_status status;
    _cleanup_close_ int pidfd = -1, oomfd = -1;
    short oom_events = 0;
    uint64_t ooms = 0;
    const char *id;
    int first, r;

    r = command_parse(&opts, argc, argv, events_opt, &o, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("events", argc - first, 1, 1, "a container ID", err);
    if (r < 0)
        return r;
    id = argv[first];
    r = congo_container_cgroup(&cg, &s, &status, g->root, id, err);
    if (r < 0)
        return r;
    if (status == CONGO_STATUS_STOPPED) {
        r = congo_error_set(err, EINVAL, "container `%s` is stopped: container not running", id);
        goto out;
    }
    if (o.stats) {
        r = print_stats(cg, id, err);
        goto out;
    }

    /* The stream ends when the init exits: watch it through a pidfd, opened
     * after the state said it is alive (no pid reuse in between). */
    pidfd = (int) syscall(SYS_pidfd_open, s->pid, 0);
    if (pidfd < 0 || !congo_pid_alive(s->pid, s->pid_start)) {
        r = congo_error_set(err, ESRCH, "container `%s` is stopped: container not running", id);
        goto out;
    }
    {
        congo_error ignored = CONGO_ERROR_INIT;
        if (congo_cgroup_oom_fd(cg, &oomfd, &oom_events, &ignored) < 0)
            oomfd = -1;
        congo_error_clear(&ignored);
        congo_cgroup_oom_kills(cg, &ooms);
    }
    r = print_stats(cg, id, err);
    for (long long next = now_ms() + o.interval_ms; r == 0;) {
        struct pollfd pfd[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = oomfd, .events = oom_events } };
        long long left = next - now_ms();
        int n = poll(pfd, oomfd >= 0 ? 2 : 1, left > 0 ? (int) (left > 1000000 ? 1000000 : left) : 0);
        if (n < 0 && errno != EINTR) {
            r = congo_error_errno(err, "poll");
            break;
        }
        if (n > 0 && (pfd[1].revents & (POLLIN | POLLPRI | POLLERR))) {
            uint64_t count = ooms, v;
            if (oom_events == POLLIN)
                (void) !read(oomfd, &v, sizeof v); /* v1 eventfd: one per OOM */
            else {
                char buf[256];
                (void) !pread(oomfd, buf, sizeof buf, 0); /* re-arm POLLPRI */
            }
            if (congo_cgroup_oom_kills(cg, &count) < 0 || count > ooms || oom_events == POLLIN) {
                _cleanup_free_ char *j = congo_cgroup_event_json("oom", id, NULL);
                puts(j);
                fflush(stdout);
            }
            ooms = count;
        }
        if (n > 0 && (pfd[0].revents & POLLIN))
            break; /* the container stopped */
        if (now_ms() >= next) {
            r = print_stats(cg, id, err);
            next += o.interval_ms;
        }
    }
out:
    congo_cgroup_free(cg);
    return r < 0 ? r : 0;
}
