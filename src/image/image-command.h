/* congo-image's command layer: one file per command (src/image/cmd-*.c),
 * each with an option table, a usage text and an entry point
 * `int cmd_image_NAME(struct image_global *, int argc, char **argv, congo_error *)`
 * returning a negative value with *err filled (congo-image.c prints it) or
 * the exit status. */
#ifndef CONGO_IMAGE_COMMAND_H
#define CONGO_IMAGE_COMMAND_H

#include <getopt.h>
#include <stdbool.h>

#include "image/store.h"
#include "libcongo/error.h"

struct image_global {
    const char *store;      /* --store DIR, default /var/lib/congo */
    int debug;
    const char *command;
};

typedef int (*image_command_fn)(struct image_global *g, int argc, char **argv, congo_error *err);

struct image_cmd_opts {
    const char *usage;       /* full help text */
    const char *shortopts;
    const struct option *longopts;
};
typedef int (*image_opt_fn)(int opt, const char *arg, void *data, congo_error *err);
/* getopt_long with permutation: options may follow positional arguments;
 * everything after `--` is positional.  --help/-h prints usage and returns 1. */
int image_parse(const struct image_cmd_opts *o, int argc, char **argv, image_opt_fn fn, void *data, int *first,
                congo_error *err);
int image_require_args(const char *cmd, int have, int min, int max, const char *what, congo_error *err);
/* Open the store of --store (created for writers). */
int image_store_open(struct image_global *g, bool create, struct store **out, congo_error *err);
/* "true"/"false"/"1"/"0"/NULL (NULL: true) */
int parse_bool_arg(const char *opt, const char *arg, bool *out, congo_error *err);

#define IMAGE_COMMANDS(X)                                                                     \
    X("pull", pull, "download an image from a registry into the store")                       \
    X("images", images, "list the images in the store")                                       \
    X("inspect", inspect, "print the configuration of an image (JSON)")                       \
    X("rm", rm, "remove image names from the store")                                          \
    X("prune", prune, "delete blobs and unpacked layers nothing references")                  \
    X("load", load, "load images from an OCI layout, an OCI archive or a docker save archive") \
    X("extract", extract, "make an OCI bundle from an image (overlay rootfs)")                \
    X("mount", mount, "mount the rootfs of a bundle made by extract again")                   \
    X("umount", umount, "unmount the rootfs of a bundle made by extract")                     \
    X("rm-bundle", rm_bundle, "unmount and delete a bundle made by extract")

#define DECLARE_IMAGE_COMMAND(str, name, summary) \
    int cmd_image_##name(struct image_global *g, int argc, char **argv, congo_error *err);
IMAGE_COMMANDS(DECLARE_IMAGE_COMMAND)
#undef DECLARE_IMAGE_COMMAND

#endif
