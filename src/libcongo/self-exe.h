/* The host's congo binary, out of reach of the container (runc
 * CVE-2019-5736).
 *
 * The process congo clones into a container execs the user's program while
 * its /proc/self/exe is still congo's binary.  A container image can make
 * that program a script whose interpreter is `/proc/self/exe` (or a symlink
 * to it): the kernel then runs congo's own binary as a process of the
 * container, dumpable, linked against the container's libc.  The container
 * opens /proc/PID/exe of that process and, once no congo runs any more,
 * reopens it for writing: the next `congo` run on the host is theirs.
 * Being non-dumpable while joining does not help once execve has happened.
 *
 * congo_self_exe_protect() makes sure the binary congo runs from cannot be
 * written through that path: when it already is safe (a sealed memfd, a
 * read-only mount, an immutable file) it does nothing; otherwise it copies
 * the binary's loadable part into a sealed memfd (F_SEAL_WRITE: even root
 * cannot write it) and re-executes congo from there with the same argv and
 * environment.  Installing congo immutable (`chattr +i`) or on a read-only
 * mount avoids the copy and the second exec (~0.5 ms).
 *
 * Call it first thing in a command that puts a process into a container
 * (congo exec; create/run: see the report of the exec branch). */
#ifndef CONGO_SELF_EXE_H
#define CONGO_SELF_EXE_H

#include <stdbool.h>

#include "error.h"

/* Returns 0 when congo already runs from a protected binary; on success in
 * the other case it does not return (congo starts again from the copy).
 * An error when the copy cannot be made or executed (e.g. vm.memfd_noexec
 * forbids executable memfds): the caller decides whether to go on. */
int congo_self_exe_protect(congo_error *err);

/* Whether the binary behind fd (open on /proc/self/exe) is protected:
 * sealed against writes, on a read-only mount, or immutable. */
bool congo_self_exe_is_protected(int fd);

#endif
