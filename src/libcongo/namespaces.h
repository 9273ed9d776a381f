/* Namespaces of a new container: which to create with clone3, which to join
 * by path (setns, the user namespace first), uid/gid maps written by the
 * parent, and time offsets (a time namespace must get its offsets before
 * any process enters it, so the parent unshares it and the child is born
 * into it). */
#ifndef CONGO_NAMESPACES_H
#define CONGO_NAMESPACES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "oci-config.h"

struct congo_ns_plan {
    bool create[OCI_NS_COUNT];   /* a new namespace of this type */
    int join_fd[OCI_NS_COUNT];   /* an fd of the namespace to join, or -1 */
    int clone_flags;             /* CLONE_NEW* passed to clone3 */
    int unshare_flags;           /* CLONE_NEW* the child unshares after joining */
    bool child_joins;            /* the child joins namespaces before unsharing: it reports back */
};

/* Open every namespace path (checking each is a namespace of the right type)
 * and compute the flags.  Free with congo_ns_plan_clear(). */
int congo_ns_plan_make(struct congo_ns_plan *plan, const oci_linux *l, congo_error *err);
void congo_ns_plan_clear(struct congo_ns_plan *plan);

/* Parent, before clone: enter the pid namespace to join (for children only)
 * and create the time namespace with its offsets.  *saved receive fds to
 * restore the parent with congo_ns_parent_restore() right after clone. */
int congo_ns_parent_prepare(struct congo_ns_plan *plan, const oci_linux *l, int saved[2], congo_error *err);
int congo_ns_parent_restore(int saved[2], congo_error *err);

/* Child: join the namespaces given by path (user first), then unshare the
 * new ones that could not be created by clone. */
int congo_ns_child_join(struct congo_ns_plan *plan, congo_error *err);

/* Parent: write /proc/PID/uid_map and gid_map from linux.uidMappings/gidMappings.
 * As a user other than root (rootless, as runc): a single mapping of the
 * caller's own id is written directly (gid_map after setgroups "deny", as
 * the kernel requires); anything else through the setuid newuidmap and
 * newgidmap found on PATH, from the ranges of /etc/subuid and /etc/subgid. */
int congo_ns_write_id_maps(pid_t pid, const oci_linux *l, congo_error *err);
/* Before anything is made: as a user other than root, that the mappings
 * are the caller's own ids or within its subordinate ranges, and that the
 * helpers they need are on PATH.  As root, nothing to check. */
int congo_ns_check_id_maps(const oci_linux *l, congo_error *err);

/* The subordinate ranges of /etc/subuid-style text (`NAME_OR_ID:START:COUNT`
 * lines) for the user `name` (may be NULL) or numeric `id`; *out to free(). */
struct congo_subid_range { uint32_t start, count; };
int congo_ns_subid_ranges(struct congo_subid_range **out, size_t *n, const char *text, const char *name,
                          uint32_t id);

/* fork into new namespaces (CLONE_NEW* flags; CLONE_PARENT too) and, with cgroup_fd >= 0, into
 * that cgroup2 directory (clone3's CLONE_INTO_CGROUP).  Falls back to clone
 * on kernels without clone3 when no cgroup is asked.  Returns like fork(). */
pid_t congo_clone_into(int ns_flags, int cgroup_fd);

#endif
