/* congo-image mount / umount / rm-bundle: the life of a bundle made by extract. */
#include "config.h"

#include <stdio.h>

#include "image/bundle.h"
#include "image/image-command.h"
#include "libcongo/utils.h"

static const char mount_usage[] =
    "Usage: congo-image mount DIR\n"
    "\n"
    "Mount the overlay rootfs of a bundle made by `congo-image extract` again\n"
    "(after `umount` or a reboot).  Nothing happens when it is mounted.\n";
static const char umount_usage[] =
    "Usage: congo-image umount DIR\n"
    "\n"
    "Unmount the rootfs of a bundle made by `congo-image extract`; the bundle and its\n"
    "changes (DIR/overlay/upper) stay.  Nothing happens when it is not mounted.\n";
static const char rm_bundle_usage[] =
    "Usage: congo-image rm-bundle DIR...\n"
    "\n"
    "Unmount and delete bundles made by `congo-image extract`, with their changes.\n"
    "Directories that are not such bundles are refused.\n";

static const struct option no_longopts[] = { {} };

static int no_opt(int opt, const char *arg, void *data, congo_error *err)
{
    return 0;
}

static int each_dir(const char *usage, const char *cmd, int argc, char **argv, int (*fn)(const char *, congo_error *),
                    int max, congo_error *err)
{
    const struct image_cmd_opts opts = { usage, "", no_longopts };
    int first, r;
    r = image_parse(&opts, argc, argv, no_opt, NULL, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    if ((r = image_require_args(cmd, argc - first, 1, max, "a bundle directory", err)) < 0)
        return r;
    for (int i = first; i < argc; i++)
        if ((r = fn(argv[i], err)) < 0)
            return r;
    return 0;
}

int cmd_image_mount(struct image_global *g, int argc, char **argv, congo_error *err)
{
    return each_dir(mount_usage, "mount", argc, argv, bundle_mount, 1, err);
}

int cmd_image_umount(struct image_global *g, int argc, char **argv, congo_error *err)
{
    return each_dir(umount_usage, "umount", argc, argv, bundle_umount, -1, err);
}

int cmd_image_rm_bundle(struct image_global *g, int argc, char **argv, congo_error *err)
{
    return each_dir(rm_bundle_usage, "rm-bundle", argc, argv, bundle_remove, -1, err);
}
