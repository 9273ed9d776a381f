/* The container process between its root filesystem and execve(): the
 * executable lookup, rlimits, identity (groups, uid/gid, capabilities,
 * umask, cwd, no_new_privs) and the exec itself.
 *
 * Messages keep runc's phrases where callers match on them: podman and
 * docker map "executable file not found in $PATH" and "no such file or
 * directory" to exit status 127 and "permission denied" to 126 (docker
 * case-sensitively: the errno text of an exec failure is in lower case). */
#include "config.h"

#include "process.h"
#include "caps.h"
#include "log.h"
#include "mounts.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- executable lookup ---------------------------------------------- */

static const char *env_get(char **env, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
            return env[i] + n + 1;
    return NULL;
}

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 1 && dir[0] == '/')
        return xasprintf("/%s", name);
    return xasprintf("%.*s/%s", (int) n, dir, name);
}

/* As Go's exec.LookPath (what runc uses) decides: a regular file or a
 * symlink to one with any execute bit; a directory or a file without one is
 * "permission denied".  Returns 0 or -errno. */
static int check_executable(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -errno;
    if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
        return -EACCES;
    return 0;
}

int congo_process_lookup(char **exe_out, const char *file, const char *path_env, const char *cwd, congo_error *err)
{
    _cleanup_free_ char *path_copy = NULL;
    char *entry, *next;
    int r;

    if (!cwd)
        cwd = "/";
    if (!file)
        file = "";
    if (strchr(file, '/')) {
        /* Relative to process.cwd: execve() runs after chdir(cwd). */
        _cleanup_free_ char *full = file[0] == '/' ? xstrdup(file) : path_join(cwd, file);
        r = check_executable(full);
        if (r == -EACCES)
            return congo_error_set_lower(err, EACCES, "exec: \"%s\"", file);
        if (r < 0)
            return congo_error_set_lower(err, -r, "exec: \"%s\": stat %s", file, full);
        *exe_out = xstrdup(file);
        return 0;
    }
    if (!path_env) {
        congo_error_set(err, 0, "exec: \"%s\": executable file not found in $PATH (process.env sets no PATH)", file);
        return -ENOENT;
    }
    if (*file) {
        path_copy = xstrdup(path_env);
        for (entry = path_copy; entry; entry = next) {
            _cleanup_free_ char *cand = NULL, *full = NULL;
            next = strchr(entry, ':');
            if (next)
                *next++ = '\0';
            /* An empty entry is the current directory (POSIX). */
            cand = path_join(*entry ? entry : ".", file);
            full = cand[0] == '/' ? xstrdup(cand) : path_join(cwd, cand);
            if (check_executable(full) < 0)
                continue;
            if (cand[0] != '/') {
                /* Go (and so runc) refuses these: PATH=. is a classic trap. */
                congo_error_set(err, 0, "exec: \"%s\": cannot run executable found relative to current directory",
                                file);
                return -ENOENT;
            }
            *exe_out = steal_pointer(&cand);
            return 0;
        }
    }
    congo_error_set(err, 0, "exec: \"%s\": executable file not found in $PATH", file);
    return -ENOENT;
}

/* process.cwd is resolved inside the process's root ("/", the container's
 * after pivot_root or setns): symlinks stay inside it, and magic links
 * (/proc/self/fd/N, /proc/PID/cwd, /proc/PID/root) are refused, since
 * they lead to whatever an fd or a process holds, a host directory when it
 * is congo's or its caller's (runc CVE-2024-21626). */
static int cwd_error(congo_error *err, int r, const char *cwd)
{
    if (r == -ELOOP || r == -EXDEV)
        return congo_error_set(err, -r, "process.cwd \"%s\": cannot be resolved inside the container's root "
                               "filesystem (it goes through a magic link such as /proc/self/fd/N, or loops)", cwd);
    return congo_error_set(err, -r, "process.cwd \"%s\"", cwd);
}

static int open_root(congo_error *err)
{
    int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return congo_error_errno(err, "open the root directory");
    return fd;
}

int congo_process_make_cwd(const oci_process *p, congo_error *err)
{
    const char *cwd = p->cwd ? p->cwd : "/";
    _cleanup_close_ int root = -1, fd = -1;
    struct stat st;

    if (cwd[0] != '/')
        return congo_error_set(err, EINVAL, "process.cwd \"%s\": not an absolute path", cwd);
    root = open_root(err);
    if (root < 0)
        return root;
    fd = congo_openat2(root, cwd, O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd == -ENOENT) {
        /* runc creates a missing cwd (0755, inside the container's root). */
        fd = congo_open_in_root(root, cwd, CONGO_PATH_DIR, 0, NULL, err);
        if (fd == -ELOOP || fd == -EXDEV) {
            congo_error_clear(err);
            return cwd_error(err, fd, cwd);
        }
        if (fd < 0)
            return congo_error_wrap(err, fd, "process.cwd \"%s\": create it", cwd);
    }
    if (fd < 0)
        return cwd_error(err, fd, cwd);
    if (fstat(fd, &st) < 0)
        return congo_error_errno(err, "process.cwd \"%s\"", cwd);
    if (!S_ISDIR(st.st_mode))
        return congo_error_set(err, ENOTDIR, "process.cwd \"%s\"", cwd);
    return 0;
}

/* The cwd must be beneath the root: a directory reached through an fd or a
 * mount from outside reads as "(unreachable)/..." (the raw syscall; glibc
 * would turn it into ENOENT).  Checked after every chdir, whatever resolved
 * the path. */
static int check_cwd(const char *cwd, congo_error *err)
{
    char buf[PATH_MAX + 1];
    long n = syscall(SYS_getcwd, buf, sizeof buf);
    if (n < 0)
        return congo_error_errno(err, "process.cwd \"%s\": check that it is inside the container (getcwd)", cwd);
    if (buf[0] != '/')
        return congo_error_set(err, EPERM, "process.cwd \"%s\" is outside the container's root filesystem", cwd);
    return 0;
}

/* chdir(cwd) inside the root.  -EACCES/-EPERM come back
 * without a message: set_identity retries them as the user. */
static int chdir_cwd(const char *cwd, bool quiet_eacces, congo_error *err)
{
    _cleanup_close_ int root = -1, fd = -1;

    root = open_root(err);
    if (root < 0)
        return root;
    fd = congo_openat2(root, cwd, O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd >= 0 && fchdir(fd) < 0)
        fd = -errno;
    if (fd < 0) {
        if (quiet_eacces && (fd == -EACCES || fd == -EPERM))
            return fd;
        if (fd == -ELOOP || fd == -EXDEV)
            return cwd_error(err, fd, cwd);
        return congo_error_set(err, -fd, "process.cwd \"%s\": chdir", cwd);
    }
    return 0;
}

int congo_process_resolve(char **exe_out, const oci_process *p, congo_error *err)
{
    int r;
    /* Capability sets the kernel would refuse at start: fail create instead. */
    if (p->capabilities && (r = congo_caps_check(p->capabilities, err)) < 0)
        return r;
    r = congo_process_make_cwd(p, err);
    if (r < 0)
        return r;
    if (!p->args || !p->args[0])
        return congo_error_set(err, EINVAL, "process.args: must contain at least the program to run");
    return congo_process_lookup(exe_out, p->args[0], env_get(p->env, "PATH"), p->cwd ? p->cwd : "/", err);
}

/* ---- rlimits ---------------------------------------------------------- */

static bool have_effective_cap(int cap)
{
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (capget(&hdr, data) < 0)
        return false;
    return (data[cap / 32].effective >> (cap % 32)) & 1;
}

static void fmt_rlim(char *buf, size_t len, rlim_t v)
{
    if (v == RLIM_INFINITY)
        snprintf(buf, len, "unlimited");
    else
        snprintf(buf, len, "%" PRIu64, (uint64_t) v);
}

int congo_process_set_limits(const oci_process *p, congo_error *err)
{
    for (size_t i = 0; i < p->n_rlimits; i++) {
        const oci_rlimit *rl = &p->rlimits[i];
        const char *type = rl->type ? rl->type : "?";
        struct rlimit cur, want;
        char soft[24], hard[24], curhard[24];

        if (rl->resource < 0 || rl->resource >= RLIM_NLIMITS)
            return congo_error_set(err, EINVAL, "process.rlimits[%zu]: unknown type \"%s\"", i, type);
        want.rlim_cur = rl->soft;
        want.rlim_max = rl->hard;
        fmt_rlim(soft, sizeof soft, want.rlim_cur);
        fmt_rlim(hard, sizeof hard, want.rlim_max);
        if (want.rlim_cur > want.rlim_max)
            return congo_error_set(err, EINVAL, "process.rlimits[%zu] (%s): soft limit %s is above the hard limit %s",
                                   i, type, soft, hard);
        if (getrlimit(rl->resource, &cur) < 0)
            return congo_error_errno(err, "process.rlimits[%zu] (%s): read the current limit", i, type);
        if (setrlimit(rl->resource, &want) == 0)
            continue;
        if (errno == EPERM && want.rlim_max > cur.rlim_max) {
            fmt_rlim(curhard, sizeof curhard, cur.rlim_max);
            if (!have_effective_cap(CAP_SYS_RESOURCE)) {
                congo_error_set(err, 0,
                                "process.rlimits[%zu] (%s): hard limit %s is above the host's %s and congo lacks "
                                "CAP_SYS_RESOURCE",
                                i, type, hard, curhard);
                return -EPERM;
            }
            if (rl->resource == RLIMIT_NOFILE)
                return congo_error_set(err, EPERM,
                                       "process.rlimits[%zu] (%s): hard limit %s is above the host's %s (and above "
                                       "fs.nr_open or outside the initial user namespace)",
                                       i, type, hard, curhard);
            return congo_error_set(err, EPERM,
                                   "process.rlimits[%zu] (%s): hard limit %s is above the host's %s (raising it needs "
                                   "CAP_SYS_RESOURCE in the initial user namespace)",
                                   i, type, hard, curhard);
        }
        return congo_error_errno(err, "process.rlimits[%zu] (%s): set soft %s, hard %s", i, type, soft, hard);
    }
    return 0;
}

/* ---- identity ----------------------------------------------------------- */

/* HOME for the target user from the container's /etc/passwd ("/" when the
 * uid has no entry), read before the uid switch; congo_process_exec() adds it
 * when process.env has no HOME, as runc and crun do. */
static char *home_from_passwd;
static bool home_looked_up;

static char *lookup_home(uint32_t uid)
{
    _cleanup_close_ int fd = -1;
    _cleanup_free_ char *data = NULL;
    struct stat st;
    char *line, *next;

    /* A hostile rootfs may make /etc/passwd a fifo or a device: regular files only. */
    fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return xstrdup("/");
    if (read_fd(fd, 16 << 20, &data, NULL, NULL) < 0)
        return xstrdup("/");
    for (line = data; line; line = next) {
        char *f[7];
        int n = 0;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        f[n++] = line;
        for (char *c = line; *c && n < 7; c++)
            if (*c == ':') {
                *c = '\0';
                f[n++] = c + 1;
            }
        if (n < 6)
            continue;
        long long v;
        if (parse_int64(f[2], &v) == 0 && v == (long long) uid)
            return xstrdup(*f[5] ? f[5] : "/");
    }
    return xstrdup("/");
}

static void remember_home(uint32_t uid)
{
    free(home_from_passwd);
    home_from_passwd = lookup_home(uid);
    home_looked_up = true;
}

/* Stdio belongs to the process's user, as in runc: a non-root process can
 * then reopen it (/dev/stdout is /proc/self/fd/1, which checks the pipe's or
 * the pty's owner).  Pipes, and the pty congo made (process.terminal), not a
 * file or the caller's own terminal: those are the host's.  The group stays
 * (the pty's is tty).  EPERM and EINVAL (an owner or uid not mapped in the
 * user namespace) are ignored, as runc does. */
static int chown_stdio(const oci_process *p, congo_error *err)
{
    uint32_t uid = p->user.uid;

    for (int fd = 0; fd <= 2; fd++) {
        struct stat st;
        if (fstat(fd, &st) < 0) {
            if (errno == EBADF)
                continue;
            return congo_error_errno(err, "stdio: fstat fd %d", fd);
        }
        if (st.st_uid == uid)
            continue;
        if (!S_ISFIFO(st.st_mode) && !(p->terminal && S_ISCHR(st.st_mode) && isatty(fd)))
            continue;
        if (fchown(fd, uid, (gid_t) -1) < 0 && errno != EPERM && errno != EINVAL)
            return congo_error_errno(err, "stdio: give fd %d to process.user.uid %" PRIu32, fd, uid);
    }
    return 0;
}

int congo_process_set_identity(const oci_process *p, bool setgroups_allowed, congo_error *err)
{
    const oci_user *u = &p->user;
    const char *cwd = p->cwd ? p->cwd : "/";
    bool chdir_done = false;
    int r;

    if (p->capabilities) {
        r = congo_caps_check(p->capabilities, err);
        if (r < 0)
            return r;
    }
    remember_home(u->uid);

    /* chdir as root first, then again as the user when root was refused (a
     * root-squashed NFS volume chowned to the user), as runc does. */
    r = chdir_cwd(cwd, true, err);
    if (r == 0)
        chdir_done = true;
    else if (r != -EACCES && r != -EPERM)
        return r;

    r = chown_stdio(p, err);
    if (r < 0)
        return r;
    /* Bounding set first: dropping needs CAP_SETPCAP, which the uid switch may take away. */
    r = congo_caps_drop_bounding(p->capabilities, err);
    if (r < 0)
        return r;
    /* Keep the permitted set across the switch to a non-zero uid; the
     * capability sets are written right after it. */
    if (p->capabilities && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return congo_error_errno(err, "prctl(PR_SET_KEEPCAPS)");

    if (setgroups_allowed) {
        if (setgroups(u->n_additional_gids, (const gid_t *) u->additional_gids) < 0) {
            if (errno == EINVAL)
                return congo_error_set(err, EINVAL,
                                       "process.user.additionalGids: a group is not mapped in the container's user "
                                       "namespace (setgroups)");
            return congo_error_errno(err, "process.user.additionalGids: setgroups");
        }
    } else if (u->n_additional_gids > 0) {
        return congo_error_set(err, EPERM,
                               "process.user.additionalGids: cannot set additional groups: setgroups is denied in "
                               "this user namespace");
    }
    if (setresgid(u->gid, u->gid, u->gid) < 0) {
        if (errno == EINVAL)
            return congo_error_set(err, EINVAL, "process.user.gid %" PRIu32 " is not mapped in the container's user "
                                   "namespace", u->gid);
        return congo_error_errno(err, "process.user.gid %" PRIu32 ": setresgid", u->gid);
    }
    if (setresuid(u->uid, u->uid, u->uid) < 0) {
        if (errno == EINVAL)
            return congo_error_set(err, EINVAL, "process.user.uid %" PRIu32 " is not mapped in the container's user "
                                   "namespace", u->uid);
        return congo_error_errno(err, "process.user.uid %" PRIu32 ": setresuid", u->uid);
    }
    if (p->capabilities) {
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
            return congo_error_errno(err, "prctl(PR_SET_KEEPCAPS)");
        /* The inheritable set is exactly what was asked (empty when absent): CVE-2022-29162. */
        r = congo_caps_set(p->capabilities, err);
        if (r < 0)
            return r;
    }

    umask(u->umask.set ? (mode_t) (u->umask.value & 07777) : 0022);

    if (!chdir_done) {
        r = chdir_cwd(cwd, false, err);
        if (r < 0)
            return r;
    }

    if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return congo_error_errno(err, "prctl(PR_SET_NO_NEW_PRIVS)");
    return check_cwd(cwd, err);
}

/* ---- LISTEN_FDS ------------------------------------------------------- */

static int listen_fds_count = -1;

int congo_process_listen_fds(void)
{
    const char *fds, *pid;
    long long n, lpid;

    if (listen_fds_count >= 0)
        return listen_fds_count;
    listen_fds_count = 0;
    fds = getenv("LISTEN_FDS");
    pid = getenv("LISTEN_PID");
    /* sd_listen_fds(3): the fds are ours only when LISTEN_PID names us. */
    if (!fds || !pid || parse_int64(fds, &n) < 0 || parse_int64(pid, &lpid) < 0)
        return 0;
    if (lpid != (long long) getpid() || n <= 0 || n > INT_MAX - 3)
        return 0;
    listen_fds_count = (int) n;
    return listen_fds_count;
}

/* ---- exec ------------------------------------------------------------- */

char **congo_process_env(const oci_process *p, const char *home, int listen_fds, long listen_pid)
{
    size_t n = strv_length(p->env), k = 0;
    char **env = xnew0(char *, n + 4);
    bool have_home = false;

    for (size_t i = 0; i < n; i++) {
        const char *e = p->env[i];
        if (listen_fds > 0 && (str_has_prefix(e, "LISTEN_FDS=") || str_has_prefix(e, "LISTEN_PID=")))
            continue;
        if (str_has_prefix(e, "HOME=")) {
            /* runc replaces an empty HOME too. */
            if (e[5] == '\0' && home)
                continue;
            have_home = true;
        }
        env[k++] = xstrdup(e);
    }
    if (listen_fds > 0) {
        env[k++] = xasprintf("LISTEN_FDS=%d", listen_fds);
        env[k++] = xasprintf("LISTEN_PID=%ld", listen_pid);
    }
    if (!have_home && home)
        env[k++] = xasprintf("HOME=%s", home);
    env[k] = NULL;
    return env;
}

int congo_process_exec_prepare(char **exe_out, char ***env_out, const oci_process *p, const char *exe,
                               congo_error *err)
{
    _cleanup_free_ char *resolved = NULL;
    int r;

    if (!p->args || !p->args[0])
        return congo_error_set(err, EINVAL, "process.args: must contain at least the program to run");
    if (!exe) {
        r = congo_process_lookup(&resolved, p->args[0], env_get(p->env, "PATH"), ".", err);
        if (r < 0)
            return r;
        exe = resolved;
    }
    if (!home_looked_up)
        remember_home((uint32_t) geteuid());
    *exe_out = resolved ? steal_pointer(&resolved) : xstrdup(exe);
    /* LISTEN_PID is the pid the program will have: 1 in a new pid namespace. */
    *env_out = congo_process_env(p, home_from_passwd, listen_fds_count > 0 ? listen_fds_count : 0, (long) getpid());
    return 0;
}

int congo_process_exec(const oci_process *p, const char *exe, congo_error *err)
{
    _cleanup_free_ char *path = NULL;
    _cleanup_strv_ char **env = NULL;
    int r = congo_process_exec_prepare(&path, &env, p, exe, err);
    if (r < 0)
        return r;
    execve(path, p->args, env);
    return congo_error_set_lower(err, errno, "exec: \"%s\"", path);
}
