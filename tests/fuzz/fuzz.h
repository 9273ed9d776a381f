/* Shared by the libFuzzer targets of tests/fuzz/ (see README "Hardening"):
 * each target feeds one parser of outside input from memory and checks
 * that it either accepts the input or fails with an error message, never
 * anything else; the sanitizers catch the rest. */
#ifndef CONGO_FUZZ_H
#define CONGO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libcongo/error.h"
#include "libcongo/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (embedded NULs cut it short, as
 * they would for a C string from a file). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* A failure must say why: an error without a message is a bug. */
static inline void fuzz_check_error(int r, congo_error *err)
{
    if (r < 0 && (!err->msg || !*err->msg))
        abort();
    congo_error_clear(err);
}

#endif
