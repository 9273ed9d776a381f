/* The image store under STORE (default /var/lib/congo):
 *
 *   STORE/images/               an OCI image layout (oci-layout, index.json,
 *                               blobs/sha256/HEX) that skopeo and umoci read;
 *                               index.json names images with the
 *                               org.opencontainers.image.ref.name annotation
 *   STORE/ingest/HEX.partial    downloads in progress, kept for resuming
 *   STORE/layers/sha256/HEX     each layer unpacked once, named by diff_id
 *   STORE/layers/tmp/           layers being unpacked (renamed when complete)
 *   STORE/bundles/NAME          default place of bundles made by `extract`
 *   STORE/bundle-refs/HEX.json  which layers each bundle's overlay uses
 *   STORE/gc.lock, index.lock   flock(2) locks
 *
 * Every write is atomic (temporary file, fsync, rename, fsync of the
 * directory), so a pull killed at any instant leaves no corrupt blob and no
 * index entry pointing at a missing blob.  Writers (pull, load, extract) hold
 * gc.lock shared; prune holds it exclusive, so it never removes what a
 * running pull has stored but not yet referenced.  index.json is rewritten
 * under index.lock, so concurrent pulls never lose each other's entries. */
#ifndef CONGO_IMAGE_STORE_H
#define CONGO_IMAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"
#include "image/manifest.h"
#include "libcongo/error.h"

#define STORE_DEFAULT "/var/lib/congo"

struct store {
    char *root;
    int root_fd;
    int images_fd;
    int blobs_fd;     /* images/blobs/sha256 */
    int ingest_fd;
    int layers_fd;    /* layers/sha256 */
    int layers_tmp_fd;
    int gc_lock_fd;
};

/* Open (and with `create`, initialise) the store at root. */
int store_open(struct store **out, const char *root, bool create, congo_error *err);
void store_close(struct store *s);
static inline void store_closep(struct store **s)
{
    if (*s)
        store_close(*s);
}
#define _cleanup_store_ __attribute__((cleanup(store_closep)))

/* gc.lock: shared for writers, exclusive for prune. Released by store_close. */
int store_lock_gc(struct store *s, bool exclusive, congo_error *err);

/* Blobs */
bool store_has_blob(struct store *s, const char *digest);
int store_open_blob(struct store *s, const char *digest, int *fd, congo_error *err);
/* Read a whole blob (at most max bytes) and verify its digest. */
int store_read_blob(struct store *s, const char *digest, size_t max, char **out, size_t *len, congo_error *err);
/* Store data under its digest; when `expect` is given, a different digest is
 * an error and nothing is written.  out_digest (optional) gets the digest. */
int store_put_blob(struct store *s, const char *expect, const void *data, size_t len, char *out_digest,
                   congo_error *err);

/* Streaming writes into a blob: open, write, commit (verify + rename) or abort. */
struct ingest {
    int fd;
    char *name;           /* file name under ingest/ (resumable) or NULL (O_TMPFILE) */
    struct hasher h;
    int64_t offset;       /* bytes written so far */
    char expect[DIGEST_LEN + 1];
    char *buf;            /* write buffer */
    size_t buf_used;
    bool synced;          /* fsynced since the last write */
};
/* With `resumable` (and an expected digest), continue ingest/HEX.partial left
 * by an earlier attempt; if another process is writing it, use a private
 * temporary file instead.  *resumed_from tells how many bytes were there. */
int store_ingest_open(struct store *s, const char *expect, bool resumable, struct ingest *out, congo_error *err);
int ingest_write(struct ingest *in, const void *buf, size_t n, congo_error *err);
/* Write out what is buffered and fsync (commit then skips its own fsync). */
int ingest_sync(struct ingest *in, congo_error *err);
/* Throw away what was written (the server ignored a Range request). */
int ingest_reset(struct ingest *in, congo_error *err);
/* Verify size (when size >= 0) and digest, then publish as a blob.
 * out_digest (optional) gets the digest.  On mismatch nothing is stored and
 * the partial file is removed (it cannot be resumed). */
int store_ingest_commit(struct store *s, struct ingest *in, int64_t size, char *out_digest, congo_error *err);
/* Close; with keep, a resumable partial file stays for the next attempt. */
void store_ingest_abort(struct store *s, struct ingest *in, bool keep);

/* index.json */
struct store_entry {
    char *name;                 /* ref name annotation (may be NULL) */
    struct descriptor desc;
};
struct store_index {
    struct store_entry *entries;
    size_t n;
};
int store_index_read(struct store *s, struct store_index *out, congo_error *err);
void store_index_free(struct store_index *idx);
/* Point `name` at desc (replacing the entry of that name). */
int store_index_tag(struct store *s, const char *name, const struct descriptor *desc, congo_error *err);
/* Remove entries named `name`, or when name is NULL every entry whose
 * descriptor has `digest`; *removed counts them. */
int store_index_untag(struct store *s, const char *name, const char *digest, size_t *removed, congo_error *err);

/* An image found in the store: its index entry and platform manifest. */
struct store_image {
    char *name;                 /* ref name, or NULL for an untagged digest match */
    struct descriptor top;      /* what index.json points at (manifest or index) */
    char manifest_digest[DIGEST_LEN + 1];
    struct manifest_doc manifest;
    struct image_config config;
    char *config_json;          /* raw config blob */
};
void store_image_free(struct store_image *im);
/* Find an image by reference (normalised like pull), by the name as written
 * in index.json, or by (a prefix of) its ID or manifest digest.  `platform`
 * chooses from an index entry (NULL: this host). */
int store_find_image(struct store *s, const char *ref, const struct platform *platform, struct store_image *out,
                     congo_error *err);
/* Load manifest and config of the entry `top` points at. */
int store_load_image(struct store *s, const struct descriptor *top, const struct platform *platform,
                     struct store_image *out, congo_error *err);

/* Layers */
bool store_has_layer(struct store *s, const char *diff_id);
char *store_layer_path(struct store *s, const char *diff_id);

/* fsync a directory fd; errors are ignored where the filesystem cannot. */
void fsync_dir(int dfd);

#endif
