/* The command layer: one file per CLI command, each with an option table and
 * one entry point `int cmd_NAME(struct congo_global *, int argc, char **argv, congo_error *)`.
 * An entry point returns a negative value with *err filled on failure (congo.c
 * prints it), or the exit status (0, or the container's status for `run`). */
#ifndef CONGO_COMMAND_H
#define CONGO_COMMAND_H

#include <getopt.h>
#include <stdbool.h>

#include "libcongo/error.h"

enum congo_log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

struct congo_global {
    const char *root;           /* state directory root, default /run/congo */
    const char *log_path;       /* --log FILE */
    enum congo_log_format log_format;
    int debug;
    bool systemd_cgroup;
    const char *rootless;       /* runc's --rootless true|false|auto: accepted */
    const char *criu;           /* runc's --criu PATH: accepted */
    const char *argv0;
    const char *command;        /* the command being run, for messages */
    int error_status;           /* exit status when the command fails; 0: 1 (exec: 255, as runc) */
};

typedef int (*congo_command_fn)(struct congo_global *g, int argc, char **argv, congo_error *err);

/* Parse a command's options with getopt_long_only semantics (so "-opt"
 * works like "--opt", as podman passes "-no-subreaper"), stopping at the first
 * positional argument when `stop_at_arg` (exec, run IMAGE CMD...).
 * Handles --help/-h by printing `usage` and returning 1; returns -1 with *err
 * set on an unknown option; 0 otherwise with *optind_out the first argument. */
struct command_opts {
    const char *usage;          /* full help text, first line "Usage: congo NAME ..." */
    const char *shortopts;
    const struct option *longopts;
    bool stop_at_arg;
};
typedef int (*command_opt_fn)(int opt, const char *arg, void *data, congo_error *err);
int command_parse(const struct command_opts *o, int argc, char **argv, command_opt_fn fn, void *data,
                  int *first_arg, congo_error *err);

/* Exact argument-count check with a clear message. */
int command_require_args(const char *cmd, int have, int min, int max, const char *what, congo_error *err);

/* The default state root for this user: /run/congo for root, else $XDG_RUNTIME_DIR/congo. */
int congo_default_root(const char **out, congo_error *err);

#define COMMANDS(X)                                                                         \
    X(create, "create a container from a bundle, ready to start")                            \
    X(start, "start the user process of a created container")                                \
    X(state, "print the state of a container as JSON")                                      \
    X(kill, "send a signal to the container's init (or all its processes)")                  \
    X(delete, "delete a container and everything it owns")                                   \
    X(run, "create and start a container (from a bundle, or an image)")                      \
    X(list, "list containers")                                                               \
    X(spec, "write a default config.json")                                                   \
    X(features, "print the runtime-spec features this build supports")                       \
    X(stop, "stop a container: SIGTERM, SIGKILL after a grace period, then delete")          \
    X(pause, "freeze every process of a container")                                          \
    X(resume, "thaw a paused container")                                                     \
    X(exec, "run a new process inside a running container")                                  \
    X(ps, "list the processes of a container")                                               \
    X(update, "change the resource limits of a running container")                           \
    X(events, "print resource statistics and OOM events of a container")                     \
    X(stats, "live table of resource use of containers")                                     \
    X(logs, "print the log of a detached image container")                                   \
    X(network, "manage the CNI networks of image containers")                                \
    X(port, "print the published ports of an image container")                               \
    X(pull, "pull an image (congo-image pull)")                                              \
    X(extract, "make an OCI bundle from an image (congo-image extract)")                     \
    X(images, "list the images in the store (congo-image images)")                           \
    X(rmi, "remove images from the store (congo-image rm)")                                  \
    X(rm, "remove containers, with the bundle and network of an image container")            \
    X(checkpoint, "checkpoint a container (not supported)")                                  \
    X(restore, "restore a container (not supported)")                                        \
    X(help, "show the usage of congo or of one command")

#define DECLARE_COMMAND(name, summary) int cmd_##name(struct congo_global *g, int argc, char **argv, congo_error *err);
COMMANDS(DECLARE_COMMAND)
#undef DECLARE_COMMAND

#endif
