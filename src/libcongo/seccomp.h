/* seccomp with libseccomp.  The filter is compiled in the parent (congo
 * create), so the container child only loads a ready BPF program as its last
 * step before execve (the runtime's own syscalls are not filtered). */
#ifndef CONGO_SECCOMP_H
#define CONGO_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "oci-config.h"

struct congo_seccomp;

/* Compile linux.seccomp into a BPF program. */
int congo_seccomp_compile(struct congo_seccomp **out, const oci_seccomp *s, congo_error *err);
/* In the child: load the program (with the profile's flags).  When the
 * profile uses SCMP_ACT_NOTIFY, *notify_fd receives the listener fd, else -1. */
int congo_seccomp_load(struct congo_seccomp *f, int *notify_fd, congo_error *err);
/* Send the notify fd and the container state to listenerPath (SCM_RIGHTS). */
int congo_seccomp_send_listener(const oci_seccomp *s, int notify_fd, const char *state_json, congo_error *err);
void congo_seccomp_free(struct congo_seccomp *f);

#endif
