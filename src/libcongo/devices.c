/* Device nodes and /dev links in the container's rootfs (see devices.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devices.h"
#include "mounts.h"
#include "utils.h"

struct node {
    const char *path;
    mode_t type;     /* S_IFCHR, S_IFBLK, S_IFIFO */
    dev_t rdev;
    mode_t mode;
    uid_t uid;
    gid_t gid;
};

static const struct { const char *path; unsigned major, minor; } default_devices[] = {
    { "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 },
    { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

/* Bind the host's node of the same path onto the node's place in the root. */
static int bind_node(int rootfd, int pfd, const char *name, const struct node *n, congo_error *err)
{
    _cleanup_close_ int target = -1, tree = -1;
    struct stat st;
    bool is_dir;
    int r;

    /* The place: an existing non-directory (but never a symlink, which could
     * send the bind elsewhere), or a new empty file. */
    if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(st.st_mode))
            return congo_error_set(err, EISDIR, "`%s` is a directory", n->path);
        if (S_ISLNK(st.st_mode) && unlinkat(pfd, name, 0) < 0)
            return congo_error_errno(err, "remove the symlink `%s`", n->path);
    }
    target = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (target < 0) {
        target = openat(pfd, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (target < 0)
            return congo_error_errno(err, "create `%s`", n->path);
    }
    if ((r = congo_bind_create(&tree, n->path, false, &is_dir, err)) < 0)
        return congo_error_wrap(err, r, "bind from the host");
    struct congo_attach a = {
        .rootfd = rootfd, .dest = n->path, .mntfd = tree, .bind_source = n->path,
    };
    if ((r = congo_attach(&a, target, NULL, err)) < 0)
        return congo_error_wrap(err, r, "bind `%s` from the host", n->path);
    return 0;
}

/* devfd: the rootfs' /dev, opened by the first node made there and kept for
 * the others (the defaults are all there: one lookup instead of six). */
static int make_node(int rootfd, int *devfd, const struct node *n, bool bind, congo_error *err)
{
    _cleanup_free_ char *parent = xstrdup(n->path);
    _cleanup_close_ int own_pfd = -1;
    char *slash = strrchr(parent, '/');
    const char *name;
    struct stat st;
    int pfd, r;

    if (!slash || !slash[1] || strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0)
        return congo_error_set(err, 0, "`%s` is not the path of a device node", n->path);
    name = n->path + (slash - parent) + 1;
    *slash = '\0';
    if (strcmp(parent, "/dev") == 0) {
        if (*devfd < 0 && (*devfd = congo_open_in_root(rootfd, "/dev", CONGO_PATH_DIR, 0, NULL, err)) < 0)
            return *devfd;
        pfd = *devfd;
    } else {
        pfd = own_pfd = congo_open_in_root(rootfd, *parent ? parent : "/", CONGO_PATH_DIR, 0, NULL, err);
        if (pfd < 0)
            return pfd;
    }
    if (bind)
        return bind_node(rootfd, pfd, name, n, err);

    for (int attempt = 0;; attempt++) {
        if (mknodat(pfd, name, n->type | n->mode, n->rdev) == 0)
            break;
        if (errno == EPERM)
            return bind_node(rootfd, pfd, name, n, err);
        if (errno != EEXIST || attempt > 0)
            return congo_error_errno(err, "mknod `%s`", n->path);
        /* Already there: keep the right node, replace anything else (never
         * follow what the rootfs put there). */
        if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return congo_error_errno(err, "stat `%s`", n->path);
        if ((st.st_mode & S_IFMT) == n->type && (n->type == S_IFIFO || st.st_rdev == n->rdev))
            return 0;
        if (S_ISDIR(st.st_mode))
            return congo_error_set(err, EISDIR, "mknod `%s`: a directory is in the way", n->path);
        if (unlinkat(pfd, name, 0) < 0)
            return congo_error_errno(err, "replace `%s`", n->path);
    }
    if ((n->uid || n->gid) && fchownat(pfd, name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0) {
        r = congo_error_errno(err, "chown `%s` to %u:%u", n->path, (unsigned) n->uid, (unsigned) n->gid);
        return r;
    }
    return 0;
}

static int dev_links(int rootfd, int *devfd, congo_error *err)
{
    static const char *const links[][2] = {
        { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
        { "/proc/self/fd/2", "stderr" }, { "/proc/kcore", "core" },
    };
    static int have_kcore = -1;

    if (*devfd < 0 && (*devfd = congo_open_in_root(rootfd, "/dev", CONGO_PATH_DIR, 0, NULL, err)) < 0)
        return *devfd;
    /* ptmx: the one of the container's devpts instance. */
    if (unlinkat(*devfd, "ptmx", 0) < 0 && errno != ENOENT &&
        !(errno == EISDIR && unlinkat(*devfd, "ptmx", AT_REMOVEDIR) == 0))
        return congo_error_errno(err, "remove /dev/ptmx");
    if (symlinkat("pts/ptmx", *devfd, "ptmx") < 0)
        return congo_error_errno(err, "symlink /dev/ptmx");
    /* kcore can be configured out of the kernel: link it only if the host has it. */
    if (have_kcore < 0)
        have_kcore = access("/proc/kcore", F_OK) == 0;
    for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
        if (!have_kcore && strcmp(links[i][1], "core") == 0)
            continue;
        if (symlinkat(links[i][0], *devfd, links[i][1]) < 0 && errno != EEXIST)
            return congo_error_errno(err, "symlink /dev/%s", links[i][1]);
    }
    return 0;
}

int congo_devices_setup(int rootfd, const oci_linux *linux_, bool bind_from_host, congo_error *err)
{
    size_t n_devices = linux_ ? linux_->n_devices : 0;
    _cleanup_close_ int devfd = -1;
    mode_t old_umask = umask(0);
    int r = 0;

    for (size_t i = 0; i < ARRAY_SIZE(default_devices) && r == 0; i++) {
        bool overridden = false;
        for (size_t j = 0; j < n_devices && !overridden; j++)
            overridden = streq_ptr(linux_->devices[j].path, default_devices[i].path);
        if (overridden)
            continue;
        struct node n = {
            .path = default_devices[i].path, .type = S_IFCHR, .mode = 0666,
            .rdev = makedev(default_devices[i].major, default_devices[i].minor),
        };
        if ((r = make_node(rootfd, &devfd, &n, bind_from_host, err)) < 0)
            congo_error_wrap(err, r, "default device %s", n.path);
    }
    for (size_t i = 0; i < n_devices && r == 0; i++) {
        const oci_device *d = &linux_->devices[i];
        struct node n = { .path = d->path, .mode = 0666 };

        /* /dev/ptmx is the link to the container's devpts instance. */
        if (streq_ptr(d->path, "/dev/ptmx"))
            continue;
        if (!d->path || d->path[0] != '/') {
            r = congo_error_set(err, 0, "linux.devices[%zu].path: `%s` is not an absolute path", i,
                                d->path ? d->path : "");
            break;
        }
        if (streq_ptr(d->type, "c") || streq_ptr(d->type, "u"))
            n.type = S_IFCHR;
        else if (streq_ptr(d->type, "b"))
            n.type = S_IFBLK;
        else if (streq_ptr(d->type, "p"))
            n.type = S_IFIFO;
        else {
            r = congo_error_set(err, 0, "linux.devices[%zu].type: unknown device type `%s` (expected c, b, u "
                                "or p)", i, d->type ? d->type : "");
            break;
        }
        if (n.type != S_IFIFO)
            n.rdev = makedev(d->major, d->minor);
        if (d->file_mode.set)
            n.mode = d->file_mode.value & 07777;
        if (d->uid.set)
            n.uid = d->uid.value;
        if (d->gid.set)
            n.gid = d->gid.value;
        if ((r = make_node(rootfd, &devfd, &n, bind_from_host, err)) < 0)
            congo_error_wrap(err, r, "linux.devices[%zu] (%s)", i, d->path);
    }
    umask(old_umask);
    if (r < 0)
        return r;
    if ((r = dev_links(rootfd, &devfd, err)) < 0)
        return r;
    return 0;
}

int congo_devices_reopen_dev_null(congo_error *err)
{
    _cleanup_close_ int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    struct stat null_st, st;

    if (fd < 0 || fstat(fd, &null_st) < 0)
        return congo_error_errno(err, "open the container's /dev/null");
    for (int i = 0; i < 3; i++) {
        if (fstat(i, &st) < 0)
            continue;
        if (S_ISCHR(st.st_mode) && st.st_rdev == null_st.st_rdev && dup3(fd, i, 0) < 0)
            return congo_error_errno(err, "reopen fd %d on the container's /dev/null", i);
    }
    return 0;
}
