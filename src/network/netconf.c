/* Network configuration lists in a directory (see netconf.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "network/netconf.h"
#include "libcongo/log.h"
#include "libcongo/utils.h"

const char *netconf_dir(const char *opt)
{
    const char *e = getenv("CONGO_CNI_CONFIG_DIR");
    return opt && *opt ? opt : e && *e ? e : CNI_DEFAULT_CONFIG_DIR;
}

const char *netconf_cni_path(const char *opt)
{
    const char *e = getenv("CNI_PATH");
    return opt && *opt ? opt : e && *e ? e : CNI_DEFAULT_PATH;
}

int netconf_parse_ip4(const char *s, uint32_t *addr)
{
    unsigned a, b, c, d;
    char tail;
    if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
        return -EINVAL;
    *addr = a << 24 | b << 16 | c << 8 | d;
    return 0;
}

int netconf_parse_cidr(const char *s, uint32_t *addr, int *prefix)
{
    _cleanup_free_ char *ip = xstrdup(s);
    char *slash = strchr(ip, '/'), *end;
    long p;
    if (!slash)
        return -EINVAL;
    *slash = '\0';
    errno = 0;
    p = strtol(slash + 1, &end, 10);
    if (!slash[1] || *end || p < 0 || p > 32 || netconf_parse_ip4(ip, addr) < 0)
        return -EINVAL;
    *prefix = (int) p;
    return 0;
}

static uint32_t mask_of(int prefix)
{
    return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

struct ip4_buf {
    char s[16];
};

static struct ip4_buf ip4_text(uint32_t a)
{
    struct ip4_buf b;
    snprintf(b.s, sizeof b.s, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    return b;
}

static int read_net(struct cni_net **out, int dfd, const char *dir, const char *file, congo_error *err)
{
    _cleanup_free_ char *text = NULL, *path = xasprintf("%s/%s", dir, file);
    int r = read_file_at(dfd, file, 1 << 20, &text, NULL, err);
    if (r < 0)
        return congo_error_wrap(err, r, "read `%s`", path);
    return cni_net_parse(out, path, text, err);
}

static bool is_conflist(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 9 && strcmp(name + n - 9, ".conflist") == 0;
}

static int cmp_net(const void *a, const void *b)
{
    return strcmp((*(struct cni_net *const *) a)->name, (*(struct cni_net *const *) b)->name);
}

void netconf_list_free(struct cni_net **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cni_net_free(v[i]);
    free(v);
}

int netconf_list(struct cni_net ***out, size_t *nout, const char *dir, congo_error *err)
{
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct cni_net **v = NULL;
    size_t n = 0;
    DIR *d;
    struct dirent *de;

    if (dfd < 0) {
        if (errno == ENOENT) {
            *out = NULL;
            *nout = 0;
            return 0;
        }
        return congo_error_errno(err, "open the CNI configuration directory `%s`", dir);
    }
    d = fdopendir(dup(dfd));
    if (!d)
        return congo_error_errno(err, "read `%s`", dir);
    while ((de = readdir(d))) {
        struct cni_net *net = NULL;
        congo_error e = CONGO_ERROR_INIT;
        if (!is_conflist(de->d_name))
            continue;
        if (read_net(&net, dfd, dir, de->d_name, &e) < 0) {
            _cleanup_free_ char *t = congo_error_text(&e);
            congo_warning("skipping network configuration: %s", t);
            congo_error_clear(&e);
            continue;
        }
        v = xrealloc(v, (n + 1) * sizeof *v);
        v[n++] = net;
    }
    closedir(d);
    qsort(v, n, sizeof *v, cmp_net);
    *out = v;
    *nout = n;
    return 0;
}

static char *bridge_conflist(const char *name, const char *bridge, const char *subnet, const char *gateway,
                             bool internal)
{
    /* bridge (+ host-local IPAM), portmap for -p, firewall for the FORWARD
     * rules, tuning for --mac-address.  An internal network gets no
     * default route and no masquerading. */
    return xasprintf("{\n"
                     "  \"cniVersion\": \"1.0.0\",\n"
                     "  \"name\": \"%s\",\n"
                     "  \"plugins\": [\n"
                     "    {\n"
                     "      \"type\": \"bridge\",\n"
                     "      \"bridge\": \"%s\",\n"
                     "      \"isGateway\": true,\n"
                     "      \"ipMasq\": %s,\n"
                     "      \"hairpinMode\": true,\n"
                     "      \"ipam\": {\n"
                     "        \"type\": \"host-local\",\n"
                     "        \"ranges\": [[{ \"subnet\": \"%s\", \"gateway\": \"%s\" }]]%s\n"
                     "      }\n"
                     "    },\n"
                     "    { \"type\": \"portmap\", \"capabilities\": { \"portMappings\": true } },\n"
                     "    { \"type\": \"firewall\", \"backend\": \"iptables\" },\n"
                     "    { \"type\": \"tuning\", \"capabilities\": { \"mac\": true } }\n"
                     "  ]\n"
                     "}\n",
                     name, bridge, internal ? "false" : "true", subnet, gateway,
                     internal ? "" : ",\n        \"routes\": [{ \"dst\": \"0.0.0.0/0\" }]");
}

static bool name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '_' || *p == '.'))
            return false;
    return true;
}

int netconf_create(struct cni_net **out, const char *dir, const struct netconf_new *nn, congo_error *err)
{
    struct cni_net **nets = NULL;
    size_t n = 0;
    _cleanup_free_ char *subnet = NULL, *gateway = NULL, *bridge = NULL, *text = NULL, *file = NULL;
    _cleanup_close_ int dfd = -1;
    uint32_t addr, gw;
    int prefix, r;

    if (!name_valid(nn->name))
        return congo_error_set(err, 0, "network name `%s`: expected letters, digits, `-`, `_` and `.`, at most 64",
                               nn->name);
    if (strcmp(nn->name, "bridge") == 0 || strcmp(nn->name, "host") == 0 || strcmp(nn->name, "none") == 0 ||
        strncmp(nn->name, "container:", 10) == 0)
        return congo_error_set(err, 0, "network name `%s` is reserved (a --network mode)", nn->name);
    r = mkdir_p_at(AT_FDCWD, dir, 0755, err);
    if (r < 0)
        return congo_error_wrap(err, r, "create `%s`", dir);
    r = netconf_list(&nets, &n, dir, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++)
        if (strcmp(nets[i]->name, nn->name) == 0) {
            r = congo_error_set(err, 0, "network `%s` already exists (%s)", nn->name, nets[i]->path);
            goto out;
        }
    if (nn->subnet) {
        if (netconf_parse_cidr(nn->subnet, &addr, &prefix) < 0 || prefix > 30) {
            r = congo_error_set(err, 0, "--subnet `%s`: expected an IPv4 network A.B.C.D/N with N at most 30",
                                nn->subnet);
            goto out;
        }
        if (addr & ~mask_of(prefix)) {
            r = congo_error_set(err, 0, "--subnet `%s`: host bits are set (expected %s/%d)", nn->subnet,
                                ip4_text(addr & mask_of(prefix)).s, prefix);
            goto out;
        }
    } else {
        /* The first free 10.78.N.0/24. */
        prefix = 24;
        addr = 0;
        for (uint32_t k = 0; k < 256 && !addr; k++) {
            uint32_t cand = (10u << 24) | (78u << 16) | (k << 8);
            bool used = false;
            for (size_t i = 0; i < n && !used; i++) {
                uint32_t a2;
                int p2;
                const char *s = cni_net_subnet(nets[i]);
                if (s && netconf_parse_cidr(s, &a2, &p2) == 0) {
                    uint32_t m = mask_of(p2 < 24 ? p2 : 24);
                    used = (a2 & m) == (cand & m);
                }
            }
            if (!used)
                addr = cand;
        }
        if (!addr) {
            r = congo_error_set(err, 0, "no free subnet in 10.78.0.0/16: give one with --subnet");
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t a2;
        int p2;
        const char *s = cni_net_subnet(nets[i]);
        if (!s || netconf_parse_cidr(s, &a2, &p2) < 0)
            continue;
        uint32_t m = mask_of(p2 < prefix ? p2 : prefix);
        if ((a2 & m) == (addr & m)) {
            subnet = xasprintf("%s/%d", ip4_text(addr).s, prefix);
            r = congo_error_set(err, 0, "--subnet `%s` overlaps network `%s` (%s)", subnet, nets[i]->name, s);
            goto out;
        }
    }
    subnet = xasprintf("%s/%d", ip4_text(addr).s, prefix);
    if (nn->gateway) {
        if (netconf_parse_ip4(nn->gateway, &gw) < 0 || (gw & mask_of(prefix)) != addr || gw == addr ||
            gw == (addr | ~mask_of(prefix))) {
            r = congo_error_set(err, 0, "--gateway `%s`: expected a host address of the subnet %s", nn->gateway,
                                subnet);
            goto out;
        }
    } else {
        gw = addr + 1;
    }
    gateway = xstrdup(ip4_text(gw).s);
    if (nn->bridge) {
        bridge = xstrdup(nn->bridge);
    } else {
        /* A bridge name fits IFNAMSIZ (15): congo- and 8 hex digits of the name's hash. */
        uint32_t h = 2166136261u;
        for (const char *p = nn->name; *p; p++)
            h = (h ^ (unsigned char) *p) * 16777619u;
        bridge = xasprintf("congo-%08x", h);
    }
    text = bridge_conflist(nn->name, bridge, subnet, gateway, nn->internal);
    file = xasprintf("%s.conflist", nn->name);
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        r = congo_error_errno(err, "open `%s`", dir);
        goto out;
    }
    if (faccessat(dfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
        r = congo_error_set(err, 0, "`%s/%s` exists (and does not define network `%s`)", dir, file, nn->name);
        goto out;
    }
    r = write_file_atomic_at(dfd, file, text, strlen(text), 0644, err);
    if (r < 0) {
        r = congo_error_wrap(err, r, "write `%s/%s`", dir, file);
        goto out;
    }
    if (out) {
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
        r = cni_net_parse(out, path, text, err);
    }
out:
    netconf_list_free(nets, n);
    return r;
}

int netconf_load(struct cni_net **out, const char *dir, const char *name, congo_error *err)
{
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_free_ char *file = xasprintf("%s.conflist", name);
    struct cni_net **nets = NULL;
    size_t n = 0;
    int r;

    /* NAME.conflist first: a file that does not parse is reported. */
    if (dfd >= 0 && faccessat(dfd, file, F_OK, 0) == 0) {
        struct cni_net *net = NULL;
        r = read_net(&net, dfd, dir, file, err);
        if (r < 0)
            return r;
        if (strcmp(net->name, name) == 0) {
            *out = net;
            return 0;
        }
        cni_net_free(net);
    }
    r = netconf_list(&nets, &n, dir, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++)
        if (strcmp(nets[i]->name, name) == 0) {
            *out = steal_pointer(&nets[i]);
            netconf_list_free(nets, n);
            return 0;
        }
    netconf_list_free(nets, n);
    if (strcmp(name, CONGO_DEFAULT_NETWORK) == 0) {
        struct netconf_new nn = { .name = CONGO_DEFAULT_NETWORK, .subnet = CONGO_DEFAULT_SUBNET,
                                  .bridge = CONGO_DEFAULT_BRIDGE };
        r = netconf_create(out, dir, &nn, err);
        if (r < 0)
            return congo_error_wrap(err, r, "write the default network `%s`", name);
        return 0;
    }
    return congo_error_set(err, 0, "network `%s` not found in `%s`", name, dir);
}
