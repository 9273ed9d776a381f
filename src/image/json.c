/* JSON helpers (see json.h). */
#include "config.h"

#include <string.h>

#include "image/json.h"
#include "libcongo/json-bounds.h"
#include "libcongo/utils.h"

int json_parse(yajl_val *out, const char *buf, const char *what, congo_error *err)
{
    return congo_json_tree_parse(out, buf, 0, what, err);
}

int json_parse_max(yajl_val *out, const char *buf, size_t max_size, const char *what, congo_error *err)
{
    return congo_json_tree_parse(out, buf, max_size, what, err);
}

yajl_val json_parse_or_null(const char *buf)
{
    yajl_val v = NULL;
    congo_error e = CONGO_ERROR_INIT;
    if (json_parse(&v, buf, "", &e) < 0)
        v = NULL;
    congo_error_clear(&e);
    return v;
}

yajl_val json_get(yajl_val obj, const char *key)
{
    if (!obj || !YAJL_IS_OBJECT(obj))
        return NULL;
    for (size_t i = 0; i < obj->u.object.len; i++)
        if (strcmp(obj->u.object.keys[i], key) == 0)
            return obj->u.object.values[i];
    return NULL;
}

int json_opt_string(yajl_val obj, const char *key, const char *path, const char **out, congo_error *err)
{
    yajl_val v = json_get(obj, key);
    if (!v || YAJL_IS_NULL(v))
        return 0;
    if (!YAJL_IS_STRING(v))
        return congo_error_set(err, 0, "%s%s%s: expected a string", path, *path ? "." : "", key);
    *out = v->u.string;
    return 0;
}

int json_req_string(yajl_val obj, const char *key, const char *path, const char **out, congo_error *err)
{
    const char *s = NULL;
    int r = json_opt_string(obj, key, path, &s, err);
    if (r < 0)
        return r;
    if (!s)
        return congo_error_set(err, 0, "%s%s%s: missing", path, *path ? "." : "", key);
    *out = s;
    return 0;
}

int json_opt_int64(yajl_val obj, const char *key, const char *path, bool nonneg, int64_t *out, bool *present,
                   congo_error *err)
{
    yajl_val v = json_get(obj, key);
    if (present)
        *present = false;
    if (!v)
        return 0;
    if (!YAJL_IS_INTEGER(v))
        return congo_error_set(err, 0, "%s%s%s: expected an integer", path, *path ? "." : "", key);
    if (nonneg && v->u.number.i < 0)
        return congo_error_set(err, 0, "%s%s%s: %lld is negative", path, *path ? "." : "", key, v->u.number.i);
    *out = v->u.number.i;
    if (present)
        *present = true;
    return 0;
}

int json_opt_strv(yajl_val obj, const char *key, const char *path, char ***out, congo_error *err)
{
    yajl_val v = json_get(obj, key);
    char **r;
    if (!v || YAJL_IS_NULL(v))
        return 0;
    if (!YAJL_IS_ARRAY(v))
        return congo_error_set(err, 0, "%s%s%s: expected an array of strings", path, *path ? "." : "", key);
    r = xnew0(char *, v->u.array.len + 1);
    for (size_t i = 0; i < v->u.array.len; i++) {
        yajl_val e = v->u.array.values[i];
        if (!YAJL_IS_STRING(e)) {
            strv_free(r);
            return congo_error_set(err, 0, "%s%s%s[%zu]: expected a string", path, *path ? "." : "", key, i);
        }
        r[i] = xstrdup(e->u.string);
    }
    *out = r;
    return 0;
}

yajl_gen json_gen_new(bool pretty)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        abort();
    if (pretty) {
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_config(g, yajl_gen_indent_string, "  ");
    }
    yajl_gen_config(g, yajl_gen_validate_utf8, 0);
    return g;
}

void json_gen_str(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *) s, strlen(s));
}

void json_gen_kv(yajl_gen g, const char *key, const char *value)
{
    json_gen_str(g, key);
    json_gen_str(g, value);
}

void json_gen_int(yajl_gen g, long long v)
{
    yajl_gen_integer(g, v);
}

void json_gen_value(yajl_gen g, yajl_val v)
{
    if (!v || YAJL_IS_NULL(v)) {
        yajl_gen_null(g);
    } else if (YAJL_IS_STRING(v)) {
        json_gen_str(g, v->u.string);
    } else if (YAJL_IS_NUMBER(v)) {
        yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
    } else if (YAJL_IS_TRUE(v)) {
        yajl_gen_bool(g, 1);
    } else if (YAJL_IS_FALSE(v)) {
        yajl_gen_bool(g, 0);
    } else if (YAJL_IS_OBJECT(v)) {
        yajl_gen_map_open(g);
        for (size_t i = 0; i < v->u.object.len; i++) {
            json_gen_str(g, v->u.object.keys[i]);
            json_gen_value(g, v->u.object.values[i]);
        }
        yajl_gen_map_close(g);
    } else if (YAJL_IS_ARRAY(v)) {
        yajl_gen_array_open(g);
        for (size_t i = 0; i < v->u.array.len; i++)
            json_gen_value(g, v->u.array.values[i]);
        yajl_gen_array_close(g);
    }
}

char *json_gen_steal(yajl_gen g, size_t *len)
{
    const unsigned char *buf;
    size_t n;
    char *r;
    yajl_gen_get_buf(g, &buf, &n);
    r = xmalloc(n + 2);
    memcpy(r, buf, n);
    r[n] = '\0';
    if (n && r[n - 1] != '\n') {
        r[n++] = '\n';
        r[n] = '\0';
    }
    if (len)
        *len = n;
    return r;
}
