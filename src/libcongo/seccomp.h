/* seccomp with libseccomp.  The filter is compiled in the parent (congo
 * create), so the container child only loads a ready BPF program as its last
 * step before execve (the runtime's own syscalls are not filtered).
 *
 * Where the child loads the filter (for the orchestrator)
 * --------------------------------------------------------
 * congo_seccomp_compile() runs in `congo create` (and `congo exec`) before the
 * clone; the child inherits the compiled program in its copy of memory and
 * makes no libseccomp call, allocation or parse of its own.  In the child
 * the filter is loaded at exactly ONE of three places:
 *
 *     ... namespaces, rootfs, pivot_root, hostname, congo_process_set_limits ...
 *   N:  profile uses SCMP_ACT_NOTIFY:  congo_seccomp_load_send(f, sock)
 *       parent: congo_seccomp_recv_listener_fd(sock) then
 *               congo_seccomp_send_listener(s, fd, state_json) (status "creating")
 *     report "created" to the parent; block on exec.fifo   (create | start)
 *   E:  congo_seccomp_load_early(process):  congo_seccomp_load(f, NULL)
 *     congo_process_set_identity()  (setgroups, setresuid, capabilities,
 *                                    umask, chdir, no_new_privs)
 *   L:  otherwise:  congo_seccomp_load(f, NULL)
 *     congo_process_exec()
 *
 * Why:
 * - Loading a filter needs no_new_privs or CAP_SYS_ADMIN in the caller's user
 *   namespace (else EACCES).  With process.noNewPrivileges true,
 *   congo_process_set_identity() sets no_new_privs, so L works, and L is the
 *   goal: nothing of the runtime but execve itself is filtered.  With
 *   noNewPrivileges false and CAP_SYS_ADMIN dropped from the effective set
 *   (docker's and podman's defaults), nothing is left to load with after the
 *   identity switch: load at E, while the child is still root of its user
 *   namespace.  runc does the same (InitSeccomp before finalizeNamespace when
 *   !NoNewPrivileges) and crun too (libcrun_apply_seccomp before
 *   libcrun_set_caps when !no_new_privileges); the identity switch is then
 *   filtered, which profiles written for them allow.
 * - NOTIFY: the agent must get the notify fd while `congo create` runs (the
 *   state it receives says "creating", as with runc and crun), from the parent:
 *   listenerPath is a host path, which the child no longer sees after
 *   pivot_root.  So the filter is loaded at N, before the child reports
 *   "created"; N is before the identity switch, so CAP_SYS_ADMIN is there.
 *   The exec.fifo wait and the identity switch that follow are filtered (as
 *   in runc).  congo_seccomp_load_send() does not deadlock even when the
 *   profile notifies sendmsg/futex (see below); the parent must forward the
 *   fd to the agent BEFORE it waits for anything else from the child.  write
 *   cannot be notified (congo_seccomp_compile() refuses it, as runc does):
 *   the init's "created" report, its exec fifo write at start and its error
 *   reports would all wait on the agent.
 * - `congo exec`: the same three places in the exec'd child (after it joined
 *   the namespaces and the cgroup); at N the parent sends the state with
 *   status "running" and the exec'd process's pid
 *   (congo_seccomp_send_listener_pid()).
 * - The listener fd is O_CLOEXEC: it never reaches the container's program,
 *   which could otherwise answer its own notifications.
 *
 * Errors name the JSON path: `linux.seccomp.syscalls[3].action: unknown
 * action "SCMP_ACT_FOO"`.  Syscall names unknown to this libseccomp are
 * skipped with a debug message (runc and crun do the same), so one profile
 * serves old and new hosts.  When the default action refuses (ERRNO other
 * than ENOSYS, KILL, TRAP), syscalls numbered above the highest one the
 * profile names get ENOSYS instead, as with runc, so libc falls back to the
 * older syscall (clone3 -> clone...).
 */
#ifndef CONGO_SECCOMP_H
#define CONGO_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "oci-config.h"

struct congo_seccomp;

/* Compile linux.seccomp into a BPF program.  Checks everything that can be
 * checked in the parent: names of actions, operators, architectures and
 * flags, errnoRet only on SCMP_ACT_ERRNO/SCMP_ACT_TRACE, argument indexes,
 * listenerPath/listenerMetadata, and that the running kernel supports the
 * flags and actions used. */
int congo_seccomp_compile(struct congo_seccomp **out, const oci_seccomp *s, congo_error *err);
/* The same through a cache of compiled programs in `cache_dir` (created 0700
 * when missing; NULL: no cache).  Compiling a docker-sized profile for three
 * architectures takes libseccomp ~15 ms; a cached program is read back in
 * well under 1 ms.  The key is the SHA-256 of the profile, the libseccomp
 * version, the kernel and this build of congo; at most 64 programs are kept.
 * A cache that cannot be used is skipped (debug message), never an error.
 * Suggested: `<state root>/.cache/seccomp`, as crun (`list` and ID checks
 * must then not take `.cache` for a container). */
int congo_seccomp_compile_cached(struct congo_seccomp **out, const oci_seccomp *s, const char *cache_dir,
                                 congo_error *err);
/* In the child: load the program (with the profile's flags).  When the
 * profile uses SCMP_ACT_NOTIFY, *notify_fd receives the listener fd, else -1.
 * With NOTIFY, prefer congo_seccomp_load_send(): once this returns, every
 * syscall the caller makes to hand the fd on is filtered, and one the profile
 * sends to the (not yet connected) listener would block forever. */
int congo_seccomp_load(struct congo_seccomp *f, int *notify_fd, congo_error *err);
/* Send the notify fd and the container state to listenerPath (SCM_RIGHTS).
 * state_json is the container's state document (`congo state` output, with
 * "pid"); it goes out wrapped in the runtime-spec's containerProcessState:
 * {"ociVersion", "fds": ["seccompFd"], "pid", "metadata": listenerMetadata,
 * "state"}.  One connection, closed after sending.  Runs in the parent. */
int congo_seccomp_send_listener(const oci_seccomp *s, int notify_fd, const char *state_json, congo_error *err);
void congo_seccomp_free(struct congo_seccomp *f);
/* The same with the containerProcessState's "pid" given (for `congo exec`:
 * the exec'd process, while state_json's "pid" is the container's init). */
int congo_seccomp_send_listener_pid(const oci_seccomp *s, int notify_fd, pid_t pid, const char *state_json,
                                    congo_error *err);

static inline void congo_seccomp_freep(struct congo_seccomp **f) { congo_seccomp_free(*f); }
#define _cleanup_seccomp_ __attribute__((cleanup(congo_seccomp_freep)))

/* True when a rule uses SCMP_ACT_NOTIFY (the child must hand a listener fd
 * to the parent, see 3 above). */
bool congo_seccomp_uses_notify(const struct congo_seccomp *f);

/* True when the filter must be loaded before congo_process_set_identity()
 * (noNewPrivileges false and CAP_SYS_ADMIN not kept in the effective set),
 * false when it can be the last step before execve.  See 1 above. */
bool congo_seccomp_load_early(const oci_process *p);

/* In the child: load the program and, when the profile uses SCMP_ACT_NOTIFY,
 * send the listener fd over `sock` (SCM_RIGHTS) to the parent.  The send is
 * done by a short-lived helper thread started before the filter, so it is
 * not filtered itself and the calling thread makes no syscall that a NOTIFY
 * rule could hold before the listener has the fd.  Without NOTIFY this is
 * congo_seccomp_load() and `sock` is not used.
 * With NOTIFY exactly one 4-byte message goes over `sock`: the fd, or "no fd"
 * when the load failed (then this returns the error, for the caller to send
 * as usual).  So the parent, once told (e.g. a sync message sent by the child
 * just before this call) that the fd comes next, reads exactly that message
 * with congo_seccomp_recv_listener_fd() and then the rest of its protocol. */
int congo_seccomp_load_send(struct congo_seccomp *f, int sock, congo_error *err);
/* In the parent: receive the message of congo_seccomp_load_send(): 0 and
 * *fd_out (O_CLOEXEC) when the fd came; -ECANCELED when the child could not
 * load the filter (its own error follows on its channel); -EPIPE on EOF. */
int congo_seccomp_recv_listener_fd(int sock, int *fd_out, congo_error *err);

/* The compiled program, for tests and debugging: number of BPF instructions
 * (8 bytes each) and the instructions themselves. */
size_t congo_seccomp_bpf_len(const struct congo_seccomp *f);
const void *congo_seccomp_bpf(const struct congo_seccomp *f);

/* For `congo features` (runtime-spec features-linux.md "seccomp"), all
 * NULL-terminated and static (do not free):
 *   actions     every action name congo accepts (sorted)
 *   operators   every operator name (sorted)
 *   archs       the SCMP_ARCH_* names this libseccomp knows (sorted)
 *   known_flags every flag name congo accepts
 *   supported_flags the subset the running kernel supports (probed once) */
const char *const *congo_seccomp_actions(void);
const char *const *congo_seccomp_operators(void);
const char *const *congo_seccomp_archs(void);
const char *const *congo_seccomp_known_flags(void);
const char *const *congo_seccomp_supported_flags(void);
/* "2.5.4": for the io.github.seccomp.libseccomp.version annotation. */
const char *congo_seccomp_libseccomp_version(void);

#endif
