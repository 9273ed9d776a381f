/* congo-image inspect: print an image's config (or manifest). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "image/image-command.h"
#include "image/json.h"
#include "libcongo/utils.h"

static const char inspect_usage[] =
    "Usage: congo-image inspect [--manifest] [--platform OS/ARCH[/VARIANT]] REF\n"
    "\n"
    "Print the image configuration (JSON) of an image in the store, found by name,\n"
    "ID or digest (or a unique prefix of one).\n"
    "\n"
    "  --manifest      print the image manifest instead\n"
    "  --platform P    which image of a multi-platform index\n";

struct inspect_cli {
    bool manifest;
    struct platform platform;
    bool have_platform;
};

enum { OPT_MANIFEST = 1000, OPT_PLATFORM };
static const struct option inspect_longopts[] = {
    { "manifest", no_argument, NULL, OPT_MANIFEST },
    { "platform", required_argument, NULL, OPT_PLATFORM },
    {},
};

static int inspect_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct inspect_cli *c = data;
    if (opt == OPT_MANIFEST) {
        c->manifest = true;
    } else if (opt == OPT_PLATFORM) {
        if (c->have_platform)
            platform_free(&c->platform);
        c->have_platform = true;
        return platform_parse(&c->platform, arg, err);
    }
    return 0;
}

int cmd_image_inspect(struct image_global *g, int argc, char **argv, congo_error *err)
{
    static const struct image_cmd_opts opts = { inspect_usage, "", inspect_longopts };
    struct inspect_cli c = { 0 };
    _cleanup_store_ struct store *s = NULL;
    struct store_image im = { 0 };
    int first, r;

    r = image_parse(&opts, argc, argv, inspect_opt, &c, &first, err);
    if (r == 0)
        r = image_require_args("inspect", argc - first, 1, 1, "an image", err);
    if (r == 0)
        r = image_store_open(g, false, &s, err);
    if (r == 0)
        r = store_find_image(s, argv[first], c.have_platform ? &c.platform : NULL, &im, err);
    if (r == 0) {
        _cleanup_json_ yajl_val v = NULL;
        _cleanup_gen_ yajl_gen gen = json_gen_new(true);
        _cleanup_free_ char *text = NULL, *raw = NULL;
        if (c.manifest)
            r = store_read_blob(s, im.manifest_digest, MANIFEST_MAX_SIZE, &raw, NULL, err);
        if (r == 0 && (r = json_parse(&v, c.manifest ? raw : im.config_json, "image", err)) == 0) {
            json_gen_value(gen, v);
            text = json_gen_steal(gen, NULL);
            fputs(text, stdout);
        }
    }
    store_image_free(&im);
    if (c.have_platform)
        platform_free(&c.platform);
    return r < 0 ? r : 0;
}
