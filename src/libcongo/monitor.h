/* The monitor of a detached image container (conmon's role for
 * `congo run -d --name NAME IMAGE`): a small process that stays behind as
 * the container's parent, keeps its stdout and stderr in ROOT/ID/container.log
 * with timestamps (`congo logs`), records its exit status in the state and
 * reaps it; with --rm it then deletes the container and its bundle. */
#ifndef CONGO_MONITOR_H
#define CONGO_MONITOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "container.h"
#include "error.h"

#define CONGO_CONTAINER_LOG "container.log"

/* Fork the monitor, which creates and starts the container; returns once
 * the container runs (or with the error that stopped it). */
int congo_monitor_spawn(pid_t *monitor_out, const struct congo_create_opts *o, bool remove, congo_error *err);

/* One log line: "<RFC 3339 time> <stdout|stderr> <text>". */
int congo_log_line_parse(const char *line, const char **time, const char **stream, const char **text);

#endif
