/* Content digests (see digest.h). */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "image/digest.h"
#include "libcongo/utils.h"

bool digest_valid(const char *d)
{
    if (!d || strncmp(d, DIGEST_PREFIX, 7) != 0 || strlen(d) != DIGEST_LEN)
        return false;
    for (const char *p = d + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

int digest_check(const char *d, const char *what, congo_error *err)
{
    if (!d)
        return congo_error_set(err, 0, "%s: missing digest", what);
    if (digest_valid(d))
        return 0;
    if (!str_has_prefix(d, DIGEST_PREFIX) && strchr(d, ':'))
        return congo_error_set(err, 0, "%s: unsupported digest algorithm in `%.80s` (only sha256)", what, d);
    return congo_error_set(err, 0, "%s: `%.80s` is not a digest (expected sha256: and 64 lowercase hex digits)", what, d);
}

/* Fetch the implementation once: implicit fetches cost a lock and a lookup per init. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void hasher_init(struct hasher *h)
{
    pthread_once(&sha256_once, sha256_fetch);
    if (!h->ctx)
        h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || !EVP_DigestInit_ex(h->ctx, sha256_md ? sha256_md : EVP_sha256(), NULL))
        abort();
}

void hasher_update(struct hasher *h, const void *buf, size_t n)
{
    if (n)
        EVP_DigestUpdate(h->ctx, buf, n);
}

void hasher_final(struct hasher *h, char out[DIGEST_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int len = 0;

    EVP_DigestFinal_ex(h->ctx, md, &len);
    memcpy(out, DIGEST_PREFIX, 7);
    for (int i = 0; i < 32; i++) {
        out[7 + 2 * i] = hex[md[i] >> 4];
        out[8 + 2 * i] = hex[md[i] & 15];
    }
    out[DIGEST_LEN] = '\0';
}

void hasher_free(struct hasher *h)
{
    if (h->ctx)
        EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}

void digest_buffer(const void *buf, size_t n, char out[DIGEST_LEN + 1])
{
    struct hasher h = { 0 };
    hasher_init(&h);
    hasher_update(&h, buf, n);
    hasher_final(&h, out);
    hasher_free(&h);
}
