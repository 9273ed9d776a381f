/* SHA-256 (FIPS 180-4), small and dependency-free: congo itself does not link
 * libcrypto (only congo-image does).  Used for cache keys that must not
 * collide on purpose (the compiled seccomp programs). */
#ifndef CONGO_SHA256_H
#define CONGO_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct congo_sha256 {
    uint32_t h[8];
    uint64_t len;               /* bytes hashed so far */
    uint8_t buf[64];
    size_t n;                   /* bytes in buf */
};

void congo_sha256_init(struct congo_sha256 *c);
void congo_sha256_update(struct congo_sha256 *c, const void *data, size_t len);
void congo_sha256_final(struct congo_sha256 *c, uint8_t out[32]);
/* 64 lowercase hex digits and a NUL. */
void congo_sha256_hex(const uint8_t digest[32], char out[65]);

#endif
