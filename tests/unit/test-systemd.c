/* Unit tests for --systemd-cgroup's pure parts: "slice:prefix:name"
 * parsing, validation and expansion to a cgroup path; D-Bus marshalling
 * (byte-exact) and message parsing. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "libcongo/dbus.h"
#include "libcongo/systemd.h"
#include "libcongo/utils.h"

/* ---- cgroupsPath ---- */

static void parse_ok(const char *path, const char *id, const char *slice, const char *unit, const char *cgroup)
{
    congo_error err = CONGO_ERROR_INIT;
    struct congo_systemd_unit u = { 0 };
    int r = congo_systemd_parse_path(&u, path, id, &err);
    if (r < 0) {
        _cleanup_free_ char *t = congo_error_text(&err);
        fail_msg("`%s`: unexpected error: %s", path ? path : "(null)", t);
    }
    assert_string_equal(u.slice, slice);
    assert_string_equal(u.unit, unit);
    assert_string_equal(u.cgroup_path, cgroup);
    congo_systemd_unit_clear(&u);
}

static void parse_bad(const char *path, const char *id, const char *needle)
{
    congo_error err = CONGO_ERROR_INIT;
    struct congo_systemd_unit u = { 0 };
    int r = congo_systemd_parse_path(&u, path, id, &err);
    if (r >= 0)
        fail_msg("`%s` accepted as %s", path, u.cgroup_path);
    assert_int_equal(r, -EINVAL);
    assert_null(u.cgroup_path);
    _cleanup_free_ char *t = congo_error_text(&err);
    if (!strstr(t, "linux.cgroupsPath") || !strstr(t, needle))
        fail_msg("`%s`: error `%s` does not name linux.cgroupsPath and `%s`", path, t, needle);
    congo_error_clear(&err);
}

static void cgroups_path_forms(void **state)
{
    (void) state;
    parse_ok("system.slice:congo:abc", "abc", "system.slice", "congo-abc.scope", "/system.slice/congo-abc.scope");
    parse_ok("machine.slice:libpod:0123abc", "x", "machine.slice", "libpod-0123abc.scope",
             "/machine.slice/libpod-0123abc.scope");
    /* defaults: runc's, with congo's prefix */
    parse_ok(NULL, "c1", "system.slice", "congo-c1.scope", "/system.slice/congo-c1.scope");
    parse_ok("", "c1", "system.slice", "congo-c1.scope", "/system.slice/congo-c1.scope");
    parse_ok("::", "c1", "system.slice", "congo-c1.scope", "/system.slice/congo-c1.scope");
    parse_ok(":pfx:", "c1", "system.slice", "pfx-c1.scope", "/system.slice/pfx-c1.scope");
    parse_ok("user.slice::n", "c1", "user.slice", "congo-n.scope", "/user.slice/congo-n.scope");
    /* nested slices and the root slice */
    parse_ok("a-b-c.slice:p:n", "c1", "a-b-c.slice", "p-n.scope", "/a.slice/a-b.slice/a-b-c.slice/p-n.scope");
    parse_ok("-.slice:p:n", "c1", "-.slice", "p-n.scope", "/p-n.scope");
}

static void cgroups_path_bad(void **state)
{
    (void) state;
    parse_bad("a:b", "c1", "\"slice:prefix:name\"");
    parse_bad("/congo/c1", "c1", "\"slice:prefix:name\"");
    parse_bad("a:b:c:d", "c1", "\"slice:prefix:name\"");
    parse_bad("x.slice:..:id", "c1", "`..`");
    parse_bad("x.slice:.:id", "c1", "`.`");
    parse_bad("x.slice:p:a/b", "c1", "`a/b`");
    parse_bad("x.slice:p:..", "c1", "`..`");
    parse_bad("a/b.slice:p:n", "c1", "`a/b.slice`");
    parse_bad("system:p:n", "c1", "not a slice name");
    parse_bad(".slice:p:n", "c1", "not a slice name");
    parse_bad("a--b.slice:p:n", "c1", "empty component");
    parse_bad("-a.slice:p:n", "c1", "empty component");
    parse_bad("a-.slice:p:n", "c1", "empty component");
    parse_bad("x.slice:p:a b", "c1", "character ` `");
    parse_bad("x.slice:p@:n", "c1", "character `@`");
    parse_bad("x.slice:p:n.slice", "c1", "slice of its own");
    /* a container ID congo takes but systemd does not */
    parse_bad("", "a+b", "character `+`");
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    _cleanup_free_ char *p = xasprintf("system.slice:congo:%s", longname);
    parse_bad(p, "c1", "longer than 255");
}

static void slice_paths(void **state)
{
    (void) state;
    congo_error err = CONGO_ERROR_INIT;
    char *out = NULL;
    assert_int_equal(congo_systemd_slice_path(&out, "-.slice", &err), 0);
    assert_string_equal(out, "");
    free(out);
    assert_int_equal(congo_systemd_slice_path(&out, "system.slice", &err), 0);
    assert_string_equal(out, "/system.slice");
    free(out);
    assert_int_equal(congo_systemd_slice_path(&out, "kubepods-besteffort-pod12.slice", &err), 0);
    assert_string_equal(out, "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice");
    free(out);
    assert_int_equal(congo_systemd_slice_path(&out, "system.service", &err), -EINVAL);
    congo_error_clear(&err);

    assert_string_equal(congo_systemd_unit_of_path("/system.slice/congo-x.scope"), "congo-x.scope");
    assert_null(congo_systemd_unit_of_path("/congo/x"));
    assert_null(congo_systemd_unit_of_path("/system.slice/.scope"));
    assert_null(congo_systemd_unit_of_path(NULL));
}

/* ---- marshalling ---- */

static void assert_hex(const struct dbus_buf *b, const char *hex)
{
    size_t n = strlen(hex) / 2;
    _cleanup_free_ char *got = xmalloc(b->len * 2 + 1);
    for (size_t i = 0; i < b->len; i++)
        snprintf(got + 2 * i, 3, "%02x", b->data[i]);
    got[b->len * 2] = 0;
    if (b->len != n || strcmp(got, hex) != 0)
        fail_msg("marshalled %zu bytes, expected %zu:\n got %s\nwant %s", b->len, n, got, hex);
}

/* StopUnit("congo-x.scope", "replace") as serial 7: header (12 bytes +
 * field array length), fields PATH, INTERFACE, MEMBER, DESTINATION,
 * SIGNATURE each 8-aligned, padding to 8, the body. */
static const char stop_unit_hex[] =
    "6c010001" "20000000" "07000000" "a0000000"
    "01016f00" "19000000" "2f6f72672f667265656465736b746f702f73797374656d6431" "00" "000000000000"
    "02017300" "20000000" "6f72672e667265656465736b746f702e73797374656d64312e4d616e61676572" "00" "00000000000000"
    "03017300" "08000000" "53746f70556e6974" "00" "00000000000000"
    "06017300" "18000000" "6f72672e667265656465736b746f702e73797374656d6431" "00" "00000000000000"
    "08016700" "02" "7373" "00"
    "0d000000" "636f6e676f2d782e73636f7065" "00" "0000"
    "07000000" "7265706c616365" "00";

static void marshal_stop_unit(void **state)
{
    (void) state;
    struct dbus_buf body = { 0 }, msg = { 0 };
    dbus_put_string(&body, "congo-x.scope");
    dbus_put_string(&body, "replace");
    dbus_message_call(&msg, 7, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                      "org.freedesktop.systemd1.Manager", "StopUnit", "ss", &body);
    assert_hex(&msg, stop_unit_hex);
    assert_int_equal(dbus_message_size(msg.data), msg.len);
    /* and it reads back */
    struct dbus_msg m = { 0 };
    congo_error err = CONGO_ERROR_INIT;
    assert_int_equal(dbus_message_parse(&m, msg.data, msg.len, &err), 0);
    assert_int_equal(m.type, DBUS_METHOD_CALL);
    assert_int_equal(m.serial, 7);
    assert_string_equal(m.path, "/org/freedesktop/systemd1");
    assert_string_equal(m.member, "StopUnit");
    assert_string_equal(m.signature, "ss");
    struct dbus_reader r = { .data = m.body, .len = m.body_len };
    const char *s;
    assert_int_equal(dbus_get_string(&r, &s), 0);
    assert_string_equal(s, "congo-x.scope");
    assert_int_equal(dbus_get_string(&r, &s), 0);
    assert_string_equal(s, "replace");
    assert_int_equal(r.pos, r.len);
    dbus_msg_free(&m);
    dbus_buf_free(&body);
    dbus_buf_free(&msg);
}

/* StartTransientUnit's body for pid 42 with a 64 MiB memory limit and 50
 * tasks: "ssa(sv)a(sa(sv))", each (sv) 8-aligned, the au inside its
 * variant, the empty aux array still padded to 8. */
static const char start_body_hex[] =
    "0d000000" "636f6e676f2d782e73636f7065" "00" "0000" "07000000" "7265706c616365" "00"
    "e0000000" "00000000"
    "0b000000" "4465736372697074696f6e" "00" "01" "7300" "00"
    "11000000" "636f6e676f20636f6e7461696e65722078" "00" "000000000000"
    "05000000" "536c696365" "00" "01" "7300" "000000"
    "0c000000" "73797374656d2e736c696365" "00" "00000000000000"
    "04000000" "50494473" "00" "02" "617500" "000000"
    "04000000" "2a000000"
    "08000000" "44656c6567617465" "00" "01" "6200" "01000000" "00000000"
    "13000000" "44656661756c74446570656e64656e63696573" "00" "01" "6200" "00" "00000000"
    "09000000" "4d656d6f72794d6178" "00" "01" "7400" "00000000000000" "0000000400000000"
    "08000000" "5461736b734d6178" "00" "01" "7400" "32000000" "00000000"
    "00000000" "00000000";

static void marshal_start_transient_unit(void **state)
{
    (void) state;
    struct congo_systemd_unit u = { .slice = "system.slice", .unit = "congo-x.scope" };
    oci_memory mem = { .limit = { true, 67108864 } };
    oci_resources res = { .memory = &mem, .has_pids = true, .pids_limit = { true, 50 } };
    struct dbus_buf b = { 0 };
    congo_systemd_start_body(&b, &u, "congo container x", 42, &res);
    assert_hex(&b, start_body_hex);
    dbus_buf_free(&b);
}

static void resource_properties(void **state)
{
    (void) state;
    /* unlimited values are systemd's infinity; shares become a weight;
     * quota per second rounds up to 10 ms */
    oci_memory mem = { .limit = { true, -1 }, .swap = { true, -1 }, .reservation = { true, 1 << 20 } };
    oci_cpu cpu = { .shares = { true, 1024 }, .quota = { true, 12345 }, .period = { true, 100000 } };
    oci_resources res = { .memory = &mem, .cpu = &cpu, .has_pids = true, .pids_limit = { true, -1 } };
    struct dbus_buf b = { 0 };
    congo_systemd_put_resources(&b, &res);
    struct dbus_reader r = { .data = b.data, .len = b.len };
    const char *want[] = { "MemoryMax", "MemoryLow", "MemorySwapMax", "TasksMax", "CPUWeight",
                           "CPUQuotaPeriodUSec", "CPUQuotaPerSecUSec" };
    uint64_t values[] = { UINT64_MAX, 1 << 20, UINT64_MAX, UINT64_MAX, 39, 100000, 130000 };
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        const char *name;
        uint64_t v;
        r.pos = (r.pos + 7) / 8 * 8;
        assert_int_equal(dbus_get_string(&r, &name), 0);
        assert_string_equal(name, want[i]);
        assert_int_equal(r.data[r.pos], 1);
        assert_int_equal(r.data[r.pos + 1], 't');
        r.pos += 3;
        r.pos = (r.pos + 7) / 8 * 8;
        memcpy(&v, r.data + r.pos, 8);
        r.pos += 8;
        if (v != values[i])
            fail_msg("%s = %llu, expected %llu", name, (unsigned long long) v, (unsigned long long) values[i]);
    }
    assert_int_equal(r.pos, b.len);
    dbus_buf_free(&b);
    /* swap below the limit, no limit: nothing for systemd */
    oci_memory mem2 = { .swap = { true, 100 } };
    oci_resources res2 = { .memory = &mem2 };
    congo_systemd_put_resources(&b, &res2);
    assert_int_equal(b.len, 0);
    congo_systemd_put_resources(&b, NULL);
    assert_int_equal(b.len, 0);
}

/* ---- replies ---- */

static void hex_decode(uint8_t **out, size_t *n, const char *hex)
{
    *n = strlen(hex) / 2;
    *out = xmalloc(*n);
    for (size_t i = 0; i < *n; i++)
        sscanf(hex + 2 * i, "%2hhx", &(*out)[i]);
}

/* A METHOD_RETURN to serial 7 with body "o" (a job path), the fields
 * systemd sends, and one congo does not know. */
static void parse_method_return(void **state)
{
    (void) state;
    struct dbus_buf h = { 0 }, body = { 0 };
    dbus_put_string(&body, "/org/freedesktop/systemd1/job/5");
    dbus_put_byte(&h, 'l');
    dbus_put_byte(&h, DBUS_METHOD_RETURN);
    dbus_put_byte(&h, 1);
    dbus_put_byte(&h, 1);
    dbus_put_u32(&h, (uint32_t) body.len);
    dbus_put_u32(&h, 9);
    struct dbus_array a = dbus_array_begin(&h, 8);
    dbus_put_align(&h, 8);
    dbus_put_byte(&h, 5);
    dbus_put_signature(&h, "u");
    dbus_put_u32(&h, 7);
    dbus_put_align(&h, 8);
    dbus_put_byte(&h, 7);
    dbus_put_signature(&h, "s");
    dbus_put_string(&h, ":1.50");
    dbus_put_align(&h, 8);
    dbus_put_byte(&h, 8);
    dbus_put_signature(&h, "g");
    dbus_put_signature(&h, "o");
    /* a field congo does not know (UNIX_FDS, u): skipped */
    dbus_put_align(&h, 8);
    dbus_put_byte(&h, 9);
    dbus_put_signature(&h, "u");
    dbus_put_u32(&h, 0);
    dbus_array_end(&h, a);
    dbus_put_align(&h, 8);
    for (size_t i = 0; i < body.len; i++)
        dbus_put_byte(&h, body.data[i]);

    struct dbus_msg m = { 0 };
    congo_error err = CONGO_ERROR_INIT;
    assert_int_equal(dbus_message_size(h.data), h.len);
    assert_int_equal(dbus_message_parse(&m, h.data, h.len, &err), 0);
    assert_int_equal(m.type, DBUS_METHOD_RETURN);
    assert_int_equal(m.serial, 9);
    assert_int_equal(m.reply_serial, 7);
    assert_string_equal(m.sender, ":1.50");
    assert_string_equal(m.signature, "o");
    struct dbus_reader r = { .data = m.body, .len = m.body_len };
    const char *job;
    assert_int_equal(dbus_get_string(&r, &job), 0);
    assert_string_equal(job, "/org/freedesktop/systemd1/job/5");
    dbus_msg_free(&m);

    /* truncated, or a length that runs past the end: malformed */
    assert_int_equal(dbus_message_parse(&m, h.data, h.len - 1, &err), -EBADMSG);
    congo_error_clear(&err);
    h.data[12] += 8; /* fields longer than they are */
    assert_int_equal(dbus_message_parse(&m, h.data, h.len, &err), -EBADMSG);
    congo_error_clear(&err);
    h.data[12] -= 8;
    h.data[0] = 'X'; /* foreign endianness marker */
    assert_int_equal(dbus_message_size(h.data), 0);
    dbus_buf_free(&h);
    dbus_buf_free(&body);
}

/* An ERROR reply: NoSuchUnit with its message, byte by byte. */
static const char error_hex[] =
    "6c030101" "23000000" "0a000000" "4e000000"
    "04017300" "23000000" "6f72672e667265656465736b746f702e73797374656d64312e4e6f53756368556e6974" "00" "00000000"
    "05017500" "08000000"
    "08016700" "017300" "00"
    "07017300" "05000000" "3a312e3530" "00" "0000"
    "1e000000" "556e697420636f6e676f2d782e73636f7065206e6f74206c6f616465642e" "00";

static void parse_error_reply(void **state)
{
    (void) state;
    uint8_t *data;
    size_t n;
    hex_decode(&data, &n, error_hex);
    struct dbus_msg m = { 0 };
    congo_error err = CONGO_ERROR_INIT;
    int r = dbus_message_parse(&m, data, n, &err);
    if (r < 0) {
        _cleanup_free_ char *t = congo_error_text(&err);
        fail_msg("%s (%zu bytes, header says %zu)", t, n, dbus_message_size(data));
    }
    assert_int_equal(m.type, DBUS_ERROR);
    assert_int_equal(m.reply_serial, 8);
    assert_string_equal(m.error_name, "org.freedesktop.systemd1.NoSuchUnit");
    _cleanup_free_ char *t = dbus_error_text(&m);
    assert_string_equal(t, "org.freedesktop.systemd1.NoSuchUnit: Unit congo-x.scope not loaded.");
    dbus_msg_free(&m);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cgroups_path_forms),
        cmocka_unit_test(cgroups_path_bad),
        cmocka_unit_test(slice_paths),
        cmocka_unit_test(marshal_stop_unit),
        cmocka_unit_test(marshal_start_transient_unit),
        cmocka_unit_test(resource_properties),
        cmocka_unit_test(parse_method_return),
        cmocka_unit_test(parse_error_reply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
