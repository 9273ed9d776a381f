/* Small helpers over yajl's tree parser and generator for the image JSON
 * documents (manifests, indexes, configs, index.json, config.json). */
#ifndef CONGO_IMAGE_JSON_H
#define CONGO_IMAGE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "libcongo/error.h"

/* Parse a NUL-terminated document; `what` names it in errors.  The size
 * (CONGO_JSON_MAX_SIZE, or max_size) and the nesting depth
 * (CONGO_JSON_MAX_DEPTH) are checked first: see libcongo/json-bounds.h. */
int json_parse(yajl_val *out, const char *buf, const char *what, congo_error *err);
int json_parse_max(yajl_val *out, const char *buf, size_t max_size, const char *what, congo_error *err);
/* The same without a message: NULL when invalid or out of bounds. */
yajl_val json_parse_or_null(const char *buf);
static inline void json_freep(yajl_val *v)
{
    if (*v)
        yajl_tree_free(*v);
}
#define _cleanup_json_ __attribute__((cleanup(json_freep)))

/* Member of an object, NULL when absent or when obj is not an object. */
yajl_val json_get(yajl_val obj, const char *key);
/* Member that must be a string when present: `path` names obj in errors. */
int json_opt_string(yajl_val obj, const char *key, const char *path, const char **out, congo_error *err);
int json_req_string(yajl_val obj, const char *key, const char *path, const char **out, congo_error *err);
/* Integer member (>= 0 when nonneg); absent leaves *out alone and returns 0. */
int json_opt_int64(yajl_val obj, const char *key, const char *path, bool nonneg, int64_t *out, bool *present,
                   congo_error *err);
/* String array member (NULL when absent or null): a new char ** vector. */
int json_opt_strv(yajl_val obj, const char *key, const char *path, char ***out, congo_error *err);

/* A generator with the usual settings (beautified when pretty). */
yajl_gen json_gen_new(bool pretty);
static inline void json_gen_freep(yajl_gen *g)
{
    if (*g)
        yajl_gen_free(*g);
}
#define _cleanup_gen_ __attribute__((cleanup(json_gen_freep)))
void json_gen_str(yajl_gen g, const char *s);
void json_gen_kv(yajl_gen g, const char *key, const char *value);
void json_gen_int(yajl_gen g, long long v);
/* Re-serialise a parsed tree (numbers keep their original text). */
void json_gen_value(yajl_gen g, yajl_val v);
/* The document, newly allocated and NUL-terminated (with a final newline when pretty). */
char *json_gen_steal(yajl_gen g, size_t *len);

#endif
