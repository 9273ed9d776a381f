/* Foreground supervision of a container process, shared by `run` and
 * `exec`: congo stays the process's parent, forwards the signals it gets,
 * proxies the terminal when it holds the pty master, and returns the
 * process's exit status (128+N when signal N killed it).
 *
 *     struct congo_supervisor s;
 *     congo_supervise_begin(&s, err);      before the process is cloned
 *     ... clone it (its child side calls congo_signals_reset()) ...
 *     code = congo_supervise_wait(&s, pid, master);
 *     congo_supervise_end(&s);
 */
#ifndef CONGO_SUPERVISE_H
#define CONGO_SUPERVISE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

struct congo_supervisor {
    sigset_t old;   /* congo's signal mask before begin */
    int sfd;        /* signalfd of the forwarded signals; -1 when not begun */
};

/* Block every forwardable signal (all but SIGKILL, SIGSTOP, the synchronous
 * faults, SIGWINCH for the terminal proxy, SIGTTIN/SIGTTOU) and open a
 * signalfd for them.  Call before the process exists: a signal that arrives
 * while it is being set up is queued and forwarded once it runs. */
int congo_supervise_begin(struct congo_supervisor *s, congo_error *err);
/* Forward signals to pid until it exits; meanwhile, when master >= 0, copy
 * between congo's stdio and the pty master on a thread (congo_terminal_proxy,
 * given up to a second after the exit to drain).  Returns the exit code. */
int congo_supervise_wait(struct congo_supervisor *s, pid_t pid, int master);
/* Restore the signal mask and close the signalfd (idempotent). */
void congo_supervise_end(struct congo_supervisor *s);

/* A wait status as a shell exit code: the status, or 128+N for signal N. */
int congo_exit_code(int status);

/* In a child, before execve: default dispositions for the signals the
 * caller ignored (ignored signals survive execve) and an empty signal mask
 * (blocked by congo_supervise_begin).  congo installs no handlers, so only
 * ignored signals need resetting; /proc/self/status names them in one read
 * (the caller's /proc: call it before entering another mount namespace, or
 * where /proc is mounted). */
void congo_signals_reset(void);

#endif
