#include "config.h"

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static congo_log_sink log_sink;
static void *log_data;
static enum congo_log_level log_max = CONGO_LOG_WARNING;

void congo_log_set_sink(congo_log_sink sink, void *data, enum congo_log_level max_level)
{
    log_sink = sink;
    log_data = data;
    log_max = max_level;
}

int congo_log_enabled(enum congo_log_level level)
{
    return log_sink && level <= log_max;
}

void congo_log(enum congo_log_level level, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    if (!congo_log_enabled(level))
        return;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (msg) {
        log_sink(level, msg, log_data);
        free(msg);
    }
}
