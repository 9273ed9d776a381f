/* The default network of a user other than root (`congo run IMAGE`
 * rootless): pasta, a user-mode network stack (Debian package passt).
 *
 * A user cannot enter the container's namespaces from a createRuntime hook
 * (its init is non-dumpable until it execs), so three hooks share the work
 * through BUNDLE/network/: createRuntime `congo network hook pasta-start DIR`
 * leaves a waiter process on the FIFO pasta.req; createContainer
 * `... pasta-join DIR` (inside the container's namespaces, a fresh dumpable
 * process) writes its host pid there and waits on pasta.ack; the waiter runs
 * `pasta --config-net --userns/--netns /proc/THATPID/ns/...` with the port
 * forwards in pasta.args, records pasta's pid and start time in pasta.proc
 * and answers.  Poststop `... pasta-stop DIR` ends what pasta.proc and
 * waiter.proc name, if their start times still match.  Without pasta,
 * slirp4netns does its part (BUNDLE/network/netstack names the tool; no
 * port forwards then: they go through its API socket, not done). */
#ifndef CONGO_NETWORK_PASTA_H
#define CONGO_NETWORK_PASTA_H

#include "libcongo/error.h"

/* NAME's path on PATH, or NULL; pasta's. */
char *net_tool_find(const char *name);
char *net_pasta_find(void);
int net_pasta_start(const char *dir, const char *state_json, congo_error *err);
int net_pasta_join(const char *dir, congo_error *err);
int net_pasta_stop(const char *dir, congo_error *err);

#endif
