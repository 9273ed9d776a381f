/* linux.seccomp of config.json: parsed, validated and translated into a
 * BPF program by libseccomp (not loaded). */
#include "config.h"

#include "fuzz.h"
#include "libcongo/oci-config.h"
#include "libcongo/seccomp.h"
#include "libcongo/utils.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char head[] = "{\"ociVersion\":\"1.0.2\",\"linux\":{\"seccomp\":", tail[] = "}}";
    congo_error err = CONGO_ERROR_INIT;
    oci_config *c = NULL;
    char *doc = xmalloc(sizeof head + size + sizeof tail);
    size_t n = 0;
    int r;

    memcpy(doc, head, sizeof head - 1);
    n += sizeof head - 1;
    memcpy(doc + n, data, size);
    n += size;
    memcpy(doc + n, tail, sizeof tail - 1);
    n += sizeof tail - 1;
    r = oci_config_parse(&c, doc, n, "config.json", &err);
    fuzz_check_error(r, &err);
    if (r == 0 && c->linux_ && c->linux_->seccomp) {
        struct congo_seccomp *f = NULL;
        r = congo_seccomp_compile(&f, c->linux_->seccomp, &err);
        fuzz_check_error(r, &err);
        if (r == 0) {
            if (congo_seccomp_bpf_len(f) == 0 || !congo_seccomp_bpf(f))
                abort();
            congo_seccomp_free(f);
        }
    }
    oci_config_free(c);
    free(doc);
    return 0;
}
