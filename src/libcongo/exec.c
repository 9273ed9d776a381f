/* congo exec: see exec.h for the sequence and why it is shaped so. */
#include "config.h"

#include "exec.h"

#include <ctype.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "log.h"
#include "lsm.h"
#include "namespaces.h"
#include "process.h"
#include "process-attrs.h"
#include "seccomp.h"
#include "self-exe.h"
#include "state.h"
#include "supervise.h"
#include "terminal.h"
#include "utils.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

/* ---- the process -------------------------------------------------------- */

static bool env_name_eq(const char *a, const char *b)
{
    size_t la = strcspn(a, "="), lb = strcspn(b, "=");
    return la == lb && strncmp(a, b, la) == 0;
}

int congo_env_merge(char ***env, char *const *add, const char *what, congo_error *err)
{
    size_t n = strv_length(*env);
    for (size_t i = 0; add && add[i]; i++) {
        const char *e = add[i], *eq = strchr(e, '=');
        size_t j;
        if (!eq || eq == e)
            return congo_error_set(err, 0, "%s `%s`: expected NAME=value", what, e);
        for (j = 0; j < n; j++)
            if (env_name_eq((*env)[j], e))
                break;
        if (j < n) {
            free((*env)[j]);
            (*env)[j] = xstrdup(e);
            continue;
        }
        *env = xrealloc(*env, (n + 2) * sizeof **env);
        (*env)[n++] = xstrdup(e);
        (*env)[n] = NULL;
    }
    return 0;
}

static int parse_id(uint32_t *out, const char *s)
{
    unsigned long long v;
    if (!s || !*s || parse_uint64(s, &v) < 0 || v >= UINT32_MAX)
        return -EINVAL;
    *out = (uint32_t) v;
    return 0;
}

int congo_exec_parse_user(uint32_t *uid, uint32_t *gid, bool *gid_set, const char *s, congo_error *err)
{
    const char *colon = strchr(s, ':');
    _cleanup_free_ char *u = colon ? xstrndup(s, colon - s) : xstrdup(s);
    uint32_t ui, gi = 0;

    if (parse_id(&ui, u) < 0 || (colon && parse_id(&gi, colon + 1) < 0))
        return congo_error_set(err, 0, "--user `%s`: expected UID[:GID] (numbers below 4294967295; names are "
                               "not looked up)", s);
    *uid = ui;
    *gid = gi;
    *gid_set = colon != NULL;
    return 0;
}

void congo_exec_subcgroups_free(struct congo_exec_subcgroup *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++) {
        strv_free(s[i].controllers);
        free(s[i].path);
    }
    free(s);
}

int congo_exec_parse_cgroups(struct congo_exec_subcgroup **out, size_t *n_out, char *const *args, congo_error *err)
{
    size_t n = strv_length(args), k = 0;
    struct congo_exec_subcgroup *s = xnew0(struct congo_exec_subcgroup, n + 1);

    for (size_t i = 0; i < n; i++) {
        const char *a = args[i], *colon = strchr(a, ':');
        struct congo_exec_subcgroup *e = &s[k++];
        const char *path = colon ? colon + 1 : a;
        if (!colon && n > 1) {
            congo_exec_subcgroups_free(s, k);
            return congo_error_set(err, 0, "--cgroup `%s`: a sub-cgroup for every controller must be the only "
                                   "--cgroup (else give CONTROLLER[,...]:SUBPATH)", a);
        }
        if (colon) {
            _cleanup_free_ char *list = xstrndup(a, colon - a);
            char *save = NULL;
            size_t nc = 0;
            for (char *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
                /* A controller in two arguments: which sub-cgroup would win? */
                for (size_t j = 0; j + 1 < k; j++)
                    for (char **o = s[j].controllers; o && *o; o++)
                        if (strcmp(*o, c) == 0) {
                            congo_exec_subcgroups_free(s, k);
                            return congo_error_set(err, 0, "--cgroup: controller `%s` is given twice", c);
                        }
                e->controllers = xrealloc(e->controllers, (nc + 2) * sizeof(char *));
                e->controllers[nc++] = xstrdup(c);
                e->controllers[nc] = NULL;
            }
            if (nc == 0 || colon == a || a[colon - a - 1] == ',' || a[0] == ',' || strstr(list, ",,")) {
                congo_exec_subcgroups_free(s, k);
                return congo_error_set(err, 0, "--cgroup `%s`: empty controller name before `:`", a);
            }
        }
        bool bad = !*path || path[0] == '/';
        for (const char *p = path; !bad && *p;) {
            size_t l = strcspn(p, "/");
            bad = (l == 2 && strncmp(p, "..", 2) == 0) || (l == 0);
            p += l + (p[l] == '/');
        }
        if (bad) {
            congo_exec_subcgroups_free(s, k);
            return congo_error_set(err, 0, "--cgroup `%s`: expected a sub-cgroup path relative to the "
                                   "container's cgroup, without `..` or empty components", a);
        }
        e->path = xstrdup(path);
    }
    *out = s;
    *n_out = k;
    return 0;
}

static char *cap_normalise(const char *name)
{
    char *c = str_has_prefix(name, "CAP_") || str_has_prefix(name, "cap_") ? xstrdup(name)
                                                                            : xasprintf("CAP_%s", name);
    for (char *p = c; *p; p++)
        *p = (char) toupper((unsigned char) *p);
    return c;
}

static void strv_append(char ***v, const char *s)
{
    size_t n = strv_length(*v);
    /* Already there: a set, not a list. */
    for (size_t i = 0; i < n; i++)
        if (strcmp((*v)[i], s) == 0)
            return;
    *v = xrealloc(*v, (n + 2) * sizeof **v);
    (*v)[n] = xstrdup(s);
    (*v)[n + 1] = NULL;
}

/* Command-line overrides, applied on top of the process (runc's semantics). */
static int apply_flags(oci_process *p, const struct congo_exec_opts *o, congo_error *err)
{
    int r;
    if (o->tty)
        p->terminal = true;
    if (o->cwd) {
        if (o->cwd[0] != '/')
            return congo_error_set(err, 0, "--cwd `%s`: expected an absolute path", o->cwd);
        free(p->cwd);
        p->cwd = xstrdup(o->cwd);
    }
    if (o->apparmor) {
        free(p->apparmor_profile);
        p->apparmor_profile = xstrdup(o->apparmor);
    }
    if (o->process_label) {
        free(p->selinux_label);
        p->selinux_label = xstrdup(o->process_label);
    }
    for (size_t i = 0; o->caps && o->caps[i]; i++) {
        _cleanup_free_ char *c = cap_normalise(o->caps[i]);
        if (congo_cap_from_name(c) < 0)
            return congo_error_set(err, 0, "--cap `%s`: unknown capability", o->caps[i]);
        if (!p->capabilities)
            p->capabilities = xzalloc(sizeof *p->capabilities);
        strv_append(&p->capabilities->bounding, c);
        strv_append(&p->capabilities->effective, c);
        strv_append(&p->capabilities->permitted, c);
        /* Ambient needs inheritable, which --cap does not add: only when the
         * process already has an inheritable set (as runc). */
        if (p->capabilities->inheritable)
            strv_append(&p->capabilities->ambient, c);
    }
    r = congo_env_merge(&p->env, o->env, "--env", err);
    if (r < 0)
        return r;
    if (o->no_new_privs)
        p->no_new_privileges = true;
    if (o->user) {
        uint32_t uid, gid;
        bool gid_set;
        r = congo_exec_parse_user(&uid, &gid, &gid_set, o->user, err);
        if (r < 0)
            return r;
        p->user.uid = uid;
        if (gid_set)
            p->user.gid = gid;
    }
    for (size_t i = 0; o->additional_gids && o->additional_gids[i]; i++) {
        uint32_t g;
        if (parse_id(&g, o->additional_gids[i]) < 0)
            return congo_error_set(err, 0, "--additional-gids `%s`: expected a group ID (0..4294967294)",
                                   o->additional_gids[i]);
        p->user.additional_gids = xrealloc(p->user.additional_gids,
                                           (p->user.n_additional_gids + 1) * sizeof *p->user.additional_gids);
        p->user.additional_gids[p->user.n_additional_gids++] = g;
    }
    return 0;
}

int congo_exec_process(oci_process **out, oci_config *c, oci_process *from_file, const struct congo_exec_opts *o,
                       congo_error *err)
{
    oci_process *cp = c ? c->process : NULL, *p;
    const char *source = o->process_file ? o->process_file : "the container's process (config.json) and flags";
    int r;

    if (from_file) {
        p = from_file;
        if (o->args && o->args[0]) {
            oci_process_free(p);
            return congo_error_set(err, 0, "a COMMAND (`%s`) and --process both given: the process comes from "
                                   "--process `%s`", o->args[0], o->process_file);
        }
        /* What the process leaves unset comes from the container (runc). */
        if (cp) {
            if (!p->capabilities)
                p->capabilities = steal_pointer(&cp->capabilities);
            if (p->n_rlimits == 0) {
                p->rlimits = steal_pointer(&cp->rlimits);
                p->n_rlimits = cp->n_rlimits;
                cp->n_rlimits = 0;
            }
            if (!p->apparmor_profile)
                p->apparmor_profile = steal_pointer(&cp->apparmor_profile);
            if (!p->selinux_label)
                p->selinux_label = steal_pointer(&cp->selinux_label);
            if (!p->user.umask.set)
                p->user.umask = cp->user.umask;
            if (!p->oom_score_adj.set)
                p->oom_score_adj = cp->oom_score_adj;
        }
    } else {
        if (!o->args || !o->args[0])
            return congo_error_set(err, 0, "no COMMAND to run (give one after the container ID, or --process)");
        p = cp ? steal_pointer(&c->process) : xzalloc(sizeof *p);
        strv_free(p->args);
        p->args = strv_dup(o->args);
        /* A terminal only when asked (-t), whatever the container's process has. */
        p->terminal = false;
        if (!p->cwd)
            p->cwd = xstrdup("/");
    }
    r = apply_flags(p, o, err);
    if (r >= 0)
        r = oci_process_validate(p, source, err);
    if (r < 0) {
        oci_process_free(p);
        return r;
    }
    *out = p;
    return 0;
}

/* ---- the child ---------------------------------------------------------- */

enum exec_msg {
    MSG_SECCOMP = 'S', /* child: the seccomp listener fd follows (congo_seccomp_load_send) */
    MSG_READY = 'R',   /* child: everything done; execve next */
    MSG_ERROR = 'E',   /* child: failed; an error record follows */
    MSG_STUB = 'X',    /* exec-stub: its execve failed; the errno (int) follows */
};

struct exec_child {
    oci_process *p;
    const oci_linux *linux_;     /* the container's: personality, memoryPolicy */
    const char *pfx;             /* JSON path of the process in messages: "process." or "" (--process) */
    const char *process_file;    /* --process FILE, named in messages about its fields */
    struct congo_seccomp *seccomp;
    const char *id;
    int pidfd;          /* the container's init */
    int root_fd;        /* the init's root directory (/proc/PID/root), O_PATH */
    int sync_fd;        /* the child's end of the sync socket */
    int console_fd;     /* where the pty master goes (p->terminal), or -1 */
    int stub_fd;        /* sealed memfd of the exec-stub, or -1: exec directly (self-exe.h) */
    int ns_flags;       /* namespaces to join with setns(pidfd) */
    int preserve_fds;
    bool setgroups_allowed;
    struct congo_cgroup *cgroup; /* to enter (NULL: none) */
    bool cgroup_v2_done;         /* clone3 put us in its cgroup2 directory */
};

static int send_byte(int fd, char c)
{
    ssize_t n;
    do
        n = send(fd, &c, 1, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -errno;
}

__attribute__((noreturn)) static void child_fail(struct exec_child *c, congo_error *err, int status)
{
    if (send_byte(c->sync_fd, MSG_ERROR) == 0)
        congo_error_send(c->sync_fd, err);
    _exit(status);
}

/* Errors about fields of a --process document name it. */
static int in_file(const struct exec_child *c, congo_error *err, int r)
{
    if (r < 0 && c->process_file)
        congo_error_wrap(err, r, "--process `%s`", c->process_file);
    return r;
}

/* Without process.capabilities the process keeps congo's capabilities, but
 * never an inheritable or ambient set congo's caller gave it: those would
 * survive execve (CVE-2022-29162). */
static int clear_inheritable(congo_error *err)
{
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (capget(&hdr, data) < 0)
        return congo_error_errno(err, "capget");
    if (data[0].inheritable || data[1].inheritable) {
        data[0].inheritable = data[1].inheritable = 0;
        if (capset(&hdr, data) < 0)
            return congo_error_errno(err, "clear the inheritable capabilities");
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return congo_error_errno(err, "clear the ambient capabilities");
    return 0;
}

__attribute__((noreturn)) static void exec_child(struct exec_child *c)
{
    congo_error err = CONGO_ERROR_INIT;
    const oci_process *p = c->p;
    struct congo_lsm_exec lsm = CONGO_LSM_EXEC_INIT;
    int min_fd = 3 + c->preserve_fds, keep[5], r;
    bool notify, early;

    /* Die with congo until the process is set up. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    congo_signals_reset();
    /* Into the container's cgroup first, before anything is charged; with
     * process.execCPUAffinity, from its initial CPUs to its final ones. */
    if (in_file(c, &err, congo_exec_cpu_affinity_initial(p, c->pfx, &err)) < 0)
        child_fail(c, &err, 1);
    if (c->cgroup && congo_cgroup_exec_enter_self(c->cgroup, !c->cgroup_v2_done, &err) < 0)
        child_fail(c, &err, 1);
    if (in_file(c, &err, congo_exec_cpu_affinity_final(p, c->pfx, &err)) < 0)
        child_fail(c, &err, 1);
    if (p->oom_score_adj.set) {
        char val[32];
        int n = snprintf(val, sizeof val, "%lld", (long long) p->oom_score_adj.value);
        r = write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", val, n, &err);
        if (r < 0) {
            congo_error_wrap(&err, r, "process.oomScoreAdj");
            child_fail(c, &err, 1);
        }
    }
    /* Nothing of congo's may reach the container: keep only the fds needed
     * here (above the preserved ones), close the rest now, before any
     * namespace is entered (a host directory fd as cwd would be an escape). */
    if (fd_move_above(&c->sync_fd, min_fd) < 0 || fd_move_above(&c->pidfd, min_fd) < 0 ||
        fd_move_above(&c->console_fd, min_fd) < 0 || fd_move_above(&c->stub_fd, min_fd) < 0 ||
        fd_move_above(&c->root_fd, min_fd) < 0)
        _exit(1);
    keep[0] = c->sync_fd;
    keep[1] = c->pidfd;
    keep[2] = c->console_fd;
    keep[3] = c->stub_fd;
    keep[4] = c->root_fd;
    if (close_fds_from(min_fd, keep, ARRAY_SIZE(keep)) < 0)
        _exit(1);
    /* The LSM attr files are opened while /proc is still the host's (and
     * before the session keyring, which the SELinux label labels). */
    if (in_file(c, &err, congo_lsm_prepare(&lsm, p, NULL, c->pfx, &err)) < 0)
        child_fail(c, &err, 1);

    /* Before the user namespace: raising a hard limit needs CAP_SYS_RESOURCE
     * in the initial one. */
    r = congo_process_set_limits(p, &err);
    if (r < 0)
        child_fail(c, &err, 1);
    if (c->ns_flags && setns(c->pidfd, c->ns_flags) < 0) {
        congo_error_errno(&err, "join the container's namespaces");
        child_fail(c, &err, 1);
    }
    close(c->pidfd);
    /* The init's root, not the mount namespace's: they differ when the
     * container has no mount namespace of its own (the init chrooted into
     * root.path) or joined one by path; without this the process would run
     * on the host's root. */
    if (fchdir(c->root_fd) < 0 || chroot(".") < 0) {
        congo_error_errno(&err, "enter the container's root directory");
        child_fail(c, &err, 1);
    }
    close(c->root_fd);
    if (setsid() < 0) {
        congo_error_errno(&err, "setsid");
        child_fail(c, &err, 1);
    }
    {
        /* A session keyring of its own, as the container's init has. */
        char name[64];
        snprintf(name, sizeof name, "_ses.%.40s", c->id);
        if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0) < 0 && errno != ENOSYS &&
            errno != EPERM && errno != EACCES && errno != EDQUOT) {
            congo_error_errno(&err, "join a session keyring");
            child_fail(c, &err, 1);
        }
    }
    if (p->terminal) {
        r = congo_terminal_open(c->console_fd, p, false, &err);
        if (r < 0)
            child_fail(c, &err, 1);
    }
    if (c->console_fd >= 0)
        close(c->console_fd);

    /* Still privileged (RT policies, negative nice and the RT I/O class
     * need CAP_SYS_NICE) and before seccomp, as for the init. */
    if (in_file(c, &err, congo_process_attrs_apply(p, c->linux_, c->pfx, &err)) < 0 ||
        congo_lsm_apply(&lsm, &err) < 0)
        child_fail(c, &err, 1);
    /* seccomp at N, E or L (seccomp.h). */
    notify = c->seccomp && congo_seccomp_uses_notify(c->seccomp);
    early = c->seccomp && !notify && congo_seccomp_load_early(p);
    if (notify) {
        if (send_byte(c->sync_fd, MSG_SECCOMP) < 0)
            _exit(1);
        r = congo_seccomp_load_send(c->seccomp, c->sync_fd, &err);
        if (r < 0)
            child_fail(c, &err, 1);
    } else if (early && congo_seccomp_load(c->seccomp, NULL, &err) < 0) {
        child_fail(c, &err, 1);
    }
    if (!p->capabilities && clear_inheritable(&err) < 0)
        child_fail(c, &err, 1);
    /* chdir inside the root, checked to be beneath it (process.c). */
    r = congo_process_set_identity(p, c->setgroups_allowed, &err);
    if (r < 0)
        child_fail(c, &err, 1);
    if (c->seccomp && !notify && !early && congo_seccomp_load(c->seccomp, NULL, &err) < 0)
        child_fail(c, &err, 1);

    /* The preserved fds pass; everything else congo holds closes at execve. */
    for (int fd = 3; fd < min_fd; fd++) {
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0 && (fl & FD_CLOEXEC))
            fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
    }
    cloexec_fds_from(min_fd);
    /* PDEATHSIG survives execve: a detached process must outlive congo. */
    prctl(PR_SET_PDEATHSIG, 0);
    if (c->stub_fd >= 0) {
        /* Through the exec-stub: congo's binary never is this process's
         * /proc/self/exe when the program (or its interpreter) is loaded. */
        _cleanup_free_ char *path = NULL;
        _cleanup_strv_ char **env = NULL;
        r = congo_process_exec_prepare(&path, &env, p, NULL, &err);
        if (r < 0)
            child_fail(c, &err, r == -ENOENT ? 127 : 126);
        if (send_byte(c->sync_fd, MSG_READY) < 0)
            _exit(1);
        congo_exec_via_stub(c->stub_fd, c->sync_fd, path, p->args, env, &err);
        child_fail(c, &err, 126);
    }
    if (send_byte(c->sync_fd, MSG_READY) < 0)
        _exit(1);
    r = congo_process_exec(p, NULL, &err);
    child_fail(c, &err, r == -ENOENT ? 127 : 126);
}

/* ---- the parent --------------------------------------------------------- */

static const struct {
    const char *name; /* under /proc/PID/ns */
    int flag;
} ns_types[] = {
    { "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS }, { "net", CLONE_NEWNET }, { "ipc", CLONE_NEWIPC },
    { "uts", CLONE_NEWUTS }, { "cgroup", CLONE_NEWCGROUP }, { "pid", CLONE_NEWPID }, { "time", CLONE_NEWTIME },
};

/* The namespaces of the init that congo is not in already (setns into its
 * own user namespace is an error, and the others would be wasted work). */
static int ns_to_join(int *flags, pid_t pid, congo_error *err)
{
    char path[64];
    struct stat theirs, ours;
    _cleanup_close_ int their_dir = -1, our_dir = -1;

    *flags = 0;
    /* Each directory looked up once, not once per namespace. */
    snprintf(path, sizeof path, "/proc/%d/ns", (int) pid);
    their_dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (their_dir < 0) {
        if (errno == ENOENT || errno == ESRCH)
            return congo_error_set(err, 0, "container not running: its init (pid %d) is gone", (int) pid);
        return congo_error_errno(err, "open `%s`", path);
    }
    our_dir = open("/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (our_dir < 0)
        return congo_error_errno(err, "open /proc/self/ns");
    for (size_t i = 0; i < ARRAY_SIZE(ns_types); i++) {
        if (fstatat(their_dir, ns_types[i].name, &theirs, 0) < 0) {
            if (errno == ENOENT && ns_types[i].flag == CLONE_NEWTIME)
                continue; /* a kernel without time namespaces */
            if (errno == ENOENT || errno == ESRCH)
                return congo_error_set(err, 0, "container not running: its init (pid %d) is gone", (int) pid);
            return congo_error_errno(err, "stat `%s/%s`", path, ns_types[i].name);
        }
        if (fstatat(our_dir, ns_types[i].name, &ours, 0) < 0)
            return congo_error_errno(err, "stat `/proc/self/ns/%s`", ns_types[i].name);
        if (theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev)
            *flags |= ns_types[i].flag;
    }
    return 0;
}

struct exec_job {
    const struct congo_exec_opts *o;
    struct congo_state *state;
    oci_config *config;
    oci_process *process;
    struct congo_seccomp *seccomp;
    struct congo_cgroup *cgroup;
    int pidfd;
    int ns_flags;
    int sync_fd;
    int console_fd;     /* connected --console-socket */
    int stub_fd;        /* exec-stub memfd, or -1 */
    pid_t pid;
};

static int check_status(const struct congo_exec_opts *o, const struct congo_state *s, enum congo_status status,
                        congo_error *err)
{
    switch (status) {
    case CONGO_STATUS_RUNNING:
    case CONGO_STATUS_CREATED: /* as runc: its init waits for start, its namespaces and cgroup are there */
        return 0;
    case CONGO_STATUS_PAUSED:
        if (o->ignore_paused)
            return 0;
        return congo_error_set(err, 0, "cannot exec in container `%s`: it is paused (resume it, or pass "
                               "--ignore-paused to exec anyway: the process then waits, frozen, until resume)",
                               s->id);
    case CONGO_STATUS_CREATING:
        return congo_error_set(err, 0, "cannot exec in container `%s`: container not running (it is still "
                               "being created)", s->id);
    case CONGO_STATUS_STOPPED:
        break;
    }
    return congo_error_set(err, 0, "cannot exec in container `%s`: container not running (it is stopped)", s->id);
}

static int load_process(oci_process **out, const char *file, congo_error *err)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r;
    if (strcmp(file, "-") == 0) {
        r = read_fd(0, 16 << 20, &text, &len, err);
        file = "process.json on stdin";
    } else {
        r = read_file_at(AT_FDCWD, file, 16 << 20, &text, &len, err);
    }
    if (r < 0)
        return congo_error_wrap(err, r, "--process `%s`", file);
    return oci_process_parse(out, text, len, file, err);
}

static int check_options(struct exec_job *j, congo_error *err)
{
    const struct congo_exec_opts *o = j->o;
    const oci_process *p = j->process;
    if (p->terminal && !o->console_socket && o->console_fd < 0)
        return congo_error_set(err, 0, o->detach ? "a terminal was asked for (--tty or process.terminal) but "
                               "congo detaches and no --console-socket was given to receive it"
                               : "a terminal was asked for but there is no --console-socket to send it to");
    if (!p->terminal && o->console_socket)
        return congo_error_set(err, 0, "--console-socket given but no terminal was asked for (--tty or "
                               "process.terminal)");
    if (o->preserve_fds < 0 || o->preserve_fds > 65536)
        return congo_error_set(err, 0, "--preserve-fds: %d is out of range", o->preserve_fds);
    return 0;
}

static int open_cgroup(struct exec_job *j, congo_error *err)
{
    struct congo_exec_subcgroup *subs = NULL;
    size_t n = 0;
    int r;

    if (!j->state->cgroup_path)
        return 0;
    r = congo_exec_parse_cgroups(&subs, &n, j->o->cgroups, err);
    if (r < 0)
        return r;
    r = congo_cgroup_open(&j->cgroup, j->state->cgroup_path, err);
    for (size_t i = 0; r >= 0 && i < n; i++) {
        _cleanup_free_ char *ctrl = NULL;
        for (char **c = subs[i].controllers; c && *c; c++) {
            char *t = ctrl ? xasprintf("%s,%s", ctrl, *c) : xstrdup(*c);
            free(ctrl);
            ctrl = t;
        }
        r = congo_cgroup_descend(j->cgroup, ctrl, subs[i].path, err);
        if (r < 0)
            congo_error_wrap(err, r, "--cgroup `%s`", j->o->cgroups[i]);
    }
    congo_exec_subcgroups_free(subs, n);
    return r < 0 ? r : 0;
}

/* Rootless (as runc's nsexec): joining the pid and time namespaces takes
 * CAP_SYS_ADMIN, which a user has only inside the container's user
 * namespace, and a process that joined it cannot come back.  So a helper
 * process joins the user namespace and those two, then clones the exec
 * child as congo's own child (CLONE_PARENT) and reports its pid. */
static pid_t spawn_in_userns(struct exec_job *j, struct exec_child *child, congo_error *err)
{
    int p[2], status, e = 0;
    pid_t mid, pid = -1;

    if (pipe2(p, O_CLOEXEC) < 0)
        return congo_error_errno(err, "pipe");
    mid = fork();
    if (mid < 0) {
        close(p[0]);
        close(p[1]);
        return congo_error_errno(err, "fork");
    }
    if (mid == 0) {
        int flags = CLONE_NEWUSER | (j->ns_flags & (CLONE_NEWPID | CLONE_NEWTIME));
        pid_t r = -1;
        close(p[0]);
        if (setns(j->pidfd, flags) < 0) {
            r = -errno;
        } else {
            child->ns_flags &= ~CLONE_NEWUSER; /* in it already: setns would fail */
            int cgfd = j->cgroup ? congo_cgroup_exec_clone_fd(j->cgroup) : -1;
            r = congo_clone_into(CLONE_PARENT, cgfd);
            if (r < 0 && cgfd >= 0 && errno != ENOMEM && errno != EAGAIN) {
                r = congo_clone_into(CLONE_PARENT, -1);
                cgfd = -1;
            }
            child->cgroup_v2_done = cgfd >= 0;
            if (r == 0)
                exec_child(child);
            if (r < 0)
                r = -errno;
        }
        _exit(write(p[1], &r, sizeof r) == sizeof r ? 0 : 1);
    }
    close(p[1]);
    if (read_all(p[0], &pid, sizeof pid) != (ssize_t) sizeof pid)
        pid = -EPIPE;
    close(p[0]);
    while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
        ;
    if (pid >= 0)
        return pid;
    e = (int) -pid;
    if (e == ESRCH)
        return congo_error_set(err, 0, "container not running: `%s` (its init is gone)", j->o->id);
    return congo_error_set(err, e, "join the container's user namespace and clone the exec process");
}

/* Enter the container's pid and time namespaces for our children (the
 * child is born in them; setns cannot move a process into a pid namespace),
 * clone, and come back. */
static pid_t spawn(struct exec_job *j, struct exec_child *child, congo_error *err)
{
    int parent_flags = j->ns_flags & (CLONE_NEWPID | CLONE_NEWTIME);
    _cleanup_close_ int own_pid = -1, own_time = -1;
    pid_t pid;

    if (geteuid() != 0 && (j->ns_flags & CLONE_NEWUSER))
        return spawn_in_userns(j, child, err);

    if (parent_flags & CLONE_NEWPID) {
        own_pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (own_pid < 0)
            return congo_error_errno(err, "open /proc/self/ns/pid");
    }
    if (parent_flags & CLONE_NEWTIME) {
        own_time = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
        if (own_time < 0)
            return congo_error_errno(err, "open /proc/self/ns/time");
    }
    if (parent_flags && setns(j->pidfd, parent_flags) < 0) {
        if (errno == ESRCH)
            return congo_error_set(err, 0, "container not running: `%s` (its init is gone)", j->o->id);
        return congo_error_errno(err, "join the container's pid/time namespace");
    }
    {
        int cgfd = j->cgroup ? congo_cgroup_exec_clone_fd(j->cgroup) : -1;
        pid = congo_clone_into(0, cgfd);
        if (pid < 0 && cgfd >= 0 && errno != ENOMEM && errno != EAGAIN) {
            /* No CLONE_INTO_CGROUP here: the child enters cgroup2 itself. */
            pid = congo_clone_into(0, -1);
            cgfd = -1;
        }
        child->cgroup_v2_done = cgfd >= 0;
    }
    if (pid == 0)
        exec_child(child);
    if (pid < 0) {
        int e = errno;
        congo_error_set(err, e, "clone the exec process%s",
                        e == ENOMEM ? " (container not running: its init has exited)" : "");
    }
    /* Back in congo's own namespaces (a thread, such as the terminal proxy,
     * cannot even be created while pid_for_children differs). */
    if ((own_pid >= 0 && setns(own_pid, CLONE_NEWPID) < 0) ||
        (own_time >= 0 && setns(own_time, CLONE_NEWTIME) < 0)) {
        int e = errno;
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        errno = e;
        return congo_error_errno(err, "return to congo's own pid/time namespace");
    }
    return pid < 0 ? -1 : pid;
}

/* The child died without a word: say how. */
static int child_died(struct exec_job *j, congo_error *err)
{
    int status;
    pid_t w;
    do
        w = waitpid(j->pid, &status, 0);
    while (w < 0 && errno == EINTR);
    j->pid = 0;
    if (w > 0 && WIFSIGNALED(status))
        return congo_error_set(err, 0, "the exec process was killed by signal %d while joining the container",
                               WTERMSIG(status));
    if (w > 0)
        return congo_error_set(err, 0, "the exec process exited with status %d while joining the container",
                               WEXITSTATUS(status));
    return congo_error_set(err, 0, "the exec process died while joining the container");
}

/* Drive the child from clone to execve. */
static int drive_child(struct exec_job *j, congo_error *err)
{
    const oci_linux *l = j->config->linux_;
    bool ready = false, notify = j->seccomp && congo_seccomp_uses_notify(j->seccomp);
    int r;

    /* Only what the protocol allows at each point: after READY the other
     * end is the process about to exec (or the exec-stub), whose memory the
     * container may reach once it runs as the container's user. */
    for (;;) {
        char type;
        ssize_t n = read_all(j->sync_fd, &type, 1);
        if (n < 0)
            return congo_error_errno(err, "read from the exec process");
        if (n == 0)
            return ready ? 0 : child_died(j, err); /* EOF after READY: execve closed the socket */
        if ((type == MSG_READY || type == MSG_SECCOMP) && ready)
            type = 0;
        if ((type == MSG_SECCOMP && !notify) || (type == MSG_STUB && (!ready || j->stub_fd < 0)))
            type = 0;
        switch (type) {
        case MSG_READY:
            ready = true;
            continue;
        case MSG_ERROR: {
            congo_error cerr = CONGO_ERROR_INIT;
            if (congo_error_recv(j->sync_fd, &cerr) <= 0)
                return child_died(j, err);
            congo_error_clear(err);
            *err = cerr;
            return err->errnum > 0 ? -err->errnum : -EINVAL;
        }
        case MSG_STUB: {
            int e = 0;
            if (read_all(j->sync_fd, &e, sizeof e) != (ssize_t) sizeof e)
                return child_died(j, err);
            return congo_error_set_lower(err, e, "exec: \"%s\"", j->process->args[0]);
        }
        case MSG_SECCOMP: {
            _cleanup_free_ char *st = NULL;
            int nfd = -1;
            r = congo_seccomp_recv_listener_fd(j->sync_fd, &nfd, err);
            if (r == -ECANCELED) {
                congo_error_clear(err);
                continue; /* the child's error record follows */
            }
            if (r < 0)
                return r;
            st = congo_state_json(j->state, CONGO_STATUS_RUNNING);
            r = congo_seccomp_send_listener_pid(l->seccomp, nfd, j->pid, st, err);
            close(nfd);
            if (r < 0)
                return r;
            notify = false; /* one fd per process */
            continue;
        }
        default:
            return congo_error_set(err, 0, "unexpected message from the exec process");
        }
    }
}

/* The exec'd process must not exec its program with congo's writable binary
 * behind /proc/self/exe (self-exe.h): through the exec-stub when it can
 * (not with LSM exec labels, which would take effect at the stub's exec);
 * else congo runs from a sealed copy of itself, re-executed here unless the
 * binary is protected already (this never returns then). */
static int protect_binary(struct exec_job *j, congo_error *err)
{
    return congo_exec_protection(&j->stub_fd, j->process->apparmor_profile || j->process->selinux_label, "exec",
                                 err);
}

/* The cache of compiled seccomp programs `create` uses too (seccomp.h): an
 * exec loads the container's program back instead of compiling the profile
 * again (a docker-sized profile takes libseccomp ~15 ms). */
static char *seccomp_cache_dir(const struct congo_exec_opts *o)
{
    return xasprintf("%s/.cache/seccomp", o->root);
}

int congo_exec(pid_t *pid_out, const struct congo_exec_opts *o, congo_error *err)
{
    struct exec_job j = { .o = o, .pidfd = -1, .sync_fd = -1, .console_fd = -1, .stub_fd = -1 };
    struct exec_child child;
    _cleanup_close_ int dfd = -1, child_sync = -1, root_fd = -1;
    oci_process *from_file = NULL;
    enum congo_status status;
    bool setgroups_allowed = true;
    int sv[2], r;

    r = congo_id_validate(o->id, err);
    if (r < 0)
        return r;
    /* Not locked: exec changes nothing of the container's, and a long
     * foreground exec must not hold off kill, pause or delete. */
    r = congo_state_dir_open(&dfd, o->root, o->id, false, err);
    if (r < 0)
        return r;
    r = congo_state_read(&j.state, dfd, o->id, err);
    if (r < 0)
        goto out;
    r = congo_state_status(&status, j.state, dfd, err);
    if (r < 0)
        goto out;
    r = check_status(o, j.state, status, err);
    if (r < 0)
        goto out;
    if (o->process_file) {
        r = load_process(&from_file, o->process_file, err);
        if (r < 0)
            goto out;
    }
    r = congo_state_load_config(&j.config, dfd, o->id, err);
    if (r < 0) {
        oci_process_free(from_file);
        goto out;
    }
    close(steal_fd(&dfd));
    r = congo_exec_process(&j.process, j.config, from_file, o, err);
    if (r < 0)
        goto out;
    r = check_options(&j, err);
    if (r < 0)
        goto out;
    r = protect_binary(&j, err);
    if (r < 0)
        goto out;
    if (j.config->linux_ && j.config->linux_->seccomp) {
        _cleanup_free_ char *cache = seccomp_cache_dir(o);
        r = congo_seccomp_compile_cached(&j.seccomp, j.config->linux_->seccomp, cache, err);
        if (r < 0)
            goto out;
    }

    /* Pin the init: from here on a reused pid cannot fool us. */
    j.pidfd = syscall(SYS_pidfd_open, j.state->pid, 0);
    if (j.pidfd < 0 || !congo_pid_alive(j.state->pid, j.state->pid_start)) {
        r = congo_error_set(err, 0, "cannot exec in container `%s`: container not running (its init has "
                            "exited)", o->id);
        goto out;
    }
    r = ns_to_join(&j.ns_flags, j.state->pid, err);
    if (r < 0)
        goto out;
    {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/root", (int) j.state->pid);
        root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0 || !congo_pid_alive(j.state->pid, j.state->pid_start)) {
            r = root_fd < 0 && errno != ENOENT && errno != ESRCH
                    ? congo_error_errno(err, "open `%s`", path)
                    : congo_error_set(err, 0, "cannot exec in container `%s`: container not running (its init has "
                                      "exited)", o->id);
            goto out;
        }
    }
    if (j.ns_flags & CLONE_NEWUSER) {
        char path[64], buf[16] = "";
        _cleanup_close_ int fd = -1;
        snprintf(path, sizeof path, "/proc/%d/setgroups", (int) j.state->pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && read(fd, buf, sizeof buf - 1) > 0 && strncmp(buf, "deny", 4) == 0)
            setgroups_allowed = false;
    }
    r = open_cgroup(&j, err);
    if (r < 0)
        goto out;
    if (j.process->terminal) {
        if (o->console_socket) {
            r = congo_console_socket_connect(&j.console_fd, o->console_socket, err);
            if (r < 0) {
                congo_error_wrap(err, r, "--console-socket");
                goto out;
            }
        } else {
            j.console_fd = fcntl(o->console_fd, F_DUPFD_CLOEXEC, 3);
            if (j.console_fd < 0) {
                r = congo_error_errno(err, "dup the console socket");
                goto out;
            }
        }
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        r = congo_error_errno(err, "socketpair");
        goto out;
    }
    j.sync_fd = sv[0];
    child_sync = sv[1];

    child = (struct exec_child){
        .p = j.process,
        .linux_ = j.config->linux_,
        .pfx = o->process_file ? "" : "process.",
        .process_file = o->process_file,
        .seccomp = j.seccomp,
        .id = o->id,
        .pidfd = j.pidfd,
        .root_fd = root_fd,
        .sync_fd = child_sync,
        .console_fd = j.console_fd,
        .stub_fd = j.stub_fd,
        .ns_flags = j.ns_flags & ~(CLONE_NEWPID | CLONE_NEWTIME),
        .preserve_fds = o->preserve_fds,
        .setgroups_allowed = setgroups_allowed,
        .cgroup = j.cgroup,
    };
    /* Nothing in the container may open this process's /proc/PID/exe (the
     * host's congo binary, runc CVE-2019-5736), fds or memory, or ptrace it:
     * the child inherits the non-dumpable mm until its execve. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    j.pid = spawn(&j, &child, err);
    if (j.pid < 0) {
        j.pid = 0;
        r = err->errnum > 0 ? -err->errnum : -EINVAL;
        goto out;
    }
    close(steal_fd(&child_sync));
    if (j.console_fd >= 0)
        close(steal_fd(&j.console_fd));
    r = drive_child(&j, err);
    if (r < 0)
        goto out;
    if (o->pid_file) {
        r = congo_pid_file_write(o->pid_file, j.pid, err);
        if (r < 0)
            goto out;
    }
    *pid_out = j.pid;
    j.pid = 0;
    r = 0;
out:
    if (j.pid > 0) {
        /* Failed after the clone: nothing may stay behind. */
        kill(j.pid, SIGKILL);
        while (waitpid(j.pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (j.sync_fd >= 0)
        close(j.sync_fd);
    if (j.console_fd >= 0)
        close(j.console_fd);
    if (j.pidfd >= 0)
        close(j.pidfd);
    if (j.stub_fd >= 0)
        close(j.stub_fd);
    if (j.cgroup)
        congo_cgroup_free(j.cgroup);
    if (j.seccomp)
        congo_seccomp_free(j.seccomp);
    oci_process_free(j.process);
    oci_config_free(j.config);
    congo_state_free(j.state);
    return r;
}
