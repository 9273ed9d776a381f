/* Shared by the cgroup sources (placement, resources, devices, stats); not
 * part of the library's API. */
#ifndef CONGO_CGROUP_INTERNAL_H
#define CONGO_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"

/* The container's directory in one hierarchy. */
struct congo_cgroup_dir {
    char *name;         /* v1 hierarchy name ("cpu,cpuacct", "name=systemd"); "" for cgroup2 */
    char *mountpoint;   /* /sys/fs/cgroup/memory */
    bool v2;
    int fd;             /* O_DIRECTORY fd of mountpoint + path; -1 when it does not exist */
};

struct congo_cgroup {
    char *path;         /* "/congo/ID": absolute, clean */
    enum congo_cgroup_mode mode;
    struct congo_cgroup_dir *dirs;
    size_t n;
    int v2;             /* index of the cgroup2 dir, -1 when there is none */
};

/* The dir of the v1 hierarchy carrying `controller` ("memory", "cpu",
 * "name=systemd"), NULL when that controller has no v1 hierarchy (or the
 * cgroup does not exist there). */
struct congo_cgroup_dir *congo_cgroup_v1_dir(struct congo_cgroup *cg, const char *controller);
/* The v1 hierarchy carrying `controller` is mounted (whether or not the
 * container's directory exists there). */
bool congo_cgroup_v1_has(const struct congo_cgroup *cg, const char *controller);
/* The cgroup2 dir or NULL. */
struct congo_cgroup_dir *congo_cgroup_v2_dir(struct congo_cgroup *cg);
/* `controller` is enabled for the container's cgroup2 dir (listed in its
 * cgroup.controllers). */
bool congo_cgroup_v2_has(struct congo_cgroup *cg, const char *controller);
/* Enable `controller` in the cgroup.subtree_control of every ancestor of the
 * container's cgroup2 dir (root down to its parent). */
int congo_cgroup_v2_enable(struct congo_cgroup *cg, const char *controller, congo_error *err);

/* Read a small cgroup file into buf (NUL-terminated, trailing newline
 * stripped); returns the length or -errno (no error set: callers decide
 * whether a missing file is an error). */
int congo_cgroup_read(int dirfd, const char *file, char *buf, size_t size);
/* Write a value to a cgroup file; errors name the file and value. */
int congo_cgroup_write(const struct congo_cgroup_dir *d, const char *file, const char *value, congo_error *err);

/* Apply resources (cgroup-resources.c); `creating`: the cgroup was just
 * made, so nothing needs restoring if this fails. */
int congo_cgroup_apply(struct congo_cgroup *cg, const oci_resources *res, bool creating, congo_error *err);

#endif
