/* CNI (Container Network Interface 1.0): run the plugins of a network
 * configuration list (.conflist) against a network namespace.  A plugin is
 * a program found in the CNI path, called with CNI_COMMAND, CNI_CONTAINERID,
 * CNI_NETNS, CNI_IFNAME, CNI_PATH (and CNI_ARGS) in its environment and its
 * configuration on stdin: the conflist's `cniVersion` and `name` added, the
 * previous plugin's result as `prevResult` and the `runtimeConfig` entries
 * of the capabilities it declares.  It prints a result, or an error object
 * {code, msg, details} and exits non-zero.  ADD runs the chain in order, DEL
 * in reverse order with the ADD's final result as every plugin's prevResult.
 *
 * Front-end code of `congo` (libcongo knows nothing of networks). */
#ifndef CONGO_NETWORK_CNI_H
#define CONGO_NETWORK_CNI_H

#include <stdbool.h>
#include <yajl/yajl_tree.h>

#include "libcongo/error.h"

#define CNI_DEFAULT_PATH "/usr/lib/cni:/opt/cni/bin"
#define CNI_DEFAULT_CONFIG_DIR "/etc/cni/net.d"

/* One network: a parsed .conflist. */
struct cni_net {
    char *name;
    char *version;          /* cniVersion */
    char *path;             /* the file it came from */
    char *text;             /* its text, as read */
    yajl_val tree;
    yajl_val plugins;       /* the `plugins` array, at least one object with a `type` */
};

/* Parse and check a conflist (`path` names it in errors). */
int cni_net_parse(struct cni_net **out, const char *path, const char *text, congo_error *err);
void cni_net_free(struct cni_net *n);
static inline void cni_net_freep(struct cni_net **n)
{
    if (*n)
        cni_net_free(*n);
}
#define _cleanup_cni_net_ __attribute__((cleanup(cni_net_freep)))

/* Every plugin of the list exists as an executable in cni_path. */
int cni_net_check_plugins(const struct cni_net *n, const char *cni_path, congo_error *err);
/* Whether the plugin `type` is an executable in cni_path. */
bool cni_plugin_exists(const char *type, const char *cni_path);
/* The private IPv4 subnet of the network's first host-local range ("10.77.0.0/16"), or NULL. */
const char *cni_net_subnet(const struct cni_net *n);

struct cni_runtime {
    const char *container_id;
    const char *netns;          /* path of the network namespace (may be NULL for DEL) */
    const char *ifname;
    const char *cni_path;
    const char *args;           /* CNI_ARGS, or NULL */
    yajl_val runtime_config;    /* object: capability name -> value (portMappings, ips, mac), or NULL */
};

/* ADD: *result is the last plugin's result (JSON text).  When a plugin
 * fails, the chain is deleted again (best effort) before returning. */
int cni_add(char **result, const struct cni_net *n, const struct cni_runtime *rt, congo_error *err);
/* DEL in reverse order; prev_result may be NULL (ADD never finished). */
int cni_del(const struct cni_net *n, const struct cni_runtime *rt, const char *prev_result, congo_error *err);

/* Run one plugin with a literal configuration (the loopback plugin). */
int cni_exec(char **out, const char *type, const char *command, const char *conf, const struct cni_runtime *rt,
             congo_error *err);

#endif
