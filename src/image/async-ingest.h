/* An ingest fed from the download loop and drained by a worker thread:
 * the loop only copies received bytes into chunks, the worker hashes them,
 * writes them and fsyncs at the end.  So hashing and disk writes of several
 * blobs run on all CPUs while the one curl loop keeps receiving, and an
 * fsync never stalls the other downloads.  At most a few chunks are queued
 * per blob: a slow disk slows the download down instead of filling memory. */
#ifndef CONGO_IMAGE_ASYNC_INGEST_H
#define CONGO_IMAGE_ASYNC_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "image/store.h"
#include "libcongo/error.h"

struct async_ingest;

/* Take over *in (its fd, hash state and offset) and start the worker.
 * `notify` is called from the worker when it finished, and when a chunk
 * is free after async_ingest_has_room() said no (may be NULL). */
int async_ingest_start(struct async_ingest **out, struct ingest *in, void (*notify)(void *), void *data,
                       congo_error *err);
/* Whether n bytes can be queued without waiting for the worker.  When not,
 * `notify` is called once a chunk is free again: the download loop pauses
 * that transfer meanwhile instead of blocking all of them. */
bool async_ingest_has_room(struct async_ingest *a, size_t n);
/* Queue bytes (copied); blocks while the queue is full.  -1 once the worker failed. */
int async_ingest_write(struct async_ingest *a, const void *buf, size_t n);
/* No more data: the worker writes what is queued, then fsyncs.  Does not block. */
void async_ingest_finish(struct async_ingest *a);
/* True when the worker is done with everything queued (and the fsync after finish). */
bool async_ingest_idle(struct async_ingest *a);
/* Stop the worker (after the queue is drained) and give the ingest back;
 * returns the worker's error, if any. */
int async_ingest_stop(struct async_ingest *a, struct ingest *in, congo_error *err);

#endif
