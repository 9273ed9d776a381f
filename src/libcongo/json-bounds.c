/* Bounds on JSON documents (see json-bounds.h). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "json-bounds.h"

size_t congo_json_depth(const char *buf, size_t len)
{
    size_t depth = 0, max = 0;
    bool in_string = false;

    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (in_string) {
            if (c == '\\')
                i++; /* the escaped character (\u's hex digits hold no quote) */
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max)
                max = depth;
        } else if (c == ']' || c == '}') {
            /* An unmatched close is where yajl stops with an error: what
             * follows is never parsed. */
            if (depth == 0)
                break;
            depth--;
        }
    }
    return max;
}

int congo_json_check_bounds(const char *buf, size_t len, size_t max_size, const char *what, congo_error *err)
{
    size_t depth;
    if (max_size == 0)
        max_size = CONGO_JSON_MAX_SIZE;
    if (len > max_size)
        return congo_error_set(err, EFBIG, "%s: %zu bytes, more than the limit of %zu bytes", what, len, max_size);
    depth = congo_json_depth(buf, len);
    if (depth > CONGO_JSON_MAX_DEPTH)
        return congo_error_set(err, 0, "%s: JSON nested deeper than the limit of %d levels", what,
                               CONGO_JSON_MAX_DEPTH);
    return 0;
}

int congo_json_tree_parse(yajl_val *out, const char *buf, size_t max_size, const char *what, congo_error *err)
{
    char ebuf[256] = "";
    yajl_val v;
    int r = congo_json_check_bounds(buf, strlen(buf), max_size, what, err);
    if (r < 0)
        return r;
    v = yajl_tree_parse(buf, ebuf, sizeof ebuf);
    if (!v) {
        char *nl;
        while ((nl = strchr(ebuf, '\n')))
            *nl = ' ';
        size_t n = strlen(ebuf);
        while (n > 0 && ebuf[n - 1] == ' ')
            ebuf[--n] = '\0';
        return congo_error_set(err, 0, "%s: invalid JSON: %s", what, *ebuf ? ebuf : "parse error");
    }
    *out = v;
    return 0;
}
