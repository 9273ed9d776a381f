/* Tar entry paths of layers and their whiteouts, as handle_entry() in
 * src/image/unpack.c takes them apart: each input line is an entry path. */
#include "config.h"

#include "fuzz.h"
#include "image/unpack.h"
#include "image/whiteout.h"

static void entry(const char *raw)
{
    congo_error err = CONGO_ERROR_INIT;
    char *path = NULL, *slash;
    const char *base, *target = NULL;
    int r = layer_path_clean(raw, &path, &err);
    fuzz_check_error(r, &err);
    if (r < 0)
        return;
    /* A clean path stays in the layer: no `..`, no empty or `.` component
     * (but the root "."), no leading slash, within the bounds. */
    if (strlen(path) > LAYER_PATH_MAX || path[0] == '/')
        abort();
    if (strcmp(path, ".") != 0) {
        for (char *p = path;;) {
            char *e = strchr(p, '/');
            size_t len = e ? (size_t) (e - p) : strlen(p);
            if (len == 0 || len > LAYER_NAME_MAX || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
                abort();
            if (!e)
                break;
            p = e + 1;
        }
    }
    slash = strrchr(path, '/');
    base = slash ? slash + 1 : path;
    switch (whiteout_classify(base, &target)) {
    case WHITEOUT_FILE:
        /* The name a whiteout deletes is a plain name in the same directory. */
        if (!target || !*target || strchr(target, '/') || strcmp(target, ".") == 0 || strcmp(target, "..") == 0)
            abort();
        break;
    default:
        break;
    }
    for (int e = EXISTING_NONE; e <= EXISTING_OTHER; e++) {
        int a = whiteout_action_for_whiteout(e);
        /* A whiteout never removes what its own layer made. */
        if (a & ACTION_REMOVE)
            abort();
        whiteout_action_for_entry(e, 0);
        whiteout_action_for_entry(e, 1);
    }
    free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    for (char *p = s; p;) {
        char *e = strchr(p, '\n');
        if (e)
            *e = '\0';
        entry(p);
        p = e ? e + 1 : NULL;
    }
    free(s);
    return 0;
}
