/* Networking of an image container (`congo run --name NAME IMAGE`).
 *
 * The bundle carries it all, so that it works under any OCI runtime and
 * after congo was killed: net_apply() writes BUNDLE/network/ (the conflist
 * used, net.json with the container's options, hosts, resolv.conf,
 * hostname), bind-mounts those files over /etc/... and adds two OCI hooks to
 * config.json that call back into congo: createRuntime runs
 * `congo network hook add DIR` (the netns exists, the process has not
 * started: CNI ADD), poststop runs `congo network hook del DIR` (CNI DEL with
 * the ADD's cached result).  The network namespace is bind-mounted on
 * /run/netns/congo-ID-PID from ADD to DEL, so DEL finds the veth and its
 * masquerade rules even when the container's processes are gone. */
#ifndef CONGO_NETWORK_SETUP_H
#define CONGO_NETWORK_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "libcongo/error.h"

struct net_opts {
    const char *network;        /* NULL or "bridge": the default network; none, host, container:NAME, a name */
    char **publish;
    size_t n_publish;
    const char *ip;
    const char *mac;
    const char *hostname;
    char **dns;
    size_t n_dns;
    char **dns_search;
    size_t n_dns_search;
    char **add_host;
    size_t n_add_host;
    const char *config_dir;     /* --cni-config-dir */
    const char *cni_path;       /* --cni-plugin-dir */
};

struct net_plan;

/* Check every option, load (or write, for the default) the network's conflist
 * and check its plugins: before the bundle exists, so bad input leaves nothing.
 * root is congo's state root (for container:NAME). */
int net_plan_make(struct net_plan **out, const struct net_opts *o, const char *root, const char *id,
                  congo_error *err);
void net_plan_free(struct net_plan *p);
/* Write BUNDLE/network/ and edit BUNDLE/config.json (mounts, hooks, sysctl, namespaces). */
int net_apply(const struct net_plan *p, const char *bundle, congo_error *err);
/* The hostname the container gets (--hostname), or NULL. */
const char *net_plan_hostname(const struct net_plan *p);

/* The hooks' work: ADD (state JSON of the container on stdin) and DEL. */
int net_hook_add(const char *dir, const char *state_json, congo_error *err);
int net_hook_del(const char *dir, congo_error *err);
/* DEL for a bundle whose create failed after the ADD (no poststop runs then). */
int net_release_bundle(const char *bundle, congo_error *err);

/* The port mappings recorded in an image container's bundle (none for a bundle without networking). */
struct net_port {
    long host_port, container_port;
    char protocol[8];
    char host_ip[64];
};
int net_ports_of_bundle(struct net_port **out, size_t *n, const char *bundle, congo_error *err);
void net_ports_free(struct net_port *p, size_t n);

/* Parse one -p/--publish value into a portMappings entry (JSON text). */
int net_parse_publish(char **json, const char *spec, congo_error *err);

#endif
