/* Unit tests of the CNI front end: -p parsing, CIDRs, conflist checks, and
 * the plugin protocol (chaining, prevResult, runtimeConfig, errors, DEL
 * order) with shell-script plugins. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "network/cni.h"
#include "network/netconf.h"
#include "network/setup.h"
#include "libcongo/utils.h"

static void test_publish(void **state)
{
    (void) state;
    congo_error err = CONGO_ERROR_INIT;
    char *j = NULL;
    assert_int_equal(net_parse_publish(&j, "8080:80", &err), 0);
    assert_string_equal(j, "{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}");
    free(j);
    assert_int_equal(net_parse_publish(&j, "127.0.0.1:53:5353/udp", &err), 0);
    assert_string_equal(j, "{\"hostPort\":53,\"containerPort\":5353,\"protocol\":\"udp\",\"hostIP\":\"127.0.0.1\"}");
    free(j);
    const char *bad[][2] = {
        { "80", "expected [IP:]HOSTPORT:CONTAINERPORT" }, { "1:2:3:4", "expected [IP:]HOSTPORT" },
        { "65536:80", "host port `65536`" },               { "80:0", "container port `0`" },
        { "x:80", "host port `x`" },                       { "80:80/sctp", "protocol `sctp`" },
        { "1.2.3:80:80", "host IP `1.2.3`" },              { "-1:80", "host port `-1`" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_true(net_parse_publish(&j, bad[i][0], &err) < 0);
        assert_non_null(strstr(err.msg, bad[i][1]));
        assert_non_null(strstr(err.msg, bad[i][0]));
        congo_error_clear(&err);
    }
}

static void test_cidr(void **state)
{
    (void) state;
    uint32_t a;
    int p;
    assert_int_equal(netconf_parse_cidr("10.77.0.0/16", &a, &p), 0);
    assert_int_equal(a, 0x0a4d0000);
    assert_int_equal(p, 16);
    assert_true(netconf_parse_cidr("10.77.0.0", &a, &p) < 0);
    assert_true(netconf_parse_cidr("10.77.0.0/33", &a, &p) < 0);
    assert_true(netconf_parse_cidr("10.77.0.256/8", &a, &p) < 0);
    assert_true(netconf_parse_cidr("10.77.0.0/", &a, &p) < 0);
}

static void test_conflist_checks(void **state)
{
    (void) state;
    congo_error err = CONGO_ERROR_INIT;
    struct cni_net *n = NULL;
    const char *bad[][2] = {
        { "{", "invalid JSON" },
        { "[]", "expected a JSON object" },
        { "{\"cniVersion\":\"1.0.0\",\"plugins\":[{\"type\":\"bridge\"}]}", "name" },
        { "{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"plugins\":[]}", "plugins: expected a non-empty array" },
        { "{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"plugins\":[{\"type\":\"../bin/sh\"}]}", "plugins[0].type" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_true(cni_net_parse(&n, "/etc/x.conflist", bad[i][0], &err) < 0);
        assert_non_null(strstr(err.msg, "/etc/x.conflist"));
        assert_non_null(strstr(err.msg, bad[i][1]));
        congo_error_clear(&err);
    }
}

/* A plugin that records its stdin and environment, then answers. */
static char dir[64];

static void write_plugin(const char *name, const char *body)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\ncat > %s/$CNI_COMMAND-%s.in\necho \"$CNI_CONTAINERID $CNI_NETNS $CNI_IFNAME $CNI_ARGS\" > "
               "%s/$CNI_COMMAND-%s.env\necho $CNI_COMMAND-%s >> %s/order\n%s\n",
            dir, name, dir, name, name, dir, body);
    fclose(f);
    chmod(path, 0755);
}

static char *slurp(const char *name)
{
    char path[128], *text = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(read_file_at(AT_FDCWD, path, 0, &text, NULL, NULL), 0);
    return text;
}

static void test_chain(void **state)
{
    (void) state;
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_cni_net_ struct cni_net *n = NULL;
    char *result = NULL, *in, *env;
    yajl_val rc = yajl_tree_parse("{\"portMappings\":[{\"hostPort\":1,\"containerPort\":2}],\"mac\":\"x\"}", NULL, 0);
    struct cni_runtime rt = { .container_id = "c1", .netns = "/run/netns/c1", .ifname = "eth0", .cni_path = dir,
                              .args = "IP=10.0.0.5", .runtime_config = rc };

    strcpy(dir, "/tmp/congo-cni-unit.XXXXXX");
    assert_non_null(mkdtemp(dir));
    write_plugin("first", "echo '{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.5/24\"}]}'");
    write_plugin("second", "echo '{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.5/24\"}],\"by\":\"second\"}'");
    assert_int_equal(cni_net_parse(&n, "t.conflist",
                                   "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"first\",\"k\":1},"
                                   "{\"type\":\"second\",\"capabilities\":{\"portMappings\":true}}]}",
                                   &err),
                     0);
    assert_int_equal(cni_add(&result, n, &rt, &err), 0);
    assert_non_null(strstr(result, "\"by\":\"second\""));
    /* The first gets name, version, its own keys, no prevResult and no runtimeConfig. */
    in = slurp("ADD-first.in");
    assert_non_null(strstr(in, "\"cniVersion\":\"1.0.0\""));
    assert_non_null(strstr(in, "\"name\":\"net\""));
    assert_non_null(strstr(in, "\"k\":1"));
    assert_null(strstr(in, "prevResult"));
    assert_null(strstr(in, "runtimeConfig"));
    free(in);
    /* The second: the first's result, and only the capability it declares. */
    in = slurp("ADD-second.in");
    assert_non_null(strstr(in, "\"prevResult\":{\"cniVersion\":\"1.0.0\",\"ips\""));
    assert_non_null(strstr(in, "\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":1,\"containerPort\":2}]}"));
    assert_null(strstr(in, "\"mac\""));
    free(in);
    env = slurp("ADD-second.env");
    assert_string_equal(env, "c1 /run/netns/c1 eth0 IP=10.0.0.5\n");
    free(env);
    /* DEL: reverse order, every plugin with the ADD's result. */
    assert_int_equal(cni_del(n, &rt, result, &err), 0);
    in = slurp("DEL-first.in");
    assert_non_null(strstr(in, "\"by\":\"second\""));
    free(in);
    in = slurp("order");
    assert_string_equal(in, "ADD-first\nADD-second\nDEL-second\nDEL-first\n");
    free(in);
    free(result);

    /* A failing plugin: its error object's msg and details, and the chain is deleted again. */
    write_plugin("second", "echo '{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"no address\",\"details\":\"pool empty\"}'; exit 1");
    unlink(strcat(strcpy((char[128]){ 0 }, dir), "/order"));
    result = NULL;
    assert_true(cni_add(&result, n, &rt, &err) < 0);
    assert_null(result);
    assert_non_null(strstr(err.msg, "network `net` (t.conflist): plugins[1]: plugin `second` ADD: no address: pool empty"));
    assert_non_null(strstr(err.msg, "code 11"));
    congo_error_clear(&err);
    in = slurp("order");
    assert_string_equal(in, "ADD-first\nADD-second\nDEL-second\nDEL-first\n");
    free(in);

    /* A plugin that is not there. */
    assert_int_equal(cni_net_check_plugins(n, dir, &err), 0);
    rt.cni_path = "/nonexistent";
    assert_true(cni_net_check_plugins(n, "/nonexistent", &err) < 0);
    assert_non_null(strstr(err.msg, "plugin `first` not found in the CNI path `/nonexistent`"));
    congo_error_clear(&err);
    yajl_tree_free(rc);
    rm_rf_at(AT_FDCWD, dir, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_conflist_checks),
        cmocka_unit_test(test_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
