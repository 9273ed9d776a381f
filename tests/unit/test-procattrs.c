/* Unit tests for the pure parts of process-attrs.h and lsm.h: id lists,
 * personality domains, scheduler policies/flags/attributes, I/O priority
 * encoding, memory policy modes/flags/nodes, the mount label option. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/personality.h>

#include <cmocka.h>

#include "libcongo/lsm.h"
#include "libcongo/process-attrs.h"
#include "libcongo/utils.h"

#define BPL (8 * sizeof(unsigned long))

static bool bit(const unsigned long *m, size_t i) { return m[i / BPL] & (1UL << (i % BPL)); }

/* The ids set in m (nbits) as "a,b,c". */
static char *ids(const unsigned long *m, size_t nbits)
{
    char *s = xstrdup("");
    for (size_t i = 0; i < nbits; i++)
        if (bit(m, i)) {
            char *n = xasprintf("%s%s%zu", s, *s ? "," : "", i);
            free(s);
            s = n;
        }
    return s;
}

static char *parse_ids(const char *list, size_t nbits)
{
    unsigned long m[4] = { ~0UL, ~0UL, ~0UL, ~0UL };
    congo_error err = CONGO_ERROR_INIT;
    assert_true(nbits <= 4 * BPL);
    if (congo_id_list_parse(m, nbits, list, "CPU", &err) < 0)
        fail_msg("\"%s\": %s", list, err.msg);
    return ids(m, nbits);
}

/* The error text of a failing call. */
#define ERR_TEXT(call)                                                                                                 \
    ({                                                                                                                 \
        congo_error err_ = CONGO_ERROR_INIT;                                                                           \
        congo_error *err = &err_;                                                                                      \
        assert_true((call) < 0);                                                                                       \
        char *t_ = congo_error_text(&err_);                                                                            \
        congo_error_clear(&err_);                                                                                      \
        t_;                                                                                                            \
    })
#define OK(call)                                                                                                       \
    do {                                                                                                               \
        congo_error err_ = CONGO_ERROR_INIT;                                                                           \
        congo_error *err = &err_;                                                                                      \
        if ((call) < 0)                                                                                                \
            fail_msg("%s failed: %s", #call, err_.msg);                                                              \
    } while (0)

static void id_lists(void **state)
{
    char *s;
    assert_string_equal(s = parse_ids("0-3,7", 64), "0,1,2,3,7"), free(s);
    assert_string_equal(s = parse_ids("5", 64), "5"), free(s);
    assert_string_equal(s = parse_ids("", 64), ""), free(s);
    assert_string_equal(s = parse_ids("3,1,3", 64), "1,3"), free(s);
    /* The kernel's stride form: used/group from the start of each group. */
    assert_string_equal(s = parse_ids("0-9:2/4", 64), "0,1,4,5,8,9"), free(s);
    assert_string_equal(s = parse_ids("0-6:2/4", 64), "0,1,4,5"), free(s);
    assert_string_equal(s = parse_ids("100-101,255", 256), "100,101,255"), free(s);

    assert_int_equal(congo_id_list_span("0-3,7"), 8);
    assert_int_equal(congo_id_list_span(""), 0);
    assert_int_equal(congo_id_list_span("9,2"), 10);
    assert_int_equal(congo_id_list_span("1-"), -1);
}

static void id_list_errors(void **state)
{
    static const char *const bad[] = { "a", "1-", "3-1", ",", "1,,2", "1,", "-1", "0-3:5/4", "0-3:1/0", "1 2",
                                       "0x1" };
    unsigned long m[2];
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *t = ERR_TEXT(congo_id_list_parse(m, 64, bad[i], "CPU", err));
        char *want = xasprintf("\"%s\": expected a list of CPU numbers such as \"0-3,7\"", bad[i]);
        assert_string_equal(t, want);
        free(t), free(want);
    }
    char *t = ERR_TEXT(congo_id_list_parse(m, 64, "0,64", "memory node", err));
    assert_string_equal(t, "\"0,64\": memory node 64 is beyond the largest memory node number this build handles (63)");
    free(t);
}

static void personality_domains(void **state)
{
    unsigned long v = 99;
    oci_personality p = { .domain = "LINUX" };
    OK(congo_personality_value(&v, &p, err));
    assert_int_equal(v, PER_LINUX);
    p.domain = "LINUX32";
    OK(congo_personality_value(&v, &p, err));
    assert_int_equal(v, PER_LINUX32);
    assert_int_equal(v, 0x0008);
    p.domain = "linux32";
    char *t = ERR_TEXT(congo_personality_value(&v, &p, err));
    assert_string_equal(t, "linux.personality.domain: unknown domain \"linux32\" (expected \"LINUX\" or \"LINUX32\")");
    free(t);
    assert_int_equal(v, PER_LINUX32); /* untouched on failure */
}

static void sched_names(void **state)
{
    static const char *const names[] = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",      "SCHED_BATCH",
                                         "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE" };
    for (int i = 0; i < 7; i++) {
        assert_int_equal(congo_sched_policy_from_name(names[i]), i);
        assert_string_equal(congo_sched_policy_name(i), names[i]);
    }
    assert_int_equal(congo_sched_policy_from_name("SCHED_NORMAL"), -1);
    assert_null(congo_sched_policy_name(7));
    assert_int_equal(congo_sched_flag_from_name("SCHED_FLAG_RESET_ON_FORK"), 0x01);
    assert_int_equal(congo_sched_flag_from_name("SCHED_FLAG_RECLAIM"), 0x02);
    assert_int_equal(congo_sched_flag_from_name("SCHED_FLAG_DL_OVERRUN"), 0x04);
    assert_int_equal(congo_sched_flag_from_name("SCHED_FLAG_KEEP_POLICY"), 0x08);
    assert_int_equal(congo_sched_flag_from_name("SCHED_FLAG_KEEP_PARAMS"), 0x10);
    assert_int_equal(congo_sched_flag_from_name("SCHED_FLAG_UTIL_CLAMP_MIN"), 0x20);
    assert_int_equal(congo_sched_flag_from_name("SCHED_FLAG_UTIL_CLAMP_MAX"), 0x40);
    assert_int_equal(congo_sched_flag_from_name("RESET_ON_FORK"), 0);
}

static void sched_attrs(void **state)
{
    struct congo_sched_attr a;
    char *flags[] = { "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_DL_OVERRUN", NULL };
    oci_scheduler s = { .policy = "SCHED_BATCH", .nice = { true, 7 } };

    OK(congo_sched_attr_from_config(&a, &s, "process.", err));
    assert_int_equal(a.size, 56);
    assert_int_equal(a.sched_policy, 3);
    assert_int_equal(a.sched_nice, 7);
    assert_int_equal(a.sched_priority, 0);
    assert_int_equal(a.sched_flags, 0);

    s = (oci_scheduler){ .policy = "SCHED_RR", .priority = { true, 42 }, .nice = { true, -5 }, .flags = flags };
    OK(congo_sched_attr_from_config(&a, &s, "process.", err));
    assert_int_equal(a.sched_policy, 2);
    assert_int_equal(a.sched_priority, 42);
    assert_int_equal(a.sched_nice, -5);
    assert_int_equal(a.sched_flags, 0x05);

    s = (oci_scheduler){ .policy = "SCHED_DEADLINE", .runtime = { true, 10000000 }, .deadline = { true, 30000000 },
                         .period = { true, 40000000 } };
    OK(congo_sched_attr_from_config(&a, &s, "process.", err));
    assert_int_equal(a.sched_policy, 6);
    assert_int_equal(a.sched_runtime, 10000000);
    assert_int_equal(a.sched_deadline, 30000000);
    assert_int_equal(a.sched_period, 40000000);
    /* period 0: the kernel takes the deadline. */
    s.period = (oci_opt_u64){ false, 0 };
    OK(congo_sched_attr_from_config(&a, &s, "process.", err));
    assert_int_equal(a.sched_period, 0);
    /* An explicit priority 0 is fine with a non-RT policy. */
    s = (oci_scheduler){ .policy = "SCHED_OTHER", .priority = { true, 0 } };
    OK(congo_sched_attr_from_config(&a, &s, "", err));
}

static void sched_errors(void **state)
{
    struct congo_sched_attr a = { .size = 1 };
    char *bad_flags[] = { "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_BOGUS", NULL };
    static const struct {
        oci_scheduler s;
        const char *pfx, *want;
    } cases[] = {
        { { .policy = "SCHED_FIFO" },
          "process.",
          "process.scheduler.priority: SCHED_FIFO needs a priority between 1 and 99" },
        { { .policy = "SCHED_RR", .priority = { true, 100 } }, "",
          "scheduler.priority: 100 is not a SCHED_RR priority (expected 1 to 99)" },
        { { .policy = "SCHED_OTHER", .priority = { true, 5 } }, "process.",
          "process.scheduler.priority: 5: only SCHED_FIFO and SCHED_RR take a priority, not SCHED_OTHER" },
        { { .policy = "SCHED_BATCH", .nice = { true, 20 } }, "process.",
          "process.scheduler.nice: 20 is not a nice value (expected -20 to 19)" },
        { { .policy = "SCHED_NORMAL" }, "process.",
          "process.scheduler.policy: unknown policy \"SCHED_NORMAL\" (expected SCHED_OTHER, SCHED_FIFO, SCHED_RR, "
          "SCHED_BATCH, SCHED_ISO, SCHED_IDLE or SCHED_DEADLINE)" },
        { { .policy = "SCHED_DEADLINE", .runtime = { true, 1000 }, .deadline = { true, 2000 } }, "process.",
          "process.scheduler.runtime: 1000: SCHED_DEADLINE needs a runtime of at least 1024 nanoseconds" },
        { { .policy = "SCHED_DEADLINE", .runtime = { true, 5000 }, .deadline = { true, 2000 } }, "process.",
          "process.scheduler.deadline: 2000 is shorter than the runtime 5000 (SCHED_DEADLINE needs runtime <= "
          "deadline <= period)" },
        { { .policy = "SCHED_DEADLINE",
            .runtime = { true, 5000 },
            .deadline = { true, 9000 },
            .period = { true, 8000 } },
          "process.",
          "process.scheduler.period: 8000 is shorter than the deadline 9000 (SCHED_DEADLINE needs runtime <= "
          "deadline <= period)" },
        { { .policy = "SCHED_OTHER", .runtime = { true, 5000 } }, "process.",
          "process.scheduler: runtime, deadline and period are for SCHED_DEADLINE, not SCHED_OTHER" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *t = ERR_TEXT(congo_sched_attr_from_config(&a, &cases[i].s, cases[i].pfx, err));
        assert_string_equal(t, cases[i].want);
        free(t);
    }
    oci_scheduler s = { .policy = "SCHED_OTHER", .flags = bad_flags };
    char *t = ERR_TEXT(congo_sched_attr_from_config(&a, &s, "process.", err));
    assert_string_equal(t, "process.scheduler.flags[1]: unknown flag \"SCHED_FLAG_BOGUS\" (expected "
                           "SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_RECLAIM, SCHED_FLAG_DL_OVERRUN, "
                           "SCHED_FLAG_KEEP_POLICY, SCHED_FLAG_KEEP_PARAMS, SCHED_FLAG_UTIL_CLAMP_MIN or "
                           "SCHED_FLAG_UTIL_CLAMP_MAX)");
    free(t);
    assert_int_equal(a.size, 1); /* untouched on failure */
}

static void ioprio_encoding(void **state)
{
    int v = -1;
    oci_io_priority io = { .class_name = "IOPRIO_CLASS_RT", .priority = 0 };
    OK(congo_ioprio_value(&v, &io, "process.", err));
    assert_int_equal(v, 1 << 13);
    io = (oci_io_priority){ .class_name = "IOPRIO_CLASS_BE", .priority = 4 };
    OK(congo_ioprio_value(&v, &io, "process.", err));
    assert_int_equal(v, (2 << 13) | 4);
    io = (oci_io_priority){ .class_name = "IOPRIO_CLASS_IDLE", .priority = 7 };
    OK(congo_ioprio_value(&v, &io, "process.", err));
    assert_int_equal(v, (3 << 13) | 7);

    io = (oci_io_priority){ .class_name = "IOPRIO_CLASS_NONE", .priority = 0 };
    char *t = ERR_TEXT(congo_ioprio_value(&v, &io, "process.", err));
    assert_string_equal(t, "process.ioPriority.class: unknown class \"IOPRIO_CLASS_NONE\" (expected IOPRIO_CLASS_RT, "
                           "IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE)");
    free(t);
    io = (oci_io_priority){ .class_name = "IOPRIO_CLASS_BE", .priority = 8 };
    t = ERR_TEXT(congo_ioprio_value(&v, &io, "", err));
    assert_string_equal(t, "ioPriority.priority: 8 is not an I/O priority (expected 0 to 7)");
    free(t);
    assert_int_equal(v, (3 << 13) | 7);
}

static void mempolicy_names(void **state)
{
    for (int i = 0; congo_mempolicy_mode_names[i]; i++)
        assert_int_equal(congo_mempolicy_mode_from_name(congo_mempolicy_mode_names[i]), i);
    assert_int_equal(congo_mempolicy_mode_from_name("MPOL_BIND"), 2);
    assert_int_equal(congo_mempolicy_mode_from_name("MPOL_WEIGHTED_INTERLEAVE"), 6);
    assert_int_equal(congo_mempolicy_mode_from_name("MPOL_MAX"), -1);
    assert_int_equal(congo_mempolicy_flag_from_name("MPOL_F_STATIC_NODES"), 1 << 15);
    assert_int_equal(congo_mempolicy_flag_from_name("MPOL_F_RELATIVE_NODES"), 1 << 14);
    assert_int_equal(congo_mempolicy_flag_from_name("MPOL_F_NUMA_BALANCING"), 1 << 13);
    assert_int_equal(congo_mempolicy_flag_from_name("MPOL_F_NODE"), 0);
}

static void mempolicy_translation(void **state)
{
    struct congo_mempolicy m;
    char *static_flag[] = { "MPOL_F_STATIC_NODES", NULL };
    char *balancing[] = { "MPOL_F_NUMA_BALANCING", NULL };
    char *s;

    oci_memory_policy mp = { .mode = "MPOL_BIND", .nodes = "0-2,5", .flags = static_flag };
    OK(congo_mempolicy_from_config(&m, &mp, err));
    assert_int_equal(m.mode, 2 | (1 << 15));
    assert_true(m.has_nodes);
    assert_string_equal(s = ids(m.nodes, CONGO_MAX_NUMA_NODES), "0,1,2,5"), free(s);

    mp = (oci_memory_policy){ .mode = "MPOL_BIND", .nodes = "0", .flags = balancing };
    OK(congo_mempolicy_from_config(&m, &mp, err));
    assert_int_equal(m.mode, 2 | (1 << 13));

    mp = (oci_memory_policy){ .mode = "MPOL_INTERLEAVE", .nodes = "1023" };
    OK(congo_mempolicy_from_config(&m, &mp, err));
    assert_int_equal(m.mode, 3);
    assert_true(bit(m.nodes, 1023));

    /* MPOL_PREFERRED without nodes is local allocation: no nodemask. */
    mp = (oci_memory_policy){ .mode = "MPOL_PREFERRED", .nodes = "" };
    OK(congo_mempolicy_from_config(&m, &mp, err));
    assert_int_equal(m.mode, 1);
    assert_false(m.has_nodes);

    mp = (oci_memory_policy){ .mode = "MPOL_DEFAULT" };
    OK(congo_mempolicy_from_config(&m, &mp, err));
    assert_int_equal(m.mode, 0);
    assert_false(m.has_nodes);
    mp = (oci_memory_policy){ .mode = "MPOL_LOCAL" };
    OK(congo_mempolicy_from_config(&m, &mp, err));
    assert_int_equal(m.mode, 4);
}

static void mempolicy_errors(void **state)
{
    struct congo_mempolicy m = { .mode = 77 };
    char *static_flag[] = { "MPOL_F_STATIC_NODES", NULL };
    char *both[] = { "MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES", NULL };
    char *balancing[] = { "MPOL_F_NUMA_BALANCING", NULL };
    char *unknown[] = { "MPOL_F_STATIC_NODES", "MPOL_F_LAZY", NULL };
    const struct {
        oci_memory_policy mp;
        const char *want;
    } cases[] = {
        { { .mode = "MPOL_DEFAULT", .nodes = "0" },
          "linux.memoryPolicy.nodes: MPOL_DEFAULT takes no nodes, got \"0\"" },
        { { .mode = "MPOL_LOCAL", .flags = static_flag }, "linux.memoryPolicy.flags: MPOL_LOCAL takes no flags" },
        { { .mode = "MPOL_BIND" }, "linux.memoryPolicy.nodes: MPOL_BIND needs at least one memory node" },
        { { .mode = "MPOL_PREFERRED_MANY", .nodes = "" },
          "linux.memoryPolicy.nodes: MPOL_PREFERRED_MANY needs at least one memory node" },
        { { .mode = "MPOL_BIND", .nodes = "0", .flags = both },
          "linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other" },
        { { .mode = "MPOL_PREFERRED", .flags = static_flag },
          "linux.memoryPolicy.flags: MPOL_PREFERRED without nodes takes no node flags" },
        { { .mode = "MPOL_INTERLEAVE", .nodes = "0", .flags = balancing },
          "linux.memoryPolicy.flags: MPOL_F_NUMA_BALANCING works only with MPOL_BIND and MPOL_PREFERRED_MANY, not "
          "MPOL_INTERLEAVE" },
        { { .mode = "MPOL_BIND", .nodes = "0", .flags = unknown },
          "linux.memoryPolicy.flags[1]: unknown flag \"MPOL_F_LAZY\" (expected MPOL_F_STATIC_NODES, "
          "MPOL_F_RELATIVE_NODES or MPOL_F_NUMA_BALANCING)" },
        { { .mode = "MPOL_SPREAD" },
          "linux.memoryPolicy.mode: unknown mode \"MPOL_SPREAD\" (expected MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, "
          "MPOL_INTERLEAVE, MPOL_LOCAL, MPOL_PREFERRED_MANY or MPOL_WEIGHTED_INTERLEAVE)" },
        { { .mode = "MPOL_BIND", .nodes = "0-1024" },
          "linux.memoryPolicy.nodes: \"0-1024\": memory node 1024 is beyond the largest memory node number this "
          "build handles (1023)" },
        { { .mode = "MPOL_BIND", .nodes = "0,,1" },
          "linux.memoryPolicy.nodes: \"0,,1\": expected a list of memory node numbers such as \"0-3,7\"" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *t = ERR_TEXT(congo_mempolicy_from_config(&m, &cases[i].mp, err));
        assert_string_equal(t, cases[i].want);
        free(t);
    }
    assert_int_equal(m.mode, 77);
}

static void exec_affinity_unset_is_noop(void **state)
{
    /* initial unset or "": nothing to do, whatever the machine. */
    oci_process p = { .exec_cpu_affinity_initial = "" };
    OK(congo_exec_cpu_affinity_initial(&p, "", err));
    p.exec_cpu_affinity_initial = NULL;
    OK(congo_exec_cpu_affinity_initial(&p, "", err));
    p.exec_cpu_affinity_initial = "0-";
    char *t = ERR_TEXT(congo_exec_cpu_affinity_initial(&p, "process.", err));
    assert_string_equal(t, "process.execCPUAffinity.initial: \"0-\": expected a list of CPU numbers such as \"0-3,7\"");
    free(t);
    p.exec_cpu_affinity_final = "9000";
    t = ERR_TEXT(congo_exec_cpu_affinity_final(&p, "", err));
    assert_string_equal(t, "execCPUAffinity.final: \"9000\": CPU 9000 is beyond the largest CPU number this build "
                           "handles (8191)");
    free(t);
}


static void lsm_build_and_noop(void **state)
{
    struct congo_lsm_exec x;
    oci_process p = { .apparmor_profile = "", .selinux_label = "" };
    assert_true(congo_lsm_built(CONGO_LSM_APPARMOR));
#ifdef HAVE_SELINUX
    assert_true(congo_lsm_built(CONGO_LSM_SELINUX));
#else
    assert_false(congo_lsm_built(CONGO_LSM_SELINUX));
#endif
    /* No label (absent or ""): nothing checked, nothing opened. */
    OK(congo_lsm_prepare(&x, &p, "", "process.", err));
    assert_int_equal(x.apparmor_fd, -1);
    assert_int_equal(x.selinux_fd, -1);
    OK(congo_lsm_apply(&x, err));
    OK(congo_lsm_prepare(&x, NULL, NULL, "", err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(id_lists),
        cmocka_unit_test(id_list_errors),
        cmocka_unit_test(personality_domains),
        cmocka_unit_test(sched_names),
        cmocka_unit_test(sched_attrs),
        cmocka_unit_test(sched_errors),
        cmocka_unit_test(ioprio_encoding),
        cmocka_unit_test(mempolicy_names),
        cmocka_unit_test(mempolicy_translation),
        cmocka_unit_test(mempolicy_errors),
        cmocka_unit_test(exec_affinity_unset_is_noop),
        cmocka_unit_test(lsm_build_and_noop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
