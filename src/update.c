/* congo update: change the resource limits of a live container, from a
 * LinuxResources JSON document (--resources FILE, or - for stdin: what
 * containerd and podman pass) and/or runc's flags. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "libcongo/container-cgroups.h"
#include "libcongo/log.h"
#include "libcongo/utils.h"

static const char update_usage[] =
    "Usage: congo update [OPTIONS] ID\n"
    "\n"
    "Change the resource limits of a running, created or paused container.  On an\n"
    "error nothing is changed.  Flags override the same fields of --resources.\n"
    "Sizes take a b, k, m, g or t suffix; -1 means unlimited.\n"
    "\n"
    "  -r, --resources FILE      a LinuxResources JSON document (- for stdin)\n"
    "  --memory SIZE             memory limit\n"
    "  --memory-reservation SIZE memory soft limit\n"
    "  --memory-swap SIZE        memory+swap limit\n"
    "  --kernel-memory SIZE      ignored (kernel memory limits are deprecated)\n"
    "  --kernel-memory-tcp SIZE  ignored (kernel memory limits are deprecated)\n"
    "  --cpu-shares N            relative CPU weight (also --cpu-share)\n"
    "  --cpu-quota N             CPU time per period in microseconds (-1: unlimited)\n"
    "  --cpu-period N            CFS period in microseconds\n"
    "  --cpu-rt-runtime N        real-time runtime in microseconds\n"
    "  --cpu-rt-period N         real-time period in microseconds\n"
    "  --cpuset-cpus LIST        CPUs allowed (0-3,7)\n"
    "  --cpuset-mems LIST        memory nodes allowed\n"
    "  --pids-limit N            maximum number of tasks (-1: unlimited)\n"
    "  --blkio-weight N          block I/O weight (10 to 1000)\n";

enum {
    OPT_RESOURCES = 'r',
    OPT_MEMORY = 1000, OPT_MEMORY_RESERVATION, OPT_MEMORY_SWAP, OPT_KERNEL_MEMORY, OPT_KERNEL_MEMORY_TCP,
    OPT_CPU_SHARES, OPT_CPU_QUOTA, OPT_CPU_PERIOD, OPT_CPU_RT_RUNTIME, OPT_CPU_RT_PERIOD, OPT_CPUSET_CPUS,
    OPT_CPUSET_MEMS, OPT_PIDS_LIMIT, OPT_BLKIO_WEIGHT, OPT_L3_CACHE, OPT_MEM_BW,
};

static const struct option update_longopts[] = {
    { "resources", required_argument, NULL, OPT_RESOURCES },
    { "memory", required_argument, NULL, OPT_MEMORY },
    { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
    { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
    { "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
    { "kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP },
    { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
    { "cpu-share", required_argument, NULL, OPT_CPU_SHARES },
    { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
    { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
    { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
    { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
    { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
    { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
    { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
    { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
    { "l3-cache-schema", required_argument, NULL, OPT_L3_CACHE },
    { "mem-bw-schema", required_argument, NULL, OPT_MEM_BW },
    {},
};

struct update_opts {
    const char *resources;
    oci_resources flags;        /* the fields given as flags */
};

/* "512m", "1G", "-1", "4096" */
static int parse_size(const char *opt, const char *s, int64_t *out, congo_error *err)
{
    char *end;
    long long v;
    unsigned long long mult = 1;
    if (strcmp(s, "-1") == 0) {
        *out = -1;
        return 0;
    }
    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || v < 0 || errno)
        goto bad;
    switch (tolower((unsigned char) *end)) {
    case '\0': break;
    case 'b': mult = 1; end++; break;
    case 'k': mult = 1ULL << 10; end++; break;
    case 'm': mult = 1ULL << 20; end++; break;
    case 'g': mult = 1ULL << 30; end++; break;
    case 't': mult = 1ULL << 40; end++; break;
    default: goto bad;
    }
    if (*end && mult > 1 && tolower((unsigned char) *end) == 'b')
        end++;
    if (*end || (unsigned long long) v > (unsigned long long) INT64_MAX / mult)
        goto bad;
    *out = (int64_t) ((unsigned long long) v * mult);
    return 0;
bad:
    return congo_error_set(err, 0, "--%s: `%s` is not a size (a number with an optional b, k, m, g or t suffix, "
                                   "or -1)", opt, s);
}

static int parse_num(const char *opt, const char *s, int64_t *out, congo_error *err)
{
    long long v;
    if (parse_int64(s, &v) < 0)
        return congo_error_set(err, 0, "--%s: `%s` is not a number", opt, s);
    *out = v;
    return 0;
}

static int parse_unum(const char *opt, const char *s, uint64_t *out, congo_error *err)
{
    unsigned long long v;
    if (parse_uint64(s, &v) < 0)
        return congo_error_set(err, 0, "--%s: `%s` is not a non-negative number", opt, s);
    *out = v;
    return 0;
}

static oci_memory *mem(oci_resources *r) { return r->memory ? r->memory : (r->memory = xnew0(oci_memory, 1)); }
static oci_cpu *cpu(oci_resources *r) { return r->cpu ? r->cpu : (r->cpu = xnew0(oci_cpu, 1)); }

static int update_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct update_opts *o = data;
    oci_resources *r = &o->flags;
    const char *name = NULL;
    for (const struct option *l = update_longopts; l->name; l++)
        if (l->val == opt)
            name = l->name;

#define SIZE(field) do { int _r = parse_size(name, arg, &(field).value, err); if (_r < 0) return _r; (field).set = true; } while (0)
#define NUM(field) do { int _r = parse_num(name, arg, &(field).value, err); if (_r < 0) return _r; (field).set = true; } while (0)
#define UNUM(field) do { int _r = parse_unum(name, arg, &(field).value, err); if (_r < 0) return _r; (field).set = true; } while (0)
    switch (opt) {
    case OPT_RESOURCES: o->resources = arg; break;
    case OPT_MEMORY: SIZE(mem(r)->limit); break;
    case OPT_MEMORY_RESERVATION: SIZE(mem(r)->reservation); break;
    case OPT_MEMORY_SWAP: SIZE(mem(r)->swap); break;
    case OPT_KERNEL_MEMORY: SIZE(mem(r)->kernel); break;
    case OPT_KERNEL_MEMORY_TCP: SIZE(mem(r)->kernel_tcp); break;
    case OPT_CPU_SHARES: UNUM(cpu(r)->shares); break;
    case OPT_CPU_QUOTA: NUM(cpu(r)->quota); break;
    case OPT_CPU_PERIOD: UNUM(cpu(r)->period); break;
    case OPT_CPU_RT_RUNTIME: NUM(cpu(r)->realtime_runtime); break;
    case OPT_CPU_RT_PERIOD: UNUM(cpu(r)->realtime_period); break;
    case OPT_CPUSET_CPUS: free(cpu(r)->cpus); cpu(r)->cpus = xstrdup(arg); break;
    case OPT_CPUSET_MEMS: free(cpu(r)->mems); cpu(r)->mems = xstrdup(arg); break;
    case OPT_PIDS_LIMIT: NUM(r->pids_limit); r->has_pids = true; break;
    case OPT_BLKIO_WEIGHT:
        if (!r->block_io)
            r->block_io = xnew0(oci_block_io, 1);
        UNUM(r->block_io->weight);
        break;
    case OPT_L3_CACHE:
    case OPT_MEM_BW:
        return congo_error_set(err, ENOTSUP, "--%s: Intel RDT is not supported", name);
    }
    return 0;
}

#define MERGE(dst, src, f) do { if ((src)->f.set) (dst)->f = (src)->f; } while (0)

/* Flags override the document's fields. */
static void merge(oci_resources *r, oci_resources *f)
{
    if (f->memory) {
        oci_memory *m = mem(r);
        MERGE(m, f->memory, limit);
        MERGE(m, f->memory, reservation);
        MERGE(m, f->memory, swap);
        MERGE(m, f->memory, kernel);
        MERGE(m, f->memory, kernel_tcp);
    }
    if (f->cpu) {
        oci_cpu *c = cpu(r);
        MERGE(c, f->cpu, shares);
        MERGE(c, f->cpu, quota);
        MERGE(c, f->cpu, period);
        MERGE(c, f->cpu, realtime_runtime);
        MERGE(c, f->cpu, realtime_period);
        if (f->cpu->cpus) {
            free(c->cpus);
            c->cpus = steal_pointer(&f->cpu->cpus);
        }
        if (f->cpu->mems) {
            free(c->mems);
            c->mems = steal_pointer(&f->cpu->mems);
        }
    }
    if (f->has_pids) {
        r->pids_limit = f->pids_limit;
        r->has_pids = true;
    }
    if (f->block_io) {
        if (!r->block_io)
            r->block_io = xnew0(oci_block_io, 1);
        MERGE(r->block_io, f->block_io, weight);
    }
}

static void free_flags(oci_resources *f)
{
    free(f->memory);
    if (f->cpu) {
        free(f->cpu->cpus);
        free(f->cpu->mems);
        free(f->cpu);
    }
    free(f->block_io);
}

int cmd_update(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct command_opts opts = { update_usage, "r:", update_longopts, false };
    struct update_opts o = { 0 };
    oci_resources *res = NULL;
    int first, r;

    r = command_parse(&opts, argc, argv, update_opt, &o, &first, err);
    if (r == 0)
        r = command_require_args("update", argc - first, 1, 1, "a container ID", err);
    if (r != 0) {
        free_flags(&o.flags);
        return r < 0 ? r : 0;
    }
    if (o.resources) {
        _cleanup_free_ char *data = NULL;
        size_t len;
        bool in = strcmp(o.resources, "-") == 0;
        r = in ? read_fd(0, 0, &data, &len, err) : read_file_at(AT_FDCWD, o.resources, 0, &data, &len, err);
        if (r == 0)
            r = oci_resources_parse(&res, data, len, in ? "stdin" : o.resources, err);
        if (r < 0) {
            free_flags(&o.flags);
            return congo_error_wrap(err, r, "--resources");
        }
    } else {
        res = xnew0(oci_resources, 1);
    }
    merge(res, &o.flags);
    free_flags(&o.flags);
    if (res->memory && (res->memory->kernel.set || res->memory->kernel_tcp.set))
        congo_warning("linux.resources.memory: kernel memory limits (kernel, kernelTCP) are ignored");
    r = congo_container_update(g->root, argv[first], res, err);
    oci_resources_free(res);
    return r < 0 ? r : 0;
}
