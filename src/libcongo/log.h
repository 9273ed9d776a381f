/* Library code does not print.  What it has to say besides errors (debug
 * traces, warnings such as a seccomp syscall unknown to this libseccomp) goes
 * through a sink that the command layer installs; without one it is dropped. */
#ifndef CONGO_LOG_H
#define CONGO_LOG_H

enum congo_log_level { CONGO_LOG_ERROR, CONGO_LOG_WARNING, CONGO_LOG_INFO, CONGO_LOG_DEBUG };

typedef void (*congo_log_sink)(enum congo_log_level level, const char *msg, void *data);

void congo_log_set_sink(congo_log_sink sink, void *data, enum congo_log_level max_level);
void congo_log(enum congo_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True when messages at this level reach the sink: guard costly formatting. */
int congo_log_enabled(enum congo_log_level level);

#define congo_debug(...) congo_log(CONGO_LOG_DEBUG, __VA_ARGS__)
#define congo_warning(...) congo_log(CONGO_LOG_WARNING, __VA_ARGS__)

#endif
