/* config.json: the whole parse and validate path of `congo create`. */
#include "config.h"

#include "fuzz.h"
#include "libcongo/oci-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    congo_error err = CONGO_ERROR_INIT;
    oci_config *c = NULL;
    int r = oci_config_parse(&c, (const char *) data, size, "config.json", &err);
    fuzz_check_error(r, &err);
    if (r == 0) {
        r = oci_config_validate(c, &err);
        fuzz_check_error(r, &err);
        oci_config_free(c);
    }
    return 0;
}
