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

/* A mount of -v, --mount, --tmpfs, --init. */
struct bundle_mount {
    char *dest, *type, *source;
    char **options;
};
/* A device node of --device: the host's node, made at `path` in the container. */
struct bundle_device {
    char *path;
    char type;              /* 'c' or 'b' */
    int64_t major, minor;
    uint32_t mode, uid, gid;
    char access[4];         /* of r, w, m */
};
struct bundle_rlimit {
    const char *type;       /* RLIMIT_NOFILE... */
    uint64_t soft, hard;
};

struct bundle_opts {
    const char *dir;         /* where; NULL: STORE/bundles/NAME */
    const char *name;        /* bundle name (default hostname); NULL: generated */
    char **args;             /* CMD given after `--`, NULL: the image's */
    const char *entrypoint;  /* --entrypoint (empty: none), NULL: the image's */
    char **env;              /* extra K=V */
    const char *user, *workdir, *hostname;
    bool tty, copy;
    int64_t memory;          /* bytes, 0: no limit */
    /* The docker-like options of `congo run IMAGE`. */
    int64_t memory_swap;     /* memory + swap, -1: unlimited, 0: not set */
    int64_t cpu_quota;       /* --cpus N as N * 100000 us per 100000 us, 0: not set */
    int64_t pids_limit;      /* -1: unlimited, 0: not set */
    char **labels;           /* K=V, as annotations */
    char **sysctls;          /* K=V */
    char **cap_add, **cap_drop;   /* CAP_X, or ALL */
    struct bundle_mount *mounts;
    size_t n_mounts;
    struct bundle_device *devices;
    size_t n_devices;
    struct bundle_rlimit *rlimits;
    size_t n_rlimits;
    bool read_only, privileged, no_new_privileges;
    void *seccomp;           /* a yajl_val: linux.seccomp as given, NULL: none */
    const char *init_path;   /* --init: the host's tini, bound at /sbin/docker-init */
};

/* The index of a capability name (`NET_ADMIN`, `cap_net_admin`...), or -1. */
int bundle_cap_index(const char *name);
/* The canonical name (CAP_NET_ADMIN) of an index from bundle_cap_index(). */
const char *bundle_cap_name(int index);

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
