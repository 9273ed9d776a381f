/* Load images from files (see load.h). */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "image/json.h"
#include "image/load.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/unpack.h"
#include "libcongo/log.h"
#include "libcongo/utils.h"

#define SMALL_MAX CONFIG_MAX_SIZE
#define MAX_LINK_HOPS 16

struct src_file {
    char *path;
    char *link;                 /* hardlink or symlink target (cleaned) */
    char digest[DIGEST_LEN + 1]; /* ingested into the store */
    int64_t size;
    char *data;                 /* kept in memory */
    size_t len;
};

struct src {
    struct store *s;
    const char *what;           /* the file or directory, for messages */
    int dir_fd;                 /* a directory source, or -1 */
    struct src_file *files;     /* an archive source */
    size_t n;
};

static void src_free(struct src *src)
{
    for (size_t i = 0; i < src->n; i++) {
        free(src->files[i].path);
        free(src->files[i].link);
        free(src->files[i].data);
    }
    free(src->files);
    if (src->dir_fd >= 0)
        close(src->dir_fd);
}

void loaded_images_free(struct loaded_image *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}

static bool is_blob_path(const char *path, char digest[DIGEST_LEN + 1])
{
    if (!str_has_prefix(path, "blobs/sha256/"))
        return false;
    snprintf(digest, DIGEST_LEN + 1, "sha256:%s", path + 13);
    return digest_valid(digest) && strlen(path + 13) == 64;
}

/* Stream a member (or a file) into the store. */
static int ingest_stream(struct src *src, const char *path, const char *expect, int64_t size,
                         la_ssize_t (*rd)(void *ctx, const void **buf), void *ctx, char out[DIGEST_LEN + 1],
                         congo_error *err)
{
    struct ingest in;
    int r = store_ingest_open(src->s, expect, false, &in, err);
    if (r < 0)
        return r;
    for (;;) {
        const void *buf;
        la_ssize_t n = rd(ctx, &buf);
        if (n < 0) {
            store_ingest_abort(src->s, &in, false);
            return congo_error_set(err, EIO, "%s: `%s`: read failed", src->what, path);
        }
        if (n == 0)
            break;
        if ((r = ingest_write(&in, buf, n, err)) < 0) {
            store_ingest_abort(src->s, &in, false);
            return r;
        }
    }
    r = store_ingest_commit(src->s, &in, size, out, err);
    if (r < 0)
        return congo_error_wrap(err, r, "%s: `%s`", src->what, path);
    return 0;
}

static la_ssize_t archive_rd(void *ctx, const void **buf)
{
    size_t size;
    la_int64_t off;
    int r = archive_read_data_block(ctx, buf, &size, &off);
    if (r == ARCHIVE_EOF)
        return 0;
    if (r < ARCHIVE_WARN)
        return -1;
    return size;
}

struct fd_rd {
    int fd;
    char buf[1 << 20];
};

static la_ssize_t fd_rd(void *ctx, const void **buf)
{
    struct fd_rd *f = ctx;
    ssize_t n;
    do
        n = read(f->fd, f->buf, sizeof f->buf);
    while (n < 0 && errno == EINTR);
    *buf = f->buf;
    return n;
}

/* Join a symlink target to the directory of the member and clean it. */
static int link_target(const char *member, const char *target, char **out, congo_error *err)
{
    _cleanup_free_ char *joined = NULL;
    const char *slash = strrchr(member, '/');
    if (target[0] == '/' || !slash)
        joined = xstrdup(target);
    else
        joined = xasprintf("%.*s/%s", (int) (slash - member), member, target);
    /* `..` inside the archive is fine as long as it stays inside. */
    {
        _cleanup_free_ char *copy = xstrdup(joined);
        char **parts = xnew0(char *, strlen(copy) + 1);
        size_t np = 0;
        char *save = NULL;
        for (char *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
            if (strcmp(p, ".") == 0)
                continue;
            if (strcmp(p, "..") == 0) {
                if (np == 0) {
                    free(parts);
                    return congo_error_set(err, EINVAL, "link `%s` -> `%s` leaves the archive", member, target);
                }
                np--;
                continue;
            }
            parts[np++] = p;
        }
        size_t len = 1;
        for (size_t i = 0; i < np; i++)
            len += strlen(parts[i]) + 1;
        char *r = xmalloc(len);
        r[0] = '\0';
        for (size_t i = 0; i < np; i++) {
            if (i)
                strcat(r, "/");
            strcat(r, parts[i]);
        }
        free(parts);
        *out = r;
    }
    return 0;
}

static int scan_archive(struct src *src, const char *path, congo_error *err)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    int r = 0, ar;

    if (!a)
        abort();
    /* Only built-in codecs: libarchive would otherwise run external programs. */
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_format_tar(a);
    if (archive_read_open_filename(a, path, 1 << 20) != ARCHIVE_OK) {
        r = congo_error_set(err, 0, "read `%s`: not an OCI layout or a (compressed) tar archive: %s", path,
                            archive_error_string(a));
        goto out;
    }
    while ((ar = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
        _cleanup_free_ char *name = NULL;
        struct src_file f = { 0 };
        char digest[DIGEST_LEN + 1];
        const char *hl = archive_entry_hardlink(e), *sl = archive_entry_symlink(e);

        if (ar < ARCHIVE_WARN) {
            r = congo_error_set(err, 0, "read `%s`: %s", path, archive_error_string(a));
            goto out;
        }
        r = archive_entry_pathname(e) ? layer_path_clean(archive_entry_pathname(e), &name, err) : -EINVAL;
        if (r < 0) {
            if (r == -ENAMETOOLONG) {
                congo_error_wrap(err, r, "`%s`: member `%.200s`", path, archive_entry_pathname(e));
                goto out;
            }
            congo_error_clear(err);
            r = congo_error_set(err, EINVAL, "`%s`: member `%s` has a `..` component", path,
                                archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
            goto out;
        }
        if (hl) {
            if ((r = layer_path_clean(hl, &f.link, err)) < 0) {
                r = congo_error_set(err, EINVAL, "`%s`: hardlink `%s` -> `%s` leaves the archive", path, name, hl);
                goto out;
            }
        } else if (archive_entry_filetype(e) == AE_IFLNK && sl) {
            if ((r = link_target(name, sl, &f.link, err)) < 0) {
                congo_error_wrap(err, r, "`%s`", path);
                goto out;
            }
        } else if (archive_entry_filetype(e) == AE_IFREG) {
            int64_t size = archive_entry_size(e);
            f.size = size;
            if (is_blob_path(name, digest)) {
                if (store_has_blob(src->s, digest)) {
                    memcpy(f.digest, digest, sizeof f.digest);
                } else if ((r = ingest_stream(src, name, digest, size, archive_rd, a, f.digest, err)) < 0) {
                    goto out;
                }
            } else if (size <= (int64_t) SMALL_MAX && !str_has_suffix(name, ".tar")) {
                la_ssize_t n;
                f.data = xmalloc(size + 1);
                n = archive_read_data(a, f.data, size);
                if (n != size) {
                    free(f.data);
                    r = congo_error_set(err, EIO, "read `%s`: member `%s`: %s", path, name,
                                        n < 0 ? archive_error_string(a) : "truncated");
                    goto out;
                }
                f.data[size] = '\0';
                f.len = size;
            } else if ((r = ingest_stream(src, name, NULL, size, archive_rd, a, f.digest, err)) < 0) {
                goto out;
            }
        } else {
            continue;
        }
        f.path = steal_pointer(&name);
        src->files = xrealloc(src->files, (src->n + 1) * sizeof *src->files);
        src->files[src->n++] = f;
    }
out:
    archive_read_free(a);
    return r;
}

static struct src_file *src_find(struct src *src, const char *path)
{
    const char *p = path;
    for (int hop = 0; hop < MAX_LINK_HOPS; hop++) {
        struct src_file *f = NULL;
        for (size_t i = src->n; i-- > 0;)
            if (strcmp(src->files[i].path, p) == 0) {
                f = &src->files[i];
                break;
            }
        if (!f || !f->link)
            return f;
        p = f->link;
    }
    return NULL;
}

static int dir_open(struct src *src, const char *path, int *fd, congo_error *err)
{
    struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
    struct stat st;
    *fd = syscall(SYS_openat2, src->dir_fd, path, &how, sizeof how);
    if (*fd < 0)
        return congo_error_errno(err, "%s: open `%s`", src->what, path);
    if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(*fd);
        return congo_error_set(err, EINVAL, "%s: `%s` is not a regular file", src->what, path);
    }
    return 0;
}

static bool src_exists(struct src *src, const char *path)
{
    if (src->dir_fd >= 0)
        return faccessat(src->dir_fd, path, F_OK, 0) == 0;
    return src_find(src, path) != NULL;
}

/* A small document. */
static int src_small(struct src *src, const char *path, size_t max, char **out, size_t *len, congo_error *err)
{
    if (src->dir_fd >= 0) {
        _cleanup_close_ int fd = -1;
        int r = dir_open(src, path, &fd, err);
        if (r < 0)
            return r;
        r = read_fd(fd, max, out, len, err);
        return r < 0 ? congo_error_wrap(err, r, "%s: read `%s`", src->what, path) : 0;
    }
    struct src_file *f = src_find(src, path);
    if (!f)
        return congo_error_set(err, ENOENT, "%s: no `%s`", src->what, path);
    if (f->data) {
        if (f->len > max)
            return congo_error_set(err, EFBIG, "%s: `%s` is larger than %zu bytes", src->what, path, max);
        *out = xmalloc(f->len + 1);
        memcpy(*out, f->data, f->len + 1);
        if (len)
            *len = f->len;
        return 0;
    }
    return store_read_blob(src->s, f->digest, max, out, len, err);
}

/* Put a member into the store as a blob (verified against expect when given). */
static int src_blob(struct src *src, const char *path, const char *expect, char out[DIGEST_LEN + 1], int64_t *size,
                    congo_error *err)
{
    int r;
    if (src->dir_fd >= 0) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        struct fd_rd *f;
        if (expect && store_has_blob(src->s, expect)) {
            struct stat bst;
            memcpy(out, expect, DIGEST_LEN + 1);
            if (size && fstatat(src->s->blobs_fd, digest_hex(expect), &bst, 0) == 0)
                *size = bst.st_size;
            return 0;
        }
        if ((r = dir_open(src, path, &fd, err)) < 0)
            return r;
        fstat(fd, &st);
        f = xmalloc(sizeof *f);
        f->fd = fd;
        r = ingest_stream(src, path, expect, st.st_size, fd_rd, f, out, err);
        free(f);
        if (r == 0 && size)
            *size = st.st_size;
        return r;
    }
    struct src_file *f = src_find(src, path);
    if (!f)
        return congo_error_set(err, ENOENT, "%s: no `%s`", src->what, path);
    if (f->data) {
        if ((r = store_put_blob(src->s, expect, f->data, f->len, out, err)) < 0)
            return congo_error_wrap(err, r, "%s: `%s`", src->what, path);
        if (size)
            *size = f->len;
        return 0;
    }
    if (expect && strcmp(f->digest, expect) != 0)
        return congo_error_set(err, EIO, "%s: `%s`: digest mismatch: expected %s, the content hashes to %s", src->what,
                               path, expect, f->digest);
    memcpy(out, f->digest, DIGEST_LEN + 1);
    if (size)
        *size = f->size;
    return 0;
}

static int import_descriptor(struct src *src, const struct descriptor *d, congo_error *err)
{
    _cleanup_free_ char *path = xasprintf("blobs/sha256/%s", digest_hex(d->digest));
    char got[DIGEST_LEN + 1];
    int64_t size = -1;
    int r = src_blob(src, path, d->digest, got, &size, err);
    if (r < 0)
        return r;
    if (d->size >= 0 && size >= 0 && size != d->size)
        return congo_error_set(err, EIO, "%s: blob %s: size mismatch: the descriptor says %lld bytes, it has %lld",
                               src->what, d->digest, (long long) d->size, (long long) size);
    return 0;
}

/* Import a manifest (or an index and the manifests of it that are there). */
static int import_manifest(struct src *src, const struct descriptor *d, int depth, char id[DIGEST_LEN + 1],
                           congo_error *err)
{
    _cleanup_free_ char *buf = NULL, *cfg = NULL;
    struct manifest_doc m = { 0 };
    struct image_config c = { 0 };
    size_t len;
    int r;

    if (d->size > (int64_t) MANIFEST_MAX_SIZE)
        return congo_error_set(err, EFBIG, "%s: manifest %s: %lld bytes is larger than the %u-byte limit", src->what,
                               d->digest, (long long) d->size, MANIFEST_MAX_SIZE);
    if ((r = import_descriptor(src, d, err)) < 0 ||
        (r = store_read_blob(src->s, d->digest, MANIFEST_MAX_SIZE, &buf, &len, err)) < 0 ||
        (r = manifest_parse(&m, buf, len, d->media_type, d->digest, err)) < 0)
        return r;
    if (m.kind == MANIFEST_KIND_INDEX) {
        size_t done = 0;
        if (depth > 2) {
            r = congo_error_set(err, 0, "%s: indexes nested too deep", src->what);
            goto out;
        }
        for (size_t i = 0; i < m.n_manifests; i++) {
            _cleanup_free_ char *p = xasprintf("blobs/sha256/%s", digest_hex(m.manifests[i].digest));
            char child[DIGEST_LEN + 1];
            if (!src_exists(src, p)) {
                congo_debug("%s: index %s: manifest %s is not there: skipped", src->what, d->digest, m.manifests[i].digest);
                continue;
            }
            if ((r = import_manifest(src, &m.manifests[i], depth + 1, child, err)) < 0)
                goto out;
            done++;
        }
        if (done == 0) {
            r = congo_error_set(err, ENOENT, "%s: index %s: none of its manifests is there", src->what, d->digest);
            goto out;
        }
        memcpy(id, d->digest, DIGEST_LEN + 1);
        goto out;
    }
    if ((r = import_descriptor(src, &m.config, err)) < 0 ||
        (r = store_read_blob(src->s, m.config.digest, CONFIG_MAX_SIZE, &cfg, NULL, err)) < 0 ||
        (r = image_config_parse(&c, cfg, m.config.digest, err)) < 0)
        goto out;
    if (c.n_diff_ids != m.n_layers) {
        r = congo_error_set(err, 0, "%s: image %s: the config lists %zu diff_ids for %zu layers", src->what, d->digest,
                            c.n_diff_ids, m.n_layers);
        goto out;
    }
    for (size_t i = 0; i < m.n_layers; i++)
        if ((r = import_descriptor(src, &m.layers[i], err)) < 0)
            goto out;
    memcpy(id, m.config.digest, DIGEST_LEN + 1);
out:
    manifest_doc_free(&m);
    image_config_free(&c);
    return r;
}

/* The name for an entry: --name, the full name containerd writes, or a
 * ref.name that is a reference (a bare tag names nothing). */
static char *entry_name(const char *given, const char *containerd, const char *refname, congo_error *err)
{
    const char *cands[] = { given, containerd, refname };
    for (size_t i = 0; i < ARRAY_SIZE(cands); i++) {
        struct image_ref ref = { 0 };
        char *r;
        if (!cands[i] || !*cands[i])
            continue;
        if (i == 2 && !strpbrk(cands[i], ":/@"))
            continue;
        if (image_ref_parse(&ref, cands[i], err) < 0) {
            if (i == 0)
                return NULL;
            congo_warning("ignoring image name `%s`: %s", cands[i], err->msg);
            congo_error_clear(err);
            continue;
        }
        r = image_ref_string(&ref);
        image_ref_free(&ref);
        return r;
    }
    return NULL;
}

static int tag_or_keep(struct store *s, const char *name, const struct descriptor *d, congo_error *err)
{
    struct store_index idx = { 0 };
    int r;
    if (name)
        return store_index_tag(s, name, d, err);
    /* Unnamed: one entry per digest is enough. */
    if ((r = store_index_read(s, &idx, err)) < 0)
        return r;
    for (size_t i = 0; i < idx.n; i++)
        if (strcmp(idx.entries[i].desc.digest, d->digest) == 0) {
            store_index_free(&idx);
            return 0;
        }
    store_index_free(&idx);
    return store_index_tag(s, NULL, d, err);
}

static void add_loaded(struct loaded_image **v, size_t *n, const char *name, const char *id)
{
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[*n].name = xstrdup(name);
    memcpy((*v)[*n].id, id, DIGEST_LEN + 1);
    (*n)++;
}

static int load_oci(struct src *src, const char *given, struct loaded_image **out, size_t *nout, congo_error *err)
{
    _cleanup_free_ char *buf = NULL;
    _cleanup_json_ yajl_val root = NULL;
    yajl_val m;
    int r;

    if ((r = src_small(src, "index.json", MANIFEST_MAX_SIZE, &buf, NULL, err)) < 0 ||
        (r = json_parse_max(&root, buf, MANIFEST_MAX_SIZE, "index.json", err)) < 0)
        return congo_error_wrap(err, r, "%s", src->what);
    m = json_get(root, "manifests");
    if (!m || !YAJL_IS_ARRAY(m))
        return congo_error_set(err, 0, "%s: index.json: manifests: expected an array", src->what);
    if (m->u.array.len == 0)
        return congo_error_set(err, ENOENT, "%s: index.json lists no image", src->what);
    if (given && m->u.array.len > 1)
        return congo_error_set(err, 0, "%s: --name needs exactly one image, index.json lists %zu", src->what,
                               m->u.array.len);
    for (size_t i = 0; i < m->u.array.len; i++) {
        _cleanup_free_ char *p = xasprintf("index.json: manifests[%zu]", i), *name = NULL;
        struct descriptor d = { 0 };
        char id[DIGEST_LEN + 1];
        yajl_val ann, cn;
        if ((r = descriptor_parse(&d, m->u.array.values[i], p, err)) < 0)
            return congo_error_wrap(err, r, "%s", src->what);
        ann = json_get(m->u.array.values[i], "annotations");
        cn = json_get(ann, "io.containerd.image.name");
        name = entry_name(given, cn && YAJL_IS_STRING(cn) ? cn->u.string : NULL, d.ref_name, err);
        if (!name && err->msg) {
            descriptor_free(&d);
            return congo_error_wrap(err, -EINVAL, "--name");
        }
        if (!name && d.ref_name)
            congo_warning("%s: `%s` is not an image name: loaded without a name (use --name)", src->what, d.ref_name);
        if ((r = import_manifest(src, &d, 0, id, err)) < 0 || (r = tag_or_keep(src->s, name, &d, err)) < 0) {
            descriptor_free(&d);
            return r;
        }
        add_loaded(out, nout, name, id);
        descriptor_free(&d);
    }
    return 0;
}

/* Peek at a stored blob: which layer media type it is. */
static const char *layer_type(struct store *s, const char *digest)
{
    unsigned char b[4] = { 0 };
    int fd = openat(s->blobs_fd, digest_hex(digest), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    ssize_t n = fd >= 0 ? read(fd, b, 4) : -1;
    if (fd >= 0)
        close(fd);
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
        return MT_OCI_LAYER_GZIP;
    if (n == 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
        return "application/vnd.oci.image.layer.v1.tar+zstd";
    return MT_OCI_LAYER_TAR;
}

static int load_docker(struct src *src, const char *given, struct loaded_image **out, size_t *nout, congo_error *err)
{
    _cleanup_free_ char *buf = NULL;
    _cleanup_json_ yajl_val root = NULL;
    int r;

    if ((r = src_small(src, "manifest.json", MANIFEST_MAX_SIZE, &buf, NULL, err)) < 0 ||
        (r = json_parse_max(&root, buf, MANIFEST_MAX_SIZE, "manifest.json", err)) < 0)
        return congo_error_wrap(err, r, "%s", src->what);
    if (!YAJL_IS_ARRAY(root) || root->u.array.len == 0)
        return congo_error_set(err, 0, "%s: manifest.json: expected a non-empty array", src->what);
    if (given && root->u.array.len > 1)
        return congo_error_set(err, 0, "%s: --name needs exactly one image, manifest.json lists %zu", src->what,
                               root->u.array.len);
    for (size_t i = 0; i < root->u.array.len; i++) {
        yajl_val e = root->u.array.values[i], layers, tags;
        _cleanup_free_ char *p = xasprintf("manifest.json[%zu]", i), *cfgbuf = NULL, *man = NULL;
        _cleanup_gen_ yajl_gen g = json_gen_new(false);
        const char *cfgpath = NULL;
        struct image_config c = { 0 };
        struct descriptor d = { 0 };
        char cfgd[DIGEST_LEN + 1];
        size_t cfglen, manlen;
        int64_t cfgsize;

        if ((r = json_req_string(e, "Config", p, &cfgpath, err)) < 0)
            return congo_error_wrap(err, r, "%s", src->what);
        layers = json_get(e, "Layers");
        if (!layers || !YAJL_IS_ARRAY(layers))
            return congo_error_set(err, 0, "%s: %s.Layers: expected an array", src->what, p);
        if ((r = src_small(src, cfgpath, CONFIG_MAX_SIZE, &cfgbuf, &cfglen, err)) < 0 ||
            (r = image_config_parse(&c, cfgbuf, cfgpath, err)) < 0)
            return congo_error_wrap(err, r, "%s", src->what);
        if (c.n_diff_ids != layers->u.array.len) {
            image_config_free(&c);
            return congo_error_set(err, 0, "%s: %s: the config lists %zu diff_ids for %zu layers", src->what, p,
                                   c.n_diff_ids, layers->u.array.len);
        }
        image_config_free(&c);
        if ((r = store_put_blob(src->s, NULL, cfgbuf, cfglen, cfgd, err)) < 0)
            return r;
        cfgsize = cfglen;
        /* An OCI manifest for it. */
        yajl_gen_map_open(g);
        json_gen_str(g, "schemaVersion");
        json_gen_int(g, 2);
        json_gen_kv(g, "mediaType", MT_OCI_MANIFEST);
        json_gen_str(g, "config");
        yajl_gen_map_open(g);
        json_gen_kv(g, "mediaType", MT_OCI_CONFIG);
        json_gen_kv(g, "digest", cfgd);
        json_gen_str(g, "size");
        json_gen_int(g, cfgsize);
        yajl_gen_map_close(g);
        json_gen_str(g, "layers");
        yajl_gen_array_open(g);
        for (size_t k = 0; k < layers->u.array.len; k++) {
            yajl_val l = layers->u.array.values[k];
            char ld[DIGEST_LEN + 1], expect[DIGEST_LEN + 1];
            int64_t lsize = 0;
            if (!YAJL_IS_STRING(l))
                return congo_error_set(err, 0, "%s: %s.Layers[%zu]: expected a string", src->what, p, k);
            if ((r = src_blob(src, l->u.string, is_blob_path(l->u.string, expect) ? expect : NULL, ld, &lsize, err)) < 0)
                return r;
            yajl_gen_map_open(g);
            json_gen_kv(g, "mediaType", layer_type(src->s, ld));
            json_gen_kv(g, "digest", ld);
            json_gen_str(g, "size");
            json_gen_int(g, lsize);
            yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
        man = json_gen_steal(g, &manlen);
        /* No final newline: the digest is of exactly these bytes. */
        if (manlen && man[manlen - 1] == '\n')
            man[--manlen] = '\0';
        d.media_type = xstrdup(MT_OCI_MANIFEST);
        d.size = manlen;
        if ((r = store_put_blob(src->s, NULL, man, manlen, d.digest, err)) < 0) {
            descriptor_free(&d);
            return r;
        }
        tags = json_get(e, "RepoTags");
        if (given || !tags || !YAJL_IS_ARRAY(tags) || tags->u.array.len == 0) {
            _cleanup_free_ char *name = entry_name(given, NULL, NULL, err);
            if (!name && err->msg) {
                descriptor_free(&d);
                return congo_error_wrap(err, -EINVAL, "--name");
            }
            r = tag_or_keep(src->s, name, &d, err);
            if (r == 0)
                add_loaded(out, nout, name, cfgd);
        } else {
            for (size_t k = 0; k < tags->u.array.len && r == 0; k++) {
                yajl_val t = tags->u.array.values[k];
                _cleanup_free_ char *name = NULL;
                if (!YAJL_IS_STRING(t))
                    continue;
                name = entry_name(NULL, t->u.string, NULL, err);
                if (!name)
                    continue;
                if ((r = store_index_tag(src->s, name, &d, err)) == 0)
                    add_loaded(out, nout, name, cfgd);
            }
        }
        descriptor_free(&d);
        if (r < 0)
            return r;
    }
    return 0;
}

int image_load(struct store *s, const char *path, const char *name, struct loaded_image **out, size_t *n,
               congo_error *err)
{
    struct src src = { .s = s, .what = path, .dir_fd = -1 };
    struct loaded_image *v = NULL;
    size_t nv = 0;
    struct stat st;
    int r;

    if (stat(path, &st) < 0)
        return congo_error_errno(err, "`%s`", path);
    if (S_ISDIR(st.st_mode)) {
        src.dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (src.dir_fd < 0)
            return congo_error_errno(err, "open `%s`", path);
    } else if ((r = scan_archive(&src, path, err)) < 0) {
        src_free(&src);
        return r;
    }
    if (src_exists(&src, "index.json") && (src_exists(&src, "oci-layout") || !src_exists(&src, "manifest.json")))
        r = load_oci(&src, name, &v, &nv, err);
    else if (src_exists(&src, "manifest.json"))
        r = load_docker(&src, name, &v, &nv, err);
    else
        r = congo_error_set(err, EINVAL, "`%s` is neither an OCI image layout (no index.json) nor a docker save "
                            "archive (no manifest.json)", path);
    src_free(&src);
    if (r < 0) {
        loaded_images_free(v, nv);
        return r;
    }
    *out = v;
    *n = nv;
    return 0;
}
