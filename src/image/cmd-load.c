/* congo-image load: images from an OCI layout, an OCI archive or a docker save archive. */
#include "config.h"

#include <stdio.h>

#include "image/image-command.h"
#include "image/load.h"
#include "libcongo/utils.h"

static const char load_usage[] =
    "Usage: congo-image load [--name REF] FILE|DIR\n"
    "\n"
    "Load the images of an OCI image layout directory, an OCI archive (a tar of one,\n"
    "as `skopeo copy ... oci-archive:FILE` makes) or a `docker save` archive (plain or\n"
    "compressed) into the store, verifying every blob.  Prints each loaded name and ID.\n"
    "\n"
    "  --name REF   the name for the image (when the input has one image, or none named)\n";

struct load_cli {
    const char *name;
};

enum { OPT_NAME = 1000 };
static const struct option load_longopts[] = {
    { "name", required_argument, NULL, OPT_NAME },
    {},
};

static int load_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct load_cli *c = data;
    if (opt == OPT_NAME)
        c->name = arg;
    return 0;
}

int cmd_image_load(struct image_global *g, int argc, char **argv, congo_error *err)
{
    static const struct image_cmd_opts opts = { load_usage, "", load_longopts };
    struct load_cli c = { 0 };
    _cleanup_store_ struct store *s = NULL;
    int first, r;

    r = image_parse(&opts, argc, argv, load_opt, &c, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    if ((r = image_require_args("load", argc - first, 1, 1, "a file or directory", err)) < 0 ||
        (r = image_store_open(g, true, &s, err)) < 0 || (r = store_lock_gc(s, false, err)) < 0)
        return r;
    {
        struct loaded_image *v = NULL;
        size_t n = 0;
        if ((r = image_load(s, argv[first], c.name, &v, &n, err)) < 0)
            return r;
        for (size_t i = 0; i < n; i++)
            printf("Loaded %s %s\n", v[i].name ? v[i].name : "<none>", v[i].id);
        loaded_images_free(v, n);
    }
    return 0;
}
