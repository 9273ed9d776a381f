/* USER resolution (see user.h). */
#include "config.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "image/user.h"
#include "libcongo/utils.h"

#define ETC_MAX (8u << 20)

void resolved_user_free(struct resolved_user *u)
{
    free(u->gids);
    free(u->name);
    free(u->home);
    *u = (struct resolved_user){ 0 };
}

static bool parse_id(const char *s, uint32_t *out)
{
    unsigned long long v;
    if (parse_uint64(s, &v) < 0 || v > UINT32_MAX - 1)
        return false;
    *out = v;
    return true;
}

/* Split a line into at most n fields at ':' (in place). */
static size_t split_fields(char *line, char **f, size_t n)
{
    size_t k = 0;
    f[k++] = line;
    for (char *p = line; *p && k < n; p++)
        if (*p == ':') {
            *p = '\0';
            f[k++] = p + 1;
        }
    return k;
}

struct pw {
    char *name, *home;
    uint32_t uid, gid;
};

/* Find a passwd entry by name (name != NULL) or by uid. */
static bool passwd_find(const char *text, const char *name, uint32_t uid, struct pw *out)
{
    _cleanup_free_ char *copy = NULL;
    char *save = NULL, *line;
    if (!text)
        return false;
    copy = xstrdup(text);
    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[7];
        uint32_t u, g;
        size_t k = split_fields(line, f, 7);
        if (k < 4 || line[0] == '#' || line[0] == '+' || line[0] == '-')
            continue;
        if (!parse_id(f[2], &u) || !parse_id(f[3], &g))
            continue;
        if (name ? strcmp(f[0], name) == 0 : u == uid) {
            out->name = xstrdup(f[0]);
            out->home = k >= 6 && *f[5] ? xstrdup(f[5]) : NULL;
            out->uid = u;
            out->gid = g;
            return true;
        }
    }
    return false;
}

static bool group_find(const char *text, const char *name, uint32_t *gid)
{
    _cleanup_free_ char *copy = NULL;
    char *save = NULL, *line;
    if (!text)
        return false;
    copy = xstrdup(text);
    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[4];
        uint32_t g;
        if (split_fields(line, f, 4) < 3 || line[0] == '#')
            continue;
        if (strcmp(f[0], name) == 0 && parse_id(f[2], &g)) {
            *gid = g;
            return true;
        }
    }
    return false;
}

/* The groups listing `user` as a member. */
static void group_members(const char *text, const char *user, uint32_t primary, struct resolved_user *u)
{
    _cleanup_free_ char *copy = NULL;
    char *save = NULL, *line;
    if (!text || !user)
        return;
    copy = xstrdup(text);
    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[4], *msave = NULL, *m;
        uint32_t g;
        if (split_fields(line, f, 4) < 4 || line[0] == '#' || !parse_id(f[2], &g))
            continue;
        for (m = strtok_r(f[3], ",", &msave); m; m = strtok_r(NULL, ",", &msave)) {
            size_t n = strlen(m);
            while (n && (m[n - 1] == '\r' || m[n - 1] == ' '))
                m[--n] = '\0';
            if (strcmp(m, user) != 0 || g == primary)
                continue;
            bool dup = false;
            for (size_t i = 0; i < u->n_gids; i++)
                dup |= u->gids[i] == g;
            if (!dup) {
                u->gids = xrealloc(u->gids, (u->n_gids + 1) * sizeof *u->gids);
                u->gids[u->n_gids++] = g;
            }
        }
    }
}

int user_resolve_text(const char *passwd, const char *group, const char *spec, struct resolved_user *out,
                      congo_error *err)
{
    _cleanup_free_ char *copy = xstrdup(spec && *spec ? spec : "0");
    char *ustr = copy, *gstr = strchr(copy, ':');
    struct resolved_user u = { 0 };
    struct pw pw = { 0 };
    uint32_t id;

    if (gstr)
        *gstr++ = '\0';
    if (!*ustr)
        return congo_error_set(err, 0, "user `%s`: empty user name", spec);
    if (parse_id(ustr, &id)) {
        u.uid = id;
        if (passwd_find(passwd, NULL, id, &pw)) {
            u.gid = pw.gid;
            u.name = pw.name;
            u.home = pw.home;
        }
    } else {
        if (!passwd_find(passwd, ustr, 0, &pw))
            return congo_error_set(err, 0, "user `%s` is not in the image's /etc/passwd%s", ustr,
                                   passwd ? "" : " (the image has none)");
        u.uid = pw.uid;
        u.gid = pw.gid;
        u.name = pw.name;
        u.home = pw.home;
    }
    if (gstr) {
        if (!*gstr) {
            resolved_user_free(&u);
            return congo_error_set(err, 0, "user `%s`: empty group name", spec);
        }
        if (parse_id(gstr, &id)) {
            u.gid = id;
        } else if (!group_find(group, gstr, &u.gid)) {
            resolved_user_free(&u);
            return congo_error_set(err, 0, "group `%s` is not in the image's /etc/group%s", gstr,
                                   group ? "" : " (the image has none)");
        }
    }
    group_members(group, u.name, u.gid, &u);
    *out = u;
    return 0;
}

static int read_in_root(int rootfs_fd, const char *path, char **out, congo_error *err)
{
    struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
    _cleanup_close_ int fd = syscall(SYS_openat2, rootfs_fd, path, &how, sizeof how);
    struct stat st;
    int r;

    *out = NULL;
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return congo_error_errno(err, "open the image's /%s", path);
    }
    if (fstat(fd, &st) < 0)
        return congo_error_errno(err, "stat the image's /%s", path);
    if (!S_ISREG(st.st_mode))
        return congo_error_set(err, EINVAL, "the image's /%s is not a regular file", path);
    r = read_fd(fd, ETC_MAX, out, NULL, err);
    if (r < 0)
        return congo_error_wrap(err, r, "read the image's /%s", path);
    return 0;
}

int user_resolve(int rootfs_fd, const char *spec, struct resolved_user *out, congo_error *err)
{
    _cleanup_free_ char *passwd = NULL, *group = NULL;
    int r;
    if ((r = read_in_root(rootfs_fd, "etc/passwd", &passwd, err)) < 0 ||
        (r = read_in_root(rootfs_fd, "etc/group", &group, err)) < 0)
        return r;
    return user_resolve_text(passwd, group, spec, out, err);
}
