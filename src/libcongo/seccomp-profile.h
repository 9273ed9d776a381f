/* congo's default seccomp profile, opt-in with `congo spec --seccomp`.
 *
 * In the spirit of docker's and podman's default profiles, but a deny-list
 * written for congo: everything is allowed except the syscalls that widen the
 * kernel's attack surface for little use in a container -- the kernel keyring
 * (not namespaced), io_uring, userfaultfd, bpf, perf_event_open, kexec,
 * modules, mount and the new mount API, new namespaces (unshare, clone and
 * setns with CLONE_NEW* flags; clone3 says ENOSYS so libc falls back to
 * clone, whose flags a filter can read), open_by_handle_at, clock setting,
 * terminal input injection (TIOCSTI/TIOCLINUX), AF_VSOCK sockets and obsolete
 * syscalls.  Denied syscalls fail with EPERM.
 *
 * As in docker's profile, a syscall that a capability is meant to unlock
 * (mount with CAP_SYS_ADMIN, kexec_load with CAP_SYS_BOOT...) is not denied
 * when that capability is among `caps`.  The architectures are the native one
 * and its compat ABIs (x86_64: x86 and x32), so 32-bit binaries work and are
 * filtered the same way. */
#ifndef CONGO_SECCOMP_PROFILE_H
#define CONGO_SECCOMP_PROFILE_H

/* The JSON text of a `linux.seccomp` object, newly allocated.  `caps`: the
 * capability names the container keeps (NULL-terminated, may be NULL);
 * `indent`: spaces before every line but the first (where it is embedded). */
char *congo_seccomp_default_profile(const char *const *caps, int indent);

#endif
