/* congo spec: write a default config.json that works as it is (runc's
 * defaults: a busybox-style `sh` on a terminal, the usual mounts, a minimal
 * capability set, masked and read-only /proc paths, a cgroup namespace on
 * pure cgroup v2 hosts only).  --rootless adds a user namespace mapping the
 * caller's uid/gid to root and its subordinate ranges (if any) to 1..N, and
 * drops what needs real root. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "libcongo/cgroup.h"
#include "libcongo/userns.h"
#include "libcongo/seccomp-profile.h"
#include "libcongo/utils.h"

struct spec_opts {
    const char *bundle;
    bool rootless;
    bool seccomp;
};

enum { OPT_BUNDLE = 'b', OPT_ROOTLESS = 1000, OPT_SECCOMP };

static const struct option spec_longopts[] = {
    { "bundle", required_argument, NULL, OPT_BUNDLE },
    { "rootless", no_argument, NULL, OPT_ROOTLESS },
    { "seccomp", no_argument, NULL, OPT_SECCOMP },
    {},
};

static const char spec_usage[] =
    "Usage: congo spec [--bundle DIR] [--rootless] [--seccomp]\n"
    "\n"
    "Write a default config.json into the bundle directory (default: the current one).\n"
    "\n"
    "  -b, --bundle DIR   where to write config.json\n"
    "  --rootless         a config for an unprivileged user (user namespace, no cgroup limits)\n"
    "  --seccomp          add congo's default seccomp profile (denies the kernel keyring, io_uring,\n"
    "                     bpf, mount, new namespaces, kexec, modules... see `congo features`)\n";

static int spec_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct spec_opts *o = data;
    if (opt == OPT_BUNDLE)
        o->bundle = arg;
    else if (opt == OPT_ROOTLESS)
        o->rootless = true;
    else if (opt == OPT_SECCOMP)
        o->seccomp = true;
    return 0;
}

/* The parts shared by both variants; %s slots are filled below. */
static const char spec_template[] =
    "{\n"
    "  \"ociVersion\": \"1.2.0\",\n"
    "  \"process\": {\n"
    "    \"terminal\": true,\n"
    "    \"user\": { \"uid\": 0, \"gid\": 0 },\n"
    "    \"args\": [ \"sh\" ],\n"
    "    \"env\": [\n"
    "      \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
    "      \"TERM=xterm\"\n"
    "    ],\n"
    "    \"cwd\": \"/\",\n"
    "    \"capabilities\": {\n"
    "      \"bounding\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
    "      \"effective\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
    "      \"permitted\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ]\n"
    "    },\n"
    "    \"rlimits\": [ { \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 } ],\n"
    "    \"noNewPrivileges\": true\n"
    "  },\n"
    "  \"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
    "  \"hostname\": \"congo\",\n"
    "  \"mounts\": [\n"
    "    { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
    "    { \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
    "      \"options\": [ \"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\" ] },\n"
    "    { \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
    "      \"options\": [ \"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\"%s ] },\n"
    "    { \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
    "      \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\" ] },\n"
    "    { \"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\",\n"
    "      \"options\": [ \"nosuid\", \"noexec\", \"nodev\" ] },\n"
    "    %s,\n"
    "    { \"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\",\n"
    "      \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\" ] }\n"
    "  ],\n"
    "  \"linux\": {\n"
    "%s"
    "%s"
    "    \"namespaces\": [\n"
    "      { \"type\": \"pid\" },\n"
    "      { \"type\": \"network\" },\n"
    "      { \"type\": \"ipc\" },\n"
    "      { \"type\": \"uts\" },\n"
    "      { \"type\": \"mount\" }%s%s\n"
    "    ],\n"
    "    \"maskedPaths\": [\n"
    "      \"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\", \"/proc/latency_stats\",\n"
    "      \"/proc/timer_list\", \"/proc/timer_stats\", \"/proc/sched_debug\", \"/proc/scsi\",\n"
    "      \"/sys/firmware\", \"/sys/devices/virtual/powercap\"\n"
    "    ],\n"
    "    \"readonlyPaths\": [\n"
    "      \"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", \"/proc/sysrq-trigger\"\n"
    "    ]\n"
    "  }\n"
    "}\n";

static const char root_sysfs[] =
    "{ \"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
    "      \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"ro\" ] }";
/* A new user namespace cannot mount sysfs without a network namespace of
 * its own being owned by it; bind the host's read-only instead (as runc). */
static const char rootless_sysfs[] =
    "{ \"destination\": \"/sys\", \"type\": \"none\", \"source\": \"/sys\",\n"
    "      \"options\": [ \"rbind\", \"nosuid\", \"noexec\", \"nodev\", \"ro\" ] }";
static const char root_resources[] =
    "    \"resources\": { \"devices\": [ { \"allow\": false, \"access\": \"rwm\" } ] },\n";

/* --rootless: root in the container is the caller's own id; 1..N are its
 * first subordinate range when it has one (/etc/subuid, /etc/subgid), so
 * that files owned by other ids (1000, 65534) keep them inside, as podman
 * does.  Without one, the single mapping that needs no helper. */
static char *mapping_json(const oci_id_mapping *m, size_t n)
{
    char *out = xstrdup("");
    for (size_t i = 0; i < n; i++) {
        char *t = xasprintf("%s%s{ \"containerID\": %u, \"hostID\": %u, \"size\": %u }", out,
                            i ? ",\n      " : "", m[i].container_id, m[i].host_id, m[i].size);
        free(out);
        out = t;
    }
    return out;
}

int cmd_spec(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct command_opts opts = { spec_usage, "b:", spec_longopts, false };
    struct spec_opts o = { .bundle = "." };
    _cleanup_free_ char *json = NULL, *mappings = NULL, *seccomp = NULL, *profile = NULL;
    _cleanup_close_ int dfd = -1;
    int first, r;

    r = command_parse(&opts, argc, argv, spec_opt, &o, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("spec", argc - first, 0, 0, "no arguments", err);
    if (r < 0)
        return r;
    if (o.rootless) {
        oci_id_mapping um[2], gmap[2];
        size_t nu, ng;
        congo_userns_rootless_maps(um, &nu, gmap, &ng);
        _cleanup_free_ char *u = mapping_json(um, nu);
        _cleanup_free_ char *gm = mapping_json(gmap, ng);
        mappings = xasprintf("    \"uidMappings\": [ %s ],\n    \"gidMappings\": [ %s ],\n", u, gm);
    }
    if (o.seccomp) {
        /* The capabilities of the template above: what they unlock stays allowed. */
        static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };
        profile = congo_seccomp_default_profile(caps, 4);
        seccomp = xasprintf("    \"seccomp\": %s,\n", profile);
    }
    /* No cgroup mounted at all: no namespace either (as runc). */
    enum congo_cgroup_mode mode;
    congo_error ignored = CONGO_ERROR_INIT;
    bool cgroupns = congo_cgroup_detect_mode(&mode, &ignored) == 0 && congo_cgroup_ns_by_default(mode);
    congo_error_clear(&ignored);
    json = xasprintf(spec_template, o.rootless ? "" : ", \"gid=5\"", o.rootless ? rootless_sysfs : root_sysfs,
                     o.rootless ? mappings : root_resources, seccomp ? seccomp : "",
                     cgroupns ? ",\n      { \"type\": \"cgroup\" }" : "",
                     o.rootless ? ",\n      { \"type\": \"user\" }" : "");
    dfd = open(o.bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return congo_error_errno(err, "open bundle directory `%s`", o.bundle);
    if (faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return congo_error_set(err, EEXIST, "`%s/config.json` already exists; remove it first", o.bundle);
    r = write_file_atomic_at(dfd, "config.json", json, strlen(json), 0644, err);
    if (r < 0)
        return congo_error_wrap(err, r, "write `%s/config.json`", o.bundle);
    return 0;
}
