/* Discover the host's cgroup hierarchies from /proc/self/mountinfo: every
 * v1 hierarchy (by its controllers or name=...) and the cgroup2 mount.
 * Shared by cgroup placement and by the `cgroup` mount type in the rootfs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "utils.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *unescape(const char *s)
{
    char *out = xmalloc(strlen(s) + 1), *o = out;
    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *o++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}

/* The v1 hierarchy's controllers from its super options ("rw,cpu,cpuacct",
 * "rw,xattr,name=systemd"), dropping generic options. */
static char *v1_name_from_options(const char *super)
{
    static const char *const generic[] = { "rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode",
                                           "favordynmods", NULL };
    _cleanup_free_ char *copy = xstrdup(super);
    char *save = NULL, *tok, *out = xstrdup("");
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        bool skip = false;
        for (size_t i = 0; generic[i]; i++)
            if (strcmp(tok, generic[i]) == 0)
                skip = true;
        if (skip || str_has_prefix(tok, "release_agent="))
            continue;
        char *n = *out ? xasprintf("%s,%s", out, tok) : xstrdup(tok);
        free(out);
        out = n;
    }
    return out;
}

static bool is_hierarchy_root(const char *root)
{
    if (strcmp(root, "/") == 0)
        return true;
    while (strncmp(root, "/..", 3) == 0)
        root += 3;
    return *root == '\0';
}

static int read_hierarchies(struct congo_cgroup_hierarchy **out, size_t *n_out, congo_error *err)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
    _cleanup_free_ char *line = NULL;
    struct congo_cgroup_hierarchy *h = NULL;
    size_t n = 0, cap = 0;

    if (!f)
        return congo_error_errno(err, "open /proc/self/mountinfo");
    while (getline(&line, &cap, f) > 0) {
        char *fields[16] = { 0 }, *save = NULL, *tok, *dash = strstr(line, " - ");
        char fstype[64], source[256], super[1024];
        int nf = 0;

        if (!dash)
            continue;
        *dash = '\0';
        if (sscanf(dash + 3, "%63s %255s %1023s", fstype, source, super) != 3)
            continue;
        if (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0)
            continue;
        for (tok = strtok_r(line, " ", &save); tok && nf < 16; tok = strtok_r(NULL, " ", &save))
            fields[nf++] = tok;
        if (nf < 5)
            continue;
        /* Only hierarchies mounted at their root: a bind of a sub-cgroup
         * (as inside a container) is not where new cgroups belong.  Seen
         * from a cgroup namespace, the root of a hierarchy mounted outside it
         * reads "/.." (once per level): that is the hierarchy's root too (the
         * rootfs module lists the host's hierarchies from the container's
         * cgroup namespace). */
        if (!is_hierarchy_root(fields[3]))
            continue;
        h = xrealloc(h, (n + 1) * sizeof *h);
        h[n].mountpoint = unescape(fields[4]);
        h[n].v2 = strcmp(fstype, "cgroup2") == 0;
        if (h[n].v2) {
            h[n].name = xstrdup("");
            h[n].options = xstrdup("");
        } else {
            h[n].name = v1_name_from_options(super);
            h[n].options = str_has_prefix(h[n].name, "name=") ? xasprintf("none,%s", h[n].name) : xstrdup(h[n].name);
        }
        /* The same hierarchy mounted twice: keep the first. */
        for (size_t i = 0; i < n; i++)
            if (h[i].v2 == h[n].v2 && strcmp(h[i].name, h[n].name) == 0) {
                free(h[n].name);
                free(h[n].options);
                free(h[n].mountpoint);
                n--;
                break;
            }
        n++;
    }
    *out = h;
    *n_out = n;
    return 0;
}

/* Read once per process: a `run` creates, places and deletes, and the child
 * mounts the same hierarchies (it inherits this copy through the clone, and
 * its new mount and cgroup namespaces see the same mounts until
 * pivot_root). */
static struct congo_cgroup_hierarchy *cached;
static size_t n_cached;
static bool have_cached;

int congo_cgroup_hierarchies(struct congo_cgroup_hierarchy **out, size_t *n_out, congo_error *err)
{
    if (!have_cached) {
        int r = read_hierarchies(&cached, &n_cached, err);
        if (r < 0)
            return r;
        have_cached = true;
    }
    struct congo_cgroup_hierarchy *h = xnew0(struct congo_cgroup_hierarchy, n_cached ? n_cached : 1);
    for (size_t i = 0; i < n_cached; i++) {
        h[i].mountpoint = xstrdup(cached[i].mountpoint);
        h[i].name = xstrdup(cached[i].name);
        h[i].options = xstrdup(cached[i].options);
        h[i].v2 = cached[i].v2;
    }
    *out = h;
    *n_out = n_cached;
    return 0;
}

void congo_cgroup_hierarchies_free(struct congo_cgroup_hierarchy *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].name);
        free(h[i].options);
        free(h[i].mountpoint);
    }
    free(h);
}
