/* The container child: cloned from congo into the container's new
 * namespaces, it builds the container from the inside and ends by exec'ing
 * the user process.  The order of the steps is the point of this file:
 *
 *   wait for the parent (id maps, cgroup) → join namespaces by path → `lo` up
 *   in a new network namespace → CPU
 *   affinity reset, LSM checks → setsid → rootfs (mounts,
 *   devices) → prestart/createRuntime hooks in the parent → createContainer
 *   hooks → pivot_root (chroot without a mount namespace of its own) →
 *   terminal → masked/readonly paths, sysctl → hostname
 *   → executable lookup, rlimits → personality, scheduler, ioPriority,
 *   memoryPolicy, LSM exec labels → [seccomp with SCMP_ACT_NOTIFY, fd to the
 *   parent for the agent] → READY (create returns) → wait on exec.fifo
 *   (start) → [seccomp when noNewPrivileges is false and CAP_SYS_ADMIN goes]
 *   → user, capabilities, no_new_privs → [seccomp otherwise] (seccomp.h says
 *   why) → startContainer hooks → execve
 *
 * Errors travel to the parent over the sync socket while it listens (until
 * READY), and to `congo start` through the exec fifo afterwards. */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "container-internal.h"
#include "hooks.h"
#include "lsm.h"
#include "netdev.h"
#include "process-attrs.h"
#include "process.h"
#include "rootfs.h"
#include "seccomp.h"
#include "self-exe.h"
#include "terminal.h"
#include "supervise.h"
#include "utils.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

/* send() with MSG_NOSIGNAL: a peer that died must not kill us with SIGPIPE
 * before we read why it died. */
static int send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= n;
    }
    return 0;
}

int sync_send(int fd, char type, const void *payload, uint32_t len)
{
    int r = send_all(fd, &type, 1);
    if (r == 0 && type == SYNC_GO) {
        r = send_all(fd, &len, sizeof len);
        if (r == 0 && len)
            r = send_all(fd, payload, len);
    }
    return r;
}

/* One message: the type, a count, the index of each fd, and the fds with
 * SCM_RIGHTS (the kernel takes at most 253 in one message). */
int sync_send_fds(int sock, char type, const int *fds, size_t n)
{
    int idx[253], sendfds[253];
    uint32_t count = 0;
    char cbuf[CMSG_SPACE(sizeof sendfds)] = { 0 };
    struct iovec iov[3];
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 3 };

    for (size_t i = 0; fds && i < n; i++) {
        if (fds[i] < 0)
            continue;
        if (count == 253)
            return -E2BIG;
        idx[count] = (int) i;
        sendfds[count++] = fds[i];
    }
    iov[0] = (struct iovec){ &type, 1 };
    iov[1] = (struct iovec){ &count, sizeof count };
    iov[2] = (struct iovec){ idx, count * sizeof *idx };
    if (count) {
        struct cmsghdr *cm;
        msg.msg_control = cbuf;
        msg.msg_controllen = CMSG_SPACE(count * sizeof(int));
        cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(count * sizeof(int));
        memcpy(CMSG_DATA(cm), sendfds, count * sizeof(int));
    }
    return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int sync_recv_fds(int sock, char want, const char *what, int **fds_out, size_t n, congo_error *err)
{
    char type, cbuf[CMSG_SPACE(253 * sizeof(int))];
    int idx[253], got[253], *fds;
    uint32_t count = 0;
    struct iovec iov[3] = { { &type, 1 }, { &count, sizeof count }, { idx, sizeof idx } };
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 3, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    struct cmsghdr *cm;
    ssize_t r;
    size_t nfd = 0;

    do
        r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return congo_error_errno(err, "receive the %s", what);
    if (r == 0)
        return congo_error_set(err, EPIPE, "congo went away before sending the %s", what);
    if (r < 5 || type != want || count > 253 || (size_t) r != 5 + count * sizeof(int))
        return congo_error_set(err, EPROTO, "bad message from congo (%s)", what);
    for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(got, CMSG_DATA(cm), nfd * sizeof(int));
        }
    if (nfd != count)
        return congo_error_set(err, EPROTO, "bad message from congo (%s: %zu fds for %u)", what, nfd,
                               (unsigned) count);
    if (count == 0) {
        *fds_out = NULL;
        return 0;
    }
    fds = xnew0(int, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        fds[i] = -1;
    for (uint32_t i = 0; i < count; i++) {
        if (idx[i] < 0 || (size_t) idx[i] >= n)
            return congo_error_set(err, EPROTO, "bad message from congo (%s: index %d)", what, idx[i]);
        fds[idx[i]] = got[i];
    }
    *fds_out = fds;
    return 0;
}

int sync_recv(int fd, char *type, char **payload, congo_error *err)
{
    ssize_t n = read_all(fd, type, 1);
    if (n < 0)
        return congo_error_errno(err, "read from the container process");
    if (n == 0)
        return 0;
    if (*type == SYNC_GO) {
        uint32_t len;
        if (read_all(fd, &len, sizeof len) != (ssize_t) sizeof len || len > (16u << 20))
            return congo_error_set(err, EPROTO, "bad message from congo");
        char *p = xmalloc(len + 1);
        if (read_all(fd, p, len) != (ssize_t) len) {
            free(p);
            return congo_error_set(err, EPROTO, "bad message from congo");
        }
        p[len] = '\0';
        if (payload)
            *payload = p;
        else
            free(p);
    }
    return 1;
}

/* Report to the parent and die. */
__attribute__((noreturn)) static void child_fail(struct init_ctx *ctx, congo_error *err)
{
    char t = SYNC_ERROR;
    if (write_all(ctx->sync_fd, &t, 1) == 0)
        congo_error_send(ctx->sync_fd, err);
    _exit(1);
}

/* After READY the parent is gone: errors go to `congo start` through the
 * fifo (it reads until EOF, which execve's O_CLOEXEC produces on success). */
__attribute__((noreturn)) static void child_fail_late(int fifo, congo_error *err, int status)
{
    char e = CONGO_START_ERROR;
    if (fifo >= 0 && write_all(fifo, &e, 1) == 0)
        congo_error_send(fifo, err);
    _exit(status);
}

static int wait_for(struct init_ctx *ctx, char want, congo_error *err)
{
    char type;
    int r = sync_recv(ctx->sync_fd, &type, want == SYNC_GO ? &ctx->hook_state : NULL, err);
    if (r < 0)
        return r;
    if (r == 0)
        return congo_error_set(err, EPIPE, "congo exited during create");
    if (type != want)
        return congo_error_set(err, EPROTO, "unexpected message `%c` from congo", type);
    return 0;
}

static int set_hostname(const oci_config *c, congo_error *err)
{
    if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
        return congo_error_errno(err, "hostname: set `%s`", c->hostname);
    if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
        return congo_error_errno(err, "domainname: set `%s`", c->domainname);
    return 0;
}

static int join_session_keyring(const char *id, congo_error *err)
{
    char name[64];
    snprintf(name, sizeof name, "_ses.%.40s", id);
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0) < 0 && errno != ENOSYS &&
        errno != EPERM && errno != EACCES)
        return congo_error_errno(err, "create a session keyring");
    return 0;
}

/* Wait until the parent has placed us in our cgroups, then enter the cgroup
 * namespace (rooted there) and take the cgroup's CPUs instead of the
 * affinity congo was started with (as runc; execCPUAffinity is for exec'd
 * processes only).  Runs once: before the first cgroup mount, or after the
 * rootfs. */
static int join_cgroup(void *data, congo_error *err)
{
    struct init_ctx *ctx = data;
    int r;

    if (ctx->in_cgroup)
        return 0;
    if (ctx->self_cgroup) {
        if (ctx->late_cgroup) {
            /* Made while we built the rootfs: the v1 directories' fds. */
            _cleanup_free_ int *fds = NULL;
            r = sync_recv_fds(ctx->sync_fd, SYNC_CGROUP_FDS, "cgroup directories", &fds, ctx->n_cgroup_dirs, err);
            if (r < 0)
                return r;
            if (fds)
                congo_cgroup_adopt_fds(ctx->cgroup, fds, ctx->n_cgroup_dirs);
        }
        r = congo_cgroup_exec_enter_self(ctx->cgroup, !ctx->cgroup2_done, err);
        if (r < 0)
            return r;
    } else if (!ctx->got_go) {
        r = wait_for(ctx, SYNC_GO, err);
        if (r < 0)
            return r;
        ctx->got_go = true;
    }
    if (!ctx->plan->child_joins && ctx->plan->unshare_flags && unshare(ctx->plan->unshare_flags) < 0)
        return congo_error_errno(err, "create the cgroup namespace");
    r = congo_cpu_affinity_reset(err);
    if (r < 0)
        return r;
    ctx->in_cgroup = true;
    return 0;
}

/* Block until `congo start` opens the fifo for reading.  fd_dir: an fd on
 * our /proc/self/fd when the root has no /proc (else -1). */
static int wait_for_start(int fd_dir, int fifo_path_fd, int *fifo_out, congo_error *err)
{
    char path[64], c = '0';
    int fd;
    if (fd_dir >= 0)
        snprintf(path, sizeof path, "%d", fifo_path_fd);
    else
        snprintf(path, sizeof path, "/proc/self/fd/%d", fifo_path_fd);
    fd = openat(fd_dir >= 0 ? fd_dir : AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return congo_error_errno(err, "open exec fifo");
    close(fifo_path_fd);
    if (write_all(fd, &c, 1) < 0) {
        int r = congo_error_errno(err, "write exec fifo");
        close(fd);
        return r;
    }
    *fifo_out = fd;
    return 0;
}

/* Without a mount namespace of the container's own (none, or one joined by
 * path) the root is still root.path, as it looks in that namespace: chroot
 * into it, as runc does.  Its /proc is rarely mounted (no config mount is
 * made there): *fd_dir keeps our /proc/self/fd for the exec fifo. */
static int chroot_rootfs(const char *rootfs, int *fd_dir, congo_error *err)
{
    int fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return congo_error_errno(err, "open /proc/self/fd");
    if (chdir(rootfs) < 0 || chroot(".") < 0 || chdir("/") < 0) {
        int r = congo_error_errno(err, "root.path: chroot into `%s` (no mount namespace of the container's own)",
                                  rootfs);
        close(fd);
        return r;
    }
    *fd_dir = fd;
    return 0;
}

/* The startContainer hooks' state: "created" (as runc), from the parent's
 * "creating" one (the parent sends one state for both container hooks). */
static char *state_created(const char *creating)
{
    static const char from[] = "\"status\": \"creating\"";
    const char *at = creating ? strstr(creating, from) : NULL;
    if (!at)
        return creating ? xstrdup(creating) : NULL;
    return xasprintf("%.*s\"status\": \"created\"%s", (int) (at - creating), creating, at + strlen(from));
}

void congo_container_init(struct init_ctx *ctx)
{
    congo_error err = CONGO_ERROR_INIT;
    const oci_config *c = ctx->config;
    static const oci_linux empty_linux;
    const oci_linux *l = c->linux_ ? c->linux_ : &empty_linux; /* procattrs: personality, memoryPolicy, mountLabel */
    struct congo_rootfs_ctx rctx = { 0 };
    struct congo_lsm_exec lsm = CONGO_LSM_EXEC_INIT;
    _cleanup_free_ char *exe = NULL;
    int console = ctx->console_fd, fifo = -1, fd_dir = -1, min_fd = 3 + ctx->preserve_fds, r;
    bool new_mountns = ctx->plan->create[OCI_NS_MOUNT];

    /* Die with congo until create is done (a killed create must not leave
     * a half-built container running); cleared before READY. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* A clean signal state: congo's `run` blocks signals to forward them,
     * and a caller may have ignored some; both would survive execve. */
    congo_signals_reset();
    if (fd_move_above(&ctx->sync_fd, min_fd) < 0 || fd_move_above(&ctx->fifo_fd, min_fd) < 0 ||
        fd_move_above(&console, min_fd) < 0 || fd_move_above(&ctx->stub_fd, min_fd) < 0)
        _exit(1);
    /* Before any path is looked up: an fd congo's caller left open (without
     * close-on-exec, which every fd of congo's own has) is reachable as
     * /proc/self/fd/N, a host directory as process.cwd or a mount source
     * (runc CVE-2024-21626).  Only stdio, --preserve-fds and LISTEN_FDS pass. */
    {
        int keep[] = { ctx->sync_fd, ctx->fifo_fd, console, ctx->stub_fd };
        if (close_fds_matching(min_fd, keep, ARRAY_SIZE(keep), fd_is_inherited) < 0) {
            congo_error_errno(&err, "close the fds inherited from congo's caller (/proc/self/fd)");
            child_fail(ctx, &err);
        }
    }

    if (ctx->plan->child_joins) {
        r = congo_ns_child_join(ctx->plan, &err);
        if (r < 0)
            child_fail(ctx, &err);
        if (sync_send(ctx->sync_fd, SYNC_NS_READY, NULL, 0) < 0)
            _exit(1);
    }
    /* A new user namespace must be mapped before anything is made in it;
     * otherwise the child builds its rootfs while the parent places it in
     * its cgroups (an RCU grace period per move on cgroup v1), and waits
     * only before its cgroup namespace and cgroup mounts (join_cgroup). */
    if (ctx->plan->create[OCI_NS_USER] || ctx->plan->child_joins) {
        r = wait_for(ctx, SYNC_GO, &err);
        /* Rootless: born dumpable for the maps (container.c), no longer. */
        if (ctx->rootless && ctx->plan->create[OCI_NS_USER])
            prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (r < 0)
            child_fail(ctx, &err);
        ctx->got_go = true;
    }
    if (ctx->plan->create[OCI_NS_USER]) {
        char buf[8] = "";
        _cleanup_close_ int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
        ctx->setgroups_denied = fd >= 0 && read(fd, buf, sizeof buf - 1) > 0 && strncmp(buf, "deny", 4) == 0;
    }
    /* The bind and idmapped mounts the parent made for us (we could not:
     * idmapping takes CAP_SYS_ADMIN over the source's filesystem, and our
     * root may not reach a source). */
    if (ctx->plan->create[OCI_NS_USER]) {
        r = sync_recv_fds(ctx->sync_fd, SYNC_MOUNT_FDS, "bind mounts", &ctx->mount_fds, c->n_mounts, &err);
        if (r < 0)
            child_fail(ctx, &err);
    }
    /* In a new user namespace, become its root (the parent mapped it). */
    if (ctx->plan->create[OCI_NS_USER] && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
        congo_error_errno(&err, "become root in the new user namespace (does linux.uidMappings map uid 0?)");
        child_fail(ctx, &err);
    }
    /* A new network namespace comes with `lo` down: bring it up (runc does). */
    if (ctx->plan->create[OCI_NS_NETWORK] && congo_netdev_loopback_up(&err) < 0)
        child_fail(ctx, &err);
    /* The LSMs the labels need, checked and their attr files opened while
     * /proc is the host's (and before the session keyring, which the
     * SELinux label labels). */
    if (congo_lsm_prepare(&lsm, c->process, l->mount_label, "process.", &err) < 0)
        child_fail(ctx, &err);
    if (setsid() < 0) {
        congo_error_errno(&err, "setsid");
        child_fail(ctx, &err);
    }
    if (!ctx->no_new_keyring && join_session_keyring(ctx->id, &err) < 0)
        child_fail(ctx, &err);

    rctx = (struct congo_rootfs_ctx){
        .config = c,
        .bundle = ctx->bundle,
        .rootfs = ctx->rootfs,
        .cgroup_path = ctx->cgroup_path,
        .new_userns = ctx->plan->create[OCI_NS_USER],
        .new_netns = ctx->plan->create[OCI_NS_NETWORK],
        .new_cgroupns = ctx->plan->create[OCI_NS_CGROUP],
        .no_pivot = ctx->no_pivot,
    };
    rctx.mount_fds = ctx->mount_fds;
    rctx.before_cgroup = join_cgroup;
    rctx.before_cgroup_data = ctx;
    if (new_mountns && congo_rootfs_prepare(&rctx, &err) < 0)
        child_fail(ctx, &err);
    if (join_cgroup(ctx, &err) < 0)
        child_fail(ctx, &err);
    /* The host's cgroup directories and the idmapped mounts are done with:
     * no later lookup may go through them. */
    congo_cgroup_free(ctx->cgroup);
    ctx->cgroup = NULL;
    congo_rootfs_close_idmapped(ctx->mount_fds, c->n_mounts);
    ctx->mount_fds = NULL;
    rctx.mount_fds = NULL;
    if (!ctx->got_go) {
        /* netDevices moved, oom_score_adj set, the hooks' state sent. */
        r = wait_for(ctx, SYNC_GO, &err);
        if (r < 0)
            child_fail(ctx, &err);
        ctx->got_go = true;
    }
    if (ctx->parent_hooks) {
        if (sync_send(ctx->sync_fd, SYNC_HOOKS, NULL, 0) < 0)
            _exit(1);
        r = wait_for(ctx, SYNC_HOOKS_DONE, &err);
        if (r < 0)
            child_fail(ctx, &err);
    }
    if (c->hooks.n_create_container > 0) {
        /* In the rootfs, as runc (which chdirs there first). */
        r = congo_hooks_run_in(c->hooks.create_container, c->hooks.n_create_container, "createContainer",
                               ctx->hook_state, ctx->rootfs, &err);
        if (r < 0)
            child_fail(ctx, &err);
    }
    if (new_mountns ? congo_rootfs_pivot(&rctx, &err) < 0 : chroot_rootfs(ctx->rootfs, &fd_dir, &err) < 0)
        child_fail(ctx, &err);
    if (c->process->terminal) {
        r = congo_terminal_setup(console, c->process, &err);
        if (r < 0)
            child_fail(ctx, &err);
        console = -1;
    }
    /* A missing process.cwd is created as in runc: before root.readonly applies. */
    if (congo_process_make_cwd(c->process, &err) < 0)
        child_fail(ctx, &err);
    if (new_mountns && congo_rootfs_finalize(&rctx, &err) < 0)
        child_fail(ctx, &err);
    if (set_hostname(c, &err) < 0)
        child_fail(ctx, &err);
    r = congo_process_resolve(&exe, c->process, &err);
    if (r < 0)
        child_fail(ctx, &err);
    r = congo_process_set_limits(c->process, &err);
    if (r < 0)
        child_fail(ctx, &err);
    /* procattrs: still privileged (RT policies, negative nice and the RT I/O
     * class need CAP_SYS_NICE) and before seccomp; errors fail create.  The
     * LSM exec labels last: startContainer hooks run under them, as in runc. */
    if (congo_process_attrs_apply(c->process, l, "process.", &err) < 0 || congo_lsm_apply(&lsm, &err) < 0)
        child_fail(ctx, &err);
    if (fd_dir < 0) {
        /* The fifo is reopened through /proc after pivot_root. */
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", ctx->fifo_fd);
        if (access(path, F_OK) < 0) {
            congo_error_errno(&err, "the container has no /proc (congo needs it mounted to wait for start)");
            child_fail(ctx, &err);
        }
    }
    /* No directory of congo's stays open until the chdir to process.cwd
     * (after start): it could only lead outside the root.  fd_dir (our
     * /proc/self/fd, for the fifo) is closed before that chdir. */
    {
        int keep[] = { ctx->sync_fd, ctx->fifo_fd, ctx->stub_fd, fd_dir };
        if (close_fds_matching_in(fd_dir, min_fd, keep, ARRAY_SIZE(keep), fd_is_dir) < 0) {
            congo_error_errno(&err, "close congo's directory fds (/proc/self/fd)");
            child_fail(ctx, &err);
        }
    }
    /* Nothing congo opened may reach the container: from here every fd
     * above the preserved ones closes at execve. */
    for (int fd = 3; fd < min_fd; fd++) {
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0)
            fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
    }
    cloexec_fds_from(min_fd);

    bool notify = ctx->seccomp && congo_seccomp_uses_notify(ctx->seccomp);
    if (notify) {
        if (sync_send(ctx->sync_fd, SYNC_SECCOMP, NULL, 0) < 0)
            _exit(1);
        r = congo_seccomp_load_send(ctx->seccomp, ctx->sync_fd, &err);
        if (r < 0)
            child_fail(ctx, &err);
    }
    prctl(PR_SET_PDEATHSIG, 0);
    if (sync_send(ctx->sync_fd, SYNC_READY, NULL, 0) < 0)
        _exit(1);
    close(ctx->sync_fd);

    r = wait_for_start(fd_dir, ctx->fifo_fd, &fifo, &err);
    if (r < 0)
        _exit(1);
    if (fd_dir >= 0)
        close(fd_dir);
    bool early = ctx->seccomp && !notify && congo_seccomp_load_early(c->process);
    if (early && congo_seccomp_load(ctx->seccomp, NULL, &err) < 0)
        child_fail_late(fifo, &err, 1);
    r = congo_process_set_identity(c->process, !ctx->setgroups_denied, &err);
    if (r < 0)
        child_fail_late(fifo, &err, 1);
    if (ctx->seccomp && !notify && !early && congo_seccomp_load(ctx->seccomp, NULL, &err) < 0)
        child_fail_late(fifo, &err, 1);
    /* startContainer hooks: right before the program, under everything that
     * restricts it (user, capabilities, no_new_privs, seccomp), as runc;
     * their cwd is the container's root. */
    if (c->hooks.n_start_container > 0) {
        _cleanup_free_ char *state = state_created(ctx->hook_state);
        r = congo_hooks_run_in(c->hooks.start_container, c->hooks.n_start_container, "startContainer", state, "/",
                               &err);
        if (r < 0)
            child_fail_late(fifo, &err, 1);
    }
    if (ctx->stub_fd >= 0) {
        /* Through the exec-stub (self-exe.h): congo's binary is never this
         * process's /proc/self/exe when the program, or an interpreter such
         * as `#!/proc/self/exe`, is loaded (runc CVE-2019-5736).  The stub
         * reports a failed execve on the fifo itself. */
        _cleanup_free_ char *path = NULL;
        _cleanup_strv_ char **env = NULL;
        r = congo_process_exec_prepare(&path, &env, c->process, exe, &err);
        if (r < 0)
            child_fail_late(fifo, &err, r == -ENOENT ? 127 : 126);
        congo_exec_via_stub(ctx->stub_fd, fifo, path, c->process->args, env, &err);
        child_fail_late(fifo, &err, 126);
    }
    r = congo_process_exec(c->process, exe, &err);
    child_fail_late(fifo, &err, r == -ENOENT ? 127 : 126);
}
