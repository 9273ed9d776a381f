/* A minimal D-Bus client: exactly what `--systemd-cgroup` needs to ask
 * systemd for a transient scope (systemd.c), without linking libdbus or
 * libsystemd into congo.
 *
 * The wire format (D-Bus specification, "Message Protocol"): a message is a
 * 12-byte fixed header (endianness, type, flags, version, body length,
 * serial), an array of header fields a(yv), padding to 8, then the body,
 * every value aligned to its own size relative to the message start.  congo
 * writes and accepts native-endian messages only (systemd on the same host
 * writes native-endian ones).
 *
 * Connection: systemd's private socket /run/systemd/private (root only, no
 * dbus-daemon needed) or the system bus /run/dbus/system_bus_socket (then
 * Hello first), authenticated with SASL EXTERNAL (the peer checks our uid
 * with SO_PEERCRED). */
#ifndef CONGO_DBUS_H
#define CONGO_DBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum { DBUS_METHOD_CALL = 1, DBUS_METHOD_RETURN = 2, DBUS_ERROR = 3, DBUS_SIGNAL = 4 };

/* ---- writing ---- */

/* A growing buffer of marshalled values; offsets (for alignment) are
 * relative to its start, which must sit 8-aligned in the message (a body
 * does). */
struct dbus_buf {
    uint8_t *data;
    size_t len, cap;
};
void dbus_buf_free(struct dbus_buf *b);
void dbus_put_align(struct dbus_buf *b, size_t align);
void dbus_put_byte(struct dbus_buf *b, uint8_t v);
void dbus_put_bool(struct dbus_buf *b, bool v);
void dbus_put_u32(struct dbus_buf *b, uint32_t v);
void dbus_put_u64(struct dbus_buf *b, uint64_t v);
/* 's' and 'o' (u32 length, bytes, NUL) */
void dbus_put_string(struct dbus_buf *b, const char *s);
/* 'g' (byte length, bytes, NUL) */
void dbus_put_signature(struct dbus_buf *b, const char *s);
/* An array: _begin() writes the length placeholder and pads to the element
 * alignment (also for an empty array); _end() fills in the length. */
struct dbus_array { size_t at, start; };
struct dbus_array dbus_array_begin(struct dbus_buf *b, size_t elem_align);
void dbus_array_end(struct dbus_buf *b, struct dbus_array a);

/* A method call with its body (body_sig NULL or "" = no body): the whole
 * message, ready to send. */
void dbus_message_call(struct dbus_buf *out, uint32_t serial, const char *destination, const char *path,
                       const char *interface, const char *member, const char *body_sig,
                       const struct dbus_buf *body);

/* ---- reading ---- */

struct dbus_msg {
    uint8_t type, flags;
    uint32_t serial, reply_serial;
    char *path, *interface, *member, *error_name, *sender, *signature;
    uint8_t *body;   /* owned */
    size_t body_len;
};
void dbus_msg_free(struct dbus_msg *m);
/* The total size of the message starting with these 16 bytes (0: not a
 * message congo reads: bad endianness, version, or too big). */
size_t dbus_message_size(const uint8_t *hdr16);
/* Parse one whole message (len = dbus_message_size()). */
int dbus_message_parse(struct dbus_msg *out, const uint8_t *data, size_t len, congo_error *err);

/* A cursor over a body: every get checks alignment padding and bounds and
 * returns -EBADMSG on malformed data. */
struct dbus_reader {
    const uint8_t *data;
    size_t len, pos;
};
int dbus_get_u32(struct dbus_reader *r, uint32_t *v);
/* 's', 'o': points into the body (NUL-terminated there). */
int dbus_get_string(struct dbus_reader *r, const char **s);

/* ---- connection ---- */

struct dbus_conn;
/* Connect to systemd: its private socket as root, else the system bus.
 * Errors name the socket. */
int dbus_connect_systemd(struct dbus_conn **out, congo_error *err);
/* Connect and authenticate on a given socket (hello: it is a bus daemon). */
int dbus_connect_path(struct dbus_conn **out, const char *path, bool hello, congo_error *err);
void dbus_conn_free(struct dbus_conn *c);
/* Send a method call and wait (up to timeout_ms) for its reply.  An ERROR
 * reply is returned as a message too (type DBUS_ERROR).  Signals read
 * meanwhile are kept for dbus_wait_signal(). */
int dbus_call(struct dbus_conn *c, struct dbus_msg *reply, const char *destination, const char *path,
              const char *interface, const char *member, const char *body_sig, const struct dbus_buf *body,
              int timeout_ms, congo_error *err);
/* Wait for a signal with this interface and member for which match(m, data)
 * says true (kept ones first); -ETIMEDOUT after timeout_ms. */
int dbus_wait_signal(struct dbus_conn *c, struct dbus_msg *out, const char *interface, const char *member,
                     bool (*match)(const struct dbus_msg *m, void *data), void *data, int timeout_ms,
                     congo_error *err);
/* On a bus: ask the daemon to route the broadcast signals matching rule
 * to us (a no-op on a direct connection). */
int dbus_add_match(struct dbus_conn *c, const char *rule, congo_error *err);
/* The text of an ERROR reply: "NAME: message". */
char *dbus_error_text(const struct dbus_msg *m);

#endif
