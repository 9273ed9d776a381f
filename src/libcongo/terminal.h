/* Terminals: process.terminal with --console-socket (the pty master goes to
 * the caller over a unix socket with SCM_RIGHTS, as runc does) and the
 * foreground `run` case where congo itself is the other end. */
#ifndef CONGO_TERMINAL_H
#define CONGO_TERMINAL_H

#include <stdbool.h>

#include "error.h"
#include "oci-config.h"

/* Caller side, before pivot_root: connect to the console socket path. */
int congo_console_socket_connect(int *out_fd, const char *path, congo_error *err);

/* In the container child after pivot_root: open a pty from the container's
 * /dev/ptmx, bind the slave onto /dev/console, make it the controlling
 * terminal and stdin/stdout/stderr, apply consoleSize, and send the master
 * over sock; sock and the master are closed (on failure too). */
int congo_terminal_setup(int sock, const oci_process *p, congo_error *err);
/* Added by the process module: the same with the /dev/console bind optional
 * (false for `exec --tty`, whose container already has its console).  The
 * payload sent with the master is "/dev/ptmx" (as runc); sock is closed. */
int congo_terminal_open(int sock, const oci_process *p, bool mount_console, congo_error *err);

/* Receive a pty master sent with SCM_RIGHTS. */
int congo_terminal_recv_fd(int *out_fd, int sock, congo_error *err);

/* Foreground run with a terminal: copy stdin -> master and master -> stdout
 * until the master hangs up, with our tty in raw mode (restored afterwards)
 * and the window size forwarded on SIGWINCH. Returns when the container's
 * side is closed.  When stdin is not a tty, its end is passed on as VEOF
 * (the container's shell sees ^D).  While it runs, SIGWINCH has a handler
 * (whichever thread takes it wakes the proxy) and is unblocked in the
 * calling thread, and SIGPIPE is ignored; all restored.  It may run in a
 * thread of its own; a caller that consumes SIGWINCH itself (sigwaitinfo,
 * signalfd) calls congo_terminal_resize() instead. */
int congo_terminal_proxy(int master, congo_error *err);
/* Added by the process module: copy our terminal's size (stdin's, else
 * stdout's) to the pty master; a no-op when neither is a tty. */
void congo_terminal_resize(int master);

#endif
