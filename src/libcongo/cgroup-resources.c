/* linux.resources on cgroup v1 and v2, at create and by `update`.
 *
 * Two steps.  congo_cgroup_plan() (pure) validates every value and
 * translates the resources into a list of file writes in the native
 * language of wherever each controller lives on this host (v1 hierarchy or
 * cgroup2): shares -> cpu.weight, quota/period -> cpu.max, memory+swap ->
 * memory.swap.max, and so on.  A field the host cannot apply is an error
 * naming the field; nothing is dropped.  The executor then writes the list,
 * and on a failure restores what it already changed (update) so that no
 * limit is half applied; a fresh cgroup is simply removed by the caller.
 *
 * As in runc, a value of 0 for the memory, cpu, pids and blockIO weight
 * fields means "leave as it is". */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "userns.h"
#include "log.h"
#include "utils.h"

#define F "linux.resources."

static const char *const v1_names[CG_NCTRL] = {
    [CG_CPU] = "cpu", [CG_CPUSET] = "cpuset", [CG_MEMORY] = "memory", [CG_PIDS] = "pids", [CG_IO] = "blkio",
    [CG_HUGETLB] = "hugetlb", [CG_NET_CLS] = "net_cls", [CG_NET_PRIO] = "net_prio", [CG_RDMA] = "rdma",
    [CG_DEVICES] = "devices",
};
static const char *const v2_names[CG_NCTRL] = {
    [CG_CPU] = "cpu", [CG_CPUSET] = "cpuset", [CG_MEMORY] = "memory", [CG_PIDS] = "pids", [CG_IO] = "io",
    [CG_HUGETLB] = "hugetlb", [CG_RDMA] = "rdma",
};

const char *congo_cgroup_ctrl_name(enum cg_ctrl c, bool v2)
{
    return v2 ? v2_names[c] : v1_names[c];
}

/* ---- the plan ---- */

static struct cg_write *add(struct cg_plan *p, enum cg_ctrl c, enum cg_where w, const char *field, const char *file,
                            const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static struct cg_write *add(struct cg_plan *p, enum cg_ctrl c, enum cg_where w, const char *field, const char *file,
                            const char *fmt, ...)
{
    va_list ap;
    struct cg_write *x;
    p->w = xrealloc(p->w, (p->n + 1) * sizeof *p->w);
    x = &p->w[p->n++];
    memset(x, 0, sizeof *x);
    x->ctrl = c;
    x->where = w;
    x->field = xstrdup(field);
    x->file = xstrdup(file);
    va_start(ap, fmt);
    if (vasprintf(&x->value, fmt, ap) < 0)
        abort();
    va_end(ap);
    return x;
}

void congo_cgroup_plan_free(struct cg_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->w[i].field);
        free(p->w[i].file);
        free(p->w[i].value);
        free(p->w[i].alt_file);
        free(p->w[i].alt_value);
        free(p->w[i].line_key);
        free(p->w[i].reset);
    }
    free(p->w);
    congo_dev_state_free(&p->devices);
    memset(p, 0, sizeof *p);
}

static int bad(congo_error *err, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(congo_error *err, const char *field, const char *fmt, ...)
{
    va_list ap;
    _cleanup_free_ char *msg = NULL;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    return congo_error_set(err, 0, "%s: %s", field, msg);
}

/* The controller is needed: fail when the host has it nowhere. */
static int need(const enum cg_where *where, enum cg_ctrl c, const char *field, congo_error *err)
{
    if (where[c] != CG_NONE)
        return 0;
    if (c == CG_NET_CLS || c == CG_NET_PRIO)
        return bad(err, field, "the %s controller is not mounted on this host (it exists on cgroup v1 only)",
                   v1_names[c]);
    return bad(err, field, "the %s controller is not available on this host", v1_names[c]);
}

/* Memory-like limits: -1 = unlimited, 0 = unchanged, else > 0. */
static int check_limit(const oci_opt_i64 *v, const char *field, congo_error *err)
{
    if (v->set && v->value < -1)
        return bad(err, field, "`%" PRId64 "` is not a valid limit (expected a number of bytes, or -1 for unlimited)",
                   v->value);
    return 0;
}
static bool limit_set(const oci_opt_i64 *v) { return v->set && v->value != 0; }

int congo_cgroup_cpulist_parse(const char *s, uint64_t *bits, size_t nwords)
{
    const char *p = s;
    memset(bits, 0, nwords * sizeof *bits);
    while (isspace((unsigned char) *p))
        p++;
    if (!*p)
        return -1;
    while (*p) {
        char *end;
        unsigned long a, b;
        if (!isdigit((unsigned char) *p))
            return -1;
        a = strtoul(p, &end, 10);
        b = a;
        p = end;
        if (*p == '-') {
            p++;
            if (!isdigit((unsigned char) *p))
                return -1;
            b = strtoul(p, &end, 10);
            p = end;
        }
        if (b < a || b >= nwords * 64)
            return -1;
        for (unsigned long i = a; i <= b; i++)
            bits[i / 64] |= 1ULL << (i % 64);
        while (isspace((unsigned char) *p))
            p++;
        if (*p == ',') {
            p++;
            if (!*p)
                return -1;
        } else if (*p) {
            return -1;
        }
    }
    return 0;
}

static int check_cpulist(const char *v, const char *field, congo_error *err)
{
    uint64_t bits[CONGO_CPULIST_WORDS];
    if (congo_cgroup_cpulist_parse(v, bits, CONGO_CPULIST_WORDS) < 0)
        return bad(err, field, "`%s` is not a list of numbers and ranges such as \"0-3,7\"", v);
    return 0;
}

/* "2MB", "1GB", "64KB": what the hugetlb files are named after. */
static int check_pagesize(const char *s)
{
    size_t i = 0;
    while (isdigit((unsigned char) s[i]))
        i++;
    if (i == 0 || s[0] == '0')
        return -1;
    return strcmp(s + i, "KB") == 0 || strcmp(s + i, "MB") == 0 || strcmp(s + i, "GB") == 0 ? 0 : -1;
}

/* A per-device line: restored from the current content on failure. */
static void per_device(struct cg_write *w, int64_t major, int64_t minor, const char *reset_fmt)
{
    w->line_key = xasprintf("%" PRId64 ":%" PRId64 " ", major, minor);
    w->reset = xasprintf("%" PRId64 ":%" PRId64 " %s", major, minor, reset_fmt);
}

static int plan_memory(struct cg_plan *p, const oci_memory *m, const enum cg_where *where, congo_error *err)
{
    enum cg_where w = where[CG_MEMORY];
    /* memory.kernel and memory.kernelTCP are deprecated by the runtime-spec
     * and ignored, as runc does (the callers warn): kernels since 5.16 accept
     * kmem.limit_in_bytes and ignore it, v2 has no such files. */
    bool any = limit_set(&m->limit) || limit_set(&m->reservation) || limit_set(&m->swap)
               || m->swappiness.set || m->disable_oom_killer.set || m->use_hierarchy.set;
    int r;

    if ((r = check_limit(&m->limit, F "memory.limit", err)) < 0 ||
        (r = check_limit(&m->reservation, F "memory.reservation", err)) < 0 ||
        (r = check_limit(&m->swap, F "memory.swap", err)) < 0)
        return r;
    if (m->swappiness.set && m->swappiness.value > 100)
        return bad(err, F "memory.swappiness", "`%" PRIu64 "` is out of range (0 to 100)", m->swappiness.value);
    if (limit_set(&m->swap) && m->swap.value > 0 && limit_set(&m->limit) && m->limit.value > 0
        && m->swap.value < m->limit.value)
        return bad(err, F "memory.swap", "memory+swap `%" PRId64 "` is lower than the memory limit `%" PRId64 "`",
                   m->swap.value, m->limit.value);
    if (!any)
        return 0;
    if ((r = need(where, CG_MEMORY, F "memory", err)) < 0)
        return r;

    /* An unlimited memory limit with no word on swap lifts the memory+swap
     * limit too, as runc does: a memory limit above memory+swap is refused
     * (v1), and -1 means no limit at all.  Where the kernel has no swap
     * accounting there is nothing to lift. */
    bool lift_swap = m->limit.set && m->limit.value == -1 && !limit_set(&m->swap);

    if (w == CG_V1) {
        /* memory+swap must stay >= memory: an unlimited one goes first. */
        if (lift_swap)
            add(p, CG_MEMORY, w, F "memory.limit", "memory.memsw.limit_in_bytes", "-1")->optional = true;
        else if (limit_set(&m->swap) && m->swap.value == -1)
            add(p, CG_MEMORY, w, F "memory.swap", "memory.memsw.limit_in_bytes", "-1");
        if (limit_set(&m->limit)) {
            struct cg_write *x = add(p, CG_MEMORY, w, F "memory.limit", "memory.limit_in_bytes", "%" PRId64,
                                     m->limit.value);
            x->check_usage = m->check_before_update.set && m->check_before_update.value;
            /* Raising the limit above memory+swap needs memsw raised first. */
            x->pair_next = limit_set(&m->swap) && m->swap.value != -1;
        }
        if (limit_set(&m->swap) && m->swap.value != -1)
            add(p, CG_MEMORY, w, F "memory.swap", "memory.memsw.limit_in_bytes", "%" PRId64, m->swap.value);
        if (limit_set(&m->reservation))
            add(p, CG_MEMORY, w, F "memory.reservation", "memory.soft_limit_in_bytes", "%" PRId64,
                m->reservation.value);
        if (m->swappiness.set)
            add(p, CG_MEMORY, w, F "memory.swappiness", "memory.swappiness", "%" PRIu64, m->swappiness.value);
        if (m->disable_oom_killer.set)
            add(p, CG_MEMORY, w, F "memory.disableOOMKiller", "memory.oom_control", "%d",
                m->disable_oom_killer.value ? 1 : 0);
        if (m->use_hierarchy.set)
            add(p, CG_MEMORY, w, F "memory.useHierarchy", "memory.use_hierarchy", "%d", m->use_hierarchy.value ? 1 : 0);
        return 0;
    }

    /* cgroup v2 */
    if (m->swappiness.set)
        return bad(err, F "memory.swappiness", "cgroup v2 has no per-cgroup swappiness");
    if (m->disable_oom_killer.set && m->disable_oom_killer.value)
        return bad(err, F "memory.disableOOMKiller", "the OOM killer cannot be disabled on cgroup v2");
    if (m->use_hierarchy.set && !m->use_hierarchy.value)
        return bad(err, F "memory.useHierarchy", "cgroup v2 accounting is always hierarchical");
    if (limit_set(&m->limit)) {
        struct cg_write *x = add(p, CG_MEMORY, w, F "memory.limit", "memory.max", "%s", "");
        free(x->value);
        x->value = m->limit.value < 0 ? xstrdup("max") : xasprintf("%" PRId64, m->limit.value);
        x->check_usage = m->check_before_update.set && m->check_before_update.value;
    }
    if (lift_swap) {
        add(p, CG_MEMORY, w, F "memory.limit", "memory.swap.max", "max")->optional = true;
    } else if (limit_set(&m->swap)) {
        /* OCI swap is memory+swap; memory.swap.max is swap alone. */
        if (m->swap.value < 0) {
            add(p, CG_MEMORY, w, F "memory.swap", "memory.swap.max", "max");
        } else if (!limit_set(&m->limit) || m->limit.value < 0) {
            return bad(err, F "memory.swap", "a memory+swap limit needs a memory limit on cgroup v2");
        } else {
            add(p, CG_MEMORY, w, F "memory.swap", "memory.swap.max", "%" PRId64, m->swap.value - m->limit.value);
        }
    }
    if (limit_set(&m->reservation)) {
        if (m->reservation.value < 0)
            add(p, CG_MEMORY, w, F "memory.reservation", "memory.low", "max");
        else
            add(p, CG_MEMORY, w, F "memory.reservation", "memory.low", "%" PRId64, m->reservation.value);
    }
    return 0;
}

static int plan_cpu(struct cg_plan *p, const oci_cpu *c, const enum cg_where *where, congo_error *err)
{
    enum cg_where w = where[CG_CPU];
    bool shares = c->shares.set && c->shares.value != 0;
    bool quota = c->quota.set && c->quota.value != 0;
    bool period = c->period.set && c->period.value != 0;
    bool rt = (c->realtime_runtime.set && c->realtime_runtime.value != 0)
              || (c->realtime_period.set && c->realtime_period.value != 0);
    bool cpus = c->cpus && *c->cpus, mems = c->mems && *c->mems;
    int r;

    if (shares && (c->shares.value < 2 || c->shares.value > 262144))
        return bad(err, F "cpu.shares", "`%" PRIu64 "` is out of range (2 to 262144)", c->shares.value);
    if (quota && c->quota.value != -1 && (c->quota.value < 1000 || c->quota.value > INT64_MAX / 1000))
        return bad(err, F "cpu.quota", "`%" PRId64 "` is not a valid quota (at least 1000 microseconds, or -1 for "
                                      "unlimited)", c->quota.value);
    if (period && (c->period.value < 1000 || c->period.value > 1000000))
        return bad(err, F "cpu.period", "`%" PRIu64 "` is out of range (1000 to 1000000 microseconds)",
                   c->period.value);
    if (c->burst.set && c->burst.value > INT64_MAX / 1000)
        return bad(err, F "cpu.burst", "`%" PRIu64 "` is too large", c->burst.value);
    if (c->realtime_runtime.set && c->realtime_runtime.value < -1)
        return bad(err, F "cpu.realtimeRuntime", "`%" PRId64 "` is not valid (microseconds, or -1 for unlimited)",
                   c->realtime_runtime.value);
    if (c->idle.set && c->idle.value != 0 && c->idle.value != 1)
        return bad(err, F "cpu.idle", "`%" PRId64 "` is not valid (0 or 1)", c->idle.value);
    if (cpus && (r = check_cpulist(c->cpus, F "cpu.cpus", err)) < 0)
        return r;
    if (mems && (r = check_cpulist(c->mems, F "cpu.mems", err)) < 0)
        return r;

    /* cpuset: written first, so that a bad cpu list fails before the rest. */
    if (cpus || mems) {
        if ((r = need(where, CG_CPUSET, cpus ? F "cpu.cpus" : F "cpu.mems", err)) < 0)
            return r;
        if (cpus)
            add(p, CG_CPUSET, where[CG_CPUSET], F "cpu.cpus", "cpuset.cpus", "%s", c->cpus)->cpuset = true;
        if (mems)
            add(p, CG_CPUSET, where[CG_CPUSET], F "cpu.mems", "cpuset.mems", "%s", c->mems)->cpuset = true;
    }
    if (!shares && !quota && !period && !c->burst.set && !rt && !c->idle.set)
        return 0;
    if ((r = need(where, CG_CPU, F "cpu", err)) < 0)
        return r;

    if (w == CG_V1) {
        if (shares)
            add(p, CG_CPU, w, F "cpu.shares", "cpu.shares", "%" PRIu64, c->shares.value);
        /* Period before quota; the executor swaps them when the kernel
         * refuses the order (a quota/period ratio change). */
        if (period)
            add(p, CG_CPU, w, F "cpu.period", "cpu.cfs_period_us", "%" PRIu64, c->period.value)->pair_next = quota;
        if (quota)
            add(p, CG_CPU, w, F "cpu.quota", "cpu.cfs_quota_us", "%" PRId64, c->quota.value);
        if (c->burst.set)
            add(p, CG_CPU, w, F "cpu.burst", "cpu.cfs_burst_us", "%" PRIu64, c->burst.value);
        if (c->realtime_period.set && c->realtime_period.value != 0)
            add(p, CG_CPU, w, F "cpu.realtimePeriod", "cpu.rt_period_us", "%" PRIu64, c->realtime_period.value);
        if (c->realtime_runtime.set && c->realtime_runtime.value != 0)
            add(p, CG_CPU, w, F "cpu.realtimeRuntime", "cpu.rt_runtime_us", "%" PRId64, c->realtime_runtime.value);
        if (c->idle.set)
            add(p, CG_CPU, w, F "cpu.idle", "cpu.idle", "%" PRId64, c->idle.value);
        return 0;
    }

    if (rt)
        return bad(err, c->realtime_runtime.set ? F "cpu.realtimeRuntime" : F "cpu.realtimePeriod",
                   "real-time group scheduling is not available on cgroup v2");
    if (shares)
        add(p, CG_CPU, w, F "cpu.shares", "cpu.weight", "%" PRIu64, congo_cgroup_shares_to_weight(c->shares.value));
    if (quota || period) {
        struct cg_write *x = add(p, CG_CPU, w, quota ? F "cpu.quota" : F "cpu.period", "cpu.max", "%s", "");
        _cleanup_free_ char *q = !quota ? NULL : c->quota.value < 0 ? xstrdup("max")
                                                                  : xasprintf("%" PRId64, c->quota.value);
        free(x->value);
        if (q && period)
            x->value = xasprintf("%s %" PRIu64, q, c->period.value);
        else if (q)
            x->value = xstrdup(q);
        else {
            /* Only the period: keep the current quota. */
            x->value = xasprintf(" %" PRIu64, c->period.value);
            x->keep_first_token = true;
        }
    }
    if (c->burst.set)
        add(p, CG_CPU, w, F "cpu.burst", "cpu.max.burst", "%" PRIu64, c->burst.value);
    if (c->idle.set)
        add(p, CG_CPU, w, F "cpu.idle", "cpu.idle", "%" PRId64, c->idle.value);
    return 0;
}

uint64_t congo_cgroup_shares_to_weight(uint64_t shares)
{
    /* The linear map of [2, 262144] onto [1, 10000] that runc and crun use. */
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t congo_cgroup_blkio_to_io_weight(uint64_t w)
{
    /* [10, 1000] onto [1, 10000]. */
    return 1 + ((w - 10) * 9999) / 990;
}

static int check_blkio_weight(const oci_opt_u64 *v, const char *field, congo_error *err)
{
    if (v->set && v->value != 0 && (v->value < 10 || v->value > 1000))
        return bad(err, field, "`%" PRIu64 "` is out of range (10 to 1000)", v->value);
    return 0;
}

static int check_devnum(int64_t major, int64_t minor, const char *field, congo_error *err)
{
    if (major < 0 || minor < 0 || major > 0xfff || minor > 0xfffff)
        return bad(err, field, "`%" PRId64 ":%" PRId64 "` is not a block device number", major, minor);
    return 0;
}

static int plan_throttle(struct cg_plan *p, enum cg_where w, const oci_throttle_device *t, size_t n,
                         const char *name, const char *v1file, const char *v2key, congo_error *err)
{
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *field = xasprintf(F "blockIO.%s[%zu]", name, i);
        struct cg_write *x;
        int r = check_devnum(t[i].major, t[i].minor, field, err);
        if (r < 0)
            return r;
        if (w == CG_V1) {
            x = add(p, CG_IO, w, field, v1file, "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major, t[i].minor,
                    t[i].rate);
            per_device(x, t[i].major, t[i].minor, "0");
        } else {
            if (t[i].rate == 0)
                x = add(p, CG_IO, w, field, "io.max", "%" PRId64 ":%" PRId64 " %s=max", t[i].major, t[i].minor,
                        v2key);
            else
                x = add(p, CG_IO, w, field, "io.max", "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major, t[i].minor,
                        v2key, t[i].rate);
            per_device(x, t[i].major, t[i].minor, "rbps=max wbps=max riops=max wiops=max");
        }
    }
    return 0;
}

static int plan_blkio(struct cg_plan *p, const oci_block_io *b, const enum cg_where *where, congo_error *err)
{
    enum cg_where w = where[CG_IO];
    bool weight = b->weight.set && b->weight.value != 0, leaf = b->leaf_weight.set && b->leaf_weight.value != 0;
    int r;

    if ((r = check_blkio_weight(&b->weight, F "blockIO.weight", err)) < 0 ||
        (r = check_blkio_weight(&b->leaf_weight, F "blockIO.leafWeight", err)) < 0)
        return r;
    for (size_t i = 0; i < b->n_weight_device; i++) {
        _cleanup_free_ char *f1 = xasprintf(F "blockIO.weightDevice[%zu].weight", i);
        _cleanup_free_ char *f2 = xasprintf(F "blockIO.weightDevice[%zu].leafWeight", i);
        _cleanup_free_ char *f0 = xasprintf(F "blockIO.weightDevice[%zu]", i);
        if ((r = check_devnum(b->weight_device[i].major, b->weight_device[i].minor, f0, err)) < 0 ||
            (r = check_blkio_weight(&b->weight_device[i].weight, f1, err)) < 0 ||
            (r = check_blkio_weight(&b->weight_device[i].leaf_weight, f2, err)) < 0)
            return r;
    }
    if (!weight && !leaf && !b->n_weight_device && !b->n_throttle_read_bps && !b->n_throttle_write_bps
        && !b->n_throttle_read_iops && !b->n_throttle_write_iops)
        return 0;
    if ((r = need(where, CG_IO, F "blockIO", err)) < 0)
        return r;

    if (w == CG_V2 && leaf)
        return bad(err, F "blockIO.leafWeight", "leaf weights do not exist on cgroup v2");
    if (weight) {
        struct cg_write *x;
        if (w == CG_V1) {
            x = add(p, CG_IO, w, F "blockIO.weight", "blkio.weight", "%" PRIu64, b->weight.value);
            x->alt_file = xstrdup("blkio.bfq.weight");
            x->alt_value = xstrdup(x->value);
        } else {
            x = add(p, CG_IO, w, F "blockIO.weight", "io.bfq.weight", "%" PRIu64, b->weight.value);
            x->alt_file = xstrdup("io.weight");
            x->alt_value = xasprintf("default %" PRIu64, congo_cgroup_blkio_to_io_weight(b->weight.value));
        }
    }
    if (leaf)
        add(p, CG_IO, w, F "blockIO.leafWeight", "blkio.leaf_weight", "%" PRIu64, b->leaf_weight.value);
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const oci_weight_device *d = &b->weight_device[i];
        _cleanup_free_ char *f1 = xasprintf(F "blockIO.weightDevice[%zu].weight", i);
        _cleanup_free_ char *f2 = xasprintf(F "blockIO.weightDevice[%zu].leafWeight", i);
        struct cg_write *x;
        if (d->weight.set && d->weight.value) {
            if (w == CG_V1) {
                x = add(p, CG_IO, w, f1, "blkio.weight_device", "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
                        d->minor, d->weight.value);
                x->alt_file = xstrdup("blkio.bfq.weight_device");
                x->alt_value = xstrdup(x->value);
                per_device(x, d->major, d->minor, "0");
            } else {
                x = add(p, CG_IO, w, f1, "io.bfq.weight", "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                        d->weight.value);
                x->alt_file = xstrdup("io.weight");
                x->alt_value = xasprintf("%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                                         congo_cgroup_blkio_to_io_weight(d->weight.value));
                per_device(x, d->major, d->minor, "default");
            }
        }
        if (d->leaf_weight.set && d->leaf_weight.value) {
            if (w == CG_V2)
                return bad(err, f2, "leaf weights do not exist on cgroup v2");
            x = add(p, CG_IO, w, f2, "blkio.leaf_weight_device", "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
                    d->minor, d->leaf_weight.value);
            per_device(x, d->major, d->minor, "0");
        }
    }
    if ((r = plan_throttle(p, w, b->throttle_read_bps, b->n_throttle_read_bps, "throttleReadBpsDevice",
                           "blkio.throttle.read_bps_device", "rbps", err)) < 0 ||
        (r = plan_throttle(p, w, b->throttle_write_bps, b->n_throttle_write_bps, "throttleWriteBpsDevice",
                           "blkio.throttle.write_bps_device", "wbps", err)) < 0 ||
        (r = plan_throttle(p, w, b->throttle_read_iops, b->n_throttle_read_iops, "throttleReadIOPSDevice",
                           "blkio.throttle.read_iops_device", "riops", err)) < 0 ||
        (r = plan_throttle(p, w, b->throttle_write_iops, b->n_throttle_write_iops, "throttleWriteIOPSDevice",
                           "blkio.throttle.write_iops_device", "wiops", err)) < 0)
        return r;
    return 0;
}

int congo_cgroup_plan(struct cg_plan *p, const oci_resources *res, const enum cg_where *where, bool devices,
                      congo_error *err)
{
    struct cg_plan plan = { 0 };
    int r = 0;

    if (res && res->cpu && (r = plan_cpu(&plan, res->cpu, where, err)) < 0)
        goto fail;
    if (res && res->memory && (r = plan_memory(&plan, res->memory, where, err)) < 0)
        goto fail;
    if (res && res->has_pids && res->pids_limit.set && res->pids_limit.value != 0) {
        if (res->pids_limit.value < -1) {
            r = bad(err, F "pids.limit", "`%" PRId64 "` is not valid (a number of tasks, or -1 for unlimited)",
                    res->pids_limit.value);
            goto fail;
        }
        if ((r = need(where, CG_PIDS, F "pids.limit", err)) < 0)
            goto fail;
        if (res->pids_limit.value < 0)
            add(&plan, CG_PIDS, where[CG_PIDS], F "pids.limit", "pids.max", "max");
        else
            add(&plan, CG_PIDS, where[CG_PIDS], F "pids.limit", "pids.max", "%" PRId64, res->pids_limit.value);
    }
    if (res && res->block_io && (r = plan_blkio(&plan, res->block_io, where, err)) < 0)
        goto fail;
    for (size_t i = 0; res && i < res->n_hugepage_limits; i++) {
        const oci_hugepage_limit *h = &res->hugepage_limits[i];
        _cleanup_free_ char *field = xasprintf(F "hugepageLimits[%zu]", i);
        _cleanup_free_ char *ps = xasprintf(F "hugepageLimits[%zu].pageSize", i);
        _cleanup_free_ char *file = NULL;
        if (!h->page_size || check_pagesize(h->page_size) < 0) {
            r = bad(err, ps, "`%s` is not a page size such as \"2MB\" or \"1GB\"", h->page_size ? h->page_size : "");
            goto fail;
        }
        if ((r = need(where, CG_HUGETLB, field, err)) < 0)
            goto fail;
        file = xasprintf(where[CG_HUGETLB] == CG_V1 ? "hugetlb.%s.limit_in_bytes" : "hugetlb.%s.max", h->page_size);
        add(&plan, CG_HUGETLB, where[CG_HUGETLB], field, file, "%" PRIu64, h->limit)->pagesize = true;
    }
    if (res && res->has_network) {
        if (res->network_class_id.set) {
            if ((r = need(where, CG_NET_CLS, F "network.classID", err)) < 0)
                goto fail;
            add(&plan, CG_NET_CLS, CG_V1, F "network.classID", "net_cls.classid", "%" PRIu64,
                res->network_class_id.value);
        }
        for (size_t i = 0; i < res->n_network_priorities; i++) {
            const oci_net_priority *np = &res->network_priorities[i];
            _cleanup_free_ char *field = xasprintf(F "network.priorities[%zu]", i);
            if (!np->name || !*np->name || strpbrk(np->name, " \t\n/") || strlen(np->name) >= 16) {
                r = bad(err, field, "`%s` is not an interface name", np->name ? np->name : "");
                goto fail;
            }
            if ((r = need(where, CG_NET_PRIO, field, err)) < 0)
                goto fail;
            struct cg_write *x = add(&plan, CG_NET_PRIO, CG_V1, field, "net_prio.ifpriomap", "%s %" PRIu32,
                                     np->name, np->priority);
            x->line_key = xasprintf("%s ", np->name);
            x->reset = xasprintf("%s 0", np->name);
        }
    }
    for (size_t i = 0; res && i < res->rdma_names.n; i++) {
        const oci_rdma *d = &res->rdma[i];
        const char *dev = res->rdma_names.keys[i];
        _cleanup_free_ char *field = xasprintf(F "rdma.%s", dev);
        _cleanup_free_ char *v = xstrdup("");
        if (!*dev || strpbrk(dev, " \t\n=")) {
            r = bad(err, field, "`%s` is not an RDMA device name", dev);
            goto fail;
        }
        if (!d->hca_handles.set && !d->hca_objects.set)
            continue;
        if ((r = need(where, CG_RDMA, field, err)) < 0)
            goto fail;
        struct cg_write *x = add(&plan, CG_RDMA, where[CG_RDMA], field, "rdma.max", "%s", dev);
        if (d->hca_handles.set) {
            char *t = xasprintf("%s hca_handle=%" PRIu64, x->value, d->hca_handles.value);
            free(x->value);
            x->value = t;
        }
        if (d->hca_objects.set) {
            char *t = xasprintf("%s hca_object=%" PRIu64, x->value, d->hca_objects.value);
            free(x->value);
            x->value = t;
        }
        x->line_key = xasprintf("%s ", dev);
        x->reset = xasprintf("%s hca_handle=max hca_object=max", dev);
    }
    /* unified: raw cgroup v2 files, after the fields so that they win. */
    for (size_t i = 0; res && i < res->unified.n; i++) {
        const char *key = res->unified.keys[i], *val = res->unified.values[i];
        _cleanup_free_ char *field = xasprintf(F "unified.%s", key);
        const char *dot = strchr(key, '.');
        if (!where[CG_UNIFIED]) {
            r = bad(err, field, "cgroup v2 is not mounted on this host");
            goto fail;
        }
        if (!*key || strchr(key, '/') || !dot || dot == key || strcmp(key, ".") == 0 || strcmp(key, "..") == 0) {
            r = bad(err, field, "`%s` is not a cgroup v2 file name", key);
            goto fail;
        }
        add(&plan, CG_UNIFIED, CG_V2, field, key, "%s", val ? val : "");
    }
    if (devices) {
        r = congo_cgroup_devices_reduce(&plan.devices, res ? res->devices : NULL, res ? res->n_devices : 0, err);
        if (r < 0)
            goto fail;
        plan.has_devices = true;
        if (where[CG_DEVICES] == CG_NONE) {
            r = bad(err, F "devices", "neither the v1 devices controller nor cgroup v2 is available on this host");
            goto fail;
        }
    }
    *p = plan;
    return 0;

fail:
    congo_cgroup_plan_free(&plan);
    return r;
}

/* Which controllers the resources use (devices aside). */
void congo_cgroup_plan_needs(const oci_resources *res, bool *needed)
{
    memset(needed, 0, CG_NCTRL * sizeof *needed);
    if (!res)
        return;
    if (res->cpu) {
        const oci_cpu *c = res->cpu;
        needed[CG_CPU] = c->shares.set || c->quota.set || c->period.set || c->burst.set || c->realtime_period.set
                         || c->realtime_runtime.set || c->idle.set;
        needed[CG_CPUSET] = (c->cpus && *c->cpus) || (c->mems && *c->mems);
    }
    needed[CG_MEMORY] = res->memory != NULL;
    needed[CG_PIDS] = res->has_pids;
    needed[CG_IO] = res->block_io != NULL;
    needed[CG_HUGETLB] = res->n_hugepage_limits > 0;
    needed[CG_NET_CLS] = res->has_network && res->network_class_id.set;
    needed[CG_NET_PRIO] = res->has_network && res->n_network_priorities > 0;
    needed[CG_RDMA] = res->rdma_names.n > 0;
    needed[CG_UNIFIED] = res->unified.n > 0;
}

/* ---- applying the plan ---- */

/* Where each needed controller lives on this host: its v1 hierarchy when
 * mounted, else cgroup2 (enabling it in the parents when needed). */
static void resolve(struct congo_cgroup *cg, const bool *needed, bool devices, enum cg_where *where)
{
    for (int c = 0; c < CG_NCTRL; c++) {
        where[c] = CG_NONE;
        if (c == CG_UNIFIED) {
            where[c] = congo_cgroup_v2_dir(cg) ? CG_V2 : CG_NONE;
            continue;
        }
        if (c == CG_DEVICES) {
            if (!devices)
                continue;
            where[c] = congo_cgroup_v1_has(cg, "devices") ? CG_V1 : congo_cgroup_v2_dir(cg) ? CG_V2 : CG_NONE;
            continue;
        }
        if (!needed[c])
            continue;
        if (congo_cgroup_v1_has(cg, v1_names[c])) {
            where[c] = CG_V1;
        } else if (v2_names[c] && congo_cgroup_v2_dir(cg)) {
            congo_error ignored = CONGO_ERROR_INIT;
            if (congo_cgroup_v2_has(cg, v2_names[c]) || congo_cgroup_v2_enable(cg, v2_names[c], &ignored) == 0)
                where[c] = CG_V2;
            else
                congo_debug("controller %s: %s", v2_names[c], ignored.msg ? ignored.msg : "not available");
            congo_error_clear(&ignored);
        }
    }
}

static struct congo_cgroup_dir *dir_for(struct congo_cgroup *cg, const struct cg_write *w)
{
    if (w->where == CG_V2)
        return congo_cgroup_v2_dir(cg);
    return congo_cgroup_v1_dir(cg, v1_names[w->ctrl]);
}

struct undo {
    struct congo_cgroup_dir *dir;
    char *file, *value;
};

static void undo_all(struct undo *u, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        congo_error ignored = CONGO_ERROR_INIT;
        if (u[i].value && congo_cgroup_write(u[i].dir, u[i].file, u[i].value, &ignored) < 0)
            congo_warning("cannot restore `%s` to `%s`: %s", u[i].file, u[i].value, ignored.msg);
        congo_error_clear(&ignored);
        free(u[i].file);
        free(u[i].value);
    }
    free(u);
}

/* The value to write back when restoring w's file. */
static char *saved_value(struct congo_cgroup_dir *d, const char *file, const struct cg_write *w)
{
    char buf[8192];
    int n = congo_cgroup_read(d->fd, file, buf, sizeof buf);
    if (n < 0)
        return NULL;
    if (!w->line_key)
        return xstrdup(buf);
    /* A per-device (per-interface) file: the line of this key, or the reset. */
    for (char *line = buf, *nl; line && *line; line = nl) {
        nl = strchr(line, '\n');
        if (nl)
            *nl++ = '\0';
        if (str_has_prefix(line, w->line_key))
            return xstrdup(line);
    }
    return xstrdup(w->reset);
}

/* cpuset.cpus/mems must be within what the parent has: v1 refuses others,
 * v2 would silently fall back to the parent's. */
static int check_cpuset(struct congo_cgroup *cg, struct congo_cgroup_dir *d, const struct cg_write *w,
                        congo_error *err)
{
    bool cpus = strcmp(w->file, "cpuset.cpus") == 0;
    const char *eff = d->v2 ? (cpus ? "cpuset.cpus.effective" : "cpuset.mems.effective")
                            : (cpus ? "cpuset.effective_cpus" : "cpuset.effective_mems");
    _cleanup_close_ int parent = -1;
    _cleanup_free_ char *pp = xstrdup(cg->path);
    uint64_t want[CONGO_CPULIST_WORDS], have[CONGO_CPULIST_WORDS];
    char buf[4096];
    char *slash = strrchr(pp, '/');

    *slash = '\0';
    _cleanup_free_ char *ppath = xasprintf("%s%s", d->mountpoint, pp);
    parent = open(ppath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (parent < 0 || congo_cgroup_read(parent, eff, buf, sizeof buf) < 0)
        return 0; /* let the kernel judge */
    if (congo_cgroup_cpulist_parse(w->value, want, CONGO_CPULIST_WORDS) < 0
        || congo_cgroup_cpulist_parse(buf, have, CONGO_CPULIST_WORDS) < 0)
        return 0;
    for (size_t i = 0; i < CONGO_CPULIST_WORDS; i++)
        if (want[i] & ~have[i])
            return bad(err, w->field, "`%s` is not within the %s available here (`%s`)", w->value,
                       cpus ? "CPUs" : "memory nodes", buf);
    return 0;
}

static int write_error(struct congo_cgroup *cg, struct congo_cgroup_dir *d, const struct cg_write *w,
                       const char *file, int e, congo_error *err)
{
    if (e == ENOENT) {
        if (w->pagesize)
            return congo_error_set(err, 0, "%s: `%s` is not a huge page size of this host (no `%s` in `%s%s`)",
                                   w->field, strchr(file, '.') + 1, file, d->mountpoint, cg->path);
        if (w->ctrl == CG_UNIFIED)
            return congo_error_set(err, 0, "%s: no such cgroup v2 file in `%s%s` (is its controller enabled?)",
                                   w->field, d->mountpoint, cg->path);
        return congo_error_set(err, 0, "%s: not supported by this host's kernel (no `%s` in `%s%s`)", w->field, file,
                               d->mountpoint, cg->path);
    }
    if (e == EINVAL && strcmp(file, "memory.limit_in_bytes") == 0) {
        char memsw[64];
        if (congo_cgroup_read(d->fd, "memory.memsw.limit_in_bytes", memsw, sizeof memsw) > 0)
            return congo_error_set(err, 0, "%s: `%s` is above the memory+swap limit `%s` (set "
                                           "linux.resources.memory.swap as well)", w->field, w->value, memsw);
    }
    if (e == EBUSY && w->ctrl == CG_MEMORY)
        return congo_error_set(err, e, "%s: cannot set `%s` in `%s`: the container already uses more", w->field,
                               w->value, file);
    return congo_error_set(err, e, "%s: the kernel refused `%s` for `%s` in `%s%s`", w->field, w->value, file,
                           d->mountpoint, cg->path);
}

static int check_usage(struct congo_cgroup_dir *d, const struct cg_write *w, congo_error *err)
{
    char buf[64];
    long long usage, limit;
    if (congo_cgroup_read(d->fd, d->v2 ? "memory.current" : "memory.usage_in_bytes", buf, sizeof buf) < 0
        || parse_int64(buf, &usage) < 0 || parse_int64(w->value, &limit) < 0 || limit < 0)
        return 0;
    if (usage > limit)
        return bad(err, w->field, "the new limit `%lld` is below the current usage `%lld` (checkBeforeUpdate)", limit,
                   usage);
    return 0;
}

static int write_one(struct congo_cgroup *cg, const struct cg_write *w, bool restore, struct undo **u, size_t *nu,
                     congo_error *err)
{
    struct congo_cgroup_dir *d = dir_for(cg, w);
    const char *file = w->file, *value = w->value;
    _cleanup_free_ char *composed = NULL;
    int r;

    if (!d)
        return congo_error_set(err, ENOENT, "%s: the container's cgroup does not exist for the %s controller",
                               w->field, v1_names[w->ctrl] ? v1_names[w->ctrl] : "cgroup v2");
    if (w->cpuset && (r = check_cpuset(cg, d, w, err)) < 0)
        return r;
    if (w->check_usage && (r = check_usage(d, w, err)) < 0)
        return r;
    if (w->optional && faccessat(d->fd, file, F_OK, 0) < 0 && errno == ENOENT)
        return 0;
    if (w->alt_file && faccessat(d->fd, file, F_OK, 0) < 0 && errno == ENOENT) {
        file = w->alt_file;
        value = w->alt_value;
    }
    if (w->keep_first_token) {
        char cur[128];
        int n = congo_cgroup_read(d->fd, file, cur, sizeof cur);
        if (n < 0)
            return write_error(cg, d, w, file, -n, err);
        cur[strcspn(cur, " ")] = '\0';
        composed = xasprintf("%s%s", cur, value);
        value = composed;
    }
    if (restore) {
        char *old = saved_value(d, file, w);
        *u = xrealloc(*u, (*nu + 1) * sizeof **u);
        (*u)[*nu].dir = d;
        (*u)[*nu].file = xstrdup(file);
        (*u)[*nu].value = old;
        (*nu)++;
    }
    if (w->ctrl == CG_UNIFIED && faccessat(d->fd, file, F_OK, 0) < 0 && errno == ENOENT) {
        /* A key of a controller not enabled yet: enable it, or say why not. */
        _cleanup_free_ char *ctrl = xstrndup(file, strcspn(file, "."));
        congo_error e2 = CONGO_ERROR_INIT;
        if (strcmp(ctrl, "cgroup") != 0 && !congo_cgroup_v2_has(cg, ctrl)
            && congo_cgroup_v2_enable(cg, ctrl, &e2) < 0) {
            r = congo_error_set(err, 0, "%s: the %s controller is not available in cgroup v2 here%s (%s)", w->field,
                                ctrl, cg->mode == CONGO_CGROUP_HYBRID ? " (this hybrid host may drive it through v1)"
                                                                      : "", e2.msg);
            congo_error_clear(&e2);
            return r;
        }
        congo_error_clear(&e2);
    }
    _cleanup_close_ int fd = openat(d->fd, file, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return write_error(cg, d, w, file, errno, err);
    if (write(fd, value, strlen(value)) != (ssize_t) strlen(value))
        return write_error(cg, d, w, file, errno, err);
    return 0;
}

static int apply_devices(struct congo_cgroup *cg, const struct cg_plan *plan, enum cg_where where, bool restore,
                         congo_error *err)
{
    const struct congo_dev_state *st = &plan->devices;
    if (where == CG_V1) {
        struct congo_cgroup_dir *d = congo_cgroup_v1_dir(cg, "devices");
        _cleanup_free_ char *old = NULL;
        int r;
        if (!d)
            return congo_error_set(err, ENOENT, F "devices: the container's cgroup does not exist in the devices "
                                                  "hierarchy");
        if (restore) {
            char buf[16384];
            if (congo_cgroup_read(d->fd, "devices.list", buf, sizeof buf) >= 0)
                old = xstrdup(buf);
        }
        r = congo_cgroup_write(d, st->allow_all ? "devices.allow" : "devices.deny", "a", err);
        if (r == 0 && st->n > 0) {
            /* One rule per write(), all through one open file. */
            const char *file = st->allow_all ? "devices.deny" : "devices.allow";
            _cleanup_close_ int fd = openat(d->fd, file, O_WRONLY | O_CLOEXEC);
            if (fd < 0)
                r = congo_error_errno(err, "open `%s`", file);
            for (size_t i = 0; r == 0 && i < st->n; i++) {
                _cleanup_free_ char *rule = congo_dev_rule_string(&st->ex[i]);
                if (write(fd, rule, strlen(rule)) != (ssize_t) strlen(rule))
                    r = congo_error_errno(err, "write `%s` to `%s`", rule, file);
            }
        }
        if (r < 0 && old) {
            /* Back to the old list: deny all, then allow each of its lines. */
            congo_error ignored = CONGO_ERROR_INIT;
            congo_cgroup_write(d, "devices.deny", "a", &ignored);
            for (char *line = old, *nl; line && *line; line = nl) {
                nl = strchr(line, '\n');
                if (nl)
                    *nl++ = '\0';
                congo_cgroup_write(d, "devices.allow", line, &ignored);
            }
            congo_error_clear(&ignored);
        }
        return r < 0 ? congo_error_wrap(err, r, F "devices") : 0;
    }
    struct congo_cgroup_dir *d = congo_cgroup_v2_dir(cg);
    int prog = -1, r;
    if (!d)
        return congo_error_set(err, ENOENT, F "devices: the container's cgroup2 directory does not exist");
    r = congo_cgroup_devices_load(&prog, st, err);
    if (r == 0)
        r = congo_cgroup_devices_attach(d->fd, prog, err);
    if (prog >= 0)
        close(prog);
    return r < 0 ? congo_error_wrap(err, r, F "devices") : 0;
}

static int apply(struct congo_cgroup *cg, const oci_resources *res, bool devices, bool restore, congo_error *err)
{
    bool needed[CG_NCTRL];
    enum cg_where where[CG_NCTRL];
    struct cg_plan plan = { 0 };
    struct undo *u = NULL;
    size_t nu = 0;
    int r;

    congo_cgroup_plan_needs(res, needed);
    resolve(cg, needed, devices, where);
    r = congo_cgroup_plan(&plan, res, where, devices, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < plan.n; i++) {
        const struct cg_write *w = &plan.w[i];
        r = write_one(cg, w, restore, &u, &nu, err);
        if (r < 0 && w->pair_next && i + 1 < plan.n && (r == -EINVAL || r == -EBUSY || r == -EPERM)) {
            /* Memory limit vs memory+swap, period vs quota: the kernel
             * checks each against the other's current value; the other
             * order works. */
            congo_error ignored = CONGO_ERROR_INIT;
            if (write_one(cg, &plan.w[i + 1], restore, &u, &nu, &ignored) == 0) {
                congo_error_clear(err);
                r = write_one(cg, w, restore, &u, &nu, err);
                if (r == 0)
                    i++;
            }
            congo_error_clear(&ignored);
        }
        if (r < 0)
            break;
    }
    if (r == 0 && plan.has_devices)
        r = apply_devices(cg, &plan, where[CG_DEVICES], restore, err);
    if (r < 0 && restore)
        undo_all(u, nu);
    else {
        for (size_t i = 0; i < nu; i++) {
            free(u[i].file);
            free(u[i].value);
        }
        free(u);
    }
    congo_cgroup_plan_free(&plan);
    return r;
}

int congo_cgroup_apply(struct congo_cgroup *cg, const oci_resources *res, bool creating, congo_error *err)
{
    /* Device rules are always applied at creation (default deny plus the
     * standard devices), with or without linux.resources; except rootless
     * (a delegated cgroup), as runc: a user may not load the cgroup2 device
     * program, and its user namespace cannot make device nodes anyway. */
    return apply(cg, res, !congo_userns_rootless(), !creating, err);
}

int congo_cgroup_update(struct congo_cgroup *cg, const oci_resources *res, congo_error *err)
{
    return apply(cg, res, res && res->n_devices > 0, true, err);
}
