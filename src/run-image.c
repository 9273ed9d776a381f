/* congo run --name NAME IMAGE [CMD ARGS...]: the docker-like form.
 * congo-image makes the bundle (as a helper program: congo links no network
 * library); the container records that bundle, so `congo delete NAME`
 * removes it too.  Foreground: congo supervises and keeps the stopped
 * container unless --rm.  Detached: a monitor supervises (monitor.c).
 * Networking: the bundle gets its network files and the OCI hooks that call
 * back into congo for CNI ADD and DEL (src/network/setup.c). */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "run.h"
#include "libcongo/container.h"
#include "libcongo/image-helper.h"
#include "libcongo/monitor.h"
#include "libcongo/utils.h"
#include "network/setup.h"


static char **extract_args(struct run_opts *o, bool tty, int argc, char **argv)
{
    size_t n = 0, max = 10 + o->n_img_args + argc;
    char **a = xnew0(char *, max + 1);
    a[n++] = "extract";
    a[n++] = "--quiet";
    a[n++] = "--name";
    a[n++] = (char *) o->name;
    for (size_t i = 0; i < o->n_img_args; i++)
        a[n++] = o->img_args[i];
    if (tty)
        a[n++] = "--tty";
    if (o->net.hostname) {
        a[n++] = "--hostname";
        a[n++] = (char *) o->net.hostname;
    }
    a[n++] = argv[0];
    if (argc > 1) {
        a[n++] = "--";
        for (int i = 1; i < argc; i++)
            a[n++] = argv[i];
    }
    return a;
}

static bool name_taken(const char *root, const char *name)
{
    struct congo_state *s = NULL;
    enum congo_status st;
    congo_error ignored = CONGO_ERROR_INIT;
    if (congo_container_load(&s, &st, root, name, &ignored) == 0) {
        congo_state_free(s);
        return true;
    }
    congo_error_clear(&ignored);
    return false;
}

/* A name when --name is absent, docker style: ADJECTIVE_NOUN (congo's own
 * words), with a number added after a few taken ones. */
static char *generate_name(const char *root)
{
    static const char *const adjectives[] = {
        "amber",  "bold",   "brave",   "bright", "calm",   "clever", "cosmic", "crisp",  "daring", "eager",
        "fancy",  "gentle", "glad",    "golden", "happy",  "humble", "jolly",  "keen",   "kind",   "lively",
        "lucky",  "mellow", "merry",   "nimble", "noble",  "proud",  "quick",  "quiet",  "rapid",  "serene",
        "sharp",  "silent", "smooth",  "snowy",  "steady", "sunny",  "swift",  "tidy",   "vivid",  "witty",
    };
    static const char *const nouns[] = {
        "badger", "beaver", "bison",   "condor", "crane",  "dolphin", "eagle",  "falcon", "ferret", "gecko",
        "heron",  "ibis",   "jaguar",  "koala",  "lemur",  "lynx",    "marten", "moose",  "narwhal", "ocelot",
        "okapi",  "otter",  "panda",   "puffin", "quokka", "raven",   "salmon", "seal",   "stork",  "tapir",
        "tiger",  "toucan", "turtle",  "walrus", "weasel", "whale",   "wombat", "yak",    "zebra",  "gorilla",
    };
    for (int attempt = 0;; attempt++) {
        uint32_t rnd[2];
        char *name;
        if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
            rnd[0] = (uint32_t) getpid() + attempt, rnd[1] = (uint32_t) time(NULL);
        name = attempt < 5 ? xasprintf("%s_%s", adjectives[rnd[0] % ARRAY_SIZE(adjectives)],
                                       nouns[rnd[1] % ARRAY_SIZE(nouns)])
                           : xasprintf("%s_%s%u", adjectives[rnd[0] % ARRAY_SIZE(adjectives)],
                                       nouns[rnd[1] % ARRAY_SIZE(nouns)], rnd[0] % 1000);
        if (!name_taken(root, name) || attempt > 50)
            return name;
        free(name);
    }
}

int run_image(struct congo_global *g, struct run_opts *o, int argc, char **argv, bool guessed, congo_error *err)
{
    _cleanup_free_ char **args = NULL;
    _cleanup_free_ char *bundle = NULL, *genname = NULL;
    struct net_plan *plan = NULL;
    /* congo's convenience kept: on a terminal, without -i or -t, as -it. */
    bool auto_tty = !o->tty && !o->interactive && !o->detach && isatty(0) && isatty(1);
    bool tty = o->tty || auto_tty;
    pid_t pid;
    int r;

    if (o->create.bundle)
        return congo_error_set(err, EINVAL, "--bundle and --name exclude each other: the image gives the bundle");
    if (o->keep)
        return congo_error_set(err, EINVAL, "--keep is the image form's default (use --rm to delete)");
    if (!o->name)
        o->name = genname = generate_name(g->root);
    r = congo_id_validate(o->name, err);
    if (r < 0)
        return congo_error_wrap(err, r, "--name");
    r = command_require_args("run", argc, 1, -1, "an IMAGE (congo run [OPTIONS] IMAGE [CMD...])", err);
    if (r < 0)
        return r;
    if (tty && o->detach)
        return congo_error_set(err, EINVAL, "--tty with --detach: a detached container has no terminal to use");
    /* Refuse a taken name before making a bundle for it. */
    if (name_taken(g->root, o->name))
        return congo_error_set(err, EEXIST, "container `%s` already exists", o->name);
    /* Every network option is checked before the bundle exists. */
    r = net_plan_make(&plan, &o->net, g->root, o->name, err);
    if (r < 0)
        return r;
    args = extract_args(o, tty, argc, argv);
    r = congo_image_helper(&bundle, args, err);
    if (r < 0) {
        net_plan_free(plan);
        if (guessed)
            congo_error_wrap(err, r, "no config.json in the current directory, so `%s` was taken as an image",
                             argv[0]);
        return r;
    }
    r = net_apply(plan, bundle, err);
    net_plan_free(plan);
    if (r < 0) {
        char *rm[] = { "rm-bundle", bundle, NULL };
        congo_error ignored = CONGO_ERROR_INIT;
        congo_image_helper(NULL, rm, &ignored);
        congo_error_clear(&ignored);
        return r;
    }
    o->create.bundle = bundle;
    o->create.id = o->name;
    o->create.image_bundle = bundle;
    if (o->detach) {
        r = congo_monitor_spawn(&pid, &o->create, o->rm, err);
        if (r == 0)
            puts(o->name);
    } else {
        /* docker: without -i the container's stdin is empty. */
        if (!o->interactive && !tty) {
            int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fd >= 0 && fd != STDIN_FILENO) {
                dup2(fd, STDIN_FILENO);
                close(fd);
            }
        }
        r = run_foreground(g, &o->create, !o->rm, err);
    }
    if (r < 0) {
        /* create failed: nothing records the bundle, so remove it here. */
        congo_error ignored = CONGO_ERROR_INIT;
        struct congo_state *s = NULL;
        enum congo_status st;
        if (congo_container_load(&s, &st, g->root, o->name, &ignored) < 0) {
            char *rm[] = { "rm-bundle", bundle, NULL };
            congo_error_clear(&ignored);
            /* A create that failed after the createRuntime hook's ADD runs no
             * poststop hook: release the address and port rules here. */
            net_release_bundle(bundle, &ignored);
            congo_error_clear(&ignored);
            congo_image_helper(NULL, rm, &ignored);
        } else {
            congo_state_free(s);
        }
        congo_error_clear(&ignored);
    }
    return r;
}
