/* `exec --cgroup`: run the exec'd process in a sub-cgroup of the container. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "mounts.h"
#include "utils.h"

/* Whether two comma-separated lists share a word. */
static bool lists_meet(const char *a, const char *b)
{
    for (const char *p = a; *p;) {
        size_t l = strcspn(p, ",");
        for (const char *q = b; *q;) {
            size_t m = strcspn(q, ",");
            if (l == m && strncmp(p, q, l) == 0)
                return true;
            q += m + (q[m] == ',');
        }
        p += l + (p[l] == ',');
    }
    return false;
}

static bool sub_valid(const char *sub)
{
    if (!sub || !*sub || sub[0] == '/')
        return false;
    for (const char *p = sub; *p;) {
        size_t l = strcspn(p, "/");
        if (l == 2 && strncmp(p, "..", 2) == 0)
            return false;
        p += l + (p[l] == '/');
    }
    return true;
}

int congo_cgroup_descend(struct congo_cgroup *cg, const char *controllers, const char *sub, congo_error *err)
{
    if (!sub_valid(sub))
        return congo_error_set(err, 0, "sub-cgroup `%s`: expected a path relative to the container's cgroup, "
                               "without `..`", sub ? sub : "");
    if (controllers) {
        /* Every controller named must be somewhere: a typo must not be ignored. */
        _cleanup_free_ char *copy = xstrdup(controllers);
        char *save = NULL;
        for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save))
            if (!congo_cgroup_v1_has(cg, c))
                return congo_error_set(err, 0, "controller `%s`: no cgroup v1 hierarchy carries it%s", c,
                                       cg->mode == CONGO_CGROUP_V2 ? " (cgroup v2: give the sub-cgroup without "
                                                                     "controllers)" : "");
    }
    for (size_t i = 0; i < cg->n; i++) {
        struct congo_cgroup_dir *d = &cg->dirs[i];
        int fd;
        if (controllers && (d->v2 || !lists_meet(d->name, controllers)))
            continue;
        if (d->fd < 0)
            return congo_error_set(err, 0, "cgroup `%s%s` does not exist", d->mountpoint, cg->path);
        fd = congo_openat2(d->fd, sub, O_RDONLY | O_DIRECTORY,
                           RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
        if (fd < 0)
            return congo_error_set(err, -fd, "sub-cgroup `%s%s/%s`", d->mountpoint, cg->path, sub);
        close(d->fd);
        d->fd = fd;
    }
    return 0;
}

int congo_cgroup_exec_clone_fd(struct congo_cgroup *cg)
{
    struct congo_cgroup_dir *d = congo_cgroup_v2_dir(cg);
    return d ? d->fd : -1;
}

int congo_cgroup_exec_enter_self(struct congo_cgroup *cg, bool v2, congo_error *err)
{
    for (size_t i = 0; i < cg->n; i++) {
        struct congo_cgroup_dir *d = &cg->dirs[i];
        int r;
        if (d->v2 && !v2)
            continue;
        if (d->fd < 0)
            return congo_error_set(err, 0, "cgroup `%s%s` does not exist", d->mountpoint, cg->path);
        r = congo_cgroup_write(d, d->v2 ? "cgroup.procs" : "tasks", "0", err);
        if (r < 0)
            return congo_error_wrap(err, r, "enter cgroup `%s%s`", d->mountpoint, cg->path);
    }
    return 0;
}
