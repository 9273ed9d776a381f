/* Ingest on a worker thread (see async-ingest.h). */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <string.h>

#include "image/async-ingest.h"
#include "libcongo/utils.h"

#define CHUNK (1u << 20)
#define MAX_QUEUED 4

struct chunk {
    char *buf;
    size_t len;
};

struct async_ingest {
    struct ingest in;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct chunk queue[MAX_QUEUED];
    size_t head, count;       /* ring of queued chunks */
    char *fill;               /* the chunk being filled by the loop */
    size_t fill_len;
    char *spare[MAX_QUEUED + 1];
    size_t nspare;
    bool finish, stop, busy, synced, failed;
    bool want_room;           /* the loop paused this download: notify when a chunk is free */
    congo_error err;
    void (*notify)(void *);
    void *data;
};

static char *take_buffer(struct async_ingest *a)
{
    return a->nspare ? a->spare[--a->nspare] : xmalloc(CHUNK);
}

static void *worker(void *arg)
{
    struct async_ingest *a = arg;
    pthread_mutex_lock(&a->lock);
    for (;;) {
        while (a->count == 0 && !a->stop && !(a->finish && !a->synced))
            pthread_cond_wait(&a->cond, &a->lock);
        if (a->count > 0) {
            struct chunk c = a->queue[a->head];
            a->head = (a->head + 1) % MAX_QUEUED;
            a->count--;
            a->busy = true;
            pthread_mutex_unlock(&a->lock);
            if (!a->failed && ingest_write(&a->in, c.buf, c.len, &a->err) < 0)
                a->failed = true;
            /* Start writing it to the disk now: the fsync at the end then
             * has little left to wait for. */
            if (!a->failed && c.len == CHUNK)
                sync_file_range(a->in.fd, a->in.offset - c.len, c.len, SYNC_FILE_RANGE_WRITE);
            pthread_mutex_lock(&a->lock);
            a->busy = false;
            if (a->nspare < MAX_QUEUED + 1)
                a->spare[a->nspare++] = c.buf;
            else
                free(c.buf);
            pthread_cond_broadcast(&a->cond);
            if (a->want_room && a->notify) {
                a->want_room = false;
                a->notify(a->data);
            }
            continue;
        }
        if (a->finish && !a->synced) {
            a->busy = true;
            pthread_mutex_unlock(&a->lock);
            /* The fsync here, not in the loop: it can take a while. */
            if (!a->failed && ingest_sync(&a->in, &a->err) < 0)
                a->failed = true;
            pthread_mutex_lock(&a->lock);
            a->busy = false;
            a->synced = true;
            pthread_cond_broadcast(&a->cond);
            if (a->notify)
                a->notify(a->data);
            continue;
        }
        if (a->stop)
            break;
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

int async_ingest_start(struct async_ingest **out, struct ingest *in, void (*notify)(void *), void *data,
                       congo_error *err)
{
    struct async_ingest *a = xzalloc(sizeof *a);
    int r;
    a->in = *in;
    a->notify = notify;
    a->data = data;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->cond, NULL);
    r = pthread_create(&a->thread, NULL, worker, a);
    if (r != 0) {
        pthread_mutex_destroy(&a->lock);
        pthread_cond_destroy(&a->cond);
        free(a);
        return congo_error_set(err, r, "start a writer thread");
    }
    *in = (struct ingest){ .fd = -1 };
    *out = a;
    return 0;
}

/* Hand the filled chunk to the worker; the lock is held. */
static void push_fill(struct async_ingest *a)
{
    while (a->count == MAX_QUEUED)
        pthread_cond_wait(&a->cond, &a->lock);
    a->queue[(a->head + a->count) % MAX_QUEUED] = (struct chunk){ a->fill, a->fill_len };
    a->count++;
    a->fill = NULL;
    a->fill_len = 0;
    pthread_cond_broadcast(&a->cond);
}

bool async_ingest_has_room(struct async_ingest *a, size_t n)
{
    bool room;
    pthread_mutex_lock(&a->lock);
    /* Every chunk the n bytes fill needs a free slot in the queue. */
    room = (a->fill_len + n) / CHUNK <= MAX_QUEUED - a->count;
    if (!room)
        a->want_room = true;
    pthread_mutex_unlock(&a->lock);
    return room;
}

int async_ingest_write(struct async_ingest *a, const void *buf, size_t n)
{
    const char *p = buf;
    if (a->failed)
        return -1;
    pthread_mutex_lock(&a->lock);
    while (n > 0) {
        size_t k;
        if (!a->fill)
            a->fill = take_buffer(a);
        k = CHUNK - a->fill_len < n ? CHUNK - a->fill_len : n;
        memcpy(a->fill + a->fill_len, p, k);
        a->fill_len += k;
        p += k;
        n -= k;
        if (a->fill_len == CHUNK)
            push_fill(a);
    }
    pthread_mutex_unlock(&a->lock);
    return 0;
}

void async_ingest_finish(struct async_ingest *a)
{
    pthread_mutex_lock(&a->lock);
    if (a->fill && a->fill_len)
        push_fill(a);
    a->finish = true;
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
}

bool async_ingest_idle(struct async_ingest *a)
{
    bool idle;
    pthread_mutex_lock(&a->lock);
    idle = a->count == 0 && !a->busy && (!a->finish || a->synced);
    pthread_mutex_unlock(&a->lock);
    return idle;
}

int async_ingest_stop(struct async_ingest *a, struct ingest *in, congo_error *err)
{
    int r = 0;
    pthread_mutex_lock(&a->lock);
    if (a->fill && a->fill_len)
        push_fill(a);
    a->stop = true;
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
    pthread_join(a->thread, NULL);
    if (a->failed) {
        *err = a->err;
        r = -EIO;
    } else {
        congo_error_clear(&a->err);
    }
    free(a->fill);
    for (size_t i = 0; i < a->nspare; i++)
        free(a->spare[i]);
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->cond);
    *in = a->in;
    free(a);
    return r;
}
