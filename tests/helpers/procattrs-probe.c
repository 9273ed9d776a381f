/* procattrs-probe: print the calling process's personality, scheduling
 * attributes, I/O priority, CPU affinity and NUMA memory policy as the
 * kernel reports them (sched_getattr, ioprio_get, sched_getaffinity,
 * get_mempolicy, keyctl), one "key value" line each.  Built static so that it runs
 * inside a busybox container (tests/process/test-procattrs.sh copies it in).
 * It makes no fork, so it can run under SCHED_DEADLINE. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

struct sched_attr_v1 {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t util_min, util_max;
};

static void print_list(const char *key, const unsigned long *mask, size_t nbits)
{
    const size_t bpl = 8 * sizeof(unsigned long);
    bool first = true;
    printf("%s ", key);
    for (size_t i = 0; i < nbits; i++) {
        if (!(mask[i / bpl] & (1UL << (i % bpl))))
            continue;
        size_t j = i;
        while (j + 1 < nbits && (mask[(j + 1) / bpl] & (1UL << ((j + 1) % bpl))))
            j++;
        printf(first ? "" : ",");
        first = false;
        if (j > i)
            printf("%zu-%zu", i, j);
        else
            printf("%zu", i);
        i = j;
    }
    printf("%s\n", first ? "-" : "");
}

int main(void)
{
    static const char *const policies[] = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
                                            "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE" };
    static const char *const classes[] = { "none", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE" };
    static const char *const modes[] = { "MPOL_DEFAULT", "MPOL_PREFERRED",      "MPOL_BIND",
                                         "MPOL_INTERLEAVE", "MPOL_LOCAL", "MPOL_PREFERRED_MANY",
                                         "MPOL_WEIGHTED_INTERLEAVE" };
    struct sched_attr_v1 a = { 0 };
    unsigned long cpus[8192 / (8 * sizeof(unsigned long))] = { 0 };
    unsigned long nodes[1024 / (8 * sizeof(unsigned long))] = { 0 };
    int mode = 0;
    long io;

    printf("personality 0x%x\n", personality(0xffffffff));
    if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) == 0) {
        printf("policy %s\n", a.sched_policy < 7 ? policies[a.sched_policy] : "?");
        printf("nice %d\npriority %u\n", a.sched_nice, a.sched_priority);
        printf("runtime %llu\ndeadline %llu\nperiod %llu\n", (unsigned long long) a.sched_runtime,
               (unsigned long long) a.sched_deadline, (unsigned long long) a.sched_period);
        printf("sched_flags 0x%llx\n", (unsigned long long) a.sched_flags);
    } else {
        perror("sched_getattr");
    }
    io = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
    if (io >= 0)
        printf("ioprio %s %ld\n", classes[(io >> 13) & 3], io & 0x1fff);
    else
        perror("ioprio_get");
    if (syscall(SYS_sched_getaffinity, 0, sizeof cpus, cpus) > 0)
        print_list("cpus", cpus, 8192);
    else
        perror("sched_getaffinity");
    if (syscall(SYS_get_mempolicy, &mode, nodes, 1025UL, NULL, 0UL) == 0) {
        int m = mode & 0xff;
        printf("mempolicy %s%s%s%s\n", m < 7 ? modes[m] : "?", mode & (1 << 15) ? "|MPOL_F_STATIC_NODES" : "",
               mode & (1 << 14) ? "|MPOL_F_RELATIVE_NODES" : "", mode & (1 << 13) ? "|MPOL_F_NUMA_BALANCING" : "");
        print_list("mempolicy_nodes", nodes, 1024);
    } else {
        perror("get_mempolicy");
    }
    /* The session keyring: "keyring;uid;gid;perm;description". */
    long key = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* KEY_SPEC_SESSION_KEYRING */, 0);
    char desc[256] = "";
    if (key >= 0 && syscall(SYS_keyctl, 6 /* KEYCTL_DESCRIBE */, key, desc, sizeof desc - 1) >= 0) {
        const char *d = strrchr(desc, ';');
        printf("session_keyring %s\n", d ? d + 1 : desc);
    } else {
        perror("keyctl");
    }
    return 0;
}
