/* Container operations on its cgroup (see container-cgroups.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "container-cgroups.h"
#include "systemd.h"
#include "container.h"
#include "utils.h"

/* Lock the container's state dir, read its state and status, open its cgroup. */
static int load(int *dirfd, struct congo_state **state, enum congo_status *status, struct congo_cgroup **cg,
                const char *root, const char *id, bool lock, congo_error *err)
{
    _cleanup_close_ int dfd = -1;
    struct congo_state *s = NULL;
    int r;

    r = congo_state_dir_open(&dfd, root, id, lock, err);
    if (r < 0)
        return r;
    r = congo_state_read(&s, dfd, id, err);
    if (r < 0)
        return r;
    r = congo_state_status(status, s, dfd, err);
    if (r == 0 && (!s->cgroup_path || !*s->cgroup_path))
        r = congo_error_set(err, 0,
                            "container `%s` has no cgroup: it was created rootless without a cgroup the user can "
                            "write (a delegated cgroup v2 subtree), and this command needs one",
                            id);
    if (r == 0 && cg)
        r = congo_cgroup_open(cg, s->cgroup_path, err);
    if (r < 0) {
        congo_state_free(s);
        return r;
    }
    if (dirfd)
        *dirfd = steal_fd(&dfd);
    *state = s;
    return 0;
}

static int freeze(const char *root, const char *id_or_pid, bool frozen, congo_error *err)
{
    _cleanup_free_ char *id = NULL;
    _cleanup_state_ struct congo_state *s = NULL;
    _cleanup_close_ int dfd = -1;
    struct congo_cgroup *cg = NULL;
    enum congo_status status;
    int r;

    r = congo_container_resolve(&id, root, id_or_pid, err);
    if (r < 0)
        return r;
    r = load(&dfd, &s, &status, &cg, root, id, true, err);
    if (r < 0)
        return r;
    if (frozen && status != CONGO_STATUS_RUNNING && status != CONGO_STATUS_CREATED) {
        r = congo_error_set(err, EINVAL, "container `%s` is %s: only a running container can be paused", id,
                            congo_status_name(status));
    } else if (!frozen && status != CONGO_STATUS_PAUSED) {
        r = congo_error_set(err, EINVAL, "container `%s` is %s, not paused", id, congo_status_name(status));
    } else {
        r = congo_cgroup_freeze(cg, frozen, err);
        if (r < 0)
            congo_error_wrap(err, r, "%s container `%s`", frozen ? "pause" : "resume", id);
    }
    congo_cgroup_free(cg);
    return r;
}

int congo_container_pause(const char *root, const char *id_or_pid, congo_error *err)
{
    return freeze(root, id_or_pid, true, err);
}

int congo_container_resume(const char *root, const char *id_or_pid, congo_error *err)
{
    return freeze(root, id_or_pid, false, err);
}

int congo_container_pids(pid_t **out, size_t *n, const char *root, const char *id, congo_error *err)
{
    _cleanup_state_ struct congo_state *s = NULL;
    struct congo_cgroup *cg = NULL;
    enum congo_status status;
    int r;

    r = load(NULL, &s, &status, &cg, root, id, false, err);
    if (r < 0)
        return r;
    if (status == CONGO_STATUS_STOPPED) {
        *out = NULL;
        *n = 0;
    } else {
        r = congo_cgroup_pids(cg, out, n, err);
    }
    congo_cgroup_free(cg);
    return r;
}

int congo_container_update(const char *root, const char *id, const oci_resources *res, congo_error *err)
{
    _cleanup_state_ struct congo_state *s = NULL;
    _cleanup_close_ int dfd = -1;
    struct congo_cgroup *cg = NULL;
    enum congo_status status;
    int r;

    r = load(&dfd, &s, &status, &cg, root, id, true, err);
    if (r < 0)
        return r;
    if (status == CONGO_STATUS_STOPPED || status == CONGO_STATUS_CREATING)
        r = congo_error_set(err, EINVAL, "container `%s` is %s: container not running", id,
                            congo_status_name(status));
    else
        r = congo_cgroup_update(cg, res, err);
    /* systemd would put its own values back on its next daemon-reload:
     * tell it too (runc does the same). */
    if (r >= 0 && s->systemd_cgroup && congo_systemd_unit_of_path(s->cgroup_path))
        r = congo_systemd_set_resources(congo_systemd_unit_of_path(s->cgroup_path), res, err);
    congo_cgroup_free(cg);
    return r;
}

int congo_container_cgroup(struct congo_cgroup **cg, struct congo_state **state, enum congo_status *status,
                           const char *root, const char *id, congo_error *err)
{
    return load(NULL, state, status, cg, root, id, false, err);
}
