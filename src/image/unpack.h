/* Layer unpacking with libarchive into a directory of its own, in the form
 * overlayfs wants for a lower layer (see whiteout.h).
 *
 * Layers are hostile.  Every entry path is cleaned (leading `/` and `./`
 * dropped) and refused when it has a `..` component; every parent directory
 * is resolved with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) from the
 * layer directory, so no entry can write through a symlink made by an
 * earlier one; hardlink targets are resolved the same way and must be in the
 * layer; overlay xattrs in the archive are dropped (they would forge
 * whiteouts and redirects).  The uncompressed stream is hashed as it is read
 * and must match the diff_id.  No external program runs. */
#ifndef CONGO_IMAGE_UNPACK_H
#define CONGO_IMAGE_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/store.h"
#include "libcongo/error.h"

/* Entry paths (after cleaning) and their components: what the kernel
 * takes (PATH_MAX with its NUL, NAME_MAX).  A longer path in a layer would
 * make directories no path can name. */
#define LAYER_PATH_MAX 4095
#define LAYER_NAME_MAX 255

/* Clean an entry path: "./a//b/" -> "a/b", "/" -> "."; -EINVAL when a
 * component is `..`, -ENAMETOOLONG past LAYER_PATH_MAX or LAYER_NAME_MAX.
 * Pure. */
int layer_path_clean(const char *in, char **out, congo_error *err);

struct unpack_stats {
    uint64_t entries, bytes;
};

/* Unpack the (compressed or not) layer read from blob_fd into the empty
 * directory root_fd.  When diff_id is given, the uncompressed stream must
 * hash to it. */
int layer_unpack_fd(int blob_fd, int root_fd, const char *diff_id, bool pipelined, struct unpack_stats *stats,
                    congo_error *err);

/* Unpack the layers of an image that are not in STORE/layers yet, up to
 * `jobs` at a time; each one into layers/tmp first, renamed when complete. */
int store_unpack_layers(struct store *s, const struct descriptor *layers, char *const *diff_ids, size_t n, int jobs,
                        congo_error *err);

#endif
