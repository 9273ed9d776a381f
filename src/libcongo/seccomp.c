/* seccomp: linux.seccomp -> BPF with libseccomp in the parent; seccomp(2) in
 * the child; the notify fd handed to the seccomp agent.  See seccomp.h for
 * where the orchestrator calls what. */
#include "config.h"

#include "seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "json-bounds.h"
#include "log.h"
#include "sha256.h"
#include "utils.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* The version of the runtime-spec whose containerProcessState we send. */
#define CONGO_OCI_VERSION "1.2.0"

struct congo_seccomp {
    struct sock_filter *insns;
    size_t n_insns;
    unsigned int flags;         /* SECCOMP_FILTER_FLAG_* passed to seccomp(2) */
    bool notify;                /* a rule uses SCMP_ACT_NOTIFY */
};

/* ---- names ---------------------------------------------------------------- */

enum act_kind { ACT_PLAIN, ACT_ERRNO, ACT_TRACE };

static const struct {
    const char *name;
    uint32_t action;
    enum act_kind kind;
} actions[] = {
    /* Sorted by name: congo_seccomp_actions() returns them in this order. */
    { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ACT_PLAIN },
    { "SCMP_ACT_ERRNO", 0, ACT_ERRNO },
    { "SCMP_ACT_KILL", SCMP_ACT_KILL, ACT_PLAIN },
    { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ACT_PLAIN },
    { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ACT_PLAIN },
    { "SCMP_ACT_LOG", SCMP_ACT_LOG, ACT_PLAIN },
    { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ACT_PLAIN },
    { "SCMP_ACT_TRACE", 0, ACT_TRACE },
    { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, ACT_PLAIN },
};

static const struct {
    const char *name;
    enum scmp_compare op;
} operators[] = {
    { "SCMP_CMP_EQ", SCMP_CMP_EQ },
    { "SCMP_CMP_GE", SCMP_CMP_GE },
    { "SCMP_CMP_GT", SCMP_CMP_GT },
    { "SCMP_CMP_LE", SCMP_CMP_LE },
    { "SCMP_CMP_LT", SCMP_CMP_LT },
    { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
    { "SCMP_CMP_NE", SCMP_CMP_NE },
};

/* Every SCMP_ARCH_* name of the runtime-spec and of libseccomp up to 2.6; the
 * ones this libseccomp does not know are rejected with a message saying so. */
static const char *const all_archs[] = {
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
    "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
    "SCMP_ARCH_RISCV64", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB", "SCMP_ARCH_X32",
    "SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
};

static const struct {
    const char *name;
    unsigned int flag;          /* 0: accepted, nothing to pass */
    bool needs_listener;        /* the kernel only takes it with NEW_LISTENER */
} flags[] = {
    /* TSYNC syncs the filter to the other threads of the caller; the child is
     * single-threaded when it loads, so (as runc) it is accepted and has
     * nothing to do -- and the kernel refuses TSYNC with NEW_LISTENER. */
    { "SECCOMP_FILTER_FLAG_TSYNC", 0, false },
    { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG, false },
    { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW, false },
    { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, true },
};

static char *names_list(size_t n, const char *(*get)(size_t))
{
    size_t len = 1, i;
    for (i = 0; i < n; i++)
        len += strlen(get(i)) + 2;
    char *s = xmalloc(len), *p = s;
    *p = '\0';
    for (i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? ", " : "", get(i));
    return s;
}
static const char *action_name_at(size_t i) { return actions[i].name; }
static const char *operator_name_at(size_t i) { return operators[i].name; }
static const char *flag_name_at(size_t i) { return flags[i].name; }

/* "SCMP_ARCH_X86_64" -> libseccomp's token, 0 when not an arch name or
 * unknown to this libseccomp. */
static uint32_t arch_token(const char *name)
{
    char lower[32];
    size_t i;

    if (!str_has_prefix(name, "SCMP_ARCH_"))
        return 0;
    name += strlen("SCMP_ARCH_");
    if (strlen(name) >= sizeof lower || !*name)
        return 0;
    for (i = 0; name[i]; i++)
        lower[i] = (char) tolower((unsigned char) name[i]);
    lower[i] = '\0';
    return seccomp_arch_resolve_name(lower);
}

static bool arch_name_known(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(all_archs); i++)
        if (strcmp(all_archs[i], name) == 0)
            return true;
    return false;
}

/* Resolve an action name with its errnoRet.  `path` names the field for
 * messages ("linux.seccomp.syscalls[3]" or "linux.seccomp" for the default). */
static int resolve_action(uint32_t *out, const char *name, const oci_opt_u64 *errno_ret, const char *path,
                          const char *action_field, const char *errno_field, congo_error *err)
{
    size_t i;

    if (!name)
        return congo_error_set(err, EINVAL, "%s.%s: missing (expected one of SCMP_ACT_*)", path, action_field);
    for (i = 0; i < ARRAY_SIZE(actions); i++)
        if (strcmp(actions[i].name, name) == 0)
            break;
    if (i == ARRAY_SIZE(actions)) {
        _cleanup_free_ char *known = names_list(ARRAY_SIZE(actions), action_name_at);
        return congo_error_set(err, EINVAL, "%s.%s: unknown action \"%s\" (expected one of %s)", path, action_field,
                               name, known);
    }
    if (errno_ret->set && actions[i].kind == ACT_PLAIN)
        return congo_error_set(err, EINVAL,
                               "%s.%s: %s does not return an errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one)",
                               path, errno_field, name);
    if (errno_ret->set && errno_ret->value > 0xffff)
        return congo_error_set(err, ERANGE, "%s.%s: %llu is out of range (0-65535)", path, errno_field,
                               (unsigned long long) errno_ret->value);
    uint16_t data = errno_ret->set ? (uint16_t) errno_ret->value : EPERM;
    switch (actions[i].kind) {
    case ACT_ERRNO:
        *out = SCMP_ACT_ERRNO(data);
        break;
    case ACT_TRACE:
        *out = SCMP_ACT_TRACE(data);
        break;
    default:
        *out = actions[i].action;
    }
    return 0;
}

static int resolve_operator(enum scmp_compare *out, const char *name, const char *path, congo_error *err)
{
    if (!name)
        return congo_error_set(err, EINVAL, "%s.op: missing (expected one of SCMP_CMP_*)", path);
    for (size_t i = 0; i < ARRAY_SIZE(operators); i++)
        if (strcmp(operators[i].name, name) == 0) {
            *out = operators[i].op;
            return 0;
        }
    _cleanup_free_ char *known = names_list(ARRAY_SIZE(operators), operator_name_at);
    return congo_error_set(err, EINVAL, "%s.op: unknown operator \"%s\" (expected one of %s)", path, name, known);
}

/* ---- kernel probes -------------------------------------------------------- */

static long sys_seccomp(unsigned int op, unsigned int fl, void *args)
{
    return syscall(SYS_seccomp, op, fl, args);
}

/* seccomp(SET_MODE_FILTER) validates the flags before it reads the program:
 * with a NULL program a known flag gives EFAULT, an unknown one EINVAL. */
static bool kernel_has_flag(unsigned int flag, bool needs_listener)
{
    if (needs_listener)
        flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    return sys_seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

static int seccomp_available(congo_error *err)
{
    /* PR_GET_SECCOMP fails with EINVAL on a kernel built without seccomp. */
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
        return congo_error_errno(err, "linux.seccomp: the running kernel has no seccomp support");
    return 0;
}

/* ---- compile -------------------------------------------------------------- */

static void ctx_releasep(scmp_filter_ctx *c)
{
    if (*c)
        seccomp_release(*c);
}

static int add_syscall_rules(scmp_filter_ctx ctx, const oci_seccomp_syscall *sc, size_t i, uint32_t action,
                             congo_error *err)
{
    unsigned int count[6] = { 0 };
    bool split = false;
    size_t j, k;
    int r;

    /* Check all conditions once, before touching any name. */
    _cleanup_free_ struct scmp_arg_cmp *cmps = xnew0(struct scmp_arg_cmp, sc->n_args);
    for (k = 0; k < sc->n_args; k++) {
        const oci_seccomp_arg *a = &sc->args[k];
        _cleanup_free_ char *path = xasprintf("linux.seccomp.syscalls[%zu].args[%zu]", i, k);
        if (a->index >= 6)
            return congo_error_set(err, EINVAL, "%s.index: %u is out of range (a syscall has arguments 0-5)", path,
                                   a->index);
        r = resolve_operator(&cmps[k].op, a->op, path, err);
        if (r < 0)
            return r;
        cmps[k].arg = a->index;
        cmps[k].datum_a = a->value;
        cmps[k].datum_b = a->value_two.set ? a->value_two.value : 0;
        if (++count[a->index] > 1)
            split = true;
    }

    for (j = 0; sc->names[j]; j++) {
        const char *name = sc->names[j];
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR) {
            congo_debug("seccomp: linux.seccomp.syscalls[%zu].names[%zu]: syscall \"%s\" is unknown to "
                        "libseccomp %s; skipped",
                        i, j, name, congo_seccomp_libseccomp_version());
            continue;
        }
        if (!split) {
            r = seccomp_rule_add_array(ctx, action, nr, (unsigned int) sc->n_args, cmps);
        } else {
            /* libseccomp takes one condition per argument in a rule; as runc
             * and crun do, when an argument repeats every condition becomes a
             * rule of its own (the rules match when ANY condition does). */
            r = 0;
            for (k = 0; k < sc->n_args && r == 0; k++)
                r = seccomp_rule_add_array(ctx, action, nr, 1, &cmps[k]);
        }
        if (r < 0)
            return congo_error_set(err, -r, "linux.seccomp.syscalls[%zu]: add the rule for \"%s\" (names[%zu])", i,
                                   name, j);
    }
    return 0;
}

static int export_bpf(struct congo_seccomp *f, scmp_filter_ctx ctx, congo_error *err)
{
    _cleanup_close_ int fd = -1;
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    int r;

    /* libseccomp 2.5 exports only to an fd: a memfd keeps it in memory. */
    fd = memfd_create("congo-seccomp-bpf", MFD_CLOEXEC);
    if (fd < 0)
        return congo_error_errno(err, "linux.seccomp: memfd_create for the BPF program");
    r = seccomp_export_bpf(ctx, fd);
    if (r < 0)
        return congo_error_set(err, -r, "linux.seccomp: export the BPF program");
    if (lseek(fd, 0, SEEK_SET) < 0)
        return congo_error_errno(err, "linux.seccomp: rewind the BPF program");
    r = read_fd(fd, 0, &buf, &len, err);
    if (r < 0)
        return congo_error_wrap(err, r, "linux.seccomp: read the BPF program");
    if (len == 0 || len % sizeof(struct sock_filter) != 0)
        return congo_error_set(err, EINVAL, "linux.seccomp: libseccomp exported a BPF program of %zu bytes", len);
    /* The kernel's limit (BPF_MAXINSNS); a clear error now beats EINVAL in the child. */
    if (len / sizeof(struct sock_filter) > BPF_MAXINSNS)
        return congo_error_set(err, E2BIG,
                               "linux.seccomp: the profile compiles to %zu BPF instructions, more than the kernel's "
                               "limit of %d",
                               len / sizeof(struct sock_filter), BPF_MAXINSNS);
    f->n_insns = len / sizeof(struct sock_filter);
    f->insns = (struct sock_filter *) steal_pointer(&buf);
    return 0;
}

/* ---- the ENOSYS stub -------------------------------------------------------
 *
 * A profile whose default is to refuse (SCMP_ACT_ERRNO with EPERM, as in
 * docker's and containerd's, or a kill) also refuses the syscalls that are
 * newer than the profile, and libc only falls back to an older syscall on
 * ENOSYS (clone3 -> clone, faccessat2 -> faccessat, close_range...).  As runc
 * does, syscalls numbered above the highest one the profile names (per
 * architecture) get ENOSYS, from a stub run before libseccomp's program.
 * congo also covers the native architecture when `architectures` is empty. */

struct stub_arch {
    uint32_t audit;             /* AUDIT_ARCH_* seen in seccomp_data.arch */
    uint32_t max, max_x32;      /* highest syscall named; UINT32_MAX: none */
    bool s390;
};

static void stub_note(struct stub_arch *archs, size_t *n, uint32_t token, const oci_seccomp *s)
{
    bool x32 = token == SCMP_ARCH_X32;
    uint32_t audit = x32 ? SCMP_ARCH_X86_64 : token;
    uint32_t max = 0;
    bool any = false;
    size_t i, j, k;

    for (i = 0; i < s->n_syscalls; i++)
        for (j = 0; s->syscalls[i].names && s->syscalls[i].names[j]; j++) {
            int nr = seccomp_syscall_resolve_name_arch(token, s->syscalls[i].names[j]);
            if (nr < 0)
                continue; /* unknown, or a pseudo-syscall of this arch */
            if (!any || (uint32_t) nr > max)
                max = (uint32_t) nr;
            any = true;
        }
    if (!any)
        return;
    for (k = 0; k < *n; k++)
        if (archs[k].audit == audit)
            break;
    if (k == *n) {
        archs[k] = (struct stub_arch) { audit, UINT32_MAX, UINT32_MAX,
                                        token == SCMP_ARCH_S390 || token == SCMP_ARCH_S390X };
        (*n)++;
    }
    if (x32)
        archs[k].max_x32 = max;
    else
        archs[k].max = max;
}

#define STMT(c, kk) ((struct sock_filter) BPF_STMT((c), (kk)))
#define JUMP(c, kk, t, f) ((struct sock_filter) BPF_JUMP((c), (kk), (t), (f)))

static int add_enosys_stub(struct congo_seccomp *f, const oci_seccomp *s, uint32_t def_action, congo_error *err)
{
    const uint32_t ret_enosys = SCMP_ACT_ERRNO(ENOSYS);
    struct stub_arch archs[ARRAY_SIZE(all_archs) + 1];
    struct sock_filter stub[1 + (ARRAY_SIZE(all_archs) + 1) * 7];
    size_t n_archs = 0, n = 0, i, ja[ARRAY_SIZE(all_archs) + 1], n_ja = 0;

    if (def_action == SCMP_ACT_ALLOW || def_action == SCMP_ACT_LOG || (def_action & 0xffff0000U) == SCMP_ACT_TRACE(0) ||
        def_action == ret_enosys)
        return 0;
    /* libseccomp's program starts by loading the arch; the stub relies on it
     * to leave the accumulator as it found it. */
    if (f->n_insns == 0 || f->insns[0].code != (BPF_LD | BPF_W | BPF_ABS) ||
        f->insns[0].k != offsetof(struct seccomp_data, arch)) {
        congo_debug("seccomp: unexpected program from libseccomp; no ENOSYS stub");
        return 0;
    }

    stub_note(archs, &n_archs, seccomp_arch_native(), s);
    for (i = 0; s->architectures && s->architectures[i]; i++)
        stub_note(archs, &n_archs, arch_token(s->architectures[i]), s);
    if (n_archs == 0)
        return 0;

    stub[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    for (i = 0; i < n_archs; i++) {
        const struct stub_arch *a = &archs[i];
        if (a->max_x32 != UINT32_MAX || a->audit == SCMP_ARCH_X86_64) {
            /* x86_64 and x32 share the arch; x32 syscalls have bit 30 set. */
            stub[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, a->audit, 0, 6);
            stub[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
            stub[n++] = JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x40000000, 1, 0);
            stub[n++] = JUMP(BPF_JMP | BPF_JGT | BPF_K, a->max, 1, 2);
            stub[n++] = JUMP(BPF_JMP | BPF_JGT | BPF_K, a->max_x32, 0, 1);
        } else if (a->s390) {
            /* Syscall 0 is s390's multiplexer for numbers it does not know. */
            stub[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, a->audit, 0, 5);
            stub[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
            stub[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
            stub[n++] = JUMP(BPF_JMP | BPF_JGT | BPF_K, a->max, 0, 1);
        } else {
            stub[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, a->audit, 0, 4);
            stub[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
            stub[n++] = JUMP(BPF_JMP | BPF_JGT | BPF_K, a->max, 0, 1);
        }
        stub[n++] = STMT(BPF_RET | BPF_K, ret_enosys);
        ja[n_ja++] = n;
        stub[n++] = STMT(BPF_JMP | BPF_JA, 0); /* to the program, fixed below */
        congo_debug("seccomp: arch 0x%x: syscalls above %u%s return ENOSYS", a->audit, a->max,
                    a->max_x32 != UINT32_MAX ? " (x32: above the highest x32 one)" : "");
    }
    for (i = 0; i < n_ja; i++)
        stub[ja[i]].k = (uint32_t) (n - ja[i] - 1);
    if (f->n_insns + n > BPF_MAXINSNS)
        return congo_error_set(err, E2BIG, "linux.seccomp: the profile compiles to %zu BPF instructions, more than "
                               "the kernel's limit of %d", f->n_insns + n, BPF_MAXINSNS);

    struct sock_filter *all = xnew0(struct sock_filter, f->n_insns + n);
    memcpy(all, stub, n * sizeof *stub);
    memcpy(all + n, f->insns, f->n_insns * sizeof *all);
    free(f->insns);
    f->insns = all;
    f->n_insns += n;
    return 0;
}

int congo_seccomp_compile(struct congo_seccomp **out, const oci_seccomp *s, congo_error *err)
{
    _cleanup_(ctx_releasep) scmp_filter_ctx ctx = NULL;
    struct congo_seccomp *f;
    uint32_t def_action;
    bool notify = false;
    unsigned int kflags = 0;
    bool wait_killable = false;
    size_t i, j;
    int r;

    r = resolve_action(&def_action, s->default_action, &s->default_errno_ret, "linux.seccomp", "defaultAction",
                       "defaultErrnoRet", err);
    if (r < 0)
        return r;
    if (def_action == SCMP_ACT_NOTIFY)
        return congo_error_set(err, EINVAL,
                               "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action (every "
                               "syscall, including the ones that hand the listener fd over, would wait on it)");
    if (s->listener_metadata && !s->listener_path)
        return congo_error_set(err, EINVAL, "linux.seccomp.listenerMetadata: set without linux.seccomp.listenerPath");
    if (s->listener_path && s->listener_path[0] != '/')
        return congo_error_set(err, EINVAL, "linux.seccomp.listenerPath: \"%s\" is not an absolute path",
                               s->listener_path);

    for (i = 0; s->flags && s->flags[i]; i++) {
        for (j = 0; j < ARRAY_SIZE(flags); j++)
            if (strcmp(flags[j].name, s->flags[i]) == 0)
                break;
        if (j == ARRAY_SIZE(flags)) {
            _cleanup_free_ char *known = names_list(ARRAY_SIZE(flags), flag_name_at);
            return congo_error_set(err, EINVAL, "linux.seccomp.flags[%zu]: unknown flag \"%s\" (expected one of %s)",
                                   i, s->flags[i], known);
        }
        if (flags[j].flag == 0)
            continue;
        if (!kernel_has_flag(flags[j].flag, flags[j].needs_listener))
            return congo_error_set(err, EOPNOTSUPP, "linux.seccomp.flags[%zu]: %s is not supported by the running "
                                   "kernel", i, s->flags[i]);
        if (flags[j].needs_listener)
            wait_killable = true;
        else
            kflags |= flags[j].flag;
    }

    r = seccomp_available(err);
    if (r < 0)
        return r;
    ctx = seccomp_init(def_action);
    if (!ctx)
        return congo_error_set(err, EOPNOTSUPP, "linux.seccomp.defaultAction: libseccomp %s or the running kernel "
                               "does not support %s", congo_seccomp_libseccomp_version(), s->default_action);
    /* The child loads the program itself (seccomp_export_bpf does not set
     * no_new_privs anyway); the binary tree pays off on long lists (as in
     * runc: libseccomp <= 2.5.4 misbehaves with it on an empty filter). */
    if (s->n_syscalls > 32 && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
        congo_debug("seccomp: binary tree optimization not available in libseccomp %s",
                    congo_seccomp_libseccomp_version());

    for (i = 0; s->architectures && s->architectures[i]; i++) {
        const char *name = s->architectures[i];
        uint32_t tok = arch_token(name);
        if (tok == 0) {
            if (arch_name_known(name))
                return congo_error_set(err, EOPNOTSUPP, "linux.seccomp.architectures[%zu]: %s is not supported by "
                                       "libseccomp %s", i, name, congo_seccomp_libseccomp_version());
            return congo_error_set(err, EINVAL, "linux.seccomp.architectures[%zu]: unknown architecture \"%s\" "
                                   "(expected SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, ...; see `congo features`)",
                                   i, name);
        }
        r = seccomp_arch_add(ctx, tok);
        if (r < 0 && r != -EEXIST)
            return congo_error_set(err, -r, "linux.seccomp.architectures[%zu]: add %s", i, name);
    }

    for (i = 0; i < s->n_syscalls; i++) {
        const oci_seccomp_syscall *sc = &s->syscalls[i];
        _cleanup_free_ char *path = xasprintf("linux.seccomp.syscalls[%zu]", i);
        uint32_t action;

        if (!sc->names || !sc->names[0])
            return congo_error_set(err, EINVAL, "%s.names: must list at least one syscall", path);
        for (j = 0; sc->names[j]; j++)
            if (!sc->names[j][0])
                return congo_error_set(err, EINVAL, "%s.names[%zu]: empty syscall name", path, j);
        r = resolve_action(&action, sc->action, &sc->errno_ret, path, "action", "errnoRet", err);
        if (r < 0)
            return r;
        if (action == def_action) {
            /* libseccomp refuses a rule that repeats the default (EACCES):
             * it would change nothing anyway. */
            congo_debug("seccomp: %s: action %s is the default action; skipped", path, sc->action);
            continue;
        }
        if (action == SCMP_ACT_NOTIFY) {
            notify = true;
            /* congo's own init writes after the filter is loaded (its
             * "created" report, the exec fifo at start, errors): each write
             * would wait on the agent.  runc refuses it too. */
            for (j = 0; sc->names[j]; j++)
                if (strcmp(sc->names[j], "write") == 0)
                    return congo_error_set(err, EINVAL, "%s.names[%zu]: SCMP_ACT_NOTIFY cannot be used for the "
                                           "write syscall (the runtime writes after the filter is loaded and would "
                                           "wait on the agent)", path, j);
        }
        r = add_syscall_rules(ctx, sc, i, action, err);
        if (r < 0) {
            if (r == -EOPNOTSUPP)
                return congo_error_wrap(err, r, "%s.action: %s not supported by libseccomp %s or the running kernel",
                                        path, sc->action, congo_seccomp_libseccomp_version());
            return r;
        }
    }

    if (notify && !s->listener_path)
        return congo_error_set(err, EINVAL, "linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY "
                               "(nobody would answer the notified syscalls)");
    if (wait_killable) {
        if (notify)
            kflags |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
        else
            congo_debug("seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV has no effect without SCMP_ACT_NOTIFY rules; "
                        "not passed");
    }

    f = xzalloc(sizeof *f);
    f->flags = kflags;
    f->notify = notify;
    r = export_bpf(f, ctx, err);
    if (r >= 0)
        r = add_enosys_stub(f, s, def_action, err);
    if (r < 0) {
        congo_seccomp_free(f);
        return r;
    }
    *out = f;
    return 0;
}

/* ---- the cache of compiled programs ----------------------------------------
 *
 * libseccomp takes ~15 ms for a docker-sized profile on three architectures,
 * paid by every `congo create`; the same profile comes back container after
 * container.  Key: SHA-256 of everything the program depends on (the profile,
 * libseccomp's version, the kernel, this build of congo).  A cryptographic
 * hash, because a crafted collision would hand one container's program to a
 * container with another profile. */

#define CACHE_MAGIC "CONGOSC1"
#define CACHE_MAX_ENTRIES 64

struct cache_header {
    char magic[8];
    uint32_t flags;
    uint32_t notify;
    uint32_t n_insns;
    uint32_t reserved;
};

static void hash_bytes(struct congo_sha256 *c, const void *p, size_t len)
{
    uint64_t l = len;
    congo_sha256_update(c, &l, sizeof l);
    congo_sha256_update(c, p, len);
}
static void hash_str(struct congo_sha256 *c, const char *str)
{
    uint8_t present = str != NULL;
    congo_sha256_update(c, &present, 1);
    if (str)
        hash_bytes(c, str, strlen(str));
}
static void hash_u64(struct congo_sha256 *c, uint64_t v) { congo_sha256_update(c, &v, sizeof v); }
static void hash_strv(struct congo_sha256 *c, char *const *v)
{
    size_t n = strv_length(v);
    hash_u64(c, v ? n + 1 : 0);
    for (size_t i = 0; i < n; i++)
        hash_str(c, v[i]);
}

static void cache_key(char out[65], const oci_seccomp *s)
{
    struct congo_sha256 c;
    struct utsname u;
    uint8_t digest[32];
    size_t i, k;

    congo_sha256_init(&c);
    /* This build: the compile logic may differ between builds of one version. */
    hash_str(&c, "congo seccomp cache 1 " PACKAGE_VERSION " " __DATE__ " " __TIME__);
    hash_str(&c, congo_seccomp_libseccomp_version());
    if (uname(&u) == 0) {
        hash_str(&c, u.release);
        hash_str(&c, u.version);
        hash_str(&c, u.machine);
    }
    hash_str(&c, s->default_action);
    hash_u64(&c, s->default_errno_ret.set);
    hash_u64(&c, s->default_errno_ret.value);
    hash_strv(&c, s->architectures);
    hash_strv(&c, s->flags);
    hash_str(&c, s->listener_path);
    hash_str(&c, s->listener_metadata);
    hash_u64(&c, s->n_syscalls);
    for (i = 0; i < s->n_syscalls; i++) {
        const oci_seccomp_syscall *sc = &s->syscalls[i];
        hash_strv(&c, sc->names);
        hash_str(&c, sc->action);
        hash_u64(&c, sc->errno_ret.set);
        hash_u64(&c, sc->errno_ret.value);
        hash_u64(&c, sc->n_args);
        for (k = 0; k < sc->n_args; k++) {
            hash_u64(&c, sc->args[k].index);
            hash_u64(&c, sc->args[k].value);
            hash_u64(&c, sc->args[k].value_two.set);
            hash_u64(&c, sc->args[k].value_two.value);
            hash_str(&c, sc->args[k].op);
        }
    }
    congo_sha256_final(&c, digest);
    congo_sha256_hex(digest, out);
}

/* 1: found (*out set), 0: not in the cache. */
static int cache_load(struct congo_seccomp **out, int dirfd, const char *key)
{
    _cleanup_close_ int fd = -1;
    _cleanup_free_ char *buf = NULL;
    congo_error err = CONGO_ERROR_INIT;
    struct cache_header h;
    size_t len = 0;

    fd = openat(dirfd, key, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    if (read_fd(fd, sizeof h + (size_t) BPF_MAXINSNS * sizeof(struct sock_filter), &buf, &len, &err) < 0) {
        congo_debug("seccomp cache: %s: %s", key, err.msg);
        congo_error_clear(&err);
        return 0;
    }
    if (len < sizeof h)
        return 0;
    memcpy(&h, buf, sizeof h);
    if (memcmp(h.magic, CACHE_MAGIC, sizeof h.magic) != 0 || h.n_insns == 0 || h.n_insns > BPF_MAXINSNS ||
        len != sizeof h + h.n_insns * sizeof(struct sock_filter)) {
        congo_debug("seccomp cache: %s: not a congo program; ignored", key);
        return 0;
    }
    struct congo_seccomp *f = xzalloc(sizeof *f);
    f->flags = h.flags;
    f->notify = h.notify != 0;
    f->n_insns = h.n_insns;
    f->insns = xnew0(struct sock_filter, h.n_insns);
    memcpy(f->insns, buf + sizeof h, h.n_insns * sizeof(struct sock_filter));
    *out = f;
    return 1;
}

static void cache_store(const struct congo_seccomp *f, int dirfd, const char *key)
{
    struct cache_header h = { .flags = f->flags, .notify = f->notify, .n_insns = (uint32_t) f->n_insns };
    size_t len = sizeof h + f->n_insns * sizeof(struct sock_filter);
    _cleanup_free_ char *buf = xmalloc(len);
    congo_error err = CONGO_ERROR_INIT;
    _cleanup_close_ int dfd = -1;
    _cleanup_closedir_ DIR *d = NULL;
    struct dirent *de;
    size_t n = 0;

    /* Bounded: past CACHE_MAX_ENTRIES programs, start over. */
    dfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
    if (dfd >= 0 && (d = fdopendir(dfd)) != NULL) {
        dfd = -1;
        while ((de = readdir(d)))
            n += de->d_name[0] != '.';
        if (n >= CACHE_MAX_ENTRIES) {
            rewinddir(d);
            while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                    unlinkat(dirfd, de->d_name, 0);
        }
    }
    memcpy(h.magic, CACHE_MAGIC, sizeof h.magic);
    memcpy(buf, &h, sizeof h);
    memcpy(buf + sizeof h, f->insns, f->n_insns * sizeof(struct sock_filter));
    if (write_file_atomic_at(dirfd, key, buf, len, 0600, &err) < 0) {
        congo_debug("seccomp cache: store %s: %s", key, err.msg);
        congo_error_clear(&err);
    }
}

int congo_seccomp_compile_cached(struct congo_seccomp **out, const oci_seccomp *s, const char *cache_dir,
                                 congo_error *err)
{
    _cleanup_close_ int dirfd = -1;
    congo_error e = CONGO_ERROR_INIT;
    char key[65];
    int r;

    if (!cache_dir)
        return congo_seccomp_compile(out, s, err);
    dirfd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0 && errno == ENOENT) {
        if (mkdir_p_at(AT_FDCWD, cache_dir, 0700, &e) < 0) {
            congo_debug("seccomp cache: %s", e.msg);
            congo_error_clear(&e);
        }
        dirfd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (dirfd < 0) {
        congo_debug("seccomp cache: open `%s`: %s; compiling without it", cache_dir, strerror(errno));
        return congo_seccomp_compile(out, s, err);
    }
    cache_key(key, s);
    if (cache_load(out, dirfd, key) == 1) {
        congo_debug("seccomp cache: %s/%s: hit", cache_dir, key);
        return 0;
    }
    r = congo_seccomp_compile(out, s, err);
    if (r < 0)
        return r;
    cache_store(*out, dirfd, key);
    return 0;
}

void congo_seccomp_free(struct congo_seccomp *f)
{
    if (!f)
        return;
    free(f->insns);
    free(f);
}

bool congo_seccomp_uses_notify(const struct congo_seccomp *f) { return f && f->notify; }
size_t congo_seccomp_bpf_len(const struct congo_seccomp *f) { return f->n_insns; }
const void *congo_seccomp_bpf(const struct congo_seccomp *f) { return f->insns; }

bool congo_seccomp_load_early(const oci_process *p)
{
    if (!p || p->no_new_privileges)
        return false;
    if (p->capabilities && p->capabilities->effective)
        for (char **c = p->capabilities->effective; *c; c++)
            if (strcmp(*c, "CAP_SYS_ADMIN") == 0)
                return false;
    return true;
}

/* ---- load (in the child) -------------------------------------------------- */

/* No allocation, no libseccomp: the child only makes the one syscall. */
static int do_load(struct congo_seccomp *f, long *ret, congo_error *err)
{
    struct sock_fprog prog = { .len = (unsigned short) f->n_insns, .filter = f->insns };
    unsigned int fl = f->flags | (f->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
    long r;

    r = sys_seccomp(SECCOMP_SET_MODE_FILTER, fl, &prog);
    if (r < 0 && errno == ENOSYS && fl == 0)
        r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0); /* kernels before 3.17 */
    if (r < 0) {
        if (errno == EACCES)
            return congo_error_errno(err, "load the seccomp filter: the process has neither no_new_privs nor "
                                     "CAP_SYS_ADMIN (load it before dropping capabilities when noNewPrivileges "
                                     "is false)");
        return congo_error_errno(err, "load the seccomp filter (seccomp flags 0x%x)", fl);
    }
    *ret = r;
    return 0;
}

int congo_seccomp_load(struct congo_seccomp *f, int *notify_fd, congo_error *err)
{
    long r = -1;
    int ret;

    if (f->notify && !notify_fd)
        return congo_error_set(err, EINVAL, "load the seccomp filter: the profile uses SCMP_ACT_NOTIFY but the "
                               "caller takes no listener fd");
    ret = do_load(f, &r, err);
    if (ret < 0)
        return ret;
    if (notify_fd)
        *notify_fd = f->notify ? (int) r : -1;
    return 0;
}

/* The 4-byte message from child to parent: the listener fd, or none because
 * the load failed (the caller then reports its error as usual). */
static const char listener_tag[4] = { 'S', 'C', 'F', 'D' };
static const char no_listener_tag[4] = { 'S', 'C', 'N', 'O' };

/* Shared between the loading thread and its helper (CLONE_VM). */
struct handover {
    int sock;
    _Atomic int fd;             /* -1 until loaded; -2: the load failed */
    _Atomic int result;         /* 0 sent; -errno */
    _Atomic pid_t tid;          /* the helper's tid; the kernel zeroes it when the helper is gone */
};

/* Raw syscalls only: the helper shares the caller's thread pointer (TLS),
 * so no libc function that uses thread state (only errno, briefly). */
static int send_fd_raw(int sock, int fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = { .iov_base = (void *) (fd >= 0 ? listener_tag : no_listener_tag), .iov_len = 4 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    long r;

    if (fd >= 0) {
        struct cmsghdr *c;
        memset(u.buf, 0, sizeof u.buf);
        msg.msg_control = u.buf;
        msg.msg_controllen = sizeof u.buf;
        c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    do
        r = syscall(SYS_sendmsg, sock, &msg, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    return r == 4 ? 0 : -EIO;
}

static int handover_thread(void *arg)
{
    struct handover *h = arg;
    const struct timespec tick = { 0, 1000000 };
    int fd;

    /* Woken by the loader's FUTEX_WAKE; the 1 ms timeout covers a profile
     * that filters futex (the loader's wake then never arrives). */
    while ((fd = atomic_load(&h->fd)) == -1)
        syscall(SYS_futex, &h->fd, FUTEX_WAIT, -1, &tick, NULL, 0);
    atomic_store(&h->result, send_fd_raw(h->sock, fd >= 0 ? fd : -1));
    return 0;
}

int congo_seccomp_load_send(struct congo_seccomp *f, int sock, congo_error *err)
{
    const size_t stack_size = 64 * 1024;
    struct handover *h;
    void *stack;
    long r = -1;
    pid_t tid;
    int ret;

    if (!f->notify)
        return congo_seccomp_load(f, NULL, err);

    /* The helper thread runs unfiltered (a filter applies to the thread that
     * loads it and to what it creates afterwards), shares the fd table, and
     * sends the listener fd as soon as it exists.  The loading thread makes no
     * syscall the helper depends on: a profile may NOTIFY futex, write or
     * sendmsg, and the listener cannot answer before it has the fd. */
    stack = mmap(NULL, stack_size + sizeof *h, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1,
                 0);
    if (stack == MAP_FAILED)
        return congo_error_errno(err, "seccomp notify: map the helper stack");
    h = (struct handover *) ((char *) stack + stack_size);
    h->sock = sock;
    atomic_store(&h->fd, -1);
    atomic_store(&h->result, -EIO);
    tid = clone(handover_thread, h, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID, h, (pid_t *) &h->tid, NULL,
                (pid_t *) &h->tid);
    if (tid < 0) {
        ret = congo_error_errno(err, "seccomp notify: start the listener fd helper thread");
        munmap(stack, stack_size + sizeof *h);
        return ret;
    }

    ret = do_load(f, &r, err);
    atomic_store(&h->fd, ret < 0 ? -2 : (int) r);
    syscall(SYS_futex, &h->fd, FUTEX_WAKE, 1, NULL, NULL, 0);
    /* Wait for the helper to be gone (CLONE_CHILD_CLEARTID).  errno is left
     * alone while it runs; a filtered futex just makes this a spin. */
    for (pid_t t; (t = atomic_load(&h->tid)) != 0;)
        syscall(SYS_futex, &h->tid, FUTEX_WAIT, t, NULL, NULL, 0);
    if (ret < 0)
        return ret; /* the helper said "no fd"; the stack is left to execve or exit */
    int sent = atomic_load(&h->result);
    /* The fd is O_CLOEXEC: even if this close is filtered it never reaches
     * the container's program. */
    close((int) r);
    if (sent < 0)
        return congo_error_set(err, -sent, "seccomp notify: send the listener fd to the runtime");
    return 0;
}

int congo_seccomp_recv_listener_fd(int sock, int *fd_out, congo_error *err)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    char tag[sizeof listener_tag];
    struct iovec iov = { .iov_base = tag, .iov_len = sizeof tag };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    struct cmsghdr *c;
    ssize_t n;
    int fd = -1;

    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return congo_error_errno(err, "seccomp notify: receive the listener fd");
    for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
    if (n == 0)
        return congo_error_set(err, EPIPE, "seccomp notify: the container process exited before sending the "
                               "listener fd");
    if (fd < 0 && (size_t) n == sizeof tag && memcmp(tag, no_listener_tag, sizeof tag) == 0)
        return congo_error_set(err, ECANCELED, "seccomp notify: the container process could not load its seccomp "
                               "filter");
    if (fd < 0 || (size_t) n != sizeof tag || memcmp(tag, listener_tag, sizeof tag) != 0 ||
        (msg.msg_flags & MSG_CTRUNC)) {
        if (fd >= 0)
            close(fd);
        return congo_error_set(err, EPROTO, "seccomp notify: unexpected message instead of the listener fd");
    }
    *fd_out = fd;
    return 0;
}

/* ---- the seccomp agent ---------------------------------------------------- */

static int connect_unix(int *out, const char *path, congo_error *err)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    _cleanup_close_ int fd = -1, dirfd = -1;
    _cleanup_free_ char *proc_path = NULL;
    const char *target = path;
    int r;

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return congo_error_errno(err, "socket");
    if (strlen(path) >= sizeof addr.sun_path) {
        /* Too long for sun_path: connect through the directory's fd. */
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = xstrndup(path, (size_t) (slash - path));
        dirfd = open(*dir ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
            return congo_error_errno(err, "open the directory of `%s`", path);
        proc_path = xasprintf("/proc/self/fd/%d/%s", dirfd, slash + 1);
        if (strlen(proc_path) >= sizeof addr.sun_path)
            return congo_error_set(err, ENAMETOOLONG, "socket path `%s` is too long", path);
        target = proc_path;
    }
    memcpy(addr.sun_path, target, strlen(target) + 1);
    do
        r = connect(fd, (struct sockaddr *) &addr, sizeof addr);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return congo_error_errno(err, "connect to `%s`", path);
    *out = steal_fd(&fd);
    return 0;
}

/* JSON-quote a string with yajl's escaping. */
static char *json_quote(const char *s)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;
    char *r;

    yajl_gen_string(g, (const unsigned char *) s, strlen(s));
    yajl_gen_get_buf(g, &buf, &len);
    r = xstrndup((const char *) buf, len);
    yajl_gen_free(g);
    return r;
}

int congo_seccomp_send_listener(const oci_seccomp *s, int notify_fd, const char *state_json, congo_error *err)
{
    return congo_seccomp_send_listener_pid(s, notify_fd, 0, state_json, err);
}

int congo_seccomp_send_listener_pid(const oci_seccomp *s, int notify_fd, pid_t pid, const char *state_json,
                                    congo_error *err)
{
    const char *pid_path[] = { "pid", NULL };
    _cleanup_close_ int sock = -1;
    _cleanup_free_ char *msg = NULL, *meta = NULL;
    yajl_val state, v;
    long long pidv = pid;
    int r;

    if (!s->listener_path)
        return congo_error_set(err, EINVAL, "linux.seccomp.listenerPath: not set but a rule uses SCMP_ACT_NOTIFY");
    /* The state goes out verbatim inside the message: it must be JSON. */
    if ((r = congo_json_tree_parse(&state, state_json, 0, "container state", err)) < 0)
        return congo_error_wrap(err, r, "seccomp agent");
    if (pidv <= 0) {
        v = yajl_tree_get(state, pid_path, yajl_t_number);
        pidv = v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : -1;
    }
    yajl_tree_free(state);
    if (pidv <= 0)
        return congo_error_set(err, EINVAL, "seccomp agent: the container state has no \"pid\"");

    meta = json_quote(s->listener_metadata ? s->listener_metadata : "");
    msg = xasprintf("{\"ociVersion\":\"%s\",\"fds\":[\"seccompFd\"],\"pid\":%lld,\"metadata\":%s,\"state\":%s}",
                    CONGO_OCI_VERSION, pidv, meta, state_json);

    r = connect_unix(&sock, s->listener_path, err);
    if (r < 0)
        return congo_error_wrap(err, r, "seccomp agent at linux.seccomp.listenerPath");

    /* The fd goes with the first bytes (the spec: fds only in the first
     * sendmsg); a stream socket may take the rest in more writes. */
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    size_t len = strlen(msg), off;
    struct iovec iov = { .iov_base = msg, .iov_len = len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    ssize_t n;

    memset(u.buf, 0, sizeof u.buf);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &notify_fd, sizeof notify_fd);
    do
        n = sendmsg(sock, &mh, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return congo_error_errno(err, "seccomp agent at `%s`: send the seccomp fd and the state", s->listener_path);
    for (off = (size_t) n; off < len; off += (size_t) n) {
        do
            n = send(sock, msg + off, len - off, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return congo_error_errno(err, "seccomp agent at `%s`: send the state", s->listener_path);
    }
    /* One state per connection, closed after sending (the spec). */
    if (close(steal_fd(&sock)) < 0 && errno != EINTR)
        return congo_error_errno(err, "seccomp agent at `%s`: close the connection", s->listener_path);
    return 0;
}

/* ---- features ------------------------------------------------------------- */

const char *const *congo_seccomp_actions(void)
{
    static const char *list[ARRAY_SIZE(actions) + 1];
    if (!list[0])
        for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
            list[i] = actions[i].name;
    return list;
}

const char *const *congo_seccomp_operators(void)
{
    static const char *list[ARRAY_SIZE(operators) + 1];
    if (!list[0])
        for (size_t i = 0; i < ARRAY_SIZE(operators); i++)
            list[i] = operators[i].name;
    return list;
}

const char *const *congo_seccomp_archs(void)
{
    static const char *list[ARRAY_SIZE(all_archs) + 1];
    static bool done;
    if (!done) {
        size_t n = 0;
        for (size_t i = 0; i < ARRAY_SIZE(all_archs); i++)
            if (arch_token(all_archs[i]) != 0)
                list[n++] = all_archs[i];
        done = true;
    }
    return list;
}

const char *const *congo_seccomp_known_flags(void)
{
    static const char *list[ARRAY_SIZE(flags) + 1];
    if (!list[0])
        for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
            list[i] = flags[i].name;
    return list;
}

const char *const *congo_seccomp_supported_flags(void)
{
    static const char *list[ARRAY_SIZE(flags) + 1];
    static bool done;
    if (!done) {
        size_t n = 0;
        for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
            if (flags[i].flag == 0 || kernel_has_flag(flags[i].flag, flags[i].needs_listener))
                list[n++] = flags[i].name;
        done = true;
    }
    return list;
}

const char *congo_seccomp_libseccomp_version(void)
{
    static char buf[32];
    if (!buf[0]) {
        const struct scmp_version *v = seccomp_version();
        snprintf(buf, sizeof buf, "%u.%u.%u", v->major, v->minor, v->micro);
    }
    return buf;
}
