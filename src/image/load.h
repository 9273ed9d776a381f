/* Load images from files: an OCI image layout directory, an OCI archive
 * (a tar of a layout), or a `docker save` archive (legacy manifest.json
 * form, plain or compressed, or the OCI form of newer docker).
 *
 * Archive member names are only keys, never paths on disk: every member is
 * streamed into the store (blobs under blobs/sha256/ verified against their
 * name) or kept in memory (small JSON documents).  Docker save images get an
 * OCI manifest made for them.  Every manifest, config and layer is verified
 * before the image is named in index.json. */
#ifndef CONGO_IMAGE_LOAD_H
#define CONGO_IMAGE_LOAD_H

#include "image/digest.h"
#include "image/store.h"
#include "libcongo/error.h"

struct loaded_image {
    char *name;                 /* NULL: loaded without a name */
    char id[DIGEST_LEN + 1];    /* config digest (for an index: its digest) */
};

int image_load(struct store *s, const char *path, const char *name, struct loaded_image **out, size_t *n,
               congo_error *err);
void loaded_images_free(struct loaded_image *v, size_t n);

#endif
