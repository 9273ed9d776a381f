/* The config.json model: every Linux field of OCI runtime-spec 1.2 (plus
 * linux.memoryPolicy from the spec's development branch) as typed C.
 *
 * Conventions:
 * - Strings are NULL when absent.  String arrays are NULL-terminated vectors
 *   (char **), NULL when absent.  Arrays of objects are pointer + count.
 * - Optional numbers and booleans use oci_opt_* with `set` telling whether the
 *   field was present, because "absent" and "0/false" differ for cgroups.
 * - Maps (annotations, sysctl, unified, netDevices...) are oci_map: ordered
 *   key/value arrays in the order of the JSON document.
 * - Parsing ignores unknown fields, as the spec requires; type errors and
 *   invalid values are reported with the JSON path, e.g.
 *   `linux.namespaces[2].type: unknown namespace "foo"`.
 */
#ifndef CONGO_OCI_CONFIG_H
#define CONGO_OCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Bounds on the arrays whose entries each cost the kernel work at create
 * (real configs have tens; Kubernetes pods with many volumes, hundreds):
 * a longer array is refused at parse time, naming the field. */
#define OCI_MAX_MOUNTS 4096        /* mounts */
#define OCI_MAX_PATHS 4096         /* linux.maskedPaths, linux.readonlyPaths */
#define OCI_MAX_DEVICES 4096       /* linux.devices, linux.resources.devices */
#define OCI_MAX_HOOKS 1024         /* each hooks.* list */
#define OCI_MAX_SYSCALL_RULES 4096 /* linux.seccomp.syscalls */
#define OCI_MAX_SYSCALL_NAMES 4096 /* linux.seccomp.syscalls[].names */

typedef struct { bool set; int64_t value; } oci_opt_i64;
typedef struct { bool set; uint64_t value; } oci_opt_u64;
typedef struct { bool set; bool value; } oci_opt_bool;

typedef struct oci_map {
    size_t n;
    char **keys;
    char **values;
} oci_map;

/* Look up a key; NULL when absent. */
const char *oci_map_get(const oci_map *m, const char *key);

typedef struct oci_id_mapping {
    uint32_t container_id, host_id, size;
} oci_id_mapping;

typedef struct oci_mount {
    char *destination;          /* required */
    char *source;
    char *type;
    char **options;
    oci_id_mapping *uid_mappings;
    size_t n_uid_mappings;
    oci_id_mapping *gid_mappings;
    size_t n_gid_mappings;
} oci_mount;

typedef struct oci_rlimit {
    char *type;                 /* "RLIMIT_NOFILE" ... */
    int resource;               /* the RLIMIT_* number, resolved at parse time */
    uint64_t soft, hard;
} oci_rlimit;

typedef struct oci_capabilities {
    /* NULL = the set was absent (it is then empty). */
    char **bounding, **effective, **inheritable, **permitted, **ambient;
} oci_capabilities;

typedef struct oci_user {
    uint32_t uid, gid;
    oci_opt_u64 umask;          /* absent: keep the runtime default 0022 */
    uint32_t *additional_gids;
    size_t n_additional_gids;
    char *username;             /* windows only; parsed, unused */
} oci_user;

typedef struct oci_scheduler {
    char *policy;               /* SCHED_OTHER, SCHED_FIFO, ... (required when present) */
    int policy_value;           /* resolved SCHED_* constant */
    oci_opt_i64 nice, priority;
    char **flags;               /* SCHED_FLAG_* names */
    oci_opt_u64 runtime, deadline, period;
} oci_scheduler;

typedef struct oci_io_priority {
    char *class_name;           /* IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE */
    int class_value;
    int64_t priority;
} oci_io_priority;

typedef struct oci_process {
    bool terminal;
    oci_opt_u64 console_height, console_width;
    oci_user user;
    char **args;
    char *command_line;         /* windows only */
    char **env;
    char *cwd;                  /* required */
    oci_capabilities *capabilities; /* NULL when absent */
    oci_rlimit *rlimits;
    size_t n_rlimits;
    bool no_new_privileges;
    char *apparmor_profile;
    oci_opt_i64 oom_score_adj;
    oci_scheduler *scheduler;
    char *selinux_label;
    oci_io_priority *io_priority;
    char *exec_cpu_affinity_initial; /* cpu list, "0-3,7" */
    char *exec_cpu_affinity_final;
} oci_process;

typedef struct oci_hook {
    char *path;                 /* required, absolute */
    char **args;
    char **env;
    oci_opt_i64 timeout;        /* seconds, > 0 when set */
} oci_hook;

typedef struct oci_hooks {
    oci_hook *prestart, *create_runtime, *create_container, *start_container, *poststart, *poststop;
    size_t n_prestart, n_create_runtime, n_create_container, n_start_container, n_poststart, n_poststop;
} oci_hooks;

enum oci_namespace_type {
    OCI_NS_PID, OCI_NS_NETWORK, OCI_NS_MOUNT, OCI_NS_IPC, OCI_NS_UTS, OCI_NS_USER, OCI_NS_CGROUP, OCI_NS_TIME,
    OCI_NS_COUNT
};

typedef struct oci_namespace {
    enum oci_namespace_type type;
    char *path;                 /* join this namespace; NULL = create a new one */
} oci_namespace;

/* Names as in the spec ("pid", "network", ...) and CLONE_NEW* flags. */
const char *oci_namespace_name(enum oci_namespace_type t);
int oci_namespace_clone_flag(enum oci_namespace_type t);

typedef struct oci_device {
    char *type;                 /* "c", "b", "u", "p" */
    char *path;                 /* required, absolute */
    int64_t major, minor;       /* required for c/b/u */
    bool major_set, minor_set;  /* whether major/minor were given (validation) */
    oci_opt_u64 file_mode;
    oci_opt_u64 uid, gid;
} oci_device;

typedef struct oci_device_cgroup {
    bool allow;
    char *type;                 /* "a", "c", "b"; NULL = all */
    oci_opt_i64 major, minor;   /* absent = wildcard */
    char *access;               /* subset of "rwm"; NULL = "rwm" */
} oci_device_cgroup;

typedef struct oci_memory {
    oci_opt_i64 limit, reservation, swap, kernel, kernel_tcp;
    oci_opt_u64 swappiness;
    oci_opt_bool disable_oom_killer, use_hierarchy, check_before_update;
} oci_memory;

typedef struct oci_cpu {
    oci_opt_u64 shares;
    oci_opt_i64 quota;
    oci_opt_u64 burst, period;
    oci_opt_i64 realtime_runtime;
    oci_opt_u64 realtime_period;
    char *cpus, *mems;
    oci_opt_i64 idle;
} oci_cpu;

typedef struct oci_weight_device {
    int64_t major, minor;
    oci_opt_u64 weight, leaf_weight;
} oci_weight_device;

typedef struct oci_throttle_device {
    int64_t major, minor;
    uint64_t rate;
} oci_throttle_device;

typedef struct oci_block_io {
    oci_opt_u64 weight, leaf_weight;
    oci_weight_device *weight_device;
    size_t n_weight_device;
    oci_throttle_device *throttle_read_bps, *throttle_write_bps, *throttle_read_iops, *throttle_write_iops;
    size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops, n_throttle_write_iops;
} oci_block_io;

typedef struct oci_hugepage_limit {
    char *page_size;            /* "2MB", "1GB" */
    uint64_t limit;
} oci_hugepage_limit;

typedef struct oci_net_priority {
    char *name;
    uint32_t priority;
} oci_net_priority;

typedef struct oci_rdma {
    oci_opt_u64 hca_handles, hca_objects;
} oci_rdma;

typedef struct oci_resources {
    oci_device_cgroup *devices;
    size_t n_devices;
    oci_memory *memory;         /* NULL when absent */
    oci_cpu *cpu;
    oci_opt_i64 pids_limit;     /* linux.resources.pids.limit */
    bool has_pids;
    oci_block_io *block_io;
    oci_hugepage_limit *hugepage_limits;
    size_t n_hugepage_limits;
    oci_opt_u64 network_class_id;
    oci_net_priority *network_priorities;
    size_t n_network_priorities;
    bool has_network;
    oci_map rdma_names;         /* device name -> unused; see rdma[] */
    oci_rdma *rdma;             /* parallel to rdma_names.keys */
    oci_map unified;            /* raw cgroup v2 "file": "value" */
} oci_resources;

typedef struct oci_seccomp_arg {
    uint32_t index;
    uint64_t value;
    oci_opt_u64 value_two;
    char *op;                   /* SCMP_CMP_NE ... SCMP_CMP_MASKED_EQ */
} oci_seccomp_arg;

typedef struct oci_seccomp_syscall {
    char **names;               /* required, non-empty */
    char *action;               /* required */
    oci_opt_u64 errno_ret;
    oci_seccomp_arg *args;
    size_t n_args;
} oci_seccomp_syscall;

typedef struct oci_seccomp {
    char *default_action;       /* required */
    oci_opt_u64 default_errno_ret;
    char **architectures;
    char **flags;
    char *listener_path;
    char *listener_metadata;
    oci_seccomp_syscall *syscalls;
    size_t n_syscalls;
} oci_seccomp;

typedef struct oci_personality {
    char *domain;               /* LINUX, LINUX32 */
    char **flags;
} oci_personality;

typedef struct oci_memory_policy {
    char *mode;                 /* MPOL_DEFAULT, MPOL_BIND, ... */
    char *nodes;                /* node list "0-3" */
    char **flags;               /* MPOL_F_STATIC_NODES ... */
} oci_memory_policy;

typedef struct oci_time_offset {
    bool set;
    int64_t secs;
    uint32_t nanosecs;
} oci_time_offset;

typedef struct oci_intel_rdt {
    char *clos_id, *l3_cache_schema, *mem_bw_schema;
    oci_opt_bool enable_cmt, enable_mbm;
    char **schemata;            /* runtime-spec after 1.2: whole schemata lines */
    oci_opt_bool enable_monitoring;
} oci_intel_rdt;

typedef struct oci_linux {
    oci_namespace *namespaces;
    size_t n_namespaces;
    oci_id_mapping *uid_mappings, *gid_mappings;
    size_t n_uid_mappings, n_gid_mappings;
    oci_time_offset time_monotonic, time_boottime;
    oci_device *devices;
    size_t n_devices;
    oci_map net_devices;        /* host name -> name in the container */
    char *cgroups_path;
    oci_resources *resources;   /* NULL when absent */
    char *rootfs_propagation;   /* shared, slave, private, unbindable (and r*) */
    oci_seccomp *seccomp;
    oci_map sysctl;
    char **masked_paths;
    char **readonly_paths;
    char *mount_label;
    oci_personality *personality;
    oci_memory_policy *memory_policy;
    oci_intel_rdt *intel_rdt;
} oci_linux;

typedef struct oci_root {
    char *path;                 /* required */
    bool readonly;
} oci_root;

typedef struct oci_config {
    char *source;               /* the name given to oci_config_parse(), for messages */
    char *oci_version;          /* required */
    oci_root root;              /* root.path is required on Linux */
    oci_mount *mounts;
    size_t n_mounts;
    oci_process *process;       /* required for create; NULL when absent */
    char *hostname;
    char *domainname;
    oci_hooks hooks;
    oci_map annotations;
    oci_linux *linux_;          /* NULL when absent */
} oci_config;

/* Parse config.json text.  `source` names the input in messages
 * ("config.json").  Errors read "<source>: <json path>: <problem>". */
int oci_config_parse(oci_config **out, const char *json, size_t len, const char *source, congo_error *err);
/* Read and parse <bundle>/config.json. */
int oci_config_load(oci_config **out, const char *bundle, congo_error *err);
/* Semantic checks that need the whole document (duplicate namespaces,
 * mappings required by a new user namespace, relative mount destinations...).
 * Runs before anything is created. */
int oci_config_validate(const oci_config *c, congo_error *err);
void oci_config_free(oci_config *c);

/* A process.json (for exec --process) and a LinuxResources document (for update --resources). */
int oci_process_parse(oci_process **out, const char *json, size_t len, const char *source, congo_error *err);
void oci_process_free(oci_process *p);
int oci_resources_parse(oci_resources **out, const char *json, size_t len, const char *source, congo_error *err);
void oci_resources_free(oci_resources *r);
/* The checks of oci_config_validate() that concern a process alone (exec
 * --process) or resources alone (update --resources); paths in messages are
 * relative to the document ("args", "memory.limit"). */
int oci_process_validate(const oci_process *p, const char *source, congo_error *err);
int oci_resources_validate(const oci_resources *r, const char *source, congo_error *err);

/* The namespaces entry of type t; NULL when the container inherits the
 * runtime's namespace of that type. */
const oci_namespace *oci_config_namespace(const oci_config *c, enum oci_namespace_type t);

/* Name -> number lookups shared with features and validation; -1 when unknown. */
int oci_rlimit_from_name(const char *name);
int oci_cap_from_name(const char *name); /* "CAP_SYS_ADMIN" -> 21 */
/* "RLIMIT_NOFILE" for RLIMIT_NOFILE; NULL when unknown. */
const char *oci_rlimit_name(int resource);

static inline void oci_config_freep(oci_config **c) { oci_config_free(*c); }
#define _cleanup_config_ __attribute__((cleanup(oci_config_freep)))

#endif
