#include "config.h"

#include "error.h"
#include "utils.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int congo_error_setv(congo_error *err, int errnum, const char *fmt, va_list ap)
{
    char *msg = NULL;

    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    if (err) {
        free(err->msg);
        err->msg = msg ? msg : strdup("(out of memory formatting an error)");
        err->errnum = errnum;
    } else {
        free(msg);
    }
    return errnum > 0 ? -errnum : -EINVAL;
}

int congo_error_set(congo_error *err, int errnum, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = congo_error_setv(err, errnum, fmt, ap);
    va_end(ap);
    return r;
}

int congo_error_wrap(congo_error *err, int ret, const char *fmt, ...)
{
    char *ctx = NULL, *msg = NULL;
    va_list ap;

    if (!err)
        return ret;
    va_start(ap, fmt);
    if (vasprintf(&ctx, fmt, ap) < 0)
        ctx = NULL;
    va_end(ap);
    if (!ctx)
        return ret;
    if (!err->msg) {
        err->msg = ctx;
        return ret;
    }
    if (asprintf(&msg, "%s: %s", ctx, err->msg) >= 0) {
        free(err->msg);
        err->msg = msg;
    }
    free(ctx);
    return ret;
}

int congo_error_set_lower(congo_error *err, int errnum, const char *fmt, ...)
{
    _cleanup_free_ char *msg = NULL, *text = NULL;
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (r < 0)
        abort();
    text = xstrdup(strerror(errnum));
    text[0] = (char) tolower((unsigned char) text[0]);
    congo_error_set(err, 0, "%s: %s", msg, text);
    return errnum > 0 ? -errnum : -EINVAL;
}

char *congo_error_text(const congo_error *err)
{
    char *s = NULL;
    const char *msg = err && err->msg ? err->msg : "unknown error";

    if (err && err->errnum > 0) {
        if (asprintf(&s, "%s: %s", msg, strerror(err->errnum)) < 0)
            s = NULL;
    } else {
        s = strdup(msg);
    }
    if (!s)
        abort();
    return s;
}

void congo_error_clear(congo_error *err)
{
    if (!err)
        return;
    free(err->msg);
    err->msg = NULL;
    err->errnum = 0;
}

/* Record: int32 errnum, uint32 length, then the message bytes. */
int congo_error_send(int fd, const congo_error *err)
{
    const char *msg = err && err->msg ? err->msg : "unknown error";
    uint32_t len = strlen(msg);
    int32_t errnum = err ? err->errnum : 0;

    if (len > 65536)
        len = 65536;
    if (write_all(fd, &errnum, sizeof errnum) < 0 || write_all(fd, &len, sizeof len) < 0 ||
        write_all(fd, msg, len) < 0)
        return -errno;
    return 0;
}

int congo_error_recv(int fd, congo_error *out)
{
    int32_t errnum;
    uint32_t len;
    char *msg;
    ssize_t n;

    n = read_all(fd, &errnum, sizeof errnum);
    if (n == 0)
        return 0;
    if (n != (ssize_t) sizeof errnum || read_all(fd, &len, sizeof len) != (ssize_t) sizeof len || len > 65536)
        return congo_error_set(out, EPROTO, "truncated error record from the container process");
    msg = malloc(len + 1);
    if (!msg)
        return -ENOMEM;
    if (read_all(fd, msg, len) != (ssize_t) len) {
        free(msg);
        return congo_error_set(out, EPROTO, "truncated error record from the container process");
    }
    msg[len] = '\0';
    free(out->msg);
    out->msg = msg;
    out->errnum = errnum;
    return 1;
}
