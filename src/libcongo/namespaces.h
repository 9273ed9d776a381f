/* Namespaces of a new container: which to create with clone3, which to join
 * by path (setns, the user namespace first), uid/gid maps written by the
 * parent, and time offsets (a time namespace must get its offsets before
 * any process enters it, so the parent unshares it and the child is born
 * into it). */
#ifndef CONGO_NAMESPACES_H
#define CONGO_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci-config.h"
#include "userns.h"

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

/* fork into new namespaces (CLONE_NEW* flags; CLONE_PARENT too) and, with cgroup_fd >= 0, into
 * that cgroup2 directory (clone3's CLONE_INTO_CGROUP).  Falls back to clone
 * on kernels without clone3 when no cgroup is asked.  Returns like fork(). */
pid_t congo_clone_into(int ns_flags, int cgroup_fd);

#endif
