#include "config.h"

#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "utils.h"

int congo_cli_parse(const struct congo_cli_opts *o, int argc, char **argv, congo_cli_opt_fn fn, void *data, int *first,
                    congo_error *err)
{
    _cleanup_free_ char *shortopts = NULL;
    _cleanup_free_ struct option *longopts = NULL;
    size_t n = 0;
    int c;

    /* Add --help/-h; silence getopt's own messages (we report through *err). */
    while (o->longopts && o->longopts[n].name)
        n++;
    longopts = xnew0(struct option, n + 2);
    if (n)
        memcpy(longopts, o->longopts, n * sizeof *longopts);
    longopts[n] = (struct option){ "help", no_argument, NULL, 'h' };
    shortopts = xasprintf("%s:h%s", o->stop_at_arg ? "+" : "", o->shortopts ? o->shortopts : "");
    optind = 0;
    opterr = 0;
    for (;;) {
        int r;
        c = o->long_only ? getopt_long_only(argc, argv, shortopts, longopts, NULL)
                         : getopt_long(argc, argv, shortopts, longopts, NULL);
        if (c == -1)
            break;
        if (c == 'h') {
            fputs(o->usage, stdout);
            return 1;
        }
        if (c == '?' || c == ':') {
            const char *bad = argv[optind - 1];
            if (c == ':' || (optopt && strchr(o->shortopts ? o->shortopts : "", optopt)))
                return congo_error_set(err, 0, "option `%s` needs a value (see `%s %s --help`)", bad, o->prog,
                                       argv[0]);
            return congo_error_set(err, 0, "unknown option `%s` (see `%s %s --help`)", bad, o->prog, argv[0]);
        }
        r = fn(c, optarg, data, err);
        if (r < 0)
            return r;
    }
    *first = optind;
    return 0;
}

int congo_cli_require_args(const char *prog, const char *cmd, int have, int min, int max, const char *what,
                           congo_error *err)
{
    if (have < min)
        return congo_error_set(err, 0, "missing %s (see `%s %s --help`)", what, prog, cmd);
    if (max >= 0 && have > max)
        return congo_error_set(err, 0, "too many arguments: expected %s (see `%s %s --help`)", what, prog, cmd);
    return 0;
}
