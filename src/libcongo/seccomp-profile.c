/* congo's default seccomp profile: a deny-list (see seccomp-profile.h). */
#include "config.h"

#include "seccomp-profile.h"

#include <errno.h>
#include <stdarg.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "utils.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* clone's flags argument: the first one, except on s390 (stack comes first). */
#if defined(__s390__) || defined(__s390x__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif

/* The namespaces a new one of which is a privileged operation in docker's
 * profile (its 0x7E020000 mask), plus time for unshare (in clone's flags
 * 0x80 is part of the exit signal, so clone cannot ask for it). */
#define NS_FLAGS_CLONE (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

struct rule {
    const char *names;          /* space-separated */
    const char *cap1, *cap2;    /* not denied when the container keeps one of these */
    int errno_ret;              /* 0: EPERM */
    int arg;                    /* -1: unconditional; else MASKED_EQ on this argument */
    uint64_t mask, value;       /* value EACH_BIT: one rule per bit of mask */
};
#define EACH_BIT UINT64_MAX

#define ALWAYS NULL, NULL

static const struct rule rules[] = {
    /* The kernel keyring is not namespaced: keys of one container are another's. */
    { "add_key keyctl request_key", ALWAYS, 0, -1, 0, 0 },
    /* Big, recent, bug-prone surfaces that containers rarely need. */
    { "io_uring_setup io_uring_enter io_uring_register", ALWAYS, 0, -1, 0, 0 },
    { "userfaultfd", "CAP_SYS_PTRACE", NULL, 0, -1, 0, 0 },
    { "bpf", "CAP_SYS_ADMIN", "CAP_BPF", 0, -1, 0, 0 },
    { "perf_event_open", "CAP_SYS_ADMIN", "CAP_PERFMON", 0, -1, 0, 0 },
    /* The host's kernel, modules, clock, log, accounting, swap, reboot. */
    { "kexec_load kexec_file_load reboot", "CAP_SYS_BOOT", NULL, 0, -1, 0, 0 },
    { "init_module finit_module delete_module", "CAP_SYS_MODULE", NULL, 0, -1, 0, 0 },
    { "settimeofday stime clock_settime clock_adjtime", "CAP_SYS_TIME", NULL, 0, -1, 0, 0 },
    { "syslog", "CAP_SYSLOG", NULL, 0, -1, 0, 0 },
    { "acct", "CAP_SYS_PACCT", NULL, 0, -1, 0, 0 },
    { "iopl ioperm", "CAP_SYS_RAWIO", NULL, 0, -1, 0, 0 },
    { "vhangup", "CAP_SYS_TTY_CONFIG", NULL, 0, -1, 0, 0 },
    { "kcmp", "CAP_SYS_PTRACE", NULL, 0, -1, 0, 0 },
    /* open_by_handle_at walks around the container's root (the "shocker" escape). */
    { "open_by_handle_at", "CAP_DAC_READ_SEARCH", NULL, 0, -1, 0, 0 },
    /* Mounts, namespaces and quota: CAP_SYS_ADMIN's business. */
    { "mount umount umount2 pivot_root move_mount open_tree fsopen fsconfig fsmount fspick mount_setattr "
      "swapon swapoff quotactl quotactl_fd fanotify_init name_to_handle_at lookup_dcookie setns",
      "CAP_SYS_ADMIN", NULL, 0, -1, 0, 0 },
    /* clone3 passes its flags in memory a filter cannot read: ENOSYS makes
     * libc fall back to clone, whose flags are checked below. */
    { "clone3", "CAP_SYS_ADMIN", NULL, ENOSYS, -1, 0, 0 },
    /* A new namespace of any kind: one rule per flag, as a filter can only
     * test "all of these bits", not "any of them". */
    { "clone", "CAP_SYS_ADMIN", NULL, 0, CLONE_FLAGS_ARG, NS_FLAGS_CLONE, EACH_BIT },
    /* unshare(CLONE_FS) and friends stay allowed. */
    { "unshare", "CAP_SYS_ADMIN", NULL, 0, 0, NS_FLAGS_CLONE | CLONE_NEWTIME, EACH_BIT },
    /* Terminal input injection into a terminal shared with the host. */
    { "ioctl", ALWAYS, 0, 1, 0xffffffffULL, TIOCSTI },
    { "ioctl", ALWAYS, 0, 1, 0xffffffffULL, TIOCLINUX },
    /* Host-guest sockets. */
    { "socket", ALWAYS, 0, 0, 0xffffffffULL, AF_VSOCK },
    /* Obsolete or never implemented: nothing uses them. */
    { "uselib ustat sysfs _sysctl vm86 vm86old nfsservctl get_kernel_syms query_module create_module "
      "afs_syscall tuxcall security getpmsg putpmsg vserver",
      ALWAYS, 0, -1, 0, 0 },
};

static bool has_cap(const char *const *caps, const char *cap)
{
    if (!cap || !caps)
        return false;
    for (; *caps; caps++)
        if (strcmp(*caps, cap) == 0)
            return true;
    return false;
}

/* The native architecture and its compat ABIs, as SCMP_ARCH_* names. */
static const char *const *native_archs(void)
{
#if defined(__x86_64__) && defined(__ILP32__)
    static const char *const a[] = { "SCMP_ARCH_X32", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", NULL };
#elif defined(__x86_64__)
    static const char *const a[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL };
#elif defined(__i386__)
    static const char *const a[] = { "SCMP_ARCH_X86", NULL };
#elif defined(__aarch64__)
    static const char *const a[] = { "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL };
#elif defined(__arm__)
    static const char *const a[] = { "SCMP_ARCH_ARM", NULL };
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    static const char *const a[] = { "SCMP_ARCH_PPC64LE", NULL };
#elif defined(__powerpc64__)
    static const char *const a[] = { "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC", NULL };
#elif defined(__s390x__)
    static const char *const a[] = { "SCMP_ARCH_S390X", "SCMP_ARCH_S390", NULL };
#elif defined(__riscv) && __riscv_xlen == 64
    static const char *const a[] = { "SCMP_ARCH_RISCV64", NULL };
#elif defined(__loongarch64)
    static const char *const a[] = { "SCMP_ARCH_LOONGARCH64", NULL };
#else
    static const char *const a[] = { NULL }; /* the native one only (libseccomp's default) */
#endif
    return a;
}

struct buf {
    char *s;
    size_t len, cap;
};

static void __attribute__((format(printf, 2, 3))) put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->len + (size_t) n + 1 > b->cap) {
        b->cap = (b->len + (size_t) n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t) n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t) n;
}

static void put_rule(struct buf *b, const struct rule *r, int indent, bool *first, uint64_t mask, uint64_t value)
{
    const char *p = r->names;

    put(b, "%s\n%*s    { \"names\": [ ", *first ? "" : ",", indent, "");
    *first = false;
    for (bool first_name = true; *p; first_name = false) {
        size_t n = strcspn(p, " ");
        put(b, "%s\"%.*s\"", first_name ? "" : ", ", (int) n, p);
        p += n;
        p += strspn(p, " ");
    }
    put(b, " ], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": %d", r->errno_ret ? r->errno_ret : EPERM);
    if (r->arg >= 0)
        put(b, ",\n%*s      \"args\": [ { \"index\": %d, \"value\": %llu, \"valueTwo\": %llu, "
               "\"op\": \"SCMP_CMP_MASKED_EQ\" } ]",
            indent, "", r->arg, (unsigned long long) mask, (unsigned long long) value);
    put(b, " }");
}

char *congo_seccomp_default_profile(const char *const *caps, int indent)
{
    struct buf b = { 0 };
    const char *const *arch = native_archs();
    bool first = true;
    size_t i;

    put(&b, "{\n%*s  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n", indent, "");
    if (arch[0]) {
        put(&b, "%*s  \"architectures\": [ ", indent, "");
        for (i = 0; arch[i]; i++)
            put(&b, "%s\"%s\"", i ? ", " : "", arch[i]);
        put(&b, " ],\n");
    }
    put(&b, "%*s  \"syscalls\": [", indent, "");
    for (i = 0; i < ARRAY_SIZE(rules); i++) {
        const struct rule *r = &rules[i];

        if (has_cap(caps, r->cap1) || has_cap(caps, r->cap2))
            continue;
        if (r->arg < 0) {
            put_rule(&b, r, indent, &first, 0, 0);
        } else if (r->value != EACH_BIT) {
            put_rule(&b, r, indent, &first, r->mask, r->value);
        } else {
            for (int bit = 0; bit < 64; bit++)
                if (r->mask & (1ULL << bit))
                    put_rule(&b, r, indent, &first, 1ULL << bit, 1ULL << bit);
        }
    }
    put(&b, "\n%*s  ]\n%*s}", indent, "", indent, "");
    return b.s;
}
