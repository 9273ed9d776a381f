#include "config.h"

#include "monitor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "utils.h"

struct stream {
    int fd;
    const char *name;
    char buf[8192];
    size_t len;
};

static void write_line(int log, const char *stream, const char *text, size_t len)
{
    _cleanup_free_ char *now = rfc3339_now();
    _cleanup_free_ char *line = xasprintf("%s %s %.*s\n", now, stream, (int) len, text);
    (void) write_all(log, line, strlen(line));
}

/* Log every complete line; a line longer than the buffer is cut in parts. */
static bool pump(struct stream *s, int log)
{
    ssize_t n = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
    char *nl;
    if (n < 0 && errno == EINTR)
        return true;
    if (n <= 0) {
        if (s->len)
            write_line(log, s->name, s->buf, s->len);
        s->len = 0;
        return false;
    }
    s->len += n;
    while ((nl = memchr(s->buf, '\n', s->len))) {
        size_t l = nl - s->buf;
        write_line(log, s->name, s->buf, l);
        memmove(s->buf, nl + 1, s->len - l - 1);
        s->len -= l + 1;
    }
    if (s->len == sizeof s->buf) {
        write_line(log, s->name, s->buf, s->len);
        s->len = 0;
    }
    return true;
}

static void send_error(int ready, congo_error *err)
{
    char e = 'E';
    if (write_all(ready, &e, 1) == 0)
        congo_error_send(ready, err);
}

static int open_log(const char *root, const char *id)
{
    _cleanup_free_ char *path = xasprintf("%s/%s/%s", root, id, CONGO_CONTAINER_LOG);
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
}

__attribute__((noreturn)) static void monitor_main(int ready, const struct congo_create_opts *o, bool remove)
{
    congo_error err = CONGO_ERROR_INIT;
    struct stream out = { .name = "stdout" }, errs = { .name = "stderr" };
    int outp[2], errp[2], devnull, log, status, r;
    pid_t pid = 0;
    char ok = 'R';

    setsid();
    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0 || pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
        congo_error_errno(&err, "monitor: pipes");
        send_error(ready, &err);
        _exit(1);
    }
    /* The container's stdio: /dev/null in, the pipes out. */
    dup2(devnull, 0);
    dup2(outp[1], 1);
    dup2(errp[1], 2);
    r = congo_container_create(&pid, o, &err);
    if (r == 0) {
        r = congo_container_start(o->root, o->id, &err);
        if (r < 0) {
            congo_error ignored = CONGO_ERROR_INIT;
            congo_container_delete(o->root, o->id, true, &ignored);
            congo_error_clear(&ignored);
        }
    }
    /* Only the container holds the write ends now: EOF when it is done. */
    dup2(devnull, 1);
    dup2(devnull, 2);
    close(outp[1]);
    close(errp[1]);
    if (r < 0) {
        send_error(ready, &err);
        _exit(1);
    }
    congo_container_record_monitor(o->root, o->id, getpid(), &err);
    congo_error_clear(&err);
    log = open_log(o->root, o->id);
    (void) !write(ready, &ok, 1);
    close(ready);

    out.fd = outp[0];
    errs.fd = errp[0];
    for (bool oo = true, eo = true; oo || eo;) {
        struct pollfd p[2] = { { .fd = oo ? out.fd : -1, .events = POLLIN }, { .fd = eo ? errs.fd : -1, .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (oo && p[0].revents)
            oo = pump(&out, log);
        if (eo && p[1].revents)
            eo = pump(&errs, log);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            _exit(1);
        }
    status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    /* The container may have been deleted meanwhile: nothing to record. */
    congo_container_record_exit(o->root, o->id, status, &err);
    congo_error_clear(&err);
    if (remove) {
        congo_container_delete(o->root, o->id, true, &err);
        congo_error_clear(&err);
    }
    _exit(0);
}

int congo_monitor_spawn(pid_t *monitor_out, const struct congo_create_opts *o, bool remove, congo_error *err)
{
    int ready[2];
    pid_t pid;
    char c;
    ssize_t n;

    if (pipe2(ready, O_CLOEXEC) < 0)
        return congo_error_errno(err, "pipe");
    pid = fork();
    if (pid < 0) {
        close(ready[0]);
        close(ready[1]);
        return congo_error_errno(err, "fork the monitor");
    }
    if (pid == 0) {
        close(ready[0]);
        monitor_main(ready[1], o, remove);
    }
    close(ready[1]);
    do
        n = read(ready[0], &c, 1);
    while (n < 0 && errno == EINTR);
    if (n == 1 && c == 'R') {
        close(ready[0]);
        *monitor_out = pid;
        return 0;
    }
    /* 'E' and an error record, or nothing when the monitor died. */
    {
        congo_error child = CONGO_ERROR_INIT;
        int r = n == 1 && c == 'E' ? congo_error_recv(ready[0], &child) : 0;
        close(ready[0]);
        waitpid(pid, NULL, 0);
        if (r > 0) {
            congo_error_clear(err);
            *err = child;
            return err->errnum > 0 ? -err->errnum : -EINVAL;
        }
        return congo_error_set(err, ECHILD, "the monitor of container `%s` died while starting it", o->id);
    }
}

int congo_log_line_parse(const char *line, const char **time, const char **stream, const char **text)
{
    const char *sp1 = strchr(line, ' '), *sp2;
    if (!sp1)
        return -EINVAL;
    sp2 = strchr(sp1 + 1, ' ');
    if (!sp2)
        return -EINVAL;
    *time = line;
    *stream = sp1 + 1;
    *text = sp2 + 1;
    return 0;
}
