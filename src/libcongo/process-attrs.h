/* The per-task attributes a container process gets besides its identity:
 * personality (linux.personality), scheduling policy (process.scheduler),
 * I/O priority (process.ioPriority), NUMA memory policy
 * (linux.memoryPolicy) and CPU affinity (process.execCPUAffinity).
 *
 * Each of them is set on the calling task and survives fork and execve, so
 * they are set in the process that will exec the container's program: the
 * container child (container-init.c) for the init, the joining child of
 * `congo exec` for an exec'd process.  Every function takes the oci_* model
 * of the field and `pfx`, the JSON path of the process object in the
 * document being run ("process." for config.json, "" for exec --process
 * FILE), so that errors name the field as the user wrote it:
 *
 *   config.json: process.scheduler.priority: SCHED_FIFO needs a priority between 1 and 99
 *
 * When (same points for init and exec):
 *   congo_cpu_affinity_reset()          init: right after the task is in its cgroup
 *   congo_exec_cpu_affinity_initial()   exec: before the task moves into the container's cgroup
 *   congo_exec_cpu_affinity_final()     exec: once in the cgroup (final, or the reset)
 *   congo_process_attrs_apply()         before capabilities are dropped (an RT
 *                                       policy, a negative nice and the RT I/O class
 *                                       need CAP_SYS_NICE) and before seccomp
 *
 * The translation from the model to kernel values is pure and unit tested. */
#ifndef CONGO_PROCESS_ATTRS_H
#define CONGO_PROCESS_ATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "oci-config.h"

/* personality, scheduler, ioPriority (from p, NULL for none) and
 * memoryPolicy (from l, NULL for none), in that order. */
int congo_process_attrs_apply(const oci_process *p, const oci_linux *l, const char *pfx, congo_error *err);

/* ---- id lists ("0-3,7", "0-15:2/4") as the kernel's cpulist/nodelist ---- */

/* Set the listed ids in mask (nbits bits, cleared first).  "" is an empty
 * set.  `what` ("CPU", "memory node") names the ids in messages; an id at or
 * above nbits is an error naming the limit. */
int congo_id_list_parse(unsigned long *mask, size_t nbits, const char *list, const char *what, congo_error *err);
/* The largest id in list plus one (0 for an empty list, -1 on a syntax error). */
long congo_id_list_span(const char *list);

/* ---- personality ---- */

/* linux.personality.domain -> PER_LINUX / PER_LINUX32.  flags are ignored
 * (the spec defines none; validation warns). */
int congo_personality_value(unsigned long *out, const oci_personality *p, congo_error *err);
int congo_personality_apply(const oci_personality *p, congo_error *err);

/* ---- scheduler ---- */

/* struct sched_attr of sched_setattr(2), with the utilization clamps (size
 * SCHED_ATTR_SIZE_VER1). */
struct congo_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
    uint32_t sched_util_min;
    uint32_t sched_util_max;
};

/* "SCHED_FIFO" -> 1 ...; -1 when unknown.  And the reverse (NULL when unknown). */
int congo_sched_policy_from_name(const char *name);
const char *congo_sched_policy_name(int policy);
/* "SCHED_FLAG_RESET_ON_FORK" -> 0x01 ...; 0 when unknown. */
uint64_t congo_sched_flag_from_name(const char *name);
/* What the kernel would refuse is refused here with the field's path: an
 * RT policy without a priority of 1..99, a priority with another policy,
 * deadline parameters outside runtime >= 1024 ns <= deadline <= period. */
int congo_sched_attr_from_config(struct congo_sched_attr *out, const oci_scheduler *s, const char *pfx,
                                 congo_error *err);
int congo_scheduler_apply(const oci_scheduler *s, const char *pfx, congo_error *err);

/* ---- I/O priority ---- */

/* IOPRIO_PRIO_VALUE(class, priority): class in bits 13..15. */
int congo_ioprio_value(int *out, const oci_io_priority *io, const char *pfx, congo_error *err);
int congo_ioprio_apply(const oci_io_priority *io, const char *pfx, congo_error *err);

/* ---- CPU affinity ---- */

/* All CPUs: the kernel narrows the mask to the task's cpuset, so the
 * process gets exactly its cgroup's CPUs and nothing of the affinity congo
 * itself was started with (`taskset -c 0 congo run ...`), as runc does. */
int congo_cpu_affinity_reset(congo_error *err);
/* process.execCPUAffinity (exec'd processes only: the spec says it does not
 * apply to the container's init).  initial: no-op when unset or "".  final:
 * the list when set, else congo_cpu_affinity_reset(). */
int congo_exec_cpu_affinity_initial(const oci_process *p, const char *pfx, congo_error *err);
int congo_exec_cpu_affinity_final(const oci_process *p, const char *pfx, congo_error *err);

/* ---- NUMA memory policy ---- */

#define CONGO_MAX_NUMA_NODES 1024 /* MAX_NUMNODES of the largest kernel configuration */

struct congo_mempolicy {
    int mode;                   /* MPOL_* | MPOL_F_* flags, as set_mempolicy(2) takes it */
    bool has_nodes;             /* false: pass no nodemask */
    unsigned long nodes[CONGO_MAX_NUMA_NODES / (8 * sizeof(unsigned long))];
};

/* "MPOL_BIND" -> 2 ...; -1 when unknown.  Flags: "MPOL_F_STATIC_NODES" ->
 * 1 << 15 ...; 0 when unknown. */
int congo_mempolicy_mode_from_name(const char *name);
int congo_mempolicy_flag_from_name(const char *name);
/* Names for `congo features`, NULL-terminated. */
extern const char *const congo_mempolicy_mode_names[];
extern const char *const congo_mempolicy_flag_names[];
/* Mode, flags and nodes with the combinations the kernel refuses reported
 * by path (STATIC with RELATIVE, NUMA_BALANCING without BIND or
 * PREFERRED_MANY, nodes or node flags with DEFAULT and LOCAL...). */
int congo_mempolicy_from_config(struct congo_mempolicy *out, const oci_memory_policy *mp, congo_error *err);
int congo_mempolicy_apply(const oci_memory_policy *mp, congo_error *err);

#endif
