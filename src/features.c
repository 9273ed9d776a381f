/* congo features: the runtime-spec features document of what this build
 * really implements (containerd reads it at start-up). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "command.h"
#include "libcongo/caps.h"
#include "libcongo/lsm.h"
#include "libcongo/mount-options.h"
#include "libcongo/oci-config.h"
#include "libcongo/process-attrs.h"
#include "libcongo/seccomp.h"
#include "libcongo/utils.h"

static const char features_usage[] =
    "Usage: congo features\n"
    "\n"
    "Print the OCI runtime-spec features document of this build as JSON.\n";

static void key(yajl_gen g, const char *k) { yajl_gen_string(g, (const unsigned char *) k, strlen(k)); }
static void str(yajl_gen g, const char *v) { yajl_gen_string(g, (const unsigned char *) v, strlen(v)); }

static void str_array(yajl_gen g, const char *k, const char *const *v)
{
    key(g, k);
    yajl_gen_array_open(g);
    for (; v && *v; v++)
        str(g, *v);
    yajl_gen_array_close(g);
}

static void enabled(yajl_gen g, const char *k, bool on)
{
    key(g, k);
    yajl_gen_map_open(g);
    key(g, "enabled");
    yajl_gen_bool(g, on);
    yajl_gen_map_close(g);
}

static int no_opts(int opt, const char *arg, void *data, congo_error *err) { return 0; }

int cmd_features(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = { {} };
    static const struct command_opts opts = { features_usage, "", longopts, false };
    static const char *const hooks[] = { "prestart", "createRuntime", "createContainer", "startContainer",
                                         "poststart", "poststop", NULL };
    const unsigned char *buf;
    size_t len;
    yajl_gen j;
    int first, r;

    r = command_parse(&opts, argc, argv, no_opts, NULL, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("features", argc - first, 0, 0, "no arguments", err);
    if (r < 0)
        return r;

    j = yajl_gen_alloc(NULL);
    yajl_gen_config(j, yajl_gen_beautify, 1);
    yajl_gen_config(j, yajl_gen_indent_string, "  ");
    yajl_gen_map_open(j);
    key(j, "ociVersionMin");
    str(j, "1.0.0");
    key(j, "ociVersionMax");
    str(j, "1.2.0");
    str_array(j, "hooks", hooks);
    str_array(j, "mountOptions", congo_mount_option_names);

    key(j, "linux");
    yajl_gen_map_open(j);
    key(j, "namespaces");
    yajl_gen_array_open(j);
    for (int t = 0; t < OCI_NS_COUNT; t++)
        str(j, oci_namespace_name(t));
    yajl_gen_array_close(j);
    key(j, "capabilities");
    yajl_gen_array_open(j);
    for (int c = 0; c <= congo_caps_last_cap(); c++)
        if (congo_cap_name(c))
            str(j, congo_cap_name(c));
    yajl_gen_array_close(j);
    key(j, "cgroup");
    yajl_gen_map_open(j);
    key(j, "v1");
    yajl_gen_bool(j, 1);
    key(j, "v2");
    yajl_gen_bool(j, 1);
    key(j, "systemd");
    yajl_gen_bool(j, 1); /* --systemd-cgroup (where systemd runs) */
    key(j, "systemdUser");
    yajl_gen_bool(j, 0);
    key(j, "rdma");
    yajl_gen_bool(j, 1);
    yajl_gen_map_close(j);
    key(j, "seccomp");
    yajl_gen_map_open(j);
    key(j, "enabled");
    yajl_gen_bool(j, 1);
    str_array(j, "actions", congo_seccomp_actions());
    str_array(j, "operators", congo_seccomp_operators());
    str_array(j, "archs", congo_seccomp_archs());
    str_array(j, "knownFlags", congo_seccomp_known_flags());
    str_array(j, "supportedFlags", congo_seccomp_supported_flags());
    yajl_gen_map_close(j);
    /* Compile-time support (features.md), not whether this host runs them. */
    enabled(j, "apparmor", congo_lsm_built(CONGO_LSM_APPARMOR));
    enabled(j, "selinux", congo_lsm_built(CONGO_LSM_SELINUX));
    enabled(j, "intelRdt", false);
    key(j, "mountExtensions");
    yajl_gen_map_open(j);
    enabled(j, "idmap", true);
    yajl_gen_map_close(j);
    enabled(j, "netDevices", true);
    key(j, "memoryPolicy");
    yajl_gen_map_open(j);
    str_array(j, "modes", congo_mempolicy_mode_names);
    str_array(j, "flags", congo_mempolicy_flag_names);
    yajl_gen_map_close(j);
    yajl_gen_map_close(j);

    key(j, "annotations");
    yajl_gen_map_open(j);
    key(j, "io.github.seccomp.libseccomp.version");
    str(j, congo_seccomp_libseccomp_version());
    key(j, "org.congo.version");
    str(j, PACKAGE_VERSION);
    yajl_gen_map_close(j);
    yajl_gen_map_close(j);

    yajl_gen_get_buf(j, &buf, &len);
    fwrite(buf, 1, len, stdout);
    yajl_gen_free(j);
    return 0;
}
