/* Image configs (Entrypoint, Cmd, Env, User, diff_ids, labels...). */
#include "config.h"

#include "fuzz.h"
#include "image/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    congo_error err = CONGO_ERROR_INIT;
    struct image_config c = { 0 };
    char *s = fuzz_cstr(data, size);
    int r = image_config_parse(&c, s, "config", &err);
    fuzz_check_error(r, &err);
    if (r == 0) {
        for (size_t i = 0; i < c.n_diff_ids; i++)
            if (!digest_valid(c.diff_ids[i]))
                abort();
        image_config_free(&c);
    }
    free(s);
    return 0;
}
