/* Bounds on every JSON document congo and congo-image read (config.json,
 * process.json, state.json, --resources, manifests, indexes, image configs,
 * token replies, credentials files...): a size and a nesting depth, checked
 * before a tree is built.  yajl's tree parser frees its tree recursively,
 * so a few hundred kilobytes of `[[[[...` overflow the stack; a pre-scan
 * that counts nesting outside strings stops that before yajl runs. */
#ifndef CONGO_JSON_BOUNDS_H
#define CONGO_JSON_BOUNDS_H

#include <stddef.h>

#include <yajl/yajl_tree.h>

#include "error.h"

/* OCI and image documents nest at most 6 or 7 levels; extension fields get
 * room to spare. */
#define CONGO_JSON_MAX_DEPTH 200
/* The default size limit: the largest document any reader accepts (the
 * store's own index.json); readers of smaller documents pass their own. */
#define CONGO_JSON_MAX_SIZE (64u << 20)

/* The nesting depth of buf[0..len): objects and arrays, outside strings.
 * Exact for valid JSON, and never less than the depth yajl reaches before
 * it rejects invalid JSON. */
size_t congo_json_depth(const char *buf, size_t len);

/* 0 when buf[0..len) is at most max_size bytes (CONGO_JSON_MAX_SIZE when 0)
 * and nests at most CONGO_JSON_MAX_DEPTH levels; else an error naming `what`
 * and the limit. */
int congo_json_check_bounds(const char *buf, size_t len, size_t max_size, const char *what, congo_error *err);

/* yajl_tree_parse of a NUL-terminated document after the bounds check;
 * errors name `what`. */
int congo_json_tree_parse(yajl_val *out, const char *buf, size_t max_size, const char *what, congo_error *err);

#endif
