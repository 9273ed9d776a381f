/* The container process: what happens in the container child between the
 * root filesystem and execve().
 *
 * At create time (before the child reports ready):
 *   congo_process_resolve()     find args[0] in the container's PATH (from
 *                               process.env), check process.cwd exists; a
 *                               missing executable fails `create`, as in runc
 *   congo_process_set_limits()  rlimits (an rlimit above the host's hard limit
 *                               without CAP_SYS_RESOURCE is an error that says so)
 * After `start` (the child was released):
 *   congo_process_set_identity() setgroups/setresgid/setresuid (keeping
 *                               capabilities across the switch), the five
 *                               capability sets, umask, chdir(cwd),
 *                               no_new_privs
 *   congo_process_exec()        execve with process.env; returns only on error
 */
#ifndef CONGO_PROCESS_H
#define CONGO_PROCESS_H

#include <stdbool.h>

#include "error.h"
#include "oci-config.h"

/* Runs congo_caps_check() (capability sets the kernel would refuse at start
 * fail create) and congo_process_make_cwd() first.  A relative args[0] with
 * a slash is relative to process.cwd. */
int congo_process_resolve(char **exe_out, const oci_process *p, congo_error *err);
int congo_process_set_limits(const oci_process *p, congo_error *err);
/* setgroups_allowed: false when /proc/PID/setgroups is "deny" in a user namespace. */
/* Order: chdir(cwd) as root (retried as the user on EACCES, as runc),
 * resolved inside "/" with magic links refused; stdio pipes (and the pty
 * with process.terminal) handed to the user; bounding set, PR_SET_KEEPCAPS,
 * setgroups(additionalGids), setresgid, setresuid, capset + ambient, umask
 * (default 0022), no_new_privs; last, getcwd must show the cwd beneath the
 * root (runc CVE-2024-21626).  Also looks up the user's HOME in the
 * container's /etc/passwd for exec. */
int congo_process_set_identity(const oci_process *p, bool setgroups_allowed, congo_error *err);
/* execve(exe, process.args, env): env is process.env plus, as in runc,
 * HOME from /etc/passwd when process.env has none (or an empty one), and
 * LISTEN_FDS/LISTEN_PID when congo_process_listen_fds() found any.  exe NULL:
 * look args[0] up now.  Returns only on error. */
int congo_process_exec(const oci_process *p, const char *exe, congo_error *err);
/* Added by exec: what congo_process_exec() passes to execve, for a caller
 * that makes the execve itself (through the exec-stub, self-exe.h): the
 * path to exec (exe, or args[0] looked up now) and the environment. */
int congo_process_exec_prepare(char **exe_out, char ***env_out, const oci_process *p, const char *exe,
                               congo_error *err);

/* LISTEN_FDS handling: when LISTEN_FDS is set in congo's environment and
 * LISTEN_PID is congo's pid (sd_listen_fds(3)), the container gets
 * LISTEN_FDS=N and LISTEN_PID=<its pid> (1 in a new pid namespace) and fds
 * 3..3+N-1 must stay open (and not close-on-exec) in the child; returns N.
 * Call it in congo's own process before clone(): the answer is remembered
 * (the child's getpid() no longer matches LISTEN_PID) and congo_process_exec()
 * uses it. */
int congo_process_listen_fds(void);

/* Added by the process module. */
/* Create a missing process.cwd (0755) as runc does, resolved inside "/"
 * (openat2 RESOLVE_IN_ROOT, magic links such as /proc/self/fd/N refused);
 * fails when it is not a directory.  Call it right after pivot_root, before
 * the root is remounted read-only (runc creates it there too); resolve()
 * calls it again (no-op). */
int congo_process_make_cwd(const oci_process *p, congo_error *err);
/* Pure helpers, unit tested. */
/* Go's exec.LookPath as runc uses it: `file` with a slash is checked as is
 * (relative to cwd); otherwise searched in path_env (NULL: not found).  Any
 * execute bit counts; a directory is "permission denied". */
int congo_process_lookup(char **exe_out, const char *file, const char *path_env, const char *cwd, congo_error *err);
/* The environment execve() gets: process.env, minus LISTEN_FDS/LISTEN_PID
 * when listen_fds > 0 (then appended with listen_pid), plus HOME=home when
 * home is non-NULL and process.env has no (or an empty) HOME. */
char **congo_process_env(const oci_process *p, const char *home, int listen_fds, long listen_pid);

#endif
