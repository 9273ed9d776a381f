/* OCI hooks: each runs as its own process with `path`, `args` (args[0] is
 * argv[0]), `env` (exactly, nothing inherited), the container state JSON on
 * stdin and an optional `timeout` in seconds (killed when it expires). */
#ifndef CONGO_HOOKS_H
#define CONGO_HOOKS_H

#include <stddef.h>

#include "error.h"
#include "oci-config.h"

/* Run hooks in order; stop at the first failure with an error such as
 * "createRuntime hook #1 (/usr/bin/x): exited with status 3: <its stderr>"
 * (#N is the index in the JSON array, from 0, as in runc's messages; the
 * tail of stderr, or of stdout when stderr is empty).  A hook past its
 * timeout is killed with SIGKILL, with its process group, and reaped:
 * "... timed out after 5 s".  `kind` is the spec's name ("prestart",
 * "createRuntime", ...).  Hooks inherit congo's cwd (runc runs them in the
 * bundle directory) and must not run with SIGCHLD ignored (they are reaped
 * with waitpid()). */
int congo_hooks_run(const oci_hook *hooks, size_t n, const char *kind, const char *state_json, congo_error *err);
/* The same with the hooks' cwd set to `cwd` (NULL: congo's). */
int congo_hooks_run_in(const oci_hook *hooks, size_t n, const char *kind, const char *state_json, const char *cwd,
                       congo_error *err);
/* poststart and poststop: every hook runs; a failure is a warning
 * (congo_warning, the same text as above) and the others go on, as the
 * runtime spec says.  Returns how many failed. */
size_t congo_hooks_run_warn(const oci_hook *hooks, size_t n, const char *kind, const char *state_json);

#endif
