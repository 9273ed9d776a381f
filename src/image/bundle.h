/* OCI bundles made from images:
 *
 *   DIR/config.json         from the image config (image-spec conversion) and
 *                           a sound default runtime config
 *   DIR/rootfs              an overlay of the layers in STORE/layers with
 *                           DIR/overlay/upper and DIR/overlay/work, or (with
 *                           --copy) a flattened copy of the layers
 *   DIR/.congo-image.json   what was made (store, image, layers, mode): the
 *                           mark that `umount`, `mount` and `rm-bundle` trust
 *
 * STORE/bundle-refs/ records each bundle's layers before its rootfs is
 * mounted, so that prune never removes a layer a bundle uses.  A failure at
 * any step removes everything made so far. */
#ifndef CONGO_IMAGE_BUNDLE_H
#define CONGO_IMAGE_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "image/store.h"
#include "libcongo/error.h"

#define BUNDLE_MARK ".congo-image.json"

struct bundle_opts {
    const char *dir;         /* where; NULL: STORE/bundles/NAME */
    const char *name;        /* bundle name (default hostname); NULL: generated */
    char **args;             /* CMD given after `--`, NULL: the image's */
    const char *entrypoint;  /* --entrypoint (empty: none), NULL: the image's */
    char **env;              /* extra K=V */
    const char *user, *workdir, *hostname;
    bool tty, copy;
    int64_t memory;          /* bytes, 0: no limit */
};

/* Make the bundle; *dir_out gets its absolute path. */
int bundle_create(struct store *s, const struct store_image *im, const struct bundle_opts *o, char **dir_out,
                  congo_error *err);
/* Mount the rootfs of a bundle again (after `umount` or a reboot). */
int bundle_mount(const char *dir, congo_error *err);
/* Unmount the rootfs (no error when it is not mounted). */
int bundle_umount(const char *dir, congo_error *err);
/* Unmount and delete a bundle made by congo-image, and its record. */
int bundle_remove(const char *dir, congo_error *err);

/* The layers (diff_ids) used by bundles that still exist, for prune; stale
 * records are deleted. */
int bundle_refs_layers(struct store *s, char ***out, congo_error *err);

/* A valid container/bundle name: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128. */
bool bundle_name_valid(const char *name);

#endif
