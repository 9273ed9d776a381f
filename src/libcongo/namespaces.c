#include "config.h"

#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "utils.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int congo_ns_plan_make(struct congo_ns_plan *plan, const oci_linux *l, congo_error *err)
{
    memset(plan, 0, sizeof *plan);
    for (int t = 0; t < OCI_NS_COUNT; t++)
        plan->join_fd[t] = -1;
    for (size_t i = 0; l && i < l->n_namespaces; i++) {
        const oci_namespace *ns = &l->namespaces[i];
        int flag = oci_namespace_clone_flag(ns->type);
        if (!ns->path || !*ns->path) {
            plan->create[ns->type] = true;
            continue;
        }
        int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            congo_ns_plan_clear(plan);
            return congo_error_errno(err, "linux.namespaces[%zu].path: open `%s`", i, ns->path);
        }
        int type = ioctl(fd, NS_GET_NSTYPE);
        if (type < 0 || type != flag) {
            close(fd);
            congo_ns_plan_clear(plan);
            return congo_error_set(err, EINVAL, "linux.namespaces[%zu].path: `%s` is not a %s namespace", i,
                                   ns->path, oci_namespace_name(ns->type));
        }
        plan->join_fd[ns->type] = fd;
    }
    for (int t = 0; t < OCI_NS_COUNT; t++) {
        if (plan->join_fd[t] >= 0 && t != OCI_NS_PID && t != OCI_NS_TIME)
            plan->child_joins = true;
    }
    for (int t = 0; t < OCI_NS_COUNT; t++) {
        int flag = oci_namespace_clone_flag(t);
        if (!plan->create[t] || t == OCI_NS_TIME)
            continue; /* time: unshared by the parent before clone */
        /* The cgroup namespace is unshared by the child once it sits in its
         * cgroup, so that the container's cgroup becomes its root.  A pid
         * namespace can only be created by clone.  When the child joins
         * namespaces by path it must do so before creating new ones (a new
         * user namespace would lose the rights to setns into the host's). */
        if (t == OCI_NS_CGROUP || (plan->child_joins && t != OCI_NS_PID))
            plan->unshare_flags |= flag;
        else
            plan->clone_flags |= flag;
    }
    return 0;
}

void congo_ns_plan_clear(struct congo_ns_plan *plan)
{
    for (int t = 0; t < OCI_NS_COUNT; t++) {
        if (plan->join_fd[t] >= 0)
            close(plan->join_fd[t]);
        plan->join_fd[t] = -1;
    }
}

static int write_time_offsets(const oci_linux *l, congo_error *err)
{
    char buf[128];
    int n = 0;
    if (l->time_monotonic.set)
        n += snprintf(buf + n, sizeof buf - n, "monotonic %lld %u\n", (long long) l->time_monotonic.secs,
                      l->time_monotonic.nanosecs);
    if (l->time_boottime.set)
        n += snprintf(buf + n, sizeof buf - n, "boottime %lld %u\n", (long long) l->time_boottime.secs,
                      l->time_boottime.nanosecs);
    if (n == 0)
        return 0;
    /* One offset per write: the kernel parses a single line per write. */
    for (char *line = buf, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        int r = write_file_at(AT_FDCWD, "/proc/self/timens_offsets", line, nl - line + 1, err);
        if (r < 0)
            return congo_error_wrap(err, r, "linux.timeOffsets");
    }
    return 0;
}

int congo_ns_parent_prepare(struct congo_ns_plan *plan, const oci_linux *l, int saved[2], congo_error *err)
{
    saved[0] = saved[1] = -1;
    if (plan->join_fd[OCI_NS_PID] >= 0) {
        saved[0] = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
        if (saved[0] < 0)
            return congo_error_errno(err, "open /proc/self/ns/pid_for_children");
        if (setns(plan->join_fd[OCI_NS_PID], CLONE_NEWPID) < 0)
            return congo_error_errno(err, "join the pid namespace");
    }
    if (plan->create[OCI_NS_TIME] || plan->join_fd[OCI_NS_TIME] >= 0) {
        saved[1] = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
        if (saved[1] < 0)
            return congo_error_errno(err, "open /proc/self/ns/time_for_children");
        if (plan->join_fd[OCI_NS_TIME] >= 0) {
            if (setns(plan->join_fd[OCI_NS_TIME], CLONE_NEWTIME) < 0)
                return congo_error_errno(err, "join the time namespace");
        } else {
            if (unshare(CLONE_NEWTIME) < 0)
                return congo_error_errno(err, "create the time namespace");
            int r = write_time_offsets(l, err);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

int congo_ns_parent_restore(int saved[2], congo_error *err)
{
    int r = 0;
    if (saved[0] >= 0) {
        if (setns(saved[0], CLONE_NEWPID) < 0)
            r = congo_error_errno(err, "return to congo's pid namespace");
        close(saved[0]);
        saved[0] = -1;
    }
    if (saved[1] >= 0) {
        if (setns(saved[1], CLONE_NEWTIME) < 0 && r == 0)
            r = congo_error_errno(err, "return to congo's time namespace");
        close(saved[1]);
        saved[1] = -1;
    }
    return r;
}

int congo_ns_child_join(struct congo_ns_plan *plan, congo_error *err)
{
    /* The user namespace first: it grants the rights for the others. */
    static const int order[] = { OCI_NS_USER, OCI_NS_MOUNT, OCI_NS_NETWORK, OCI_NS_IPC, OCI_NS_UTS, OCI_NS_CGROUP };
    for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
        int t = order[i];
        if (plan->join_fd[t] < 0)
            continue;
        if (setns(plan->join_fd[t], oci_namespace_clone_flag(t)) < 0)
            return congo_error_errno(err, "join the %s namespace", oci_namespace_name(t));
        close(plan->join_fd[t]);
        plan->join_fd[t] = -1;
    }
    if (plan->unshare_flags && unshare(plan->unshare_flags) < 0)
        return congo_error_errno(err, "create namespaces (unshare 0x%x)", plan->unshare_flags);
    return 0;
}

pid_t congo_clone_into(int ns_flags, int cgroup_fd)
{
    struct clone_args args = { .flags = (uint64_t) ns_flags, .exit_signal = SIGCHLD };
    pid_t pid;

    /* CLONE_PARENT: the child's exit signal is the caller's own (clone3
     * rejects any other). */
    if (ns_flags & CLONE_PARENT)
        args.exit_signal = 0;

    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t) cgroup_fd;
    }
    pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0 && errno == ENOSYS && cgroup_fd < 0)
        pid = syscall(SYS_clone, (unsigned long) ns_flags | SIGCHLD, NULL, NULL, NULL, NULL);
    return pid;
}
