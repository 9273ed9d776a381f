/* congo list: the containers under the state root. */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "command.h"
#include "libcongo/container.h"
#include "libcongo/utils.h"

static const char list_usage[] =
    "Usage: congo list [-q] [--format table|json]\n"
    "\n"
    "List containers.\n"
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

int cmd_list(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = {
        { "quiet", no_argument, NULL, 'q' }, { "format", required_argument, NULL, 'f' }, {},
    };
    static const struct command_opts opts = { list_usage, "qf:", longopts, false };
    struct list_opts o = { 0 };
    _cleanup_strv_ char **ids = NULL;
    int first, r;
    bool any = false;

    r = command_parse(&opts, argc, argv, list_opt, &o, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("list", argc - first, 0, 0, "no arguments", err);
    if (r < 0)
        return r;
    r = congo_state_list(&ids, g->root, err);
    if (r < 0)
        return r;
    if (o.json)
        fputs("[", stdout);
    else if (!o.quiet)
        printf("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
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
            _cleanup_free_ char *json = congo_state_json(s, status);
            printf("%s%s", any ? "," : "", json);
        } else {
            struct passwd *pw = getpwuid(s->owner);
            printf("%-20s %-8d %-10s %-40s %-30s %s\n", s->id, status == CONGO_STATUS_STOPPED ? 0 : (int) s->pid,
                   congo_status_name(status), s->bundle ? s->bundle : "", s->created_at ? s->created_at : "",
                   pw ? pw->pw_name : "");
        }
        any = true;
    }
    if (o.json)
        puts("]");
    return 0;
}
