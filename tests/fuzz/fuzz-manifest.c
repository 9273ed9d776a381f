/* Manifests and indexes from registries and archives, and the platform
 * choice in an index. */
#include "config.h"

#include "fuzz.h"
#include "image/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = { NULL, MT_OCI_INDEX, MT_DOCKER_MANIFEST,
                                         "application/vnd.docker.distribution.manifest.v1+prettyjws" };
    congo_error err = CONGO_ERROR_INIT;
    struct manifest_doc m = { 0 };
    char *s = fuzz_cstr(data, size);
    int r = manifest_parse(&m, s, size, types[size % 4], "manifest", &err);
    fuzz_check_error(r, &err);
    if (r == 0) {
        if (m.kind == MANIFEST_KIND_INDEX) {
            struct platform want = { 0 };
            const struct descriptor *d = NULL;
            platform_host(&want);
            r = index_select(&m, &want, &d, &err);
            fuzz_check_error(r, &err);
            if (r == 0 && (!d || !digest_valid(d->digest)))
                abort();
            platform_free(&want);
        } else if (!digest_valid(m.config.digest) || m.n_layers > MANIFEST_MAX_LAYERS) {
            abort();
        }
        manifest_doc_free(&m);
    }
    free(s);
    return 0;
}
