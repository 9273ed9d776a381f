/* The state store: one directory per container under the state root
 * (--root, default /run/congo):
 *
 *   ROOT/ID/state.json   what congo recorded (written atomically, and
 *                        before what it describes is created, so that
 *                        `delete --force` can clean up after a congo killed
 *                        at any instant)
 *   ROOT/ID/config.json  the bundle's config.json as it was at create
 *   ROOT/ID/exec.fifo    exists from create until start
 *
 * Commands that change a container hold an exclusive flock on ROOT/ID for
 * their whole run, so concurrent commands on one container serialise; mkdir
 * of ROOT/ID decides which of two concurrent `create`s wins. */
#ifndef CONGO_STATE_H
#define CONGO_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci-config.h"

enum congo_status {
    CONGO_STATUS_CREATING,
    CONGO_STATUS_CREATED,
    CONGO_STATUS_RUNNING,
    CONGO_STATUS_STOPPED,
    CONGO_STATUS_PAUSED,
};

const char *congo_status_name(enum congo_status s);

struct congo_state {
    char *id;
    char *bundle;               /* absolute */
    char *rootfs;               /* absolute */
    char *created_at;           /* RFC 3339 */
    uid_t owner;                /* uid of the creator (printed as a user name) */
    pid_t pid;                  /* host pid of the init; 0 until it exists */
    unsigned long long pid_start; /* its start time (/proc/PID/stat field 22): pid reuse guard */
    char *cgroup_path;          /* the container's cgroup, relative to each hierarchy root */
    bool systemd_cgroup;
    bool own_pidns;             /* the init had a new pid namespace: nothing outlives it */
    bool created;               /* create finished: the init waits for start */
    int exit_status;            /* recorded by a monitor or a foreground run; -1 when unknown */
    pid_t monitor_pid;          /* the monitor of a detached image container, 0 when none */
    char *image_bundle;         /* a bundle congo-image made for this container: removed on delete */
    bool poststart_hooks;       /* config.json has poststart / poststop hooks (saves parsing it) */
    bool poststop_hooks;
    oci_map annotations;
};

void congo_state_free(struct congo_state *s);
static inline void congo_state_freep(struct congo_state **s) { if (*s) congo_state_free(*s); }
#define _cleanup_state_ __attribute__((cleanup(congo_state_freep)))

/* IDs: 1..1024 characters of [A-Za-z0-9_+.-], not "." or "..". */
int congo_id_validate(const char *id, congo_error *err);

/* Create ROOT/ID (and ROOT, 0700) and lock it; EEXIST -> "container `ID` already exists". */
int congo_state_dir_create(int *dirfd_out, const char *root, const char *id, congo_error *err);
/* Open ROOT/ID, optionally taking the exclusive lock (waits for it);
 * ENOENT -> "container `ID` does not exist". */
int congo_state_dir_open(int *dirfd_out, const char *root, const char *id, bool lock, congo_error *err);
/* Remove ROOT/ID and everything in it. */
int congo_state_dir_remove(const char *root, const char *id, congo_error *err);

int congo_state_write(int dirfd, const struct congo_state *s, congo_error *err);
int congo_state_read(struct congo_state **out, int dirfd, const char *id, congo_error *err);

/* The live status: a dead, zombie or reused pid is stopped; a live init
 * whose exec.fifo still exists is created; a frozen cgroup is paused. */
int congo_state_status(enum congo_status *out, const struct congo_state *s, int dirfd, congo_error *err);

/* The runtime-spec state JSON (ociVersion, id, status, pid, bundle,
 * annotations, plus runc's rootfs, created, owner).  pid is 0 when stopped. */
char *congo_state_json(const struct congo_state *s, enum congo_status status);

/* The config.json saved at create (ROOT/ID/config.json). */
int congo_state_load_config(oci_config **out, int dirfd, const char *id, congo_error *err);

/* IDs of every container under root, sorted. */
int congo_state_list(char ***ids_out, const char *root, congo_error *err);

/* Write a pid file for --pid-file: digits only, no newline (containerd
 * parses it strictly), replaced atomically. */
int congo_pid_file_write(const char *path, pid_t pid, congo_error *err);

/* /proc/PID/stat: start time and state letter ('Z' zombie...).  -ESRCH when gone. */
int congo_pid_stat(pid_t pid, unsigned long long *start, char *state);
/* True when pid is alive, not a zombie, and started at `start`. */
bool congo_pid_alive(pid_t pid, unsigned long long start);

#endif
