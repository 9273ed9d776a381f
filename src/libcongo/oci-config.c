/* config.json parser: placeholder until the parser lands. */
#include "config.h"

#include <errno.h>

#include "oci-config.h"

int oci_config_load(oci_config **out, const char *bundle, congo_error *err)
{
    return congo_error_set(err, ENOSYS, "config.json parser not implemented yet");
}

void oci_config_free(oci_config *c) {}
