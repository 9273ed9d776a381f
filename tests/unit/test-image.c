/* Unit tests for congo-image's pure logic: reference normalisation, whiteout
 * mapping, entry path cleaning, auth challenges, USER resolution, platform
 * selection, digests. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "image/auth.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/unpack.h"
#include "image/user.h"
#include "image/whiteout.h"
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
