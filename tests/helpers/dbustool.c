/* dbustool: drive libcongo's D-Bus client (dbus.h) against a real bus
 * daemon, for tests/systemd/test-dbus.sh.
 *
 *   dbustool call SOCKET DEST PATH IFACE MEMBER [STRING-ARG...]
 *       Hello, then the call (signature "s..." from the arguments); prints
 *       "return SIGNATURE [FIRST-STRING]" or "error NAME: MESSAGE".
 *   dbustool watch SOCKET
 *       Hello, AddMatch for NameOwnerChanged, a second connection; prints
 *       "signal NameOwnerChanged NAME" for the second one's unique name.
 *
 * Exit 0 when the exchange worked (an error reply included); on failure
 * prints "dbustool: <error>" and exits 1. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "libcongo/dbus.h"
#include "libcongo/utils.h"

static int die(congo_error *err)
{
    char *t = congo_error_text(err);
    fprintf(stderr, "dbustool: %s\n", t);
    free(t);
    congo_error_clear(err);
    return 1;
}

static bool any(const struct dbus_msg *m, void *data)
{
    (void) m;
    (void) data;
    return true;
}

int main(int argc, char **argv)
{
    congo_error err = CONGO_ERROR_INIT;
    struct dbus_conn *c = NULL, *c2 = NULL;
    struct dbus_msg m = { 0 };
    struct dbus_buf body = { 0 };
    int rc = 0;

    if (argc >= 7 && strcmp(argv[1], "call") == 0) {
        char sig[64] = "";
        for (int i = 7; i < argc && i - 7 < 60; i++) {
            dbus_put_string(&body, argv[i]);
            strcat(sig, "s");
        }
        if (dbus_connect_path(&c, argv[2], true, &err) < 0 ||
            dbus_call(c, &m, argv[3], argv[4], argv[5], argv[6], sig, &body, 5000, &err) < 0) {
            rc = die(&err);
            goto out;
        }
        if (m.type == DBUS_ERROR) {
            char *t = dbus_error_text(&m);
            printf("error %s\n", t);
            free(t);
        } else {
            struct dbus_reader r = { .data = m.body, .len = m.body_len };
            const char *s = NULL;
            if (m.signature && (m.signature[0] == 's' || m.signature[0] == 'o'))
                dbus_get_string(&r, &s);
            printf("return %s%s%s\n", m.signature ? m.signature : "", s ? " " : "", s ? s : "");
        }
    } else if (argc == 3 && strcmp(argv[1], "watch") == 0) {
        if (dbus_connect_path(&c, argv[2], true, &err) < 0 ||
            dbus_add_match(c, "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged'", &err) < 0 ||
            dbus_connect_path(&c2, argv[2], true, &err) < 0 ||
            dbus_wait_signal(c, &m, "org.freedesktop.DBus", "NameOwnerChanged", any, NULL, 5000, &err) < 0) {
            rc = die(&err);
            goto out;
        }
        struct dbus_reader r = { .data = m.body, .len = m.body_len };
        const char *name = "";
        dbus_get_string(&r, &name);
        printf("signal %s %s\n", m.member, name);
    } else {
        fprintf(stderr, "usage: dbustool call SOCKET DEST PATH IFACE MEMBER [ARG...] | watch SOCKET\n");
        return 2;
    }
out:
    /* (everything freed: the sanitizer pass checks the helpers for leaks too) */
    dbus_buf_free(&body);
    dbus_msg_free(&m);
    dbus_conn_free(c);
    dbus_conn_free(c2);
    return rc;
}
