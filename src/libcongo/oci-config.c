/* The config.json parser: OCI runtime-spec 1.2 (Linux fields) into the typed
 * model of oci-config.h.
 *
 * This runs on every container start, so it is built for that: yajl's
 * streaming parser feeds a small tree whose nodes, keys and strings all live
 * in one arena (a handful of mallocs for the whole document, one free), the
 * model then copies only the strings it keeps.  The tree also gives us what
 * yajl's own tree API does not: a nesting limit (its recursive free would
 * overflow the stack on hostile input), rejection of "\u0000" inside strings
 * (C strings would silently truncate them), the raw text of every number (so
 * uint64 values above INT64_MAX survive), and the line of a syntax error.
 *
 * Every error names the source, the JSON path, the offending value and what
 * was expected:
 *   config.json: process.user.uid: expected an unsigned 32-bit integer, got "root"
 * Unknown fields are ignored, as the spec requires; `null` counts as absent
 * (Go-generated documents write null for empty slices and maps). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_parse.h>

#include "json-bounds.h"
#include "oci-config.h"
#include "process-attrs.h"
#include "utils.h"

/* config.json is a few KiB (a big seccomp profile: ~50 KiB); a hostile bundle
 * must not make us read gigabytes. */
#define OCI_CONFIG_MAX_SIZE (16u << 20)
/* The nesting limit of every JSON document congo reads (json-bounds.h). */
#define JSON_MAX_DEPTH CONGO_JSON_MAX_DEPTH
#define TEXT_(x) #x
#define TEXT(x) TEXT_(x)

/* ------------------------------------------------------------------------ */
/* The JSON tree. */

enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_OBJ, J_ARR };

typedef struct jnode jnode;
struct jnode {
    int type;
    size_t len;       /* J_STR/J_NUM: bytes of s; J_OBJ/J_ARR: number of children */
    const char *key;  /* the member name when the parent is an object */
    jnode *next;      /* next sibling */
    const char *s;    /* J_STR: unescaped text; J_NUM: raw text (both NUL-terminated) */
    jnode *first, *last;
};

struct arena_chunk {
    struct arena_chunk *next;
    max_align_t data[];
};

struct arena {
    struct arena_chunk *chunks;
    char *p;
    size_t left, next_size;
};

static void *arena_alloc(struct arena *a, size_t n)
{
    void *r;
    n = (n + 15) & ~(size_t) 15;
    if (n > a->left) {
        size_t size = a->next_size > n ? a->next_size : n;
        struct arena_chunk *c = xmalloc(sizeof(*c) + size);
        c->next = a->chunks;
        a->chunks = c;
        a->p = (char *) c->data;
        a->left = size;
        if (a->next_size < (1u << 20))
            a->next_size *= 2;
    }
    r = a->p;
    a->p += n;
    a->left -= n;
    return r;
}

static char *arena_strndup(struct arena *a, const char *s, size_t len)
{
    char *r = arena_alloc(a, len + 1);
    memcpy(r, s, len);
    r[len] = '\0';
    return r;
}

static void arena_free(struct arena *a)
{
    while (a->chunks) {
        struct arena_chunk *c = a->chunks;
        a->chunks = c->next;
        free(c);
    }
}

struct jbuild {
    struct arena *arena;
    jnode *root;
    jnode *stack[JSON_MAX_DEPTH];
    int depth;
    const char *key;
    const char *error; /* why a callback cancelled the parse */
};

static jnode *jb_add(struct jbuild *b, int type)
{
    jnode *n = arena_alloc(b->arena, sizeof(*n));
    memset(n, 0, sizeof(*n));
    n->type = type;
    if (b->depth == 0) {
        b->root = n;
    } else {
        jnode *parent = b->stack[b->depth - 1];
        if (parent->type == J_OBJ)
            n->key = b->key;
        if (parent->last)
            parent->last->next = n;
        else
            parent->first = n;
        parent->last = n;
        parent->len++;
    }
    return n;
}

static int jb_null(void *ctx)
{
    jb_add(ctx, J_NULL);
    return 1;
}

static int jb_boolean(void *ctx, int v)
{
    jb_add(ctx, v ? J_TRUE : J_FALSE);
    return 1;
}

static int jb_number(void *ctx, const char *s, size_t len)
{
    struct jbuild *b = ctx;
    jnode *n = jb_add(b, J_NUM);
    n->s = arena_strndup(b->arena, s, len);
    n->len = len;
    return 1;
}

static int jb_string(void *ctx, const unsigned char *s, size_t len)
{
    struct jbuild *b = ctx;
    jnode *n;
    if (memchr(s, '\0', len)) {
        b->error = "a string contains \\u0000 (a NUL character), which is not allowed";
        return 0;
    }
    n = jb_add(b, J_STR);
    n->s = arena_strndup(b->arena, (const char *) s, len);
    n->len = len;
    return 1;
}

static int jb_push(struct jbuild *b, int type)
{
    jnode *n;
    if (b->depth >= JSON_MAX_DEPTH) {
        b->error = "JSON nested deeper than the limit of " TEXT(CONGO_JSON_MAX_DEPTH) " levels";
        return 0;
    }
    n = jb_add(b, type);
    b->stack[b->depth++] = n;
    return 1;
}

static int jb_start_map(void *ctx) { return jb_push(ctx, J_OBJ); }
static int jb_start_array(void *ctx) { return jb_push(ctx, J_ARR); }

static int jb_end(void *ctx)
{
    ((struct jbuild *) ctx)->depth--;
    return 1;
}

static int jb_map_key(void *ctx, const unsigned char *s, size_t len)
{
    struct jbuild *b = ctx;
    if (memchr(s, '\0', len)) {
        b->error = "a member name contains \\u0000 (a NUL character), which is not allowed";
        return 0;
    }
    b->key = arena_strndup(b->arena, (const char *) s, len);
    return 1;
}

static const yajl_callbacks jb_callbacks = {
    .yajl_null = jb_null,
    .yajl_boolean = jb_boolean,
    .yajl_number = jb_number,
    .yajl_string = jb_string,
    .yajl_start_map = jb_start_map,
    .yajl_map_key = jb_map_key,
    .yajl_end_map = jb_end,
    .yajl_start_array = jb_start_array,
    .yajl_end_array = jb_end,
};

/* Parse json[0..len) into a tree allocated in *a; the top level must be an object. */
static int json_parse(struct arena *a, const jnode **root, const char *json, size_t len, const char *source,
                      congo_error *err)
{
    struct jbuild b = { .arena = a };
    yajl_handle h;
    yajl_status st;
    bool at_end = false;
    int r = 0;

    if (len > OCI_CONFIG_MAX_SIZE)
        return congo_error_set(err, EFBIG, "%s: %zu bytes, more than the limit of %u bytes", source, len,
                               OCI_CONFIG_MAX_SIZE);
    a->next_size = len < 2048 ? 4096 : len * 2;
    h = yajl_alloc(&jb_callbacks, NULL, &b);
    if (!h)
        abort();
    st = yajl_parse(h, (const unsigned char *) json, len);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
        at_end = true;
    }
    if (st != yajl_status_ok) {
        size_t off = at_end ? len : yajl_get_bytes_consumed(h), line = 1, i;
        unsigned char *msg = NULL;
        const char *text = b.error;
        if (off > len)
            off = len;
        for (i = 0; i < off; i++)
            line += json[i] == '\n';
        if (!text) {
            size_t n;
            msg = yajl_get_error(h, 0, NULL, 0);
            n = strlen((char *) msg);
            while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
                msg[--n] = '\0';
            text = (const char *) msg;
        }
        r = congo_error_set(err, 0, "%s: line %zu: %s", source, line, text);
        if (msg)
            yajl_free_error(h, msg);
    } else if (b.root->type != J_OBJ) {
        r = congo_error_set(err, 0, "%s: expected a JSON object at the top level, got %s", source,
                            b.root->type == J_ARR ? "an array" : b.root->type == J_STR ? "a string" : "a scalar");
    } else {
        *root = b.root;
    }
    yajl_free(h);
    return r;
}

/* The member `key` of an object (the last one when it is repeated, as Go
 * does); NULL when absent or null. */
static const jnode *jget(const jnode *obj, const char *key)
{
    const jnode *found = NULL, *c;
    for (c = obj->first; c; c = c->next)
        if (c->key[0] == key[0] && strcmp(c->key, key) == 0)
            found = c;
    return found && found->type != J_NULL ? found : NULL;
}

/* ------------------------------------------------------------------------ */
/* Paths and messages. */

struct pctx {
    const char *source;
    congo_error *err;
    size_t plen;
    char path[640];
};

/* Append s[0..len) as a JSON string literal, escaping what a terminal must
 * not see, cut after `max` input bytes. */
static size_t quote(char *buf, size_t size, const char *s, size_t len, size_t max)
{
    size_t o = 0, i;
    bool cut = len > max;
#define PUT(c)                                                                                                         \
    do {                                                                                                               \
        if (o + 1 < size)                                                                                              \
            buf[o++] = (c);                                                                                            \
    } while (0)
    PUT('"');
    for (i = 0; i < len && i < max; i++) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            PUT('\\');
            PUT(c);
        } else if (c < 0x20 || c == 0x7f) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", c);
            for (const char *e = esc; *e; e++)
                PUT(*e);
        } else {
            PUT(c);
        }
    }
    PUT('"');
    if (cut) {
        PUT('.');
        PUT('.');
        PUT('.');
    }
#undef PUT
    if (size)
        buf[o < size ? o : size - 1] = '\0';
    return o;
}

static void describe(const jnode *n, char *buf, size_t size)
{
    switch (n->type) {
    case J_NULL: snprintf(buf, size, "null"); break;
    case J_TRUE: snprintf(buf, size, "true"); break;
    case J_FALSE: snprintf(buf, size, "false"); break;
    case J_NUM: snprintf(buf, size, "%.40s%s", n->s, n->len > 40 ? "..." : ""); break;
    case J_STR: quote(buf, size, n->s, n->len, 80); break;
    case J_OBJ: snprintf(buf, size, "an object"); break;
    default: snprintf(buf, size, "an array"); break;
    }
}

static size_t path_append(struct pctx *p, const char *s)
{
    size_t old = p->plen, n = strlen(s);
    if (p->plen + n >= sizeof(p->path))
        n = sizeof(p->path) - 1 - p->plen;
    memcpy(p->path + p->plen, s, n);
    p->plen += n;
    p->path[p->plen] = '\0';
    return old;
}

static size_t push_key(struct pctx *p, const char *key)
{
    size_t old = p->plen;
    if (p->plen)
        path_append(p, ".");
    path_append(p, key);
    return old;
}

static size_t push_index(struct pctx *p, size_t i)
{
    char b[32];
    snprintf(b, sizeof b, "[%zu]", i);
    return path_append(p, b);
}

static size_t push_mapkey(struct pctx *p, const char *key)
{
    char b[200];
    size_t old = path_append(p, "[");
    quote(b, sizeof b, key, strlen(key), 120);
    path_append(p, b);
    path_append(p, "]");
    return old;
}

static void pop(struct pctx *p, size_t old)
{
    p->plen = old;
    p->path[old] = '\0';
}

__attribute__((format(printf, 2, 3))) static int perr(struct pctx *p, const char *fmt, ...)
{
    _cleanup_free_ char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (p->plen)
        return congo_error_set(p->err, 0, "%s: %s: %s", p->source, p->path, msg ? msg : "invalid value");
    return congo_error_set(p->err, 0, "%s: %s", p->source, msg ? msg : "invalid value");
}

static int missing(struct pctx *p, const char *key)
{
    return perr(p, "missing required field \"%s\"", key);
}

static int expected(struct pctx *p, const jnode *n, const char *what)
{
    char got[256];
    describe(n, got, sizeof got);
    return perr(p, "expected %s, got %s", what, got);
}

static int unknown_name(struct pctx *p, const char *kind, const jnode *n, const char *choices)
{
    char got[256];
    describe(n, got, sizeof got);
    return perr(p, "unknown %s %s (expected one of %s)", kind, got, choices);
}

/* ------------------------------------------------------------------------ */
/* Values at the current path. */

struct urange { uint64_t max; const char *what; };
struct irange { int64_t min, max; const char *what; };
static const struct urange U16 = { UINT16_MAX, "an unsigned 16-bit integer" };
static const struct urange U32 = { UINT32_MAX, "an unsigned 32-bit integer" };
static const struct urange U64 = { UINT64_MAX, "an unsigned 64-bit integer" };
static const struct irange I32 = { INT32_MIN, INT32_MAX, "a 32-bit integer" };
static const struct irange I64 = { INT64_MIN, INT64_MAX, "a 64-bit integer" };

static bool is_integer_text(const jnode *n)
{
    return n->type == J_NUM && !strpbrk(n->s, ".eE");
}

static int v_u64(struct pctx *p, const jnode *n, const struct urange *rg, uint64_t *out)
{
    unsigned long long v;
    char *end;
    if (!is_integer_text(n) || n->s[0] == '-')
        return expected(p, n, rg->what);
    errno = 0;
    v = strtoull(n->s, &end, 10);
    if (errno || *end || v > rg->max)
        return expected(p, n, rg->what);
    *out = v;
    return 0;
}

static int v_i64(struct pctx *p, const jnode *n, const struct irange *rg, int64_t *out)
{
    long long v;
    char *end;
    if (!is_integer_text(n))
        return expected(p, n, rg->what);
    errno = 0;
    v = strtoll(n->s, &end, 10);
    if (errno || *end || v < rg->min || v > rg->max)
        return expected(p, n, rg->what);
    *out = v;
    return 0;
}

static int v_str(struct pctx *p, const jnode *n, char **out)
{
    if (n->type != J_STR)
        return expected(p, n, "a string");
    free(*out);
    *out = xstrndup(n->s, n->len);
    return 0;
}

static int v_bool(struct pctx *p, const jnode *n, bool *out)
{
    if (n->type != J_TRUE && n->type != J_FALSE)
        return expected(p, n, "true or false");
    *out = n->type == J_TRUE;
    return 0;
}

static int v_strv(struct pctx *p, const jnode *n, char ***out)
{
    const jnode *c;
    char **v;
    size_t i = 0;
    if (n->type != J_ARR)
        return expected(p, n, "an array of strings");
    strv_free(*out);
    *out = v = xnew0(char *, n->len + 1);
    for (c = n->first; c; c = c->next, i++) {
        if (c->type != J_STR) {
            size_t old = push_index(p, i);
            int r = expected(p, c, "a string");
            pop(p, old);
            return r;
        }
        v[i] = xstrndup(c->s, c->len);
    }
    return 0;
}

static void map_free(oci_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->keys[i]);
        free(m->values[i]);
    }
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof(*m));
}

/* An object whose members are all strings. */
static int v_map(struct pctx *p, const jnode *n, oci_map *out)
{
    const jnode *c;
    if (n->type != J_OBJ)
        return expected(p, n, "an object of strings");
    map_free(out);
    if (n->len == 0)
        return 0;
    out->keys = xnew0(char *, n->len);
    out->values = xnew0(char *, n->len);
    for (c = n->first; c; c = c->next) {
        if (c->type != J_STR) {
            size_t old = push_mapkey(p, c->key);
            int r = expected(p, c, "a string");
            pop(p, old);
            return r;
        }
        out->keys[out->n] = xstrdup(c->key);
        out->values[out->n++] = xstrndup(c->s, c->len);
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Fields of an object: absent (or null) fields are left alone, or reported
 * when required. */

#define FIELD(p, obj, key, required, conv)                                                                             \
    ({                                                                                                                 \
        const jnode *_n = jget((obj), (key));                                                                          \
        int _r = 0;                                                                                                    \
        if (!_n) {                                                                                                     \
            if (required)                                                                                              \
                _r = missing((p), (key));                                                                              \
        } else {                                                                                                       \
            size_t _old = push_key((p), (key));                                                                        \
            const jnode *n = _n;                                                                                       \
            _r = (conv);                                                                                               \
            pop((p), _old);                                                                                            \
        }                                                                                                              \
        _r;                                                                                                            \
    })

#define TRY(x)                                                                                                         \
    do {                                                                                                               \
        int _t = (x);                                                                                                  \
        if (_t < 0)                                                                                                    \
            return _t;                                                                                                 \
    } while (0)

static int f_str(struct pctx *p, const jnode *o, const char *key, bool req, char **out)
{
    return FIELD(p, o, key, req, v_str(p, n, out));
}

static int f_strv(struct pctx *p, const jnode *o, const char *key, char ***out)
{
    return FIELD(p, o, key, false, v_strv(p, n, out));
}

static int f_bool(struct pctx *p, const jnode *o, const char *key, bool *out)
{
    return FIELD(p, o, key, false, v_bool(p, n, out));
}

static int f_opt_bool(struct pctx *p, const jnode *o, const char *key, oci_opt_bool *out)
{
    int r = FIELD(p, o, key, false, v_bool(p, n, &out->value));
    if (r == 0 && jget(o, key))
        out->set = true;
    return r;
}

static int f_u64(struct pctx *p, const jnode *o, const char *key, bool req, const struct urange *rg, uint64_t *out)
{
    return FIELD(p, o, key, req, v_u64(p, n, rg, out));
}

static int f_u32(struct pctx *p, const jnode *o, const char *key, bool req, uint32_t *out)
{
    uint64_t v = *out;
    int r = FIELD(p, o, key, req, v_u64(p, n, &U32, &v));
    *out = (uint32_t) v;
    return r;
}

static int f_i64(struct pctx *p, const jnode *o, const char *key, bool req, const struct irange *rg, int64_t *out)
{
    return FIELD(p, o, key, req, v_i64(p, n, rg, out));
}

static int f_opt_u64(struct pctx *p, const jnode *o, const char *key, const struct urange *rg, oci_opt_u64 *out)
{
    int r = FIELD(p, o, key, false, v_u64(p, n, rg, &out->value));
    if (r == 0 && jget(o, key))
        out->set = true;
    return r;
}

static int f_opt_i64(struct pctx *p, const jnode *o, const char *key, const struct irange *rg, oci_opt_i64 *out)
{
    int r = FIELD(p, o, key, false, v_i64(p, n, rg, &out->value));
    if (r == 0 && jget(o, key))
        out->set = true;
    return r;
}

static int f_map(struct pctx *p, const jnode *o, const char *key, oci_map *out)
{
    return FIELD(p, o, key, false, v_map(p, n, out));
}

/* An optional object member: *n is NULL when absent; error when not an object. */
static int f_obj(struct pctx *p, const jnode *o, const char *key, const jnode **out)
{
    *out = NULL;
    return FIELD(p, o, key, false, n->type == J_OBJ ? (*out = n, 0) : expected(p, n, "an object"));
}

typedef int (*elem_parser)(struct pctx *p, const jnode *n, void *elem);

/* An array of objects into a zeroed C array; *out and *count are set before
 * the elements are parsed so that the owner's free function releases a
 * partially parsed array. */
static int v_objarr(struct pctx *p, const jnode *n, size_t elem_size, void **out, size_t *count, elem_parser parse)
{
    const jnode *c;
    size_t i = 0;
    if (n->type != J_ARR)
        return expected(p, n, "an array of objects");
    if (n->len == 0)
        return 0;
    *out = xzalloc(elem_size * n->len);
    *count = n->len;
    for (c = n->first; c; c = c->next, i++) {
        size_t old = push_index(p, i);
        int r = c->type == J_OBJ ? parse(p, c, (char *) *out + i * elem_size) : expected(p, c, "an object");
        pop(p, old);
        if (r < 0)
            return r;
    }
    return 0;
}

#define F_OBJARR(p, o, key, arr, count, parse)                                                                         \
    FIELD(p, o, key, false, v_objarr(p, n, sizeof(**(arr)), (void **) (arr), (count), (elem_parser) (parse)))

/* An array of at most max entries (the bounds of oci-config.h). */
static int v_maxlen(struct pctx *p, const jnode *n, size_t max)
{
    if (n->type == J_ARR && n->len > max)
        return perr(p, "%zu entries, more than the limit of %zu", n->len, max);
    return 0;
}

#define F_OBJARR_MAX(p, o, key, arr, count, parse, max)                                                                \
    FIELD(p, o, key, false,                                                                                            \
          v_maxlen(p, n, max) ?: v_objarr(p, n, sizeof(**(arr)), (void **) (arr), (count), (elem_parser) (parse)))

static int f_strv_max(struct pctx *p, const jnode *o, const char *key, size_t max, char ***out)
{
    return FIELD(p, o, key, false, v_maxlen(p, n, max) ?: v_strv(p, n, out));
}

/* ------------------------------------------------------------------------ */
/* Name tables. */

static const char *const ns_names[OCI_NS_COUNT] = {
    [OCI_NS_PID] = "pid",   [OCI_NS_NETWORK] = "network", [OCI_NS_MOUNT] = "mount",   [OCI_NS_IPC] = "ipc",
    [OCI_NS_UTS] = "uts",   [OCI_NS_USER] = "user",       [OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};
static const int ns_flags[OCI_NS_COUNT] = {
    [OCI_NS_PID] = CLONE_NEWPID, [OCI_NS_NETWORK] = CLONE_NEWNET, [OCI_NS_MOUNT] = CLONE_NEWNS,
    [OCI_NS_IPC] = CLONE_NEWIPC, [OCI_NS_UTS] = CLONE_NEWUTS,     [OCI_NS_USER] = CLONE_NEWUSER,
    [OCI_NS_CGROUP] = CLONE_NEWCGROUP,
#ifdef CLONE_NEWTIME
    [OCI_NS_TIME] = CLONE_NEWTIME,
#else
    [OCI_NS_TIME] = 0x00000080,
#endif
};

const char *oci_namespace_name(enum oci_namespace_type t)
{
    return (unsigned) t < OCI_NS_COUNT ? ns_names[t] : NULL;
}

int oci_namespace_clone_flag(enum oci_namespace_type t)
{
    return (unsigned) t < OCI_NS_COUNT ? ns_flags[t] : 0;
}

const oci_namespace *oci_config_namespace(const oci_config *c, enum oci_namespace_type t)
{
    if (!c || !c->linux_)
        return NULL;
    for (size_t i = 0; i < c->linux_->n_namespaces; i++)
        if (c->linux_->namespaces[i].type == t)
            return &c->linux_->namespaces[i];
    return NULL;
}

static const struct {
    const char *name;
    int value;
} rlimits[] = {
    { "RLIMIT_AS", RLIMIT_AS },
    { "RLIMIT_CORE", RLIMIT_CORE },
    { "RLIMIT_CPU", RLIMIT_CPU },
    { "RLIMIT_DATA", RLIMIT_DATA },
    { "RLIMIT_FSIZE", RLIMIT_FSIZE },
    { "RLIMIT_LOCKS", RLIMIT_LOCKS },
    { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
    { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
    { "RLIMIT_NICE", RLIMIT_NICE },
    { "RLIMIT_NOFILE", RLIMIT_NOFILE },
    { "RLIMIT_NPROC", RLIMIT_NPROC },
    { "RLIMIT_RSS", RLIMIT_RSS },
    { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
    { "RLIMIT_RTTIME", RLIMIT_RTTIME },
    { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
    { "RLIMIT_STACK", RLIMIT_STACK },
};
#define RLIMIT_CHOICES                                                                                                 \
    "RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, "    \
    "RLIMIT_NICE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING, "          \
    "RLIMIT_STACK"

int oci_rlimit_from_name(const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
        if (strcmp(rlimits[i].name, name) == 0)
            return rlimits[i].value;
    return -1;
}

const char *oci_rlimit_name(int resource)
{
    for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
        if (rlimits[i].value == resource)
            return rlimits[i].name;
    return NULL;
}

/* capabilities(7), by number.  Names are matched exactly (upper case, with
 * the CAP_ prefix) as runc does. */
static const char *const cap_names[] = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",  "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",          "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",       "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",     "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",     "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",      "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",   "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",     "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",    "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

int oci_cap_from_name(const char *name)
{
    cap_value_t v;
    if (!name || strncmp(name, "CAP_", 4) != 0)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
        if (strcmp(cap_names[i], name) == 0)
            return (int) i;
    /* A capability newer than this table: trust libcap, but only for names
     * spelled as the spec spells them (libcap also takes numbers and lower case). */
    for (const char *s = name + 4; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return -1;
    if (cap_from_name(name, &v) == 0 && v >= (cap_value_t) ARRAY_SIZE(cap_names))
        return v;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Lookups. */

const char *oci_map_get(const oci_map *m, const char *key)
{
    if (!m || !key)
        return NULL;
    /* The last one wins, as in the JSON object it came from. */
    for (size_t i = m->n; i > 0; i--)
        if (strcmp(m->keys[i - 1], key) == 0)
            return m->values[i - 1];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Free. */

static void hooks_free(oci_hook *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].path);
        strv_free(h[i].args);
        strv_free(h[i].env);
    }
    free(h);
}

static void mount_free(oci_mount *m)
{
    free(m->destination);
    free(m->source);
    free(m->type);
    strv_free(m->options);
    free(m->uid_mappings);
    free(m->gid_mappings);
}

static void caps_free(oci_capabilities *c)
{
    if (!c)
        return;
    strv_free(c->bounding);
    strv_free(c->effective);
    strv_free(c->inheritable);
    strv_free(c->permitted);
    strv_free(c->ambient);
    free(c);
}

static void process_clear(oci_process *p)
{
    free(p->user.additional_gids);
    free(p->user.username);
    strv_free(p->args);
    free(p->command_line);
    strv_free(p->env);
    free(p->cwd);
    caps_free(p->capabilities);
    for (size_t i = 0; i < p->n_rlimits; i++)
        free(p->rlimits[i].type);
    free(p->rlimits);
    free(p->apparmor_profile);
    if (p->scheduler) {
        free(p->scheduler->policy);
        strv_free(p->scheduler->flags);
        free(p->scheduler);
    }
    free(p->selinux_label);
    if (p->io_priority) {
        free(p->io_priority->class_name);
        free(p->io_priority);
    }
    free(p->exec_cpu_affinity_initial);
    free(p->exec_cpu_affinity_final);
}

void oci_process_free(oci_process *p)
{
    if (!p)
        return;
    process_clear(p);
    free(p);
}

void oci_resources_free(oci_resources *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_devices; i++) {
        free(r->devices[i].type);
        free(r->devices[i].access);
    }
    free(r->devices);
    free(r->memory);
    if (r->cpu) {
        free(r->cpu->cpus);
        free(r->cpu->mems);
        free(r->cpu);
    }
    if (r->block_io) {
        free(r->block_io->weight_device);
        free(r->block_io->throttle_read_bps);
        free(r->block_io->throttle_write_bps);
        free(r->block_io->throttle_read_iops);
        free(r->block_io->throttle_write_iops);
        free(r->block_io);
    }
    for (size_t i = 0; i < r->n_hugepage_limits; i++)
        free(r->hugepage_limits[i].page_size);
    free(r->hugepage_limits);
    for (size_t i = 0; i < r->n_network_priorities; i++)
        free(r->network_priorities[i].name);
    free(r->network_priorities);
    map_free(&r->rdma_names);
    free(r->rdma);
    map_free(&r->unified);
    free(r);
}

static void seccomp_free(oci_seccomp *s)
{
    if (!s)
        return;
    free(s->default_action);
    strv_free(s->architectures);
    strv_free(s->flags);
    free(s->listener_path);
    free(s->listener_metadata);
    for (size_t i = 0; i < s->n_syscalls; i++) {
        oci_seccomp_syscall *sc = &s->syscalls[i];
        strv_free(sc->names);
        free(sc->action);
        for (size_t j = 0; j < sc->n_args; j++)
            free(sc->args[j].op);
        free(sc->args);
    }
    free(s->syscalls);
    free(s);
}

static void linux_free(oci_linux *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_namespaces; i++)
        free(l->namespaces[i].path);
    free(l->namespaces);
    free(l->uid_mappings);
    free(l->gid_mappings);
    for (size_t i = 0; i < l->n_devices; i++) {
        free(l->devices[i].type);
        free(l->devices[i].path);
    }
    free(l->devices);
    map_free(&l->net_devices);
    free(l->cgroups_path);
    oci_resources_free(l->resources);
    free(l->rootfs_propagation);
    seccomp_free(l->seccomp);
    map_free(&l->sysctl);
    strv_free(l->masked_paths);
    strv_free(l->readonly_paths);
    free(l->mount_label);
    if (l->personality) {
        free(l->personality->domain);
        strv_free(l->personality->flags);
        free(l->personality);
    }
    if (l->memory_policy) {
        free(l->memory_policy->mode);
        free(l->memory_policy->nodes);
        strv_free(l->memory_policy->flags);
        free(l->memory_policy);
    }
    if (l->intel_rdt) {
        free(l->intel_rdt->clos_id);
        free(l->intel_rdt->l3_cache_schema);
        free(l->intel_rdt->mem_bw_schema);
        strv_free(l->intel_rdt->schemata);
        free(l->intel_rdt);
    }
    free(l);
}

void oci_config_free(oci_config *c)
{
    if (!c)
        return;
    free(c->source);
    free(c->oci_version);
    free(c->root.path);
    for (size_t i = 0; i < c->n_mounts; i++)
        mount_free(&c->mounts[i]);
    free(c->mounts);
    oci_process_free(c->process);
    free(c->hostname);
    free(c->domainname);
    hooks_free(c->hooks.prestart, c->hooks.n_prestart);
    hooks_free(c->hooks.create_runtime, c->hooks.n_create_runtime);
    hooks_free(c->hooks.create_container, c->hooks.n_create_container);
    hooks_free(c->hooks.start_container, c->hooks.n_start_container);
    hooks_free(c->hooks.poststart, c->hooks.n_poststart);
    hooks_free(c->hooks.poststop, c->hooks.n_poststop);
    map_free(&c->annotations);
    linux_free(c->linux_);
    free(c);
}

/* ------------------------------------------------------------------------ */
/* Structures. */

static int p_idmap(struct pctx *p, const jnode *o, oci_id_mapping *m)
{
    TRY(f_u32(p, o, "containerID", true, &m->container_id));
    TRY(f_u32(p, o, "hostID", true, &m->host_id));
    TRY(f_u32(p, o, "size", true, &m->size));
    return 0;
}

static int p_mount(struct pctx *p, const jnode *o, oci_mount *m)
{
    TRY(f_str(p, o, "destination", true, &m->destination));
    TRY(f_str(p, o, "source", false, &m->source));
    TRY(f_str(p, o, "type", false, &m->type));
    TRY(f_strv(p, o, "options", &m->options));
    TRY(F_OBJARR(p, o, "uidMappings", &m->uid_mappings, &m->n_uid_mappings, p_idmap));
    TRY(F_OBJARR(p, o, "gidMappings", &m->gid_mappings, &m->n_gid_mappings, p_idmap));
    return 0;
}

static int p_rlimit(struct pctx *p, const jnode *o, oci_rlimit *rl)
{
    const jnode *t = jget(o, "type");
    TRY(f_str(p, o, "type", true, &rl->type));
    rl->resource = oci_rlimit_from_name(rl->type);
    if (rl->resource < 0) {
        size_t old = push_key(p, "type");
        int r = unknown_name(p, "rlimit", t, RLIMIT_CHOICES);
        pop(p, old);
        return r;
    }
    TRY(f_u64(p, o, "soft", true, &U64, &rl->soft));
    TRY(f_u64(p, o, "hard", true, &U64, &rl->hard));
    return 0;
}

static int p_capabilities(struct pctx *p, const jnode *o, oci_capabilities *c)
{
    TRY(f_strv(p, o, "bounding", &c->bounding));
    TRY(f_strv(p, o, "effective", &c->effective));
    TRY(f_strv(p, o, "inheritable", &c->inheritable));
    TRY(f_strv(p, o, "permitted", &c->permitted));
    TRY(f_strv(p, o, "ambient", &c->ambient));
    return 0;
}

static int p_scheduler(struct pctx *p, const jnode *o, oci_scheduler *s)
{
    TRY(f_str(p, o, "policy", true, &s->policy));
    s->policy_value = congo_sched_policy_from_name(s->policy);
    if (s->policy_value < 0) {
        size_t old = push_key(p, "policy");
        int r = unknown_name(p, "scheduling policy", jget(o, "policy"),
                             "SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE");
        pop(p, old);
        return r;
    }
    TRY(f_opt_i64(p, o, "nice", &I32, &s->nice));
    TRY(f_opt_i64(p, o, "priority", &I32, &s->priority));
    TRY(f_strv(p, o, "flags", &s->flags));
    TRY(f_opt_u64(p, o, "runtime", &U64, &s->runtime));
    TRY(f_opt_u64(p, o, "deadline", &U64, &s->deadline));
    TRY(f_opt_u64(p, o, "period", &U64, &s->period));
    return 0;
}

static int p_io_priority(struct pctx *p, const jnode *o, oci_io_priority *io)
{
    static const char *const classes[] = { "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE" };
    size_t i;
    TRY(f_str(p, o, "class", true, &io->class_name));
    for (i = 0; i < ARRAY_SIZE(classes); i++)
        if (strcmp(classes[i], io->class_name) == 0)
            break;
    if (i == ARRAY_SIZE(classes)) {
        size_t old = push_key(p, "class");
        int r = unknown_name(p, "I/O priority class", jget(o, "class"),
                             "IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE");
        pop(p, old);
        return r;
    }
    io->class_value = (int) i + 1; /* IOPRIO_CLASS_RT is 1 */
    TRY(f_i64(p, o, "priority", true, &I32, &io->priority));
    return 0;
}

static int v_u32_array(struct pctx *p, const jnode *n, uint32_t **out, size_t *count)
{
    const jnode *c;
    size_t i = 0;
    if (n->type != J_ARR)
        return expected(p, n, "an array of unsigned 32-bit integers");
    free(*out);
    *out = NULL;
    *count = 0;
    if (n->len == 0)
        return 0;
    *out = xnew0(uint32_t, n->len);
    *count = n->len;
    for (c = n->first; c; c = c->next, i++) {
        uint64_t v;
        size_t old = push_index(p, i);
        int r = v_u64(p, c, &U32, &v);
        pop(p, old);
        if (r < 0)
            return r;
        (*out)[i] = (uint32_t) v;
    }
    return 0;
}

static int p_user(struct pctx *p, const jnode *o, oci_user *u)
{
    TRY(f_u32(p, o, "uid", true, &u->uid));
    TRY(f_u32(p, o, "gid", true, &u->gid));
    TRY(f_opt_u64(p, o, "umask", &U32, &u->umask));
    TRY(FIELD(p, o, "additionalGids", false, v_u32_array(p, n, &u->additional_gids, &u->n_additional_gids)));
    TRY(f_str(p, o, "username", false, &u->username));
    return 0;
}

static int p_process(struct pctx *p, const jnode *o, oci_process *pr)
{
    const jnode *sub;
    TRY(f_bool(p, o, "terminal", &pr->terminal));
    TRY(f_obj(p, o, "consoleSize", &sub));
    if (sub) {
        size_t old = push_key(p, "consoleSize");
        int r = f_opt_u64(p, sub, "height", &U16, &pr->console_height);
        if (r == 0 && !pr->console_height.set)
            r = missing(p, "height");
        if (r == 0)
            r = f_opt_u64(p, sub, "width", &U16, &pr->console_width);
        if (r == 0 && !pr->console_width.set)
            r = missing(p, "width");
        pop(p, old);
        TRY(r);
    }
    TRY(f_obj(p, o, "user", &sub));
    if (sub) {
        size_t old = push_key(p, "user");
        int r = p_user(p, sub, &pr->user);
        pop(p, old);
        TRY(r);
    }
    TRY(f_strv(p, o, "args", &pr->args));
    TRY(f_str(p, o, "commandLine", false, &pr->command_line));
    TRY(f_strv(p, o, "env", &pr->env));
    TRY(f_str(p, o, "cwd", true, &pr->cwd));
    TRY(f_obj(p, o, "capabilities", &sub));
    if (sub) {
        size_t old = push_key(p, "capabilities");
        int r;
        pr->capabilities = xnew0(oci_capabilities, 1);
        r = p_capabilities(p, sub, pr->capabilities);
        pop(p, old);
        TRY(r);
    }
    TRY(F_OBJARR(p, o, "rlimits", &pr->rlimits, &pr->n_rlimits, p_rlimit));
    TRY(f_bool(p, o, "noNewPrivileges", &pr->no_new_privileges));
    TRY(f_str(p, o, "apparmorProfile", false, &pr->apparmor_profile));
    TRY(f_opt_i64(p, o, "oomScoreAdj", &I64, &pr->oom_score_adj));
    TRY(f_obj(p, o, "scheduler", &sub));
    if (sub) {
        size_t old = push_key(p, "scheduler");
        int r;
        pr->scheduler = xnew0(oci_scheduler, 1);
        r = p_scheduler(p, sub, pr->scheduler);
        pop(p, old);
        TRY(r);
    }
    TRY(f_str(p, o, "selinuxLabel", false, &pr->selinux_label));
    TRY(f_obj(p, o, "ioPriority", &sub));
    if (sub) {
        size_t old = push_key(p, "ioPriority");
        int r;
        pr->io_priority = xnew0(oci_io_priority, 1);
        r = p_io_priority(p, sub, pr->io_priority);
        pop(p, old);
        TRY(r);
    }
    TRY(f_obj(p, o, "execCPUAffinity", &sub));
    if (sub) {
        size_t old = push_key(p, "execCPUAffinity");
        int r = f_str(p, sub, "initial", false, &pr->exec_cpu_affinity_initial);
        if (r == 0)
            r = f_str(p, sub, "final", false, &pr->exec_cpu_affinity_final);
        pop(p, old);
        TRY(r);
    }
    return 0;
}

static int p_hook(struct pctx *p, const jnode *o, oci_hook *h)
{
    TRY(f_str(p, o, "path", true, &h->path));
    TRY(f_strv(p, o, "args", &h->args));
    TRY(f_strv(p, o, "env", &h->env));
    TRY(f_opt_i64(p, o, "timeout", &I64, &h->timeout));
    return 0;
}

static int p_hooks(struct pctx *p, const jnode *o, oci_hooks *h)
{
    TRY(F_OBJARR_MAX(p, o, "prestart", &h->prestart, &h->n_prestart, p_hook, OCI_MAX_HOOKS));
    TRY(F_OBJARR_MAX(p, o, "createRuntime", &h->create_runtime, &h->n_create_runtime, p_hook, OCI_MAX_HOOKS));
    TRY(F_OBJARR_MAX(p, o, "createContainer", &h->create_container, &h->n_create_container, p_hook, OCI_MAX_HOOKS));
    TRY(F_OBJARR_MAX(p, o, "startContainer", &h->start_container, &h->n_start_container, p_hook, OCI_MAX_HOOKS));
    TRY(F_OBJARR_MAX(p, o, "poststart", &h->poststart, &h->n_poststart, p_hook, OCI_MAX_HOOKS));
    TRY(F_OBJARR_MAX(p, o, "poststop", &h->poststop, &h->n_poststop, p_hook, OCI_MAX_HOOKS));
    return 0;
}

static int p_namespace(struct pctx *p, const jnode *o, oci_namespace *ns)
{
    _cleanup_free_ char *type = NULL;
    int i;
    TRY(f_str(p, o, "type", true, &type));
    for (i = 0; i < OCI_NS_COUNT; i++)
        if (strcmp(ns_names[i], type) == 0)
            break;
    if (i == OCI_NS_COUNT) {
        size_t old = push_key(p, "type");
        int r = unknown_name(p, "namespace", jget(o, "type"), "pid, network, mount, ipc, uts, user, cgroup, time");
        pop(p, old);
        return r;
    }
    ns->type = i;
    TRY(f_str(p, o, "path", false, &ns->path));
    return 0;
}

static int p_device(struct pctx *p, const jnode *o, oci_device *d)
{
    TRY(f_str(p, o, "type", true, &d->type));
    TRY(f_str(p, o, "path", true, &d->path));
    TRY(f_i64(p, o, "major", false, &I64, &d->major));
    d->major_set = jget(o, "major") != NULL;
    TRY(f_i64(p, o, "minor", false, &I64, &d->minor));
    d->minor_set = jget(o, "minor") != NULL;
    TRY(f_opt_u64(p, o, "fileMode", &U32, &d->file_mode));
    TRY(f_opt_u64(p, o, "uid", &U32, &d->uid));
    TRY(f_opt_u64(p, o, "gid", &U32, &d->gid));
    return 0;
}

static int p_device_cgroup(struct pctx *p, const jnode *o, oci_device_cgroup *d)
{
    if (!jget(o, "allow"))
        return missing(p, "allow");
    TRY(f_bool(p, o, "allow", &d->allow));
    TRY(f_str(p, o, "type", false, &d->type));
    TRY(f_opt_i64(p, o, "major", &I64, &d->major));
    TRY(f_opt_i64(p, o, "minor", &I64, &d->minor));
    TRY(f_str(p, o, "access", false, &d->access));
    return 0;
}

static int p_weight_device(struct pctx *p, const jnode *o, oci_weight_device *w)
{
    TRY(f_i64(p, o, "major", true, &I64, &w->major));
    TRY(f_i64(p, o, "minor", true, &I64, &w->minor));
    TRY(f_opt_u64(p, o, "weight", &U16, &w->weight));
    TRY(f_opt_u64(p, o, "leafWeight", &U16, &w->leaf_weight));
    return 0;
}

static int p_throttle_device(struct pctx *p, const jnode *o, oci_throttle_device *t)
{
    TRY(f_i64(p, o, "major", true, &I64, &t->major));
    TRY(f_i64(p, o, "minor", true, &I64, &t->minor));
    TRY(f_u64(p, o, "rate", true, &U64, &t->rate));
    return 0;
}

static int p_hugepage(struct pctx *p, const jnode *o, oci_hugepage_limit *h)
{
    TRY(f_str(p, o, "pageSize", true, &h->page_size));
    TRY(f_u64(p, o, "limit", true, &U64, &h->limit));
    return 0;
}

static int p_net_priority(struct pctx *p, const jnode *o, oci_net_priority *n)
{
    TRY(f_str(p, o, "name", true, &n->name));
    TRY(f_u32(p, o, "priority", true, &n->priority));
    return 0;
}

static int p_memory(struct pctx *p, const jnode *o, oci_memory *m)
{
    TRY(f_opt_i64(p, o, "limit", &I64, &m->limit));
    TRY(f_opt_i64(p, o, "reservation", &I64, &m->reservation));
    TRY(f_opt_i64(p, o, "swap", &I64, &m->swap));
    TRY(f_opt_i64(p, o, "kernel", &I64, &m->kernel));
    TRY(f_opt_i64(p, o, "kernelTCP", &I64, &m->kernel_tcp));
    TRY(f_opt_u64(p, o, "swappiness", &U64, &m->swappiness));
    TRY(f_opt_bool(p, o, "disableOOMKiller", &m->disable_oom_killer));
    TRY(f_opt_bool(p, o, "useHierarchy", &m->use_hierarchy));
    TRY(f_opt_bool(p, o, "checkBeforeUpdate", &m->check_before_update));
    return 0;
}

static int p_cpu(struct pctx *p, const jnode *o, oci_cpu *c)
{
    TRY(f_opt_u64(p, o, "shares", &U64, &c->shares));
    TRY(f_opt_i64(p, o, "quota", &I64, &c->quota));
    TRY(f_opt_u64(p, o, "burst", &U64, &c->burst));
    TRY(f_opt_u64(p, o, "period", &U64, &c->period));
    TRY(f_opt_i64(p, o, "realtimeRuntime", &I64, &c->realtime_runtime));
    TRY(f_opt_u64(p, o, "realtimePeriod", &U64, &c->realtime_period));
    TRY(f_str(p, o, "cpus", false, &c->cpus));
    TRY(f_str(p, o, "mems", false, &c->mems));
    TRY(f_opt_i64(p, o, "idle", &I64, &c->idle));
    return 0;
}

static int p_block_io(struct pctx *p, const jnode *o, oci_block_io *b)
{
    TRY(f_opt_u64(p, o, "weight", &U16, &b->weight));
    TRY(f_opt_u64(p, o, "leafWeight", &U16, &b->leaf_weight));
    TRY(F_OBJARR(p, o, "weightDevice", &b->weight_device, &b->n_weight_device, p_weight_device));
    TRY(F_OBJARR(p, o, "throttleReadBpsDevice", &b->throttle_read_bps, &b->n_throttle_read_bps, p_throttle_device));
    TRY(F_OBJARR(p, o, "throttleWriteBpsDevice", &b->throttle_write_bps, &b->n_throttle_write_bps,
                 p_throttle_device));
    TRY(F_OBJARR(p, o, "throttleReadIOPSDevice", &b->throttle_read_iops, &b->n_throttle_read_iops,
                 p_throttle_device));
    TRY(F_OBJARR(p, o, "throttleWriteIOPSDevice", &b->throttle_write_iops, &b->n_throttle_write_iops,
                 p_throttle_device));
    return 0;
}

/* An object of objects (rdma, netDevices, timeOffsets): calls fn for each member. */
static int each_member(struct pctx *p, const jnode *n, const char *what,
                       int (*fn)(struct pctx *p, const jnode *member, void *data), void *data)
{
    const jnode *c;
    if (n->type != J_OBJ)
        return expected(p, n, what);
    for (c = n->first; c; c = c->next) {
        size_t old = push_mapkey(p, c->key);
        int r = c->type == J_OBJ ? fn(p, c, data) : c->type == J_NULL ? 0 : expected(p, c, "an object");
        pop(p, old);
        if (r < 0)
            return r;
    }
    return 0;
}

static int p_rdma_entry(struct pctx *p, const jnode *c, void *data)
{
    oci_resources *r = data;
    oci_rdma *e = &r->rdma[r->rdma_names.n];
    r->rdma_names.keys[r->rdma_names.n] = xstrdup(c->key);
    r->rdma_names.values[r->rdma_names.n++] = xstrdup("");
    TRY(f_opt_u64(p, c, "hcaHandles", &U32, &e->hca_handles));
    TRY(f_opt_u64(p, c, "hcaObjects", &U32, &e->hca_objects));
    return 0;
}

static int v_rdma(struct pctx *p, const jnode *n, oci_resources *r)
{
    if (n->type == J_OBJ && n->len) {
        r->rdma_names.keys = xnew0(char *, n->len);
        r->rdma_names.values = xnew0(char *, n->len);
        r->rdma = xnew0(oci_rdma, n->len);
    }
    return each_member(p, n, "an object of objects", p_rdma_entry, r);
}

static int p_resources(struct pctx *p, const jnode *o, oci_resources *r)
{
    const jnode *sub;
    TRY(F_OBJARR_MAX(p, o, "devices", &r->devices, &r->n_devices, p_device_cgroup, OCI_MAX_DEVICES));
    TRY(f_obj(p, o, "memory", &sub));
    if (sub) {
        size_t old = push_key(p, "memory");
        int rr;
        r->memory = xnew0(oci_memory, 1);
        rr = p_memory(p, sub, r->memory);
        pop(p, old);
        TRY(rr);
    }
    TRY(f_obj(p, o, "cpu", &sub));
    if (sub) {
        size_t old = push_key(p, "cpu");
        int rr;
        r->cpu = xnew0(oci_cpu, 1);
        rr = p_cpu(p, sub, r->cpu);
        pop(p, old);
        TRY(rr);
    }
    TRY(f_obj(p, o, "pids", &sub));
    if (sub) {
        size_t old = push_key(p, "pids");
        int rr = f_opt_i64(p, sub, "limit", &I64, &r->pids_limit);
        pop(p, old);
        TRY(rr);
        r->has_pids = true;
    }
    TRY(f_obj(p, o, "blockIO", &sub));
    if (sub) {
        size_t old = push_key(p, "blockIO");
        int rr;
        r->block_io = xnew0(oci_block_io, 1);
        rr = p_block_io(p, sub, r->block_io);
        pop(p, old);
        TRY(rr);
    }
    TRY(F_OBJARR(p, o, "hugepageLimits", &r->hugepage_limits, &r->n_hugepage_limits, p_hugepage));
    TRY(f_obj(p, o, "network", &sub));
    if (sub) {
        size_t old = push_key(p, "network");
        int rr = f_opt_u64(p, sub, "classID", &U32, &r->network_class_id);
        if (rr == 0)
            rr = F_OBJARR(p, sub, "priorities", &r->network_priorities, &r->n_network_priorities, p_net_priority);
        pop(p, old);
        TRY(rr);
        r->has_network = true;
    }
    TRY(FIELD(p, o, "rdma", false, v_rdma(p, n, r)));
    TRY(f_map(p, o, "unified", &r->unified));
    return 0;
}

static int p_seccomp_arg(struct pctx *p, const jnode *o, oci_seccomp_arg *a)
{
    TRY(f_u32(p, o, "index", true, &a->index));
    TRY(f_u64(p, o, "value", true, &U64, &a->value));
    TRY(f_opt_u64(p, o, "valueTwo", &U64, &a->value_two));
    TRY(f_str(p, o, "op", true, &a->op));
    return 0;
}

static int p_syscall(struct pctx *p, const jnode *o, oci_seccomp_syscall *s)
{
    if (!jget(o, "names"))
        return missing(p, "names");
    TRY(f_strv_max(p, o, "names", OCI_MAX_SYSCALL_NAMES, &s->names));
    TRY(f_str(p, o, "action", true, &s->action));
    TRY(f_opt_u64(p, o, "errnoRet", &U32, &s->errno_ret));
    TRY(F_OBJARR(p, o, "args", &s->args, &s->n_args, p_seccomp_arg));
    return 0;
}

static int p_seccomp(struct pctx *p, const jnode *o, oci_seccomp *s)
{
    TRY(f_str(p, o, "defaultAction", true, &s->default_action));
    TRY(f_opt_u64(p, o, "defaultErrnoRet", &U32, &s->default_errno_ret));
    TRY(f_strv(p, o, "architectures", &s->architectures));
    TRY(f_strv(p, o, "flags", &s->flags));
    TRY(f_str(p, o, "listenerPath", false, &s->listener_path));
    TRY(f_str(p, o, "listenerMetadata", false, &s->listener_metadata));
    TRY(F_OBJARR_MAX(p, o, "syscalls", &s->syscalls, &s->n_syscalls, p_syscall, OCI_MAX_SYSCALL_RULES));
    return 0;
}

static int p_net_device(struct pctx *p, const jnode *c, void *data)
{
    oci_map *m = data;
    char *name = NULL;
    int r = f_str(p, c, "name", false, &name);
    m->keys[m->n] = xstrdup(c->key);
    /* Without a name the device keeps its host name. */
    m->values[m->n++] = name ? name : xstrdup(c->key);
    return r;
}

static int v_net_devices(struct pctx *p, const jnode *n, oci_map *m)
{
    if (n->type == J_OBJ && n->len) {
        m->keys = xnew0(char *, n->len);
        m->values = xnew0(char *, n->len);
    }
    return each_member(p, n, "an object of objects", p_net_device, m);
}

static int p_time_offset(struct pctx *p, const jnode *c, void *data)
{
    oci_linux *l = data;
    oci_time_offset *t;
    int64_t secs = 0;
    uint64_t ns = 0;
    if (strcmp(c->key, "monotonic") == 0)
        t = &l->time_monotonic;
    else if (strcmp(c->key, "boottime") == 0)
        t = &l->time_boottime;
    else
        return perr(p, "unknown clock (expected monotonic or boottime)");
    TRY(f_i64(p, c, "secs", false, &I64, &secs));
    TRY(f_u64(p, c, "nanosecs", false, &U32, &ns));
    t->set = true;
    t->secs = secs;
    t->nanosecs = (uint32_t) ns;
    return 0;
}

static int p_linux(struct pctx *p, const jnode *o, oci_linux *l)
{
    const jnode *sub;
    TRY(F_OBJARR(p, o, "namespaces", &l->namespaces, &l->n_namespaces, p_namespace));
    TRY(F_OBJARR(p, o, "uidMappings", &l->uid_mappings, &l->n_uid_mappings, p_idmap));
    TRY(F_OBJARR(p, o, "gidMappings", &l->gid_mappings, &l->n_gid_mappings, p_idmap));
    TRY(FIELD(p, o, "timeOffsets", false, each_member(p, n, "an object of objects", p_time_offset, l)));
    TRY(F_OBJARR_MAX(p, o, "devices", &l->devices, &l->n_devices, p_device, OCI_MAX_DEVICES));
    TRY(FIELD(p, o, "netDevices", false, v_net_devices(p, n, &l->net_devices)));
    TRY(f_str(p, o, "cgroupsPath", false, &l->cgroups_path));
    TRY(f_obj(p, o, "resources", &sub));
    if (sub) {
        size_t old = push_key(p, "resources");
        int r;
        l->resources = xnew0(oci_resources, 1);
        r = p_resources(p, sub, l->resources);
        pop(p, old);
        TRY(r);
    }
    TRY(f_str(p, o, "rootfsPropagation", false, &l->rootfs_propagation));
    TRY(f_obj(p, o, "seccomp", &sub));
    if (sub) {
        size_t old = push_key(p, "seccomp");
        int r;
        l->seccomp = xnew0(oci_seccomp, 1);
        r = p_seccomp(p, sub, l->seccomp);
        pop(p, old);
        TRY(r);
    }
    TRY(f_map(p, o, "sysctl", &l->sysctl));
    TRY(f_strv_max(p, o, "maskedPaths", OCI_MAX_PATHS, &l->masked_paths));
    TRY(f_strv_max(p, o, "readonlyPaths", OCI_MAX_PATHS, &l->readonly_paths));
    TRY(f_str(p, o, "mountLabel", false, &l->mount_label));
    TRY(f_obj(p, o, "personality", &sub));
    if (sub) {
        size_t old = push_key(p, "personality");
        int r;
        l->personality = xnew0(oci_personality, 1);
        r = f_str(p, sub, "domain", true, &l->personality->domain);
        if (r == 0)
            r = f_strv(p, sub, "flags", &l->personality->flags);
        pop(p, old);
        TRY(r);
    }
    TRY(f_obj(p, o, "memoryPolicy", &sub));
    if (sub) {
        size_t old = push_key(p, "memoryPolicy");
        int r;
        l->memory_policy = xnew0(oci_memory_policy, 1);
        r = f_str(p, sub, "mode", true, &l->memory_policy->mode);
        if (r == 0)
            r = f_str(p, sub, "nodes", false, &l->memory_policy->nodes);
        if (r == 0)
            r = f_strv(p, sub, "flags", &l->memory_policy->flags);
        pop(p, old);
        TRY(r);
    }
    TRY(f_obj(p, o, "intelRdt", &sub));
    if (sub) {
        size_t old = push_key(p, "intelRdt");
        oci_intel_rdt *rdt = l->intel_rdt = xnew0(oci_intel_rdt, 1);
        int r = f_str(p, sub, "closID", false, &rdt->clos_id);
        if (r == 0)
            r = f_str(p, sub, "l3CacheSchema", false, &rdt->l3_cache_schema);
        if (r == 0)
            r = f_str(p, sub, "memBwSchema", false, &rdt->mem_bw_schema);
        if (r == 0)
            r = f_opt_bool(p, sub, "enableCMT", &rdt->enable_cmt);
        if (r == 0)
            r = f_opt_bool(p, sub, "enableMBM", &rdt->enable_mbm);
        if (r == 0)
            r = f_strv(p, sub, "schemata", &rdt->schemata);
        if (r == 0)
            r = f_opt_bool(p, sub, "enableMonitoring", &rdt->enable_monitoring);
        pop(p, old);
        TRY(r);
    }
    return 0;
}

static int p_config(struct pctx *p, const jnode *o, oci_config *c)
{
    const jnode *sub;
    TRY(f_str(p, o, "ociVersion", true, &c->oci_version));
    TRY(f_obj(p, o, "root", &sub));
    if (sub) {
        size_t old = push_key(p, "root");
        int r = f_str(p, sub, "path", true, &c->root.path);
        if (r == 0)
            r = f_bool(p, sub, "readonly", &c->root.readonly);
        pop(p, old);
        TRY(r);
    }
    TRY(F_OBJARR_MAX(p, o, "mounts", &c->mounts, &c->n_mounts, p_mount, OCI_MAX_MOUNTS));
    TRY(f_obj(p, o, "process", &sub));
    if (sub) {
        size_t old = push_key(p, "process");
        int r;
        c->process = xnew0(oci_process, 1);
        r = p_process(p, sub, c->process);
        pop(p, old);
        TRY(r);
    }
    TRY(f_str(p, o, "hostname", false, &c->hostname));
    TRY(f_str(p, o, "domainname", false, &c->domainname));
    TRY(f_obj(p, o, "hooks", &sub));
    if (sub) {
        size_t old = push_key(p, "hooks");
        int r = p_hooks(p, sub, &c->hooks);
        pop(p, old);
        TRY(r);
    }
    TRY(f_map(p, o, "annotations", &c->annotations));
    TRY(f_obj(p, o, "linux", &sub));
    if (sub) {
        size_t old = push_key(p, "linux");
        int r;
        c->linux_ = xnew0(oci_linux, 1);
        r = p_linux(p, sub, c->linux_);
        pop(p, old);
        TRY(r);
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Entry points. */

int oci_config_parse(oci_config **out, const char *json, size_t len, const char *source, congo_error *err)
{
    struct arena a = { 0 };
    struct pctx p = { .source = source, .err = err };
    const jnode *root;
    oci_config *c;
    int r;

    r = json_parse(&a, &root, json, len, source, err);
    if (r < 0) {
        arena_free(&a);
        return r;
    }
    c = xnew0(oci_config, 1);
    c->source = xstrdup(source);
    r = p_config(&p, root, c);
    arena_free(&a);
    if (r < 0) {
        oci_config_free(c);
        return r;
    }
    *out = c;
    return 0;
}

int oci_config_load(oci_config **out, const char *bundle, congo_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
    _cleanup_free_ char *buf = NULL;
    _cleanup_close_ int fd = -1;
    struct stat st;
    ssize_t n;

    /* O_NONBLOCK: a FIFO named config.json must not hang us. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return congo_error_errno(err, "open `%s`", path);
    if (fstat(fd, &st) < 0)
        return congo_error_errno(err, "stat `%s`", path);
    if (!S_ISREG(st.st_mode))
        return congo_error_set(err, 0, "`%s` is not a regular file", path);
    if (st.st_size > OCI_CONFIG_MAX_SIZE)
        return congo_error_set(err, EFBIG, "`%s` is larger than %u MiB", path, OCI_CONFIG_MAX_SIZE >> 20);
    buf = xmalloc(st.st_size + 1);
    n = read_all(fd, buf, st.st_size);
    if (n < 0)
        return congo_error_errno(err, "read `%s`", path);
    return oci_config_parse(out, buf, n, "config.json", err);
}

int oci_process_parse(oci_process **out, const char *json, size_t len, const char *source, congo_error *err)
{
    struct arena a = { 0 };
    struct pctx p = { .source = source, .err = err };
    const jnode *root;
    oci_process *pr;
    int r;

    r = json_parse(&a, &root, json, len, source, err);
    if (r < 0) {
        arena_free(&a);
        return r;
    }
    pr = xnew0(oci_process, 1);
    r = p_process(&p, root, pr);
    arena_free(&a);
    if (r < 0) {
        oci_process_free(pr);
        return r;
    }
    *out = pr;
    return 0;
}

int oci_resources_parse(oci_resources **out, const char *json, size_t len, const char *source, congo_error *err)
{
    struct arena a = { 0 };
    struct pctx p = { .source = source, .err = err };
    const jnode *root;
    oci_resources *res;
    int r;

    r = json_parse(&a, &root, json, len, source, err);
    if (r < 0) {
        arena_free(&a);
        return r;
    }
    res = xnew0(oci_resources, 1);
    r = p_resources(&p, root, res);
    arena_free(&a);
    if (r < 0) {
        oci_resources_free(res);
        return r;
    }
    *out = res;
    return 0;
}
