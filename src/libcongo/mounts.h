/* Mount primitives for the container's root filesystem, safe against a
 * hostile rootfs: every path inside the rootfs is resolved with openat2
 * RESOLVE_IN_ROOT (missing pieces are created relative to directory fds), and
 * every mount is attached to an fd, never to a path string, with the new
 * mount API (fsopen/fsconfig/fsmount, open_tree, mount_setattr, move_mount).
 * Where the kernel lacks it (ENOSYS: old kernels, seccomp filters of an outer
 * runtime), mount(2) onto /proc/self/fd/N is the fallback.
 *
 * After attaching, the destination is resolved again and must now be the
 * mount just made: a rename racing the mount (CVE-2021-30465) is detected and
 * the stray mount detached. */
#ifndef CONGO_MOUNTS_H
#define CONGO_MOUNTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Use mount(2) only.  Set on the first ENOSYS from the new API (or by tests). */
extern bool congo_mounts_legacy;

/* openat2(2) with O_CLOEXEC; returns the fd or -errno (retries EAGAIN). */
int congo_openat2(int dirfd, const char *path, int flags, uint64_t resolve);

/* "/proc/self/fd/N" in buf (at least 32 bytes). */
const char *congo_fd_path(char *buf, int fd);

enum congo_path_create { CONGO_PATH_EXISTING, CONGO_PATH_DIR, CONGO_PATH_FILE };

/* Open `path` (absolute or not, always taken inside the root) under rootfd as
 * an O_PATH fd, symlinks resolved inside the root.  With CONGO_PATH_DIR or
 * CONGO_PATH_FILE, missing components are created (directories 0755, the last
 * one a directory or an empty file), each relative to its parent's fd; a
 * dangling symlink is followed (inside the root) and its target created.
 * extra_resolve adds RESOLVE_* flags (RESOLVE_NO_SYMLINKS for proc and sysfs).
 * *created (may be NULL) tells whether the last component was created here.
 * Returns the fd or a negative errno with *err set ("`path`: ..."). */
int congo_open_in_root(int rootfd, const char *path, enum congo_path_create create, uint64_t extra_resolve,
                       bool *created, congo_error *err);

/* The mount id (statx STATX_MNT_ID) of fd; also whether it is a mount root. */
int congo_mount_id(int fd, uint64_t *id, bool *is_root);

/* A fresh filesystem, configured and ready to attach.  ms_flags are MS_*
 * flags (mount-level ones become MOUNT_ATTR_*, MS_RDONLY/SYNCHRONOUS/DIRSYNC/
 * LAZYTIME/MANDLOCK also superblock flags, as with mount(2)); fs_options are
 * "key" or "key=value" filesystem options (fs_index: their index in the
 * config's options, for messages; may be NULL).  attr_set/attr_clr
 * (MOUNT_ATTR_*, the r* options) are applied on top. */
struct congo_fresh_mount {
    const char *fstype;
    const char *source;
    unsigned long ms_flags;
    char *const *fs_options;
    const size_t *fs_index;
    uint64_t attr_set, attr_clr;
};

/* Create the filesystem detached: *mntfd is the new mount's fd (new API), or
 * -1 under congo_mounts_legacy (then congo_attach() mounts it).  Messages
 * name the option the filesystem refused, with the kernel's own words. */
int congo_fresh_mount_create(int *mntfd, const struct congo_fresh_mount *fm, congo_error *err);

/* A detached bind of a host path (open_tree OPEN_TREE_CLONE [AT_RECURSIVE]);
 * *is_dir tells the source's type.  -1 under congo_mounts_legacy. */
int congo_bind_create(int *treefd, const char *source, bool recursive, bool *is_dir, congo_error *err);

/* An idmapped bind: the clone of `source` (with its submounts for rbind)
 * mapped through the user namespace userns_fd (MOUNT_ATTR_IDMAP; the
 * submounts too for ridmap). */
int congo_idmapped_bind_create(int *treefd, const char *source, bool rbind, bool ridmap, int userns_fd,
                               bool *is_dir, congo_error *err);

/* A user namespace with these mappings ("containerID hostID size" as in
 * uid_map), held by an fd: made by a short-lived child. */
struct oci_id_mapping;
int congo_userns_from_mappings(const struct oci_id_mapping *uids, size_t n_uids, const struct oci_id_mapping *gids,
                               size_t n_gids, congo_error *err);

/* The attributes a bind mount gets, as `mount --bind -o OPTS` (runc's
 * semantics): with any flag given, the top mount's ro/nosuid/nodev/noexec/
 * nosymfollow become exactly the requested ones ("remount" keeps the others
 * instead); the atime mode changes only when one is given.  Flags locked by a
 * more privileged mount namespace are kept unless the options explicitly
 * clear them (as runc).  rec_set/rec_clr are the r* options (all mounts). */
struct congo_bind_attrs {
    unsigned long flags, clear_flags; /* MS_* from the options */
    uint64_t rec_set, rec_clr;
};

/* Attach a mount made by congo_fresh_mount_create()/congo_bind_create() onto
 * targetfd (an O_PATH fd of the destination, from congo_open_in_root()):
 *  - bind attributes are set before attaching (after, under legacy, where
 *    mount(2) onto /proc/self/fd/<targetfd> makes the mount);
 *  - then `dest` is resolved again inside the root and must now be that very
 *    mount: a stray mount (a rename raced us) is detached and reported;
 *  - then the propagation is applied (after attaching: a mount attached under
 *    a shared parent becomes shared).
 * *newfd (may be NULL) gets an O_PATH fd of the new mount's root. */
struct congo_attach {
    int rootfd;
    const char *dest;                        /* inside the root, for the re-check */
    uint64_t extra_resolve;
    int mntfd;                               /* the detached mount; -1 under legacy */
    const struct congo_fresh_mount *fresh;   /* a fresh filesystem, or */
    const char *bind_source;                 /* a bind of this host path */
    bool bind_recursive;
    const struct congo_bind_attrs *bind_attrs; /* may be NULL */
    unsigned long propagation;               /* MS_SHARED... (|MS_REC), 0 = none */
    bool trusted_target;                     /* targetfd is in a fresh tmpfs of ours: no re-check */
};
int congo_attach(const struct congo_attach *a, int targetfd, int *newfd, congo_error *err);

/* Set those attributes on an attached mount (its O_PATH fd): mount_setattr,
 * or a bind remount under legacy. */
int congo_mount_setattr(int fd, const struct congo_bind_attrs *a, congo_error *err);

/* Change the propagation of an attached mount (MS_SHARED... |MS_REC). */
int congo_mount_propagate(int fd, unsigned long propagation, congo_error *err);

/* mount_setattr(fd, "", AT_EMPTY_PATH [|AT_RECURSIVE], ...) with a fallback
 * to a MS_REMOUNT|MS_BIND for the non-recursive read-only case. */
int congo_make_readonly(int fd, bool recursive, congo_error *err);

/* Copy the contents of directory srcfd into directory dstfd (tmpcopyup):
 * directories, regular files, symlinks, device nodes, fifos and sockets, with
 * modes and owners; never follows a symlink of the source. */
int congo_copy_tree(int srcfd, int dstfd, congo_error *err);

#endif
