/* Docker image references: parsing and normalisation (see reference.h). */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "image/reference.h"
#include "libcongo/utils.h"

#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128

static bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
static bool is_alnum(char c) { return isalnum((unsigned char) c); }
static bool is_word(char c) { return is_alnum(c) || c == '_'; }
static bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

/* path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | __ | -+ */
static bool valid_path_component(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return false;
    while (i < n) {
        if (is_lower_alnum(s[i])) {
            i++;
            continue;
        }
        /* A separator run between two alphanumerics. */
        size_t j = i;
        while (j < n && !is_lower_alnum(s[j]))
            j++;
        size_t len = j - i;
        if (len == 1 && (s[i] == '.' || s[i] == '_' || s[i] == '-'))
            ;
        else if (len == 2 && s[i] == '_' && s[i + 1] == '_')
            ;
        else {
            for (size_t k = i; k < j; k++)
                if (s[k] != '-')
                    return false;
        }
        i = j;
    }
    return true;
}

/* domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool valid_domain(const char *s)
{
    const char *colon, *end;
    if (*s == '[') {
        /* [IPv6]:port */
        const char *close = strchr(s, ']');
        if (!close || close == s + 1)
            return false;
        for (const char *p = s + 1; p < close; p++)
            if (!isxdigit((unsigned char) *p) && *p != ':' && *p != '.')
                return false;
        colon = close[1] == ':' ? close + 1 : NULL;
        if (!colon && close[1])
            return false;
    } else {
        colon = strchr(s, ':');
        end = colon ? colon : s + strlen(s);
        const char *comp = s;
        for (const char *p = s; p <= end; p++) {
            if (p == end || *p == '.') {
                size_t n = p - comp;
                if (n == 0 || !is_alnum(comp[0]) || !is_alnum(comp[n - 1]))
                    return false;
                for (size_t i = 0; i < n; i++)
                    if (!is_alnum(comp[i]) && comp[i] != '-')
                        return false;
                comp = p + 1;
            }
        }
    }
    if (colon) {
        if (!colon[1])
            return false;
        for (const char *p = colon + 1; *p; p++)
            if (!isdigit((unsigned char) *p))
                return false;
    }
    return true;
}

static bool valid_tag(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > TAG_MAX_LEN || !is_word(s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
            return false;
    return true;
}

static bool all_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!is_hex(*s))
            return false;
    return true;
}

void image_ref_free(struct image_ref *r)
{
    free(r->domain);
    free(r->path);
    free(r->tag);
    free(r->digest);
    *r = (struct image_ref){ 0 };
}

int image_ref_parse(struct image_ref *out, const char *s, congo_error *err)
{
    _cleanup_free_ char *copy = NULL, *domain = NULL, *path = NULL, *tag = NULL, *digest = NULL;
    char *name, *at, *slash, *colon;

    if (!s || !*s)
        return congo_error_set(err, 0, "invalid reference: empty image name");
    if (strlen(s) > 4096)
        return congo_error_set(err, 0, "invalid reference: longer than 4096 characters");
    copy = xstrdup(s);
    at = strchr(copy, '@');
    if (at) {
        *at = '\0';
        const char *d = at + 1;
        if (!str_has_prefix(d, "sha256:")) {
            const char *c = strchr(d, ':');
            if (!c || c == d)
                return congo_error_set(err, 0, "invalid reference `%s`: digest `%s` is not ALGORITHM:HEX", s, d);
            return congo_error_set(err, 0, "invalid reference `%s`: unsupported digest algorithm `%.*s` (only sha256)",
                                   s, (int) (c - d), d);
        }
        if (!all_hex64(d + 7))
            return congo_error_set(err, 0, "invalid reference `%s`: digest `%s` is not sha256: and 64 lowercase hex digits",
                                   s, d);
        digest = xstrdup(d);
    }
    name = copy;
    slash = strrchr(name, '/');
    colon = strrchr(slash ? slash : name, ':');
    if (colon) {
        *colon = '\0';
        if (!valid_tag(colon + 1))
            return congo_error_set(err, 0,
                                   "invalid reference `%s`: tag `%s` is not 1 to 128 letters, digits, `_`, `.` or `-` "
                                   "(not starting with `.` or `-`)", s, colon + 1);
        tag = xstrdup(colon + 1);
    }
    if (!*name)
        return congo_error_set(err, 0, "invalid reference `%s`: no repository name", s);
    if (all_hex64(name))
        return congo_error_set(err, 0, "invalid reference `%s`: a repository name cannot be 64 hex digits "
                               "(for an image ID use `sha256:%s`)", s, name);

    slash = strchr(name, '/');
    if (slash && (memchr(name, '.', slash - name) || memchr(name, ':', slash - name) ||
                  (slash - name == 9 && strncmp(name, "localhost", 9) == 0) || name[0] == '[')) {
        domain = xstrndup(name, slash - name);
        path = xstrdup(slash + 1);
        if (!valid_domain(domain))
            return congo_error_set(err, 0, "invalid reference `%s`: registry `%s` is not HOST[:PORT]", s, domain);
    } else {
        domain = xstrdup("docker.io");
        path = xstrdup(name);
    }
    if (strcmp(domain, "index.docker.io") == 0) {
        free(domain);
        domain = xstrdup("docker.io");
    }
    for (const char *p = path; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            return congo_error_set(err, 0, "invalid reference `%s`: repository name `%s` must be lowercase", s, path);
    for (const char *p = path;;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t) (e - p) : strlen(p);
        if (!valid_path_component(p, n))
            return congo_error_set(err, 0,
                                   "invalid reference `%s`: repository path component `%.*s` is not lowercase letters "
                                   "and digits separated by `.`, `_`, `__` or `-`", s, (int) n, p);
        if (!e)
            break;
        p = e + 1;
    }
    if (strcmp(domain, "docker.io") == 0 && !strchr(path, '/')) {
        char *l = xasprintf("library/%s", path);
        free(path);
        path = l;
    }
    if (strlen(domain) + 1 + strlen(path) > NAME_MAX_LEN)
        return congo_error_set(err, 0, "invalid reference `%s`: repository name longer than %d characters", s,
                               NAME_MAX_LEN);
    if (!tag && !digest)
        tag = xstrdup("latest");
    out->domain = steal_pointer(&domain);
    out->path = steal_pointer(&path);
    out->tag = steal_pointer(&tag);
    out->digest = steal_pointer(&digest);
    return 0;
}

char *image_ref_name(const struct image_ref *r)
{
    return xasprintf("%s/%s", r->domain, r->path);
}

char *image_ref_string(const struct image_ref *r)
{
    return xasprintf("%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "", r->tag ? r->tag : "",
                     r->digest ? "@" : "", r->digest ? r->digest : "");
}

const char *image_ref_registry_host(const struct image_ref *r)
{
    return strcmp(r->domain, "docker.io") == 0 ? "registry-1.docker.io" : r->domain;
}

bool image_host_is_loopback(const char *host)
{
    size_t n;
    const char *colon;

    if (host[0] == '[')
        return str_has_prefix(host, "[::1]");
    colon = strchr(host, ':');
    n = colon ? (size_t) (colon - host) : strlen(host);
    if (n == 9 && strncmp(host, "localhost", 9) == 0)
        return true;
    if (n >= 4 && strncmp(host, "127.", 4) == 0) {
        for (size_t i = 4; i < n; i++)
            if (!isdigit((unsigned char) host[i]) && host[i] != '.')
                return false;
        return true;
    }
    return false;
}
