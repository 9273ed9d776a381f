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

int congo_process_resolve(char **exe_out, const oci_process *p, congo_error *err);
int congo_process_set_limits(const oci_process *p, congo_error *err);
/* setgroups_allowed: false when /proc/PID/setgroups is "deny" in a user namespace. */
int congo_process_set_identity(const oci_process *p, bool setgroups_allowed, congo_error *err);
int congo_process_exec(const oci_process *p, const char *exe, congo_error *err);

/* LISTEN_FDS handling: when LISTEN_FDS is set in congo's environment, the
 * container gets LISTEN_FDS and LISTEN_PID=1 (its pid in a new pid namespace)
 * and those fds stay open; returns how many fds (from 3) to keep. */
int congo_process_listen_fds(void);

#endif
