/* The container's root filesystem, set up by the container child in its new
 * mount namespace:
 *
 *   congo_rootfs_prepare()   propagation of / (linux.rootfsPropagation),
 *                            the rootfs bind-mounted onto itself, every
 *                            config mount, default and linux.devices devices,
 *                            /dev symlinks (fd, stdin, stdout, stderr, ptmx)
 *   (createContainer hooks run here, before pivot_root)
 *   congo_rootfs_pivot()     pivot_root into the rootfs (MS_MOVE + chroot
 *                            with no_pivot) and detach the old root
 *   (the terminal is set up here: it needs the container's /dev/pts)
 *   congo_rootfs_finalize()  maskedPaths, readonlyPaths, root.readonly,
 *                            linux.sysctl
 *
 * Every destination is resolved inside the rootfs with openat2
 * RESOLVE_IN_ROOT: a symlink in the rootfs can never send a mount outside. */
#ifndef CONGO_ROOTFS_H
#define CONGO_ROOTFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci-config.h"

struct congo_rootfs_ctx {
    const oci_config *config;
    const char *bundle;       /* absolute; relative mount sources resolve here */
    const char *rootfs;       /* absolute host path of root.path */
    const char *cgroup_path;  /* the container's cgroup (for `cgroup` mounts without a cgroup namespace) */
    bool new_userns;          /* in a new user namespace: device nodes are bind-mounted from the host */
    bool new_netns;           /* sysfs can be mounted fresh only with a network namespace of our own */
    bool new_cgroupns;
    bool no_pivot;
    /* Idmapped bind mounts opened by the parent (congo_rootfs_open_idmapped),
     * indexed like config->mounts; NULL when none. */
    const int *mount_fds;
    /* Called once, before the first mount of type cgroup/cgroup2: the
     * container must be in its cgroup and cgroup namespace by then.  Lets
     * the child build its rootfs while the parent still places it. */
    int (*before_cgroup)(void *data, congo_error *err);
    void *before_cgroup_data;
    /* Private state carried from prepare to finalize (NULL before prepare);
     * freed by finalize or congo_rootfs_ctx_clear(). */
    struct congo_rootfs_priv *priv;
};

int congo_rootfs_prepare(struct congo_rootfs_ctx *ctx, congo_error *err);
int congo_rootfs_pivot(struct congo_rootfs_ctx *ctx, congo_error *err);
int congo_rootfs_finalize(struct congo_rootfs_ctx *ctx, congo_error *err);
/* Release what prepare kept (fds, memory) when finalize will not run. */
void congo_rootfs_ctx_clear(struct congo_rootfs_ctx *ctx);

/* Idmapped mounts (the "idmap" and "ridmap" bind options).  Making one
 * (mount_setattr MOUNT_ATTR_IDMAP) needs CAP_SYS_ADMIN over the source's
 * filesystem, which a child in a new user namespace has not: the parent
 * (congo run/create) opens them, after the child's user namespace got its
 * mappings and before the child runs congo_rootfs_prepare(), and hands the
 * fds to the child (inherited or sent) as ctx->mount_fds.  A mount's own
 * uidMappings/gidMappings get a user namespace of their own; without them
 * the container's is used: /proc/<userns_pid>/ns/user (userns_pid 0: no new
 * user namespace, which is an error for such a mount).  Without a new user
 * namespace the child opens them itself (ctx->mount_fds may stay NULL).
 * With one (userns_pid > 0) every other bind's source is opened here too
 * (open_tree OPEN_TREE_CLONE, AT_RECURSIVE for rbind): the container's root
 * may not reach it (runc opens them in its parent as well).
 * *fds_out: one fd per mount, -1 for the others; NULL when no mount asks.
 * Free with congo_rootfs_close_idmapped(). */
int congo_rootfs_open_idmapped(int **fds_out, const oci_config *config, const char *bundle, pid_t userns_pid,
                               congo_error *err);
void congo_rootfs_close_idmapped(int *fds, size_t n);

/* Without a mount namespace of its own (none, or one joined by path), none
 * of this runs: the child chroots into root.path (container-init.c). */

#endif
