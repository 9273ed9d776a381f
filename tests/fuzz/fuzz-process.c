/* process.json (`exec -p`) parse and validate, and the same bytes as an
 * `update --resources` document. */
#include "config.h"

#include "fuzz.h"
#include "libcongo/oci-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    congo_error err = CONGO_ERROR_INIT;
    oci_process *p = NULL;
    oci_resources *res = NULL;
    int r = oci_process_parse(&p, (const char *) data, size, "process.json", &err);
    fuzz_check_error(r, &err);
    if (r == 0) {
        r = oci_process_validate(p, "process.json", &err);
        fuzz_check_error(r, &err);
        oci_process_free(p);
    }
    r = oci_resources_parse(&res, (const char *) data, size, "resources.json", &err);
    fuzz_check_error(r, &err);
    if (r == 0)
        oci_resources_free(res);
    return 0;
}
