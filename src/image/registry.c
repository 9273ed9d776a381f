/* The registry client (see registry.h). */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "image/async-ingest.h"
#include "image/json.h"
#include "image/progress.h"
#include "image/registry.h"
#include "libcongo/log.h"
#include "libcongo/utils.h"

#define MAX_REDIRECTS 5
#define TOKEN_MAX_SIZE (1u << 20)
#define ERROR_BODY_MAX 2048
/* The headers of one response (all lines, every hop counted apart): a
 * registry sends a few hundred bytes; curl's own cap is per line only. */
#define HEADERS_MAX (64u * 1024)

enum auth_state { AUTH_UNKNOWN, AUTH_ANONYMOUS, AUTH_BASIC, AUTH_BEARER };

struct registry {
    char *domain;           /* as in the reference: docker.io, 127.0.0.1:5000 */
    char *host;             /* network host[:port] */
    char *repo;
    const char *scheme;     /* "https" or "http" once the ping succeeded */
    char *origin;           /* scheme://host:port of the registry */
    struct registry_opts o;
    bool insecure_ok;       /* plain HTTP allowed */
    CURLSH *share;
    /* auth */
    enum auth_state auth;
    struct auth_creds creds;
    bool creds_loaded, have_creds;
    char *realm, *service, *scope;
    char *token;
    time_t token_expiry;
};

struct http_resp {
    long status;
    char *body;
    size_t len, max;
    bool too_big;
    size_t header_bytes;
    bool headers_too_big;
    char *content_type, *digest_header, *www_auth;
    char *url;              /* the final URL, after redirects */
};

static void http_resp_free(struct http_resp *h)
{
    free(h->body);
    free(h->content_type);
    free(h->digest_header);
    free(h->www_auth);
    free(h->url);
    *h = (struct http_resp){ 0 };
}

void registry_doc_free(struct registry_doc *d)
{
    free(d->body);
    free(d->content_type);
    free(d->digest_header);
    *d = (struct registry_doc){ 0 };
}

/* URLs */

/* "scheme://host:port" with the default port made explicit; NULL when unparsable. */
static char *url_origin(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *r = NULL;
    if (!u)
        abort();
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        r = xasprintf("%s://%s:%s", scheme, host, port);
        for (char *p = r; *p; p++)
            *p = tolower((unsigned char) *p);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return r;
}

/* The host[:port] part of a URL, for the loopback test. */
static char *url_hostport(const char *url)
{
    const char *p = strstr(url, "://");
    size_t n;
    if (!p)
        return xstrdup("");
    p += 3;
    n = strcspn(p, "/?#");
    return xstrndup(p, n);
}

static bool url_scheme_ok(struct registry *r, const char *url, congo_error *err)
{
    if (str_has_prefix(url, "https://"))
        return true;
    if (str_has_prefix(url, "http://")) {
        _cleanup_free_ char *hp = url_hostport(url);
        if (!r->o.tls_verify || image_host_is_loopback(hp))
            return true;
        congo_error_set(err, 0, "refusing plain HTTP to `%s` (only loopback registries, or --tls-verify=false)", hp);
        return false;
    }
    congo_error_set(err, 0, "refusing URL `%.200s`: only http and https are supported", url);
    return false;
}

/* The error text of a registry's JSON error body: "CODE: message". */
static char *registry_error_text(const char *body, size_t len)
{
    _cleanup_json_ yajl_val root = NULL;
    _cleanup_free_ char *copy = NULL;
    congo_error e = CONGO_ERROR_INIT;
    yajl_val errs;
    char *r = NULL;

    if (!body || len == 0)
        return NULL;
    copy = xstrndup(body, len > ERROR_BODY_MAX ? ERROR_BODY_MAX : len);
    if (json_parse(&root, copy, "error", &e) == 0) {
        errs = json_get(root, "errors");
        if (errs && YAJL_IS_ARRAY(errs) && errs->u.array.len > 0) {
            yajl_val code = json_get(errs->u.array.values[0], "code");
            yajl_val msg = json_get(errs->u.array.values[0], "message");
            r = xasprintf("%s%s%s", code && YAJL_IS_STRING(code) ? code->u.string : "",
                          code && YAJL_IS_STRING(code) && msg && YAJL_IS_STRING(msg) ? ": " : "",
                          msg && YAJL_IS_STRING(msg) ? msg->u.string : "");
        }
    }
    congo_error_clear(&e);
    if (!r) {
        /* Plain text: the first line, printable characters only. */
        size_t n = strcspn(copy, "\r\n");
        if (n > 200)
            n = 200;
        r = xstrndup(copy, n);
        for (char *p = r; *p; p++)
            if (!isprint((unsigned char) *p))
                *p = '?';
        if (!*r) {
            free(r);
            r = NULL;
        }
    }
    return r;
}

static char *status_text(long status, const char *body, size_t len)
{
    _cleanup_free_ char *e = registry_error_text(body, len);
    return xasprintf("HTTP %ld%s%s", status, e ? ": " : "", e ? e : "");
}

/* curl plumbing */

static CURL *easy_new(struct registry *r, char *errbuf)
{
    CURL *h = curl_easy_init();
    if (!h)
        abort();
    curl_easy_setopt(h, CURLOPT_SHARE, r->share);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "congo-image/" PACKAGE_VERSION);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L * 1024);
    if (r->o.tls_ca)
        curl_easy_setopt(h, CURLOPT_CAINFO, r->o.tls_ca);
    if (!r->o.tls_verify) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (errbuf) {
        errbuf[0] = '\0';
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    }
    if (congo_log_enabled(CONGO_LOG_DEBUG) && getenv("CONGO_IMAGE_CURL_VERBOSE"))
        curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    return h;
}

/* curl's own detail when it has one, else the generic text of the code. */
static char *curl_error_text(CURLcode c, const char *errbuf)
{
    return xstrdup(errbuf && *errbuf ? errbuf : curl_easy_strerror(c));
}

static size_t mem_write(char *ptr, size_t size, size_t nmemb, void *data)
{
    struct http_resp *h = data;
    size_t n = size * nmemb;
    if (h->len + n > h->max) {
        h->too_big = true;
        return 0;
    }
    h->body = xrealloc(h->body, h->len + n + 1);
    memcpy(h->body + h->len, ptr, n);
    h->len += n;
    h->body[h->len] = '\0';
    return n;
}

/* A header value, trimmed, when the line is "Name: value". */
static char *header_value(const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    const char *v, *end;
    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return NULL;
    v = line + k + 1;
    end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    return xstrndup(v, end - v);
}

static size_t mem_header(char *line, size_t size, size_t nmemb, void *data)
{
    struct http_resp *h = data;
    size_t n = size * nmemb;
    char *v;
    h->header_bytes += n;
    if (h->header_bytes > HEADERS_MAX) {
        h->headers_too_big = true;
        return 0;
    }
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* A new response (after 100-continue): forget the last one's headers. */
        free(h->content_type);
        free(h->digest_header);
        free(h->www_auth);
        h->content_type = h->digest_header = h->www_auth = NULL;
    } else if ((v = header_value(line, n, "Content-Type"))) {
        free(h->content_type);
        h->content_type = v;
    } else if ((v = header_value(line, n, "Docker-Content-Digest"))) {
        free(h->digest_header);
        h->digest_header = v;
    } else if ((v = header_value(line, n, "WWW-Authenticate"))) {
        if (!h->www_auth)
            h->www_auth = v;
        else
            free(v);
    }
    return n;
}

/* GET url into memory (at most max bytes), following redirects by hand.
 * `auth` (a full header line) is sent only to `auth_origin`.  Returns 0
 * when an HTTP response arrived (any status); *transport (optional) gets
 * the curl code of a failed transfer. */
static int http_get(struct registry *r, const char *url, const char *accept, const char *auth, const char *auth_origin,
                    size_t max, struct http_resp *resp, CURLcode *transport, congo_error *err)
{
    _cleanup_free_ char *cur = xstrdup(url);
    char errbuf[CURL_ERROR_SIZE];

    for (int hop = 0;; hop++) {
        struct curl_slist *hdrs = NULL;
        struct http_resp h = { .max = max };
        _cleanup_free_ char *origin = url_origin(cur), *accept_h = NULL;
        CURL *c;
        CURLcode cc;
        char *loc = NULL;
        long os_errno = 0;

        if (!origin)
            return congo_error_set(err, 0, "invalid URL `%.200s`", cur);
        if (!url_scheme_ok(r, cur, err))
            return -EINVAL;
        c = easy_new(r, errbuf);
        if (accept) {
            accept_h = xasprintf("Accept: %s", accept);
            hdrs = curl_slist_append(hdrs, accept_h);
        }
        if (auth && auth_origin && strcmp(origin, auth_origin) == 0)
            hdrs = curl_slist_append(hdrs, auth);
        curl_easy_setopt(c, CURLOPT_URL, cur);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mem_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &h);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, mem_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
        congo_debug("GET %s%s", cur, auth && auth_origin && strcmp(origin, auth_origin) == 0 ? " (with Authorization)" : "");
        cc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h.status);
        curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
        if (cc == CURLE_OK && h.status >= 300 && h.status < 400) {
            char *l = NULL;
            curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &l);
            loc = xstrdup(l);
        }
        curl_easy_cleanup(c);
        curl_slist_free_all(hdrs);
        if (transport)
            *transport = cc;
        if (cc != CURLE_OK) {
            _cleanup_free_ char *t = curl_error_text(cc, errbuf);
            int rr;
            if (h.too_big)
                rr = congo_error_set(err, EFBIG, "GET %s: the response is larger than the %zu-byte limit", cur, max);
            else if (h.headers_too_big)
                rr = congo_error_set(err, EFBIG, "GET %s: the response headers are larger than the %u-byte limit", cur,
                                     HEADERS_MAX);
            else if (os_errno > 0)
                rr = congo_error_set(err, (int) os_errno, "GET %s: %s", cur, t);
            else
                rr = congo_error_set(err, 0, "GET %s: %s", cur, t);
            http_resp_free(&h);
            free(loc);
            return rr;
        }
        if (loc) {
            http_resp_free(&h);
            if (hop >= MAX_REDIRECTS) {
                free(loc);
                return congo_error_set(err, ELOOP, "GET %s: more than %d redirects", url, MAX_REDIRECTS);
            }
            congo_debug("redirected to %s", loc);
            free(cur);
            cur = loc;
            continue;
        }
        h.url = steal_pointer(&cur);
        *resp = h;
        return 0;
    }
}

/* Auth */

static void load_creds(struct registry *r, congo_error *err)
{
    if (r->creds_loaded)
        return;
    r->creds_loaded = true;
    if (r->o.creds) {
        r->creds.user = xstrdup(r->o.creds->user);
        r->creds.pass = xstrdup(r->o.creds->pass);
        r->creds.source = xstrdup(r->o.creds->source);
        r->have_creds = true;
        return;
    }
    congo_error e = CONGO_ERROR_INIT;
    if (auth_creds_lookup(&r->creds, r->domain, &r->have_creds, &e) < 0) {
        congo_warning("ignoring credentials: %s", e.msg);
        r->have_creds = false;
    } else if (r->have_creds) {
        congo_debug("credentials for %s from %s", r->domain, r->creds.source);
    }
    congo_error_clear(&e);
    (void) err;
}

int registry_token_parse(const char *body, char **token, long long *expires_in, congo_error *err)
{
    _cleanup_json_ yajl_val root = NULL;
    yajl_val tok, exp;
    int rr = json_parse_max(&root, body, TOKEN_MAX_SIZE, "token response", err);
    if (rr < 0)
        return rr;
    tok = json_get(root, "token");
    if (!tok || !YAJL_IS_STRING(tok) || !*tok->u.string)
        tok = json_get(root, "access_token");
    if (!tok || !YAJL_IS_STRING(tok) || !*tok->u.string)
        return congo_error_set(err, 0, "the response has no token");
    for (const char *p = tok->u.string; *p; p++)
        if (!isgraph((unsigned char) *p))
            return congo_error_set(err, 0, "the token has invalid characters");
    exp = json_get(root, "expires_in");
    if (exp && YAJL_IS_INTEGER(exp) && exp->u.number.i > 0)
        *expires_in = exp->u.number.i;
    *token = xstrdup(tok->u.string);
    return 0;
}

static int fetch_token(struct registry *r, congo_error *err)
{
    _cleanup_free_ char *url = NULL, *basic = NULL, *auth = NULL, *origin = NULL;
    struct http_resp h = { 0 };
    CURL *esc = curl_easy_init();
    char *s_service, *s_scope, *token = NULL;
    long long expires = 60;
    int rr;

    if (!r->realm || !*r->realm)
        return congo_error_set(err, 0, "registry `%s` asks for a bearer token but names no realm", r->domain);
    if (!str_has_prefix(r->realm, "https://") && !str_has_prefix(r->realm, "http://"))
        return congo_error_set(err, 0, "token realm `%.200s` is not an http(s) URL", r->realm);
    s_service = curl_easy_escape(esc, r->service ? r->service : "", 0);
    s_scope = curl_easy_escape(esc, r->scope, 0);
    url = xasprintf("%s%s%s%s%sscope=%s", r->realm, strchr(r->realm, '?') ? "&" : "?", r->service ? "service=" : "",
                    r->service ? s_service : "", r->service ? "&" : "", s_scope);
    curl_free(s_service);
    curl_free(s_scope);
    curl_easy_cleanup(esc);
    load_creds(r, err);
    if (r->have_creds) {
        _cleanup_free_ char *hp = url_hostport(r->realm);
        if (str_has_prefix(r->realm, "http://") && r->o.tls_verify && !image_host_is_loopback(hp))
            return congo_error_set(err, 0, "refusing to send the credentials for `%s` to the token service `%s` "
                                   "over plain HTTP", r->domain, r->realm);
        basic = auth_basic_value(&r->creds);
        auth = xasprintf("Authorization: Basic %s", basic);
        origin = url_origin(r->realm);
    }
    rr = http_get(r, url, "application/json", auth, origin, TOKEN_MAX_SIZE, &h, NULL, err);
    if (auth)
        explicit_bzero(auth, strlen(auth));
    if (rr < 0)
        return congo_error_wrap(err, rr, "get a token for `%s` from the token service", r->repo);
    if (h.status != 200) {
        _cleanup_free_ char *t = status_text(h.status, h.body, h.len);
        rr = congo_error_set(err, h.status == 401 || h.status == 403 ? EACCES : EIO,
                             "get a token for `%s` from the token service `%s`: %s%s", r->repo, r->realm, t,
                             (h.status == 401 || h.status == 403) ? (r->have_creds ? " (wrong username or password?)"
                                                                                   : " (credentials needed: --creds USER:PASS)")
                                                                  : "");
        http_resp_free(&h);
        return rr;
    }
    rr = registry_token_parse(h.body ? h.body : "", &token, &expires, err);
    http_resp_free(&h);
    if (rr < 0)
        return congo_error_wrap(err, rr, "token service `%s`", r->realm);
    free(r->token);
    r->token = token;
    /* Renew a little early rather than have a request refused. */
    r->token_expiry = time(NULL) + (expires > 20 ? expires - 10 : expires);
    r->auth = AUTH_BEARER;
    congo_debug("got a token for scope %s (expires in %lld s)", r->scope, expires);
    return 0;
}

/* Act on a 401 challenge: returns 0 when a retry may succeed. */
static int handle_challenge(struct registry *r, const char *header, bool had_auth, congo_error *err)
{
    struct auth_challenge ch = { 0 };
    int rr;

    if (!header)
        return congo_error_set(err, EACCES, "registry `%s` answered 401 without a WWW-Authenticate challenge", r->domain);
    if ((rr = auth_challenge_parse(&ch, header, err)) < 0)
        return congo_error_wrap(err, rr, "registry `%s`", r->domain);
    if (ch.scheme == AUTH_SCHEME_BEARER) {
        free(r->realm);
        free(r->service);
        r->realm = steal_pointer(&ch.realm);
        r->service = steal_pointer(&ch.service);
        if (!r->scope)
            r->scope = xasprintf("repository:%s:pull", r->repo);
        if (ch.scope && !strstr(ch.scope, "registry:catalog")) {
            free(r->scope);
            r->scope = steal_pointer(&ch.scope);
        }
        if (had_auth && r->auth == AUTH_BEARER && ch.error && strcmp(ch.error, "insufficient_scope") == 0) {
            auth_challenge_free(&ch);
            return congo_error_set(err, EACCES, "registry `%s`: access to `%s` denied (insufficient_scope)%s", r->domain,
                                   r->repo, r->have_creds ? "" : "; credentials needed: --creds USER:PASS");
        }
        auth_challenge_free(&ch);
        return fetch_token(r, err);
    }
    if (ch.scheme == AUTH_SCHEME_BASIC) {
        auth_challenge_free(&ch);
        load_creds(r, err);
        if (!r->have_creds)
            return congo_error_set(err, EACCES, "registry `%s` asks for a username and password: use --creds USER:PASS "
                                   "or an entry in ~/.docker/config.json", r->domain);
        if (had_auth && r->auth == AUTH_BASIC)
            return congo_error_set(err, EACCES, "registry `%s` refused the username and password from %s", r->domain,
                                   r->creds.source);
        r->auth = AUTH_BASIC;
        return 0;
    }
    auth_challenge_free(&ch);
    return congo_error_set(err, EACCES, "registry `%s` asks for an unsupported authentication scheme: %.100s", r->domain,
                           header);
}

/* The Authorization header line for the registry (NULL when anonymous),
 * renewing an expired token first. */
static int auth_header(struct registry *r, char **out, congo_error *err)
{
    *out = NULL;
    if (r->auth == AUTH_BEARER) {
        if (time(NULL) >= r->token_expiry) {
            int rr = fetch_token(r, err);
            if (rr < 0)
                return rr;
        }
        *out = xasprintf("Authorization: Bearer %s", r->token);
    } else if (r->auth == AUTH_BASIC) {
        _cleanup_free_ char *b = auth_basic_value(&r->creds);
        *out = xasprintf("Authorization: Basic %s", b);
    }
    return 0;
}

static int ping(struct registry *r, congo_error *err)
{
    /* A loopback registry is tried in plain HTTP first (the common local
     * registry; no credentials go with a ping), unless a CA was given; a
     * TLS server answers that with 400 and HTTPS comes next. */
    bool http_first = r->o.tls_verify && !r->o.tls_ca && image_host_is_loopback(r->host);
    const char *schemes[2] = { http_first ? "http" : "https", r->insecure_ok ? (http_first ? "https" : "http") : NULL };
    congo_error first = CONGO_ERROR_INIT;
    int rr = 0;

    for (int i = 0; i < 2 && schemes[i]; i++) {
        _cleanup_free_ char *url = xasprintf("%s://%s/v2/", schemes[i], r->host);
        struct http_resp h = { 0 };
        CURLcode cc = CURLE_OK;
        congo_error e = CONGO_ERROR_INIT;
        rr = http_get(r, url, NULL, NULL, NULL, 64 * 1024, &h, &cc, &e);
        if (rr == 0 && i == 0 && schemes[1] && strcmp(schemes[i], "http") == 0 && h.status == 400) {
            /* "Client sent an HTTP request to an HTTPS server" */
            congo_debug("%s answered 400 to plain HTTP; trying HTTPS", url);
            http_resp_free(&h);
            continue;
        }
        if (rr < 0 && i == 0 && schemes[1] && strcmp(schemes[i], "http") == 0 &&
            (cc == CURLE_GOT_NOTHING || cc == CURLE_RECV_ERROR || cc == CURLE_WEIRD_SERVER_REPLY ||
             cc == CURLE_UNSUPPORTED_PROTOCOL)) {
            congo_debug("%s; trying HTTPS", e.msg);
            congo_error_clear(&e);
            continue;
        }
        if (rr < 0) {
            /* Fall back to plain HTTP only when TLS itself failed to start
             * (the server speaks HTTP), never on a certificate error. */
            bool handshake = cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING ||
                             cc == CURLE_WEIRD_SERVER_REPLY;
            if (i == 0 && schemes[1] && handshake) {
                congo_debug("%s; trying plain HTTP", e.msg);
                first = e;
                continue;
            }
            congo_error_clear(&first);
            if (i == 1 && first.msg) {
                congo_error_clear(&e);
                *err = first;
                return congo_error_wrap(err, rr, "registry `%s`", r->domain);
            }
            *err = e;
            if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE)
                congo_error_wrap(err, rr, "registry `%s` (TLS verification failed: give its CA with --tls-ca FILE)",
                                 r->domain);
            else
                congo_error_wrap(err, rr, "registry `%s`", r->domain);
            return rr;
        }
        congo_error_clear(&first);
        r->scheme = schemes[i];
        free(r->origin);
        r->origin = url_origin(url);
        if (h.status == 401) {
            rr = handle_challenge(r, h.www_auth, false, err);
            http_resp_free(&h);
            return rr;
        }
        if (h.status != 200) {
            _cleanup_free_ char *t = status_text(h.status, h.body, h.len);
            rr = congo_error_set(err, EIO, "registry `%s`: GET %s: %s (not a distribution v2 registry?)", r->domain,
                                 url, t);
            http_resp_free(&h);
            return rr;
        }
        r->auth = AUTH_ANONYMOUS;
        http_resp_free(&h);
        return 0;
    }
    return rr;
}

/* GET /v2/PATH with auth; retried once after a 401 challenge. */
static int registry_request(struct registry *r, const char *path, const char *accept, size_t max,
                            struct http_resp *out, congo_error *err)
{
    _cleanup_free_ char *url = xasprintf("%s://%s/v2/%s", r->scheme, r->host, path);
    for (int attempt = 0;; attempt++) {
        _cleanup_free_ char *auth = NULL;
        struct http_resp h = { 0 };
        int rr = auth_header(r, &auth, err);
        if (rr < 0)
            return rr;
        rr = http_get(r, url, accept, auth, r->origin, max, &h, NULL, err);
        if (auth)
            explicit_bzero(auth, strlen(auth));
        if (rr < 0)
            return rr;
        if (h.status == 401 && attempt == 0) {
            rr = handle_challenge(r, h.www_auth, r->auth != AUTH_ANONYMOUS, err);
            http_resp_free(&h);
            if (rr < 0)
                return rr;
            continue;
        }
        *out = h;
        return 0;
    }
}

int registry_open(struct registry **out, const struct image_ref *ref, const struct registry_opts *o, congo_error *err)
{
    static bool curl_ready;
    struct registry *r;
    int rr;

    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return congo_error_set(err, 0, "libcurl initialisation failed");
        curl_ready = true;
    }
    r = xzalloc(sizeof *r);

    r->domain = xstrdup(ref->domain);
    r->host = xstrdup(image_ref_registry_host(ref));
    r->repo = xstrdup(ref->path);
    r->o = *o;
    if (r->o.parallel < 1)
        r->o.parallel = 1;
    r->insecure_ok = !o->tls_verify || image_host_is_loopback(r->host);
    r->share = curl_share_init();
    if (!r->share)
        abort();
    curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    if ((rr = ping(r, err)) < 0) {
        registry_close(r);
        return rr;
    }
    congo_debug("registry %s: %s, auth %s", r->domain, r->scheme,
                r->auth == AUTH_BEARER ? "bearer" : r->auth == AUTH_BASIC ? "basic" : "anonymous");
    *out = r;
    return 0;
}

void registry_close(struct registry *r)
{
    if (!r)
        return;
    free(r->domain);
    free(r->host);
    free(r->repo);
    free(r->origin);
    auth_creds_free(&r->creds);
    free(r->realm);
    free(r->service);
    free(r->scope);
    if (r->token)
        explicit_bzero(r->token, strlen(r->token));
    free(r->token);
    if (r->share)
        curl_share_cleanup(r->share);
    free(r);
}

int registry_get_manifest(struct registry *r, const char *reference, struct registry_doc *out, congo_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/manifests/%s", r->repo, reference);
    struct http_resp h = { 0 };
    int rr = registry_request(r, path, MANIFEST_ACCEPT, MANIFEST_MAX_SIZE, &h, err);
    if (rr < 0) {
        if (rr == -EFBIG)
            return congo_error_set(err, EFBIG, "manifest `%s:%s` from `%s` is larger than the %u-byte limit", r->repo,
                                   reference, r->domain, MANIFEST_MAX_SIZE);
        return congo_error_wrap(err, rr, "get manifest `%s` of `%s`", reference, r->repo);
    }
    if (h.status != 200) {
        _cleanup_free_ char *t = status_text(h.status, h.body, h.len);
        rr = congo_error_set(err, h.status == 404 ? ENOENT : h.status == 401 || h.status == 403 ? EACCES : EIO,
                             "get manifest `%s` of `%s` from `%s`: %s", reference, r->repo, r->domain, t);
        http_resp_free(&h);
        return rr;
    }
    out->body = h.body ? steal_pointer(&h.body) : xstrdup("");
    out->len = h.len;
    out->content_type = steal_pointer(&h.content_type);
    out->digest_header = steal_pointer(&h.digest_header);
    http_resp_free(&h);
    return 0;
}

int registry_get_blob(struct registry *r, const struct descriptor *d, size_t max, char **out, size_t *len,
                      congo_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/blobs/%s", r->repo, d->digest);
    struct http_resp h = { 0 };
    char got[DIGEST_LEN + 1];
    int rr;

    if (d->size > (int64_t) max)
        return congo_error_set(err, EFBIG, "blob %s: %lld bytes is larger than the %zu-byte limit", d->digest,
                               (long long) d->size, max);
    rr = registry_request(r, path, NULL, max, &h, err);
    if (rr < 0)
        return congo_error_wrap(err, rr, "get blob %s", d->digest);
    if (h.status != 200) {
        _cleanup_free_ char *t = status_text(h.status, h.body, h.len);
        rr = congo_error_set(err, h.status == 404 ? ENOENT : EIO, "get blob %s from `%s`: %s", d->digest, r->domain, t);
        http_resp_free(&h);
        return rr;
    }
    digest_buffer(h.body ? h.body : "", h.len, got);
    if (strcmp(got, d->digest) != 0) {
        rr = congo_error_set(err, EIO, "blob %s: digest mismatch: the content from `%s` hashes to %s", d->digest,
                             r->domain, got);
        http_resp_free(&h);
        return rr;
    }
    if ((int64_t) h.len != d->size) {
        rr = congo_error_set(err, EIO, "blob %s: size mismatch: expected %lld bytes, got %zu", d->digest,
                             (long long) d->size, h.len);
        http_resp_free(&h);
        return rr;
    }
    *out = h.body ? steal_pointer(&h.body) : xstrdup("");
    if (len)
        *len = h.len;
    http_resp_free(&h);
    return 0;
}

/* Parallel blob downloads */

enum xfer_state { XFER_PENDING, XFER_ACTIVE, XFER_WAIT, XFER_SYNCING, XFER_DONE, XFER_FAILED };

struct xfer {
    struct registry *r;
    struct store *s;
    CURLM *multi;
    const struct descriptor *d;
    enum xfer_state state;
    struct ingest in;            /* while no worker owns it */
    bool in_open;
    struct async_ingest *ai;     /* the worker hashing and writing, while active */
    int64_t received;            /* bytes of the blob we have (written or queued) */
    CURL *easy;
    struct curl_slist *hdrs;
    char *url;
    bool send_auth;
    int redirects, attempts, auth_retries;
    long status;
    bool body_started, overflow, range_bad, write_failed;
    size_t header_bytes;
    bool headers_too_big;
    bool paused;        /* CURL_WRITEFUNC_PAUSE: its worker's queue was full */
    char *content_range;
    char errbody[ERROR_BODY_MAX];
    size_t errlen;
    char errbuf[CURL_ERROR_SIZE];
    congo_error err;
    int rc;
    double retry_at;
    int bar;
};

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void wake_loop(void *data)
{
    curl_multi_wakeup(data);
}

/* Take the ingest back from the worker (after it wrote everything queued). */
static int xfer_stop_worker(struct xfer *x)
{
    int r = 0;
    if (x->ai) {
        congo_error e = CONGO_ERROR_INIT;
        r = async_ingest_stop(x->ai, &x->in, &e);
        x->ai = NULL;
        if (r < 0 && !x->err.msg)
            x->err = e;
        else
            congo_error_clear(&e);
    }
    return r;
}

static int xfer_start_worker(struct xfer *x, congo_error *err)
{
    x->received = x->in.offset;
    return async_ingest_start(&x->ai, &x->in, wake_loop, x->multi, err);
}

static size_t xfer_header(char *line, size_t size, size_t nmemb, void *data)
{
    struct xfer *x = data;
    size_t n = size * nmemb;
    char *v;
    x->header_bytes += n;
    if (x->header_bytes > HEADERS_MAX) {
        x->headers_too_big = true;
        return 0;
    }
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        free(x->content_range);
        x->content_range = NULL;
    } else if ((v = header_value(line, n, "Content-Range"))) {
        free(x->content_range);
        x->content_range = v;
    }
    return n;
}

static size_t xfer_write(char *ptr, size_t size, size_t nmemb, void *data)
{
    struct xfer *x = data;
    size_t n = size * nmemb;

    if (!x->status)
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
    if (x->status != 200 && x->status != 206) {
        size_t room = sizeof x->errbody - 1 - x->errlen;
        if (n < room)
            room = n;
        memcpy(x->errbody + x->errlen, ptr, room);
        x->errlen += room;
        x->errbody[x->errlen] = '\0';
        return n;
    }
    if (!x->body_started) {
        x->body_started = true;
        if (x->status == 200 && x->received > 0) {
            /* The server ignored the Range request: start over. */
            congo_debug("blob %s: the server sent the whole blob; restarting", x->d->digest);
            if (xfer_stop_worker(x) < 0 || ingest_reset(&x->in, &x->err) < 0 || xfer_start_worker(x, &x->err) < 0) {
                x->write_failed = true;
                return 0;
            }
        } else if (x->status == 206) {
            long long start = -1;
            if (!x->content_range || sscanf(x->content_range, "bytes %lld-", &start) != 1 || start != x->received) {
                x->range_bad = true;
                return 0;
            }
        }
    }
    if (x->received + (int64_t) n > x->d->size) {
        x->overflow = true;
        return 0;
    }
    /* A full queue (its worker lags behind) pauses this download alone;
     * the loop resumes it when the worker frees a chunk. */
    if (!async_ingest_has_room(x->ai, n)) {
        x->paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    if (async_ingest_write(x->ai, ptr, n) < 0) {
        x->write_failed = true;
        return 0;
    }
    x->received += n;
    return n;
}

static int xfer_start(struct xfer *x, congo_error *err)
{
    _cleanup_free_ char *auth = NULL, *origin = NULL;
    char range[64];
    int rr;

    if (!x->in_open) {
        if ((rr = store_ingest_open(x->s, x->d->digest, true, &x->in, err)) < 0)
            return rr;
        x->in_open = true;
        if (x->in.offset > x->d->size) {
            if ((rr = ingest_reset(&x->in, err)) < 0)
                return rr;
        } else if (x->in.offset > 0) {
            congo_debug("blob %s: resuming at byte %lld of %lld", x->d->digest, (long long) x->in.offset,
                        (long long) x->d->size);
        }
    }
    if (!x->url) {
        x->url = xasprintf("%s://%s/v2/%s/blobs/%s", x->r->scheme, x->r->host, x->r->repo, x->d->digest);
        x->send_auth = true;
    }
    if (!url_scheme_ok(x->r, x->url, err))
        return -EINVAL;
    origin = url_origin(x->url);
    if (!origin)
        return congo_error_set(err, 0, "invalid URL `%.200s`", x->url);
    if (x->send_auth && strcmp(origin, x->r->origin) == 0 && (rr = auth_header(x->r, &auth, err)) < 0)
        return rr;
    if ((rr = xfer_start_worker(x, err)) < 0)
        return rr;
    x->easy = easy_new(x->r, x->errbuf);
    x->hdrs = NULL;
    if (auth)
        x->hdrs = curl_slist_append(x->hdrs, auth);
    if (x->received > 0) {
        snprintf(range, sizeof range, "Range: bytes=%lld-", (long long) x->received);
        x->hdrs = curl_slist_append(x->hdrs, range);
    }
    x->status = 0;
    x->body_started = x->overflow = x->range_bad = x->write_failed = x->headers_too_big = false;
    x->header_bytes = 0;
    x->errlen = 0;
    x->errbody[0] = '\0';
    curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
    curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
    curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, xfer_write);
    curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, xfer_header);
    curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
    congo_debug("GET %s%s%s", x->url, auth ? " (with Authorization)" : "", x->received ? " (resuming)" : "");
    if (auth)
        explicit_bzero(auth, strlen(auth));
    curl_multi_add_handle(x->multi, x->easy);
    x->state = XFER_ACTIVE;
    return 0;
}

static void xfer_release_easy(struct xfer *x)
{
    if (x->easy) {
        curl_multi_remove_handle(x->multi, x->easy);
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
}

static void xfer_fail(struct xfer *x, int rc, bool keep_partial)
{
    xfer_stop_worker(x);
    if (x->in_open) {
        store_ingest_abort(x->s, &x->in, keep_partial);
        x->in_open = false;
    }
    x->rc = rc;
    x->state = XFER_FAILED;
}

/* Schedule another attempt from where the download stopped; false when out of attempts. */
static bool xfer_retry(struct xfer *x, const char *why)
{
    if (x->attempts >= x->r->o.retries)
        return false;
    x->attempts++;
    congo_debug("blob %s: %s; retry %d of %d from byte %lld", x->d->digest, why, x->attempts, x->r->o.retries,
                (long long) x->in.offset);
    x->retry_at = mono_now() + 0.2 * (1 << (x->attempts - 1));
    x->state = XFER_WAIT;
    return true;
}

/* The transfer ended: decide what comes next. */
static void xfer_done(struct xfer *x, CURLcode cc)
{
    struct registry *r = x->r;
    char *redirect = NULL;
    long status = 0;

    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    if (cc == CURLE_OK && status >= 300 && status < 400) {
        curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &redirect);
        redirect = xstrdup(redirect);
    }
    xfer_release_easy(x);

    if (cc == CURLE_OK && (status == 200 || status == 206) && x->received == x->d->size && !x->write_failed) {
        /* Complete: the worker finishes hashing, writing and the fsync;
         * the loop publishes the blob when it is done. */
        async_ingest_finish(x->ai);
        x->state = XFER_SYNCING;
        free(redirect);
        return;
    }
    /* Every other path works on the ingest itself. */
    if (xfer_stop_worker(x) < 0 || x->write_failed || x->err.msg) {
        /* Our side failed (disk full...). */
        if (!x->err.msg)
            congo_error_set(&x->err, EIO, "blob %s: writing to the store failed", x->d->digest);
        free(redirect);
        xfer_fail(x, -EIO, false);
        return;
    }
    if (x->headers_too_big) {
        congo_error_set(&x->err, EFBIG, "blob %s: the response headers are larger than the %u-byte limit",
                        x->d->digest, HEADERS_MAX);
        free(redirect);
        xfer_fail(x, -EFBIG, false);
        return;
    }
    if (x->overflow) {
        congo_error_set(&x->err, EIO, "blob %s: the registry sent more than the %lld bytes the manifest says",
                        x->d->digest, (long long) x->d->size);
        xfer_fail(x, -EIO, false);
        return;
    }
    if (x->range_bad) {
        congo_error e = CONGO_ERROR_INIT;
        ingest_reset(&x->in, &e);
        congo_error_clear(&e);
        if (!xfer_retry(x, "the server answered the Range request with another range")) {
            congo_error_set(&x->err, EIO, "blob %s: the registry does not honour Range requests", x->d->digest);
            xfer_fail(x, -EIO, false);
        }
        return;
    }
    if (cc != CURLE_OK) {
        _cleanup_free_ char *t = curl_error_text(cc, x->errbuf);
        if (xfer_retry(x, t))
            return;
        congo_error_set(&x->err, EIO,
                        "download blob %s: %s (after %d attempts; %lld of %lld bytes are kept and the next pull "
                        "resumes from there)", x->d->digest, t, x->attempts + 1, (long long) x->in.offset,
                        (long long) x->d->size);
        xfer_fail(x, -EIO, true);
        return;
    }
    if (redirect) {
        _cleanup_free_ char *o = url_origin(redirect);
        free(x->url);
        x->url = redirect;
        if (++x->redirects > MAX_REDIRECTS) {
            congo_error_set(&x->err, ELOOP, "blob %s: more than %d redirects", x->d->digest, MAX_REDIRECTS);
            xfer_fail(x, -ELOOP, true);
            return;
        }
        /* Credentials stay with the registry's origin. */
        x->send_auth = o && strcmp(o, r->origin) == 0;
        congo_debug("blob %s: redirected to %s", x->d->digest, redirect);
        x->state = XFER_PENDING;
        return;
    }
    if (status == 401 && x->auth_retries < 1 && r->auth == AUTH_BEARER) {
        x->auth_retries++;
        if (fetch_token(r, &x->err) < 0) {
            xfer_fail(x, -EACCES, true);
            return;
        }
        free(x->url);
        x->url = NULL;
        x->state = XFER_PENDING;
        return;
    }
    if (status == 416) {
        congo_error e = CONGO_ERROR_INIT;
        ingest_reset(&x->in, &e);
        congo_error_clear(&e);
        if (xfer_retry(x, "range not satisfiable"))
            return;
    }
    if (status >= 500 || status == 429 || status == 408) {
        _cleanup_free_ char *t = status_text(status, x->errbody, x->errlen);
        if (xfer_retry(x, t))
            return;
    }
    if (status != 200 && status != 206) {
        _cleanup_free_ char *t = status_text(status, x->errbody, x->errlen);
        congo_error_set(&x->err, status == 404 ? ENOENT : EIO, "download blob %s from `%s`: %s", x->d->digest,
                        r->domain, t);
        xfer_fail(x, -EIO, true);
        return;
    }
    /* The connection ended cleanly but early (no Content-Length). */
    if (xfer_retry(x, "the transfer ended early"))
        return;
    congo_error_set(&x->err, EIO, "download blob %s: got %lld of %lld bytes (kept; the next pull resumes)",
                    x->d->digest, (long long) x->in.offset, (long long) x->d->size);
    xfer_fail(x, -EIO, true);
}

/* The worker is done: verify and publish. */
static void xfer_publish(struct xfer *x)
{
    if (xfer_stop_worker(x) < 0) {
        xfer_fail(x, -EIO, false);
        return;
    }
    x->in_open = false;
    x->rc = store_ingest_commit(x->s, &x->in, x->d->size, NULL, &x->err);
    if (x->rc < 0) {
        congo_error_wrap(&x->err, x->rc, "blob %s from `%s`", x->d->digest, x->r->domain);
        x->state = XFER_FAILED;
        return;
    }
    x->state = XFER_DONE;
}

int registry_fetch_blobs(struct registry *r, struct store *s, const struct descriptor *blobs, size_t n,
                         congo_error *err)
{
    struct xfer *xs = xnew0(struct xfer, n + 1);
    struct progress *prog = progress_new(r->o.progress);
    CURLM *multi = curl_multi_init();
    size_t active = 0, finished = 0;
    int rc = 0;

    if (!multi)
        abort();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) r->o.parallel);
    for (size_t i = 0; i < n; i++) {
        char label[32];
        xs[i] = (struct xfer){ .r = r, .s = s, .multi = multi, .d = &blobs[i], .state = XFER_PENDING };
        snprintf(label, sizeof label, "%.12s", digest_hex(blobs[i].digest));
        xs[i].bar = progress_add(prog, label, blobs[i].size);
        /* The same blob twice in one image: fetch it once. */
        for (size_t j = 0; j < i; j++)
            if (strcmp(blobs[j].digest, blobs[i].digest) == 0)
                xs[i].state = XFER_DONE;
        if (xs[i].state == XFER_PENDING && store_has_blob(s, blobs[i].digest)) {
            xs[i].state = XFER_DONE;
            progress_update(prog, xs[i].bar, blobs[i].size, "already here");
        } else if (xs[i].state == XFER_DONE) {
            progress_update(prog, xs[i].bar, blobs[i].size, "duplicate");
        }
        if (xs[i].state == XFER_DONE)
            finished++;
    }
    while (finished < n && rc == 0) {
        CURLMsg *msg;
        int running, left;
        double t = mono_now();

        for (size_t i = 0; i < n && active < (size_t) r->o.parallel; i++) {
            struct xfer *x = &xs[i];
            if (x->state == XFER_PENDING || (x->state == XFER_WAIT && t >= x->retry_at)) {
                int rr = xfer_start(x, &x->err);
                if (rr < 0) {
                    xfer_release_easy(x);
                    xfer_fail(x, rr, true);
                    rc = rr;
                    break;
                }
                active++;
                progress_update(prog, x->bar, x->received, x->attempts ? "retrying" : "downloading");
            }
        }
        if (rc < 0)
            break;
        curl_multi_perform(multi, &running);
        while ((msg = curl_multi_info_read(multi, &left))) {
            struct xfer *x = NULL;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &x);
            active--;
            xfer_done(x, msg->data.result);
            if (x->state == XFER_FAILED) {
                finished++;
                rc = x->rc < 0 ? x->rc : -EIO;
                progress_update(prog, x->bar, x->in.offset, "failed");
            } else if (x->state == XFER_SYNCING) {
                progress_update(prog, x->bar, x->d->size, "writing");
            } else if (x->state == XFER_WAIT) {
                progress_update(prog, x->bar, x->in.offset, "retrying");
            }
        }
        for (size_t i = 0; i < n; i++) {
            struct xfer *x = &xs[i];
            if (x->state == XFER_ACTIVE) {
                if (x->paused && async_ingest_has_room(x->ai, 1)) {
                    x->paused = false;
                    curl_easy_pause(x->easy, CURLPAUSE_CONT);
                }
                progress_update(prog, x->bar, x->received, NULL);
            } else if (x->state == XFER_SYNCING && async_ingest_idle(x->ai)) {
                xfer_publish(x);
                finished++;
                if (x->state == XFER_DONE) {
                    progress_update(prog, x->bar, x->d->size, "done");
                } else {
                    rc = x->rc < 0 ? x->rc : -EIO;
                    progress_update(prog, x->bar, x->d->size, "failed");
                }
            }
        }
        progress_draw(prog, false);
        if (finished < n && rc == 0)
            curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    progress_free(prog);
    for (size_t i = 0; i < n; i++) {
        struct xfer *x = &xs[i];
        xfer_release_easy(x);
        xfer_stop_worker(x);
        if (x->in_open)
            store_ingest_abort(s, &x->in, true);
        if (x->state == XFER_FAILED && rc < 0 && !err->msg) {
            *err = x->err;
            x->err = (congo_error) CONGO_ERROR_INIT;
        }
        congo_error_clear(&x->err);
        free(x->url);
        free(x->content_range);
    }
    if (rc < 0 && !err->msg)
        congo_error_set(err, -rc, "download failed");
    curl_multi_cleanup(multi);
    free(xs);
    return rc;
}
