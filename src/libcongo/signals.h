/* Signal names: "TERM", "SIGTERM", "15", "SIGRTMIN+3", "RTMAX-1". */
#ifndef CONGO_SIGNALS_H
#define CONGO_SIGNALS_H

#include "error.h"

/* Returns the signal number, or a negative value with *err naming the input. */
int congo_signal_parse(const char *s, congo_error *err);
/* "SIGTERM" for 15; NULL when unknown. */
const char *congo_signal_name(int sig);

#endif
