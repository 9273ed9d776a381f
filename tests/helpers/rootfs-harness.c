/* rootfs-harness: run the rootfs module (congo_rootfs_prepare/pivot/finalize)
 * for a bundle in real namespaces, then exec a command inside: the rootfs
 * integration tests use it where they need the module alone (and until
 * `congo run` drives it).
 *
 *   rootfs-harness [--no-pivot] [--legacy] [--cgroup PATH] BUNDLE CMD [ARG...]
 *
 * The namespaces are the config's new ones (linux.namespaces entries without
 * a path; a mount namespace always); a user namespace gets the config's
 * mappings.  --legacy forces mount(2) instead of the new mount API.
 * --cgroup gives congo_rootfs_ctx.cgroup_path (the harness stays in its own
 * cgroup otherwise).  Errors print "rootfs-harness: <error>", exit 1;
 * otherwise the exit status is the command's. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libcongo/mounts.h"
#include "libcongo/oci-config.h"
#include "libcongo/rootfs.h"
#include "libcongo/utils.h"

struct child {
    struct congo_rootfs_ctx ctx;
    int sync_fd, err_fd, fds_sock;
    char **argv;
};

/* The idmapped mounts' fds, from the parent (SCM_RIGHTS, one per message). */
static int recv_mount_fds(struct child *c, congo_error *err)
{
    size_t n = c->ctx.config->n_mounts;
    int *fds = xnew0(int, n ? n : 1);
    bool any = false;

    for (size_t i = 0; i < n; i++) {
        char cbuf[CMSG_SPACE(sizeof(int))], b;
        struct iovec iov = { &b, 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
        struct cmsghdr *cm;
        fds[i] = -1;
        if (recvmsg(c->fds_sock, &msg, MSG_CMSG_CLOEXEC) != 1)
            return congo_error_errno(err, "receive the idmapped mounts");
        cm = CMSG_FIRSTHDR(&msg);
        if (b == 'f' && cm && cm->cmsg_type == SCM_RIGHTS) {
            memcpy(&fds[i], CMSG_DATA(cm), sizeof(int));
            any = true;
        }
    }
    c->ctx.mount_fds = any ? fds : NULL;
    return 0;
}

static int send_mount_fds(int sock, const int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, b = fds && fds[i] >= 0 ? 'f' : '-';
        struct iovec iov = { &b, 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
        if (b == 'f') {
            msg.msg_control = cbuf;
            msg.msg_controllen = sizeof cbuf;
            struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
            cm->cmsg_level = SOL_SOCKET;
            cm->cmsg_type = SCM_RIGHTS;
            cm->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(cm), &fds[i], sizeof(int));
        }
        if (sendmsg(sock, &msg, 0) != 1)
            return -1;
    }
    return 0;
}

static int child_main(void *arg)
{
    struct child *c = arg;
    congo_error err = CONGO_ERROR_INIT;
    char b;
    int r;

    if (read(c->sync_fd, &b, 1) != 1)
        _exit(1);
    if (c->ctx.new_userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
        congo_error_errno(&err, "become root in the user namespace");
        goto fail;
    }
    if ((r = recv_mount_fds(c, &err)) < 0)
        goto fail;
    if ((r = congo_rootfs_prepare(&c->ctx, &err)) < 0)
        goto fail;
    if ((r = congo_rootfs_pivot(&c->ctx, &err)) < 0)
        goto fail;
    if ((r = congo_rootfs_finalize(&c->ctx, &err)) < 0)
        goto fail;
    if (c->ctx.config->process && c->ctx.config->process->cwd && chdir(c->ctx.config->process->cwd) < 0) {
        congo_error_errno(&err, "chdir `%s`", c->ctx.config->process->cwd);
        goto fail;
    }
    setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
    execvp(c->argv[0], c->argv);
    congo_error_errno(&err, "exec `%s`", c->argv[0]);
fail:
    congo_error_send(c->err_fd, &err);
    _exit(1);
}

/* Print and clear err (nothing leaks: the sanitizer build checks the helpers too). */
static void print_error(congo_error *err)
{
    _cleanup_free_ char *t = congo_error_text(err);
    fprintf(stderr, "rootfs-harness: %s\n", t);
    congo_error_clear(err);
}

static int write_map(pid_t pid, const char *file, const oci_id_mapping *m, size_t n)
{
    char path[64], buf[4096];
    size_t len = 0;

    snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
    for (size_t i = 0; i < n; i++)
        len += snprintf(buf + len, sizeof buf - len, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
    congo_error err = CONGO_ERROR_INIT;
    if (write_file_at(AT_FDCWD, path, buf, len, &err) < 0) {
        print_error(&err);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    _cleanup_config_ oci_config *config = NULL;
    congo_error err = CONGO_ERROR_INIT;
    static struct child c;
    char bundle[PATH_MAX];
    _cleanup_free_ char *rootfs = NULL, *stack = NULL;
    int flags = CLONE_NEWNS, sync_pipe[2], err_pipe[2], sock[2], status, i = 1, *idmapped = NULL;
    const char *cgroup = NULL;
    bool no_pivot = false;
    pid_t pid;

    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--no-pivot") == 0)
            no_pivot = true;
        else if (strcmp(argv[i], "--legacy") == 0)
            congo_mounts_legacy = true;
        else if (strcmp(argv[i], "--cgroup") == 0 && i + 1 < argc)
            cgroup = argv[++i];
        else
            break;
    }
    if (argc - i < 2) {
        fprintf(stderr, "usage: rootfs-harness [--no-pivot] [--legacy] [--cgroup PATH] BUNDLE CMD [ARG...]\n");
        return 2;
    }
    if (!realpath(argv[i], bundle)) {
        perror("rootfs-harness: bundle");
        return 1;
    }
    if (oci_config_load(&config, bundle, &err) < 0 || oci_config_validate(config, &err) < 0) {
        print_error(&err);
        return 1;
    }
    rootfs = config->root.path[0] == '/' ? xstrdup(config->root.path) : xasprintf("%s/%s", bundle, config->root.path);
    c.ctx = (struct congo_rootfs_ctx) {
        .config = config, .bundle = bundle, .rootfs = rootfs, .cgroup_path = cgroup, .no_pivot = no_pivot,
    };
    for (size_t k = 0; config->linux_ && k < config->linux_->n_namespaces; k++) {
        const oci_namespace *ns = &config->linux_->namespaces[k];
        if (ns->path)
            continue;
        flags |= oci_namespace_clone_flag(ns->type);
        if (ns->type == OCI_NS_USER)
            c.ctx.new_userns = true;
        else if (ns->type == OCI_NS_NETWORK)
            c.ctx.new_netns = true;
        else if (ns->type == OCI_NS_CGROUP)
            c.ctx.new_cgroupns = true;
    }
    if (pipe2(sync_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0 ||
        socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sock) < 0) {
        perror("rootfs-harness: pipe");
        return 1;
    }
    c.sync_fd = sync_pipe[0];
    c.err_fd = err_pipe[1];
    c.fds_sock = sock[1];
    c.argv = argv + i + 1;
    size_t stack_size = 1 << 20;
    stack = xmalloc(stack_size);
    pid = clone(child_main, stack + stack_size, flags | SIGCHLD, &c);
    if (pid < 0) {
        perror("rootfs-harness: clone");
        return 1;
    }
    close(err_pipe[1]);
    if (c.ctx.new_userns) {
        if (write_map(pid, "uid_map", config->linux_->uid_mappings, config->linux_->n_uid_mappings) < 0 ||
            write_map(pid, "gid_map", config->linux_->gid_mappings, config->linux_->n_gid_mappings) < 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return 1;
        }
    }
    /* The idmapped mounts are opened here, once the user namespace is mapped
     * (as congo run does). */
    if (c.ctx.new_userns && congo_rootfs_open_idmapped(&idmapped, config, bundle, pid, &err) < 0) {
        print_error(&err);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return 1;
    }
    if (write(sync_pipe[1], "x", 1) != 1 || send_mount_fds(sock[0], idmapped, config->n_mounts) < 0)
        return 1;
    congo_rootfs_close_idmapped(idmapped, config->n_mounts);
    close(sync_pipe[1]);
    if (congo_error_recv(err_pipe[0], &err) == 1) {
        print_error(&err);
        waitpid(pid, NULL, 0);
        return 1;
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 1;
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
