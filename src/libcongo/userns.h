/* User namespace id maps as root or rootless (see userns.c). */
#ifndef CONGO_USERNS_H
#define CONGO_USERNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "oci-config.h"

/* Parent: write /proc/PID/uid_map and gid_map from linux.uidMappings/gidMappings.
 * As a user other than root (rootless, as runc): a single mapping of the
 * caller's own id is written directly (gid_map after setgroups "deny", as
 * the kernel requires); anything else through the setuid newuidmap and
 * newgidmap found on PATH, from the ranges of /etc/subuid and /etc/subgid. */
int congo_userns_write_id_maps(pid_t pid, const oci_linux *l, congo_error *err);
/* Before anything is made: as a user other than root, that the mappings
 * are the caller's own ids or within its subordinate ranges, and that the
 * helpers they need are on PATH.  As root, nothing to check. */
int congo_userns_check_id_maps(const oci_linux *l, congo_error *err);

/* The subordinate ranges of /etc/subuid-style text (`NAME_OR_ID:START:COUNT`
 * lines) for the user `name` (may be NULL) or numeric `id`; *out to free(). */
struct congo_subid_range { uint32_t start, count; };
int congo_userns_subid_ranges(struct congo_subid_range **out, size_t *n, const char *text, const char *name,
                          uint32_t id);

/* The mappings of a rootless default: root is the caller's own uid/gid,
 * 1..N its first subordinate range (/etc/subuid, /etc/subgid) when any. */
int congo_userns_rootless_maps(oci_id_mapping uid[2], size_t *n_uid, oci_id_mapping gid[2], size_t *n_gid);
/* As a user other than root: go on as root of a new user namespace (and
 * mount namespace) with congo_userns_rootless_maps() (as `podman unshare`).
 * The process forks: the child returns 0 and carries on; the parent waits
 * for it and exits with its status.  A no-op as root. */
int congo_userns_become_root(congo_error *err);

/* Whether this process runs in a user namespace other than the initial one
 * (as podman runs its runtime rootless). */
bool congo_userns_in_child_ns(void);
/* Rootless, as runc's `--rootless auto`: a user other than root, or root of
 * a user namespace other than the initial one.  Cgroups are then optional
 * and device rules are not applied. */
bool congo_userns_rootless(void);

#endif
