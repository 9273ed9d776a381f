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

static const char *map_field(bool uid)
{
    return uid ? "linux.uidMappings" : "linux.gidMappings";
}

static int write_map(pid_t pid, bool uid, const oci_id_mapping *m, size_t n, congo_error *err)
{
    char path[64];
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    if (n == 0)
        return 0;
    buf = xmalloc(n * 40 + 1);
    for (size_t i = 0; i < n; i++)
        len += sprintf(buf + len, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
    snprintf(path, sizeof path, "/proc/%d/%s", (int) pid, uid ? "uid_map" : "gid_map");
    int r = write_file_at(AT_FDCWD, path, buf, len, err);
    if (r < 0)
        return congo_error_wrap(err, r, "%s", map_field(uid));
    return 0;
}

/* An unprivileged user may write one mapping of its own id (for gid_map,
 * once setgroups is denied); anything else goes through newuidmap/newgidmap. */
static bool own_id_only(bool uid, const oci_id_mapping *m, size_t n)
{
    return n == 1 && m[0].size == 1 && m[0].host_id == (uid ? (uint32_t) geteuid() : (uint32_t) getegid());
}

int congo_ns_subid_ranges(struct congo_subid_range **out, size_t *n_out, const char *text, const char *name,
                          uint32_t id)
{
    struct congo_subid_range *r = NULL;
    size_t n = 0;
    char idstr[16];
    snprintf(idstr, sizeof idstr, "%u", id);
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t) (nl - line) : strlen(line);
        _cleanup_free_ char *l = strndup(line, len);
        line = nl ? nl + 1 : NULL;
        char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *end1, *end2;
        if (!c1 || !c2 || l[0] == '#')
            continue;
        *c1 = *c2 = '\0';
        if (strcmp(l, idstr) != 0 && (!name || strcmp(l, name) != 0))
            continue;
        errno = 0;
        unsigned long long start = strtoull(c1 + 1, &end1, 10), count = strtoull(c2 + 1, &end2, 10);
        if (errno || end1 == c1 + 1 || *end1 || end2 == c2 + 1 || (*end2 && *end2 != '\r') || count == 0 ||
            start + count > (1ULL << 32))
            continue;
        r = xrealloc(r, (n + 1) * sizeof *r);
        r[n].start = (uint32_t) start;
        r[n].count = (uint32_t) count;
        n++;
    }
    *out = r;
    *n_out = n;
    return 0;
}

/* The mappings an unprivileged user may ask newuidmap/newgidmap for: its own
 * id (size 1) or ranges inside its lines of /etc/subuid or /etc/subgid.
 * Checked before anything is made, for an error that names the problem. */
static int check_subid_map(bool uid, const oci_id_mapping *m, size_t n, congo_error *err)
{
    const char *file = uid ? "/etc/subuid" : "/etc/subgid";
    uint32_t self = uid ? (uint32_t) geteuid() : (uint32_t) getegid();
    _cleanup_free_ char *text = NULL, *name = NULL;
    _cleanup_free_ struct congo_subid_range *ranges = NULL;
    size_t len, n_ranges = 0;
    congo_error ignored = CONGO_ERROR_INIT;

    struct passwd *pw = getpwuid(geteuid());
    if (pw)
        name = xstrdup(pw->pw_name);
    if (read_file_at(AT_FDCWD, file, 16 << 20, &text, &len, &ignored) < 0)
        congo_error_clear(&ignored);
    congo_ns_subid_ranges(&ranges, &n_ranges, text, name, (uint32_t) geteuid());
    for (size_t i = 0; i < n; i++) {
        uint64_t lo = m[i].host_id, hi = lo + m[i].size;
        if (m[i].size == 1 && lo == self)
            continue;
        bool ok = false;
        for (size_t k = 0; k < n_ranges && !ok; k++)
            ok = lo >= ranges[k].start && hi <= (uint64_t) ranges[k].start + ranges[k].count;
        if (ok)
            continue;
        if (n_ranges == 0)
            return congo_error_set(err, EPERM,
                                   "%s[%zu]: host IDs %llu-%llu are not %s own %s %u, and user `%s` (uid %u) has no "
                                   "subordinate range in %s",
                                   map_field(uid), i, (unsigned long long) lo, (unsigned long long) hi - 1,
                                   "the caller's", uid ? "uid" : "gid", self, name ? name : "?",
                                   (unsigned) geteuid(), file);
        _cleanup_free_ char *have = xstrdup("");
        for (size_t k = 0; k < n_ranges; k++) {
            char *t = xasprintf("%s%s%u-%llu", have, k ? ", " : "", ranges[k].start,
                                (unsigned long long) ranges[k].start + ranges[k].count - 1);
            free(have);
            have = t;
        }
        return congo_error_set(err, EPERM,
                               "%s[%zu]: host IDs %llu-%llu are outside the caller's %s %u and the ranges %s gives "
                               "user `%s`: %s",
                               map_field(uid), i, (unsigned long long) lo, (unsigned long long) hi - 1,
                               uid ? "uid" : "gid", self, file, name ? name : "?", have);
    }
    return 0;
}

/* The helper's path on $PATH (as a shell finds it), or NULL. */
static char *find_helper(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; p;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t) (colon - p) : strlen(p);
        if (len > 0) {
            char *cand = xasprintf("%.*s/%s", (int) len, p, prog);
            if (access(cand, X_OK) == 0)
                return cand;
            free(cand);
        }
        p = colon ? colon + 1 : NULL;
    }
    return NULL;
}

static int need_helper(char **helper, bool uid, congo_error *err)
{
    const char *prog = uid ? "newuidmap" : "newgidmap";
    char *h = find_helper(prog);
    if (!h) {
        const char *path = getenv("PATH");
        return congo_error_set(err, ENOENT,
                               "%s: mapping more than the caller's own %s as a user other than root needs `%s` "
                               "(Debian package uidmap), not found on PATH `%s`",
                               map_field(uid), uid ? "uid" : "gid", prog, path ? path : "");
    }
    *helper = h;
    return 0;
}

int congo_ns_check_id_maps(const oci_linux *l, congo_error *err)
{
    if (geteuid() == 0)
        return 0;
    for (int u = 1; u >= 0; u--) {
        const oci_id_mapping *m = u ? l->uid_mappings : l->gid_mappings;
        size_t n = u ? l->n_uid_mappings : l->n_gid_mappings;
        _cleanup_free_ char *helper = NULL;
        if (n == 0 || own_id_only(u, m, n))
            continue;
        int r = check_subid_map(u, m, n, err);
        if (r < 0)
            return r;
        r = need_helper(&helper, u, err);
        if (r < 0)
            return r;
    }
    return 0;
}

/* newuidmap PID ID HOSTID SIZE...: its stderr becomes the error's text. */
static int run_helper(pid_t pid, bool uid, const oci_id_mapping *m, size_t n, congo_error *err)
{
    _cleanup_free_ char *helper = NULL;
    _cleanup_free_ char **argv = NULL;
    char pidstr[16], buf[512];
    int p[2], r, status;
    size_t got = 0;

    r = need_helper(&helper, uid, err);
    if (r < 0)
        return r;
    argv = xzalloc((3 * n + 3) * sizeof *argv);
    snprintf(pidstr, sizeof pidstr, "%d", (int) pid);
    argv[0] = helper;
    argv[1] = pidstr;
    for (size_t i = 0; i < n; i++) {
        argv[2 + 3 * i] = xasprintf("%u", m[i].container_id);
        argv[3 + 3 * i] = xasprintf("%u", m[i].host_id);
        argv[4 + 3 * i] = xasprintf("%u", m[i].size);
    }
    if (pipe2(p, O_CLOEXEC) < 0) {
        r = congo_error_errno(err, "pipe");
        goto out;
    }
    pid_t child = fork();
    if (child < 0) {
        r = congo_error_errno(err, "fork `%s`", helper);
        close(p[0]);
        close(p[1]);
        goto out;
    }
    if (child == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(p[1], 1);
        dup2(p[1], 2);
        execv(helper, argv);
        _exit(127);
    }
    close(p[1]);
    for (ssize_t k; got < sizeof buf - 1 && (k = read(p[0], buf + got, sizeof buf - 1 - got)) != 0;) {
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            break;
        got += (size_t) k;
    }
    close(p[0]);
    buf[got] = '\0';
    while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == ' '))
        buf[--got] = '\0';
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        r = congo_error_set(err, EPERM, "%s: `%s` failed (%s %d)%s%s", map_field(uid), helper,
                            WIFEXITED(status) ? "exit status" : "signal",
                            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), got ? ": " : "", buf);
    else
        r = 0;
out:
    for (size_t i = 2; i < 3 * n + 2; i++)
        free(argv[i]);
    return r;
}

int congo_ns_write_id_maps(pid_t pid, const oci_linux *l, congo_error *err)
{
    int r;
    if (geteuid() == 0) {
        r = write_map(pid, true, l->uid_mappings, l->n_uid_mappings, err);
        if (r < 0)
            return r;
        return write_map(pid, false, l->gid_mappings, l->n_gid_mappings, err);
    }
    /* Rootless (as runc): the caller's own id alone is written directly;
     * more takes the setuid helpers and the subordinate ranges. */
    if (own_id_only(true, l->uid_mappings, l->n_uid_mappings))
        r = write_map(pid, true, l->uid_mappings, l->n_uid_mappings, err);
    else if (l->n_uid_mappings > 0)
        r = run_helper(pid, true, l->uid_mappings, l->n_uid_mappings, err);
    else
        r = 0;
    if (r < 0)
        return r;
    if (own_id_only(false, l->gid_mappings, l->n_gid_mappings)) {
        /* The kernel lets an unprivileged process write a gid_map only
         * once setgroups is denied in the namespace. */
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/setgroups", (int) pid);
        r = write_file_at(AT_FDCWD, path, "deny", 4, err);
        if (r < 0)
            return congo_error_wrap(err, r, "linux.gidMappings");
        return write_map(pid, false, l->gid_mappings, l->n_gid_mappings, err);
    }
    if (l->n_gid_mappings > 0)
        return run_helper(pid, false, l->gid_mappings, l->n_gid_mappings, err);
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
