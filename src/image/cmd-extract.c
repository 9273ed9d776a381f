/* congo-image extract: make an OCI bundle from an image. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image/bundle.h"
#include "image/image-command.h"
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
    "  --tls-ca FILE, --tls-verify=false, --creds USER:PASSWORD, -q   as for pull\n";

struct extract_cli {
    struct bundle_opts b;
    char **env;
    size_t nenv;
    struct platform platform;
    bool have_platform, quiet;
    const char *pull;
    struct pull_opts po;
    struct auth_creds creds;
    bool have_creds;
};

enum { OPT_NAME = 1000, OPT_COPY, OPT_ENTRYPOINT, OPT_HOSTNAME, OPT_PLATFORM, OPT_PULL, OPT_TLS_CA, OPT_TLS_VERIFY,
       OPT_CREDS };

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
    {},
};

static int parse_bytes(const char *s, int64_t *out, congo_error *err)
{
    char *end;
    unsigned long long v, mul = 1;
    if (!isdigit((unsigned char) *s))
        return congo_error_set(err, 0, "--memory: `%s` is not a size in bytes (suffixes k, m, g)", s);
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
        return congo_error_set(err, 0, "--memory: `%s` is not a size in bytes (suffixes k, m, g)", s);
    *out = v * mul;
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
        if (!strchr(arg, '=') || arg[0] == '=')
            return congo_error_set(err, 0, "--env: `%s` is not KEY=VALUE", arg);
        x->env = xrealloc(x->env, (x->nenv + 2) * sizeof *x->env);
        x->env[x->nenv++] = xstrdup(arg);
        x->env[x->nenv] = NULL;
        return 0;
    case 'u': x->b.user = arg; return 0;
    case 'w':
        if (arg[0] != '/')
            return congo_error_set(err, 0, "--workdir: `%s` is not an absolute path", arg);
        x->b.workdir = arg;
        return 0;
    case OPT_ENTRYPOINT: x->b.entrypoint = arg; return 0;
    case OPT_HOSTNAME: x->b.hostname = arg; return 0;
    case 'm': return parse_bytes(arg, &x->b.memory, err);
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
    static const struct image_cmd_opts opts = { extract_usage, "b:te:u:w:m:q", extract_longopts };
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
    x.b.env = x.env;
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
    if (x.have_platform)
        platform_free(&x.platform);
    if (x.have_creds)
        auth_creds_free(&x.creds);
    return r < 0 ? r : 0;
}
