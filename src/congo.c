/* congo: an OCI runtime.  Global options, the command table, and the one
 * place where errors are printed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "libcongo/cli.h"
#include "libcongo/userns.h"
#include "libcongo/log.h"
#include "libcongo/seccomp.h"
#include "libcongo/utils.h"
#include "src/git-commit.h"

struct command_entry {
    const char *name;
    congo_command_fn fn;
    const char *summary;
};

#define COMMAND_ENTRY(name, summary) { #name, cmd_##name, summary },
static const struct command_entry commands[] = { COMMANDS(COMMAND_ENTRY) };
#undef COMMAND_ENTRY

static const char global_usage[] =
    "Usage: congo [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "congo is an OCI runtime: it runs containers from OCI bundles (config.json + rootfs).\n"
    "\n"
    "Global options:\n"
    "  --root DIR            state directory (default /run/congo; non-root: $XDG_RUNTIME_DIR/congo)\n"
    "  --log FILE            also write errors and debug messages to FILE\n"
    "  --log-format FMT      text or json (json lines {\"level\",\"msg\",\"time\"})\n"
    "  --debug               debug messages\n"
    "  --systemd-cgroup      manage cgroups through systemd\n"
    "  --rootless VALUE      accepted for runc compatibility\n"
    "  -v, --version         print the version\n"
    "  -h, --help            this help; `congo help COMMAND` or `congo COMMAND --help` for a command\n"
    "\n"
    "Commands:\n";

static FILE *log_file;

static const char *level_name(enum congo_log_level l)
{
    switch (l) {
    case CONGO_LOG_ERROR: return "error";
    case CONGO_LOG_WARNING: return "warning";
    case CONGO_LOG_INFO: return "info";
    default: return "debug";
    }
}

static void json_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = *s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
}

/* One record, in the caller's chosen format.  JSON goes to the --log file,
 * or to stderr when there is none (as runc does).  Text is runc's (logrus)
 * `time="..." level=debug msg="..."`, except for errors and warnings on
 * stderr, which people read: "congo: COMMAND: message". */
static void emit(FILE *f, enum congo_log_format fmt, enum congo_log_level level, const char *msg)
{
    if (fmt == LOG_FORMAT_JSON) {
        _cleanup_free_ char *now = rfc3339_now();
        fprintf(f, "{\"level\":\"%s\",\"msg\":\"", level_name(level));
        json_escape(f, msg);
        fprintf(f, "\",\"time\":\"%s\"}\n", now);
    } else if (f == stderr && level <= CONGO_LOG_WARNING) {
        fprintf(f, "congo: %s%s\n", level == CONGO_LOG_ERROR ? "" : "warning: ", msg);
    } else {
        _cleanup_free_ char *now = rfc3339_now();
        fprintf(f, "time=\"%s\" level=%s msg=\"", now, level_name(level));
        json_escape(f, msg);
        fputs("\"\n", f);
    }
    fflush(f);
}

/* With --log, records go to the file; errors and warnings also reach stderr
 * as text (conmon and people read stderr).  A JSON log file gets only error
 * (and --debug) records: podman parses it as one object, containerd takes the
 * last error record.  Without --log, everything goes to stderr in the chosen
 * format, as runc does. */
static void log_sink(enum congo_log_level level, const char *msg, void *data)
{
    struct congo_global *g = data;

    if (!log_file) {
        emit(stderr, g->log_format, level, msg);
        return;
    }
    if (g->log_format == LOG_FORMAT_TEXT || level == CONGO_LOG_ERROR || level == CONGO_LOG_DEBUG)
        emit(log_file, g->log_format, level, msg);
    if (level <= CONGO_LOG_WARNING)
        emit(stderr, LOG_FORMAT_TEXT, level, msg);
}

static void print_error(struct congo_global *g, const congo_error *err)
{
    _cleanup_free_ char *text = congo_error_text(err);
    _cleanup_free_ char *msg = g->command ? xasprintf("%s: %s", g->command, text) : xstrdup(text);
    log_sink(CONGO_LOG_ERROR, msg, g);
}

static int open_log(struct congo_global *g, congo_error *err)
{
    int fd;
    if (!g->log_path || !*g->log_path)
        return 0;
    fd = open(g->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return congo_error_errno(err, "open log file `%s`", g->log_path);
    log_file = fdopen(fd, "a");
    if (!log_file) {
        close(fd);
        return congo_error_errno(err, "open log file `%s`", g->log_path);
    }
    return 0;
}

/* The state root of a user other than root (as runc): $XDG_RUNTIME_DIR/congo,
 * else /run/user/UID/congo when that directory is the user's own with mode
 * 0700, else /tmp/congo-UID, made 0700 and checked to be the user's own
 * directory (not a symlink, nobody else's, no group or other access), since
 * anyone may have created that name first. */
int congo_default_root(const char **out, congo_error *err)
{
    static char *root;
    const char *xdg;
    uid_t uid = geteuid();
    struct stat st;

    /* Root of a user namespace (podman's rootless runtime calls) takes
     * XDG_RUNTIME_DIR unless USER says root, as runc. */
    const char *user = getenv("USER");
    if (uid == 0 && !(congo_userns_in_child_ns() && getenv("XDG_RUNTIME_DIR") && *getenv("XDG_RUNTIME_DIR") &&
                      !(user && strcmp(user, "root") == 0))) {
        *out = "/run/congo";
        return 0;
    }
    if (root) {
        *out = root;
        return 0;
    }
    if ((xdg = getenv("XDG_RUNTIME_DIR")) && *xdg) {
        root = xasprintf("%s/congo", xdg);
    } else {
        char run_user[64];
        snprintf(run_user, sizeof run_user, "/run/user/%u", (unsigned) uid);
        if (lstat(run_user, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid && (st.st_mode & 07777) == 0700) {
            root = xasprintf("%s/congo", run_user);
        } else {
            _cleanup_free_ char *tmp = xasprintf("/tmp/congo-%u", (unsigned) uid);
            if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
                return congo_error_errno(err, "state root: XDG_RUNTIME_DIR is not set and `%s` cannot be created", tmp);
            if (lstat(tmp, &st) < 0)
                return congo_error_errno(err, "state root `%s`", tmp);
            if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 077) != 0)
                return congo_error_set(err, EPERM,
                                       "state root `%s`: not a directory of uid %u with mode 0700 (it is %s of uid "
                                       "%u, mode %04o); set XDG_RUNTIME_DIR or --root",
                                       tmp, (unsigned) uid, S_ISLNK(st.st_mode) ? "a symlink" : S_ISDIR(st.st_mode) ? "a directory" : "a file",
                                       (unsigned) st.st_uid, (unsigned) (st.st_mode & 07777));
            root = steal_pointer(&tmp);
        }
    }
    *out = root;
    return 0;
}

int command_require_args(const char *cmd, int have, int min, int max, const char *what, congo_error *err)
{
    return congo_cli_require_args("congo", cmd, have, min, max, what, err);
}

int command_parse(const struct command_opts *o, int argc, char **argv, command_opt_fn fn, void *data,
                  int *first_arg, congo_error *err)
{
    const struct congo_cli_opts cli = { "congo", o->usage, o->shortopts, o->longopts, o->stop_at_arg, true };
    return congo_cli_parse(&cli, argc, argv, fn, data, first_arg, err);
}

enum { OPT_ROOT = 1000, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD_CGROUP, OPT_ROOTLESS, OPT_CRIU };

static const struct option global_options[] = {
    { "root", required_argument, NULL, OPT_ROOT },
    { "log", required_argument, NULL, OPT_LOG },
    { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
    { "debug", no_argument, NULL, OPT_DEBUG },
    { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
    { "rootless", required_argument, NULL, OPT_ROOTLESS },
    { "criu", required_argument, NULL, OPT_CRIU },
    { "version", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    {},
};

static void print_usage(void)
{
    fputs(global_usage, stdout);
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        printf("  %-12s %s\n", commands[i].name, commands[i].summary);
}

static void print_version(void)
{
    /* runc's lines, which podman and people read. */
    printf("congo version %s\ncommit: %s\nspec: 1.2.0\nlibseccomp: %s\n", PACKAGE_VERSION, CONGO_GIT_COMMIT,
           congo_seccomp_libseccomp_version());
#ifdef HAVE_SELINUX
    printf("+SELINUX ");
#endif
    printf("+SECCOMP +CAP +YAJL\n");
}

int main(int argc, char **argv)
{
    struct congo_global g = { .root = NULL, .log_format = LOG_FORMAT_TEXT, .argv0 = argv[0] };
    congo_error err = CONGO_ERROR_INIT;
    const struct command_entry *cmd = NULL;
    int c, r;

    congo_log_set_sink(log_sink, &g, CONGO_LOG_WARNING);
    opterr = 0;
    while ((c = getopt_long_only(argc, argv, "+:vh", global_options, NULL)) != -1) {
        switch (c) {
        case OPT_ROOT: g.root = optarg; break;
        case OPT_LOG: g.log_path = optarg; break;
        case OPT_LOG_FORMAT:
            if (strcmp(optarg, "json") == 0)
                g.log_format = LOG_FORMAT_JSON;
            else if (strcmp(optarg, "text") == 0)
                g.log_format = LOG_FORMAT_TEXT;
            else {
                congo_error_set(&err, 0, "--log-format: unknown format `%s` (expected text or json)", optarg);
                goto fail;
            }
            break;
        case OPT_DEBUG: g.debug++; break;
        case OPT_SYSTEMD_CGROUP: g.systemd_cgroup = true; break;
        case OPT_ROOTLESS: g.rootless = optarg; break;
        case OPT_CRIU: g.criu = optarg; break;
        case 'v': print_version(); return 0;
        case 'h': print_usage(); return 0;
        case ':':
            congo_error_set(&err, 0, "option `%s` needs a value", argv[optind - 1]);
            goto fail;
        default:
            congo_error_set(&err, 0, "unknown global option `%s` (see `congo --help`)", argv[optind - 1]);
            goto fail;
        }
    }
    if (g.log_path && open_log(&g, &err) < 0) {
        g.log_path = NULL;
        goto fail;
    }
    if (g.debug)
        congo_log_set_sink(log_sink, &g, CONGO_LOG_DEBUG);
    if ((!g.root || !*g.root) && congo_default_root(&g.root, &err) < 0)
        goto fail;
    if (optind >= argc) {
        print_usage();
        return 1;
    }
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (strcmp(commands[i].name, argv[optind]) == 0)
            cmd = &commands[i];
    if (!cmd) {
        congo_error_set(&err, 0, "unknown command `%s` (see `congo --help`)", argv[optind]);
        goto fail;
    }
    g.command = cmd->name;
    congo_debug("congo %s (commit %s): command %s, state root `%s`", PACKAGE_VERSION, CONGO_GIT_COMMIT, cmd->name,
                g.root);
    r = cmd->fn(&g, argc - optind, argv + optind, &err);
    if (r >= 0)
        return r;
fail:
    print_error(&g, &err);
    congo_error_clear(&err);
    return g.error_status ? g.error_status : 1;
}

/* `congo help [COMMAND]`: the global usage, or the command's own (as
 * `congo COMMAND --help` prints it). */
int cmd_help(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        print_usage();
        return 0;
    }
    if (argc > 2)
        return congo_error_set(err, EINVAL, "too many arguments: expected one command name (see `congo help`)");
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (strcmp(commands[i].name, argv[1]) == 0) {
            char *help_argv[] = { argv[1], "--help", NULL };
            if (commands[i].fn == cmd_help) {
                print_usage();
                return 0;
            }
            g->command = commands[i].name;
            return commands[i].fn(g, 2, help_argv, err);
        }
    return congo_error_set(err, EINVAL, "unknown command `%s` (see `congo help`)", argv[1]);
}
