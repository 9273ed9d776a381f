/* Capabilities: names from libcap, the five sets applied with prctl(2) and
 * capset(2).
 *
 * Unknown names, and names libcap knows but the running kernel lacks, are
 * ignored with one warning ("ignoring unknown or unavailable capabilities:
 * [...]"), as runc does: a config written for a newer kernel still runs. */
#include "config.h"

#include "caps.h"
#include "log.h"
#include "utils.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define CAP_TABLE_SIZE 64

static char *cap_names[CAP_TABLE_SIZE];
static bool cap_names_loaded;

static void load_cap_names(void)
{
    if (cap_names_loaded)
        return;
    cap_names_loaded = true;
    for (int i = 0; i < CAP_TABLE_SIZE; i++) {
        char *n = cap_to_name((cap_value_t) i);
        /* libcap prints the number for capabilities it has no name for. */
        if (n && !isdigit((unsigned char) n[0])) {
            cap_names[i] = xasprintf("%s%s", str_has_prefix(n, "cap_") ? "" : "CAP_", n);
            for (char *p = cap_names[i]; *p; p++)
                *p = (char) toupper((unsigned char) *p);
        }
        if (n)
            cap_free(n);
    }
}

const char *congo_cap_name(int cap)
{
    if (cap < 0 || cap >= CAP_TABLE_SIZE)
        return NULL;
    load_cap_names();
    return cap_names[cap];
}

int congo_cap_from_name(const char *name)
{
    if (!name)
        return -1;
    load_cap_names();
    for (int i = 0; i < CAP_TABLE_SIZE; i++)
        if (cap_names[i] && strcmp(cap_names[i], name) == 0)
            return i;
    return -1;
}

int congo_caps_last_cap(void)
{
    static int last = -1;
    int lo = 0, hi = CAP_TABLE_SIZE - 1;

    if (last >= 0)
        return last;
    /* libcap's constructor ran the same search when congo started: its
     * answer saves the container's init six prctl() calls. */
    int bits = cap_max_bits();
    if (bits > 0 && bits <= CAP_TABLE_SIZE) {
        last = bits - 1;
        return last;
    }
    /* PR_CAPBSET_READ fails with EINVAL above the kernel's last capability;
     * no /proc needed (the container's may not be mounted yet). */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (prctl(PR_CAPBSET_READ, (unsigned long) mid, 0, 0, 0) >= 0)
            lo = mid;
        else
            hi = mid - 1;
    }
    last = lo;
    return last;
}

struct cap_sets {
    uint64_t bounding, effective, inheritable, permitted, ambient;
};

/* Collect unknown names (deduplicated, sorted) for one warning. */
static void note_unknown(char ***unknown, size_t *n, const char *name)
{
    size_t i;
    for (i = 0; i < *n; i++)
        if (strcmp((*unknown)[i], name) == 0)
            return;
    *unknown = xrealloc(*unknown, sizeof(char *) * (*n + 2));
    for (i = *n; i > 0 && strcmp((*unknown)[i - 1], name) > 0; i--)
        (*unknown)[i] = (*unknown)[i - 1];
    (*unknown)[i] = xstrdup(name);
    (*n)++;
    (*unknown)[*n] = NULL;
}

static uint64_t names_to_mask(char **names, int last, char ***unknown, size_t *n_unknown)
{
    uint64_t m = 0;
    for (size_t i = 0; names && names[i]; i++) {
        int c = congo_cap_from_name(names[i]);
        if (c < 0 || c > last)
            note_unknown(unknown, n_unknown, names[i]);
        else
            m |= UINT64_C(1) << c;
    }
    return m;
}

static void resolve_sets(struct cap_sets *s, const oci_capabilities *caps)
{
    _cleanup_strv_ char **unknown = NULL;
    size_t n_unknown = 0;
    int last = congo_caps_last_cap();

    s->bounding = names_to_mask(caps->bounding, last, &unknown, &n_unknown);
    s->effective = names_to_mask(caps->effective, last, &unknown, &n_unknown);
    s->inheritable = names_to_mask(caps->inheritable, last, &unknown, &n_unknown);
    s->permitted = names_to_mask(caps->permitted, last, &unknown, &n_unknown);
    s->ambient = names_to_mask(caps->ambient, last, &unknown, &n_unknown);
    /* Several steps resolve the same sets: say it once per process. */
    static bool warned;
    if (n_unknown > 0 && !warned && congo_log_enabled(CONGO_LOG_WARNING)) {
        warned = true;
        size_t len = 3;
        for (size_t i = 0; i < n_unknown; i++)
            len += strlen(unknown[i]) + 1;
        _cleanup_free_ char *list = xzalloc(len);
        strcat(list, "[");
        for (size_t i = 0; i < n_unknown; i++) {
            if (i)
                strcat(list, " ");
            strcat(list, unknown[i]);
        }
        strcat(list, "]");
        congo_warning("ignoring unknown or unavailable capabilities: %s", list);
    }
}

/* "CAP_KILL CAP_AUDIT_WRITE" for a mask. */
static char *cap_list(uint64_t m)
{
    char *list = xstrdup("");
    for (int i = 0; i < CAP_TABLE_SIZE; i++) {
        if (!(m & (UINT64_C(1) << i)))
            continue;
        char *n = xasprintf("%s%s%s", list, *list ? " " : "", congo_cap_name(i) ? congo_cap_name(i) : "?");
        free(list);
        list = n;
    }
    return list;
}

static const char *first_cap_name(uint64_t m)
{
    for (int i = 0; i < CAP_TABLE_SIZE; i++)
        if (m & (UINT64_C(1) << i))
            return congo_cap_name(i) ? congo_cap_name(i) : "?";
    return "?";
}

int congo_caps_check(const oci_capabilities *caps, congo_error *err)
{
    struct cap_sets s;
    uint64_t bad;

    if (!caps)
        return 0;
    resolve_sets(&s, caps);
    /* What capset(2) and PR_CAP_AMBIENT_RAISE would refuse with a bare EPERM. */
    if ((bad = s.effective & ~s.permitted))
        return congo_error_set(err, EINVAL,
                               "process.capabilities.effective: %s is not in process.capabilities.permitted",
                               first_cap_name(bad));
    if ((bad = s.inheritable & ~s.bounding))
        return congo_error_set(err, EINVAL,
                               "process.capabilities.inheritable: %s is not in process.capabilities.bounding",
                               first_cap_name(bad));
    /* The kernel keeps a capability ambient only while it is permitted and
     * inheritable.  runc raises the ambient set best-effort (`runc spec`
     * asks for ambient capabilities and no inheritable ones): so does congo,
     * saying once what it leaves out. */
    static bool noted;
    if ((bad = s.ambient & ~(s.permitted & s.inheritable)) && !noted && congo_log_enabled(CONGO_LOG_DEBUG)) {
        noted = true;
        _cleanup_free_ char *list = cap_list(bad);
        congo_debug("process.capabilities.ambient: not raising %s: an ambient capability must also be in the "
                    "permitted and inheritable sets", list);
    }
    return 0;
}

int congo_caps_drop_bounding(const oci_capabilities *caps, congo_error *err)
{
    struct cap_sets s;
    int last;

    if (!caps)
        return 0;
    resolve_sets(&s, caps);
    last = congo_caps_last_cap();
    for (int c = 0; c <= last; c++) {
        if (s.bounding & (UINT64_C(1) << c))
            continue;
        /* One syscall per capability in the usual case; without
         * CAP_SETPCAP, dropping what is already gone is no error. */
        if (prctl(PR_CAPBSET_DROP, (unsigned long) c, 0, 0, 0) == 0)
            continue;
        if (errno == EPERM && prctl(PR_CAPBSET_READ, (unsigned long) c, 0, 0, 0) == 0)
            continue;
        return congo_error_errno(err, "drop %s from the bounding set", congo_cap_name(c) ? congo_cap_name(c) : "?");
    }
    return 0;
}

int congo_caps_set(const oci_capabilities *caps, congo_error *err)
{
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    struct cap_sets s;
    int r;

    if (!caps)
        return 0;
    r = congo_caps_check(caps, err);
    if (r < 0)
        return r;
    resolve_sets(&s, caps);
    for (int i = 0; i < 2; i++) {
        data[i].effective = (uint32_t) (s.effective >> (32 * i));
        data[i].permitted = (uint32_t) (s.permitted >> (32 * i));
        data[i].inheritable = (uint32_t) (s.inheritable >> (32 * i));
    }
    if (capset(&hdr, data) < 0) {
        int e = errno;
        struct __user_cap_data_struct cur[2];
        uint64_t have;
        if (e == EPERM && capget(&hdr, cur) == 0) {
            have = (uint64_t) cur[0].permitted | ((uint64_t) cur[1].permitted << 32);
            if (s.permitted & ~have)
                return congo_error_set(err, EPERM,
                                       "process.capabilities.permitted: congo itself does not have %s "
                                       "(it is not in congo's permitted or bounding set)",
                                       first_cap_name(s.permitted & ~have));
        }
        errno = e;
        return congo_error_errno(err, "set the effective, permitted and inheritable capabilities");
    }
    /* Ambient: start from nothing, raise what the kernel allows (what is
     * permitted and inheritable; congo_caps_check noted the rest). */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return congo_error_errno(err, "clear the ambient capabilities");
    for (int c = 0; c < CAP_TABLE_SIZE; c++) {
        if (!(s.ambient & s.permitted & s.inheritable & (UINT64_C(1) << c)))
            continue;
        /* EPERM under SECBIT_NO_CAP_AMBIENT_RAISE, EINVAL before Linux 4.3:
         * best-effort, as runc. */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long) c, 0, 0) < 0)
            congo_debug("process.capabilities.ambient: cannot raise %s: %s", congo_cap_name(c), strerror(errno));
    }
    return 0;
}

int congo_caps_apply(const oci_capabilities *caps, congo_error *err)
{
    int r;
    if (!caps)
        return 0;
    r = congo_caps_check(caps, err);
    if (r < 0)
        return r;
    r = congo_caps_drop_bounding(caps, err);
    if (r < 0)
        return r;
    return congo_caps_set(caps, err);
}
