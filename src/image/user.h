/* The image's USER, resolved against the image's own /etc/passwd and
 * /etc/group (never the host's).  The files are opened inside the rootfs
 * with openat2(RESOLVE_IN_ROOT), so a symlinked /etc/passwd cannot point
 * at the host, and must be regular files of bounded size. */
#ifndef CONGO_IMAGE_USER_H
#define CONGO_IMAGE_USER_H

#include <stddef.h>
#include <stdint.h>

#include "libcongo/error.h"

struct resolved_user {
    uint32_t uid, gid;
    uint32_t *gids;     /* supplementary groups */
    size_t n_gids;
    char *name;         /* NULL when the uid has no passwd entry */
    char *home;         /* from passwd, NULL when unknown */
};

/* spec: "", "name", "uid", "name:group", "uid:gid" (any mix). */
int user_resolve(int rootfs_fd, const char *spec, struct resolved_user *out, congo_error *err);
/* The same over file contents (NULL when the file is missing): pure, unit-tested. */
int user_resolve_text(const char *passwd, const char *group, const char *spec, struct resolved_user *out,
                      congo_error *err);
void resolved_user_free(struct resolved_user *u);

#endif
