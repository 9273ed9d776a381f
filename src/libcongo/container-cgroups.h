/* Container operations on its cgroup: pause/resume, the process list,
 * live resource updates, and access to the cgroup for events and stats.
 * Each takes the container by ID (pause and resume also by its init's host
 * pid) from the state root. */
#ifndef CONGO_CONTAINER_CGROUPS_H
#define CONGO_CONTAINER_CGROUPS_H

#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "oci-config.h"
#include "state.h"

/* Freeze every process of a running (or created) container / thaw a paused one. */
int congo_container_pause(const char *root, const char *id_or_pid, congo_error *err);
int congo_container_resume(const char *root, const char *id_or_pid, congo_error *err);
/* The host pids of every process of the container (sorted). */
int congo_container_pids(pid_t **out, size_t *n, const char *root, const char *id, congo_error *err);
/* Change the resources of a container that is not stopped; on failure
 * nothing changed. */
int congo_container_update(const char *root, const char *id, const oci_resources *res, congo_error *err);
/* The container's state, live status and opened cgroup. */
int congo_container_cgroup(struct congo_cgroup **cg, struct congo_state **state, enum congo_status *status,
                           const char *root, const char *id, congo_error *err);

#endif
