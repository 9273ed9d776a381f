#include "config.h"

#include "utils.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void strv_freep(char ***v) { strv_free(*v); }
void congo_error_clearp(congo_error *err) { congo_error_clear(err); }

void pid_killp(pid_t *pid)
{
    if (*pid > 0) {
        int saved = errno;
        kill(*pid, SIGKILL);
        while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
            ;
        errno = saved;
    }
}

static void oom(void)
{
    static const char msg[] = "congo: out of memory\n";
    (void) !write(2, msg, sizeof msg - 1);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xzalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *xstrdup(const char *s)
{
    char *r;
    if (!s)
        return NULL;
    r = strdup(s);
    if (!r)
        oom();
    return r;
}

char *xstrndup(const char *s, size_t n)
{
    char *r = strndup(s, n);
    if (!r)
        oom();
    return r;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        oom();
    va_end(ap);
    return s;
}

size_t strv_length(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

char **strv_dup(char *const *v)
{
    size_t n = strv_length(v), i;
    char **r;
    if (!v)
        return NULL;
    r = xnew0(char *, n + 1);
    for (i = 0; i < n; i++)
        r[i] = xstrdup(v[i]);
    return r;
}

void strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

bool str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_has_suffix(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

bool streq_ptr(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= n;
    }
    return 0;
}

ssize_t read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        got += n;
    }
    return got;
}

int read_fd(int fd, size_t max, char **out, size_t *len, congo_error *err)
{
    size_t cap = 4096, used = 0;
    char *buf;

    if (max == 0)
        max = 64 << 20;
    buf = xmalloc(cap);
    for (;;) {
        ssize_t n;
        if (used + 1 >= cap) {
            if (cap > max) {
                free(buf);
                return congo_error_set(err, EFBIG, "file is larger than %zu bytes", max);
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        n = read(fd, buf + used, cap - used - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            free(buf);
            return congo_error_errno(err, "read");
        }
        if (n == 0)
            break;
        used += n;
        if (used > max) {
            free(buf);
            return congo_error_set(err, EFBIG, "file is larger than %zu bytes", max);
        }
    }
    buf[used] = '\0';
    *out = buf;
    if (len)
        *len = used;
    return 0;
}

int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len, congo_error *err)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    int r;
    if (fd < 0)
        return congo_error_errno(err, "open `%s`", path);
    r = read_fd(fd, max, out, len, err);
    if (r < 0)
        return congo_error_wrap(err, r, "read `%s`", path);
    return 0;
}

int write_file_at(int dirfd, const char *path, const void *data, size_t len, congo_error *err)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    ssize_t n;
    if (fd < 0)
        return congo_error_errno(err, "open `%s`", path);
    /* Kernel knobs want the value in one write(). */
    n = write(fd, data, len);
    if (n < 0)
        return congo_error_errno(err, "write `%.*s` to `%s`", (int) (len > 64 ? 64 : len), (const char *) data, path);
    if ((size_t) n != len)
        return congo_error_set(err, EIO, "short write to `%s`", path);
    return 0;
}

enum replace_how { REPLACE_SYNC, REPLACE_NOSYNC, REPLACE_EXCHANGE };

static int write_file_renamed(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                              enum replace_how how, congo_error *err)
{
    _cleanup_free_ char *tmp = NULL;
    _cleanup_close_ int fd = -1;
    const char *slash = strrchr(path, '/');
    static unsigned counter;

    if (slash)
        tmp = xasprintf("%.*s/.%s.tmp.%d.%u", (int) (slash - path), path, slash + 1, (int) getpid(), counter++);
    else
        tmp = xasprintf(".%s.tmp.%d.%u", path, (int) getpid(), counter++);
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return congo_error_errno(err, "create `%s`", tmp);
    if (write_all(fd, data, len) < 0 || (how == REPLACE_SYNC && fsync(fd) < 0)) {
        int r = congo_error_errno(err, "write `%s`", tmp);
        unlinkat(dirfd, tmp, 0);
        return r;
    }
    /* ext4 (auto_da_alloc) starts writeback of a file renamed over another,
     * for crash safety: a disk write on every container start, and a
     * synchronous discard when the file is deleted on a "discard" mount.
     * Swapping the two names instead is as atomic for readers. */
    if (how == REPLACE_EXCHANGE && renameat2(dirfd, tmp, dirfd, path, RENAME_EXCHANGE) == 0) {
        unlinkat(dirfd, tmp, 0);
        return 0;
    }
    if (renameat(dirfd, tmp, dirfd, path) < 0) {
        int r = congo_error_errno(err, "rename `%s` to `%s`", tmp, path);
        unlinkat(dirfd, tmp, 0);
        return r;
    }
    return 0;
}

int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                         congo_error *err)
{
    return write_file_renamed(dirfd, path, data, len, mode, REPLACE_SYNC, err);
}

int write_file_replace_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                          congo_error *err)
{
    return write_file_renamed(dirfd, path, data, len, mode, REPLACE_NOSYNC, err);
}

int write_file_runtime_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                          congo_error *err)
{
    return write_file_renamed(dirfd, path, data, len, mode, REPLACE_EXCHANGE, err);
}

int parse_int64(const char *s, long long *out)
{
    char *end;
    long long v;
    if (!s || !*s)
        return -EINVAL;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno == ERANGE)
        return -ERANGE;
    if (*end || end == s)
        return -EINVAL;
    *out = v;
    return 0;
}

int parse_uint64(const char *s, unsigned long long *out)
{
    char *end;
    unsigned long long v;
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return -EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return -ERANGE;
    if (*end || end == s)
        return -EINVAL;
    *out = v;
    return 0;
}

static bool fd_kept(int fd, const int *keep, size_t nkeep)
{
    for (size_t i = 0; i < nkeep; i++)
        if (keep[i] == fd)
            return true;
    return false;
}

int close_fds_from(int first, const int *keep, size_t nkeep)
{
    int lo = first;
    /* close_range over the gaps between kept fds, in ascending order: no
     * /proc needed, and one call per gap rather than one per fd. */
    for (;;) {
        int next = INT_MAX;
        for (size_t i = 0; i < nkeep; i++)
            if (keep[i] >= lo && keep[i] < next)
                next = keep[i];
        if (next == INT_MAX)
            break;
        if (next > lo && syscall(SYS_close_range, (unsigned) lo, (unsigned) next - 1, 0) < 0)
            return -errno;
        lo = next + 1;
    }
    if (syscall(SYS_close_range, (unsigned) lo, ~0U, 0) < 0)
        return -errno;
    return 0;
}

bool fd_is_inherited(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    return fl >= 0 && !(fl & FD_CLOEXEC);
}

bool fd_is_dir(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
}

int close_fds_matching(int first, const int *keep, size_t nkeep, bool (*match)(int fd))
{
    return close_fds_matching_in(-1, first, keep, nkeep, match);
}

int close_fds_matching_in(int fd_dir, int first, const int *keep, size_t nkeep, bool (*match)(int fd))
{
    int dfd = fd_dir >= 0 ? openat(fd_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                          : open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    struct dirent *de;

    if (!d) {
        int e = errno;
        if (dfd >= 0)
            close(dfd);
        return -e;
    }
    while ((de = readdir(d))) {
        long long v;
        if (parse_int64(de->d_name, &v) < 0 || v < first || v > INT_MAX || v == dirfd(d))
            continue;
        if (fd_kept((int) v, keep, nkeep) || (match && !match((int) v)))
            continue;
        close((int) v);
    }
    closedir(d);
    return 0;
}

int cloexec_fds_from(int first)
{
    if (syscall(SYS_close_range, (unsigned) first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        return -errno;
    return 0;
}

int fd_move_above(int *fd, int min)
{
    int nfd;
    if (*fd < 0 || *fd >= min)
        return 0;
    nfd = fcntl(*fd, F_DUPFD_CLOEXEC, min);
    if (nfd < 0)
        return -errno;
    close(*fd);
    *fd = nfd;
    return 0;
}

int mkdir_p_at(int dirfd, const char *path, mode_t mode, congo_error *err)
{
    _cleanup_free_ char *copy = xstrdup(path);
    char *p = copy;

    while (*p == '/')
        p++;
    for (;;) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        if (*p && mkdirat(dirfd, copy, mode) < 0 && errno != EEXIST)
            return congo_error_errno(err, "mkdir `%s`", copy);
        if (!slash)
            break;
        *slash = '/';
        p = slash + 1;
    }
    return 0;
}

static int rm_rf_children(int dfd, congo_error *err)
{
    DIR *d = fdopendir(dfd);
    struct dirent *de;
    int r = 0;

    if (!d) {
        close(dfd);
        return congo_error_errno(err, "opendir");
    }
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) {
            int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) {
                r = rm_rf_children(sub, err);
                if (r < 0)
                    break;
                if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
                    r = congo_error_errno(err, "rmdir `%s`", de->d_name);
                    break;
                }
                continue;
            }
        }
        if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
            r = congo_error_errno(err, "unlink `%s`", de->d_name);
            break;
        }
    }
    closedir(d);
    return r;
}

int rm_rf_at(int dirfd, const char *path, congo_error *err)
{
    int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int r;
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        if (errno == ENOTDIR || errno == ELOOP) {
            if (unlinkat(dirfd, path, 0) < 0 && errno != ENOENT)
                return congo_error_errno(err, "unlink `%s`", path);
            return 0;
        }
        return congo_error_errno(err, "open `%s`", path);
    }
    r = rm_rf_children(fd, err);
    if (r < 0)
        return congo_error_wrap(err, r, "remove `%s`", path);
    if (unlinkat(dirfd, path, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return congo_error_errno(err, "rmdir `%s`", path);
    return 0;
}

char *rfc3339_now(void)
{
    /* Civil date from days since the epoch (Howard Hinnant's algorithm):
     * glibc's gmtime_r and strftime load the time zone (/etc/localtime)
     * first, which a UTC timestamp does not need. */
    struct timespec ts;
    long long days, secs, z, era, doe, yoe, doy, mp, y, m, d;

    clock_gettime(CLOCK_REALTIME, &ts);
    days = ts.tv_sec / 86400;
    secs = ts.tv_sec % 86400;
    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = yoe + era * 400 + (m <= 2);
    return xasprintf("%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ldZ", y, m, d, secs / 3600, secs / 60 % 60,
                     secs % 60, ts.tv_nsec);
}
