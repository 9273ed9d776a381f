/* A per-blob progress display for pulls on a terminal: one line per blob
 * (bytes, total, rate, state) plus a total line, redrawn in place at most
 * ten times a second.  Disabled (nothing printed) when stderr is not a
 * terminal or with --quiet. */
#ifndef CONGO_IMAGE_PROGRESS_H
#define CONGO_IMAGE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress;

struct progress *progress_new(bool enabled);
/* A line for a blob of `total` bytes; returns its index. */
int progress_add(struct progress *p, const char *label, int64_t total);
/* Bytes done (of the blob, including resumed bytes) and a short state word. */
void progress_update(struct progress *p, int idx, int64_t done, const char *state);
/* Redraw if enabled and 100 ms passed (or force). */
void progress_draw(struct progress *p, bool force);
/* Final redraw and free. */
void progress_free(struct progress *p);

/* "12.3 MiB" */
void format_size(char *buf, size_t n, double bytes);

#endif
