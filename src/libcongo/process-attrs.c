/* Personality, scheduler, I/O priority, CPU affinity and NUMA memory policy
 * of the container process (process-attrs.h).  Raw syscalls: glibc has no
 * wrappers for sched_setattr, ioprio_set or set_mempolicy, and libnuma is
 * not worth a library on every start for one call. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "process-attrs.h"
#include "utils.h"

#define BITS_PER_LONG (8 * sizeof(unsigned long))
/* The largest CPU number any Linux configuration has (NR_CPUS <= 8192). */
#define CONGO_MAX_CPUS 8192

/* ------------------------------------------------------------------------ */
/* Id lists. */

static bool parse_num(const char **s, unsigned long *out)
{
    char *end;
    if (**s < '0' || **s > '9')
        return false;
    errno = 0;
    *out = strtoul(*s, &end, 10);
    if (errno == ERANGE)
        return false;
    *s = end;
    return true;
}

/* One comma-separated element: "a", "a-b" or "a-b:used/group". */
struct id_range {
    unsigned long start, end, used, group;
};

static int parse_range(const char **s, struct id_range *r)
{
    if (!parse_num(s, &r->start))
        return -1;
    r->end = r->start;
    r->used = r->group = 1;
    if (**s == '-') {
        (*s)++;
        if (!parse_num(s, &r->end) || r->end < r->start)
            return -1;
        if (**s == ':') {
            (*s)++;
            if (!parse_num(s, &r->used) || *(*s)++ != '/' || !parse_num(s, &r->group) || r->group == 0 ||
                r->used == 0 || r->used > r->group)
                return -1;
        }
    }
    if (**s == ',') {
        (*s)++;
        if (!**s)
            return -1;
    } else if (**s) {
        return -1;
    }
    return 0;
}

long congo_id_list_span(const char *list)
{
    const char *s = list;
    unsigned long max = 0;
    bool any = false;
    while (s && *s) {
        struct id_range r;
        if (parse_range(&s, &r) < 0 || r.end >= LONG_MAX)
            return -1;
        if (!any || r.end > max)
            max = r.end;
        any = true;
    }
    return any ? (long) max + 1 : 0;
}

int congo_id_list_parse(unsigned long *mask, size_t nbits, const char *list, const char *what, congo_error *err)
{
    const char *s = list ? list : "";
    memset(mask, 0, (nbits + BITS_PER_LONG - 1) / BITS_PER_LONG * sizeof(unsigned long));
    while (*s) {
        struct id_range r;
        if (parse_range(&s, &r) < 0)
            return congo_error_set(err, 0, "\"%s\": expected a list of %s numbers such as \"0-3,7\"", list, what);
        if (r.end >= nbits)
            return congo_error_set(err, 0, "\"%s\": %s %lu is beyond the largest %s number this build handles (%zu)",
                                   list, what, r.end, what, nbits - 1);
        for (unsigned long start = r.start; start <= r.end; start += r.group)
            for (unsigned long i = start; i < start + r.used && i <= r.end; i++)
                mask[i / BITS_PER_LONG] |= 1UL << (i % BITS_PER_LONG);
    }
    return 0;
}

/* A small sysfs list (online CPUs, memory nodes) for messages; "?" when unreadable. */
static char *sysfs_list(const char *path)
{
    char *s = NULL;
    if (read_file_at(AT_FDCWD, path, 4096, &s, NULL, NULL) < 0)
        return xstrdup("?");
    s[strcspn(s, "\n")] = '\0';
    return s;
}

/* ------------------------------------------------------------------------ */
/* Personality. */

int congo_personality_value(unsigned long *out, const oci_personality *p, congo_error *err)
{
    if (!p->domain)
        return congo_error_set(err, 0, "linux.personality.domain: missing (expected \"LINUX\" or \"LINUX32\")");
    if (strcmp(p->domain, "LINUX") == 0)
        *out = PER_LINUX;
    else if (strcmp(p->domain, "LINUX32") == 0)
        *out = PER_LINUX32;
    else
        return congo_error_set(err, 0,
                               "linux.personality.domain: unknown domain \"%s\" (expected \"LINUX\" or \"LINUX32\")",
                               p->domain);
    return 0;
}

int congo_personality_apply(const oci_personality *p, congo_error *err)
{
    unsigned long v;
    int r;
    if (!p)
        return 0;
    r = congo_personality_value(&v, p, err);
    if (r < 0)
        return r;
    if (personality(v) < 0)
        return congo_error_errno(err, "linux.personality.domain \"%s\": set personality 0x%lx", p->domain, v);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Scheduler. */

static const struct {
    const char *name;
    int value;
} sched_policies[] = {
    { "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 }, { "SCHED_RR", 2 },       { "SCHED_BATCH", 3 },
    { "SCHED_ISO", 4 },   { "SCHED_IDLE", 5 }, { "SCHED_DEADLINE", 6 },
};

static const struct {
    const char *name;
    uint64_t value;
} sched_flags[] = {
    { "SCHED_FLAG_RESET_ON_FORK", 0x01 }, { "SCHED_FLAG_RECLAIM", 0x02 },        { "SCHED_FLAG_DL_OVERRUN", 0x04 },
    { "SCHED_FLAG_KEEP_POLICY", 0x08 },   { "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
    { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

#define SCHED_POLICY_FIFO 1
#define SCHED_POLICY_RR 2
#define SCHED_POLICY_ISO 4
#define SCHED_POLICY_DEADLINE 6
#define SCHED_ATTR_SIZE_VER1 56
#define SCHED_FLAG_UTIL_CLAMP (0x20 | 0x40)
/* The kernel's smallest deadline runtime: 1 << DL_SCALE ns. */
#define SCHED_DL_MIN_RUNTIME 1024

int congo_sched_policy_from_name(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_SIZE(sched_policies); i++)
        if (strcmp(name, sched_policies[i].name) == 0)
            return sched_policies[i].value;
    return -1;
}

const char *congo_sched_policy_name(int policy)
{
    for (size_t i = 0; i < ARRAY_SIZE(sched_policies); i++)
        if (sched_policies[i].value == policy)
            return sched_policies[i].name;
    return NULL;
}

uint64_t congo_sched_flag_from_name(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_SIZE(sched_flags); i++)
        if (strcmp(name, sched_flags[i].name) == 0)
            return sched_flags[i].value;
    return 0;
}

int congo_sched_attr_from_config(struct congo_sched_attr *out, const oci_scheduler *s, const char *pfx,
                                 congo_error *err)
{
    struct congo_sched_attr a = { .size = SCHED_ATTR_SIZE_VER1 };
    int policy = congo_sched_policy_from_name(s->policy);
    bool rt = policy == SCHED_POLICY_FIFO || policy == SCHED_POLICY_RR;

    if (policy < 0)
        return congo_error_set(err, 0,
                               "%sscheduler.policy: unknown policy \"%s\" (expected SCHED_OTHER, SCHED_FIFO, SCHED_RR, "
                               "SCHED_BATCH, SCHED_ISO, SCHED_IDLE or SCHED_DEADLINE)",
                               pfx, s->policy ? s->policy : "");
    a.sched_policy = policy;
    if (s->nice.set) {
        if (s->nice.value < -20 || s->nice.value > 19)
            return congo_error_set(err, 0, "%sscheduler.nice: %lld is not a nice value (expected -20 to 19)", pfx,
                                   (long long) s->nice.value);
        a.sched_nice = (int32_t) s->nice.value;
    }
    if (rt) {
        if (!s->priority.set || s->priority.value < 1 || s->priority.value > 99) {
            if (!s->priority.set)
                return congo_error_set(err, 0, "%sscheduler.priority: %s needs a priority between 1 and 99", pfx,
                                       s->policy);
            return congo_error_set(err, 0, "%sscheduler.priority: %lld is not a %s priority (expected 1 to 99)",
                                   pfx, (long long) s->priority.value, s->policy);
        }
        a.sched_priority = (uint32_t) s->priority.value;
    } else if (s->priority.set && s->priority.value != 0) {
        return congo_error_set(err, 0,
                               "%sscheduler.priority: %lld: only SCHED_FIFO and SCHED_RR take a priority, not %s", pfx,
                               (long long) s->priority.value, s->policy);
    }
    if (policy == SCHED_POLICY_DEADLINE) {
        a.sched_runtime = s->runtime.set ? s->runtime.value : 0;
        a.sched_deadline = s->deadline.set ? s->deadline.value : 0;
        a.sched_period = s->period.set ? s->period.value : 0;
        if (a.sched_runtime < SCHED_DL_MIN_RUNTIME)
            return congo_error_set(err, 0,
                                   "%sscheduler.runtime: %llu: SCHED_DEADLINE needs a runtime of at least %d "
                                   "nanoseconds",
                                   pfx, (unsigned long long) a.sched_runtime, SCHED_DL_MIN_RUNTIME);
        if (a.sched_deadline < a.sched_runtime)
            return congo_error_set(err, 0,
                                   "%sscheduler.deadline: %llu is shorter than the runtime %llu (SCHED_DEADLINE needs "
                                   "runtime <= deadline <= period)",
                                   pfx, (unsigned long long) a.sched_deadline, (unsigned long long) a.sched_runtime);
        if (a.sched_period && a.sched_period < a.sched_deadline)
            return congo_error_set(err, 0,
                                   "%sscheduler.period: %llu is shorter than the deadline %llu (SCHED_DEADLINE needs "
                                   "runtime <= deadline <= period)",
                                   pfx, (unsigned long long) a.sched_period, (unsigned long long) a.sched_deadline);
    } else if ((s->runtime.set && s->runtime.value) || (s->deadline.set && s->deadline.value) ||
               (s->period.set && s->period.value)) {
        return congo_error_set(err, 0, "%sscheduler: runtime, deadline and period are for SCHED_DEADLINE, not %s", pfx,
                               s->policy);
    }
    for (size_t i = 0; s->flags && s->flags[i]; i++) {
        uint64_t f = congo_sched_flag_from_name(s->flags[i]);
        if (!f)
            return congo_error_set(err, 0,
                                   "%sscheduler.flags[%zu]: unknown flag \"%s\" (expected SCHED_FLAG_RESET_ON_FORK, "
                                   "SCHED_FLAG_RECLAIM, SCHED_FLAG_DL_OVERRUN, SCHED_FLAG_KEEP_POLICY, "
                                   "SCHED_FLAG_KEEP_PARAMS, SCHED_FLAG_UTIL_CLAMP_MIN or SCHED_FLAG_UTIL_CLAMP_MAX)",
                                   pfx, i, s->flags[i]);
        a.sched_flags |= f;
    }
    *out = a;
    return 0;
}

static char *flag_names(char **flags)
{
    char *s = xstrdup("");
    for (size_t i = 0; flags && flags[i]; i++) {
        char *n = xasprintf("%s%s%s", s, i ? "|" : "", flags[i]);
        free(s);
        s = n;
    }
    return s;
}

int congo_scheduler_apply(const oci_scheduler *s, const char *pfx, congo_error *err)
{
    struct congo_sched_attr a;
    _cleanup_free_ char *flags = NULL;
    const char *hint = "";
    int r;

    if (!s)
        return 0;
    r = congo_sched_attr_from_config(&a, s, pfx, err);
    if (r < 0)
        return r;
    if (syscall(SYS_sched_setattr, 0, &a, 0) == 0)
        return 0;
    r = errno;
    flags = flag_names(s->flags);
    /* Name the usual reasons: the kernel only says EINVAL or EPERM. */
    if (r == EINVAL && a.sched_policy == SCHED_POLICY_ISO)
        hint = " (the Linux kernel does not implement SCHED_ISO)";
    else if (r == EOPNOTSUPP && (a.sched_flags & SCHED_FLAG_UTIL_CLAMP))
        hint = " (this kernel has no utilization clamping: CONFIG_UCLAMP_TASK is off)";
    else if (r == EPERM && (a.sched_policy == SCHED_POLICY_FIFO || a.sched_policy == SCHED_POLICY_RR))
        hint = " (a real-time policy needs CAP_SYS_NICE in the host's user namespace, or an RLIMIT_RTPRIO that allows "
               "the priority; with real-time group scheduling the container's cpu cgroup also needs real-time time: "
               "set linux.resources.cpu.realtimeRuntime, within what its parent cgroup has)";
    else if ((r == EPERM || r == EBUSY) && a.sched_policy == SCHED_POLICY_DEADLINE)
        hint = " (SCHED_DEADLINE needs CAP_SYS_NICE in the host's user namespace, the process allowed on every CPU "
               "of its scheduling domain and enough deadline bandwidth left)";
    else if (r == EPERM && a.sched_nice < 0)
        hint = " (a negative nice needs CAP_SYS_NICE in the host's user namespace, or an RLIMIT_NICE that allows it)";
    else if (r == EPERM)
        hint = " (it needs CAP_SYS_NICE in the host's user namespace)";
    if (a.sched_policy == SCHED_POLICY_DEADLINE)
        return congo_error_set(err, r, "%sscheduler: set %s (runtime %llu, deadline %llu, period %llu ns%s%s)%s", pfx,
                               s->policy, (unsigned long long) a.sched_runtime, (unsigned long long) a.sched_deadline,
                               (unsigned long long) a.sched_period, *flags ? ", flags " : "", flags, hint);
    return congo_error_set(err, r, "%sscheduler: set %s (nice %d, priority %u%s%s)%s", pfx, s->policy, a.sched_nice,
                           a.sched_priority, *flags ? ", flags " : "", flags, hint);
}

/* ------------------------------------------------------------------------ */
/* I/O priority. */

#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_WHO_PROCESS 1

int congo_ioprio_value(int *out, const oci_io_priority *io, const char *pfx, congo_error *err)
{
    static const char *const classes[] = { "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE" };
    int cls = 0;
    for (size_t i = 0; io->class_name && i < ARRAY_SIZE(classes); i++)
        if (strcmp(io->class_name, classes[i]) == 0)
            cls = (int) i + 1;
    if (!cls)
        return congo_error_set(err, 0,
                               "%sioPriority.class: unknown class \"%s\" (expected IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or "
                               "IOPRIO_CLASS_IDLE)",
                               pfx, io->class_name ? io->class_name : "");
    if (io->priority < 0 || io->priority > 7)
        return congo_error_set(err, 0, "%sioPriority.priority: %lld is not an I/O priority (expected 0 to 7)", pfx,
                               (long long) io->priority);
    *out = (cls << IOPRIO_CLASS_SHIFT) | (int) io->priority;
    return 0;
}

int congo_ioprio_apply(const oci_io_priority *io, const char *pfx, congo_error *err)
{
    int v, r;
    if (!io)
        return 0;
    r = congo_ioprio_value(&v, io, pfx, err);
    if (r < 0)
        return r;
    if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, v) < 0)
        return congo_error_errno(err, "%sioPriority: set class %s, priority %lld%s", pfx, io->class_name,
                                 (long long) io->priority,
                                 errno == EPERM ? " (the real-time class needs CAP_SYS_ADMIN or CAP_SYS_NICE in the "
                                                  "host's user namespace)"
                                                : "");
    return 0;
}

/* ------------------------------------------------------------------------ */
/* CPU affinity. */

int congo_cpu_affinity_reset(congo_error *err)
{
    unsigned long all[CONGO_MAX_CPUS / BITS_PER_LONG];
    memset(all, 0xff, sizeof all);
    if (syscall(SYS_sched_setaffinity, 0, sizeof all, all) < 0)
        return congo_error_errno(err, "reset the CPU affinity to the container's CPUs");
    return 0;
}

static int set_affinity_list(const char *list, const char *pfx, const char *field, congo_error *err)
{
    long span = congo_id_list_span(list);
    size_t nbits;
    _cleanup_free_ unsigned long *mask = NULL;
    int r;

    if (span < 0 || span > CONGO_MAX_CPUS)
        span = CONGO_MAX_CPUS; /* the parser names the problem */
    nbits = span ? (size_t) span : 1;
    mask = xzalloc((nbits + BITS_PER_LONG - 1) / BITS_PER_LONG * sizeof(unsigned long));
    r = congo_id_list_parse(mask, nbits, list, "CPU", err);
    if (r < 0)
        return congo_error_wrap(err, r, "%sexecCPUAffinity.%s", pfx, field);
    if (syscall(SYS_sched_setaffinity, 0, (nbits + BITS_PER_LONG - 1) / BITS_PER_LONG * sizeof(unsigned long),
                mask) < 0) {
        _cleanup_free_ char *online = sysfs_list("/sys/devices/system/cpu/online");
        r = errno;
        if (r == EINVAL)
            return congo_error_set(err, r,
                                   "%sexecCPUAffinity.%s \"%s\": none of these CPUs is online and allowed to the "
                                   "process (online CPUs: %s)",
                                   pfx, field, list, online);
        return congo_error_set(err, r, "%sexecCPUAffinity.%s \"%s\": set the CPU affinity", pfx, field, list);
    }
    return 0;
}

int congo_exec_cpu_affinity_initial(const oci_process *p, const char *pfx, congo_error *err)
{
    if (!p->exec_cpu_affinity_initial || !*p->exec_cpu_affinity_initial)
        return 0;
    return set_affinity_list(p->exec_cpu_affinity_initial, pfx, "initial", err);
}

int congo_exec_cpu_affinity_final(const oci_process *p, const char *pfx, congo_error *err)
{
    if (!p->exec_cpu_affinity_final || !*p->exec_cpu_affinity_final)
        return congo_cpu_affinity_reset(err);
    return set_affinity_list(p->exec_cpu_affinity_final, pfx, "final", err);
}

/* ------------------------------------------------------------------------ */
/* NUMA memory policy. */

enum {
    MPOL_DEFAULT_ = 0,
    MPOL_PREFERRED_ = 1,
    MPOL_BIND_ = 2,
    MPOL_INTERLEAVE_ = 3,
    MPOL_LOCAL_ = 4,
    MPOL_PREFERRED_MANY_ = 5,
    MPOL_WEIGHTED_INTERLEAVE_ = 6,
};
#define MPOL_F_STATIC_NODES_ (1 << 15)
#define MPOL_F_RELATIVE_NODES_ (1 << 14)
#define MPOL_F_NUMA_BALANCING_ (1 << 13)

const char *const congo_mempolicy_mode_names[] = {
    "MPOL_DEFAULT", "MPOL_PREFERRED",      "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_LOCAL",
    "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE", NULL,
};
const char *const congo_mempolicy_flag_names[] = {
    "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES", NULL,
};

int congo_mempolicy_mode_from_name(const char *name)
{
    for (int i = 0; name && congo_mempolicy_mode_names[i]; i++)
        if (strcmp(name, congo_mempolicy_mode_names[i]) == 0)
            return i;
    return -1;
}

int congo_mempolicy_flag_from_name(const char *name)
{
    for (int i = 0; name && congo_mempolicy_flag_names[i]; i++)
        if (strcmp(name, congo_mempolicy_flag_names[i]) == 0)
            return 1 << (13 + i);
    return 0;
}

int congo_mempolicy_from_config(struct congo_mempolicy *out, const oci_memory_policy *mp, congo_error *err)
{
    int mode = congo_mempolicy_mode_from_name(mp->mode), flags = 0, r;
    bool has_nodes = mp->nodes && *mp->nodes;
    struct congo_mempolicy m = { 0 };

    if (mode < 0)
        return congo_error_set(err, 0,
                               "linux.memoryPolicy.mode: unknown mode \"%s\" (expected MPOL_DEFAULT, MPOL_PREFERRED, "
                               "MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL, MPOL_PREFERRED_MANY or "
                               "MPOL_WEIGHTED_INTERLEAVE)",
                               mp->mode ? mp->mode : "");
    for (size_t i = 0; mp->flags && mp->flags[i]; i++) {
        int f = congo_mempolicy_flag_from_name(mp->flags[i]);
        if (!f)
            return congo_error_set(err, 0,
                                   "linux.memoryPolicy.flags[%zu]: unknown flag \"%s\" (expected MPOL_F_STATIC_NODES, "
                                   "MPOL_F_RELATIVE_NODES or MPOL_F_NUMA_BALANCING)",
                                   i, mp->flags[i]);
        flags |= f;
    }
    if (mode == MPOL_DEFAULT_ || mode == MPOL_LOCAL_) {
        if (has_nodes)
            return congo_error_set(err, 0, "linux.memoryPolicy.nodes: %s takes no nodes, got \"%s\"", mp->mode,
                                   mp->nodes);
        if (flags)
            return congo_error_set(err, 0, "linux.memoryPolicy.flags: %s takes no flags", mp->mode);
    } else if (!has_nodes && mode != MPOL_PREFERRED_) {
        /* MPOL_PREFERRED without nodes is local allocation. */
        return congo_error_set(err, 0, "linux.memoryPolicy.nodes: %s needs at least one memory node", mp->mode);
    }
    if ((flags & MPOL_F_STATIC_NODES_) && (flags & MPOL_F_RELATIVE_NODES_))
        return congo_error_set(err, 0,
                               "linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each "
                               "other");
    if ((flags & (MPOL_F_STATIC_NODES_ | MPOL_F_RELATIVE_NODES_)) && !has_nodes)
        return congo_error_set(err, 0, "linux.memoryPolicy.flags: %s without nodes takes no node flags", mp->mode);
    if ((flags & MPOL_F_NUMA_BALANCING_) && mode != MPOL_BIND_ && mode != MPOL_PREFERRED_MANY_)
        return congo_error_set(err, 0,
                               "linux.memoryPolicy.flags: MPOL_F_NUMA_BALANCING works only with MPOL_BIND and "
                               "MPOL_PREFERRED_MANY, not %s",
                               mp->mode);
    if (has_nodes) {
        r = congo_id_list_parse(m.nodes, CONGO_MAX_NUMA_NODES, mp->nodes, "memory node", err);
        if (r < 0)
            return congo_error_wrap(err, r, "linux.memoryPolicy.nodes");
        m.has_nodes = true;
    }
    m.mode = mode | flags;
    *out = m;
    return 0;
}

int congo_mempolicy_apply(const oci_memory_policy *mp, congo_error *err)
{
    struct congo_mempolicy m;
    int r;

    if (!mp)
        return 0;
    r = congo_mempolicy_from_config(&m, mp, err);
    if (r < 0)
        return r;
    /* maxnode counts one more than the bits the kernel reads. */
    if (syscall(SYS_set_mempolicy, m.mode, m.has_nodes ? m.nodes : NULL,
                m.has_nodes ? (unsigned long) CONGO_MAX_NUMA_NODES + 1 : 0UL) == 0)
        return 0;
    r = errno;
    if (r == EINVAL && m.has_nodes) {
        _cleanup_free_ char *nodes = sysfs_list("/sys/devices/system/node/has_memory");
        return congo_error_set(err, r,
                               "linux.memoryPolicy: %s on nodes \"%s\": the kernel refused it (this host's memory "
                               "nodes: %s; the nodes must have memory and be allowed by the container's cpuset)",
                               mp->mode, mp->nodes, nodes);
    }
    if (r == EINVAL)
        return congo_error_set(err, r,
                               "linux.memoryPolicy: %s: the kernel refused it (does this kernel know the mode?)",
                               mp->mode);
    if (r == ENOSYS)
        return congo_error_set(err, r, "linux.memoryPolicy: this kernel has no NUMA support (CONFIG_NUMA)");
    return congo_error_set(err, r, "linux.memoryPolicy: set %s", mp->mode);
}

/* ------------------------------------------------------------------------ */

int congo_process_attrs_apply(const oci_process *p, const oci_linux *l, const char *pfx, congo_error *err)
{
    int r;
    if (l && (r = congo_personality_apply(l->personality, err)) < 0)
        return r;
    if (p && (r = congo_scheduler_apply(p->scheduler, pfx, err)) < 0)
        return r;
    if (p && (r = congo_ioprio_apply(p->io_priority, pfx, err)) < 0)
        return r;
    if (l && (r = congo_mempolicy_apply(l->memory_policy, err)) < 0)
        return r;
    return 0;
}
