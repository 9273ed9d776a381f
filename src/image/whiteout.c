/* Layer whiteouts (see whiteout.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "image/whiteout.h"

enum whiteout_kind whiteout_classify(const char *base, const char **target)
{
    if (strncmp(base, WHITEOUT_PREFIX, 4) != 0)
        return WHITEOUT_NONE;
    if (strcmp(base, WHITEOUT_OPAQUE) == 0)
        return WHITEOUT_OPAQUE_DIR;
    if (strncmp(base, ".wh..wh.", 8) == 0)
        return WHITEOUT_META;
    base += 4;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strchr(base, '/'))
        return WHITEOUT_INVALID;
    if (target)
        *target = base;
    return WHITEOUT_FILE;
}

int whiteout_action_for_whiteout(enum whiteout_existing existing)
{
    switch (existing) {
    case EXISTING_NONE:
        return ACTION_MKNOD_WHITEOUT;
    case EXISTING_DIR:
        /* NAME was deleted and made again as a directory in this layer:
         * nothing of the lower NAME may show through. */
        return ACTION_SET_OPAQUE;
    case EXISTING_WHITEOUT:
    case EXISTING_OTHER:
    default:
        /* A file of this layer already hides the lower NAME. */
        return ACTION_NOTHING;
    }
}

int whiteout_action_for_entry(enum whiteout_existing existing, int entry_is_dir)
{
    switch (existing) {
    case EXISTING_NONE:
        return ACTION_CREATE;
    case EXISTING_WHITEOUT:
        return ACTION_REMOVE | ACTION_CREATE | (entry_is_dir ? ACTION_SET_OPAQUE : 0);
    case EXISTING_DIR:
        return entry_is_dir ? ACTION_MERGE : ACTION_REMOVE | ACTION_CREATE;
    case EXISTING_OTHER:
    default:
        return ACTION_REMOVE | ACTION_CREATE;
    }
}

bool image_in_userns(void)
{
    static int cached = -1;
    if (cached < 0) {
        char buf[64] = "";
        FILE *f = fopen("/proc/self/uid_map", "re");
        unsigned a = 0, b = 0, n = 0;
        cached = f && fgets(buf, sizeof buf, f) && sscanf(buf, "%u %u %u", &a, &b, &n) == 3 &&
                 !(a == 0 && b == 0 && n == 4294967295u);
        if (f)
            fclose(f);
    }
    return cached;
}

const char *overlay_opaque_xattr(void)
{
    return image_in_userns() ? "user.overlay.opaque" : "trusted.overlay.opaque";
}
