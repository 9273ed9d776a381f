/* Pull: resolve a reference on its registry, pick the platform from an
 * index, verify every document against its digest, download the missing
 * blobs into the store and name the image in index.json. */
#ifndef CONGO_IMAGE_PULL_H
#define CONGO_IMAGE_PULL_H

#include "image/manifest.h"
#include "image/registry.h"
#include "image/store.h"
#include "libcongo/error.h"

struct pull_opts {
    struct registry_opts reg;
    const struct platform *platform; /* NULL: this host */
};

/* On success *image_id is the config digest and *name the stored name. */
int image_pull(struct store *s, const char *ref, const struct pull_opts *o, char image_id[DIGEST_LEN + 1],
               char **name, congo_error *err);

#endif
