/* OCI mount options -> mount flags, propagation, recursive attributes and
 * filesystem data.
 *
 * Unknown options are filesystem data, as in runc and crun ("mode=755",
 * "size=64k", "newinstance", "lowerdir=..." are all passed to the
 * filesystem, which is the one to know them).  A bind mount takes no
 * filesystem data: "NAME=VALUE" options there are ignored with a debug
 * message, as runc and crun ignore them (configs written for a tmpfs keep
 * their "mode=755" when turned into a bind).  A bare word congo does not know
 * on a bind can only be a mistake (a typo such as "nosiud" would silently
 * drop a security option): congo_mount_options_check() refuses it where runc
 * ignores it.  "z" and "Z" (SELinux relabel requests that engines may leave
 * in) are ignored. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>

#include "log.h"
#include "mount-options.h"
#include "utils.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

enum kind { K_NOOP, K_FLAG, K_PROP, K_REC, K_REC_ATIME, K_BIND, K_RBIND, K_TMPCOPYUP, K_IDMAP, K_RIDMAP };

struct option {
    const char *name;
    enum kind kind;
    bool clear;
    uint64_t value; /* MS_* for K_FLAG/K_PROP, MOUNT_ATTR_* for K_REC */
};

#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

static const struct option options[] = {
    { "defaults", K_NOOP, false, 0 },
    { "bind", K_BIND, false, 0 },
    { "rbind", K_RBIND, false, 0 },
    { "ro", K_FLAG, false, MS_RDONLY },
    { "rw", K_FLAG, true, MS_RDONLY },
    { "nosuid", K_FLAG, false, MS_NOSUID },
    { "suid", K_FLAG, true, MS_NOSUID },
    { "nodev", K_FLAG, false, MS_NODEV },
    { "dev", K_FLAG, true, MS_NODEV },
    { "noexec", K_FLAG, false, MS_NOEXEC },
    { "exec", K_FLAG, true, MS_NOEXEC },
    { "sync", K_FLAG, false, MS_SYNCHRONOUS },
    { "async", K_FLAG, true, MS_SYNCHRONOUS },
    { "dirsync", K_FLAG, false, MS_DIRSYNC },
    { "remount", K_FLAG, false, MS_REMOUNT },
    { "mand", K_FLAG, false, MS_MANDLOCK },
    { "nomand", K_FLAG, true, MS_MANDLOCK },
    { "noatime", K_FLAG, false, MS_NOATIME },
    { "atime", K_FLAG, true, MS_NOATIME },
    { "relatime", K_FLAG, false, MS_RELATIME },
    { "norelatime", K_FLAG, true, MS_RELATIME },
    { "strictatime", K_FLAG, false, MS_STRICTATIME },
    { "nostrictatime", K_FLAG, true, MS_STRICTATIME },
    { "nodiratime", K_FLAG, false, MS_NODIRATIME },
    { "diratime", K_FLAG, true, MS_NODIRATIME },
    { "lazytime", K_FLAG, false, MS_LAZYTIME },
    { "nolazytime", K_FLAG, true, MS_LAZYTIME },
    { "iversion", K_FLAG, false, MS_I_VERSION },
    { "noiversion", K_FLAG, true, MS_I_VERSION },
    { "silent", K_FLAG, false, MS_SILENT },
    { "loud", K_FLAG, true, MS_SILENT },
    { "nosymfollow", K_FLAG, false, MS_NOSYMFOLLOW },
    { "symfollow", K_FLAG, true, MS_NOSYMFOLLOW },
    { "shared", K_PROP, false, MS_SHARED },
    { "rshared", K_PROP, false, MS_SHARED | MS_REC },
    { "slave", K_PROP, false, MS_SLAVE },
    { "rslave", K_PROP, false, MS_SLAVE | MS_REC },
    { "private", K_PROP, false, MS_PRIVATE },
    { "rprivate", K_PROP, false, MS_PRIVATE | MS_REC },
    { "unbindable", K_PROP, false, MS_UNBINDABLE },
    { "runbindable", K_PROP, false, MS_UNBINDABLE | MS_REC },
    { "rro", K_REC, false, MOUNT_ATTR_RDONLY },
    { "rrw", K_REC, true, MOUNT_ATTR_RDONLY },
    { "rnosuid", K_REC, false, MOUNT_ATTR_NOSUID },
    { "rsuid", K_REC, true, MOUNT_ATTR_NOSUID },
    { "rnodev", K_REC, false, MOUNT_ATTR_NODEV },
    { "rdev", K_REC, true, MOUNT_ATTR_NODEV },
    { "rnoexec", K_REC, false, MOUNT_ATTR_NOEXEC },
    { "rexec", K_REC, true, MOUNT_ATTR_NOEXEC },
    { "rnodiratime", K_REC, false, MOUNT_ATTR_NODIRATIME },
    { "rdiratime", K_REC, true, MOUNT_ATTR_NODIRATIME },
    { "rnosymfollow", K_REC, false, MOUNT_ATTR_NOSYMFOLLOW },
    { "rsymfollow", K_REC, true, MOUNT_ATTR_NOSYMFOLLOW },
    /* The atime mode is one value of the MOUNT_ATTR__ATIME field: each of
     * these sets it (clearing a mode means going back to relatime, except
     * "rnorelatime" which asks for atime updates again: strictatime). */
    { "rrelatime", K_REC_ATIME, false, MOUNT_ATTR_RELATIME },
    { "rnorelatime", K_REC_ATIME, false, MOUNT_ATTR_STRICTATIME },
    { "rnoatime", K_REC_ATIME, false, MOUNT_ATTR_NOATIME },
    { "ratime", K_REC_ATIME, false, MOUNT_ATTR_RELATIME },
    { "rstrictatime", K_REC_ATIME, false, MOUNT_ATTR_STRICTATIME },
    { "rnostrictatime", K_REC_ATIME, false, MOUNT_ATTR_RELATIME },
    { "tmpcopyup", K_TMPCOPYUP, false, 0 },
    { "idmap", K_IDMAP, false, 0 },
    { "ridmap", K_RIDMAP, false, 0 },
};

const char *const congo_mount_option_names[] = {
    "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "idmap", "iversion",
    "lazytime", "loud", "mand", "noatime", "nodev", "nodiratime", "noexec", "noiversion", "nolazytime",
    "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev",
    "rdiratime", "relatime", "remount", "rexec", "ridmap", "rnoatime", "rnodev", "rnodiratime", "rnoexec",
    "rnorelatime", "rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw",
    "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent",
    "slave", "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable", NULL,
};

static const struct option *lookup(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(options); i++)
        if (strcmp(options[i].name, name) == 0)
            return &options[i];
    return NULL;
}

void congo_mount_options_clear(struct congo_mount_options *o)
{
    free(o->data);
    strv_free(o->fs_options);
    free(o->fs_option_index);
    memset(o, 0, sizeof *o);
}

int congo_mount_options_parse(struct congo_mount_options *out, char *const *opts, const char *where,
                              congo_error *err)
{
    struct congo_mount_options o = { 0 };
    size_t n = strv_length(opts), n_fs = 0;

    for (size_t i = 0; i < n; i++) {
        const char *name = opts[i];
        const struct option *opt;

        if (!*name) {
            congo_mount_options_clear(&o);
            return congo_error_set(err, 0, "%s.options[%zu]: empty mount option", where, i);
        }
        opt = lookup(name);
        if (!opt) {
            /* Filesystem data: the filesystem is the judge. */
            if (!o.fs_options) {
                o.fs_options = xnew0(char *, n + 1 - i);
                o.fs_option_index = xnew0(size_t, n - i);
            }
            o.fs_options[n_fs] = xstrdup(name);
            o.fs_option_index[n_fs++] = i;
            continue;
        }
        switch (opt->kind) {
        case K_NOOP:
            break;
        case K_FLAG:
            if (opt->clear) {
                o.flags &= ~opt->value;
                o.clear_flags |= opt->value;
            } else {
                /* The atime modes exclude each other: the last one wins. */
                if (opt->value & ATIME_FLAGS)
                    o.flags &= ~(unsigned long) ATIME_FLAGS;
                o.flags |= opt->value;
                o.clear_flags &= ~opt->value;
            }
            break;
        case K_PROP:
            o.propagation = opt->value;
            break;
        case K_REC_ATIME:
            o.attr_set = (o.attr_set & ~(uint64_t) MOUNT_ATTR__ATIME) | opt->value;
            o.attr_clr |= MOUNT_ATTR__ATIME;
            break;
        case K_REC:
            if (opt->clear) {
                o.attr_clr |= opt->value;
                o.attr_set &= ~opt->value;
            } else {
                o.attr_set |= opt->value;
                o.attr_clr &= ~opt->value;
            }
            break;
        case K_BIND:
            o.bind = true;
            break;
        case K_RBIND:
            o.bind = o.rbind = true;
            break;
        case K_TMPCOPYUP:
            o.tmpcopyup = true;
            break;
        case K_IDMAP:
            o.idmap = true;
            break;
        case K_RIDMAP:
            o.idmap = o.ridmap = true;
            break;
        }
    }
    if (n_fs) {
        size_t len = 0;
        for (size_t i = 0; i < n_fs; i++)
            len += strlen(o.fs_options[i]) + 1;
        o.data = xmalloc(len);
        o.data[0] = '\0';
        for (size_t i = 0; i < n_fs; i++) {
            if (i)
                strcat(o.data, ",");
            strcat(o.data, o.fs_options[i]);
        }
    }
    *out = o;
    return 0;
}

int congo_mount_options_check(const struct congo_mount_options *o, const char *type, const char *where,
                              congo_error *err)
{
    bool bind = o->bind || streq_ptr(type, "bind");

    if (!bind && (!type || !*type))
        return congo_error_set(err, 0, "%s: no `type` (and not a bind mount)", where);
    if (bind) {
        for (size_t i = 0; o->fs_options && o->fs_options[i]; i++) {
            const char *opt = o->fs_options[i];
            if (strcmp(opt, "z") == 0 || strcmp(opt, "Z") == 0)
                continue;
            /* Filesystem data (not crun's idmap=MAPPINGS, which congo does
             * not implement: ignoring it would leave the files unmapped). */
            if (strchr(opt, '=') && !str_has_prefix(opt, "idmap=") && !str_has_prefix(opt, "ridmap=")) {
                congo_debug("%s.options[%zu]: ignoring `%s`: a bind mount takes no filesystem options", where,
                            o->fs_option_index[i], opt);
                continue;
            }
            return congo_error_set(err, 0, "%s.options[%zu]: unknown mount option `%s` (a bind mount takes no "
                                   "filesystem options)", where, o->fs_option_index[i], opt);
        }
        if (o->tmpcopyup)
            return congo_error_set(err, 0, "%s: `tmpcopyup` applies to tmpfs mounts, not to a bind mount", where);
        return 0;
    }
    if (o->tmpcopyup && strcmp(type, "tmpfs") != 0)
        return congo_error_set(err, 0, "%s: `tmpcopyup` applies to tmpfs mounts, not to type `%s`", where, type);
    if (o->idmap)
        return congo_error_set(err, 0, "%s: `%s` applies to bind mounts, not to type `%s`", where,
                               o->ridmap ? "ridmap" : "idmap", type);
    return 0;
}

int congo_mount_propagation_parse(unsigned long *out, const char *name, const char *where, congo_error *err)
{
    const struct option *opt = name ? lookup(name) : NULL;

    if (!opt || opt->kind != K_PROP)
        return congo_error_set(err, 0, "%s: unknown propagation `%s` (expected shared, slave, private, "
                               "unbindable, rshared, rslave, rprivate or runbindable)", where, name ? name : "");
    *out = opt->value;
    return 0;
}

uint64_t congo_mount_attr_from_flags(unsigned long flags)
{
    uint64_t a = 0;

    if (flags & MS_RDONLY)
        a |= MOUNT_ATTR_RDONLY;
    if (flags & MS_NOSUID)
        a |= MOUNT_ATTR_NOSUID;
    if (flags & MS_NODEV)
        a |= MOUNT_ATTR_NODEV;
    if (flags & MS_NOEXEC)
        a |= MOUNT_ATTR_NOEXEC;
    if (flags & MS_NODIRATIME)
        a |= MOUNT_ATTR_NODIRATIME;
    if (flags & MS_NOSYMFOLLOW)
        a |= MOUNT_ATTR_NOSYMFOLLOW;
    if (flags & MS_NOATIME)
        a |= MOUNT_ATTR_NOATIME;
    else if (flags & MS_STRICTATIME)
        a |= MOUNT_ATTR_STRICTATIME;
    return a;
}
