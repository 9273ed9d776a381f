/* A minimal D-Bus client (see dbus.h). */
#include "config.h"

#include "dbus.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "utils.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DBUS_NATIVE 'l'
#else
#define DBUS_NATIVE 'B'
#endif

/* congo's messages are small; systemd's signals too.  The spec's limit is
 * 128 MiB: a message above ours is read and dropped. */
#define DBUS_MAX_MESSAGE (16u << 20)

enum { F_PATH = 1, F_INTERFACE = 2, F_MEMBER = 3, F_ERROR_NAME = 4, F_REPLY_SERIAL = 5, F_DESTINATION = 6,
       F_SENDER = 7, F_SIGNATURE = 8 };

/* ---- writing ---- */

static void buf_reserve(struct dbus_buf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

static void buf_append(struct dbus_buf *b, const void *p, size_t n)
{
    /* Nothing to add (no padding, an empty string): an empty buffer's data
     * and an empty string's bytes may be NULL, which memcpy must not get. */
    if (n == 0)
        return;
    buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void dbus_buf_free(struct dbus_buf *b)
{
    free(b->data);
    *b = (struct dbus_buf){ 0 };
}

void dbus_put_align(struct dbus_buf *b, size_t align)
{
    static const uint8_t zero[8];
    size_t pad = (align - b->len % align) % align;
    buf_append(b, zero, pad);
}

void dbus_put_byte(struct dbus_buf *b, uint8_t v) { buf_append(b, &v, 1); }

void dbus_put_u32(struct dbus_buf *b, uint32_t v)
{
    dbus_put_align(b, 4);
    buf_append(b, &v, 4);
}

void dbus_put_bool(struct dbus_buf *b, bool v) { dbus_put_u32(b, v ? 1 : 0); }

void dbus_put_u64(struct dbus_buf *b, uint64_t v)
{
    dbus_put_align(b, 8);
    buf_append(b, &v, 8);
}

void dbus_put_string(struct dbus_buf *b, const char *s)
{
    size_t n = strlen(s);
    dbus_put_u32(b, (uint32_t) n);
    buf_append(b, s, n + 1);
}

void dbus_put_signature(struct dbus_buf *b, const char *s)
{
    size_t n = strlen(s);
    dbus_put_byte(b, (uint8_t) n);
    buf_append(b, s, n + 1);
}

struct dbus_array dbus_array_begin(struct dbus_buf *b, size_t elem_align)
{
    struct dbus_array a;
    dbus_put_u32(b, 0);
    a.at = b->len - 4;
    /* The length counts the elements only, not the padding before the
     * first one (present even when there is none). */
    dbus_put_align(b, elem_align);
    a.start = b->len;
    return a;
}

void dbus_array_end(struct dbus_buf *b, struct dbus_array a)
{
    uint32_t n = (uint32_t) (b->len - a.start);
    memcpy(b->data + a.at, &n, 4);
}

static void put_field(struct dbus_buf *h, uint8_t code, const char *sig, const char *value)
{
    dbus_put_align(h, 8);
    dbus_put_byte(h, code);
    dbus_put_signature(h, sig);
    if (sig[0] == 'g')
        dbus_put_signature(h, value);
    else
        dbus_put_string(h, value);
}

void dbus_message_call(struct dbus_buf *out, uint32_t serial, const char *destination, const char *path,
                       const char *interface, const char *member, const char *body_sig,
                       const struct dbus_buf *body)
{
    struct dbus_buf *h = out;
    size_t body_len = body_sig && *body_sig && body ? body->len : 0;
    h->len = 0;
    dbus_put_byte(h, DBUS_NATIVE);
    dbus_put_byte(h, DBUS_METHOD_CALL);
    dbus_put_byte(h, 0);
    dbus_put_byte(h, 1);
    dbus_put_u32(h, (uint32_t) body_len);
    dbus_put_u32(h, serial);
    struct dbus_array a = dbus_array_begin(h, 8);
    put_field(h, F_PATH, "o", path);
    if (interface)
        put_field(h, F_INTERFACE, "s", interface);
    put_field(h, F_MEMBER, "s", member);
    if (destination)
        put_field(h, F_DESTINATION, "s", destination);
    if (body_len)
        put_field(h, F_SIGNATURE, "g", body_sig);
    dbus_array_end(h, a);
    dbus_put_align(h, 8);
    if (body_len)
        buf_append(h, body->data, body_len);
}

/* ---- reading ---- */

void dbus_msg_free(struct dbus_msg *m)
{
    free(m->path);
    free(m->interface);
    free(m->member);
    free(m->error_name);
    free(m->sender);
    free(m->signature);
    free(m->body);
    *m = (struct dbus_msg){ 0 };
}

static uint32_t load_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

size_t dbus_message_size(const uint8_t *hdr16)
{
    if (hdr16[0] != DBUS_NATIVE || hdr16[3] != 1)
        return 0;
    uint64_t fields = load_u32(hdr16 + 12), body = load_u32(hdr16 + 4);
    uint64_t total = ((16 + fields + 7) & ~(uint64_t) 7) + body;
    return total > DBUS_MAX_MESSAGE ? 0 : (size_t) total;
}

static int r_align(struct dbus_reader *r, size_t align)
{
    size_t to = (r->pos + align - 1) / align * align;
    if (to > r->len)
        return -EBADMSG;
    for (; r->pos < to; r->pos++)
        if (r->data[r->pos] != 0)
            return -EBADMSG;
    return 0;
}

static int r_byte(struct dbus_reader *r, uint8_t *v)
{
    if (r->pos + 1 > r->len)
        return -EBADMSG;
    *v = r->data[r->pos++];
    return 0;
}

int dbus_get_u32(struct dbus_reader *r, uint32_t *v)
{
    if (r_align(r, 4) < 0 || r->pos + 4 > r->len)
        return -EBADMSG;
    *v = load_u32(r->data + r->pos);
    r->pos += 4;
    return 0;
}

int dbus_get_string(struct dbus_reader *r, const char **s)
{
    uint32_t n;
    if (dbus_get_u32(r, &n) < 0 || n >= r->len - r->pos || r->data[r->pos + n] != 0 ||
        memchr(r->data + r->pos, 0, n))
        return -EBADMSG;
    *s = (const char *) r->data + r->pos;
    r->pos += n + 1;
    return 0;
}

static int r_signature(struct dbus_reader *r, const char **s)
{
    uint8_t n;
    if (r_byte(r, &n) < 0 || (size_t) n >= r->len - r->pos || r->data[r->pos + n] != 0)
        return -EBADMSG;
    *s = (const char *) r->data + r->pos;
    r->pos += n + 1u;
    return 0;
}

/* Skip one value of a basic type (header fields congo does not use). */
static int r_skip_basic(struct dbus_reader *r, char t)
{
    const char *s;
    size_t size;
    switch (t) {
    case 'y': size = 1; break;
    case 'n': case 'q': size = 2; break;
    case 'b': case 'i': case 'u': case 'h': size = 4; break;
    case 'x': case 't': case 'd': size = 8; break;
    case 's': case 'o': return dbus_get_string(r, &s);
    case 'g': return r_signature(r, &s);
    default: return -EBADMSG;
    }
    if (r_align(r, size) < 0 || r->pos + size > r->len)
        return -EBADMSG;
    r->pos += size;
    return 0;
}

int dbus_message_parse(struct dbus_msg *out, const uint8_t *data, size_t len, congo_error *err)
{
    struct dbus_msg m = { 0 };
    struct dbus_reader r = { .data = data, .len = len };
    size_t total;
    uint32_t fields_len;

    if (len < 16 || (total = dbus_message_size(data)) == 0 || total != len)
        return congo_error_set(err, EBADMSG, "D-Bus: malformed message header");
    m.type = data[1];
    m.flags = data[2];
    m.serial = load_u32(data + 8);
    fields_len = load_u32(data + 12);
    r.pos = 16;
    r.len = 16 + (size_t) fields_len;
    while (r.pos < r.len) {
        uint8_t code;
        const char *sig, *s;
        char **slot = NULL;
        if (r_align(&r, 8) < 0 || r_byte(&r, &code) < 0 || r_signature(&r, &sig) < 0 || strlen(sig) != 1)
            goto bad;
        switch (code) {
        case F_PATH: slot = &m.path; break;
        case F_INTERFACE: slot = &m.interface; break;
        case F_MEMBER: slot = &m.member; break;
        case F_ERROR_NAME: slot = &m.error_name; break;
        case F_SENDER: slot = &m.sender; break;
        case F_SIGNATURE: slot = &m.signature; break;
        case F_REPLY_SERIAL:
            if (sig[0] != 'u' || dbus_get_u32(&r, &m.reply_serial) < 0)
                goto bad;
            continue;
        }
        if (!slot) {
            if (r_skip_basic(&r, sig[0]) < 0)
                goto bad;
            continue;
        }
        if (code == F_SIGNATURE ? (sig[0] != 'g' || r_signature(&r, &s) < 0)
                                : ((sig[0] != 's' && sig[0] != 'o') || dbus_get_string(&r, &s) < 0))
            goto bad;
        free(*slot);
        *slot = xstrdup(s);
    }
    if (r.pos != r.len)
        goto bad;
    r.len = len;
    if (r_align(&r, 8) < 0)
        goto bad;
    m.body_len = len - r.pos;
    m.body = xmalloc(m.body_len + 1);
    memcpy(m.body, data + r.pos, m.body_len);
    *out = m;
    return 0;
bad:
    dbus_msg_free(&m);
    return congo_error_set(err, EBADMSG, "D-Bus: malformed message header fields");
}

char *dbus_error_text(const struct dbus_msg *m)
{
    struct dbus_reader r = { .data = m->body, .len = m->body_len };
    const char *text = NULL;
    if (m->signature && m->signature[0] == 's' && dbus_get_string(&r, &text) < 0)
        text = NULL;
    return xasprintf("%s%s%s", m->error_name ? m->error_name : "unknown D-Bus error", text ? ": " : "",
                     text ? text : "");
}

/* ---- connection ---- */

struct dbus_conn {
    int fd;
    bool bus;          /* through a bus daemon (else a direct connection) */
    uint32_t serial;
    char *where;
    uint8_t *rbuf;
    size_t rlen, rcap;
    struct dbus_msg *kept;
    size_t n_kept;
};

void dbus_conn_free(struct dbus_conn *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    for (size_t i = 0; i < c->n_kept; i++)
        dbus_msg_free(&c->kept[i]);
    free(c->kept);
    free(c->rbuf);
    free(c->where);
    free(c);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read more bytes into the buffer before the deadline. */
static int fill(struct dbus_conn *c, long long deadline, congo_error *err)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd p = { .fd = c->fd, .events = POLLIN };
        int n = poll(&p, 1, (int) (left > 1000000 ? 1000000 : left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return congo_error_errno(err, "D-Bus %s: poll", c->where);
        if (n == 0)
            continue;
        if (c->rcap - c->rlen < 4096) {
            c->rcap = c->rcap ? c->rcap * 2 : 16384;
            c->rbuf = xrealloc(c->rbuf, c->rcap);
        }
        ssize_t k = read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k < 0)
            return congo_error_errno(err, "D-Bus %s: read", c->where);
        if (k == 0)
            return congo_error_set(err, ECONNRESET, "D-Bus %s: connection closed by the peer", c->where);
        c->rlen += (size_t) k;
        return 0;
    }
}

/* The next whole message from the socket. */
static int next_message(struct dbus_conn *c, struct dbus_msg *out, long long deadline, congo_error *err)
{
    int r;
    for (;;) {
        if (c->rlen >= 16) {
            size_t total = dbus_message_size(c->rbuf);
            if (total == 0)
                return congo_error_set(err, EBADMSG, "D-Bus %s: unreadable message (foreign endianness or too big)",
                                       c->where);
            if (c->rlen >= total) {
                r = dbus_message_parse(out, c->rbuf, total, err);
                memmove(c->rbuf, c->rbuf + total, c->rlen - total);
                c->rlen -= total;
                if (r < 0)
                    return congo_error_wrap(err, r, "D-Bus %s", c->where);
                return 0;
            }
            if (c->rcap < total) {
                c->rcap = total;
                c->rbuf = xrealloc(c->rbuf, c->rcap);
            }
        }
        r = fill(c, deadline, err);
        if (r < 0)
            return r;
    }
}

static int send_all(struct dbus_conn *c, const void *p, size_t n, congo_error *err)
{
    if (write_all(c->fd, p, n) < 0)
        return congo_error_errno(err, "D-Bus %s: write", c->where);
    return 0;
}

static int auth(struct dbus_conn *c, congo_error *err)
{
    char line[256], uid[32], hex[80];
    size_t n = 0;
    int len = snprintf(uid, sizeof uid, "%u", (unsigned) geteuid());
    for (int i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned char) uid[i]);
    _cleanup_free_ char *req = xasprintf("AUTH EXTERNAL %s\r\n", hex);
    int r = send_all(c, "", 1, err);
    if (r >= 0)
        r = send_all(c, req, strlen(req), err);
    if (r < 0)
        return r;
    long long deadline = now_ms() + 10000;
    while (n < 2 || line[n - 2] != '\r' || line[n - 1] != '\n') {
        struct pollfd p = { .fd = c->fd, .events = POLLIN };
        long long left = deadline - now_ms();
        if (n >= sizeof line - 1 || left <= 0)
            return congo_error_set(err, ETIMEDOUT, "D-Bus %s: no answer to authentication", c->where);
        if (poll(&p, 1, (int) left) < 0 && errno != EINTR)
            return congo_error_errno(err, "D-Bus %s: poll", c->where);
        ssize_t k = read(c->fd, line + n, 1);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k <= 0)
            return congo_error_set(err, ECONNRESET, "D-Bus %s: connection closed during authentication", c->where);
        n++;
    }
    line[n - 2] = 0;
    if (strncmp(line, "OK ", 3) != 0)
        return congo_error_set(err, EACCES, "D-Bus %s: authentication as uid %s refused (`%s`)", c->where, uid, line);
    r = send_all(c, "BEGIN\r\n", 7, err);
    if (r < 0)
        return r;
    /* Our first message must not reach the peer in the same read as
     * BEGIN: sd-bus (systemd 252 at least) leaves the rest of that read
     * unprocessed after authentication until more bytes arrive, and a
     * method call would wait for its reply forever.  For a unix stream
     * socket SIOCOUTQ counts what the peer has not read yet. */
    for (;;) {
        int unread = 0;
        if (ioctl(c->fd, SIOCOUTQ, &unread) < 0 || unread == 0)
            return 0;
        if (now_ms() > deadline)
            return congo_error_set(err, ETIMEDOUT, "D-Bus %s: the peer does not read", c->where);
        usleep(100);
    }
}

int dbus_connect_path(struct dbus_conn **out, const char *path, bool hello, congo_error *err)
{
    struct dbus_conn *c = xnew0(struct dbus_conn, 1);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int r;

    c->where = xasprintf("`%s`", path);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        r = congo_error_errno(err, "D-Bus: socket");
        goto fail;
    }
    if (strlen(path) >= sizeof sa.sun_path) {
        r = congo_error_set(err, ENAMETOOLONG, "D-Bus socket `%s`: path too long", path);
        goto fail;
    }
    strcpy(sa.sun_path, path);
    if (connect(c->fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
        r = congo_error_errno(err, "D-Bus: connect to `%s`", path);
        goto fail;
    }
    r = auth(c, err);
    if (r < 0)
        goto fail;
    c->bus = hello;
    if (hello) {
        struct dbus_msg reply = { 0 };
        r = dbus_call(c, &reply, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello",
                      NULL, NULL, 10000, err);
        if (r >= 0 && reply.type == DBUS_ERROR) {
            _cleanup_free_ char *t = dbus_error_text(&reply);
            r = congo_error_set(err, EPROTO, "D-Bus %s: Hello: %s", c->where, t);
        }
        dbus_msg_free(&reply);
        if (r < 0)
            goto fail;
    }
    *out = c;
    return 0;
fail:
    dbus_conn_free(c);
    return r;
}

int dbus_connect_systemd(struct dbus_conn **out, congo_error *err)
{
    congo_error first = CONGO_ERROR_INIT;
    /* The private socket needs no dbus-daemon (and still works when the
     * system bus is down); systemd accepts only root there. */
    if (geteuid() == 0 && dbus_connect_path(out, "/run/systemd/private", false, &first) == 0)
        return 0;
    int r = dbus_connect_path(out, "/run/dbus/system_bus_socket", true, err);
    if (r < 0 && geteuid() == 0) {
        _cleanup_free_ char *t = congo_error_text(&first);
        congo_error_clear(&first);
        return congo_error_wrap(err, r, "systemd is reachable neither at its private socket (%s) nor on the system bus", t);
    }
    congo_error_clear(&first);
    return r;
}

int dbus_add_match(struct dbus_conn *c, const char *rule, congo_error *err)
{
    struct dbus_buf body = { 0 };
    struct dbus_msg reply = { 0 };
    if (!c->bus)
        return 0; /* a direct peer sends its signals to us anyway */
    dbus_put_string(&body, rule);
    int r = dbus_call(c, &reply, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch",
                      "s", &body, 10000, err);
    dbus_buf_free(&body);
    if (r >= 0 && reply.type == DBUS_ERROR) {
        _cleanup_free_ char *t = dbus_error_text(&reply);
        r = congo_error_set(err, EPROTO, "D-Bus %s: AddMatch: %s", c->where, t);
    }
    dbus_msg_free(&reply);
    return r;
}

static void keep(struct dbus_conn *c, struct dbus_msg *m)
{
    /* Signals congo never waits for are not kept forever. */
    if (c->n_kept >= 256) {
        dbus_msg_free(&c->kept[0]);
        memmove(c->kept, c->kept + 1, (c->n_kept - 1) * sizeof *c->kept);
        c->n_kept--;
    }
    c->kept = xrealloc(c->kept, (c->n_kept + 1) * sizeof *c->kept);
    c->kept[c->n_kept++] = *m;
    *m = (struct dbus_msg){ 0 };
}

int dbus_call(struct dbus_conn *c, struct dbus_msg *reply, const char *destination, const char *path,
              const char *interface, const char *member, const char *body_sig, const struct dbus_buf *body,
              int timeout_ms, congo_error *err)
{
    struct dbus_buf msg = { 0 };
    uint32_t serial = ++c->serial;
    long long deadline = now_ms() + timeout_ms;
    int r;

    dbus_message_call(&msg, serial, destination, path, interface, member, body_sig, body);
    r = send_all(c, msg.data, msg.len, err);
    dbus_buf_free(&msg);
    if (r < 0)
        return r;
    for (;;) {
        struct dbus_msg m = { 0 };
        r = next_message(c, &m, deadline, err);
        if (r == -ETIMEDOUT)
            return congo_error_set(err, ETIMEDOUT, "D-Bus %s: no reply to %s within %d ms", c->where, member,
                                   timeout_ms);
        if (r < 0)
            return r;
        congo_debug("D-Bus %s: %s, message type %d serial %u reply to %u %s%s%s", c->where, member, m.type, m.serial,
                    m.reply_serial, m.member ? m.member : "", m.error_name ? " " : "",
                    m.error_name ? m.error_name : "");
        if ((m.type == DBUS_METHOD_RETURN || m.type == DBUS_ERROR) && m.reply_serial == serial) {
            *reply = m;
            return 0;
        }
        if (m.type == DBUS_SIGNAL)
            keep(c, &m);
        dbus_msg_free(&m);
    }
}

int dbus_wait_signal(struct dbus_conn *c, struct dbus_msg *out, const char *interface, const char *member,
                     bool (*match)(const struct dbus_msg *m, void *data), void *data, int timeout_ms,
                     congo_error *err)
{
    long long deadline = now_ms() + timeout_ms;
    for (size_t i = 0; i < c->n_kept; i++) {
        struct dbus_msg *m = &c->kept[i];
        if (streq_ptr(m->interface, interface) && streq_ptr(m->member, member) && match(m, data)) {
            *out = *m;
            memmove(c->kept + i, c->kept + i + 1, (c->n_kept - i - 1) * sizeof *c->kept);
            c->n_kept--;
            return 0;
        }
    }
    for (;;) {
        struct dbus_msg m = { 0 };
        int r = next_message(c, &m, deadline, err);
        if (r < 0)
            return r;
        if (m.type == DBUS_SIGNAL && streq_ptr(m.interface, interface) && streq_ptr(m.member, member) &&
            match(&m, data)) {
            *out = m;
            return 0;
        }
        dbus_msg_free(&m);
    }
}
