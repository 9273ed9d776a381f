/* The freestanding exec-stub (exec-stub.c), embedded as bytes: congo writes
 * them into a sealed memfd and execs that (self-exe.h).  Empty when this
 * architecture has no stub. */
#include "config.h"

#include <stddef.h>

#include "self-exe.h"

const unsigned char congo_exec_stub[] = {
#include "src/libcongo/exec-stub-bin.h"
    0 /* keeps the array non-empty; not part of the program */
};
const size_t congo_exec_stub_size = sizeof congo_exec_stub - 1;
