/* Device access control: linux.resources.devices as the kernel's v1 devices
 * controller sees it, enforced through the v1 devices hierarchy or, on
 * cgroup2, through an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE.
 *
 * The rules are first reduced the way the v1 controller reduces them (a
 * default behaviour, allow or deny, plus a list of exceptions), starting
 * from deny-all and ending with runc's default devices, so that v1 and v2
 * hosts enforce exactly the same thing.  The v2 program is written here
 * instruction by instruction. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "cgroup-internal.h"
#include "log.h"
#include "utils.h"

/* Devices every container gets on top of its rules (as runc and crun do):
 * mknod of any node, the standard character devices, ptys and tun. */
static const struct congo_dev_rule default_devices[] = {
    { 'c', -1, -1, CONGO_DEV_M, true },
    { 'b', -1, -1, CONGO_DEV_M, true },
    { 'c', 1, 3, CONGO_DEV_RWM, true },   /* /dev/null */
    { 'c', 1, 5, CONGO_DEV_RWM, true },   /* /dev/zero */
    { 'c', 1, 7, CONGO_DEV_RWM, true },   /* /dev/full */
    { 'c', 1, 8, CONGO_DEV_RWM, true },   /* /dev/random */
    { 'c', 1, 9, CONGO_DEV_RWM, true },   /* /dev/urandom */
    { 'c', 5, 0, CONGO_DEV_RWM, true },   /* /dev/tty */
    { 'c', 5, 2, CONGO_DEV_RWM, true },   /* /dev/ptmx */
    { 'c', 136, -1, CONGO_DEV_RWM, true }, /* /dev/pts/N */
    { 'c', 10, 200, CONGO_DEV_RWM, true }, /* /dev/net/tun */
};

static void state_reset(struct congo_dev_state *st, bool allow)
{
    free(st->ex);
    st->ex = NULL;
    st->n = 0;
    st->allow_all = allow;
}

/* The v1 controller's rule handling: an exception of the opposite kind is
 * added (access merged into an identical one); a rule of the same kind as
 * the behaviour removes access from the identical exception. */
static void state_apply(struct congo_dev_state *st, const struct congo_dev_rule *r)
{
    if (r->type == 'a') {
        if (r->major == -1 && r->minor == -1 && r->access == CONGO_DEV_RWM) {
            state_reset(st, r->allow);
            return;
        }
        /* "a" with numbers or partial access: both kinds of node. */
        struct congo_dev_rule c = *r, b = *r;
        c.type = 'c';
        b.type = 'b';
        state_apply(st, &c);
        state_apply(st, &b);
        return;
    }
    for (size_t i = 0; i < st->n; i++) {
        struct congo_dev_rule *e = &st->ex[i];
        if (e->type != r->type || e->major != r->major || e->minor != r->minor)
            continue;
        if (r->allow != st->allow_all) {
            e->access |= r->access;
        } else {
            e->access &= ~r->access;
            if (!e->access) {
                memmove(e, e + 1, (st->n - i - 1) * sizeof *e);
                st->n--;
            }
        }
        return;
    }
    if (r->allow == st->allow_all)
        return;
    st->ex = xrealloc(st->ex, (st->n + 1) * sizeof *st->ex);
    st->ex[st->n] = *r;
    st->ex[st->n].allow = r->allow;
    st->n++;
}

/* Letters other than r, w and m are ignored, as runc ignores them (its
 * device rules go through an r/w/m set); *unknown tells there were some. */
static int parse_access(const char *s, unsigned *out, bool *unknown)
{
    unsigned a = 0;
    *unknown = false;
    if (!s) {
        *out = CONGO_DEV_RWM;
        return 0;
    }
    if (!*s)
        return -1;
    for (; *s; s++) {
        switch (*s) {
        case 'r': a |= CONGO_DEV_R; break;
        case 'w': a |= CONGO_DEV_W; break;
        case 'm': a |= CONGO_DEV_M; break;
        default: *unknown = true; break;
        }
    }
    *out = a;
    return 0;
}

int congo_cgroup_devices_reduce(struct congo_dev_state *out, const oci_device_cgroup *rules, size_t n,
                                congo_error *err)
{
    struct congo_dev_state st = { .allow_all = false };

    for (size_t i = 0; i < n; i++) {
        const oci_device_cgroup *d = &rules[i];
        struct congo_dev_rule r = { .allow = d->allow };
        const char *t = d->type ? d->type : "a";

        if (strcmp(t, "a") != 0 && strcmp(t, "c") != 0 && strcmp(t, "b") != 0) {
            free(st.ex);
            return congo_error_set(err, 0, "linux.resources.devices[%zu].type: `%s` is not a device type "
                                           "(expected \"a\", \"c\" or \"b\")", i, t);
        }
        r.type = t[0];
        r.major = d->major.set ? d->major.value : -1;
        r.minor = d->minor.set ? d->minor.value : -1;
        if (r.major < -1 || r.minor < -1 || r.major > 0xfffff || r.minor > 0xfffff) {
            free(st.ex);
            return congo_error_set(err, 0, "linux.resources.devices[%zu]: device number %lld:%lld out of range",
                                   i, (long long) r.major, (long long) r.minor);
        }
        bool unknown;
        if (parse_access(d->access, &r.access, &unknown) < 0) {
            free(st.ex);
            return congo_error_set(err, 0, "linux.resources.devices[%zu].access: empty (expected a combination of "
                                           "r, w and m)", i);
        }
        if (unknown)
            congo_warning("linux.resources.devices[%zu].access: ignoring the letters other than r, w and m in `%s`",
                          i, d->access);
        /* Nothing left: the rule changes nothing. */
        if (r.access)
            state_apply(&st, &r);
    }
    for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++)
        state_apply(&st, &default_devices[i]);
    *out = st;
    return 0;
}

void congo_dev_state_free(struct congo_dev_state *st)
{
    free(st->ex);
    st->ex = NULL;
    st->n = 0;
}

static void fmt_num(char *buf, size_t size, int64_t v)
{
    if (v < 0)
        snprintf(buf, size, "*");
    else
        snprintf(buf, size, "%lld", (long long) v);
}

char *congo_dev_rule_string(const struct congo_dev_rule *r)
{
    char maj[24], min[24], acc[4];
    size_t k = 0;
    fmt_num(maj, sizeof maj, r->major);
    fmt_num(min, sizeof min, r->minor);
    if (r->access & CONGO_DEV_R)
        acc[k++] = 'r';
    if (r->access & CONGO_DEV_W)
        acc[k++] = 'w';
    if (r->access & CONGO_DEV_M)
        acc[k++] = 'm';
    acc[k] = '\0';
    return xasprintf("%c %s:%s %s", r->type, maj, min, acc);
}

/* ---- the cgroup v2 program ---- */

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    struct bpf_insn i = { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
    return i;
}

/* Registers: r2 = device type, r3 = requested access, r4 = major, r5 = minor. */
int congo_cgroup_devices_program(const struct congo_dev_state *st, struct bpf_insn **out, size_t *n_out)
{
    size_t cap = 8 + st->n * 8, n = 0;
    struct bpf_insn *p = xnew0(struct bpf_insn, cap);

    /* r2 = ctx->access_type; r3 = r2 >> 16; r2 &= 0xffff; r4 = ctx->major; r5 = ctx->minor */
    p[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
    p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
    p[n++] = insn(BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
    p[n++] = insn(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
    p[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
    p[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);

    for (size_t i = 0; i < st->n; i++) {
        const struct congo_dev_rule *e = &st->ex[i];
        size_t start = n, jumps[4], nj = 0;

        jumps[nj++] = n;
        p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0,
                      e->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
        if (e->major >= 0) {
            jumps[nj++] = n;
            p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, (int32_t) e->major);
        }
        if (e->minor >= 0) {
            jumps[nj++] = n;
            p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (int32_t) e->minor);
        }
        p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
        jumps[nj++] = n + 1;
        if (st->allow_all) {
            /* Default allow: denied when any requested access is denied here. */
            p[n++] = insn(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int32_t) e->access);
            p[n++] = insn(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_1, 0, 0, 0);
            p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
        } else {
            /* Default deny: allowed when this exception covers all of it. */
            p[n++] = insn(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int32_t) (CONGO_DEV_RWM & ~e->access));
            p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, 0, 0, 0);
            p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
        }
        p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        for (size_t j = 0; j < nj; j++)
            p[jumps[j]].off = (int16_t) (n - jumps[j] - 1);
        (void) start;
    }
    p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, st->allow_all ? 1 : 0);
    p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    *out = p;
    *n_out = n;
    return 0;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
    return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

int congo_cgroup_devices_load(int *prog_fd, const struct congo_dev_state *st, congo_error *err)
{
    _cleanup_free_ struct bpf_insn *prog = NULL;
    char log[4096] = "";
    union bpf_attr attr;
    size_t n;
    int fd;

    congo_cgroup_devices_program(st, &prog, &n);
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t) (uintptr_t) prog;
    attr.insn_cnt = (uint32_t) n;
    attr.license = (uint64_t) (uintptr_t) "GPL";
    fd = (int) sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd < 0 && errno != EPERM && errno != ENOSYS) {
        /* Ask the verifier why, to put it in the message. */
        int saved = errno;
        attr.log_buf = (uint64_t) (uintptr_t) log;
        attr.log_size = sizeof log;
        attr.log_level = 1;
        if (sys_bpf(BPF_PROG_LOAD, &attr) >= 0)
            log[0] = '\0';
        errno = saved;
    }
    if (fd < 0)
        return congo_error_errno(err, "load the cgroup device program (%zu instructions)%s%s", n,
                                 *log ? ": " : "", log);
    *prog_fd = fd;
    return 0;
}

/* The ids of the device programs attached to the cgroup itself. */
static int query_attached(int cgfd, uint32_t **ids, uint32_t *n, congo_error *err)
{
    union bpf_attr attr;
    uint32_t cnt = 64;
    uint32_t *v = xnew0(uint32_t, cnt);

    memset(&attr, 0, sizeof attr);
    attr.query.target_fd = (uint32_t) cgfd;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = (uint64_t) (uintptr_t) v;
    attr.query.prog_cnt = cnt;
    if (sys_bpf(BPF_PROG_QUERY, &attr) < 0) {
        free(v);
        return congo_error_errno(err, "query the cgroup's device programs");
    }
    *ids = v;
    *n = attr.query.prog_cnt < cnt ? attr.query.prog_cnt : cnt;
    return 0;
}

int congo_cgroup_devices_attach(int cgfd, int prog_fd, congo_error *err)
{
    union bpf_attr attr;
    _cleanup_free_ uint32_t *ids = NULL;
    uint32_t n = 0, new_id = 0;
    struct bpf_prog_info info;
    int r;

    memset(&info, 0, sizeof info);
    memset(&attr, 0, sizeof attr);
    attr.info.bpf_fd = (uint32_t) prog_fd;
    attr.info.info_len = sizeof info;
    attr.info.info = (uint64_t) (uintptr_t) &info;
    if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) == 0)
        new_id = info.id;

    /* Attach the new program before detaching the old ones: the cgroup is
     * never without a device policy. */
    memset(&attr, 0, sizeof attr);
    attr.target_fd = (uint32_t) cgfd;
    attr.attach_bpf_fd = (uint32_t) prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
        return congo_error_errno(err, "attach the device program to the cgroup");

    r = query_attached(cgfd, &ids, &n, err);
    if (r < 0)
        return r;
    for (uint32_t i = 0; i < n; i++) {
        if (ids[i] == new_id)
            continue;
        memset(&attr, 0, sizeof attr);
        attr.prog_id = ids[i];
        int old = (int) sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
        if (old < 0)
            continue;
        memset(&attr, 0, sizeof attr);
        attr.target_fd = (uint32_t) cgfd;
        attr.attach_bpf_fd = (uint32_t) old;
        attr.attach_type = BPF_CGROUP_DEVICE;
        if (sys_bpf(BPF_PROG_DETACH, &attr) < 0)
            congo_warning("cannot detach the old device program %u: %s", ids[i], strerror(errno));
        close(old);
    }
    return 0;
}

int congo_cgroup_devices_detach(int cgfd, int prog_fd)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.target_fd = (uint32_t) cgfd;
    attr.attach_bpf_fd = (uint32_t) prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    return (int) sys_bpf(BPF_PROG_DETACH, &attr);
}
