/* linux.resources on cgroup v1 and v2. */
#include "config.h"

#include <errno.h>

#include "cgroup-internal.h"
#include "log.h"

int congo_cgroup_apply(struct congo_cgroup *cg, const oci_resources *res, bool creating, congo_error *err)
{
    /* Resource limits come with the cgroups issue (phase 2). */
    congo_debug("cgroup `%s`: resource limits are not applied yet", cg->path);
    return 0;
}

int congo_cgroup_update(struct congo_cgroup *cg, const oci_resources *res, congo_error *err)
{
    return congo_error_set(err, ENOTSUP, "cgroup `%s`: updating resources is not implemented yet", cg->path);
}
