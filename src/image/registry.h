/* The registry client (distribution-spec v2 over libcurl).
 *
 * - Transport: HTTPS with the system CAs or --tls-ca; plain HTTP only for
 *   loopback registries or with --tls-verify=false (tried after HTTPS fails
 *   to handshake).  Redirects are followed by hand: the Authorization header
 *   goes only to the origin it was made for.
 * - Auth: a `GET /v2/` ping; on 401 the WWW-Authenticate challenge decides:
 *   Bearer -> a token from the realm (anonymous, or Basic with credentials),
 *   cached and renewed when it expires or a request gets 401 again; Basic ->
 *   the credentials themselves.  Credentials: --creds, else the auth files.
 * - Blobs: downloaded in parallel with the curl multi interface straight into
 *   the store's ingest area, hashed on the fly, published only when digest
 *   and size match; a broken transfer is retried with a Range request from
 *   where it stopped, and a partial download left by a failed pull is resumed
 *   by the next one. */
#ifndef CONGO_IMAGE_REGISTRY_H
#define CONGO_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "image/auth.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/store.h"
#include "libcongo/error.h"

struct registry_opts {
    const char *tls_ca;          /* CA bundle file, NULL: the system's */
    bool tls_verify;             /* false: --tls-verify=false */
    const struct auth_creds *creds; /* --creds, NULL: look up the auth files */
    bool progress;               /* draw progress on stderr */
    int parallel;                /* simultaneous blob downloads */
    int retries;                 /* attempts per blob after the first */
};

struct registry;

int registry_open(struct registry **out, const struct image_ref *ref, const struct registry_opts *o, congo_error *err);
void registry_close(struct registry *r);

struct registry_doc {
    char *body;
    size_t len;
    char *content_type;
    char *digest_header;         /* Docker-Content-Digest, may be NULL */
};
void registry_doc_free(struct registry_doc *d);

/* A token service's JSON reply: "token" (or "access_token"), printable, and
 * "expires_in" when positive (*expires_in untouched otherwise).  Pure. */
int registry_token_parse(const char *body, char **token, long long *expires_in, congo_error *err);

/* GET /v2/REPO/manifests/REFERENCE (a tag or a digest), at most MANIFEST_MAX_SIZE bytes. */
int registry_get_manifest(struct registry *r, const char *reference, struct registry_doc *out, congo_error *err);
/* GET a small blob into memory; digest and size are verified. */
int registry_get_blob(struct registry *r, const struct descriptor *d, size_t max, char **out, size_t *len,
                      congo_error *err);
/* Download the blobs missing from the store, in parallel. */
int registry_fetch_blobs(struct registry *r, struct store *s, const struct descriptor *blobs, size_t n,
                         congo_error *err);

#endif
