/* Linux security modules: the AppArmor profile (process.apparmorProfile)
 * and the SELinux label (process.selinuxLabel) the container's program is
 * exec'd into, and the SELinux context of its mounts (linux.mountLabel).
 *
 * Both labels are "on exec" attributes of the task: written to
 * /proc/thread-self/attr/{apparmor/,}exec they take effect at the next
 * execve.  The files are opened by congo_lsm_prepare() while /proc is still
 * the host's (before pivot_root, or before `congo exec` joins the
 * container's mount namespace), so that a container's own /proc (or
 * something mounted over it) never receives them, and written by
 * congo_lsm_apply() once nothing but the container's program is left to
 * exec (runc's order: after createContainer hooks, before startContainer
 * hooks, which run under the container's labels).
 *
 * A label asked for on a host where its LSM is absent or disabled is an
 * error that names the LSM and why (congo never runs a container less
 * confined than its configuration says).
 *
 * SELinux support needs libselinux at build time (configure --with-selinux,
 * HAVE_SELINUX).  libselinux is dlopen'ed only when a label is asked for:
 * linked in, it would cost every congo command two more libraries and its
 * constructor's probing of selinuxfs. */
#ifndef CONGO_LSM_H
#define CONGO_LSM_H

#include <stdbool.h>

#include "error.h"
#include "oci-config.h"

enum congo_lsm {
    CONGO_LSM_APPARMOR,
    CONGO_LSM_SELINUX,
};

/* Whether this build supports the LSM (`congo features`: compile-time
 * support, not the host's). */
bool congo_lsm_built(enum congo_lsm kind);
/* Whether the LSM is usable on this host now.  When not and why is given,
 * *why gets a sentence saying why ("this kernel has no AppArmor (no
 * /sys/module/apparmor)"). */
bool congo_lsm_available(enum congo_lsm kind, char **why);

struct congo_lsm_exec {
    int apparmor_fd;            /* attr file for "exec PROFILE", or -1 */
    int selinux_fd;             /* attr file for the exec context, or -1 */
    const char *apparmor_profile;
    const char *selinux_label;
    const char *pfx;            /* JSON path of the process object, for messages */
};
#define CONGO_LSM_EXEC_INIT { -1, -1, NULL, NULL, "" }

/* Check that the LSMs the process (and mount_label, NULL for exec) need are
 * usable and open the attr files.  No-op without labels.  SELinux: also
 * labels the keys the task creates from now on (the session keyring) with
 * selinuxLabel, as runc does.  pfx as in process-attrs.h. */
int congo_lsm_prepare(struct congo_lsm_exec *x, const oci_process *p, const char *mount_label, const char *pfx,
                      congo_error *err);
/* Write the exec labels and close the files. */
int congo_lsm_apply(struct congo_lsm_exec *x, congo_error *err);
/* Close what prepare opened (error paths). */
void congo_lsm_exec_clear(struct congo_lsm_exec *x);


#endif
