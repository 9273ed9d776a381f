/* Shared by the cgroup sources (placement, resources, devices, stats); not
 * part of the library's API. */
#ifndef CONGO_CGROUP_INTERNAL_H
#define CONGO_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"

/* The container's directory in one hierarchy. */
struct congo_cgroup_dir {
    char *name;         /* v1 hierarchy name ("cpu,cpuacct", "name=systemd"); "" for cgroup2 */
    char *mountpoint;   /* /sys/fs/cgroup/memory */
    bool v2;
    int fd;             /* O_DIRECTORY fd of mountpoint + path; -1 when it does not exist */
};

struct congo_cgroup {
    char *path;         /* "/congo/ID": absolute, clean */
    enum congo_cgroup_mode mode;
    struct congo_cgroup_dir *dirs;
    size_t n;
    int v2;             /* index of the cgroup2 dir, -1 when there is none */
    /* What congo_cgroup_create_begin() made, until _finish() or _abort(). */
    struct congo_cgroup_made *made;
    size_t n_made;
};

/* The dir of the v1 hierarchy carrying `controller` ("memory", "cpu",
 * "name=systemd"), NULL when that controller has no v1 hierarchy (or the
 * cgroup does not exist there). */
struct congo_cgroup_dir *congo_cgroup_v1_dir(struct congo_cgroup *cg, const char *controller);
/* The v1 hierarchy carrying `controller` is mounted (whether or not the
 * container's directory exists there). */
bool congo_cgroup_v1_has(const struct congo_cgroup *cg, const char *controller);
/* The cgroup2 dir or NULL. */
struct congo_cgroup_dir *congo_cgroup_v2_dir(struct congo_cgroup *cg);
/* `controller` is enabled for the container's cgroup2 dir (listed in its
 * cgroup.controllers). */
bool congo_cgroup_v2_has(struct congo_cgroup *cg, const char *controller);
/* Enable `controller` in the cgroup.subtree_control of every ancestor of the
 * container's cgroup2 dir (root down to its parent). */
int congo_cgroup_v2_enable(struct congo_cgroup *cg, const char *controller, congo_error *err);

/* Read a small cgroup file into buf (NUL-terminated, trailing newline
 * stripped); returns the length or -errno (no error set: callers decide
 * whether a missing file is an error). */
int congo_cgroup_read(int dirfd, const char *file, char *buf, size_t size);
/* Write a value to a cgroup file; errors name the file and value. */
int congo_cgroup_write(const struct congo_cgroup_dir *d, const char *file, const char *value, congo_error *err);

/* ---- devices (cgroup-devices.c) ---- */
enum { CONGO_DEV_M = 1, CONGO_DEV_R = 2, CONGO_DEV_W = 4, CONGO_DEV_RWM = 7 }; /* = BPF_DEVCG_ACC_* */
struct congo_dev_rule {
    char type;          /* 'a', 'c', 'b' ('a' only in input rules) */
    int64_t major, minor; /* -1 = any */
    unsigned access;    /* CONGO_DEV_* bits */
    bool allow;
};
/* What the v1 devices controller would hold: a default and exceptions. */
struct congo_dev_state {
    bool allow_all;
    struct congo_dev_rule *ex;
    size_t n;
};
/* Reduce linux.resources.devices (deny-all first, runc's default devices
 * last) to a state; validates the rules. */
int congo_cgroup_devices_reduce(struct congo_dev_state *out, const oci_device_cgroup *rules, size_t n,
                                congo_error *err);
void congo_dev_state_free(struct congo_dev_state *st);
/* "c 1:3 rwm" as the v1 devices files want it. */
char *congo_dev_rule_string(const struct congo_dev_rule *r);
/* The eBPF program enforcing a state, and loading/attaching it. */
struct bpf_insn;
int congo_cgroup_devices_program(const struct congo_dev_state *st, struct bpf_insn **out, size_t *n);
int congo_cgroup_devices_load(int *prog_fd, const struct congo_dev_state *st, congo_error *err);
/* Attach with BPF_F_ALLOW_MULTI, then detach the cgroup's other device programs. */
int congo_cgroup_devices_attach(int cgfd, int prog_fd, congo_error *err);
int congo_cgroup_devices_detach(int cgfd, int prog_fd);

/* ---- resources (cgroup-resources.c) ---- */
enum cg_ctrl { CG_CPU, CG_CPUSET, CG_MEMORY, CG_PIDS, CG_IO, CG_HUGETLB, CG_NET_CLS, CG_NET_PRIO, CG_RDMA,
               CG_DEVICES, CG_UNIFIED, CG_NCTRL };
enum cg_where { CG_NONE, CG_V1, CG_V2 };
/* One file write of a plan. */
struct cg_write {
    enum cg_ctrl ctrl;
    enum cg_where where;
    char *field;        /* "linux.resources.memory.limit", for messages */
    char *file, *value;
    char *alt_file, *alt_value; /* used when `file` does not exist (blkio.weight -> blkio.bfq.weight) */
    char *line_key;     /* per-device files: "8:0 "; restore that line */
    char *reset;        /* ... or this when the device had no line */
    bool pair_next;     /* on EINVAL/EBUSY, write the next entry first, then retry */
    bool keep_first_token; /* value is " PERIOD": prefix the file's current first token */
    bool check_usage;   /* checkBeforeUpdate: refuse a limit below the usage */
    bool cpuset;        /* check against the parent's effective cpus/mems */
    bool pagesize;      /* hugetlb: a missing file means an unknown page size */
    bool optional;      /* skipped when the file does not exist (memsw without swap accounting) */
};
struct cg_plan {
    struct cg_write *w;
    size_t n;
    bool has_devices;
    struct congo_dev_state devices;
};
#define CONGO_CPULIST_WORDS 64 /* 4096 CPUs */
/* Validate and translate res for a host whose controllers live in where[]
 * (CG_UNIFIED: cgroup2 mounted; CG_DEVICES: where device rules go, when
 * `devices`).  Pure. */
int congo_cgroup_plan(struct cg_plan *p, const oci_resources *res, const enum cg_where *where, bool devices,
                      congo_error *err);
void congo_cgroup_plan_needs(const oci_resources *res, bool *needed);
void congo_cgroup_plan_free(struct cg_plan *p);
const char *congo_cgroup_ctrl_name(enum cg_ctrl c, bool v2);
uint64_t congo_cgroup_shares_to_weight(uint64_t shares);
uint64_t congo_cgroup_blkio_to_io_weight(uint64_t weight);
/* "0-3,7" into a bitmap; -1 on a syntax error or a CPU >= nwords*64. */
int congo_cgroup_cpulist_parse(const char *s, uint64_t *bits, size_t nwords);

/* Apply resources (cgroup-resources.c); `creating`: the cgroup was just
 * made, so nothing needs restoring if this fails. */
int congo_cgroup_apply(struct congo_cgroup *cg, const oci_resources *res, bool creating, congo_error *err);

#endif
