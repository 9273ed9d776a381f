/* Docker image references (`congo-image pull REF`, names in archives). */
#include "config.h"

#include "fuzz.h"
#include "image/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    congo_error err = CONGO_ERROR_INIT;
    struct image_ref ref = { 0 }, again = { 0 };
    char *s = fuzz_cstr(data, size);
    int r = image_ref_parse(&ref, s, &err);
    fuzz_check_error(r, &err);
    if (r == 0) {
        /* The canonical form parses back to itself. */
        char *canon = image_ref_string(&ref), *name = image_ref_name(&ref), *canon2;
        if (image_ref_parse(&again, canon, &err) < 0)
            abort();
        canon2 = image_ref_string(&again);
        if (strcmp(canon, canon2) != 0 || !image_ref_registry_host(&ref))
            abort();
        free(canon);
        free(canon2);
        free(name);
        image_ref_free(&again);
        image_ref_free(&ref);
    }
    free(s);
    return 0;
}
