/* Networks as CNI .conflist files in a directory (default /etc/cni/net.d,
 * --cni-config-dir or $CONGO_CNI_CONFIG_DIR): find one by name, list them,
 * write a new bridge network (`congo network create`, and the default
 * network `congo` on first use). */
#ifndef CONGO_NETWORK_NETCONF_H
#define CONGO_NETWORK_NETCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "network/cni.h"

#define CONGO_DEFAULT_NETWORK "congo"
/* The default network's subnet: private, away from docker's 172.17.0.0/16
 * (and its 172.18-31 and 192.168 user networks) and podman's 10.88.0.0/16
 * (its created networks start at 10.89.0.0/24). */
#define CONGO_DEFAULT_SUBNET "10.77.0.0/16"
#define CONGO_DEFAULT_BRIDGE "congo0"

/* The directory and the plugin path: the option, else the environment, else the default. */
const char *netconf_dir(const char *opt);
const char *netconf_cni_path(const char *opt);

/* Find network `name`; the default network is written first when it is asked for and missing. */
int netconf_load(struct cni_net **out, const char *dir, const char *name, congo_error *err);
/* Every network of the directory that parses (sorted by name); *bad counts the files that do not. */
int netconf_list(struct cni_net ***out, size_t *n, const char *dir, congo_error *err);
void netconf_list_free(struct cni_net **v, size_t n);

struct netconf_new {
    const char *name;
    const char *subnet;         /* NULL: the first free 10.78.N.0/24 */
    const char *gateway;        /* NULL: the subnet's first address */
    bool internal;              /* no default route, no masquerading */
    const char *bridge;         /* NULL: congo-<hash of the name> */
};
/* Write NAME.conflist; a name taken or a subnet that overlaps another network is an error. */
int netconf_create(struct cni_net **out, const char *dir, const struct netconf_new *nn, congo_error *err);

/* "A.B.C.D/N" -> address (host order) and prefix length. */
int netconf_parse_cidr(const char *s, uint32_t *addr, int *prefix);
int netconf_parse_ip4(const char *s, uint32_t *addr);

#endif
