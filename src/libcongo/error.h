/* congo's one error contract.
 *
 * A function that can fail takes `congo_error *err` as its last parameter,
 * returns a negative value (-errno when there is one) and fills *err with
 * the errno and a message.  Callers add context with congo_error_wrap() as
 * the error travels up; only the command layer prints it.
 *
 *     congo_error err = CONGO_ERROR_INIT;
 *     if (open_thing(path, &err) < 0)
 *         return congo_error_wrap(&err, r, "load bundle `%s`", dir);
 *
 * The final text is "outer context: inner context: message: strerror(errno)".
 */
#ifndef CONGO_ERROR_H
#define CONGO_ERROR_H

#include <stdarg.h>

typedef struct congo_error {
    int errnum; /* errno of the failure, 0 when it is not a system error */
    char *msg;  /* NULL when no error is set */
} congo_error;

#define CONGO_ERROR_INIT { 0, NULL }

/* Set *err (replacing any earlier error) and return -errnum, or -EINVAL when errnum is 0. */
int congo_error_set(congo_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int congo_error_setv(congo_error *err, int errnum, const char *fmt, va_list ap);

/* Set *err to "MESSAGE: errno text" with the errno text in lower case, as Go
 * (and so runc) writes it: "permission denied", "no such file or directory".
 * For the failures callers match case-sensitively: docker maps "permission
 * denied" to exit status 126 and "no such file or directory" to 127.  The
 * errno is in the text only (errnum stays 0); returns -errnum. */
int congo_error_set_lower(congo_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set *err from the current errno; returns -errno. */
#define congo_error_errno(err, ...) congo_error_set((err), errno, __VA_ARGS__)

/* Prefix the message with "context: " and return ret unchanged. */
int congo_error_wrap(congo_error *err, int ret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The whole text ("message: strerror"), newly allocated.  Never NULL. */
char *congo_error_text(const congo_error *err);

/* Free the message and reset *err. */
void congo_error_clear(congo_error *err);

/* Move an error between processes (container child -> parent) over a socket
 * or pipe: the errno and the message travel as one record. */
int congo_error_send(int fd, const congo_error *err);
/* Read a record sent by congo_error_send(); returns 0 when the peer sent no
 * error (EOF), 1 when *out was filled, negative on a read failure. */
int congo_error_recv(int fd, congo_error *out);

#endif
