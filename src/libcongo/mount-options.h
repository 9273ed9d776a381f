/* Pure parsing of OCI mount options ("ro", "nosuid", "rbind", "rslave",
 * "mode=755", "idmap", "rro"...) into mount flags, propagation, recursive
 * attributes and filesystem data.  Unit-tested. */
#ifndef CONGO_MOUNT_OPTIONS_H
#define CONGO_MOUNT_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct congo_mount_options {
    unsigned long flags;         /* MS_* set */
    unsigned long clear_flags;   /* MS_* cleared ("rw", "suid", "exec", "dev", "atime"...) */
    unsigned long propagation;   /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (|MS_REC), 0 = none */
    uint64_t attr_set, attr_clr; /* MOUNT_ATTR_* for recursive "r*" options (rro, rnosuid...) */
    bool bind, rbind;
    bool idmap, ridmap;
    bool tmpcopyup;
    char *data;                  /* comma-separated filesystem options (mode=755,size=64k), NULL when none */
    /* The same filesystem options one by one (for fsconfig), NULL-terminated
     * (NULL when none), and for each its index in the options array (for
     * messages naming `mounts[3].options[1]`). */
    char **fs_options;
    size_t *fs_option_index;
};

/* options: NULL-terminated; `where` names the JSON path for messages. */
int congo_mount_options_parse(struct congo_mount_options *out, char *const *options, const char *where,
                              congo_error *err);
void congo_mount_options_clear(struct congo_mount_options *o);

/* Checks that need the mount's type (NULL when absent): options that are
 * neither known flags nor data the filesystem could take (an unknown bare
 * word on a bind mount, which takes no filesystem data; its NAME=VALUE
 * options are ignored with a debug message, as runc), tmpcopyup on anything
 * but tmpfs, idmap on anything but a bind mount.  `where` is "mounts[3]". */
int congo_mount_options_check(const struct congo_mount_options *o, const char *type, const char *where,
                              congo_error *err);

/* linux.rootfsPropagation and propagation options: "shared", "slave",
 * "private", "unbindable" and their recursive "r*" forms -> MS_* (|MS_REC). */
int congo_mount_propagation_parse(unsigned long *out, const char *name, const char *where, congo_error *err);

/* MS_RDONLY/NOSUID/NODEV/NOEXEC/NODIRATIME/NOSYMFOLLOW and the atime mode of
 * MS_* flags as MOUNT_ATTR_* (for fsmount and mount_setattr).  The atime
 * mode (MOUNT_ATTR__ATIME bits) is set only when flags name one. */
uint64_t congo_mount_attr_from_flags(unsigned long flags);

/* The option names congo accepts (for `features`). NULL-terminated. */
extern const char *const congo_mount_option_names[];

#endif
