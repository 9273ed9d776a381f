/* congo-image prune: delete what nothing references. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "image/bundle.h"
#include "image/image-command.h"
#include "image/progress.h"
#include "libcongo/log.h"
#include "libcongo/utils.h"

static const char prune_usage[] =
    "Usage: congo-image prune\n"
    "\n"
    "Delete the blobs no image in the store references, the unpacked layers no image\n"
    "and no bundle uses, and interrupted downloads and unpacks.  Waits for running\n"
    "pulls and extracts to finish.\n";

static const struct option prune_longopts[] = { {} };

static int prune_opt(int opt, const char *arg, void *data, congo_error *err)
{
    return 0;
}

struct set {
    char **v;
    size_t n;
};

static void set_add(struct set *s, const char *digest)
{
    s->v = xrealloc(s->v, (s->n + 2) * sizeof *s->v);
    s->v[s->n++] = xstrdup(digest_valid(digest) ? digest_hex(digest) : digest);
    s->v[s->n] = NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool set_has(const struct set *s, const char *hex)
{
    return s->n && bsearch(&hex, s->v, s->n, sizeof *s->v, cmp_str);
}

/* Add what a manifest references; false when it cannot be read. */
static bool keep_manifest(struct store *s, const char *digest, const char *mt, struct set *blobs, struct set *layers)
{
    _cleanup_free_ char *buf = NULL, *cfg = NULL;
    struct manifest_doc m = { 0 };
    struct image_config c = { 0 };
    congo_error e = CONGO_ERROR_INIT;
    size_t len;
    bool ok = false;

    set_add(blobs, digest);
    if (store_read_blob(s, digest, MANIFEST_MAX_SIZE, &buf, &len, &e) < 0 ||
        manifest_parse(&m, buf, len, mt, digest, &e) < 0)
        goto out;
    if (m.kind == MANIFEST_KIND_INDEX) {
        ok = true;
        for (size_t i = 0; i < m.n_manifests; i++)
            if (store_has_blob(s, m.manifests[i].digest))
                ok &= keep_manifest(s, m.manifests[i].digest, m.manifests[i].media_type, blobs, layers);
        goto out;
    }
    set_add(blobs, m.config.digest);
    for (size_t i = 0; i < m.n_layers; i++)
        set_add(blobs, m.layers[i].digest);
    if (store_read_blob(s, m.config.digest, CONFIG_MAX_SIZE, &cfg, NULL, &e) < 0 ||
        image_config_parse(&c, cfg, m.config.digest, &e) < 0)
        goto out;
    for (size_t i = 0; i < c.n_diff_ids; i++)
        set_add(layers, c.diff_ids[i]);
    ok = true;
out:
    if (e.msg)
        congo_warning("%s", e.msg);
    congo_error_clear(&e);
    manifest_doc_free(&m);
    image_config_free(&c);
    return ok;
}

/* Remove the entries of dfd that `drop` accepts; counts and bytes. */
static int sweep(int dfd, const char *where, const struct set *keep, bool dirs, size_t *count, uint64_t *bytes,
                 congo_error *err)
{
    _cleanup_closedir_ DIR *d = NULL;
    struct dirent *de;
    int fd = dup(dfd);
    if (fd < 0 || !(d = fdopendir(fd))) {
        if (fd >= 0)
            close(fd);
        return congo_error_errno(err, "open `%s`", where);
    }
    while ((de = readdir(d))) {
        struct stat st;
        int r;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (keep && set_has(keep, de->d_name))
            continue;
        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && bytes)
            *bytes += st.st_size;
        if (dirs || S_ISDIR(st.st_mode))
            r = rm_rf_at(dfd, de->d_name, err);
        else
            r = unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT ? congo_error_errno(err, "remove") : 0;
        if (r < 0)
            return congo_error_wrap(err, r, "`%s/%s`", where, de->d_name);
        congo_debug("removed %s/%s", where, de->d_name);
        (*count)++;
    }
    return 0;
}

int cmd_image_prune(struct image_global *g, int argc, char **argv, congo_error *err)
{
    static const struct image_cmd_opts opts = { prune_usage, "", prune_longopts };
    _cleanup_store_ struct store *s = NULL;
    _cleanup_strv_ char **bundle_layers = NULL;
    struct store_index idx = { 0 };
    struct set blobs = { 0 }, layers = { 0 };
    size_t nblobs = 0, nlayers = 0, ntmp = 0, ningest = 0;
    uint64_t blob_bytes = 0;
    bool blobs_safe = true;
    char sz[32];
    int first, r;

    r = image_parse(&opts, argc, argv, prune_opt, NULL, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    if ((r = image_require_args("prune", argc - first, 0, 0, "no arguments", err)) < 0)
        return r;
    r = image_store_open(g, false, &s, err);
    if (r == -ENOENT) {
        congo_error_clear(err);
        return 0;
    }
    if (r < 0 || (r = store_lock_gc(s, true, err)) < 0 || (r = store_index_read(s, &idx, err)) < 0)
        return r;
    for (size_t i = 0; i < idx.n; i++)
        blobs_safe &= keep_manifest(s, idx.entries[i].desc.digest, idx.entries[i].desc.media_type, &blobs, &layers);
    store_index_free(&idx);
    if ((r = bundle_refs_layers(s, &bundle_layers, err)) < 0)
        goto out;
    for (size_t i = 0; bundle_layers[i]; i++)
        set_add(&layers, bundle_layers[i]);
    if (blobs.n)
        qsort(blobs.v, blobs.n, sizeof *blobs.v, cmp_str);
    if (layers.n)
        qsort(layers.v, layers.n, sizeof *layers.v, cmp_str);
    if (!blobs_safe)
        congo_warning("some images in the store cannot be read: no blob is deleted");
    else if ((r = sweep(s->blobs_fd, "images/blobs/sha256", &blobs, false, &nblobs, &blob_bytes, err)) < 0)
        goto out;
    if ((r = sweep(s->layers_fd, "layers/sha256", &layers, true, &nlayers, NULL, err)) < 0 ||
        (r = sweep(s->layers_tmp_fd, "layers/tmp", NULL, true, &ntmp, NULL, err)) < 0 ||
        (r = sweep(s->ingest_fd, "ingest", NULL, false, &ningest, NULL, err)) < 0)
        goto out;
    format_size(sz, sizeof sz, blob_bytes);
    printf("Deleted %zu blobs (%s), %zu unpacked layers, %zu interrupted downloads, %zu interrupted unpacks\n", nblobs, sz,
           nlayers, ningest, ntmp);
out:
    strv_free(blobs.v);
    strv_free(layers.v);
    return r < 0 ? r : 0;
}
