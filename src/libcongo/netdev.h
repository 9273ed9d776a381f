/* linux.netDevices: move host network interfaces into the container's
 * network namespace (renaming them when asked), over rtnetlink. */
#ifndef CONGO_NETDEV_H
#define CONGO_NETDEV_H

#include <sys/types.h>

#include "error.h"
#include "oci-config.h"

/* Move every device of `devices` (host name -> name in the container, or
 * empty to keep it) into the network namespace of pid. */
int congo_netdev_move(pid_t pid, const oci_map *devices, congo_error *err);

#endif
