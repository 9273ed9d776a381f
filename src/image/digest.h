/* Content digests: validation of `sha256:HEX` strings (they come from hostile
 * manifests and become file names, so nothing else is accepted) and sha256
 * hashing with libcrypto. */
#ifndef CONGO_IMAGE_DIGEST_H
#define CONGO_IMAGE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "libcongo/error.h"

#define DIGEST_PREFIX "sha256:"
#define DIGEST_LEN (7 + 64)

/* "sha256:" followed by exactly 64 lowercase hex digits. */
bool digest_valid(const char *d);
/* The same, as an error naming `what` ("layers[2].digest"). */
int digest_check(const char *d, const char *what, congo_error *err);
/* The hex part of a valid digest. */
static inline const char *digest_hex(const char *d) { return d + 7; }

struct hasher {
    void *ctx; /* EVP_MD_CTX */
};
void hasher_init(struct hasher *h);
void hasher_update(struct hasher *h, const void *buf, size_t n);
/* "sha256:HEX" into out (DIGEST_LEN + 1 bytes); the hasher can be reused after hasher_init(). */
void hasher_final(struct hasher *h, char out[DIGEST_LEN + 1]);
void hasher_free(struct hasher *h);

/* The digest of a buffer. */
void digest_buffer(const void *buf, size_t n, char out[DIGEST_LEN + 1]);

#endif
