/* The container's root filesystem (see rootfs.h).
 *
 * What runc does, and so congo:
 * - / is made rslave (or linux.rootfsPropagation), so that nothing mounted
 *   here reaches the host; the mount holding the rootfs is made private when
 *   shared (pivot_root refuses a shared parent, and the rootfs bind would
 *   propagate to the host); the rootfs is bind-mounted onto itself (recursive)
 *   to be a mount point for pivot_root.  After pivot_root, an explicit
 *   rootfsPropagation is applied to the new / (runc >= 1.2.7, #4724).
 * - mounts[] in order; /proc and /sys only on plain directories (no symlink
 *   anywhere in the path: CVE-2019-16884, CVE-2023-28642); nothing mounted at
 *   or inside /proc but procfs and the lxcfs files (CVE-2019-19921,
 *   CVE-2023-27561); destinations resolved inside the rootfs with openat2
 *   RESOLVE_IN_ROOT and mounted on the resolved fd, then checked again after
 *   mounting (CVE-2021-30465).
 * - tmpfs and /dev are mounted read-write and made read-only in finalize (the
 *   device nodes and nested mount points need to be created first).
 * - devices and /dev links unless /dev is a bind mount.
 * - finalize: those read-only remounts, root.readonly, linux.sysctl,
 *   readonlyPaths, maskedPaths (with a /dev/null checked to be the null
 *   device: CVE-2025-31133). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "devices.h"
#include "log.h"
#include "mount-options.h"
#include "mounts.h"
#include "rootfs.h"
#include "utils.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

struct ro_mount {
    size_t index; /* in mounts[] */
    int fd;
};

struct congo_rootfs_priv {
    int rootfd;                  /* O_PATH fd of the rootfs bind mount: the future / */
    char *real;                  /* its path as the kernel reports it (resolved destinations start with it) */
    size_t real_len;
    unsigned long propagation;   /* what / was made */
    bool propagation_set;        /* linux.rootfsPropagation was given */
    bool setup_dev;              /* devices and /dev links were made */
    struct ro_mount *ro;         /* mounts made read-only in finalize */
    size_t n_ro;
};

static void priv_free(struct congo_rootfs_priv *p)
{
    if (!p)
        return;
    if (p->rootfd >= 0)
        close(p->rootfd);
    for (size_t i = 0; i < p->n_ro; i++)
        close(p->ro[i].fd);
    free(p->ro);
    free(p->real);
    free(p);
}

void congo_rootfs_ctx_clear(struct congo_rootfs_ctx *ctx)
{
    priv_free(ctx->priv);
    ctx->priv = NULL;
}

/* A destination with its duplicate and trailing slashes and "." removed, for
 * comparisons with "/dev", "/proc"...  (The mount itself always goes through
 * openat2, never this string.) */
static char *clean_path(const char *path)
{
    char *out = xmalloc(strlen(path) + 2), *o = out;
    const char *p = path;

    *o++ = '/';
    while (*p) {
        while (*p == '/')
            p++;
        const char *end = strchrnul(p, '/');
        size_t len = end - p;
        if (len == 0 || (len == 1 && p[0] == '.')) {
            /* skip */
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            while (o > out + 1 && o[-1] != '/')
                o--;
            if (o > out + 1)
                o--;
        } else {
            if (o > out + 1)
                *o++ = '/';
            memcpy(o, p, len);
            o += len;
        }
        p = end;
    }
    *o = '\0';
    return out;
}

/* The path inside the rootfs that fd (from congo_open_in_root) resolved to. */
static int inside_path(struct congo_rootfs_priv *p, int fd, char **out, congo_error *err)
{
    char link[32], buf[PATH_MAX];
    ssize_t n = readlink(congo_fd_path(link, fd), buf, sizeof buf - 1);

    if (n < 0)
        return congo_error_errno(err, "readlink the destination");
    buf[n] = '\0';
    if (p->real_len == 1) { /* the rootfs is / itself */
        *out = xstrdup(buf);
        return 0;
    }
    if (strncmp(buf, p->real, p->real_len) != 0 || (buf[p->real_len] != '/' && buf[p->real_len] != '\0'))
        return congo_error_set(err, 0, "the destination resolved to `%s`, outside the rootfs", buf);
    *out = xstrdup(buf[p->real_len] ? buf + p->real_len : "/");
    return 0;
}

/* Files inside /proc that lxcfs-style binds may cover (as runc). */
static const char *const proc_allowed[] = {
    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps", "/proc/uptime",
    "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid", NULL,
};

/* Refuse what would cover /proc or something inside it (CVE-2019-19921):
 * only procfs at /proc itself, and the lxcfs files inside. */
static int check_proc_dest(const char *in, bool source_is_proc, congo_error *err)
{
    if (strcmp(in, "/proc") == 0) {
        if (source_is_proc)
            return 0;
        return congo_error_set(err, 0, "the destination resolves to /proc: only procfs may be mounted there");
    }
    if (!str_has_prefix(in, "/proc/"))
        return 0;
    for (size_t i = 0; proc_allowed[i]; i++)
        if (strcmp(in, proc_allowed[i]) == 0)
            return 0;
    return congo_error_set(err, 0, "the destination resolves to `%s`, inside /proc: refused (only /proc/cpuinfo, "
                           "/proc/meminfo, /proc/stat... may be covered)", in);
}

/* Resolve (creating what is missing) a destination inside the rootfs: an
 * O_PATH fd, and the path it resolved to inside the rootfs. */
static int open_dest(struct congo_rootfs_priv *p, const char *dest, enum congo_path_create create,
                     uint64_t extra_resolve, bool *created, char **in_out, congo_error *err)
{
    _cleanup_close_ int fd = congo_open_in_root(p->rootfd, dest, create, extra_resolve, created, err);
    _cleanup_free_ char *in = NULL;
    int r;

    if (fd < 0)
        return congo_error_wrap(err, fd, "destination");
    if ((r = inside_path(p, fd, &in, err)) < 0)
        return r;
    if (strcmp(in, "/") == 0)
        return congo_error_set(err, 0, "the destination is the container's root: use root.path for that");
    *in_out = steal_pointer(&in);
    return steal_fd(&fd);
}

static bool is_procfs(const char *path)
{
    struct statfs sfs;
    return statfs(path, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

static void add_ro(struct congo_rootfs_priv *p, size_t index, int fd)
{
    p->ro = xrealloc(p->ro, (p->n_ro + 1) * sizeof *p->ro);
    p->ro[p->n_ro].index = index;
    p->ro[p->n_ro++].fd = fd;
}

/* ---- the mount types ---- */

struct mnt {
    struct congo_rootfs_ctx *ctx;
    struct congo_rootfs_priv *p;
    size_t index;
    const oci_mount *m;
    const struct congo_mount_options *o;
};

static int fs_has_option(char *const *opts, const char *key)
{
    size_t len = strlen(key);
    for (size_t i = 0; opts && opts[i]; i++)
        if (strncmp(opts[i], key, len) == 0 && (opts[i][len] == '=' || opts[i][len] == '\0'))
            return 1;
    return 0;
}


/* Whether the config's gidMappings map container gid `v` (a number). */
static bool gid_mapped(const oci_config *c, const char *v)
{
    char *end;
    errno = 0;
    unsigned long g = strtoul(v, &end, 10);
    if (errno || end == v || *end || !c->linux_)
        return true; /* not ours to judge: the kernel says */
    for (size_t i = 0; i < c->linux_->n_gid_mappings; i++) {
        const oci_id_mapping *m = &c->linux_->gid_mappings[i];
        if (g >= m->container_id && g - m->container_id < m->size)
            return true;
    }
    return false;
}

/* A fresh filesystem: tmpfs, devpts, mqueue, proc, sysfs, cgroup2, overlay...
 * proc and sysfs (special) only on a directory reached without symlinks. */
static int mount_fresh(struct mnt *mt, const char *fstype, bool special, congo_error *err)
{
    const struct congo_mount_options *o = mt->o;
    struct congo_rootfs_priv *p = mt->p;
    const char *dest = mt->m->destination;
    const uint64_t extra = special ? RESOLVE_NO_SYMLINKS : 0;
    _cleanup_close_ int destfd = -1, mntfd = -1, newfd = -1;
    _cleanup_free_ char *clean = clean_path(dest), *in = NULL, *mode_opt = NULL, *context_opt = NULL;
    _cleanup_free_ char **opts = NULL;
    _cleanup_free_ size_t *index = NULL;
    bool created = false, tmpfs = strcmp(fstype, "tmpfs") == 0;
    bool delay_ro = (tmpfs || strcmp(clean, "/dev") == 0) &&
                    ((o->flags & MS_RDONLY) || (o->attr_set & MOUNT_ATTR_RDONLY));
    int r;

    destfd = open_dest(p, dest, CONGO_PATH_DIR, extra, &created, &in, err);
    if (destfd == -ELOOP && special)
        return congo_error_set(err, 0, "destination `%s`: %s must be mounted on a plain directory, reached "
                               "without symlinks", dest, fstype);
    if (destfd < 0)
        return destfd;
    if ((r = check_proc_dest(in, strcmp(fstype, "proc") == 0, err)) < 0)
        return r;

    struct congo_fresh_mount fm = {
        .fstype = fstype,
        .source = mt->m->source,
        .ms_flags = o->flags & ~(unsigned long) (MS_REMOUNT | (delay_ro ? MS_RDONLY : 0)),
        .fs_options = o->fs_options,
        .fs_index = o->fs_option_index,
        .attr_set = o->attr_set & ~(uint64_t) (delay_ro ? MOUNT_ATTR_RDONLY : 0),
        .attr_clr = o->attr_clr,
    };
    /* Options congo adds in front of the config's (index SIZE_MAX): a tmpfs
     * over an existing directory keeps its mode (as runc), and with
     * linux.mountLabel every filesystem but procfs and sysfs gets that
     * SELinux context (congo_lsm_prepare refused the label already where
     * SELinux is not there). */
    {
        const char *label = mt->ctx->config->linux_ ? mt->ctx->config->linux_->mount_label : NULL;
        size_t n = strv_length(o->fs_options), k = 0;
        if (label && *label && !special && !fs_has_option(o->fs_options, "context"))
            context_opt = xasprintf("context=%s", label);
        if (tmpfs && !created && !fs_has_option(o->fs_options, "mode")) {
            struct stat st;
            if (fstat(destfd, &st) < 0)
                return congo_error_errno(err, "stat the destination");
            mode_opt = xasprintf("mode=%04o", (unsigned) (st.st_mode & 07777));
        }
        /* devpts in a new user namespace: a gid=N the namespace does not
         * map is left out (as crun; runc's rootless spec drops gid=5): the
         * ptys then belong to the mounter's group. */
        ssize_t drop = -1;
        if (mt->ctx->new_userns && strcmp(fstype, "devpts") == 0)
            for (size_t i = 0; i < n && drop < 0; i++)
                if (strncmp(o->fs_options[i], "gid=", 4) == 0 && !gid_mapped(mt->ctx->config, o->fs_options[i] + 4))
                    drop = (ssize_t) i;
        if (mode_opt || context_opt || drop >= 0) {
            opts = xnew0(char *, n + 3);
            index = xnew0(size_t, n + 2);
            if (mode_opt) {
                opts[k] = mode_opt;
                index[k++] = SIZE_MAX;
            }
            if (context_opt) {
                opts[k] = context_opt;
                index[k++] = SIZE_MAX;
            }
            for (size_t i = 0; i < n; i++) {
                if ((ssize_t) i == drop)
                    continue;
                opts[k] = o->fs_options[i];
                index[k++] = o->fs_option_index[i];
            }
            fm.fs_options = opts;
            fm.fs_index = index;
        }
    }
    if ((r = congo_fresh_mount_create(&mntfd, &fm, err)) < 0)
        return r;
    if (o->tmpcopyup) {
        if (mntfd < 0)
            return congo_error_set(err, 0, "tmpcopyup needs the new mount API (Linux 5.2)");
        if ((r = congo_copy_tree(destfd, mntfd, err)) < 0)
            return congo_error_wrap(err, r, "tmpcopyup");
    }
    struct congo_attach a = {
        .rootfd = p->rootfd, .dest = dest, .extra_resolve = extra, .mntfd = mntfd, .fresh = &fm,
        .propagation = o->propagation,
    };
    if ((r = congo_attach(&a, destfd, &newfd, err)) < 0)
        return r;
    if (delay_ro)
        add_ro(p, mt->index, steal_fd(&newfd));
    return 0;
}

/* A bind of a host path (already made absolute); tree: a detached mount of it
 * made already (idmapped), else -1. */
static int bind_path(struct mnt *mt, const char *src, bool recursive, const struct congo_bind_attrs *attrs,
                     uint64_t extra, int tree_in, congo_error *err)
{
    struct congo_rootfs_priv *p = mt->p;
    const char *dest = mt->m->destination;
    _cleanup_close_ int tree = tree_in, destfd = -1;
    _cleanup_free_ char *in = NULL;
    bool is_dir = true;
    struct stat st;
    int r;

    if (tree >= 0) {
        if (fstat(tree, &st) < 0)
            return congo_error_errno(err, "source `%s`", src);
        is_dir = S_ISDIR(st.st_mode);
    } else if ((r = congo_bind_create(&tree, src, recursive, &is_dir, err)) < 0) {
        return r;
    }
    destfd = open_dest(p, dest, is_dir ? CONGO_PATH_DIR : CONGO_PATH_FILE, extra, NULL, &in, err);
    if (destfd < 0)
        return destfd;
    if ((r = check_proc_dest(in, strcmp(in, "/proc") == 0 && is_procfs(src), err)) < 0)
        return r;
    struct congo_attach a = {
        .rootfd = p->rootfd, .dest = dest, .extra_resolve = extra, .mntfd = tree, .bind_source = src,
        .bind_recursive = recursive, .bind_attrs = attrs, .propagation = mt->o->propagation,
    };
    return congo_attach(&a, destfd, NULL, err);
}

/* The idmapped clone of mounts[i]'s source: its own mappings, or the
 * container's user namespace (that of userns_pid). */
static int open_idmapped(int *tree, const oci_config *c, size_t i, const char *src, pid_t userns_pid,
                         congo_error *err)
{
    const oci_mount *m = &c->mounts[i];
    _cleanup_close_ int nsfd = -1;
    bool rbind = false, ridmap = false;
    int r;

    for (size_t j = 0; m->options && m->options[j]; j++) {
        rbind |= strcmp(m->options[j], "rbind") == 0;
        ridmap |= strcmp(m->options[j], "ridmap") == 0;
    }
    if (m->n_uid_mappings || m->n_gid_mappings) {
        if (!m->n_uid_mappings || !m->n_gid_mappings)
            return congo_error_set(err, 0, "an idmapped mount needs both uidMappings and gidMappings");
        nsfd = congo_userns_from_mappings(m->uid_mappings, m->n_uid_mappings, m->gid_mappings, m->n_gid_mappings,
                                          err);
        if (nsfd < 0)
            return nsfd;
    } else if (userns_pid > 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/user", (int) userns_pid);
        nsfd = open(path, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0)
            return congo_error_errno(err, "open `%s`", path);
    } else {
        return congo_error_set(err, 0, "`idmap` without uidMappings and gidMappings needs a user namespace");
    }
    if ((r = congo_idmapped_bind_create(tree, src, rbind, ridmap, nsfd, &(bool) { false }, err)) < 0)
        return r;
    return 0;
}

int congo_rootfs_open_idmapped(int **fds_out, const oci_config *c, const char *bundle, pid_t userns_pid,
                               congo_error *err)
{
    int *fds = NULL;
    int r;

    *fds_out = NULL;
    for (size_t i = 0; i < c->n_mounts; i++) {
        const oci_mount *m = &c->mounts[i];
        struct congo_mount_options o;
        congo_error ignored = CONGO_ERROR_INIT;
        bool idmap = m->n_uid_mappings || m->n_gid_mappings, bind, rbind;

        /* Bad options are the child's to report (with the rest of the mount). */
        if (congo_mount_options_parse(&o, m->options, "mounts", &ignored) < 0) {
            congo_error_clear(&ignored);
            continue;
        }
        idmap |= o.idmap || o.ridmap;
        bind = o.bind || streq_ptr(m->type, "bind");
        rbind = o.rbind;
        congo_mount_options_clear(&o);
        /* In a new user namespace the child's root is an unprivileged host
         * uid that may not reach a bind's source (a 0700 directory of the
         * host's root): open every source here, as runc does. */
        if (!idmap && !(bind && userns_pid > 0))
            continue;
        if (!fds) {
            fds = xnew0(int, c->n_mounts);
            for (size_t k = 0; k < c->n_mounts; k++)
                fds[k] = -1;
        }
        if (!m->source || !*m->source) {
            r = congo_error_set(err, 0, "mounts[%zu] (%s): a bind mount needs a `source`", i, m->destination);
            goto fail;
        }
        _cleanup_free_ char *src = m->source[0] == '/' ? xstrdup(m->source) : xasprintf("%s/%s", bundle, m->source);
        if (idmap) {
            r = open_idmapped(&fds[i], c, i, src, userns_pid, err);
        } else if ((r = congo_bind_create(&fds[i], src, rbind, &(bool) { false }, err)) == -EPERM) {
            /* A congo without CAP_SYS_ADMIN over its mount namespace cannot
             * clone mounts: the child, root of its own, tries. */
            congo_error_clear(err);
            r = 0;
        }
        if (r < 0) {
            congo_error_wrap(err, r, "mounts[%zu] (%s, bind of `%s`)", i, m->destination, m->source);
            goto fail;
        }
    }
    *fds_out = fds;
    return 0;
fail:
    congo_rootfs_close_idmapped(fds, c->n_mounts);
    return r;
}

void congo_rootfs_close_idmapped(int *fds, size_t n)
{
    for (size_t i = 0; fds && i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
}

static int mount_bind(struct mnt *mt, congo_error *err)
{
    const struct congo_mount_options *o = mt->o;
    const char *source = mt->m->source;
    _cleanup_free_ char *src = NULL;
    struct congo_bind_attrs attrs = {
        .flags = o->flags, .clear_flags = o->clear_flags, .rec_set = o->attr_set, .rec_clr = o->attr_clr,
    };

    if (!source || !*source)
        return congo_error_set(err, 0, "a bind mount needs a `source`");
    /* Relative sources are relative to the bundle (as runc). */
    src = source[0] == '/' ? xstrdup(source) : xasprintf("%s/%s", mt->ctx->bundle, source);
    if (mt->ctx->mount_fds && mt->ctx->mount_fds[mt->index] >= 0) {
        /* Opened by the parent (idmapped, or any bind in a new user
         * namespace): ours to close. */
        int tree = fcntl(mt->ctx->mount_fds[mt->index], F_DUPFD_CLOEXEC, 3);
        if (tree < 0)
            return congo_error_errno(err, "bind mount opened by congo");
        return bind_path(mt, src, o->rbind, &attrs, 0, tree, err);
    }
    if (o->idmap || mt->m->n_uid_mappings || mt->m->n_gid_mappings) {
        int tree = -1, r;
        if (mt->ctx->new_userns) {
            return congo_error_set(err, 0, "idmapped mount: not opened by the parent (congo_rootfs_open_idmapped)");
        } else if ((r = open_idmapped(&tree, mt->ctx->config, mt->index, src, 0, err)) < 0) {
            return r;
        }
        return bind_path(mt, src, o->rbind, &attrs, 0, tree, err);
    }
    return bind_path(mt, src, o->rbind, &attrs, 0, -1, err);
}

/* sysfs without a network namespace of our own in a user namespace: the
 * kernel refuses a fresh one; bind the host's /sys with the requested flags
 * applied to every mount under it (runc would make only the top read-only). */
static int bind_sys(struct mnt *mt, congo_error *err)
{
    const struct congo_mount_options *o = mt->o;
    struct congo_bind_attrs attrs = {
        .flags = o->flags, .clear_flags = o->clear_flags,
        .rec_set = o->attr_set | congo_mount_attr_from_flags(o->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)),
        .rec_clr = o->attr_clr,
    };
    return bind_path(mt, "/sys", true, &attrs, RESOLVE_NO_SYMLINKS, -1, err);
}

/* "remount" on a filesystem: change the mount flags of what is mounted there. */
static int mount_remount(struct mnt *mt, congo_error *err)
{
    const struct congo_mount_options *o = mt->o;
    _cleanup_close_ int fd = congo_open_in_root(mt->p->rootfd, mt->m->destination, CONGO_PATH_EXISTING, 0, NULL, err);
    struct congo_bind_attrs attrs = {
        .flags = o->flags, .clear_flags = o->clear_flags, .rec_set = o->attr_set, .rec_clr = o->attr_clr,
    };
    uint64_t id;
    bool is_root = false;
    int r;

    if (fd < 0)
        return congo_error_wrap(err, fd, "remount");
    if (congo_mount_id(fd, &id, &is_root) < 0 || !is_root)
        return congo_error_set(err, 0, "remount: `%s` is not a mount point", mt->m->destination);
    if (o->fs_options)
        return congo_error_set(err, 0, "remount: only mount flags can change, not filesystem options (`%s`)",
                               o->fs_options[0]);
    if ((r = congo_mount_setattr(fd, &attrs, err)) < 0)
        return congo_error_wrap(err, r, "remount");
    if (o->propagation && (r = congo_mount_propagate(fd, o->propagation, err)) < 0)
        return r;
    return 0;
}

/* The container's own cgroup in hierarchy h (for binds without a cgroup
 * namespace): ctx->cgroup_path, else what /proc/self/cgroup says. */
static char *own_cgroup(struct congo_rootfs_ctx *ctx, const struct congo_cgroup_hierarchy *h)
{
    _cleanup_fclose_ FILE *f = NULL;
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (ctx->cgroup_path)
        return xstrdup(ctx->cgroup_path);
    f = fopen("/proc/self/cgroup", "re");
    while (f && (n = getline(&line, &cap, f)) > 0) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        if (line[n - 1] == '\n')
            line[n - 1] = '\0';
        *c2 = '\0';
        if (h->v2 ? (strcmp(line, "0") == 0 && c1[1] == '\0') : strcmp(c1 + 1, h->name) == 0)
            return xstrdup(c2 + 1);
    }
    return xstrdup("/");
}

static int mount_cgroup(struct mnt *mt, congo_error *err)
{
    struct congo_rootfs_ctx *ctx = mt->ctx;
    struct congo_rootfs_priv *p = mt->p;
    const struct congo_mount_options *o = mt->o;
    const char *dest = mt->m->destination;
    struct congo_cgroup_hierarchy *h = NULL;
    size_t n = 0;
    const struct congo_cgroup_hierarchy *v2 = NULL;
    bool v1 = false;
    int r;

    if ((r = congo_cgroup_hierarchies(&h, &n, err)) < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        if (h[i].v2)
            v2 = &h[i];
        else
            v1 = true;
    }
    if (!v1 && !v2) {
        congo_cgroup_hierarchies_free(h, n);
        return congo_error_set(err, ENOENT, "the host has no cgroup hierarchy mounted");
    }

    if (!v1) {
        /* cgroup v2: the container's own cgroup, fresh in its namespace or bound. */
        if (ctx->new_cgroupns) {
            r = mount_fresh(mt, "cgroup2", false, err);
        } else {
            _cleanup_free_ char *own = own_cgroup(ctx, v2);
            _cleanup_free_ char *src = xasprintf("%s%s", v2->mountpoint, own);
            struct congo_bind_attrs attrs = {
                .flags = o->flags, .clear_flags = o->clear_flags, .rec_set = o->attr_set, .rec_clr = o->attr_clr,
            };
            r = bind_path(mt, src, false, &attrs, 0, -1, err);
        }
        congo_cgroup_hierarchies_free(h, n);
        return r;
    }

    /* cgroup v1 or hybrid: a tmpfs holding one mount per hierarchy (and the
     * cgroup2 one at `unified`), as on the host. */
    _cleanup_close_ int destfd = -1, tmpfd = -1, top = -1;
    _cleanup_free_ char *in = NULL;
    char *mode755[] = { "mode=755", NULL };
    const unsigned long sub_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | (o->flags & MS_RDONLY);
    struct congo_fresh_mount tmpfs = {
        .fstype = "tmpfs", .source = "tmpfs", .ms_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC, .fs_options = mode755,
    };

    destfd = open_dest(p, dest, CONGO_PATH_DIR, 0, NULL, &in, err);
    if (destfd < 0)
        goto out;
    if ((r = check_proc_dest(in, false, err)) < 0)
        goto out;
    if ((r = congo_fresh_mount_create(&tmpfd, &tmpfs, err)) < 0)
        goto out;
    struct congo_attach a = {
        .rootfd = p->rootfd, .dest = dest, .mntfd = tmpfd, .fresh = &tmpfs, .propagation = o->propagation,
    };
    if ((r = congo_attach(&a, destfd, &top, err)) < 0)
        goto out;

    for (size_t i = 0; i < n; i++) {
        const char *name = strrchr(h[i].mountpoint, '/') ? strrchr(h[i].mountpoint, '/') + 1 : h[i].mountpoint;
        _cleanup_free_ char *subdest = xasprintf("%s/%s", dest, name);
        _cleanup_close_ int target = -1, sub = -1;

        if (!*name || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
            continue;
        if (mkdirat(top, name, 0755) < 0 && errno != EEXIST) {
            r = congo_error_errno(err, "mkdir `%s`", subdest);
            goto out;
        }
        target = openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (target < 0) {
            r = congo_error_errno(err, "open `%s`", subdest);
            goto out;
        }
        if (ctx->new_cgroupns) {
            _cleanup_strv_ char **opts = NULL;
            size_t k = 0;
            _cleanup_free_ char *copy = xstrdup(h[i].options);
            char *save = NULL;
            opts = xnew0(char *, strlen(copy) + 1);
            for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                opts[k++] = xstrdup(t);
            struct congo_fresh_mount fm = {
                .fstype = h[i].v2 ? "cgroup2" : "cgroup", .source = "cgroup", .ms_flags = sub_flags,
                .fs_options = opts,
            };
            if ((r = congo_fresh_mount_create(&sub, &fm, err)) < 0) {
                congo_error_wrap(err, r, "`%s` (%s)", subdest, h[i].v2 ? "cgroup2" : h[i].name);
                goto out;
            }
            struct congo_attach sa = {
                .rootfd = p->rootfd, .dest = subdest, .mntfd = sub, .fresh = &fm, .trusted_target = true,
            };
            r = congo_attach(&sa, target, NULL, err);
        } else {
            _cleanup_free_ char *own = own_cgroup(ctx, &h[i]);
            _cleanup_free_ char *src = xasprintf("%s%s", h[i].mountpoint, own);
            struct congo_bind_attrs attrs = { .flags = o->flags | sub_flags, .clear_flags = o->clear_flags };
            bool is_dir;
            if ((r = congo_bind_create(&sub, src, true, &is_dir, err)) < 0)
                goto out;
            struct congo_attach sa = {
                .rootfd = p->rootfd, .dest = subdest, .mntfd = sub, .bind_source = src, .bind_recursive = true,
                .bind_attrs = &attrs, .trusted_target = true,
            };
            r = congo_attach(&sa, target, NULL, err);
        }
        if (r < 0) {
            congo_error_wrap(err, r, "`%s`", subdest);
            goto out;
        }
        /* cpu -> cpu,cpuacct and cpuacct -> cpu,cpuacct, as on the host. */
        if (strchr(name, ',')) {
            _cleanup_free_ char *copy = xstrdup(name);
            char *save = NULL;
            for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (symlinkat(name, top, t) < 0 && errno != EEXIST) {
                    r = congo_error_errno(err, "symlink `%s/%s`", dest, t);
                    goto out;
                }
        }
    }
    if (o->flags & MS_RDONLY)
        r = congo_make_readonly(top, false, err);
out:
    congo_cgroup_hierarchies_free(h, n);
    return r < 0 ? r : (destfd < 0 ? destfd : 0);
}

static int mount_one(struct congo_rootfs_ctx *ctx, size_t i, congo_error *err)
{
    const oci_mount *m = &ctx->config->mounts[i];
    _cleanup_free_ char *where = xasprintf("mounts[%zu]", i);
    struct congo_mount_options o;
    struct mnt mt = { .ctx = ctx, .p = ctx->priv, .index = i, .m = m, .o = &o };
    const char *type = m->type;
    bool bind;
    int r;

    if (!m->destination || !*m->destination)
        return congo_error_set(err, 0, "%s.destination: missing", where);
    if ((r = congo_mount_options_parse(&o, m->options, where, err)) < 0)
        return r;
    if ((r = congo_mount_options_check(&o, type, where, err)) < 0)
        goto out;
    bind = o.bind || streq_ptr(type, "bind");
    if (bind)
        r = mount_bind(&mt, err);
    else if (o.flags & MS_REMOUNT)
        r = mount_remount(&mt, err);
    else if (strcmp(type, "proc") == 0)
        r = mount_fresh(&mt, type, true, err);
    else if (strcmp(type, "sysfs") == 0) {
        /* sysfs is refused in a user namespace without a network namespace of
         * its own: bind the host's then (and when the kernel says EPERM). */
        if (ctx->new_userns && !ctx->new_netns)
            r = bind_sys(&mt, err);
        else if ((r = mount_fresh(&mt, type, true, err)) == -EPERM) {
            congo_error_clear(err);
            r = bind_sys(&mt, err);
        }
    } else if (strcmp(type, "cgroup") == 0)
        r = mount_cgroup(&mt, err);
    else
        r = mount_fresh(&mt, type, false, err);
    if (r < 0) {
        if (bind)
            congo_error_wrap(err, r, "%s (%s, bind of `%s`)", where, m->destination, m->source ? m->source : "");
        else
            congo_error_wrap(err, r, "%s (%s, type %s)", where, m->destination, type);
    }
out:
    congo_mount_options_clear(&o);
    return r;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_in_place(char *s)
{
    char *o = s;
    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *o++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
}

/* Make the mount holding the rootfs private if it is shared: pivot_root
 * refuses a shared parent, and the rootfs bind would propagate to the host. */
static int parent_private(const char *rootfs, congo_error *err)
{
    _cleanup_fclose_ FILE *f = NULL;
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    struct statx st;

    if (statx(AT_FDCWD, rootfs, AT_STATX_DONT_SYNC, STATX_MNT_ID, &st) < 0)
        return congo_error_errno(err, "statx");
    f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return congo_error_errno(err, "open /proc/self/mountinfo");
    while (getline(&line, &cap, f) > 0) {
        char *save = NULL, *fields[5] = { 0 }, *dash = strstr(line, " - ");
        unsigned long long id;
        bool shared;
        int nf = 0;

        if (!dash)
            continue;
        *dash = '\0';
        /* Optional fields ("shared:N master:M") come before " - "; no other
         * field holds a space followed by "shared:" (spaces are escaped). */
        shared = strstr(line, " shared:") != NULL;
        for (char *t = strtok_r(line, " ", &save); t && nf < 5; t = strtok_r(NULL, " ", &save))
            fields[nf++] = t;
        if (nf < 5 || sscanf(fields[0], "%llu", &id) != 1 || id != st.stx_mnt_id)
            continue;
        if (!shared)
            return 0;
        unescape_in_place(fields[4]);
        if (mount(NULL, fields[4], NULL, MS_PRIVATE, NULL) < 0)
            return congo_error_errno(err, "make `%s` private", fields[4]);
        return 0;
    }
    return congo_error_set(err, ENOENT, "no mount holding it in /proc/self/mountinfo");
}

static int bind_rootfs(struct congo_rootfs_ctx *ctx, congo_error *err)
{
    struct congo_rootfs_priv *p = ctx->priv;
    char link[32], buf[PATH_MAX];
    ssize_t n;
    int fd;

    if (!congo_mounts_legacy) {
        fd = open_tree(AT_FDCWD, ctx->rootfs, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (fd >= 0) {
            p->rootfd = fd;
            if (move_mount(fd, "", AT_FDCWD, ctx->rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return congo_error_errno(err, "bind onto itself");
            goto done;
        }
        if (errno != ENOSYS)
            return congo_error_errno(err, "open");
        congo_mounts_legacy = true;
    }
    if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        return congo_error_errno(err, "bind onto itself");
    p->rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (p->rootfd < 0)
        return congo_error_errno(err, "open");
done:
    n = readlink(congo_fd_path(link, p->rootfd), buf, sizeof buf - 1);
    if (n < 0)
        return congo_error_errno(err, "readlink");
    buf[n] = '\0';
    p->real = xstrdup(buf);
    p->real_len = n;
    return 0;
}

int congo_rootfs_prepare(struct congo_rootfs_ctx *ctx, congo_error *err)
{
    const oci_config *c = ctx->config;
    const char *propagation = c->linux_ ? c->linux_->rootfs_propagation : NULL;
    struct congo_rootfs_priv *p;
    int r;

    congo_rootfs_ctx_clear(ctx);
    p = ctx->priv = xnew0(struct congo_rootfs_priv, 1);
    p->rootfd = -1;

    /* / rslave by default: the host's mounts still reach the container, but
     * nothing goes back.  Applied to / in this (new) mount namespace. */
    p->propagation = MS_SLAVE | MS_REC;
    if (propagation) {
        if ((r = congo_mount_propagation_parse(&p->propagation, propagation, "linux.rootfsPropagation", err)) < 0)
            return r;
        if (ctx->no_pivot && (p->propagation & MS_PRIVATE))
            return congo_error_set(err, 0, "linux.rootfsPropagation: `%s` is not safe without pivot_root "
                                   "(--no-pivot)", propagation);
        p->propagation_set = true;
    }
    /* An unbindable / could not be bound onto itself (nor could the rootfs
     * when it lies on /): rslave now, unbindable once it is the container's
     * / (congo_rootfs_pivot). */
    if (p->propagation & MS_UNBINDABLE)
        p->propagation = MS_SLAVE | MS_REC;
    if (mount(NULL, "/", NULL, p->propagation, NULL) < 0)
        return congo_error_errno(err, "make / %s", propagation ? propagation : "rslave");
    if (!((p->propagation & MS_REC) && (p->propagation & (MS_SLAVE | MS_PRIVATE))) &&
        (r = parent_private(ctx->rootfs, err)) < 0)
        return congo_error_wrap(err, r, "rootfs `%s`: make its parent mount private", ctx->rootfs);
    if ((r = bind_rootfs(ctx, err)) < 0)
        return congo_error_wrap(err, r, "rootfs `%s`", ctx->rootfs);

    /* /dev gets device nodes and links unless it is a bind (of the host's). */
    p->setup_dev = true;
    for (size_t i = 0; i < c->n_mounts; i++) {
        const oci_mount *m = &c->mounts[i];
        bool bind = streq_ptr(m->type, "bind");
        for (size_t j = 0; !bind && m->options && m->options[j]; j++)
            bind = strcmp(m->options[j], "bind") == 0 || strcmp(m->options[j], "rbind") == 0;
        if (bind && m->destination) {
            _cleanup_free_ char *clean = clean_path(m->destination);
            if (strcmp(clean, "/dev") == 0)
                p->setup_dev = false;
        }
    }

    for (size_t i = 0; i < c->n_mounts; i++) {
        const char *type = c->mounts[i].type;
        if (ctx->before_cgroup && (streq_ptr(type, "cgroup") || streq_ptr(type, "cgroup2"))) {
            if ((r = ctx->before_cgroup(ctx->before_cgroup_data, err)) < 0)
                return r;
            ctx->before_cgroup = NULL;
        }
        if ((r = mount_one(ctx, i, err)) < 0)
            return r;
    }
    if (p->setup_dev && (r = congo_devices_setup(p->rootfd, c->linux_, ctx->new_userns, err)) < 0)
        return r;
    return 0;
}

/* --no-pivot: move the rootfs onto / and chroot.  The host's procfs and
 * sysfs mounts are detached first: while reachable in the mount namespace
 * they would let the container mount a fresh procfs (as runc). */
static int move_root(struct congo_rootfs_ctx *ctx, congo_error *err)
{
    struct congo_rootfs_priv *p = ctx->priv;
    _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
    _cleanup_free_ char *line = NULL;
    _cleanup_strv_ char **points = NULL;
    size_t cap = 0, n = 0;
    char link[32];

    if (!f)
        return congo_error_errno(err, "open /proc/self/mountinfo");
    while (getline(&line, &cap, f) > 0) {
        char *save = NULL, *fields[6] = { 0 }, *dash = strstr(line, " - "), fstype[32];
        int nf = 0;
        if (!dash || sscanf(dash + 3, "%31s", fstype) != 1)
            continue;
        if (strcmp(fstype, "proc") != 0 && strcmp(fstype, "sysfs") != 0)
            continue;
        *dash = '\0';
        for (char *t = strtok_r(line, " ", &save); t && nf < 6; t = strtok_r(NULL, " ", &save))
            fields[nf++] = t;
        if (nf < 5 || strcmp(fields[3], "/") != 0)
            continue;
        unescape_in_place(fields[4]);
        if (strncmp(fields[4], p->real, p->real_len) == 0 &&
            (fields[4][p->real_len] == '/' || fields[4][p->real_len] == '\0'))
            continue;
        points = xrealloc(points, (n + 2) * sizeof *points);
        points[n++] = xstrdup(fields[4]);
        points[n] = NULL;
    }
    /* Deepest first. */
    for (size_t i = n; i-- > 0;) {
        if (mount(NULL, points[i], NULL, MS_SLAVE | MS_REC, NULL) < 0) {
            if (errno == ENOENT)
                continue;
            return congo_error_errno(err, "make `%s` rslave", points[i]);
        }
        if (umount2(points[i], MNT_DETACH) < 0) {
            if (errno != EINVAL && errno != EPERM)
                return congo_error_errno(err, "detach `%s`", points[i]);
            if (mount("tmpfs", points[i], "tmpfs", 0, NULL) < 0)
                return congo_error_errno(err, "cover `%s`", points[i]);
        }
    }
    if (fchdir(p->rootfd) < 0)
        return congo_error_errno(err, "chdir to the rootfs");
    if (mount(congo_fd_path(link, p->rootfd), "/", NULL, MS_MOVE, NULL) < 0 &&
        move_mount(p->rootfd, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return congo_error_errno(err, "move the rootfs onto /");
    if (chroot(".") < 0)
        return congo_error_errno(err, "chroot");
    if (chdir("/") < 0)
        return congo_error_errno(err, "chdir /");
    return 0;
}

/* An explicit rootfsPropagation applied to the container's / (the rootfs
 * bind is private at this point, see parent_private()): unbindable only at
 * the very end, as the readonlyPaths and maskedPaths binds need / bindable. */
static int root_propagation(struct congo_rootfs_ctx *ctx, bool unbindable, congo_error *err)
{
    const char *name = ctx->priv->propagation_set ? ctx->config->linux_->rootfs_propagation : NULL;
    unsigned long flag = 0;

    if (!name || congo_mount_propagation_parse(&flag, name, "linux.rootfsPropagation", err) < 0)
        return 0;
    if (!!(flag & MS_UNBINDABLE) != unbindable)
        return 0;
    if (mount(NULL, "/", NULL, flag, NULL) < 0)
        return congo_error_errno(err, "linux.rootfsPropagation: make the container's / %s", name);
    return 0;
}

int congo_rootfs_pivot(struct congo_rootfs_ctx *ctx, congo_error *err)
{
    struct congo_rootfs_priv *p = ctx->priv;
    int r;

    if (!p || p->rootfd < 0)
        return congo_error_set(err, 0, "rootfs: pivot before prepare");
    if (ctx->no_pivot) {
        if ((r = move_root(ctx, err)) < 0)
            return congo_error_wrap(err, r, "rootfs (--no-pivot)");
    } else {
        _cleanup_close_ int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (oldroot < 0)
            return congo_error_errno(err, "rootfs: open /");
        /* pivot_root(".", "."): the old root ends up on top of the new one,
         * at our cwd; detach it from there (no directory needed in the rootfs). */
        if (fchdir(p->rootfd) < 0)
            return congo_error_errno(err, "rootfs: chdir");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
            return congo_error_errno(err, "rootfs: pivot_root");
        if (fchdir(oldroot) < 0)
            return congo_error_errno(err, "rootfs: chdir to the old root");
        /* Unmounts must not reach the host: already so when / was made
         * rslave or rprivate. */
        if (!((p->propagation & MS_REC) && (p->propagation & (MS_SLAVE | MS_PRIVATE))) &&
            mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
            return congo_error_errno(err, "rootfs: make the old root rslave");
        if (umount2(".", MNT_DETACH) < 0)
            return congo_error_errno(err, "rootfs: detach the old root");
        if (chdir("/") < 0)
            return congo_error_errno(err, "rootfs: chdir /");
    }
    if ((r = root_propagation(ctx, false, err)) < 0)
        return r;
    if (p->setup_dev && (r = congo_devices_reopen_dev_null(err)) < 0)
        return r;
    return 0;
}

/* ---- finalize (after pivot_root: paths are the container's) ---- */

static bool in_namespace(const oci_config *c, enum oci_namespace_type t)
{
    for (size_t i = 0; c->linux_ && i < c->linux_->n_namespaces; i++)
        if (c->linux_->namespaces[i].type == t)
            return true;
    return false;
}

/* The sysctls that are namespaced, and by what (as runc validates them): any
 * other write would change the host. */
static int check_sysctl(const oci_config *c, const char *key, congo_error *err)
{
    static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                       "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
                                       NULL };
    for (size_t i = 0; ipc[i]; i++)
        if (strcmp(key, ipc[i]) == 0)
            goto ipc;
    if (str_has_prefix(key, "fs.mqueue.") || str_has_prefix(key, "fs/mqueue/"))
        goto ipc;
    if (str_has_prefix(key, "net.") || str_has_prefix(key, "net/")) {
        if (in_namespace(c, OCI_NS_NETWORK))
            return 0;
        return congo_error_set(err, 0, "it would change the host: the container has no network namespace");
    }
    if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0) {
        if (in_namespace(c, OCI_NS_UTS))
            return 0;
        return congo_error_set(err, 0, "it would change the host: the container has no UTS namespace");
    }
    return congo_error_set(err, 0, "not a namespaced sysctl: it would change the host");
ipc:
    if (in_namespace(c, OCI_NS_IPC))
        return 0;
    return congo_error_set(err, 0, "it would change the host: the container has no IPC namespace");
}

static int write_sysctls(const oci_config *c, congo_error *err)
{
    const oci_map *m = &c->linux_->sysctl;
    _cleanup_close_ int dir = -1;
    struct statfs sfs;

    if (!m->n)
        return 0;
    dir = congo_openat2(AT_FDCWD, "/proc/sys", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    if (dir < 0 || fstatfs(dir, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
        return congo_error_set(err, dir < 0 ? -dir : ENOENT, "linux.sysctl: /proc/sys is not procfs (mount proc "
                               "at /proc)");
    for (size_t i = 0; i < m->n; i++) {
        const char *key = m->keys[i], *value = m->values[i] ? m->values[i] : "";
        _cleanup_free_ char *path = xstrdup(key);
        _cleanup_close_ int fd = -1;
        int r;

        if ((r = check_sysctl(c, key, err)) < 0)
            return congo_error_wrap(err, r, "linux.sysctl `%s`", key);
        /* net.ipv4.conf.eth0/1.forwarding style keys keep their dots (sysctl(8)). */
        if (!strchr(path, '/'))
            for (char *s = path; *s; s++)
                if (*s == '.')
                    *s = '/';
        if (!*key || path[0] == '/' || strstr(path, "..") || strstr(path, "//"))
            return congo_error_set(err, 0, "linux.sysctl `%s`: not a sysctl name", key);
        fd = congo_openat2(dir, path, O_WRONLY, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV);
        if (fd < 0)
            return congo_error_set(err, -fd, "linux.sysctl `%s` = `%s`: open /proc/sys/%s", key, value, path);
        if (write(fd, value, strlen(value)) < 0)
            return congo_error_errno(err, "linux.sysctl `%s` = `%s`: write /proc/sys/%s", key, value, path);
    }
    return 0;
}

static int readonly_path(const char *path, congo_error *err)
{
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
    _cleanup_close_ int tree = -1;

    if (!congo_mounts_legacy) {
        tree = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (tree < 0 && errno == ENOENT)
            return 0;
        if (tree >= 0) {
            /* Read-only all the way down; nosuid, nodev, noexec stay. */
            if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
                return congo_error_errno(err, "make read-only");
            if (move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return congo_error_errno(err, "move_mount");
            return 0;
        }
        if (errno != ENOSYS)
            return congo_error_errno(err, "open_tree");
        congo_mounts_legacy = true;
    }
    if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
        return errno == ENOENT ? 0 : congo_error_errno(err, "bind");
    struct statfs sfs;
    unsigned long keep = 0;
    if (statfs(path, &sfs) == 0)
        keep = (sfs.f_flags & ST_NOSUID ? MS_NOSUID : 0) | (sfs.f_flags & ST_NODEV ? MS_NODEV : 0) |
               (sfs.f_flags & ST_NOEXEC ? MS_NOEXEC : 0);
    if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) < 0)
        return congo_error_errno(err, "remount read-only");
    return 0;
}

/* Mask with the null device: checked to be one (CVE-2025-31133: a /dev/null
 * replaced by a link to a procfs file would make the mask a way in). */
static int open_dev_null(congo_error *err)
{
    int fd = congo_openat2(AT_FDCWD, "/dev/null", O_PATH, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    struct stat st;

    if (fd < 0)
        return congo_error_set(err, -fd, "linux.maskedPaths: open /dev/null");
    if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
        close(fd);
        return congo_error_set(err, 0, "linux.maskedPaths: /dev/null is not the null device (1:3)");
    }
    return fd;
}

static int mask_path(int nullfd, const char *path, congo_error *err)
{
    _cleanup_close_ int tree = -1;
    struct stat st;
    char link[32];

    /* Look first: a bind that fails (missing path, directory) costs a mount
     * clone to tear down, which waits for an RCU grace period. */
    if (stat(path, &st) < 0)
        return errno == ENOENT || errno == ENOTDIR ? 0 : congo_error_errno(err, "stat");
    if (S_ISDIR(st.st_mode)) {
        /* An empty read-only tmpfs over a directory. */
        if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0)
            return congo_error_errno(err, "mount a read-only tmpfs");
        return 0;
    }
    if (!congo_mounts_legacy) {
        tree = open_tree(nullfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        if (tree < 0 && errno != ENOSYS)
            return congo_error_errno(err, "open_tree /dev/null");
        if (tree < 0)
            congo_mounts_legacy = true;
    }
    if (tree >= 0 ? move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0
                  : mount(congo_fd_path(link, nullfd), path, NULL, MS_BIND, NULL) < 0)
        return congo_error_errno(err, "bind /dev/null");
    return 0;
}

int congo_rootfs_finalize(struct congo_rootfs_ctx *ctx, congo_error *err)
{
    const oci_config *c = ctx->config;
    struct congo_rootfs_priv *p = ctx->priv;
    const oci_linux *l = c->linux_;
    int r = 0;

    if (!p)
        return congo_error_set(err, 0, "rootfs: finalize before prepare");
    /* tmpfs and /dev mounts asked read-only. */
    for (size_t i = 0; i < p->n_ro; i++) {
        const oci_mount *m = &c->mounts[p->ro[i].index];
        if ((r = congo_make_readonly(p->ro[i].fd, false, err)) < 0) {
            congo_error_wrap(err, r, "mounts[%zu] (%s, type %s)", p->ro[i].index, m->destination, m->type);
            goto out;
        }
    }
    if (c->root.readonly) {
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
        if (congo_mounts_legacy || mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof attr) < 0) {
            struct statfs sfs;
            unsigned long keep = 0;
            if (!congo_mounts_legacy && errno != ENOSYS) {
                r = congo_error_errno(err, "root.readonly: make / read-only");
                goto out;
            }
            if (statfs("/", &sfs) == 0)
                keep = (sfs.f_flags & ST_NOSUID ? MS_NOSUID : 0) | (sfs.f_flags & ST_NODEV ? MS_NODEV : 0) |
                       (sfs.f_flags & ST_NOEXEC ? MS_NOEXEC : 0) | (sfs.f_flags & ST_NOATIME ? MS_NOATIME : 0) |
                       (sfs.f_flags & ST_RELATIME ? MS_RELATIME : 0);
            if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) < 0) {
                r = congo_error_errno(err, "root.readonly: make / read-only");
                goto out;
            }
        }
    }
    if (l && (r = write_sysctls(c, err)) < 0)
        goto out;
    for (size_t i = 0; l && l->readonly_paths && l->readonly_paths[i]; i++)
        if ((r = readonly_path(l->readonly_paths[i], err)) < 0) {
            congo_error_wrap(err, r, "linux.readonlyPaths[%zu] (%s)", i, l->readonly_paths[i]);
            goto out;
        }
    if (l && l->masked_paths && l->masked_paths[0]) {
        _cleanup_close_ int nullfd = open_dev_null(err);
        if (nullfd < 0) {
            r = nullfd;
            goto out;
        }
        for (size_t i = 0; l->masked_paths[i]; i++)
            if ((r = mask_path(nullfd, l->masked_paths[i], err)) < 0) {
                congo_error_wrap(err, r, "linux.maskedPaths[%zu] (%s)", i, l->masked_paths[i]);
                goto out;
            }
    }
    r = root_propagation(ctx, true, err);
out:
    congo_rootfs_ctx_clear(ctx);
    return r;
}
