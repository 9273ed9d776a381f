/* Registry authentication helpers: the WWW-Authenticate challenge parser
 * (pure, unit-tested) and credentials from --creds, the docker CLI's
 * ~/.docker/config.json ($DOCKER_CONFIG) or containers' auth.json
 * ($REGISTRY_AUTH_FILE). */
#ifndef CONGO_IMAGE_AUTH_H
#define CONGO_IMAGE_AUTH_H

#include <stdbool.h>

#include "libcongo/error.h"

enum auth_scheme { AUTH_SCHEME_NONE, AUTH_SCHEME_BASIC, AUTH_SCHEME_BEARER, AUTH_SCHEME_OTHER };

struct auth_challenge {
    enum auth_scheme scheme;
    char *realm, *service, *scope, *error;
};

/* Parse `Bearer realm="...",service="...",scope="..."` (RFC 7235 auth-params,
 * quoted strings with backslash escapes, case-insensitive names).  Only the
 * first challenge of the header is used. */
int auth_challenge_parse(struct auth_challenge *out, const char *header, congo_error *err);
void auth_challenge_free(struct auth_challenge *c);

struct auth_creds {
    char *user, *pass;
    char *source; /* where they came from, for messages */
};

/* "USER:PASS" */
int auth_creds_parse(struct auth_creds *out, const char *s, congo_error *err);
/* Credentials for a registry (the domain of the reference) from the auth
 * files; *found false when there are none.  An unreadable or malformed file
 * is an error naming it. */
int auth_creds_lookup(struct auth_creds *out, const char *domain, bool *found, congo_error *err);
void auth_creds_free(struct auth_creds *c);
/* The same from the text of one such file (`file` names it in errors). */
int auth_creds_from_json(struct auth_creds *out, const char *buf, const char *file, const char *domain, bool *found,
                         congo_error *err);

/* base64 of "user:pass" (for Authorization: Basic). */
char *auth_basic_value(const struct auth_creds *c);

#endif
