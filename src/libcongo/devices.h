/* Device nodes and /dev links in the container's rootfs (before pivot_root):
 * the default devices (null, zero, full, random, urandom, tty: 0666 root),
 * linux.devices (fileMode, uid, gid; one with a default's path replaces it),
 * /dev/ptmx -> pts/ptmx, and the links fd -> /proc/self/fd, stdin, stdout,
 * stderr, and core -> /proc/kcore when the host has /proc/kcore (as runc).
 *
 * Nodes are made with mknod, or, in a new user namespace (where mknod is
 * refused) and whenever mknod gets EPERM, bind-mounted from the host's node of
 * the same path.  Every path is resolved inside the root. */
#ifndef CONGO_DEVICES_H
#define CONGO_DEVICES_H

#include <stdbool.h>

#include "error.h"
#include "oci-config.h"

int congo_devices_setup(int rootfd, const oci_linux *linux_, bool bind_from_host, congo_error *err);

/* After pivot_root: stdin/stdout/stderr that are the host's /dev/null are
 * reopened on the container's (as runc). */
int congo_devices_reopen_dev_null(congo_error *err);

#endif
