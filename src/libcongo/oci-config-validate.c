/* Semantic checks of a parsed config.json: everything that needs more than
 * one field or more than the JSON types, run before anything is created so
 * that a bad bundle fails with a clear message and leaves nothing behind.
 *
 * The rules follow the runtime-spec text and, where the spec leaves room,
 * what runc does (runc's behaviour is what users and callers expect):
 * - relative mount destinations are accepted with a warning, relative to /;
 * - hostname/domainname and sysctls need the namespace they belong to
 *   (listed in linux.namespaces, created or joined), net.* refusing the
 *   host's own network namespace even when joined by path;
 * - kernel.hostname as a sysctl conflicts with the hostname field;
 * - maskedPaths/readonlyPaths need a mount namespace;
 * - scheduler fields must match the policy (nice -20..19, priority only for
 *   FIFO/RR, runtime/deadline/period only for DEADLINE);
 * - env entries are NAME=VALUE with a non-empty name;
 * - kernel memory limits and personality flags are ignored with a warning;
 * - device cgroup access letters other than r, w and m are ignored (with a
 *   warning when the rules are applied).
 * consoleSize without a terminal is ignored: the spec says runtimes MUST
 * ignore it (docker sends it either way). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "oci-config.h"
#include "utils.h"

/* A value quoted for a message: escapes, and cut when very long.  Returned
 * by value so that several can appear in one printf. */
struct quoted {
    char s[200];
};

static struct quoted Q(const char *v)
{
    struct quoted q;
    size_t o = 0, i, len = v ? strlen(v) : 0;
    if (!v) {
        snprintf(q.s, sizeof q.s, "null");
        return q;
    }
    q.s[o++] = '"';
    for (i = 0; i < len && o < sizeof q.s - 12; i++) {
        unsigned char c = v[i];
        if (c == '"' || c == '\\') {
            q.s[o++] = '\\';
            q.s[o++] = c;
        } else if (c < 0x20 || c == 0x7f) {
            o += snprintf(q.s + o, sizeof q.s - o, "\\u%04x", c);
        } else {
            q.s[o++] = c;
        }
    }
    q.s[o++] = '"';
    if (i < len) {
        memcpy(q.s + o, "...", 3);
        o += 3;
    }
    q.s[o] = '\0';
    return q;
}

/* "<source>: <path>: <message>"; the path is a printf format of its own
 * when it contains '%' arguments, so callers build it first. */
__attribute__((format(printf, 4, 5))) static int fail(congo_error *err, const char *source, const char *path,
                                                      const char *fmt, ...)
{
    _cleanup_free_ char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (path && *path)
        return congo_error_set(err, 0, "%s: %s: %s", source, path, msg ? msg : "invalid value");
    return congo_error_set(err, 0, "%s: %s", source, msg ? msg : "invalid value");
}

/* fail() with the path given as a printf format, formatted only on failure. */
static int vfail_at(congo_error *err, const char *source, const char *msg, const char *pathfmt, va_list ap)
{
    char path[400];
    vsnprintf(path, sizeof path, pathfmt, ap);
    return fail(err, source, path, "%s", msg);
}

/* Path building: pfx + suffix, with an optional index. */
struct jpath {
    char s[400];
};

__attribute__((format(printf, 1, 2))) static struct jpath P(const char *fmt, ...)
{
    struct jpath p;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p.s, sizeof p.s, fmt, ap);
    va_end(ap);
    return p;
}

/* prefix "" -> "field"; prefix "process" -> "process.field" */
#define DOT(pfx) (*(pfx) ? "." : "")

static bool is_abs(const char *p) { return p && p[0] == '/'; }

/* A kernel list of numbers: "0-3,7", "0-15:2/4"; empty when allow_empty. */
static bool valid_num_list(const char *s, bool allow_empty)
{
    if (!s)
        return true;
    if (!*s)
        return allow_empty;
    for (;;) {
        char *end;
        unsigned long a, b;
        if (*s < '0' || *s > '9')
            return false;
        a = strtoul(s, &end, 10);
        s = end;
        if (*s == '-') {
            s++;
            if (*s < '0' || *s > '9')
                return false;
            b = strtoul(s, &end, 10);
            s = end;
            if (b < a)
                return false;
            if (*s == ':') { /* stride: a-b:used/group */
                s++;
                if (*s < '0' || *s > '9')
                    return false;
                strtoul(s, &end, 10);
                s = end;
                if (*s++ != '/' || *s < '0' || *s > '9')
                    return false;
                strtoul(s, &end, 10);
                s = end;
            }
        }
        if (*s == '\0')
            return true;
        if (*s++ != ',')
            return false;
    }
}

__attribute__((format(printf, 6, 7))) static int check_num_list(const char *v, bool allow_empty, congo_error *err,
                                                                 const char *src, const char *what,
                                                                 const char *pathfmt, ...)
{
    char msg[300];
    va_list ap;
    int r;
    if (valid_num_list(v, allow_empty))
        return 0;
    snprintf(msg, sizeof msg, "expected a list of %s such as \"0-3,7\", got %s", what, Q(v).s);
    va_start(ap, pathfmt);
    r = vfail_at(err, src, msg, pathfmt, ap);
    va_end(ap);
    return r;
}

/* ------------------------------------------------------------------------ */
/* Process. */

static const char *const sched_flags[] = {
    "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",        "SCHED_FLAG_DL_OVERRUN",    "SCHED_FLAG_KEEP_POLICY",
    "SCHED_FLAG_KEEP_PARAMS",   "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX",
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static int validate_caps(char **set, const char *pfx, const char *name, const char *src, congo_error *err)
{
    for (size_t i = 0; set && set[i]; i++)
        if (oci_cap_from_name(set[i]) < 0)
            return fail(err, src, P("%s%scapabilities.%s[%zu]", pfx, DOT(pfx), name, i).s,
                        "unknown capability %s (expected a name from capabilities(7) such as \"CAP_CHOWN\")",
                        Q(set[i]).s);
    return 0;
}

static int validate_process(const oci_process *p, const char *pfx, const char *src, congo_error *err)
{
    const char *d = DOT(pfx);
    size_t i, j;

    if (!p->args || !p->args[0])
        return fail(err, src, P("%s%sargs", pfx, d).s, "expected at least one element (the program to run)");
    if (!p->args[0][0])
        return fail(err, src, P("%s%sargs[0]", pfx, d).s, "expected the program to run, got \"\"");
    if (!is_abs(p->cwd))
        return fail(err, src, P("%s%scwd", pfx, d).s, "expected an absolute path, got %s", Q(p->cwd).s);
    for (i = 0; p->env && p->env[i]; i++) {
        const char *eq = strchr(p->env[i], '=');
        if (!eq || eq == p->env[i])
            return fail(err, src, P("%s%senv[%zu]", pfx, d, i).s, "expected \"NAME=value\", got %s",
                        Q(p->env[i]).s);
    }
    /* (uid_t) -1 means "leave unchanged" to setresuid(2): the process would keep running as root. */
    if (p->user.uid == UINT32_MAX)
        return fail(err, src, P("%s%suser.uid", pfx, d).s, "4294967295 is not a valid user ID");
    if (p->user.gid == UINT32_MAX)
        return fail(err, src, P("%s%suser.gid", pfx, d).s, "4294967295 is not a valid group ID");
    for (i = 0; i < p->user.n_additional_gids; i++)
        if (p->user.additional_gids[i] == UINT32_MAX)
            return fail(err, src, P("%s%suser.additionalGids[%zu]", pfx, d, i).s,
                        "4294967295 is not a valid group ID");
    if (p->user.umask.set && p->user.umask.value > 0777)
        return fail(err, src, P("%s%suser.umask", pfx, d).s,
                    "expected a permission mask between 0 and 511 (0777), got %llu",
                    (unsigned long long) p->user.umask.value);
    if ((p->console_height.set || p->console_width.set) && !p->terminal)
        congo_debug("%s: %s%sconsoleSize is ignored without a terminal", src, pfx, d);
    if (p->capabilities) {
        int r;
        if ((r = validate_caps(p->capabilities->bounding, pfx, "bounding", src, err)) < 0 ||
            (r = validate_caps(p->capabilities->effective, pfx, "effective", src, err)) < 0 ||
            (r = validate_caps(p->capabilities->inheritable, pfx, "inheritable", src, err)) < 0 ||
            (r = validate_caps(p->capabilities->permitted, pfx, "permitted", src, err)) < 0 ||
            (r = validate_caps(p->capabilities->ambient, pfx, "ambient", src, err)) < 0)
            return r;
    }
    for (i = 0; i < p->n_rlimits; i++) {
        const oci_rlimit *rl = &p->rlimits[i];
        for (j = 0; j < i; j++)
            if (p->rlimits[j].resource == rl->resource)
                return fail(err, src, P("%s%srlimits[%zu].type", pfx, d, i).s,
                            "duplicate rlimit %s (also in %s%srlimits[%zu])", Q(rl->type).s, pfx, d, j);
        if (rl->soft > rl->hard)
            return fail(err, src, P("%s%srlimits[%zu]", pfx, d, i).s,
                        "soft limit %llu is greater than hard limit %llu", (unsigned long long) rl->soft,
                        (unsigned long long) rl->hard);
    }
    if (p->oom_score_adj.set && (p->oom_score_adj.value < -1000 || p->oom_score_adj.value > 1000))
        return fail(err, src, P("%s%soomScoreAdj", pfx, d).s, "expected an integer between -1000 and 1000, got %lld",
                    (long long) p->oom_score_adj.value);
    if (p->scheduler) {
        const oci_scheduler *s = p->scheduler;
        bool rt = strcmp(s->policy, "SCHED_FIFO") == 0 || strcmp(s->policy, "SCHED_RR") == 0;
        bool deadline = strcmp(s->policy, "SCHED_DEADLINE") == 0;
        if (s->nice.set && (s->nice.value < -20 || s->nice.value > 19))
            return fail(err, src, P("%s%sscheduler.nice", pfx, d).s, "expected a nice value between -20 and 19, got %lld",
                        (long long) s->nice.value);
        if (s->priority.set && s->priority.value != 0 && !rt)
            return fail(err, src, P("%s%sscheduler.priority", pfx, d).s,
                        "a priority can only be set with SCHED_FIFO or SCHED_RR, not %s", s->policy);
        if (s->priority.set && rt && (s->priority.value < 1 || s->priority.value > 99))
            return fail(err, src, P("%s%sscheduler.priority", pfx, d).s,
                        "expected a real-time priority between 1 and 99, got %lld", (long long) s->priority.value);
        if (!deadline && ((s->runtime.set && s->runtime.value) || (s->deadline.set && s->deadline.value) ||
                          (s->period.set && s->period.value)))
            return fail(err, src, P("%s%sscheduler", pfx, d).s,
                        "runtime, deadline and period can only be set with SCHED_DEADLINE, not %s", s->policy);
        for (i = 0; s->flags && s->flags[i]; i++)
            if (!in_list(s->flags[i], sched_flags, ARRAY_SIZE(sched_flags)))
                return fail(err, src, P("%s%sscheduler.flags[%zu]", pfx, d, i).s,
                            "unknown scheduler flag %s (expected one of SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_RECLAIM, "
                            "SCHED_FLAG_DL_OVERRUN, SCHED_FLAG_KEEP_POLICY, SCHED_FLAG_KEEP_PARAMS, "
                            "SCHED_FLAG_UTIL_CLAMP_MIN, SCHED_FLAG_UTIL_CLAMP_MAX)",
                            Q(s->flags[i]).s);
    }
    if (p->io_priority && (p->io_priority->priority < 0 || p->io_priority->priority > 7))
        return fail(err, src, P("%s%sioPriority.priority", pfx, d).s, "expected a priority between 0 and 7, got %lld",
                    (long long) p->io_priority->priority);
    {
        int r;
        if ((r = check_num_list(p->exec_cpu_affinity_initial, false, err, src, "CPUs", "%s%sexecCPUAffinity.initial",
                                pfx, d)) < 0 ||
            (r = check_num_list(p->exec_cpu_affinity_final, false, err, src, "CPUs", "%s%sexecCPUAffinity.final", pfx,
                                d)) < 0)
            return r;
    }
    return 0;
}

int oci_process_validate(const oci_process *p, const char *source, congo_error *err)
{
    return validate_process(p, "", source, err);
}

/* ------------------------------------------------------------------------ */
/* Resources. */

__attribute__((format(printf, 5, 6))) static int check_dev_number(int64_t v, bool wildcard_ok, congo_error *err,
                                                                   const char *src, const char *pathfmt, ...)
{
    char msg[200];
    va_list ap;
    int r;
    if ((v >= 0 && v <= UINT32_MAX) || (wildcard_ok && v == -1))
        return 0;
    snprintf(msg, sizeof msg, "expected a device number between 0 and 4294967295%s, got %lld",
             wildcard_ok ? " (or -1 for all)" : "", (long long) v);
    va_start(ap, pathfmt);
    r = vfail_at(err, src, msg, pathfmt, ap);
    va_end(ap);
    return r;
}

__attribute__((format(printf, 4, 5))) static int check_blkio_weight(const oci_opt_u64 *w, congo_error *err,
                                                                     const char *src, const char *pathfmt, ...)
{
    char msg[200];
    va_list ap;
    int r;
    /* 0 leaves the weight alone (runc); the kernel takes 10..1000 (cgroup v1) or 1..10000 (io.weight). */
    if (!w->set || w->value == 0 || (w->value >= 10 && w->value <= 1000))
        return 0;
    snprintf(msg, sizeof msg, "expected a weight between 10 and 1000, got %llu", (unsigned long long) w->value);
    va_start(ap, pathfmt);
    r = vfail_at(err, src, msg, pathfmt, ap);
    va_end(ap);
    return r;
}

static bool valid_page_size(const char *s)
{
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9')
        n++;
    if (n == 0 || s[0] == '0')
        return false;
    s += n;
    return strcmp(s, "KB") == 0 || strcmp(s, "MB") == 0 || strcmp(s, "GB") == 0 || strcmp(s, "TB") == 0 ||
           strcmp(s, "PB") == 0;
}

static int validate_resources(const oci_resources *r, const char *pfx, const char *src, congo_error *err)
{
    const char *d = DOT(pfx);
    size_t i;
    int rr;

    for (i = 0; i < r->n_devices; i++) {
        const oci_device_cgroup *dc = &r->devices[i];
        if (dc->type && strcmp(dc->type, "a") != 0 && strcmp(dc->type, "c") != 0 && strcmp(dc->type, "b") != 0)
            return fail(err, src, P("%s%sdevices[%zu].type", pfx, d, i).s,
                        "unknown device type %s (expected one of a, c, b)", Q(dc->type).s);
        /* Letters other than r, w and m are ignored with a warning when the
         * rules are applied (runc ignores them). */
        if (dc->access && !dc->access[0])
            return fail(err, src, P("%s%sdevices[%zu].access", pfx, d, i).s,
                        "expected a combination of r, w and m, got \"\"");
        if (dc->major.set &&
            (rr = check_dev_number(dc->major.value, true, err, src, "%s%sdevices[%zu].major", pfx, d, i)) < 0)
            return rr;
        if (dc->minor.set &&
            (rr = check_dev_number(dc->minor.value, true, err, src, "%s%sdevices[%zu].minor", pfx, d, i)) < 0)
            return rr;
    }
    if (r->memory) {
        const oci_memory *m = r->memory;
        const struct {
            const char *name;
            const oci_opt_i64 *v;
        } lim[] = { { "limit", &m->limit }, { "reservation", &m->reservation }, { "swap", &m->swap } };
        for (i = 0; i < ARRAY_SIZE(lim); i++)
            if (lim[i].v->set && lim[i].v->value < -1)
                return fail(err, src, P("%s%smemory.%s", pfx, d, lim[i].name).s,
                            "expected a number of bytes or -1 for unlimited, got %lld", (long long) lim[i].v->value);
        if (m->limit.set && m->swap.set && m->limit.value > 0 && m->swap.value > 0 && m->swap.value < m->limit.value)
            return fail(err, src, P("%s%smemory.swap", pfx, d).s,
                        "the memory+swap limit %lld must not be lower than the memory limit %lld",
                        (long long) m->swap.value, (long long) m->limit.value);
        /* UINT64_MAX is Go's uint64(-1): "leave it alone" in runc. */
        if (m->swappiness.set && m->swappiness.value > 100 && m->swappiness.value != UINT64_MAX)
            return fail(err, src, P("%s%smemory.swappiness", pfx, d).s, "expected a value between 0 and 100, got %llu",
                        (unsigned long long) m->swappiness.value);
        if (m->kernel.set || m->kernel_tcp.set)
            congo_warning("%s: %s%smemory: kernel memory limits (kernel, kernelTCP) are ignored", src, pfx, d);
    }
    if (r->cpu) {
        const oci_cpu *c = r->cpu;
        if (c->quota.set && c->quota.value < -1)
            return fail(err, src, P("%s%scpu.quota", pfx, d).s,
                        "expected microseconds per period or -1 for unlimited, got %lld", (long long) c->quota.value);
        if (c->realtime_runtime.set && c->realtime_runtime.value < -1)
            return fail(err, src, P("%s%scpu.realtimeRuntime", pfx, d).s,
                        "expected microseconds per period or -1 for unlimited, got %lld",
                        (long long) c->realtime_runtime.value);
        if (c->idle.set && c->idle.value != 0 && c->idle.value != 1)
            return fail(err, src, P("%s%scpu.idle", pfx, d).s, "expected 0 or 1, got %lld", (long long) c->idle.value);
        if ((rr = check_num_list(c->cpus, true, err, src, "CPUs", "%s%scpu.cpus", pfx, d)) < 0 ||
            (rr = check_num_list(c->mems, true, err, src, "memory nodes", "%s%scpu.mems", pfx, d)) < 0)
            return rr;
    }
    if (r->pids_limit.set && r->pids_limit.value < -1)
        return fail(err, src, P("%s%spids.limit", pfx, d).s,
                    "expected a number of processes or -1 for unlimited, got %lld", (long long) r->pids_limit.value);
    if (r->block_io) {
        const oci_block_io *b = r->block_io;
        const struct {
            const char *name;
            const oci_throttle_device *t;
            size_t n;
        } thr[] = {
            { "throttleReadBpsDevice", b->throttle_read_bps, b->n_throttle_read_bps },
            { "throttleWriteBpsDevice", b->throttle_write_bps, b->n_throttle_write_bps },
            { "throttleReadIOPSDevice", b->throttle_read_iops, b->n_throttle_read_iops },
            { "throttleWriteIOPSDevice", b->throttle_write_iops, b->n_throttle_write_iops },
        };
        if ((rr = check_blkio_weight(&b->weight, err, src, "%s%sblockIO.weight", pfx, d)) < 0 ||
            (rr = check_blkio_weight(&b->leaf_weight, err, src, "%s%sblockIO.leafWeight", pfx, d)) < 0)
            return rr;
        for (i = 0; i < b->n_weight_device; i++) {
            const oci_weight_device *w = &b->weight_device[i];
            if (!w->weight.set && !w->leaf_weight.set)
                return fail(err, src, P("%s%sblockIO.weightDevice[%zu]", pfx, d, i).s,
                            "expected at least one of \"weight\" and \"leafWeight\"");
            if ((rr = check_dev_number(w->major, false, err, src, "%s%sblockIO.weightDevice[%zu].major", pfx, d, i)) <
                    0 ||
                (rr = check_dev_number(w->minor, false, err, src, "%s%sblockIO.weightDevice[%zu].minor", pfx, d, i)) <
                    0 ||
                (rr = check_blkio_weight(&w->weight, err, src, "%s%sblockIO.weightDevice[%zu].weight", pfx, d, i)) <
                    0 ||
                (rr = check_blkio_weight(&w->leaf_weight, err, src, "%s%sblockIO.weightDevice[%zu].leafWeight", pfx,
                                         d, i)) < 0)
                return rr;
        }
        for (size_t k = 0; k < ARRAY_SIZE(thr); k++)
            for (i = 0; i < thr[k].n; i++)
                if ((rr = check_dev_number(thr[k].t[i].major, false, err, src, "%s%sblockIO.%s[%zu].major", pfx, d,
                                           thr[k].name, i)) < 0 ||
                    (rr = check_dev_number(thr[k].t[i].minor, false, err, src, "%s%sblockIO.%s[%zu].minor", pfx, d,
                                           thr[k].name, i)) < 0)
                    return rr;
    }
    for (i = 0; i < r->n_hugepage_limits; i++)
        if (!valid_page_size(r->hugepage_limits[i].page_size))
            return fail(err, src, P("%s%shugepageLimits[%zu].pageSize", pfx, d, i).s,
                        "expected a size such as \"2MB\" or \"1GB\", got %s", Q(r->hugepage_limits[i].page_size).s);
    for (i = 0; i < r->n_network_priorities; i++)
        if (!r->network_priorities[i].name[0])
            return fail(err, src, P("%s%snetwork.priorities[%zu].name", pfx, d, i).s,
                        "expected a network interface name, got \"\"");
    for (i = 0; i < r->unified.n; i++) {
        const char *k = r->unified.keys[i];
        /* The key names a file in the container's cgroup directory: never a path out of it. */
        if (!k[0] || strchr(k, '/') || strcmp(k, ".") == 0 || strcmp(k, "..") == 0 || !strchr(k, '.'))
            return fail(err, src, P("%s%sunified[%s]", pfx, d, Q(k).s).s,
                        "expected a cgroup file name such as \"memory.max\"");
    }
    return 0;
}

int oci_resources_validate(const oci_resources *r, const char *source, congo_error *err)
{
    return validate_resources(r, "", source, err);
}

/* ------------------------------------------------------------------------ */
/* The whole document. */

static bool version_supported(const char *v)
{
    /* 1.MINOR[.PATCH][-pre][+build]: the spec keeps compatibility within a major version. */
    if (strncmp(v, "1.", 2) != 0 || v[2] < '0' || v[2] > '9')
        return false;
    v += 2;
    while (*v >= '0' && *v <= '9')
        v++;
    if (*v == '.') {
        v++;
        if (*v < '0' || *v > '9')
            return false;
        while (*v >= '0' && *v <= '9')
            v++;
    }
    return *v == '\0' || *v == '-' || *v == '+';
}

static int validate_idmaps(const oci_id_mapping *m, size_t n, const char *path, const char *src, congo_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (m[i].size == 0)
            return fail(err, src, P("%s[%zu].size", path, i).s, "expected at least 1 ID, got 0");
        if ((uint64_t) m[i].container_id + m[i].size > (uint64_t) UINT32_MAX + 1 ||
            (uint64_t) m[i].host_id + m[i].size > (uint64_t) UINT32_MAX + 1)
            return fail(err, src, P("%s[%zu]", path, i).s, "the range of %u IDs from %u (container) or %u (host) "
                        "goes beyond 4294967295", m[i].size, m[i].container_id, m[i].host_id);
    }
    return 0;
}

static int validate_hooks(const oci_hook *h, size_t n, const char *name, const char *src, congo_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_abs(h[i].path))
            return fail(err, src, P("hooks.%s[%zu].path", name, i).s, "expected an absolute path, got %s",
                        Q(h[i].path).s);
        if (h[i].timeout.set && h[i].timeout.value <= 0)
            return fail(err, src, P("hooks.%s[%zu].timeout", name, i).s,
                        "expected a positive number of seconds, got %lld", (long long) h[i].timeout.value);
    }
    return 0;
}

static bool valid_ifname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (; *s; s++)
        if (*s == '/' || *s == ':' || *s == ' ' || *s == '\t' || *s == '\n')
            return false;
    return true;
}

/* The path of a sysctl under /proc/sys, as sysctl(8) reads a key: dots
 * separate components unless the first separator is a slash (then dots are
 * part of names, as in "net/ipv4/conf/eth0.100/rp_filter").  NULL when the
 * key would name something outside /proc/sys. */
static char *sysctl_path(const char *key)
{
    size_t first = strcspn(key, "./");
    char *path = xstrdup(key), *c;
    if (key[first] == '.')
        for (c = path; *c; c++)
            *c = *c == '.' ? '/' : *c == '/' ? '.' : *c;
    /* Every component non-empty and neither . nor .. */
    for (c = path;;) {
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) {
            free(path);
            return NULL;
        }
        if (!c[n])
            return path;
        c += n + 1;
    }
}

static bool is_host_netns(const char *path, int *errnum)
{
    struct stat a, b;
    *errnum = 0;
    if (stat("/proc/self/ns/net", &a) < 0 || stat(path, &b) < 0) {
        *errnum = errno;
        return false;
    }
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int validate_sysctl(const oci_config *c, const char *src, congo_error *err)
{
    static const char *const ipc_keys[] = {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
    };
    const oci_map *m = &c->linux_->sysctl;
    const oci_namespace *net = oci_config_namespace(c, OCI_NS_NETWORK);
    int net_checked = 0; /* 0 unknown, 1 own netns, -1 host netns */

    for (size_t i = 0; i < m->n; i++) {
        const char *key = m->keys[i];
        _cleanup_free_ char *path = sysctl_path(key), *dotted = NULL;
#define where P("linux.sysctl[%s]", Q(key).s).s
        if (!path)
            return fail(err, src, where, "expected a sysctl name such as \"net.ipv4.ip_forward\"");
        /* Compare in the dotted form, whatever form the key came in. */
        dotted = xstrdup(path);
        for (char *p = dotted; *p; p++)
            *p = *p == '/' ? '.' : *p == '.' ? '/' : *p;
        if (in_list(dotted, ipc_keys, ARRAY_SIZE(ipc_keys)) || str_has_prefix(dotted, "fs.mqueue.")) {
            if (!oci_config_namespace(c, OCI_NS_IPC))
                return fail(err, src, where,
                            "not allowed in the host's IPC namespace (add {\"type\": \"ipc\"} to linux.namespaces)");
            continue;
        }
        if (str_has_prefix(dotted, "net.")) {
            if (!net)
                return fail(err, src, where,
                            "not allowed in the host's network namespace (add {\"type\": \"network\"} to "
                            "linux.namespaces)");
            if (net->path && net_checked == 0) {
                int e;
                net_checked = is_host_netns(net->path, &e) ? -1 : 1;
                if (e)
                    return congo_error_set(err, e, "%s: linux.namespaces: network namespace %s", src, Q(net->path).s);
            }
            if (net_checked < 0)
                return fail(err, src, where,
                            "not allowed in the host's network namespace (the network namespace joined at %s is the "
                            "host's)",
                            Q(net->path).s);
            continue;
        }
        if (strcmp(dotted, "kernel.hostname") == 0)
            return fail(err, src, where, "not allowed: set the \"hostname\" field instead");
        if (strcmp(dotted, "kernel.domainname") == 0) {
            if (!oci_config_namespace(c, OCI_NS_UTS))
                return fail(err, src, where,
                            "not allowed in the host's UTS namespace (add {\"type\": \"uts\"} to linux.namespaces)");
            continue;
        }
        return fail(err, src, where,
                    "not allowed: this sysctl is not namespaced (a container may set net.*, kernel.shm*, kernel.msg*, "
                    "kernel.sem, fs.mqueue.* and kernel.domainname)");
#undef where
    }
    return 0;
}

static int validate_seccomp(const oci_seccomp *s, const char *src, congo_error *err)
{
    static const char *const actions[] = {
        "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY",
    };
    static const char *const ops[] = {
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
    };
#define ACTIONS                                                                                                        \
    "SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, "      \
    "SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY"
    if (!in_list(s->default_action, actions, ARRAY_SIZE(actions)))
        return fail(err, src, "linux.seccomp.defaultAction", "unknown action %s (expected one of " ACTIONS ")",
                    Q(s->default_action).s);
    for (size_t i = 0; i < s->n_syscalls; i++) {
        const oci_seccomp_syscall *sc = &s->syscalls[i];
        if (!sc->names || !sc->names[0])
            return fail(err, src, P("linux.seccomp.syscalls[%zu].names", i).s, "expected at least one syscall name");
        if (!in_list(sc->action, actions, ARRAY_SIZE(actions)))
            return fail(err, src, P("linux.seccomp.syscalls[%zu].action", i).s,
                        "unknown action %s (expected one of " ACTIONS ")", Q(sc->action).s);
        for (size_t j = 0; j < sc->n_args; j++) {
            if (sc->args[j].index > 5)
                return fail(err, src, P("linux.seccomp.syscalls[%zu].args[%zu].index", i, j).s,
                            "expected an argument index between 0 and 5, got %u", sc->args[j].index);
            if (!in_list(sc->args[j].op, ops, ARRAY_SIZE(ops)))
                return fail(err, src, P("linux.seccomp.syscalls[%zu].args[%zu].op", i, j).s,
                            "unknown operator %s (expected one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, "
                            "SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)",
                            Q(sc->args[j].op).s);
        }
    }
#undef ACTIONS
    return 0;
}

static int validate_linux(const oci_config *c, const char *src, congo_error *err)
{
    static const char *const propagations[] = {
        "shared", "rshared", "slave", "rslave", "private", "rprivate", "unbindable", "runbindable",
    };
    const oci_linux *l = c->linux_;
    const oci_namespace *user = oci_config_namespace(c, OCI_NS_USER);
    size_t i, j;
    int r;

    for (i = 0; i < l->n_namespaces; i++) {
        const oci_namespace *ns = &l->namespaces[i];
        for (j = 0; j < i; j++)
            if (l->namespaces[j].type == ns->type)
                return fail(err, src, P("linux.namespaces[%zu].type", i).s,
                            "duplicate namespace \"%s\" (also in linux.namespaces[%zu])", oci_namespace_name(ns->type),
                            j);
        if (ns->path && !is_abs(ns->path))
            return fail(err, src, P("linux.namespaces[%zu].path", i).s, "expected an absolute path, got %s",
                        Q(ns->path).s);
    }
    if (user && !user->path) {
        if (!l->n_uid_mappings)
            return fail(err, src, "linux.uidMappings",
                        "a new user namespace needs at least one mapping (or join one with a \"path\")");
        if (!l->n_gid_mappings)
            return fail(err, src, "linux.gidMappings",
                        "a new user namespace needs at least one mapping (or join one with a \"path\")");
    }
    if (!user && (l->n_uid_mappings || l->n_gid_mappings))
        return fail(err, src, l->n_uid_mappings ? "linux.uidMappings" : "linux.gidMappings",
                    "mappings need a user namespace (add {\"type\": \"user\"} to linux.namespaces)");
    if ((r = validate_idmaps(l->uid_mappings, l->n_uid_mappings, "linux.uidMappings", src, err)) < 0 ||
        (r = validate_idmaps(l->gid_mappings, l->n_gid_mappings, "linux.gidMappings", src, err)) < 0)
        return r;
    if (l->time_monotonic.set || l->time_boottime.set) {
        const oci_namespace *t = oci_config_namespace(c, OCI_NS_TIME);
        if (!t || t->path)
            return fail(err, src, "linux.timeOffsets",
                        "clock offsets need a new time namespace (add {\"type\": \"time\"} without a path to "
                        "linux.namespaces)");
        if (l->time_monotonic.nanosecs >= 1000000000u || l->time_boottime.nanosecs >= 1000000000u)
            return fail(err, src,
                        l->time_monotonic.nanosecs >= 1000000000u ? "linux.timeOffsets[\"monotonic\"].nanosecs"
                                                                  : "linux.timeOffsets[\"boottime\"].nanosecs",
                        "expected less than 1000000000 nanoseconds, got %u",
                        l->time_monotonic.nanosecs >= 1000000000u ? l->time_monotonic.nanosecs
                                                                  : l->time_boottime.nanosecs);
    }
    for (i = 0; i < l->n_devices; i++) {
        const oci_device *dv = &l->devices[i];
        bool fifo = strcmp(dv->type, "p") == 0;
        if (!is_abs(dv->path))
            return fail(err, src, P("linux.devices[%zu].path", i).s, "expected an absolute path, got %s",
                        Q(dv->path).s);
        if (!fifo && strcmp(dv->type, "c") != 0 && strcmp(dv->type, "b") != 0 && strcmp(dv->type, "u") != 0)
            return fail(err, src, P("linux.devices[%zu].type", i).s,
                        "unknown device type %s (expected one of c, b, u, p)", Q(dv->type).s);
        if (fifo)
            continue;
        if (!dv->major_set || !dv->minor_set)
            return fail(err, src, P("linux.devices[%zu]", i).s, "missing required field \"%s\" (needed for type %s)",
                        dv->major_set ? "minor" : "major", Q(dv->type).s);
        /* dev_t as the kernel encodes it: 12 bits of major, 20 of minor. */
        if (dv->major < 0 || dv->major > 4095)
            return fail(err, src, P("linux.devices[%zu].major", i).s, "expected a number between 0 and 4095, got %lld",
                        (long long) dv->major);
        if (dv->minor < 0 || dv->minor > 1048575)
            return fail(err, src, P("linux.devices[%zu].minor", i).s,
                        "expected a number between 0 and 1048575, got %lld", (long long) dv->minor);
    }
    if (l->net_devices.n && !oci_config_namespace(c, OCI_NS_NETWORK))
        return fail(err, src, "linux.netDevices",
                    "moving network devices needs a network namespace (add {\"type\": \"network\"} to "
                    "linux.namespaces)");
    for (i = 0; i < l->net_devices.n; i++) {
        if (!valid_ifname(l->net_devices.keys[i]))
            return fail(err, src, P("linux.netDevices[%s]", Q(l->net_devices.keys[i]).s).s,
                        "expected a network interface name (1 to 15 characters, no '/', ':' or spaces)");
        if (!valid_ifname(l->net_devices.values[i]))
            return fail(err, src, P("linux.netDevices[%s].name", Q(l->net_devices.keys[i]).s).s,
                        "expected a network interface name (1 to 15 characters, no '/', ':' or spaces), got %s",
                        Q(l->net_devices.values[i]).s);
    }
    if (l->rootfs_propagation && l->rootfs_propagation[0] &&
        !in_list(l->rootfs_propagation, propagations, ARRAY_SIZE(propagations)))
        return fail(err, src, "linux.rootfsPropagation",
                    "unknown propagation %s (expected one of shared, rshared, slave, rslave, private, rprivate, "
                    "unbindable, runbindable)",
                    Q(l->rootfs_propagation).s);
    if (l->resources && (r = validate_resources(l->resources, "linux.resources", src, err)) < 0)
        return r;
    if (l->seccomp && (r = validate_seccomp(l->seccomp, src, err)) < 0)
        return r;
    if ((r = validate_sysctl(c, src, err)) < 0)
        return r;
    for (i = 0; l->masked_paths && l->masked_paths[i]; i++)
        if (!is_abs(l->masked_paths[i]))
            return fail(err, src, P("linux.maskedPaths[%zu]", i).s, "expected an absolute path, got %s",
                        Q(l->masked_paths[i]).s);
    for (i = 0; l->readonly_paths && l->readonly_paths[i]; i++)
        if (!is_abs(l->readonly_paths[i]))
            return fail(err, src, P("linux.readonlyPaths[%zu]", i).s, "expected an absolute path, got %s",
                        Q(l->readonly_paths[i]).s);
    if (((l->masked_paths && l->masked_paths[0]) || (l->readonly_paths && l->readonly_paths[0])) &&
        !oci_config_namespace(c, OCI_NS_MOUNT))
        return fail(err, src, "linux",
                    "maskedPaths and readonlyPaths need a mount namespace (add {\"type\": \"mount\"} to "
                    "linux.namespaces)");
    if (l->personality) {
        if (strcmp(l->personality->domain, "LINUX") != 0 && strcmp(l->personality->domain, "LINUX32") != 0)
            return fail(err, src, "linux.personality.domain", "unknown domain %s (expected LINUX or LINUX32)",
                        Q(l->personality->domain).s);
        if (l->personality->flags && l->personality->flags[0])
            congo_warning("%s: linux.personality.flags are ignored (none is defined yet)", src);
    }
    if (l->memory_policy) {
        static const char *const modes[] = {
            "MPOL_DEFAULT", "MPOL_PREFERRED", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_LOCAL", "MPOL_PREFERRED_MANY",
            "MPOL_WEIGHTED_INTERLEAVE",
        };
        static const char *const flags[] = { "MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES", "MPOL_F_NUMA_BALANCING" };
        const oci_memory_policy *mp = l->memory_policy;
        bool has_nodes = mp->nodes && mp->nodes[0];
        if (!in_list(mp->mode, modes, ARRAY_SIZE(modes)))
            return fail(err, src, "linux.memoryPolicy.mode",
                        "unknown mode %s (expected one of MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, "
                        "MPOL_LOCAL, MPOL_PREFERRED_MANY, MPOL_WEIGHTED_INTERLEAVE)",
                        Q(mp->mode).s);
        for (i = 0; mp->flags && mp->flags[i]; i++)
            if (!in_list(mp->flags[i], flags, ARRAY_SIZE(flags)))
                return fail(err, src, P("linux.memoryPolicy.flags[%zu]", i).s,
                            "unknown flag %s (expected one of MPOL_F_STATIC_NODES, MPOL_F_RELATIVE_NODES, "
                            "MPOL_F_NUMA_BALANCING)",
                            Q(mp->flags[i]).s);
        if ((strcmp(mp->mode, "MPOL_DEFAULT") == 0 || strcmp(mp->mode, "MPOL_LOCAL") == 0) && has_nodes)
            return fail(err, src, "linux.memoryPolicy.nodes", "%s takes no nodes, got %s", mp->mode, Q(mp->nodes).s);
        if ((strcmp(mp->mode, "MPOL_BIND") == 0 || strcmp(mp->mode, "MPOL_INTERLEAVE") == 0 ||
             strcmp(mp->mode, "MPOL_WEIGHTED_INTERLEAVE") == 0 || strcmp(mp->mode, "MPOL_PREFERRED_MANY") == 0) &&
            !has_nodes)
            return fail(err, src, "linux.memoryPolicy.nodes", "%s needs at least one memory node", mp->mode);
        if ((r = check_num_list(mp->nodes, true, err, src, "memory nodes", "linux.memoryPolicy.nodes")) < 0)
            return r;
    }
    if (l->intel_rdt && l->intel_rdt->clos_id &&
        (strcmp(l->intel_rdt->clos_id, ".") == 0 || strcmp(l->intel_rdt->clos_id, "..") == 0 ||
         strchr(l->intel_rdt->clos_id, '/')))
        return fail(err, src, "linux.intelRdt.closID", "expected a resctrl group name, got %s",
                    Q(l->intel_rdt->clos_id).s);
    return 0;
}

int oci_config_validate(const oci_config *c, congo_error *err)
{
    const char *src = c->source ? c->source : "config.json";
    size_t i;
    int r;

    if (!version_supported(c->oci_version))
        return fail(err, src, "ociVersion",
                    "unsupported version %s (congo implements runtime-spec 1.2 and takes any 1.x configuration)",
                    Q(c->oci_version).s);
    if (!c->root.path)
        return fail(err, src, NULL, "missing required field \"root\"");
    if (!c->root.path[0])
        return fail(err, src, "root.path", "expected the path of the root filesystem, got \"\"");
    if (!c->process)
        return fail(err, src, NULL, "missing required field \"process\"");
    if ((r = validate_process(c->process, "process", src, err)) < 0)
        return r;
    if (c->hostname && c->hostname[0] && !oci_config_namespace(c, OCI_NS_UTS))
        return fail(err, src, "hostname",
                    "setting the hostname needs a UTS namespace (add {\"type\": \"uts\"} to linux.namespaces)");
    if (c->domainname && c->domainname[0] && !oci_config_namespace(c, OCI_NS_UTS))
        return fail(err, src, "domainname",
                    "setting the domain name needs a UTS namespace (add {\"type\": \"uts\"} to linux.namespaces)");
    for (i = 0; i < c->n_mounts; i++) {
        const oci_mount *m = &c->mounts[i];
        if (!m->destination[0])
            return fail(err, src, P("mounts[%zu].destination", i).s, "expected a path in the container, got \"\"");
        if (!is_abs(m->destination))
            congo_warning("%s: mounts[%zu].destination: %s is not absolute; it is taken relative to / (relative "
                          "destinations are deprecated)",
                          src, i, Q(m->destination).s);
        if (m->n_uid_mappings &&
            (r = validate_idmaps(m->uid_mappings, m->n_uid_mappings, P("mounts[%zu].uidMappings", i).s, src, err)) < 0)
            return r;
        if (m->n_gid_mappings &&
            (r = validate_idmaps(m->gid_mappings, m->n_gid_mappings, P("mounts[%zu].gidMappings", i).s, src, err)) < 0)
            return r;
    }
    if ((r = validate_hooks(c->hooks.prestart, c->hooks.n_prestart, "prestart", src, err)) < 0 ||
        (r = validate_hooks(c->hooks.create_runtime, c->hooks.n_create_runtime, "createRuntime", src, err)) < 0 ||
        (r = validate_hooks(c->hooks.create_container, c->hooks.n_create_container, "createContainer", src, err)) <
            0 ||
        (r = validate_hooks(c->hooks.start_container, c->hooks.n_start_container, "startContainer", src, err)) < 0 ||
        (r = validate_hooks(c->hooks.poststart, c->hooks.n_poststart, "poststart", src, err)) < 0 ||
        (r = validate_hooks(c->hooks.poststop, c->hooks.n_poststop, "poststop", src, err)) < 0)
        return r;
    if (c->linux_)
        return validate_linux(c, src, err);
    return 0;
}
