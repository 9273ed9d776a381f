/* congo port: the published ports (-p) of an image container, from its
 * bundle's network record (src/network/setup.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "command.h"
#include "network/setup.h"
#include "libcongo/container.h"
#include "libcongo/state.h"
#include "libcongo/utils.h"

static const char port_usage[] =
    "Usage: congo port NAME [PORT[/PROTO]]\n"
    "\n"
    "Print the port mappings of an image container (`congo run -p`), one per line:\n"
    "CONTAINERPORT/PROTO -> HOSTIP:HOSTPORT; with PORT, only that port's host side.\n";

static int port_opt(int opt, const char *arg, void *data, congo_error *err)
{
    (void) opt, (void) arg, (void) data, (void) err;
    return 0;
}

int cmd_port(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = { {} };
    static const struct command_opts opts = { port_usage, "", longopts, false };
    struct congo_state *s = NULL;
    enum congo_status st;
    struct net_port *ports = NULL;
    size_t n = 0;
    bool found = false;
    _cleanup_free_ char *want = NULL;
    int first, r;

    r = command_parse(&opts, argc, argv, port_opt, NULL, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("port", argc - first, 1, 2, "a container NAME [and a PORT[/PROTO]]", err);
    if (r < 0)
        return r;
    r = congo_container_load(&s, &st, g->root, argv[first], err);
    if (r < 0)
        return r;
    r = net_ports_of_bundle(&ports, &n, s->image_bundle ? s->image_bundle : s->bundle, err);
    congo_state_free(s);
    if (r < 0)
        return congo_error_wrap(err, r, "port `%s`", argv[first]);
    if (argc - first == 2)
        want = strchr(argv[first + 1], '/') ? xstrdup(argv[first + 1]) : xasprintf("%s/tcp", argv[first + 1]);
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *ctr = xasprintf("%ld/%s", ports[i].container_port, ports[i].protocol);
        const char *ip = *ports[i].host_ip ? ports[i].host_ip : "0.0.0.0";
        if (!want)
            printf("%s -> %s:%ld\n", ctr, ip, ports[i].host_port);
        else if (strcmp(want, ctr) == 0 && (found = true))
            printf("%s:%ld\n", ip, ports[i].host_port);
    }
    net_ports_free(ports, n);
    if (want && !found)
        return congo_error_set(err, 0, "port `%s`: no published port %s", argv[first], want);
    return 0;
}
