/* Container cgroups on cgroup v1, v2 and hybrid hosts.
 *
 * The host's layout is detected from /proc/self/mountinfo: v1 hierarchies
 * (cpu, memory, ..., named ones such as name=systemd) and/or a cgroup2 mount
 * (at /sys/fs/cgroup on pure v2 hosts, /sys/fs/cgroup/unified on hybrid ones).
 * A container's cgroup is one relative path (e.g. "/congo/ID" or the
 * config's linux.cgroupsPath) created in every mounted hierarchy. */
#ifndef CONGO_CGROUP_H
#define CONGO_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "oci-config.h"

enum congo_cgroup_mode { CONGO_CGROUP_V1, CONGO_CGROUP_V2, CONGO_CGROUP_HYBRID };

int congo_cgroup_detect_mode(enum congo_cgroup_mode *out, congo_error *err);
const char *congo_cgroup_mode_name(enum congo_cgroup_mode mode);
/* Whether a default config (`congo spec`) asks for a cgroup namespace: on
 * pure cgroup v2 hosts only, as runc (tools that add one themselves to a
 * generated config would otherwise make a duplicate). */
bool congo_cgroup_ns_by_default(enum congo_cgroup_mode mode);

/* The container's cgroup path: linux.cgroupsPath when given, else
 * "/congo/<id>".  An absolute cgroupsPath is taken from the hierarchy roots;
 * a relative one is relative to the parent of the caller's own cgroup2
 * cgroup (as runc does on cgroup2; "/" on v1 and hybrid hosts, whose 0::
 * line is "/").  Validated: no "..", no control characters, not the root;
 * "." and repeated slashes are dropped. */
int congo_cgroup_path_for(char **out, const char *cgroups_path, const char *id, congo_error *err);
/* The pure part of congo_cgroup_path_for(): `base` is the parent for a
 * relative cgroups_path (NULL = "/"). */
int congo_cgroup_path_join(char **out, const char *base, const char *cgroups_path, const char *id,
                           congo_error *err);
/* Normalise an absolute cgroup path ("/a//./b/" -> "/a/b") and validate it. */
int congo_cgroup_path_clean(char **out, const char *path, congo_error *err);

struct congo_cgroup;

/* Create the cgroup in every hierarchy (parents as needed; an existing leaf
 * is reused only when empty) and apply res (may be NULL).  On failure nothing
 * created here is left behind. */
int congo_cgroup_create(struct congo_cgroup **out, const char *path, const oci_resources *res, congo_error *err);
/* congo_cgroup_create() in two steps, for create's start path: _begin()
 * makes the cgroup2 directory alone (clone3 places the child in it), and
 * _finish() the v1 ones and applies res while the child builds its rootfs.
 * When _finish() fails, _abort() removes what both steps made (once no
 * process is left in the cgroup2 directory: a cloned child must be gone). */
int congo_cgroup_create_begin(struct congo_cgroup **out, const char *path, congo_error *err);
int congo_cgroup_create_finish(struct congo_cgroup *cg, const oci_resources *res, congo_error *err);
void congo_cgroup_create_abort(struct congo_cgroup *cg);
/* The directories' fds of cg, one per hierarchy, -1 for cgroup2's, in an
 * array to free() (the fds stay cg's): what a child cloned before _finish()
 * needs to move itself into its v1 cgroups.  It takes them with
 * congo_cgroup_adopt_fds(). */
size_t congo_cgroup_v1_fds(const struct congo_cgroup *cg, int **fds);
void congo_cgroup_adopt_fds(struct congo_cgroup *cg, const int *fds, size_t n);
/* The number of hierarchies cg spans. */
size_t congo_cgroup_count(const struct congo_cgroup *cg);
/* Added by --systemd-cgroup (systemd.h): the cgroup systemd made for the
 * container's scope, with the container's init already in it.  Opened
 * where it exists (processes in it are expected), created in the
 * hierarchies systemd did not populate (v1 controllers it does not manage),
 * then res (may be NULL) applied.  On failure what was created here is
 * removed. */
int congo_cgroup_create_adopt(struct congo_cgroup **out, const char *path, const oci_resources *res,
                              congo_error *err);
/* Open an existing container cgroup (kill --all, delete, ps, pause...). */
int congo_cgroup_open(struct congo_cgroup **out, const char *path, congo_error *err);
void congo_cgroup_free(struct congo_cgroup *cg);

/* An O_DIRECTORY fd of the cgroup v2 directory usable with clone3's
 * CLONE_INTO_CGROUP, or -1 when the process must be moved with
 * congo_cgroup_enter() (v1 and hybrid hosts).  Owned by cg. */
int congo_cgroup_clone_fd(struct congo_cgroup *cg);
/* Move pid into the cgroup in every hierarchy. */
int congo_cgroup_enter(struct congo_cgroup *cg, pid_t pid, congo_error *err);
/* Every pid in the cgroup (sorted, unique). */
int congo_cgroup_pids(struct congo_cgroup *cg, pid_t **out, size_t *n, congo_error *err);
/* True when no process is in the cgroup: a cheap look at one hierarchy
 * (its cgroup.procs, and no sub-cgroups), for the common case of a
 * container whose init and everything else are gone. */
bool congo_cgroup_looks_empty(struct congo_cgroup *cg);
/* Signal every process in the cgroup (cgroup.kill for SIGKILL on v2). */
int congo_cgroup_kill(struct congo_cgroup *cg, int sig, congo_error *err);
/* Remove the cgroup from every hierarchy; waits briefly for dying tasks.
 * Missing is success. */
int congo_cgroup_destroy(struct congo_cgroup *cg, congo_error *err);

/* After destroy: remove congo's default parent (/congo) from every
 * hierarchy when no container is left in it, so the machine is left as it
 * was.  Other parents (from linux.cgroupsPath) belong to the caller. */
void congo_cgroup_prune_default_parent(const char *path);

/* Freezer (v1 freezer / v2 cgroup.freeze). */
int congo_cgroup_freeze(struct congo_cgroup *cg, bool frozen, congo_error *err);
int congo_cgroup_is_frozen(struct congo_cgroup *cg, bool *out, congo_error *err);
/* The same for the cgroup at path, opening the freezer's directory only. */
int congo_cgroup_path_is_frozen(const char *path, bool *out, congo_error *err);

/* Apply (or change, for `update`) resources on an existing cgroup. */
int congo_cgroup_update(struct congo_cgroup *cg, const oci_resources *res, congo_error *err);

/* Statistics (cgroup-stats.c), from each controller's v1 hierarchy or
 * cgroup2.  Times in nanoseconds, sizes in bytes; UINT64_MAX = no limit. */
struct congo_mem_entry { uint64_t usage, limit, max, failcnt; };
struct congo_blkio_entry { uint64_t major, minor; char op[16]; uint64_t value; };
struct congo_hugetlb_stat { char page_size[16]; uint64_t usage, max, failcnt; };
struct congo_cgroup_stats {
    bool has_cpu, has_memory, has_pids, has_blkio;
    uint64_t cpu_total, cpu_user, cpu_kernel;
    uint64_t *percpu;
    size_t n_percpu;
    uint64_t cpu_periods, cpu_throttled_periods, cpu_throttled_time;
    struct congo_mem_entry mem, swap, kernel, kernel_tcp;
    uint64_t mem_cache, oom_kills;
    char **raw_keys;            /* memory.stat */
    uint64_t *raw_values;
    size_t n_raw;
    uint64_t pids_current, pids_limit; /* limit 0 = none */
    struct congo_blkio_entry *io_bytes, *io_ops;
    size_t n_io_bytes, n_io_ops;
    struct congo_hugetlb_stat *huge;
    size_t n_huge;
};
int congo_cgroup_stats(struct congo_cgroup *cg, struct congo_cgroup_stats *out, congo_error *err);
void congo_cgroup_stats_free(struct congo_cgroup_stats *s);
/* One line of `congo events` in runc's format: {"type":TYPE,"id":ID[,"data":STATS]}. */
char *congo_cgroup_event_json(const char *type, const char *id, const struct congo_cgroup_stats *s);
/* An fd that becomes ready (poll for *events) when the cgroup hits OOM. */
int congo_cgroup_oom_fd(struct congo_cgroup *cg, int *fd_out, short *events, congo_error *err);
/* The number of OOM kills so far (memory.events / memory.oom_control). */
int congo_cgroup_oom_kills(struct congo_cgroup *cg, uint64_t *out);

/* The mount points of the container's cgroups, for the `cgroup` mount type
 * inside the container: v1 hierarchy names ("cpu,cpuacct", "name=systemd")
 * with their host mount points, and whether a cgroup2 mount exists. */
struct congo_cgroup_hierarchy {
    char *name;        /* "memory", "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
    char *options;     /* mount options to use ("memory", "none,name=systemd") */
    char *mountpoint;  /* host mount point, e.g. /sys/fs/cgroup/memory or /sys/fs/cgroup/unified */
    bool v2;
};
int congo_cgroup_hierarchies(struct congo_cgroup_hierarchy **out, size_t *n, congo_error *err);
void congo_cgroup_hierarchies_free(struct congo_cgroup_hierarchy *h, size_t n);

/* Added by exec (cgroup-exec.c): `exec --cgroup`.  Narrow an opened cgroup
 * to an existing sub-cgroup `sub` (relative, no ".."): in every hierarchy
 * when `controllers` is NULL, else in the v1 hierarchies carrying one of the
 * comma-separated controllers (an error when none does).  Afterwards
 * congo_cgroup_enter() and congo_cgroup_clone_fd() use the sub-cgroup there. */
int congo_cgroup_descend(struct congo_cgroup *cg, const char *controllers, const char *sub, congo_error *err);

/* exec, placing the new process without the cost of cgroup.procs (moving a
 * process there makes the kernel wait for an RCU grace period, milliseconds):
 * congo_cgroup_exec_clone_fd() is the cgroup2 directory for clone3's
 * CLONE_INTO_CGROUP on v2 and hybrid hosts alike (-1: none), and the child
 * calls congo_cgroup_exec_enter_self() to move itself into the v1
 * hierarchies by writing "0" to their `tasks` files (one thread, itself: no
 * process-wide lock), and into cgroup2 too when `v2` (clone3 could not). */
int congo_cgroup_exec_clone_fd(struct congo_cgroup *cg);
int congo_cgroup_exec_enter_self(struct congo_cgroup *cg, bool v2, congo_error *err);

#endif
