/* congo logs: the output of a detached image container, kept by its
 * monitor in ROOT/ID/container.log. */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "libcongo/container.h"
#include "libcongo/monitor.h"
#include "libcongo/utils.h"

static const char logs_usage[] =
    "Usage: congo logs [-f] [-t] NAME\n"
    "\n"
    "Print the output of a container started with `congo run -d --name NAME IMAGE`.\n"
    "\n"
    "  -f, --follow       keep printing until the container exits\n"
    "  -t, --timestamps   prefix each line with its time (RFC 3339)\n";

struct logs_opts {
    bool follow;
    bool timestamps;
};

static int logs_opt(int opt, const char *arg, void *data, congo_error *err)
{
    struct logs_opts *o = data;
    if (opt == 'f')
        o->follow = true;
    else if (opt == 't')
        o->timestamps = true;
    return 0;
}

/* Print the complete lines in buf; returns how many bytes were used. */
static size_t print_lines(char *buf, size_t len, bool timestamps)
{
    size_t used = 0;
    char *nl;
    while ((nl = memchr(buf + used, '\n', len - used))) {
        const char *time, *stream, *text;
        *nl = '\0';
        if (congo_log_line_parse(buf + used, &time, &stream, &text) == 0) {
            FILE *f = str_has_prefix(stream, "stderr ") ? stderr : stdout;
            if (timestamps)
                fprintf(f, "%.*s %s\n", (int) (strchr(time, ' ') - time), time, text);
            else
                fprintf(f, "%s\n", text);
            fflush(f);
        }
        used = nl - buf + 1;
    }
    return used;
}

static bool still_running(struct congo_global *g, const char *id)
{
    struct congo_state *s = NULL;
    enum congo_status st;
    congo_error ignored = CONGO_ERROR_INIT;
    bool running = false;
    if (congo_container_load(&s, &st, g->root, id, &ignored) == 0) {
        running = st != CONGO_STATUS_STOPPED || (s->monitor_pid > 0 && kill(s->monitor_pid, 0) == 0 &&
                                                 congo_pid_alive(s->monitor_pid, 0));
        congo_state_free(s);
    }
    congo_error_clear(&ignored);
    return running;
}

int cmd_logs(struct congo_global *g, int argc, char **argv, congo_error *err)
{
    static const struct option longopts[] = {
        { "follow", no_argument, NULL, 'f' }, { "timestamps", no_argument, NULL, 't' }, {},
    };
    static const struct command_opts opts = { logs_usage, "ft", longopts, false };
    struct logs_opts o = { 0 };
    _cleanup_close_ int dfd = -1, fd = -1;
    char buf[65536];
    size_t len = 0;
    int first, r;

    r = command_parse(&opts, argc, argv, logs_opt, &o, &first, err);
    if (r != 0)
        return r < 0 ? r : 0;
    r = command_require_args("logs", argc - first, 1, 1, "a container name", err);
    if (r < 0)
        return r;
    r = congo_state_dir_open(&dfd, g->root, argv[first], false, err);
    if (r < 0)
        return r;
    fd = openat(dfd, CONGO_CONTAINER_LOG, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return congo_error_set(err, ENOENT,
                                   "container `%s` has no log: only `congo run -d --name NAME IMAGE` keeps one",
                                   argv[first]);
        return congo_error_errno(err, "open the log of `%s`", argv[first]);
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof buf - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return congo_error_errno(err, "read the log of `%s`", argv[first]);
        if (n > 0) {
            size_t used;
            len += n;
            used = print_lines(buf, len, o.timestamps);
            memmove(buf, buf + used, len - used);
            len -= used;
            if (len == sizeof buf - 1)
                len = 0; /* a line longer than the buffer: the monitor never writes one */
            continue;
        }
        if (!o.follow || !still_running(g, argv[first]))
            break;
        poll(NULL, 0, 100);
    }
    return 0;
}
