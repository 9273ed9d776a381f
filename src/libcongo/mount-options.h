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
};

/* options: NULL-terminated; `where` names the JSON path for messages. */
int congo_mount_options_parse(struct congo_mount_options *out, char *const *options, const char *where,
                              congo_error *err);
void congo_mount_options_clear(struct congo_mount_options *o);

/* The option names congo accepts (for `features`). NULL-terminated. */
extern const char *const congo_mount_option_names[];

#endif
