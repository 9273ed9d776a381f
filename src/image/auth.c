/* Registry authentication helpers (see auth.h). */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "image/auth.h"
#include "image/json.h"
#include "libcongo/utils.h"

/* A credentials file (docker config.json, auth.json): a few KiB. */
#define AUTH_FILE_MAX_SIZE (4u << 20)

void auth_challenge_free(struct auth_challenge *c)
{
    free(c->realm);
    free(c->service);
    free(c->scope);
    free(c->error);
    *c = (struct auth_challenge){ 0 };
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static bool is_token_char(char c)
{
    return c && !isspace((unsigned char) c) && !strchr("=,\"", c);
}

int auth_challenge_parse(struct auth_challenge *out, const char *header, congo_error *err)
{
    struct auth_challenge c = { 0 };
    const char *p = skip_ws(header), *start = p;

    while (is_token_char(*p))
        p++;
    if (p == start)
        return congo_error_set(err, 0, "WWW-Authenticate `%.200s`: no scheme", header);
    if ((size_t) (p - start) == 6 && strncasecmp(start, "bearer", 6) == 0)
        c.scheme = AUTH_SCHEME_BEARER;
    else if ((size_t) (p - start) == 5 && strncasecmp(start, "basic", 5) == 0)
        c.scheme = AUTH_SCHEME_BASIC;
    else
        c.scheme = AUTH_SCHEME_OTHER;
    for (;;) {
        const char *name;
        size_t nlen;
        char *value;
        p = skip_ws(p);
        if (!*p)
            break;
        name = p;
        while (is_token_char(*p))
            p++;
        nlen = p - name;
        p = skip_ws(p);
        if (nlen == 0 || *p != '=') {
            /* Another challenge (`, Basic ...`) or token68: stop here. */
            if (*p == ',') {
                p++;
                continue;
            }
            break;
        }
        p = skip_ws(p + 1);
        if (*p == '"') {
            size_t cap = strlen(p) + 1, n = 0;
            value = xmalloc(cap);
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                    p++;
                value[n++] = *p;
            }
            value[n] = '\0';
            if (*p != '"') {
                free(value);
                auth_challenge_free(&c);
                return congo_error_set(err, 0, "WWW-Authenticate `%.200s`: unterminated quoted string", header);
            }
            p++;
        } else {
            const char *v = p;
            while (is_token_char(*p))
                p++;
            value = xstrndup(v, p - v);
        }
        char **slot = NULL;
        if (nlen == 5 && strncasecmp(name, "realm", 5) == 0)
            slot = &c.realm;
        else if (nlen == 7 && strncasecmp(name, "service", 7) == 0)
            slot = &c.service;
        else if (nlen == 5 && strncasecmp(name, "scope", 5) == 0)
            slot = &c.scope;
        else if (nlen == 5 && strncasecmp(name, "error", 5) == 0)
            slot = &c.error;
        if (slot) {
            free(*slot);
            *slot = value;
        } else {
            free(value);
        }
        p = skip_ws(p);
        if (*p == ',')
            p++;
    }
    *out = c;
    return 0;
}

void auth_creds_free(struct auth_creds *c)
{
    free(c->user);
    if (c->pass)
        explicit_bzero(c->pass, strlen(c->pass));
    free(c->pass);
    free(c->source);
    *c = (struct auth_creds){ 0 };
}

int auth_creds_parse(struct auth_creds *out, const char *s, congo_error *err)
{
    const char *colon = strchr(s, ':');
    if (!colon || colon == s)
        return congo_error_set(err, 0, "--creds: expected USER:PASSWORD");
    out->user = xstrndup(s, colon - s);
    out->pass = xstrdup(colon + 1);
    out->source = xstrdup("--creds");
    return 0;
}

char *auth_basic_value(const struct auth_creds *c)
{
    _cleanup_free_ char *plain = xasprintf("%s:%s", c->user, c->pass);
    size_t n = strlen(plain);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *) out, (const unsigned char *) plain, n);
    explicit_bzero(plain, n);
    return out;
}

static int decode_auth(const char *b64, const char *file, const char *key, struct auth_creds *out, congo_error *err)
{
    size_t n = strlen(b64);
    _cleanup_free_ unsigned char *buf = xmalloc(n + 4);
    int len;
    char *colon;

    len = n ? EVP_DecodeBlock(buf, (const unsigned char *) b64, n) : -1;
    if (len < 0)
        return congo_error_set(err, 0, "%s: auths.\"%s\".auth: not base64", file, key);
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    while (n > 0 && b64[n - 1] == '=' && len > 0) {
        n--;
        len--;
    }
    buf[len] = '\0';
    colon = strchr((char *) buf, ':');
    if (!colon || memchr(buf, '\0', len))
        return congo_error_set(err, 0, "%s: auths.\"%s\".auth: expected base64 of USER:PASSWORD", file, key);
    out->user = xstrndup((char *) buf, colon - (char *) buf);
    out->pass = xstrdup(colon + 1);
    out->source = xstrdup(file);
    explicit_bzero(buf, len);
    return 0;
}

int auth_creds_from_json(struct auth_creds *out, const char *buf, const char *file, const char *domain, bool *found,
                         congo_error *err)
{
    _cleanup_json_ yajl_val root = NULL;
    yajl_val auths;
    bool hub = strcmp(domain, "docker.io") == 0;
    _cleanup_free_ char *k1 = xasprintf("https://%s", domain), *k2 = xasprintf("http://%s", domain);
    const char *keys[] = { domain, k1, k2, hub ? "https://index.docker.io/v1/" : NULL, hub ? "index.docker.io" : NULL,
                           hub ? "registry-1.docker.io" : NULL };
    int r;

    *found = false;
    if ((r = json_parse_max(&root, buf, AUTH_FILE_MAX_SIZE, file, err)) < 0)
        return r;
    auths = json_get(root, "auths");
    if (!auths || !YAJL_IS_OBJECT(auths))
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        yajl_val e, a;
        if (!keys[i])
            continue;
        e = json_get(auths, keys[i]);
        if (!e)
            continue;
        a = json_get(e, "auth");
        if (a && YAJL_IS_STRING(a) && *a->u.string) {
            if ((r = decode_auth(a->u.string, file, keys[i], out, err)) < 0)
                return r;
            *found = true;
            return 0;
        }
    }
    return 0;
}

static int lookup_file(const char *file, const char *domain, struct auth_creds *out, bool *found, congo_error *err)
{
    _cleanup_free_ char *buf = NULL;
    int r = read_file_at(AT_FDCWD, file, AUTH_FILE_MAX_SIZE, &buf, NULL, err);

    if (r == -ENOENT) {
        congo_error_clear(err);
        return 0;
    }
    if (r < 0)
        return r;
    return auth_creds_from_json(out, buf, file, domain, found, err);
}

int auth_creds_lookup(struct auth_creds *out, const char *domain, bool *found, congo_error *err)
{
    const char *env = getenv("REGISTRY_AUTH_FILE"), *dc = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    _cleanup_free_ char *docker = NULL, *containers = NULL;
    int r;

    *found = false;
    if (env && *env && ((r = lookup_file(env, domain, out, found, err)) < 0 || *found))
        return r;
    if (dc && *dc)
        docker = xasprintf("%s/config.json", dc);
    else if (home && *home)
        docker = xasprintf("%s/.docker/config.json", home);
    if (docker && ((r = lookup_file(docker, domain, out, found, err)) < 0 || *found))
        return r;
    containers = xdg && *xdg ? xasprintf("%s/containers/auth.json", xdg) : xasprintf("/run/containers/%u/auth.json", (unsigned) getuid());
    return lookup_file(containers, domain, out, found, err);
}
