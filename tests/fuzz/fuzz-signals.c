/* Signal names and numbers (`kill`, StopSignal of images). */
#include "config.h"

#include <signal.h>

#include "fuzz.h"
#include "libcongo/signals.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    congo_error err = CONGO_ERROR_INIT;
    char *s = fuzz_cstr(data, size);
    int sig = congo_signal_parse(s, &err);
    fuzz_check_error(sig < 0 ? sig : 0, &err);
    if (sig > 0) {
        /* What parses is a real signal with a name that parses back to it. */
        const char *name = congo_signal_name(sig);
        if (sig >= 65)
            abort();
        if (name && congo_signal_parse(name, &err) != sig)
            abort();
        congo_error_clear(&err);
    }
    free(s);
    return 0;
}
