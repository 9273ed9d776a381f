/* congo-image pull: download an image into the store. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image/image-command.h"
#include "image/pull.h"
#include "image/reference.h"
#include "libcongo/utils.h"

static const char pull_usage[] =
    "Usage: congo-image pull [OPTIONS] REF\n"
    "\n"
    "Download an image (`ubuntu`, `ubuntu:24.04`, `quay.io/x/y:tag`, `host:5000/name@sha256:...`)\n"
    "into the store and print its ID.\n"
    "\n"
    "  --platform OS/ARCH[/VARIANT]  the image to take from a multi-platform index (default: this host)\n"
    "  --tls-ca FILE                 CA certificates for the registry (default: the system's)\n"
    "  --tls-verify=false            do not verify TLS certificates; allow plain HTTP\n"
    "  --creds USER:PASSWORD         credentials (default: ~/.docker/config.json, $REGISTRY_AUTH_FILE)\n"
    "  -j, --jobs N                  parallel layer downloads (default 6)\n"
    "  -q, --quiet                   no progress display\n";

struct pull_cli {
    struct pull_opts o;
    struct platform platform;
    bool have_platform, quiet;
    struct auth_creds creds;
    bool have_creds;
};

enum { OPT_PLATFORM = 1000, OPT_TLS_CA, OPT_TLS_VERIFY, OPT_CREDS };

static const struct option pull_longopts[] = {
    { "platform", required_argument, NULL, OPT_PLATFORM },
    { "tls-ca", required_argument, NULL, OPT_TLS_CA },
    { "tls-verify", optional_argument, NULL, OPT_TLS_VERIFY },
    { "creds", required_argument, NULL, OPT_CREDS },
    { "jobs", required_argument, NULL, 'j' },
    { "quiet", no_argument, NULL, 'q' },
    {},
};

static int pull_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct pull_cli *p = data;
    unsigned long long n;
    switch (opt) {
    case OPT_PLATFORM:
        if (p->have_platform)
            platform_free(&p->platform);
        p->have_platform = true;
        return platform_parse(&p->platform, arg, err);
    case OPT_TLS_CA:
        if (access(arg, R_OK) < 0)
            return congo_error_errno(err, "--tls-ca `%s`", arg);
        p->o.reg.tls_ca = arg;
        return 0;
    case OPT_TLS_VERIFY:
        return parse_bool_arg("--tls-verify", arg, &p->o.reg.tls_verify, err);
    case OPT_CREDS:
        if (p->have_creds)
            auth_creds_free(&p->creds);
        p->have_creds = true;
        return auth_creds_parse(&p->creds, arg, err);
    case 'j':
        if (parse_uint64(arg, &n) < 0 || n < 1 || n > 64)
            return congo_error_set(err, 0, "--jobs: `%s` is not a number from 1 to 64", arg);
        p->o.reg.parallel = n;
        return 0;
    case 'q':
        p->quiet = true;
        return 0;
    }
    return 0;
}

int cmd_image_pull(struct image_global *g, int argc, char **argv, congo_error *err)
{
    static const struct image_cmd_opts opts = { pull_usage, "j:q", pull_longopts };
    struct pull_cli p = { .o.reg = { .tls_verify = true, .parallel = 6, .retries = 3 } };
    _cleanup_store_ struct store *s = NULL;
    _cleanup_free_ char *name = NULL;
    char id[DIGEST_LEN + 1];
    int first, r;

    r = image_parse(&opts, argc, argv, pull_opt, &p, &first, err);
    if (r == 0)
        r = image_require_args("pull", argc - first, 1, 1, "an image reference", err);
    if (r == 0) {
        /* A bad reference is refused before the store is made. */
        struct image_ref ref = { 0 };
        r = image_ref_parse(&ref, argv[first], err);
        image_ref_free(&ref);
    }
    if (r == 0) {
        p.o.reg.progress = !p.quiet && isatty(STDERR_FILENO);
        p.o.reg.creds = p.have_creds ? &p.creds : NULL;
        p.o.platform = p.have_platform ? &p.platform : NULL;
        r = image_store_open(g, true, &s, err);
    }
    if (r == 0)
        r = image_pull(s, argv[first], &p.o, id, &name, err);
    if (r == 0)
        printf("%s\n", id);
    if (p.have_platform)
        platform_free(&p.platform);
    if (p.have_creds)
        auth_creds_free(&p.creds);
    return r < 0 ? r : r == 1 ? 0 : 0;
}
