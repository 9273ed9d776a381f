/* CNI plugin execution and conflist parsing (see cni.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/json.h"
#include "network/cni.h"
#include "libcongo/utils.h"

extern char **environ;

void cni_net_free(struct cni_net *n)
{
    if (!n)
        return;
    free(n->name);
    free(n->version);
    free(n->path);
    free(n->text);
    if (n->tree)
        yajl_tree_free(n->tree);
    free(n);
}

int cni_net_parse(struct cni_net **out, const char *path, const char *text, congo_error *err)
{
    _cleanup_cni_net_ struct cni_net *n = xzalloc(sizeof *n);
    const char *name = NULL, *version = NULL;
    int r;

    n->path = xstrdup(path);
    n->text = xstrdup(text);
    r = json_parse(&n->tree, text, path, err);
    if (r < 0)
        return r;
    if (!YAJL_IS_OBJECT(n->tree))
        return congo_error_set(err, 0, "%s: expected a JSON object (a network configuration list)", path);
    if ((r = json_req_string(n->tree, "name", path, &name, err)) < 0 ||
        (r = json_req_string(n->tree, "cniVersion", path, &version, err)) < 0)
        return r;
    if (!*name || strchr(name, '/'))
        return congo_error_set(err, 0, "%s: name `%s`: expected a network name", path, name);
    n->plugins = json_get(n->tree, "plugins");
    if (!n->plugins || !YAJL_IS_ARRAY(n->plugins) || n->plugins->u.array.len == 0)
        return congo_error_set(err, 0, "%s: plugins: expected a non-empty array of plugin configurations", path);
    for (size_t i = 0; i < n->plugins->u.array.len; i++) {
        yajl_val p = n->plugins->u.array.values[i];
        const char *type = NULL;
        char what[64];
        snprintf(what, sizeof what, "plugins[%zu]", i);
        if (!YAJL_IS_OBJECT(p))
            return congo_error_set(err, 0, "%s: %s: expected an object", path, what);
        if ((r = json_req_string(p, "type", what, &type, err)) < 0)
            return congo_error_wrap(err, r, "%s", path);
        if (!*type || strchr(type, '/') || strcmp(type, ".") == 0 || strcmp(type, "..") == 0)
            return congo_error_set(err, 0, "%s: %s.type `%s`: expected a plugin name", path, what, type);
    }
    n->name = xstrdup(name);
    n->version = xstrdup(version);
    *out = steal_pointer(&n);
    return 0;
}

static const char *plugin_type(yajl_val p)
{
    yajl_val t = json_get(p, "type");
    return t && YAJL_IS_STRING(t) ? t->u.string : "";
}

/* The plugin's program in the CNI path, or NULL. */
static char *find_plugin(const char *type, const char *cni_path)
{
    _cleanup_free_ char *copy = xstrdup(cni_path && *cni_path ? cni_path : CNI_DEFAULT_PATH);
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *p = xasprintf("%s/%s", d, type);
        if (access(p, X_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}

bool cni_plugin_exists(const char *type, const char *cni_path)
{
    _cleanup_free_ char *p = find_plugin(type, cni_path);
    return p != NULL;
}

int cni_net_check_plugins(const struct cni_net *n, const char *cni_path, congo_error *err)
{
    for (size_t i = 0; i < n->plugins->u.array.len; i++) {
        const char *type = plugin_type(n->plugins->u.array.values[i]);
        _cleanup_free_ char *p = find_plugin(type, cni_path);
        if (!p)
            return congo_error_set(err, 0, "network `%s` (%s): plugins[%zu]: plugin `%s` not found in the CNI path `%s`",
                                   n->name, n->path, i, type, cni_path && *cni_path ? cni_path : CNI_DEFAULT_PATH);
    }
    return 0;
}

const char *cni_net_subnet(const struct cni_net *n)
{
    for (size_t i = 0; i < n->plugins->u.array.len; i++) {
        yajl_val ipam = json_get(n->plugins->u.array.values[i], "ipam");
        yajl_val ranges = json_get(ipam, "ranges"), subnet = json_get(ipam, "subnet");
        if (subnet && YAJL_IS_STRING(subnet))
            return subnet->u.string;
        if (ranges && YAJL_IS_ARRAY(ranges) && ranges->u.array.len > 0) {
            yajl_val set = ranges->u.array.values[0];
            if (YAJL_IS_ARRAY(set) && set->u.array.len > 0) {
                yajl_val s = json_get(set->u.array.values[0], "subnet");
                if (s && YAJL_IS_STRING(s))
                    return s->u.string;
            }
        }
    }
    return NULL;
}

static int memfd_with(const char *name, const char *data, congo_error *err)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return congo_error_errno(err, "memfd_create");
    if (data && (write_all(fd, data, strlen(data)) < 0 || lseek(fd, 0, SEEK_SET) < 0)) {
        int r = congo_error_errno(err, "write memfd");
        close(fd);
        return r;
    }
    return fd;
}

static char *read_back(int fd)
{
    char *data = NULL;
    size_t len = 0;
    if (lseek(fd, 0, SEEK_SET) < 0 || read_fd(fd, 1 << 20, &data, &len, NULL) < 0)
        return xstrdup("");
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' '))
        data[--len] = '\0';
    return data;
}

/* The text of a failed plugin: its error object's msg and details, else its output. */
static char *plugin_error_text(const char *out, const char *errout)
{
    yajl_val v = json_parse_or_null(out);
    char *text = NULL;
    if (v && YAJL_IS_OBJECT(v)) {
        yajl_val msg = json_get(v, "msg"), details = json_get(v, "details"), code = json_get(v, "code");
        if (msg && YAJL_IS_STRING(msg))
            text = xasprintf("%s%s%s (CNI error code %s)", msg->u.string,
                             details && YAJL_IS_STRING(details) && *details->u.string ? ": " : "",
                             details && YAJL_IS_STRING(details) ? details->u.string : "",
                             code && YAJL_IS_NUMBER(code) ? code->u.number.r : "?");
    }
    if (v)
        yajl_tree_free(v);
    if (!text)
        text = xstrdup(*errout ? errout : *out ? out : "no error message");
    return text;
}

int cni_exec(char **out, const char *type, const char *command, const char *conf, const struct cni_runtime *rt,
             congo_error *err)
{
    _cleanup_free_ char *prog = find_plugin(type, rt->cni_path);
    _cleanup_close_ int in_fd = -1, out_fd = -1, err_fd = -1;
    _cleanup_free_ char *e_cmd = NULL, *e_id = NULL, *e_ns = NULL, *e_if = NULL, *e_path = NULL, *e_args = NULL,
                        *e_sys = NULL;
    const char *path = getenv("PATH");
    posix_spawn_file_actions_t fa;
    char *argv[] = { (char *) type, NULL };
    char *envp[8];
    size_t ne = 0;
    pid_t pid;
    int r, status;

    if (!prog)
        return congo_error_set(err, 0, "plugin `%s` not found in the CNI path `%s`", type,
                               rt->cni_path && *rt->cni_path ? rt->cni_path : CNI_DEFAULT_PATH);
    e_cmd = xasprintf("CNI_COMMAND=%s", command);
    e_id = xasprintf("CNI_CONTAINERID=%s", rt->container_id);
    e_ns = xasprintf("CNI_NETNS=%s", rt->netns ? rt->netns : "");
    e_if = xasprintf("CNI_IFNAME=%s", rt->ifname);
    e_path = xasprintf("CNI_PATH=%s", rt->cni_path && *rt->cni_path ? rt->cni_path : CNI_DEFAULT_PATH);
    /* Plugins run iptables and friends from PATH; hooks get an empty environment. */
    e_sys = xasprintf("PATH=%s", path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    envp[ne++] = e_cmd;
    envp[ne++] = e_id;
    envp[ne++] = e_ns;
    envp[ne++] = e_if;
    envp[ne++] = e_path;
    envp[ne++] = e_sys;
    if (rt->args && *rt->args) {
        e_args = xasprintf("CNI_ARGS=%s", rt->args);
        envp[ne++] = e_args;
    }
    envp[ne] = NULL;

    if ((in_fd = memfd_with("cni-stdin", conf, err)) < 0 || (out_fd = memfd_with("cni-stdout", NULL, err)) < 0 ||
        (err_fd = memfd_with("cni-stderr", NULL, err)) < 0)
        return -EIO;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    r = posix_spawn(&pid, prog, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    if (r != 0)
        return congo_error_set(err, r, "run CNI plugin `%s`: %s", prog, strerror(r));
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return congo_error_errno(err, "wait for CNI plugin `%s`", prog);
    {
        _cleanup_free_ char *o = read_back(out_fd), *e = read_back(err_fd);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            _cleanup_free_ char *t = plugin_error_text(o, e);
            return congo_error_set(err, 0, "plugin `%s` %s: %s", type, command, t);
        }
        if (out)
            *out = steal_pointer(&o);
    }
    return 0;
}

/* The configuration one plugin of the list gets on stdin. */
static char *plugin_conf(const struct cni_net *n, yajl_val p, const struct cni_runtime *rt, yajl_val prev)
{
    _cleanup_gen_ yajl_gen g = json_gen_new(false);
    yajl_val caps = json_get(p, "capabilities");
    bool rc_open = false;

    yajl_gen_map_open(g);
    json_gen_kv(g, "cniVersion", n->version);
    json_gen_kv(g, "name", n->name);
    for (size_t i = 0; i < p->u.object.len; i++) {
        const char *k = p->u.object.keys[i];
        if (strcmp(k, "cniVersion") == 0 || strcmp(k, "name") == 0 || strcmp(k, "prevResult") == 0 ||
            strcmp(k, "runtimeConfig") == 0)
            continue;
        json_gen_str(g, k);
        json_gen_value(g, p->u.object.values[i]);
    }
    if (prev) {
        json_gen_str(g, "prevResult");
        json_gen_value(g, prev);
    }
    /* runtimeConfig carries only the capabilities this plugin asks for. */
    if (caps && YAJL_IS_OBJECT(caps) && rt->runtime_config) {
        for (size_t i = 0; i < caps->u.object.len; i++) {
            yajl_val v = json_get(rt->runtime_config, caps->u.object.keys[i]);
            if (!YAJL_IS_TRUE(caps->u.object.values[i]) || !v)
                continue;
            if (!rc_open) {
                json_gen_str(g, "runtimeConfig");
                yajl_gen_map_open(g);
                rc_open = true;
            }
            json_gen_str(g, caps->u.object.keys[i]);
            json_gen_value(g, v);
        }
    }
    if (rc_open)
        yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    return json_gen_steal(g, NULL);
}

static int run_one(char **out, const struct cni_net *n, size_t i, const char *command, const struct cni_runtime *rt,
                   const char *prev_text, congo_error *err)
{
    yajl_val p = n->plugins->u.array.values[i];
    yajl_val prev = NULL;
    _cleanup_free_ char *conf = NULL;
    int r;

    if (prev_text && *prev_text) {
        prev = json_parse_or_null(prev_text);
        if (!prev)
            return congo_error_set(err, 0, "network `%s`: the previous result is not JSON", n->name);
    }
    conf = plugin_conf(n, p, rt, prev);
    if (prev)
        yajl_tree_free(prev);
    r = cni_exec(out, plugin_type(p), command, conf, rt, err);
    if (r < 0)
        return congo_error_wrap(err, r, "network `%s` (%s): plugins[%zu]", n->name, n->path, i);
    return 0;
}

/* Whether plugins[i] would do nothing for this container, so that ADD and
 * DEL (which decide alike from the same runtimeConfig) may skip its exec:
 * portmap without port mappings (its ADD passes the result on untouched and
 * makes no chain, so its DEL has nothing to remove), and a tuning plugin
 * configured by nothing but capabilities none of which has a value (no
 * --mac-address).  Each costs a Go binary's start and, for portmap, its
 * iptables probes: ~10-20 ms per plugin and command on this machine. */
static bool plugin_idle(const struct cni_net *n, size_t i, const struct cni_runtime *rt)
{
    yajl_val p = n->plugins->u.array.values[i];
    const char *type = plugin_type(p);
    yajl_val caps = json_get(p, "capabilities");

    if (strcmp(type, "portmap") == 0) {
        yajl_val maps = json_get(rt->runtime_config, "portMappings");
        return !maps || !YAJL_IS_ARRAY(maps) || maps->u.array.len == 0;
    }
    if (strcmp(type, "tuning") == 0) {
        for (size_t k = 0; k < p->u.object.len; k++)
            if (strcmp(p->u.object.keys[k], "type") != 0 && strcmp(p->u.object.keys[k], "capabilities") != 0 &&
                strcmp(p->u.object.keys[k], "cniVersion") != 0 && strcmp(p->u.object.keys[k], "name") != 0)
                return false;
        for (size_t k = 0; caps && YAJL_IS_OBJECT(caps) && k < caps->u.object.len; k++)
            if (YAJL_IS_TRUE(caps->u.object.values[k]) && json_get(rt->runtime_config, caps->u.object.keys[k]))
                return false;
        return true;
    }
    return false;
}

int cni_add(char **result, const struct cni_net *n, const struct cni_runtime *rt, congo_error *err)
{
    _cleanup_free_ char *prev = NULL;
    size_t np = n->plugins->u.array.len;
    int r;

    for (size_t i = 0; i < np; i++) {
        char *res = NULL;
        if (plugin_idle(n, i, rt))
            continue;
        r = run_one(&res, n, i, "ADD", rt, prev, err);
        if (r < 0) {
            /* Undo what the chain did (the spec: DEL after a failed ADD). */
            congo_error ignored = CONGO_ERROR_INIT;
            cni_del(n, rt, prev, &ignored);
            congo_error_clear(&ignored);
            return r;
        }
        /* A plugin with no output passes the previous result on. */
        if (res && *res) {
            free(prev);
            prev = res;
        } else {
            free(res);
        }
    }
    *result = steal_pointer(&prev);
    if (!*result)
        *result = xasprintf("{\"cniVersion\":\"%s\"}", n->version);
    return 0;
}

int cni_del(const struct cni_net *n, const struct cni_runtime *rt, const char *prev_result, congo_error *err)
{
    int first = 0;
    /* Every plugin is asked, even after one fails: each releases what it holds. */
    for (size_t i = n->plugins->u.array.len; i-- > 0;) {
        congo_error e = CONGO_ERROR_INIT;
        int r;
        if (plugin_idle(n, i, rt))
            continue;
        r = run_one(NULL, n, i, "DEL", rt, prev_result, &e);
        if (r < 0 && first == 0) {
            first = r;
            *err = e;
        } else {
            congo_error_clear(&e);
        }
    }
    return first;
}
