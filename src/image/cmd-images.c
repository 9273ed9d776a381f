/* congo-image images: list the images in the store. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "image/image-command.h"
#include "image/json.h"
#include "image/progress.h"
#include "libcongo/log.h"
#include "libcongo/utils.h"

static const char images_usage[] =
    "Usage: congo-image images [--format table|json] [-q]\n"
    "\n"
    "List the images in the store: name, ID (the config digest), creation time, size\n"
    "(the compressed layers).\n"
    "\n"
    "  --format table|json   output format (default table)\n"
    "  -q, --quiet           only the IDs\n";

struct images_cli {
    bool json, quiet;
};

enum { OPT_FORMAT = 1000 };
static const struct option images_longopts[] = {
    { "format", required_argument, NULL, OPT_FORMAT },
    { "quiet", no_argument, NULL, 'q' },
    {},
};

static int images_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct images_cli *c = data;
    if (opt == OPT_FORMAT) {
        if (strcmp(arg, "json") == 0)
            c->json = true;
        else if (strcmp(arg, "table") == 0)
            c->json = false;
        else
            return congo_error_set(err, 0, "--format: `%s` is not table or json", arg);
    } else if (opt == 'q') {
        c->quiet = true;
    }
    return 0;
}

int cmd_image_images(struct image_global *g, int argc, char **argv, congo_error *err)
{
    static const struct image_cmd_opts opts = { images_usage, "q", images_longopts };
    struct images_cli c = { 0 };
    _cleanup_store_ struct store *s = NULL;
    _cleanup_gen_ yajl_gen gen = NULL;
    struct store_index idx = { 0 };
    int first, r;

    r = image_parse(&opts, argc, argv, images_opt, &c, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    if ((r = image_require_args("images", argc - first, 0, 0, "no arguments", err)) < 0)
        return r;
    r = image_store_open(g, false, &s, err);
    if (r == -ENOENT) {
        /* No store yet: no images. */
        congo_error_clear(err);
        if (c.json)
            printf("[]\n");
        else if (!c.quiet)
            printf("%-50s %-12s %-20s %s\n", "NAME", "IMAGE ID", "CREATED", "SIZE");
        return 0;
    }
    if (r < 0 || (r = store_index_read(s, &idx, err)) < 0)
        return r;
    if (c.json) {
        gen = json_gen_new(true);
        yajl_gen_array_open(gen);
    } else if (!c.quiet) {
        printf("%-50s %-12s %-20s %s\n", "NAME", "IMAGE ID", "CREATED", "SIZE");
    }
    for (size_t i = 0; i < idx.n; i++) {
        struct store_image im = { 0 };
        congo_error e = CONGO_ERROR_INIT;
        int64_t size = 0;
        char sz[32], created[32] = "";
        const char *name = idx.entries[i].name ? idx.entries[i].name : "<none>";

        if (store_load_image(s, &idx.entries[i].desc, NULL, &im, &e) < 0) {
            /* Still listed (an index without this host's platform, a
             * manifest another tool wrote): its digest names it. */
            congo_debug("%s: %s", name, e.msg);
            congo_error_clear(&e);
            if (c.json) {
                yajl_gen_map_open(gen);
                if (idx.entries[i].name)
                    json_gen_kv(gen, "name", idx.entries[i].name);
                json_gen_kv(gen, "digest", idx.entries[i].desc.digest);
                json_gen_kv(gen, "mediaType", idx.entries[i].desc.media_type);
                yajl_gen_map_close(gen);
            } else if (!c.quiet) {
                printf("%-50s %-12.12s %-20s %s\n", name, digest_hex(idx.entries[i].desc.digest), "-", "-");
            }
            continue;
        }
        for (size_t k = 0; k < im.manifest.n_layers; k++)
            size += im.manifest.layers[k].size;
        size += im.manifest.config.size;
        format_size(sz, sizeof sz, size);
        if (im.config.created) {
            struct tm tm = { 0 };
            if (strptime(im.config.created, "%Y-%m-%dT%H:%M:%S", &tm))
                strftime(created, sizeof created, "%Y-%m-%d %H:%M:%S", &tm);
        }
        if (c.json) {
            yajl_gen_map_open(gen);
            if (idx.entries[i].name)
                json_gen_kv(gen, "name", idx.entries[i].name);
            json_gen_kv(gen, "id", im.manifest.config.digest);
            json_gen_kv(gen, "digest", im.manifest_digest);
            json_gen_kv(gen, "mediaType", im.manifest.media_type);
            if (im.config.created)
                json_gen_kv(gen, "created", im.config.created);
            json_gen_str(gen, "size");
            json_gen_int(gen, size);
            json_gen_str(gen, "layers");
            json_gen_int(gen, im.manifest.n_layers);
            if (im.config.os && im.config.arch) {
                _cleanup_free_ char *p = xasprintf("%s/%s%s%s", im.config.os, im.config.arch,
                                                   im.config.variant ? "/" : "", im.config.variant ? im.config.variant : "");
                json_gen_kv(gen, "platform", p);
            }
            yajl_gen_map_close(gen);
        } else if (c.quiet) {
            printf("%.12s\n", digest_hex(im.manifest.config.digest));
        } else {
            printf("%-50s %-12.12s %-20s %s\n", name, digest_hex(im.manifest.config.digest), created, sz);
        }
        store_image_free(&im);
    }
    if (c.json) {
        _cleanup_free_ char *text = NULL;
        yajl_gen_array_close(gen);
        text = json_gen_steal(gen, NULL);
        fputs(text, stdout);
    }
    store_index_free(&idx);
    return 0;
}
