/* congo list: the containers under the state root. */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "command.h"
#include "libcongo/container.h"
#include "libcongo/utils.h"
#include "network/setup.h"

static const char list_usage[] =
    "Usage: congo list [-q] [--format table|json]\n"
    "\n"
    "List containers.  The table's PORTS column shows the ports an image\n"
    "container publishes (-p), as `docker ps` does.\n"
    "\n"
    "  -q, --quiet           only IDs\n"
    "  -f, --format FORMAT   table (default) or json\n";

struct list_opts {
    bool quiet;
    bool json;
};

static int list_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct list_opts *o = data;
    if (opt == 'q')
        o->quiet = true;
    else if (opt == 'f') {
        if (strcmp(arg, "json") == 0)
            o->json = true;
        else if (strcmp(arg, "table") == 0)
            o->json = false;
        else
            return congo_error_set(err, EINVAL, "--format: unknown format `%s` (expected table or json)", arg);
    }
    return 0;
}

static void gen_str(yajl_gen y, const char *key, const char *val)
{
    yajl_gen_string(y, (const unsigned char *) key, strlen(key));
    yajl_gen_string(y, (const unsigned char *) (val ? val : ""), val ? strlen(val) : 0);
}

/* One item of `list --format json`, as runc prints it: ociVersion, id, pid,
 * status, bundle, rootfs, created, annotations (when any), owner; then
 * congo's exitStatus when known. */
static void gen_item(yajl_gen y, const struct congo_state *s, enum congo_status status, const char *owner)
{
    yajl_gen_map_open(y);
    gen_str(y, "ociVersion", "1.2.0");
    gen_str(y, "id", s->id);
    yajl_gen_string(y, (const unsigned char *) "pid", 3);
    yajl_gen_integer(y, status == CONGO_STATUS_STOPPED ? 0 : s->pid);
    gen_str(y, "status", congo_status_name(status));
    gen_str(y, "bundle", s->bundle);
    gen_str(y, "rootfs", s->rootfs);
    gen_str(y, "created", s->created_at);
    if (s->annotations.n > 0) {
        yajl_gen_string(y, (const unsigned char *) "annotations", 11);
        yajl_gen_map_open(y);
        for (size_t i = 0; i < s->annotations.n; i++)
            gen_str(y, s->annotations.keys[i], s->annotations.values[i]);
        yajl_gen_map_close(y);
    }
    gen_str(y, "owner", owner);
    /* congo's own, after runc's fields: how a container congo watched ended. */
    if (status == CONGO_STATUS_STOPPED && s->exit_status >= 0) {
        yajl_gen_string(y, (const unsigned char *) "exitStatus", 10);
        yajl_gen_integer(y, s->exit_status);
    }
    yajl_gen_map_close(y);
}

/* The PORTS column: an image container's published ports as `docker ps`
 * shows them (0.0.0.0:8080->80/tcp, ...); empty for any other container or
 * a bundle that cannot be read. */
static char *ports_column(const struct congo_state *s)
{
    const char *bundle = s->image_bundle ? s->image_bundle : s->bundle;
    struct net_port *ports = NULL;
    size_t n = 0;
    congo_error ignored = CONGO_ERROR_INIT;
    char *out = xstrdup(""), *next;

    if (!bundle || net_ports_of_bundle(&ports, &n, bundle, &ignored) < 0) {
        congo_error_clear(&ignored);
        return out;
    }
    for (size_t i = 0; i < n; i++) {
        next = xasprintf("%s%s%s:%ld->%ld/%s", out, i ? ", " : "", *ports[i].host_ip ? ports[i].host_ip : "0.0.0.0",
                         ports[i].host_port, ports[i].container_port, ports[i].protocol);
        free(out);
        out = next;
    }
    net_ports_free(ports, n);
    return out;
}

int cmd_list(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = {
        { "quiet", no_argument, NULL, 'q' }, { "format", required_argument, NULL, 'f' }, {},
    };
    static const struct command_opts opts = { list_usage, "qf:", longopts, false };
    struct list_opts o = { 0 };
    _cleanup_strv_ char **ids = NULL;
    int first, r;
    yajl_gen y = NULL;

    r = command_parse(&opts, argc, argv, list_opt, &o, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("list", argc - first, 0, 0, "no arguments", err);
    if (r < 0)
        return r;
    r = congo_state_list(&ids, g->root, err);
    if (r < 0)
        return r;
    if (o.json) {
        /* One compact array on one line (runc's encoder). */
        y = yajl_gen_alloc(NULL);
        yajl_gen_array_open(y);
    } else if (!o.quiet)
        printf("%-20s %-8s %-10s %-40s %-30s %-10s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER",
               "PORTS");
    for (char **id = ids; *id; id++) {
        _cleanup_state_ struct congo_state *s = NULL;
        enum congo_status status;
        congo_error ignored = CONGO_ERROR_INIT;
        /* A container deleted meanwhile, or half-created, is skipped. */
        if (congo_container_load(&s, &status, g->root, *id, &ignored) < 0) {
            congo_error_clear(&ignored);
            continue;
        }
        if (o.quiet && !o.json) {
            puts(s->id);
        } else if (o.json) {
            struct passwd *pw = getpwuid(s->owner);
            char uid[16];
            snprintf(uid, sizeof uid, "%u", (unsigned) s->owner);
            gen_item(y, s, status, pw ? pw->pw_name : uid);
        } else {
            struct passwd *pw = getpwuid(s->owner);
            _cleanup_free_ char *ports = ports_column(s);
            printf("%-20s %-8d %-10s %-40s %-30s %-10s %s\n", s->id, status == CONGO_STATUS_STOPPED ? 0 : (int) s->pid,
                   congo_status_name(status), s->bundle ? s->bundle : "", s->created_at ? s->created_at : "",
                   pw ? pw->pw_name : "", ports);
        }
    }
    if (o.json) {
        const unsigned char *buf;
        size_t len;
        yajl_gen_array_close(y);
        yajl_gen_get_buf(y, &buf, &len);
        fwrite(buf, 1, len, stdout);
        putchar('\n');
        yajl_gen_free(y);
    }
    return 0;
}
