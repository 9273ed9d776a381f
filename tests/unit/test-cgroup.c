/* Unit tests for the pure parts of the cgroup module: path resolution and
 * validation, and the v1/v2 value translations. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "libcongo/cgroup-internal.h"
#include "libcongo/cgroup.h"
#include "libcongo/log.h"
#include "libcongo/utils.h"

#include <linux/bpf.h>

static char *join_ok(const char *base, const char *path, const char *id)
{
    congo_error err = CONGO_ERROR_INIT;
    char *out = NULL;
    int r = congo_cgroup_path_join(&out, base, path, id, &err);
    if (r < 0) {
        _cleanup_free_ char *t = congo_error_text(&err);
        fail_msg("unexpected error: %s", t);
    }
    return out;
}

static char *join_err(const char *base, const char *path, const char *id, int want)
{
    congo_error err = CONGO_ERROR_INIT;
    char *out = NULL;
    assert_int_equal(congo_cgroup_path_join(&out, base, path, id, &err), -want);
    assert_null(out);
    char *t = congo_error_text(&err);
    congo_error_clear(&err);
    return t;
}

/* `congo spec` asks for a cgroup namespace on pure v2 hosts only (runc). */
static void cgroup_namespace_by_default_on_v2_only(void **state)
{
    assert_true(congo_cgroup_ns_by_default(CONGO_CGROUP_V2));
    assert_false(congo_cgroup_ns_by_default(CONGO_CGROUP_HYBRID));
    assert_false(congo_cgroup_ns_by_default(CONGO_CGROUP_V1));
}

static void default_path_is_under_congo(void **state)
{
    _cleanup_free_ char *p = join_ok("/", NULL, "abc");
    assert_string_equal(p, "/congo/abc");
    _cleanup_free_ char *q = join_ok("/x", "", "abc");
    assert_string_equal(q, "/congo/abc");
}

static void absolute_path_is_cleaned(void **state)
{
    _cleanup_free_ char *p = join_ok("/ignored", "/a//b/./c/", "id");
    assert_string_equal(p, "/a/b/c");
    _cleanup_free_ char *q = join_ok(NULL, "/machine.slice:congo:x", "id");
    assert_string_equal(q, "/machine.slice:congo:x");
}

static void relative_path_joins_the_base(void **state)
{
    _cleanup_free_ char *p = join_ok("/user.slice/user-0.slice", "pod/ctr", "id");
    assert_string_equal(p, "/user.slice/user-0.slice/pod/ctr");
    _cleanup_free_ char *q = join_ok("/", "pod", "id");
    assert_string_equal(q, "/pod");
    _cleanup_free_ char *r = join_ok(NULL, "./pod", "id");
    assert_string_equal(r, "/pod");
}

static void dotdot_is_rejected(void **state)
{
    _cleanup_free_ char *t = join_err("/", "/a/../../etc", "id", EINVAL);
    assert_non_null(strstr(t, "linux.cgroupsPath"));
    assert_non_null(strstr(t, "`..` is not allowed"));
    _cleanup_free_ char *u = join_err("/", "..", "id", EINVAL);
    assert_non_null(strstr(u, "`..`"));
}

static void root_is_rejected(void **state)
{
    _cleanup_free_ char *t = join_err("/", "/", "id", EINVAL);
    assert_non_null(strstr(t, "root cgroup"));
    _cleanup_free_ char *u = join_err("/", "/./", "id", EINVAL);
    assert_non_null(strstr(u, "root cgroup"));
}

static void control_characters_and_long_names_are_rejected(void **state)
{
    _cleanup_free_ char *t = join_err("/", "/a\nb", "id", EINVAL);
    assert_non_null(strstr(t, "control character"));
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[0] = '/';
    longname[sizeof longname - 1] = '\0';
    _cleanup_free_ char *u = join_err("/", longname, "id", EINVAL);
    assert_non_null(strstr(u, "longer than"));
}

static void bad_id_for_default_path(void **state)
{
    _cleanup_free_ char *t = join_err("/", NULL, "a/b", EINVAL);
    assert_non_null(strstr(t, "a/b"));
    _cleanup_free_ char *u = join_err("/", NULL, "..", EINVAL);
    (void) u;
}


/* ---- resources: translation and validation ---- */

static oci_resources *res_from(const char *json)
{
    congo_error err = CONGO_ERROR_INIT;
    oci_resources *r = NULL;
    if (oci_resources_parse(&r, json, strlen(json), "test", &err) < 0) {
        _cleanup_free_ char *t = congo_error_text(&err);
        fail_msg("parse: %s", t);
    }
    return r;
}

static void hosts(enum cg_where *where, enum cg_where w)
{
    for (int i = 0; i < CG_NCTRL; i++)
        where[i] = w;
    if (w == CG_V2)
        where[CG_NET_CLS] = where[CG_NET_PRIO] = CG_NONE;
    where[CG_UNIFIED] = w == CG_V2 ? CG_V2 : CG_NONE;
}

/* Plan res on a host, expect success, return the plan. */
static struct cg_plan plan_ok(const char *json, enum cg_where w)
{
    enum cg_where where[CG_NCTRL];
    congo_error err = CONGO_ERROR_INIT;
    struct cg_plan p = { 0 };
    oci_resources *r = res_from(json);
    hosts(where, w);
    if (congo_cgroup_plan(&p, r, where, false, &err) < 0) {
        _cleanup_free_ char *t = congo_error_text(&err);
        fail_msg("plan: %s", t);
    }
    oci_resources_free(r);
    return p;
}

static char *plan_err(const char *json, enum cg_where w)
{
    enum cg_where where[CG_NCTRL];
    congo_error err = CONGO_ERROR_INIT;
    struct cg_plan p = { 0 };
    oci_resources *r = res_from(json);
    hosts(where, w);
    assert_true(congo_cgroup_plan(&p, r, where, false, &err) < 0);
    assert_int_equal(p.n, 0);
    oci_resources_free(r);
    char *t = congo_error_text(&err);
    congo_error_clear(&err);
    return t;
}

static const struct cg_write *find(const struct cg_plan *p, const char *file)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->w[i].file, file) == 0)
            return &p->w[i];
    fail_msg("no write to %s", file);
    return NULL;
}

static void memory_v1(void **state)
{
    struct cg_plan p = plan_ok("{\"memory\":{\"limit\":1048576,\"swap\":2097152,\"reservation\":-1,"
                               "\"swappiness\":10,\"disableOOMKiller\":true}}", CG_V1);
    assert_string_equal(find(&p, "memory.limit_in_bytes")->value, "1048576");
    assert_true(find(&p, "memory.limit_in_bytes")->pair_next);
    assert_string_equal(find(&p, "memory.memsw.limit_in_bytes")->value, "2097152");
    assert_string_equal(find(&p, "memory.soft_limit_in_bytes")->value, "-1");
    assert_string_equal(find(&p, "memory.swappiness")->value, "10");
    assert_string_equal(find(&p, "memory.oom_control")->value, "1");
    assert_string_equal(find(&p, "memory.limit_in_bytes")->field, "linux.resources.memory.limit");
    congo_cgroup_plan_free(&p);
}

static void memory_v2(void **state)
{
    struct cg_plan p = plan_ok("{\"memory\":{\"limit\":1048576,\"swap\":3145728,\"reservation\":4096}}", CG_V2);
    assert_string_equal(find(&p, "memory.max")->value, "1048576");
    /* OCI swap is memory+swap; memory.swap.max is the swap alone. */
    assert_string_equal(find(&p, "memory.swap.max")->value, "2097152");
    assert_string_equal(find(&p, "memory.low")->value, "4096");
    congo_cgroup_plan_free(&p);
    p = plan_ok("{\"memory\":{\"limit\":-1,\"swap\":-1}}", CG_V2);
    assert_string_equal(find(&p, "memory.max")->value, "max");
    assert_string_equal(find(&p, "memory.swap.max")->value, "max");
    congo_cgroup_plan_free(&p);
    /* 0 leaves things as they are (as runc). */
    p = plan_ok("{\"memory\":{\"limit\":0}}", CG_V2);
    assert_int_equal(p.n, 0);
    congo_cgroup_plan_free(&p);
}

static void memory_errors(void **state)
{
    _cleanup_free_ char *a = plan_err("{\"memory\":{\"limit\":-2}}", CG_V1);
    assert_non_null(strstr(a, "linux.resources.memory.limit: `-2`"));
    _cleanup_free_ char *b = plan_err("{\"memory\":{\"limit\":2097152,\"swap\":1048576}}", CG_V1);
    assert_non_null(strstr(b, "linux.resources.memory.swap"));
    _cleanup_free_ char *c = plan_err("{\"memory\":{\"swap\":1048576}}", CG_V2);
    assert_non_null(strstr(c, "needs a memory limit"));
    _cleanup_free_ char *d = plan_err("{\"memory\":{\"swappiness\":101}}", CG_V1);
    assert_non_null(strstr(d, "memory.swappiness"));
    _cleanup_free_ char *e = plan_err("{\"memory\":{\"swappiness\":10}}", CG_V2);
    assert_non_null(strstr(e, "linux.resources.memory.swappiness"));
    _cleanup_free_ char *g = plan_err("{\"memory\":{\"limit\":1048576}}", CG_NONE);
    assert_non_null(strstr(g, "memory controller is not available"));
}

/* memory.kernel and memory.kernelTCP are deprecated: ignored (runc), on v1
 * (whose kernels since 5.16 ignore kmem.limit_in_bytes) and v2 alike. */
static void kernel_memory_is_ignored(void **state)
{
    struct cg_plan p = plan_ok("{\"memory\":{\"kernel\":1048576,\"kernelTCP\":1048576}}", CG_V1);
    assert_int_equal(p.n, 0);
    congo_cgroup_plan_free(&p);
    p = plan_ok("{\"memory\":{\"limit\":1048576,\"kernel\":1048576,\"kernelTCP\":-1}}", CG_V1);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.w[0].file, "memory.limit_in_bytes");
    congo_cgroup_plan_free(&p);
    p = plan_ok("{\"memory\":{\"kernel\":1048576,\"kernelTCP\":1048576}}", CG_V2);
    assert_int_equal(p.n, 0);
    congo_cgroup_plan_free(&p);
}

/* An unlimited memory limit without swap lifts memory+swap too (runc), the
 * memory+swap write first on v1 (it must stay >= memory); skipped where
 * there is no swap accounting. */
static void unlimited_memory_lifts_swap(void **state)
{
    struct cg_plan p = plan_ok("{\"memory\":{\"limit\":-1}}", CG_V1);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.w[0].file, "memory.memsw.limit_in_bytes");
    assert_string_equal(p.w[0].value, "-1");
    assert_true(p.w[0].optional);
    assert_string_equal(p.w[1].file, "memory.limit_in_bytes");
    assert_string_equal(p.w[1].value, "-1");
    assert_false(p.w[1].optional);
    congo_cgroup_plan_free(&p);
    /* An explicit unlimited swap goes first too, and is not optional. */
    p = plan_ok("{\"memory\":{\"limit\":1048576,\"swap\":-1}}", CG_V1);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.w[0].file, "memory.memsw.limit_in_bytes");
    assert_string_equal(p.w[0].value, "-1");
    assert_false(p.w[0].optional);
    assert_string_equal(p.w[1].file, "memory.limit_in_bytes");
    assert_false(p.w[1].pair_next);
    congo_cgroup_plan_free(&p);
    /* A swap limit given with it is kept. */
    p = plan_ok("{\"memory\":{\"limit\":-1,\"swap\":2097152}}", CG_V1);
    assert_string_equal(find(&p, "memory.memsw.limit_in_bytes")->value, "2097152");
    assert_false(find(&p, "memory.memsw.limit_in_bytes")->optional);
    congo_cgroup_plan_free(&p);

    p = plan_ok("{\"memory\":{\"limit\":-1}}", CG_V2);
    assert_int_equal(p.n, 2);
    assert_string_equal(find(&p, "memory.max")->value, "max");
    assert_string_equal(find(&p, "memory.swap.max")->value, "max");
    assert_true(find(&p, "memory.swap.max")->optional);
    congo_cgroup_plan_free(&p);
    /* A finite limit leaves swap alone. */
    p = plan_ok("{\"memory\":{\"limit\":1048576}}", CG_V2);
    assert_int_equal(p.n, 1);
    congo_cgroup_plan_free(&p);
}

static void cpu_v1_and_v2(void **state)
{
    struct cg_plan p = plan_ok("{\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,\"cpus\":\"0-1\","
                               "\"mems\":\"0\"}}", CG_V1);
    assert_string_equal(find(&p, "cpu.shares")->value, "1024");
    assert_string_equal(find(&p, "cpu.cfs_period_us")->value, "100000");
    assert_true(find(&p, "cpu.cfs_period_us")->pair_next);
    assert_string_equal(find(&p, "cpu.cfs_quota_us")->value, "50000");
    assert_string_equal(find(&p, "cpuset.cpus")->value, "0-1");
    assert_true(find(&p, "cpuset.cpus")->cpuset);
    /* cpuset first: a bad cpu list fails before anything else changes. */
    assert_string_equal(p.w[0].file, "cpuset.cpus");
    congo_cgroup_plan_free(&p);

    p = plan_ok("{\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000}}", CG_V2);
    assert_string_equal(find(&p, "cpu.weight")->value, "39");
    assert_string_equal(find(&p, "cpu.max")->value, "50000 100000");
    congo_cgroup_plan_free(&p);
    p = plan_ok("{\"cpu\":{\"quota\":-1}}", CG_V2);
    assert_string_equal(find(&p, "cpu.max")->value, "max");
    congo_cgroup_plan_free(&p);
    p = plan_ok("{\"cpu\":{\"period\":50000}}", CG_V2);
    assert_string_equal(find(&p, "cpu.max")->value, " 50000");
    assert_true(find(&p, "cpu.max")->keep_first_token);
    congo_cgroup_plan_free(&p);
    assert_int_equal(congo_cgroup_shares_to_weight(2), 1);
    assert_int_equal(congo_cgroup_shares_to_weight(262144), 10000);
    assert_int_equal(congo_cgroup_blkio_to_io_weight(10), 1);
    assert_int_equal(congo_cgroup_blkio_to_io_weight(1000), 10000);
}

static void cpu_errors(void **state)
{
    _cleanup_free_ char *a = plan_err("{\"cpu\":{\"shares\":1}}", CG_V1);
    assert_non_null(strstr(a, "linux.resources.cpu.shares: `1`"));
    _cleanup_free_ char *b = plan_err("{\"cpu\":{\"quota\":999}}", CG_V2);
    assert_non_null(strstr(b, "linux.resources.cpu.quota"));
    _cleanup_free_ char *c = plan_err("{\"cpu\":{\"period\":2000000}}", CG_V1);
    assert_non_null(strstr(c, "linux.resources.cpu.period"));
    _cleanup_free_ char *d = plan_err("{\"cpu\":{\"cpus\":\"1-0\"}}", CG_V1);
    assert_non_null(strstr(d, "linux.resources.cpu.cpus: `1-0`"));
    _cleanup_free_ char *e = plan_err("{\"cpu\":{\"realtimeRuntime\":1000}}", CG_V2);
    assert_non_null(strstr(e, "linux.resources.cpu.realtimeRuntime"));
    _cleanup_free_ char *f = plan_err("{\"cpu\":{\"idle\":2}}", CG_V2);
    assert_non_null(strstr(f, "linux.resources.cpu.idle"));
}

static void pids_blkio_hugetlb(void **state)
{
    struct cg_plan p = plan_ok("{\"pids\":{\"limit\":-1}}", CG_V2);
    assert_string_equal(find(&p, "pids.max")->value, "max");
    congo_cgroup_plan_free(&p);
    _cleanup_free_ char *a = plan_err("{\"pids\":{\"limit\":-7}}", CG_V1);
    assert_non_null(strstr(a, "linux.resources.pids.limit: `-7`"));

    p = plan_ok("{\"blockIO\":{\"weight\":500,\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
                "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,\"rate\":0}]}}", CG_V2);
    assert_string_equal(find(&p, "io.bfq.weight")->value, "500");
    assert_string_equal(find(&p, "io.bfq.weight")->alt_file, "io.weight");
    assert_string_equal(find(&p, "io.bfq.weight")->alt_value, "default 4950");
    assert_string_equal(p.w[1].value, "8:0 rbps=1048576");
    assert_string_equal(p.w[1].line_key, "8:0 ");
    assert_string_equal(p.w[2].value, "8:16 wiops=max");
    congo_cgroup_plan_free(&p);
    p = plan_ok("{\"blockIO\":{\"weight\":500,\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1}]}}",
                CG_V1);
    assert_string_equal(find(&p, "blkio.weight")->alt_file, "blkio.bfq.weight");
    assert_string_equal(find(&p, "blkio.throttle.read_bps_device")->value, "8:0 1");
    assert_string_equal(find(&p, "blkio.throttle.read_bps_device")->reset, "8:0 0");
    congo_cgroup_plan_free(&p);
    _cleanup_free_ char *b = plan_err("{\"blockIO\":{\"weight\":5}}", CG_V1);
    assert_non_null(strstr(b, "linux.resources.blockIO.weight"));
    _cleanup_free_ char *c = plan_err("{\"blockIO\":{\"leafWeight\":500}}", CG_V2);
    assert_non_null(strstr(c, "linux.resources.blockIO.leafWeight"));

    p = plan_ok("{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}", CG_V1);
    assert_string_equal(p.w[0].file, "hugetlb.2MB.limit_in_bytes");
    congo_cgroup_plan_free(&p);
    p = plan_ok("{\"hugepageLimits\":[{\"pageSize\":\"1GB\",\"limit\":0}]}", CG_V2);
    assert_string_equal(p.w[0].file, "hugetlb.1GB.max");
    congo_cgroup_plan_free(&p);
    _cleanup_free_ char *d = plan_err("{\"hugepageLimits\":[{\"pageSize\":\"2XB\",\"limit\":1}]}", CG_V2);
    assert_non_null(strstr(d, "linux.resources.hugepageLimits[0].pageSize: `2XB`"));
}

static void network_rdma_unified(void **state)
{
    struct cg_plan p = plan_ok("{\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\","
                               "\"priority\":5}]}}", CG_V1);
    assert_string_equal(find(&p, "net_cls.classid")->value, "1048577");
    assert_string_equal(find(&p, "net_prio.ifpriomap")->value, "eth0 5");
    congo_cgroup_plan_free(&p);
    _cleanup_free_ char *a = plan_err("{\"network\":{\"classID\":1}}", CG_V2);
    assert_non_null(strstr(a, "linux.resources.network.classID"));
    assert_non_null(strstr(a, "v1 only"));

    p = plan_ok("{\"rdma\":{\"mlx5_0\":{\"hcaHandles\":3,\"hcaObjects\":100}}}", CG_V2);
    assert_string_equal(find(&p, "rdma.max")->value, "mlx5_0 hca_handle=3 hca_object=100");
    congo_cgroup_plan_free(&p);

    p = plan_ok("{\"unified\":{\"memory.high\":\"1G\",\"cgroup.max.descendants\":\"5\"}}", CG_V2);
    assert_string_equal(find(&p, "memory.high")->value, "1G");
    assert_string_equal(find(&p, "memory.high")->field, "linux.resources.unified.memory.high");
    congo_cgroup_plan_free(&p);
    _cleanup_free_ char *b = plan_err("{\"unified\":{\"memory.high\":\"1G\"}}", CG_V1);
    assert_non_null(strstr(b, "cgroup v2 is not mounted"));
    _cleanup_free_ char *c = plan_err("{\"unified\":{\"../../etc/passwd\":\"x\"}}", CG_V2);
    assert_non_null(strstr(c, "not a cgroup v2 file name"));
}

static void cpulist(void **state)
{
    uint64_t b[2];
    assert_int_equal(congo_cgroup_cpulist_parse("0-3,7", b, 2), 0);
    assert_true(b[0] == 0x8f);
    assert_int_equal(congo_cgroup_cpulist_parse(" 65 ", b, 2), 0);
    assert_true(b[0] == 0 && b[1] == 2);
    assert_int_equal(congo_cgroup_cpulist_parse("128", b, 2), -1);
    assert_int_equal(congo_cgroup_cpulist_parse("1,", b, 2), -1);
    assert_int_equal(congo_cgroup_cpulist_parse("", b, 2), -1);
    assert_int_equal(congo_cgroup_cpulist_parse("3-1", b, 2), -1);
    assert_int_equal(congo_cgroup_cpulist_parse("x", b, 2), -1);
}

/* ---- devices ---- */

static struct congo_dev_state reduce(const char *json)
{
    congo_error err = CONGO_ERROR_INIT;
    struct congo_dev_state st = { 0 };
    oci_resources *r = res_from(json);
    if (congo_cgroup_devices_reduce(&st, r->devices, r->n_devices, &err) < 0) {
        _cleanup_free_ char *t = congo_error_text(&err);
        fail_msg("reduce: %s", t);
    }
    oci_resources_free(r);
    return st;
}

static bool has_rule(const struct congo_dev_state *st, const char *rule)
{
    for (size_t i = 0; i < st->n; i++) {
        _cleanup_free_ char *s = congo_dev_rule_string(&st->ex[i]);
        if (strcmp(s, rule) == 0)
            return true;
    }
    return false;
}

static void devices_default_deny_plus_defaults(void **state)
{
    struct congo_dev_state st = reduce("{}");
    assert_false(st.allow_all);
    assert_true(has_rule(&st, "c 1:3 rwm"));
    assert_true(has_rule(&st, "c *:* m"));
    assert_true(has_rule(&st, "c 136:* rwm"));
    assert_false(has_rule(&st, "c 1:11 rwm"));
    congo_dev_state_free(&st);

    st = reduce("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,"
                "\"minor\":11,\"access\":\"r\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":11,\"access\":\"w\"},"
                "{\"allow\":false,\"type\":\"b\",\"major\":8,\"minor\":0,\"access\":\"r\"}]}");
    assert_false(st.allow_all);
    /* Access of identical rules merges (as the v1 controller does). */
    assert_true(has_rule(&st, "c 1:11 rw"));
    congo_dev_state_free(&st);
}

static void devices_allow_all_then_deny(void **state)
{
    struct congo_dev_state st = reduce("{\"devices\":[{\"allow\":true,\"access\":\"rwm\"},{\"allow\":false,"
                                       "\"type\":\"c\",\"major\":1,\"minor\":11,\"access\":\"rw\"}]}");
    assert_true(st.allow_all);
    assert_int_equal(st.n, 1);
    assert_true(has_rule(&st, "c 1:11 rw"));
    assert_false(st.ex[0].allow);
    congo_dev_state_free(&st);
    /* A deny that removes access the defaults give is undone by them, in v1 and v2 alike. */
    st = reduce("{\"devices\":[{\"allow\":false,\"type\":\"a\",\"major\":1,\"minor\":3,\"access\":\"w\"}]}");
    assert_true(has_rule(&st, "c 1:3 rwm"));
    congo_dev_state_free(&st);
}

static char *warnings;
static void capture(enum congo_log_level level, const char *msg, void *data)
{
    char *w = xasprintf("%s%s\n", warnings ? warnings : "", msg);
    free(warnings);
    warnings = w;
}

/* Access letters other than r, w and m are ignored with a warning (runc
 * ignores them); a rule left with no access changes nothing. */
static void devices_unknown_access_letters(void **state)
{
    congo_log_set_sink(capture, NULL, CONGO_LOG_WARNING);
    struct congo_dev_state st = reduce("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,"
                                       "\"type\":\"c\",\"major\":10,\"minor\":229,\"access\":\"rwa\"},"
                                       "{\"allow\":true,\"type\":\"b\",\"major\":8,\"minor\":0,\"access\":\"x\"}]}");
    congo_log_set_sink(NULL, NULL, CONGO_LOG_WARNING);
    assert_false(st.allow_all);
    assert_true(has_rule(&st, "c 10:229 rw"));
    for (size_t i = 0; i < st.n; i++)
        assert_false(st.ex[i].type == 'b' && st.ex[i].major == 8);
    assert_string_equal(warnings, "linux.resources.devices[1].access: ignoring the letters other than r, w and m in "
                                  "`rwa`\nlinux.resources.devices[2].access: ignoring the letters other than r, w "
                                  "and m in `x`\n");
    free(warnings);
    warnings = NULL;
    congo_dev_state_free(&st);
}

static void devices_bad_rules(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    struct congo_dev_state st = { 0 };
    oci_resources *r = res_from("{\"devices\":[{\"allow\":true,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"x\","
                                "\"access\":\"r\"}]}");
    assert_true(congo_cgroup_devices_reduce(&st, r->devices, r->n_devices, &err) < 0);
    assert_non_null(strstr(err.msg, "linux.resources.devices[1].type: `x`"));
    congo_error_clear(&err);
    oci_resources_free(r);
    r = res_from("{\"devices\":[{\"allow\":true,\"access\":\"\"}]}");
    assert_true(congo_cgroup_devices_reduce(&st, r->devices, r->n_devices, &err) < 0);
    assert_non_null(strstr(err.msg, "linux.resources.devices[0].access"));
    congo_error_clear(&err);
    oci_resources_free(r);
}

/* A tiny interpreter for the instructions the generator emits, so that the
 * program's decisions are checked without the kernel. */
static int run_prog(const struct bpf_insn *p, size_t n, int type, int access, uint32_t major, uint32_t minor)
{
    uint64_t r[11] = { 0 };
    uint32_t ctx[3] = { (uint32_t) (access << 16 | type), major, minor };
    for (size_t pc = 0; pc < n; pc++) {
        const struct bpf_insn *i = &p[pc];
        switch (i->code) {
        case BPF_LDX | BPF_MEM | BPF_W: r[i->dst_reg] = ctx[i->off / 4]; break;
        case BPF_ALU64 | BPF_MOV | BPF_X: r[i->dst_reg] = r[i->src_reg]; break;
        case BPF_ALU64 | BPF_MOV | BPF_K: r[i->dst_reg] = (uint64_t) (int64_t) i->imm; break;
        case BPF_ALU64 | BPF_RSH | BPF_K: r[i->dst_reg] >>= i->imm; break;
        case BPF_ALU64 | BPF_AND | BPF_K: r[i->dst_reg] &= (uint64_t) (int64_t) i->imm; break;
        case BPF_JMP | BPF_JNE | BPF_K: if (r[i->dst_reg] != (uint64_t) (int64_t) i->imm) pc += i->off; break;
        case BPF_JMP | BPF_JEQ | BPF_K: if (r[i->dst_reg] == (uint64_t) (int64_t) i->imm) pc += i->off; break;
        case BPF_JMP | BPF_EXIT: return (int) r[0];
        default: fail_msg("unexpected instruction %#x at %zu", i->code, pc);
        }
    }
    fail_msg("fell off the end");
    return -1;
}

static void device_program_decides_like_v1(void **state)
{
    struct bpf_insn *p = NULL;
    size_t n = 0;
    struct congo_dev_state st = reduce("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,"
                                       "\"type\":\"c\",\"major\":1,\"minor\":11,\"access\":\"r\"}]}");
    congo_cgroup_devices_program(&st, &p, &n);
    assert_int_equal(p[n - 1].code, BPF_JMP | BPF_EXIT);
    assert_int_equal(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE, 1, 3), 1);
    assert_int_equal(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 1, 11), 1);
    assert_int_equal(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_WRITE, 1, 11), 0);
    assert_int_equal(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 1, 1), 0);
    assert_int_equal(run_prog(p, n, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_ACC_READ, 8, 0), 0);
    assert_int_equal(run_prog(p, n, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_ACC_MKNOD, 8, 0), 1);
    assert_int_equal(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 136, 4), 1);
    free(p);
    congo_dev_state_free(&st);

    st = reduce("{\"devices\":[{\"allow\":true,\"access\":\"rwm\"},{\"allow\":false,\"type\":\"b\",\"major\":8,"
                "\"minor\":0,\"access\":\"w\"}]}");
    congo_cgroup_devices_program(&st, &p, &n);
    assert_int_equal(run_prog(p, n, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_ACC_READ, 8, 0), 1);
    assert_int_equal(run_prog(p, n, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE, 8, 0), 0);
    assert_int_equal(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_WRITE, 8, 0), 1);
    free(p);
    congo_dev_state_free(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cgroup_namespace_by_default_on_v2_only),
        cmocka_unit_test(default_path_is_under_congo),
        cmocka_unit_test(absolute_path_is_cleaned),
        cmocka_unit_test(relative_path_joins_the_base),
        cmocka_unit_test(dotdot_is_rejected),
        cmocka_unit_test(root_is_rejected),
        cmocka_unit_test(control_characters_and_long_names_are_rejected),
        cmocka_unit_test(bad_id_for_default_path),
        cmocka_unit_test(memory_v1),
        cmocka_unit_test(memory_v2),
        cmocka_unit_test(memory_errors),
        cmocka_unit_test(kernel_memory_is_ignored),
        cmocka_unit_test(unlimited_memory_lifts_swap),
        cmocka_unit_test(cpu_v1_and_v2),
        cmocka_unit_test(cpu_errors),
        cmocka_unit_test(pids_blkio_hugetlb),
        cmocka_unit_test(network_rdma_unified),
        cmocka_unit_test(cpulist),
        cmocka_unit_test(devices_default_deny_plus_defaults),
        cmocka_unit_test(devices_allow_all_then_deny),
        cmocka_unit_test(devices_unknown_access_letters),
        cmocka_unit_test(devices_bad_rules),
        cmocka_unit_test(device_program_decides_like_v1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
