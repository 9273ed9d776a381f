/* congo-image: images for congo.  Global options, the command table, and
 * the one place where errors are printed. */
#include "config.h"

#include <archive.h>
#include <curl/curl.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/image-command.h"
#include "libcongo/cli.h"
#include "libcongo/log.h"
#include "libcongo/userns.h"
#include "libcongo/utils.h"

struct image_command {
    const char *name;
    image_command_fn fn;
    const char *summary;
};

#define IMAGE_COMMAND_ENTRY(str, name, summary) { str, cmd_image_##name, summary },
static const struct image_command commands[] = { IMAGE_COMMANDS(IMAGE_COMMAND_ENTRY) };
#undef IMAGE_COMMAND_ENTRY

static const char global_usage[] =
    "Usage: congo-image [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "congo-image pulls images from registries into an OCI image layout and makes\n"
    "OCI bundles with an overlay rootfs from them, for congo (or any OCI runtime).\n"
    "\n"
    "Global options:\n"
    "  --store DIR     image store (default " STORE_DEFAULT ", or $CONGO_IMAGE_STORE;\n"
    "                  for other users $XDG_DATA_HOME/congo, ~/.local/share/congo)\n"
    "  --debug         debug messages\n"
    "  -v, --version   print the version\n"
    "  -h, --help      this help; `congo-image COMMAND --help` for a command\n"
    "\n"
    "Commands:\n";

static const char *current_command;

static void log_sink(enum congo_log_level level, const char *msg, void *data)
{
    const char *prefix = level == CONGO_LOG_ERROR ? "" : level == CONGO_LOG_WARNING ? "warning: " : "debug: ";
    (void) data;
    fprintf(stderr, "congo-image: %s%s\n", prefix, msg);
}

int parse_bool_arg(const char *opt, const char *arg, bool *out, congo_error *err)
{
    if (!arg || strcmp(arg, "true") == 0 || strcmp(arg, "1") == 0 || strcmp(arg, "yes") == 0)
        *out = true;
    else if (strcmp(arg, "false") == 0 || strcmp(arg, "0") == 0 || strcmp(arg, "no") == 0)
        *out = false;
    else
        return congo_error_set(err, 0, "%s: `%s` is not true or false", opt, arg);
    return 0;
}

int image_require_args(const char *cmd, int have, int min, int max, const char *what, congo_error *err)
{
    return congo_cli_require_args("congo-image", cmd, have, min, max, what, err);
}

int image_parse(const struct image_cmd_opts *o, int argc, char **argv, image_opt_fn fn, void *data, int *first,
                congo_error *err)
{
    const struct congo_cli_opts cli = { "congo-image", o->usage, o->shortopts, o->longopts, false, false };
    return congo_cli_parse(&cli, argc, argv, fn, data, first, err);
}

int image_store_open(struct image_global *g, bool create, struct store **out, congo_error *err)
{
    return store_open(out, g->store, create, err);
}

static void print_usage(void)
{
    fputs(global_usage, stdout);
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        printf("  %-10s  %s\n", commands[i].name, commands[i].summary);
}

static void print_version(void)
{
    curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    printf("congo-image version %s\n", PACKAGE_VERSION);
    printf("libcurl %s, %s, %s\n", cv->version, archive_version_string(), OpenSSL_version(OPENSSL_VERSION));
}

enum { OPT_STORE = 1000, OPT_DEBUG };

static const struct option global_options[] = {
    { "store", required_argument, NULL, OPT_STORE },
    { "debug", no_argument, NULL, OPT_DEBUG },
    { "version", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    {},
};

int main(int argc, char **argv)
{
    struct image_global g = { 0 };
    congo_error err = CONGO_ERROR_INIT;
    const struct image_command *cmd = NULL;
    const char *env = getenv("CONGO_IMAGE_STORE");
    int c, r;

    _cleanup_free_ char *user_store = NULL;
    g.store = env && *env ? env : STORE_DEFAULT;
    if (!(env && *env) && geteuid() != 0) {
        /* Rootless: the user's own store, as podman's. */
        const char *data = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
        /* A relative $XDG_DATA_HOME is invalid (XDG spec): ignored; no
         * $HOME: the passwd entry's home. */
        if (!home || home[0] != '/') {
            struct passwd *pw = getpwuid(getuid());
            home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
        }
        if (data && data[0] == '/')
            user_store = xasprintf("%s/congo", data);
        else if (home)
            user_store = xasprintf("%s/.local/share/congo", home);
        if (user_store)
            g.store = user_store;
    }
    congo_log_set_sink(log_sink, NULL, CONGO_LOG_WARNING);
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:vh", global_options, NULL)) != -1) {
        switch (c) {
        case OPT_STORE:
            if (!*optarg) {
                congo_error_set(&err, 0, "--store: empty path");
                goto fail;
            }
            g.store = optarg;
            break;
        case OPT_DEBUG:
            g.debug++;
            break;
        case 'v':
            print_version();
            return 0;
        case 'h':
            print_usage();
            return 0;
        case ':':
            congo_error_set(&err, 0, "option `%s` needs a value", argv[optind - 1]);
            goto fail;
        default:
            congo_error_set(&err, 0, "unknown global option `%s` (see `congo-image --help`)", argv[optind - 1]);
            goto fail;
        }
    }
    if (g.debug)
        congo_log_set_sink(log_sink, NULL, CONGO_LOG_DEBUG);
    if (optind >= argc) {
        print_usage();
        return 1;
    }
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (strcmp(commands[i].name, argv[optind]) == 0)
            cmd = &commands[i];
    if (!cmd) {
        congo_error_set(&err, 0, "unknown command `%s` (see `congo-image --help`)", argv[optind]);
        goto fail;
    }
    current_command = g.command = cmd->name;
    /* Rootless: the rest runs as root of a user namespace mapping the
     * user's subordinate ids, so that layers keep their owners (as podman). */
    if (geteuid() != 0 && congo_userns_become_root(&err) < 0)
        goto fail;
    /* libcurl is initialised by the first registry_open(): commands that
     * stay local do not pay for TLS set-up. */
    r = cmd->fn(&g, argc - optind, argv + optind, &err);
    if (r >= 0)
        return r;
fail:
    {
        _cleanup_free_ char *text = congo_error_text(&err);
        fprintf(stderr, "congo-image: %s%s%s\n", current_command ? current_command : "", current_command ? ": " : "",
                text);
    }
    congo_error_clear(&err);
    return 1;
}
