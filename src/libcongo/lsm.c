/* AppArmor profiles and SELinux labels (lsm.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SELINUX
#include <dlfcn.h>
#include <selinux/selinux.h>
#endif

#include "log.h"
#include "lsm.h"
#include "utils.h"

bool congo_lsm_built(enum congo_lsm kind)
{
    switch (kind) {
    case CONGO_LSM_APPARMOR:
        return true; /* nothing but /proc writes: always built */
    case CONGO_LSM_SELINUX:
#ifdef HAVE_SELINUX
        return true;
#else
        return false;
#endif
    }
    return false;
}

static void set_why(char **why, char *s)
{
    if (why)
        *why = s;
    else
        free(s);
}

static bool apparmor_available(char **why)
{
    _cleanup_free_ char *v = NULL;
    if (read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", 64, &v, NULL, NULL) < 0) {
        set_why(why, xstrdup("this kernel has no AppArmor (no /sys/module/apparmor: AppArmor is not built in)"));
        return false;
    }
    if (v[0] != 'Y') {
        set_why(why, xstrdup("AppArmor is built into this kernel but not enabled (/sys/module/apparmor/parameters/"
                             "enabled is N: it is not among the kernel's active LSMs; see the lsm= and apparmor= "
                             "boot parameters)"));
        return false;
    }
    return true;
}

#ifdef HAVE_SELINUX
/* libselinux, loaded on first use. */
static struct {
    bool tried;
    void *handle;
    char *error;
    __typeof__(&is_selinux_enabled) is_enabled;
    __typeof__(&security_check_context) check_context;
} selinux_lib;

static bool load_libselinux(void)
{
    if (!selinux_lib.tried) {
        selinux_lib.tried = true;
        selinux_lib.handle = dlopen("libselinux.so.1", RTLD_NOW | RTLD_LOCAL);
        if (selinux_lib.handle) {
            selinux_lib.is_enabled = (__typeof__(selinux_lib.is_enabled)) dlsym(selinux_lib.handle,
                                                                                 "is_selinux_enabled");
            selinux_lib.check_context = (__typeof__(selinux_lib.check_context)) dlsym(selinux_lib.handle,
                                                                                       "security_check_context");
        }
        if (!selinux_lib.is_enabled || !selinux_lib.check_context) {
            const char *e = dlerror();
            selinux_lib.error = xstrdup(e ? e : "libselinux.so.1 lacks is_selinux_enabled or security_check_context");
        }
    }
    return selinux_lib.is_enabled && selinux_lib.check_context;
}
#endif

static bool selinux_available(char **why)
{
#ifdef HAVE_SELINUX
    _cleanup_free_ char *fs = NULL;
    if (!load_libselinux()) {
        set_why(why, xasprintf("libselinux cannot be loaded (%s)", selinux_lib.error));
        return false;
    }
    if (selinux_lib.is_enabled() > 0)
        return true;
    /* Say which of the conditions is missing. */
    if (read_file_at(AT_FDCWD, "/proc/filesystems", 0, &fs, NULL, NULL) == 0 && !strstr(fs, "\tselinuxfs\n"))
        set_why(why, xstrdup("SELinux is not active in this kernel (no selinuxfs in /proc/filesystems: not built in, "
                             "disabled at boot, or not among the kernel's active LSMs)"));
    else if (access("/sys/fs/selinux/enforce", F_OK) < 0)
        set_why(why, xstrdup("selinuxfs is not mounted on /sys/fs/selinux"));
    else
        set_why(why, xstrdup("no SELinux policy is loaded"));
    return false;
#else
    set_why(why, xstrdup("this congo was built without SELinux support (it needs libselinux: configure "
                         "--with-selinux)"));
    return false;
#endif
}

bool congo_lsm_available(enum congo_lsm kind, char **why)
{
    switch (kind) {
    case CONGO_LSM_APPARMOR:
        return apparmor_available(why);
    case CONGO_LSM_SELINUX:
        return selinux_available(why);
    }
    return false;
}

void congo_lsm_exec_clear(struct congo_lsm_exec *x)
{
    if (x->apparmor_fd >= 0)
        close(x->apparmor_fd);
    if (x->selinux_fd >= 0)
        close(x->selinux_fd);
    x->apparmor_fd = x->selinux_fd = -1;
}

static int open_attr(const char *name, int *fd_out, congo_error *err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/thread-self/attr/%s", name);
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return congo_error_errno(err, "open %s", path);
    *fd_out = fd;
    return 0;
}

static int check_selinux_context(const char *what, const char *label, congo_error *err)
{
#ifdef HAVE_SELINUX
    if (selinux_lib.check_context((char *) label) < 0)
        return congo_error_set(err, 0, "%s \"%s\": not a valid SELinux context in the loaded policy", what, label);
#endif
    return 0;
}

int congo_lsm_prepare(struct congo_lsm_exec *x, const oci_process *p, const char *mount_label, const char *pfx,
                      congo_error *err)
{
    const char *profile = p && p->apparmor_profile && *p->apparmor_profile ? p->apparmor_profile : NULL;
    const char *label = p && p->selinux_label && *p->selinux_label ? p->selinux_label : NULL;
    bool mlabel = mount_label && *mount_label;
    int r;

    *x = (struct congo_lsm_exec) CONGO_LSM_EXEC_INIT;
    x->pfx = pfx;
    if (profile) {
        _cleanup_free_ char *why = NULL;
        if (!apparmor_available(&why))
            return congo_error_set(err, 0, "%sapparmorProfile \"%s\": AppArmor is not available on this host: %s", pfx,
                                   profile, why);
        /* The stacking-aware interface first (Linux 5.8+), then the shared one. */
        if (open_attr("apparmor/exec", &x->apparmor_fd, NULL) < 0 &&
            (r = open_attr("exec", &x->apparmor_fd, err)) < 0)
            return congo_error_wrap(err, r, "%sapparmorProfile \"%s\"", pfx, profile);
        x->apparmor_profile = profile;
    }
    if (label || mlabel) {
        _cleanup_free_ char *why = NULL;
        if (!selinux_available(&why)) {
            congo_lsm_exec_clear(x);
            if (label)
                return congo_error_set(err, 0, "%sselinuxLabel \"%s\": SELinux is not available on this host: %s", pfx,
                                       label, why);
            return congo_error_set(err, 0, "linux.mountLabel \"%s\": SELinux is not available on this host: %s",
                                   mount_label, why);
        }
        _cleanup_free_ char *what = xasprintf("%sselinuxLabel", pfx);
        if ((label && (r = check_selinux_context(what, label, err)) < 0) ||
            (mlabel && (r = check_selinux_context("linux.mountLabel", mount_label, err)) < 0)) {
            congo_lsm_exec_clear(x);
            return r;
        }
        /* The mounts get linux.mountLabel as their `context` (rootfs.c). */
    }
    if (label) {
        _cleanup_close_ int kfd = -1;
        if ((r = open_attr("exec", &x->selinux_fd, err)) < 0 || (r = open_attr("keycreate", &kfd, err)) < 0) {
            congo_lsm_exec_clear(x);
            return congo_error_wrap(err, r, "%sselinuxLabel \"%s\"", pfx, label);
        }
        if (write(kfd, label, strlen(label)) < 0) {
            r = congo_error_errno(err, "%sselinuxLabel \"%s\": label the session keyring", pfx, label);
            congo_lsm_exec_clear(x);
            return r;
        }
        x->selinux_label = label;
    }
    return 0;
}

int congo_lsm_apply(struct congo_lsm_exec *x, congo_error *err)
{
    int r = 0;
    if (x->apparmor_fd >= 0) {
        _cleanup_free_ char *cmd = xasprintf("exec %s", x->apparmor_profile);
        if (write(x->apparmor_fd, cmd, strlen(cmd)) < 0) {
            int e = errno;
            r = congo_error_set(err, e, "%sapparmorProfile \"%s\": change the profile at exec%s", x->pfx,
                                x->apparmor_profile,
                                e == ENOENT ? " (no such profile is loaded: see /sys/kernel/security/apparmor/profiles)"
                                : e == EACCES || e == EPERM ? " (the current AppArmor confinement forbids it)"
                                                            : "");
        }
    }
    if (r == 0 && x->selinux_fd >= 0 && write(x->selinux_fd, x->selinux_label, strlen(x->selinux_label)) < 0) {
        int e = errno;
        r = congo_error_set(err, e, "%sselinuxLabel \"%s\": set the exec context%s", x->pfx, x->selinux_label,
                            e == EINVAL   ? " (not a valid context)"
                            : e == EACCES ? " (the SELinux policy forbids this process that label)"
                                          : "");
    }
    congo_lsm_exec_clear(x);
    return r;
}

