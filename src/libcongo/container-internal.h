/* Shared between the parent side of create (container.c) and the container
 * child (container-init.c).  Not a public API. */
#ifndef CONGO_CONTAINER_INTERNAL_H
#define CONGO_CONTAINER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "namespaces.h"
#include "oci-config.h"

struct congo_seccomp;

/* Parent <-> child messages on the sync socket: one type byte, then for
 * SYNC_GO a u32 length and the state JSON for the container's hooks, for
 * SYNC_ERROR an error record (congo_error_send). */
enum sync_msg {
    SYNC_NS_READY = 'N',   /* child: namespaces joined/unshared; write my id maps */
    SYNC_GO = 'G',         /* parent: maps written, cgroup entered (unless the child does it); go on */
    SYNC_HOOKS = 'H',      /* child: mounts done, run prestart/createRuntime hooks */
    SYNC_HOOKS_DONE = 'h', /* parent: they ran */
    SYNC_READY = 'R',      /* child: everything set up, waiting for start */
    SYNC_MOUNT_FDS = 'F',  /* parent, after GO in a new user namespace: the bind/idmapped mounts it opened */
    SYNC_CGROUP_FDS = 'C', /* parent, to a child placing itself: its v1 cgroup dirs, made after the clone */
    SYNC_SECCOMP = 'S',    /* child: the seccomp listener fd message follows */
    SYNC_ERROR = 'E',      /* child: failed; an error record follows */
};

/* After READY, the init reports a failure to `congo start` on the exec
 * fifo: CONGO_START_ERROR and an error record (congo_error_send), or the
 * exec-stub's 'X' and an errno (self-exe.h).  EOF: the program runs. */
#define CONGO_START_ERROR 'E'
#define CONGO_STUB_ERROR 'X'

struct init_ctx {
    const oci_config *config;
    const char *id;
    const char *bundle;
    const char *rootfs;
    const char *cgroup_path;
    struct congo_ns_plan *plan;
    struct congo_seccomp *seccomp;
    int sync_fd;              /* child's end of the sync socket */
    int fifo_fd;              /* O_PATH fd of ROOT/ID/exec.fifo */
    int console_fd;           /* connected console socket (--console-socket or foreground run), or -1 */
    int stub_fd;              /* sealed memfd of the exec-stub for the final execve, or -1 */
    int preserve_fds;         /* --preserve-fds N (+ LISTEN_FDS): fds 3..3+N-1 pass to the container */
    bool no_pivot;
    bool no_new_keyring;
    bool parent_hooks;        /* prestart or createRuntime hooks: child stops for them */
    char *hook_state;         /* state JSON for createContainer/startContainer hooks (received with GO) */
    bool got_go;              /* the parent's SYNC_GO was read */
    bool in_cgroup;           /* placed and in its cgroup namespace (join_cgroup ran) */
    /* The child moves itself into its v1 cgroups (writing "0" to `tasks`
     * moves the calling thread without the global threadgroup lock and its
     * RCU grace period) and was cloned straight into its cgroup2 one when
     * cgroup2_done; else the parent places it before SYNC_GO. */
    struct congo_cgroup *cgroup;
    bool self_cgroup;
    bool cgroup2_done;
    bool late_cgroup;         /* the v1 dirs come with SYNC_CGROUP_FDS (made after the clone) */
    size_t n_cgroup_dirs;
    int *mount_fds;           /* bind/idmapped mounts made by the parent (new user namespace), or NULL */
    bool rootless;            /* congo runs as a user other than root (its maps written by that user) */
    bool setgroups_denied;    /* /proc/self/setgroups says "deny" (an unprivileged gid_map) */
};

/* The child's whole life: never returns. */
__attribute__((noreturn)) void congo_container_init(struct init_ctx *ctx);

int sync_send(int fd, char type, const void *payload, uint32_t len);
/* An fd message (SYNC_MOUNT_FDS, SYNC_CGROUP_FDS): fds[i] (-1 for none) for
 * each of n slots; the receiver gets an array of n fds back (what names the
 * fds in errors), or NULL when none was sent. */
int sync_send_fds(int sock, char type, const int *fds, size_t n);
int sync_recv_fds(int sock, char want, const char *what, int **fds_out, size_t n, congo_error *err);
/* Reads one message; *payload (optional) gets the SYNC_GO payload. 0 on EOF. */
int sync_recv(int fd, char *type, char **payload, congo_error *err);

#endif
