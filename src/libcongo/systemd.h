/* `--systemd-cgroup` (runc's systemd cgroup driver): the container's cgroup
 * is a transient scope unit that systemd makes over D-Bus (dbus.h), with the
 * container's init in it and the cgroup delegated to congo; congo then
 * applies the resources, kills, freezes and reads statistics through
 * cgroupfs as for any cgroup (cgroup.h), and `delete` stops the unit.
 *
 * linux.cgroupsPath is then "slice:prefix:name": the unit is
 * "prefix-name.scope" in the slice, e.g. "system.slice:congo:ID" is
 * congo-ID.scope in system.slice, whose cgroup is
 * /system.slice/congo-ID.scope.  Empty parts take defaults: slice
 * "system.slice", prefix "congo", name the container ID; an empty
 * cgroupsPath is "system.slice:congo:ID". */
#ifndef CONGO_SYSTEMD_H
#define CONGO_SYSTEMD_H

#include <stdbool.h>
#include <sys/types.h>

#include "dbus.h"
#include "error.h"
#include "oci-config.h"

struct congo_systemd_unit {
    char *slice;        /* "system.slice" */
    char *unit;         /* "congo-ID.scope" */
    char *cgroup_path;  /* "/system.slice/congo-ID.scope" */
};

/* Parse and validate linux.cgroupsPath (NULL or "" = the defaults) for
 * container `id`.  Errors name linux.cgroupsPath and the value. */
int congo_systemd_parse_path(struct congo_systemd_unit *out, const char *cgroups_path, const char *id,
                             congo_error *err);
void congo_systemd_unit_clear(struct congo_systemd_unit *u);
/* A slice's cgroup path: "a-b.slice" -> "/a.slice/a-b.slice", "-.slice" -> "". */
int congo_systemd_slice_path(char **out, const char *slice, congo_error *err);
/* The unit name of a scope's cgroup path (its last component, when it is a
 * ".scope"), NULL otherwise.  Points into path. */
const char *congo_systemd_unit_of_path(const char *path);

/* Whether systemd is the init of this host (it made /run/systemd/system). */
bool congo_systemd_booted(void);

/* The unit properties systemd gets for res (MemoryMax, MemoryLow,
 * MemorySwapMax, TasksMax, CPUWeight, CPUQuotaPerSecUSec,
 * CPUQuotaPeriodUSec), appended as (sv) elements to an open a(sv) array. */
void congo_systemd_put_resources(struct dbus_buf *b, const oci_resources *res);
/* The body of StartTransientUnit(unit, "replace", properties, []) for a
 * container scope: signature "ssa(sv)a(sa(sv))". */
void congo_systemd_start_body(struct dbus_buf *b, const struct congo_systemd_unit *u, const char *description,
                              pid_t pid, const oci_resources *res);

/* Make the scope with pid in it and wait until systemd has started it. */
int congo_systemd_start_scope(const struct congo_systemd_unit *u, const char *description, pid_t pid,
                              const oci_resources *res, congo_error *err);
/* Stop the unit and wait until it is gone; a unit that no longer exists is
 * success. */
int congo_systemd_stop_unit(const char *unit, congo_error *err);
/* `update`: set the resource properties of the unit (runtime only). */
int congo_systemd_set_resources(const char *unit, const oci_resources *res, congo_error *err);

#endif
