/* Docker image references: parsing and normalisation.
 *
 * A reference is `[DOMAIN/]PATH[:TAG][@DIGEST]`, normalised like docker:
 * no domain (or a first component without `.` or `:` that is not
 * `localhost`) means docker.io; `index.docker.io` is docker.io; a one-component
 * path on docker.io gets `library/`; no tag and no digest means `latest`.
 * The grammar is the one of the distribution project (lowercase path
 * components separated by `.`, `_`, `__` or dashes; tags of at most 128 word
 * characters, dots and dashes; digests `ALGO:HEX`).  Pure logic. */
#ifndef CONGO_IMAGE_REFERENCE_H
#define CONGO_IMAGE_REFERENCE_H

#include <stdbool.h>

#include "libcongo/error.h"

struct image_ref {
    char *domain;   /* "docker.io", "quay.io", "127.0.0.1:5000" */
    char *path;     /* "library/ubuntu" */
    char *tag;      /* "latest"; NULL when only a digest was given */
    char *digest;   /* "sha256:..."; NULL when none */
};

/* Parse and normalise `s`; on error *err names the problem and `s`. */
int image_ref_parse(struct image_ref *out, const char *s, congo_error *err);
void image_ref_free(struct image_ref *r);

/* "docker.io/library/ubuntu" */
char *image_ref_name(const struct image_ref *r);
/* The canonical string: "docker.io/library/ubuntu:24.04", "host/x@sha256:...",
 * or both tag and digest "name:tag@sha256:...". */
char *image_ref_string(const struct image_ref *r);
/* The network host of the registry: registry-1.docker.io for docker.io. */
const char *image_ref_registry_host(const struct image_ref *r);
/* True for localhost, 127.0.0.0/8 and [::1] (with or without port): the
 * only registries talked to in plain HTTP without --tls-verify=false. */
bool image_host_is_loopback(const char *host);

#endif
