/* Small helpers shared by the whole tree: scope cleanup, allocation that
 * cannot fail (out of memory aborts, as in crun), whole-file I/O, and
 * atomic writes.  Nothing here prints. */
#ifndef CONGO_UTILS_H
#define CONGO_UTILS_H

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "error.h"

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p) { free(*(void **) p); }
static inline void closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}
static inline void fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}
static inline void closedirp(DIR **d)
{
    if (*d)
        closedir(*d);
}
void strv_freep(char ***v);
void congo_error_clearp(congo_error *err);
/* Kills (SIGKILL) and reaps a child that the scope still owns; set the
 * variable to -1 (or 0) to hand the child over. */
void pid_killp(pid_t *pid);

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)
#define _cleanup_strv_ _cleanup_(strv_freep)
#define _cleanup_error_ _cleanup_(congo_error_clearp)
#define _cleanup_pid_ _cleanup_(pid_killp)

/* Hand ownership out of a cleanup scope. */
#define steal_pointer(pp) ({ __typeof__(*(pp)) _p = *(pp); *(pp) = NULL; _p; })
#define steal_fd(fdp) ({ int _fd = *(fdp); *(fdp) = -1; _fd; })

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define xnew0(type, n) ((type *) xzalloc(sizeof(type) * (n)))

size_t strv_length(char *const *v);
char **strv_dup(char *const *v);
void strv_free(char **v);
bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
bool streq_ptr(const char *a, const char *b);

/* Retrying I/O: write_all returns 0 or -1 (errno set); read_all returns the
 * number of bytes read (short only at EOF) or -1. */
int write_all(int fd, const void *buf, size_t len);
ssize_t read_all(int fd, void *buf, size_t len);

/* Read a whole file (at most max bytes; 0 = 64 MiB) relative to dirfd (AT_FDCWD
 * for plain paths).  *out is NUL-terminated; *len (optional) excludes the NUL. */
int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len, congo_error *err);
/* Read an already open fd to its end. */
int read_fd(int fd, size_t max, char **out, size_t *len, congo_error *err);

/* Write data to path atomically: a temporary file in the same directory,
 * fsync, rename over path.  Never leaves a half-written file, even after a
 * crash of the machine. */
int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                         congo_error *err);
/* The same without fsync: readers never see a half-written file, but the
 * data need not survive a crash of the machine.  For runtime state (on /run,
 * gone at reboot anyway) and pid files, where an fsync per write would cost
 * milliseconds on every container start. */
int write_file_replace_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                          congo_error *err);
/* The same for files that never outlive a reboot (state.json): the old
 * file is swapped out (RENAME_EXCHANGE) and deleted rather than renamed
 * over, where ext4 would write the new one to disk for crash safety. */
int write_file_runtime_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                          congo_error *err);
/* Write to an existing file (cgroup and /proc knobs): open O_WRONLY, one write. */
int write_file_at(int dirfd, const char *path, const void *data, size_t len, congo_error *err);

/* Parse a whole decimal string into an integer; -EINVAL on junk, -ERANGE on overflow. */
int parse_int64(const char *s, long long *out);
int parse_uint64(const char *s, unsigned long long *out);

/* Close every fd >= first except those listed in keep (sorted or not). */
int close_fds_from(int first, const int *keep, size_t nkeep);
/* Close every fd >= first that is not in keep and for which match(fd) is
 * true (NULL: every one), as listed in /proc/self/fd.  0 or -errno. */
int close_fds_matching(int first, const int *keep, size_t nkeep, bool (*match)(int fd));
/* The same, listed through fd_dir (an fd on /proc/self/fd, for a root
 * without /proc; -1: /proc/self/fd). */
int close_fds_matching_in(int fd_dir, int first, const int *keep, size_t nkeep, bool (*match)(int fd));
/* match() predicates: an fd without FD_CLOEXEC (congo opens every fd of its
 * own close-on-exec, so such an fd came from congo's caller); a directory. */
bool fd_is_inherited(int fd);
bool fd_is_dir(int fd);
/* Mark every fd >= first close-on-exec (close_range CLOSE_RANGE_CLOEXEC). */
int cloexec_fds_from(int first);

/* Move *fd to a number >= min (close-on-exec), e.g. out of the range that
 * --preserve-fds hands to a container.  0 or -errno. */
int fd_move_above(int *fd, int min);

/* mkdir -p relative to dirfd; does not follow symlinks for components it creates. */
int mkdir_p_at(int dirfd, const char *path, mode_t mode, congo_error *err);

/* Remove a directory tree (no symlink following); missing is success. */
int rm_rf_at(int dirfd, const char *path, congo_error *err);

/* Current time as RFC 3339 with nanoseconds, UTC ("2026-11-29T06:37:06.123456789Z"). */
char *rfc3339_now(void);

#endif
