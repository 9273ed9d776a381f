/* Capabilities with libcap: names <-> numbers, and applying the five sets of
 * process.capabilities (bounding dropped first, then effective/permitted/
 * inheritable, then ambient raised).  Names that are unknown, or that libcap
 * knows but the running kernel lacks, are ignored with one warning
 * ("ignoring unknown or unavailable capabilities: [CAP_FOO]"), as runc does.
 * A NULL oci_capabilities (process.capabilities absent) leaves the
 * process's capabilities as they are, as runc does. */
#ifndef CONGO_CAPS_H
#define CONGO_CAPS_H

#include "error.h"
#include "oci-config.h"

/* All of it at once, for a process whose uid does not change afterwards:
 * congo_caps_check + congo_caps_drop_bounding + congo_caps_set.  With a uid
 * switch, congo_process_set_identity() runs the steps around setresuid()
 * with PR_SET_KEEPCAPS itself. */
int congo_caps_apply(const oci_capabilities *caps, congo_error *err);
/* The highest capability number of the running kernel. */
int congo_caps_last_cap(void);
/* "CAP_SYS_ADMIN" for 21; NULL when unknown. */
const char *congo_cap_name(int cap);

/* Added by the process module. */
/* "CAP_SYS_ADMIN" -> 21 (exact, upper case, as runc matches); -1 when unknown. */
int congo_cap_from_name(const char *name);
/* What the kernel would refuse with a bare EPERM, named: effective outside
 * permitted, inheritable outside bounding.  Ambient capabilities outside
 * permitted and inheritable are no error (runc raises the ambient set
 * best-effort): a debug message names them, once per process.  Pure: usable
 * in the parent before anything is created. */
int congo_caps_check(const oci_capabilities *caps, congo_error *err);
/* Drop every capability not in process.capabilities.bounding (needs CAP_SETPCAP). */
int congo_caps_drop_bounding(const oci_capabilities *caps, congo_error *err);
/* capset() the effective, permitted and inheritable sets, then clear the
 * ambient set and raise what process.capabilities.ambient asks and the kernel
 * allows (a debug message for the rest). */
int congo_caps_set(const oci_capabilities *caps, congo_error *err);

#endif
