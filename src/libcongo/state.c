#include "config.h"

#include "state.h"

#include <ctype.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cgroup.h"
#include "json-bounds.h"
#include "utils.h"

#define STATE_FILE "state.json"
#define MAX_STATE_SIZE (4 << 20)

const char *congo_status_name(enum congo_status s)
{
    switch (s) {
    case CONGO_STATUS_CREATING: return "creating";
    case CONGO_STATUS_CREATED: return "created";
    case CONGO_STATUS_RUNNING: return "running";
    case CONGO_STATUS_STOPPED: return "stopped";
    case CONGO_STATUS_PAUSED: return "paused";
    }
    return "unknown";
}

void congo_state_free(struct congo_state *s)
{
    if (!s)
        return;
    free(s->id);
    free(s->bundle);
    free(s->rootfs);
    free(s->created_at);
    free(s->cgroup_path);
    free(s->image_bundle);
    for (size_t i = 0; i < s->annotations.n; i++) {
        free(s->annotations.keys[i]);
        free(s->annotations.values[i]);
    }
    free(s->annotations.keys);
    free(s->annotations.values);
    free(s);
}

int congo_id_validate(const char *id, congo_error *err)
{
    size_t len = id ? strlen(id) : 0;
    if (len == 0)
        return congo_error_set(err, EINVAL, "invalid container ID: empty");
    if (len > 1024)
        return congo_error_set(err, EINVAL, "invalid container ID: %zu characters (at most 1024)", len);
    /* Names starting with a dot are congo's own under the state root (.cache). */
    if (id[0] == '.')
        return congo_error_set(err, EINVAL, "invalid container ID `%s`: it may not start with `.`", id);
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char) *p) && !strchr("_+.-", *p))
            return congo_error_set(err, EINVAL,
                                   "invalid container ID `%s`: character `%c` not allowed (use letters, digits, `_+.-`)",
                                   id, *p);
    return 0;
}

static int lock_dir(int dfd, const char *id, congo_error *err)
{
    while (flock(dfd, LOCK_EX) < 0) {
        if (errno != EINTR)
            return congo_error_errno(err, "lock container `%s`", id);
    }
    return 0;
}

int congo_state_dir_create(int *dirfd_out, const char *root, const char *id, congo_error *err)
{
    _cleanup_close_ int rootfd = -1, dfd = -1;
    int r;

    r = congo_id_validate(id, err);
    if (r < 0)
        return r;
    if (mkdir(root, 0700) < 0 && errno != EEXIST) {
        r = mkdir_p_at(AT_FDCWD, root, 0700, err);
        if (r < 0)
            return congo_error_wrap(err, r, "create state root");
    }
    rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return congo_error_errno(err, "open state root `%s`", root);
    if (mkdirat(rootfd, id, 0711) < 0) {
        if (errno == EEXIST)
            return congo_error_set(err, EEXIST, "container `%s` already exists", id);
        return congo_error_errno(err, "create state directory `%s/%s`", root, id);
    }
    dfd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (dfd < 0 || flock(dfd, LOCK_EX) < 0) {
        r = congo_error_errno(err, "open state directory `%s/%s`", root, id);
        unlinkat(rootfd, id, AT_REMOVEDIR);
        return r;
    }
    *dirfd_out = steal_fd(&dfd);
    return 0;
}

int congo_state_dir_open(int *dirfd_out, const char *root, const char *id, bool lock, congo_error *err)
{
    _cleanup_close_ int rootfd = -1, dfd = -1;
    int r;

    r = congo_id_validate(id, err);
    if (r < 0)
        return r;
    rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0 && errno != ENOENT)
        return congo_error_errno(err, "open state root `%s`", root);
    if (rootfd >= 0)
        dfd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (dfd < 0) {
        if (errno == ENOENT)
            return congo_error_set(err, ENOENT, "container `%s` does not exist", id);
        return congo_error_errno(err, "open state directory `%s/%s`", root, id);
    }
    if (lock) {
        r = lock_dir(dfd, id, err);
        if (r < 0)
            return r;
        /* It may have been deleted while we waited for the lock. */
        struct stat st;
        if (fstat(dfd, &st) < 0 || st.st_nlink == 0)
            return congo_error_set(err, ENOENT, "container `%s` does not exist", id);
    }
    *dirfd_out = steal_fd(&dfd);
    return 0;
}

int congo_state_dir_remove(const char *root, const char *id, congo_error *err)
{
    _cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return congo_error_errno(err, "open state root `%s`", root);
    return rm_rf_at(rootfd, id, err);
}

/* ---- state.json ---- */

static void gen_str(yajl_gen g, const char *key, const char *val)
{
    yajl_gen_string(g, (const unsigned char *) key, strlen(key));
    if (val)
        yajl_gen_string(g, (const unsigned char *) val, strlen(val));
    else
        yajl_gen_null(g);
}

static void gen_int(yajl_gen g, const char *key, long long val)
{
    yajl_gen_string(g, (const unsigned char *) key, strlen(key));
    yajl_gen_integer(g, val);
}

static void gen_annotations(yajl_gen g, const oci_map *m)
{
    yajl_gen_string(g, (const unsigned char *) "annotations", 11);
    yajl_gen_map_open(g);
    for (size_t i = 0; i < m->n; i++)
        gen_str(g, m->keys[i], m->values[i]);
    yajl_gen_map_close(g);
}

static char *gen_finish(yajl_gen g)
{
    const unsigned char *buf;
    size_t len;
    char *out;
    yajl_gen_get_buf(g, &buf, &len);
    out = xstrndup((const char *) buf, len);
    yajl_gen_free(g);
    return out;
}

int congo_state_write(int dirfd, const struct congo_state *s, congo_error *err)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    _cleanup_free_ char *json = NULL;
    int r;

    yajl_gen_map_open(g);
    gen_str(g, "ociVersion", "1.2.0");
    gen_str(g, "id", s->id);
    gen_int(g, "pid", s->pid);
    gen_int(g, "pidStart", (long long) s->pid_start);
    gen_str(g, "bundle", s->bundle);
    gen_str(g, "rootfs", s->rootfs);
    gen_str(g, "createdAt", s->created_at);
    gen_int(g, "ownerUid", s->owner);
    gen_str(g, "cgroupPath", s->cgroup_path);
    yajl_gen_string(g, (const unsigned char *) "systemdCgroup", 13);
    yajl_gen_bool(g, s->systemd_cgroup);
    yajl_gen_string(g, (const unsigned char *) "ownPidns", 8);
    yajl_gen_bool(g, s->own_pidns);
    yajl_gen_string(g, (const unsigned char *) "created", 7);
    yajl_gen_bool(g, s->created);
    gen_int(g, "exitStatus", s->exit_status);
    gen_int(g, "monitorPid", s->monitor_pid);
    if (s->image_bundle)
        gen_str(g, "imageBundle", s->image_bundle);
    yajl_gen_string(g, (const unsigned char *) "poststartHooks", 14);
    yajl_gen_bool(g, s->poststart_hooks);
    yajl_gen_string(g, (const unsigned char *) "poststopHooks", 13);
    yajl_gen_bool(g, s->poststop_hooks);
    gen_annotations(g, &s->annotations);
    yajl_gen_map_close(g);
    json = gen_finish(g);
    r = write_file_runtime_at(dirfd, STATE_FILE, json, strlen(json), 0600, err);
    if (r < 0)
        return congo_error_wrap(err, r, "write state of container `%s`", s->id);
    return 0;
}

static const char *tree_str(yajl_val root, const char *key)
{
    const char *path[] = { key, NULL };
    yajl_val v = yajl_tree_get(root, path, yajl_t_string);
    return v ? YAJL_GET_STRING(v) : NULL;
}

static long long tree_int(yajl_val root, const char *key, long long dflt)
{
    const char *path[] = { key, NULL };
    yajl_val v = yajl_tree_get(root, path, yajl_t_number);
    return v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : dflt;
}

static bool tree_bool(yajl_val root, const char *key)
{
    const char *path[] = { key, NULL };
    yajl_val v = yajl_tree_get(root, path, yajl_t_any);
    return v && YAJL_IS_TRUE(v);
}

int congo_state_read(struct congo_state **out, int dirfd, const char *id, congo_error *err)
{
    _cleanup_free_ char *data = NULL;
    yajl_val root, ann;
    struct congo_state *s;
    const char *ann_path[] = { "annotations", NULL };
    int r;

    r = read_file_at(dirfd, STATE_FILE, MAX_STATE_SIZE, &data, NULL, err);
    if (r < 0) {
        if (r == -ENOENT) /* the creator died before writing anything */
            return congo_error_set(err, ENOENT, "container `%s` has no state (its create was interrupted)", id);
        return congo_error_wrap(err, r, "read state of container `%s`", id);
    }
    r = congo_json_tree_parse(&root, data, MAX_STATE_SIZE, STATE_FILE, err);
    if (r < 0)
        return congo_error_wrap(err, r, "state of container `%s` is corrupt", id);
    if (!YAJL_IS_OBJECT(root)) {
        yajl_tree_free(root);
        return congo_error_set(err, EINVAL, "state of container `%s` is corrupt: %s: not a JSON object", id,
                               STATE_FILE);
    }
    s = xzalloc(sizeof *s);
    s->id = xstrdup(tree_str(root, "id") ? tree_str(root, "id") : id);
    s->bundle = xstrdup(tree_str(root, "bundle"));
    s->rootfs = xstrdup(tree_str(root, "rootfs"));
    s->created_at = xstrdup(tree_str(root, "createdAt"));
    s->created = tree_bool(root, "created");
    s->own_pidns = tree_bool(root, "ownPidns");
    s->owner = (uid_t) tree_int(root, "ownerUid", 0);
    s->cgroup_path = xstrdup(tree_str(root, "cgroupPath"));
    s->pid = (pid_t) tree_int(root, "pid", 0);
    s->pid_start = (unsigned long long) tree_int(root, "pidStart", 0);
    s->systemd_cgroup = tree_bool(root, "systemdCgroup");
    s->exit_status = (int) tree_int(root, "exitStatus", -1);
    s->monitor_pid = (pid_t) tree_int(root, "monitorPid", 0);
    s->image_bundle = xstrdup(tree_str(root, "imageBundle"));
    s->poststart_hooks = tree_bool(root, "poststartHooks");
    s->poststop_hooks = tree_bool(root, "poststopHooks");
    ann = yajl_tree_get(root, ann_path, yajl_t_object);
    if (ann) {
        size_t n = YAJL_GET_OBJECT(ann)->len;
        s->annotations.keys = xnew0(char *, n);
        s->annotations.values = xnew0(char *, n);
        for (size_t i = 0; i < n; i++) {
            yajl_val v = YAJL_GET_OBJECT(ann)->values[i];
            if (!YAJL_IS_STRING(v))
                continue;
            s->annotations.keys[s->annotations.n] = xstrdup(YAJL_GET_OBJECT(ann)->keys[i]);
            s->annotations.values[s->annotations.n] = xstrdup(YAJL_GET_STRING(v));
            s->annotations.n++;
        }
    }
    yajl_tree_free(root);
    *out = s;
    return 0;
}

int congo_pid_file_write(const char *path, pid_t pid, congo_error *err)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", (int) pid);
    int r = write_file_replace_at(AT_FDCWD, path, buf, n, 0644, err);
    if (r < 0)
        return congo_error_wrap(err, r, "--pid-file");
    return 0;
}

/* ---- liveness ---- */

int congo_pid_stat(pid_t pid, unsigned long long *start, char *state)
{
    char path[64], buf[1024], *p;
    _cleanup_close_ int fd = -1;
    ssize_t n;
    int field;

    if (pid <= 0)
        return -ESRCH;
    snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? -ESRCH : -errno;
    n = read_all(fd, buf, sizeof buf - 1);
    if (n <= 0)
        return -ESRCH;
    buf[n] = '\0';
    /* comm may hold spaces and parentheses: parse from the last ')'. */
    p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return -EINVAL;
    p += 2;
    if (state)
        *state = *p;
    for (field = 3; field < 22 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    if (!p)
        return -EINVAL;
    if (start)
        *start = strtoull(p, NULL, 10);
    return 0;
}

bool congo_pid_alive(pid_t pid, unsigned long long start)
{
    unsigned long long st;
    char state;
    if (congo_pid_stat(pid, &st, &state) < 0)
        return false;
    if (state == 'Z' || state == 'X')
        return false;
    return start == 0 || st == start;
}

/* True while another process holds the container's lock: a create (or a
 * start/kill/delete) in progress. */
static bool locked_by_other(int dirfd)
{
    if (flock(dirfd, LOCK_EX | LOCK_NB) < 0)
        return errno == EWOULDBLOCK;
    return false;
}

int congo_state_status(enum congo_status *out, const struct congo_state *s, int dirfd, congo_error *err)
{
    bool alive = s->pid > 0 && congo_pid_alive(s->pid, s->pid_start);

    if (!s->created) {
        /* create has not finished: creating while its process is alive,
         * else a create that died half-way (delete cleans it up). */
        *out = locked_by_other(dirfd) ? CONGO_STATUS_CREATING : CONGO_STATUS_STOPPED;
        return 0;
    }
    if (!alive) {
        *out = CONGO_STATUS_STOPPED;
        return 0;
    }
    if (faccessat(dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
        *out = CONGO_STATUS_CREATED;
        return 0;
    }
    *out = CONGO_STATUS_RUNNING;
    if (s->cgroup_path && *s->cgroup_path) {
        congo_error ignored = CONGO_ERROR_INIT;
        bool frozen = false;
        if (congo_cgroup_path_is_frozen(s->cgroup_path, &frozen, &ignored) == 0 && frozen)
            *out = CONGO_STATUS_PAUSED;
        congo_error_clear(&ignored);
    }
    return 0;
}

char *congo_state_json(const struct congo_state *s, enum congo_status status)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_config(g, yajl_gen_indent_string, "  ");
    yajl_gen_map_open(g);
    gen_str(g, "ociVersion", "1.2.0");
    gen_str(g, "id", s->id);
    gen_str(g, "status", congo_status_name(status));
    gen_int(g, "pid", status == CONGO_STATUS_STOPPED ? 0 : s->pid);
    gen_str(g, "bundle", s->bundle);
    gen_str(g, "rootfs", s->rootfs);
    gen_str(g, "created", s->created_at);
    {
        /* Resolved here, not at create: NSS is too slow for the start path. */
        struct passwd *pw = getpwuid(s->owner);
        char uid[16];
        snprintf(uid, sizeof uid, "%u", (unsigned) s->owner);
        gen_str(g, "owner", pw ? pw->pw_name : uid);
    }
    /* Beyond the spec: how a container that congo watched ended. */
    if (status == CONGO_STATUS_STOPPED && s->exit_status >= 0)
        gen_int(g, "exitStatus", s->exit_status);
    gen_annotations(g, &s->annotations);
    yajl_gen_map_close(g);
    return gen_finish(g);
}

int congo_state_load_config(oci_config **out, int dirfd, const char *id, congo_error *err)
{
    _cleanup_free_ char *data = NULL;
    size_t len;
    int r = read_file_at(dirfd, "config.json", 0, &data, &len, err);
    if (r < 0)
        return congo_error_wrap(err, r, "config of container `%s`", id);
    return oci_config_parse(out, data, len, "config.json", err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int congo_state_list(char ***ids_out, const char *root, congo_error *err)
{
    _cleanup_closedir_ DIR *d = opendir(root);
    struct dirent *de;
    char **ids = NULL;
    size_t n = 0;

    if (!d) {
        if (errno == ENOENT) {
            *ids_out = xnew0(char *, 1);
            return 0;
        }
        return congo_error_errno(err, "open state root `%s`", root);
    }
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
            continue;
        ids = xrealloc(ids, (n + 2) * sizeof *ids);
        ids[n++] = xstrdup(de->d_name);
        ids[n] = NULL;
    }
    if (!ids)
        ids = xnew0(char *, 1);
    qsort(ids, n, sizeof *ids, cmp_str);
    *ids_out = ids;
    return 0;
}
