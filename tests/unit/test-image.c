/* Unit tests for congo-image's pure logic: reference normalisation, whiteout
 * mapping, entry path cleaning, auth challenges, USER resolution, platform
 * selection, digests. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "image/auth.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/unpack.h"
#include "image/user.h"
#include "image/whiteout.h"
#include "libcongo/json-bounds.h"
#include "libcongo/utils.h"

/* input, canonical string, registry network host, name */
static const char *const ref_table[][4] = {
    { "ubuntu", "docker.io/library/ubuntu:latest", "registry-1.docker.io", "docker.io/library/ubuntu" },
    { "ubuntu:24.04", "docker.io/library/ubuntu:24.04", "registry-1.docker.io", "docker.io/library/ubuntu" },
    { "library/ubuntu", "docker.io/library/ubuntu:latest", "registry-1.docker.io", "docker.io/library/ubuntu" },
    { "docker.io/library/ubuntu:24.04", "docker.io/library/ubuntu:24.04", "registry-1.docker.io", "docker.io/library/ubuntu" },
    { "docker.io/ubuntu", "docker.io/library/ubuntu:latest", "registry-1.docker.io", "docker.io/library/ubuntu" },
    { "index.docker.io/ubuntu", "docker.io/library/ubuntu:latest", "registry-1.docker.io", "docker.io/library/ubuntu" },
    { "someone/app", "docker.io/someone/app:latest", "registry-1.docker.io", "docker.io/someone/app" },
    { "quay.io/x/y:tag", "quay.io/x/y:tag", "quay.io", "quay.io/x/y" },
    { "quay.io/y", "quay.io/y:latest", "quay.io", "quay.io/y" },
    { "localhost/app", "localhost/app:latest", "localhost", "localhost/app" },
    { "localhost:5000/app:1", "localhost:5000/app:1", "localhost:5000", "localhost:5000/app" },
    { "host:5000/name@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "host:5000/name@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "host:5000", "host:5000/name" },
    { "127.0.0.1:5000/a/b/c:v1.2-rc_3", "127.0.0.1:5000/a/b/c:v1.2-rc_3", "127.0.0.1:5000", "127.0.0.1:5000/a/b/c" },
    { "ubuntu:24.04@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "docker.io/library/ubuntu:24.04@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "registry-1.docker.io", "docker.io/library/ubuntu" },
    { "a__b/c-d---e.f_g", "docker.io/a__b/c-d---e.f_g:latest", "registry-1.docker.io", "docker.io/a__b/c-d---e.f_g" },
    { "Registry.Example.COM/x", "Registry.Example.COM/x:latest", "Registry.Example.COM", "Registry.Example.COM/x" },
    { "[::1]:5000/x", "[::1]:5000/x:latest", "[::1]:5000", "[::1]:5000/x" },
    { "my-registry.local:443/team/app:TAG", "my-registry.local:443/team/app:TAG", "my-registry.local:443", "my-registry.local:443/team/app" },
};

static void reference_normalisation_table(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(ref_table); i++) {
        struct image_ref r = { 0 };
        congo_error err = CONGO_ERROR_INIT;
        if (image_ref_parse(&r, ref_table[i][0], &err) < 0)
            fail_msg("`%s`: %s", ref_table[i][0], err.msg);
        _cleanup_free_ char *s = image_ref_string(&r), *n = image_ref_name(&r);
        if (strcmp(s, ref_table[i][1]) != 0)
            fail_msg("`%s`: got `%s`, expected `%s`", ref_table[i][0], s, ref_table[i][1]);
        assert_string_equal(image_ref_registry_host(&r), ref_table[i][2]);
        assert_string_equal(n, ref_table[i][3]);
        image_ref_free(&r);
    }
}

/* input, a part of the expected error */
static const char *const bad_refs[][2] = {
    { "", "empty image name" },
    { "Ubuntu", "must be lowercase" },
    { "ubuntu:", "tag ``" },
    { "ubuntu:-x", "tag `-x`" },
    { "ubuntu:a/b", "registry `ubuntu:a` is not HOST[:PORT]" },
    { "ubuntu@sha256:abc", "not sha256: and 64 lowercase hex digits" },
    { "ubuntu@md5:0123", "unsupported digest algorithm `md5`" },
    { "ubuntu@", "digest `` is not ALGORITHM:HEX" },
    { "a//b", "path component ``" },
    { "a/b/", "path component ``" },
    { "_a/b", "path component `_a`" },
    { "a.-b", "path component `a.-b`" },
    { "host:port/x", "registry `host:port`" },
    { "-host.com/x", "registry `-host.com`" },
    { "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "cannot be 64 hex digits" },
    { "ubuntu:01234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890",
      "1 to 128" },
};

static void reference_errors(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(bad_refs); i++) {
        struct image_ref r = { 0 };
        congo_error err = CONGO_ERROR_INIT;
        if (image_ref_parse(&r, bad_refs[i][0], &err) == 0)
            fail_msg("`%s` was accepted", bad_refs[i][0]);
        if (!strstr(err.msg, bad_refs[i][1]))
            fail_msg("`%s`: message `%s` lacks `%s`", bad_refs[i][0], err.msg, bad_refs[i][1]);
        assert_null(r.domain);
        congo_error_clear(&err);
    }
}

static void loopback_hosts(void **state)
{
    assert_true(image_host_is_loopback("localhost"));
    assert_true(image_host_is_loopback("localhost:5000"));
    assert_true(image_host_is_loopback("127.0.0.1:5000"));
    assert_true(image_host_is_loopback("127.1.2.3"));
    assert_true(image_host_is_loopback("[::1]:80"));
    assert_false(image_host_is_loopback("127.0.0.1.evil.com"));
    assert_false(image_host_is_loopback("localhost.evil.com"));
    assert_false(image_host_is_loopback("10.0.0.1:5000"));
    assert_false(image_host_is_loopback("registry-1.docker.io"));
}

static void whiteout_classification(void **state)
{
    const char *t = NULL;
    assert_int_equal(whiteout_classify("file", &t), WHITEOUT_NONE);
    assert_int_equal(whiteout_classify(".whfile", &t), WHITEOUT_NONE);
    assert_int_equal(whiteout_classify(".wh.file", &t), WHITEOUT_FILE);
    assert_string_equal(t, "file");
    assert_int_equal(whiteout_classify(".wh..hidden", &t), WHITEOUT_FILE);
    assert_string_equal(t, ".hidden");
    assert_int_equal(whiteout_classify(".wh..wh..opq", &t), WHITEOUT_OPAQUE_DIR);
    assert_int_equal(whiteout_classify(".wh..wh.plnk", &t), WHITEOUT_META);
    assert_int_equal(whiteout_classify(".wh..wh.aufs", &t), WHITEOUT_META);
    assert_int_equal(whiteout_classify(".wh.", &t), WHITEOUT_INVALID);
    assert_int_equal(whiteout_classify(".wh..", &t), WHITEOUT_INVALID);
    assert_int_equal(whiteout_classify(".wh...", &t), WHITEOUT_INVALID);
}

static void whiteout_mapping_is_order_independent(void **state)
{
    /* .wh.NAME with nothing there: a 0/0 device. */
    assert_int_equal(whiteout_action_for_whiteout(EXISTING_NONE), ACTION_MKNOD_WHITEOUT);
    /* .wh.NAME after a directory NAME of the same layer: the directory is opaque. */
    assert_int_equal(whiteout_action_for_whiteout(EXISTING_DIR), ACTION_SET_OPAQUE);
    /* .wh.NAME after a file NAME of the same layer: the file stays. */
    assert_int_equal(whiteout_action_for_whiteout(EXISTING_OTHER), ACTION_NOTHING);
    assert_int_equal(whiteout_action_for_whiteout(EXISTING_WHITEOUT), ACTION_NOTHING);
    /* A directory NAME after .wh.NAME: the same opaque directory as above. */
    assert_int_equal(whiteout_action_for_entry(EXISTING_WHITEOUT, 1), ACTION_REMOVE | ACTION_CREATE | ACTION_SET_OPAQUE);
    /* A file NAME after .wh.NAME: the same file as above. */
    assert_int_equal(whiteout_action_for_entry(EXISTING_WHITEOUT, 0), ACTION_REMOVE | ACTION_CREATE);
    assert_int_equal(whiteout_action_for_entry(EXISTING_NONE, 0), ACTION_CREATE);
    assert_int_equal(whiteout_action_for_entry(EXISTING_DIR, 1), ACTION_MERGE);
    assert_int_equal(whiteout_action_for_entry(EXISTING_DIR, 0), ACTION_REMOVE | ACTION_CREATE);
    assert_int_equal(whiteout_action_for_entry(EXISTING_OTHER, 1), ACTION_REMOVE | ACTION_CREATE);
}

static void entry_paths(void **state)
{
    static const char *const ok[][2] = {
        { "a/b", "a/b" }, { "./a/b/", "a/b" }, { "/etc/passwd", "etc/passwd" }, { "a//b///c", "a/b/c" },
        { "./", "." }, { "/", "." }, { ".", "." }, { "a/./b", "a/b" }, { "..a/b..", "..a/b.." }, { "...", "..." },
    };
    static const char *const bad[] = { "..", "../x", "a/../b", "a/..", "/../etc", "./../x" };
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        char *out = NULL;
        congo_error err = CONGO_ERROR_INIT;
        assert_int_equal(layer_path_clean(ok[i][0], &out, &err), 0);
        assert_string_equal(out, ok[i][1]);
        free(out);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *out = NULL;
        congo_error err = CONGO_ERROR_INIT;
        if (layer_path_clean(bad[i], &out, &err) == 0)
            fail_msg("`%s` was accepted as `%s`", bad[i], out);
        congo_error_clear(&err);
    }
}

static void auth_challenges(void **state)
{
    struct auth_challenge c = { 0 };
    congo_error err = CONGO_ERROR_INIT;
    assert_int_equal(auth_challenge_parse(&c, "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                                              "scope=\"repository:library/ubuntu:pull\"", &err), 0);
    assert_int_equal(c.scheme, AUTH_SCHEME_BEARER);
    assert_string_equal(c.realm, "https://auth.docker.io/token");
    assert_string_equal(c.service, "registry.docker.io");
    assert_string_equal(c.scope, "repository:library/ubuntu:pull");
    auth_challenge_free(&c);
    assert_int_equal(auth_challenge_parse(&c, "bearer  Realm = \"a\\\"b\" , error=insufficient_scope", &err), 0);
    assert_int_equal(c.scheme, AUTH_SCHEME_BEARER);
    assert_string_equal(c.realm, "a\"b");
    assert_string_equal(c.error, "insufficient_scope");
    assert_null(c.service);
    auth_challenge_free(&c);
    assert_int_equal(auth_challenge_parse(&c, "Basic realm=\"Registry Realm\"", &err), 0);
    assert_int_equal(c.scheme, AUTH_SCHEME_BASIC);
    assert_string_equal(c.realm, "Registry Realm");
    auth_challenge_free(&c);
    assert_int_equal(auth_challenge_parse(&c, "Negotiate abc==", &err), 0);
    assert_int_equal(c.scheme, AUTH_SCHEME_OTHER);
    auth_challenge_free(&c);
    assert_true(auth_challenge_parse(&c, "Bearer realm=\"unterminated", &err) < 0);
    assert_non_null(strstr(err.msg, "unterminated"));
    congo_error_clear(&err);
    assert_true(auth_challenge_parse(&c, "", &err) < 0);
    congo_error_clear(&err);
}

static void basic_credentials(void **state)
{
    struct auth_creds c = { 0 };
    congo_error err = CONGO_ERROR_INIT;
    assert_int_equal(auth_creds_parse(&c, "user:pa:ss", &err), 0);
    assert_string_equal(c.user, "user");
    assert_string_equal(c.pass, "pa:ss");
    _cleanup_free_ char *b = auth_basic_value(&c);
    assert_string_equal(b, "dXNlcjpwYTpzcw==");
    auth_creds_free(&c);
    assert_true(auth_creds_parse(&c, "nopassword", &err) < 0);
    congo_error_clear(&err);
}

static const char passwd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# comment\n"
    "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
    "app:x:1000:1001:App:/home/app:/bin/sh\n"
    "broken line\n";
static const char group[] =
    "root:x:0:\n"
    "app:x:1001:\n"
    "web:x:33:app,daemon\n"
    "audio:x:29:daemon,app\n"
    "self:x:1001:app\n";

static void user_resolution(void **state)
{
    struct resolved_user u = { 0 };
    congo_error err = CONGO_ERROR_INIT;

    assert_int_equal(user_resolve_text(passwd, group, "", &u, &err), 0);
    assert_int_equal(u.uid, 0);
    assert_int_equal(u.gid, 0);
    assert_string_equal(u.home, "/root");
    resolved_user_free(&u);

    assert_int_equal(user_resolve_text(passwd, group, "app", &u, &err), 0);
    assert_int_equal(u.uid, 1000);
    assert_int_equal(u.gid, 1001);
    assert_int_equal(u.n_gids, 2); /* web, audio; not its primary group again */
    assert_int_equal(u.gids[0], 33);
    assert_int_equal(u.gids[1], 29);
    resolved_user_free(&u);

    assert_int_equal(user_resolve_text(passwd, group, "1000:web", &u, &err), 0);
    assert_int_equal(u.uid, 1000);
    assert_int_equal(u.gid, 33);
    resolved_user_free(&u);

    assert_int_equal(user_resolve_text(passwd, group, "4242:4343", &u, &err), 0);
    assert_int_equal(u.uid, 4242);
    assert_int_equal(u.gid, 4343);
    assert_null(u.name);
    assert_int_equal(u.n_gids, 0);
    resolved_user_free(&u);

    assert_int_equal(user_resolve_text(NULL, NULL, "4242", &u, &err), 0);
    assert_int_equal(u.gid, 0);
    resolved_user_free(&u);

    assert_true(user_resolve_text(passwd, group, "nobody", &u, &err) < 0);
    assert_string_equal(err.msg, "user `nobody` is not in the image's /etc/passwd");
    congo_error_clear(&err);
    assert_true(user_resolve_text(NULL, NULL, "app", &u, &err) < 0);
    assert_non_null(strstr(err.msg, "the image has none"));
    congo_error_clear(&err);
    assert_true(user_resolve_text(passwd, group, "app:nogroup", &u, &err) < 0);
    assert_string_equal(err.msg, "group `nogroup` is not in the image's /etc/group");
    congo_error_clear(&err);
    assert_true(user_resolve_text(passwd, group, "app:", &u, &err) < 0);
    congo_error_clear(&err);
    assert_true(user_resolve_text(passwd, group, ":1", &u, &err) < 0);
    congo_error_clear(&err);
    /* Out of range ids are names, and no such name exists. */
    assert_true(user_resolve_text(passwd, group, "4294967296", &u, &err) < 0);
    congo_error_clear(&err);
}

static const char index_json[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":1,"
    "\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
    "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":1,"
    "\"digest\":\"sha256:2222222222222222222222222222222222222222222222222222222222222222\","
    "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":1,"
    "\"digest\":\"sha256:3333333333333333333333333333333333333333333333333333333333333333\","
    "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":1,"
    "\"digest\":\"sha256:4444444444444444444444444444444444444444444444444444444444444444\","
    "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":1,"
    "\"digest\":\"sha256:5555555555555555555555555555555555555555555555555555555555555555\","
    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";

static const char *pick(const struct manifest_doc *m, const char *p)
{
    struct platform want = { 0 };
    congo_error err = CONGO_ERROR_INIT;
    const struct descriptor *d = NULL;
    static char last[DIGEST_LEN + 1];
    assert_int_equal(platform_parse(&want, p, &err), 0);
    if (index_select(m, &want, &d, &err) < 0) {
        snprintf(last, sizeof last, "%s", err.msg);
        congo_error_clear(&err);
    } else {
        snprintf(last, sizeof last, "%c", d->digest[7]);
    }
    platform_free(&want);
    return last;
}

static void platform_selection(void **state)
{
    struct manifest_doc m = { 0 };
    congo_error err = CONGO_ERROR_INIT;
    assert_int_equal(manifest_parse(&m, index_json, strlen(index_json), NULL, "index", &err), 0);
    assert_int_equal(m.kind, MANIFEST_KIND_INDEX);
    assert_string_equal(pick(&m, "linux/amd64"), "5");
    assert_string_equal(pick(&m, "linux/arm/v7"), "2");
    assert_string_equal(pick(&m, "linux/arm/v6"), "1");
    assert_string_equal(pick(&m, "linux/arm64/v8"), "4"); /* no variant in the index means v8 */
    assert_string_equal(pick(&m, "linux/arm64"), "4");
    assert_non_null(strstr(pick(&m, "linux/s390x"), "no image for platform"));
    manifest_doc_free(&m);
    struct platform p = { 0 };
    assert_true(platform_parse(&p, "linux", &err) < 0);
    congo_error_clear(&err);
    assert_true(platform_parse(&p, "linux/", &err) < 0);
    congo_error_clear(&err);
    assert_true(platform_parse(&p, "linux/arm/v7/x", &err) < 0);
    congo_error_clear(&err);
}

static void manifests_refused(void **state)
{
    struct manifest_doc m = { 0 };
    congo_error err = CONGO_ERROR_INIT;
    const char *s1 = "{\"schemaVersion\":1,\"fsLayers\":[]}";
    const char *badlayer = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                           "\"config\":{\"mediaType\":\"x\",\"size\":1,\"digest\":\"sha256:"
                           "1111111111111111111111111111111111111111111111111111111111111111\"},"
                           "\"layers\":[{\"mediaType\":\"application/x-evil\",\"size\":1,\"digest\":\"sha256:"
                           "1111111111111111111111111111111111111111111111111111111111111111\"}]}";
    const char *baddigest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                            "\"config\":{\"mediaType\":\"x\",\"size\":1,\"digest\":\"sha256:../../etc/passwd\"},"
                            "\"layers\":[]}";
    assert_true(manifest_parse(&m, s1, strlen(s1), NULL, "m", &err) < 0);
    assert_non_null(strstr(err.msg, "schema 1"));
    congo_error_clear(&err);
    assert_true(manifest_parse(&m, badlayer, strlen(badlayer), NULL, "m", &err) < 0);
    assert_non_null(strstr(err.msg, "layers[0].mediaType: `application/x-evil`"));
    congo_error_clear(&err);
    assert_true(manifest_parse(&m, baddigest, strlen(baddigest), NULL, "m", &err) < 0);
    assert_non_null(strstr(err.msg, "config.digest: `sha256:../../etc/passwd` is not a digest"));
    congo_error_clear(&err);
}

static void digests(void **state)
{
    char d[DIGEST_LEN + 1];
    digest_buffer("", 0, d);
    assert_string_equal(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_true(digest_valid(d));
    assert_false(digest_valid("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
    assert_false(digest_valid("sha256:e3b0"));
    assert_false(digest_valid("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    assert_false(digest_valid(NULL));
}

/* ------------------------------------------------------------------------ */
/* Input bounds (issue 13), each at the bound and one past it. */

static char *nested(const char *open_prefix, int depth, const char *close_suffix)
{
    size_t pl = strlen(open_prefix), sl = strlen(close_suffix);
    char *r = xmalloc(pl + 2 * (size_t) depth + sl + 1), *w = r;
    memcpy(w, open_prefix, pl);
    w += pl;
    memset(w, '[', depth);
    w += depth;
    memset(w, ']', depth);
    w += depth;
    memcpy(w, close_suffix, sl + 1);
    return r;
}

static void json_depth_scan(void **state)
{
    static const struct { const char *doc; size_t depth; } cases[] = {
        { "", 0 }, { "1", 0 }, { "[]", 1 }, { "{\"a\":[{}]}", 3 }, { "[\"[[[[\"]", 1 }, { "[\"\\\"[[[\"]", 1 },
        { "[\"\\\\\",[[]]]", 3 }, { "]]][[[", 0 }, { "[[]][[[[[[", 6 } /* an upper bound: yajl refuses the second value */, { "{\"k[\":{\"}\":[]}}", 3 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        if (congo_json_depth(cases[i].doc, strlen(cases[i].doc)) != cases[i].depth)
            fail_msg("`%s`: depth %zu, expected %zu", cases[i].doc, congo_json_depth(cases[i].doc, strlen(cases[i].doc)),
                     cases[i].depth);
    (void) state;
}

static void json_document_bounds(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    yajl_val v = NULL;
    char *doc;

    /* Depth: 200 levels parse, 201 are refused before yajl builds a tree;
     * 300000 (a stack overflow in yajl's tree free before) too. */
    doc = nested("", 200, "");
    assert_int_equal(json_parse(&v, doc, "d", &err), 0);
    yajl_tree_free(v);
    free(doc);
    doc = nested("", 201, "");
    assert_int_equal(json_parse(&v, doc, "d", &err), -EINVAL);
    assert_string_equal(err.msg, "d: JSON nested deeper than the limit of 200 levels");
    congo_error_clear(&err);
    free(doc);
    doc = nested("", 300000, "");
    assert_int_equal(json_parse(&v, doc, "index.json", &err), -EINVAL);
    congo_error_clear(&err);
    free(doc);
    /* Unbalanced: still refused by the scan (yajl would have built it). */
    doc = nested("", 300000, "");
    doc[300000] = '\0';
    assert_int_equal(json_parse(&v, doc, "d", &err), -EINVAL);
    assert_non_null(strstr(err.msg, "nested deeper"));
    congo_error_clear(&err);
    free(doc);

    /* Size: the limit given, or CONGO_JSON_MAX_SIZE. */
    doc = xmalloc(CONGO_JSON_MAX_SIZE + 2);
    memset(doc, ' ', CONGO_JSON_MAX_SIZE + 1);
    memcpy(doc, "{}", 2);
    doc[CONGO_JSON_MAX_SIZE] = '\0';
    assert_int_equal(json_parse(&v, doc, "d", &err), 0);
    yajl_tree_free(v);
    doc[CONGO_JSON_MAX_SIZE] = ' ';
    doc[CONGO_JSON_MAX_SIZE + 1] = '\0';
    assert_int_equal(json_parse(&v, doc, "d", &err), -EFBIG);
    assert_string_equal(err.msg, "d: 67108865 bytes, more than the limit of 67108864 bytes");
    congo_error_clear(&err);
    doc[1000] = '\0';
    assert_int_equal(json_parse_max(&v, doc, 1000, "token response", &err), 0);
    yajl_tree_free(v);
    doc[1000] = ' ';
    doc[1001] = '\0';
    assert_int_equal(json_parse_max(&v, doc, 1000, "token response", &err), -EFBIG);
    assert_string_equal(err.msg, "token response: 1001 bytes, more than the limit of 1000 bytes");
    congo_error_clear(&err);
    free(doc);
    (void) state;
}

#define DIGEST_1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"

/* A manifest with n layers, padded with spaces to `size` bytes when larger. */
static char *manifest_with_layers(size_t n, size_t size, size_t *len)
{
    const char *head = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                       "\"config\":{\"mediaType\":\"x\",\"size\":1,\"digest\":\"" DIGEST_1 "\"},\"layers\":[";
    const char *layer = "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"size\":1,\"digest\":\"" DIGEST_1
                        "\"}";
    size_t hl = strlen(head), ll = strlen(layer), total = hl + n * (ll + 1) + 2;
    char *r = xmalloc((size > total ? size : total) + 1), *w = r;
    memcpy(w, head, hl);
    w += hl;
    for (size_t i = 0; i < n; i++) {
        if (i)
            *w++ = ',';
        memcpy(w, layer, ll);
        w += ll;
    }
    *w++ = ']';
    *w++ = '}';
    while ((size_t) (w - r) < size)
        *w++ = ' ';
    *w = '\0';
    *len = w - r;
    return r;
}

static void manifest_bounds(void **state)
{
    struct manifest_doc m = { 0 };
    congo_error err = CONGO_ERROR_INIT;
    size_t len;
    char *doc;

    doc = manifest_with_layers(MANIFEST_MAX_LAYERS, 0, &len);
    assert_int_equal(manifest_parse(&m, doc, len, NULL, "m", &err), 0);
    assert_int_equal(m.n_layers, MANIFEST_MAX_LAYERS);
    manifest_doc_free(&m);
    free(doc);
    doc = manifest_with_layers(MANIFEST_MAX_LAYERS + 1, 0, &len);
    assert_true(manifest_parse(&m, doc, len, NULL, "m", &err) < 0);
    assert_string_equal(err.msg, "m: layers: 501 entries, more than the limit of 500");
    congo_error_clear(&err);
    free(doc);

    doc = manifest_with_layers(1, MANIFEST_MAX_SIZE, &len);
    assert_int_equal(manifest_parse(&m, doc, len, NULL, "m", &err), 0);
    manifest_doc_free(&m);
    free(doc);
    doc = manifest_with_layers(1, MANIFEST_MAX_SIZE + 1, &len);
    assert_int_equal(manifest_parse(&m, doc, len, NULL, "m", &err), -EFBIG);
    congo_error_clear(&err);
    free(doc);

    doc = nested("{\"schemaVersion\":2,\"x\":", 199, "}");
    assert_true(manifest_parse(&m, doc, strlen(doc), NULL, "m", &err) < 0);
    assert_null(strstr(err.msg, "nested deeper")); /* refused for what it is, not its depth */
    congo_error_clear(&err);
    free(doc);
    doc = nested("{\"schemaVersion\":2,\"x\":", 200, "}");
    assert_int_equal(manifest_parse(&m, doc, strlen(doc), NULL, "m", &err), -EINVAL);
    assert_string_equal(err.msg, "m: JSON nested deeper than the limit of 200 levels");
    congo_error_clear(&err);
    free(doc);
    (void) state;
}

static void image_config_bounds(void **state)
{
    struct image_config c = { 0 };
    congo_error err = CONGO_ERROR_INIT;

    for (size_t n = MANIFEST_MAX_LAYERS; n <= MANIFEST_MAX_LAYERS + 1; n++) {
        size_t el = strlen(DIGEST_1) + 3;
        char *doc = xmalloc(100 + n * el), *w = doc;
        w += sprintf(w, "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[");
        for (size_t i = 0; i < n; i++)
            w += sprintf(w, "%s\"%s\"", i ? "," : "", DIGEST_1);
        strcpy(w, "]}}");
        int r = image_config_parse(&c, doc, "config", &err);
        if (n == MANIFEST_MAX_LAYERS) {
            assert_int_equal(r, 0);
            assert_int_equal(c.n_diff_ids, n);
            image_config_free(&c);
        } else {
            assert_true(r < 0);
            assert_string_equal(err.msg, "config: rootfs.diff_ids: 501 entries, more than the limit of 500");
            congo_error_clear(&err);
        }
        free(doc);
    }
    char *big = xmalloc(CONFIG_MAX_SIZE + 2);
    const char *cfg = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
    memset(big, ' ', CONFIG_MAX_SIZE + 1);
    memcpy(big, cfg, strlen(cfg));
    big[CONFIG_MAX_SIZE] = '\0';
    assert_int_equal(image_config_parse(&c, big, "config", &err), 0);
    image_config_free(&c);
    big[CONFIG_MAX_SIZE] = ' ';
    big[CONFIG_MAX_SIZE + 1] = '\0';
    assert_int_equal(image_config_parse(&c, big, "config", &err), -EFBIG);
    congo_error_clear(&err);
    free(big);
    (void) state;
}

/* The credentials file: 4 MiB and 200 levels. */
static void auth_file_bounds(void **state)
{
    char path[] = "/tmp/congo-auth-test.XXXXXX";
    const char *good = "{\"auths\":{\"r.example\":{\"auth\":\"dTpw\"}}}";
    struct auth_creds c = { 0 };
    congo_error err = CONGO_ERROR_INIT;
    bool found;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    setenv("REGISTRY_AUTH_FILE", path, 1);
    for (size_t size = 4u << 20; size <= (4u << 20) + 1; size++) {
        char *doc = xmalloc(size);
        memset(doc, ' ', size);
        memcpy(doc, good, strlen(good));
        assert_int_equal(pwrite(fd, doc, size, 0), (ssize_t) size);
        free(doc);
        int r = auth_creds_lookup(&c, "r.example", &found, &err);
        if (size == 4u << 20) {
            assert_int_equal(r, 0);
            assert_true(found);
            assert_string_equal(c.user, "u");
            auth_creds_free(&c);
        } else {
            assert_true(r < 0);
            assert_non_null(strstr(err.msg, "larger than"));
            congo_error_clear(&err);
        }
    }
    char *deep = nested("{\"auths\":", 300000, "}");
    assert_int_equal(ftruncate(fd, 0), 0);
    assert_int_equal(pwrite(fd, deep, strlen(deep), 0), (ssize_t) strlen(deep));
    assert_true(auth_creds_lookup(&c, "r.example", &found, &err) < 0);
    _cleanup_free_ char *want = xasprintf("%s: JSON nested deeper than the limit of 200 levels", path);
    assert_string_equal(err.msg, want);
    congo_error_clear(&err);
    free(deep);
    unsetenv("REGISTRY_AUTH_FILE");
    close(fd);
    unlink(path);
    (void) state;
}

static void entry_path_bounds(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    char *out = NULL;
    char *p = xmalloc(LAYER_PATH_MAX + 10);

    /* Components: 255 bytes, then 256. */
    memset(p, 'a', 256);
    p[255] = '\0';
    assert_int_equal(layer_path_clean(p, &out, &err), 0);
    free(out);
    p[255] = 'a';
    p[256] = '\0';
    assert_int_equal(layer_path_clean(p, &out, &err), -ENAMETOOLONG);
    assert_string_equal(err.msg, "a component of 256 bytes, more than the limit of 255");
    congo_error_clear(&err);
    /* Paths: 4095 bytes after cleaning (leading `./` and `//` do not count), then 4096. */
    strcpy(p, ".//");
    for (size_t i = 3; i < LAYER_PATH_MAX + 3; i++)
        p[i] = i % 100 == 0 ? '/' : 'b';
    p[LAYER_PATH_MAX + 3] = '\0';
    assert_int_equal(layer_path_clean(p, &out, &err), 0);
    assert_int_equal(strlen(out), LAYER_PATH_MAX);
    free(out);
    p[LAYER_PATH_MAX + 3] = 'b';
    p[LAYER_PATH_MAX + 4] = '\0';
    assert_int_equal(layer_path_clean(p, &out, &err), -ENAMETOOLONG);
    assert_string_equal(err.msg, "a path of 4096 bytes, more than the limit of 4095");
    congo_error_clear(&err);
    free(p);
    (void) state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_normalisation_table),
        cmocka_unit_test(reference_errors),
        cmocka_unit_test(loopback_hosts),
        cmocka_unit_test(whiteout_classification),
        cmocka_unit_test(whiteout_mapping_is_order_independent),
        cmocka_unit_test(entry_paths),
        cmocka_unit_test(auth_challenges),
        cmocka_unit_test(basic_credentials),
        cmocka_unit_test(user_resolution),
        cmocka_unit_test(platform_selection),
        cmocka_unit_test(manifests_refused),
        cmocka_unit_test(digests),
        cmocka_unit_test(json_depth_scan),
        cmocka_unit_test(json_document_bounds),
        cmocka_unit_test(manifest_bounds),
        cmocka_unit_test(image_config_bounds),
        cmocka_unit_test(auth_file_bounds),
        cmocka_unit_test(entry_path_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
