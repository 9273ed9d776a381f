/* Image documents (see manifest.h). */
#include "config.h"

#include <string.h>
#include <sys/utsname.h>

#include "image/manifest.h"
#include "libcongo/utils.h"

static const char *const layer_types[] = {
    MT_OCI_LAYER_TAR,
    MT_OCI_LAYER_GZIP,
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    MT_DOCKER_LAYER,
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.docker.image.rootfs.diff.tar.zstd",
};

bool layer_media_type_supported(const char *mt)
{
    for (size_t i = 0; i < ARRAY_SIZE(layer_types); i++)
        if (strcmp(mt, layer_types[i]) == 0)
            return true;
    return false;
}

bool media_type_is_index(const char *mt)
{
    return mt && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0);
}

bool media_type_is_manifest(const char *mt)
{
    return mt && (strcmp(mt, MT_OCI_MANIFEST) == 0 || strcmp(mt, MT_DOCKER_MANIFEST) == 0);
}

void platform_free(struct platform *p)
{
    free(p->os);
    free(p->arch);
    free(p->variant);
    free(p->os_version);
    *p = (struct platform){ 0 };
}

void descriptor_free(struct descriptor *d)
{
    free(d->media_type);
    free(d->ref_name);
    platform_free(&d->platform);
    *d = (struct descriptor){ 0 };
}

void descriptor_copy(struct descriptor *dst, const struct descriptor *src)
{
    *dst = *src;
    dst->media_type = xstrdup(src->media_type);
    dst->ref_name = xstrdup(src->ref_name);
    dst->platform.os = xstrdup(src->platform.os);
    dst->platform.arch = xstrdup(src->platform.arch);
    dst->platform.variant = xstrdup(src->platform.variant);
    dst->platform.os_version = xstrdup(src->platform.os_version);
}

int descriptor_parse(struct descriptor *out, yajl_val v, const char *path, congo_error *err)
{
    struct descriptor d = { 0 };
    const char *mt = NULL, *digest = NULL, *s;
    yajl_val p, ann;
    bool present;
    int r;

    if (!v || !YAJL_IS_OBJECT(v))
        return congo_error_set(err, 0, "%s: expected a descriptor object", path);
    if ((r = json_opt_string(v, "mediaType", path, &mt, err)) < 0 ||
        (r = json_req_string(v, "digest", path, &digest, err)) < 0)
        return r;
    _cleanup_free_ char *dpath = xasprintf("%s.digest", path);
    if ((r = digest_check(digest, dpath, err)) < 0)
        return r;
    d.size = -1;
    if ((r = json_opt_int64(v, "size", path, true, &d.size, &present, err)) < 0)
        return r;
    if (!present)
        return congo_error_set(err, 0, "%s.size: missing", path);
    memcpy(d.digest, digest, DIGEST_LEN + 1);
    d.media_type = xstrdup(mt ? mt : "");
    p = json_get(v, "platform");
    if (p && YAJL_IS_OBJECT(p)) {
        _cleanup_free_ char *pp = xasprintf("%s.platform", path);
        const char *os = NULL, *arch = NULL, *variant = NULL, *osv = NULL;
        if ((r = json_opt_string(p, "os", pp, &os, err)) < 0 || (r = json_opt_string(p, "architecture", pp, &arch, err)) < 0 ||
            (r = json_opt_string(p, "variant", pp, &variant, err)) < 0 ||
            (r = json_opt_string(p, "os.version", pp, &osv, err)) < 0) {
            descriptor_free(&d);
            return r;
        }
        d.has_platform = true;
        d.platform.os = xstrdup(os ? os : "");
        d.platform.arch = xstrdup(arch ? arch : "");
        d.platform.variant = variant && *variant ? xstrdup(variant) : NULL;
        d.platform.os_version = xstrdup(osv);
    }
    ann = json_get(v, "annotations");
    if (ann && YAJL_IS_OBJECT(ann)) {
        s = NULL;
        yajl_val n = json_get(ann, ANNOTATION_REF_NAME);
        if (n && YAJL_IS_STRING(n))
            d.ref_name = xstrdup(n->u.string);
        n = json_get(ann, "vnd.docker.reference.type");
        if (n && YAJL_IS_STRING(n) && strcmp(n->u.string, "attestation-manifest") == 0)
            d.attestation = true;
        (void) s;
    }
    if (d.has_platform && strcmp(d.platform.os, "unknown") == 0 && strcmp(d.platform.arch, "unknown") == 0)
        d.attestation = true;
    *out = d;
    return 0;
}

void manifest_doc_free(struct manifest_doc *m)
{
    free(m->media_type);
    descriptor_free(&m->config);
    for (size_t i = 0; i < m->n_layers; i++)
        descriptor_free(&m->layers[i]);
    free(m->layers);
    for (size_t i = 0; i < m->n_manifests; i++)
        descriptor_free(&m->manifests[i]);
    free(m->manifests);
    *m = (struct manifest_doc){ 0 };
}

static int parse_descriptor_array(yajl_val arr, const char *path, size_t max, struct descriptor **out, size_t *n,
                                  congo_error *err)
{
    struct descriptor *d;
    if (!arr || !YAJL_IS_ARRAY(arr))
        return congo_error_set(err, 0, "%s: expected an array of descriptors", path);
    if (arr->u.array.len > max)
        return congo_error_set(err, 0, "%s: %zu entries, more than the limit of %zu", path, arr->u.array.len, max);
    d = xnew0(struct descriptor, arr->u.array.len + 1);
    for (size_t i = 0; i < arr->u.array.len; i++) {
        _cleanup_free_ char *p = xasprintf("%s[%zu]", path, i);
        int r = descriptor_parse(&d[i], arr->u.array.values[i], p, err);
        if (r < 0) {
            for (size_t j = 0; j < i; j++)
                descriptor_free(&d[j]);
            free(d);
            return r;
        }
    }
    *out = d;
    *n = arr->u.array.len;
    return 0;
}

int manifest_parse(struct manifest_doc *out, const char *buf, size_t len, const char *content_type, const char *what,
                   congo_error *err)
{
    _cleanup_json_ yajl_val root = NULL;
    struct manifest_doc m = { 0 };
    const char *mt = NULL;
    int64_t schema = 0;
    bool has_schema;
    int r;

    if (len > MANIFEST_MAX_SIZE)
        return congo_error_set(err, EFBIG, "%s: %zu bytes is larger than the %u-byte limit for manifests", what, len,
                               MANIFEST_MAX_SIZE);
    if (memchr(buf, '\0', len))
        return congo_error_set(err, 0, "%s: invalid JSON: contains a NUL byte", what);
    if ((r = json_parse_max(&root, buf, MANIFEST_MAX_SIZE, what, err)) < 0)
        return r;
    if (!YAJL_IS_OBJECT(root))
        return congo_error_set(err, 0, "%s: expected a JSON object", what);
    if ((r = json_opt_string(root, "mediaType", "", &mt, err)) < 0 ||
        (r = json_opt_int64(root, "schemaVersion", "", false, &schema, &has_schema, err)) < 0)
        return congo_error_wrap(err, r, "%s", what);
    if ((has_schema && schema == 1) || json_get(root, "fsLayers") ||
        (mt && str_has_prefix(mt, "application/vnd.docker.distribution.manifest.v1")) ||
        (!mt && content_type && str_has_prefix(content_type, "application/vnd.docker.distribution.manifest.v1")))
        return congo_error_set(err, 0,
                               "%s: Docker schema 1 manifests are not supported (deprecated since 2017; push the "
                               "image again with a current client)", what);
    if (has_schema && schema != 2)
        return congo_error_set(err, 0, "%s: schemaVersion %lld is not supported (expected 2)", what, (long long) schema);
    if (!mt && content_type && (media_type_is_index(content_type) || media_type_is_manifest(content_type)))
        mt = content_type;
    if (!mt) {
        /* OCI allows an absent mediaType: go by the shape. */
        if (json_get(root, "manifests"))
            mt = MT_OCI_INDEX;
        else if (json_get(root, "config") && json_get(root, "layers"))
            mt = MT_OCI_MANIFEST;
        else
            return congo_error_set(err, 0, "%s: neither an image manifest nor an index (no mediaType, config or "
                                   "manifests)", what);
    }
    if (media_type_is_index(mt)) {
        m.kind = MANIFEST_KIND_INDEX;
        r = parse_descriptor_array(json_get(root, "manifests"), "manifests", SIZE_MAX, &m.manifests, &m.n_manifests, err);
        if (r < 0)
            return congo_error_wrap(err, r, "%s", what);
    } else if (media_type_is_manifest(mt)) {
        m.kind = MANIFEST_KIND_MANIFEST;
        r = descriptor_parse(&m.config, json_get(root, "config"), "config", err);
        if (r < 0)
            return congo_error_wrap(err, r, "%s", what);
        r = parse_descriptor_array(json_get(root, "layers"), "layers", MANIFEST_MAX_LAYERS, &m.layers, &m.n_layers, err);
        if (r < 0) {
            manifest_doc_free(&m);
            return congo_error_wrap(err, r, "%s", what);
        }
        for (size_t i = 0; i < m.n_layers; i++) {
            if (!layer_media_type_supported(m.layers[i].media_type)) {
                r = congo_error_set(err, 0, "%s: layers[%zu].mediaType: `%s` is not a layer type congo-image can "
                                    "unpack (tar, tar+gzip, tar+zstd)", what, i, m.layers[i].media_type);
                manifest_doc_free(&m);
                return r;
            }
        }
    } else {
        return congo_error_set(err, 0, "%s: mediaType `%s` is neither an image manifest nor an index", what, mt);
    }
    m.media_type = xstrdup(mt);
    *out = m;
    return 0;
}

int platform_parse(struct platform *out, const char *s, congo_error *err)
{
    _cleanup_free_ char *copy = xstrdup(s);
    char *os = copy, *arch, *variant = NULL;
    arch = strchr(os, '/');
    if (!arch || !*os)
        return congo_error_set(err, 0, "platform `%s`: expected OS/ARCH[/VARIANT] such as linux/amd64", s);
    *arch++ = '\0';
    variant = strchr(arch, '/');
    if (variant)
        *variant++ = '\0';
    if (!*arch || (variant && (!*variant || strchr(variant, '/'))))
        return congo_error_set(err, 0, "platform `%s`: expected OS/ARCH[/VARIANT] such as linux/amd64", s);
    out->os = xstrdup(os);
    out->arch = xstrdup(arch);
    out->variant = variant ? xstrdup(variant) : NULL;
    out->os_version = NULL;
    return 0;
}

void platform_host(struct platform *out)
{
    struct utsname u;
    const char *arch = "amd64", *variant = NULL;
    if (uname(&u) == 0) {
        const char *m = u.machine;
        if (strcmp(m, "x86_64") == 0)
            arch = "amd64";
        else if (strcmp(m, "aarch64") == 0 || strcmp(m, "arm64") == 0)
            arch = "arm64", variant = "v8";
        else if (str_has_prefix(m, "armv7"))
            arch = "arm", variant = "v7";
        else if (str_has_prefix(m, "armv6"))
            arch = "arm", variant = "v6";
        else if (str_has_prefix(m, "armv5"))
            arch = "arm", variant = "v5";
        else if (m[0] == 'i' && strcmp(m + 2, "86") == 0)
            arch = "386";
        else if (strcmp(m, "ppc64le") == 0 || strcmp(m, "s390x") == 0 || strcmp(m, "riscv64") == 0 ||
                 strcmp(m, "mips64") == 0 || strcmp(m, "loongarch64") == 0)
            arch = m;
        else if (strcmp(m, "mips64el") == 0)
            arch = "mips64le";
    }
    out->os = xstrdup("linux");
    out->arch = xstrdup(arch);
    out->variant = variant ? xstrdup(variant) : NULL;
    out->os_version = NULL;
}

char *platform_string(const struct platform *p)
{
    return xasprintf("%s/%s%s%s", p->os ? p->os : "?", p->arch ? p->arch : "?", p->variant ? "/" : "",
                     p->variant ? p->variant : "");
}

static bool arm64_v8(const struct platform *p)
{
    return p->arch && strcmp(p->arch, "arm64") == 0 && (!p->variant || strcmp(p->variant, "v8") == 0);
}

bool platform_match(const struct platform *want, const struct platform *have)
{
    if (!streq_ptr(want->os, have->os) || !streq_ptr(want->arch, have->arch))
        return false;
    if (!want->variant || !have->variant)
        return !want->variant || arm64_v8(have) || !have->variant;
    return strcmp(want->variant, have->variant) == 0;
}

int index_select(const struct manifest_doc *idx, const struct platform *want, const struct descriptor **out,
                 congo_error *err)
{
    const struct descriptor *best = NULL;
    _cleanup_free_ char *list = NULL, *w = NULL;

    for (size_t i = 0; i < idx->n_manifests; i++) {
        const struct descriptor *d = &idx->manifests[i];
        if (d->attestation || !d->has_platform || !media_type_is_manifest(d->media_type))
            continue;
        if (!platform_match(want, &d->platform))
            continue;
        /* An exact variant beats a variant-less entry. */
        if (!best || (want->variant && streq_ptr(d->platform.variant, want->variant) &&
                      !streq_ptr(best->platform.variant, want->variant)))
            best = d;
    }
    if (best) {
        *out = best;
        return 0;
    }
    for (size_t i = 0; i < idx->n_manifests; i++) {
        const struct descriptor *d = &idx->manifests[i];
        _cleanup_free_ char *ps = NULL;
        char *n;
        if (d->attestation || !d->has_platform)
            continue;
        ps = platform_string(&d->platform);
        n = xasprintf("%s%s%s", list ? list : "", list ? ", " : "", ps);
        free(list);
        list = n;
    }
    w = platform_string(want);
    return congo_error_set(err, ENOENT, "no image for platform %s in the index (it has: %s)", w,
                           list ? list : "no platform entries");
}

void image_config_free(struct image_config *c)
{
    if (c->root)
        yajl_tree_free(c->root);
    free(c->os);
    free(c->arch);
    free(c->variant);
    free(c->os_version);
    free(c->created);
    free(c->author);
    strv_free(c->diff_ids);
    free(c->user);
    free(c->working_dir);
    free(c->stop_signal);
    strv_free(c->env);
    strv_free(c->entrypoint);
    strv_free(c->cmd);
    strv_free(c->exposed_ports);
    strv_free(c->volumes);
    strv_free(c->label_keys);
    strv_free(c->label_values);
    *c = (struct image_config){ 0 };
}

static char **object_keys(yajl_val o)
{
    char **r;
    if (!o || !YAJL_IS_OBJECT(o))
        return NULL;
    r = xnew0(char *, o->u.object.len + 1);
    for (size_t i = 0; i < o->u.object.len; i++)
        r[i] = xstrdup(o->u.object.keys[i]);
    return r;
}

int image_config_parse(struct image_config *out, const char *buf, const char *what, congo_error *err)
{
    struct image_config c = { 0 };
    yajl_val rootfs, ids, cfg, labels;
    const char *s;
    int r;

#define STR(obj, key, path, field)                                                                                   \
    do {                                                                                                           \
        s = NULL;                                                                                                  \
        if ((r = json_opt_string(obj, key, path, &s, err)) < 0)                                                    \
            goto fail;                                                                                             \
        c.field = xstrdup(s);                                                                                      \
    } while (0)

    if ((r = json_parse_max(&c.root, buf, CONFIG_MAX_SIZE, what, err)) < 0)
        return r;
    if (!YAJL_IS_OBJECT(c.root)) {
        r = congo_error_set(err, 0, "%s: expected a JSON object", what);
        goto fail;
    }
    STR(c.root, "os", "", os);
    STR(c.root, "architecture", "", arch);
    STR(c.root, "variant", "", variant);
    STR(c.root, "os.version", "", os_version);
    STR(c.root, "created", "", created);
    STR(c.root, "author", "", author);
    rootfs = json_get(c.root, "rootfs");
    if (!rootfs || !YAJL_IS_OBJECT(rootfs)) {
        r = congo_error_set(err, 0, "%s: rootfs: missing (expected {\"type\": \"layers\", \"diff_ids\": [...]})", what);
        goto fail;
    }
    s = NULL;
    if ((r = json_opt_string(rootfs, "type", "rootfs", &s, err)) < 0)
        goto fail;
    if (s && strcmp(s, "layers") != 0) {
        r = congo_error_set(err, 0, "%s: rootfs.type: `%s` is not `layers`", what, s);
        goto fail;
    }
    ids = json_get(rootfs, "diff_ids");
    if (!ids || !YAJL_IS_ARRAY(ids)) {
        r = congo_error_set(err, 0, "%s: rootfs.diff_ids: expected an array of digests", what);
        goto fail;
    }
    if (ids->u.array.len > MANIFEST_MAX_LAYERS) {
        r = congo_error_set(err, 0, "%s: rootfs.diff_ids: %zu entries, more than the limit of %d", what,
                            ids->u.array.len, MANIFEST_MAX_LAYERS);
        goto fail;
    }
    c.diff_ids = xnew0(char *, ids->u.array.len + 1);
    for (size_t i = 0; i < ids->u.array.len; i++) {
        yajl_val v = ids->u.array.values[i];
        _cleanup_free_ char *p = xasprintf("rootfs.diff_ids[%zu]", i);
        if ((r = digest_check(YAJL_IS_STRING(v) ? v->u.string : NULL, p, err)) < 0)
            goto fail;
        c.diff_ids[i] = xstrdup(v->u.string);
    }
    c.n_diff_ids = ids->u.array.len;
    cfg = json_get(c.root, "config");
    if (cfg && YAJL_IS_OBJECT(cfg)) {
        STR(cfg, "User", "config", user);
        STR(cfg, "WorkingDir", "config", working_dir);
        STR(cfg, "StopSignal", "config", stop_signal);
        if ((r = json_opt_strv(cfg, "Env", "config", &c.env, err)) < 0 ||
            (r = json_opt_strv(cfg, "Entrypoint", "config", &c.entrypoint, err)) < 0 ||
            (r = json_opt_strv(cfg, "Cmd", "config", &c.cmd, err)) < 0)
            goto fail;
        c.has_entrypoint = c.entrypoint != NULL;
        c.has_cmd = c.cmd != NULL;
        c.exposed_ports = object_keys(json_get(cfg, "ExposedPorts"));
        c.volumes = object_keys(json_get(cfg, "Volumes"));
        labels = json_get(cfg, "Labels");
        if (labels && YAJL_IS_OBJECT(labels)) {
            c.label_keys = xnew0(char *, labels->u.object.len + 1);
            c.label_values = xnew0(char *, labels->u.object.len + 1);
            for (size_t i = 0; i < labels->u.object.len; i++) {
                yajl_val v = labels->u.object.values[i];
                if (!YAJL_IS_STRING(v)) {
                    r = congo_error_set(err, 0, "%s: config.Labels.%s: expected a string", what, labels->u.object.keys[i]);
                    goto fail;
                }
                c.label_keys[c.n_labels] = xstrdup(labels->u.object.keys[i]);
                c.label_values[c.n_labels++] = xstrdup(v->u.string);
            }
        }
    } else if (cfg && !YAJL_IS_NULL(cfg)) {
        r = congo_error_set(err, 0, "%s: config: expected an object", what);
        goto fail;
    }
#undef STR
    *out = c;
    return 0;
fail:
    if (r < 0 && err->msg && !str_has_prefix(err->msg, what))
        congo_error_wrap(err, r, "%s", what);
    image_config_free(&c);
    return r;
}
