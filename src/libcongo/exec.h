/* congo exec: a new process in a running container.
 *
 * The process is what --process gives (a runtime-spec process.json), or the
 * container's own process (from the config.json saved at create) with the
 * command line's args and overrides, as runc does.  Either way it gets from
 * the container what the process leaves unset: capabilities, rlimits,
 * AppArmor profile, SELinux label, umask, oomScoreAdj.  seccomp is always
 * the container's (linux.seccomp).
 *
 * How it joins (no intermediate process, no re-exec of congo; the final
 * execve goes through the exec-stub, self-exe.h):
 *
 *   congo (host)                          exec'd child
 *   pidfd of the container's init
 *   non-dumpable (the child inherits it
 *   until its execve: nothing in the
 *   container can open its /proc/PID/exe,
 *   fds or memory, or ptrace it)
 *   setns(pidfd, PID|TIME) for children
 *   clone3 [CLONE_INTO_CGROUP: cgroup2] ─►  born in the container's pid and
 *   back to congo's own pid/time ns        time namespaces and cgroup2 dir;
 *                                          execCPUAffinity.initial; writes
 *                                          "0" to the v1 `tasks` files (no
 *                                          cgroup.procs: no RCU wait);
 *                                          .final; oomScoreAdj; closes every
 *                                          fd of congo's it does not need;
 *                                          LSM attr files opened; rlimits
 *                                          (with the host's CAP_SYS_RESOURCE);
 *                                          setns(pidfd, USER|MNT|NET|IPC|
 *                                          UTS|CGROUP) at once; setsid,
 *                                          session keyring, terminal;
 *                                          personality, scheduler, ioprio,
 *                                          memory policy, LSM labels;
 *   [notify fd → listenerPath] ◄──────     seccomp (N/E/L as seccomp.h says),
 *                                          user, capabilities, umask, cwd
 *                                          (checked to be inside the
 *   READY ◄───────────────────────────     container), no_new_privs
 *                                          exec-stub (sealed memfd) → execve
 *   EOF (execve closed the socket), an
 *   error record, or the stub's errno
 *
 * Errors in the child travel back over the sync socket; a failed exec
 * changes nothing in the container. */
#ifndef CONGO_EXEC_H
#define CONGO_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "oci-config.h"

struct congo_exec_opts {
    const char *root;             /* state root */
    const char *id;
    const char *process_file;     /* --process FILE ("-" = stdin); NULL: the container's process + flags */
    char **args;                  /* COMMAND ARGS... (NULL-terminated; required without --process) */
    bool tty;                     /* --tty */
    const char *console_socket;   /* --console-socket PATH */
    int console_fd;               /* a connected socket that receives the pty master (foreground -t), or -1 */
    bool detach;                  /* --detach: only for the checks (congo_exec always returns once it runs) */
    const char *cwd;              /* --cwd */
    char **env;                   /* --env K=V, in order */
    const char *user;             /* --user UID[:GID] */
    char **additional_gids;       /* --additional-gids G, in order */
    char **caps;                  /* --cap CAP, in order */
    bool no_new_privs;            /* --no-new-privs */
    const char *process_label;    /* --process-label */
    const char *apparmor;         /* --apparmor */
    const char *pid_file;         /* --pid-file: written once the process runs */
    int preserve_fds;             /* --preserve-fds N */
    char **cgroups;               /* --cgroup [CONTROLLER[,...]:]SUBPATH, in order */
    bool ignore_paused;           /* --ignore-paused */
};

/* Start the process; returns once it runs (execve succeeded) with its host
 * pid in *pid_out, or with an error and nothing left running. */
int congo_exec(pid_t *pid_out, const struct congo_exec_opts *o, congo_error *err);

/* ---- pure parts, unit tested ---- */

/* The process to run: a parsed --process document (taken over, may be
 * NULL), else the container's process (taken over from c) with args and
 * the flags applied; then the container's settings for what it leaves unset.
 * Validated (oci_process_validate). */
int congo_exec_process(oci_process **out, oci_config *c, oci_process *from_file, const struct congo_exec_opts *o,
                       congo_error *err);
/* Merge env entries into *env: a NAME already there gets the new value in
 * place (the last one wins), a new NAME is appended.  Entries without '='
 * are an error naming `what`. */
int congo_env_merge(char ***env, char *const *add, const char *what, congo_error *err);
/* --user "UID[:GID]" (decimal, 0..4294967294). */
int congo_exec_parse_user(uint32_t *uid, uint32_t *gid, bool *gid_set, const char *s, congo_error *err);

/* --cgroup arguments: which sub-cgroup the process goes to in each
 * hierarchy.  "SUB" alone (at most one) applies to every hierarchy;
 * "cpu,memory:SUB" to the v1 hierarchies carrying those controllers.  SUB
 * is relative to the container's cgroup, without "..".  *out is an array of
 * n entries: controllers NULL for "every hierarchy". */
struct congo_exec_subcgroup {
    char **controllers;
    char *path;
};
int congo_exec_parse_cgroups(struct congo_exec_subcgroup **out, size_t *n, char *const *args, congo_error *err);
void congo_exec_subcgroups_free(struct congo_exec_subcgroup *s, size_t n);

#endif
