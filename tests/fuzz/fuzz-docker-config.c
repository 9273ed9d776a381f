/* Credentials files: ~/.docker/config.json, containers' auth.json. */
#include "config.h"

#include "fuzz.h"
#include "image/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const domains[] = { "docker.io", "quay.io", "127.0.0.1:5000" };
    char *s = fuzz_cstr(data, size);
    for (size_t i = 0; i < 3; i++) {
        congo_error err = CONGO_ERROR_INIT;
        struct auth_creds c = { 0 };
        bool found = false;
        int r = auth_creds_from_json(&c, s, "config.json", domains[i], &found, &err);
        fuzz_check_error(r, &err);
        if (r == 0 && found) {
            if (!c.user || !c.pass)
                abort();
            auth_creds_free(&c);
        }
    }
    free(s);
    return 0;
}
