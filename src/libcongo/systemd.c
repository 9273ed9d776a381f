/* `--systemd-cgroup`: container scopes made by systemd (see systemd.h). */
#include "config.h"

#include "systemd.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "utils.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
/* A job that takes longer than this is stuck (runc waits as long). */
#define SD_JOB_TIMEOUT_MS 30000
#define UNIT_NAME_MAX 255

/* ---- cgroupsPath ---- */

void congo_systemd_unit_clear(struct congo_systemd_unit *u)
{
    free(u->slice);
    free(u->unit);
    free(u->cgroup_path);
    *u = (struct congo_systemd_unit){ 0 };
}

/* Characters systemd takes in a unit name without escaping (its `@` and
 * `\` have meanings of their own). */
static int check_unit_chars(const char *s, const char *what, const char *cgroups_path, congo_error *err)
{
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strchr(s, '/'))
        return congo_error_set(err, EINVAL, "linux.cgroupsPath `%s`: %s `%s` is not a name (no `/`, `.` or `..`)",
                               cgroups_path, what, s);
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char) *p) && !strchr("-_.", *p))
            return congo_error_set(err, EINVAL,
                                   "linux.cgroupsPath `%s`: %s `%s`: character `%c` is not allowed in a systemd unit "
                                   "name (use letters, digits, `-_.`)",
                                   cgroups_path, what, s, *p);
    return 0;
}

int congo_systemd_slice_path(char **out, const char *slice, congo_error *err)
{
    size_t n = strlen(slice);
    if (strcmp(slice, "-.slice") == 0) {
        *out = xstrdup(""); /* the root slice */
        return 0;
    }
    if (n <= 6 || !str_has_suffix(slice, ".slice") || strchr(slice, '/'))
        return congo_error_set(err, EINVAL, "slice `%s`: not a slice name (expected NAME.slice, e.g. `system.slice`)",
                               slice);
    size_t base = n - 6;
    if (slice[0] == '-' || slice[base - 1] == '-' || memmem(slice, base, "--", 2))
        return congo_error_set(err, EINVAL, "slice `%s`: empty component between `-`", slice);
    /* Each `-` is a level: a-b-c.slice lives in a-b.slice, in a.slice. */
    char *path = xstrdup("");
    for (size_t i = 0; i < base; i++) {
        if (slice[i] != '-')
            continue;
        char *next = xasprintf("%s/%.*s.slice", path, (int) i, slice);
        free(path);
        path = next;
    }
    char *full = xasprintf("%s/%s", path, slice);
    free(path);
    *out = full;
    return 0;
}

int congo_systemd_parse_path(struct congo_systemd_unit *out, const char *cgroups_path, const char *id,
                             congo_error *err)
{
    const char *p = cgroups_path ? cgroups_path : "";
    _cleanup_free_ char *slice = NULL, *prefix = NULL, *name = NULL, *spath = NULL;
    bool name_given = false;
    int r;

    if (*p) {
        const char *c1 = strchr(p, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || strchr(c2 + 1, ':'))
            return congo_error_set(err, EINVAL,
                                   "linux.cgroupsPath `%s`: with --systemd-cgroup it must be \"slice:prefix:name\" "
                                   "(e.g. \"system.slice:congo:%s\")",
                                   p, id);
        slice = xstrndup(p, (size_t) (c1 - p));
        prefix = xstrndup(c1 + 1, (size_t) (c2 - c1 - 1));
        name = xstrdup(c2 + 1);
        name_given = c2[1] != 0;
    }
    if (!slice || !*slice) {
        free(slice);
        slice = xstrdup("system.slice");
    }
    if (!prefix || !*prefix) {
        free(prefix);
        prefix = xstrdup("congo");
    }
    if (!name || !*name) {
        free(name);
        name = xstrdup(id);
    }
    const char *shown = *p ? p : "";
    if (strchr(slice, '/'))
        return congo_error_set(err, EINVAL, "linux.cgroupsPath `%s`: slice `%s` is not a name (no `/`)", shown, slice);
    if ((r = check_unit_chars(slice, "slice", shown, err)) < 0 || (r = check_unit_chars(prefix, "prefix", shown, err)) < 0)
        return r;
    r = check_unit_chars(name, name_given ? "name" : "name (the container ID)", shown, err);
    if (r < 0)
        return r;
    if (str_has_suffix(name, ".slice"))
        return congo_error_set(err, EINVAL,
                               "linux.cgroupsPath `%s`: name `%s`: a container in a slice of its own is not "
                               "supported (congo makes a .scope)",
                               shown, name);
    r = congo_systemd_slice_path(&spath, slice, err);
    if (r < 0)
        return congo_error_wrap(err, r, "linux.cgroupsPath `%s`", shown);
    _cleanup_free_ char *unit = xasprintf("%s-%s.scope", prefix, name);
    if (strlen(unit) > UNIT_NAME_MAX)
        return congo_error_set(err, EINVAL, "linux.cgroupsPath `%s`: unit name `%s` is longer than %d characters",
                               shown, unit, UNIT_NAME_MAX);
    out->cgroup_path = xasprintf("%s/%s", spath, unit);
    out->unit = steal_pointer(&unit);
    out->slice = steal_pointer(&slice);
    return 0;
}

const char *congo_systemd_unit_of_path(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    if (!s || !str_has_suffix(s + 1, ".scope") || strlen(s + 1) <= 6)
        return NULL;
    return s + 1;
}

bool congo_systemd_booted(void) { return access("/run/systemd/system", F_OK) == 0; }

/* ---- properties ---- */

static void prop(struct dbus_buf *b, const char *name, const char *sig)
{
    dbus_put_align(b, 8);
    dbus_put_string(b, name);
    dbus_put_signature(b, sig);
}

static void prop_u64(struct dbus_buf *b, const char *name, uint64_t v)
{
    prop(b, name, "t");
    dbus_put_u64(b, v);
}

static void prop_bool(struct dbus_buf *b, const char *name, bool v)
{
    prop(b, name, "b");
    dbus_put_bool(b, v);
}

static void prop_string(struct dbus_buf *b, const char *name, const char *v)
{
    prop(b, name, "s");
    dbus_put_string(b, v);
}

/* runc's conversion of cgroup v1 cpu.shares [2, 262144] to cgroup v2
 * cpu.weight [1, 10000], so both drivers agree. */
static uint64_t shares_to_weight(uint64_t shares)
{
    if (shares < 2)
        shares = 2;
    if (shares > 262144)
        shares = 262144;
    return 1 + ((shares - 2) * 9999) / 262142;
}

void congo_systemd_put_resources(struct dbus_buf *b, const oci_resources *res)
{
    if (!res)
        return;
    const oci_memory *m = res->memory;
    if (m && m->limit.set && m->limit.value != 0)
        prop_u64(b, "MemoryMax", m->limit.value < 0 ? UINT64_MAX : (uint64_t) m->limit.value);
    if (m && m->reservation.set && m->reservation.value > 0)
        prop_u64(b, "MemoryLow", (uint64_t) m->reservation.value);
    /* memory.swap is memory+swap (v1's memsw); systemd's is swap alone. */
    if (m && m->swap.set && m->swap.value == -1)
        prop_u64(b, "MemorySwapMax", UINT64_MAX);
    else if (m && m->swap.set && m->limit.set && m->limit.value > 0 && m->swap.value >= m->limit.value)
        prop_u64(b, "MemorySwapMax", (uint64_t) (m->swap.value - m->limit.value));
    if (res->has_pids && res->pids_limit.set)
        prop_u64(b, "TasksMax", res->pids_limit.value > 0 ? (uint64_t) res->pids_limit.value : UINT64_MAX);
    const oci_cpu *c = res->cpu;
    if (c && c->shares.set && c->shares.value > 0)
        prop_u64(b, "CPUWeight", shares_to_weight(c->shares.value));
    if (c && ((c->quota.set && c->quota.value != 0) || (c->period.set && c->period.value != 0))) {
        uint64_t period = c->period.set && c->period.value ? c->period.value : 100000;
        if (c->period.set && c->period.value)
            prop_u64(b, "CPUQuotaPeriodUSec", period);
        if (c->quota.set && c->quota.value > 0) {
            /* Per second, rounded up to systemd's 1% (10 ms) steps. */
            uint64_t per_sec = (uint64_t) c->quota.value * 1000000 / period;
            per_sec = (per_sec + 9999) / 10000 * 10000;
            prop_u64(b, "CPUQuotaPerSecUSec", per_sec);
        } else if (c->quota.set && c->quota.value < 0) {
            prop_u64(b, "CPUQuotaPerSecUSec", UINT64_MAX);
        }
    }
}

void congo_systemd_start_body(struct dbus_buf *b, const struct congo_systemd_unit *u, const char *description,
                              pid_t pid, const oci_resources *res)
{
    dbus_put_string(b, u->unit);
    dbus_put_string(b, "replace");
    struct dbus_array props = dbus_array_begin(b, 8);
    prop_string(b, "Description", description);
    prop_string(b, "Slice", u->slice);
    prop(b, "PIDs", "au");
    struct dbus_array pids = dbus_array_begin(b, 4);
    dbus_put_u32(b, (uint32_t) pid);
    dbus_array_end(b, pids);
    /* The container's cgroup is congo's to manage; no ordering against
     * shutdown.target & co (the container is not the host's service). */
    prop_bool(b, "Delegate", true);
    prop_bool(b, "DefaultDependencies", false);
    congo_systemd_put_resources(b, res);
    dbus_array_end(b, props);
    struct dbus_array aux = dbus_array_begin(b, 8);
    dbus_array_end(b, aux);
}

/* ---- talking to systemd ---- */

static bool job_matches(const struct dbus_msg *m, void *data)
{
    struct dbus_reader r = { .data = m->body, .len = m->body_len };
    const char *job;
    uint32_t id;
    return streq_ptr(m->signature, "uoss") && dbus_get_u32(&r, &id) == 0 && dbus_get_string(&r, &job) == 0 &&
           strcmp(job, data) == 0;
}

/* The job object path of a method return "o". */
static int reply_job(char **job, const struct dbus_msg *m, const char *what, congo_error *err)
{
    struct dbus_reader r = { .data = m->body, .len = m->body_len };
    const char *s;
    if (!streq_ptr(m->signature, "o") || dbus_get_string(&r, &s) < 0)
        return congo_error_set(err, EBADMSG, "systemd: unexpected reply to %s (signature `%s`)", what,
                               m->signature ? m->signature : "");
    *job = xstrdup(s);
    return 0;
}

/* Wait for JobRemoved of job; its result must be "done". */
static int wait_job(struct dbus_conn *c, const char *job, const char *unit, const char *verb, congo_error *err)
{
    struct dbus_msg m = { 0 };
    int r = dbus_wait_signal(c, &m, SD_MANAGER, "JobRemoved", job_matches, (void *) job, SD_JOB_TIMEOUT_MS, err);
    if (r == -ETIMEDOUT)
        return congo_error_set(err, ETIMEDOUT, "systemd did not finish the %s job of unit `%s` within %d s", verb,
                               unit, SD_JOB_TIMEOUT_MS / 1000);
    if (r < 0)
        return congo_error_wrap(err, r, "%s unit `%s`", verb, unit);
    struct dbus_reader rd = { .data = m.body, .len = m.body_len };
    const char *s = NULL, *result = NULL;
    uint32_t id;
    if (dbus_get_u32(&rd, &id) < 0 || dbus_get_string(&rd, &s) < 0 || dbus_get_string(&rd, &s) < 0 ||
        dbus_get_string(&rd, &result) < 0)
        r = congo_error_set(err, EBADMSG, "systemd: malformed JobRemoved signal for unit `%s`", unit);
    else if (strcmp(result, "done") != 0)
        r = congo_error_set(err, EIO, "systemd could not %s unit `%s`: job result `%s` (see `journalctl -u %s`)", verb,
                            unit, result, unit);
    dbus_msg_free(&m);
    return r;
}

static int connect_systemd(struct dbus_conn **c, congo_error *err)
{
    if (!congo_systemd_booted())
        return congo_error_set(err, ENOTSUP, "--systemd-cgroup: systemd is not running on this host (no /run/systemd/system)");
    int r = dbus_connect_systemd(c, err);
    if (r >= 0)
        r = dbus_add_match(*c,
                           "type='signal',sender='" SD_DEST "',path='" SD_PATH "',interface='" SD_MANAGER
                           "',member='JobRemoved'",
                           err);
    if (r < 0) {
        dbus_conn_free(*c);
        *c = NULL;
        return congo_error_wrap(err, r, "--systemd-cgroup");
    }
    return 0;
}

int congo_systemd_start_scope(const struct congo_systemd_unit *u, const char *description, pid_t pid,
                              const oci_resources *res, congo_error *err)
{
    struct dbus_conn *c = NULL;
    struct dbus_buf body = { 0 };
    struct dbus_msg reply = { 0 };
    _cleanup_free_ char *job = NULL;
    int r = connect_systemd(&c, err);
    if (r < 0)
        return r;
    congo_systemd_start_body(&body, u, description, pid, res);
    r = dbus_call(c, &reply, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit", "ssa(sv)a(sa(sv))", &body,
                  SD_JOB_TIMEOUT_MS, err);
    dbus_buf_free(&body);
    if (r < 0)
        goto out;
    if (reply.type == DBUS_ERROR) {
        _cleanup_free_ char *t = dbus_error_text(&reply);
        if (streq_ptr(reply.error_name, "org.freedesktop.systemd1.UnitExists"))
            r = congo_error_set(err, EEXIST, "systemd unit `%s` already exists (another container with this "
                                "linux.cgroupsPath?)", u->unit);
        else
            r = congo_error_set(err, EIO, "systemd refused to make unit `%s`: %s", u->unit, t);
        goto out;
    }
    r = reply_job(&job, &reply, "StartTransientUnit", err);
    if (r >= 0)
        r = wait_job(c, job, u->unit, "start", err);
out:
    dbus_msg_free(&reply);
    dbus_conn_free(c);
    return r;
}

int congo_systemd_stop_unit(const char *unit, congo_error *err)
{
    struct dbus_conn *c = NULL;
    struct dbus_buf body = { 0 };
    struct dbus_msg reply = { 0 };
    _cleanup_free_ char *job = NULL;
    int r = connect_systemd(&c, err);
    if (r < 0)
        return r;
    dbus_put_string(&body, unit);
    dbus_put_string(&body, "replace");
    r = dbus_call(c, &reply, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit", "ss", &body, SD_JOB_TIMEOUT_MS, err);
    dbus_buf_free(&body);
    if (r < 0)
        goto out;
    if (reply.type == DBUS_ERROR) {
        if (streq_ptr(reply.error_name, "org.freedesktop.systemd1.NoSuchUnit")) {
            r = 0; /* stopped already: systemd stops a scope whose processes are all gone */
        } else {
            _cleanup_free_ char *t = dbus_error_text(&reply);
            r = congo_error_set(err, EIO, "systemd could not stop unit `%s`: %s", unit, t);
        }
        goto out;
    }
    r = reply_job(&job, &reply, "StopUnit", err);
    if (r >= 0)
        r = wait_job(c, job, unit, "stop", err);
out:
    dbus_msg_free(&reply);
    dbus_conn_free(c);
    return r;
}

int congo_systemd_set_resources(const char *unit, const oci_resources *res, congo_error *err)
{
    struct dbus_conn *c = NULL;
    struct dbus_buf body = { 0 };
    struct dbus_msg reply = { 0 };
    int r = connect_systemd(&c, err);
    if (r < 0)
        return r;
    dbus_put_string(&body, unit);
    dbus_put_bool(&body, true); /* runtime: gone with the unit */
    struct dbus_array props = dbus_array_begin(&body, 8);
    congo_systemd_put_resources(&body, res);
    dbus_array_end(&body, props);
    r = dbus_call(c, &reply, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties", "sba(sv)", &body, SD_JOB_TIMEOUT_MS,
                  err);
    dbus_buf_free(&body);
    if (r >= 0 && reply.type == DBUS_ERROR) {
        _cleanup_free_ char *t = dbus_error_text(&reply);
        r = congo_error_set(err, EIO, "systemd could not set the properties of unit `%s`: %s", unit, t);
    }
    dbus_msg_free(&reply);
    dbus_conn_free(c);
    return r;
}
