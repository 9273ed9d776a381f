/* The D-Bus reply parser of --systemd-cgroup: one message as it comes
 * off the socket, then its body read as systemd's replies are. */
#include "config.h"

#include "fuzz.h"
#include "libcongo/dbus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    congo_error err = CONGO_ERROR_INIT;
    struct dbus_msg m = { 0 };
    size_t want;
    int r;

    if (size < 16)
        return 0;
    want = dbus_message_size(data);
    if (want == 0 || want > size)
        return 0;
    r = dbus_message_parse(&m, data, want, &err);
    fuzz_check_error(r, &err);
    if (r == 0) {
        struct dbus_reader rd = { .data = m.body, .len = m.body_len };
        const char *s;
        uint32_t u;
        char *text = dbus_error_text(&m);
        free(text);
        /* A JobRemoved signal (uoss), or a StartTransientUnit reply (o). */
        while (rd.pos < rd.len) {
            if (dbus_get_u32(&rd, &u) < 0 && dbus_get_string(&rd, &s) < 0)
                break;
            if (rd.pos > rd.len)
                abort();
        }
        rd.pos = 0;
        while (dbus_get_string(&rd, &s) == 0)
            if (strlen(s) > rd.len)
                abort();
        dbus_msg_free(&m);
    }
    return 0;
}
