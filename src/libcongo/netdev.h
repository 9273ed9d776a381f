/* linux.netDevices: move host network interfaces into the container's
 * network namespace (renaming them when asked), over rtnetlink; and the
 * loopback device of a new network namespace brought up. */
#ifndef CONGO_NETDEV_H
#define CONGO_NETDEV_H

#include <sys/types.h>

#include "error.h"
#include "oci-config.h"

/* Move every device of `devices` (host name -> name in the container, or
 * empty to keep it) into the network namespace of pid. */
int congo_netdev_move(pid_t pid, const oci_map *devices, congo_error *err);

/* Bring up `lo` in the caller's network namespace (a new one comes with it
 * down; runc brings it up, and docker's default network mode relies on it).
 * Needs CAP_NET_ADMIN over that namespace. */
int congo_netdev_loopback_up(congo_error *err);

#endif
