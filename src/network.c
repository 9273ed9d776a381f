/* congo network: CNI networks for image containers, one .conflist each in
 * the CNI configuration directory (src/network/netconf.c).  `network hook`
 * is what the bundle's OCI hooks call (src/network/setup.c). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "network/cni.h"
#include "network/netconf.h"
#include "network/pasta.h"
#include "network/setup.h"
#include "libcongo/utils.h"

static const char network_usage[] =
    "Usage: congo network create [--subnet CIDR] [--gateway IP] [--internal] NAME\n"
    "       congo network ls\n"
    "       congo network inspect NAME\n"
    "       congo network rm NAME\n"
    "\n"
    "Manage the CNI networks of image containers (`congo run --network NAME`): one\n"
    ".conflist each (bridge, host-local IPAM, portmap, firewall, tuning).  Without\n"
    "--subnet, create takes the first free 10.78.N.0/24.  The network `congo` is\n"
    "the default (10.77.0.0/16 on bridge congo0), written on first use.\n"
    "\n"
    "  --cni-config-dir DIR   the networks (default $CONGO_CNI_CONFIG_DIR, else /etc/cni/net.d)\n"
    "  --subnet CIDR          the IPv4 subnet (must not overlap another network)\n"
    "  --gateway IP           the bridge's address (default: the subnet's first)\n"
    "  --internal             no default route and no masquerading\n";

enum { OPT_CONFIG_DIR = 1000, OPT_SUBNET, OPT_GATEWAY, OPT_INTERNAL };

static const struct option network_longopts[] = {
    { "cni-config-dir", required_argument, NULL, OPT_CONFIG_DIR },
    { "subnet", required_argument, NULL, OPT_SUBNET },
    { "gateway", required_argument, NULL, OPT_GATEWAY },
    { "internal", no_argument, NULL, OPT_INTERNAL },
    {},
};

struct network_opts {
    const char *config_dir;
    struct netconf_new nn;
    bool have_create_opts;
};

static int network_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct network_opts *o = data;
    (void) err;
    if (opt == OPT_CONFIG_DIR)
        o->config_dir = arg;
    else if (opt == OPT_SUBNET)
        o->nn.subnet = arg, o->have_create_opts = true;
    else if (opt == OPT_GATEWAY)
        o->nn.gateway = arg, o->have_create_opts = true;
    else if (opt == OPT_INTERNAL)
        o->nn.internal = true, o->have_create_opts = true;
    return 0;
}

/* The containers holding an address on the network: host-local's lease
 * files (/var/lib/cni/networks/NAME/IP, holding the container ID), so that
 * the containers of every state root count. */
static char *network_users(const char *name)
{
    _cleanup_free_ char *dir = xasprintf("/var/lib/cni/networks/%s", name);
    char *users = NULL;
    DIR *d = opendir(dir);
    struct dirent *de;
    if (!d)
        return NULL;
    while ((de = readdir(d))) {
        _cleanup_free_ char *id = NULL;
        if (de->d_name[0] == '.' || strcmp(de->d_name, "lock") == 0 ||
            str_has_prefix(de->d_name, "last_reserved_ip"))
            continue;
        if (read_file_at(dirfd(d), de->d_name, 4096, &id, NULL, NULL) < 0)
            continue;
        id[strcspn(id, "\r\n")] = '\0';
        char *n = xasprintf("%s%s`%s` (%s)", users ? users : "", users ? ", " : "", id, de->d_name);
        free(users);
        users = n;
    }
    closedir(d);
    return users;
}

static int network_hook(int argc, char **argv, congo_error *err)
{
    _cleanup_free_ char *state = NULL;
    int r;
    if (argc != 2 || (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "del") != 0 &&
                      strcmp(argv[0], "pasta-start") != 0 && strcmp(argv[0], "pasta-join") != 0 &&
                      strcmp(argv[0], "pasta-stop") != 0))
        return congo_error_set(err, 0, "network hook: expected `add DIR`, `del DIR` or `pasta-start|pasta-join|pasta-stop DIR`");
    if (strcmp(argv[0], "del") == 0)
        return net_hook_del(argv[1], err);
    if (strcmp(argv[0], "pasta-join") == 0)
        return net_pasta_join(argv[1], err);
    if (strcmp(argv[0], "pasta-stop") == 0)
        return net_pasta_stop(argv[1], err);
    r = read_fd(0, 1 << 20, &state, NULL, err);
    if (r < 0)
        return congo_error_wrap(err, r, "network hook: read the state on stdin");
    if (strcmp(argv[0], "pasta-start") == 0)
        return net_pasta_start(argv[1], state, err);
    return net_hook_add(argv[1], state, err);
}

int cmd_network(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct command_opts opts = { network_usage, "", network_longopts, false };
    struct network_opts o = { 0 };
    const char *sub, *dir;
    int first, r;

    (void) g;
    if (argc >= 3 && strcmp(argv[1], "hook") == 0)
        return network_hook(argc - 2, argv + 2, err);
    r = command_parse(&opts, argc, argv, network_opt, &o, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    argc -= first;
    argv += first;
    r = command_require_args("network", argc, 1, 2, "a subcommand: create, ls, inspect or rm", err);
    if (r < 0)
        return r;
    sub = argv[0];
    dir = netconf_dir(o.config_dir);
    if (o.have_create_opts && strcmp(sub, "create") != 0)
        return congo_error_set(err, 0, "network %s: --subnet, --gateway and --internal belong to `network create`", sub);
    if (strcmp(sub, "ls") == 0) {
        struct cni_net **nets = NULL;
        size_t n = 0;
        if (argc != 1)
            return congo_error_set(err, 0, "network ls: unexpected argument `%s`", argv[1]);
        r = netconf_list(&nets, &n, dir, err);
        if (r < 0)
            return r;
        printf("%-20s %-20s %s\n", "NAME", "SUBNET", "FILE");
        for (size_t i = 0; i < n; i++) {
            const char *s = cni_net_subnet(nets[i]);
            printf("%-20s %-20s %s\n", nets[i]->name, s ? s : "-", nets[i]->path);
        }
        netconf_list_free(nets, n);
        return 0;
    }
    if (argc != 2)
        return congo_error_set(err, 0, "network %s: expected a network NAME", sub);
    if (strcmp(sub, "create") == 0) {
        _cleanup_cni_net_ struct cni_net *net = NULL;
        o.nn.name = argv[1];
        r = netconf_create(&net, dir, &o.nn, err);
        if (r < 0)
            return congo_error_wrap(err, r, "network create `%s`", argv[1]);
        puts(net->name);
        return 0;
    }
    if (strcmp(sub, "inspect") == 0) {
        _cleanup_cni_net_ struct cni_net *net = NULL;
        r = netconf_load(&net, dir, argv[1], err);
        if (r < 0)
            return r;
        fputs(net->text, stdout);
        if (!*net->text || net->text[strlen(net->text) - 1] != '\n')
            putchar('\n');
        return 0;
    }
    if (strcmp(sub, "rm") == 0) {
        _cleanup_cni_net_ struct cni_net *net = NULL;
        _cleanup_free_ char *users = NULL;
        r = netconf_load(&net, dir, argv[1], err);
        if (r < 0)
            return r;
        users = network_users(net->name);
        if (users)
            return congo_error_set(err, EBUSY, "network rm `%s`: in use by %s", net->name, users);
        if (unlink(net->path) < 0)
            return congo_error_errno(err, "network rm `%s`: remove `%s`", net->name, net->path);
        puts(net->name);
        return 0;
    }
    return congo_error_set(err, 0, "network: unknown subcommand `%s` (expected create, ls, inspect or rm)", sub);
}
