/* The container lifecycle as the runtime-spec defines it: create, start,
 * state, kill, delete.  Each operation takes the container's lock. */
#ifndef CONGO_CONTAINER_H
#define CONGO_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "state.h"

struct congo_create_opts {
    const char *root;            /* state root */
    const char *id;
    const char *bundle;          /* default: the current directory */
    const char *console_socket;  /* --console-socket PATH */
    int console_fd;              /* a connected socket to receive the pty (foreground run), or -1 */
    const char *pid_file;
    bool no_pivot;
    bool no_new_keyring;
    int preserve_fds;
    bool systemd_cgroup;
    const char *image_bundle;    /* the bundle was made by congo-image: remove it on delete */
};

/* Create the container: on success its init waits for `start` and *pid_out
 * is its host pid.  On failure nothing is left behind. */
int congo_container_create(pid_t *pid_out, const struct congo_create_opts *o, congo_error *err);
/* Release a created container's init; waits until it has exec'd the user
 * process (or reports why it could not). */
int congo_container_start(const char *root, const char *id, congo_error *err);
/* Send sig to the init, or with all to every process of the container. */
int congo_container_kill(const char *root, const char *id, int sig, bool all, congo_error *err);
/* Delete a stopped (or created) container; with force, kill it first. */
int congo_container_delete(const char *root, const char *id, bool force, congo_error *err);
/* Load the recorded state and the live status. */
int congo_container_load(struct congo_state **out, enum congo_status *status, const char *root, const char *id,
                         congo_error *err);
/* Record how the container's init ended (a monitor or a foreground run). */
int congo_container_record_exit(const char *root, const char *id, int exit_status, congo_error *err);
/* Record the pid of the monitor of a detached container. */
int congo_container_record_monitor(const char *root, const char *id, pid_t monitor, congo_error *err);

/* Resolve a container given by ID or by the host PID of its init (pause,
 * resume and stop accept both). */
int congo_container_resolve(char **id_out, const char *root, const char *id_or_pid, congo_error *err);

#endif
