/* congo-image rm: remove image names from the store. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "image/image-command.h"
#include "image/reference.h"
#include "libcongo/utils.h"

static const char rm_usage[] =
    "Usage: congo-image rm REF...\n"
    "\n"
    "Remove images from the store's index: a name removes that name; an ID or digest\n"
    "removes every name of that image.  The blobs and unpacked layers stay until\n"
    "`congo-image prune`.\n";

static const struct option rm_longopts[] = { {} };

static int rm_opt(int opt, const char *arg, void *data, congo_error *err)
{
    return 0;
}

int cmd_image_rm(struct image_global *g, int argc, char **argv, congo_error *err)
{
    static const struct image_cmd_opts opts = { rm_usage, "", rm_longopts };
    _cleanup_store_ struct store *s = NULL;
    int first, r;

    r = image_parse(&opts, argc, argv, rm_opt, NULL, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    if ((r = image_require_args("rm", argc - first, 1, -1, "an image", err)) < 0 ||
        (r = image_store_open(g, false, &s, err)) < 0)
        return r;
    for (int i = first; i < argc; i++) {
        struct store_image im = { 0 };
        size_t removed = 0;
        if ((r = store_find_image(s, argv[i], NULL, &im, err)) < 0)
            return r;
        /* By name: that name.  By ID/digest: every entry of the image. */
        bool by_name = false;
        if (im.name) {
            struct image_ref ref = { 0 };
            congo_error e = CONGO_ERROR_INIT;
            by_name = strcmp(im.name, argv[i]) == 0;
            if (!by_name && image_ref_parse(&ref, argv[i], &e) == 0) {
                _cleanup_free_ char *canon = image_ref_string(&ref);
                by_name = strcmp(canon, im.name) == 0;
            }
            image_ref_free(&ref);
            congo_error_clear(&e);
        }
        if (by_name)
            r = store_index_untag(s, im.name, NULL, &removed, err);
        else
            r = store_index_untag(s, NULL, im.top.digest, &removed, err);
        if (r == 0)
            printf("Untagged %s (%zu %s)\n", im.name ? im.name : im.top.digest, removed, removed == 1 ? "name" : "names");
        store_image_free(&im);
        if (r < 0)
            return r;
    }
    return 0;
}
