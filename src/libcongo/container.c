/* The parent side of the lifecycle.  `create` records what it is about to
 * make in the state directory before making it, so that `delete --force`
 * can always clean up; on failure it undoes everything itself. */
#include "config.h"

#include "container.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "caps.h"
#include "cgroup.h"
#include "systemd.h"
#include "container-internal.h"
#include "hooks.h"
#include "image-helper.h"
#include "log.h"
#include "namespaces.h"
#include "netdev.h"
#include "oci-config.h"
#include "process.h"
#include "rootfs.h"
#include "terminal.h"
#include "seccomp.h"
#include "self-exe.h"
#include "signals.h"
#include "utils.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static const oci_linux empty_linux;

struct create_job {
    const struct congo_create_opts *o;
    oci_config *config;
    struct congo_state *state;
    struct congo_cgroup *cgroup;
    struct congo_ns_plan plan;
    struct congo_seccomp *seccomp;
    int dirfd;
    int sync_fd;
    pid_t pid;
    bool dir_created;
    bool own_pidns;
    bool self_cgroup;
    bool cgroup_pending;  /* congo_cgroup_create_begin() done, _finish() not yet */
    struct congo_systemd_unit unit; /* --systemd-cgroup */
    bool unit_started;
};

static void create_job_undo(struct create_job *j)
{
    congo_error ignored = CONGO_ERROR_INIT;
    if (j->pid > 0) {
        kill(j->pid, SIGKILL);
        while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    /* Whatever the init forked goes before systemd stops the scope. */
    if (j->cgroup && !j->cgroup_pending)
        congo_cgroup_kill(j->cgroup, SIGKILL, &ignored);
    if (j->unit_started)
        congo_systemd_stop_unit(j->unit.unit, &ignored);
    if (j->cgroup && j->cgroup_pending)
        congo_cgroup_create_abort(j->cgroup);
    else if (j->cgroup)
        congo_cgroup_destroy(j->cgroup, &ignored);
    if (j->dir_created)
        congo_state_dir_remove(j->o->root, j->o->id, &ignored);
    congo_error_clear(&ignored);
}

static int state_json_for_hooks(char **out, struct create_job *j)
{
    *out = congo_state_json(j->state, CONGO_STATUS_CREATING);
    return 0;
}

static int run_parent_hooks(struct create_job *j, congo_error *err)
{
    _cleanup_free_ char *json = congo_state_json(j->state, CONGO_STATUS_CREATING);
    const oci_hooks *h = &j->config->hooks;
    int r = congo_hooks_run(h->prestart, h->n_prestart, "prestart", json, err);
    if (r < 0)
        return r;
    return congo_hooks_run(h->create_runtime, h->n_create_runtime, "createRuntime", json, err);
}

/* Talk the child through its set-up until it is ready for start. */
/* A step of the parent failed: if the child failed first (and its failure
 * caused ours, e.g. a pid that no longer exists), its error is the one to
 * report. */
static int prefer_child_error(struct create_job *j, int r, congo_error *err)
{
    struct pollfd pfd = { .fd = j->sync_fd, .events = POLLIN };
    congo_error child = CONGO_ERROR_INIT;
    char type;

    if (poll(&pfd, 1, 0) != 1 || read(j->sync_fd, &type, 1) != 1 || type != SYNC_ERROR ||
        congo_error_recv(j->sync_fd, &child) <= 0)
        return r;
    congo_error_clear(err);
    *err = child;
    return err->errnum > 0 ? -err->errnum : -EINVAL;
}

/* --systemd-cgroup: systemd makes the container's scope with the child in
 * it; then the cgroup is congo's like any other (resources through
 * cgroupfs, and the v1 hierarchies systemd does not manage). */
static int place_in_scope(struct create_job *j, congo_error *err)
{
    const oci_linux *l = j->config->linux_ ? j->config->linux_ : &empty_linux;
    _cleanup_free_ char *description = xasprintf("congo container %s", j->o->id);
    int r = congo_systemd_start_scope(&j->unit, description, j->pid, l->resources, err);
    if (r < 0)
        return r;
    j->unit_started = true;
    r = congo_cgroup_create_adopt(&j->cgroup, j->unit.cgroup_path, l->resources, err);
    if (r < 0)
        return congo_error_wrap(err, r, "systemd unit `%s`", j->unit.unit);
    return congo_cgroup_enter(j->cgroup, j->pid, err);
}

static int drive_child(struct create_job *j, congo_error *err)
{
    const oci_linux *l = j->config->linux_ ? j->config->linux_ : &empty_linux;
    _cleanup_free_ char *hook_state = NULL;
    int r;

    if (j->plan.child_joins) {
        char type;
        r = sync_recv(j->sync_fd, &type, NULL, err);
        if (r > 0 && type == SYNC_ERROR && congo_error_recv(j->sync_fd, err) > 0)
            return err->errnum > 0 ? -err->errnum : -EINVAL;
        if (r <= 0 || type != SYNC_NS_READY)
            goto child_failed;
    }
    if (j->plan.create[OCI_NS_USER]) {
        r = congo_userns_write_id_maps(j->pid, l, err);
        if (r < 0)
            return prefer_child_error(j, r, err);
    }
    if (l->net_devices.n > 0) {
        r = congo_netdev_move(j->pid, &l->net_devices, err);
        if (r < 0)
            return prefer_child_error(j, r, err);
    }
    if (j->o->systemd_cgroup) {
        r = place_in_scope(j, err);
        if (r < 0)
            return prefer_child_error(j, r, err);
    } else if (!j->self_cgroup && j->cgroup && congo_cgroup_clone_fd(j->cgroup) < 0) {
        r = congo_cgroup_enter(j->cgroup, j->pid, err);
        if (r < 0)
            return prefer_child_error(j, r, err);
    }
    if (j->config->process->oom_score_adj.set) {
        char path[64], val[32];
        int n = snprintf(val, sizeof val, "%lld", (long long) j->config->process->oom_score_adj.value);
        snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int) j->pid);
        r = write_file_at(AT_FDCWD, path, val, n, err);
        if (r < 0)
            return prefer_child_error(j, congo_error_wrap(err, r, "process.oomScoreAdj"), err);
    }
    if (j->config->hooks.n_create_container || j->config->hooks.n_start_container || l->seccomp)
        state_json_for_hooks(&hook_state, j);
    /* The child may have failed already (it builds its rootfs meanwhile):
     * then its error record is waiting in the socket. */
    sync_send(j->sync_fd, SYNC_GO, hook_state, hook_state ? strlen(hook_state) : 0);
    if (j->plan.create[OCI_NS_USER]) {
        /* Idmapped mounts need CAP_SYS_ADMIN over their filesystem, which
         * the child in its new user namespace lacks, and a bind's source may
         * be out of its root's reach: made here, sent over. */
        int *fds = NULL;
        r = congo_rootfs_open_idmapped(&fds, j->config, j->state->bundle, j->pid, err);
        if (r < 0)
            return prefer_child_error(j, r, err);
        r = sync_send_fds(j->sync_fd, SYNC_MOUNT_FDS, fds, j->config->n_mounts);
        congo_rootfs_close_idmapped(fds, j->config->n_mounts);
        if (r < 0 && r != -EPIPE)
            return congo_error_set(err, -r, "send the idmapped mounts to the container process");
    }
    for (;;) {
        char type;
        r = sync_recv(j->sync_fd, &type, NULL, err);
        if (r < 0)
            return r;
        if (r == 0)
            goto child_failed;
        if (type == SYNC_READY)
            return 0;
        if (type == SYNC_ERROR) {
            if (congo_error_recv(j->sync_fd, err) <= 0)
                goto child_failed;
            return err->errnum > 0 ? -err->errnum : -EINVAL;
        }
        if (type == SYNC_SECCOMP) {
            int nfd = -1;
            r = congo_seccomp_recv_listener_fd(j->sync_fd, &nfd, err);
            if (r == -ECANCELED) {
                congo_error_clear(err);
                continue; /* the child's SYNC_ERROR follows */
            }
            if (r < 0)
                return r;
            _cleanup_free_ char *st = congo_state_json(j->state, CONGO_STATUS_CREATING);
            r = congo_seccomp_send_listener(l->seccomp, nfd, st, err);
            close(nfd);
            if (r < 0)
                return r;
            continue;
        }
        if (type == SYNC_HOOKS) {
            r = run_parent_hooks(j, err);
            if (r < 0)
                return r;
            if (sync_send(j->sync_fd, SYNC_HOOKS_DONE, NULL, 0) < 0)
                goto child_failed;
            continue;
        }
        return congo_error_set(err, EPROTO, "unexpected message `%c` from the container process", type);
    }
child_failed:
    {
        /* The child died without saying why: tell how it died. */
        int status;
        if (waitpid(j->pid, &status, 0) == j->pid) {
            j->pid = 0;
            if (WIFSIGNALED(status))
                return congo_error_set(err, ECHILD, "the container process was killed by signal %d during create",
                                       WTERMSIG(status));
            return congo_error_set(err, ECHILD, "the container process exited with status %d during create",
                                   WEXITSTATUS(status));
        }
        return congo_error_set(err, ECHILD, "the container process exited during create");
    }
}

/* The cgroup's v1 directories and resources, made while the child builds
 * its rootfs; the child gets the directories to move itself in. */
static int finish_cgroup(struct create_job *j, bool send_fds, congo_error *err)
{
    const oci_linux *l = j->config->linux_ ? j->config->linux_ : &empty_linux;
    _cleanup_free_ int *fds = NULL;
    /* On failure the undo kills the child (in the cgroup2 directory since
     * the clone), then removes what was made. */
    int r = congo_cgroup_create_finish(j->cgroup, l->resources, err);
    if (r < 0)
        return r;
    j->cgroup_pending = false;
    if (!send_fds)
        return 0;
    size_t n = congo_cgroup_v1_fds(j->cgroup, &fds);
    r = sync_send_fds(j->sync_fd, SYNC_CGROUP_FDS, fds, n);
    /* A child that died meanwhile has its error record in the socket. */
    if (r < 0 && r != -EPIPE && r != -ECONNRESET)
        return congo_error_set(err, -r, "send the cgroup directories to the container process");
    return 0;
}

static int create_fifo(struct create_job *j, int *fifo_fd, congo_error *err)
{
    const oci_linux *l = j->config->linux_ ? j->config->linux_ : &empty_linux;
    /* 0622: the container's init may have dropped to an unprivileged uid by
     * the time it reopens the fifo through /proc. */
    if (mkfifoat(j->dirfd, "exec.fifo", 0600) < 0)
        return congo_error_errno(err, "create exec fifo");
    if (fchmodat(j->dirfd, "exec.fifo", 0622, 0) < 0)
        return congo_error_errno(err, "chmod exec fifo");
    if (j->plan.create[OCI_NS_USER] && l->n_uid_mappings > 0) {
        uid_t uid = l->uid_mappings[0].host_id;
        gid_t gid = l->n_gid_mappings ? l->gid_mappings[0].host_id : 0;
        for (size_t i = 0; i < l->n_uid_mappings; i++)
            if (l->uid_mappings[i].container_id == 0)
                uid = l->uid_mappings[i].host_id;
        for (size_t i = 0; i < l->n_gid_mappings; i++)
            if (l->gid_mappings[i].container_id == 0)
                gid = l->gid_mappings[i].host_id;
        if (fchownat(j->dirfd, "exec.fifo", uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
            return congo_error_errno(err, "chown exec fifo");
    }
    *fifo_fd = openat(j->dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
    if (*fifo_fd < 0)
        return congo_error_errno(err, "open exec fifo");
    return 0;
}

/* The init must not exec the container's program with congo's writable
 * binary behind /proc/self/exe (self-exe.h, runc CVE-2019-5736): through
 * the exec-stub when it can (not with LSM exec labels, which would apply at
 * the stub's exec); else congo runs from a sealed copy of itself unless its
 * binary is protected already (congo_self_exe_protect re-executes congo,
 * so this comes before anything is created). */
static int protect_binary(struct create_job *j, int *stub_fd, congo_error *err)
{
    const oci_process *p = j->config->process;
    return congo_exec_protection(stub_fd, p->apparmor_profile || p->selinux_label, "run", err);
}

static int resolve_paths(struct create_job *j, char **bundle, char **rootfs, congo_error *err)
{
    const char *b = j->o->bundle && *j->o->bundle ? j->o->bundle : ".";
    _cleanup_free_ char *rp = NULL;
    struct stat st;

    *bundle = realpath(b, NULL);
    if (!*bundle)
        return congo_error_errno(err, "bundle `%s`", b);
    rp = j->config->root.path[0] == '/' ? xstrdup(j->config->root.path)
                                        : xasprintf("%s/%s", *bundle, j->config->root.path);
    *rootfs = realpath(rp, NULL);
    if (!*rootfs)
        return congo_error_errno(err, "root.path `%s`", rp);
    if (stat(*rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
        return congo_error_set(err, ENOTDIR, "root.path `%s`: not a directory", *rootfs);
    return 0;
}

/* The first resource limit the config sets (devices rules aside), or NULL. */
static const char *first_limit(const oci_resources *res)
{
    if (!res)
        return NULL;
    if (res->memory)
        return "memory";
    if (res->cpu)
        return "cpu";
    if (res->has_pids)
        return "pids";
    if (res->block_io)
        return "blockIO";
    if (res->n_hugepage_limits)
        return "hugepageLimits";
    if (res->network_class_id.set || res->n_network_priorities)
        return "network";
    if (res->rdma_names.n)
        return "rdma";
    if (res->unified.n)
        return "unified";
    return NULL;
}

/* Rootless, as runc: a user without a writable (delegated) cgroup runs its
 * container without one, unless the config sets limits, which would then
 * silently not apply.  Device rules are not limits here: a user namespace
 * cannot make device nodes, and runc ignores them rootless too.  True when
 * the container goes on without a cgroup (err cleared). */
static bool rootless_without_cgroup(struct create_job *j, int r, congo_error *err)
{
    const oci_linux *l = j->config->linux_ ? j->config->linux_ : &empty_linux;
    const char *limit = first_limit(l->resources);
    if (!congo_userns_rootless() || (r != -EACCES && r != -EPERM && r != -EROFS))
        return false;
    if (limit) {
        congo_error_wrap(err, r,
                         "linux.resources.%s: rootless, limits need a cgroup the user can write (a delegated cgroup v2 "
                         "subtree); none is",
                         limit);
        return false;
    }
    congo_debug("rootless: no writable cgroup (%s): the container runs without one", err->msg ? err->msg : "");
    congo_error_clear(err);
    free(j->state->cgroup_path);
    j->state->cgroup_path = NULL;
    return true;
}

static int check_options(struct create_job *j, congo_error *err)
{
    const struct congo_create_opts *o = j->o;
    if (o->systemd_cgroup) {
        /* A bad cgroupsPath is the config's error, wherever it runs. */
        int r = congo_systemd_parse_path(&j->unit, j->config->linux_ ? j->config->linux_->cgroups_path : NULL,
                                         o->id, err);
        if (r < 0)
            return r;
        if (!congo_systemd_booted())
            return congo_error_set(err, ENOTSUP,
                                   "--systemd-cgroup: systemd is not running on this host (no /run/systemd/system)");
    }
    if (!j->config->process)
        return congo_error_set(err, EINVAL, "config.json: process: missing (a container needs a process to run)");
    if (j->config->process->terminal && !o->console_socket && o->console_fd < 0)
        return congo_error_set(err, EINVAL,
                               "process.terminal is true but no --console-socket was given to receive the terminal");
    if (!j->config->process->terminal && o->console_socket)
        return congo_error_set(err, EINVAL, "--console-socket given but process.terminal is false");
    if (o->preserve_fds < 0 || o->preserve_fds > 65536)
        return congo_error_set(err, EINVAL, "--preserve-fds: %d is out of range", o->preserve_fds);
    return 0;
}

static bool id_mapped(const oci_id_mapping *m, size_t n, uint32_t id)
{
    for (size_t i = 0; i < n; i++)
        if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
            return true;
    return false;
}

/* The capabilities a config's set names, as a mask (unknown names aside). */
static uint64_t cap_mask(char **set)
{
    uint64_t m = 0;
    for (size_t i = 0; set && set[i]; i++) {
        int c = congo_cap_from_name(set[i]);
        if (c >= 0 && c < 64)
            m |= UINT64_C(1) << c;
    }
    return m;
}

static int check_cap_set(char **set, const char *name, uint64_t bounding, uint64_t permitted, bool check_permitted,
                         congo_error *err)
{
    int last = congo_caps_last_cap();
    for (size_t i = 0; set && set[i]; i++) {
        int c = congo_cap_from_name(set[i]);
        if (c < 0 || c > last)
            continue; /* unknown to this kernel: ignored with a warning (caps.h) */
        if (!(bounding & (UINT64_C(1) << c)))
            return congo_error_set(err, EPERM,
                                   "process.capabilities.%s[%zu]: %s is not in congo's own bounding set (CapBnd in "
                                   "/proc/self/status): no process congo starts can have it",
                                   name, i, set[i]);
        if (check_permitted && !(permitted & (UINT64_C(1) << c)))
            return congo_error_set(err, EPERM,
                                   "process.capabilities.%s[%zu]: %s is not in congo's own permitted set, and the "
                                   "container has no user namespace of its own to grant it",
                                   name, i, set[i]);
    }
    return 0;
}

/* What the init would otherwise find only at `start`, after create has
 * succeeded: a failed start leaves callers a container to clean up, and
 * docker races that cleanup.  So create refuses what no process congo
 * starts can have: a capability outside congo's own bounding set (the
 * kernel caps every descendant by it), or, without a user namespace of the
 * container's, outside congo's permitted set (capset(2) refuses more); and
 * a user the container's new user namespace does not map. */
static int check_grantable(struct create_job *j, congo_error *err)
{
    const oci_process *p = j->config->process;
    const oci_linux *l = j->config->linux_ ? j->config->linux_ : &empty_linux;
    bool own_userns = j->plan.create[OCI_NS_USER] || j->plan.join_fd[OCI_NS_USER] >= 0;
    int r;

    if (p->capabilities) {
        const oci_capabilities *c = p->capabilities;
        struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct __user_cap_data_struct data[2];
        uint64_t bounding = 0, permitted = 0;
        int last = congo_caps_last_cap();

        /* Only the capabilities asked for are probed: a prctl each, paid on
         * every create. */
        uint64_t asked = cap_mask(c->bounding) | cap_mask(c->effective) | cap_mask(c->permitted) |
                         cap_mask(c->inheritable);
        for (int cap = 0; cap <= last && cap < 64; cap++)
            if ((asked & (UINT64_C(1) << cap)) && prctl(PR_CAPBSET_READ, (unsigned long) cap, 0, 0, 0) == 1)
                bounding |= UINT64_C(1) << cap;
        if (capget(&hdr, data) == 0)
            permitted = (uint64_t) data[0].permitted | ((uint64_t) data[1].permitted << 32);
        else
            own_userns = true; /* cannot tell: leave it to capset */
        if ((r = check_cap_set(c->permitted, "permitted", bounding, permitted, !own_userns, err)) < 0 ||
            (r = check_cap_set(c->effective, "effective", bounding, permitted, !own_userns, err)) < 0 ||
            (r = check_cap_set(c->inheritable, "inheritable", bounding, permitted, false, err)) < 0)
            return r;
        /* Ambient ones are raised best-effort (caps.h), and only with the
         * permitted and inheritable sets checked above.  In the bounding set
         * alone a capability is only absent, as with runc: a warning. */
        for (size_t i = 0; c->bounding && c->bounding[i]; i++) {
            int cap = congo_cap_from_name(c->bounding[i]);
            if (cap >= 0 && cap <= last && !(bounding & (UINT64_C(1) << cap)))
                congo_warning("process.capabilities.bounding[%zu]: %s is not in congo's own bounding set: the "
                              "container will not have it", i, c->bounding[i]);
        }
    }
    if (j->plan.create[OCI_NS_USER]) {
        if (!id_mapped(l->uid_mappings, l->n_uid_mappings, p->user.uid))
            return congo_error_set(err, EINVAL, "process.user.uid: %u is not mapped by linux.uidMappings (the "
                                   "container's user namespace has no such user)", p->user.uid);
        if (!id_mapped(l->gid_mappings, l->n_gid_mappings, p->user.gid))
            return congo_error_set(err, EINVAL, "process.user.gid: %u is not mapped by linux.gidMappings (the "
                                   "container's user namespace has no such group)", p->user.gid);
        for (size_t i = 0; i < p->user.n_additional_gids; i++)
            if (!id_mapped(l->gid_mappings, l->n_gid_mappings, p->user.additional_gids[i]))
                return congo_error_set(err, EINVAL, "process.user.additionalGids[%zu]: %u is not mapped by "
                                       "linux.gidMappings (the container's user namespace has no such group)", i,
                                       p->user.additional_gids[i]);
    }
    return 0;
}

/* "new: pid mount ...; joined: network" for --debug. */
static char *describe_namespaces(const struct congo_ns_plan *plan)
{
    char buf[256] = "new:", joined[128] = "";
    for (int t = 0; t < OCI_NS_COUNT; t++) {
        if (plan->create[t])
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %s", oci_namespace_name(t));
        else if (plan->join_fd[t] >= 0)
            snprintf(joined + strlen(joined), sizeof joined - strlen(joined), " %s", oci_namespace_name(t));
    }
    return xasprintf("%s%s%s (clone flags 0x%x)", buf, *joined ? "; joined:" : "", joined, plan->clone_flags);
}

int congo_container_create(pid_t *pid_out, const struct congo_create_opts *o, congo_error *err)
{
    struct create_job j = { .o = o, .dirfd = -1, .sync_fd = -1 };
    _cleanup_close_ int fifo_fd = -1, child_sync = -1, stub_fd = -1, console_sock = -1;
    _cleanup_free_ char *bundle = NULL, *rootfs = NULL, *config_text = NULL;
    size_t config_len = 0;
    const oci_linux *l;
    struct init_ctx ctx;
    int sv[2], saved_ns[2] = { -1, -1 }, listen_fds, r;

    r = congo_id_validate(o->id, err);
    if (r < 0)
        return r;
    {
        const char *b = o->bundle && *o->bundle ? o->bundle : ".";
        _cleanup_close_ int bfd = open(b, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (bfd < 0)
            return congo_error_errno(err, "bundle `%s`", b);
        r = read_file_at(bfd, "config.json", 16 << 20, &config_text, &config_len, err);
        if (r < 0)
            return congo_error_wrap(err, r, "bundle `%s`", b);
        r = oci_config_parse(&j.config, config_text, config_len, "config.json", err);
        if (r < 0)
            return r;
    }
    r = oci_config_validate(j.config, err);
    if (r < 0)
        goto out;
    congo_debug("create `%s`: config.json of bundle `%s` loaded (%zu bytes)", o->id,
                o->bundle && *o->bundle ? o->bundle : ".", config_len);
    r = check_options(&j, err);
    if (r < 0)
        goto out;
    r = resolve_paths(&j, &bundle, &rootfs, err);
    if (r < 0)
        goto out;
    r = protect_binary(&j, &stub_fd, err);
    if (r < 0)
        goto out;
    l = j.config->linux_ ? j.config->linux_ : &empty_linux;
    r = congo_ns_plan_make(&j.plan, l, err);
    if (r < 0)
        goto out;
    j.own_pidns = j.plan.create[OCI_NS_PID];
    r = check_grantable(&j, err);
    if (r < 0)
        goto out;
    if (congo_log_enabled(CONGO_LOG_DEBUG)) {
        _cleanup_free_ char *ns = describe_namespaces(&j.plan);
        congo_debug("create `%s`: rootfs `%s`; namespaces %s", o->id, rootfs, ns);
    }
    if (j.plan.create[OCI_NS_USER]) {
        r = congo_userns_check_id_maps(l, err);
        if (r < 0)
            goto out;
    }
    if (l->seccomp) {
        r = congo_seccomp_compile(&j.seccomp, l->seccomp, err);
        if (r < 0)
            goto out;
    }
    /* Connected as the caller, before anything is made: the container's
     * root (in a user namespace, an unprivileged host uid) may not reach
     * the socket's directory.  runc connects in its parent too. */
    if (j.config->process->terminal && o->console_socket && o->console_fd < 0) {
        r = congo_console_socket_connect(&console_sock, o->console_socket, err);
        if (r < 0) {
            congo_error_wrap(err, r, "--console-socket");
            goto out;
        }
    }

    /* From here on, everything made is recorded first and undone on failure. */
    j.state = xzalloc(sizeof *j.state);
    j.state->id = xstrdup(o->id);
    j.state->bundle = xstrdup(bundle);
    j.state->rootfs = xstrdup(rootfs);
    j.state->created_at = rfc3339_now();
    j.state->owner = geteuid();
    j.state->exit_status = -1;
    j.state->systemd_cgroup = o->systemd_cgroup;
    j.state->own_pidns = j.own_pidns;
    j.state->image_bundle = xstrdup(o->image_bundle);
    j.state->poststart_hooks = j.config->hooks.n_poststart > 0;
    j.state->poststop_hooks = j.config->hooks.n_poststop > 0;
    if (o->systemd_cgroup)
        j.state->cgroup_path = xstrdup(j.unit.cgroup_path);
    else
        r = congo_cgroup_path_for(&j.state->cgroup_path, l->cgroups_path, o->id, err);
    if (r < 0)
        goto out;
    for (size_t i = 0; i < j.config->annotations.n; i++) {
        oci_map *m = &j.state->annotations;
        m->keys = xrealloc(m->keys, (m->n + 1) * sizeof *m->keys);
        m->values = xrealloc(m->values, (m->n + 1) * sizeof *m->values);
        m->keys[m->n] = xstrdup(j.config->annotations.keys[i]);
        m->values[m->n] = xstrdup(j.config->annotations.values[i]);
        m->n++;
    }
    r = congo_state_dir_create(&j.dirfd, o->root, o->id, err);
    if (r < 0)
        goto out;
    j.dir_created = true;
    r = congo_state_write(j.dirfd, j.state, err);
    if (r < 0)
        goto fail;
    /* exec, update, ps and delete's poststop hooks use the config as it was
     * at create, whatever happens to the bundle afterwards. */
    r = write_file_replace_at(j.dirfd, "config.json", config_text, config_len, 0600, err);
    if (r < 0)
        goto fail;
    /* Without a new user namespace (whose root could not write host
     * cgroup files) and without namespaces to join first, the child places
     * itself: cloned into its cgroup2 cgroup (on hybrid hosts too), it
     * moves into the v1 ones alone, with no RCU wait (join_cgroup).  Then
     * only the cgroup2 directory is needed before the clone: the rest is
     * made while the child builds its rootfs. */
    j.self_cgroup = !j.plan.create[OCI_NS_USER] && !j.plan.child_joins && !o->systemd_cgroup;
    congo_debug("create `%s`: cgroup `%s`%s", o->id, j.state->cgroup_path,
                o->systemd_cgroup ? " (a systemd scope)" : j.self_cgroup ? "" : " (placed by congo)");
    if (o->systemd_cgroup) {
        /* systemd makes the cgroup once the child exists (place_in_scope). */
    } else if (j.self_cgroup) {
        r = congo_cgroup_create_begin(&j.cgroup, j.state->cgroup_path, err);
        j.cgroup_pending = r >= 0;
        /* On pure cgroup2 the child lives in its cgroup from the clone on:
         * its limits and device program come first. */
        if (r >= 0 && congo_cgroup_clone_fd(j.cgroup) >= 0)
            r = finish_cgroup(&j, false, err);
    } else {
        r = congo_cgroup_create(&j.cgroup, j.state->cgroup_path, l->resources, err);
        if (r < 0 && rootless_without_cgroup(&j, r, err))
            r = 0;
    }
    if (r < 0)
        goto fail;
    r = create_fifo(&j, &fifo_fd, err);
    if (r < 0)
        goto fail;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        r = congo_error_errno(err, "socketpair");
        goto fail;
    }
    j.sync_fd = sv[0];
    child_sync = sv[1];
    listen_fds = congo_process_listen_fds();
    ctx = (struct init_ctx){
        .config = j.config,
        .id = o->id,
        .bundle = bundle,
        .rootfs = rootfs,
        .cgroup_path = j.state->cgroup_path,
        .plan = &j.plan,
        .seccomp = j.seccomp,
        .sync_fd = child_sync,
        .fifo_fd = fifo_fd,
        .console_fd = o->console_fd >= 0 ? o->console_fd : console_sock,
        .stub_fd = stub_fd,
        .preserve_fds = o->preserve_fds + listen_fds,
        .no_pivot = o->no_pivot,
        .no_new_keyring = o->no_new_keyring,
        .parent_hooks = j.config->hooks.n_prestart > 0 || j.config->hooks.n_create_runtime > 0,
        .rootless = geteuid() != 0,
    };
    /* Nothing in the container may open this process's /proc/PID/exe (the
     * host's congo binary, runc CVE-2019-5736): the child inherits a
     * non-dumpable mm until it execs the user's program. */
    /* Rootless, the child is born dumpable all the same until its maps are
     * written: the user (or its setuid newuidmap, which checks the user
     * owns /proc/PID) writes them, and a non-dumpable process's /proc files
     * are root's (runc does the same).  It turns non-dumpable once mapped,
     * before anything of the container runs. */
    if (!ctx.rootless || !j.plan.create[OCI_NS_USER])
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    r = congo_ns_parent_prepare(&j.plan, l, saved_ns, err);
    if (r < 0) {
        congo_ns_parent_restore(saved_ns, err);
        goto fail;
    }
    {
        int cgfd = !j.cgroup ? -1 : j.self_cgroup ? congo_cgroup_exec_clone_fd(j.cgroup) : congo_cgroup_clone_fd(j.cgroup);
        ctx.cgroup = j.cgroup;
        ctx.self_cgroup = j.self_cgroup;
        ctx.cgroup2_done = cgfd >= 0;
        ctx.late_cgroup = j.cgroup_pending;
        ctx.n_cgroup_dirs = j.cgroup ? congo_cgroup_count(j.cgroup) : 0;
        j.pid = congo_clone_into(j.plan.clone_flags, cgfd);
        if (j.pid < 0 && cgfd >= 0 && j.self_cgroup && errno != ENOMEM && errno != EAGAIN) {
            /* A cgroup2 directory clone3 will not take: the child enters it. */
            ctx.cgroup2_done = false;
            j.pid = congo_clone_into(j.plan.clone_flags, -1);
        }
    }
    if (j.pid == 0) {
        close(j.dirfd); /* the lock belongs to congo, not to the container */
        close(j.sync_fd);
        congo_container_init(&ctx);
    }
    if (j.pid < 0) {
        r = congo_error_errno(err, "clone the container process (flags 0x%x)", j.plan.clone_flags);
        congo_ns_parent_restore(saved_ns, NULL);
        goto fail;
    }
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    r = congo_ns_parent_restore(saved_ns, err);
    if (r < 0)
        goto fail;
    close(steal_fd(&child_sync));
    if (j.cgroup_pending) {
        r = finish_cgroup(&j, true, err);
        if (r < 0)
            goto fail;
    }
    /* The pid is recorded with the "created" state below: until then a
     * killed congo takes the child with it (it reads EOF on the sync socket
     * or gets PR_SET_PDEATHSIG). */
    congo_pid_stat(j.pid, &j.state->pid_start, NULL);
    j.state->pid = j.pid;
    congo_debug("create `%s`: container process started, host pid %d", o->id, (int) j.pid);
    r = drive_child(&j, err);
    if (r < 0)
        goto fail;
    j.state->created = true;
    r = congo_state_write(j.dirfd, j.state, err);
    if (r < 0)
        goto fail;
    if (o->pid_file) {
        r = congo_pid_file_write(o->pid_file, j.pid, err);
        if (r < 0)
            goto fail;
    }
    *pid_out = j.pid;
    congo_debug("create `%s`: created; pid %d runs `%s` once started", o->id, (int) j.pid,
                j.config->process->args && j.config->process->args[0] ? j.config->process->args[0] : "?");
    r = 0;
    goto out;
fail:
    congo_debug("create `%s` failed: undoing what was made", o->id);
    create_job_undo(&j);
out:
    if (j.sync_fd >= 0)
        close(j.sync_fd);
    if (j.dirfd >= 0)
        close(j.dirfd);
    congo_ns_plan_clear(&j.plan);
    if (j.seccomp)
        congo_seccomp_free(j.seccomp);
    if (j.cgroup)
        congo_cgroup_free(j.cgroup);
    congo_state_free(j.state);
    oci_config_free(j.config);
    congo_systemd_unit_clear(&j.unit);
    return r;
}

/* ---- load, start, kill, delete ---- */

static int load_locked(struct congo_state **st, enum congo_status *status, int *dirfd, const char *root,
                       const char *id, congo_error *err)
{
    int r = congo_state_dir_open(dirfd, root, id, true, err);
    if (r < 0)
        return r;
    r = congo_state_read(st, *dirfd, id, err);
    if (r < 0) {
        close(*dirfd);
        return r;
    }
    return congo_state_status(status, *st, *dirfd, err);
}

int congo_container_load(struct congo_state **out, enum congo_status *status, const char *root, const char *id,
                         congo_error *err)
{
    _cleanup_close_ int dfd = -1;
    struct congo_state *s = NULL;
    int r = congo_state_dir_open(&dfd, root, id, false, err);
    if (r < 0)
        return r;
    r = congo_state_read(&s, dfd, id, err);
    if (r < 0)
        return r;
    r = congo_state_status(status, s, dfd, err);
    if (r < 0) {
        congo_state_free(s);
        return r;
    }
    *out = s;
    return 0;
}

/* What the init says on the fifo once released (container-internal.h):
 * nothing (EOF) when the program runs. */
static int read_start_report(int fifo, int dfd, const char *id, congo_error *out)
{
    char type;
    ssize_t n = read_all(fifo, &type, 1);

    if (n <= 0)
        return 0;
    if (type == CONGO_START_ERROR) {
        if (congo_error_recv(fifo, out) > 0)
            return out->errnum > 0 ? -out->errnum : -EINVAL;
    } else if (type == CONGO_STUB_ERROR) {
        int e = 0;
        _cleanup_config_ oci_config *config = NULL;
        congo_error ignored = CONGO_ERROR_INIT;
        if (read_all(fifo, &e, sizeof e) == (ssize_t) sizeof e && e > 0) {
            const char *prog = congo_state_load_config(&config, dfd, id, &ignored) == 0 && config->process &&
                                       config->process->args && config->process->args[0]
                                   ? config->process->args[0]
                                   : "process.args[0]";
            congo_error_clear(&ignored);
            return congo_error_set_lower(out, e, "exec: \"%s\"", prog);
        }
    }
    return congo_error_set(out, EPROTO, "container `%s`: its init failed before the program ran", id);
}

static void end_failed_start(struct congo_state *s);

int congo_container_start(const char *root, const char *id, congo_error *err)
{
    _cleanup_state_ struct congo_state *s = NULL;
    _cleanup_close_ int dfd = -1, fifo = -1;
    congo_error child_err = CONGO_ERROR_INIT;
    enum congo_status status;
    struct pollfd pfd;
    char c;
    int r;

    r = load_locked(&s, &status, &dfd, root, id, err);
    if (r < 0)
        return r;
    if (status != CONGO_STATUS_CREATED)
        return congo_error_set(err, EINVAL, "container `%s` is %s: only a created container can be started", id,
                               congo_status_name(status));
    congo_debug("start `%s`: releasing its init, pid %d", id, (int) s->pid);
    /* Non-blocking: if the init died, a blocking open would wait forever. */
    fifo = openat(dfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fifo < 0)
        return congo_error_errno(err, "open exec fifo of container `%s`", id);
    pfd = (struct pollfd){ .fd = fifo, .events = POLLIN };
    for (;;) {
        r = poll(&pfd, 1, 100);
        if (r < 0 && errno != EINTR)
            return congo_error_errno(err, "wait for container `%s`", id);
        if (r > 0)
            break;
        if (!congo_pid_alive(s->pid, s->pid_start))
            return congo_error_set(err, ESRCH, "container `%s`: its init process died before start", id);
        /* A frozen init never answers: say so rather than wait forever. */
        if (s->cgroup_path) {
            struct congo_cgroup *cg = NULL;
            congo_error ignored = CONGO_ERROR_INIT;
            bool frozen = false;
            if (congo_cgroup_open(&cg, s->cgroup_path, &ignored) == 0) {
                congo_cgroup_is_frozen(cg, &frozen, &ignored);
                congo_cgroup_free(cg);
            }
            congo_error_clear(&ignored);
            if (frozen)
                return congo_error_set(err, EBUSY, "container `%s`: its cgroup is frozen (paused): resume it "
                                       "before start", id);
        }
    }
    if (read(fifo, &c, 1) != 1)
        return congo_error_set(err, ESRCH, "container `%s`: its init process died before start", id);
    /* Without the fifo the container reads as running. */
    unlinkat(dfd, "exec.fifo", 0);
    /* The init closes its end at execve (O_CLOEXEC): EOF means the user
     * process runs; an error record means it could not. */
    {
        int fl = fcntl(fifo, F_GETFL);
        fcntl(fifo, F_SETFL, fl & ~O_NONBLOCK);
    }
    r = read_start_report(fifo, dfd, id, &child_err);
    if (r < 0) {
        congo_error_clear(err);
        *err = child_err;
        end_failed_start(s);
        return r;
    }
    congo_debug("start `%s`: the program runs", id);
    {
        _cleanup_config_ oci_config *config = NULL;
        congo_error herr = CONGO_ERROR_INIT;
        if (s->poststart_hooks && congo_state_load_config(&config, dfd, id, &herr) == 0 &&
            config->hooks.n_poststart > 0) {
            _cleanup_free_ char *json = congo_state_json(s, CONGO_STATUS_RUNNING);
            congo_hooks_run_warn(config->hooks.poststart, config->hooks.n_poststart, "poststart", json);
        }
        congo_error_clear(&herr);
    }
    return 0;
}

static int signal_init(struct congo_state *s, int sig, congo_error *err)
{
    _cleanup_close_ int pidfd = syscall(SYS_pidfd_open, s->pid, 0);
    if (pidfd < 0)
        return congo_error_set(err, ESRCH, "container not running: `%s` has no process (no such process)", s->id);
    /* The pidfd pins the process: check it is still ours, then signal it. */
    if (!congo_pid_alive(s->pid, s->pid_start))
        return congo_error_set(err, ESRCH, "container not running: `%s` (process already finished)", s->id);
    if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
        return congo_error_errno(err, "send signal %d to container `%s`", sig, s->id);
    return 0;
}

int congo_container_kill(const char *root, const char *id, int sig, bool all, congo_error *err)
{
    _cleanup_state_ struct congo_state *s = NULL;
    _cleanup_close_ int dfd = -1;
    enum congo_status status;
    int r;

    r = load_locked(&s, &status, &dfd, root, id, err);
    if (r < 0)
        return r;
    congo_debug("kill `%s` (%s): signal %d to %s", id, congo_status_name(status), sig,
                all && s->cgroup_path ? "every process of its cgroup" : "its init");
    if (all && s->cgroup_path) {
        struct congo_cgroup *cg = NULL;
        if (status == CONGO_STATUS_STOPPED && !congo_pid_alive(s->pid, s->pid_start)) {
            /* Other processes may still run in the cgroup (a detached
             * daemon): --all reaches them, as runc's does. */
        }
        r = congo_cgroup_open(&cg, s->cgroup_path, err);
        if (r < 0)
            return r;
        r = congo_cgroup_kill(cg, sig, err);
        congo_cgroup_free(cg);
        return r;
    }
    /* Without a cgroup (rootless, as runc): --all signals the init, which
     * is all there is to reach for SIGKILL in a pid namespace of its own
     * (its end kills the rest); without one, the processes cannot be found. */
    if (all && !s->cgroup_path && !s->own_pidns)
        return congo_error_set(err, 0,
                               "kill --all: container `%s` has no cgroup (created rootless without a writable "
                               "cgroup) nor a pid namespace of its own: its processes cannot be found",
                               id);
    if (status == CONGO_STATUS_STOPPED || status == CONGO_STATUS_CREATING)
        return congo_error_set(err, ESRCH, "container not running: `%s` is %s", id, congo_status_name(status));
    r = signal_init(s, sig, err);
    if (r < 0 || status != CONGO_STATUS_PAUSED || sig != SIGKILL || !s->cgroup_path)
        return r;
    /* A frozen v1 task does not die until it is thawed: SIGKILL to a paused
     * container thaws it, as runc does (containerd's shim waits for the exit). */
    struct congo_cgroup *cg = NULL;
    r = congo_cgroup_open(&cg, s->cgroup_path, err);
    if (r < 0)
        return r;
    r = congo_cgroup_freeze(cg, false, err);
    congo_cgroup_free(cg);
    return r < 0 ? congo_error_wrap(err, r, "thaw paused container `%s` after SIGKILL", id) : 0;
}

/* Wait until the process has exited (a zombie counts: nobody may reap it). */
static void wait_dead(pid_t pid, unsigned long long start)
{
    _cleanup_close_ int pidfd = syscall(SYS_pidfd_open, pid, 0);
    if (pidfd >= 0) {
        struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
        if (congo_pid_alive(pid, start))
            poll(&pfd, 1, 10000);
        return;
    }
    for (int i = 0; i < 1000 && congo_pid_alive(pid, start); i++)
        usleep(10000);
}

/* A start that failed leaves nothing running: the init (which exits by
 * itself, but maybe not yet) and, without a pid namespace of its own to take
 * them along, whatever it forked (a startContainer hook's daemon) are killed
 * and awaited.  The container then reads stopped and a plain `delete`
 * (containerd's, right after the failed start) succeeds at once. */
static void end_failed_start(struct congo_state *s)
{
    congo_error ignored = CONGO_ERROR_INIT;
    struct congo_cgroup *cg = NULL;

    if (s->pid > 0 && congo_pid_alive(s->pid, s->pid_start))
        signal_init(s, SIGKILL, &ignored);
    congo_error_clear(&ignored);
    if (!s->own_pidns && s->cgroup_path && congo_cgroup_open(&cg, s->cgroup_path, &ignored) == 0) {
        congo_cgroup_kill(cg, SIGKILL, &ignored);
        congo_cgroup_free(cg);
    }
    congo_error_clear(&ignored);
    if (s->pid > 0)
        wait_dead(s->pid, s->pid_start);
    congo_debug("start `%s` failed: its init (pid %d) is gone, the container is stopped", s->id, (int) s->pid);
}

int congo_container_delete(const char *root, const char *id, bool force, congo_error *err)
{
    _cleanup_state_ struct congo_state *s = NULL;
    _cleanup_close_ int dfd = -1;
    _cleanup_config_ oci_config *config = NULL;
    struct congo_cgroup *cg = NULL;
    congo_error herr = CONGO_ERROR_INIT;
    enum congo_status status;
    int r;

    r = congo_state_dir_open(&dfd, root, id, true, err);
    if (r == -ENOENT && force) {
        /* Already gone: what --force asks for (runc and crun agree; podman
         * calls `delete --force` after a failed create, when create has
         * already removed everything). */
        congo_error_clear(err);
        return 0;
    }
    if (r < 0)
        return r;
    r = congo_state_read(&s, dfd, id, err);
    if (r < 0) {
        /* An interrupted create left no state: nothing else can exist. */
        if (r == -ENOENT && force)
            return congo_state_dir_remove(root, id, err);
        return r;
    }
    r = congo_state_status(&status, s, dfd, err);
    if (r < 0)
        return r;
    congo_debug("delete `%s`: it is %s (init pid %d)%s", id, congo_status_name(status), (int) s->pid,
                force ? ", --force" : "");
    if (!force && (status == CONGO_STATUS_RUNNING || status == CONGO_STATUS_PAUSED))
        return congo_error_set(err, EBUSY, "container `%s` is %s: stop it first or use --force", id,
                               congo_status_name(status));
    if (s->cgroup_path && congo_cgroup_open(&cg, s->cgroup_path, &herr) < 0)
        congo_error_clear(&herr); /* never created: nothing to remove */
    /* A stopped init that had its own pid namespace took every process of
     * the container with it: nothing to kill, unless the cgroup says
     * otherwise (state can be wrong; --force must still clean up). */
    if (status != CONGO_STATUS_STOPPED ||
        (cg && force && (!s->own_pidns || !congo_cgroup_looks_empty(cg)))) {
        congo_debug("delete `%s`: killing its processes", id);
        if (cg) {
            if (status == CONGO_STATUS_PAUSED)
                congo_cgroup_freeze(cg, false, &herr);
            congo_cgroup_kill(cg, SIGKILL, &herr);
            congo_error_clear(&herr);
        }
        if (s->pid > 0 && congo_pid_alive(s->pid, s->pid_start)) {
            signal_init(s, SIGKILL, &herr);
            congo_error_clear(&herr);
        }
    }
    if (s->pid > 0)
        wait_dead(s->pid, s->pid_start);
    if (s->systemd_cgroup && congo_systemd_unit_of_path(s->cgroup_path)) {
        /* The scope goes, and its cgroup with it. */
        r = congo_systemd_stop_unit(congo_systemd_unit_of_path(s->cgroup_path), err);
        if (r < 0 && !force) {
            if (cg)
                congo_cgroup_free(cg);
            return congo_error_wrap(err, r, "delete container `%s`", id);
        }
        if (r < 0) {
            _cleanup_free_ char *t = congo_error_text(err);
            congo_warning("delete container `%s`: %s", id, t);
            congo_error_clear(err);
        }
    }
    if (cg) {
        r = congo_cgroup_destroy(cg, err);
        congo_cgroup_free(cg);
        if (r < 0)
            return congo_error_wrap(err, r, "delete container `%s`", id);
        congo_cgroup_prune_default_parent(s->cgroup_path);
        congo_debug("delete `%s`: cgroup `%s` removed", id, s->cgroup_path);
    }
    if (s->poststop_hooks && congo_state_load_config(&config, dfd, id, &herr) == 0 &&
        config->hooks.n_poststop > 0) {
        _cleanup_free_ char *json = congo_state_json(s, CONGO_STATUS_STOPPED);
        congo_debug("delete `%s`: running %zu poststop hook(s)", id, config->hooks.n_poststop);
        congo_hooks_run_warn(config->hooks.poststop, config->hooks.n_poststop, "poststop", json);
    }
    congo_error_clear(&herr);
    if (s->image_bundle) {
        char *argv[] = { "rm-bundle", s->image_bundle, NULL };
        r = congo_image_helper(NULL, argv, err);
        if (r < 0)
            return congo_error_wrap(err, r, "delete container `%s`: remove its bundle", id);
    }
    r = congo_state_dir_remove(root, id, err);
    if (r >= 0)
        congo_debug("delete `%s`: state `%s/%s` removed", id, root, id);
    return r;
}

static int update_state(const char *root, const char *id, int exit_status, pid_t monitor, congo_error *err)
{
    _cleanup_state_ struct congo_state *s = NULL;
    _cleanup_close_ int dfd = -1;
    int r = congo_state_dir_open(&dfd, root, id, true, err);
    if (r < 0)
        return r;
    r = congo_state_read(&s, dfd, id, err);
    if (r < 0)
        return r;
    if (exit_status >= 0)
        s->exit_status = exit_status;
    if (monitor >= 0)
        s->monitor_pid = monitor;
    return congo_state_write(dfd, s, err);
}

int congo_container_record_exit(const char *root, const char *id, int exit_status, congo_error *err)
{
    return update_state(root, id, exit_status, -1, err);
}

int congo_container_record_monitor(const char *root, const char *id, pid_t monitor, congo_error *err)
{
    return update_state(root, id, -1, monitor, err);
}

int congo_container_resolve(char **id_out, const char *root, const char *id_or_pid, congo_error *err)
{
    _cleanup_strv_ char **ids = NULL;
    long long pid;
    int r;

    if (parse_int64(id_or_pid, &pid) < 0 || pid <= 0 || pid > 1 << 30 ||
        faccessat(AT_FDCWD, root, F_OK, 0) < 0) {
        *id_out = xstrdup(id_or_pid);
        return 0;
    }
    {
        /* An all-digit ID that exists wins over a pid. */
        _cleanup_close_ int dfd = -1;
        congo_error ignored = CONGO_ERROR_INIT;
        if (congo_state_dir_open(&dfd, root, id_or_pid, false, &ignored) == 0) {
            *id_out = xstrdup(id_or_pid);
            return 0;
        }
        congo_error_clear(&ignored);
    }
    r = congo_state_list(&ids, root, err);
    if (r < 0)
        return r;
    for (char **id = ids; *id; id++) {
        struct congo_state *s = NULL;
        enum congo_status st;
        congo_error ignored = CONGO_ERROR_INIT;
        if (congo_container_load(&s, &st, root, *id, &ignored) == 0) {
            bool match = s->pid == (pid_t) pid && st != CONGO_STATUS_STOPPED;
            congo_state_free(s);
            if (match) {
                *id_out = xstrdup(*id);
                return 0;
            }
        }
        congo_error_clear(&ignored);
    }
    return congo_error_set(err, ENOENT, "no container `%s`, and no container has an init with host pid %lld",
                           id_or_pid, pid);
}
