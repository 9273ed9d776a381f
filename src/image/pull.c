/* Pull (see pull.h). */
#include "config.h"

#include <string.h>
#include <time.h>

#include "image/pull.h"
#include "image/reference.h"
#include "libcongo/log.h"
#include "libcongo/utils.h"

static double elapsed(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A manifest fetched by digest (or by tag when `expect` is NULL), verified. */
static int fetch_manifest(struct registry *reg, const char *reference, const char *expect, int64_t expect_size,
                          struct registry_doc *doc, char got[DIGEST_LEN + 1], congo_error *err)
{
    int r = registry_get_manifest(reg, reference, doc, err);
    if (r < 0)
        return r;
    digest_buffer(doc->body, doc->len, got);
    if (expect && strcmp(got, expect) != 0) {
        r = congo_error_set(err, EIO, "manifest %s: digest mismatch: the registry's document hashes to %s", expect, got);
        goto fail;
    }
    if (expect_size >= 0 && (int64_t) doc->len != expect_size) {
        r = congo_error_set(err, EIO, "manifest %s: size mismatch: expected %lld bytes, got %zu", got,
                            (long long) expect_size, doc->len);
        goto fail;
    }
    if (!expect && doc->digest_header && strcmp(doc->digest_header, got) != 0) {
        r = congo_error_set(err, EIO, "manifest `%s`: digest mismatch: the registry says %s, the document hashes to %s",
                            reference, doc->digest_header, got);
        goto fail;
    }
    return 0;
fail:
    registry_doc_free(doc);
    return r;
}

int image_pull(struct store *s, const char *ref_string, const struct pull_opts *o, char image_id[DIGEST_LEN + 1],
               char **name_out, congo_error *err)
{
    struct image_ref ref = { 0 };
    struct registry *reg = NULL;
    struct registry_doc top = { 0 }, plat = { 0 };
    struct manifest_doc topm = { 0 }, m = { 0 };
    struct image_config cfg = { 0 };
    struct platform host = { 0 };
    const struct platform *want = o->platform;
    struct descriptor entry = { 0 };
    _cleanup_free_ char *config = NULL, *name = NULL;
    size_t config_len = 0;
    char top_digest[DIGEST_LEN + 1], m_digest[DIGEST_LEN + 1];
    const struct registry_doc *mdoc;
    struct timespec t0;
    int r;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if ((r = image_ref_parse(&ref, ref_string, err)) < 0)
        return r;
    name = image_ref_string(&ref);
    if (!want) {
        platform_host(&host);
        want = &host;
    }
    if ((r = store_lock_gc(s, false, err)) < 0)
        goto out;
    if ((r = registry_open(&reg, &ref, &o->reg, err)) < 0)
        goto out;
    congo_debug("%s: registry ready after %.3f s", name, elapsed(&t0));

    /* The manifest (or index) the reference names. */
    if ((r = fetch_manifest(reg, ref.digest ? ref.digest : ref.tag, ref.digest, -1, &top, top_digest, err)) < 0)
        goto out;
    if ((r = manifest_parse(&topm, top.body, top.len, top.content_type, name, err)) < 0)
        goto out;
    mdoc = &top;
    memcpy(m_digest, top_digest, sizeof m_digest);
    if (topm.kind == MANIFEST_KIND_INDEX) {
        const struct descriptor *d;
        if ((r = index_select(&topm, want, &d, err)) < 0) {
            congo_error_wrap(err, r, "%s", name);
            goto out;
        }
        congo_debug("%s: index %s -> %s manifest %s", name, top_digest, d->platform.arch, d->digest);
        if ((r = fetch_manifest(reg, d->digest, d->digest, d->size, &plat, m_digest, err)) < 0)
            goto out;
        if ((r = manifest_parse(&m, plat.body, plat.len, plat.content_type, d->digest, err)) < 0)
            goto out;
        if (m.kind != MANIFEST_KIND_MANIFEST) {
            r = congo_error_set(err, 0, "%s: manifest %s for %s/%s is an index, not an image manifest", name, d->digest,
                                want->os, want->arch);
            goto out;
        }
        descriptor_copy(&entry, d);
        free(entry.ref_name);
        entry.ref_name = NULL;
        mdoc = &plat;
    } else {
        m = topm;
        topm = (struct manifest_doc){ 0 };
        entry.media_type = xstrdup(m.media_type);
        memcpy(entry.digest, top_digest, sizeof entry.digest);
        entry.size = top.len;
    }

    /* The config: from the store when there, else from the registry. */
    if (store_has_blob(s, m.config.digest))
        r = store_read_blob(s, m.config.digest, CONFIG_MAX_SIZE, &config, &config_len, err);
    else
        r = registry_get_blob(reg, &m.config, CONFIG_MAX_SIZE, &config, &config_len, err);
    if (r < 0)
        goto out;
    if ((r = image_config_parse(&cfg, config, m.config.digest, err)) < 0)
        goto out;
    if (cfg.n_diff_ids != m.n_layers) {
        r = congo_error_set(err, 0, "%s: the config lists %zu diff_ids for %zu layers", name, cfg.n_diff_ids, m.n_layers);
        goto out;
    }
    if (cfg.os && cfg.arch && topm.kind != MANIFEST_KIND_INDEX &&
        (strcmp(cfg.os, want->os) != 0 || strcmp(cfg.arch, want->arch) != 0))
        congo_warning("%s is for %s/%s, not %s/%s", name, cfg.os, cfg.arch, want->os, want->arch);
    if (!entry.has_platform && cfg.os && cfg.arch) {
        entry.has_platform = true;
        entry.platform.os = xstrdup(cfg.os);
        entry.platform.arch = xstrdup(cfg.arch);
        entry.platform.variant = xstrdup(cfg.variant);
    }

    /* Layers, in parallel. */
    congo_debug("%s: manifest and config after %.3f s", name, elapsed(&t0));
    if ((r = registry_fetch_blobs(reg, s, m.layers, m.n_layers, err)) < 0) {
        congo_error_wrap(err, r, "%s", name);
        goto out;
    }
    congo_debug("%s: %zu layers after %.3f s", name, m.n_layers, elapsed(&t0));
    /* Documents after the layers: index.json names the image only once
     * everything it points at is stored. */
    if ((r = store_put_blob(s, m.config.digest, config, config_len, NULL, err)) < 0 ||
        (r = store_put_blob(s, m_digest, mdoc->body, mdoc->len, NULL, err)) < 0) {
        congo_error_wrap(err, r, "%s: store", name);
        goto out;
    }
    if ((r = store_index_tag(s, name, &entry, err)) < 0)
        goto out;
    congo_debug("%s: stored after %.3f s", name, elapsed(&t0));
    memcpy(image_id, m.config.digest, DIGEST_LEN + 1);
    if (name_out)
        *name_out = steal_pointer(&name);
out:
    registry_close(reg);
    registry_doc_free(&top);
    registry_doc_free(&plat);
    manifest_doc_free(&topm);
    manifest_doc_free(&m);
    image_config_free(&cfg);
    descriptor_free(&entry);
    platform_free(&host);
    image_ref_free(&ref);
    return r;
}
