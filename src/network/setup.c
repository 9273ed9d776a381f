/* Networking of an image container: options, the bundle's network files and
 * hooks, and the hooks' CNI ADD/DEL (see setup.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/random.h>
#include <sched.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/json.h"
#include "network/cni.h"
#include "network/netconf.h"
#include "network/pasta.h"
#include "network/setup.h"
#include "libcongo/container.h"
#include "libcongo/state.h"
#include "libcongo/userns.h"
#include "libcongo/utils.h"

#define NETNS_DIR "/run/netns"
#define NET_SUBDIR "network"
/* Who is on which network, for the /etc/hosts of its containers: one file
 * per container (its hosts line, then its network directory).  On /run:
 * gone at reboot, like the namespaces it describes. */
#define HOSTS_REGISTRY "/run/congo-cni/hosts"

enum net_mode { NET_CNI, NET_NONE, NET_HOST, NET_CONTAINER, NET_PASTA };

struct net_plan {
    enum net_mode mode;
    struct cni_net *net;
    char *cni_path;
    char *id;
    char *netns_path;           /* container:NAME: /proc/PID/ns/net */
    char *share_dir;            /* container:NAME: its network files, shared as docker does */
    char **port_maps;           /* JSON objects */
    size_t n_port_maps;
    char *args;                 /* CNI_ARGS */
    char *mac;
    char *netstack;             /* rootless default: pasta's or slirp4netns's path */
    const struct net_opts *o;
};

void net_plan_free(struct net_plan *p)
{
    if (!p)
        return;
    cni_net_free(p->net);
    free(p->cni_path);
    free(p->id);
    free(p->netns_path);
    free(p->share_dir);
    for (size_t i = 0; i < p->n_port_maps; i++)
        free(p->port_maps[i]);
    free(p->port_maps);
    free(p->args);
    free(p->mac);
    free(p->netstack);
    free(p);
}

const char *net_plan_hostname(const struct net_plan *p)
{
    return p->o->hostname;
}

static int parse_port(const char *s, long *out)
{
    char *end;
    long v;
    if (!*s || *s == '-' || *s == '+')
        return -EINVAL;
    errno = 0;
    v = strtol(s, &end, 10);
    if (*end || errno || v < 1 || v > 65535)
        return -ERANGE;
    *out = v;
    return 0;
}

int net_parse_publish(char **json, const char *spec, congo_error *err)
{
    _cleanup_free_ char *copy = xstrdup(spec);
    const char *proto = "tcp", *ip = NULL, *host, *ctr;
    char *slash = strchr(copy, '/'), *c1, *c2;
    long hp, cp;
    uint32_t a;

    if (slash) {
        *slash = '\0';
        proto = slash + 1;
        if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
            return congo_error_set(err, 0, "-p/--publish `%s`: protocol `%s`: expected tcp or udp", spec, proto);
    }
    c1 = strchr(copy, ':');
    c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || (c2 && strchr(c2 + 1, ':')))
        return congo_error_set(err, 0, "-p/--publish `%s`: expected [IP:]HOSTPORT:CONTAINERPORT[/tcp|udp]", spec);
    *c1 = '\0';
    if (c2) {
        *c2 = '\0';
        ip = copy;
        host = c1 + 1;
        ctr = c2 + 1;
        if (netconf_parse_ip4(ip, &a) < 0)
            return congo_error_set(err, 0, "-p/--publish `%s`: host IP `%s`: expected an IPv4 address", spec, ip);
    } else {
        host = copy;
        ctr = c1 + 1;
    }
    if (parse_port(host, &hp) < 0)
        return congo_error_set(err, 0, "-p/--publish `%s`: host port `%s`: expected a port number 1-65535", spec, host);
    if (parse_port(ctr, &cp) < 0)
        return congo_error_set(err, 0, "-p/--publish `%s`: container port `%s`: expected a port number 1-65535", spec,
                               ctr);
    *json = xasprintf("{\"hostPort\":%ld,\"containerPort\":%ld,\"protocol\":\"%s\"%s%s%s}", hp, cp, proto,
                      ip ? ",\"hostIP\":\"" : "", ip ? ip : "", ip ? "\"" : "");
    return 0;
}

static bool host_valid(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 253 || h[0] == '-' || h[0] == '.')
        return false;
    for (const char *p = h; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '.' || *p == '_'))
            return false;
    return true;
}

static bool ip_valid(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int net_plan_make(struct net_plan **out, const struct net_opts *o, const char *root, const char *id,
                  congo_error *err)
{
    struct net_plan *p = xzalloc(sizeof *p);
    const char *net = o->network && *o->network ? o->network : "bridge";
    int r = 0;

    p->o = o;
    p->id = xstrdup(id);
    p->cni_path = xstrdup(netconf_cni_path(o->cni_path));
    if (strcmp(net, "none") == 0) {
        p->mode = NET_NONE;
    } else if (strcmp(net, "host") == 0) {
        p->mode = NET_HOST;
    } else if (strncmp(net, "container:", 10) == 0) {
        struct congo_state *s = NULL;
        enum congo_status st;
        p->mode = NET_CONTAINER;
        r = congo_container_load(&s, &st, root, net + 10, err);
        if (r < 0) {
            r = congo_error_wrap(err, r, "--network `%s`", net);
            goto fail;
        }
        if (st != CONGO_STATUS_RUNNING && st != CONGO_STATUS_CREATED) {
            congo_state_free(s);
            r = congo_error_set(err, 0, "--network `%s`: container `%s` is not running", net, net + 10);
            goto fail;
        }
        p->netns_path = xasprintf("/proc/%d/ns/net", (int) s->pid);
        if (s->image_bundle) {
            _cleanup_free_ char *d = xasprintf("%s/" NET_SUBDIR "/hosts", s->image_bundle);
            if (access(d, F_OK) == 0)
                p->share_dir = xasprintf("%s/" NET_SUBDIR, s->image_bundle);
        }
        congo_state_free(s);
    } else if (strcmp(net, "bridge") == 0 && congo_userns_rootless()) {
        /* A user's default network: pasta, else slirp4netns (CNI's bridge needs root). */
        p->mode = NET_PASTA;
        p->netstack = net_pasta_find();
        if (!p->netstack) {
            p->netstack = net_tool_find("slirp4netns");
            if (p->netstack && o->n_publish) {
                r = congo_error_set(err, 0, "-p/--publish `%s` as a user needs pasta (Debian package passt): "
                                    "congo forwards no ports through slirp4netns", o->publish[0]);
                goto fail;
            }
        }
        if (!p->netstack) {
            r = congo_error_set(err, 0, "--network `%s` as a user other than root needs pasta (Debian package "
                                "passt) or slirp4netns on PATH; or --network none or host", net);
            goto fail;
        }
    } else if (congo_userns_rootless()) {
        r = congo_error_set(err, 0, "--network `%s`: a CNI network needs root; as a user: the default (pasta), "
                            "none, host or container:NAME", net);
        goto fail;
    } else {
        p->mode = NET_CNI;
        r = netconf_load(&p->net, netconf_dir(o->config_dir), strcmp(net, "bridge") == 0 ? CONGO_DEFAULT_NETWORK : net,
                         err);
        if (r < 0) {
            r = congo_error_wrap(err, r, "--network `%s`", net);
            goto fail;
        }
        r = cni_net_check_plugins(p->net, p->cni_path, err);
        if (r < 0)
            goto fail;
    }
    if (p->mode != NET_CNI && p->mode != NET_PASTA && o->n_publish) {
        r = congo_error_set(err, 0, "-p/--publish `%s` needs a CNI network: --network is `%s`", o->publish[0], net);
        goto fail;
    }
    if (p->mode != NET_CNI && (o->ip || o->mac)) {
        r = congo_error_set(err, 0, "%s `%s` needs a CNI network: --network is `%s`", o->ip ? "--ip" : "--mac-address",
                            o->ip ? o->ip : o->mac, net);
        goto fail;
    }
    for (size_t i = 0; i < o->n_publish; i++) {
        char *j = NULL;
        r = net_parse_publish(&j, o->publish[i], err);
        if (r < 0)
            goto fail;
        p->port_maps = xrealloc(p->port_maps, (p->n_port_maps + 1) * sizeof *p->port_maps);
        p->port_maps[p->n_port_maps++] = j;
    }
    if (o->ip) {
        uint32_t a;
        if (netconf_parse_ip4(o->ip, &a) < 0) {
            r = congo_error_set(err, 0, "--ip `%s`: expected an IPv4 address", o->ip);
            goto fail;
        }
        p->args = xasprintf("IgnoreUnknown=1;IP=%s", o->ip);
    }
    if (o->mac) {
        unsigned b[6];
        char tail;
        if (sscanf(o->mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6 ||
            strlen(o->mac) != 17 || (b[0] & 1)) {
            r = congo_error_set(err, 0, "--mac-address `%s`: expected a unicast MAC address xx:xx:xx:xx:xx:xx", o->mac);
            goto fail;
        }
        p->mac = xstrdup(o->mac);
    }
    for (size_t i = 0; i < o->n_dns; i++)
        if (!ip_valid(o->dns[i])) {
            r = congo_error_set(err, 0, "--dns `%s`: expected an IP address", o->dns[i]);
            goto fail;
        }
    for (size_t i = 0; i < o->n_dns_search; i++)
        if (!host_valid(o->dns_search[i])) {
            r = congo_error_set(err, 0, "--dns-search `%s`: expected a domain name", o->dns_search[i]);
            goto fail;
        }
    for (size_t i = 0; i < o->n_add_host; i++) {
        const char *c = strchr(o->add_host[i], ':');
        _cleanup_free_ char *name = c ? strndup(o->add_host[i], c - o->add_host[i]) : NULL;
        if (!c || !host_valid(name) || !ip_valid(c + 1)) {
            r = congo_error_set(err, 0, "--add-host `%s`: expected NAME:IP", o->add_host[i]);
            goto fail;
        }
    }
    *out = p;
    return 0;
fail:
    net_plan_free(p);
    return r;
}

/* ---- the bundle ---- */

static void gen_bind(yajl_gen g, const char *dest, const char *source, bool ro)
{
    yajl_gen_map_open(g);
    json_gen_kv(g, "destination", dest);
    json_gen_kv(g, "type", "bind");
    json_gen_kv(g, "source", source);
    json_gen_str(g, "options");
    yajl_gen_array_open(g);
    json_gen_str(g, "rbind");
    json_gen_str(g, "rprivate");
    json_gen_str(g, ro ? "ro" : "rw");
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
}

static bool is_net_file(yajl_val m)
{
    yajl_val d = json_get(m, "destination");
    return d && YAJL_IS_STRING(d) &&
           (strcmp(d->u.string, "/etc/hosts") == 0 || strcmp(d->u.string, "/etc/resolv.conf") == 0 ||
            strcmp(d->u.string, "/etc/hostname") == 0);
}

static void gen_hook(yajl_gen g, const char *self, const char *verb, const char *dir)
{
    yajl_gen_map_open(g);
    json_gen_kv(g, "path", self);
    json_gen_str(g, "args");
    yajl_gen_array_open(g);
    json_gen_str(g, "congo");
    json_gen_str(g, "network");
    json_gen_str(g, "hook");
    json_gen_str(g, verb);
    json_gen_str(g, dir);
    yajl_gen_array_close(g);
    json_gen_str(g, "env");
    yajl_gen_array_open(g);
    json_gen_str(g, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
}

struct edit {
    const struct net_plan *p;
    const char *dir;
    const char *self;
};

static void gen_mounts(yajl_gen g, yajl_val old, const struct edit *e)
{
    const char *d = e->p->share_dir ? e->p->share_dir : e->dir;
    _cleanup_free_ char *hosts = xasprintf("%s/hosts", d), *resolv = xasprintf("%s/resolv.conf", d),
                        *hostname = xasprintf("%s/hostname", d);
    yajl_gen_array_open(g);
    for (size_t i = 0; old && YAJL_IS_ARRAY(old) && i < old->u.array.len; i++)
        if (!is_net_file(old->u.array.values[i]))
            json_gen_value(g, old->u.array.values[i]);
    gen_bind(g, "/etc/hosts", hosts, false);
    gen_bind(g, "/etc/resolv.conf", resolv, false);
    if (e->p->mode != NET_HOST)
        gen_bind(g, "/etc/hostname", hostname, false);
    yajl_gen_array_close(g);
}

/* How many gids from 0 up the mappings cover without a gap. */
static long mapped_gids_from_zero(yajl_val maps)
{
    long top = 0;
    for (bool grew = true; grew && maps && YAJL_IS_ARRAY(maps);) {
        grew = false;
        for (size_t i = 0; i < maps->u.array.len; i++) {
            yajl_val c = json_get(maps->u.array.values[i], "containerID"),
                     n = json_get(maps->u.array.values[i], "size");
            if (c && n && YAJL_IS_INTEGER(c) && YAJL_IS_INTEGER(n) && YAJL_GET_INTEGER(c) == top &&
                YAJL_GET_INTEGER(n) > 0) {
                top += YAJL_GET_INTEGER(n);
                grew = true;
            }
        }
    }
    return top;
}

static void gen_linux(yajl_gen g, yajl_val old, const struct edit *e)
{
    yajl_val ns = json_get(old, "namespaces"), sysctl = json_get(old, "sysctl");
    bool own_netns = e->p->mode == NET_CNI || e->p->mode == NET_NONE || e->p->mode == NET_PASTA;
    yajl_gen_map_open(g);
    for (size_t i = 0; old && YAJL_IS_OBJECT(old) && i < old->u.object.len; i++) {
        const char *k = old->u.object.keys[i];
        if (strcmp(k, "namespaces") == 0 || strcmp(k, "sysctl") == 0)
            continue;
        json_gen_str(g, k);
        json_gen_value(g, old->u.object.values[i]);
    }
    json_gen_str(g, "namespaces");
    yajl_gen_array_open(g);
    for (size_t i = 0; ns && YAJL_IS_ARRAY(ns) && i < ns->u.array.len; i++) {
        yajl_val n = ns->u.array.values[i], t = json_get(n, "type");
        if (t && YAJL_IS_STRING(t) && strcmp(t->u.string, "network") == 0)
            continue;
        json_gen_value(g, n);
    }
    if (e->p->mode != NET_HOST) {
        yajl_gen_map_open(g);
        json_gen_kv(g, "type", "network");
        if (e->p->mode == NET_CONTAINER)
            json_gen_kv(g, "path", e->p->netns_path);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    json_gen_str(g, "sysctl");
    yajl_gen_map_open(g);
    for (size_t i = 0; sysctl && YAJL_IS_OBJECT(sysctl) && i < sysctl->u.object.len; i++) {
        if (own_netns && strcmp(sysctl->u.object.keys[i], "net.ipv4.ping_group_range") == 0)
            continue;
        json_gen_str(g, sysctl->u.object.keys[i]);
        json_gen_value(g, sysctl->u.object.values[i]);
    }
    /* ping without privileges, as docker and podman allow: only in a
     * network namespace of the container's own. */
    if (own_netns && !congo_userns_rootless()) {
        json_gen_kv(g, "net.ipv4.ping_group_range", "0 2147483647");
    } else if (own_netns) {
        /* Rootless, the range must be gids the user namespace maps. */
        long top = mapped_gids_from_zero(json_get(old, "gidMappings"));
        if (top > 0) {
            _cleanup_free_ char *v = xasprintf("0 %ld", top - 1);
            json_gen_kv(g, "net.ipv4.ping_group_range", v);
        }
    }
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}

/* pasta's three hooks (pasta.h), each first (poststop: last) among the config's own. */
static void gen_pasta_hooks(yajl_gen g, yajl_val old, const struct edit *e)
{
    static const char *const kinds[] = { "createRuntime", "createContainer", "poststop" };
    static const char *const verbs[] = { "pasta-start", "pasta-join", "pasta-stop" };
    yajl_gen_map_open(g);
    for (size_t i = 0; old && YAJL_IS_OBJECT(old) && i < old->u.object.len; i++) {
        const char *k = old->u.object.keys[i];
        if (strcmp(k, kinds[0]) == 0 || strcmp(k, kinds[1]) == 0 || strcmp(k, kinds[2]) == 0)
            continue;
        json_gen_str(g, k);
        json_gen_value(g, old->u.object.values[i]);
    }
    for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
        yajl_val v = json_get(old, kinds[k]);
        json_gen_str(g, kinds[k]);
        yajl_gen_array_open(g);
        if (k < 2)
            gen_hook(g, e->self, verbs[k], e->dir);
        for (size_t i = 0; v && YAJL_IS_ARRAY(v) && i < v->u.array.len; i++)
            json_gen_value(g, v->u.array.values[i]);
        if (k == 2)
            gen_hook(g, e->self, verbs[k], e->dir);
        yajl_gen_array_close(g);
    }
    yajl_gen_map_close(g);
}

static void gen_hooks(yajl_gen g, yajl_val old, const struct edit *e)
{
    yajl_val cr = json_get(old, "createRuntime"), ps = json_get(old, "poststop");
    /* --network none needs no hook rootless: the runtime brings lo up in
     * every network namespace it makes, and a user may not enter the
     * container's before it runs its program (non-dumpable). */
    bool cni = e->p->mode == NET_CNI, add = cni || (e->p->mode == NET_NONE && !congo_userns_rootless());
    if (e->p->mode == NET_PASTA) {
        gen_pasta_hooks(g, old, e);
        return;
    }
    yajl_gen_map_open(g);
    for (size_t i = 0; old && YAJL_IS_OBJECT(old) && i < old->u.object.len; i++) {
        const char *k = old->u.object.keys[i];
        if ((add && strcmp(k, "createRuntime") == 0) || (cni && strcmp(k, "poststop") == 0))
            continue;
        json_gen_str(g, k);
        json_gen_value(g, old->u.object.values[i]);
    }
    if (add) {
        json_gen_str(g, "createRuntime");
        yajl_gen_array_open(g);
        /* The network first: later hooks see the container's interfaces. */
        gen_hook(g, e->self, "add", e->dir);
        for (size_t i = 0; cr && YAJL_IS_ARRAY(cr) && i < cr->u.array.len; i++)
            json_gen_value(g, cr->u.array.values[i]);
        yajl_gen_array_close(g);
    }
    if (cni) {
        json_gen_str(g, "poststop");
        yajl_gen_array_open(g);
        for (size_t i = 0; ps && YAJL_IS_ARRAY(ps) && i < ps->u.array.len; i++)
            json_gen_value(g, ps->u.array.values[i]);
        gen_hook(g, e->self, "del", e->dir);
        yajl_gen_array_close(g);
    }
    yajl_gen_map_close(g);
}

static char *edit_config(yajl_val root, const struct edit *e)
{
    _cleanup_gen_ yajl_gen g = json_gen_new(true);
    bool seen_mounts = false, seen_linux = false, seen_hooks = false;
    yajl_gen_map_open(g);
    for (size_t i = 0; i < root->u.object.len; i++) {
        const char *k = root->u.object.keys[i];
        yajl_val v = root->u.object.values[i];
        json_gen_str(g, k);
        if (strcmp(k, "mounts") == 0) {
            gen_mounts(g, v, e);
            seen_mounts = true;
        } else if (strcmp(k, "linux") == 0) {
            gen_linux(g, v, e);
            seen_linux = true;
        } else if (strcmp(k, "hooks") == 0) {
            gen_hooks(g, v, e);
            seen_hooks = true;
        } else {
            json_gen_value(g, v);
        }
    }
    if (!seen_mounts) {
        json_gen_str(g, "mounts");
        gen_mounts(g, NULL, e);
    }
    if (!seen_linux) {
        json_gen_str(g, "linux");
        gen_linux(g, NULL, e);
    }
    if (!seen_hooks) {
        json_gen_str(g, "hooks");
        gen_hooks(g, NULL, e);
    }
    yajl_gen_map_close(g);
    return json_gen_steal(g, NULL);
}

static bool loopback_server(const char *ns)
{
    return strncmp(ns, "127.", 4) == 0 || strcmp(ns, "::1") == 0;
}

static char *make_resolv(const struct net_plan *p)
{
    const struct net_opts *o = p->o;
    _cleanup_free_ char *host = NULL;
    char *text = xstrdup(""), *line, *save = NULL;
    size_t nservers = 0;

#define APPEND(...)                                                         \
    do {                                                                    \
        char *add_ = xasprintf(__VA_ARGS__), *n_ = xasprintf("%s%s", text, add_); \
        free(add_);                                                         \
        free(text);                                                         \
        text = n_;                                                          \
    } while (0)

    if (read_file_at(AT_FDCWD, "/etc/resolv.conf", 1 << 20, &host, NULL, NULL) < 0)
        host = xstrdup("");
    for (line = strtok_r(host, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char ns[256];
        if (sscanf(line, " nameserver %255s", ns) == 1) {
            /* A resolver on the host's loopback is not reachable from another netns. */
            if (o->n_dns || (p->mode != NET_HOST && loopback_server(ns)))
                continue;
            nservers++;
        } else if ((strncmp(line, "search", 6) == 0 || strncmp(line, "domain", 6) == 0) && o->n_dns_search) {
            continue;
        }
        APPEND("%s\n", line);
    }
    for (size_t i = 0; i < o->n_dns; i++, nservers++)
        APPEND("nameserver %s\n", o->dns[i]);
    if (o->n_dns_search) {
        APPEND("search");
        for (size_t i = 0; i < o->n_dns_search; i++)
            APPEND(" %s", o->dns_search[i]);
        APPEND("\n");
    }
    /* Docker's fallback when the host has only loopback resolvers. */
    if (nservers == 0 && p->mode != NET_HOST && p->mode != NET_NONE)
        APPEND("nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    return text;
}

static char *make_hosts_base(const struct net_plan *p)
{
    char *text;
    if (p->mode == NET_HOST) {
        if (read_file_at(AT_FDCWD, "/etc/hosts", 1 << 20, &text, NULL, NULL) < 0)
            text = xstrdup("127.0.0.1\tlocalhost\n");
    } else {
        text = xstrdup("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    }
    for (size_t i = 0; i < p->o->n_add_host; i++) {
        const char *c = strchr(p->o->add_host[i], ':');
        char *n = xasprintf("%s%s\t%.*s\n", text, c + 1, (int) (c - p->o->add_host[i]), p->o->add_host[i]);
        free(text);
        text = n;
    }
    return text;
}

static int write_in(int dfd, const char *file, const char *text, congo_error *err)
{
    return write_file_replace_at(dfd, file, text, strlen(text), 0644, err);
}

/* pasta's port forwards from -p: `-t [HOSTIP/]HOSTPORT:CTRPORT` (or -u),
 * `none` for a protocol without any (pasta's default would forward all). */
static int write_pasta_args(int dfd, const struct net_plan *p, congo_error *err)
{
    _cleanup_free_ char *text = xstrdup("");
    bool tcp = false, udp = false;
    for (size_t i = 0; i < p->n_port_maps; i++) {
        _cleanup_json_ yajl_val m = yajl_tree_parse(p->port_maps[i], NULL, 0);
        yajl_val hp = json_get(m, "hostPort"), cp = json_get(m, "containerPort"), pr = json_get(m, "protocol"),
                 ip = json_get(m, "hostIP");
        bool is_udp = pr && YAJL_IS_STRING(pr) && strcmp(pr->u.string, "udp") == 0;
        char *n = xasprintf("%s%s\n%s%s%lld:%lld\n", text, is_udp ? "-u" : "-t",
                            ip && YAJL_IS_STRING(ip) ? ip->u.string : "", ip && YAJL_IS_STRING(ip) ? "/" : "",
                            YAJL_GET_INTEGER(hp), YAJL_GET_INTEGER(cp));
        free(text);
        text = n;
        if (is_udp)
            udp = true;
        else
            tcp = true;
    }
    if (!tcp) {
        char *n = xasprintf("%s-t\nnone\n", text);
        free(text);
        text = n;
    }
    if (!udp) {
        char *n = xasprintf("%s-u\nnone\n", text);
        free(text);
        text = n;
    }
    return write_in(dfd, "pasta.args", text, err);
}

int net_apply(const struct net_plan *p, const char *bundle, congo_error *err)
{
    _cleanup_free_ char *config = NULL, *dir = xasprintf("%s/" NET_SUBDIR, bundle), *out = NULL, *resolv = NULL,
                        *hosts = NULL, *hostname_line = NULL, *netjson = NULL;
    _cleanup_close_ int bfd = -1, dfd = -1;
    _cleanup_json_ yajl_val root = NULL;
    char self[4096];
    ssize_t n;
    const char *hostname = NULL;
    int r;

    n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return congo_error_errno(err, "readlink /proc/self/exe");
    self[n] = '\0';
    bfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (bfd < 0)
        return congo_error_errno(err, "open bundle `%s`", bundle);
    r = read_file_at(bfd, "config.json", 0, &config, NULL, err);
    if (r < 0)
        return congo_error_wrap(err, r, "bundle `%s`", bundle);
    r = json_parse(&root, config, "config.json", err);
    if (r < 0)
        return congo_error_wrap(err, r, "bundle `%s`", bundle);
    if (!YAJL_IS_OBJECT(root))
        return congo_error_set(err, 0, "bundle `%s`: config.json: expected an object", bundle);
    if (json_get(root, "hostname") && YAJL_IS_STRING(json_get(root, "hostname")))
        hostname = json_get(root, "hostname")->u.string;
    if (mkdirat(bfd, NET_SUBDIR, 0755) < 0)
        return congo_error_errno(err, "create `%s`", dir);
    dfd = openat(bfd, NET_SUBDIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return congo_error_errno(err, "open `%s`", dir);

    resolv = make_resolv(p);
    hosts = make_hosts_base(p);
    hostname_line = xasprintf("%s\n", hostname ? hostname : p->id);
    if ((r = write_in(dfd, "resolv.conf", resolv, err)) < 0 || (r = write_in(dfd, "hosts.base", hosts, err)) < 0 ||
        (r = write_in(dfd, "hosts", hosts, err)) < 0 || (r = write_in(dfd, "hostname", hostname_line, err)) < 0)
        return r;
    if (p->mode == NET_CNI) {
        _cleanup_gen_ yajl_gen g = json_gen_new(true);
        if ((r = write_in(dfd, "network.conflist", p->net->text, err)) < 0)
            return r;
        yajl_gen_map_open(g);
        json_gen_kv(g, "containerId", p->id);
        json_gen_kv(g, "hostname", hostname ? hostname : p->id);
        json_gen_kv(g, "network", p->net->name);
        json_gen_kv(g, "networkFile", p->net->path);
        json_gen_kv(g, "cniPath", p->cni_path);
        json_gen_kv(g, "ifname", "eth0");
        if (p->args)
            json_gen_kv(g, "args", p->args);
        json_gen_str(g, "runtimeConfig");
        yajl_gen_map_open(g);
        json_gen_str(g, "portMappings");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < p->n_port_maps; i++) {
            yajl_val v = json_parse_or_null(p->port_maps[i]);
            json_gen_value(g, v);
            yajl_tree_free(v);
        }
        yajl_gen_array_close(g);
        if (p->mac)
            json_gen_kv(g, "mac", p->mac);
        yajl_gen_map_close(g);
        yajl_gen_map_close(g);
        netjson = json_gen_steal(g, NULL);
    } else {
        netjson = xasprintf("{\"containerId\":\"%s\"}\n", p->id);
    }
    if (p->mode == NET_PASTA) {
        _cleanup_free_ char *tool = xasprintf("%s\n", p->netstack);
        if ((r = write_pasta_args(dfd, p, err)) < 0 || (r = write_in(dfd, "netstack", tool, err)) < 0)
            return r;
    }
    if ((r = write_in(dfd, "net.json", netjson, err)) < 0)
        return r;
    {
        struct edit e = { .p = p, .dir = dir, .self = self };
        out = edit_config(root, &e);
    }
    r = write_file_replace_at(bfd, "config.json", out, strlen(out), 0644, err);
    if (r < 0)
        return congo_error_wrap(err, r, "bundle `%s`", bundle);
    return 0;
}

/* ---- the hooks ---- */

struct net_rec {
    yajl_val tree;
    const char *id, *network, *cni_path, *ifname, *args, *hostname;
    yajl_val runtime_config;
};

static int read_rec(struct net_rec *rec, int dfd, const char *dir, congo_error *err)
{
    _cleanup_free_ char *text = NULL, *what = xasprintf("%s/net.json", dir);
    int r = read_file_at(dfd, "net.json", 1 << 20, &text, NULL, err);
    if (r < 0)
        return congo_error_wrap(err, r, "read `%s`", what);
    r = json_parse(&rec->tree, text, what, err);
    if (r < 0)
        return r;
    if ((r = json_req_string(rec->tree, "containerId", what, &rec->id, err)) < 0 ||
        (r = json_opt_string(rec->tree, "network", what, &rec->network, err)) < 0 ||
        (r = json_opt_string(rec->tree, "cniPath", what, &rec->cni_path, err)) < 0 ||
        (r = json_opt_string(rec->tree, "ifname", what, &rec->ifname, err)) < 0 ||
        (r = json_opt_string(rec->tree, "args", what, &rec->args, err)) < 0 ||
        (r = json_opt_string(rec->tree, "hostname", what, &rec->hostname, err)) < 0)
        return r;
    rec->runtime_config = json_get(rec->tree, "runtimeConfig");
    return 0;
}

static int load_net(struct cni_net **out, int dfd, const char *dir, congo_error *err)
{
    _cleanup_free_ char *text = NULL, *path = xasprintf("%s/network.conflist", dir);
    int r = read_file_at(dfd, "network.conflist", 1 << 20, &text, NULL, err);
    if (r < 0)
        return congo_error_wrap(err, r, "read `%s`", path);
    return cni_net_parse(out, path, text, err);
}

/* The first IPv4 address of a CNI result ("10.77.0.2"), or NULL. */
static char *result_ip4(const char *result)
{
    _cleanup_json_ yajl_val v = json_parse_or_null(result);
    yajl_val ips = json_get(v, "ips");
    for (size_t i = 0; ips && YAJL_IS_ARRAY(ips) && i < ips->u.array.len; i++) {
        yajl_val a = json_get(ips->u.array.values[i], "address");
        if (a && YAJL_IS_STRING(a) && strchr(a->u.string, '.')) {
            char *s = xstrdup(a->u.string), *slash = strchr(s, '/');
            if (slash)
                *slash = '\0';
            return s;
        }
    }
    return NULL;
}

/* Rewrite a hosts file in place: the bind mount in the container holds its inode. */
static int rewrite_in_place(int dfd, const char *file, const char *text, congo_error *err)
{
    _cleanup_close_ int fd = openat(dfd, file, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
        return congo_error_errno(err, "write `%s`", file);
    return 0;
}

/* Keep the /etc/hosts of every container on the network current: each
 * gets its hosts.base, its own line, then the others' lines.  With `line`
 * NULL, the container `id` leaves the network. */
static int hosts_sync(const char *network, const char *id, const char *line, const char *dir, congo_error *err)
{
    _cleanup_free_ char *rdir = xasprintf(HOSTS_REGISTRY "/%s", network);
    _cleanup_close_ int rfd = -1, lock = -1;
    char **dirs = NULL, **lines = NULL;
    size_t n = 0;
    DIR *d;
    struct dirent *de;
    int r;

    r = mkdir_p_at(AT_FDCWD, rdir, 0700, err);
    if (r < 0)
        return congo_error_wrap(err, r, "create `%s`", rdir);
    rfd = open(rdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (rfd < 0)
        return congo_error_errno(err, "open `%s`", rdir);
    lock = openat(rfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lock < 0 || flock(lock, LOCK_EX) < 0)
        return congo_error_errno(err, "lock `%s`", rdir);
    if (line) {
        _cleanup_free_ char *rec = xasprintf("%s\n%s\n", line, dir);
        r = write_file_replace_at(rfd, id, rec, strlen(rec), 0600, err);
        if (r < 0)
            return r;
    } else {
        unlinkat(rfd, id, 0);
    }
    d = fdopendir(dup(rfd));
    if (!d)
        return congo_error_errno(err, "read `%s`", rdir);
    while ((de = readdir(d))) {
        _cleanup_free_ char *text = NULL;
        char *nl;
        if (de->d_name[0] == '.')
            continue;
        if (read_file_at(rfd, de->d_name, 8192, &text, NULL, NULL) < 0 || !(nl = strchr(text, '\n')))
            continue;
        *nl = '\0';
        nl[1 + strcspn(nl + 1, "\n")] = '\0';
        /* A container whose bundle is gone without a DEL: forget it. */
        if (access(nl + 1, F_OK) < 0 && errno == ENOENT) {
            unlinkat(rfd, de->d_name, 0);
            continue;
        }
        dirs = xrealloc(dirs, (n + 1) * sizeof *dirs);
        lines = xrealloc(lines, (n + 1) * sizeof *lines);
        lines[n] = xstrdup(text);
        dirs[n++] = xstrdup(nl + 1);
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        _cleanup_close_ int dfd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_free_ char *base = NULL, *text = NULL;
        if (dfd < 0 || read_file_at(dfd, "hosts.base", 1 << 20, &base, NULL, NULL) < 0)
            continue;
        text = xasprintf("%s%s\n", base, lines[i]);
        for (size_t k = 0; k < n; k++) {
            if (k == i)
                continue;
            char *t = xasprintf("%s%s\n", text, lines[k]);
            free(text);
            text = t;
        }
        congo_error ignored = CONGO_ERROR_INIT;
        rewrite_in_place(dfd, "hosts", text, &ignored);
        congo_error_clear(&ignored);
    }
    for (size_t i = 0; i < n; i++) {
        free(dirs[i]);
        free(lines[i]);
    }
    free(dirs);
    free(lines);
    return 0;
}

static void unmount_netns(const char *path)
{
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        return;
    unlink(path);
}

/* After DEL (or an ADD undone): the kept netns and what DEL would need. */
static void forget_attachment(int dfd, const char *nspath)
{
    if (nspath)
        unmount_netns(nspath);
    unlinkat(dfd, "netns", 0);
    unlinkat(dfd, "result.json", 0);
}

/* Bring lo up in the namespace (--network none too), as the CNI loopback
 * plugin would, without needing it: this hook process is ours to setns. */
static int loopback_up(const char *nspath, congo_error *err)
{
    _cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), nsfd = -1, sock = -1;
    struct ifreq ifr = { 0 };
    int r = 0;

    if (self < 0)
        return congo_error_errno(err, "open /proc/self/ns/net");
    nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0)
        return congo_error_errno(err, "open `%s`", nspath);
    if (setns(nsfd, CLONE_NEWNET) < 0)
        return congo_error_errno(err, "enter the network namespace `%s`", nspath);
    /* The socket belongs to the namespace it was made in. */
    sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    /* Back home at once: the plugins this hook runs must start in the runtime's namespace. */
    if (setns(self, CLONE_NEWNET) < 0)
        return congo_error_errno(err, "return to the runtime's network namespace");
    if (sock < 0)
        return congo_error_errno(err, "socket");
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
        r = congo_error_errno(err, "get the flags of lo");
    else if (!(ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags |= IFF_UP, ioctl(sock, SIOCSIFFLAGS, &ifr) < 0))
        r = congo_error_errno(err, "bring lo up");
    return r;
}

/* The bridge plugin (1.1) sets a bridge's MAC to the one it read: after
 * the last port of a bridge whose MAC was never set leaves (a failed ADD
 * does that), the kernel leaves it all zeros, and every later ADD fails
 * with "could not set bridge's mac: invalid argument" (containernetworking/
 * plugins#620).  Give such a bridge a locally administered address first. */
static void bridge_fix_mac(const struct cni_net *net)
{
    yajl_val first = net->plugins->u.array.values[0], t = json_get(first, "type"), br = json_get(first, "bridge");
    _cleanup_close_ int sock = -1;
    struct ifreq ifr = { 0 };
    static const unsigned char zero[6];

    if (!t || !YAJL_IS_STRING(t) || strcmp(t->u.string, "bridge") != 0)
        return;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", br && YAJL_IS_STRING(br) ? br->u.string : "cni0");
    sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0 || ioctl(sock, SIOCGIFHWADDR, &ifr) < 0 || memcmp(ifr.ifr_hwaddr.sa_data, zero, 6) != 0)
        return;
    if (getrandom(ifr.ifr_hwaddr.sa_data, 6, 0) != 6)
        return;
    ifr.ifr_hwaddr.sa_data[0] = (char) ((ifr.ifr_hwaddr.sa_data[0] & 0xfe) | 0x02);
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    ioctl(sock, SIOCSIFHWADDR, &ifr);
}

int net_hook_add(const char *dir, const char *state_json, congo_error *err)
{
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_json_ yajl_val state = NULL;
    _cleanup_cni_net_ struct cni_net *net = NULL;
    _cleanup_free_ char *nspath = NULL, *procns = NULL, *result = NULL, *ip = NULL;
    struct net_rec rec = { 0 };
    yajl_val pidv;
    struct cni_runtime rt = { 0 };
    int r, fd;

    if (dfd < 0)
        return congo_error_errno(err, "open `%s`", dir);
    r = json_parse(&state, state_json, "the container state on stdin", err);
    if (r < 0)
        return r;
    pidv = json_get(state, "pid");
    if (!pidv || !YAJL_IS_INTEGER(pidv) || YAJL_GET_INTEGER(pidv) <= 0)
        return congo_error_set(err, 0, "the container state on stdin: pid: expected the container's process id");
    procns = xasprintf("/proc/%lld/ns/net", YAJL_GET_INTEGER(pidv));
    r = read_rec(&rec, dfd, dir, err);
    if (r < 0)
        goto out;
    rt.container_id = rec.id;
    rt.cni_path = rec.cni_path;
    rt.netns = procns;
    rt.ifname = "lo";
    r = loopback_up(procns, err);
    if (r < 0 || !rec.network)
        goto out;

    r = load_net(&net, dfd, dir, err);
    if (r < 0)
        goto out;
    /* Keep the namespace for DEL, whatever happens to the container's
     * processes: record the path first, then bind-mount it. */
    /* The pid too: another state root may run a container of the same name. */
    nspath = xasprintf(NETNS_DIR "/congo-%s-%lld", rec.id, YAJL_GET_INTEGER(pidv));
    r = write_in(dfd, "netns", nspath, err);
    if (r < 0)
        goto out;
    if (mkdir(NETNS_DIR, 0755) < 0 && errno != EEXIST) {
        r = congo_error_errno(err, "create " NETNS_DIR);
        goto out;
    }
    unmount_netns(nspath);
    fd = open(nspath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (fd < 0) {
        r = congo_error_errno(err, "create `%s`", nspath);
        goto out;
    }
    close(fd);
    if (mount(procns, nspath, NULL, MS_BIND, NULL) < 0) {
        r = congo_error_errno(err, "bind-mount `%s` on `%s`", procns, nspath);
        unlink(nspath);
        goto out;
    }
    rt.netns = nspath;
    rt.ifname = rec.ifname ? rec.ifname : "eth0";
    rt.args = rec.args;
    rt.runtime_config = rec.runtime_config;
    bridge_fix_mac(net);
    r = cni_add(&result, net, &rt, err);
    if (r < 0) {
        unmount_netns(nspath);
        unlinkat(dfd, "netns", 0);
        goto out;
    }
    r = write_in(dfd, "result.json", result, err);
    if (r < 0)
        goto undo;
    ip = result_ip4(result);
    if (ip) {
        _cleanup_free_ char *line = xasprintf("%s\t%s%s%s", ip, rec.hostname ? rec.hostname : rec.id,
                                              rec.hostname && strcmp(rec.hostname, rec.id) != 0 ? " " : "",
                                              rec.hostname && strcmp(rec.hostname, rec.id) != 0 ? rec.id : "");
        r = hosts_sync(rec.network, rec.id, line, dir, err);
        if (r < 0)
            goto undo;
    }
    r = 0;
    goto out;
undo:
    {
        congo_error ignored = CONGO_ERROR_INIT;
        cni_del(net, &rt, result, &ignored);
        congo_error_clear(&ignored);
        hosts_sync(rec.network, rec.id, NULL, dir, &ignored);
        congo_error_clear(&ignored);
        forget_attachment(dfd, nspath);
    }
out:
    if (rec.tree)
        yajl_tree_free(rec.tree);
    return r;
}

int net_hook_del(const char *dir, congo_error *err)
{
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_cni_net_ struct cni_net *net = NULL;
    _cleanup_free_ char *nspath = NULL, *result = NULL;
    struct net_rec rec = { 0 };
    struct cni_runtime rt = { 0 };
    int r;

    if (dfd < 0)
        return errno == ENOENT ? 0 : congo_error_errno(err, "open `%s`", dir);
    r = read_rec(&rec, dfd, dir, err);
    if (r < 0 || !rec.network)
        goto out;
    r = load_net(&net, dfd, dir, err);
    if (r < 0)
        goto out;
    if (read_file_at(dfd, "netns", 4096, &nspath, NULL, NULL) < 0)
        nspath = NULL;
    if (read_file_at(dfd, "result.json", 1 << 20, &result, NULL, NULL) < 0)
        result = NULL;
    rt.container_id = rec.id;
    rt.cni_path = rec.cni_path;
    /* A namespace that is gone (never mounted): the plugins release the rest. */
    rt.netns = nspath && access(nspath, F_OK) == 0 ? nspath : NULL;
    rt.ifname = rec.ifname ? rec.ifname : "eth0";
    rt.args = rec.args;
    rt.runtime_config = rec.runtime_config;
    r = cni_del(net, &rt, result, err);
    {
        congo_error ignored = CONGO_ERROR_INIT;
        hosts_sync(rec.network, rec.id, NULL, dir, &ignored);
        congo_error_clear(&ignored);
    }
    forget_attachment(dfd, nspath);
out:
    if (rec.tree)
        yajl_tree_free(rec.tree);
    return r;
}

int net_release_bundle(const char *bundle, congo_error *err)
{
    _cleanup_free_ char *dir = xasprintf("%s/" NET_SUBDIR, bundle);
    net_pasta_stop(dir, NULL);
    return net_hook_del(dir, err);
}

void net_ports_free(struct net_port *p, size_t n)
{
    (void) n;
    free(p);
}

int net_ports_of_bundle(struct net_port **out, size_t *nout, const char *bundle, congo_error *err)
{
    _cleanup_free_ char *dir = xasprintf("%s/" NET_SUBDIR, bundle);
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct net_rec rec = { 0 };
    struct net_port *v = NULL;
    size_t n = 0;
    yajl_val maps;
    int r;

    *out = NULL;
    *nout = 0;
    if (dfd < 0)
        return errno == ENOENT ? 0 : congo_error_errno(err, "open `%s`", dir);
    r = read_rec(&rec, dfd, dir, err);
    if (r < 0)
        return r;
    maps = json_get(rec.runtime_config, "portMappings");
    for (size_t i = 0; maps && YAJL_IS_ARRAY(maps) && i < maps->u.array.len; i++) {
        yajl_val m = maps->u.array.values[i], hp = json_get(m, "hostPort"), cp = json_get(m, "containerPort"),
                 pr = json_get(m, "protocol"), ip = json_get(m, "hostIP");
        if (!hp || !YAJL_IS_INTEGER(hp) || !cp || !YAJL_IS_INTEGER(cp))
            continue;
        v = xrealloc(v, (n + 1) * sizeof *v);
        memset(&v[n], 0, sizeof v[n]);
        v[n].host_port = YAJL_GET_INTEGER(hp);
        v[n].container_port = YAJL_GET_INTEGER(cp);
        snprintf(v[n].protocol, sizeof v[n].protocol, "%s", pr && YAJL_IS_STRING(pr) ? pr->u.string : "tcp");
        snprintf(v[n].host_ip, sizeof v[n].host_ip, "%s", ip && YAJL_IS_STRING(ip) ? ip->u.string : "");
        n++;
    }
    yajl_tree_free(rec.tree);
    *out = v;
    *nout = n;
    return 0;
}
