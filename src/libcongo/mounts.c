/* Mount primitives safe against a hostile rootfs (see mounts.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#include "mount-options.h"
#include "oci-config.h"
#include "mounts.h"
#include "utils.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif

/* The flags a bind remount sets exactly (mount --bind -o semantics). */
#define BIND_LOCKABLE_ATTRS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | \
                             MOUNT_ATTR_NOSYMFOLLOW)
#define MS_ATIME_MODES (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
#define MS_MOUNT_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOSYMFOLLOW | MS_ATIME_MODES | MS_NODIRATIME)

bool congo_mounts_legacy;

int congo_openat2(int dirfd, const char *path, int flags, uint64_t resolve)
{
    struct open_how how = { .flags = (uint64_t) flags | O_CLOEXEC, .resolve = resolve };
    int fd;

    /* EAGAIN: a rename or mount raced the RESOLVE_IN_ROOT walk; the kernel
     * refuses rather than risk an escape.  Retry a few times. */
    for (int i = 0; i < 32; i++) {
        fd = (int) syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (fd >= 0)
            return fd;
        if (errno != EAGAIN && errno != EINTR)
            break;
    }
    return -errno;
}

const char *congo_fd_path(char *buf, int fd)
{
    snprintf(buf, 32, "/proc/self/fd/%d", fd);
    return buf;
}

int congo_mount_id(int fd, uint64_t *id, bool *is_root)
{
    struct statx st;

    if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &st) < 0)
        return -errno;
    *id = st.stx_mnt_id;
    if (is_root)
        *is_root = (st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (st.stx_attributes & STATX_ATTR_MOUNT_ROOT);
    return 0;
}

/* ---- paths inside the root ---- */

#define MAX_SYMLINKS 40

static int open_in_root(int rootfd, const char *path, enum congo_path_create create, uint64_t extra_resolve,
                        bool *created, int depth, congo_error *err)
{
    const uint64_t resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve;
    _cleanup_free_ char *copy = NULL, *target = NULL, *next = NULL;
    _cleanup_close_ int pfd = -1;
    char *slash, *name;
    const char *parent;
    int fd, r;

    fd = congo_openat2(rootfd, path, O_PATH, resolve);
    if (fd >= 0)
        return fd;
    if (fd != -ENOENT || create == CONGO_PATH_EXISTING)
        return congo_error_set(err, -fd, "`%s`", path);
    if (depth > MAX_SYMLINKS)
        return congo_error_set(err, ELOOP, "`%s`", path);

    /* Something is missing: make the parent, then the last component. */
    copy = xstrdup(path);
    for (size_t n = strlen(copy); n > 1 && copy[n - 1] == '/'; n--)
        copy[n - 1] = '\0';
    slash = strrchr(copy, '/');
    if (slash) {
        *slash = '\0';
        parent = slash == copy ? "/" : copy;
        name = slash + 1;
    } else {
        parent = ".";
        name = copy;
    }
    pfd = open_in_root(rootfd, parent, CONGO_PATH_DIR, extra_resolve, NULL, depth + 1, err);
    if (pfd < 0)
        return pfd;
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        /* "a/b/.." : the parent now exists; resolve the whole again. */
        fd = congo_openat2(rootfd, path, O_PATH, resolve);
        return fd >= 0 ? fd : congo_error_set(err, -fd, "`%s`", path);
    }
    if (create == CONGO_PATH_DIR) {
        r = mkdirat(pfd, name, 0755) < 0 ? -errno : 0;
        if (r == 0) {
            fd = openat(pfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0)
                return congo_error_errno(err, "`%s`", path);
            if (created)
                *created = true;
            return fd;
        }
    } else {
        fd = openat(pfd, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0) {
            if (created)
                *created = true;
            return fd;
        }
        r = -errno;
    }
    if (r != -EEXIST)
        return congo_error_set(err, -r, "create `%s`", path);

    /* It exists yet did not resolve: a dangling symlink (or a race).  Follow
     * it inside the root and create its target, as runc's SecureJoin. */
    if (extra_resolve & RESOLVE_NO_SYMLINKS)
        return congo_error_set(err, ELOOP, "`%s`", path);
    target = xmalloc(PATH_MAX);
    ssize_t n = readlinkat(pfd, name, target, PATH_MAX - 1);
    if (n < 0) {
        if (errno == EINVAL) /* not a symlink: raced; try again */
            return open_in_root(rootfd, path, create, extra_resolve, created, depth + 1, err);
        return congo_error_errno(err, "readlink `%s`", path);
    }
    target[n] = '\0';
    next = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", parent, target);
    r = open_in_root(rootfd, next, create, extra_resolve, created, depth + 1, err);
    if (r < 0)
        return congo_error_wrap(err, r, "`%s` (a symlink to `%s`)", path, target);
    return r;
}

int congo_open_in_root(int rootfd, const char *path, enum congo_path_create create, uint64_t extra_resolve,
                       bool *created, congo_error *err)
{
    if (created)
        *created = false;
    return open_in_root(rootfd, path, create, extra_resolve, created, 0, err);
}

/* ---- creating mounts ---- */

/* The filesystem context's last error message ("e tmpfs: Bad value for
 * 'size'"), without its "e " prefix; "" when there is none. */
static void fs_log(int fsfd, char *buf, size_t size)
{
    char line[512];
    ssize_t n;

    buf[0] = '\0';
    while ((n = read(fsfd, line, sizeof line - 1)) > 0) {
        line[n] = '\0';
        while (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (n > 2 && line[1] == ' ' && (line[0] == 'e' || buf[0] == '\0'))
            snprintf(buf, size, "%s", line + 2);
    }
}

static int fs_error(int fsfd, congo_error *err, int errnum, const char *what)
{
    char log[512];

    fs_log(fsfd, log, sizeof log);
    if (log[0])
        return congo_error_set(err, errnum, "%s: %s", what, log);
    return congo_error_set(err, errnum, "%s", what);
}

static uint64_t apply_attrs(uint64_t attrs, uint64_t set, uint64_t clr)
{
    if (clr & MOUNT_ATTR__ATIME)
        attrs &= ~(uint64_t) MOUNT_ATTR__ATIME;
    return (attrs & ~(clr & ~(uint64_t) MOUNT_ATTR__ATIME)) | set;
}

int congo_fresh_mount_create(int *mntfd, const struct congo_fresh_mount *fm, congo_error *err)
{
    static const struct { unsigned long ms; const char *name; } sb_flags[] = {
        { MS_RDONLY, "ro" }, { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" },
        { MS_LAZYTIME, "lazytime" }, { MS_MANDLOCK, "mand" },
    };
    _cleanup_close_ int fsfd = -1;
    uint64_t attrs;
    int fd;

    *mntfd = -1;
    if (congo_mounts_legacy)
        return 0;
    fsfd = fsopen(fm->fstype, FSOPEN_CLOEXEC);
    if (fsfd < 0) {
        if (errno == ENOSYS) {
            congo_mounts_legacy = true;
            return 0;
        }
        if (errno == ENODEV)
            return congo_error_set(err, errno, "unknown filesystem type `%s`", fm->fstype);
        return congo_error_errno(err, "fsopen `%s`", fm->fstype);
    }
    if (fm->source && fsconfig(fsfd, FSCONFIG_SET_STRING, "source", fm->source, 0) < 0) {
        _cleanup_free_ char *what = xasprintf("source `%s`", fm->source);
        return fs_error(fsfd, err, errno, what);
    }
    for (size_t i = 0; fm->fs_options && fm->fs_options[i]; i++) {
        const char *opt = fm->fs_options[i];
        const char *eq = strchr(opt, '=');
        int r;
        if (eq) {
            _cleanup_free_ char *key = xstrndup(opt, eq - opt);
            r = fsconfig(fsfd, FSCONFIG_SET_STRING, key, eq + 1, 0);
        } else {
            r = fsconfig(fsfd, FSCONFIG_SET_FLAG, opt, NULL, 0);
        }
        if (r < 0) {
            _cleanup_free_ char *what = fm->fs_index && fm->fs_index[i] != SIZE_MAX
                                            ? xasprintf("options[%zu] `%s`", fm->fs_index[i], opt)
                                            : xasprintf("option `%s`", opt);
            return fs_error(fsfd, err, errno, what);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(sb_flags); i++)
        if ((fm->ms_flags & sb_flags[i].ms) && fsconfig(fsfd, FSCONFIG_SET_FLAG, sb_flags[i].name, NULL, 0) < 0) {
            _cleanup_free_ char *what = xasprintf("option `%s`", sb_flags[i].name);
            return fs_error(fsfd, err, errno, what);
        }
    if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return fs_error(fsfd, err, errno, "create the filesystem");
    attrs = apply_attrs(congo_mount_attr_from_flags(fm->ms_flags), fm->attr_set, fm->attr_clr);
    fd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned int) attrs);
    if (fd < 0)
        return fs_error(fsfd, err, errno, "fsmount");
    *mntfd = fd;
    return 0;
}

int congo_bind_create(int *treefd, const char *source, bool recursive, bool *is_dir, congo_error *err)
{
    struct stat st;
    int fd;

    *treefd = -1;
    if (!congo_mounts_legacy) {
        fd = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
        if (fd >= 0) {
            if (fstat(fd, &st) < 0) {
                close(fd);
                return congo_error_errno(err, "source `%s`", source);
            }
            *is_dir = S_ISDIR(st.st_mode);
            *treefd = fd;
            return 0;
        }
        if (errno != ENOSYS)
            return congo_error_errno(err, "source `%s`", source);
        congo_mounts_legacy = true;
    }
    if (stat(source, &st) < 0)
        return congo_error_errno(err, "source `%s`", source);
    *is_dir = S_ISDIR(st.st_mode);
    return 0;
}

int congo_idmapped_bind_create(int *treefd, const char *source, bool rbind, bool ridmap, int userns_fd,
                               bool *is_dir, congo_error *err)
{
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns_fd };
    _cleanup_close_ int fd = -1;
    struct stat st;

    fd = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rbind ? AT_RECURSIVE : 0));
    if (fd < 0)
        return congo_error_errno(err, "source `%s`", source);
    if (fstat(fd, &st) < 0)
        return congo_error_errno(err, "source `%s`", source);
    if (mount_setattr(fd, "", AT_EMPTY_PATH | (ridmap ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
        return congo_error_errno(err, "idmap `%s`%s", source,
                                 errno == EINVAL ? " (does its filesystem support idmapped mounts?)" : "");
    *is_dir = S_ISDIR(st.st_mode);
    *treefd = steal_fd(&fd);
    return 0;
}

static int write_id_map(pid_t pid, const char *file, const oci_id_mapping *m, size_t n, congo_error *err)
{
    char path[64];
    _cleanup_free_ char *buf = xstrdup("");

    for (size_t i = 0; i < n; i++) {
        char *b = xasprintf("%s%u %u %u\n", buf, m[i].container_id, m[i].host_id, m[i].size);
        free(buf);
        buf = b;
    }
    snprintf(path, sizeof path, "/proc/%d/%s", (int) pid, file);
    return write_file_at(AT_FDCWD, path, buf, strlen(buf), err);
}

int congo_userns_from_mappings(const oci_id_mapping *uids, size_t n_uids, const oci_id_mapping *gids, size_t n_gids,
                               congo_error *err)
{
    int ready[2], hold[2], fd = -1, r;
    char path[64], c, num[16];
    ssize_t n;
    pid_t pid, procpid;

    if (pipe2(ready, O_CLOEXEC) < 0)
        return congo_error_errno(err, "pipe");
    if (pipe2(hold, O_CLOEXEC) < 0) {
        close(ready[0]), close(ready[1]);
        return congo_error_errno(err, "pipe");
    }
    pid = fork();
    if (pid < 0) {
        r = congo_error_errno(err, "fork");
        goto out;
    }
    if (pid == 0) {
        /* In a user namespace of its own, until the parent has its fd.  It
         * says its pid as /proc knows it: /proc may belong to another pid
         * namespace than ours (the container child's, before pivot_root). */
        close(ready[0]);
        close(hold[1]);
        n = unshare(CLONE_NEWUSER) == 0 ? readlink("/proc/self", num, sizeof num - 1) : -1;
        if (write(ready[1], num, n > 0 ? (size_t) n : 0) < 0)
            _exit(1);
        (void) !read(hold[0], &c, 1);
        _exit(0);
    }
    close(ready[1]), ready[1] = -1;
    close(hold[0]), hold[0] = -1;
    n = read(ready[0], num, sizeof num - 1);
    if (n <= 0) {
        r = congo_error_set(err, EPERM, "create a user namespace for an idmapped mount");
        goto out;
    }
    num[n] = '\0';
    procpid = (pid_t) atoi(num);
    if ((r = write_id_map(procpid, "uid_map", uids, n_uids, err)) < 0 ||
        (r = write_id_map(procpid, "gid_map", gids, n_gids, err)) < 0)
        goto out;
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int) procpid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    r = fd < 0 ? congo_error_errno(err, "open `%s`", path) : fd;
out:
    if (ready[0] >= 0)
        close(ready[0]);
    if (ready[1] >= 0)
        close(ready[1]);
    if (hold[0] >= 0)
        close(hold[0]);
    if (hold[1] >= 0)
        close(hold[1]);
    if (pid > 0)
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    return r;
}

static unsigned long mount_flags_of(int fd)
{
    static const struct { unsigned long st, ms; } map[] = {
        { ST_RDONLY, MS_RDONLY }, { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV }, { ST_NOEXEC, MS_NOEXEC },
        { ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
        { ST_NOSYMFOLLOW, MS_NOSYMFOLLOW },
    };
    struct statfs sfs;
    unsigned long flags = 0;

    if (fstatfs(fd, &sfs) < 0)
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(map); i++)
        if (sfs.f_flags & map[i].st)
            flags |= map[i].ms;
    /* MS_STRICTATIME is no flag of its own: the absence of the others. */
    if (!(flags & (MS_NOATIME | MS_RELATIME)))
        flags |= MS_STRICTATIME;
    return flags;
}

static int bind_setattr(int fd, const struct congo_bind_attrs *a, congo_error *err)
{
    unsigned long flags = a->flags & MS_MOUNT_FLAGS;
    bool remount = a->flags & MS_REMOUNT;

    if (flags || (a->clear_flags & MS_MOUNT_FLAGS)) {
        struct mount_attr attr = { 0 };

        attr.attr_set = congo_mount_attr_from_flags(flags & ~(MS_ATIME_MODES | MS_NODIRATIME));
        if (remount)
            attr.attr_clr = congo_mount_attr_from_flags(a->clear_flags & ~(MS_ATIME_MODES | MS_NODIRATIME));
        else
            attr.attr_clr = BIND_LOCKABLE_ATTRS & ~attr.attr_set;
        if (flags & (MS_ATIME_MODES | MS_NODIRATIME)) {
            attr.attr_set |= congo_mount_attr_from_flags(flags & (MS_ATIME_MODES | MS_NODIRATIME));
            attr.attr_clr |= MOUNT_ATTR__ATIME;
            if (!(flags & MS_NODIRATIME))
                attr.attr_clr |= MOUNT_ATTR_NODIRATIME;
        }
        if (a->clear_flags & MS_NODIRATIME)
            attr.attr_clr |= MOUNT_ATTR_NODIRATIME;
        if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
            /* Flags locked by a more privileged namespace cannot be cleared:
             * keep those the source has, unless explicitly cleared. */
            uint64_t present = congo_mount_attr_from_flags(mount_flags_of(fd) & ~MS_ATIME_MODES);
            uint64_t asked_clear = congo_mount_attr_from_flags(a->clear_flags & ~MS_ATIME_MODES);
            if (errno != EPERM || (present & asked_clear))
                return congo_error_errno(err, "set the mount flags");
            attr.attr_clr &= ~present;
            if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
                return congo_error_errno(err, "set the mount flags");
        }
    }
    if (a->rec_set || a->rec_clr) {
        struct mount_attr attr = { .attr_set = a->rec_set, .attr_clr = a->rec_clr };
        if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
            return congo_error_errno(err, "set the recursive mount flags");
    }
    return 0;
}

static int legacy_bind_setattr(int fd, const struct congo_bind_attrs *a, congo_error *err)
{
    unsigned long flags = a->flags & MS_MOUNT_FLAGS;
    char p[32];

    if (flags || (a->clear_flags & MS_MOUNT_FLAGS)) {
        if (a->flags & MS_REMOUNT)
            flags |= mount_flags_of(fd) & ~a->clear_flags & ~(flags & MS_ATIME_MODES ? MS_ATIME_MODES : 0);
        if (mount(NULL, congo_fd_path(p, fd), NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0) {
            unsigned long present = mount_flags_of(fd);
            if (errno != EPERM || (present & a->clear_flags & ~MS_ATIME_MODES))
                return congo_error_errno(err, "remount with the mount flags");
            flags |= present & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOSYMFOLLOW);
            if (!(flags & MS_ATIME_MODES))
                flags |= present & (MS_ATIME_MODES | MS_NODIRATIME);
            if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
                return congo_error_errno(err, "remount with the mount flags");
        }
    }
    if (a->rec_set || a->rec_clr) {
        struct mount_attr attr = { .attr_set = a->rec_set, .attr_clr = a->rec_clr };
        if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
            return congo_error_errno(err, errno == ENOSYS ? "recursive mount options (r*) need mount_setattr "
                                                            "(Linux 5.12)" : "set the recursive mount flags");
    }
    return 0;
}

int congo_mount_setattr(int fd, const struct congo_bind_attrs *a, congo_error *err)
{
    if (congo_mounts_legacy)
        return legacy_bind_setattr(fd, a, err);
    return bind_setattr(fd, a, err);
}

int congo_mount_propagate(int fd, unsigned long propagation, congo_error *err)
{
    struct mount_attr attr = { .propagation = propagation & ~(unsigned long) MS_REC };
    unsigned int flags = AT_EMPTY_PATH | ((propagation & MS_REC) ? AT_RECURSIVE : 0);
    char p[32];

    if (!congo_mounts_legacy) {
        if (mount_setattr(fd, "", flags, &attr, sizeof attr) == 0)
            return 0;
        if (errno != ENOSYS)
            return congo_error_errno(err, "set the propagation");
    }
    if (mount(NULL, congo_fd_path(p, fd), NULL, propagation, NULL) < 0)
        return congo_error_errno(err, "set the propagation");
    return 0;
}

/* A failed attach: say so when a directory meets a file (EINVAL/ENOTDIR). */
static int attach_error(int mntfd, int targetfd, const char *dest, congo_error *err)
{
    int saved = errno;
    struct stat src, dst;

    if ((saved == EINVAL || saved == ENOTDIR || saved == EISDIR) && mntfd >= 0 && fstat(mntfd, &src) == 0 &&
        fstat(targetfd, &dst) == 0 && S_ISDIR(src.st_mode) != S_ISDIR(dst.st_mode))
        return congo_error_set(err, 0, "cannot mount a %s on `%s`, a %s", S_ISDIR(src.st_mode) ? "directory" : "file",
                               dest, S_ISDIR(dst.st_mode) ? "directory" : "file");
    errno = saved;
    return congo_error_errno(err, mntfd >= 0 ? "move_mount" : "mount");
}

int congo_attach(const struct congo_attach *a, int targetfd, int *newfd, congo_error *err)
{
    _cleanup_close_ int nfd = -1;
    uint64_t expected = 0, old = 0, id;
    bool is_root = false;
    char p[32];
    int r;

    if (a->mntfd >= 0) {
        if (a->bind_attrs && (r = bind_setattr(a->mntfd, a->bind_attrs, err)) < 0)
            return r;
        if (!a->trusted_target && congo_mount_id(a->mntfd, &expected, NULL) < 0)
            return congo_error_errno(err, "statx the new mount");
        if (move_mount(a->mntfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            return attach_error(a->mntfd, targetfd, a->dest, err);
        if (a->trusted_target && !a->propagation && !newfd)
            return 0;
    } else {
        const struct congo_fresh_mount *fm = a->fresh;
        if (congo_mount_id(targetfd, &old, NULL) < 0)
            return congo_error_errno(err, "statx the destination");
        if (a->bind_source) {
            r = mount(a->bind_source, congo_fd_path(p, targetfd), NULL, MS_BIND | (a->bind_recursive ? MS_REC : 0),
                      NULL);
        } else {
            _cleanup_free_ char *data = NULL;
            for (size_t i = 0; fm->fs_options && fm->fs_options[i]; i++) {
                const char *opt = fm->fs_options[i];
                _cleanup_free_ char *quoted = NULL;
                /* An SELinux context may hold commas (MCS categories): the
                 * mount(2) data string needs it quoted. */
                if (str_has_prefix(opt, "context=") && strchr(opt, ',') && opt[8] != '"')
                    opt = quoted = xasprintf("context=\"%s\"", opt + 8);
                char *d = data ? xasprintf("%s,%s", data, opt) : xstrdup(opt);
                free(data);
                data = d;
            }
            r = mount(fm->source ? fm->source : fm->fstype, congo_fd_path(p, targetfd), fm->fstype,
                      fm->ms_flags & ~(MS_REC | MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE), data);
        }
        if (r < 0)
            return a->bind_source ? attach_error(-1, targetfd, a->dest, err) : congo_error_errno(err, "mount");
    }

    /* The re-check: the destination, resolved again inside the root, must
     * be the mount we just made. */
    nfd = congo_openat2(a->rootfd, a->dest, O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | a->extra_resolve);
    if (nfd >= 0 && congo_mount_id(nfd, &id, &is_root) == 0 &&
        (a->mntfd >= 0 ? id == expected : (is_root && id != old))) {
        /* Landed where intended. */
    } else {
        if (a->mntfd >= 0) {
            umount2(congo_fd_path(p, a->mntfd), MNT_DETACH);
            return congo_error_set(err, 0, "the mount did not land at `%s` inside the rootfs (renamed while "
                                   "mounting?): detached it", a->dest);
        }
        return congo_error_set(err, 0, "the mount did not land at `%s` inside the rootfs (renamed while "
                               "mounting?)", a->dest);
    }
    if (a->mntfd < 0) {
        if (a->bind_attrs && (r = legacy_bind_setattr(nfd, a->bind_attrs, err)) < 0)
            return r;
        if (a->fresh && (a->fresh->attr_set || a->fresh->attr_clr)) {
            struct congo_bind_attrs rec = { .rec_set = a->fresh->attr_set, .rec_clr = a->fresh->attr_clr };
            if ((r = legacy_bind_setattr(nfd, &rec, err)) < 0)
                return r;
        }
    }
    if (a->propagation && (r = congo_mount_propagate(nfd, a->propagation, err)) < 0)
        return r;
    if (newfd)
        *newfd = steal_fd(&nfd);
    return 0;
}

int congo_make_readonly(int fd, bool recursive, congo_error *err)
{
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
    char p[32];

    if (!congo_mounts_legacy || recursive) {
        if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) == 0)
            return 0;
        if (errno != ENOSYS || recursive)
            return congo_error_errno(err, "make read-only");
    }
    /* Keep nosuid, nodev, noexec and the atime mode: a bind remount sets them all. */
    if (mount(NULL, congo_fd_path(p, fd), NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | mount_flags_of(fd), NULL) < 0)
        return congo_error_errno(err, "make read-only");
    return 0;
}

/* ---- tmpcopyup ---- */

static int copy_file(int srcfd, int dstfd)
{
    for (;;) {
        ssize_t n = copy_file_range(srcfd, NULL, dstfd, NULL, 1 << 30, 0);
        if (n == 0)
            return 0;
        if (n > 0)
            continue;
        if (errno == EINTR)
            continue;
        if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
            return -errno;
        break;
    }
    char buf[65536];
    for (;;) {
        ssize_t n = read(srcfd, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (write_all(dstfd, buf, n) < 0)
            return -errno;
    }
}

static int copy_tree(int srcfd, int dstfd, const char *rel, int depth, congo_error *err)
{
    _cleanup_closedir_ DIR *d = NULL;
    struct dirent *de;
    int dfd = openat(srcfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (dfd < 0)
        return congo_error_errno(err, "open `%s`", rel);
    if (depth > 256)
        return close(dfd), congo_error_set(err, 0, "`%s`: too deep", rel);
    d = fdopendir(dfd);
    if (!d)
        return close(dfd), congo_error_errno(err, "open `%s`", rel);
    while ((errno = 0, de = readdir(d))) {
        const char *name = de->d_name;
        _cleanup_free_ char *path = NULL;
        struct stat st;

        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        path = xasprintf("%s/%s", rel, name);
        if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return congo_error_errno(err, "stat `%s`", path);
        if (S_ISDIR(st.st_mode)) {
            _cleanup_close_ int s = -1, t = -1;
            int r;
            if (mkdirat(dstfd, name, 0700) < 0)
                return congo_error_errno(err, "mkdir `%s`", path);
            s = openat(dirfd(d), name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            t = openat(dstfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (s < 0 || t < 0)
                return congo_error_errno(err, "open `%s`", path);
            if ((r = copy_tree(s, t, path, depth + 1, err)) < 0)
                return r;
            if (fchown(t, st.st_uid, st.st_gid) < 0 || fchmod(t, st.st_mode & 07777) < 0)
                return congo_error_errno(err, "chown/chmod `%s`", path);
        } else if (S_ISREG(st.st_mode)) {
            _cleanup_close_ int s = openat(dirfd(d), name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
            _cleanup_close_ int t = -1;
            struct stat st2;
            int r;
            /* Opened without following a symlink; check it is still a regular file. */
            if (s < 0 || fstat(s, &st2) < 0)
                return congo_error_errno(err, "open `%s`", path);
            if (!S_ISREG(st2.st_mode))
                return congo_error_set(err, EAGAIN, "`%s` changed while copying", path);
            t = openat(dstfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (t < 0)
                return congo_error_errno(err, "create `%s`", path);
            if ((r = copy_file(s, t)) < 0)
                return congo_error_set(err, -r, "copy `%s`", path);
            if (fchown(t, st2.st_uid, st2.st_gid) < 0 || fchmod(t, st2.st_mode & 07777) < 0)
                return congo_error_errno(err, "chown/chmod `%s`", path);
        } else if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = readlinkat(dirfd(d), name, target, sizeof target - 1);
            if (n < 0)
                return congo_error_errno(err, "readlink `%s`", path);
            target[n] = '\0';
            if (symlinkat(target, dstfd, name) < 0 ||
                fchownat(dstfd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return congo_error_errno(err, "symlink `%s`", path);
        } else {
            if (mknodat(dstfd, name, st.st_mode, st.st_rdev) < 0 ||
                fchownat(dstfd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
                fchmodat(dstfd, name, st.st_mode & 07777, 0) < 0)
                return congo_error_errno(err, "mknod `%s`", path);
        }
    }
    if (errno)
        return congo_error_errno(err, "read directory `%s`", rel);
    return 0;
}

int congo_copy_tree(int srcfd, int dstfd, congo_error *err)
{
    return copy_tree(srcfd, dstfd, ".", 0, err);
}
