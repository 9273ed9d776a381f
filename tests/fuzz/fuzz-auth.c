/* What a registry's auth sends: WWW-Authenticate challenges and token
 * service replies. */
#include "config.h"

#include "fuzz.h"
#include "image/auth.h"
#include "image/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    congo_error err = CONGO_ERROR_INIT;
    struct auth_challenge ch = { 0 };
    char *s = fuzz_cstr(data, size), *token = NULL;
    long long expires = 60;
    int r = auth_challenge_parse(&ch, s, &err);
    fuzz_check_error(r, &err);
    if (r == 0)
        auth_challenge_free(&ch);
    r = registry_token_parse(s, &token, &expires, &err);
    fuzz_check_error(r, &err);
    if (r == 0) {
        if (!token || !*token || expires <= 0)
            abort();
        free(token);
    }
    free(s);
    return 0;
}
