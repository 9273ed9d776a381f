/* Command-line parsing shared by congo and congo-image: one command's
 * options with getopt, --help/-h printing the command's usage, and errors
 * that name the option and point at `PROG COMMAND --help`. */
#ifndef CONGO_CLI_H
#define CONGO_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "error.h"

struct congo_cli_opts {
    const char *prog;               /* "congo" or "congo-image", for messages */
    const char *usage;              /* the full help text */
    const char *shortopts;
    const struct option *longopts;
    bool stop_at_arg;               /* stop at the first positional argument (exec, run IMAGE CMD...) */
    bool long_only;                 /* "-opt" works like "--opt" (podman passes -no-subreaper) */
};
typedef int (*congo_cli_opt_fn)(int opt, const char *arg, void *data, congo_error *err);

/* Returns 0 with *first the first positional argument, 1 after printing
 * the usage for --help, or negative with *err naming the bad option. */
int congo_cli_parse(const struct congo_cli_opts *o, int argc, char **argv, congo_cli_opt_fn fn, void *data, int *first,
                    congo_error *err);
/* The number of positional arguments, with a clear message when wrong. */
int congo_cli_require_args(const char *prog, const char *cmd, int have, int min, int max, const char *what,
                           congo_error *err);

#endif
