/* User namespace id maps written by a user other than root (rootless, as
 * runc and podman): the caller's own id alone is written directly (gid_map
 * after setgroups "deny", as the kernel requires); anything else through
 * the setuid newuidmap/newgidmap found on PATH, within the subordinate
 * ranges of /etc/subuid and /etc/subgid.  As root, maps are written as
 * they are.  Needs no more than libc (congo-image uses it too). */
#include "config.h"

#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "utils.h"

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

int congo_userns_subid_ranges(struct congo_subid_range **out, size_t *n_out, const char *text, const char *name,
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
    congo_userns_subid_ranges(&ranges, &n_ranges, text, name, (uint32_t) geteuid());
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

int congo_userns_check_id_maps(const oci_linux *l, congo_error *err)
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

int congo_userns_write_id_maps(pid_t pid, const oci_linux *l, congo_error *err)
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

int congo_userns_rootless_maps(oci_id_mapping uid[2], size_t *n_uid, oci_id_mapping gid[2], size_t *n_gid)
{
    _cleanup_free_ char *name = NULL;
    struct passwd *pw = getpwuid(getuid());
    if (pw)
        name = xstrdup(pw->pw_name);
    for (int u = 1; u >= 0; u--) {
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ struct congo_subid_range *ranges = NULL;
        size_t len, n = 0;
        congo_error ignored = CONGO_ERROR_INIT;
        oci_id_mapping *m = u ? uid : gid;
        size_t *nm = u ? n_uid : n_gid;
        if (read_file_at(AT_FDCWD, u ? "/etc/subuid" : "/etc/subgid", 16 << 20, &text, &len, &ignored) < 0)
            congo_error_clear(&ignored);
        congo_userns_subid_ranges(&ranges, &n, text, name, (uint32_t) getuid());
        m[0] = (oci_id_mapping){ 0, u ? (uint32_t) getuid() : (uint32_t) getgid(), 1 };
        *nm = 1;
        if (n > 0) {
            m[1] = (oci_id_mapping){ 1, ranges[0].start, ranges[0].count };
            *nm = 2;
        }
    }
    return 0;
}

int congo_userns_become_root(congo_error *err)
{
    oci_id_mapping uid[2], gid[2];
    oci_linux l = { 0 };
    int up[2], down[2], status, r;
    char c = 0;

    if (geteuid() == 0)
        return 0;
    congo_userns_rootless_maps(uid, &l.n_uid_mappings, gid, &l.n_gid_mappings);
    l.uid_mappings = uid;
    l.gid_mappings = gid;
    r = congo_userns_check_id_maps(&l, err);
    if (r < 0)
        return r;
    if (pipe2(up, O_CLOEXEC) < 0)
        return congo_error_errno(err, "pipe");
    if (pipe2(down, O_CLOEXEC) < 0) {
        close(up[0]);
        close(up[1]);
        return congo_error_errno(err, "pipe");
    }
    pid_t pid = fork();
    if (pid < 0) {
        r = congo_error_errno(err, "fork");
        close(up[0]);
        close(up[1]);
        close(down[0]);
        close(down[1]);
        return r;
    }
    if (pid == 0) {
        close(up[0]);
        close(down[1]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        c = unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? 'U' : 'E';
        if (c == 'E') {
            r = congo_error_errno(err, "create a user namespace");
            close(up[1]);
            close(down[0]);
            return r;
        }
        if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) != 1 || c != 'M')
            _exit(1); /* the parent reports */
        close(up[1]);
        close(down[0]);
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
            return congo_error_errno(err, "become root in the new user namespace");
        return 0;
    }
    close(up[1]);
    close(down[0]);
    if (read(up[0], &c, 1) != 1 || c != 'U') {
        /* The child failed to unshare and reports it itself. */
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
    }
    r = congo_userns_write_id_maps(pid, &l, err);
    if (r < 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        close(up[0]);
        close(down[1]);
        return r;
    }
    c = 'M';
    if (write(down[1], &c, 1) != 1)
        c = 0;
    close(up[0]);
    close(down[1]);
    /* The child is this command now: its status is ours; signals from the
     * terminal reach it too (same process group). */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}


bool congo_userns_in_child_ns(void)
{
    static int cached = -1;
    if (cached < 0) {
        char buf[64] = "";
        unsigned a = 0, b = 0, n = 0;
        _cleanup_close_ int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
        ssize_t k = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
        cached = k > 0 && sscanf(buf, "%u %u %u", &a, &b, &n) == 3 && !(a == 0 && b == 0 && n == 4294967295u);
    }
    return cached;
}

bool congo_userns_rootless(void)
{
    return geteuid() != 0 || congo_userns_in_child_ns();
}
