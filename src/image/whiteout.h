/* Layer whiteouts, converted to overlayfs form.  Pure logic, kept apart so
 * the mapping is unit-tested.
 *
 * In a layer tarball `DIR/.wh.NAME` deletes NAME of the layers below and
 * `DIR/.wh..wh..opq` hides everything below in DIR.  In an unpacked layer
 * directory used as an overlay lower layer, the first becomes a 0/0
 * character device NAME, the second the xattr trusted.overlay.opaque=y on
 * DIR.  A whiteout only hides the layers below, never entries of its own
 * layer, so the result must not depend on the order of the entries:
 * `.wh.NAME` followed (or preceded) by a directory NAME in the same layer is
 * that directory made opaque; followed (or preceded) by a file NAME, it is
 * just the file. */
#ifndef CONGO_IMAGE_WHITEOUT_H
#define CONGO_IMAGE_WHITEOUT_H

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#include <stdbool.h>

/* trusted.overlay.opaque, or user.overlay.opaque in a user namespace
 * (rootless: an overlay mounted there with `userxattr` reads those). */
#define OVERLAY_OPAQUE_XATTR overlay_opaque_xattr()
const char *overlay_opaque_xattr(void);
/* Whether congo-image runs in a user namespace other than the initial one
 * (rootless, congo_userns_become_root()). */
bool image_in_userns(void);

enum whiteout_kind {
    WHITEOUT_NONE,    /* an ordinary entry */
    WHITEOUT_FILE,    /* .wh.NAME: *target is NAME */
    WHITEOUT_OPAQUE_DIR, /* .wh..wh..opq: the parent directory is opaque */
    WHITEOUT_META,    /* other .wh..wh.* (aufs metadata): ignored */
    WHITEOUT_INVALID, /* .wh. with an empty, `.` or `..` name */
};

/* Classify the last component of an entry path. */
enum whiteout_kind whiteout_classify(const char *base, const char **target);

/* What is at NAME in the layer directory when an entry for NAME arrives. */
enum whiteout_existing {
    EXISTING_NONE,
    EXISTING_WHITEOUT,  /* a 0/0 character device made by an earlier .wh.NAME */
    EXISTING_DIR,
    EXISTING_OTHER,
};

enum whiteout_action {
    ACTION_NOTHING = 0,
    ACTION_MKNOD_WHITEOUT = 1, /* create the 0/0 character device */
    ACTION_SET_OPAQUE = 2,     /* set the opaque xattr on the directory NAME */
    ACTION_REMOVE = 4,         /* remove what is there before creating */
    ACTION_CREATE = 8,         /* create the entry */
    ACTION_MERGE = 16,         /* a directory over a directory: update its metadata */
};

/* The entry is `.wh.NAME`; returns a mask of actions. */
int whiteout_action_for_whiteout(enum whiteout_existing existing);
/* The entry is NAME itself (a directory or not). */
int whiteout_action_for_entry(enum whiteout_existing existing, int entry_is_dir);

#endif
