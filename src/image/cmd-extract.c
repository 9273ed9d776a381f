/* congo-image extract: make an OCI bundle from an image. */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "image/bundle.h"
#include "image/image-command.h"
#include "image/json.h"
#include "image/pull.h"
#include "libcongo/utils.h"

static const char extract_usage[] =
    "Usage: congo-image extract [OPTIONS] REF [-- CMD [ARGS...]]\n"
    "\n"
    "Make an OCI bundle from an image: config.json from the image config and its rootfs\n"
    "mounted as an overlay of the image's layers (unpacked once in the store).  Prints the\n"
    "bundle directory.  The image is pulled first when it is not in the store.\n"
    "\n"
    "  -b, --bundle DIR        the bundle directory (default: STORE/bundles/NAME)\n"
    "  --name NAME             bundle name and default hostname (default: IMAGE-RANDOM)\n"
    "  --copy                  copy the layers into rootfs instead of an overlay mount\n"
    "  -t, --tty               the process gets a terminal\n"
    "  -e, --env KEY=VALUE     set an environment variable (repeatable)\n"
    "  -u, --user USER[:GROUP] run as this user (resolved in the image's /etc/passwd)\n"
    "  -w, --workdir DIR       working directory\n"
    "  --entrypoint CMD        replace the image's Entrypoint (\"\" for none)\n"
    "  --hostname NAME         container hostname\n"
    "  -m, --memory BYTES      memory limit (suffixes k, m, g)\n"
    "  --platform OS/ARCH[/VARIANT]  which image of a multi-platform index\n"
    "  --pull missing|always|never   when to pull (default missing)\n"
    "  --tls-ca FILE, --tls-verify=false, --creds USER:PASSWORD, -q   as for pull\n"
    "\n"
    "The options of `congo run IMAGE` (docker's meaning):\n"
    "  --env-file FILE         KEY=VALUE lines (a bare KEY takes the caller's value)\n"
    "  -v, --volume HOST:CTR[:ro|rw]   bind HOST (an existing absolute path)\n"
    "  --mount type=bind,source=HOST,target=CTR[,readonly][,bind-propagation=P]\n"
    "  --mount type=tmpfs,target=CTR[,tmpfs-size=BYTES][,tmpfs-mode=OCTAL]\n"
    "  --tmpfs CTR[:OPTIONS]   a tmpfs (noexec,nosuid,nodev then OPTIONS)\n"
    "  --read-only             read-only root filesystem\n"
    "  --memory-swap BYTES     memory + swap (-1: unlimited)\n"
    "  --cpus N                CPU quota in CPUs (0.5: half of one)\n"
    "  --pids-limit N          at most N tasks (0 or -1: unlimited)\n"
    "  --cap-add CAP, --cap-drop CAP   change docker's default set (ALL: every one)\n"
    "  --privileged            every capability and host device, no masked paths\n"
    "  --security-opt no-new-privileges[=true|false] | seccomp=FILE | seccomp=unconfined\n"
    "  --device HOST[:CTR][:rwm]   a host device node\n"
    "  --sysctl KEY=VALUE      a namespaced sysctl (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)\n"
    "  --ulimit NAME=SOFT[:HARD]   an rlimit (nofile, nproc, core, memlock, stack...; -1: unlimited)\n"
    "  --init                  run tini (Debian's tini-static) as PID 1\n"
    "  --label KEY=VALUE       an annotation of the bundle\n";

struct extract_cli {
    struct bundle_opts b;
    char **env, **env_file;
    size_t nenv, nenv_file;
    char **labels, **sysctls, **cap_add, **cap_drop;
    size_t nlabels, nsysctls, ncap_add, ncap_drop;
    struct platform platform;
    bool have_platform, quiet;
    const char *pull;
    struct pull_opts po;
    struct auth_creds creds;
    bool have_creds;
};

enum { OPT_NAME = 1000, OPT_COPY, OPT_ENTRYPOINT, OPT_HOSTNAME, OPT_PLATFORM, OPT_PULL, OPT_TLS_CA, OPT_TLS_VERIFY,
       OPT_CREDS, OPT_ENV_FILE, OPT_MOUNT, OPT_TMPFS, OPT_READ_ONLY, OPT_MEMORY_SWAP, OPT_CPUS, OPT_PIDS_LIMIT,
       OPT_CAP_ADD, OPT_CAP_DROP, OPT_PRIVILEGED, OPT_SECURITY_OPT, OPT_DEVICE, OPT_SYSCTL, OPT_ULIMIT, OPT_INIT,
       OPT_LABEL };

static const struct option extract_longopts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "name", required_argument, NULL, OPT_NAME },
    { "copy", no_argument, NULL, OPT_COPY },
    { "tty", no_argument, NULL, 't' },
    { "env", required_argument, NULL, 'e' },
    { "user", required_argument, NULL, 'u' },
    { "workdir", required_argument, NULL, 'w' },
    { "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
    { "hostname", required_argument, NULL, OPT_HOSTNAME },
    { "memory", required_argument, NULL, 'm' },
    { "platform", required_argument, NULL, OPT_PLATFORM },
    { "pull", required_argument, NULL, OPT_PULL },
    { "tls-ca", required_argument, NULL, OPT_TLS_CA },
    { "tls-verify", optional_argument, NULL, OPT_TLS_VERIFY },
    { "creds", required_argument, NULL, OPT_CREDS },
    { "quiet", no_argument, NULL, 'q' },
    { "env-file", required_argument, NULL, OPT_ENV_FILE },
    { "volume", required_argument, NULL, 'v' },
    { "mount", required_argument, NULL, OPT_MOUNT },
    { "tmpfs", required_argument, NULL, OPT_TMPFS },
    { "read-only", no_argument, NULL, OPT_READ_ONLY },
    { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
    { "cpus", required_argument, NULL, OPT_CPUS },
    { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
    { "cap-add", required_argument, NULL, OPT_CAP_ADD },
    { "cap-drop", required_argument, NULL, OPT_CAP_DROP },
    { "privileged", no_argument, NULL, OPT_PRIVILEGED },
    { "security-opt", required_argument, NULL, OPT_SECURITY_OPT },
    { "device", required_argument, NULL, OPT_DEVICE },
    { "sysctl", required_argument, NULL, OPT_SYSCTL },
    { "ulimit", required_argument, NULL, OPT_ULIMIT },
    { "init", no_argument, NULL, OPT_INIT },
    { "label", required_argument, NULL, OPT_LABEL },
    {},
};

static int parse_bytes(const char *flag, const char *s, int64_t *out, congo_error *err)
{
    char *end;
    unsigned long long v, mul = 1;
    if (!isdigit((unsigned char) *s))
        return congo_error_set(err, 0, "%s: `%s` is not a size in bytes (suffixes k, m, g)", flag, s);
    errno = 0;
    v = strtoull(s, &end, 10);
    switch (tolower((unsigned char) *end)) {
    case 'k': mul = 1ull << 10; end++; break;
    case 'm': mul = 1ull << 20; end++; break;
    case 'g': mul = 1ull << 30; end++; break;
    }
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end || errno || v == 0 || v > (1ull << 62) / mul)
        return congo_error_set(err, 0, "%s: `%s` is not a size in bytes (suffixes k, m, g)", flag, s);
    *out = v * mul;
    return 0;
}

static void strv_add(char ***v, size_t *n, const char *s)
{
    *v = xrealloc(*v, (*n + 2) * sizeof **v);
    (*v)[(*n)++] = xstrdup(s);
    (*v)[*n] = NULL;
}

static struct bundle_mount *mount_add(struct extract_cli *x, const char *dest, const char *type, const char *source)
{
    struct bundle_mount *m;
    x->b.mounts = xrealloc(x->b.mounts, (x->b.n_mounts + 1) * sizeof *x->b.mounts);
    m = &x->b.mounts[x->b.n_mounts++];
    m->dest = xstrdup(dest);
    m->type = xstrdup(type);
    m->source = xstrdup(source);
    m->options = xnew0(char *, 1);
    return m;
}

static void mount_opt(struct bundle_mount *m, const char *o)
{
    size_t n = strv_length(m->options);
    strv_add(&m->options, &n, o);
}

static bool is_propagation(const char *o)
{
    static const char *const p[] = { "private", "rprivate", "shared", "rshared", "slave", "rslave" };
    for (size_t i = 0; i < ARRAY_SIZE(p); i++)
        if (strcmp(o, p[i]) == 0)
            return true;
    return false;
}

/* A container path: absolute, not the root, no `..`. */
static int check_target(const char *flag, const char *arg, const char *t, congo_error *err)
{
    if (t[0] != '/' || strcmp(t, "/") == 0 || strstr(t, "/../") || (strlen(t) >= 3 && !strcmp(t + strlen(t) - 3, "/..")))
        return congo_error_set(err, 0, "%s: `%s`: the container path `%s` must be absolute, not `/`, without `..`",
                               flag, arg, t);
    return 0;
}

static int check_source(const char *flag, const char *arg, const char *src, congo_error *err)
{
    struct stat st;
    if (src[0] != '/')
        return congo_error_set(err, 0, "%s: `%s`: the host path `%s` is not absolute (named volumes are not "
                               "supported)", flag, arg, src);
    if (stat(src, &st) < 0)
        return congo_error_errno(err, "%s: `%s`: the host path `%s`", flag, arg, src);
    return 0;
}

/* -v HOST:CTR[:OPTS] */
static int parse_volume(struct extract_cli *x, const char *arg, congo_error *err)
{
    _cleanup_free_ char *copy = xstrdup(arg);
    char *src = copy, *dst = strchr(copy, ':'), *opts = NULL;
    struct bundle_mount *m;
    int r;

    if (!dst)
        return congo_error_set(err, 0, "-v: `%s` is not HOST:CONTAINER[:ro|rw] (anonymous volumes are not "
                               "supported)", arg);
    *dst++ = '\0';
    if ((opts = strchr(dst, ':')))
        *opts++ = '\0';
    if ((r = check_source("-v", arg, src, err)) < 0 || (r = check_target("-v", arg, dst, err)) < 0)
        return r;
    _cleanup_strv_ char **keep = xnew0(char *, 1);
    size_t nkeep = 0;
    for (char *save = NULL, *o = opts ? strtok_r(opts, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save)) {
        if (strcmp(o, "ro") && strcmp(o, "rw") && !is_propagation(o) && strcmp(o, "z") && strcmp(o, "Z"))
            return congo_error_set(err, 0, "-v: `%s`: unknown option `%s` (ro, rw, or a propagation such as "
                                   "rprivate)", arg, o);
        /* z and Z (SELinux relabelling) are accepted and ignored. */
        if (strcmp(o, "z") && strcmp(o, "Z"))
            strv_add(&keep, &nkeep, o);
    }
    m = mount_add(x, dst, "bind", src);
    mount_opt(m, "rbind");
    for (size_t i = 0; i < nkeep; i++)
        mount_opt(m, keep[i]);
    return 0;
}

static bool bool_word(const char *v, bool *out)
{
    if (!v || !strcmp(v, "true") || !strcmp(v, "1"))
        return *out = true, true;
    if (!strcmp(v, "false") || !strcmp(v, "0"))
        return *out = false, true;
    return false;
}

/* --mount type=bind|tmpfs,source=,target=,readonly,bind-propagation=,tmpfs-size=,tmpfs-mode= */
static int parse_mount(struct extract_cli *x, const char *arg, congo_error *err)
{
    _cleanup_free_ char *copy = xstrdup(arg);
    const char *type = NULL, *src = NULL, *dst = NULL, *prop = NULL, *size = NULL, *mode = NULL;
    bool ro = false;
    struct bundle_mount *m;
    int r;

    for (char *save = NULL, *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *v = strchr(kv, '=');
        if (v)
            *v++ = '\0';
        if (!strcmp(kv, "type") && v)
            type = v;
        else if ((!strcmp(kv, "source") || !strcmp(kv, "src")) && v)
            src = v;
        else if ((!strcmp(kv, "target") || !strcmp(kv, "destination") || !strcmp(kv, "dst")) && v)
            dst = v;
        else if (!strcmp(kv, "readonly") || !strcmp(kv, "ro")) {
            if (!bool_word(v, &ro))
                return congo_error_set(err, 0, "--mount: `%s`: readonly takes true or false, not `%s`", arg, v);
        } else if (!strcmp(kv, "bind-propagation") && v && is_propagation(v))
            prop = v;
        else if (!strcmp(kv, "tmpfs-size") && v)
            size = v;
        else if (!strcmp(kv, "tmpfs-mode") && v && v[0] && strspn(v, "01234567") == strlen(v))
            mode = v;
        else
            return congo_error_set(err, 0, "--mount: `%s`: unknown or invalid field `%s%s%s`", arg, kv, v ? "=" : "",
                                   v ? v : "");
    }
    if (!type || (strcmp(type, "bind") && strcmp(type, "tmpfs")))
        return congo_error_set(err, 0, "--mount: `%s`: type must be bind or tmpfs (volumes are not supported)", arg);
    if (!dst)
        return congo_error_set(err, 0, "--mount: `%s`: no target", arg);
    if ((r = check_target("--mount", arg, dst, err)) < 0)
        return r;
    if (!strcmp(type, "bind")) {
        if (!src)
            return congo_error_set(err, 0, "--mount: `%s`: a bind mount needs source=", arg);
        if (size || mode)
            return congo_error_set(err, 0, "--mount: `%s`: tmpfs-size and tmpfs-mode are for type=tmpfs", arg);
        if ((r = check_source("--mount", arg, src, err)) < 0)
            return r;
        m = mount_add(x, dst, "bind", src);
        mount_opt(m, "rbind");
        mount_opt(m, ro ? "ro" : "rw");
        if (prop)
            mount_opt(m, prop);
        return 0;
    }
    if (src || prop)
        return congo_error_set(err, 0, "--mount: `%s`: source and bind-propagation are for type=bind", arg);
    m = mount_add(x, dst, "tmpfs", "tmpfs");
    mount_opt(m, "nosuid");
    mount_opt(m, "nodev");
    if (ro)
        mount_opt(m, "ro");
    if (size) {
        int64_t bytes;
        if ((r = parse_bytes("--mount tmpfs-size", size, &bytes, err)) < 0)
            return r;
        _cleanup_free_ char *o = xasprintf("size=%lld", (long long) bytes);
        mount_opt(m, o);
    }
    if (mode) {
        _cleanup_free_ char *o = xasprintf("mode=%s", mode);
        mount_opt(m, o);
    }
    return 0;
}

/* --tmpfs CTR[:OPTS] */
static int parse_tmpfs(struct extract_cli *x, const char *arg, congo_error *err)
{
    _cleanup_free_ char *copy = xstrdup(arg);
    char *opts = strchr(copy, ':');
    struct bundle_mount *m;
    int r;
    if (opts)
        *opts++ = '\0';
    if ((r = check_target("--tmpfs", arg, copy, err)) < 0)
        return r;
    m = mount_add(x, copy, "tmpfs", "tmpfs");
    mount_opt(m, "noexec");
    mount_opt(m, "nosuid");
    mount_opt(m, "nodev");
    for (char *save = NULL, *o = opts ? strtok_r(opts, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save))
        mount_opt(m, o);
    return 0;
}

/* --env-file FILE: docker's format. */
static int read_env_file(struct extract_cli *x, const char *path, congo_error *err)
{
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    int r = read_file_at(AT_FDCWD, path, 1 << 20, &data, &len, err);
    unsigned line = 0;
    if (r < 0)
        return congo_error_wrap(err, r, "--env-file `%s`", path);
    for (char *save = NULL, *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        line++;
        l += strspn(l, " \t");
        l[strcspn(l, "\r")] = '\0';
        if (!*l || *l == '#')
            continue;
        if (*l == '=')
            return congo_error_set(err, 0, "--env-file `%s`: line %u: `%s` has no variable name", path, line, l);
        if (!strchr(l, '=')) {
            const char *v = getenv(l);
            if (v) {
                _cleanup_free_ char *kv = xasprintf("%s=%s", l, v);
                strv_add(&x->env_file, &x->nenv_file, kv);
            }
            continue;
        }
        strv_add(&x->env_file, &x->nenv_file, l);
    }
    return 0;
}

static int parse_security_opt(struct extract_cli *x, const char *arg, congo_error *err)
{
    const char *v;
    bool b;
    if (!strcmp(arg, "no-new-privileges") || str_has_prefix(arg, "no-new-privileges=") ||
        str_has_prefix(arg, "no-new-privileges:")) {
        v = arg[17] ? arg + 18 : NULL;
        if (!bool_word(v, &b))
            return congo_error_set(err, 0, "--security-opt: `%s`: no-new-privileges takes true or false", arg);
        x->b.no_new_privileges = b;
        return 0;
    }
    if (str_has_prefix(arg, "seccomp=") || str_has_prefix(arg, "seccomp:")) {
        _cleanup_free_ char *data = NULL;
        size_t len;
        yajl_val tree = NULL;
        int r;
        v = arg + 8;
        if (x->b.seccomp) {
            yajl_tree_free(x->b.seccomp);
            x->b.seccomp = NULL;
        }
        if (!strcmp(v, "unconfined"))
            return 0;
        if ((r = read_file_at(AT_FDCWD, v, 4 << 20, &data, &len, err)) < 0)
            return congo_error_wrap(err, r, "--security-opt `%s`", arg);
        if ((r = json_parse(&tree, data, v, err)) < 0)
            return congo_error_wrap(err, r, "--security-opt seccomp");
        if (!YAJL_IS_OBJECT(tree) || !json_get(tree, "defaultAction")) {
            yajl_tree_free(tree);
            return congo_error_set(err, 0, "--security-opt seccomp: `%s` is not a seccomp profile (a JSON object "
                                   "with defaultAction)", v);
        }
        x->b.seccomp = tree;
        return 0;
    }
    return congo_error_set(err, 0, "--security-opt: `%s` is not supported (no-new-privileges, seccomp=FILE, "
                           "seccomp=unconfined)", arg);
}

/* --device HOST[:CTR][:PERMS] */
static int parse_device(struct extract_cli *x, const char *arg, congo_error *err)
{
    _cleanup_free_ char *copy = xstrdup(arg);
    char *host = copy, *ctr = NULL, *perms = NULL;
    struct bundle_device *d;
    struct stat st;
    int r;

    if ((ctr = strchr(copy, ':'))) {
        *ctr++ = '\0';
        if ((perms = strchr(ctr, ':')))
            *perms++ = '\0';
        else if (ctr[0] != '/')
            perms = ctr, ctr = NULL;
    }
    if (!ctr)
        ctr = host;
    if (perms && (!*perms || strspn(perms, "rwm") != strlen(perms) || strlen(perms) > 3))
        return congo_error_set(err, 0, "--device: `%s`: permissions `%s` are not of r, w, m", arg, perms);
    if (host[0] != '/')
        return congo_error_set(err, 0, "--device: `%s`: `%s` is not an absolute path", arg, host);
    if ((r = check_target("--device", arg, ctr, err)) < 0)
        return r;
    if (stat(host, &st) < 0)
        return congo_error_errno(err, "--device: `%s`", host);
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
        return congo_error_set(err, 0, "--device: `%s` is not a character or block device", host);
    x->b.devices = xrealloc(x->b.devices, (x->b.n_devices + 1) * sizeof *x->b.devices);
    d = &x->b.devices[x->b.n_devices++];
    *d = (struct bundle_device) { .path = xstrdup(ctr), .type = S_ISCHR(st.st_mode) ? 'c' : 'b',
                                  .major = major(st.st_rdev), .minor = minor(st.st_rdev), .mode = st.st_mode & 07777,
                                  .uid = st.st_uid, .gid = st.st_gid };
    snprintf(d->access, sizeof d->access, "%s", perms ? perms : "rwm");
    return 0;
}

/* --sysctl KEY=VALUE: only namespaced ones (docker's list). */
static int parse_sysctl(struct extract_cli *x, const char *arg, congo_error *err)
{
    static const char *const prefixes[] = { "net.", "kernel.shm", "kernel.msg", "kernel.sem", "fs.mqueue." };
    const char *eq = strchr(arg, '=');
    size_t klen = eq ? (size_t) (eq - arg) : 0;
    bool ok = false;
    if (!eq || klen == 0 || strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") < klen)
        return congo_error_set(err, 0, "--sysctl: `%s` is not KEY=VALUE (such as net.ipv4.ip_forward=1)", arg);
    for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
        ok |= strncmp(arg, prefixes[i], strlen(prefixes[i])) == 0;
    if (!ok)
        return congo_error_set(err, 0, "--sysctl: `%s`: not a namespaced sysctl (net.*, kernel.shm*, kernel.msg*, "
                               "kernel.sem, fs.mqueue.*)", arg);
    strv_add(&x->sysctls, &x->nsysctls, arg);
    return 0;
}

static int parse_rlim(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    if (!strcmp(s, "-1") || !strcmp(s, "unlimited")) {
        *out = UINT64_MAX;
        return 0;
    }
    if (!isdigit((unsigned char) *s))
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (*end || errno)
        return -1;
    *out = v;
    return 0;
}

/* --ulimit NAME=SOFT[:HARD] */
static int parse_ulimit(struct extract_cli *x, const char *arg, congo_error *err)
{
    static const char *const names[][2] = {
        { "as", "RLIMIT_AS" }, { "core", "RLIMIT_CORE" }, { "cpu", "RLIMIT_CPU" }, { "data", "RLIMIT_DATA" },
        { "fsize", "RLIMIT_FSIZE" }, { "locks", "RLIMIT_LOCKS" }, { "memlock", "RLIMIT_MEMLOCK" },
        { "msgqueue", "RLIMIT_MSGQUEUE" }, { "nice", "RLIMIT_NICE" }, { "nofile", "RLIMIT_NOFILE" },
        { "nproc", "RLIMIT_NPROC" }, { "rss", "RLIMIT_RSS" }, { "rtprio", "RLIMIT_RTPRIO" },
        { "rttime", "RLIMIT_RTTIME" }, { "sigpending", "RLIMIT_SIGPENDING" }, { "stack", "RLIMIT_STACK" },
    };
    _cleanup_free_ char *copy = xstrdup(arg);
    char *val = strchr(copy, '='), *hard;
    const char *type = NULL;
    uint64_t soft, h;
    if (!val)
        return congo_error_set(err, 0, "--ulimit: `%s` is not NAME=SOFT[:HARD] (such as nofile=1024:2048)", arg);
    *val++ = '\0';
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (!strcmp(copy, names[i][0]))
            type = names[i][1];
    if (!type)
        return congo_error_set(err, 0, "--ulimit: `%s`: unknown limit `%s` (nofile, nproc, core, memlock, stack, ...)",
                               arg, copy);
    if ((hard = strchr(val, ':')))
        *hard++ = '\0';
    if (parse_rlim(val, &soft) < 0 || (hard && parse_rlim(hard, &h) < 0))
        return congo_error_set(err, 0, "--ulimit: `%s`: the limits must be numbers (-1: unlimited)", arg);
    if (!hard)
        h = soft;
    if (soft > h)
        return congo_error_set(err, 0, "--ulimit: `%s`: the soft limit is above the hard one", arg);
    for (size_t i = 0; i < x->b.n_rlimits; i++)
        if (x->b.rlimits[i].type == type) {
            x->b.rlimits[i].soft = soft, x->b.rlimits[i].hard = h;
            return 0;
        }
    x->b.rlimits = xrealloc(x->b.rlimits, (x->b.n_rlimits + 1) * sizeof *x->b.rlimits);
    x->b.rlimits[x->b.n_rlimits++] = (struct bundle_rlimit) { type, soft, h };
    return 0;
}

static int extract_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct extract_cli *x = data;
    switch (opt) {
    case 'b': x->b.dir = arg; return 0;
    case OPT_NAME: x->b.name = arg; return 0;
    case OPT_COPY: x->b.copy = true; return 0;
    case 't': x->b.tty = true; return 0;
    case 'e':
        if (arg[0] == '=' || arg[0] == '\0')
            return congo_error_set(err, 0, "--env: `%s` is not KEY=VALUE (or KEY)", arg);
        if (!strchr(arg, '=')) {
            /* docker: a bare KEY takes the caller's value, if it has one. */
            const char *v = getenv(arg);
            if (v) {
                _cleanup_free_ char *kv = xasprintf("%s=%s", arg, v);
                strv_add(&x->env, &x->nenv, kv);
            }
            return 0;
        }
        strv_add(&x->env, &x->nenv, arg);
        return 0;
    case 'u': x->b.user = arg; return 0;
    case 'w':
        if (arg[0] != '/')
            return congo_error_set(err, 0, "--workdir: `%s` is not an absolute path", arg);
        x->b.workdir = arg;
        return 0;
    case OPT_ENTRYPOINT: x->b.entrypoint = arg; return 0;
    case OPT_HOSTNAME: x->b.hostname = arg; return 0;
    case 'm': return parse_bytes("--memory", arg, &x->b.memory, err);
    case OPT_ENV_FILE: return read_env_file(x, arg, err);
    case 'v': return parse_volume(x, arg, err);
    case OPT_MOUNT: return parse_mount(x, arg, err);
    case OPT_TMPFS: return parse_tmpfs(x, arg, err);
    case OPT_READ_ONLY: x->b.read_only = true; return 0;
    case OPT_MEMORY_SWAP:
        if (strcmp(arg, "-1") == 0) {
            x->b.memory_swap = -1;
            return 0;
        }
        return parse_bytes("--memory-swap", arg, &x->b.memory_swap, err);
    case OPT_CPUS: {
        char *end;
        double v;
        errno = 0;
        v = strtod(arg, &end);
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        if (ncpu < 1)
            ncpu = 1;
        /* docker's bound: no more than the host has. */
        if (end == arg || *end || errno || !(v >= 0.01 && v <= (double) ncpu))
            return congo_error_set(err, 0, "--cpus: `%s` is not a number of CPUs from 0.01 to %ld (the CPUs online)",
                                   arg, ncpu);
        x->b.cpu_quota = (int64_t) (v * 100000 + 0.5);
        return 0;
    }
    case OPT_PIDS_LIMIT: {
        char *end;
        long long v;
        errno = 0;
        v = strtoll(arg, &end, 10);
        if (end == arg || *end || errno || v < -1)
            return congo_error_set(err, 0, "--pids-limit: `%s` is not a number of tasks (0 or -1: unlimited)", arg);
        x->b.pids_limit = v <= 0 ? -1 : v;
        return 0;
    }
    case OPT_CAP_ADD:
    case OPT_CAP_DROP: {
        const char *flag = opt == OPT_CAP_ADD ? "--cap-add" : "--cap-drop";
        int k = bundle_cap_index(arg);
        if (k < 0 && strcasecmp(arg, "ALL") != 0)
            return congo_error_set(err, 0, "%s: `%s` is not a capability (such as NET_ADMIN or CAP_SYS_TIME, or ALL)",
                                   flag, arg);
        if (opt == OPT_CAP_ADD)
            strv_add(&x->cap_add, &x->ncap_add, k < 0 ? "ALL" : bundle_cap_name(k));
        else
            strv_add(&x->cap_drop, &x->ncap_drop, k < 0 ? "ALL" : bundle_cap_name(k));
        return 0;
    }
    case OPT_PRIVILEGED: x->b.privileged = true; return 0;
    case OPT_SECURITY_OPT: return parse_security_opt(x, arg, err);
    case OPT_DEVICE: return parse_device(x, arg, err);
    case OPT_SYSCTL: return parse_sysctl(x, arg, err);
    case OPT_ULIMIT: return parse_ulimit(x, arg, err);
    case OPT_INIT: {
        static const char *const paths[] = { "/usr/bin/tini-static", "/usr/local/bin/tini-static", "/usr/bin/tini" };
        const char *env = getenv("CONGO_INIT_PATH");
        if (env && *env) {
            if (access(env, X_OK) < 0)
                return congo_error_errno(err, "--init: $CONGO_INIT_PATH `%s`", env);
            x->b.init_path = env;
            return 0;
        }
        for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
            if (access(paths[i], X_OK) == 0) {
                x->b.init_path = paths[i];
                return 0;
            }
        return congo_error_set(err, ENOENT, "--init: no /usr/bin/tini-static (apt-get install tini) and no "
                                            "$CONGO_INIT_PATH");
    }
    case OPT_LABEL:
        if (arg[0] == '=' || arg[0] == '\0')
            return congo_error_set(err, 0, "--label: `%s` is not KEY=VALUE", arg);
        strv_add(&x->labels, &x->nlabels, arg);
        return 0;
    case OPT_PLATFORM:
        if (x->have_platform)
            platform_free(&x->platform);
        x->have_platform = true;
        return platform_parse(&x->platform, arg, err);
    case OPT_PULL:
        if (strcmp(arg, "missing") && strcmp(arg, "always") && strcmp(arg, "never"))
            return congo_error_set(err, 0, "--pull: `%s` is not missing, always or never", arg);
        x->pull = arg;
        return 0;
    case OPT_TLS_CA: x->po.reg.tls_ca = arg; return 0;
    case OPT_TLS_VERIFY: return parse_bool_arg("--tls-verify", arg, &x->po.reg.tls_verify, err);
    case OPT_CREDS:
        if (x->have_creds)
            auth_creds_free(&x->creds);
        x->have_creds = true;
        return auth_creds_parse(&x->creds, arg, err);
    case 'q': x->quiet = true; return 0;
    }
    return 0;
}

int cmd_image_extract(struct image_global *g, int argc, char **argv, congo_error *err)
{
    static const struct image_cmd_opts opts = { extract_usage, "b:te:u:w:m:qv:", extract_longopts };
    struct extract_cli x = { .pull = "missing", .po.reg = { .tls_verify = true, .parallel = 6, .retries = 3 } };
    _cleanup_store_ struct store *s = NULL;
    _cleanup_free_ char *dir = NULL;
    struct store_image im = { 0 };
    const struct platform *plat;
    int first, r;

    r = image_parse(&opts, argc, argv, extract_opt, &x, &first, err);
    if (r == 0)
        r = image_require_args("extract", argc - first, 1, -1, "an image reference", err);
    if (r != 0)
        goto out;
    plat = x.have_platform ? &x.platform : NULL;
    /* docker: the --env-file variables first, -e over them. */
    for (size_t i = 0; i < x.nenv; i++)
        strv_add(&x.env_file, &x.nenv_file, x.env[i]);
    x.b.env = x.env_file;
    x.b.labels = x.labels;
    x.b.sysctls = x.sysctls;
    x.b.cap_add = x.cap_add;
    x.b.cap_drop = x.cap_drop;
    if (x.b.memory_swap > 0 && x.b.memory > 0 && x.b.memory_swap < x.b.memory) {
        r = congo_error_set(err, 0, "--memory-swap: %lld is below --memory %lld (it is memory + swap)",
                            (long long) x.b.memory_swap, (long long) x.b.memory);
        goto out;
    }
    if (x.b.memory_swap && !x.b.memory) {
        r = congo_error_set(err, 0, "--memory-swap needs --memory (it is memory + swap)");
        goto out;
    }
    if (argc - first > 1)
        x.b.args = argv + first + 1;
    if ((r = image_store_open(g, true, &s, err)) < 0 || (r = store_lock_gc(s, false, err)) < 0)
        goto out;
    if (strcmp(x.pull, "always") != 0)
        r = store_find_image(s, argv[first], plat, &im, err);
    if (strcmp(x.pull, "always") == 0 || (r == -ENOENT && strcmp(x.pull, "missing") == 0)) {
        char id[DIGEST_LEN + 1];
        _cleanup_free_ char *name = NULL;
        congo_error_clear(err);
        x.po.reg.progress = !x.quiet && isatty(STDERR_FILENO);
        x.po.reg.creds = x.have_creds ? &x.creds : NULL;
        x.po.platform = plat;
        if ((r = image_pull(s, argv[first], &x.po, id, &name, err)) < 0) {
            congo_error_wrap(err, r, "`%s` is not in the store; pulling it failed", argv[first]);
            goto out;
        }
        r = store_find_image(s, name, plat, &im, err);
    }
    if (r < 0)
        goto out;
    if ((r = bundle_create(s, &im, &x.b, &dir, err)) < 0)
        goto out;
    printf("%s\n", dir);
out:
    store_image_free(&im);
    strv_free(x.env);
    strv_free(x.env_file);
    strv_free(x.labels);
    strv_free(x.sysctls);
    strv_free(x.cap_add);
    strv_free(x.cap_drop);
    for (size_t i = 0; i < x.b.n_mounts; i++) {
        free(x.b.mounts[i].dest);
        free(x.b.mounts[i].type);
        free(x.b.mounts[i].source);
        strv_free(x.b.mounts[i].options);
    }
    free(x.b.mounts);
    for (size_t i = 0; i < x.b.n_devices; i++)
        free(x.b.devices[i].path);
    free(x.b.devices);
    free(x.b.rlimits);
    if (x.b.seccomp)
        yajl_tree_free(x.b.seccomp);
    if (x.have_platform)
        platform_free(&x.platform);
    if (x.have_creds)
        auth_creds_free(&x.creds);
    return r < 0 ? r : 0;
}
