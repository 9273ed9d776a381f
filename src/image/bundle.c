/* OCI bundles made from images (see bundle.h). */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/xattr.h>

#include "image/bundle.h"
#include "image/json.h"
#include "image/unpack.h"
#include "image/user.h"
#include "image/whiteout.h"
#include "libcongo/log.h"
#include "libcongo/utils.h"

#define MARK_MAX (1u << 20)

bool bundle_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 128)
        return false;
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= '0' && name[0] <= '9')))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return false;
    }
    return true;
}

static bool hostname_valid(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 63 || h[0] == '-' || h[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

static void random_hex(char *out, size_t nbytes)
{
    unsigned char buf[32];
    static const char hex[] = "0123456789abcdef";
    if (nbytes > sizeof buf)
        nbytes = sizeof buf;
    if (getrandom(buf, nbytes, 0) != (ssize_t) nbytes)
        for (size_t i = 0; i < nbytes; i++)
            buf[i] = (unsigned char) random();
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hex[buf[i] >> 4];
        out[2 * i + 1] = hex[buf[i] & 15];
    }
    out[2 * nbytes] = '\0';
}

/* config.json */

static const char *const default_caps[] = {
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",   "CAP_FOWNER",           "CAP_MKNOD",       "CAP_NET_RAW",
    "CAP_SETGID", "CAP_SETUID",       "CAP_SETFCAP",  "CAP_SETPCAP",          "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL",     "CAP_AUDIT_WRITE",
};

static const char *const all_caps[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
    "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

int bundle_cap_index(const char *name)
{
    if (strncasecmp(name, "CAP_", 4) == 0)
        name += 4;
    for (size_t i = 0; i < ARRAY_SIZE(all_caps); i++)
        if (strcasecmp(all_caps[i] + 4, name) == 0)
            return (int) i;
    return -1;
}

const char *bundle_cap_name(int index)
{
    return index >= 0 && (size_t) index < ARRAY_SIZE(all_caps) ? all_caps[index] : NULL;
}

/* The capabilities --privileged and --cap-add ALL give: those this kernel
 * knows and the caller holds in its bounding set (a runtime refuses what it
 * cannot grant; docker's "all" is the same where the host has them all). */
static void all_caps_held(bool *set)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    unsigned long long bnd = ~0ull;
    int last = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "CapBnd: %llx", &bnd) == 1)
            break;
    _cleanup_fclose_ FILE *k = fopen("/proc/sys/kernel/cap_last_cap", "re");
    if (!k || fscanf(k, "%d", &last) != 1 || last < 0)
        last = (int) ARRAY_SIZE(all_caps) - 1;
    for (size_t i = 0; i < ARRAY_SIZE(all_caps); i++)
        set[i] = (int) i <= last && ((bnd >> i) & 1);
}

/* The capability set: docker's default (all with --privileged), then
 * --cap-add (ALL: every one), then --cap-drop (ALL: none but the added). */
static size_t effective_caps(const struct bundle_opts *o, const char **out)
{
    bool set[ARRAY_SIZE(all_caps)] = { false };
    size_t n = 0;
    bool add_all = o->privileged, drop_all = false;
    for (size_t i = 0; o->cap_add && o->cap_add[i]; i++)
        add_all |= strcasecmp(o->cap_add[i], "ALL") == 0;
    for (size_t i = 0; o->cap_drop && o->cap_drop[i]; i++)
        drop_all |= strcasecmp(o->cap_drop[i], "ALL") == 0;
    if (add_all)
        all_caps_held(set);
    else
        for (size_t i = 0; i < ARRAY_SIZE(default_caps); i++)
            set[bundle_cap_index(default_caps[i])] = true;
    if (drop_all && !o->privileged)
        memset(set, 0, sizeof set);
    for (size_t i = 0; o->cap_add && o->cap_add[i]; i++) {
        int k = bundle_cap_index(o->cap_add[i]);
        if (k >= 0)
            set[k] = true;
    }
    for (size_t i = 0; !o->privileged && o->cap_drop && o->cap_drop[i]; i++) {
        int k = bundle_cap_index(o->cap_drop[i]);
        if (k >= 0)
            set[k] = false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(all_caps); i++)
        if (set[i])
            out[n++] = all_caps[i];
    return n;
}

static const char *const masked_paths[] = {
    "/proc/asound", "/proc/acpi",      "/proc/kcore",       "/proc/keys",    "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
    "/sys/devices/virtual/powercap",
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static void gen_strs(yajl_gen g, const char *const *v, size_t n)
{
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++)
        json_gen_str(g, v[i]);
    yajl_gen_array_close(g);
}

static void gen_strv(yajl_gen g, char *const *v)
{
    gen_strs(g, (const char *const *) v, strv_length(v));
}

static void gen_mount(yajl_gen g, const char *dest, const char *type, const char *source, const char *const *opts,
                      size_t n)
{
    yajl_gen_map_open(g);
    json_gen_kv(g, "destination", dest);
    json_gen_kv(g, "type", type);
    json_gen_kv(g, "source", source);
    if (n) {
        json_gen_str(g, "options");
        gen_strs(g, opts, n);
    }
    yajl_gen_map_close(g);
}

static void gen_device_rule(yajl_gen g, bool allow, char type, int64_t major, int64_t minor, const char *access)
{
    char t[2] = { type, '\0' };
    yajl_gen_map_open(g);
    json_gen_str(g, "allow");
    yajl_gen_bool(g, allow);
    if (type)
        json_gen_kv(g, "type", t);
    if (major >= 0) {
        json_gen_str(g, "major");
        json_gen_int(g, major);
    }
    if (minor >= 0) {
        json_gen_str(g, "minor");
        json_gen_int(g, minor);
    }
    json_gen_kv(g, "access", access);
    yajl_gen_map_close(g);
}

static void gen_device(yajl_gen g, const char *path, char type, int64_t major, int64_t minor, uint32_t mode,
                       uint32_t uid, uint32_t gid)
{
    char t[2] = { type, '\0' };
    yajl_gen_map_open(g);
    json_gen_kv(g, "path", path);
    json_gen_kv(g, "type", t);
    json_gen_str(g, "major");
    json_gen_int(g, major);
    json_gen_str(g, "minor");
    json_gen_int(g, minor);
    json_gen_str(g, "fileMode");
    json_gen_int(g, mode);
    json_gen_str(g, "uid");
    json_gen_int(g, uid);
    json_gen_str(g, "gid");
    json_gen_int(g, gid);
    yajl_gen_map_close(g);
}

/* --privileged: the host's device nodes directly under /dev (docker gives
 * them all), less those every container gets anyway. */
static void gen_host_devices(yajl_gen g)
{
    static const char *const skip[] = { "null", "zero", "full", "random", "urandom", "tty", "console", "ptmx" };
    _cleanup_closedir_ DIR *d = opendir("/dev");
    struct dirent *de;
    while (d && (de = readdir(d))) {
        struct stat st;
        bool skipped = false;
        for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
            skipped |= strcmp(de->d_name, skip[i]) == 0;
        if (skipped || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
            continue;
        _cleanup_free_ char *path = xasprintf("/dev/%s", de->d_name);
        gen_device(g, path, S_ISCHR(st.st_mode) ? 'c' : 'b', major(st.st_rdev), minor(st.st_rdev),
                   st.st_mode & 07777, st.st_uid, st.st_gid);
    }
}

/* Add or replace KEY=VALUE in an environment vector. */
static void env_set(char ***envp, size_t *n, const char *kv, bool replace)
{
    const char *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t) (eq - kv) : strlen(kv);
    char **env = *envp;
    for (size_t i = 0; i < *n; i++) {
        if (strncmp(env[i], kv, klen) == 0 && (env[i][klen] == '=' || env[i][klen] == '\0')) {
            if (replace) {
                free(env[i]);
                env[i] = xstrdup(kv);
            }
            return;
        }
    }
    env = xrealloc(env, (*n + 2) * sizeof *env);
    env[(*n)++] = xstrdup(kv);
    env[*n] = NULL;
    *envp = env;
}

static int build_args(const struct store_image *im, const struct bundle_opts *o, char ***out, congo_error *err)
{
    char **args = NULL;
    size_t n = 0;
    char *const *ep = im->config.entrypoint;
    char *const *cmd = o->args ? o->args : im->config.cmd;
    char *single[2] = { NULL, NULL };

    if (o->entrypoint) {
        single[0] = (char *) o->entrypoint;
        ep = *o->entrypoint ? single : NULL;
        /* A new entrypoint drops the image's Cmd (as docker does). */
        if (!o->args)
            cmd = NULL;
    }
    args = xnew0(char *, strv_length(ep) + strv_length(cmd) + 3);
    if (o->init_path) {
        /* docker's --init: tini runs as PID 1 and reaps; `--` ends its options. */
        args[n++] = xstrdup("/sbin/docker-init");
        args[n++] = xstrdup("--");
    }
    for (size_t i = 0; ep && ep[i]; i++)
        args[n++] = xstrdup(ep[i]);
    for (size_t i = 0; cmd && cmd[i]; i++)
        args[n++] = xstrdup(cmd[i]);
    if (n == (o->init_path ? 2u : 0u)) {
        strv_free(args);
        return congo_error_set(err, 0, "the image has no Entrypoint or Cmd: give a command after `--`");
    }
    *out = args;
    return 0;
}

/* --security-opt seccomp=FILE takes docker's profile format: the OCI
 * fields, plus `archMap` (the native architecture and its sub-architectures
 * become `architectures`) and per-rule `includes`/`excludes` conditions on
 * the container's capabilities, the architecture and the kernel, which
 * docker resolves before handing the profile to the runtime; so does congo. */
#if defined(__x86_64__)
#define NATIVE_SCMP "SCMP_ARCH_X86_64"
#define NATIVE_GOARCH "amd64"
#elif defined(__aarch64__)
#define NATIVE_SCMP "SCMP_ARCH_AARCH64"
#define NATIVE_GOARCH "arm64"
#elif defined(__i386__)
#define NATIVE_SCMP "SCMP_ARCH_X86"
#define NATIVE_GOARCH "386"
#elif defined(__arm__)
#define NATIVE_SCMP "SCMP_ARCH_ARM"
#define NATIVE_GOARCH "arm"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_SCMP "SCMP_ARCH_PPC64LE"
#define NATIVE_GOARCH "ppc64le"
#elif defined(__s390x__)
#define NATIVE_SCMP "SCMP_ARCH_S390X"
#define NATIVE_GOARCH "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_SCMP "SCMP_ARCH_RISCV64"
#define NATIVE_GOARCH "riscv64"
#else
#define NATIVE_SCMP ""
#define NATIVE_GOARCH ""
#endif

static bool str_in_array(yajl_val arr, const char *s, bool nocase)
{
    if (!YAJL_IS_ARRAY(arr))
        return false;
    for (size_t i = 0; i < arr->u.array.len; i++) {
        const char *v = YAJL_GET_STRING(arr->u.array.values[i]);
        if (v && (nocase ? strcasecmp(v, s) : strcmp(v, s)) == 0)
            return true;
    }
    return false;
}

static bool kernel_at_least(const char *want)
{
    struct utsname u;
    unsigned a = 0, b = 0, x = 0, y = 0;
    if (!want || sscanf(want, "%u.%u", &a, &b) < 1 || uname(&u) < 0 || sscanf(u.release, "%u.%u", &x, &y) < 1)
        return true;
    return x > a || (x == a && y >= b);
}

static bool caps_hold(yajl_val arr, const char *const *caps, size_t ncaps, bool all)
{
    if (!YAJL_IS_ARRAY(arr) || arr->u.array.len == 0)
        return all;
    for (size_t i = 0; i < arr->u.array.len; i++) {
        const char *c = YAJL_GET_STRING(arr->u.array.values[i]);
        bool held = false;
        for (size_t k = 0; c && k < ncaps; k++)
            held |= strcasecmp(caps[k], c) == 0;
        if (all && !held)
            return false;
        if (!all && held)
            return true;
    }
    return all;
}

static bool seccomp_rule_applies(yajl_val rule, const char *const *caps, size_t ncaps)
{
    yajl_val inc = json_get(rule, "includes"), exc = json_get(rule, "excludes");
    if (YAJL_IS_OBJECT(inc)) {
        yajl_val arches = json_get(inc, "arches");
        if (!caps_hold(json_get(inc, "caps"), caps, ncaps, true))
            return false;
        if (YAJL_IS_ARRAY(arches) && arches->u.array.len && !str_in_array(arches, NATIVE_GOARCH, false))
            return false;
        if (!kernel_at_least(YAJL_GET_STRING(json_get(inc, "minKernel"))))
            return false;
    }
    if (YAJL_IS_OBJECT(exc)) {
        if (caps_hold(json_get(exc, "caps"), caps, ncaps, false))
            return false;
        if (str_in_array(json_get(exc, "arches"), NATIVE_GOARCH, false))
            return false;
    }
    return true;
}

static void gen_seccomp(yajl_gen g, yajl_val p, const char *const *caps, size_t ncaps)
{
    yajl_val archmap = json_get(p, "archMap");
    yajl_gen_map_open(g);
    for (size_t i = 0; i < p->u.object.len; i++) {
        const char *k = p->u.object.keys[i];
        yajl_val v = p->u.object.values[i];
        if (!strcmp(k, "archMap") || !strcmp(k, "comment"))
            continue;
        if (!strcmp(k, "syscalls") && YAJL_IS_ARRAY(v)) {
            json_gen_str(g, k);
            yajl_gen_array_open(g);
            for (size_t r = 0; r < v->u.array.len; r++) {
                yajl_val rule = v->u.array.values[r];
                if (!YAJL_IS_OBJECT(rule)) {
                    json_gen_value(g, rule);
                    continue;
                }
                if (!seccomp_rule_applies(rule, caps, ncaps))
                    continue;
                yajl_gen_map_open(g);
                for (size_t f = 0; f < rule->u.object.len; f++) {
                    const char *rk = rule->u.object.keys[f];
                    if (!strcmp(rk, "includes") || !strcmp(rk, "excludes") || !strcmp(rk, "comment"))
                        continue;
                    json_gen_str(g, rk);
                    json_gen_value(g, rule->u.object.values[f]);
                }
                yajl_gen_map_close(g);
            }
            yajl_gen_array_close(g);
            continue;
        }
        json_gen_str(g, k);
        json_gen_value(g, v);
    }
    if (YAJL_IS_ARRAY(archmap) && !json_get(p, "architectures")) {
        json_gen_str(g, "architectures");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < archmap->u.array.len; i++) {
            yajl_val e = archmap->u.array.values[i];
            const char *a = YAJL_GET_STRING(json_get(e, "architecture"));
            yajl_val subs = json_get(e, "subArchitectures");
            if (!a || strcmp(a, NATIVE_SCMP) != 0)
                continue;
            json_gen_str(g, a);
            for (size_t k = 0; YAJL_IS_ARRAY(subs) && k < subs->u.array.len; k++)
                if (YAJL_GET_STRING(subs->u.array.values[k]))
                    json_gen_str(g, YAJL_GET_STRING(subs->u.array.values[k]));
        }
        yajl_gen_array_close(g);
    }
    yajl_gen_map_close(g);
}

static int gen_config(const struct store_image *im, const struct bundle_opts *o, const struct resolved_user *u,
                      const char *hostname, char **out, size_t *len, congo_error *err)
{
    _cleanup_gen_ yajl_gen g = json_gen_new(true);
    _cleanup_strv_ char **args = NULL, **env = NULL;
    _cleanup_free_ char *cwd = NULL, *hostenv = NULL;
    const struct image_config *c = &im->config;
    size_t nenv = 0;
    bool has_path = false;
    int r;

    const char *caps[ARRAY_SIZE(all_caps)];
    size_t ncaps = effective_caps(o, caps);

    if ((r = build_args(im, o, &args, err)) < 0)
        return r;
    env = xnew0(char *, 1);
    for (size_t i = 0; c->env && c->env[i]; i++) {
        env_set(&env, &nenv, c->env[i], true);
        has_path |= str_has_prefix(c->env[i], "PATH=");
    }
    if (!has_path)
        env_set(&env, &nenv, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", false);
    hostenv = xasprintf("HOSTNAME=%s", hostname);
    env_set(&env, &nenv, hostenv, false);
    if (o->tty)
        env_set(&env, &nenv, "TERM=xterm", false);
    {
        _cleanup_free_ char *home = xasprintf("HOME=%s", u->home ? u->home : "/");
        env_set(&env, &nenv, home, false);
    }
    for (size_t i = 0; o->env && o->env[i]; i++)
        env_set(&env, &nenv, o->env[i], true);

    cwd = xstrdup(o->workdir && *o->workdir ? o->workdir : c->working_dir && *c->working_dir ? c->working_dir : "/");
    if (cwd[0] != '/') {
        char *a = xasprintf("/%s", cwd);
        free(cwd);
        cwd = a;
    }

    yajl_gen_map_open(g);
    json_gen_kv(g, "ociVersion", "1.2.0");

    json_gen_str(g, "process");
    yajl_gen_map_open(g);
    json_gen_str(g, "terminal");
    yajl_gen_bool(g, o->tty);
    json_gen_str(g, "user");
    yajl_gen_map_open(g);
    json_gen_str(g, "uid");
    json_gen_int(g, u->uid);
    json_gen_str(g, "gid");
    json_gen_int(g, u->gid);
    if (u->n_gids) {
        json_gen_str(g, "additionalGids");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < u->n_gids; i++)
            json_gen_int(g, u->gids[i]);
        yajl_gen_array_close(g);
    }
    yajl_gen_map_close(g);
    json_gen_str(g, "args");
    gen_strv(g, args);
    json_gen_str(g, "env");
    gen_strv(g, env);
    json_gen_kv(g, "cwd", cwd);
    {
        json_gen_str(g, "capabilities");
        yajl_gen_map_open(g);
        json_gen_str(g, "bounding");
        gen_strs(g, caps, ncaps);
        json_gen_str(g, "effective");
        gen_strs(g, caps, ncaps);
        json_gen_str(g, "permitted");
        gen_strs(g, caps, ncaps);
        yajl_gen_map_close(g);
    }
    json_gen_str(g, "noNewPrivileges");
    yajl_gen_bool(g, o->no_new_privileges);
    if (o->n_rlimits) {
        json_gen_str(g, "rlimits");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < o->n_rlimits; i++) {
            yajl_gen_map_open(g);
            json_gen_kv(g, "type", o->rlimits[i].type);
            /* uint64: RLIM_INFINITY does not fit json_gen_int. */
            char num[32];
            json_gen_str(g, "hard");
            snprintf(num, sizeof num, "%llu", (unsigned long long) o->rlimits[i].hard);
            yajl_gen_number(g, num, strlen(num));
            json_gen_str(g, "soft");
            snprintf(num, sizeof num, "%llu", (unsigned long long) o->rlimits[i].soft);
            yajl_gen_number(g, num, strlen(num));
            yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
    }
    yajl_gen_map_close(g);

    json_gen_str(g, "root");
    yajl_gen_map_open(g);
    json_gen_kv(g, "path", "rootfs");
    json_gen_str(g, "readonly");
    yajl_gen_bool(g, o->read_only);
    yajl_gen_map_close(g);

    json_gen_kv(g, "hostname", hostname);

    json_gen_str(g, "mounts");
    yajl_gen_array_open(g);
    {
        static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k" };
        static const char *const pts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" };
        static const char *const shm[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" };
        static const char *const mq[] = { "nosuid", "noexec", "nodev" };
        static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro" };
        static const char *const cg[] = { "nosuid", "noexec", "nodev", "relatime", "ro" };
        /* --privileged: sysfs and cgroupfs writable (docker's). */
        size_t rw = o->privileged ? 1 : 0;
        gen_mount(g, "/proc", "proc", "proc", NULL, 0);
        gen_mount(g, "/dev", "tmpfs", "tmpfs", dev, ARRAY_SIZE(dev));
        gen_mount(g, "/dev/pts", "devpts", "devpts", pts, ARRAY_SIZE(pts));
        gen_mount(g, "/dev/shm", "tmpfs", "shm", shm, ARRAY_SIZE(shm));
        gen_mount(g, "/dev/mqueue", "mqueue", "mqueue", mq, ARRAY_SIZE(mq));
        gen_mount(g, "/sys", "sysfs", "sysfs", sys, ARRAY_SIZE(sys) - rw);
        gen_mount(g, "/sys/fs/cgroup", "cgroup", "cgroup", cg, ARRAY_SIZE(cg) - rw);
        if (o->init_path) {
            static const char *const ro[] = { "bind", "ro", "nosuid", "nodev" };
            gen_mount(g, "/sbin/docker-init", "bind", o->init_path, ro, ARRAY_SIZE(ro));
        }
        for (size_t i = 0; i < o->n_mounts; i++)
            gen_mount(g, o->mounts[i].dest, o->mounts[i].type, o->mounts[i].source,
                      (const char *const *) o->mounts[i].options, strv_length(o->mounts[i].options));
    }
    yajl_gen_array_close(g);

    /* image-spec "conversion": labels, then the fields that have an
     * annotation of their own (those win over a label of the same key). */
    json_gen_str(g, "annotations");
    yajl_gen_map_open(g);
    {
        const char *fixed[][2] = {
            { "org.opencontainers.image.os", c->os },
            { "org.opencontainers.image.architecture", c->arch },
            { "org.opencontainers.image.variant", c->variant },
            { "org.opencontainers.image.os.version", c->os_version },
            { "org.opencontainers.image.author", c->author },
            { "org.opencontainers.image.created", c->created },
            { "org.opencontainers.image.stopSignal", c->stop_signal },
            { "org.opencontainers.image.ref.name", im->name },
        };
        _cleanup_free_ char *ports = NULL;
        for (size_t i = 0; c->exposed_ports && c->exposed_ports[i]; i++) {
            char *n = xasprintf("%s%s%s", ports ? ports : "", ports ? "," : "", c->exposed_ports[i]);
            free(ports);
            ports = n;
        }
        for (size_t i = 0; i < c->n_labels; i++) {
            bool shadowed = strcmp(c->label_keys[i], "org.opencontainers.image.exposedPorts") == 0 && ports;
            for (size_t k = 0; k < ARRAY_SIZE(fixed); k++)
                shadowed |= fixed[k][1] && strcmp(c->label_keys[i], fixed[k][0]) == 0;
            if (!shadowed)
                json_gen_kv(g, c->label_keys[i], c->label_values[i]);
        }
        for (size_t k = 0; k < ARRAY_SIZE(fixed); k++)
            if (fixed[k][1] && *fixed[k][1])
                json_gen_kv(g, fixed[k][0], fixed[k][1]);
        if (ports)
            json_gen_kv(g, "org.opencontainers.image.exposedPorts", ports);
        /* --label: the container's own, over the image's. */
        for (size_t i = 0; o->labels && o->labels[i]; i++) {
            const char *eq = strchr(o->labels[i], '=');
            _cleanup_free_ char *k = xstrndup(o->labels[i], eq ? (size_t) (eq - o->labels[i]) : strlen(o->labels[i]));
            json_gen_kv(g, k, eq ? eq + 1 : "");
        }
        json_gen_kv(g, "io.congo.image.id", im->manifest.config.digest);
        json_gen_kv(g, "io.congo.image.manifest", im->manifest_digest);
    }
    yajl_gen_map_close(g);

    json_gen_str(g, "linux");
    yajl_gen_map_open(g);
    json_gen_str(g, "resources");
    yajl_gen_map_open(g);
    json_gen_str(g, "devices");
    yajl_gen_array_open(g);
    gen_device_rule(g, o->privileged, 0, -1, -1, "rwm");
    for (size_t i = 0; i < o->n_devices; i++)
        gen_device_rule(g, true, o->devices[i].type, o->devices[i].major, o->devices[i].minor, o->devices[i].access);
    yajl_gen_array_close(g);
    if (o->memory > 0 || o->memory_swap) {
        json_gen_str(g, "memory");
        yajl_gen_map_open(g);
        if (o->memory > 0) {
            json_gen_str(g, "limit");
            json_gen_int(g, o->memory);
        }
        if (o->memory_swap) {
            json_gen_str(g, "swap");
            json_gen_int(g, o->memory_swap);
        }
        yajl_gen_map_close(g);
    }
    if (o->cpu_quota) {
        json_gen_str(g, "cpu");
        yajl_gen_map_open(g);
        json_gen_str(g, "quota");
        json_gen_int(g, o->cpu_quota);
        json_gen_str(g, "period");
        json_gen_int(g, 100000);
        yajl_gen_map_close(g);
    }
    if (o->pids_limit) {
        json_gen_str(g, "pids");
        yajl_gen_map_open(g);
        json_gen_str(g, "limit");
        json_gen_int(g, o->pids_limit);
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
    if (o->n_devices || o->privileged) {
        json_gen_str(g, "devices");
        yajl_gen_array_open(g);
        if (o->privileged)
            gen_host_devices(g);
        for (size_t i = 0; i < o->n_devices; i++) {
            const struct bundle_device *d = &o->devices[i];
            gen_device(g, d->path, d->type, d->major, d->minor, d->mode, d->uid, d->gid);
        }
        yajl_gen_array_close(g);
    }
    if (o->sysctls && *o->sysctls) {
        json_gen_str(g, "sysctl");
        yajl_gen_map_open(g);
        for (size_t i = 0; o->sysctls[i]; i++) {
            const char *eq = strchr(o->sysctls[i], '=');
            _cleanup_free_ char *k = xstrndup(o->sysctls[i], (size_t) (eq - o->sysctls[i]));
            json_gen_kv(g, k, eq + 1);
        }
        yajl_gen_map_close(g);
    }
    if (o->seccomp) {
        json_gen_str(g, "seccomp");
        gen_seccomp(g, (yajl_val) o->seccomp, caps, ncaps);
    }
    json_gen_str(g, "namespaces");
    yajl_gen_array_open(g);
    {
        static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount", "cgroup", "user" };
        for (size_t i = 0; i < ARRAY_SIZE(ns) - !image_in_userns(); i++) {
            yajl_gen_map_open(g);
            json_gen_kv(g, "type", ns[i]);
            yajl_gen_map_close(g);
        }
    }
    yajl_gen_array_close(g);
    /* Rootless: the container's user namespace maps ids as congo-image's
     * own does (root the user, 1..N its subordinate range), so the
     * unpacked files keep their owners inside. */
    if (image_in_userns())
        for (int u = 1; u >= 0; u--) {
            _cleanup_fclose_ FILE *f = fopen(u ? "/proc/self/uid_map" : "/proc/self/gid_map", "re");
            unsigned long long a, b, n;
            json_gen_str(g, u ? "uidMappings" : "gidMappings");
            yajl_gen_array_open(g);
            while (f && fscanf(f, "%llu %llu %llu", &a, &b, &n) == 3) {
                yajl_gen_map_open(g);
                json_gen_str(g, "containerID");
                json_gen_int(g, (long long) a);
                json_gen_str(g, "hostID");
                json_gen_int(g, (long long) b);
                json_gen_str(g, "size");
                json_gen_int(g, (long long) n);
                yajl_gen_map_close(g);
            }
            yajl_gen_array_close(g);
        }
    if (!o->privileged) {
        json_gen_str(g, "maskedPaths");
        gen_strs(g, masked_paths, ARRAY_SIZE(masked_paths));
        json_gen_str(g, "readonlyPaths");
        gen_strs(g, readonly_paths, ARRAY_SIZE(readonly_paths));
    }
    yajl_gen_map_close(g);

    yajl_gen_map_close(g);
    *out = json_gen_steal(g, len);
    return 0;
}

/* Overlay */

static int mount_overlay(const char *target, char *const *lowers, size_t n, const char *upper, const char *work,
                         congo_error *err)
{
    _cleanup_close_ int fsfd = -1, mfd = -1;
    _cleanup_free_ char *opts = NULL;

    fsfd = syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (fsfd >= 0) {
        bool ok = syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "source", "overlay", 0) == 0;
        /* Top layer first; "lowerdir+" (Linux 6.8) takes each path as is,
         * with no length limit and no escaping. */
        for (size_t i = n; i-- > 0 && ok;)
            ok = syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) == 0;
        if (ok) {
            if (syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
                syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
                syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return congo_error_errno(err, "create the overlay for `%s` (see dmesg; or use --copy)", target);
            mfd = syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, 0);
            if (mfd < 0)
                return congo_error_errno(err, "mount the overlay for `%s`", target);
            if (syscall(SYS_move_mount, mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return congo_error_errno(err, "mount the overlay on `%s`", target);
            return 0;
        }
        if (errno != EINVAL)
            return congo_error_errno(err, "configure the overlay for `%s`", target);
        congo_debug("overlay: no lowerdir+ (kernel older than 6.8): using mount(2)");
    } else if (errno != ENOSYS) {
        return congo_error_errno(err, "overlayfs is not available (use --copy)");
    }
    /* mount(2): "lowerdir=TOP:...:BOTTOM", at most a page of options. */
    opts = xstrdup("lowerdir=");
    for (size_t i = n; i-- > 0;) {
        char *o;
        if (strpbrk(lowers[i], ":,\\"))
            return congo_error_set(err, EINVAL, "layer path `%s` cannot go into overlay options", lowers[i]);
        o = xasprintf("%s%s%s", opts, i == n - 1 ? "" : ":", lowers[i]);
        free(opts);
        opts = o;
    }
    {
        char *o = xasprintf("%s,upperdir=%s,workdir=%s", opts, upper, work);
        free(opts);
        opts = o;
    }
    if (strlen(opts) >= 4096)
        return congo_error_set(err, E2BIG, "too many layers for the overlay options of this kernel (use --copy)");
    if (mount("overlay", target, "overlay", 0, opts) < 0)
        return congo_error_errno(err, "mount the overlay on `%s`", target);
    return 0;
}

static bool is_mount_point(int dirfd, const char *name)
{
    struct statx stx;
    if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
        return false;
    return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* --copy: flatten the layers into rootfs, applying whiteouts */

struct hl_entry {
    dev_t dev;
    ino_t ino;
    char *path; /* relative to the rootfs */
};

struct copy_ctx {
    int root_fd;          /* destination rootfs */
    struct hl_entry *hl;
    size_t n_hl;
    congo_error *err;
};

static int open_beneath(int dirfd, const char *path, int flags)
{
    struct open_how how = { .flags = flags | O_CLOEXEC,
                            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV };
    return syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

static int copy_xattrs(int src_dir, const char *name, int dst_fd, int dst_dir, congo_error *err)
{
    char proc[64 + NAME_MAX], list[65536], value[65536];
    ssize_t n;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d/%s", src_dir, name);
    n = llistxattr(proc, list, sizeof list);
    if (n <= 0)
        return 0;
    for (char *k = list; k < list + n; k += strlen(k) + 1) {
        ssize_t v;
        if (str_has_prefix(k, "trusted.overlay.") || str_has_prefix(k, "user.overlay."))
            continue;
        v = lgetxattr(proc, k, value, sizeof value);
        if (v < 0)
            continue;
        if (dst_fd >= 0) {
            if (fsetxattr(dst_fd, k, value, v, 0) < 0 && errno != ENOTSUP && errno != EPERM)
                return congo_error_errno(err, "set xattr %s on `%s`", k, name);
        } else {
            char dproc[64 + NAME_MAX];
            snprintf(dproc, sizeof dproc, "/proc/self/fd/%d/%s", dst_dir, name);
            if (lsetxattr(dproc, k, value, v, 0) < 0 && errno != ENOTSUP && errno != EPERM)
                return congo_error_errno(err, "set xattr %s on `%s`", k, name);
        }
    }
    return 0;
}

static int copy_data(int in, int out, off_t size, congo_error *err)
{
    off_t left = size;
    if (ioctl(out, FICLONE, in) == 0)
        return 0;
    while (left > 0) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, left, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)
                break;
            return congo_error_errno(err, "copy");
        }
        if (n == 0)
            break;
        left -= n;
    }
    if (left > 0) {
        char buf[1 << 16];
        ssize_t n;
        if (lseek(in, size - left, SEEK_SET) < 0 || lseek(out, size - left, SEEK_SET) < 0)
            return congo_error_errno(err, "seek");
        while ((n = read(in, buf, sizeof buf)) > 0)
            if (write_all(out, buf, n) < 0)
                return congo_error_errno(err, "copy");
        if (n < 0)
            return congo_error_errno(err, "copy");
    }
    return 0;
}

static int clear_dir(int dfd, congo_error *err)
{
    _cleanup_closedir_ DIR *d = NULL;
    int fd = dup(dfd);
    struct dirent *de;
    if (fd < 0 || !(d = fdopendir(fd))) {
        if (fd >= 0)
            close(fd);
        return congo_error_errno(err, "open directory");
    }
    while ((de = readdir(d))) {
        int r;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if ((r = rm_rf_at(dfd, de->d_name, err)) < 0)
            return r;
    }
    return 0;
}

static int copy_tree(struct copy_ctx *c, int src, int dst, const char *rel);

static int copy_entry(struct copy_ctx *c, int src, int dst, const char *name, const char *rel)
{
    struct stat st, dst_st;
    bool exists;
    struct timespec ts[2];
    int r;

    if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return congo_error_errno(c->err, "stat `%s`", rel);
    exists = fstatat(dst, name, &dst_st, AT_SYMLINK_NOFOLLOW) == 0;
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
        /* A whiteout: the name goes away. */
        return exists ? rm_rf_at(dst, name, c->err) : 0;
    }
    if (exists && !(S_ISDIR(st.st_mode) && S_ISDIR(dst_st.st_mode))) {
        if ((r = rm_rf_at(dst, name, c->err)) < 0)
            return r;
        exists = false;
    }
    ts[0] = st.st_atim;
    ts[1] = st.st_mtim;
    if (S_ISDIR(st.st_mode)) {
        _cleanup_close_ int sfd = -1, dfd = -1;
        char opq[2];
        if (!exists && mkdirat(dst, name, 0700) < 0)
            return congo_error_errno(c->err, "create directory `%s`", rel);
        sfd = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        dfd = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0 || dfd < 0)
            return congo_error_errno(c->err, "open directory `%s`", rel);
        if (exists && fgetxattr(sfd, OVERLAY_OPAQUE_XATTR, opq, sizeof opq) == 1 && opq[0] == 'y' &&
            (r = clear_dir(dfd, c->err)) < 0)
            return r;
        if ((r = copy_tree(c, sfd, dfd, rel)) < 0)
            return r;
        if (fchown(dfd, st.st_uid, st.st_gid) < 0 || fchmod(dfd, st.st_mode & 07777) < 0)
            return congo_error_errno(c->err, "set owner and mode of `%s`", rel);
        if ((r = copy_xattrs(src, name, dfd, dst, c->err)) < 0)
            return r;
        if (futimens(dfd, ts) < 0)
            return congo_error_errno(c->err, "set times of `%s`", rel);
        return 0;
    }
    if (S_ISREG(st.st_mode)) {
        _cleanup_close_ int in = -1, out = -1;
        if (st.st_nlink > 1) {
            for (size_t i = 0; i < c->n_hl; i++) {
                if (c->hl[i].dev == st.st_dev && c->hl[i].ino == st.st_ino) {
                    const char *p = c->hl[i].path, *slash = strrchr(p, '/');
                    _cleanup_free_ char *dir = slash ? xstrndup(p, slash - p) : NULL;
                    _cleanup_close_ int pfd = dir ? open_beneath(c->root_fd, dir, O_PATH | O_DIRECTORY) : -1;
                    if ((!dir || pfd >= 0) && linkat(dir ? pfd : c->root_fd, slash ? slash + 1 : p, dst, name, 0) == 0)
                        return 0;
                    break;
                }
            }
        }
        in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (in < 0 || out < 0)
            return congo_error_errno(c->err, "copy `%s`", rel);
        if ((r = copy_data(in, out, st.st_size, c->err)) < 0)
            return congo_error_wrap(c->err, r, "`%s`", rel);
        if (fchown(out, st.st_uid, st.st_gid) < 0 || fchmod(out, st.st_mode & 07777) < 0)
            return congo_error_errno(c->err, "set owner and mode of `%s`", rel);
        if ((r = copy_xattrs(src, name, out, dst, c->err)) < 0)
            return r;
        if (futimens(out, ts) < 0)
            return congo_error_errno(c->err, "set times of `%s`", rel);
        if (st.st_nlink > 1) {
            c->hl = xrealloc(c->hl, (c->n_hl + 1) * sizeof *c->hl);
            c->hl[c->n_hl++] = (struct hl_entry){ st.st_dev, st.st_ino, xstrdup(rel) };
        }
        return 0;
    }
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX + 1];
        ssize_t n = readlinkat(src, name, target, sizeof target - 1);
        if (n < 0)
            return congo_error_errno(c->err, "read symbolic link `%s`", rel);
        target[n] = '\0';
        if (symlinkat(target, dst, name) < 0)
            return congo_error_errno(c->err, "create symbolic link `%s`", rel);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
        if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0)
            return congo_error_errno(c->err, "create `%s`", rel);
        if (fchmodat(dst, name, st.st_mode & 07777, 0) < 0)
            return congo_error_errno(c->err, "set mode of `%s`", rel);
    } else {
        return 0;
    }
    if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        return congo_error_errno(c->err, "set owner of `%s`", rel);
    if ((r = copy_xattrs(src, name, -1, dst, c->err)) < 0)
        return r;
    if (utimensat(dst, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return congo_error_errno(c->err, "set times of `%s`", rel);
    return 0;
}

static int copy_tree(struct copy_ctx *c, int src, int dst, const char *rel)
{
    _cleanup_closedir_ DIR *d = NULL;
    struct dirent *de;
    int fd = dup(src);

    if (fd < 0 || !(d = fdopendir(fd))) {
        if (fd >= 0)
            close(fd);
        return congo_error_errno(c->err, "open directory `%s`", rel);
    }
    while ((de = readdir(d))) {
        _cleanup_free_ char *sub = NULL;
        int r;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        sub = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
        if ((r = copy_entry(c, src, dst, de->d_name, sub)) < 0)
            return r;
    }
    return 0;
}

static int copy_layers(struct store *s, char *const *diff_ids, size_t n, int rootfs_fd, congo_error *err)
{
    for (size_t i = 0; i < n; i++) {
        _cleanup_close_ int lfd = openat(s->layers_fd, digest_hex(diff_ids[i]), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct copy_ctx c = { .root_fd = rootfs_fd, .err = err };
        struct stat st;
        int r;
        if (lfd < 0)
            return congo_error_errno(err, "open layer %s", diff_ids[i]);
        r = copy_tree(&c, lfd, rootfs_fd, "");
        for (size_t k = 0; k < c.n_hl; k++)
            free(c.hl[k].path);
        free(c.hl);
        if (r < 0)
            return congo_error_wrap(err, r, "copy layer %s", diff_ids[i]);
        if (fstat(lfd, &st) == 0 && (fchown(rootfs_fd, st.st_uid, st.st_gid) < 0 || fchmod(rootfs_fd, st.st_mode & 07777) < 0))
            return congo_error_errno(err, "set owner and mode of the rootfs");
    }
    return 0;
}

/* Records */

static void ref_name_for(const char *dir, char out[DIGEST_LEN + 1])
{
    digest_buffer(dir, strlen(dir), out);
}

static char *gen_mark(struct store *s, const struct store_image *im, const char *dir, const char *ref, bool copy,
                      size_t *len)
{
    _cleanup_gen_ yajl_gen g = json_gen_new(true);
    yajl_gen_map_open(g);
    json_gen_kv(g, "bundle", dir);
    json_gen_kv(g, "store", s->root);
    if (im->name)
        json_gen_kv(g, "image", im->name);
    json_gen_kv(g, "id", im->manifest.config.digest);
    json_gen_kv(g, "manifest", im->manifest_digest);
    json_gen_kv(g, "mode", copy ? "copy" : "overlay");
    json_gen_kv(g, "record", ref);
    json_gen_str(g, "layers");
    gen_strv(g, im->config.diff_ids);
    yajl_gen_map_close(g);
    return json_gen_steal(g, len);
}

struct mark {
    yajl_val root;
    const char *bundle, *store, *mode, *record;
    char **layers;
};

static void mark_free(struct mark *m)
{
    if (m->root)
        yajl_tree_free(m->root);
    strv_free(m->layers);
    *m = (struct mark){ 0 };
}

static int mark_parse(struct mark *m, const char *text, const char *what, congo_error *err)
{
    int r = json_parse_max(&m->root, text, MARK_MAX, what, err);
    if (r < 0)
        return r;
    if ((r = json_req_string(m->root, "bundle", "", &m->bundle, err)) < 0 ||
        (r = json_req_string(m->root, "store", "", &m->store, err)) < 0 ||
        (r = json_req_string(m->root, "mode", "", &m->mode, err)) < 0 ||
        (r = json_req_string(m->root, "record", "", &m->record, err)) < 0 ||
        (r = json_opt_strv(m->root, "layers", "", &m->layers, err)) < 0)
        goto fail;
    for (size_t i = 0; m->layers && m->layers[i]; i++)
        if ((r = digest_check(m->layers[i], "layers", err)) < 0)
            goto fail;
    if (!digest_valid(m->record)) {
        r = congo_error_set(err, 0, "record: not a digest");
        goto fail;
    }
    return 0;
fail:
    mark_free(m);
    return congo_error_wrap(err, r, "%s", what);
}

/* Open a bundle made by congo-image: its directory and its mark. */
static int bundle_open(const char *dir, int *dfd_out, struct mark *m, congo_error *err)
{
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_free_ char *text = NULL;
    int r;
    if (dfd < 0)
        return congo_error_errno(err, "open bundle `%s`", dir);
    {
        _cleanup_close_ int fd = openat(dfd, BUNDLE_MARK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT)
                return congo_error_set(err, ENOENT, "`%s` is not a bundle made by congo-image (no %s)", dir, BUNDLE_MARK);
            return congo_error_errno(err, "open `%s/%s`", dir, BUNDLE_MARK);
        }
        if ((r = read_fd(fd, MARK_MAX, &text, NULL, err)) < 0)
            return congo_error_wrap(err, r, "read `%s/%s`", dir, BUNDLE_MARK);
    }
    if ((r = mark_parse(m, text, BUNDLE_MARK, err)) < 0)
        return congo_error_wrap(err, r, "bundle `%s`", dir);
    *dfd_out = steal_fd(&dfd);
    return 0;
}

static int do_mount(struct store *s, int dfd, const char *dir, char *const *layers, size_t n, congo_error *err)
{
    _cleanup_strv_ char **lowers = xnew0(char *, n + 2);
    _cleanup_free_ char *target = xasprintf("%s/rootfs", dir), *upper = xasprintf("%s/overlay/upper", dir),
                        *work = xasprintf("%s/overlay/work", dir);
    for (size_t i = 0; i < n; i++) {
        if (!store_has_layer(s, layers[i]))
            return congo_error_set(err, ENOENT, "layer %s is not unpacked in the store `%s`", layers[i], s->root);
        lowers[i] = store_layer_path(s, layers[i]);
    }
    if (n == 0) {
        /* An image without layers: an empty lower directory. */
        if (mkdirat(dfd, "overlay/empty", 0755) < 0 && errno != EEXIST)
            return congo_error_errno(err, "create `%s/overlay/empty`", dir);
        lowers[0] = xasprintf("%s/overlay/empty", dir);
        n = 1;
    }
    return mount_overlay(target, lowers, n, upper, work, err);
}

int bundle_create(struct store *s, const struct store_image *im, const struct bundle_opts *o, char **dir_out,
                  congo_error *err)
{
    _cleanup_free_ char *name = NULL, *dir = NULL, *absdir = NULL, *config = NULL, *mark = NULL, *hostname = NULL;
    _cleanup_close_ int dfd = -1, rootfs_fd = -1, refs_fd = -1;
    struct resolved_user user = { 0 };
    char ref[DIGEST_LEN + 1], refname[DIGEST_LEN + 8];
    bool created_dir = false, ref_written = false, mounted = false;
    /* Rootless: an overlay mounted in congo-image's own user and mount
     * namespaces would be gone with it; the rootfs is a copy. */
    bool copy = o->copy || image_in_userns();
    size_t len;
    long jobs;
    int r;

    if (o->name) {
        if (!bundle_name_valid(o->name))
            return congo_error_set(err, 0, "name `%s`: expected letters, digits, `_`, `.` or `-` (not first), at most "
                                   "128", o->name);
        name = xstrdup(o->name);
    } else {
        const char *base = im->name ? strrchr(im->name, '/') : NULL;
        char hex[16];
        _cleanup_free_ char *b = xstrdup(base ? base + 1 : "image");
        b[strcspn(b, ":@")] = '\0';
        random_hex(hex, 3);
        name = xasprintf("%s-%s", bundle_name_valid(b) ? b : "image", hex);
    }
    {
        /* A command is needed: say so before unpacking anything. */
        _cleanup_strv_ char **args = NULL;
        if ((r = build_args(im, o, &args, err)) < 0)
            return r;
    }
    if (o->hostname) {
        if (!hostname_valid(o->hostname))
            return congo_error_set(err, 0, "hostname `%s`: expected letters, digits and `-`, at most 63", o->hostname);
        hostname = xstrdup(o->hostname);
    } else if (hostname_valid(name)) {
        hostname = xstrdup(name);
    } else {
        char hex[16];
        random_hex(hex, 6);
        hostname = xstrdup(hex);
    }
    dir = o->dir ? xstrdup(o->dir) : xasprintf("%s/bundles/%s", s->root, name);
    if (!o->dir && (mkdirat(s->root_fd, "bundles", 0755) < 0 && errno != EEXIST))
        return congo_error_errno(err, "create `%s/bundles`", s->root);

    if (mkdir(dir, 0755) == 0) {
        created_dir = true;
    } else if (errno == ENOENT && o->dir) {
        if ((r = mkdir_p_at(AT_FDCWD, dir, 0755, err)) < 0)
            return congo_error_wrap(err, r, "create bundle directory `%s`", dir);
        created_dir = true;
    } else if (errno != EEXIST) {
        return congo_error_errno(err, "create bundle directory `%s`", dir);
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (dfd < 0) {
        r = congo_error_errno(err, "open bundle directory `%s`", dir);
        goto fail;
    }
    if (!created_dir) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd = dup(dfd);
        if (fd < 0 || !(d = fdopendir(fd))) {
            if (fd >= 0)
                close(fd);
            r = congo_error_errno(err, "read bundle directory `%s`", dir);
            goto fail;
        }
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                /* Not ours: never touch it, not even on the way out. */
                close(dfd);
                dfd = -1;
                return congo_error_set(err, EEXIST, "bundle directory `%s` already exists and is not empty", dir);
            }
    }
    absdir = realpath(dir, NULL);
    if (!absdir) {
        r = congo_error_errno(err, "resolve `%s`", dir);
        goto fail;
    }

    /* Layers, in parallel. */
    jobs = sysconf(_SC_NPROCESSORS_ONLN);
    if ((r = store_unpack_layers(s, im->manifest.layers, im->config.diff_ids, im->manifest.n_layers,
                                 jobs > 0 ? (int) jobs : 1, err)) < 0)
        goto fail;

    /* Record the bundle's layers before mounting anything. */
    ref_name_for(absdir, ref);
    snprintf(refname, sizeof refname, "%s.json", digest_hex(ref));
    mark = gen_mark(s, im, absdir, ref, copy, &len);
    refs_fd = openat(s->root_fd, "bundle-refs", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (refs_fd < 0 && errno == ENOENT && mkdirat(s->root_fd, "bundle-refs", 0700) == 0)
        refs_fd = openat(s->root_fd, "bundle-refs", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (refs_fd < 0) {
        r = congo_error_errno(err, "open `%s/bundle-refs`", s->root);
        goto fail;
    }
    if ((r = write_file_atomic_at(refs_fd, refname, mark, len, 0600, err)) < 0)
        goto fail;
    ref_written = true;
    /* The mark goes first too: `rm-bundle` can then clean up after an
     * extract killed at any later point (config.json comes last). */
    if ((r = write_file_atomic_at(dfd, BUNDLE_MARK, mark, len, 0644, err)) < 0)
        goto fail;

    if (mkdirat(dfd, "rootfs", 0755) < 0) {
        r = congo_error_errno(err, "create `%s/rootfs`", absdir);
        goto fail;
    }
    if (copy) {
        rootfs_fd = openat(dfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (rootfs_fd < 0) {
            r = congo_error_errno(err, "open `%s/rootfs`", absdir);
            goto fail;
        }
        if ((r = copy_layers(s, im->config.diff_ids, im->config.n_diff_ids, rootfs_fd, err)) < 0)
            goto fail;
    } else {
        if (mkdirat(dfd, "overlay", 0700) < 0 || mkdirat(dfd, "overlay/upper", 0755) < 0 ||
            mkdirat(dfd, "overlay/work", 0700) < 0) {
            r = congo_error_errno(err, "create `%s/overlay`", absdir);
            goto fail;
        }
        if ((r = do_mount(s, dfd, absdir, im->config.diff_ids, im->config.n_diff_ids, err)) < 0)
            goto fail;
        mounted = true;
        rootfs_fd = openat(dfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (rootfs_fd < 0) {
            r = congo_error_errno(err, "open `%s/rootfs`", absdir);
            goto fail;
        }
    }

    if ((r = user_resolve(rootfs_fd, o->user ? o->user : im->config.user, &user, err)) < 0)
        goto fail;
    if ((r = gen_config(im, o, &user, hostname, &config, &len, err)) < 0)
        goto fail;
    if ((r = write_file_atomic_at(dfd, "config.json", config, len, 0644, err)) < 0)
        goto fail;
    resolved_user_free(&user);
    *dir_out = steal_pointer(&absdir);
    return 0;

fail:
    resolved_user_free(&user);
    if (rootfs_fd >= 0) {
        close(rootfs_fd);
        rootfs_fd = -1;
    }
    {
        congo_error e = CONGO_ERROR_INIT;
        if (mounted) {
            _cleanup_free_ char *t = xasprintf("%s/rootfs", absdir);
            if (umount2(t, UMOUNT_NOFOLLOW) < 0)
                congo_warning("unmount `%s`: %s", t, strerror(errno));
        }
        if (created_dir && absdir)
            rm_rf_at(AT_FDCWD, absdir, &e);
        else if (dfd >= 0) {
            /* The directory was there (empty): take back only what we made. */
            rm_rf_at(dfd, "rootfs", &e);
            rm_rf_at(dfd, "overlay", &e);
            unlinkat(dfd, "config.json", 0);
            unlinkat(dfd, BUNDLE_MARK, 0);
        } else if (created_dir) {
            rmdir(dir);
        }
        congo_error_clear(&e);
        if (ref_written)
            unlinkat(refs_fd, refname, 0);
    }
    return congo_error_wrap(err, r, "bundle `%s`", absdir ? absdir : dir);
}

int bundle_mount(const char *dir, congo_error *err)
{
    _cleanup_close_ int dfd = -1;
    _cleanup_free_ char *absdir = NULL;
    _cleanup_store_ struct store *s = NULL;
    struct mark m = { 0 };
    int r;

    if ((r = bundle_open(dir, &dfd, &m, err)) < 0)
        return r;
    absdir = realpath(dir, NULL);
    if (strcmp(m.mode, "copy") == 0 || is_mount_point(dfd, "rootfs")) {
        mark_free(&m);
        return 0;
    }
    if ((r = store_open(&s, m.store, false, err)) < 0 || (r = store_lock_gc(s, false, err)) < 0) {
        mark_free(&m);
        return r;
    }
    r = do_mount(s, dfd, absdir ? absdir : dir, m.layers, strv_length(m.layers), err);
    mark_free(&m);
    return r < 0 ? congo_error_wrap(err, r, "bundle `%s`", dir) : 0;
}

int bundle_umount(const char *dir, congo_error *err)
{
    _cleanup_close_ int dfd = -1;
    _cleanup_free_ char *target = NULL;
    struct mark m = { 0 };
    int r;

    if ((r = bundle_open(dir, &dfd, &m, err)) < 0)
        return r;
    mark_free(&m);
    if (!is_mount_point(dfd, "rootfs"))
        return 0;
    target = xasprintf("%s/rootfs", dir);
    if (umount2(target, UMOUNT_NOFOLLOW) < 0) {
        if (errno == EBUSY)
            return congo_error_set(err, EBUSY, "unmount `%s`: busy (is a container still running from the bundle?)",
                                   target);
        return congo_error_errno(err, "unmount `%s`", target);
    }
    return 0;
}

int bundle_remove(const char *dir, congo_error *err)
{
    _cleanup_close_ int dfd = -1, refs = -1;
    _cleanup_free_ char *absdir = NULL, *refname = NULL;
    struct mark m = { 0 };
    int r;

    if ((r = bundle_open(dir, &dfd, &m, err)) < 0)
        return r;
    if ((r = bundle_umount(dir, err)) < 0) {
        mark_free(&m);
        return r;
    }
    absdir = realpath(dir, NULL);
    if (!absdir) {
        mark_free(&m);
        return congo_error_errno(err, "resolve `%s`", dir);
    }
    if ((r = rm_rf_at(AT_FDCWD, absdir, err)) < 0) {
        mark_free(&m);
        return congo_error_wrap(err, r, "remove bundle `%s`", absdir);
    }
    /* Forget the record in the bundle's store (if it still is there). */
    {
        _cleanup_free_ char *refdir = xasprintf("%s/bundle-refs", m.store);
        refs = open(refdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        refname = xasprintf("%s.json", digest_hex(m.record));
        if (refs >= 0 && unlinkat(refs, refname, 0) < 0 && errno != ENOENT)
            congo_warning("remove `%s/%s`: %s", refdir, refname, strerror(errno));
    }
    mark_free(&m);
    return 0;
}

int bundle_refs_layers(struct store *s, char ***out, congo_error *err)
{
    _cleanup_closedir_ DIR *d = NULL;
    char **layers = xnew0(char *, 1);
    size_t n = 0;
    struct dirent *de;
    int fd = openat(s->root_fd, "bundle-refs", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0) {
        if (errno == ENOENT) {
            *out = layers;
            return 0;
        }
        free(layers);
        return congo_error_errno(err, "open `%s/bundle-refs`", s->root);
    }
    d = fdopendir(fd);
    if (!d) {
        close(fd);
        free(layers);
        return congo_error_errno(err, "open `%s/bundle-refs`", s->root);
    }
    while ((de = readdir(d))) {
        _cleanup_free_ char *text = NULL, *marktext = NULL, *markpath = NULL;
        struct mark m = { 0 }, bm = { 0 };
        congo_error e = CONGO_ERROR_INIT;
        bool live = false;
        if (!str_has_suffix(de->d_name, ".json"))
            continue;
        if (read_file_at(dirfd(d), de->d_name, MARK_MAX, &text, NULL, &e) < 0 ||
            mark_parse(&m, text, de->d_name, &e) < 0) {
            congo_warning("%s/bundle-refs: %s", s->root, e.msg);
            congo_error_clear(&e);
            continue; /* unreadable: keep it, and keep nothing for it */
        }
        /* Live when the bundle's own mark names this record; stale when the
         * bundle is gone or its directory now holds another bundle. */
        markpath = xasprintf("%s/%s", m.bundle, BUNDLE_MARK);
        if (read_file_at(AT_FDCWD, markpath, MARK_MAX, &marktext, NULL, &e) == 0)
            live = mark_parse(&bm, marktext, markpath, &e) == 0 && strcmp(bm.record, m.record) == 0;
        else
            live = e.errnum != ENOENT && e.errnum != ENOTDIR; /* cannot tell: keep */
        congo_error_clear(&e);
        /* A bundle being made has a record but no mark yet: prune holds the
         * gc lock exclusively, so no extract is running now. */
        if (live) {
            for (size_t i = 0; m.layers && m.layers[i]; i++) {
                layers = xrealloc(layers, (n + 2) * sizeof *layers);
                layers[n++] = xstrdup(m.layers[i]);
                layers[n] = NULL;
            }
        } else if (unlinkat(dirfd(d), de->d_name, 0) == 0) {
            congo_debug("removed stale bundle record %s (bundle `%s` is gone)", de->d_name, m.bundle);
        }
        mark_free(&m);
        mark_free(&bm);
    }
    *out = layers;
    return 0;
}
