/* Resource statistics of a container's cgroup (cpu, memory, pids, block
 * I/O, hugetlb) from wherever each controller lives (v1 hierarchy or
 * cgroup2), in runc's `events` JSON shape; and the OOM notification used by
 * `congo events`. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "cgroup-internal.h"
#include "utils.h"

/* The dir of `v1name`'s hierarchy, else the cgroup2 dir when it has `probe`. */
static struct congo_cgroup_dir *stat_dir(struct congo_cgroup *cg, const char *v1name, const char *probe)
{
    struct congo_cgroup_dir *d;
    if (congo_cgroup_v1_has(cg, v1name))
        return congo_cgroup_v1_dir(cg, v1name);
    d = congo_cgroup_v2_dir(cg);
    if (d && faccessat(d->fd, probe, F_OK, 0) == 0)
        return d;
    return NULL;
}

static bool read_u64(int dirfd, const char *file, uint64_t *out)
{
    char buf[64];
    unsigned long long v;
    if (congo_cgroup_read(dirfd, file, buf, sizeof buf) < 0)
        return false;
    if (strcmp(buf, "max") == 0) {
        *out = UINT64_MAX;
        return true;
    }
    if (parse_uint64(buf, &v) < 0)
        return false;
    *out = v;
    return true;
}

/* "key value" lines: the value of key, or false. */
static bool keyed(const char *text, const char *key, uint64_t *out)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
            *out = strtoull(p + kl + 1, NULL, 10);
            return true;
        }
    }
    return false;
}

static char *read_text(int dirfd, const char *file)
{
    char *data = NULL;
    congo_error ignored = CONGO_ERROR_INIT;
    if (read_file_at(dirfd, file, 1 << 20, &data, NULL, &ignored) < 0) {
        congo_error_clear(&ignored);
        return NULL;
    }
    return data;
}

static void add_raw(struct congo_cgroup_stats *s, const char *k, uint64_t v)
{
    s->raw_keys = xrealloc(s->raw_keys, (s->n_raw + 1) * sizeof *s->raw_keys);
    s->raw_values = xrealloc(s->raw_values, (s->n_raw + 1) * sizeof *s->raw_values);
    s->raw_keys[s->n_raw] = xstrdup(k);
    s->raw_values[s->n_raw++] = v;
}

static void add_blkio(struct congo_blkio_entry **v, size_t *n, uint64_t maj, uint64_t min, const char *op, uint64_t val)
{
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[*n].major = maj;
    (*v)[*n].minor = min;
    snprintf((*v)[*n].op, sizeof (*v)[*n].op, "%s", op);
    (*v)[*n].value = val;
    (*n)++;
}

static void cpu_stats(struct congo_cgroup *cg, struct congo_cgroup_stats *s)
{
    struct congo_cgroup_dir *d = stat_dir(cg, "cpuacct", "cpu.stat");
    _cleanup_free_ char *stat = NULL;

    if (d && !d->v2) {
        _cleanup_free_ char *ticks = read_text(d->fd, "cpuacct.stat");
        _cleanup_free_ char *percpu = read_text(d->fd, "cpuacct.usage_percpu");
        long hz = sysconf(_SC_CLK_TCK);
        uint64_t v;
        s->has_cpu = read_u64(d->fd, "cpuacct.usage", &s->cpu_total);
        if (ticks && hz > 0) {
            if (keyed(ticks, "user", &v))
                s->cpu_user = v * (1000000000ULL / (uint64_t) hz);
            if (keyed(ticks, "system", &v))
                s->cpu_kernel = v * (1000000000ULL / (uint64_t) hz);
        }
        for (char *p = percpu, *end; p && *p; p = end) {
            unsigned long long x = strtoull(p, &end, 10);
            if (end == p)
                break;
            s->percpu = xrealloc(s->percpu, (s->n_percpu + 1) * sizeof *s->percpu);
            s->percpu[s->n_percpu++] = x;
        }
        /* Throttling lives in the cpu hierarchy (cpu,cpuacct or its own). */
        struct congo_cgroup_dir *c = congo_cgroup_v1_dir(cg, "cpu");
        if (c)
            stat = read_text(c->fd, "cpu.stat");
        if (stat) {
            keyed(stat, "nr_periods", &s->cpu_periods);
            keyed(stat, "nr_throttled", &s->cpu_throttled_periods);
            keyed(stat, "throttled_time", &s->cpu_throttled_time);
        }
        return;
    }
    if (!d)
        return;
    stat = read_text(d->fd, "cpu.stat");
    if (!stat)
        return;
    uint64_t v;
    s->has_cpu = true;
    if (keyed(stat, "usage_usec", &v))
        s->cpu_total = v * 1000;
    if (keyed(stat, "user_usec", &v))
        s->cpu_user = v * 1000;
    if (keyed(stat, "system_usec", &v))
        s->cpu_kernel = v * 1000;
    keyed(stat, "nr_periods", &s->cpu_periods);
    keyed(stat, "nr_throttled", &s->cpu_throttled_periods);
    if (keyed(stat, "throttled_usec", &v))
        s->cpu_throttled_time = v * 1000;
}

static void memory_stats(struct congo_cgroup *cg, struct congo_cgroup_stats *s)
{
    struct congo_cgroup_dir *d = stat_dir(cg, "memory", "memory.current");
    _cleanup_free_ char *stat = NULL, *events = NULL;

    if (!d)
        return;
    stat = read_text(d->fd, "memory.stat");
    for (char *p = stat, *nl; p && *p; p = nl) {
        char key[128];
        unsigned long long v;
        nl = strchr(p, '\n');
        if (nl)
            *nl++ = '\0';
        if (sscanf(p, "%127s %llu", key, &v) == 2)
            add_raw(s, key, v);
    }
    if (!d->v2) {
        s->has_memory = read_u64(d->fd, "memory.usage_in_bytes", &s->mem.usage);
        read_u64(d->fd, "memory.limit_in_bytes", &s->mem.limit);
        read_u64(d->fd, "memory.max_usage_in_bytes", &s->mem.max);
        read_u64(d->fd, "memory.failcnt", &s->mem.failcnt);
        read_u64(d->fd, "memory.memsw.usage_in_bytes", &s->swap.usage);
        read_u64(d->fd, "memory.memsw.limit_in_bytes", &s->swap.limit);
        read_u64(d->fd, "memory.memsw.max_usage_in_bytes", &s->swap.max);
        read_u64(d->fd, "memory.memsw.failcnt", &s->swap.failcnt);
        read_u64(d->fd, "memory.kmem.usage_in_bytes", &s->kernel.usage);
        read_u64(d->fd, "memory.kmem.limit_in_bytes", &s->kernel.limit);
        read_u64(d->fd, "memory.kmem.max_usage_in_bytes", &s->kernel.max);
        read_u64(d->fd, "memory.kmem.failcnt", &s->kernel.failcnt);
        read_u64(d->fd, "memory.kmem.tcp.usage_in_bytes", &s->kernel_tcp.usage);
        read_u64(d->fd, "memory.kmem.tcp.limit_in_bytes", &s->kernel_tcp.limit);
        read_u64(d->fd, "memory.kmem.tcp.max_usage_in_bytes", &s->kernel_tcp.max);
        read_u64(d->fd, "memory.kmem.tcp.failcnt", &s->kernel_tcp.failcnt);
        if (stat)
            for (size_t i = 0; i < s->n_raw; i++)
                if (strcmp(s->raw_keys[i], "cache") == 0)
                    s->mem_cache = s->raw_values[i];
        events = read_text(d->fd, "memory.oom_control");
        if (events)
            keyed(events, "oom_kill", &s->oom_kills);
        return;
    }
    s->has_memory = read_u64(d->fd, "memory.current", &s->mem.usage);
    read_u64(d->fd, "memory.max", &s->mem.limit);
    read_u64(d->fd, "memory.peak", &s->mem.max);
    events = read_text(d->fd, "memory.events");
    if (events) {
        keyed(events, "max", &s->mem.failcnt);
        keyed(events, "oom_kill", &s->oom_kills);
    }
    /* As runc: v2 swap is reported as memory+swap, like v1's memsw. */
    uint64_t sw = 0, swmax = 0;
    if (read_u64(d->fd, "memory.swap.current", &sw))
        s->swap.usage = sw + s->mem.usage;
    if (read_u64(d->fd, "memory.swap.max", &swmax))
        s->swap.limit = (swmax == UINT64_MAX || s->mem.limit == UINT64_MAX) ? UINT64_MAX : swmax + s->mem.limit;
    for (size_t i = 0; i < s->n_raw; i++)
        if (strcmp(s->raw_keys[i], "file") == 0)
            s->mem_cache = s->raw_values[i];
}

static void pids_stats(struct congo_cgroup *cg, struct congo_cgroup_stats *s)
{
    struct congo_cgroup_dir *d = stat_dir(cg, "pids", "pids.current");
    if (!d)
        return;
    s->has_pids = read_u64(d->fd, "pids.current", &s->pids_current);
    if (read_u64(d->fd, "pids.max", &s->pids_limit) && s->pids_limit == UINT64_MAX)
        s->pids_limit = 0;
}

static void blkio_v1(int fd, const char *file, struct congo_blkio_entry **v, size_t *n)
{
    _cleanup_free_ char *text = read_text(fd, file);
    for (char *p = text, *nl; p && *p; p = nl) {
        unsigned maj, min;
        char op[16];
        unsigned long long val;
        nl = strchr(p, '\n');
        if (nl)
            *nl++ = '\0';
        if (sscanf(p, "%u:%u %15s %llu", &maj, &min, op, &val) == 4)
            add_blkio(v, n, maj, min, op, val);
    }
}

static void blkio_stats(struct congo_cgroup *cg, struct congo_cgroup_stats *s)
{
    struct congo_cgroup_dir *d = stat_dir(cg, "blkio", "io.stat");
    if (!d)
        return;
    s->has_blkio = true;
    if (!d->v2) {
        /* The throttle files count every I/O; the bfq ones only under bfq. */
        blkio_v1(d->fd, "blkio.throttle.io_service_bytes_recursive", &s->io_bytes, &s->n_io_bytes);
        blkio_v1(d->fd, "blkio.throttle.io_serviced_recursive", &s->io_ops, &s->n_io_ops);
        return;
    }
    _cleanup_free_ char *text = read_text(d->fd, "io.stat");
    for (char *p = text, *nl; p && *p; p = nl) {
        unsigned maj, min;
        int off = 0;
        nl = strchr(p, '\n');
        if (nl)
            *nl++ = '\0';
        if (sscanf(p, "%u:%u %n", &maj, &min, &off) < 2)
            continue;
        uint64_t rb = 0, wb = 0, rio = 0, wio = 0;
        for (char *tok = p + off, *save = NULL, *t = strtok_r(tok, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
            unsigned long long v = strtoull(strchr(t, '=') ? strchr(t, '=') + 1 : "0", NULL, 10);
            if (str_has_prefix(t, "rbytes="))
                rb = v;
            else if (str_has_prefix(t, "wbytes="))
                wb = v;
            else if (str_has_prefix(t, "rios="))
                rio = v;
            else if (str_has_prefix(t, "wios="))
                wio = v;
        }
        add_blkio(&s->io_bytes, &s->n_io_bytes, maj, min, "Read", rb);
        add_blkio(&s->io_bytes, &s->n_io_bytes, maj, min, "Write", wb);
        add_blkio(&s->io_bytes, &s->n_io_bytes, maj, min, "Total", rb + wb);
        add_blkio(&s->io_ops, &s->n_io_ops, maj, min, "Read", rio);
        add_blkio(&s->io_ops, &s->n_io_ops, maj, min, "Write", wio);
        add_blkio(&s->io_ops, &s->n_io_ops, maj, min, "Total", rio + wio);
    }
}

static void hugetlb_stats(struct congo_cgroup *cg, struct congo_cgroup_stats *s)
{
    _cleanup_closedir_ DIR *dir = NULL;
    struct dirent *de;
    bool v2 = !congo_cgroup_v1_has(cg, "hugetlb");
    struct congo_cgroup_dir *d = v2 ? congo_cgroup_v2_dir(cg) : congo_cgroup_v1_dir(cg, "hugetlb");
    int dfd;

    if (!d || (dfd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return;
    dir = fdopendir(dfd);
    if (!dir) {
        close(dfd);
        return;
    }
    while ((de = readdir(dir))) {
        const char *suffix = v2 ? ".current" : ".usage_in_bytes";
        char size[16], file[96];
        if (!str_has_prefix(de->d_name, "hugetlb.") || !str_has_suffix(de->d_name, suffix)
            || strstr(de->d_name, ".rsvd."))
            continue;
        size_t l = strlen(de->d_name) - strlen("hugetlb.") - strlen(suffix);
        if (l == 0 || l >= sizeof size)
            continue;
        memcpy(size, de->d_name + strlen("hugetlb."), l);
        size[l] = '\0';
        s->huge = xrealloc(s->huge, (s->n_huge + 1) * sizeof *s->huge);
        struct congo_hugetlb_stat *h = &s->huge[s->n_huge++];
        memset(h, 0, sizeof *h);
        snprintf(h->page_size, sizeof h->page_size, "%s", size);
        read_u64(d->fd, de->d_name, &h->usage);
        if (v2) {
            snprintf(file, sizeof file, "hugetlb.%s.max", size);
            read_u64(d->fd, file, &h->max);
            snprintf(file, sizeof file, "hugetlb.%s.events", size);
            _cleanup_free_ char *ev = read_text(d->fd, file);
            if (ev)
                keyed(ev, "max", &h->failcnt);
        } else {
            snprintf(file, sizeof file, "hugetlb.%s.max_usage_in_bytes", size);
            read_u64(d->fd, file, &h->max);
            snprintf(file, sizeof file, "hugetlb.%s.failcnt", size);
            read_u64(d->fd, file, &h->failcnt);
        }
    }
}

int congo_cgroup_stats(struct congo_cgroup *cg, struct congo_cgroup_stats *out, congo_error *err)
{
    struct congo_cgroup_stats s;
    bool any = false;

    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < cg->n; i++)
        any |= cg->dirs[i].fd >= 0;
    if (!any)
        return congo_error_set(err, ENOENT, "cgroup `%s` does not exist", cg->path);
    cpu_stats(cg, &s);
    memory_stats(cg, &s);
    pids_stats(cg, &s);
    blkio_stats(cg, &s);
    hugetlb_stats(cg, &s);
    *out = s;
    return 0;
}

void congo_cgroup_stats_free(struct congo_cgroup_stats *s)
{
    free(s->percpu);
    for (size_t i = 0; i < s->n_raw; i++)
        free(s->raw_keys[i]);
    free(s->raw_keys);
    free(s->raw_values);
    free(s->io_bytes);
    free(s->io_ops);
    free(s->huge);
    memset(s, 0, sizeof *s);
}

/* ---- JSON ---- */

#define GS(g, s) yajl_gen_string((g), (const unsigned char *) (s), strlen(s))
static void gu(yajl_gen g, const char *k, uint64_t v)
{
    GS(g, k);
    /* "max" (no limit) reads as the largest value, as runc reports it. */
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    yajl_gen_number(g, buf, strlen(buf));
}

static void gen_mem_entry(yajl_gen g, const char *k, const struct congo_mem_entry *e)
{
    GS(g, k);
    yajl_gen_map_open(g);
    gu(g, "limit", e->limit);
    if (e->usage)
        gu(g, "usage", e->usage);
    if (e->max)
        gu(g, "max", e->max);
    gu(g, "failcnt", e->failcnt);
    yajl_gen_map_close(g);
}

static void gen_blkio(yajl_gen g, const char *k, const struct congo_blkio_entry *v, size_t n)
{
    if (!n)
        return;
    GS(g, k);
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++) {
        yajl_gen_map_open(g);
        gu(g, "major", v[i].major);
        gu(g, "minor", v[i].minor);
        GS(g, "op");
        GS(g, v[i].op);
        gu(g, "value", v[i].value);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

static void gen_stats(yajl_gen g, const struct congo_cgroup_stats *s)
{
    yajl_gen_map_open(g);
    GS(g, "cpu");
    yajl_gen_map_open(g);
    GS(g, "usage");
    yajl_gen_map_open(g);
    gu(g, "total", s->cpu_total);
    if (s->n_percpu) {
        GS(g, "percpu");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < s->n_percpu; i++) {
            char buf[32];
            snprintf(buf, sizeof buf, "%" PRIu64, s->percpu[i]);
            yajl_gen_number(g, buf, strlen(buf));
        }
        yajl_gen_array_close(g);
    }
    gu(g, "kernel", s->cpu_kernel);
    gu(g, "user", s->cpu_user);
    yajl_gen_map_close(g);
    GS(g, "throttling");
    yajl_gen_map_open(g);
    gu(g, "periods", s->cpu_periods);
    gu(g, "throttledPeriods", s->cpu_throttled_periods);
    gu(g, "throttledTime", s->cpu_throttled_time);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);

    GS(g, "memory");
    yajl_gen_map_open(g);
    gu(g, "cache", s->mem_cache);
    gen_mem_entry(g, "usage", &s->mem);
    gen_mem_entry(g, "swap", &s->swap);
    gen_mem_entry(g, "kernel", &s->kernel);
    gen_mem_entry(g, "kernelTCP", &s->kernel_tcp);
    if (s->n_raw) {
        GS(g, "raw");
        yajl_gen_map_open(g);
        for (size_t i = 0; i < s->n_raw; i++)
            gu(g, s->raw_keys[i], s->raw_values[i]);
        yajl_gen_map_close(g);
    }
    GS(g, "event_count");
    yajl_gen_map_open(g);
    gu(g, "oom_kill", s->oom_kills);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);

    GS(g, "pids");
    yajl_gen_map_open(g);
    gu(g, "current", s->pids_current);
    if (s->pids_limit)
        gu(g, "limit", s->pids_limit);
    yajl_gen_map_close(g);

    GS(g, "blkio");
    yajl_gen_map_open(g);
    gen_blkio(g, "ioServiceBytesRecursive", s->io_bytes, s->n_io_bytes);
    gen_blkio(g, "ioServicedRecursive", s->io_ops, s->n_io_ops);
    yajl_gen_map_close(g);

    GS(g, "hugetlb");
    yajl_gen_map_open(g);
    for (size_t i = 0; i < s->n_huge; i++) {
        GS(g, s->huge[i].page_size);
        yajl_gen_map_open(g);
        if (s->huge[i].usage)
            gu(g, "usage", s->huge[i].usage);
        if (s->huge[i].max)
            gu(g, "max", s->huge[i].max);
        gu(g, "failcnt", s->huge[i].failcnt);
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
    GS(g, "intel_rdt");
    yajl_gen_map_open(g);
    yajl_gen_map_close(g);
    GS(g, "network_interfaces");
    yajl_gen_null(g);
    yajl_gen_map_close(g);
}

char *congo_cgroup_event_json(const char *type, const char *id, const struct congo_cgroup_stats *s)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;
    char *out;

    yajl_gen_map_open(g);
    GS(g, "type");
    GS(g, type);
    GS(g, "id");
    GS(g, id);
    if (s) {
        GS(g, "data");
        gen_stats(g, s);
    }
    yajl_gen_map_close(g);
    yajl_gen_get_buf(g, &buf, &len);
    out = xstrndup((const char *) buf, len);
    yajl_gen_free(g);
    return out;
}

/* ---- OOM notification ---- */

int congo_cgroup_oom_fd(struct congo_cgroup *cg, int *fd_out, short *events, congo_error *err)
{
    struct congo_cgroup_dir *d = stat_dir(cg, "memory", "memory.events");
    if (!d)
        return congo_error_set(err, ENOTSUP, "cgroup `%s`: no memory controller to watch for OOM", cg->path);
    if (d->v2) {
        /* memory.events changes are signalled with POLLPRI. */
        int fd = openat(d->fd, "memory.events", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return congo_error_errno(err, "open `memory.events` of `%s`", cg->path);
        *fd_out = fd;
        *events = POLLPRI;
        return 0;
    }
    /* v1: an eventfd registered through cgroup.event_control. */
    _cleanup_close_ int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    _cleanup_close_ int ofd = openat(d->fd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
    char buf[64];
    if (efd < 0 || ofd < 0)
        return congo_error_errno(err, "watch `memory.oom_control` of `%s`", cg->path);
    snprintf(buf, sizeof buf, "%d %d", efd, ofd);
    int r = congo_cgroup_write(d, "cgroup.event_control", buf, err);
    if (r < 0)
        return congo_error_wrap(err, r, "cgroup `%s`", cg->path);
    *fd_out = steal_fd(&efd);
    *events = POLLIN;
    return 0;
}

int congo_cgroup_oom_kills(struct congo_cgroup *cg, uint64_t *out)
{
    struct congo_cgroup_dir *d = stat_dir(cg, "memory", "memory.events");
    _cleanup_free_ char *text = NULL;
    if (!d)
        return -ENOTSUP;
    text = read_text(d->fd, d->v2 ? "memory.events" : "memory.oom_control");
    if (!text || !keyed(text, "oom_kill", out))
        return -ENOENT;
    return 0;
}
