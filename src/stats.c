/* congo stats: a live table of the resource use of containers (CPU %,
 * memory use and limit, pids, block I/O), refreshed like top; or one
 * snapshot (--no-stream), as a table or JSON. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "libcongo/container-cgroups.h"
#include "libcongo/container.h"
#include "libcongo/utils.h"

static const char stats_usage[] =
    "Usage: congo stats [--no-stream] [--format table|json] [--interval DURATION] [ID...]\n"
    "\n"
    "Show the CPU, memory, pids and block I/O use of the named containers (default:\n"
    "every running one), refreshed every second until interrupted.\n"
    "\n"
    "  --no-stream           print one snapshot and exit\n"
    "  --format FORMAT       table (default) or json (one array per refresh)\n"
    "  --interval SECONDS    time between refreshes (default 1)\n";

enum { OPT_NO_STREAM = 1000, OPT_FORMAT, OPT_INTERVAL };

struct stats_opts {
    bool no_stream, json;
    double interval;
};

static int stats_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct stats_opts *o = data;
    char *end;
    switch (opt) {
    case OPT_NO_STREAM:
        o->no_stream = true;
        break;
    case OPT_FORMAT:
        if (strcmp(arg, "json") != 0 && strcmp(arg, "table") != 0)
            return congo_error_set(err, 0, "--format: `%s` is not a format (expected table or json)", arg);
        o->json = strcmp(arg, "json") == 0;
        break;
    case OPT_INTERVAL:
        o->interval = strtod(arg, &end);
        if (end == arg || *end || o->interval < 0.1 || o->interval > 3600)
            return congo_error_set(err, 0, "--interval: `%s` is not a number of seconds (0.1 to 3600)", arg);
        break;
    }
    return 0;
}

struct sample {
    char *id;
    bool ok;
    uint64_t cpu_ns, mem, mem_limit, pids, rd, wr;
    long long at_ns;
    double cpu_pct;
};

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t host_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (uint64_t) pages * (uint64_t) size : 0;
}

static void take(struct sample *smp, const char *root)
{
    _cleanup_state_ struct congo_state *s = NULL;
    struct congo_cgroup *cg = NULL;
    struct congo_cgroup_stats st;
    enum congo_status status;
    congo_error ignored = CONGO_ERROR_INIT;
    uint64_t prev_cpu = smp->cpu_ns;
    long long prev_at = smp->at_ns;
    bool had = smp->ok;

    smp->ok = false;
    if (congo_container_cgroup(&cg, &s, &status, root, smp->id, &ignored) < 0 || status == CONGO_STATUS_STOPPED
        || congo_cgroup_stats(cg, &st, &ignored) < 0) {
        congo_error_clear(&ignored);
        congo_cgroup_free(cg);
        return;
    }
    smp->ok = true;
    smp->at_ns = now_ns();
    smp->cpu_ns = st.cpu_total;
    /* What the container really holds: usage without the reclaimable page cache. */
    uint64_t inactive = 0;
    for (size_t i = 0; i < st.n_raw; i++)
        if (strcmp(st.raw_keys[i], "total_inactive_file") == 0 || strcmp(st.raw_keys[i], "inactive_file") == 0)
            inactive = st.raw_values[i];
    smp->mem = st.mem.usage > inactive ? st.mem.usage - inactive : st.mem.usage;
    smp->mem_limit = st.mem.limit;
    if (smp->mem_limit == UINT64_MAX || smp->mem_limit >= (1ULL << 62) || smp->mem_limit == 0)
        smp->mem_limit = host_memory();
    smp->pids = st.pids_current;
    smp->rd = smp->wr = 0;
    for (size_t i = 0; i < st.n_io_bytes; i++) {
        if (strcmp(st.io_bytes[i].op, "Read") == 0)
            smp->rd += st.io_bytes[i].value;
        else if (strcmp(st.io_bytes[i].op, "Write") == 0)
            smp->wr += st.io_bytes[i].value;
    }
    smp->cpu_pct = had && smp->at_ns > prev_at && smp->cpu_ns >= prev_cpu
                       ? 100.0 * (double) (smp->cpu_ns - prev_cpu) / (double) (smp->at_ns - prev_at)
                       : 0;
    congo_cgroup_stats_free(&st);
    congo_cgroup_free(cg);
}

static void human(char *buf, size_t size, uint64_t v)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    double d = (double) v;
    int u = 0;
    while (d >= 1024 && u < 4) {
        d /= 1024;
        u++;
    }
    snprintf(buf, size, u ? "%.2f%s" : "%.0f%s", d, units[u]);
}

static void print_table(struct sample *v, size_t n, bool clear)
{
    int w = 12;
    for (size_t i = 0; i < n; i++)
        if ((int) strlen(v[i].id) > w)
            w = (int) strlen(v[i].id);
    if (w > 64)
        w = 64;
    if (clear)
        fputs("\033[H\033[2J", stdout);
    printf("%-*s  %7s  %-21s  %6s  %5s  %s\n", w, "ID", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS", "BLOCK I/O");
    for (size_t i = 0; i < n; i++) {
        char mu[16], ml[16], rd[16], wr[16], usage[40], io[40];
        if (!v[i].ok) {
            printf("%-*.*s  %7s  %-21s  %6s  %5s  %s\n", w, w, v[i].id, "--", "-- / --", "--", "--", "--");
            continue;
        }
        human(mu, sizeof mu, v[i].mem);
        human(ml, sizeof ml, v[i].mem_limit);
        human(rd, sizeof rd, v[i].rd);
        human(wr, sizeof wr, v[i].wr);
        snprintf(usage, sizeof usage, "%s / %s", mu, ml);
        snprintf(io, sizeof io, "%s / %s", rd, wr);
        printf("%-*.*s  %6.2f%%  %-21s  %5.2f%%  %5" PRIu64 "  %s\n", w, w, v[i].id, v[i].cpu_pct, usage,
               v[i].mem_limit ? 100.0 * (double) v[i].mem / (double) v[i].mem_limit : 0, v[i].pids, io);
    }
    fflush(stdout);
}

static void print_json(struct sample *v, size_t n)
{
    fputc('[', stdout);
    for (size_t i = 0, k = 0; i < n; i++) {
        if (!v[i].ok)
            continue;
        /* IDs are [A-Za-z0-9_+.-]: no escaping needed. */
        printf("%s{\"id\":\"%s\",\"cpu_percent\":%.2f,\"memory_usage\":%" PRIu64 ",\"memory_limit\":%" PRIu64
               ",\"memory_percent\":%.2f,\"pids\":%" PRIu64 ",\"block_read\":%" PRIu64 ",\"block_write\":%" PRIu64
               "}",
               k++ ? "," : "", v[i].id, v[i].cpu_pct, v[i].mem, v[i].mem_limit,
               v[i].mem_limit ? 100.0 * (double) v[i].mem / (double) v[i].mem_limit : 0, v[i].pids, v[i].rd,
               v[i].wr);
    }
    puts("]");
    fflush(stdout);
}

static volatile sig_atomic_t stop;
static void on_signal(int sig) { stop = 1; }

int cmd_stats(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = {
        { "no-stream", no_argument, NULL, OPT_NO_STREAM },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "interval", required_argument, NULL, OPT_INTERVAL },
        {},
    };
    static const struct command_opts opts = { stats_usage, "", longopts, false };
    struct stats_opts o = { .interval = 1 };
    _cleanup_strv_ char **ids = NULL;
    struct sample *v = NULL;
    size_t n = 0;
    bool all;
    int first, r;

    r = command_parse(&opts, argc, argv, stats_opt, &o, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    all = first >= argc;
    if (all) {
        r = congo_state_list(&ids, g->root, err);
        if (r < 0)
            return r;
    } else {
        /* Named containers must exist. */
        for (int i = first; i < argc; i++) {
            _cleanup_state_ struct congo_state *s = NULL;
            enum congo_status st;
            r = congo_container_load(&s, &st, g->root, argv[i], err);
            if (r < 0)
                return r;
        }
        ids = strv_dup(argv + first);
    }
    n = strv_length(ids);
    v = xnew0(struct sample, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        v[i].id = ids[i];

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    /* CPU % needs two samples: the first refresh comes after a short one. */
    for (size_t i = 0; i < n; i++)
        take(&v[i], g->root);
    usleep(o.no_stream ? 500000 : 200000);
    while (!stop) {
        size_t shown = 0;
        struct sample *rows = xnew0(struct sample, n ? n : 1);
        for (size_t i = 0; i < n; i++) {
            take(&v[i], g->root);
            /* Without names, stopped containers drop out of the table. */
            if (v[i].ok || !all)
                rows[shown++] = v[i];
        }
        if (o.json)
            print_json(rows, shown);
        else
            print_table(rows, shown, !o.no_stream && isatty(1));
        free(rows);
        if (o.no_stream)
            break;
        usleep((useconds_t) (o.interval * 1e6));
    }
    free(v);
    return 0;
}
