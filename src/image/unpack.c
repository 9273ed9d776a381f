/* Layer unpacking (see unpack.h). */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>

#include "image/unpack.h"
#include "image/whiteout.h"
#include "libcongo/log.h"
#include "libcongo/utils.h"

#define READ_BLOCK (1u << 20)

int layer_path_clean(const char *in, char **out, congo_error *err)
{
    size_t n = strlen(in);
    char *r = xmalloc(n + 2), *w = r;
    const char *p = in;

    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t) (e - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            free(r);
            return congo_error_set(err, EINVAL, "`..` component");
        }
        if (len > LAYER_NAME_MAX) {
            free(r);
            return congo_error_set(err, ENAMETOOLONG, "a component of %zu bytes, more than the limit of %d", len,
                                   LAYER_NAME_MAX);
        }
        if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (w != r)
                *w++ = '/';
            memcpy(w, p, len);
            w += len;
        }
        p += len;
        while (*p == '/')
            p++;
    }
    if ((size_t) (w - r) > LAYER_PATH_MAX) {
        size_t plen = w - r;
        free(r);
        return congo_error_set(err, ENAMETOOLONG, "a path of %zu bytes, more than the limit of %d", plen,
                               LAYER_PATH_MAX);
    }
    if (w == r)
        *w++ = '.';
    *w = '\0';
    *out = r;
    return 0;
}

struct dir_time {
    char *path;
    struct timespec ts[2];
};

/* Decompression (and hashing) on a thread of its own, feeding the tar
 * reader through a few 1 MiB chunks: used when there are fewer layers to
 * unpack than CPUs, so that one big layer uses two of them. */
#define PIPE_CHUNK (1u << 20)
#define PIPE_DEPTH 4

struct pipe {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct { char *buf; size_t len; } q[PIPE_DEPTH];
    size_t head, count;
    char *spare[PIPE_DEPTH + 2];
    size_t nspare;
    char *current;         /* the chunk the tar reader has now */
    bool eof, failed, cancel;
    char *errmsg;
};

struct unpack_ctx {
    struct archive *raw;   /* decompression: the layer as one raw stream */
    struct archive *tar;   /* the tar reader fed from `raw` */
    struct hasher h;
    struct pipe *pipe;     /* NULL: decompression in this thread */
    bool raw_failed;
    int root_fd;
    congo_error *err;
    char *cache_path;      /* last parent directory opened */
    int cache_fd;
    struct dir_time *dirs;
    size_t n_dirs, cap_dirs;
    struct unpack_stats stats;
};

static char *pipe_buffer(struct pipe *p)
{
    return p->nspare ? p->spare[--p->nspare] : xmalloc(PIPE_CHUNK);
}

static void pipe_recycle(struct pipe *p, char *b)
{
    if (!b)
        return;
    if (p->nspare < ARRAY_SIZE(p->spare))
        p->spare[p->nspare++] = b;
    else
        free(b);
}

/* Queue a chunk; false when cancelled.  The lock is held. */
static bool pipe_push(struct pipe *p, char *b, size_t len)
{
    while (p->count == PIPE_DEPTH && !p->cancel)
        pthread_cond_wait(&p->cond, &p->lock);
    if (p->cancel) {
        pipe_recycle(p, b);
        return false;
    }
    p->q[(p->head + p->count) % PIPE_DEPTH].buf = b;
    p->q[(p->head + p->count) % PIPE_DEPTH].len = len;
    p->count++;
    pthread_cond_broadcast(&p->cond);
    return true;
}

static void *pipe_producer(void *data)
{
    struct unpack_ctx *c = data;
    struct pipe *p = c->pipe;
    char *fill = NULL;
    size_t fill_len = 0;

    for (;;) {
        const void *b;
        size_t size;
        la_int64_t off;
        int r = archive_read_data_block(c->raw, &b, &size, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            pthread_mutex_lock(&p->lock);
            p->failed = true;
            p->errmsg = xstrdup(archive_error_string(c->raw) ? archive_error_string(c->raw) : "decompression failed");
            pthread_mutex_unlock(&p->lock);
            break;
        }
        hasher_update(&c->h, b, size);
        while (size > 0) {
            size_t k;
            if (!fill) {
                pthread_mutex_lock(&p->lock);
                fill = pipe_buffer(p);
                pthread_mutex_unlock(&p->lock);
            }
            k = PIPE_CHUNK - fill_len < size ? PIPE_CHUNK - fill_len : size;
            memcpy(fill + fill_len, b, k);
            fill_len += k;
            b = (const char *) b + k;
            size -= k;
            if (fill_len == PIPE_CHUNK) {
                bool ok;
                pthread_mutex_lock(&p->lock);
                ok = pipe_push(p, fill, fill_len);
                pthread_mutex_unlock(&p->lock);
                fill = NULL;
                fill_len = 0;
                if (!ok)
                    return NULL;
            }
        }
    }
    pthread_mutex_lock(&p->lock);
    if (fill && fill_len)
        pipe_push(p, fill, fill_len);
    else
        pipe_recycle(p, fill);
    p->eof = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* The next chunk of the pipe (0 at the end, -1 when decompression failed). */
static la_ssize_t pipe_read(struct unpack_ctx *c, struct archive *a, const void **buf)
{
    struct pipe *p = c->pipe;
    la_ssize_t n;
    pthread_mutex_lock(&p->lock);
    pipe_recycle(p, p->current);
    p->current = NULL;
    while (p->count == 0 && !p->eof)
        pthread_cond_wait(&p->cond, &p->lock);
    if (p->count > 0) {
        p->current = p->q[p->head].buf;
        n = p->q[p->head].len;
        p->head = (p->head + 1) % PIPE_DEPTH;
        p->count--;
        pthread_cond_broadcast(&p->cond);
        *buf = p->current;
    } else if (p->failed) {
        c->raw_failed = true;
        if (a)
            archive_set_error(a, EIO, "%s", p->errmsg);
        n = -1;
    } else {
        n = 0;
    }
    pthread_mutex_unlock(&p->lock);
    return n;
}

static int pipe_start(struct unpack_ctx *c)
{
    struct pipe *p = xzalloc(sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    c->pipe = p;
    if (pthread_create(&p->thread, NULL, pipe_producer, c) != 0) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->cond);
        free(p);
        c->pipe = NULL;
        return -1;
    }
    return 0;
}

static void pipe_stop(struct unpack_ctx *c)
{
    struct pipe *p = c->pipe;
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->cancel = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    for (size_t i = 0; i < p->count; i++)
        free(p->q[(p->head + i) % PIPE_DEPTH].buf);
    free(p->current);
    for (size_t i = 0; i < p->nspare; i++)
        free(p->spare[i]);
    free(p->errmsg);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    free(p);
    c->pipe = NULL;
}

static la_ssize_t raw_read(struct archive *a, void *data, const void **buf)
{
    struct unpack_ctx *c = data;
    const void *b;
    size_t size;
    la_int64_t off;
    int r;
    if (c->pipe)
        return pipe_read(c, a, buf);
    r = archive_read_data_block(c->raw, &b, &size, &off);
    if (r == ARCHIVE_EOF)
        return 0;
    if (r < ARCHIVE_WARN) {
        c->raw_failed = true;
        archive_set_error(a, archive_errno(c->raw) > 0 ? archive_errno(c->raw) : EIO, "%s",
                          archive_error_string(c->raw) ? archive_error_string(c->raw) : "decompression failed");
        return -1;
    }
    hasher_update(&c->h, b, size);
    *buf = b;
    return size;
}

static int do_openat2(int dirfd, const char *path, int flags)
{
    struct open_how how = {
        .flags = flags | O_CLOEXEC,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    int fd;
    do
        fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    while (fd < 0 && errno == EAGAIN);
    return fd;
}

static bool is_whiteout_dev(const struct stat *st)
{
    return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static enum whiteout_existing existing_at(int dfd, const char *name)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return EXISTING_NONE;
    if (is_whiteout_dev(&st))
        return EXISTING_WHITEOUT;
    if (S_ISDIR(st.st_mode))
        return EXISTING_DIR;
    return EXISTING_OTHER;
}

/* fchown failed: rootless, EINVAL is an id the user namespace does not map
 * (congo_userns_become_root maps the user's subordinate range). */
static int owner_error(congo_error *err, const char *what, unsigned uid, unsigned gid)
{
    if (errno == EINVAL && image_in_userns())
        return congo_error_set(err, EINVAL,
                               "%s: owner %u:%u is not mapped rootless (root is the user, 1..N its first range in "
                               "/etc/subuid and /etc/subgid: the user needs one covering these ids)",
                               what, uid, gid);
    return congo_error_errno(err, "%s", what);
}

static int set_opaque_at(int dfd, const char *name, congo_error *err)
{
    _cleanup_close_ int fd = name ? openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
    if (name && fd < 0)
        return congo_error_errno(err, "open directory `%s`", name);
    if (fsetxattr(name ? fd : dfd, OVERLAY_OPAQUE_XATTR, "y", 1, 0) < 0)
        return congo_error_errno(err, "set xattr %s (overlay needs a filesystem with %s xattrs)", OVERLAY_OPAQUE_XATTR,
                                 image_in_userns() ? "user" : "trusted");
    return 0;
}

/* Resolve (creating missing directories) `dir` under the layer root, one
 * component at a time, to name the component that is a symlink or a
 * non-directory. */
static int walk_parent(struct unpack_ctx *c, const char *dir, int *out)
{
    _cleanup_free_ char *copy = xstrdup(dir);
    int cur = -1;
    char *p = copy;

    for (;;) {
        char *slash = strchr(p, '/');
        int fd;
        if (slash)
            *slash = '\0';
        fd = do_openat2(cur >= 0 ? cur : c->root_fd, p, O_RDONLY | O_DIRECTORY);
        if (fd < 0 && errno == ENOENT) {
            if (mkdirat(cur >= 0 ? cur : c->root_fd, p, 0755) < 0 && errno != EEXIST) {
                int r = congo_error_errno(c->err, "create directory `%s`", copy);
                if (cur >= 0)
                    close(cur);
                return r;
            }
            fd = do_openat2(cur >= 0 ? cur : c->root_fd, p, O_RDONLY | O_DIRECTORY);
        }
        if (fd < 0 && errno == ENOTDIR && existing_at(cur >= 0 ? cur : c->root_fd, p) == EXISTING_WHITEOUT) {
            /* Deleted by a whiteout, then made again implicitly: a new
             * directory that hides the lower one. */
            int dfd = cur >= 0 ? cur : c->root_fd;
            if (unlinkat(dfd, p, 0) == 0 && mkdirat(dfd, p, 0755) == 0 && set_opaque_at(dfd, p, c->err) == 0)
                fd = do_openat2(dfd, p, O_RDONLY | O_DIRECTORY);
        }
        if (fd < 0) {
            int r;
            if (errno == ELOOP)
                r = congo_error_set(c->err, ELOOP, "`%s` is a symbolic link: refusing to write through it", copy);
            else if (errno == ENOTDIR)
                r = congo_error_set(c->err, ENOTDIR, "`%s` is not a directory", copy);
            else if (errno == EXDEV)
                r = congo_error_set(c->err, EXDEV, "`%s` leaves the layer directory", copy);
            else
                r = congo_error_errno(c->err, "open directory `%s`", copy);
            if (cur >= 0)
                close(cur);
            return r;
        }
        if (cur >= 0)
            close(cur);
        cur = fd;
        if (!slash)
            break;
        *slash = '/';
        p = slash + 1;
    }
    *out = cur;
    return 0;
}

static void cache_drop(struct unpack_ctx *c)
{
    if (c->cache_fd >= 0)
        close(c->cache_fd);
    c->cache_fd = -1;
    free(c->cache_path);
    c->cache_path = NULL;
}

/* The fd of a parent directory (borrowed: do not close). */
static int get_parent(struct unpack_ctx *c, const char *dir, int *out)
{
    int fd, r;
    if (strcmp(dir, ".") == 0) {
        *out = c->root_fd;
        return 0;
    }
    if (c->cache_path && strcmp(c->cache_path, dir) == 0) {
        *out = c->cache_fd;
        return 0;
    }
    cache_drop(c);
    fd = do_openat2(c->root_fd, dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0 && (r = walk_parent(c, dir, &fd)) < 0)
        return r;
    c->cache_path = xstrdup(dir);
    c->cache_fd = fd;
    *out = fd;
    return 0;
}

/* An entry replaces `path`: a cached parent at or below it is stale. */
static void cache_invalidate(struct unpack_ctx *c, const char *path)
{
    size_t n = strlen(path);
    if (c->cache_path && strncmp(c->cache_path, path, n) == 0 && (c->cache_path[n] == '\0' || c->cache_path[n] == '/'))
        cache_drop(c);
}

static int apply_xattrs(struct unpack_ctx *c, struct archive_entry *e, int fd, int dfd, const char *base)
{
    const char *name;
    const void *value;
    size_t size;
    if (archive_entry_xattr_reset(e) == 0)
        return 0;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
        int r;
        /* Overlay's own xattrs would forge whiteouts, redirects and metacopy. */
        if (str_has_prefix(name, "trusted.overlay.") || str_has_prefix(name, "user.overlay.")) {
            congo_debug("layer: entry `%s`: dropped xattr %s", archive_entry_pathname(e), name);
            continue;
        }
        if (fd >= 0) {
            r = fsetxattr(fd, name, value, size, 0);
        } else {
            char proc[64 + 4096];
            snprintf(proc, sizeof proc, "/proc/self/fd/%d/%s", dfd, base);
            r = lsetxattr(proc, name, value, size, 0);
        }
        if (r < 0) {
            if (errno == ENOTSUP || errno == EPERM)
                congo_debug("layer: entry `%s`: xattr %s not kept: %s", archive_entry_pathname(e), name, strerror(errno));
            else
                return congo_error_errno(c->err, "set xattr %s", name);
        }
    }
    return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
    ts[1].tv_sec = archive_entry_mtime(e);
    ts[1].tv_nsec = archive_entry_mtime_nsec(e);
    if (archive_entry_atime_is_set(e)) {
        ts[0].tv_sec = archive_entry_atime(e);
        ts[0].tv_nsec = archive_entry_atime_nsec(e);
    } else {
        ts[0] = ts[1];
    }
}

static int write_data(struct unpack_ctx *c, int fd, struct archive_entry *e)
{
    const void *buf;
    size_t size;
    la_int64_t off, end = 0;
    for (;;) {
        int r = archive_read_data_block(c->tar, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN)
            return congo_error_set(c->err, 0, "%s", archive_error_string(c->tar));
        const char *p = buf;
        while (size > 0) {
            ssize_t n = pwrite(fd, p, size, off);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return congo_error_errno(c->err, "write");
            }
            p += n;
            off += n;
            size -= n;
            c->stats.bytes += n;
        }
        if (off > end)
            end = off;
    }
    if (archive_entry_size_is_set(e) && archive_entry_size(e) > end && ftruncate(fd, archive_entry_size(e)) < 0)
        return congo_error_errno(c->err, "truncate");
    return 0;
}

static void defer_dir_time(struct unpack_ctx *c, const char *path, struct archive_entry *e)
{
    if (c->n_dirs == c->cap_dirs) {
        c->cap_dirs = c->cap_dirs ? c->cap_dirs * 2 : 64;
        c->dirs = xrealloc(c->dirs, c->cap_dirs * sizeof *c->dirs);
    }
    c->dirs[c->n_dirs].path = xstrdup(path);
    entry_times(e, c->dirs[c->n_dirs].ts);
    c->n_dirs++;
}

static int do_whiteout(struct unpack_ctx *c, int pfd, const char *target)
{
    int actions = whiteout_action_for_whiteout(existing_at(pfd, target));
    if ((actions & ACTION_MKNOD_WHITEOUT) && mknodat(pfd, target, S_IFCHR | 0, makedev(0, 0)) < 0)
        return congo_error_errno(c->err, "create whiteout `%s`", target);
    if (actions & ACTION_SET_OPAQUE)
        return set_opaque_at(pfd, target, c->err);
    return 0;
}

static int do_hardlink(struct unpack_ctx *c, int pfd, const char *base, const char *target)
{
    _cleanup_free_ char *clean = NULL, *tdir = NULL;
    const char *tbase;
    char *slash;
    int tfd, r;
    struct stat st;

    if ((r = layer_path_clean(target, &clean, c->err)) < 0) {
        if (r == -ENAMETOOLONG)
            return congo_error_wrap(c->err, r, "hardlink target `%.200s`", target);
        return congo_error_set(c->err, EINVAL, "hardlink target `%s` has a `..` component", target);
    }
    slash = strrchr(clean, '/');
    tdir = slash ? xstrndup(clean, slash - clean) : xstrdup(".");
    tbase = slash ? slash + 1 : clean;
    if (strcmp(clean, ".") == 0)
        return congo_error_set(c->err, EINVAL, "hardlink target `%s` is the layer root", target);
    if (strcmp(tdir, ".") == 0) {
        tfd = c->root_fd;
    } else {
        tfd = do_openat2(c->root_fd, tdir, O_PATH | O_DIRECTORY);
        if (tfd < 0) {
            if (errno == ELOOP)
                return congo_error_set(c->err, ELOOP, "hardlink target `%s`: `%s` is a symbolic link", target, tdir);
            return congo_error_set(c->err, errno, "hardlink target `%s` is not in the layer", target);
        }
    }
    if (fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        r = congo_error_set(c->err, ENOENT, "hardlink target `%s` is not in the layer", target);
    } else if (S_ISDIR(st.st_mode)) {
        r = congo_error_set(c->err, EPERM, "hardlink target `%s` is a directory", target);
    } else if (linkat(tfd, tbase, pfd, base, 0) < 0) {
        r = congo_error_errno(c->err, "hardlink to `%s`", target);
    } else {
        r = 0;
    }
    if (tfd != c->root_fd)
        close(tfd);
    return r;
}

static int create_entry(struct unpack_ctx *c, struct archive_entry *e, const char *path, int pfd, const char *base)
{
    mode_t type = archive_entry_filetype(e);
    mode_t perm = archive_entry_perm(e) & 07777;
    uid_t uid = (uid_t) archive_entry_uid(e);
    gid_t gid = (gid_t) archive_entry_gid(e);
    const char *link = archive_entry_hardlink(e);
    struct timespec ts[2];
    int actions, r;
    bool is_dir = !link && type == AE_IFDIR;

    actions = whiteout_action_for_entry(existing_at(pfd, base), is_dir);
    if (actions & ACTION_REMOVE) {
        cache_invalidate(c, path);
        if (unlinkat(pfd, base, 0) < 0) {
            if (errno == EISDIR || errno == EPERM || errno == ENOTEMPTY) {
                if ((r = rm_rf_at(pfd, base, c->err)) < 0)
                    return r;
            } else if (errno != ENOENT) {
                return congo_error_errno(c->err, "replace `%s`", path);
            }
        }
    }
    entry_times(e, ts);
    if (link)
        return do_hardlink(c, pfd, base, link);

    switch (type) {
    case AE_IFDIR: {
        _cleanup_close_ int fd = -1;
        if ((actions & ACTION_CREATE) && mkdirat(pfd, base, 0700) < 0)
            return congo_error_errno(c->err, "create directory");
        fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return congo_error_errno(c->err, "open directory");
        if (fchown(fd, uid, gid) < 0 || fchmod(fd, perm) < 0)
            return owner_error(c->err, "set owner and mode", uid, gid);
        if ((r = apply_xattrs(c, e, fd, pfd, base)) < 0)
            return r;
        if (actions & ACTION_SET_OPAQUE && (r = set_opaque_at(fd, NULL, c->err)) < 0)
            return r;
        defer_dir_time(c, path, e);
        return 0;
    }
    case AE_IFREG: {
        _cleanup_close_ int fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return congo_error_errno(c->err, "create file");
        if ((r = write_data(c, fd, e)) < 0)
            return r;
        if (fchown(fd, uid, gid) < 0 || fchmod(fd, perm) < 0)
            return owner_error(c->err, "set owner and mode", uid, gid);
        if ((r = apply_xattrs(c, e, fd, pfd, base)) < 0)
            return r;
        if (futimens(fd, ts) < 0)
            return congo_error_errno(c->err, "set times");
        return 0;
    }
    case AE_IFLNK: {
        const char *target = archive_entry_symlink(e);
        if (!target)
            return congo_error_set(c->err, EINVAL, "symbolic link without a target");
        if (symlinkat(target, pfd, base) < 0)
            return congo_error_errno(c->err, "create symbolic link");
        if (fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
            return owner_error(c->err, "set owner", uid, gid);
        if ((r = apply_xattrs(c, e, -1, pfd, base)) < 0)
            return r;
        if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
            return congo_error_errno(c->err, "set times");
        return 0;
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
        dev_t dev = type == AE_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
        if (mknodat(pfd, base, type | perm, dev) < 0) {
            /* Rootless (a user namespace): no device nodes, as podman; a
             * container's devices come from the runtime (bind mounts). */
            if (errno == EPERM && type != AE_IFIFO && image_in_userns()) {
                congo_debug("layer: entry `%s`: device node skipped in a user namespace", path);
                return 0;
            }
            return congo_error_errno(c->err, "create %s", type == AE_IFIFO ? "fifo" : "device node");
        }
        if (fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 || fchmodat(pfd, base, perm, 0) < 0)
            return owner_error(c->err, "set owner and mode", uid, gid);
        if ((r = apply_xattrs(c, e, -1, pfd, base)) < 0)
            return r;
        if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
            return congo_error_errno(c->err, "set times");
        return 0;
    }
    case AE_IFSOCK:
        congo_debug("layer: entry `%s`: socket skipped", path);
        return 0;
    default:
        return congo_error_set(c->err, EINVAL, "unknown file type 0%o", (unsigned) type);
    }
}

static int root_entry(struct unpack_ctx *c, struct archive_entry *e)
{
    if (archive_entry_filetype(e) != AE_IFDIR)
        return congo_error_set(c->err, EINVAL, "the layer root is not a directory");
    if (fchown(c->root_fd, archive_entry_uid(e), archive_entry_gid(e)) < 0 ||
        fchmod(c->root_fd, archive_entry_perm(e) & 07777) < 0)
        return owner_error(c->err, "set owner and mode of the layer root", archive_entry_uid(e), archive_entry_gid(e));
    defer_dir_time(c, ".", e);
    return 0;
}

static int handle_entry(struct unpack_ctx *c, struct archive_entry *e)
{
    const char *raw = archive_entry_pathname(e);
    _cleanup_free_ char *path = NULL, *dir = NULL;
    const char *base, *target = NULL;
    char *slash;
    int pfd, r;

    if (!raw || !*raw)
        return congo_error_set(c->err, EINVAL, "entry without a name");
    if ((r = layer_path_clean(raw, &path, c->err)) < 0) {
        if (r == -ENAMETOOLONG)
            return congo_error_wrap(c->err, r, "entry `%.200s`", raw);
        return congo_error_set(c->err, EINVAL, "entry `%s`: a `..` component would leave the layer", raw);
    }
    c->stats.entries++;
    if (strcmp(path, ".") == 0)
        return root_entry(c, e);
    slash = strrchr(path, '/');
    dir = slash ? xstrndup(path, slash - path) : xstrdup(".");
    base = slash ? slash + 1 : path;
    if ((r = get_parent(c, dir, &pfd)) < 0)
        return congo_error_wrap(c->err, r, "entry `%s`", raw);
    switch (whiteout_classify(base, &target)) {
    case WHITEOUT_FILE:
        r = do_whiteout(c, pfd, target);
        break;
    case WHITEOUT_OPAQUE_DIR:
        r = set_opaque_at(pfd, NULL, c->err);
        break;
    case WHITEOUT_META:
        r = 0;
        break;
    case WHITEOUT_INVALID:
        r = congo_error_set(c->err, EINVAL, "invalid whiteout name `%s`", base);
        break;
    default:
        r = create_entry(c, e, path, pfd, base);
        break;
    }
    if (r < 0)
        return congo_error_wrap(c->err, r, "entry `%s`", raw);
    return 0;
}

static int finish_dir_times(struct unpack_ctx *c)
{
    /* Deepest first is not needed: setting a directory's times does not
     * touch its parent's. */
    for (size_t i = 0; i < c->n_dirs; i++) {
        const char *path = c->dirs[i].path;
        char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = slash ? xstrndup(path, slash - path) : xstrdup(".");
        int pfd;
        if (strcmp(path, ".") == 0) {
            if (futimens(c->root_fd, c->dirs[i].ts) < 0)
                return congo_error_errno(c->err, "set times of the layer root");
            continue;
        }
        if (get_parent(c, dir, &pfd) < 0) {
            congo_error_clear(c->err);
            continue;
        }
        if (utimensat(pfd, slash ? slash + 1 : path, c->dirs[i].ts, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
            return congo_error_errno(c->err, "set times of `%s`", path);
    }
    return 0;
}

int layer_unpack_fd(int blob_fd, int root_fd, const char *diff_id, bool pipelined, struct unpack_stats *stats,
                    congo_error *err)
{
    struct unpack_ctx c = { .root_fd = root_fd, .err = err, .cache_fd = -1 };
    struct archive_entry *e;
    char got[DIGEST_LEN + 1];
    int r = 0, ar;

    hasher_init(&c.h);
    c.raw = archive_read_new();
    c.tar = archive_read_new();
    if (!c.raw || !c.tar)
        abort();
    /* Only the codecs built into libarchive: it would otherwise run an
     * external program for a codec it lacks. */
    if (archive_read_support_filter_gzip(c.raw) != ARCHIVE_OK || archive_read_support_filter_zstd(c.raw) != ARCHIVE_OK) {
        r = congo_error_set(err, ENOTSUP, "this libarchive lacks built-in gzip or zstd support");
        goto out;
    }
    archive_read_support_format_raw(c.raw);
    archive_read_support_format_tar(c.tar);
    if (archive_read_open_fd(c.raw, blob_fd, READ_BLOCK) != ARCHIVE_OK ||
        archive_read_next_header(c.raw, &e) != ARCHIVE_OK) {
        r = congo_error_set(err, 0, "read layer: %s", archive_error_string(c.raw) ? archive_error_string(c.raw) : "empty");
        goto out;
    }
    if (pipelined && pipe_start(&c) < 0)
        congo_debug("no decompression thread: unpacking in one");
    if (archive_read_open(c.tar, &c, NULL, raw_read, NULL) != ARCHIVE_OK) {
        r = congo_error_set(err, 0, "read layer: %s", archive_error_string(c.tar));
        goto out;
    }
    while ((ar = archive_read_next_header(c.tar, &e)) != ARCHIVE_EOF) {
        if (ar < ARCHIVE_WARN) {
            r = congo_error_set(err, 0, "read layer: %s%s", c.raw_failed ? "decompress: " : "",
                                archive_error_string(c.tar) ? archive_error_string(c.tar) : "corrupt archive");
            goto out;
        }
        if ((r = handle_entry(&c, e)) < 0)
            goto out;
    }
    /* Hash the rest of the stream (end-of-archive padding) for the diff_id. */
    if (c.pipe) {
        const void *b;
        la_ssize_t n;
        while ((n = pipe_read(&c, NULL, &b)) > 0)
            ;
        if (n < 0) {
            r = congo_error_set(err, 0, "read layer: decompress: %s", c.pipe->errmsg);
            goto out;
        }
        pipe_stop(&c);
    }
    for (;;) {
        const void *b;
        size_t size;
        la_int64_t off;
        ar = archive_read_data_block(c.raw, &b, &size, &off);
        if (ar == ARCHIVE_EOF)
            break;
        if (ar < ARCHIVE_WARN) {
            r = congo_error_set(err, 0, "read layer: decompress: %s", archive_error_string(c.raw));
            goto out;
        }
        hasher_update(&c.h, b, size);
    }
    hasher_final(&c.h, got);
    if (diff_id && strcmp(got, diff_id) != 0) {
        r = congo_error_set(err, 0, "diff_id mismatch: the image config says %s, the uncompressed layer hashes to %s",
                            diff_id, got);
        goto out;
    }
    if ((r = finish_dir_times(&c)) < 0)
        goto out;
    if (stats)
        *stats = c.stats;
out:
    pipe_stop(&c);
    cache_drop(&c);
    for (size_t i = 0; i < c.n_dirs; i++)
        free(c.dirs[i].path);
    free(c.dirs);
    archive_read_free(c.tar);
    archive_read_free(c.raw);
    hasher_free(&c.h);
    return r;
}

static int unpack_one(struct store *s, const struct descriptor *layer, const char *diff_id, bool pipelined,
                      congo_error *err)
{
    static unsigned counter;
    _cleanup_close_ int blob_fd = -1, root_fd = -1;
    _cleanup_free_ char *tmp = NULL;
    struct unpack_stats st = { 0 };
    struct timespec t0, t1;
    int r;

    if (store_has_layer(s, diff_id))
        return 0;
    if ((r = store_open_blob(s, layer->digest, &blob_fd, err)) < 0)
        return r;
    tmp = xasprintf("%s.%d.%u", digest_hex(diff_id), (int) getpid(), __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
    if (mkdirat(s->layers_tmp_fd, tmp, 0755) < 0)
        return congo_error_errno(err, "create `%s/layers/tmp/%s`", s->root, tmp);
    root_fd = openat(s->layers_tmp_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (root_fd < 0) {
        r = congo_error_errno(err, "open `%s/layers/tmp/%s`", s->root, tmp);
        goto fail;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if ((r = layer_unpack_fd(blob_fd, root_fd, diff_id, pipelined, &st, err)) < 0)
        goto fail;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    congo_debug("unpacked layer %s: %llu entries, %llu bytes in %.3f s", layer->digest, (unsigned long long) st.entries,
                (unsigned long long) st.bytes, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    if (renameat(s->layers_tmp_fd, tmp, s->layers_fd, digest_hex(diff_id)) < 0) {
        if (errno == EEXIST || errno == ENOTEMPTY) {
            /* Another extract finished the same layer first. */
            congo_error e = CONGO_ERROR_INIT;
            rm_rf_at(s->layers_tmp_fd, tmp, &e);
            congo_error_clear(&e);
            return 0;
        }
        r = congo_error_errno(err, "publish layer");
        goto fail;
    }
    fsync_dir(s->layers_fd);
    return 0;
fail:
    {
        congo_error e = CONGO_ERROR_INIT;
        rm_rf_at(s->layers_tmp_fd, tmp, &e);
        congo_error_clear(&e);
    }
    return r;
}

struct unpack_pool {
    struct store *s;
    const struct descriptor *layers;
    char *const *diff_ids;
    size_t n, next;
    bool pipelined;
    int *status;
    congo_error *errs;
    pthread_mutex_t lock;
};

static void *unpack_worker(void *data)
{
    struct unpack_pool *p = data;
    for (;;) {
        size_t i;
        pthread_mutex_lock(&p->lock);
        i = p->next++;
        pthread_mutex_unlock(&p->lock);
        if (i >= p->n)
            return NULL;
        p->status[i] = unpack_one(p->s, &p->layers[i], p->diff_ids[i], p->pipelined, &p->errs[i]);
    }
}

int store_unpack_layers(struct store *s, const struct descriptor *layers, char *const *diff_ids, size_t n, int jobs,
                        congo_error *err)
{
    struct unpack_pool p = { .s = s, .layers = layers, .diff_ids = diff_ids, .n = n };
    pthread_t threads[16];
    int nthreads = 0, r = 0;

    size_t todo = 0;

    for (size_t i = 0; i < n; i++)
        todo += !store_has_layer(s, diff_ids[i]);
    /* Fewer layers than CPUs: each layer decompresses on a thread of its own. */
    p.pipelined = jobs > 1 && todo < (size_t) jobs;
    if (jobs < 1)
        jobs = 1;
    if (jobs > (int) ARRAY_SIZE(threads))
        jobs = ARRAY_SIZE(threads);
    if ((size_t) jobs > n)
        jobs = n;
    p.status = xnew0(int, n + 1);
    p.errs = xnew0(congo_error, n + 1);
    pthread_mutex_init(&p.lock, NULL);
    for (int i = 1; i < jobs; i++)
        if (pthread_create(&threads[nthreads], NULL, unpack_worker, &p) == 0)
            nthreads++;
    unpack_worker(&p);
    for (int i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    pthread_mutex_destroy(&p.lock);
    for (size_t i = 0; i < n; i++) {
        if (p.status[i] < 0 && r == 0) {
            r = p.status[i];
            *err = p.errs[i];
            p.errs[i] = (congo_error) CONGO_ERROR_INIT;
            congo_error_wrap(err, r, "layer %zu (%s)", i + 1, layers[i].digest);
        }
        congo_error_clear(&p.errs[i]);
    }
    free(p.status);
    free(p.errs);
    return r;
}
