/* The image store (see store.h). */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "image/json.h"
#include "image/reference.h"
#include "image/store.h"
#include "libcongo/log.h"
#include "libcongo/utils.h"

#define INGEST_BUF (1u << 20)

void fsync_dir(int dfd)
{
    if (fsync(dfd) < 0 && errno != EINVAL && errno != EROFS)
        congo_debug("fsync directory: %s", strerror(errno));
}

static int open_dir(int dirfd, const char *path, bool create, int *out, congo_error *err)
{
    int fd;
    if (create && mkdirat(dirfd, path, 0755) < 0 && errno != EEXIST)
        return congo_error_errno(err, "create directory `%s`", path);
    fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return congo_error_errno(err, "open directory `%s`", path);
    *out = fd;
    return 0;
}

static int lock_file(int dirfd, const char *name, int op, int *out, congo_error *err)
{
    int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return congo_error_errno(err, "open lock `%s`", name);
    while (flock(fd, op) < 0) {
        if (errno == EINTR)
            continue;
        int r = congo_error_errno(err, "lock `%s`", name);
        close(fd);
        return r;
    }
    *out = fd;
    return 0;
}

static const char empty_index[] =
    "{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"" MT_OCI_INDEX "\",\n  \"manifests\": []\n}\n";
static const char oci_layout[] = "{\"imageLayoutVersion\": \"1.0.0\"}\n";

int store_open(struct store **out, const char *root, bool create, congo_error *err)
{
    struct store *s = xzalloc(sizeof *s);
    int r;

    s->root = xstrdup(root);
    s->root_fd = s->images_fd = s->blobs_fd = s->ingest_fd = s->layers_fd = s->layers_tmp_fd = s->gc_lock_fd = -1;
    if (create) {
        r = mkdir_p_at(AT_FDCWD, root, 0755, err);
        if (r < 0)
            goto fail;
    }
    s->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->root_fd < 0) {
        if (errno == ENOENT && !create)
            r = congo_error_set(err, ENOENT, "no image store at `%s` (pull or load an image first)", root);
        else
            r = congo_error_errno(err, "open store `%s`", root);
        goto fail;
    }
    {
        /* Absolute: the path goes into overlay options and bundle records. */
        char *real = realpath(root, NULL);
        if (real) {
            free(s->root);
            s->root = real;
        }
    }
    if ((r = open_dir(s->root_fd, "images", create, &s->images_fd, err)) < 0)
        goto fail;
    if (create) {
        if (mkdirat(s->images_fd, "blobs", 0755) < 0 && errno != EEXIST) {
            r = congo_error_errno(err, "create `%s/images/blobs`", root);
            goto fail;
        }
    }
    if ((r = open_dir(s->images_fd, "blobs/sha256", create, &s->blobs_fd, err)) < 0 ||
        (r = open_dir(s->root_fd, "ingest", create, &s->ingest_fd, err)) < 0)
        goto fail;
    if (create) {
        if (mkdirat(s->root_fd, "layers", 0755) < 0 && errno != EEXIST) {
            r = congo_error_errno(err, "create `%s/layers`", root);
            goto fail;
        }
        if ((mkdirat(s->root_fd, "bundles", 0755) < 0 && errno != EEXIST) ||
            (mkdirat(s->root_fd, "bundle-refs", 0700) < 0 && errno != EEXIST)) {
            r = congo_error_errno(err, "create directories in `%s`", root);
            goto fail;
        }
    }
    if ((r = open_dir(s->root_fd, "layers/sha256", create, &s->layers_fd, err)) < 0 ||
        (r = open_dir(s->root_fd, "layers/tmp", create, &s->layers_tmp_fd, err)) < 0)
        goto fail;
    if (create) {
        /* oci-layout and an empty index.json, once, under the index lock. */
        _cleanup_close_ int lk = -1;
        if (faccessat(s->images_fd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) < 0 ||
            faccessat(s->images_fd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
            if ((r = lock_file(s->root_fd, "index.lock", LOCK_EX, &lk, err)) < 0)
                goto fail;
            if (faccessat(s->images_fd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
                (r = write_file_atomic_at(s->images_fd, "oci-layout", oci_layout, sizeof oci_layout - 1, 0644, err)) < 0)
                goto fail;
            if (faccessat(s->images_fd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
                (r = write_file_atomic_at(s->images_fd, "index.json", empty_index, sizeof empty_index - 1, 0644, err)) < 0)
                goto fail;
            fsync_dir(s->images_fd);
        }
    }
    *out = s;
    return 0;
fail:
    store_close(s);
    return congo_error_wrap(err, r, "image store `%s`", root);
}

void store_close(struct store *s)
{
    int *fds[] = { &s->root_fd, &s->images_fd, &s->blobs_fd, &s->ingest_fd, &s->layers_fd, &s->layers_tmp_fd,
                   &s->gc_lock_fd };
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
        if (*fds[i] >= 0)
            close(*fds[i]);
    free(s->root);
    free(s);
}

int store_lock_gc(struct store *s, bool exclusive, congo_error *err)
{
    if (s->gc_lock_fd >= 0)
        return 0;
    return lock_file(s->root_fd, "gc.lock", exclusive ? LOCK_EX : LOCK_SH, &s->gc_lock_fd, err);
}

bool store_has_blob(struct store *s, const char *digest)
{
    struct stat st;
    return digest_valid(digest) && fstatat(s->blobs_fd, digest_hex(digest), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISREG(st.st_mode);
}

int store_open_blob(struct store *s, const char *digest, int *fd, congo_error *err)
{
    int r = digest_check(digest, "blob", err);
    if (r < 0)
        return r;
    *fd = openat(s->blobs_fd, digest_hex(digest), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (*fd < 0)
        return congo_error_errno(err, "blob %s is not in the store", digest);
    return 0;
}

int store_read_blob(struct store *s, const char *digest, size_t max, char **out, size_t *len, congo_error *err)
{
    _cleanup_close_ int fd = -1;
    _cleanup_free_ char *buf = NULL;
    char got[DIGEST_LEN + 1];
    size_t n;
    int r;

    if ((r = store_open_blob(s, digest, &fd, err)) < 0)
        return r;
    if ((r = read_fd(fd, max, &buf, &n, err)) < 0)
        return congo_error_wrap(err, r, "read blob %s", digest);
    digest_buffer(buf, n, got);
    if (strcmp(got, digest) != 0)
        return congo_error_set(err, EIO, "blob %s in the store is corrupt (its content hashes to %s)", digest, got);
    *out = steal_pointer(&buf);
    if (len)
        *len = n;
    return 0;
}

int store_put_blob(struct store *s, const char *expect, const void *data, size_t len, char *out_digest,
                   congo_error *err)
{
    struct ingest in;
    char got[DIGEST_LEN + 1];
    int r;

    digest_buffer(data, len, got);
    if (expect && strcmp(got, expect) != 0)
        return congo_error_set(err, 0, "digest mismatch: expected %s, the content hashes to %s", expect, got);
    if (out_digest)
        memcpy(out_digest, got, DIGEST_LEN + 1);
    if (store_has_blob(s, got))
        return 0;
    if ((r = store_ingest_open(s, got, false, &in, err)) < 0)
        return r;
    if ((r = ingest_write(&in, data, len, err)) < 0) {
        store_ingest_abort(s, &in, false);
        return r;
    }
    return store_ingest_commit(s, &in, len, NULL, err);
}

static int hash_existing(struct ingest *in, congo_error *err)
{
    char *buf = xmalloc(INGEST_BUF);
    ssize_t n;
    if (lseek(in->fd, 0, SEEK_SET) < 0) {
        free(buf);
        return congo_error_errno(err, "seek");
    }
    while ((n = read(in->fd, buf, INGEST_BUF)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            free(buf);
            return congo_error_errno(err, "read partial download");
        }
        hasher_update(&in->h, buf, n);
        in->offset += n;
    }
    free(buf);
    return 0;
}

static int open_tmp(struct store *s, struct ingest *in, congo_error *err)
{
    in->fd = openat(s->ingest_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
    if (in->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == ENOENT)) {
        static unsigned counter;
        in->name = xasprintf("tmp.%d.%u.%lx", (int) getpid(), counter++, (unsigned long) random());
        in->fd = openat(s->ingest_fd, in->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    }
    if (in->fd < 0)
        return congo_error_errno(err, "create a temporary file in `%s/ingest`", s->root);
    return 0;
}

int store_ingest_open(struct store *s, const char *expect, bool resumable, struct ingest *out, congo_error *err)
{
    struct ingest in = { .fd = -1 };
    int r;

    hasher_init(&in.h);
    if (expect)
        memcpy(in.expect, expect, DIGEST_LEN + 1);
    if (resumable && expect) {
        _cleanup_free_ char *name = xasprintf("%s.partial", digest_hex(expect));
        for (int tries = 0; tries < 10 && in.fd < 0; tries++) {
            struct stat a, b;
            int fd = openat(s->ingest_fd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
            if (fd < 0) {
                r = congo_error_errno(err, "open `%s/ingest/%s`", s->root, name);
                goto fail;
            }
            if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                /* Another pull is downloading this blob: do our own copy. */
                close(fd);
                break;
            }
            /* The holder before us may have published (renamed) it: make
             * sure the name still is the file we locked. */
            if (fstat(fd, &a) < 0 || fstatat(s->ingest_fd, name, &b, AT_SYMLINK_NOFOLLOW) < 0 || a.st_ino != b.st_ino ||
                a.st_dev != b.st_dev) {
                close(fd);
                continue;
            }
            in.fd = fd;
            in.name = steal_pointer(&name);
        }
        if (in.fd >= 0) {
            if ((r = hash_existing(&in, err)) < 0)
                goto fail;
            if (lseek(in.fd, in.offset, SEEK_SET) < 0) {
                r = congo_error_errno(err, "seek");
                goto fail;
            }
        }
    }
    if (in.fd < 0 && (r = open_tmp(s, &in, err)) < 0)
        goto fail;
    in.buf = xmalloc(INGEST_BUF);
    *out = in;
    return 0;
fail:
    if (in.fd >= 0)
        close(in.fd);
    free(in.name);
    hasher_free(&in.h);
    return r;
}

static int ingest_flush(struct ingest *in, congo_error *err)
{
    if (in->buf_used && write_all(in->fd, in->buf, in->buf_used) < 0)
        return congo_error_errno(err, "write to the store");
    in->buf_used = 0;
    return 0;
}

int ingest_write(struct ingest *in, const void *buf, size_t n, congo_error *err)
{
    in->synced = false;
    hasher_update(&in->h, buf, n);
    in->offset += n;
    if (in->buf_used + n > INGEST_BUF || n >= INGEST_BUF) {
        int r = ingest_flush(in, err);
        if (r < 0)
            return r;
        /* Large writes go straight to the file. */
        if (n >= INGEST_BUF)
            return write_all(in->fd, buf, n) < 0 ? congo_error_errno(err, "write to the store") : 0;
    }
    memcpy(in->buf + in->buf_used, buf, n);
    in->buf_used += n;
    return 0;
}

int ingest_sync(struct ingest *in, congo_error *err)
{
    int r = ingest_flush(in, err);
    if (r < 0)
        return r;
    if (fsync(in->fd) < 0)
        return congo_error_errno(err, "fsync");
    in->synced = true;
    return 0;
}

int ingest_reset(struct ingest *in, congo_error *err)
{
    in->synced = false;
    in->buf_used = 0;
    if (ftruncate(in->fd, 0) < 0 || lseek(in->fd, 0, SEEK_SET) < 0)
        return congo_error_errno(err, "truncate download");
    hasher_init(&in->h);
    in->offset = 0;
    return 0;
}

static void ingest_release(struct ingest *in)
{
    if (in->fd >= 0)
        close(in->fd);
    in->fd = -1;
    free(in->name);
    in->name = NULL;
    free(in->buf);
    in->buf = NULL;
    hasher_free(&in->h);
}

void store_ingest_abort(struct store *s, struct ingest *in, bool keep)
{
    if (in->fd >= 0 && keep && in->name) {
        congo_error e = CONGO_ERROR_INIT;
        if (ingest_flush(in, &e) < 0)
            keep = false;
        congo_error_clear(&e);
    }
    if (in->name && !keep)
        unlinkat(s->ingest_fd, in->name, 0);
    ingest_release(in);
}

int store_ingest_commit(struct store *s, struct ingest *in, int64_t size, char *out_digest, congo_error *err)
{
    char got[DIGEST_LEN + 1];
    int r;

    if ((r = ingest_flush(in, err)) < 0)
        goto fail;
    hasher_final(&in->h, got);
    if (size >= 0 && in->offset != size) {
        r = congo_error_set(err, EIO, "size mismatch: expected %lld bytes, got %lld", (long long) size,
                            (long long) in->offset);
        goto fail;
    }
    if (*in->expect && strcmp(got, in->expect) != 0) {
        r = congo_error_set(err, EIO, "digest mismatch: expected %s, the content hashes to %s", in->expect, got);
        goto fail;
    }
    if (!in->synced && fsync(in->fd) < 0) {
        r = congo_error_errno(err, "fsync");
        goto fail;
    }
    if (in->name) {
        if (renameat(s->ingest_fd, in->name, s->blobs_fd, digest_hex(got)) < 0) {
            r = congo_error_errno(err, "publish blob %s", got);
            goto fail;
        }
        free(in->name);
        in->name = NULL;
    } else {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", in->fd);
        if (linkat(AT_FDCWD, proc, s->blobs_fd, digest_hex(got), AT_SYMLINK_FOLLOW) < 0 && errno != EEXIST) {
            r = congo_error_errno(err, "publish blob %s", got);
            goto fail;
        }
    }
    fsync_dir(s->blobs_fd);
    if (out_digest)
        memcpy(out_digest, got, DIGEST_LEN + 1);
    ingest_release(in);
    return 0;
fail:
    store_ingest_abort(s, in, false);
    return r;
}

/* index.json */

void store_index_free(struct store_index *idx)
{
    for (size_t i = 0; i < idx->n; i++) {
        free(idx->entries[i].name);
        descriptor_free(&idx->entries[i].desc);
    }
    free(idx->entries);
    *idx = (struct store_index){ 0 };
}

static int index_load_raw(struct store *s, yajl_val *root, congo_error *err)
{
    _cleanup_free_ char *buf = NULL;
    yajl_val m;
    int r = read_file_at(s->images_fd, "index.json", 64u << 20, &buf, NULL, err);
    if (r == -ENOENT) {
        /* store_open() writes index.json last: a store without one is one
         * whose creation was cut short (a pull killed), with no image named. */
        congo_error_clear(err);
        buf = xstrdup(empty_index);
    } else if (r < 0) {
        return congo_error_wrap(err, r, "image store `%s`", s->root);
    }
    r = json_parse(root, buf, "index.json", err);
    if (r < 0)
        return congo_error_wrap(err, r, "image store `%s`", s->root);
    m = json_get(*root, "manifests");
    if (!YAJL_IS_OBJECT(*root) || (m && !YAJL_IS_ARRAY(m))) {
        yajl_tree_free(*root);
        return congo_error_set(err, 0, "image store `%s`: index.json: expected an object with a manifests array",
                               s->root);
    }
    return 0;
}

int store_index_read(struct store *s, struct store_index *out, congo_error *err)
{
    _cleanup_json_ yajl_val root = NULL;
    struct store_index idx = { 0 };
    yajl_val m;
    int r = index_load_raw(s, &root, err);
    if (r < 0)
        return r;
    m = json_get(root, "manifests");
    idx.entries = xnew0(struct store_entry, (m ? m->u.array.len : 0) + 1);
    for (size_t i = 0; m && i < m->u.array.len; i++) {
        _cleanup_free_ char *p = xasprintf("index.json: manifests[%zu]", i);
        congo_error e = CONGO_ERROR_INIT;
        struct store_entry *en = &idx.entries[idx.n];
        /* One bad entry (written by another tool) must not hide the others. */
        if (descriptor_parse(&en->desc, m->u.array.values[i], p, &e) < 0) {
            congo_warning("image store `%s`: %s", s->root, e.msg);
            congo_error_clear(&e);
            continue;
        }
        en->name = xstrdup(en->desc.ref_name);
        idx.n++;
    }
    *out = idx;
    return 0;
}

static void gen_descriptor(yajl_gen g, const struct descriptor *d, const char *name)
{
    yajl_gen_map_open(g);
    json_gen_kv(g, "mediaType", d->media_type);
    json_gen_kv(g, "digest", d->digest);
    json_gen_str(g, "size");
    json_gen_int(g, d->size);
    if (d->has_platform) {
        json_gen_str(g, "platform");
        yajl_gen_map_open(g);
        json_gen_kv(g, "architecture", d->platform.arch);
        json_gen_kv(g, "os", d->platform.os);
        if (d->platform.variant)
            json_gen_kv(g, "variant", d->platform.variant);
        yajl_gen_map_close(g);
    }
    if (name) {
        json_gen_str(g, "annotations");
        yajl_gen_map_open(g);
        json_gen_kv(g, ANNOTATION_REF_NAME, name);
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
}

/* Rewrite index.json under the index lock: keep every entry `keep` accepts
 * (unknown fields of other tools' entries are preserved verbatim), then append `add`. */
typedef bool (*entry_filter)(yajl_val entry, const char *name, const char *digest, void *data);

static int index_rewrite(struct store *s, entry_filter keep, void *data, const struct descriptor *add,
                         const char *add_name, congo_error *err)
{
    _cleanup_close_ int lk = -1;
    _cleanup_json_ yajl_val root = NULL;
    _cleanup_gen_ yajl_gen g = json_gen_new(true);
    _cleanup_free_ char *text = NULL;
    yajl_val m;
    size_t len;
    int r;

    if ((r = lock_file(s->root_fd, "index.lock", LOCK_EX, &lk, err)) < 0)
        return r;
    if ((r = index_load_raw(s, &root, err)) < 0)
        return r;
    m = json_get(root, "manifests");
    yajl_gen_map_open(g);
    json_gen_str(g, "schemaVersion");
    json_gen_int(g, 2);
    json_gen_kv(g, "mediaType", MT_OCI_INDEX);
    json_gen_str(g, "manifests");
    yajl_gen_array_open(g);
    for (size_t i = 0; m && i < m->u.array.len; i++) {
        yajl_val e = m->u.array.values[i];
        yajl_val ann = json_get(e, "annotations");
        yajl_val n = json_get(ann, ANNOTATION_REF_NAME);
        yajl_val d = json_get(e, "digest");
        if (keep(e, n && YAJL_IS_STRING(n) ? n->u.string : NULL, d && YAJL_IS_STRING(d) ? d->u.string : NULL, data))
            json_gen_value(g, e);
    }
    if (add)
        gen_descriptor(g, add, add_name);
    yajl_gen_array_close(g);
    /* Keep the other top-level members another tool may have written. */
    for (size_t i = 0; i < root->u.object.len; i++) {
        const char *k = root->u.object.keys[i];
        if (strcmp(k, "schemaVersion") && strcmp(k, "mediaType") && strcmp(k, "manifests")) {
            json_gen_str(g, k);
            json_gen_value(g, root->u.object.values[i]);
        }
    }
    yajl_gen_map_close(g);
    text = json_gen_steal(g, &len);
    if ((r = write_file_atomic_at(s->images_fd, "index.json", text, len, 0644, err)) < 0)
        return congo_error_wrap(err, r, "image store `%s`", s->root);
    fsync_dir(s->images_fd);
    return 0;
}

struct untag_data {
    const char *name, *digest;
    size_t removed;
};

static bool keep_not_named(yajl_val e, const char *name, const char *digest, void *data)
{
    struct untag_data *u = data;
    bool drop = u->name ? streq_ptr(name, u->name) : streq_ptr(digest, u->digest);
    if (drop)
        u->removed++;
    return !drop;
}

int store_index_tag(struct store *s, const char *name, const struct descriptor *desc, congo_error *err)
{
    struct untag_data u = { .name = name };
    return index_rewrite(s, keep_not_named, &u, desc, name, err);
}

int store_index_untag(struct store *s, const char *name, const char *digest, size_t *removed, congo_error *err)
{
    struct untag_data u = { .name = name, .digest = digest };
    int r = index_rewrite(s, keep_not_named, &u, NULL, NULL, err);
    if (r == 0 && removed)
        *removed = u.removed;
    return r;
}

/* Images */

void store_image_free(struct store_image *im)
{
    free(im->name);
    descriptor_free(&im->top);
    manifest_doc_free(&im->manifest);
    image_config_free(&im->config);
    free(im->config_json);
    *im = (struct store_image){ 0 };
}

int store_load_image(struct store *s, const struct descriptor *top, const struct platform *platform,
                     struct store_image *out, congo_error *err)
{
    struct store_image im = { 0 };
    _cleanup_free_ char *buf = NULL;
    size_t len;
    struct platform host = { 0 };
    int r;

    descriptor_copy(&im.top, top);
    memcpy(im.manifest_digest, top->digest, DIGEST_LEN + 1);
    if ((r = store_read_blob(s, top->digest, MANIFEST_MAX_SIZE, &buf, &len, err)) < 0)
        goto fail;
    if ((r = manifest_parse(&im.manifest, buf, len, top->media_type, top->digest, err)) < 0)
        goto fail;
    if (im.manifest.kind == MANIFEST_KIND_INDEX) {
        const struct descriptor *d;
        struct manifest_doc idx = im.manifest;
        im.manifest = (struct manifest_doc){ 0 };
        if (!platform)
            platform_host(&host);
        r = index_select(&idx, platform ? platform : &host, &d, err);
        if (r == 0) {
            memcpy(im.manifest_digest, d->digest, DIGEST_LEN + 1);
            free(buf);
            buf = NULL;
            r = store_read_blob(s, d->digest, MANIFEST_MAX_SIZE, &buf, &len, err);
            if (r == 0)
                r = manifest_parse(&im.manifest, buf, len, d->media_type, d->digest, err);
            if (r == 0 && im.manifest.kind != MANIFEST_KIND_MANIFEST)
                r = congo_error_set(err, 0, "%s: an index inside an index is not supported", d->digest);
        }
        manifest_doc_free(&idx);
        platform_free(&host);
        if (r < 0)
            goto fail;
    }
    if ((r = store_read_blob(s, im.manifest.config.digest, CONFIG_MAX_SIZE, &im.config_json, NULL, err)) < 0 ||
        (r = image_config_parse(&im.config, im.config_json, im.manifest.config.digest, err)) < 0)
        goto fail;
    if (im.config.n_diff_ids != im.manifest.n_layers) {
        r = congo_error_set(err, 0, "image %s: the config lists %zu diff_ids for %zu layers", im.manifest_digest,
                            im.config.n_diff_ids, im.manifest.n_layers);
        goto fail;
    }
    *out = im;
    return 0;
fail:
    store_image_free(&im);
    return r;
}

static bool hex_prefix(const char *s)
{
    size_t n = strlen(s);
    if (n < 4 || n > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

int store_find_image(struct store *s, const char *ref, const struct platform *platform, struct store_image *out,
                     congo_error *err)
{
    struct store_index idx = { 0 };
    _cleanup_free_ char *canon = NULL;
    struct image_ref pr = { 0 };
    const struct store_entry *found = NULL;
    const char *id = NULL;
    congo_error perr = CONGO_ERROR_INIT;
    int r;

    if ((r = store_index_read(s, &idx, err)) < 0)
        return r;
    /* 1. the name exactly as written in index.json */
    for (size_t i = 0; i < idx.n && !found; i++)
        if (streq_ptr(idx.entries[i].name, ref))
            found = &idx.entries[i];
    /* 2. the normalised reference */
    if (!found && image_ref_parse(&pr, ref, &perr) == 0) {
        canon = image_ref_string(&pr);
        for (size_t i = 0; i < idx.n && !found; i++)
            if (streq_ptr(idx.entries[i].name, canon))
                found = &idx.entries[i];
        if (!found && pr.digest) {
            _cleanup_free_ char *name = image_ref_name(&pr);
            for (size_t i = 0; i < idx.n && !found; i++) {
                const char *n = idx.entries[i].name;
                if (strcmp(idx.entries[i].desc.digest, pr.digest) == 0 && n && str_has_prefix(n, name) &&
                    (n[strlen(name)] == ':' || n[strlen(name)] == '@'))
                    found = &idx.entries[i];
            }
        }
    }
    /* 3. an image ID or manifest digest, or a unique prefix of one */
    if (!found) {
        id = str_has_prefix(ref, DIGEST_PREFIX) ? ref + 7 : ref;
        if (hex_prefix(id)) {
            for (size_t i = 0; i < idx.n; i++) {
                struct store_image im = { 0 };
                congo_error e = CONGO_ERROR_INIT;
                bool match = str_has_prefix(digest_hex(idx.entries[i].desc.digest), id);
                if (!match && store_load_image(s, &idx.entries[i].desc, platform, &im, &e) == 0)
                    match = str_has_prefix(digest_hex(im.manifest.config.digest), id) ||
                            str_has_prefix(digest_hex(im.manifest_digest), id);
                store_image_free(&im);
                congo_error_clear(&e);
                if (!match)
                    continue;
                if (found && strcmp(found->desc.digest, idx.entries[i].desc.digest) != 0) {
                    r = congo_error_set(err, 0, "`%s` matches more than one image: give more digits", ref);
                    goto out;
                }
                found = &idx.entries[i];
            }
        }
    }
    if (!found) {
        if (perr.msg && !hex_prefix(id ? id : ""))
            r = congo_error_set(err, 0, "%s", perr.msg);
        else
            r = congo_error_set(err, ENOENT, "image `%s` is not in the store `%s` (see `congo-image images`)",
                                canon ? canon : ref, s->root);
        goto out;
    }
    r = store_load_image(s, &found->desc, platform, out, err);
    if (r == 0)
        out->name = xstrdup(found->name);
    else
        congo_error_wrap(err, r, "image `%s`", found->name ? found->name : found->desc.digest);
out:
    image_ref_free(&pr);
    congo_error_clear(&perr);
    store_index_free(&idx);
    return r;
}

bool store_has_layer(struct store *s, const char *diff_id)
{
    struct stat st;
    return digest_valid(diff_id) && fstatat(s->layers_fd, digest_hex(diff_id), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISDIR(st.st_mode);
}

char *store_layer_path(struct store *s, const char *diff_id)
{
    return xasprintf("%s/layers/sha256/%s", s->root, digest_hex(diff_id));
}
