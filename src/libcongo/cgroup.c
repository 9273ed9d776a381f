/* Container cgroups: the host's mode, the container's path, and placement
 * (create, enter, list, signal, freeze, destroy) in every mounted hierarchy.
 * Resource limits live in cgroup-resources.c, the cgroup v2 device program
 * in cgroup-bpf.c, statistics in cgroup-stats.c.
 *
 * One relative path (e.g. "/congo/ID") names the container's cgroup in every
 * hierarchy: the v1 ones (cpu, memory, ..., named ones such as name=systemd)
 * and the cgroup2 mount (at /sys/fs/cgroup on v2 hosts, /sys/fs/cgroup/unified
 * on hybrid ones).  On a hybrid host a controller is driven through its v1
 * hierarchy when one is mounted, else through cgroup2 (hugetlb on this
 * machine); the freezer likewise, and SIGKILL to everything goes through
 * cgroup2's cgroup.kill wherever cgroup2 is mounted. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "cgroup-internal.h"
#include "log.h"
#include "utils.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

/* How long to wait for dying tasks (destroy) and for a freeze to settle. */
#define DESTROY_WAIT_MS 3000
#define FREEZE_WAIT_MS 10000

const char *congo_cgroup_mode_name(enum congo_cgroup_mode mode)
{
    switch (mode) {
    case CONGO_CGROUP_V1:
        return "v1";
    case CONGO_CGROUP_V2:
        return "v2";
    case CONGO_CGROUP_HYBRID:
        return "hybrid";
    }
    return "unknown";
}

bool congo_cgroup_ns_by_default(enum congo_cgroup_mode mode)
{
    return mode == CONGO_CGROUP_V2;
}

int congo_cgroup_detect_mode(enum congo_cgroup_mode *out, congo_error *err)
{
    struct statfs st;

    if (statfs("/sys/fs/cgroup", &st) < 0)
        return congo_error_errno(err, "statfs `/sys/fs/cgroup`");
    if (st.f_type == CGROUP2_SUPER_MAGIC) {
        *out = CONGO_CGROUP_V2;
        return 0;
    }
    if (statfs("/sys/fs/cgroup/unified", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC) {
        *out = CONGO_CGROUP_HYBRID;
        return 0;
    }
    *out = CONGO_CGROUP_V1;
    return 0;
}

/* ---- paths ---- */

int congo_cgroup_path_clean(char **out, const char *path, congo_error *err)
{
    _cleanup_free_ char *copy = xstrdup(path);
    _cleanup_free_ char *res = xmalloc(strlen(path) + 2);
    char *save = NULL, *tok;
    size_t len = 0;

    for (const unsigned char *p = (const unsigned char *) path; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return congo_error_set(err, 0, "cgroup path `%s`: contains a control character", path);
    for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
        size_t tl = strlen(tok);
        if (strcmp(tok, ".") == 0)
            continue;
        if (strcmp(tok, "..") == 0)
            return congo_error_set(err, 0, "cgroup path `%s`: `..` is not allowed", path);
        if (tl > NAME_MAX)
            return congo_error_set(err, 0, "cgroup path `%s`: component longer than %d bytes", path,
                                   NAME_MAX);
        res[len++] = '/';
        memcpy(res + len, tok, tl);
        len += tl;
    }
    res[len] = '\0';
    if (len == 0)
        return congo_error_set(err, 0, "cgroup path `%s` is the root cgroup: a container needs one of its own",
                               path);
    if (len > 2048)
        return congo_error_set(err, 0, "cgroup path `%s...` is too long", path);
    *out = steal_pointer(&res);
    return 0;
}

int congo_cgroup_path_join(char **out, const char *base, const char *cgroups_path, const char *id,
                           congo_error *err)
{
    _cleanup_free_ char *joined = NULL;
    int r;

    if (!cgroups_path || !*cgroups_path) {
        if (!id || !*id || strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
            return congo_error_set(err, 0, "container ID `%s` cannot name a cgroup", id ? id : "");
        joined = xasprintf("/congo/%s", id);
    } else if (cgroups_path[0] == '/') {
        joined = xstrdup(cgroups_path);
    } else {
        joined = xasprintf("%s/%s", base && *base ? base : "/", cgroups_path);
    }
    r = congo_cgroup_path_clean(out, joined, err);
    if (r < 0 && cgroups_path && *cgroups_path)
        return congo_error_wrap(err, r, "linux.cgroupsPath");
    return r;
}

/* The parent of the caller's own cgroup2 cgroup ("0::/a/b" gives "/a"): the
 * base of relative cgroupsPaths, as in runc on cgroup2 (the caller's own
 * cgroup has processes, so its children could not get controllers). */
static char *own_cgroup_parent(void)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (!f)
        return xstrdup("/");
    while ((n = getline(&line, &cap, f)) > 0) {
        if (!str_has_prefix(line, "0::/"))
            continue;
        if (line[n - 1] == '\n')
            line[n - 1] = '\0';
        char *p = line + 3, *slash = strrchr(p, '/');
        if (slash == p)
            return xstrdup("/");
        return xstrndup(p, (size_t) (slash - p));
    }
    return xstrdup("/");
}

int congo_cgroup_path_for(char **out, const char *cgroups_path, const char *id, congo_error *err)
{
    _cleanup_free_ char *base = NULL;
    if (cgroups_path && *cgroups_path && cgroups_path[0] != '/')
        base = own_cgroup_parent();
    return congo_cgroup_path_join(out, base, cgroups_path, id, err);
}

void congo_cgroup_prune_default_parent(const char *path)
{
    struct congo_cgroup_hierarchy *h = NULL;
    size_t n = 0;
    const char *rest;
    congo_error ignored = CONGO_ERROR_INIT;

    if (!path || !str_has_prefix(path, "/congo/") || strchr((rest = path + 7), '/') || !*rest)
        return;
    if (congo_cgroup_hierarchies(&h, &n, &ignored) < 0) {
        congo_error_clear(&ignored);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *parent = xasprintf("%s/congo", h[i].mountpoint);
        /* Fails (EBUSY) while another container lives there: fine. */
        (void) rmdir(parent);
    }
    congo_cgroup_hierarchies_free(h, n);
}

/* ---- small file helpers ---- */

int congo_cgroup_read(int dirfd, const char *file, char *buf, size_t size)
{
    _cleanup_close_ int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    if (fd < 0)
        return -errno;
    n = read_all(fd, buf, size - 1);
    if (n < 0)
        return -errno;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        n--;
    buf[n] = '\0';
    return (int) n;
}

int congo_cgroup_write(const struct congo_cgroup_dir *d, const char *file, const char *value, congo_error *err)
{
    _cleanup_close_ int fd = openat(d->fd, file, O_WRONLY | O_CLOEXEC);
    size_t len = strlen(value);
    if (fd < 0)
        return congo_error_errno(err, "open `%s`", file);
    /* Kernel knobs take the value in one write(). */
    if (write(fd, value, len) != (ssize_t) len)
        return congo_error_errno(err, "write `%s` to `%s`", value, file);
    return 0;
}

static bool list_has(const char *list, const char *word, const char *seps)
{
    size_t wl = strlen(word);
    const char *p = list;
    while (*p) {
        size_t l = strcspn(p, seps);
        if (l == wl && strncmp(p, word, wl) == 0)
            return true;
        p += l;
        if (*p)
            p++;
    }
    return false;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ---- the cgroup object ---- */

struct congo_cgroup_dir *congo_cgroup_v1_dir(struct congo_cgroup *cg, const char *controller)
{
    for (size_t i = 0; i < cg->n; i++)
        if (!cg->dirs[i].v2 && cg->dirs[i].fd >= 0 && list_has(cg->dirs[i].name, controller, ","))
            return &cg->dirs[i];
    return NULL;
}

bool congo_cgroup_v1_has(const struct congo_cgroup *cg, const char *controller)
{
    for (size_t i = 0; i < cg->n; i++)
        if (!cg->dirs[i].v2 && list_has(cg->dirs[i].name, controller, ","))
            return true;
    return false;
}

struct congo_cgroup_dir *congo_cgroup_v2_dir(struct congo_cgroup *cg)
{
    if (cg->v2 < 0 || cg->dirs[cg->v2].fd < 0)
        return NULL;
    return &cg->dirs[cg->v2];
}

bool congo_cgroup_v2_has(struct congo_cgroup *cg, const char *controller)
{
    struct congo_cgroup_dir *d = congo_cgroup_v2_dir(cg);
    char buf[512];
    if (!d || congo_cgroup_read(d->fd, "cgroup.controllers", buf, sizeof buf) < 0)
        return false;
    return list_has(buf, controller, " ");
}

static void cgroup_free_dirs(struct congo_cgroup *cg)
{
    for (size_t i = 0; i < cg->n; i++) {
        free(cg->dirs[i].name);
        free(cg->dirs[i].mountpoint);
        if (cg->dirs[i].fd >= 0)
            close(cg->dirs[i].fd);
    }
    free(cg->dirs);
}

static void made_free(struct congo_cgroup *cg);

void congo_cgroup_free(struct congo_cgroup *cg)
{
    if (!cg)
        return;
    cgroup_free_dirs(cg);
    made_free(cg);
    free(cg->path);
    free(cg);
}

static void congo_cgroup_freep(struct congo_cgroup **cg) { congo_cgroup_free(*cg); }
#define _cleanup_cgroup_ _cleanup_(congo_cgroup_freep)

/* A cgroup object for `path` with one (not yet opened) dir per hierarchy. */
static int cgroup_new(struct congo_cgroup **out, const char *path, congo_error *err)
{
    _cleanup_cgroup_ struct congo_cgroup *cg = xnew0(struct congo_cgroup, 1);
    struct congo_cgroup_hierarchy *h = NULL;
    size_t nh = 0;
    bool v1 = false;
    int r;

    cg->v2 = -1;
    r = congo_cgroup_path_clean(&cg->path, path, err);
    if (r < 0)
        return r;
    r = congo_cgroup_hierarchies(&h, &nh, err);
    if (r < 0)
        return r;
    if (nh == 0) {
        congo_cgroup_hierarchies_free(h, nh);
        return congo_error_set(err, ENOENT, "no cgroup filesystem is mounted");
    }
    cg->dirs = xnew0(struct congo_cgroup_dir, nh);
    for (size_t i = 0; i < nh; i++) {
        struct congo_cgroup_dir *d = &cg->dirs[cg->n++];
        d->name = steal_pointer(&h[i].name);
        d->mountpoint = steal_pointer(&h[i].mountpoint);
        d->v2 = h[i].v2;
        d->fd = -1;
        if (d->v2 && cg->v2 < 0)
            cg->v2 = (int) i;
        else if (!d->v2)
            v1 = true;
    }
    congo_cgroup_hierarchies_free(h, nh);
    cg->mode = !v1 ? CONGO_CGROUP_V2 : cg->v2 >= 0 ? CONGO_CGROUP_HYBRID : CONGO_CGROUP_V1;
    *out = steal_pointer(&cg);
    return 0;
}

int congo_cgroup_open(struct congo_cgroup **out, const char *path, congo_error *err)
{
    _cleanup_cgroup_ struct congo_cgroup *cg = NULL;
    int r = cgroup_new(&cg, path, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < cg->n; i++) {
        _cleanup_free_ char *full = xasprintf("%s%s", cg->dirs[i].mountpoint, cg->path);
        cg->dirs[i].fd = open(full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cg->dirs[i].fd < 0 && errno != ENOENT)
            return congo_error_errno(err, "open cgroup `%s`", full);
    }
    *out = steal_pointer(&cg);
    return 0;
}

int congo_cgroup_clone_fd(struct congo_cgroup *cg)
{
    if (cg->mode != CONGO_CGROUP_V2)
        return -1;
    return cg->dirs[cg->v2].fd;
}

/* ---- creation ---- */

struct congo_cgroup_made {
    size_t dir;
    char *rel;          /* relative to the mountpoint, e.g. "congo/ID" */
};

/* Enable every controller of `dirfd`'s cgroup.controllers (or just `only`)
 * in its cgroup.subtree_control.  Controllers that cannot be enabled (the
 * cgroup has processes, a threaded subtree) are left out: applying a limit
 * that needs one then fails with a message naming the field. */
static int v2_enable_at(int dirfd, const char *where, const char *only, congo_error *err)
{
    char avail[512], enabled[512], want[640] = "";
    char *save = NULL, *tok;
    int r;

    r = congo_cgroup_read(dirfd, "cgroup.controllers", avail, sizeof avail);
    if (r < 0)
        return congo_error_set(err, -r, "read `%s/cgroup.controllers`", where);
    r = congo_cgroup_read(dirfd, "cgroup.subtree_control", enabled, sizeof enabled);
    if (r < 0)
        return congo_error_set(err, -r, "read `%s/cgroup.subtree_control`", where);
    if (only) {
        if (list_has(enabled, only, " "))
            return 0;
        if (!list_has(avail, only, " "))
            return congo_error_set(err, ENOTSUP, "the `%s` controller is not available in `%s`", only, where);
        snprintf(want, sizeof want, "+%s", only);
    } else {
        for (tok = strtok_r(avail, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
            if (list_has(enabled, tok, " "))
                continue;
            size_t l = strlen(want);
            snprintf(want + l, sizeof want - l, "%s+%s", l ? " " : "", tok);
        }
        if (!*want)
            return 0;
    }
    _cleanup_close_ int fd = openat(dirfd, "cgroup.subtree_control", O_WRONLY | O_CLOEXEC);
    if (fd < 0 && !only && (errno == EACCES || errno == EPERM)) {
        /* Rootless: an ancestor above the subtree delegated to the user
         * keeps the controllers its owner enabled. */
        congo_debug("cannot enable controllers in `%s`: %s", where, strerror(errno));
        return 0;
    }
    if (fd < 0)
        return congo_error_errno(err, "open `%s/cgroup.subtree_control`", where);
    if (write(fd, want, strlen(want)) == (ssize_t) strlen(want))
        return 0;
    if (only)
        return congo_error_errno(err, "enable the `%s` controller in `%s/cgroup.subtree_control`", only, where);
    /* All at once failed: enable what can be, one by one. */
    save = NULL;
    for (tok = strtok_r(want, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
        if (write(fd, tok, strlen(tok)) < 0)
            congo_debug("cannot enable controller `%s` in `%s`: %s", tok + 1, where, strerror(errno));
    return 0;
}

int congo_cgroup_v2_enable(struct congo_cgroup *cg, const char *controller, congo_error *err)
{
    struct congo_cgroup_dir *d = cg->v2 >= 0 ? &cg->dirs[cg->v2] : NULL;
    _cleanup_free_ char *copy = xstrdup(cg->path + 1), *where = NULL;
    _cleanup_close_ int cur = -1;
    char *save = NULL, *tok, *next;
    int r;

    if (!d)
        return congo_error_set(err, ENOTSUP, "cgroup2 is not mounted");
    cur = open(d->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cur < 0)
        return congo_error_errno(err, "open `%s`", d->mountpoint);
    where = xstrdup(d->mountpoint);
    for (tok = strtok_r(copy, "/", &save); tok; tok = next) {
        next = strtok_r(NULL, "/", &save);
        r = v2_enable_at(cur, where, controller, err);
        if (r < 0)
            return r;
        if (!next)
            break;
        int fd = openat(cur, tok, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return congo_error_errno(err, "open `%s/%s`", where, tok);
        close(cur);
        cur = fd;
        char *w = xasprintf("%s/%s", where, tok);
        free(where);
        where = w;
    }
    return 0;
}

/* v1 cpuset: a new cgroup starts with empty cpus/mems and no task can join
 * it or its children (ENOSPC); fill what is empty from the parent's.  Also
 * for parents congo did not make (a pod cgroup a kubelet or an admin made
 * with a plain mkdir), as runc does. */
static int cpuset_inherit(int parent, int child, const char *where, congo_error *err)
{
    static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        char cur[4096], par[4096];
        int r = congo_cgroup_read(child, files[i], cur, sizeof cur);
        if (r < 0)
            return congo_error_set(err, -r, "read `%s/%s`", where, files[i]);
        if (r > 0)
            continue;
        r = congo_cgroup_read(parent, files[i], par, sizeof par);
        if (r < 0)
            return congo_error_set(err, -r, "read the parent of `%s`: %s", where, files[i]);
        struct congo_cgroup_dir tmp = { .fd = child };
        r = congo_cgroup_write(&tmp, files[i], par, err);
        if (r < 0)
            return congo_error_wrap(err, r, "`%s`", where);
    }
    return 0;
}

static bool procs_empty(int dirfd)
{
    char buf[16];
    return congo_cgroup_read(dirfd, "cgroup.procs", buf, sizeof buf) <= 0;
}

/* mkdir -p of cg->path under one hierarchy, recording what was created. */
/* The fast way when the parents exist (all but the first container under a
 * parent): mkdir the leaf by its whole path, then open it. */
static int create_leaf(struct congo_cgroup *cg, size_t i, struct congo_cgroup_made **created, size_t *nc, congo_error *err)
{
    struct congo_cgroup_dir *d = &cg->dirs[i];
    _cleanup_free_ char *where = xasprintf("%s%s", d->mountpoint, cg->path);
    int fd;

    if (mkdir(where, 0755) < 0)
        return errno == ENOENT || errno == EEXIST ? 1 : congo_error_errno(err, "create cgroup `%s`", where);
    fd = open(where, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int r = congo_error_errno(err, "open cgroup `%s`", where);
        rmdir(where);
        return r;
    }
    *created = xrealloc(*created, (*nc + 1) * sizeof **created);
    (*created)[*nc].dir = i;
    (*created)[*nc].rel = xstrdup(cg->path + 1);
    (*nc)++;
    d->fd = fd;
    return 0;
}

static int create_in(struct congo_cgroup *cg, size_t i, struct congo_cgroup_made **created, size_t *nc, congo_error *err)
{
    struct congo_cgroup_dir *d = &cg->dirs[i];
    _cleanup_free_ char *copy = xstrdup(cg->path + 1);
    _cleanup_close_ int cur = -1;
    bool cpuset = !d->v2 && list_has(d->name, "cpuset", ",");
    bool enable_all = d->v2 && cg->mode == CONGO_CGROUP_V2;
    char *save = NULL, *tok, *next;
    int r;

    cur = open(d->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cur < 0)
        return congo_error_errno(err, "open `%s`", d->mountpoint);
    for (tok = strtok_r(copy, "/", &save); tok; tok = next) {
        _cleanup_free_ char *where = NULL;
        bool made = false;
        int fd = -1;

        next = strtok_r(NULL, "/", &save);
        if (enable_all) {
            _cleanup_free_ char *w = xasprintf("%s%.*s", d->mountpoint, (int) (tok - copy), cg->path);
            r = v2_enable_at(cur, w, NULL, err);
            if (r < 0)
                return r;
        }
        where = xasprintf("%s%.*s/%s", d->mountpoint, (int) (tok - copy), cg->path, tok);
        /* A concurrent failed create may remove a parent between our mkdir
         * and open: try again. */
        for (int attempt = 0; fd < 0 && attempt < 5; attempt++) {
            if (mkdirat(cur, tok, 0755) == 0)
                made = true;
            else if (errno != EEXIST)
                return congo_error_errno(err, "create cgroup `%s`", where);
            fd = openat(cur, tok, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0 && errno != ENOENT)
                return congo_error_errno(err, "open cgroup `%s`", where);
        }
        if (fd < 0)
            return congo_error_errno(err, "open cgroup `%s`", where);
        if (made) {
            *created = xrealloc(*created, (*nc + 1) * sizeof **created);
            (*created)[*nc].dir = i;
            (*created)[*nc].rel = xstrndup(cg->path + 1, (size_t) (tok + strlen(tok) - copy));
            (*nc)++;
        }
        if (cpuset) {
            r = cpuset_inherit(cur, fd, where, err);
            if (r < 0) {
                close(fd);
                return r;
            }
        }
        if (!next && !made && !procs_empty(fd)) {
            close(fd);
            return congo_error_set(err, EEXIST, "cgroup `%s` already exists and has processes in it", where);
        }
        close(cur);
        cur = fd;
    }
    d->fd = steal_fd(&cur);
    return 0;
}

static void undo_created(struct congo_cgroup *cg, struct congo_cgroup_made *created, size_t nc)
{
    for (size_t k = nc; k-- > 0;) {
        _cleanup_free_ char *full = xasprintf("%s/%s", cg->dirs[created[k].dir].mountpoint, created[k].rel);
        /* A parent that another container started using meanwhile stays. */
        if (rmdir(full) < 0 && errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY)
            congo_warning("cannot remove cgroup `%s`: %s", full, strerror(errno));
    }
}

static void made_free(struct congo_cgroup *cg)
{
    for (size_t k = 0; k < cg->n_made; k++)
        free(cg->made[k].rel);
    free(cg->made);
    cg->made = NULL;
    cg->n_made = 0;
}

/* Remove what create_begin/finish made (the dirs' fds first: they hold
 * what is about to go). */
void congo_cgroup_create_abort(struct congo_cgroup *cg)
{
    for (size_t i = 0; i < cg->n; i++)
        if (cg->dirs[i].fd >= 0) {
            close(cg->dirs[i].fd);
            cg->dirs[i].fd = -1;
        }
    undo_created(cg, cg->made, cg->n_made);
    made_free(cg);
}

/* A cgroup frozen before the container exists (left frozen by someone, or
 * under a frozen parent) would freeze the init as it enters, and create
 * would wait for it forever: refused, as runc does. */
static int check_not_frozen(struct congo_cgroup *cg, bool v2, congo_error *err)
{
    for (size_t i = 0; i < cg->n; i++) {
        struct congo_cgroup_dir *d = &cg->dirs[i];
        char buf[256];
        bool frozen = false;
        if (d->v2 != v2 || d->fd < 0)
            continue;
        if (v2) /* "frozen 1" also under a frozen parent */
            frozen = congo_cgroup_read(d->fd, "cgroup.events", buf, sizeof buf) > 0 && strstr(buf, "frozen 1");
        else if (list_has(d->name, "freezer", ","))
            frozen = congo_cgroup_read(d->fd, "freezer.state", buf, sizeof buf) > 0 && strcmp(buf, "THAWED") != 0;
        if (frozen)
            return congo_error_set(err, EBUSY, "cgroup `%s%s`: container's cgroup unexpectedly frozen (thaw or "
                                   "remove it first)", d->mountpoint, cg->path);
    }
    return 0;
}

/* The container's directory in the cgroup2 hierarchy (v2 true) or in the v1
 * ones. */
static int create_dirs(struct congo_cgroup *cg, bool v2, congo_error *err)
{
    for (size_t i = 0; i < cg->n; i++) {
        struct congo_cgroup_dir *d = &cg->dirs[i];
        if (d->v2 != v2)
            continue;
        /* v1 cpuset leaves need the parent's cpus and mems, and pure v2
         * parents need controllers enabled: those take the long way. */
        bool simple = !(d->v2 && cg->mode == CONGO_CGROUP_V2) && !(!d->v2 && list_has(d->name, "cpuset", ","));
        int r = simple ? create_leaf(cg, i, &cg->made, &cg->n_made, err) : 1;
        if (r > 0)
            r = create_in(cg, i, &cg->made, &cg->n_made, err);
        if (r < 0)
            return r;
    }
    return check_not_frozen(cg, v2, err);
}

int congo_cgroup_create_begin(struct congo_cgroup **out, const char *path, congo_error *err)
{
    _cleanup_cgroup_ struct congo_cgroup *cg = NULL;
    int r = cgroup_new(&cg, path, err);
    if (r < 0)
        return r;
    r = create_dirs(cg, true, err);
    if (r < 0) {
        congo_cgroup_create_abort(cg);
        return r;
    }
    *out = steal_pointer(&cg);
    return 0;
}

int congo_cgroup_create_finish(struct congo_cgroup *cg, const oci_resources *res, congo_error *err)
{
    int r = create_dirs(cg, false, err);
    if (r >= 0) {
        /* A leaf made now everywhere needs no restoring when applying
         * fails: it is removed.  Device rules apply with or without
         * linux.resources. */
        size_t leaves = 0;
        for (size_t k = 0; k < cg->n_made; k++)
            if (strcmp(cg->made[k].rel, cg->path + 1) == 0)
                leaves++;
        r = congo_cgroup_apply(cg, res, leaves == cg->n, err);
    }
    if (r < 0)
        return r;
    made_free(cg);
    return 0;
}

size_t congo_cgroup_v1_fds(const struct congo_cgroup *cg, int **fds)
{
    int *v = xnew0(int, cg->n ? cg->n : 1);
    for (size_t i = 0; i < cg->n; i++)
        v[i] = cg->dirs[i].v2 ? -1 : cg->dirs[i].fd;
    *fds = v;
    return cg->n;
}

size_t congo_cgroup_count(const struct congo_cgroup *cg) { return cg->n; }

void congo_cgroup_adopt_fds(struct congo_cgroup *cg, const int *fds, size_t n)
{
    for (size_t i = 0; i < n && i < cg->n; i++)
        if (fds[i] >= 0 && !cg->dirs[i].v2)
            cg->dirs[i].fd = fds[i];
}

int congo_cgroup_create(struct congo_cgroup **out, const char *path, const oci_resources *res, congo_error *err)
{
    _cleanup_cgroup_ struct congo_cgroup *cg = NULL;
    int r = congo_cgroup_create_begin(&cg, path, err);
    if (r < 0)
        return r;
    r = congo_cgroup_create_finish(cg, res, err);
    if (r < 0) {
        congo_cgroup_create_abort(cg);
        return r;
    }
    *out = steal_pointer(&cg);
    return 0;
}

int congo_cgroup_create_adopt(struct congo_cgroup **out, const char *path, const oci_resources *res,
                              congo_error *err)
{
    _cleanup_cgroup_ struct congo_cgroup *cg = NULL;
    int r = cgroup_new(&cg, path, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < cg->n && r >= 0; i++) {
        _cleanup_free_ char *full = xasprintf("%s%s", cg->dirs[i].mountpoint, cg->path);
        cg->dirs[i].fd = open(full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cg->dirs[i].fd >= 0)
            continue;
        r = errno == ENOENT ? create_in(cg, i, &cg->made, &cg->n_made, err)
                            : congo_error_errno(err, "open cgroup `%s`", full);
    }
    if (r >= 0)
        r = congo_cgroup_apply(cg, res, false, err);
    if (r < 0) {
        congo_cgroup_create_abort(cg);
        return r;
    }
    made_free(cg);
    *out = steal_pointer(&cg);
    return 0;
}

/* ---- membership ---- */

int congo_cgroup_enter(struct congo_cgroup *cg, pid_t pid, congo_error *err)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%d", (int) pid);
    for (size_t i = 0; i < cg->n; i++) {
        struct congo_cgroup_dir *d = &cg->dirs[i];
        if (d->fd < 0)
            return congo_error_set(err, ENOENT, "cgroup `%s%s` does not exist", d->mountpoint, cg->path);
        int r = congo_cgroup_write(d, "cgroup.procs", buf, err);
        if (r < 0)
            return congo_error_wrap(err, r, "move pid %d into cgroup `%s%s`", (int) pid, d->mountpoint, cg->path);
    }
    return 0;
}

struct pidset {
    pid_t *v;
    size_t n, cap;
};

static void pidset_add(struct pidset *s, pid_t p)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = p;
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
    return x < y ? -1 : x > y;
}

static void pidset_sort_unique(struct pidset *s)
{
    size_t j = 0;
    if (!s->n)
        return;
    qsort(s->v, s->n, sizeof *s->v, cmp_pid);
    for (size_t i = 1; i < s->n; i++)
        if (s->v[i] != s->v[j])
            s->v[++j] = s->v[i];
    s->n = j + 1;
}

static bool pidset_has(const struct pidset *s, pid_t p)
{
    /* An empty set has no array yet: bsearch's pointer must not be NULL, even for 0 elements. */
    if (s->n == 0)
        return false;
    return bsearch(&p, s->v, s->n, sizeof *s->v, cmp_pid) != NULL;
}

/* cgroup.procs of dirfd and of every cgroup below it (the container may
 * have made its own sub-cgroups). */
/* cgroupfs keeps a directory's link count at 2 + its subdirectories: one
 * fstat saves listing a leaf cgroup (the common case). */
static bool has_children(int dirfd)
{
    struct stat st;
    return fstat(dirfd, &st) < 0 || st.st_nlink != 2;
}

static int collect_pids(int dirfd, const char *where, struct pidset *s, int depth, congo_error *err)
{
    _cleanup_free_ char *data = NULL;
    _cleanup_closedir_ DIR *dir = NULL;
    struct dirent *de;
    int r, dfd;

    if (depth > 64)
        return 0;
    r = read_file_at(dirfd, "cgroup.procs", 0, &data, NULL, err);
    if (r < 0) {
        if (r == -ENOENT || r == -ENODEV) {
            congo_error_clear(err);
            return 0;
        }
        return congo_error_wrap(err, r, "`%s`", where);
    }
    for (char *p = data, *end; *p; p = end) {
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        if (v > 0)
            pidset_add(s, (pid_t) v);
    }
    if (!has_children(dirfd))
        return 0;
    dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return 0;
    dir = fdopendir(dfd);
    if (!dir) {
        close(dfd);
        return 0;
    }
    while ((de = readdir(dir))) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        _cleanup_close_ int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
            continue;
        _cleanup_free_ char *w = xasprintf("%s/%s", where, de->d_name);
        r = collect_pids(sub, w, s, depth + 1, err);
        if (r < 0)
            return r;
    }
    return 0;
}

bool congo_cgroup_looks_empty(struct congo_cgroup *cg)
{
    for (size_t i = 0; i < cg->n; i++) {
        char buf[16];
        if (cg->dirs[i].fd < 0)
            continue;
        return !has_children(cg->dirs[i].fd) && congo_cgroup_read(cg->dirs[i].fd, "cgroup.procs", buf, sizeof buf) == 0;
    }
    return true;
}

static int cgroup_pidset(struct congo_cgroup *cg, struct pidset *s, congo_error *err)
{
    for (size_t i = 0; i < cg->n; i++) {
        if (cg->dirs[i].fd < 0)
            continue;
        _cleanup_free_ char *where = xasprintf("%s%s", cg->dirs[i].mountpoint, cg->path);
        int r = collect_pids(cg->dirs[i].fd, where, s, 0, err);
        if (r < 0)
            return r;
    }
    pidset_sort_unique(s);
    return 0;
}

int congo_cgroup_pids(struct congo_cgroup *cg, pid_t **out, size_t *n, congo_error *err)
{
    struct pidset s = { 0 };
    int r = cgroup_pidset(cg, &s, err);
    if (r < 0) {
        free(s.v);
        return r;
    }
    *out = s.v;
    *n = s.n;
    return 0;
}

/* ---- freezer ---- */

/* The freezer in use: the v1 freezer hierarchy when mounted (as runc does,
 * keeping freezer.state truthful for monitoring tools), else cgroup2's
 * cgroup.freeze. */
static struct congo_cgroup_dir *freezer_dir(struct congo_cgroup *cg, bool *v2)
{
    struct congo_cgroup_dir *d;
    if (congo_cgroup_v1_has(cg, "freezer")) {
        *v2 = false;
        return congo_cgroup_v1_dir(cg, "freezer");
    }
    *v2 = true;
    d = congo_cgroup_v2_dir(cg);
    if (d && faccessat(d->fd, "cgroup.freeze", F_OK, 0) == 0)
        return d;
    return NULL;
}

static int v2_wait_frozen(struct congo_cgroup_dir *d, bool frozen, long long deadline)
{
    _cleanup_close_ int fd = openat(d->fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    for (;;) {
        char buf[256];
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        if (n < 0)
            return -errno;
        buf[n] = '\0';
        char *p = strstr(buf, "frozen ");
        if (p && (p[7] == '1') == frozen)
            return 0;
        long long left = deadline - now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        /* cgroup.events signals changes with POLLPRI; poll at most 100 ms at
         * a time in case a change slips between the read and the poll. */
        struct pollfd pfd = { .fd = fd, .events = POLLPRI };
        if (poll(&pfd, 1, left > 100 ? 100 : (int) left) < 0 && errno != EINTR)
            return -errno;
    }
}

static int v1_wait_frozen(struct congo_cgroup_dir *d, bool frozen, long long deadline)
{
    const char *want = frozen ? "FROZEN" : "THAWED";
    long wait = 1;
    for (;;) {
        char buf[32];
        congo_error ignored = CONGO_ERROR_INIT;
        /* Tasks forked while freezing keep the state at FREEZING; writing
         * FROZEN again catches them. */
        if (congo_cgroup_write(d, "freezer.state", want, &ignored) < 0) {
            int r = ignored.errnum ? -ignored.errnum : -EIO;
            congo_error_clear(&ignored);
            return r;
        }
        int r = congo_cgroup_read(d->fd, "freezer.state", buf, sizeof buf);
        if (r < 0)
            return r;
        if (strcmp(buf, want) == 0)
            return 0;
        if (now_ms() >= deadline)
            return -ETIMEDOUT;
        sleep_ms(wait);
        if (wait < 50)
            wait *= 2;
    }
}

int congo_cgroup_freeze(struct congo_cgroup *cg, bool frozen, congo_error *err)
{
    bool v2;
    struct congo_cgroup_dir *d = freezer_dir(cg, &v2);
    long long deadline = now_ms() + FREEZE_WAIT_MS;
    int r;

    if (!d)
        return congo_error_set(err, ENOTSUP, "cgroup `%s`: no freezer available (neither the v1 freezer hierarchy "
                                             "nor cgroup2's cgroup.freeze)", cg->path);
    if (v2) {
        r = congo_cgroup_write(d, "cgroup.freeze", frozen ? "1" : "0", err);
        if (r < 0)
            return congo_error_wrap(err, r, "cgroup `%s%s`", d->mountpoint, cg->path);
        r = v2_wait_frozen(d, frozen, deadline);
    } else {
        r = v1_wait_frozen(d, frozen, deadline);
    }
    if (r < 0) {
        if (frozen) {
            /* Do not leave the container half frozen. */
            congo_error ignored = CONGO_ERROR_INIT;
            if (v2)
                congo_cgroup_write(d, "cgroup.freeze", "0", &ignored);
            else
                congo_cgroup_write(d, "freezer.state", "THAWED", &ignored);
            congo_error_clear(&ignored);
        }
        return congo_error_set(err, -r, "%s cgroup `%s%s`%s", frozen ? "freeze" : "thaw", d->mountpoint, cg->path,
                               r == -ETIMEDOUT ? ": a process did not stop in time" : "");
    }
    return 0;
}

int congo_cgroup_is_frozen(struct congo_cgroup *cg, bool *out, congo_error *err)
{
    bool v2;
    struct congo_cgroup_dir *d = freezer_dir(cg, &v2);
    char buf[32];
    int r;

    if (!d) {
        *out = false;
        return 0;
    }
    r = congo_cgroup_read(d->fd, v2 ? "cgroup.freeze" : "freezer.state", buf, sizeof buf);
    if (r < 0)
        return congo_error_set(err, -r, "read the freezer state of `%s%s`", d->mountpoint, cg->path);
    /* v2: what was asked for (a fork during freezing briefly shows frozen 0
     * in cgroup.events); v1: the settled state. */
    *out = v2 ? strcmp(buf, "1") == 0 : strcmp(buf, "FROZEN") == 0;
    return 0;
}

/* The freezer state from the freezer's directory alone: every status check
 * (state, exec, kill, delete...) asks, and opening each v1 hierarchy for it
 * cost two syscalls per hierarchy. */
int congo_cgroup_path_is_frozen(const char *path, bool *out, congo_error *err)
{
    _cleanup_cgroup_ struct congo_cgroup *cg = NULL;
    int r = cgroup_new(&cg, path, err);
    bool v1 = false;

    if (r < 0)
        return r;
    v1 = congo_cgroup_v1_has(cg, "freezer");
    for (size_t i = 0; i < cg->n; i++) {
        struct congo_cgroup_dir *d = &cg->dirs[i];
        if (v1 ? d->v2 || !list_has(d->name, "freezer", ",") : (int) i != cg->v2)
            continue;
        _cleanup_free_ char *full = xasprintf("%s%s", d->mountpoint, cg->path);
        d->fd = open(full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (d->fd < 0 && errno != ENOENT)
            return congo_error_errno(err, "open cgroup `%s`", full);
        break;
    }
    return congo_cgroup_is_frozen(cg, out, err);
}

/* ---- signals ---- */

static int signal_pids(struct congo_cgroup *cg, int sig, congo_error *err)
{
    struct pidset done = { 0 };
    int r = 0;

    /* Without a freezer (or with processes forking faster than we read),
     * repeat until a pass finds no process not signalled yet. */
    for (int round = 0; round < 100; round++) {
        struct pidset now = { 0 };
        size_t fresh = 0;
        r = cgroup_pidset(cg, &now, err);
        if (r < 0) {
            free(now.v);
            break;
        }
        for (size_t i = 0; i < now.n; i++) {
            if (pidset_has(&done, now.v[i]))
                continue;
            if (kill(now.v[i], sig) < 0 && errno != ESRCH) {
                r = congo_error_errno(err, "kill pid %d", (int) now.v[i]);
                break;
            }
            pidset_add(&done, now.v[i]);
            fresh++;
        }
        free(now.v);
        if (r < 0 || fresh == 0)
            break;
        pidset_sort_unique(&done);
    }
    free(done.v);
    return r;
}

int congo_cgroup_kill(struct congo_cgroup *cg, int sig, congo_error *err)
{
    struct congo_cgroup_dir *v2 = congo_cgroup_v2_dir(cg);
    bool was_frozen = false, froze = false, fv2;
    int r;

    if (sig == SIGKILL && v2 && faccessat(v2->fd, "cgroup.kill", F_OK, 0) == 0) {
        r = congo_cgroup_write(v2, "cgroup.kill", "1", err);
        if (r < 0)
            return congo_error_wrap(err, r, "kill cgroup `%s%s`", v2->mountpoint, cg->path);
        if (cg->mode == CONGO_CGROUP_V2)
            return 0;
        /* Hybrid: frozen v1 tasks only die once thawed; and signal whatever
         * left cgroup2 but stayed in a v1 hierarchy. */
        if (freezer_dir(cg, &fv2) && !fv2) {
            congo_error ignored = CONGO_ERROR_INIT;
            if (congo_cgroup_is_frozen(cg, &was_frozen, &ignored) == 0 && was_frozen)
                congo_cgroup_freeze(cg, false, &ignored);
            congo_error_clear(&ignored);
        }
        return signal_pids(cg, sig, err);
    }

    /* Freeze first so that nothing forks between reading the pids and
     * signalling them; thaw afterwards, and always for SIGKILL (frozen v1
     * tasks do not die).  A paused container stays paused for other signals,
     * which are delivered on resume. */
    if (freezer_dir(cg, &fv2)) {
        congo_error ignored = CONGO_ERROR_INIT;
        if (congo_cgroup_is_frozen(cg, &was_frozen, &ignored) == 0 && !was_frozen
            && congo_cgroup_freeze(cg, true, &ignored) == 0)
            froze = true;
        congo_error_clear(&ignored);
    }
    r = signal_pids(cg, sig, err);
    if (froze || (was_frozen && sig == SIGKILL)) {
        congo_error ignored = CONGO_ERROR_INIT;
        int t = congo_cgroup_freeze(cg, false, r < 0 ? &ignored : err);
        congo_error_clear(&ignored);
        if (r == 0 && t < 0)
            r = t;
    }
    return r;
}

/* ---- removal ---- */

/* rmdir every cgroup below dirfd, deepest first. */
static int remove_children(int dirfd, const char *where, long long deadline, int depth, congo_error *err)
{
    _cleanup_closedir_ DIR *dir = NULL;
    struct dirent *de;
    int dfd, r;

    if (depth > 64)
        return congo_error_set(err, ELOOP, "`%s`: cgroups nested too deep", where);
    dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return congo_error_errno(err, "open `%s`", where);
    dir = fdopendir(dfd);
    if (!dir) {
        close(dfd);
        return congo_error_errno(err, "open `%s`", where);
    }
    while ((de = readdir(dir))) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *w = xasprintf("%s/%s", where, de->d_name);
        _cleanup_close_ int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            if (errno == ENOENT)
                continue;
            return congo_error_errno(err, "open `%s`", w);
        }
        r = remove_children(sub, w, deadline, depth + 1, err);
        if (r < 0)
            return r;
        for (long wait = 1;; wait = wait < 64 ? wait * 2 : wait) {
            if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) == 0 || errno == ENOENT)
                break;
            if (errno != EBUSY || now_ms() >= deadline)
                return congo_error_errno(err, "remove cgroup `%s`", w);
            sleep_ms(wait);
        }
    }
    return 0;
}

int congo_cgroup_destroy(struct congo_cgroup *cg, congo_error *err)
{
    long long deadline = now_ms() + DESTROY_WAIT_MS;
    int ret = 0;

    for (size_t i = 0; i < cg->n; i++) {
        struct congo_cgroup_dir *d = &cg->dirs[i];
        _cleanup_close_ int mp = -1;
        _cleanup_free_ char *where = xasprintf("%s%s", d->mountpoint, cg->path);
        congo_error e = CONGO_ERROR_INIT;
        int r = 0;

        if (d->fd < 0)
            continue;
        if (!has_children(d->fd)) {
            /* The common case: a leaf whose processes are gone. */
            close(d->fd);
            d->fd = -1;
            if (rmdir(where) == 0 || errno == ENOENT)
                continue;
            if (errno != EBUSY) {
                r = congo_error_errno(&e, "remove cgroup `%s`", where);
                goto next;
            }
        } else {
            r = remove_children(d->fd, where, deadline, 0, &e);
            close(d->fd);
            d->fd = -1;
        }
        if (r == 0) {
            mp = open(d->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (mp < 0)
                r = congo_error_errno(&e, "open `%s`", d->mountpoint);
        }
        for (long wait = 1; r == 0; wait = wait < 64 ? wait * 2 : wait) {
            if (unlinkat(mp, cg->path + 1, AT_REMOVEDIR) == 0 || errno == ENOENT)
                break;
            if (errno != EBUSY || now_ms() >= deadline) {
                r = congo_error_errno(&e, "remove cgroup `%s`%s", where,
                                      errno == EBUSY ? " (processes are still in it)" : "");
                break;
            }
            sleep_ms(wait);
        }
    next:
        /* Keep going through the other hierarchies; report the first error. */
        if (r < 0 && ret == 0) {
            ret = r;
            congo_error_set(err, e.errnum, "%s", e.msg);
        }
        congo_error_clear(&e);
    }
    return ret;
}
