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
 * mount avoids the copy and the second start of congo (~1 ms here: glibc's
 * start-up alone is ~0.8 ms on this VM).
 *
 * The cheap way: the exec-stub.  The process that puts the container's
 * program in place execs a tiny freestanding program (exec-stub.c) from a
 * sealed memfd, once it is entirely set up (user, capabilities, seccomp),
 * and that stub makes the final execve: /proc/self/exe is then the sealed
 * stub, never congo.  One exec of a page or two, no second start of congo.
 * Not with LSM exec labels: they would take effect at the stub's exec (an
 * SELinux domain would need the memfd as its entrypoint), so with labels,
 * or on an architecture without a stub, congo re-executes itself instead:
 *
 *   congo_self_exe_protect()   first thing, or once it knows it needs it
 *   congo_exec_stub_fd()       before the clone (the child inherits it)
 *   congo_exec_via_stub()      in the child, instead of execve */
#ifndef CONGO_SELF_EXE_H
#define CONGO_SELF_EXE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Returns 0 when congo already runs from a protected binary; on success in
 * the other case it does not return (congo starts again from the copy).
 * An error when the copy cannot be made or executed (e.g. vm.memfd_noexec
 * forbids executable memfds): the caller decides whether to go on. */
int congo_self_exe_protect(congo_error *err);

/* Whether the binary behind fd (open on /proc/self/exe) is protected:
 * sealed against writes, on a read-only mount, or immutable. */
bool congo_self_exe_is_protected(int fd);

/* The stub of this build: its bytes (congo_exec_stub_size 0: none for this
 * architecture). */
extern const unsigned char congo_exec_stub[];
extern const size_t congo_exec_stub_size;
bool congo_exec_stub_available(void);
/* A sealed (F_SEAL_WRITE|SHRINK|GROW|SEAL), close-on-exec memfd holding the
 * stub. */
int congo_exec_stub_fd(int *fd_out, congo_error *err);
/* execve(path, argv, envp) through the stub: returns only when the stub
 * cannot be executed.  A failure of the final execve is reported by the
 * stub on report_fd (left open for it, then closed by execve): the byte
 * 'X' then the errno (int); the stub exits 127 for ENOENT, else 126. */
int congo_exec_via_stub(int stub_fd, int report_fd, const char *path, char *const argv[], char *const envp[],
                        congo_error *err);

/* What create and exec do before they clone: the stub in *stub_fd when it
 * can serve (an architecture with a stub, no LSM exec label, and no
 * CONGO_EXEC_NO_STUB, the fallback on purpose for tests); else make sure
 * congo runs from a protected binary (*stub_fd stays -1), re-executing it
 * from a sealed copy if need be, so call it before anything is created.
 * `what` ("run", "exec") completes the error's advice. */
int congo_exec_protection(int *stub_fd, bool lsm_label, const char *what, congo_error *err);

#endif
