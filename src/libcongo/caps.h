/* Capabilities with libcap: names <-> numbers, and applying the five sets of
 * process.capabilities (bounding dropped first, then effective/permitted/
 * inheritable, then ambient raised).  A capability unknown to the running
 * kernel is an error naming it (or skipped with a warning for names libcap
 * knows but the kernel does not have, as runc does). */
#ifndef CONGO_CAPS_H
#define CONGO_CAPS_H

#include "error.h"
#include "oci-config.h"

/* Call before switching uid with PR_SET_KEEPCAPS semantics handled inside. */
int congo_caps_apply(const oci_capabilities *caps, congo_error *err);
/* The highest capability number of the running kernel. */
int congo_caps_last_cap(void);
/* "CAP_SYS_ADMIN" for 21; NULL when unknown. */
const char *congo_cap_name(int cap);

#endif
