/* The mount option parser: lines of input are the options of one mount,
 * the first line its type. */
#include "config.h"

#include "fuzz.h"
#include "libcongo/mount-options.h"
#include "libcongo/utils.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    congo_error err = CONGO_ERROR_INIT;
    struct congo_mount_options o = { 0 };
    char *text = fuzz_cstr(data, size), *type = text, *nl, **opts;
    size_t n = 0;
    unsigned long prop;
    int r;

    nl = strchr(text, '\n');
    if (nl)
        *nl = '\0';
    opts = xnew0(char *, size + 1);
    for (char *p = nl ? nl + 1 : NULL; p;) {
        char *e = strchr(p, '\n');
        if (e)
            *e = '\0';
        opts[n++] = p;
        p = e ? e + 1 : NULL;
    }
    r = congo_mount_options_parse(&o, opts, "mounts[0].options", &err);
    fuzz_check_error(r, &err);
    if (r == 0) {
        r = congo_mount_options_check(&o, *type ? type : NULL, "mounts[0]", &err);
        fuzz_check_error(r, &err);
        congo_mount_options_clear(&o);
    }
    r = congo_mount_propagation_parse(&prop, type, "linux.rootfsPropagation", &err);
    fuzz_check_error(r, &err);
    free(opts);
    free(text);
    return 0;
}
